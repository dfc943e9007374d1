"""report.md: what a person reads first. Systems × metrics, data summary, flags, worst
segments with their spans marked, signatures."""
from __future__ import annotations

from pathlib import Path

from ..io.atomic import atomic_write
from ..types import SEVERITIES, Report, worst_segments
from .compare_md import report_sections
from .text import cell as _cell
from .text import code, fmt_score, mark_spans

WORST_SHOWN = 10


def best_marks(report: Report) -> dict[str, str]:
    """metric -> the system with the best score (direction from the metric itself)."""
    best: dict[str, str] = {}
    names = list(report.systems)
    for metric in metric_names(report):
        scored = [(n, report.systems[n].metrics[metric]) for n in names if metric in report.systems[n].metrics]
        if len(scored) > 1:
            pick = max if scored[0][1].higher_is_better else min
            best[metric] = pick(scored, key=lambda item: item[1].score)[0]
    return best


def metric_names(report: Report) -> list[str]:
    seen: list[str] = []
    for result in report.systems.values():
        seen.extend(m for m in result.metrics if m not in seen)
    return seen


def render_markdown(report: Report) -> str:
    info, ts = report.info, report.testset
    metrics = metric_names(report)
    best = best_marks(report)
    lines = [f"# Relecture report: {_cell(report.name)}", ""]
    lines += [f"Run {info.get('created', '?')} · relecture {info.get('versions', {}).get('relecture', '?')} · "
              f"config {info.get('config_hash', '?')} · data {info.get('data_hash', '?')}", ""]
    if report.warnings:
        lines += ["## Warnings", ""] + [f"- {_cell(w)}" for w in report.warnings] + [""]
    lines += ["## Scores", "", "| system | " + " | ".join(f"{m} {'↑' if _higher(report, m) else '↓'}" for m in metrics) + " |",
              "|---|" + "---:|" * len(metrics)]
    for name, result in report.systems.items():
        cells = []
        for m in metrics:
            r = result.metrics.get(m)
            value = "–" if r is None else fmt_score(r.score)
            if r is not None and r.ci:
                value += f" [{r.ci[0]:.2f}, {r.ci[1]:.2f}]"
            cells.append(f"**{value}**" if best.get(m) == name else value)
        lines.append(f"| {_cell(name)} | " + " | ".join(cells) + " |")
    lines += ["", "Best per column in bold; ↑ higher is better, ↓ lower is better.", ""]
    lines += ["## Data", "", f"- test set: {_cell(ts.name)}, {len(ts)} segments, {len(ts.refs)} reference(s)"]
    lines += [f"- {_cell(role)}: {code(path)}" for role, path in ts.origin.items()]
    lines += [f"- system {_cell(name)}: {code(r.origin)} (sha256 {info.get('output_hashes', {}).get(name, '?')})" for name, r in report.systems.items()]
    lines.append("")
    if any(r.flags for r in report.systems.values()):
        lines += _flags_section(report)
    if report.gates or report.comparisons:
        lines += report_sections(report.comparisons, report.gates)
    lines += ["## Signatures", ""]
    for m in metrics:
        sigs = sorted({str(r.metrics[m].signature) for r in report.systems.values() if m in r.metrics})
        lines += [f"- {code(sig)}" for sig in sigs]
    lines.append("")
    return "\n".join(lines)


def _higher(report: Report, metric: str) -> bool:
    for result in report.systems.values():
        if metric in result.metrics:
            return result.metrics[metric].higher_is_better
    return True


def _flags_section(report: Report) -> list[str]:
    lines = ["## Flags", "", "| system | category | " + " | ".join(SEVERITIES) + " |", "|---|---|" + "---:|" * len(SEVERITIES)]
    for name, result in report.systems.items():
        for category, counts in sorted(result.flag_counts().items()):
            lines.append(f"| {_cell(name)} | {category} | " + " | ".join(str(counts.get(s, 0)) for s in SEVERITIES) + " |")
    lines.append("")
    for name, result in report.systems.items():
        worst = worst_segments(result.flags, WORST_SHOWN)
        if not worst:
            continue
        lines += [f"### Worst segments: {_cell(name)}", ""]
        for seg_idx, flags in worst:
            hyp_flags = [f for f in flags if not f.on_source]
            src_flags = [f for f in flags if f.on_source]
            lines.append(f"**Segment {seg_idx}** ({', '.join(sorted({f.severity for f in flags}, key=SEVERITIES.index))})")
            lines.append("")
            lines.append(f"- source: {mark_spans(report.testset.src[seg_idx], src_flags)}")
            lines.append(f"- output: {mark_spans(report.hyps[name][seg_idx], hyp_flags) or '(empty)'}")
            for flag in flags:
                lines.append(f"  - {flag.severity} · {flag.category}: {_cell(flag.message)}")
            lines.append("")
    return lines


def write_markdown(report: Report, folder: Path) -> Path:
    path = folder / "report.md"
    atomic_write(path, render_markdown(report))
    return path
