"""compare.md: the comparison as a pull-request comment (and the GitHub step summary).

Gate table first (what decides the merge), then metric deltas with their confidence intervals
and p-values, then the segments that got worse: largest per-segment drops and newly flagged
errors, source, baseline and candidate side by side.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..io.atomic import atomic_write
from ..types import ErrorSpan
from .markdown import mark_spans

if TYPE_CHECKING:
    from ..compare import Comparison

SIGNIFICANCE = 0.05  # the level at which a delta is shown in bold


def fmt_score(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if abs(value) >= 1 or value == 0 else f"{value:.4f}"


def fmt_delta(value: float, like: float) -> str:
    text = f"{value:+.2f}" if abs(like) >= 1 else f"{value:+.4f}"
    return text.replace("-", "−")


def fmt_p(p: float | None) -> str:
    if p is None:
        return "–"
    return f"{p:.4f}" if p >= 0.0001 else f"{p:.1e}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def headline(comparison: "Comparison") -> str:
    gates = comparison.gates
    failed = [g for g in gates if not g["passed"]]
    if not gates:
        return "No gates configured"
    if failed:
        return f"❌ {len(failed)} of {len(gates)} gate checks failed"
    return f"✅ all {len(gates)} gate checks passed"


def render_compare_markdown(comparison: "Comparison") -> str:
    info = comparison.info
    candidates = ", ".join(c.system for c in comparison.candidates)
    lines = [f"# Relecture: {candidates} vs {comparison.baseline.system}", "", f"**{headline(comparison)}**", ""]
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
    for sig in dict.fromkeys(row["signature"] for row in comparison.comparisons):
        lines.append(f"- `{sig}`")
    lines.append("")
    return "\n".join(lines)


def _gates_table(gates: Sequence[Mapping[str, Any]]) -> list[str]:
    if not gates:
        return ["## Gates", "", "No gates in the config (`gates:`): nothing decides pass or fail.", ""]
    lines = ["## Gates", "", "| | candidate | gate | reason |", "|---|---|---|---|"]
    for gate in sorted(gates, key=lambda g: g["passed"]):  # failures first
        mark = "✅" if gate["passed"] else "❌"
        lines.append(f"| {mark} | {_cell(gate['candidate'])} | `{_cell(gate['gate'])}` | {_cell(gate['reason'])} |")
    return lines + [""]


def _metrics_table(comparison: "Comparison") -> list[str]:
    info = comparison.info
    holm = info.get("multiple_comparisons") == "holm"
    header = f"| candidate | metric | {comparison.baseline.system} | candidate | Δ | {info['confidence']:.0%} CI of Δ | p |"
    header += " p (Holm) |" if holm else ""
    lines = ["## Metrics", "", header, "|---|---|---:|---:|---:|---|---:|" + ("---:|" if holm else "")]
    lines += [_metric_row(row, holm) for row in comparison.comparisons]
    lines += ["", f"Δ = candidate − baseline (↑: higher is better, ↓: lower is better); bold where p < {SIGNIFICANCE}. "
              "p: paired approximate randomization (two-sided); CI: paired bootstrap percentile interval.", ""]
    return lines


def report_sections(comparisons: Sequence[Mapping[str, Any]], gates: Sequence[Mapping[str, Any]]) -> list[str]:
    """Gates and comparisons with the baseline, for a run's report.md (`relecture run` with a
    `baseline:` or `gates:`)."""
    lines: list[str] = []
    if gates:
        lines += _gates_table(gates)
    if comparisons:
        holm = any(r.get("p_adjusted") is not None for r in comparisons)
        first = comparisons[0]
        level = first.get("confidence", 0.95)
        header = (f"| candidate | metric | {first['baseline']} | candidate | Δ | {level:.0%} CI of Δ | p |" + (" p (Holm) |" if holm else "")
                  + " estimated human agreement |")
        lines += ["## Comparisons with the baseline", "", header, "|---|---|---:|---:|---:|---|---:|" + ("---:|" if holm else "") + "---|"]
        lines += [_metric_row(row, holm) for row in comparisons]
        lines += ["", "p: paired approximate randomization; CI: paired bootstrap (`relecture compare` for the segments that got worse).",
                  "Estimated human agreement: the share of people who would prefer the side the delta favours, from a "
                  "fit of human judgments on deltas of this metric (README: Gates in human terms).", ""]
    return lines


def _metric_row(row: Mapping[str, Any], holm: bool) -> str:
    arrow = "↑" if row["higher_is_better"] else "↓"
    p = row["p_adjusted"] if row.get("p_adjusted") is not None else row["p_value"]
    delta = fmt_delta(row["delta"], row["baseline_score"])
    if p is not None and p < SIGNIFICANCE and row["delta"] != 0:
        delta = f"**{delta}**"
    ci = row.get("ci")
    ci_text = f"[{fmt_delta(ci[0], row['baseline_score'])}, {fmt_delta(ci[1], row['baseline_score'])}]" if ci else "–"
    cells = [_cell(row["candidate"]), f"{_cell(row['metric'])} {arrow}", fmt_score(row["baseline_score"]),
             fmt_score(row["candidate_score"]), delta, ci_text, fmt_p(row["p_value"])]
    if holm:
        cells.append(fmt_p(row.get("p_adjusted")))
    cells.append(fmt_agreement(row.get("human_agreement")))
    return "| " + " | ".join(cells) + " |"


def fmt_agreement(agreement: Mapping[str, Any] | None) -> str:
    """'84% prefer the baseline', or – where the table has no fit for the metric."""
    if not agreement:
        return "–"
    if agreement["prefers"] == "neither":
        return "no difference"
    return f"{agreement['agreement']:.0%} prefer the {agreement['prefers']}"


def _flag_spans(flags: Sequence[Mapping[str, Any]]) -> list[ErrorSpan]:
    return [ErrorSpan.from_dict(dict(f)) for f in flags]


def _mark(text: str, spans: Sequence[ErrorSpan]) -> str:
    """mark_spans over merged spans: overlapping flags (a name inside a garbled stretch) would
    otherwise nest their markers."""
    merged: list[list[int]] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], span.end)
        else:
            merged.append([span.start, span.end])
    return mark_spans(text, [ErrorSpan(0, "", "", "minor", start, end, False, "") for start, end in merged])


def _flag_text(flags: Sequence[Mapping[str, Any]]) -> str:
    return "; ".join(f"{f['severity']} {f['category']}: {f.get('message', '')}" for f in flags)


def _side_by_side(entries: Sequence[Mapping[str, Any]], with_scores: bool) -> list[str]:
    lines = ["| seg | source | baseline | candidate | " + ("change |" if with_scores else "new flags |"),
             "|---:|---|---|---|---|"]
    for entry in entries:
        spans = _flag_spans(entry.get("new_flags", []))
        src = _mark(entry["src"], [s for s in spans if s.on_source])
        cand = _mark(entry["candidate_hyp"], [s for s in spans if not s.on_source]) or "*(empty)*"
        if with_scores:
            change = (f"{entry['metric']} {fmt_score(entry['baseline_score'])} → {fmt_score(entry['candidate_score'])}")
            if entry.get("new_flags"):
                change += f"; new: {_flag_text(entry['new_flags'])}"
        else:
            change = _flag_text(entry["new_flags"])
        lines.append(f"| {entry['seg_idx']} | {_cell(src)} | {_cell(entry['baseline_hyp']) or '*(empty)*'} | {_cell(cand)} | {_cell(change)} |")
    return lines + [""]


def _worse_section(comparison: "Comparison", candidate: str) -> list[str]:
    worse = comparison.worse.get(candidate) or {}
    drops, newly = worse.get("largest_drops", []), worse.get("newly_flagged", [])
    lines = [f"## Segments that got worse: {candidate}", ""]
    if not drops and not newly:
        return lines + ["No segment scored lower or gained a flag.", ""]
    if drops:
        lines += [f"### Largest drops ({worse.get('metric')})", ""] + _side_by_side(drops, with_scores=True)
    if newly:
        total = worse.get("newly_flagged_total", len(newly))
        shown = f" ({len(newly)} of {total} shown)" if total > len(newly) else ""
        lines += [f"### Newly flagged{shown}", ""] + _side_by_side(newly, with_scores=False)
    return lines


def write_compare_markdown(comparison: "Comparison", path: Path) -> Path:
    atomic_write(path, render_compare_markdown(comparison))
    return path
