"""The fixed tuning/test split of every development set the project tunes on.

Rules, flagger thresholds, the learned metric and its calibration are fitted on the `tune` part
only; benchmarks report the `test` part, with the `tune` figure beside it so the gap shows.

- WMT12 and WMT13 newstest (`../shared/data/wmt1[23]-fr-en`): by source sentence. A line belongs
  to `test` when the first byte of sha256(its stripped French text) is odd (about half; the same
  sentence always lands on the same side, whatever system translated it).
- DEMETR (`demetr-fr-dev`): the 50 French items are the same in every perturbation file; they are
  ranked by sha256 of their French text and the upper 25 are `test`.
- Bio-MQM (`bio-mqm-fr-en-dev`): by document, ranked by sha256 of the document name, the upper
  half (rounded down) is `test`.

Importable from scripts and tests: `sys.path.insert(0, "bench")`, then `from splits import ...`.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

TUNE, TEST = "tune", "test"


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.strip().encode("utf-8")).digest()


def wmt_part(src: str) -> str:
    """`tune` or `test` for one WMT source sentence."""
    return TEST if _digest(src)[0] % 2 else TUNE


def wmt_test_mask(sources: Sequence[str]) -> list[bool]:
    """True for each line of a WMT source file that belongs to the test part."""
    return [wmt_part(src) == TEST for src in sources]


def _upper_half(keys: Iterable[str]) -> set[str]:
    ranked = sorted(set(keys), key=_digest)
    return set(ranked[len(ranked) - len(ranked) // 2:])


def demetr_test_sources(sources: Iterable[str]) -> set[str]:
    """The French texts of the DEMETR items in the test part (pass every item's `src`)."""
    return _upper_half(sources)


def bio_test_docs(docs: Iterable[str]) -> set[str]:
    """The Bio-MQM document names in the test part (pass every row's `doc`)."""
    return _upper_half(docs)
