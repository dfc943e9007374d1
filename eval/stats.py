"""Paired significance tests and confidence intervals for comparing two systems on one test set.

Two tests, both paired (same segments, same references), both following sacrebleu's
`significance.py` so that our figures can be checked against `sacrebleu --paired-bs/--paired-ar`:

- paired bootstrap resampling (Koehn 2004): resample segment indices with replacement
  (`numpy.random.default_rng(seed).choice(n, (R, n))`, seed 12345 as sacrebleu), recompute both
  corpus scores on every resample. It gives the confidence interval of the delta and of each
  system's score (percentile interval, sacrebleu's index convention: with R=1000 and 95%, the
  26th and 975th sorted values), and sacrebleu's paired-bs p-value.
- paired approximate randomization (Riezler & Maxwell 2005; multeval's variant, as sacrebleu):
  on each trial swap the two systems' outputs on a random half of the segments; the p-value is
  (#trials with |delta| >= observed |delta| + 1) / (trials + 1). (sacrebleu counts `>`, which
  calls a system compared with itself significant: see `_p_value`.)

Corpus metrics (BLEU, chrF, TER) are resampled from per-segment sufficient statistics and their
scores recomputed from the summed statistics (averaging sentence scores would be another
metric). The score-from-statistics formulas below are sacrebleu's `_compute_score_from_stats`
rewritten over a (resamples x statistics) matrix, so that a comparison costs a few matrix
products instead of tens of thousands of Python calls; tests check them against sacrebleu.
Averaged metrics (COMET and other model scores) pass their segment scores as a single
statistic and `mean_scorer`.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Callable, Sequence

import numpy as np

# (resamples x statistics) summed statistics -> (resamples,) scores
ScoreFn = Callable[[np.ndarray], np.ndarray]

DEFAULT_SEED = 12345  # sacrebleu's default (SACREBLEU_SEED)
DEFAULT_RESAMPLES = 1000  # sacrebleu --paired-bs-n default
DEFAULT_TRIALS = 10000  # sacrebleu --paired-ar-n default

# Rows of a resampling matrix processed at once: ~12 MB of float64, which stays in cache and
# bounds memory whatever the test set size (measured: 3x faster than one 240 MB block for
# 10,000 x 3000). A multiple of 64 rows keeps the random stream identical to one unchunked draw
# (numpy draws booleans 32 at a time; tests/unit/test_stats.py checks this): sacrebleu parity.
_CHUNK_ELEMENTS = 1_500_000

# Ties within floating-point rounding are ties: summing statistics in another order (matrix
# product here, Python sums in sacrebleu) must not decide whether a resample counts as extreme.
_TIE_TOLERANCE = 1e-9


# --------------------------------------------------------------------------------------------
# Score from summed sufficient statistics (sacrebleu's formulas, vectorized)
# --------------------------------------------------------------------------------------------

BLEU_SMOOTH_DEFAULTS: dict[str, float | None] = {"none": None, "floor": 0.1, "add-k": 1.0, "exp": None}


def bleu_from_stats(
    sums: np.ndarray,
    max_ngram_order: int = 4,
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    effective_order: bool = False,
) -> np.ndarray:
    """BLEU of each row of summed statistics [sys_len, ref_len, correct_1..N, total_1..N]
    (sacrebleu `BLEU.compute_bleu`, including its smoothing methods and effective order)."""
    if smooth_method not in BLEU_SMOOTH_DEFAULTS:
        raise ValueError(f"unknown BLEU smooth_method {smooth_method!r}")
    sums = np.atleast_2d(np.asarray(sums, dtype=np.float64))
    order = max_ngram_order
    if sums.shape[1] != 2 + 2 * order:
        raise ValueError(f"BLEU statistics have {sums.shape[1]} columns, expected {2 + 2 * order}")
    if smooth_value is None:
        smooth_value = BLEU_SMOOTH_DEFAULTS[smooth_method]
    rows = sums.shape[0]
    sys_len = np.trunc(sums[:, 0])  # sacrebleu: int(stats[0])
    ref_len = np.trunc(sums[:, 1])
    correct = sums[:, 2 : 2 + order].copy()
    total = sums[:, 2 + order : 2 + 2 * order].copy()

    with np.errstate(divide="ignore", invalid="ignore"):
        brevity = np.where(
            sys_len < ref_len,
            np.where(sys_len > 0, np.exp(1.0 - ref_len / np.where(sys_len > 0, sys_len, 1.0)), 0.0),
            1.0,
        )
        any_match = (correct != 0).any(axis=1)  # "early stop if there are no matches" (#141)

        precisions = np.zeros((rows, order))
        mteval = np.ones(rows)  # 'exp' smoothing: halves the pseudo-count at each zero order
        eff_order = np.full(rows, order)
        alive = np.ones(rows, dtype=bool)  # False once an order with no n-grams ends the loop
        for n in range(order):
            if smooth_method == "add-k" and n > 0:
                correct[:, n] += smooth_value
                total[:, n] += smooth_value
            alive &= total[:, n] != 0
            if effective_order:
                eff_order = np.where(alive, n + 1, eff_order)
            safe_total = np.where(total[:, n] != 0, total[:, n], 1.0)
            zero = correct[:, n] == 0
            if smooth_method == "exp":
                mteval = np.where(alive & zero, mteval * 2, mteval)
                smoothed = 100.0 / (mteval * safe_total)
            elif smooth_method == "floor":
                smoothed = 100.0 * float(smooth_value or 0.0) / safe_total
            else:
                smoothed = np.zeros(rows)
            matched = 100.0 * correct[:, n] / safe_total
            precisions[:, n] = np.where(alive, np.where(zero, smoothed, matched), 0.0)

        # sacrebleu's my_log: log(0) floored at -9999999999
        logs = np.where(precisions != 0, np.log(np.where(precisions > 0, precisions, 1.0)), -9999999999.0)
        used = np.arange(order)[None, :] < eff_order[:, None]
        score = brevity * np.exp(np.where(used, logs, 0.0).sum(axis=1) / eff_order)
    return np.where(any_match, score, 0.0)


def chrf_from_stats(
    sums: np.ndarray,
    char_order: int = 6,
    word_order: int = 0,
    beta: float = 2,
    eps_smoothing: bool = False,
) -> np.ndarray:
    """chrF / chrF++ of each row of summed statistics [hyp, ref, match] x (char + word orders)
    (sacrebleu `CHRF._compute_f_score`, both its effective-order and epsilon smoothing)."""
    sums = np.atleast_2d(np.asarray(sums, dtype=np.float64))
    order = char_order + word_order
    if sums.shape[1] != 3 * order:
        raise ValueError(f"chrF statistics have {sums.shape[1]} columns, expected {3 * order}")
    grouped = sums.reshape(sums.shape[0], order, 3)
    n_hyp, n_ref, n_match = grouped[:, :, 0], grouped[:, :, 1], grouped[:, :, 2]
    eps = 1e-16
    factor = beta**2
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.where(n_hyp > 0, n_match / np.where(n_hyp > 0, n_hyp, 1.0), eps)
        rec = np.where(n_ref > 0, n_match / np.where(n_ref > 0, n_ref, 1.0), eps)
        if eps_smoothing:
            denom = factor * prec + rec
            f_scores = np.where(denom > 0, (1 + factor) * prec * rec / np.where(denom > 0, denom, 1.0), eps)
            return 100.0 * f_scores.sum(axis=1) / order
        counted = (n_hyp > 0) & (n_ref > 0)
        eff = counted.sum(axis=1)
        safe_eff = np.where(eff > 0, eff, 1)
        avg_prec = np.where(eff > 0, np.where(counted, prec, 0.0).sum(axis=1) / safe_eff, 0.0)
        avg_rec = np.where(eff > 0, np.where(counted, rec, 0.0).sum(axis=1) / safe_eff, 0.0)
        denom = factor * avg_prec + avg_rec
        score = (1 + factor) * avg_prec * avg_rec / np.where(denom != 0, denom, 1.0)
    return np.where(avg_prec + avg_rec != 0, 100.0 * score, 0.0)


def ter_from_stats(sums: np.ndarray) -> np.ndarray:
    """TER of each row of summed statistics [edits, reference length] (sacrebleu `TER`)."""
    sums = np.atleast_2d(np.asarray(sums, dtype=np.float64))
    if sums.shape[1] != 2:
        raise ValueError(f"TER statistics have {sums.shape[1]} columns, expected 2")
    edits, ref_len = sums[:, 0], sums[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(ref_len > 0, edits / np.where(ref_len > 0, ref_len, 1.0), np.where(edits > 0, 1.0, 0.0))
    return 100.0 * rate


def mean_scorer(n_segments: int) -> ScoreFn:
    """The scorer of an averaged metric: its one statistic is the segment score; a resample
    has the same number of segments, so its score is the sum over `n_segments`."""

    def score(sums: np.ndarray) -> np.ndarray:
        return np.atleast_2d(np.asarray(sums, dtype=np.float64))[:, 0] / n_segments

    return score


# --------------------------------------------------------------------------------------------
# Resampling
# --------------------------------------------------------------------------------------------


def _chunk_rows(n_segments: int) -> int:
    rows = max(64, (_CHUNK_ELEMENTS // max(n_segments, 1)) // 64 * 64)
    return rows


def _as_matrix(stats: Any, name: str) -> np.ndarray:
    matrix = np.asarray(stats, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise ValueError(f"{name}: expected a non-empty (segments x statistics) matrix, got shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError(f"{name}: statistics contain NaN or infinite values")
    return matrix


def _check_pair(baseline: Any, candidate: Any) -> tuple[np.ndarray, np.ndarray]:
    base = _as_matrix(baseline, "baseline")
    cand = _as_matrix(candidate, "candidate")
    if base.shape != cand.shape:
        raise ValueError(f"paired test needs aligned statistics: baseline {base.shape}, candidate {cand.shape}")
    return base, cand


def percentile_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile interval of resampled values with sacrebleu's index convention (for 95%:
    sorted[n // 40] and sorted[n - n // 40 - 1])."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    n = len(ordered)
    lower = int(math.floor(n * (1 - confidence) / 2 + 1e-9))
    upper = n - lower - 1
    return float(ordered[lower]), float(ordered[upper])


def bootstrap_indices(n_segments: int, n_resamples: int, seed: int | None) -> np.ndarray:
    """The (resamples x segments) indices sacrebleu's paired bootstrap draws for this seed."""
    rng = np.random.default_rng(seed)
    return rng.choice(n_segments, size=(n_resamples, n_segments), replace=True)


