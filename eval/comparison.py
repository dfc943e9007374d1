"""Pure comparison: a baseline and candidates (already loaded) -> a typed Comparison.

Before any statistic the sides must be comparable: same test set (data hash, segment count),
same score-defining signature fields (metric, tokenizer, model and weights hash, settings), same
flaggers; otherwise a ConfigError (exit 2) names the field that differs. Environment fields
(library versions, device) that differ are refused too unless `allow_env_drift`, where they are
a warning (the harness version alone is always only a warning).

Per metric: delta, paired-bootstrap confidence interval and approximate-randomization p-value
(eval/stats.py). Corpus metrics resample their sufficient statistics with the scorer the metric
rebuilds from its signature's settings (checked against the recorded score); averaged metrics
resample segment scores. With several candidates, p-values are Holm-adjusted per metric across
candidates (`p_adjusted`), and gates that ask for significance use the adjusted value.

Nothing here reads or writes files: eval/compare_app.py loads run folders and writes outputs.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

import numpy as np

from . import registry, stats
from .errors import ConfigError, UsageError
from .gates import Gate, GateContext, evaluate_gates
from .types import ComparisonRow, ErrorSpan, GateOutcome, MetricResult, Report

SHOWN_SEGMENTS = 10  # segments listed per candidate in compare.md


@dataclass(frozen=True)
class CompareSettings:
    n_resamples: int = stats.DEFAULT_RESAMPLES
    n_trials: int = stats.DEFAULT_TRIALS
    seed: int | None = stats.DEFAULT_SEED
    confidence: float = 0.95
    shown_segments: int = SHOWN_SEGMENTS
    allow_env_drift: bool = False  # environment differences (library versions, device) only warn

    def __post_init__(self) -> None:
        if self.n_resamples < 1 or self.n_trials < 1:
            raise UsageError("--resamples and --trials must be at least 1")
        if not 0 < self.confidence < 1:
            raise UsageError("--confidence must lie between 0 and 1 (e.g. 0.95)")


@dataclass
class Side:
    """One system of a loaded run: the report that holds it and that run's config."""

    system: str
    report: Report
    config: Mapping[str, Any] | None  # the run's resolved config, when known
    origin: str  # what the user gave

    @property
    def result(self) -> Any:
        return self.report.systems[self.system]


@dataclass
class SegmentChange:
    """One segment that got worse: its texts, the score change (drops) and its new flags."""

    seg_idx: int
    src: str
    refs: list[str]
    baseline_hyp: str
    candidate_hyp: str
    new_flags: list[ErrorSpan] = field(default_factory=list)
    metric: str | None = None
    baseline_score: float | None = None
    candidate_score: float | None = None
    drop: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"seg_idx": self.seg_idx, "src": self.src, "refs": self.refs,
                               "baseline_hyp": self.baseline_hyp, "candidate_hyp": self.candidate_hyp}
        if self.metric is not None:
            out.update(metric=self.metric, baseline_score=self.baseline_score, candidate_score=self.candidate_score, drop=self.drop)
        out["new_flags"] = [flag.to_dict() for flag in self.new_flags]
        return out


@dataclass
class WorseSegments:
    """The segments of one candidate that got worse than the baseline's."""

    metric: str | None  # the metric whose segment scores rank the drops
    largest_drops: list[SegmentChange] = field(default_factory=list)
    newly_flagged: list[SegmentChange] = field(default_factory=list)
    newly_flagged_total: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"largest_drops": [c.to_dict() for c in self.largest_drops],
                "newly_flagged": [c.to_dict() for c in self.newly_flagged],
                "metric": self.metric, "newly_flagged_total": self.newly_flagged_total}


@dataclass
class Comparison:
    baseline: Side
    candidates: list[Side]
    comparisons: list[ComparisonRow]
    gates: list[GateOutcome]
    worse: dict[str, WorseSegments]  # candidate -> its segments that got worse
    settings: CompareSettings
    warnings: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    config_path: str | None = None
    notes: list[str] = field(default_factory=list)  # what was done on the way (raw outputs scored)

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.gates)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 2,
            "baseline": {"system": self.baseline.system, "origin": self.baseline.origin},
            "candidates": [{"system": c.system, "origin": c.origin} for c in self.candidates],
            "info": self.info,
            "comparisons": [row.to_dict() for row in self.comparisons],
            "gates": [gate.to_dict() for gate in self.gates],
            "passed": self.passed,
            "worse": {name: worse.to_dict() for name, worse in self.worse.items()},
            "warnings": self.warnings,
        }


# --------------------------------------------------------------------------------------------
# Compatibility
# --------------------------------------------------------------------------------------------


def _flagger_setup(side: Side) -> list[Any] | None:
    config = side.config or side.report.info.get("config")
    if not isinstance(config, Mapping):
        return None
    return list(config.get("flaggers") or [])


def check_comparable(baseline: Side, candidate: Side, metrics: Sequence[str], needs_flags: bool,
                     allow_env_drift: bool = False) -> list[str]:
    """Raise ConfigError where the two cannot be compared; return warnings otherwise."""
    warnings: list[str] = []
    base_info, cand_info = baseline.report.info, candidate.report.info
    if len(baseline.report.testset) != len(candidate.report.testset):
        raise ConfigError(
            f"cannot compare {candidate.system} with {baseline.system}: different test sets "
            f"({len(baseline.report.testset)} vs {len(candidate.report.testset)} segments)"
        )
    base_hash, cand_hash = base_info.get("data_hash"), cand_info.get("data_hash")
    if base_hash and cand_hash and base_hash != cand_hash:
        raise ConfigError(
            f"cannot compare {candidate.system} with {baseline.system}: different test sets "
            f"(data_hash {base_hash} vs {cand_hash})"
        )
    for metric in metrics:
        base_sig = baseline.result.metrics[metric].signature
        cand_sig = candidate.result.metrics[metric].signature
        score_diff, env_diff = base_sig.differences(cand_sig)
        if score_diff:
            raise ConfigError(
                f"cannot compare '{metric}' of {candidate.system} with {baseline.system}: "
                f"signatures differ in {'; '.join(score_diff)}"
            )
        if env_diff and not allow_env_drift:
            raise ConfigError(
                f"cannot compare '{metric}' of {candidate.system} with {baseline.system}: the environment "
                f"differs in {'; '.join(env_diff)} (--allow-env-drift compares anyway; or re-baseline: see the README)"
            )
        if env_diff:
            warnings.append(f"{metric}: scored in different environments ({'; '.join(env_diff)}); compared under --allow-env-drift")
        elif base_sig != cand_sig:
            warnings.append(f"{metric}: signatures differ only in the harness version ({base_sig} vs {cand_sig})")
    base_flaggers, cand_flaggers = _flagger_setup(baseline), _flagger_setup(candidate)
    if needs_flags and base_flaggers is not None and cand_flaggers is not None and base_flaggers != cand_flaggers:
        raise ConfigError(
            f"cannot compare flags of {candidate.system} with {baseline.system}: flaggers differ "
            f"(baseline {_names(base_flaggers)}, candidate {_names(cand_flaggers)})"
        )
    return warnings


def _names(items: Sequence[Any]) -> str:
    return "[" + ", ".join(i["name"] if isinstance(i, Mapping) else str(i) for i in items) + "]" if items else "none"


# --------------------------------------------------------------------------------------------
# Statistics per metric
# --------------------------------------------------------------------------------------------


def _metric_settings(side: Side, result: MetricResult, metric: str) -> dict[str, Any]:
    """The settings a metric is rebuilt with: its signature's, or (results.json of schema 1,
    which stored the signature as a string only) the run config's entry for it."""
    if result.signature.settings:
        return dict(result.signature.settings)
    config = side.config or side.report.info.get("config") or {}
    for item in config.get("metrics", []) if isinstance(config, Mapping) else []:
        if isinstance(item, Mapping) and item.get("name") == metric:
            return {k: v for k, v in item.items() if k != "name"}
    return {}


def stats_scorer(side: Side, result: MetricResult, metric: str, n_stats: int) -> stats.ScoreFn | None:
    """The metric's own vectorized scorer, rebuilt from its signature's settings."""
    name = result.signature.metric or metric
    if name not in registry.METRICS:
        return None
    try:
        instance = registry.load("metric", name)(**_metric_settings(side, result, metric))
    except TypeError as exc:
        raise ConfigError(f"metric '{metric}': cannot rebuild its scorer from its signature settings: {exc}") from None
    return instance.stats_scorer(n_stats)


def metric_inputs(baseline: Side, candidate: Side, metric: str) -> tuple[np.ndarray, np.ndarray, stats.ScoreFn, str] | None:
    """(baseline matrix, candidate matrix, scorer, method) for one metric, or None when the
    runs kept no per-segment data for it."""
    base: MetricResult = baseline.result.metrics[metric]
    cand: MetricResult = candidate.result.metrics[metric]
    if base.seg_stats is not None and cand.seg_stats is not None:
        base_m = np.asarray(base.seg_stats, dtype=np.float64)
        cand_m = np.asarray(cand.seg_stats, dtype=np.float64)
        scorer = stats_scorer(baseline, base, metric, base_m.shape[1])
        if scorer is None:
            raise ConfigError(f"metric '{metric}' keeps sufficient statistics but no scorer rebuilds its score from them")
        for side_name, matrix, result in (("baseline", base_m, base), ("candidate", cand_m, cand)):
            recomputed = float(scorer(matrix.sum(axis=0, keepdims=True))[0])
            if abs(recomputed - result.score) > 1e-6 * max(1.0, abs(result.score)):
                raise ConfigError(
                    f"metric '{metric}': its score cannot be rebuilt from its statistics ({side_name} "
                    f"{result.score} vs {recomputed}); a setting is missing from its signature and config"
                )
        return base_m, cand_m, scorer, "corpus statistics"
    if base.seg_scores is not None and cand.seg_scores is not None:
        n = len(base.seg_scores)
        base_m = np.asarray(base.seg_scores, dtype=np.float64)[:, None]
        cand_m = np.asarray(cand.seg_scores, dtype=np.float64)[:, None]
        return base_m, cand_m, stats.mean_scorer(n), "segment mean"
    return None


def compare_metrics(
    baseline: Side, candidates: Sequence[Side], metrics: Sequence[str], settings: CompareSettings, warnings: list[str]
) -> list[ComparisonRow]:
    """One row per (candidate, metric), with Holm-adjusted p-values per metric when there are
    several candidates."""
    out: list[ComparisonRow] = []
    for candidate in candidates:
        for metric in metrics:
            if metric not in candidate.result.metrics:
                continue
            base_r = baseline.result.metrics[metric]
            cand_r = candidate.result.metrics[metric]
            row = ComparisonRow(baseline.system, candidate.system, metric, base_r.score, cand_r.score,
                                cand_r.score - base_r.score, base_r.higher_is_better, str(base_r.signature))
            inputs = metric_inputs(baseline, candidate, metric)
            if inputs is None:
                warnings.append(f"{metric}: no per-segment scores in the runs; delta only, no confidence interval or p-value")
            else:
                base_m, cand_m, scorer, method = inputs
                if method == "segment mean" and abs(float(base_m.mean()) - base_r.score) > 1e-6 * max(1.0, abs(base_r.score)):
                    warnings.append(f"{metric}: its score is not the mean of its segment scores; the tests resample the mean")
                result = stats.paired_compare(
                    base_m, cand_m, scorer, settings.n_resamples, settings.n_trials, settings.seed, settings.confidence
                )
                row.ci, row.p_value, row.p_value_bs = result.ci, result.p_value, result.p_value_bs
                row.baseline_ci, row.candidate_ci = result.baseline_ci, result.candidate_ci
                row.method, row.n_resamples, row.n_trials = method, settings.n_resamples, settings.n_trials
                row.seed, row.confidence = settings.seed, settings.confidence
            out.append(row)
    if len(candidates) > 1:
        for metric in metrics:
            rows = [r for r in out if r.metric == metric and r.p_value is not None]
            for row, adjusted in zip(rows, stats.holm_bonferroni([r.p_value for r in rows if r.p_value is not None])):
                row.p_adjusted = adjusted
    return out


