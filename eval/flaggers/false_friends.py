"""False friends: a French word rendered by its English look-alike, which means something else
('intox' → 'intoxication' for disinformation, 'actuellement' → 'actually' for currently).

A table of pairs, each with the French forms (matched at the start of a source word), the English
look-alike forms (matched at the start of an output word) and what the French usually means. A
flag needs the French word in the source *and* the look-alike in the output, so a correct
translation that happens to use the English word for another source word is rare; the flag is
major (the meaning changes) with the confidence the pair deserves.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..types import ErrorSpan, Segment
from .base import Flagger
from .common import fold, is_empty, make_span

CATEGORY = "accuracy/mistranslation"


@dataclass(frozen=True)
class FalseFriend:
    french: tuple[str, ...]  # folded prefixes of the French word's forms
    english: tuple[str, ...]  # prefixes of the look-alike's forms
    meaning: str
    confidence: float = 0.8
    not_if: tuple[str, ...] = ()  # folded source words that make the look-alike right


FALSE_FRIENDS = (
    FalseFriend(("intox",), ("intoxicat",), "disinformation, propaganda", 0.85, ("alimentaire",)),
    FalseFriend(("actuellement", "actuel"), ("actual",), "currently / current", 0.85),
    FalseFriend(("eventuellement", "eventuel"), ("eventual",), "possibly / possible", 0.85),
    FalseFriend(("librairie",), ("librar",), "bookshop", 0.85),
    FalseFriend(("deception", "decu"), ("decepti", "deceiv"), "disappointment / disappointed", 0.85),
    FalseFriend(("pretend",), ("pretend",), "claims", 0.7),
    FalseFriend(("sensible",), ("sensible",), "sensitive", 0.75),
    FalseFriend(("achev",), ("achiev",), "finish, complete", 0.8),
    FalseFriend(("sympathique",), ("sympathetic",), "nice, friendly", 0.75),
    FalseFriend(("preservatif",), ("preservative",), "condom", 0.9),
    FalseFriend(("location",), ("location",), "rental", 0.6, ("geographique",)),
    FalseFriend(("journee",), ("journey",), "day", 0.85),
    FalseFriend(("formation",), ("formation",), "training", 0.6),
)
# Left out: pairs whose look-alike is as often right as wrong (demande/demand, contrôle/control,
# assister/assist, monnaie/money): on WMT13 they flagged mostly correct output.
WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


class FalseFriendsFlagger(Flagger):
    """French words rendered by their English look-alikes (accuracy/mistranslation)."""

    name = "false-friends"
    needs_source = True

    def flag_segment(self, seg: Segment) -> list[ErrorSpan]:
        if is_empty(seg.hyp):
            return []
        spans: list[ErrorSpan] = []
        src_words = [fold(w) for w in WORD_RE.findall(seg.src)]
        hyp_words = [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(seg.hyp)]
        for pair in FALSE_FRIENDS:
            french = next((w for w in src_words if w.startswith(pair.french)), None)
            if french is None or any(w in pair.not_if for w in src_words):
                continue
            for start, end, word in hyp_words:
                if fold(word).startswith(pair.english):
                    severity = "major" if pair.confidence >= 0.7 else "minor"
                    spans.append(make_span(seg, self.name, CATEGORY, severity, start, end,
                                           f"false friend: French '{french}' ({pair.meaning}) rendered as '{word}'",
                                           pair.confidence))
                    break
        return spans
