"""Tense: an output that puts in the future what the source does not.

A model that turns 'les prix baissent' into 'prices will fall' states a forecast the source does
not make.  The output's future ('will', "'ll", "won't", 'shall' before a verb) needs a future
somewhere in the source: a future verb form ('sera', 'baisseront'), 'aller' + infinitive ('va
baisser'), or a word that carries the future ('demain', 'prochain', 'bientôt', 'doit', 'prévoit').
A French present for a future event is common, so only the output side is checked this way, and
the flag is minor (confidence 0.5).

Measured (bench/flaggers.md): DEMETR tense items 25% flagged ('is' → 'will be'; the past/present
swaps are not looked for), good translations 0/50; WMT13 segments flagged: human reference 1.1%
(33/3000), online-B 0.4% (13/3000, mostly real: 'les croyants y parcourent' → 'believers will
roam').
"""
from __future__ import annotations

import re

from ..types import ErrorSpan, Segment
from .base import Flagger
from .common import is_empty, make_span

CATEGORY = "accuracy/mistranslation"
_LETTER = "a-zàâçéèêëîïôûùœ"
# future endings (-rai … -ront; a conditional, '-rait', is 'would', not 'will') and 'aller' +
# infinitive (lowercase: 'Allez voir' is an imperative)
FR_FUTURE_FORM = re.compile(
    rf"\b[{_LETTER}]+r(?:ai|as|a|ons|ez|ont)\b"
    rf"|(?-i:\b(?:va|vais|vas|vont|allons|allez)\s+(?:[{_LETTER}'’]+\s+){{0,3}}[{_LETTER}]+(?:er|ir|re)\b)",
    re.IGNORECASE)
# words ending like a future that are not verbs ('vrai', 'bras', 'front', 'Sahara')
FR_NOT_FUTURE = {"vrai", "bras", "gras", "front", "affront", "patrons", "environs", "extra", "caméra", "camera",
                 "opéra", "opera", "sahara", "mantra", "cobra", "tiara", "ultra", "contra", "frais", "marais",
                 "portrait", "retrait", "trait", "extrait", "abstrait", "distrait", "attrait"}
FR_FUTURE_WORD = re.compile(
    r"\b(?:demain|prochaine?s?|bientôt|désormais|dorénavant|futur\w*|avenir|d['’]ici|doi[tv]\w*|devr\w*|"
    r"prévoi\w*|prévu\w*|envisag\w*|compt\w*|entend(?:s|ent)?|s['’]apprêt\w*|promet\w*|projet\w*|pr[eé]vision\w*|"
    r"annonc\w*|attend\w*|plan\w*|objectif\w*|si|quand|lorsque|dès que|une fois que)\b",
    re.IGNORECASE)
# lowercase only: 'Will Smith', and 'will' the noun ('the will of the people', 'good will,') are not
EN_FUTURE = re.compile(r"\b(?:will|shall|won['’]t)\s+(?!of\b|to\b|and\b|or\b)(?:not\s+)?[a-z]+"
                       r"|['’]ll\s+[a-z]+")


def source_has_future(src: str) -> bool:
    forms = [m.group().lower() for m in FR_FUTURE_FORM.finditer(src)]
    return any(form not in FR_NOT_FUTURE for form in forms) or FR_FUTURE_WORD.search(src) is not None


class TenseFlagger(Flagger):
    """A future in the output with none in the source (accuracy/mistranslation, minor)."""

    name = "tense"
    needs_source = True

    def flag_segment(self, seg: Segment) -> list[ErrorSpan]:
        if is_empty(seg.hyp):
            return []
        future = EN_FUTURE.search(seg.hyp)
        if future is None or source_has_future(seg.src):
            return []
        return [make_span(seg, self.name, CATEGORY, "minor", future.start(), future.end(),
                          f"the output speaks of the future ('{future.group()}') where the source has no "
                          f"future tense nor a word of the future", 0.5)]
