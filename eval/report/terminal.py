"""The rich tables printed in the terminal, and the console they are printed on."""
from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from ..comparison import Comparison
from ..types import GateOutcome, MetricResult, Report
from .compare_md import ci_text, headline
from .markdown import best_marks, metric_names
from .text import fmt_delta, fmt_p, fmt_score


# Off a terminal (CI logs, a pipe), lines are never wrapped: rich's default of 80 columns split
# signatures and messages mid-word in CI logs (issue 11).
UNWRAPPED = 100_000


def make_console(stderr: bool = False) -> Console:
    """The console for command output: the terminal's width, or no wrapping off a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=UNWRAPPED, soft_wrap=True, no_color=True)


def _fmt(result: MetricResult | None) -> str:
    if result is None:
        return "–"
    return fmt_score(result.score) + (f" [{result.ci[0]:.2f}, {result.ci[1]:.2f}]" if result.ci else "")


def summary_table(report: Report) -> Table:
    metrics = metric_names(report)
    best = best_marks(report)
    has_flags = any(r.flags for r in report.systems.values())
    table = Table(title=f"{report.name}: {len(report.testset)} segments, {len(report.testset.refs)} reference(s)")
    table.add_column("system", style="bold")
    for m in metrics:
        arrow = "↑" if next(r.metrics[m] for r in report.systems.values() if m in r.metrics).higher_is_better else "↓"
        table.add_column(f"{m} {arrow}", justify="right")
    if has_flags:
        table.add_column("flags (minor/major/critical)", justify="right")
    for name, result in report.systems.items():
        cells = [f"[green]{_fmt(result.metrics.get(m))}[/]" if best.get(m) == name else _fmt(result.metrics.get(m)) for m in metrics]
        if has_flags:
            sev = {s: sum(1 for f in result.flags if f.severity == s) for s in ("minor", "major", "critical")}
            cells.append(f"{sev['minor']}/{sev['major']}/{sev['critical']}")
        table.add_row(name, *cells)
    return table


def print_report(report: Report, console: Console | None = None) -> None:
    console = console or make_console()
    console.print(summary_table(report))


def metrics_table(results: dict[str, MetricResult], title: str = "") -> Table:
    table = Table(title=title or None)
    table.add_column("metric", style="bold")
    table.add_column("score", justify="right")
    table.add_column("signature", overflow="fold")
    for name, result in results.items():
        table.add_row(name, _fmt(result), str(result.signature))
    return table


def print_gates(gates: list[GateOutcome], console: Console) -> None:
    for gate in gates:
        mark = "[green]PASS[/]" if gate.passed else "[red]FAIL[/]"
        console.print(f"{mark} {gate.candidate}: {gate.gate} — {gate.reason}", highlight=False)


def print_comparison(comparison: Comparison, console: Console) -> None:
    """The comparison table, the gate outcomes and the headline."""
    table = Table(title=f"{', '.join(c.system for c in comparison.candidates)} vs {comparison.baseline.system}")
    for column in ("candidate", "metric", "baseline", "candidate score", "delta", "CI of delta", "p"):
        table.add_column(column, justify="right" if column not in ("candidate", "metric") else "left")
    for row in comparison.comparisons:
        table.add_row(row.candidate, row.metric, fmt_score(row.baseline_score), fmt_score(row.candidate_score),
                      fmt_delta(row.delta, row.baseline_score), ci_text(row), fmt_p(row.p))
    console.print(table)
    print_gates(comparison.gates, console)
    console.print(headline(comparison), highlight=False)