def _product_dtype(matrix: np.ndarray, n_segments: int) -> type:
    """float32 where it is exact, float64 elsewhere. Counts of n-grams and characters are
    integers, and every sum a resample can reach stays below 2^24, where float32 represents
    integers exactly: the products then equal float64's and run twice as fast. Scores of
    averaged metrics are fractions: float64."""
    if matrix.size and np.array_equal(matrix, np.round(matrix)) and n_segments * float(np.abs(matrix).max()) < 2**24:
        return np.float32
    return np.float64


def _bootstrap_sums(indices: np.ndarray, stats: np.ndarray) -> np.ndarray:
    """Summed statistics of each resample: counts (resamples x segments) @ stats. A matrix
    product instead of `stats[indices].sum(1)`, which would materialize resamples x segments x
    statistics numbers."""
    n_resamples, n_segments = indices.shape
    dtype = _product_dtype(stats, n_segments)
    weights = stats.astype(dtype)
    out = np.empty((n_resamples, stats.shape[1]))
    step = _chunk_rows(n_segments)
    first = min(step, n_resamples)
    buffer = np.empty((first, n_segments), dtype=dtype)  # reused: no page faults per chunk
    flat = np.empty((first, n_segments), dtype=indices.dtype)
    offsets = (np.arange(first) * n_segments)[:, None]  # row r counts into bins r*n .. r*n+n-1
    for start in range(0, n_resamples, step):
        block = indices[start : start + step]
        rows = block.shape[0]
        np.add(block, offsets[:rows], out=flat[:rows])
        counts = buffer[:rows]
        np.copyto(counts, np.bincount(flat[:rows].ravel(), minlength=rows * n_segments).reshape(rows, n_segments))
        out[start : start + rows] = counts @ weights
    return out


