"""Untranslated or wrong-language output: French words left in English, a copied source, output
in a third language.

Word level: a word is French when wordfreq knows it far better in French than in English
(Zipf fr ≥ 2.5 and fr − en ≥ 1.5: 'acheté', 'nuages', 'moins'), or carries a French elision
('l'', 'qu''); names of the source are left alone.  Adjacent French words form one span.
Sentence level: an output that copies the source, or that `lingua` reads as neither English nor
French (checked only when few of its words are English, which keeps it cheap).

Severity (accuracy/untranslated) follows the extent: critical when the output is a copy of the
source, in another language, or mostly French (60% of its words or more; or 30% when lingua reads
the whole output as French and under 15% of its words are clearly English); major for a clause
(a run of three French words or more, taken from the source); minor for a word or two (a name or
term left in French: evidence of one word is weak).  A capitalized word inside an English sentence
is read as a name or a nationality ('Québécois', 'Bretons'), not as French.
"""
from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Any

from ..types import ErrorSpan, Segment
from .base import Flagger
from .common import fold, make_span, zipf

CATEGORY = "accuracy/untranslated"
TOKEN_RE = re.compile(r"[^\W\d_]+(?:[-’'][^\W\d_]+)*", re.UNICODE)
EN_CLITIC = re.compile(r"(n[’']t|[’'](?:s|re|ll|ve|d|m))$", re.IGNORECASE)
FR_ELISION = re.compile(r"^(?:l|d|qu|n|j|s|c|m|t|jusqu|lorsqu|puisqu)[’']([^\W\d_]{2,})", re.IGNORECASE)
# Words that English borrowed whole, or that wordfreq's French list knows from English text.
ENGLISH_TOO = {"vis", "versa", "facto", "coup", "etat", "déjà", "vu", "café", "naïve", "naïveté", "fiancé",
               "fiancée", "résumé", "vu", "cliché", "élite", "entrée", "protégé", "rendez", "vous", "laissez", "faire",
               "vis-à-vis", "genre", "carte", "blanche", "tête", "raison", "être", "savoir", "vivre", "bête", "noire",
               "joie", "de", "la", "le", "du", "des", "et", "en", "à", "la", "ça", "mot", "mots"}
# Short French words that count only next to another French word ('il y a', 'et le').
FR_SHORT = {"il", "elle", "ils", "elles", "on", "je", "nous", "vous", "le", "la", "les", "du", "des", "au", "aux",
            "et", "est", "un", "une", "ne", "pas", "qui", "que", "en", "sur", "dans", "pour", "par", "avec", "ce",
            "se", "sa", "son", "ses", "leur", "y", "mais", "ou", "où", "très", "plus", "tout", "cette", "ces"}
SENTENCE_START = re.compile(r"(?:^|[.!?:;«»\"“”(\[|—–-])\s*$")
# Extent -> severity: most of the output (this share of its words) is critical, a run of
# CLAUSE_WORDS or more French words major, shorter runs minor.
MOSTLY = 0.6
CLAUSE_WORDS = 3
# An output with this share of French words or more goes to the language detector, which
# makes it critical when it reads the whole output as French with FRENCH_SURE confidence ...
FRENCH_LOOK = 0.3
FRENCH_SURE = 0.9
FEW_ENGLISH = 0.15  # ... and fewer than this share of its words are clearly English
ACCENTED = re.compile(r"[éèêëàâçùûôîïœ]", re.IGNORECASE)


def is_french_word(word: str) -> bool:
    lower = word.lower()
    core = EN_CLITIC.sub("", lower)
    if (m := FR_ELISION.match(core)) and zipf(core, "en") < 2.0:
        return zipf(m.group(1).lower(), "fr") >= 2.0
    if core in ENGLISH_TOO or len(core) < 3:
        return False
    if ACCENTED.search(core) and zipf(core, "en") < 1.0:
        return True  # 'génèrerait': accented, unknown to English
    fr = zipf(core, "fr")
    return fr >= 2.5 and fr - zipf(core, "en") >= 1.5


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    langs = [Language.ENGLISH, Language.FRENCH, Language.GERMAN, Language.SPANISH, Language.ITALIAN,
             Language.PORTUGUESE, Language.DUTCH, Language.RUSSIAN, Language.CHINESE, Language.ARABIC,
             Language.POLISH, Language.TURKISH, Language.JAPANESE]
    return LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()


