"""Do outputs sit on the line of their source?  A cheap cross-lingual check: numbers and names
(capitalized words not at a sentence start, folded to their first 4 letters) mostly survive
translation, so a line's anchors should meet those of its own source more often than those of
the next or the previous one.  When most lines match a neighbour better, the file is shifted
(a line added or dropped at the top): a warning, since scores of shifted outputs mean nothing.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Sequence

ANCHOR_RE = re.compile(r"\d+|(?<![.!?:]\s)(?<!^)\b[A-ZÀ-Ý][\w'-]{2,}")
MIN_LINES = 20       # below this many lines with anchors, too little evidence
SHIFTED_SHARE = 0.5  # more than this share of anchored lines matching a neighbour better: shifted


def _anchors(text: str) -> set[str]:
    out = set()
    for match in ANCHOR_RE.finditer(text):
        word = unicodedata.normalize("NFKD", match.group().lower())
        out.add("".join(ch for ch in word if not unicodedata.combining(ch))[:4])
    return out


def misalignment_warning(src: Sequence[str], hyp: Sequence[str], origin: object) -> str | None:
    """A warning when most of hyp's lines match a neighbouring source line better than their own."""
    src_anchors = [_anchors(line) for line in src]
    hyp_anchors = [_anchors(line) for line in hyp]
    anchored = better_elsewhere = 0
    for i, mine in enumerate(hyp_anchors):
        if not mine or not src_anchors[i] and not any(src_anchors[j] for j in (i - 1, i + 1) if 0 <= j < len(src)):
            continue
        anchored += 1
        own = len(mine & src_anchors[i])
        neighbour = max((len(mine & src_anchors[j]) for j in (i - 1, i + 1) if 0 <= j < len(src)), default=0)
        better_elsewhere += neighbour > own
    if anchored >= MIN_LINES and better_elsewhere > SHIFTED_SHARE * anchored:
        return (f"{origin}: {better_elsewhere} of {anchored} lines share more numbers and names with a neighbouring "
                "source line than with their own: is the file shifted against the source?")
    return None
