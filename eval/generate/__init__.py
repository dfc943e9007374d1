"""Systems that are models: translate the test set's source, then score the output (issue 12).

A system in the config may be a transformers checkpoint (`model:`), an OpenAI-compatible server
(`endpoint:`) or a program reading French lines on stdin (`command:`) instead of an output file.
`spec.py` validates those entries (no heavy import), `driver.py` runs one through the per-segment
output cache (`cache.py`) with progress (`progress.py`); one backend module each:
`transformers.py` (and CTranslate2 where it is installed), `http.py`, `command.py`.
"""
