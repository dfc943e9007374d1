"""Named entities: every name of the source must be rendered in the output, and every name of
the output must come from the source.

Source names: spaCy `fr_core_news_sm` entities, plus capitalized words inside a French sentence
(French capitalizes little else, so these are names the NER missed, e.g. 'Apple™').  Output
names: `en_core_web_sm` entities and capitalized rare words.  A name counts as rendered when one
of its words matches an output word (accents and case folded), the same transliteration key
(transliteration: Sergueï Riabkov ↔ Sergei Ryabkov, Khrouchtchev ↔ Khrushchev), an exonym from
the table below (Genève ↔ Geneva, Otan ↔ NATO), the same acronym letters (CEDH ↔ ECHR), a near
spelling that English knows (Tadjikistan ↔ Tajikistan), or a close multilingual USE embedding of
an output n-gram (Union soviétique, Noé ↔ Noah; cosine ≥ 0.65, where a different city scores ~0.5).

Findings (category accuracy/named-entity).  Major needs two signals agreeing or one strong one:
a misspelling two edits or more away (transliteration keys), a replacement where both NERs see a
name and the two are spelled unlike each other, a dropped person's name the NER is sure of (not
capitalized only by its position at a sentence or title start).  Everything else is minor:
- *misspelled*: a source name matched only by a near-miss ('Riabkov' → 'Ryablakov');
- *replaced*: a source name unmatched while an output name has no source counterpart;
- *dropped*: a source name unmatched;
- *invented*: an output name with no source counterpart and no sign of being a real word
  (wordfreq Zipf < 2 for its rare word) or no translation in the source.
"""
from __future__ import annotations

import difflib
import os
import re
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..types import ErrorSpan, Segment
from .base import Flagger
from .calibration import calibrate
from .common import embed, fold, is_empty, make_span, parse, zipf

CATEGORY = "accuracy/named-entity"
USE_THRESHOLD = 0.65  # Noé/Noah 0.66, Judée/Judea 0.71, Londres/London 0.94; Paris/London 0.54
NEAR_MISS = 0.7  # difflib ratio of folded words: Riabkov/Ryablakov 0.75, Apple/State 0.4

SRC_LABELS = {"PER", "ORG", "LOC", "MISC"}
HYP_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "NORP"}

