"""`relecture compare`: a candidate against a baseline, with sound statistics and gates.

Each side is a run folder (or its results.json, with segments.jsonl beside it), or raw system
output that the config's test set, metrics and flaggers score here. Before any statistic, the
two sides must be comparable: same test set (data hash, segment count), same metric signatures
(tokenizer, model, weights hash, library versions...), same flaggers; otherwise a ConfigError
(exit 2) names the field that differs.

Per metric: delta, paired-bootstrap confidence interval and approximate-randomization p-value
(eval/stats.py). Corpus metrics resample their sufficient statistics (the scorer is rebuilt from
the signature, and checked against the recorded score); averaged metrics resample segment
scores. With several candidates, p-values are Holm-adjusted per metric across candidates
(`p_adjusted`), and gates that ask for significance use the adjusted value.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import yaml

from . import stats
from .agreement import human_agreement
from .errors import ConfigError, InputError, UsageError
from .gates import Gate, GateContext, evaluate_gates, parse_gates, plugin_categories
from .types import ErrorSpan, MetricResult, Report

# Signature fields that may differ between comparable results. The harness version alone does
# not change a score (the metric's own library versions and settings are in the signature), and
# refusing it would strand every stored baseline at each release.
IGNORED_SIGNATURE_FIELDS = frozenset({"relecture"})

SHOWN_SEGMENTS = 10  # segments listed per candidate in compare.md


@dataclass(frozen=True)
class CompareSettings:
    n_resamples: int = stats.DEFAULT_RESAMPLES
    n_trials: int = stats.DEFAULT_TRIALS
    seed: int | None = stats.DEFAULT_SEED
    confidence: float = 0.95
    shown_segments: int = SHOWN_SEGMENTS

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
    config: dict[str, Any] | None  # the run's resolved config, when known
    origin: str  # what the user gave

    @property
    def result(self) -> Any:
        return self.report.systems[self.system]


@dataclass
class Comparison:
    baseline: Side
    candidates: list[Side]
    comparisons: list[dict[str, Any]]
    gates: list[dict[str, Any]]
    worse: dict[str, dict[str, Any]]  # candidate -> {"largest_drops", "newly_flagged", "metric", ...}
    settings: CompareSettings
    warnings: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    config_path: str | None = None
    notes: list[str] = field(default_factory=list)  # what was done on the way (raw outputs scored)

    @property
    def passed(self) -> bool:
        return all(g["passed"] for g in self.gates)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "baseline": {"system": self.baseline.system, "origin": self.baseline.origin},
            "candidates": [{"system": c.system, "origin": c.origin} for c in self.candidates],
            "info": self.info,
            "comparisons": self.comparisons,
            "gates": self.gates,
            "passed": self.passed,
            "worse": self.worse,
            "warnings": self.warnings,
        }


# --------------------------------------------------------------------------------------------
# Loading the sides
# --------------------------------------------------------------------------------------------


def split_spec(spec: str) -> tuple[str, str | None]:
    """"runs/x/2026#sys-b" -> ("runs/x/2026", "sys-b"); a path that exists is taken whole."""
    if Path(spec).exists() or "#" not in spec:
        return spec, None
    path, _, system = spec.rpartition("#")
    return path, system or None


def is_run(path: Path) -> bool:
    return (path.is_dir() and ((path / "results.json").is_file() or bool(_latest_run(path)))) or (
        path.is_file() and path.suffix == ".json"
    )


def _latest_run(folder: Path) -> Path | None:
    """runs/<name>/ holds one folder per run, named by time: the latest one."""
    found = sorted(p.parent for p in folder.glob("*/results.json"))
    return found[-1] if found else None


def load_run(path: Path) -> tuple[Report, dict[str, Any] | None, Path]:
    from .report.json_report import read_run

    if path.is_dir() and not (path / "results.json").is_file():
        latest = _latest_run(path)
        if latest is None:
            raise InputError(path, "not a run folder (no results.json)")
        path = latest
    report = read_run(path)
    folder = path if path.is_dir() else path.parent
    config = None
    config_file = folder / "config.yaml"
    if config_file.is_file():
        try:
            config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise InputError(config_file, f"invalid YAML: {exc}") from None
    return report, config if isinstance(config, dict) else None, path


def _pick(report: Report, system: str | None, origin: str, role: str, config: Mapping[str, Any] | None) -> list[str]:
    names = list(report.systems)
    if system is not None:
        if system not in report.systems:
            from .registry import suggest

            raise UsageError(f"{origin}: no system '{system}' in this run{suggest(system, names)}")
        return [system]
    if role == "baseline":
        if len(names) == 1:
            return names
        chosen = (config or {}).get("baseline")
        if chosen in report.systems:
            return [chosen]
        raise UsageError(f"{origin} holds systems {', '.join(names)}: name the baseline as {origin}#SYSTEM")
    return names


def load_sides(
    baseline_spec: str,
    candidate_specs: Sequence[str],
    config_path: str | None = None,
    overrides: Sequence[str] = (),
    scored_dir: Path | None = None,
) -> tuple[Side, list[Side], list[str]]:
    """The baseline and candidate systems, scoring raw outputs with the config where needed."""
    notes: list[str] = []
    specs = [("baseline", baseline_spec)] + [("candidate", spec) for spec in candidate_specs]
    raw: list[tuple[str, str, str | None]] = []  # (role, path, name)
    loaded: dict[str, tuple[Report, dict[str, Any] | None, Path]] = {}
    for role, spec in specs:
        path_text, system = split_spec(spec)
        path = Path(path_text)
        if not path.exists():
            raise InputError(path, "no such file or run folder")
        if is_run(path):
            if path_text not in loaded:
                loaded[path_text] = load_run(path)
        else:
            raw.append((role, path_text, system))
    scored: tuple[Report, dict[str, Any]] | None = None
    raw_names: dict[tuple[str, str], str] = {}
    if raw:
        if config_path is None:
            raise UsageError(f"{raw[0][1]} is raw system output: give -c CONFIG (test set, metrics, flaggers) to score it")
        scored, raw_names = _score_raw(raw, config_path, overrides, scored_dir, notes)

    def sides_for(role: str, spec: str) -> list[Side]:
        path_text, system = split_spec(spec)
        if path_text in loaded:
            report, config, real = loaded[path_text]
            return [Side(name, report, config, f"{real}#{name}" if len(report.systems) > 1 else str(real))
                    for name in _pick(report, system, path_text, role, config)]
        assert scored is not None
        name = raw_names[(role, path_text)]
        return [Side(name, scored[0], scored[1], path_text)]

    baseline = sides_for("baseline", baseline_spec)[0]
    candidates: list[Side] = []
    for spec in candidate_specs:
        for side in sides_for("candidate", spec):
            same = side.report is baseline.report and side.system == baseline.system
            if same and split_spec(spec)[1] is None and split_spec(spec)[0] in loaded:
                continue  # the baseline's own run: its other systems are the candidates
            candidates.append(side)
    if not candidate_specs:  # one run holding the baseline and its candidates
        candidates = [Side(n, baseline.report, baseline.config, f"{baseline.origin.split('#')[0]}#{n}")
                      for n in baseline.report.systems if n != baseline.system]
    if not candidates:
        raise UsageError("no candidate to compare with the baseline")
    return baseline, candidates, notes


def _score_raw(
    raw: list[tuple[str, str, str | None]],
    config_path: str,
    overrides: Sequence[str],
    scored_dir: Path | None,
    notes: list[str],
) -> tuple[tuple[Report, dict[str, Any]], dict[tuple[str, str], str]]:
    """Score raw outputs in one run of the config (so both get the same metric instances)."""
    from .config import load_config
    from .runner import evaluate, write_run

    names: dict[tuple[str, str], str] = {}
    systems: dict[str, str] = {}
    for role, path, given in raw:
        name = given or Path(path).stem
        resolved = str(Path(path).resolve())
        if name in systems and systems[name] != resolved:
            name = role if role not in systems else f"{role}-{len(systems)}"
        systems[name] = resolved  # the same file given twice is scored once
        names[(role, path)] = name
    config = load_config(config_path, list(overrides), {"systems": systems, "baseline": None})
    report = evaluate(config)
    if scored_dir is not None:
        folder = write_run(report, config, scored_dir)
        notes.append(f"scored {', '.join(systems)} with {config_path}: {folder}")
    return (report, config.resolved()), names


# --------------------------------------------------------------------------------------------
# Compatibility
# --------------------------------------------------------------------------------------------


def parse_signature(signature: str) -> tuple[str, dict[str, str]]:
    """"bleu|nrefs:1|tok:13a|..." -> ("bleu", {"nrefs": "1", "tok": "13a", ...})."""
    parts = signature.split("|")
    name = parts[0] if parts and ":" not in parts[0] else ""
    fields: dict[str, str] = {}
    for part in parts[1:] if name else parts:
        key, _, value = part.partition(":")
        fields[key] = value
    return name, fields


def signature_difference(baseline: str, candidate: str) -> list[str]:
    """The fields two signatures disagree on ("tok (baseline 13a, candidate intl)")."""
    base_name, base = parse_signature(baseline)
    cand_name, cand = parse_signature(candidate)
    out = []
    if base_name != cand_name:
        out.append(f"metric (baseline {base_name or '?'}, candidate {cand_name or '?'})")
    for key in list(base) + [k for k in cand if k not in base]:
        if key in IGNORED_SIGNATURE_FIELDS:
            continue
        if base.get(key) != cand.get(key):
            out.append(f"{key} (baseline {base.get(key, 'absent')}, candidate {cand.get(key, 'absent')})")
    return out


def _flagger_setup(side: Side) -> list[Any] | None:
    config = side.config or side.report.info.get("config")
    if not isinstance(config, Mapping):
        return None
    return list(config.get("flaggers") or [])


def check_comparable(baseline: Side, candidate: Side, metrics: Sequence[str], needs_flags: bool) -> list[str]:
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
        differences = signature_difference(base_sig, cand_sig)
        if differences:
            raise ConfigError(
                f"cannot compare '{metric}' of {candidate.system} with {baseline.system}: "
                f"signatures differ in {'; '.join(differences)}"
            )
        if base_sig != cand_sig:
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

_SMOOTH = re.compile(r"^(?P<method>[a-z-]+)(?:\[(?P<value>[0-9.]+)\])?$")


def corpus_scorer(metric: str, signature: str, n_stats: int, settings: Mapping[str, Any] | None = None) -> stats.ScoreFn | None:
    """The vectorized score-from-statistics of a sacrebleu metric, rebuilt from its signature
    (settings the signature omits, such as chrF's beta, come from the run config)."""
    name, fields = parse_signature(signature)
    settings = dict(settings or {})
    kind = name or metric
    if kind == "bleu" or ("tok" in fields and "smooth" in fields):
        match = _SMOOTH.match(fields.get("smooth", "exp"))
        if not match or match.group("method") not in stats.BLEU_SMOOTH_DEFAULTS:
            return None
        value = match.group("value")
        order = (n_stats - 2) // 2
        return lambda sums: stats.bleu_from_stats(
            sums, max_ngram_order=order, smooth_method=match.group("method"),
            smooth_value=float(value) if value else settings.get("smooth_value"),
            effective_order=fields.get("eff") == "yes",
        )
    if kind in ("chrf", "chrf++") or "nc" in fields:
        char_order = int(fields.get("nc", settings.get("char_order", 6)))
        word_order = int(fields.get("nw", settings.get("word_order", 0)))
        beta = settings.get("beta", 2)
        eps = fields.get("eff") == "no"
        return lambda sums: stats.chrf_from_stats(sums, char_order=char_order, word_order=word_order, beta=beta, eps_smoothing=eps)
    if kind == "ter" or "tok" in fields and fields.get("tok") == "tercom":
        return stats.ter_from_stats
    return None


def _metric_settings(side: Side, metric: str) -> dict[str, Any]:
    config = side.config or side.report.info.get("config") or {}
    for item in config.get("metrics", []) if isinstance(config, Mapping) else []:
        if isinstance(item, Mapping) and item.get("name") == metric:
            return {k: v for k, v in item.items() if k != "name"}
    return {}


def metric_inputs(baseline: Side, candidate: Side, metric: str) -> tuple[np.ndarray, np.ndarray, stats.ScoreFn, str] | None:
    """(baseline matrix, candidate matrix, scorer, method) for one metric, or None when the
    runs kept no per-segment data for it."""
    base: MetricResult = baseline.result.metrics[metric]
    cand: MetricResult = candidate.result.metrics[metric]
    if base.seg_stats is not None and cand.seg_stats is not None:
        base_m = np.asarray(base.seg_stats, dtype=np.float64)
        cand_m = np.asarray(cand.seg_stats, dtype=np.float64)
        scorer = corpus_scorer(metric, base.signature, base_m.shape[1], _metric_settings(baseline, metric))
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
) -> list[dict[str, Any]]:
    """One comparison dict per (candidate, metric), with Holm-adjusted p-values per metric when
    there are several candidates."""
    out: list[dict[str, Any]] = []
    for candidate in candidates:
        for metric in metrics:
            if metric not in candidate.result.metrics:
                continue
            base_r = baseline.result.metrics[metric]
            cand_r = candidate.result.metrics[metric]
            row: dict[str, Any] = {
                "baseline": baseline.system,
                "candidate": candidate.system,
                "metric": metric,
                "baseline_score": base_r.score,
                "candidate_score": cand_r.score,
                "delta": cand_r.score - base_r.score,
                "higher_is_better": base_r.higher_is_better,
                "ci": None,
                "p_value": None,
                "p_adjusted": None,
                "signature": base_r.signature,
                # eval/agreement.py: which side people would prefer, and how surely (None when
                # the table has no fit for these scores)
                "human_agreement": human_agreement(metric, cand_r.score - base_r.score, base_r.higher_is_better,
                                                   base_r.signature),
            }
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
                row.update({
                    "ci": list(result.ci),
                    "p_value": result.p_value,
                    "p_value_bs": result.p_value_bs,
                    "baseline_ci": list(result.baseline_ci),
                    "candidate_ci": list(result.candidate_ci),
                    "method": method,
                    "n_resamples": settings.n_resamples,
                    "n_trials": settings.n_trials,
                    "seed": settings.seed,
                    "confidence": settings.confidence,
                })
            out.append(row)
    if len(candidates) > 1:
        for metric in metrics:
            rows = [r for r in out if r["metric"] == metric and r["p_value"] is not None]
            for row, adjusted in zip(rows, stats.holm_bonferroni([r["p_value"] for r in rows])):
                row["p_adjusted"] = adjusted
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


