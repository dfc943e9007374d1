"""Negation: an output that negates what the source affirms, or affirms what it negates.

A polarity flip is one of the worst errors a translation can make, and one that lexical and
embedding metrics barely see ('they won' / 'they did not win' differ by two words).  The source's
explicit negations ('ne … pas', 'jamais', 'rien', 'aucun', 'sans', 'non') are counted against the
output's ('not', "n't", 'no', 'never', 'nothing', 'without').  A flag needs one side with an
explicit negation and the other side with none at all, not even an implicit one: French
'impossible', 'interdit', 'rarement' may become 'cannot', 'not allowed', 'not often', and English
'failed to', 'unable', 'inconclusive' may render 'ne … pas'.  Counts that differ on both sides
(two negations against one) are left alone: clause structure changes too often in translation.

Measured (bench/flaggers.md): DEMETR negation items 78% flagged, good translations 0/50; WMT13
segments flagged: human reference 2.6% (77/3000), online-B 1.1% (34/3000), mostly free
paraphrase ('ne … pas d'accord' → 'disagreeing').  Minor: one signal from regular expressions;
on the tune parts it gave 16 of the 80 major flags of 600 WMT12+13 references, and none of the
Bio-MQM segments with a mistranslation major flag had a human major error (bench/flaggers.md).
"""
from __future__ import annotations

import re

from ..types import ErrorSpan, Segment
from .base import Flagger
from .common import is_empty, make_span

CATEGORY = "accuracy/mistranslation"
_DET = r"(?<!\bun )(?<!\ble )(?<!\bce )(?<!\bdu )(?<!\bquelques )(?<!\bdeux )"  # 'un pas': a step
FR_NEGATION = re.compile(
    _DET + r"\bpas\b(?!\s+mal\b)"  # 'pas mal': quite a lot
    r"|(?<!\bque )\bjamais\b"  # 'plus que jamais': more than ever
    r"|\b(?:rien|aucune?|nullement|guère|ni)\b"
    r"|\bsans\b(?!\s+doute\b)"  # 'sans doute': probably
    r"|\bnon\b(?![-‑])"  # not the prefix 'non-violent'
    r"|\bn(?:e\s+|['’])(?:[^\W\d_]+['’]?\s*){1,3}plus\b",  # 'ne … plus': no longer
    re.IGNORECASE)
FR_NE = re.compile(r"\bn(?:e\b|['’])", re.IGNORECASE)
FR_NOBODY = re.compile(r"\bpersonne\b", re.IGNORECASE)  # a negation only beside 'ne'
FR_IMPLICIT = re.compile(
    r"\b(?:impossible|interdi\w*|rarement|inconcevable|incapable|refus\w*|manqu\w*|empêch\w*|évit\w*|défense|"
    r"faute|absence|à peine|sauf|peu|moins|ignor\w*|exempt\w*|échou\w*|in\w+able|quel(?:le)?s? que soi(?:t|ent))\b",
    re.IGNORECASE)
EN_NEGATION = re.compile(r"\b(?:not|no|never|nothing|nobody|none|nowhere|neither|nor|without|cannot|no-one)\b"
                         r"|n['’]t\b", re.IGNORECASE)
EN_IMPLICIT = re.compile(
    r"\b(?:fail\w*|lack\w*|absen\w*|unable|avoid\w*|refus\w*|prevent\w*|exempt\w*|rarely|seldom|hardly|barely|"
    r"den(?:y|ied|ies)|instead|rather|unless|except|little|less|in\w+(?:able|ible|ive|ent|ete|ate)|un\w+)\b", re.IGNORECASE)


def source_negations(src: str) -> list[str]:
    """The explicit negations of a French text, as written."""
    found = [m.group() for m in FR_NEGATION.finditer(src)]
    if FR_NE.search(src):
        found += [m.group() for m in FR_NOBODY.finditer(src)]
    return found


class NegationFlagger(Flagger):
    """Polarity flips between source and output (accuracy/mistranslation)."""

    name = "negation"
    needs_source = True

    def flag_segment(self, seg: Segment) -> list[ErrorSpan]:
        if is_empty(seg.hyp):
            return []
        src_neg = source_negations(seg.src)
        hyp_neg = list(EN_NEGATION.finditer(seg.hyp))
        if hyp_neg and not src_neg and not FR_IMPLICIT.search(seg.src):
            first = hyp_neg[0]
            return [make_span(seg, self.name, CATEGORY, "minor", first.start(), first.end(),
                              f"the output negates ('{first.group()}') where the source has no negation", 0.6)]
        if src_neg and not hyp_neg and not EN_IMPLICIT.search(seg.hyp):
            return [make_span(seg, self.name, CATEGORY, "minor", 0, len(seg.hyp),
                              f"the source's negation ('{src_neg[0]}') is not rendered: the output affirms it", 0.6)]
        return []