# --------------------------------------------------------------------------------------------
# Segments that got worse
# --------------------------------------------------------------------------------------------


def _primary_metric(baseline: Side, candidate: Side, metrics: Sequence[str]) -> str | None:
    """The metric whose segment scores rank the drops: a model metric (its segment scores are
    the metric itself) before chrF and TER, and sentence BLEU, the noisiest, last."""
    def rank(metric: str) -> tuple[int, int]:
        result = baseline.result.metrics[metric]
        return (result.seg_stats is not None, metric == "bleu")

    for metric in sorted(metrics, key=rank):
        b = baseline.result.metrics.get(metric)
        c = candidate.result.metrics.get(metric)
        if b is not None and c is not None and b.seg_scores is not None and c.seg_scores is not None:
            return metric
    return None


def _flags_by_segment(flags: Sequence[ErrorSpan]) -> dict[int, list[ErrorSpan]]:
    out: dict[int, list[ErrorSpan]] = {}
    for flag in flags:
        out.setdefault(flag.seg_idx, []).append(flag)
    return out


def worse_segments(baseline: Side, candidate: Side, metrics: Sequence[str], limit: int) -> WorseSegments:
    """The largest per-segment drops (first metric with segment scores) and the segments with
    flags the baseline did not have there, each with source, baseline and candidate text."""
    testset = candidate.report.testset
    base_hyps = baseline.report.hyps.get(baseline.system, ())
    cand_hyps = candidate.report.hyps.get(candidate.system, ())
    base_flags = _flags_by_segment(baseline.result.flags)
    cand_flags = _flags_by_segment(candidate.result.flags)
    new_by_segment: dict[int, list[ErrorSpan]] = {}
    for i, flags in cand_flags.items():
        before = Counter((f.category, f.severity) for f in base_flags.get(i, []))
        for flag in flags:
            key = (flag.category, flag.severity)
            if before[key] > 0:
                before[key] -= 1
            else:
                new_by_segment.setdefault(i, []).append(flag)

    def change(i: int) -> SegmentChange:
        return SegmentChange(i, testset.src[i] if i < len(testset.src) else "",
                             [ref[i] for ref in testset.refs if i < len(ref)],
                             base_hyps[i] if i < len(base_hyps) else "", cand_hyps[i] if i < len(cand_hyps) else "",
                             new_by_segment.get(i, []))

    metric = _primary_metric(baseline, candidate, metrics)
    worse = WorseSegments(metric, newly_flagged_total=len(new_by_segment))
    if metric is not None:
        b = np.asarray(baseline.result.metrics[metric].seg_scores, dtype=np.float64)
        c = np.asarray(candidate.result.metrics[metric].seg_scores, dtype=np.float64)
        higher = baseline.result.metrics[metric].higher_is_better
        drop = (b - c) if higher else (c - b)
        for i in [int(i) for i in np.argsort(-drop, kind="stable")[:limit] if drop[i] > 0]:
            entry = change(i)
            entry.metric, entry.baseline_score, entry.candidate_score, entry.drop = metric, float(b[i]), float(c[i]), float(drop[i])
            worse.largest_drops.append(entry)
    severity_rank = {"critical": 0, "major": 1, "minor": 2}
    flagged = sorted(new_by_segment.items(), key=lambda kv: (min(severity_rank.get(f.severity, 3) for f in kv[1]), kv[0]))
    worse.newly_flagged = [change(i) for i, _ in flagged[:limit]]
    return worse


# --------------------------------------------------------------------------------------------
# The whole comparison
# --------------------------------------------------------------------------------------------