def worse_segments(baseline: Side, candidate: Side, metrics: Sequence[str], limit: int) -> dict[str, Any]:
    """The largest per-segment drops (first metric with segment scores) and the segments with
    flags the baseline did not have there, each with source, baseline and candidate text."""
    testset = candidate.report.testset
    base_hyps = baseline.report.hyps.get(baseline.system, ())
    cand_hyps = candidate.report.hyps.get(candidate.system, ())

    def texts(i: int) -> dict[str, Any]:
        return {
            "seg_idx": i,
            "src": testset.src[i] if i < len(testset.src) else "",
            "refs": [ref[i] for ref in testset.refs if i < len(ref)],
            "baseline_hyp": base_hyps[i] if i < len(base_hyps) else "",
            "candidate_hyp": cand_hyps[i] if i < len(cand_hyps) else "",
        }

    base_flags = _flags_by_segment(baseline.result.flags)
    cand_flags = _flags_by_segment(candidate.result.flags)
    new_by_segment: dict[int, list[dict[str, Any]]] = {}
    for i, flags in cand_flags.items():
        before = Counter((f.category, f.severity) for f in base_flags.get(i, []))
        for flag in flags:
            key = (flag.category, flag.severity)
            if before[key] > 0:
                before[key] -= 1
            else:
                new_by_segment.setdefault(i, []).append(flag.to_dict())

    drops: list[dict[str, Any]] = []
    metric = _primary_metric(baseline, candidate, metrics)
    if metric is not None:
        b = np.asarray(baseline.result.metrics[metric].seg_scores, dtype=np.float64)
        c = np.asarray(candidate.result.metrics[metric].seg_scores, dtype=np.float64)
        higher = baseline.result.metrics[metric].higher_is_better
        drop = (b - c) if higher else (c - b)
        for i in [int(i) for i in np.argsort(-drop, kind="stable")[:limit] if drop[i] > 0]:
            drops.append({**texts(i), "metric": metric, "baseline_score": float(b[i]), "candidate_score": float(c[i]),
                          "drop": float(drop[i]), "new_flags": new_by_segment.get(i, [])})
    severity_rank = {"critical": 0, "major": 1, "minor": 2}
    flagged = sorted(new_by_segment.items(), key=lambda kv: (min(severity_rank.get(f["severity"], 3) for f in kv[1]), kv[0]))
    newly = [{**texts(i), "new_flags": flags} for i, flags in flagged[:limit]]
    return {"largest_drops": drops, "newly_flagged": newly, "metric": metric, "newly_flagged_total": len(new_by_segment)}


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
    warnings: list[str] | None = None,
    config_path: str | None = None,
    notes: Sequence[str] = (),
) -> Comparison:
    settings = settings or CompareSettings()
    warnings = list(warnings or [])
    metrics = _metric_order(baseline, candidates, warnings)
    needs_flags = any(getattr(g, "kind", "") == "flags" for g in gates)
    for candidate in candidates:
        warnings.extend(check_comparable(baseline, candidate, metrics, needs_flags))
    rows = compare_metrics(baseline, candidates, metrics, settings, warnings)
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
    return Comparison(baseline, list(candidates), rows, outcomes, worse, settings, _unique(warnings), info, config_path, list(notes))