@dataclass(frozen=True)
class BootstrapResult:
    baseline_score: float
    candidate_score: float
    delta: float  # candidate - baseline
    ci: tuple[float, float]  # percentile interval of the resampled delta
    baseline_ci: tuple[float, float]
    candidate_ci: tuple[float, float]
    p_value: float  # sacrebleu's paired-bs p-value
    n_resamples: int
    seed: int | None
    confidence: float


def paired_bootstrap(
    baseline_stats: Any,
    candidate_stats: Any,
    score_fn: ScoreFn,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int | None = DEFAULT_SEED,
    confidence: float = 0.95,
    count_ties: bool = True,
) -> BootstrapResult:
    """Paired bootstrap resampling over segments, as sacrebleu's `_paired_bs_test`.

    The p-value is sacrebleu's: with d_i = |score_cand_i - score_base_i| on resample i,
    p = (#{d_i - mean(d) >= |observed delta|} + 1) / (R + 1) (ties: see `_p_value`;
    `count_ties=False` gives sacrebleu's own count, for parity checks).
    """
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    base, cand = _check_pair(baseline_stats, candidate_stats)
    base_score = float(score_fn(base.sum(axis=0, keepdims=True))[0])
    cand_score = float(score_fn(cand.sum(axis=0, keepdims=True))[0])
    indices = bootstrap_indices(base.shape[0], n_resamples, seed)
    both = _bootstrap_sums(indices, np.concatenate([base, cand], axis=1))
    base_scores = score_fn(both[:, : base.shape[1]])
    cand_scores = score_fn(both[:, base.shape[1] :])
    deltas = cand_scores - base_scores
    observed = abs(cand_score - base_score)
    sample_diffs = np.abs(deltas)
    centred = sample_diffs - sample_diffs.mean()
    p_value = _p_value(centred, observed, count_ties)
    return BootstrapResult(
        baseline_score=base_score,
        candidate_score=cand_score,
        delta=cand_score - base_score,
        ci=percentile_interval(deltas, confidence),
        baseline_ci=percentile_interval(base_scores, confidence),
        candidate_ci=percentile_interval(cand_scores, confidence),
        p_value=p_value,
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
    )