def _metric_order(baseline: Side, candidates: Sequence[Side], warnings: list[str]) -> list[str]:
    common = [m for m in baseline.result.metrics if all(m in c.result.metrics for c in candidates)]
    for side in [baseline, *candidates]:
        others = [m for m in side.result.metrics if m not in common]
        if others:
            warnings.append(f"{side.system}: {', '.join(others)} not computed on every side; not compared")
    return common


def _flags_known(side: Side) -> bool:
    flaggers = _flagger_setup(side)
    return bool(flaggers) if flaggers is not None else bool(side.result.flags)


def compare(
    baseline: Side,
    candidates: Sequence[Side],
    gates: Sequence[Gate] = (),
    settings: CompareSettings | None = None,
    warnings: Sequence[str] = (),
    config_path: str | None = None,
    notes: Sequence[str] = (),
) -> Comparison:
    settings = settings or CompareSettings()
    found = list(warnings)
    metrics = _metric_order(baseline, candidates, found)
    needs_flags = any(g.kind == "flags" for g in gates)
    for candidate in candidates:
        found.extend(check_comparable(baseline, candidate, metrics, needs_flags, settings.allow_env_drift))
    rows = compare_metrics(baseline, candidates, metrics, settings, found)
    contexts = [gate_context(baseline, candidate, rows) for candidate in candidates]
    outcomes = evaluate_gates(list(gates), contexts)
    worse = {c.system: worse_segments(baseline, c, metrics, settings.shown_segments) for c in candidates}
    info = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "testset": baseline.report.testset.name,
        "segments": len(baseline.report.testset),
        "data_hash": baseline.report.info.get("data_hash"),
        "n_resamples": settings.n_resamples,
        "n_trials": settings.n_trials,
        "seed": settings.seed,
        "confidence": settings.confidence,
        "multiple_comparisons": "holm" if len(candidates) > 1 else None,
    }
    return Comparison(baseline, list(candidates), rows, outcomes, worse, settings, list(dict.fromkeys(found)), info,
                      config_path, list(notes))


def gate_context(baseline: Side | None, candidate: Side, rows: Sequence[ComparisonRow]) -> GateContext:
    def view(side: Side) -> dict[str, dict[str, Any]]:
        return {m: {"score": r.score, "higher_is_better": r.higher_is_better} for m, r in side.result.metrics.items()}

    flags_known = _flags_known(candidate) and (baseline is None or _flags_known(baseline))
    return GateContext(
        candidate=candidate.system,
        metrics=view(candidate),
        flag_counts=candidate.result.flag_counts(),
        baseline=baseline.system if baseline else None,
        baseline_metrics=view(baseline) if baseline else None,
        baseline_flag_counts=baseline.result.flag_counts() if baseline else None,
        comparisons={r.metric: r for r in rows if r.candidate == candidate.system},
        flags_known=flags_known,
    )


def judge_report(report: Report, gates: Sequence[Gate], baseline: str | None, resolved_config: Mapping[str, Any],
                 settings: CompareSettings | None = None) -> None:
    """Fill report.comparisons and report.gates for `relecture run`: with a baseline every other
    system is compared with it and judged by every gate; without one, each system is judged by
    the gates that need no baseline (the others are left to `relecture compare`)."""
    sides = {name: Side(name, report, resolved_config, name) for name in report.systems}
    if baseline:
        candidates = [s for n, s in sides.items() if n != baseline]
        if not candidates:
            return
        result = compare(sides[baseline], candidates, gates, settings)
        report.comparisons = result.comparisons
        report.gates = result.gates
        report.warnings.extend(w for w in result.warnings if w not in report.warnings)
        report.info["compare"] = {"baseline": baseline, **result.info,
                                  "worse": {name: worse.to_dict() for name, worse in result.worse.items()}}
        return
    absolute = [g for g in gates if not g.needs_baseline]
    skipped = [g.text for g in gates if g.needs_baseline]
    if skipped:
        report.warnings.append(f"gates judged only by `relecture compare` (no baseline in this run): {', '.join(skipped)}")
    report.gates = evaluate_gates(absolute, [gate_context(None, s, []) for s in sides.values()])