# Exonyms and translated names that neither spelling nor skeleton can match (folded French ->
# folded English alternatives).  Names made of ordinary words are left to the encoder.
EXONYMS: dict[str, tuple[str, ...]] = {
    "otan": ("nato",), "onu": ("un", "united nations", "u.n."), "ue": ("eu", "european union"),
    "etats-unis": ("united states", "us", "u.s.", "america", "usa"), "usa": ("us", "united states"),
    "royaume-uni": ("united kingdom", "uk", "britain", "u.k."), "grande-bretagne": ("britain", "great britain", "uk"),
    "union sovietique": ("soviet union", "ussr"), "urss": ("ussr", "soviet union"),
    "geneve": ("geneva",), "moscou": ("moscow",), "londres": ("london",), "pekin": ("beijing", "peking"),
    "bruxelles": ("brussels",), "vienne": ("vienna",), "varsovie": ("warsaw",), "lisbonne": ("lisbon",),
    "copenhague": ("copenhagen",), "venise": ("venice",), "florence": ("florence",), "naples": ("naples",),
    "allemagne": ("germany",), "espagne": ("spain",), "angleterre": ("england",), "ecosse": ("scotland",),
    "irlande": ("ireland",), "italie": ("italy",), "grece": ("greece",), "chine": ("china",),
    "japon": ("japan",), "inde": ("india",), "russie": ("russia",), "syrie": ("syria",),
    "egypte": ("egypt",), "irak": ("iraq",), "liban": ("lebanon",), "maroc": ("morocco",),
    "algerie": ("algeria",), "tunisie": ("tunisia",), "libye": ("libya",), "bresil": ("brazil",),
    "mexique": ("mexico",), "pays-bas": ("netherlands", "holland"), "belgique": ("belgium",),
    "suisse": ("switzerland", "swiss"), "autriche": ("austria",), "pologne": ("poland",),
    "suede": ("sweden",), "norvege": ("norway",), "danemark": ("denmark",), "finlande": ("finland",),
    "turquie": ("turkey", "turkiye"), "crimee": ("crimea",), "tchetchenie": ("chechnya",),
    "afrique": ("africa",), "amerique": ("america",), "europe": ("europe",), "asie": ("asia",),
    "mediterranee": ("mediterranean",), "australie": ("australia",), "nouvelle-zelande": ("new zealand",),
    "coree": ("korea",), "hongrie": ("hungary",), "roumanie": ("romania",), "bulgarie": ("bulgaria",),
    "croatie": ("croatia",), "serbie": ("serbia",), "albanie": ("albania",), "arabie saoudite": ("saudi arabia",),
    "cisjordanie": ("west bank",), "jerusalem": ("jerusalem",), "kiev": ("kyiv", "kiev"), "kyiv": ("kyiv", "kiev"),
    "maison blanche": ("white house",), "pentagone": ("pentagon",), "elysee": ("elysee", "elysée"),
    "fmi": ("imf",), "oms": ("who",), "ocde": ("oecd",), "osce": ("osce",), "bce": ("ecb",),
    "americain": ("us", "u.s.", "american", "america"), "americaine": ("us", "u.s.", "american", "america"),
    "americains": ("us", "u.s.", "americans", "america"), "americaines": ("us", "u.s.", "american", "america"),
    "lundi": ("monday",), "mardi": ("tuesday",), "mercredi": ("wednesday",), "jeudi": ("thursday",),
    "vendredi": ("friday",), "samedi": ("saturday",), "dimanche": ("sunday",),
    "tcheque": ("czech", "czechs", "czech republic"), "tcheques": ("czechs", "czech"), "tchequie": ("czech republic", "czechia"),
    "rfa": ("germany", "frg", "west germany"), "rda": ("gdr", "east germany"), "slovaquie": ("slovakia",),
    "cedh": ("echr",), "malouines": ("falklands", "falkland islands"), "grande bretagne": ("britain", "great britain", "uk"), "sncf": ("sncf",), "pib": ("gdp",), "ps": ("socialist party", "ps"),
    "ump": ("ump",), "fn": ("national front", "fn"), "ne": (),
}

FR_FUNCTION = {"le", "la", "les", "l", "de", "du", "des", "d", "et", "en", "au", "aux", "a", "un", "une", "sur", "pour",
               "m", "mme", "mlle", "mm", "dr", "dre", "me", "mgr", "st", "ste", "pr"}  # and titles
EN_FUNCTION = {"the", "of", "and", "a", "an", "in", "on", "for", "s", "to", "de", "la", "le", "at"}
TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
SENT_START_RE = re.compile(r"(^|[.!?:;«»\"“”(\[|—–-]\s*)$")


@lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """A transliteration key: folded, with French and English spellings of the same sounds merged
    (Sergueï/Sergei, Riabkov/Ryabkov, Khrouchtchev/Khrushchev, Poutine/Putin); vowels stay, so a
    misspelling (Lagarde/Lagardo) keeps a different key."""
    text = fold(word)
    for old, new in (("tch", "ch"), ("sch", "sh"), ("zh", "j"), ("ch", "sh"), ("kh", "h"), ("ph", "f"),
                     ("gue", "ge"), ("qu", "k"), ("ck", "k"), ("c", "k"), ("q", "k"),
                     ("x", "ks"), ("z", "s"), ("w", "v"), ("ou", "u"), ("y", "i"), ("'", ""), ("-", ""), (" ", "")):
        text = text.replace(old, new)
    text = re.sub(r"(.)\1+", r"\1", text)
    return text[:-1] if len(text) > 3 and text[-1] in "ae" else text  # Guyane/Guiana, Rome/Roma


def acronym_letters(word: str) -> str | None:
    stripped = word.replace(".", "")
    if 2 <= len(stripped) <= 6 and stripped.isupper() and stripped.isalpha():
        return "".join(sorted(stripped.lower()))
    return None


@dataclass
class Name:
    text: str
    start: int
    end: int
    tokens: list[tuple[int, int, str]]  # significant words (start, end, text)
    from_ner: bool
    translatable: bool = False
    label: str = ""
    status: str = "none"  # exact | near | none
    near: tuple[int, int, str] | None = None  # the near-miss word on the other side
    # capitalized only because it opens a sentence or a title ('Soins palliatifs', 'Attablé devant'):
    # the capital is no evidence of a name, so a finding on it is minor
    positional: bool = False
    use_text: list[str] = field(default_factory=list)


def _tokens(text: str, offset: int, function_words: set[str]) -> list[tuple[int, int, str]]:
    return [(offset + m.start(), offset + m.end(), m.group()) for m in TOKEN_RE.finditer(text)
            if fold(m.group()) not in function_words and (len(m.group()) > 1 or m.group().isupper())]


def _capitalized_runs(doc: Any, covered: set[int], function_words: set[str]) -> list[tuple[int, int]]:
    """Character spans of capitalized words inside a sentence (not at its start), outside NER."""
    runs: list[tuple[int, int]] = []
    text = doc.text
    current: list[int] | None = None
    for tok in doc:
        word = tok.text
        capital = word[:1].isupper() and any(ch.isalpha() for ch in word)
        # (only a capitalized word needs the sentence-start test, which searches the text before it)
        if capital and not (tok.i in covered or tok.is_sent_start or SENT_START_RE.search(text[:tok.idx])) \
                and fold(word) not in function_words:
            if current and tok.idx - current[1] <= 1:
                current[1] = tok.idx + len(word)
            else:
                current = [tok.idx, tok.idx + len(word)]
                runs.append(current)  # type: ignore[arg-type]
        elif not (current and fold(word) in {"de", "of", "du", "la"}):
            current = None
    return [(int(r[0]), int(r[1])) for r in runs]