@dataclass(frozen=True)
class RandomizationResult:
    baseline_score: float
    candidate_score: float
    delta: float
    p_value: float
    n_trials: int
    seed: int | None


def approximate_randomization(
    baseline_stats: Any,
    candidate_stats: Any,
    score_fn: ScoreFn,
    n_trials: int = DEFAULT_TRIALS,
    seed: int | None = DEFAULT_SEED,
    count_ties: bool = True,
) -> RandomizationResult:
    """Paired two-sided approximate randomization, as sacrebleu's `_paired_ar_test`: each trial
    swaps the systems on the segments where a fair coin says so, p = (#{|delta_trial| >=
    |observed delta|} + 1) / (trials + 1) (ties: see `_p_value`; `count_ties=False` gives
    sacrebleu's own count, for parity checks)."""
    if n_trials < 1:
        raise ValueError("n_trials must be at least 1")
    base, cand = _check_pair(baseline_stats, candidate_stats)
    n_segments = base.shape[0]
    base_total = base.sum(axis=0)
    cand_total = cand.sum(axis=0)
    base_score = float(score_fn(base_total[None, :])[0])
    cand_score = float(score_fn(cand_total[None, :])[0])
    observed = abs(base_score - cand_score)
    # Pseudo-system A takes the baseline where the coin says so and the candidate elsewhere:
    # sum_A = cand_total + swap @ (base - cand), sum_B = base_total - swap @ (base - cand).
    difference = base - cand
    dtype = _product_dtype(difference, n_segments)
    difference = difference.astype(dtype)
    rng = np.random.default_rng(seed)
    step = _chunk_rows(n_segments)
    trial_deltas = np.empty(n_trials)
    buffer = np.empty((min(step, n_trials), n_segments), dtype=dtype)  # reused: no page faults per chunk
    for start in range(0, n_trials, step):
        rows = min(step, n_trials - start)
        swap = buffer[:rows]
        np.copyto(swap, rng.integers(2, size=(rows, n_segments), dtype=bool))
        moved = (swap @ difference).astype(np.float64)
        scores_a = score_fn(cand_total[None, :] + moved)
        scores_b = score_fn(base_total[None, :] - moved)
        trial_deltas[start : start + rows] = np.abs(scores_a - scores_b)
    return RandomizationResult(
        baseline_score=base_score,
        candidate_score=cand_score,
        delta=cand_score - base_score,
        p_value=_p_value(trial_deltas, observed, count_ties),
        n_trials=n_trials,
        seed=seed,
    )


