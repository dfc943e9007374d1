"""Sentences broken mid-phrase by the translation, found in the English page.

A break is the gap between two English sentences (or a full stop inside one) that cuts a phrase:

- the next sentence starts in lowercase ('… trying to stop itself. to build up …');
- a stray apostrophe fragment ('… of the United States. 'alliance.');
- punctuation or a closing quote cut from its sentence (a line starting ', the United States');
- a line that ends on a comma or a function word, its sentence continuing on the next line;
- a short verbless fragment after a sentence of the same line ('… since the collapse of Ukraine.
  Soviet Union.', '… the senior Department official warned. State.');
- with the alignment: one French sentence rendered as two English ones where the first ends on a
  function word or either part has no verb.

Each `Break` carries the span from the last word before the break to the first word after it
(to the end of a short fragment), and the index of the sentence before it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from ..flaggers.common import tag
from .segment import ABBREVIATIONS, Sentence

FUNCTION_WORDS = {
    "the", "a", "an", "of", "to", "in", "for", "and", "or", "with", "by", "from", "on", "at", "that", "its",
    "their", "his", "her", "is", "are", "was", "were", "be", "been", "has", "have", "had", "this", "these",
    "those", "our", "your", "my", "as", "than", "into", "about", "which", "who", "whose", "but", "not", "no",
    "between", "against", "under", "over", "after", "before", "during", "while", "if", "will", "would", "can",
    "could", "should", "may", "might", "must", "very", "more", "most", "such", "both", "each", "all", "any",
}
CLOSING = "\"”»’'"
INNER_STOP = re.compile(r"\b([^\W\d_]+)\. ([a-z][\w’']*)")
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
FRAGMENT_WORDS = 3


@dataclass(frozen=True)
class Break:
    start: int
    end: int
    sentence: int  # the English sentence the span starts in
    reason: str
    fragments: tuple[int, ...] = ()  # sentences that are only a broken-off piece


def _has_verb(text: str) -> bool:
    return any(pos in ("VERB", "AUX") for pos in tag(text.strip()))


def _last_word_start(text: str, sent: Sentence) -> int:
    found = [m.start() for m in WORD.finditer(text, sent.start, sent.end)]
    return found[-1] if found else sent.start


def _first_word_end(text: str, sent: Sentence) -> int:
    match = WORD.search(text, sent.start, sent.end)
    return match.end() if match else sent.end


def find_breaks(text: str, sents: Sequence[Sentence],
                beads: Sequence[tuple[tuple[int, ...], int]] = ()) -> list[Break]:
    """Breaks in `text` (English), given its sentences and, when aligned, each bead's English
    sentences with the number of French sentences it holds."""
    breaks: dict[int, Break] = {}
    fragments: set[int] = set()
    one_french = {j: hyp for hyp, n_src in beads if n_src == 1 and len(hyp) > 1 for j in hyp}
    for j, sent in enumerate(sents):
        body = sent.text(text)
        for match in INNER_STOP.finditer(body):
            if match.group(1).lower() not in ABBREVIATIONS["en"]:
                start = sent.start + match.start(1)
                breaks[-start - 1] = Break(start, sent.start + match.end(2), j, "a sentence that continues after a full stop")
        if j == 0:
            continue
        prev = sents[j - 1]
        prev_body = prev.text(text)
        stripped = body.lstrip(CLOSING + " ")
        words = WORD.findall(body)
        short = len(words) <= FRAGMENT_WORDS
        reason = None
        if body[:1] in "'’" and body[1:2].islower():
            reason = "a stray apostrophe fragment"
        elif body[:1].islower():
            reason = "a sentence that continues in lowercase"
        elif stripped[:1] in ",;:" or (body[:1] in CLOSING and body[1:2] in " ,;"):
            reason = "punctuation or a closing quote cut from its sentence"
        else:
            tail = prev_body.rstrip(CLOSING + " ")
            last = WORD.findall(tail)[-1].lower() if WORD.findall(tail) else ""
            if prev.para != sent.para and (tail.endswith(",") or (last in FUNCTION_WORDS and not tail.endswith((".", "!", "?", ":")))):
                reason = "a line that ends mid-sentence"
            elif prev.para == sent.para and short and words and not _has_verb(body):
                reason = "a verbless fragment"
            elif j - 1 not in fragments and j in one_french and j - 1 in one_french and one_french[j] == one_french[j - 1] and (
                    last in FUNCTION_WORDS or short or not _has_verb(body) or not _has_verb(prev_body)):
                reason = "one French sentence rendered across a break that cuts a phrase"
        if reason:
            fragment = short and (prev.para == sent.para or reason != "a line that ends mid-sentence")
            end = sent.end if short else _first_word_end(text, sent)
            breaks[j] = Break(_last_word_start(text, prev), end, j - 1, reason, (j,) if fragment else ())
            if fragment:
                fragments.add(j)
    return sorted(breaks.values(), key=lambda b: (b.start, b.end))
