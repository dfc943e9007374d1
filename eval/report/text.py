"""Text helpers shared by the Markdown renderers (report.md, compare.md) and the terminal:
table cells, span marks and number formats."""
from __future__ import annotations

import re
from typing import Sequence

from ..types import ErrorSpan

# Markdown punctuation that makes markup inside a line (emphasis, code, links, tables,
# strikethrough), escaped with a backslash; <, > and & become entities.  report.md and compare.md
# go to PR comments and job summaries, where GitHub renders raw HTML such as <img> from a segment
# or a system name (issue 11).  Escaped text never starts a line here, so #, - and 1. stay as
# they are.
_MD_PUNCTUATION = "\\`*_[]|~"
_MD_TABLE = str.maketrans({**{ch: "\\" + ch for ch in _MD_PUNCTUATION}, "<": "&lt;", ">": "&gt;", "&": "&amp;",
                           "\n": " ", "\r": " "})


def cell(text: object) -> str:
    """Text shown as itself in Markdown, inside one table cell: no markup, no HTML, one line."""
    return str(text).translate(_MD_TABLE)


def code(text: object) -> str:
    """Text in an inline code span (HTML stays text there), fenced with more backticks than any
    run it holds; `|` escaped, which would end a table cell even inside backticks."""
    body = str(text).replace("\n", " ").replace("\r", " ")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
    spaced = f"{fence} {body} {fence}" if len(fence) > 1 else f"`{body}`"
    return spaced.replace("|", "\\|")


def mark_spans(text: str, flags: Sequence[ErrorSpan]) -> str:
    """The text, escaped as `cell` escapes it, with each flagged stretch wrapped in **[...]**;
    overlapping spans merge into one (a name inside a garbled stretch would otherwise nest its
    markers)."""
    merged: list[list[int]] = []
    for start, end in sorted((f.start, f.end) for f in flags if 0 <= f.start < f.end <= len(text)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, done = [], 0
    for start, end in merged:
        pieces.append(cell(text[done:start]) + f"**[{cell(text[start:end])}]**")
        done = end
    return "".join(pieces) + cell(text[done:])


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