def _p_value(sample_stats: np.ndarray, observed: float, count_ties: bool = True) -> float:
    """(#{sample >= observed} + 1) / (n + 1), the Monte Carlo p-value of Noreen (1989) and
    North et al. (2002); the +1 keeps the test from rejecting more often than its level.

    Ties count as extreme. sacrebleu (after multeval) counts only `>`, so a system compared
    with itself, where every resample ties at 0, comes out "significant" at p = 1/(n+1)
    (jhclark/multeval#5). Where the systems differ, ties have probability ~0 and both counts
    agree: the parity tests against sacrebleu check that they do.
    """
    tolerance = _TIE_TOLERANCE * max(1.0, abs(observed))
    if count_ties:
        extreme = int(np.count_nonzero(sample_stats >= observed - tolerance))
    else:
        extreme = int(np.count_nonzero(sample_stats > observed + tolerance))
    return (extreme + 1) / (len(sample_stats) + 1)


@dataclass(frozen=True)
class PairedComparison:
    """Everything the comparison of one metric between two systems yields."""

    baseline_score: float
    candidate_score: float
    delta: float
    ci: tuple[float, float]
    baseline_ci: tuple[float, float]
    candidate_ci: tuple[float, float]
    p_value: float  # approximate randomization
    p_value_bs: float  # sacrebleu's paired bootstrap p-value
    n_resamples: int
    n_trials: int
    seed: int | None
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("ci", "baseline_ci", "candidate_ci"):
            out[key] = list(out[key])
        return out


def paired_compare(
    baseline_stats: Any,
    candidate_stats: Any,
    score_fn: ScoreFn,
    n_resamples: int = DEFAULT_RESAMPLES,
    n_trials: int = DEFAULT_TRIALS,
    seed: int | None = DEFAULT_SEED,
    confidence: float = 0.95,
) -> PairedComparison:
    """Paired bootstrap (CIs) and approximate randomization (p-value) of one metric."""
    boot = paired_bootstrap(baseline_stats, candidate_stats, score_fn, n_resamples, seed, confidence)
    rand = approximate_randomization(baseline_stats, candidate_stats, score_fn, n_trials, seed)
    return PairedComparison(
        baseline_score=boot.baseline_score,
        candidate_score=boot.candidate_score,
        delta=boot.delta,
        ci=boot.ci,
        baseline_ci=boot.baseline_ci,
        candidate_ci=boot.candidate_ci,
        p_value=rand.p_value,
        p_value_bs=boot.p_value,
        n_resamples=n_resamples,
        n_trials=n_trials,
        seed=seed,
        confidence=confidence,
    )


def holm_bonferroni(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (Holm 1979), in the input order.

    With m candidates compared with one baseline on a metric, the k-th smallest p-value is
    multiplied by (m - k + 1), made monotone, and capped at 1. Rejecting where the adjusted
    value is below alpha keeps the family-wise error rate at alpha under any dependence
    between the tests (they share the baseline, so they are dependent).
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * float(p_values[i])))
        adjusted[i] = running
    return adjusted
