"""USE vectors of texts for the flaggers, each text encoded once per process.

The encoder (tokenizer + one-thread numpy, eval/flaggers/use_kernel.py) is a large part of the
flaggers' time and runs on one core; `embed` keeps every vector it computed, so the names and
coverage flaggers, and every system of a run, share the words and n-grams they look up.  Outside
`flag_segments`, a large batch is split with the helper process (eval/flaggers/workers.py).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .text import split_by_length
from .use_kernel import encode_texts
from .workers import in_helper

_vectors: dict[str, Any] = {}
MAX_CACHED_VECTORS = 400_000  # ~0.8 GB of float32 512-d vectors at most
# From this many new texts, `embed` encodes half of them in the helper process.  Below it, the
# hand-over costs more than it saves.
PARALLEL_ENCODE_FROM = 2_000


def embed(texts: Sequence[str]) -> dict[str, Any]:
    """USE vectors (unit length) of texts, each encoded once per process."""
    missing = sorted({t for t in texts if t not in _vectors})
    if missing:
        if len(_vectors) + len(missing) > MAX_CACHED_VECTORS:
            _vectors.clear()
        for text, vec in zip(missing, encode(missing)):
            _vectors[text] = vec
    return {t: _vectors[t] for t in texts}


def encode(texts: list[str]) -> Any:
    """(len(texts), 512) vectors; a large batch is split between this process and the helper.

    Each text is encoded independently of its batch-mates, so the split changes no vector."""
    if len(texts) < PARALLEL_ENCODE_FROM:
        return encode_texts(texts)
    first, second = split_by_length(texts, 2)
    job = in_helper(encode_texts, second)
    if job is None:
        return encode_texts(texts)
    return np.concatenate([encode_texts(first), job.result()])
