"""Numbers, dates, times, ordinals, percentages and amounts: changed, missing or extra.

Each side is read with its own conventions and reduced to values:
French `1 234,5` · `3,5 %` · `12 h 30` · `1er` · `9 janvier 2022` · `15 millions d'euros` ·
`deux`; English `1,234.5` · `3.5%` · `12:30` / `12.30 p.m.` · `1st` · `January 9, 2022` ·
`15 million euros` / `€15m` · `two`.  A value matches when the other side has the same value
(scales applied: 15 millions = 15 million = 15,000,000; 20 h = 8 p.m.; a month by its number).

Findings (accuracy/number): a digit value changed ('6' rendered as '7') is major; a value only
missing or only added is major when it has three digits or more (a year, an amount), minor when
smaller (translations render '20e siècle', '2 mètres' freely); a month swapped and a mismatch
that involves only spelled-out small numbers ('deux' → 'both') are minor.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..types import ErrorSpan, Segment
from .base import Flagger
from .common import is_empty, make_span

CATEGORY = "accuracy/number"


@dataclass(frozen=True)
class Value:
    value: float
    start: int
    end: int
    text: str
    spelled: bool = False  # a number word, not digits
    alt: float | None = None  # another reading: French text written the English way ('50,000'), 'm' as metres

    @property
    def month(self) -> bool:
        return 1000 <= self.value < 1012

    @property
    def weighty(self) -> bool:
        """Three digits or more (a year, an amount): dropped or added, rarely a free rendering."""
        return not self.spelled and not self.month and len(re.sub(r"\D", "", self.text)) >= 3


FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre"]
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]
FR_WORDS = {"deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
            "onze": 11, "douze": 12, "quinze": 15, "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50,
            "soixante": 60, "cent": 100, "mille": 1000, "deuxième": 2, "troisième": 3, "quatrième": 4,
            "cinquième": 5, "dixième": 10, "douzaine": 12, "centaine": 100}
EN_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
            "sixty": 60, "hundred": 100, "thousand": 1000, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
            "tenth": 10, "dozen": 12, "first": 1, "one": 1, "twice": 2, "both": 2, "pair": 2, "couple": 2,
            "double": 2, "triple": 3, "once": 1, "single": 1, "half": 0.5,
            # decades: 'les années 60' -> 'the Sixties'
            "twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60, "seventies": 70,
            "eighties": 80, "nineties": 90}
FR_SCALES = {"million": 1e6, "millions": 1e6, "milliard": 1e9, "milliards": 1e9, "md": 1e9, "mds": 1e9,
             "mrd": 1e9, "m": 1e6, "k": 1e3, "mille": 1e3, "milles": 1e3, "billion": 1e12, "billions": 1e12,
             "dixièmes": 0.1, "centièmes": 0.01, "millièmes": 0.001}
EN_SCALES = {"thousand million": 1e9, "million": 1e6, "millions": 1e6, "billion": 1e9, "billions": 1e9, "bn": 1e9, "m": 1e6,
             "mn": 1e6, "k": 1e3, "thousand": 1e3, "trillion": 1e12}

FR_NUMBER = re.compile(
    r"(?<![\w,.])(\d{1,3}(?:[  \u202f.]\d{3})+(?:,\d+)?|\d+(?:,\d+)?)"
    r"(?:\s*(er|ère|re|e|ème|è)\b)?"
    r"(?:\s*(millions?|milliards?|mds?|mrd|billions?|m|k|milles?|dixièmes|centièmes|millièmes)\b)?", re.IGNORECASE)
EN_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d|[,.]\d)|\d+,\d{1,2}(?!\d)|\d+(?:\.\d+)?)"
    r"(?:(st|nd|rd|th)\b)?"
    r"(?:\s*(thousand million|millions?|billions?|bn|mn|m|k|thousand|trillion)\b)?", re.IGNORECASE)
DIGITS_IN_WORD = re.compile(r"(?<=[^\W\d_])\d+|\d+(?=[^\W\d_]{2,})")  # iPhone6, 4G, 2x
FR_TIME = re.compile(r"\b(\d{1,2})\s*h\s*(\d{2})?\b")
EN_TIME = re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s?m\b\.?|\b(\d{1,2}):(\d{2})\b", re.IGNORECASE)
FR_WORD_RE = re.compile(r"\b(" + "|".join(sorted(FR_WORDS, key=len, reverse=True)) + r")s?\b", re.IGNORECASE)
EN_WORD_RE = re.compile(r"\b(" + "|".join(sorted(EN_WORDS, key=len, reverse=True)) + r")\b", re.IGNORECASE)
FR_MONTH_RE = re.compile(r"\b(" + "|".join(FR_MONTHS) + r")\b", re.IGNORECASE)
EN_MONTH_RE = re.compile(r"\b(" + "|".join(EN_MONTHS) + r"|Jan|Feb|Aug|Sept?|Oct|Nov|Dec)\b\.?")
# English words of the list that are also ordinary words: they match a number but never count as one.
EN_SOFT = {"first", "one", "second", "both", "pair", "couple", "double", "once", "single", "half", "triple"}


def _num(text: str, decimal: str) -> float:
    if decimal == "," or re.fullmatch(r"\d+,\d{1,2}", text):  # (English text written '6,2')
        text = re.sub(r"[  \u202f.]", "", text).replace(",", ".")
    else:
        text = re.sub(r"[,  \u202f]", "", text)  # '1,234' and '132 000'
    return float(text)


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in taken)


def french_values(text: str) -> list[Value]:
    out: list[Value] = []
    taken: list[tuple[int, int]] = []
    for m in FR_TIME.finditer(text):
        out.append(Value(float(m.group(1)), m.start(1), m.end(1), m.group(1)))
        if m.group(2) and m.group(2) != "00":
            out.append(Value(float(m.group(2)), m.start(2), m.end(2), m.group(2)))
        taken.append((m.start(), m.end()))
    for m in FR_NUMBER.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        value = _num(m.group(1), ",")
        alt = float(m.group(1).replace(",", "")) if re.fullmatch(r"\d{1,3},\d{3}", m.group(1)) else None
        if m.group(3):
            if m.group(3).lower() == "m":
                # '417 m' is metres far more often than millions: both readings stand
                alt = value
            elif alt is not None:
                alt *= FR_SCALES[m.group(3).lower()]
            value *= FR_SCALES[m.group(3).lower()]
        out.append(Value(value, m.start(), m.end(), m.group(), alt=alt))
        taken.append((m.start(), m.end()))
    for m in DIGITS_IN_WORD.finditer(text):
        if not _overlaps(m.start(), m.end(), taken):
            out.append(Value(float(m.group()), m.start(), m.end(), m.group()))
    for m in FR_MONTH_RE.finditer(text):
        out.append(Value(1000.0 + FR_MONTHS.index(m.group(1).lower()), m.start(), m.end(), m.group()))
    for m in FR_WORD_RE.finditer(text):
        if not _overlaps(m.start(), m.end(), taken):
            out.append(Value(float(FR_WORDS[m.group(1).lower()]), m.start(), m.end(), m.group(), spelled=True))
    return out


def english_values(text: str) -> list[Value]:
    out: list[Value] = []
    taken: list[tuple[int, int]] = []
    for m in EN_TIME.finditer(text):
        if m.group(3):
            hour = int(m.group(1)) % 12 + (12 if m.group(3).lower() == "p" else 0)
            out.append(Value(float(hour), m.start(1), m.end(1), m.group(1)))
            minutes = m.group(2)
            mstart = m.start(2)
        else:
            out.append(Value(float(m.group(4)), m.start(4), m.end(4), m.group(4)))
            minutes, mstart = m.group(5), m.start(5)
        if minutes and minutes != "00":
            out.append(Value(float(minutes), mstart, mstart + 2, minutes))
        taken.append((m.start(), m.end()))
    for m in EN_NUMBER.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        value = _num(m.group(1), ".")
        alt = None
        if m.group(3):
            # '€15m' is millions, '1.4m' after a length is metres: both readings stand
            alt = value if m.group(3).lower() == "m" else None
            value *= EN_SCALES[m.group(3).lower()]
        out.append(Value(value, m.start(), m.end(), m.group(), alt=alt))
        taken.append((m.start(), m.end()))
    for m in DIGITS_IN_WORD.finditer(text):
        if not _overlaps(m.start(), m.end(), taken):
            out.append(Value(float(m.group()), m.start(), m.end(), m.group()))
    for m in EN_MONTH_RE.finditer(text):
        key = m.group(1)[:3].lower()
        month = [x[:3].lower() for x in EN_MONTHS].index(key)
        out.append(Value(1000.0 + month, m.start(), m.end(), m.group()))
    for m in EN_WORD_RE.finditer(text):
        if not _overlaps(m.start(), m.end(), taken):
            out.append(Value(float(EN_WORDS[m.group(1).lower()]), m.start(), m.end(), m.group(), spelled=True))
    return out


DECADES = (10, 20, 30, 40, 50, 60, 70, 80, 90)


def _same(a: float, b: float) -> bool:
    if abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)):
        return True
    # "les années 70" -> "the 1970s", "les années 1980" -> "the 80's"
    return (a in DECADES and b in (1900 + a, 2000 + a)) or (b in DECADES and a in (1900 + b, 2000 + b))


def _readings_meet(a: Value, b: Value) -> bool:
    """Some reading of `a` (its value, or its other reading: '50,000' written the English way,
    '417 m' as metres) equals some reading of `b`."""
    return any(_same(x, y) for x in (a.value, a.alt) if x is not None for y in (b.value, b.alt) if y is not None)


def _describe(value: Value) -> str:
    return value.text


class NumbersFlagger(Flagger):
    """Changed, missing and extra numbers, dates, times and amounts (accuracy/number)."""

    name = "numbers"
    needs_source = True

    def flag_segment(self, seg: Segment) -> list[ErrorSpan]:
        if is_empty(seg.hyp):
            return []
        src = french_values(seg.src)
        hyp = english_values(seg.hyp)
        if not src and not hyp:
            return []
        src_left = list(src)
        hyp_left = list(hyp)
        # Match digits first, then the spelled numbers, each to the same value on the other side.
        for value in sorted(src, key=lambda v: v.spelled):
            for other in sorted(hyp_left, key=lambda v: v.spelled):
                if _readings_meet(value, other):
                    src_left.remove(value)
                    hyp_left.remove(other)
                    break
        # Another value of a number already matched (a year written twice, "1er" and "premier").
        matched = Counter(v.value for v in src if v not in src_left)
        hyp_left = [v for v in hyp_left if not (v.value in matched and v.spelled)]
        hyp_left = [v for v in hyp_left if not (v.spelled and v.text.lower() in EN_SOFT)]
        src_left = [v for v in src_left if not (v.spelled and v.value in matched)]
        if not any(v.value in {h.value for h in hyp} for v in src_left):
            pass
        spans: list[ErrorSpan] = []
        src_digits = [v for v in src_left if not v.spelled]
        hyp_digits = [v for v in hyp_left if not v.spelled]
        # Pair the unmatched digits in order: a pair is a changed number.
        # A changed number (an unmatched value on each side) is strong evidence alone; a month
        # name swapped is weaker (references write 'last Tuesday' for 'au mois de mars').
        for a, b in zip(src_digits, hyp_digits):
            severity = "minor" if a.month or b.month else "major"
            spans.append(make_span(seg, self.name, CATEGORY, severity, b.start, b.end,
                                   f"source number '{_describe(a)}' rendered as '{_describe(b)}'", 0.9))
        # A number only dropped or only added is major when weighty (a year, an amount); a small
        # one is often rendered freely ('20e siècle' -> 'XXth century', '2 mètres' -> '6'7"'):
        # on WMT12/13 references (tune part) most such major flags were free renderings.
        for a in src_digits[len(hyp_digits):]:
            # A spelled-out number on the output side may still render it ("1er" -> "first").
            soft = any(_same(a.value, h.value) for h in hyp) or not a.weighty
            spans.append(make_span(seg, self.name, CATEGORY, "minor" if soft else "major", a.start, a.end,
                                   f"source number '{_describe(a)}' missing from the output", 0.5 if soft else 0.85,
                                   on_source=True))
        for b in hyp_digits[len(src_digits):]:
            spans.append(make_span(seg, self.name, CATEGORY, "major" if b.weighty else "minor", b.start, b.end,
                                   f"output number '{_describe(b)}' has no counterpart in the source",
                                   0.8 if b.weighty else 0.5))
        for a in [v for v in src_left if v.spelled]:
            spans.append(make_span(seg, self.name, CATEGORY, "minor", a.start, a.end,
                                   f"source number '{a.text}' not found in the output", 0.4, on_source=True))
        for b in [v for v in hyp_left if v.spelled]:
            spans.append(make_span(seg, self.name, CATEGORY, "minor", b.start, b.end,
                                   f"output number '{b.text}' has no counterpart in the source", 0.4))
        return spans
