"""Text helpers shared by the Markdown renderers (report.md, compare.md) and the terminal:
table cells, span marks and number formats."""
from __future__ import annotations

from typing import Sequence

from ..types import ErrorSpan


def cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def mark_spans(text: str, flags: Sequence[ErrorSpan]) -> str:
    """The text with each flagged stretch wrapped in **[...]**; overlapping spans merge into one
    (a name inside a garbled stretch would otherwise nest its markers)."""
    merged: list[list[int]] = []
    for start, end in sorted((f.start, f.end) for f in flags if 0 <= f.start < f.end <= len(text)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out = text
    for start, end in reversed(merged):  # later spans first, so earlier offsets stay valid
        out = f"{out[:start]}**[{out[start:end]}]**{out[end:]}"
    return out


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