class NamesFlagger(Flagger):
    """Dropped, replaced, misspelled and invented names (accuracy/named-entity)."""

    name = "names"
    needs_source = True

    def flag(self, segments: Sequence[Segment]) -> list[ErrorSpan]:
        parsed = parse(segments)
        per_seg = []
        unmatched: list[Name] = []
        for seg, sdoc, hdoc in zip(segments, parsed.src, parsed.hyp):
            if is_empty(seg.hyp):
                per_seg.append(([], []))
                continue
            src_names = self._source_names(sdoc)
            hyp_names = self._output_names(hdoc)
            self._match(src_names, seg.hyp, other_names=hyp_names, lang_other="en")
            self._match(hyp_names, seg.src, other_names=src_names, lang_other="fr")
            for name, other_text in [(n, seg.hyp) for n in src_names] + [(n, seg.src) for n in hyp_names]:
                if name.status == "none":
                    name.use_text = _ngrams(other_text, len(name.tokens))
                    if name.use_text:
                        unmatched.append(name)
            per_seg.append((src_names, hyp_names))
        _match_by_encoder(unmatched)
        spans: list[ErrorSpan] = []
        for seg, (src_names, hyp_names) in zip(segments, per_seg):
            spans.extend(self._findings(seg, src_names, hyp_names))
        return calibrate(spans)

    # -- candidates ---------------------------------------------------------------------------
    def _source_names(self, doc: Any) -> list[Name]:
        names: list[Name] = []
        covered: set[int] = set()
        for ent in doc.ents:
            if ent.label_ not in SRC_LABELS or ent.text.islower():
                continue
            # The small French NER tags some sentence-initial verbs and adverbs ('Lisez', 'Selon').
            if len(ent) == 1 and (ent.start == 0 or ent[0].is_sent_start) and _sentence_starter(ent.text):
                continue
            covered.update(range(ent.start, ent.end))
            toks = _tokens(ent.text, ent.start_char, FR_FUNCTION)
            if toks:
                at_start = ent[0].is_sent_start or SENT_START_RE.search(doc.text[:ent.start_char]) is not None
                positional = at_start and not any(t[2][:1].isupper() for t in toks[1:])
                names.append(Name(ent.text, ent.start_char, ent.end_char, toks, True, label=ent.label_,
                                  positional=positional))
        for start, end in _capitalized_runs(doc, covered, FR_FUNCTION):
            toks = _tokens(doc.text[start:end], start, FR_FUNCTION)
            if toks:
                names.append(Name(doc.text[start:end], start, end, toks, False))
        for name in names:
            # Names made only of ordinary French words may be translated (Maison Blanche).
            name.translatable = all(zipf(t[2].lower(), "fr") >= 3.0 for t in name.tokens)
        return names

    def _output_names(self, doc: Any) -> list[Name]:
        names: list[Name] = []
        covered: set[int] = set()
        for ent in doc.ents:
            if ent.label_ not in HYP_LABELS:
                continue
            covered.update(range(ent.start, ent.end))
            toks = _tokens(ent.text, ent.start_char, EN_FUNCTION)
            if toks:
                names.append(Name(ent.text, ent.start_char, ent.end_char, toks, True, label=ent.label_))
        for start, end in _capitalized_runs(doc, covered, EN_FUNCTION):
            toks = _tokens(doc.text[start:end], start, EN_FUNCTION)
            # English capitalizes titles, months, nationalities: only rare capitalized words count.
            toks = [t for t in toks if zipf(t[2].lower(), "en") < 3.0]
            if toks:
                names.append(Name(doc.text[start:end], start, end, toks, False))
        for name in names:
            name.translatable = all(zipf(t[2].lower(), "en") >= 2.0 for t in name.tokens)
        return names

    # -- matching -----------------------------------------------------------------------------
    def _match(self, names: list[Name], other: str, other_names: list[Name], lang_other: str) -> None:
        other_fold = " " + " ".join(fold(m.group()) for m in TOKEN_RE.finditer(other)) + " "
        other_words = [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(other)]
        folded = {fold(w[2]) for w in other_words}
        # A name spelled like an ordinary word of the other language must be capitalized there too
        # ('Pharmaceutical Benefits Scheme' is not rendered by 'pharmaceutical companies').
        capitalized = {fold(w[2]) for w in other_words if w[2][:1].isupper()}
        cap_skeletons = {skeleton(w[2]) for w in other_words if w[2][:1].isupper()}
        skeletons = {skeleton(w[2]) for w in other_words if len(skeleton(w[2])) >= 2}
        acronyms = {a for w in other_words if (a := acronym_letters(w[2]))}
        for name in names:
            statuses = []
            for tok in name.tokens:
                word = tok[2]
                ordinary = word[:1].isupper() and zipf(word.lower(), lang_other) >= 3.0
                if fold(word) in (capitalized if ordinary else folded) or (
                        len(skeleton(word)) >= 2 and skeleton(word) in (cap_skeletons if ordinary else skeletons)):
                    statuses.append("exact")
                elif (a := acronym_letters(word)) and a in acronyms:
                    statuses.append("exact")
                elif _exonym_found(fold(word), other_fold):
                    statuses.append("exact")
                elif name.label == "NORP" and len(word) >= 6 and any(len(f) >= 6 and f[:5] == fold(word)[:5] for f in folded):
                    statuses.append("exact")  # pakistanaise / Pakistani, israélienne / Israeli
                else:
                    statuses.append("none")
            if _exonym_found(" ".join(fold(t[2]) for t in name.tokens), other_fold):
                statuses = ["exact"] * len(statuses)
            if all(s == "none" for s in statuses) or _has_near_miss(name, statuses, other_words):
                near = _near_miss(name, statuses, other_words)
                if near is not None:
                    # A near spelling that is itself a known name or word is the usual rendering
                    # (Tadjikistan/Tajikistan, Césarée/Caesarea); an unknown one is a corruption
                    # (Riabkov/Ryablakov, Lagarde/Lagardo).
                    if zipf(near[2].lower(), lang_other) >= 1.5:
                        name.status = "exact"
                    else:
                        name.status, name.near = "near", near
                    continue
            name.status = "exact" if "exact" in statuses else "none"

    # -- findings -----------------------------------------------------------------------------
    def _findings(self, seg: Segment, src_names: list[Name], hyp_names: list[Name]) -> list[ErrorSpan]:
        spans: list[ErrorSpan] = []
        unmatched_hyp = [n for n in hyp_names if n.status == "none" and not _inside_any(n, hyp_names)]
        invented = [n for n in unmatched_hyp if not n.translatable or n.from_ner]
        flagged_hyp: set[int] = set()
        for name in src_names:
            if _inside_any(name, src_names):
                continue
            if name.status == "near" and name.near is not None:
                start, end, word = name.near
                start, end = _widen(seg.hyp, start, end, hyp_names)
                spans.append(make_span(seg, self.name, CATEGORY, _misspelling_severity(name, word), start, end,
                                       f"source name '{name.text}' rendered as '{seg.hyp[start:end]}'", 0.8))
                flagged_hyp.update(range(start, end))
            elif name.status == "none":
                # A person or place the NER is sure of must be rendered, even when its French
                # spelling is a common word (Genève); other translatable names may be paraphrased.
                # Capitalized words the NER did not take for a name are weaker evidence.
                sure = name.label in ("PER", "LOC") and len(name.tokens) == 1
                replacement = next((n for n in invented if n.start not in flagged_hyp), None)
                # Major needs two signals: a source name the NER is sure of (not capitalized only
                # by its position) and, for a replacement, an output name from the English NER
                # spelled unlike it (Équateur/Ecuador, Mercure/Mercury are renderings the tables
                # lack); a dropped name is major only for a person (places and bodies are often
                # paraphrased: 'Guardia Urbana' -> 'the City Police', on WMT references).
                strong = name.from_ner and (sure or not name.translatable) and not name.positional
                if replacement is not None:
                    # (MISC: nationalities and events, reordered or rendered freely: 'Autrichiens')
                    strong = strong and name.label != "MISC" and replacement.from_ner and _unlike(name.text, replacement.text)
                else:
                    strong = strong and name.label == "PER" and not name.translatable
                confidence = 0.85 if strong else 0.6
                severity = "major" if strong else "minor"
                if replacement is not None:
                    flagged_hyp.update(range(replacement.start, replacement.end))
                    spans.append(make_span(seg, self.name, CATEGORY, severity, replacement.start, replacement.end,
                                           f"source name '{name.text}' replaced by '{replacement.text}'", confidence))
                else:
                    spans.append(make_span(seg, self.name, CATEGORY, severity, name.start, name.end,
                                           f"source name '{name.text}' missing from the output", confidence,
                                           on_source=True))
        for name in hyp_names:
            if name.start in flagged_hyp or _inside_any(name, hyp_names):
                continue
            if name.status == "near" and name.near is not None:
                spans.append(make_span(seg, self.name, CATEGORY, _misspelling_severity(name, name.near[2]),
                                       name.start, name.end,
                                       f"output name '{name.text}' looks like a misspelling of source '{name.near[2]}'", 0.7))
            elif name.status == "none" and name in invented:
                # one signal (references add names the source implies: 'When Meder looked…'): minor
                rare = any(zipf(t[2].lower(), "en") < 2.0 for t in name.tokens)
                spans.append(make_span(seg, self.name, CATEGORY, "minor", name.start, name.end,
                                       f"output name '{name.text}' has no counterpart in the source", 0.7 if rare else 0.5))
        return spans


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (names are short)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def _misspelling_severity(name: Name, other: str) -> str:
    """Major when the closest word differs from the name's by two edits or more of their
    transliteration keys (Riabkov/Ryablakov); one edit is as often a transliteration variant
    (Novolato/Navolato, Müslümov/Muslimov, Tymosenko/Tymoshenko on WMT references): minor."""
    keys = [(skeleton(tok[2]), skeleton(other)) for tok in name.tokens]
    # an inflected or derived form keeps the stem (Friedenauer/Friedenau, Jedličkův/Jedlicka)
    if any(a.startswith(b) or b.startswith(a) or os.path.commonprefix([a, b]).__len__() >= 6 for a, b in keys):
        return "minor"
    return "major" if min(_edits(a, b) for a, b in keys) >= 2 else "minor"