class UntranslatedFlagger(Flagger):
    """French left in the output, copied source, or a third language (accuracy/untranslated)."""

    name = "untranslated"
    needs_source = True

    def flag_segment(self, seg: Segment) -> list[ErrorSpan]:
        hyp = seg.hyp
        words = [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(hyp)]
        if not words:
            return []
        src_fold = fold(seg.src)
        hyp_set = {fold(w) for _, _, w in words}
        src_set = {fold(m.group()) for m in TOKEN_RE.finditer(seg.src)}
        overlap = len(hyp_set & src_set) / max(1, len(hyp_set | src_set))
        # difflib is quadratic: only outputs sharing most of their words with the source get it
        if len(words) >= 3 and overlap >= 0.6 and \
                difflib.SequenceMatcher(None, fold(hyp), src_fold, autojunk=False).ratio() >= 0.9:
            return [make_span(seg, self.name, CATEGORY, "critical", 0, len(hyp),
                              "the output is a copy of the French source", 0.95)]
        src_words = {fold(m.group()) for m in TOKEN_RE.finditer(seg.src)}
        # Names of the source: capitalized words not at the start of a sentence.
        src_names = {fold(m.group()) for m in TOKEN_RE.finditer(seg.src) if m.group()[:1].isupper()
                     and m.start() > 0 and not re.search(r"[.!?:«\"]\s*$", seg.src[:m.start()])}
        french: list[tuple[int, int, str]] = []
        short: list[int] = []
        for i, (start, end, word) in enumerate(words):
            if word[:1].isupper() and (fold(word) in src_names or ("-" in word and word in seg.src)):
                continue  # a name copied from the source ('Météo-France')
            if word[:1].isupper() and start > 0 and not SENTENCE_START.search(hyp[:start]):
                # English capitalizes names, nationalities and regional words ('Québécois',
                # 'Bretons', 'Montréalais'): a capitalized word inside a sentence is no French word
                continue
            if is_french_word(word):
                french.append((start, end, word))
            elif word.lower() in FR_SHORT and word.islower() and fold(word) in src_words:
                short.append(i)
        # A short French word counts next to a French word or another short one ('il y a');
        # not inside a name ('Rue des Francs Bourgeois').
        flagged = {words.index(item) for item in french}
        for i in short:
            neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(words)]
            if any(j in flagged or (j in short and words[j][2].lower() not in {"on", "en", "a", "ou"})
                   for j in neighbours) and not any(words[j][2][:1].isupper() for j in neighbours):
                french.append(words[i])
        french.sort()
        english_share = sum(zipf(EN_CLITIC.sub("", w.lower()), "en") >= 2.5 for _, _, w in words) / len(words)
        many_french = len(french) >= FRENCH_LOOK * len(words)
        if len(words) >= 4 and (english_share < 0.6 or many_french):
            lang, confidence = self._language(hyp)
            if lang not in ("ENGLISH", "FRENCH", None):
                return [make_span(seg, self.name, CATEGORY, "critical", 0, len(hyp),
                                  f"the output is in {lang.title()}, not English", confidence)]
            english = sum(zipf(w.lower(), "en") >= 3.0 and zipf(w.lower(), "en") > zipf(w.lower(), "fr") + 0.5
                          for _, _, w in words)
            if lang == "FRENCH" and many_french and confidence >= FRENCH_SURE and english < FEW_ENGLISH * len(words):
                # French through and through, though not the source's ('Impossible de traduire
                # votre requête de la langue source...'): words English shares ('impossible',
                # 'source') kept the French share of its words under MOSTLY.  A half-English
                # sentence ('... said that la réforme des retraites sera présentée in March')
                # keeps its English words ('said', 'that', 'in', 'March') and its runs' severity.
                return [make_span(seg, self.name, CATEGORY, "critical", 0, len(hyp),
                                  "the output is in French, not English", confidence)]
        if not french:
            return []
        if len(french) >= MOSTLY * len(words) and len(words) >= 3:
            return [make_span(seg, self.name, CATEGORY, "critical", french[0][0], french[-1][1],
                              "the output is mostly untranslated French", 0.9)]
        spans: list[ErrorSpan] = []
        for group in _runs(hyp, french):
            start, end = group[0][0], group[-1][1]
            text = hyp[start:end]
            in_source = sum(fold(w) in src_words or fold(EN_CLITIC.sub("", w)) in src_words for _, _, w in group)
            # severity follows the extent: a clause (CLAUSE_WORDS French words in a row, from the
            # source) is major; a word or two (a name, a borrowed term) is minor
            severity = "major" if len(group) >= CLAUSE_WORDS and in_source else "minor"
            spans.append(make_span(seg, self.name, CATEGORY, severity, start, end,
                                   f"French left untranslated: '{text}'", 0.85 if in_source else 0.5))
        return spans

    def _language(self, text: str) -> tuple[str | None, float]:
        values = _detector().compute_language_confidence_values(text)
        if not values:
            return None, 0.0
        top = values[0]
        if top.value < 0.7:
            return None, top.value
        return top.language.name, top.value


def _runs(text: str, french: list[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """Group French words that are adjacent in the text (only spaces or hyphens between)."""
    groups: list[list[tuple[int, int, str]]] = []
    for item in french:
        if groups and re.fullmatch(r"[\s'’-]*", text[groups[-1][-1][1]:item[0]]):
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups
