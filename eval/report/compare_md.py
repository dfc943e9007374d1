"""compare.md: the comparison as a pull-request comment (and the GitHub step summary).

Gate table first (what decides the merge), then metric deltas with their confidence intervals
and p-values, then the segments that got worse: largest per-segment drops and newly flagged
errors, source, baseline and candidate side by side.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..comparison import Comparison, SegmentChange
from ..io.atomic import atomic_write
from ..types import ComparisonRow, ErrorSpan, GateOutcome
from .text import cell as _cell
from .text import code, fmt_delta, fmt_p, fmt_score, mark_spans

SIGNIFICANCE = 0.05  # the level at which a delta is shown in bold


def headline(comparison: Comparison) -> str:
    gates = comparison.gates
    failed = [g for g in gates if not g.passed]
    if not gates:
        return "No gates configured"
    if failed:
        return f"❌ {len(failed)} of {len(gates)} gate checks failed"
    return f"✅ all {len(gates)} gate checks passed"


def render_compare_markdown(comparison: Comparison) -> str:
    info = comparison.info
    candidates = ", ".join(c.system for c in comparison.candidates)
    lines = [f"# Relecture: {_cell(candidates)} vs {_cell(comparison.baseline.system)}", "", f"**{headline(comparison)}**", ""]
    method = (f"Test set {info.get('testset')} · {info.get('segments')} segments · data {info.get('data_hash') or '?'} · "
              f"paired bootstrap, {info['n_resamples']:,} resamples ({info['confidence']:.0%} CI of Δ) · "
              f"approximate randomization, {info['n_trials']:,} trials · seed {info['seed']}")
    if info.get("multiple_comparisons") == "holm":
        method += f" · p-values Holm-adjusted over {len(comparison.candidates)} candidates"
    lines += [method, ""]
    lines += _gates_table(comparison.gates)
    lines += _metrics_table(comparison)
    for candidate in comparison.candidates:
        lines += _worse_section(comparison, candidate.system)
    if comparison.warnings:
        lines += ["## Warnings", ""] + [f"- {_cell(w)}" for w in comparison.warnings] + [""]
    lines += ["## Signatures", ""]
    for sig in dict.fromkeys(row.signature for row in comparison.comparisons):
        lines.append(f"- `{sig}`")
    lines.append("")
    return "\n".join(lines)


def _gates_table(gates: Sequence[GateOutcome]) -> list[str]:
    if not gates:
        return ["## Gates", "", "No gates in the config (`gates:`): nothing decides pass or fail.", ""]
    lines = ["## Gates", "", "| | candidate | gate | reason |", "|---|---|---|---|"]
    for gate in sorted(gates, key=lambda g: g.passed):  # failures first
        mark = "✅" if gate.passed else "❌"
        lines.append(f"| {mark} | {_cell(gate.candidate)} | {code(gate.gate)} | {_cell(gate.reason)} |")
    return lines + [""]


def _metrics_table(comparison: Comparison) -> list[str]:
    info = comparison.info
    holm = info.get("multiple_comparisons") == "holm"
    header = f"| candidate | metric | {comparison.baseline.system} | candidate | Δ | {info['confidence']:.0%} CI of Δ | p |"
    header += " p (Holm) |" if holm else ""
    lines = ["## Metrics", "", header, "|---|---|---:|---:|---:|---|---:|" + ("---:|" if holm else "")]
    lines += [_metric_row(row, holm) for row in comparison.comparisons]
    lines += ["", f"Δ = candidate − baseline (↑: higher is better, ↓: lower is better); bold where p < {SIGNIFICANCE}. "
              "p: paired approximate randomization (two-sided); CI: paired bootstrap percentile interval.", ""]
    return lines


def report_sections(comparisons: Sequence[ComparisonRow], gates: Sequence[GateOutcome]) -> list[str]:
    """Gates and comparisons with the baseline, for a run's report.md (`relecture run` with a
    `baseline:` or `gates:`)."""
    lines: list[str] = []
    if gates:
        lines += _gates_table(gates)
    if comparisons:
        holm = any(r.p_adjusted is not None for r in comparisons)
        first = comparisons[0]
        level = first.confidence or 0.95
        header = f"| candidate | metric | {first.baseline} | candidate | Δ | {level:.0%} CI of Δ | p |" + (" p (Holm) |" if holm else "")
        lines += ["## Comparisons with the baseline", "", header, "|---|---|---:|---:|---:|---|---:|" + ("---:|" if holm else "")]
        lines += [_metric_row(row, holm) for row in comparisons]
        lines += ["", "p: paired approximate randomization; CI: paired bootstrap (`relecture compare` for the segments that got worse).", ""]
    return lines


def ci_text(row: ComparisonRow) -> str:
    """"[−0.42, +0.13]": the confidence interval of a row's delta, or "–" without one."""
    if row.ci is None:
        return "–"
    return f"[{fmt_delta(row.ci[0], row.baseline_score)}, {fmt_delta(row.ci[1], row.baseline_score)}]"


def _metric_row(row: ComparisonRow, holm: bool) -> str:
    arrow = "↑" if row.higher_is_better else "↓"
    delta = fmt_delta(row.delta, row.baseline_score)
    if row.p is not None and row.p < SIGNIFICANCE and row.delta != 0:
        delta = f"**{delta}**"
    cells = [_cell(row.candidate), f"{_cell(row.metric)} {arrow}", fmt_score(row.baseline_score),
             fmt_score(row.candidate_score), delta, ci_text(row), fmt_p(row.p_value)]
    if holm:
        cells.append(fmt_p(row.p_adjusted))
    return "| " + " | ".join(cells) + " |"


def _flag_text(flags: Sequence[ErrorSpan]) -> str:
    return "; ".join(f"{f.severity} {f.category}: {f.message}" for f in flags)


def _side_by_side(entries: Sequence[SegmentChange], with_scores: bool) -> list[str]:
    lines = ["| seg | source | baseline | candidate | " + ("change |" if with_scores else "new flags |"),
             "|---:|---|---|---|---|"]
    for entry in entries:
        spans = entry.new_flags
        src = mark_spans(entry.src, [s for s in spans if s.on_source])
        cand = mark_spans(entry.candidate_hyp, [s for s in spans if not s.on_source]) or "*(empty)*"
        if with_scores:
            change = f"{entry.metric} {fmt_score(entry.baseline_score)} → {fmt_score(entry.candidate_score)}"
            if entry.new_flags:
                change += f"; new: {_flag_text(entry.new_flags)}"
        else:
            change = _flag_text(entry.new_flags)
        lines.append(f"| {entry.seg_idx} | {src} | {_cell(entry.baseline_hyp) or '*(empty)*'} | {cand} | {_cell(change)} |")
    return lines + [""]


def _worse_section(comparison: Comparison, candidate: str) -> list[str]:
    worse = comparison.worse.get(candidate)
    if worse is None:
        return []
    drops, newly = worse.largest_drops, worse.newly_flagged
    lines = [f"## Segments that got worse: {_cell(candidate)}", ""]
    if not drops and not newly:
        return lines + ["No segment scored lower or gained a flag.", ""]
    if drops:
        lines += [f"### Largest drops ({worse.metric})", ""] + _side_by_side(drops, with_scores=True)
    if newly:
        total = worse.newly_flagged_total
        shown = f" ({len(newly)} of {total} shown)" if total > len(newly) else ""
        lines += [f"### Newly flagged{shown}", ""] + _side_by_side(newly, with_scores=False)
    return lines


def write_compare_markdown(comparison: Comparison, path: Path) -> Path:
    atomic_write(path, render_compare_markdown(comparison))
    return path
