"""eval/stats.py: score-from-statistics formulas equal sacrebleu's, resampling tests equal
sacrebleu's paired-bs / paired-ar on the same systems and seed, and the pieces behave as their
definitions say (brute-force loops as the reference)."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.significance import PairedTest

from relecture import stats

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"

# A small parallel fixture: references and two systems that differ on some segments.
REFERENCES = [
    "The committee approved the budget on Tuesday after a long debate.",
    "Prices rose by 3.5 percent in the third quarter.",
    "The minister said the reform would be presented in March.",
    "Thousands of people marched through the streets of Lyon.",
    "The company will close two factories and cut 800 jobs.",
    "Scientists have discovered a new species of frog in Guyana.",
    "The match ended in a draw after extra time.",
    "Heavy rain caused flooding in the south of the country.",
    "The president of the Senate called for calm.",
    "Unemployment fell for the fourth month in a row.",
    "The museum will reopen its doors next week.",
    "Police arrested three suspects on Friday evening.",
    "The new law comes into force on 1 January.",
    "Farmers protested against the falling price of milk.",
    "The train was delayed by more than two hours.",
    "She won the gold medal in the 200 metres.",
    "The bank raised its interest rate to 4 percent.",
    "Negotiations will resume in Brussels on Monday.",
    "The film was shown for the first time in Cannes.",
    "Half of the students passed the exam.",
    "The storm left 20,000 homes without electricity.",
    "The mayor of Paris opened the new bridge.",
    "Exports to China doubled in five years.",
    "The hospital lacks nurses and doctors.",
]


def _degrade(sentence: str, rng: random.Random, strength: float) -> str:
    words = sentence.split()
    out = [w for w in words if rng.random() > strength]
    if rng.random() < strength:
        out.reverse()
    return " ".join(out) or words[0]


def _systems(n_copies: int = 5) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(7)
    refs = REFERENCES * n_copies
    good = [_degrade(r, rng, 0.1) for r in refs]
    worse = [_degrade(r, rng, 0.25) for r in refs]
    return refs, good, worse


# ---------------------------------------------------------------------------- score from stats

def _random_bleu_stats(rng: np.random.Generator, rows: int, order: int) -> np.ndarray:
    total = rng.integers(0, 40, size=(rows, order))
    total[rng.random(size=(rows, order)) < 0.15] = 0  # orders without n-grams: the loop breaks
    correct = np.minimum(total, rng.integers(0, 30, size=(rows, order)))
    correct[rng.random(size=(rows, order)) < 0.3] = 0  # zero matches: smoothing paths
    sys_len = total[:, 0] + rng.integers(0, 3, size=rows)
    ref_len = rng.integers(0, 60, size=rows)
    sys_len[rng.random(size=rows) < 0.05] = 0
    return np.column_stack([sys_len, ref_len, correct, total]).astype(float)


BLEU_SETTINGS = [
    dict(smooth_method=m, smooth_value=v, effective_order=e, max_ngram_order=o)
    for m, v in (("exp", None), ("none", None), ("floor", None), ("floor", 0.3), ("add-k", None), ("add-k", 2))
    for e in (False, True)
    for o in (4, 2)
]


@pytest.mark.parametrize("settings", BLEU_SETTINGS, ids=lambda s: "-".join(str(v) for v in s.values()))
def test_bleu_from_stats_equals_sacrebleu(settings: dict) -> None:
    rng = np.random.default_rng(1)
    matrix = _random_bleu_stats(rng, 400, settings["max_ngram_order"])
    metric = BLEU(**settings)
    expected = [metric._compute_score_from_stats(list(row)).score for row in matrix.copy()]
    ours = stats.bleu_from_stats(matrix, **settings)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12)


def _random_chrf_stats(rng: np.random.Generator, rows: int, order: int) -> np.ndarray:
    hyp = rng.integers(0, 50, size=(rows, order))
    ref = rng.integers(0, 50, size=(rows, order))
    hyp[rng.random(size=(rows, order)) < 0.15] = 0
    ref[rng.random(size=(rows, order)) < 0.15] = 0
    match = np.minimum(np.minimum(hyp, ref), rng.integers(0, 50, size=(rows, order)))
    match[rng.random(size=(rows, order)) < 0.1] = 0
    return np.stack([hyp, ref, match], axis=2).reshape(rows, 3 * order).astype(float)


CHRF_SETTINGS = [
    dict(char_order=c, word_order=w, beta=b, eps_smoothing=e)
    for c, w in ((6, 0), (6, 2), (4, 1))
    for b in (1, 2, 3)
    for e in (False, True)
]


@pytest.mark.parametrize("settings", CHRF_SETTINGS, ids=lambda s: "-".join(str(v) for v in s.values()))
def test_chrf_from_stats_equals_sacrebleu(settings: dict) -> None:
    rng = np.random.default_rng(2)
    order = settings["char_order"] + settings["word_order"]
    matrix = _random_chrf_stats(rng, 400, order)
    metric = CHRF(**settings)
    expected = [metric._compute_score_from_stats(list(row)).score for row in matrix]
    np.testing.assert_allclose(stats.chrf_from_stats(matrix, **settings), expected, rtol=1e-12, atol=1e-12)


def test_ter_from_stats_equals_sacrebleu() -> None:
    rng = np.random.default_rng(3)
    matrix = np.column_stack([rng.integers(0, 30, 300), rng.integers(0, 40, 300)]).astype(float)
    matrix[:5] = [[0, 0], [3, 0], [0, 5], [2.5, 7.5], [10, 3]]
    expected = [TER()._compute_score_from_stats(list(row)).score for row in matrix]
    np.testing.assert_allclose(stats.ter_from_stats(matrix), expected, rtol=1e-12)


@pytest.mark.parametrize(
    "metric, scorer",
    [(BLEU(), stats.bleu_from_stats), (CHRF(), stats.chrf_from_stats),
     (CHRF(word_order=2), lambda m: stats.chrf_from_stats(m, word_order=2)), (TER(), stats.ter_from_stats)],
    ids=["bleu", "chrf", "chrf++", "ter"],
)
def test_corpus_score_from_real_statistics(metric, scorer) -> None:
    refs, good, _ = _systems(1)
    seg_stats = np.array(metric._extract_corpus_statistics(good, [refs]), dtype=float)
    assert scorer(seg_stats.sum(0, keepdims=True))[0] == pytest.approx(metric.corpus_score(good, [refs]).score, abs=1e-9)


@pytest.mark.parametrize("columns, scorer", [(7, stats.bleu_from_stats), (10, stats.chrf_from_stats), (3, stats.ter_from_stats)])
def test_wrong_statistics_width_is_refused(columns, scorer) -> None:
    with pytest.raises(ValueError, match="columns"):
        scorer(np.ones((2, columns)))


# ---------------------------------------------------------------------------- resampling pieces

@pytest.mark.parametrize("n_segments", [3000, 3003, 7, 101])
def test_chunked_draws_equal_one_draw(monkeypatch, n_segments: int) -> None:
    """Chunking must not change the random stream: parity with sacrebleu depends on it."""
    monkeypatch.setattr(stats, "_CHUNK_ELEMENTS", 64 * n_segments)  # force several chunks
    rows = stats._chunk_rows(n_segments)
    assert rows % 64 == 0
    whole = np.random.default_rng(12345).integers(2, size=(300, n_segments), dtype=bool)
    rng = np.random.default_rng(12345)
    parts = [rng.integers(2, size=(min(rows, 300 - s), n_segments), dtype=bool) for s in range(0, 300, rows)]
    assert (np.concatenate(parts) == whole).all()


@pytest.mark.parametrize("kind", ["counts", "fractions"])  # the float32 and the float64 paths
def test_bootstrap_sums_equal_gather(monkeypatch, kind: str) -> None:
    monkeypatch.setattr(stats, "_CHUNK_ELEMENTS", 64 * 50)
    rng = np.random.default_rng(0)
    matrix = rng.integers(0, 9, size=(50, 4)).astype(float)
    if kind == "fractions":
        matrix = matrix / 7
    assert stats._product_dtype(matrix, 50) is (np.float32 if kind == "counts" else np.float64)
    indices = stats.bootstrap_indices(50, 200, seed=3)
    np.testing.assert_allclose(stats._bootstrap_sums(indices, matrix), matrix[indices].sum(axis=1), rtol=1e-12)


@pytest.mark.parametrize(
    "n, confidence, lower, upper",
    [(1000, 0.95, 25, 974), (40, 0.95, 1, 38), (1000, 0.9, 50, 949), (10, 0.95, 0, 9)],
)
def test_percentile_interval_follows_sacrebleu_indices(n, confidence, lower, upper) -> None:
    values = np.random.default_rng(0).permutation(n).astype(float)
    assert stats.percentile_interval(values, confidence) == (lower, upper)


def _brute_force(base: np.ndarray, cand: np.ndarray, n: int, seed: int, trials: int):
    """Loop versions of both tests, written from their definitions."""
    score = lambda x: float(np.mean(x))  # noqa: E731
    observed = abs(score(cand) - score(base))
    rng = np.random.default_rng(seed)
    idx = rng.choice(n, size=(200, n), replace=True)
    deltas = np.array([score(cand[i]) - score(base[i]) for i in idx])
    diffs = np.abs(deltas)
    p_bs = (np.sum(diffs - diffs.mean() >= observed) + 1) / 201
    rng = np.random.default_rng(seed)
    swaps = rng.integers(2, size=(trials, n), dtype=bool)
    extreme = 0
    for swap in swaps:
        a = np.where(swap, base, cand)
        b = np.where(swap, cand, base)
        extreme += abs(score(a) - score(b)) >= observed
    return deltas, p_bs, (extreme + 1) / (trials + 1)


def test_averaged_metric_tests_equal_brute_force() -> None:
    rng = np.random.default_rng(11)
    base = rng.normal(0.80, 0.1, 120)
    cand = base - rng.normal(0.01, 0.05, 120)
    deltas, p_bs, p_ar = _brute_force(base, cand, 120, seed=5, trials=500)
    result = stats.paired_compare(base, cand, stats.mean_scorer(120), n_resamples=200, n_trials=500, seed=5)
    assert result.delta == pytest.approx(cand.mean() - base.mean())
    assert result.ci == pytest.approx(stats.percentile_interval(deltas))
    assert result.p_value_bs == pytest.approx(p_bs)
    assert result.p_value == pytest.approx(p_ar)


@pytest.mark.parametrize("scorer_name", ["bleu", "chrf", "ter", "mean"])
def test_system_against_itself(scorer_name: str) -> None:
    refs, good, _ = _systems(1)
    metric = {"bleu": BLEU(), "chrf": CHRF(), "ter": TER(), "mean": None}[scorer_name]
    if metric is None:
        matrix = np.random.default_rng(0).random((len(good), 1))
        scorer = stats.mean_scorer(len(good))
    else:
        matrix = np.array(metric._extract_corpus_statistics(good, [refs]), dtype=float)
        scorer = {"bleu": stats.bleu_from_stats, "chrf": stats.chrf_from_stats, "ter": stats.ter_from_stats}[scorer_name]
    result = stats.paired_compare(matrix, matrix.copy(), scorer, n_resamples=300, n_trials=300)
    assert result.delta == 0
    assert result.ci == (0.0, 0.0)
    # sacrebleu would say p = 1/(n+1) here (it counts ties as not extreme): see stats._p_value.
    assert result.p_value == 1.0 and result.p_value_bs == 1.0


def test_clear_difference_is_significant() -> None:
    refs, good, worse = _systems(5)
    metric = CHRF()
    base = np.array(metric._extract_corpus_statistics(good, [refs]), dtype=float)
    cand = np.array(metric._extract_corpus_statistics(worse, [refs]), dtype=float)
    result = stats.paired_compare(base, cand, stats.chrf_from_stats, n_resamples=500, n_trials=2000)
    assert result.delta < 0
    assert result.ci[1] < 0  # the whole interval lies below zero
    assert result.p_value == pytest.approx(1 / 2001)


def test_misaligned_statistics_are_refused() -> None:
    with pytest.raises(ValueError, match="aligned"):
        stats.paired_bootstrap(np.ones((5, 2)), np.ones((6, 2)), stats.ter_from_stats)
    with pytest.raises(ValueError, match="NaN"):
        stats.approximate_randomization(np.array([1.0, np.nan]), np.ones(2), stats.mean_scorer(2))


# ---------------------------------------------------------------------------- Holm

@pytest.mark.parametrize(
    "p_values, adjusted",
    [
        ([0.01], [0.01]),
        ([0.01, 0.04, 0.03], [0.03, 0.06, 0.06]),  # 3*0.01; 2*0.03; max(0.06, 1*0.04)
        ([0.5, 0.2, 0.9], [1.0, 0.6, 1.0]),
        ([0.001, 0.001], [0.002, 0.002]),
        ([], []),
    ],
)
def test_holm_bonferroni(p_values, adjusted) -> None:
    assert stats.holm_bonferroni(p_values) == pytest.approx(adjusted)


# ---------------------------------------------------------------------------- sacrebleu parity

def _sacrebleu_p(test_type: str, metric, base: list[str], cand: list[str], refs: list[str], n: int):
    sig, table = PairedTest([("base", base), ("cand", cand)], {"m": metric}, [refs], test_type=test_type, n_samples=n)()
    column = [v for k, v in table.items() if k != "System"][0]
    return column[1]


PARITY_CASES = [(name, test) for name in ("bleu", "chrf") for test in ("bs", "ar")]
SCORERS = {"bleu": (BLEU, stats.bleu_from_stats), "chrf": (CHRF, stats.chrf_from_stats)}


def _parity(name: str, test: str, refs: list[str], base: list[str], cand: list[str], n: int) -> None:
    cls, scorer = SCORERS[name]
    metric = cls()
    sacre = _sacrebleu_p(test, metric, base, cand, refs, n)
    base_stats = np.array(metric._extract_corpus_statistics(base, [refs]), dtype=float)
    cand_stats = np.array(metric._extract_corpus_statistics(cand, [refs]), dtype=float)
    if test == "bs":
        run = lambda ties: stats.paired_bootstrap(base_stats, cand_stats, scorer, n_resamples=n, count_ties=ties)  # noqa: E731
        half_width = (run(True).candidate_ci[1] - run(True).candidate_ci[0]) / 2
        # sacrebleu sums float32 statistics (and chrF then computes in float32): 1e-4 relative.
        assert half_width == pytest.approx(sacre.ci, rel=1e-4)
    else:
        run = lambda ties: stats.approximate_randomization(base_stats, cand_stats, scorer, n_trials=n, count_ties=ties)  # noqa: E731
    strict, ours = run(False), run(True)
    assert ours.candidate_score == pytest.approx(sacre.score, abs=1e-9)
    # Same seed, same draws: with sacrebleu's count of ties the estimates are equal, not merely
    # within sampling error.
    assert strict.p_value == pytest.approx(sacre.p_value, abs=1e-12)
    # Our default counts ties as extreme; it may only differ by tied resamples, far less than the
    # estimate's sampling error (3 standard errors here).
    assert ours.p_value >= sacre.p_value
    standard_error = np.sqrt(max(sacre.p_value * (1 - sacre.p_value), 1 / n) / n)
    assert ours.p_value - sacre.p_value <= 3 * standard_error


@pytest.mark.parametrize("name, test", PARITY_CASES)
def test_parity_with_sacrebleu_on_fixture(name: str, test: str) -> None:
    refs, good, worse = _systems(3)
    # A close pair, so that the p-value lies away from its floor 1/(n+1) and means something.
    rng = random.Random(3)
    close = [w if rng.random() < 0.3 else g for g, w in zip(good, worse)]
    _parity(name, test, refs, good, close, 1000 if test == "bs" else 2000)


@pytest.mark.shared
@pytest.mark.skipif(not (SHARED / "wmt13-fr-en").is_dir(), reason="needs ../shared/data")
@pytest.mark.parametrize("name, test", PARITY_CASES)
def test_parity_with_sacrebleu_on_wmt13(name: str, test: str) -> None:
    root = SHARED / "wmt13-fr-en"
    refs = (root / "ref.en").read_text(encoding="utf-8").splitlines()
    base = (root / "systems" / "online-B.en").read_text(encoding="utf-8").splitlines()
    cand = (root / "systems" / "KIT_primary.2658.en").read_text(encoding="utf-8").splitlines()
    _parity(name, test, refs, base, cand, 1000 if test == "bs" else 10000)