def gate_context(baseline: Side | None, candidate: Side, rows: Sequence[Mapping[str, Any]]) -> GateContext:
    def view(side: Side) -> dict[str, dict[str, Any]]:
        return {m: {"score": r.score, "higher_is_better": r.higher_is_better, "signature": r.signature}
                for m, r in side.result.metrics.items()}

    flags_known = _flags_known(candidate) and (baseline is None or _flags_known(baseline))
    return GateContext(
        candidate=candidate.system,
        metrics=view(candidate),
        flag_counts=candidate.result.flag_counts(),
        baseline=baseline.system if baseline else None,
        baseline_metrics=view(baseline) if baseline else None,
        baseline_flag_counts=baseline.result.flag_counts() if baseline else None,
        comparisons={r["metric"]: r for r in rows if r["candidate"] == candidate.system},
        flags_known=flags_known,
    )


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def gates_from_config(config_path: str | None, overrides: Sequence[str] = ()) -> tuple[list[Gate], str | None]:
    """The gates of a run config (validated), or none without a config."""
    if config_path is None:
        return [], None
    raw = _raw_config(config_path, overrides)
    return parse_gates(raw.get("gates"), plugin_categories()), config_path


def _raw_config(config_path: str, overrides: Sequence[str]) -> dict[str, Any]:
    from .config import load_config

    return load_config(config_path, list(overrides), {}).values


