"""Blocks change nothing: lexical results split over blocks and processes equal one pass."""
from __future__ import annotations

import numpy as np
import pytest
import sacrebleu
from relecture.engine import local
from relecture.engine.blocks import Block, StatisticsTable, block_ranges, score_block
from relecture.metrics.lexical import BLEU, CHRF, TER, CHRFpp, corpus_sums

from tests.conftest import lines


@pytest.fixture(scope="module")
def corpus(demo):
    # 6 x the demo (300 segments), each copy shifted so blocks see different neighbours
    ref, a, b = (lines(demo / name) for name in ("ref.en", "sys-a.en", "sys-b.en"))
    n = len(ref)
    order = [(i * 7 + k) % n for k in range(6) for i in range(n)]
    return [ref[i] for i in order], {"a": [a[i] for i in order], "b": [b[i] for i in order]}, [a[i] for i in order]


def _table(metrics, refs, hyps, size):
    n = len(next(iter(hyps.values())))
    table = StatisticsTable(metrics, list(hyps), n)
    for start, end in reversed(block_ranges(n, size)):  # blocks arrive in any order
        table.add(score_block(metrics, Block(start, tuple(tuple(r[start:end]) for r in refs),
                                             {k: v[start:end] for k, v in hyps.items()})))
    return table.results(len(refs))


@pytest.mark.parametrize("size", [1, 37])
def test_any_block_size_gives_one_pass_results(corpus, size):
    ref, hyps, _ = corpus
    metrics = [BLEU(), CHRF(), TER()]
    whole = _table(metrics, [ref], hyps, len(ref))
    split = _table(metrics, [ref], hyps, size)
    for system in hyps:
        for m in metrics:
            assert split[system][m.name].score == whole[system][m.name].score
            assert split[system][m.name].seg_scores == whole[system][m.name].seg_scores
            assert split[system][m.name].seg_stats == whole[system][m.name].seg_stats
            assert split[system][m.name].signature == whole[system][m.name].signature


def test_corpus_scores_equal_sacrebleu_with_two_references(corpus):
    ref, hyps, second_ref = corpus
    refs = [ref, second_ref]  # TER's average reference length is fractional here
    results = _table([BLEU(), CHRF(), TER(), CHRFpp()], refs, {"b": hyps["b"]}, 97)["b"]
    assert results["bleu"].score == sacrebleu.corpus_bleu(hyps["b"], refs).score
    assert results["chrf"].score == sacrebleu.corpus_chrf(hyps["b"], refs).score
    assert results["chrf++"].score == sacrebleu.corpus_chrf(hyps["b"], refs, word_order=2).score
    assert results["ter"].score == sacrebleu.corpus_ter(hyps["b"], refs).score


def test_fractional_columns_sum_left_to_right():
    stats = np.array([[1.0, 0.1], [2.0, 0.2], [3.0, 0.3]])
    assert corpus_sums(stats) == [6, 0.1 + 0.2 + 0.3]
    assert isinstance(corpus_sums(stats)[0], int)


def test_process_pool_equals_one_process(corpus):
    ref, hyps, _ = corpus
    metrics = [BLEU(), CHRF()]
    one = local.score_lexical(metrics, [ref], hyps, workers=1)
    pooled = local.score_lexical(metrics, [ref], hyps, workers=2, min_work=0)  # 8 blocks, 2 processes
    for system in hyps:
        for m in metrics:
            assert pooled[system][m.name] == one[system][m.name]
