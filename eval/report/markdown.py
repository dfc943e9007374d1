"""report.md: what a person reads first. Systems × metrics, data summary, flags, worst
segments with their spans marked, signatures."""
from __future__ import annotations

import re
from pathlib import Path

from ..io.atomic import atomic_write
from ..types import ErrorSpan, Report, SEVERITIES

SEVERITY_WEIGHT = {"minor": 1, "major": 5, "critical": 10}  # MQM weights (Freitag et al. 2021)
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


# Markdown punctuation that makes markup inside a line (emphasis, code, links, tables,
# strikethrough), escaped with a backslash; <, > and & become entities.  report.md and compare.md
# go to PR comments and job summaries, where GitHub renders raw HTML such as <img> from a segment
# or a system name (issue 11).  Escaped text never starts a line here, so #, - and 1. stay as
# they are.
_MD_PUNCTUATION = set("\\`*_[]|~")
_MD_TABLE = str.maketrans({**{ch: "\\" + ch for ch in _MD_PUNCTUATION}, "<": "&lt;", ">": "&gt;", "&": "&amp;",
                           "\n": " ", "\r": " "})


def md_escape(text: object) -> str:
    """Text shown as itself in Markdown (a table cell included): no markup, no HTML, one line."""
    return str(text).translate(_MD_TABLE)


def md_code(text: object) -> str:
    """Text in an inline code span, fenced with more backticks than any run it holds."""
    body = str(text).replace("\n", " ").replace("\r", " ")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
    return f"{fence} {body} {fence}" if len(fence) > 1 else f"`{body}`"


def mark_spans(text: str, flags: list[ErrorSpan]) -> str:
    """The text, escaped for Markdown, with each flagged stretch wrapped in **[...]**;
    overlapping spans merge into one."""
    merged: list[list[int]] = []
    for start, end in sorted((f.start, f.end) for f in flags if 0 <= f.start < f.end <= len(text)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, done = [], 0
    for start, end in merged:
        pieces.append(md_escape(text[done:start]) + f"**[{md_escape(text[start:end])}]**")
        done = end
    return "".join(pieces) + md_escape(text[done:])


def render_markdown(report: Report) -> str:
    info, ts = report.info, report.testset
    metrics = metric_names(report)
    best = best_marks(report)
    lines = [f"# Relecture report: {md_escape(report.name)}", ""]
    lines += [f"Run {info.get('created', '?')} · relecture {info.get('versions', {}).get('relecture', '?')} · "
              f"config {info.get('config_hash', '?')} · data {info.get('data_hash', '?')}", ""]
    if report.warnings:
        lines += ["## Warnings", ""] + [f"- {md_escape(w)}" for w in report.warnings] + [""]
    lines += ["## Scores", "", "| system | " + " | ".join(f"{m} {'↑' if _higher(report, m) else '↓'}" for m in metrics) + " |",
              "|---|" + "---:|" * len(metrics)]
    for name, result in report.systems.items():
        cells = []
        for m in metrics:
            r = result.metrics.get(m)
            value = "–" if r is None else f"{r.score:.2f}" if abs(r.score) >= 1 or r.score == 0 else f"{r.score:.4f}"
            if r is not None and r.ci:
                value += f" [{r.ci[0]:.2f}, {r.ci[1]:.2f}]"
            cells.append(f"**{value}**" if best.get(m) == name else value)
        lines.append(f"| {md_escape(name)} | " + " | ".join(cells) + " |")
    lines += ["", "Best per column in bold; ↑ higher is better, ↓ lower is better.", ""]
    lines += ["## Data", "", f"- test set: {md_escape(ts.name)}, {len(ts)} segments, {len(ts.refs)} reference(s)"]
    lines += [f"- {md_escape(role)}: {md_code(path)}" for role, path in ts.origin.items()]
    lines += [f"- system {md_escape(name)}: {md_code(r.origin)} (sha256 {info.get('output_hashes', {}).get(name, '?')})" for name, r in report.systems.items()]
    lines.append("")
    if any(r.flags for r in report.systems.values()):
        lines += _flags_section(report)
    if report.gates or report.comparisons:
        from .compare_md import report_sections

        lines += report_sections(report.comparisons, report.gates)
    lines += ["## Signatures", ""]
    for m in metrics:
        sigs = sorted({r.metrics[m].signature for r in report.systems.values() if m in r.metrics})
        lines += [f"- {md_code(sig)}" for sig in sigs]
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
            lines.append(f"| {md_escape(name)} | {category} | " + " | ".join(str(counts.get(s, 0)) for s in SEVERITIES) + " |")
    lines.append("")
    for name, result in report.systems.items():
        by_seg: dict[int, list[ErrorSpan]] = {}
        for flag in result.flags:
            by_seg.setdefault(flag.seg_idx, []).append(flag)
        if not by_seg:
            continue
        worst = sorted(by_seg.items(), key=lambda kv: (-sum(SEVERITY_WEIGHT[f.severity] for f in kv[1]), kv[0]))[:WORST_SHOWN]
        lines += [f"### Worst segments: {md_escape(name)}", ""]
        for seg_idx, flags in worst:
            hyp_flags = [f for f in flags if not f.on_source]
            src_flags = [f for f in flags if f.on_source]
            lines.append(f"**Segment {seg_idx}** ({', '.join(sorted({f.severity for f in flags}, key=SEVERITIES.index))})")
            lines.append("")
            lines.append(f"- source: {mark_spans(report.testset.src[seg_idx], src_flags)}")
            lines.append(f"- output: {mark_spans(report.hyps[name][seg_idx], hyp_flags) or '(empty)'}")
            for flag in flags:
                lines.append(f"  - {flag.severity} · {flag.category}: {md_escape(flag.message)}")
            lines.append("")
    return lines


def write_markdown(report: Report, folder: Path) -> Path:
    path = folder / "report.md"
    atomic_write(path, render_markdown(report))
    return path