def run_compare(
    baseline_spec: str,
    candidate_specs: Sequence[str],
    config_path: str | None = None,
    overrides: Sequence[str] = (),
    settings: CompareSettings | None = None,
    scored_dir: Path | None = None,
) -> Comparison:
    """Everything `relecture compare` does short of writing: load, check, test, judge."""
    gates, _ = gates_from_config(config_path, overrides)
    baseline, candidates, notes = load_sides(baseline_spec, candidate_specs, config_path, overrides, scored_dir)
    return compare(baseline, candidates, gates, settings, config_path=config_path, notes=notes)


# --------------------------------------------------------------------------------------------
# Gates inside `relecture run`
# --------------------------------------------------------------------------------------------


def judge_report(report: Report, config: Any, settings: CompareSettings | None = None) -> None:
    """Fill report.comparisons and report.gates for `relecture run`: with a `baseline:` every
    other system is compared with it and judged by every gate; without one, each system is
    judged by the gates that need no baseline (the others are left to `relecture compare`)."""
    gates = parse_gates(config.gates, plugin_categories())
    resolved = config.resolved()
    sides = {name: Side(name, report, resolved, name) for name in report.systems}
    if config.baseline:
        baseline = sides[config.baseline]
        candidates = [s for n, s in sides.items() if n != config.baseline]
        if not candidates:
            return
        result = compare(baseline, candidates, gates, settings)
        report.comparisons = result.comparisons
        report.gates = result.gates
        report.warnings.extend(w for w in result.warnings if w not in report.warnings)
        report.info["compare"] = {"baseline": config.baseline, **result.info, "worse": result.worse}
        return
    absolute = [g for g in gates if not g.needs_baseline]
    skipped = [g.text for g in gates if g.needs_baseline]
    if skipped:
        report.warnings.append(f"gates judged only by `relecture compare` (no baseline in this run): {', '.join(skipped)}")
    report.gates = evaluate_gates(absolute, [gate_context(None, s, []) for s in sides.values()])




# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


def default_output_dir(root: str = "runs") -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    folder, n = Path(root) / "compare" / stamp, 1
    while folder.exists():
        n += 1
        folder = Path(root) / "compare" / f"{stamp}-{n}"
    return folder


def write_outputs(comparison: Comparison, folder: Path, junit: Path | None = None, markdown: Path | None = None) -> dict[str, Path]:
    """compare.md, junit.xml, compare.html and compare.json in `folder` (or where given)."""
    import json

    from .io.atomic import atomic_write
    from .report.compare_md import write_compare_markdown
    from .report.junit import write_junit

    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "markdown": write_compare_markdown(comparison, markdown or folder / "compare.md"),
        "junit": write_junit(comparison, junit or folder / "junit.xml"),
    }
    from .report.html import write_compare_html

    paths["html"] = write_compare_html(comparison, folder / "compare.html")
    json_path = folder / "compare.json"
    atomic_write(json_path, json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False) + "\n")
    paths["json"] = json_path
    return paths


def print_summary(comparison: Comparison, console: Any) -> None:
    from rich.table import Table

    from .report.compare_md import fmt_delta, fmt_p, fmt_score, headline

    table = Table(title=f"{', '.join(c.system for c in comparison.candidates)} vs {comparison.baseline.system}")
    for column in ("candidate", "metric", "baseline", "candidate score", "delta", "CI of delta", "p"):
        table.add_column(column, justify="right" if column not in ("candidate", "metric") else "left")
    for row in comparison.comparisons:
        ci = row.get("ci")
        table.add_row(row["candidate"], row["metric"], fmt_score(row["baseline_score"]), fmt_score(row["candidate_score"]),
                      fmt_delta(row["delta"], row["baseline_score"]),
                      f"[{fmt_delta(ci[0], row['baseline_score'])}, {fmt_delta(ci[1], row['baseline_score'])}]" if ci else "–",
                      fmt_p(row["p_adjusted"] if row.get("p_adjusted") is not None else row["p_value"]))
    console.print(table)
    for gate in comparison.gates:
        mark = "[green]PASS[/]" if gate["passed"] else "[red]FAIL[/]"
        console.print(f"{mark} {gate['candidate']}: {gate['gate']} — {gate['reason']}", highlight=False)
    console.print(headline(comparison), highlight=False)