def _unlike(a: str, b: str) -> bool:
    """Spelled unlike each other (folded difflib ratio < 0.5): no exonym or transliteration."""
    return difflib.SequenceMatcher(None, fold(a), fold(b)).ratio() < 0.5


STARTERS = {"selon", "pourtant", "ainsi", "alors", "cependant", "ensuite", "enfin", "puis", "mais", "donc", "bref",
            "voici", "voila", "certes", "desormais", "depuis", "pendant", "apres", "avant", "malgre", "quant",
            "comme", "quand", "lorsque", "outre", "aujourd", "hier", "demain", "merci", "bravo", "bonjour", "oui",
            "non", "vive", "bien", "tant", "toutefois", "sinon", "parfois", "surtout", "notamment", "chaque"}


def _sentence_starter(word: str) -> bool:
    """A capitalized sentence-initial word that is no name: an imperative or a connective."""
    lower = fold(word)
    return lower in STARTERS or (lower.endswith(("ez", "ons")) and zipf(lower, "fr") >= 2.0)


def _exonym_found(key: str, other_fold: str) -> bool:
    key = key.replace("-", " ")
    alternatives = _EXONYMS.get(key, ())
    return any(f" {alt} " in other_fold for alt in alternatives)


def _phrase(text: str) -> str:
    return " ".join(fold(m.group()) for m in TOKEN_RE.finditer(text))


_EXONYMS: dict[str, set[str]] = {}
for _fr, _ens in EXONYMS.items():
    for _en in _ens:
        _EXONYMS.setdefault(_phrase(_fr), set()).add(_phrase(_en))
        _EXONYMS.setdefault(_phrase(_en), set()).add(_phrase(_fr))  # output name -> source spelling


def _near_miss(name: Name, statuses: list[str], other_words: list[tuple[int, int, str]]) -> tuple[int, int, str] | None:
    for tok, status in zip(name.tokens, statuses):
        # Only a rare word (a real name) can be misspelled; ordinary words are translated.
        common_word = max(zipf(tok[2].lower(), "fr"), zipf(tok[2].lower(), "en")) >= 3.0
        if status != "none" or len(tok[2]) < 4 or (common_word and name.label not in ("PER", "PERSON")):
            continue
        best, best_word = 0.0, None
        for word in other_words:
            if not word[2][:1].isupper() or len(word[2]) < 4:
                continue
            ratio = difflib.SequenceMatcher(None, fold(tok[2]), fold(word[2])).ratio()
            if ratio > best:
                best, best_word = ratio, word
        if best >= NEAR_MISS and best_word is not None:
            return best_word
    return None


def _has_near_miss(name: Name, statuses: list[str], other_words: list[tuple[int, int, str]]) -> bool:
    # A person's surname misspelled while the first name matched (Sergueï Riabkov -> Sergei Ryablakov).
    return "none" in statuses and "exact" in statuses and name.from_ner and _near_miss(name, statuses, other_words) is not None


def _inside_any(name: Name, names: list[Name]) -> bool:
    return any(o is not name and o.start <= name.start and name.end <= o.end and (o.end - o.start) > (name.end - name.start)
               for o in names)


def _widen(text: str, start: int, end: int, names: list[Name]) -> tuple[int, int]:
    for name in names:
        if name.start <= start and end <= name.end:
            return name.start, name.end
    return start, end


def _ngrams(text: str, size: int) -> list[str]:
    """The other side's word n-grams of about the name's length (a translation adds or drops one)."""
    toks = [m.group() for m in TOKEN_RE.finditer(text)]
    out = []
    for n in range(max(1, size - 1), size + 2):
        out.extend(" ".join(toks[i:i + n]) for i in range(len(toks) - n + 1))
    return out


def _match_by_encoder(names: list[Name]) -> None:
    """Mark 'exact' each name with an n-gram of the other side at USE cosine >= USE_THRESHOLD.

    A name is matched when *any* of its n-grams passes, so the n-grams most likely to (those with
    a capitalized word: 'Soviet Union', 'Noah') are encoded first, and the others only for the
    names still unmatched: on WMT13 this encodes a third fewer texts, with the same decisions.
    """
    for likely in (True, False):
        queries = [[t for t in name.use_text if _capitalized(t) == likely] for name in names]
        vectors = embed(sorted({t for name, texts in zip(names, queries) if texts for t in texts + [name.text]}))
        for name, texts in zip(names, queries):
            if any(float(vectors[name.text] @ vectors[t]) >= USE_THRESHOLD for t in texts):
                name.status = "exact"
        names = [name for name in names if name.status == "none"]


def _capitalized(text: str) -> bool:
    return any(word[:1].isupper() for word in text.split())
