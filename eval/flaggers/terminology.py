"""Terminology: glossary terms whose required English rendering is missing from the output.

The user's glossary pins how a French term or name must come out in English ("Sergueï Riabkov"
→ "Sergei Ryabkov", "Otan" → "NATO", "prêt à taux zéro" → "zero-interest loan").  Two formats:

- TSV, one term a line: `French<TAB>English[ | another rendering][<TAB>case]`; `#` starts a
  comment line; a third column `case` (or `exact`) makes the term case-sensitive on both sides.
- YAML: a mapping `French: English` (or a list of renderings), or a list of mappings
  `{fr: ..., en: ... or [...], case_sensitive: true}`.

A source occurrence matches through inflection: each French word may take a plural or feminine
ending (-s, -x, -e, -es; -al → -aux), an elided article may precede it (l'Otan, d'Otan), and
case is ignored unless the term is case-sensitive.  Renderings match with an optional English
plural (-s, -es) and hyphen/space variants, case ignored unless case-sensitive.

Finding (accuracy/terminology, major: the user said exactly what is required): for each term,
the source occurrences beyond the number of renderings present in the output.  The flag sits on
the output's closest n-gram to a rendering when one is close enough (difflib ratio ≥ 0.6:
"Sergei Ryablakov"), with the source occurrence in `source_span`; otherwise on the source
occurrence itself (`on_source`).
"""
from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, InputError
from ..types import ErrorSpan, Segment
from .base import Flagger
from .common import fold, is_empty, make_span

CATEGORY = "accuracy/terminology"
NEAR = 0.6  # difflib ratio (accents and case folded) for an output n-gram to be a wrong rendering
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Term:
    french: str
    english: tuple[str, ...]
    case_sensitive: bool
    line: int  # where it was defined (for messages)


def _french_word(word: str) -> str:
    stem = re.escape(word)
    if word.lower().endswith("al"):  # journal/journaux
        return stem[:-2] + r"(?:al|aux)"
    return stem + r"(?:e|s|x|es)?"


def french_pattern(term: str, case_sensitive: bool) -> re.Pattern[str]:
    """A regex for a French term and its inflected forms, after an elided article or not."""
    words = term.split()
    body = r"[\s\-]+".join(_french_word(w) for w in words)
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(rf"(?<![^\W_]){body}(?![^\W_])", flags)


def english_pattern(renderings: Sequence[str], case_sensitive: bool) -> re.Pattern[str]:
    """A regex for any of the renderings, with an optional English plural on the last word."""
    bodies = []
    for text in renderings:
        words = re.split(r"[\s\-]+", text.strip())
        bodies.append(r"[\s\-]+".join(re.escape(w) for w in words) + r"(?:s|es|'s|’s)?")
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(bodies)})(?![^\W_])", flags)


def load_glossary(path: str | Path) -> list[Term]:
    """Read a TSV or YAML glossary; a missing file is a ConfigError, a bad line an InputError."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"glossary file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the glossary ({exc})") from None
    terms = _yaml_terms(path, text) if path.suffix.lower() in (".yaml", ".yml") else _tsv_terms(path, text)
    if not terms:
        raise InputError(path, "the glossary has no terms")
    return terms


def _tsv_terms(path: Path, text: str) -> list[Term]:
    terms = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < 2 or not cells[0].strip() or not cells[1].strip():
            raise InputError(path, "expected 'French<TAB>English[<TAB>case]'", line=number)
        flag = cells[2].strip().lower() if len(cells) > 2 else ""
        if flag not in ("", "case", "exact"):
            raise InputError(path, f"third column must be 'case' or empty, not {cells[2].strip()!r}", line=number)
        renderings = tuple(r.strip() for r in cells[1].split("|") if r.strip())
        terms.append(Term(cells[0].strip(), renderings, bool(flag), number))
    return terms


def _yaml_terms(path: Path, text: str) -> list[Term]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, f"not valid YAML ({getattr(exc, 'problem', exc)})",
                         line=mark.line + 1 if mark is not None else None) from None
    if isinstance(data, dict):
        entries: list[Any] = [{"fr": k, "en": v} for k, v in data.items()]
    elif isinstance(data, list):
        entries = data
    else:
        raise InputError(path, "expected a mapping 'French: English' or a list of {fr, en, case_sensitive}")
    terms = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("fr"), str) or not entry["fr"].strip():
            raise InputError(path, f"entry {number}: needs a French term 'fr'")
        english = entry.get("en")
        renderings = [english] if isinstance(english, str) else english
        if not isinstance(renderings, list) or not renderings or not all(isinstance(r, str) and r.strip() for r in renderings):
            raise InputError(path, f"entry {number} ({entry['fr']!r}): 'en' must be a rendering or a list of them")
        unknown = set(entry) - {"fr", "en", "case_sensitive"}
        if unknown:
            raise InputError(path, f"entry {number} ({entry['fr']!r}): unknown key(s) {sorted(unknown)}")
        terms.append(Term(entry["fr"].strip(), tuple(r.strip() for r in renderings),
                          bool(entry.get("case_sensitive", False)), number))
    return terms


class TerminologyFlagger(Flagger):
    """Glossary terms rendered otherwise than required (accuracy/terminology)."""

    name = "terminology"
    needs_source = True
    path_options = ("glossary",)

    def __init__(self, glossary: str | Path | None = None) -> None:
        if glossary is None:
            raise ConfigError("flagger 'terminology' needs a glossary: {name: terminology, glossary: terms.tsv}")
        self.glossary = str(glossary)
        self.terms = load_glossary(glossary)
        self._patterns = [(term, french_pattern(term.french, term.case_sensitive),
                           english_pattern(term.english, term.case_sensitive)) for term in self.terms]

    def flag_segment(self, seg: Segment) -> list[ErrorSpan]:
        if is_empty(seg.hyp):
            return []
        spans: list[ErrorSpan] = []
        taken: list[tuple[int, int]] = []  # source characters already claimed by a longer term
        for term, fr_re, en_re in sorted(self._patterns, key=lambda p: -len(p[0].french)):
            found = [m for m in fr_re.finditer(seg.src) if not any(m.start() < e and s < m.end() for s, e in taken)]
            if not found:
                continue
            taken.extend((m.start(), m.end()) for m in found)
            rendered = len(en_re.findall(seg.hyp))
            for m in found[rendered:]:
                required = " or ".join(f"'{r}'" for r in term.english)
                near = _closest(seg.hyp, term.english, en_re)
                if near is not None:
                    start, end = near
                    flag = make_span(seg, self.name, CATEGORY, "major", start, end,
                                     f"glossary: '{m.group()}' must be rendered {required}, not "
                                     f"'{seg.hyp[start:end]}'", 0.9)
                    spans.append(dataclasses.replace(flag, source_span=(m.start(), m.end())))
                else:
                    spans.append(make_span(seg, self.name, CATEGORY, "major", m.start(), m.end(),
                                           f"glossary: '{m.group()}' must be rendered {required}; the output has "
                                           f"no such rendering", 0.85, on_source=True))
        return spans


def _closest(hyp: str, renderings: Sequence[str], correct: re.Pattern[str]) -> tuple[int, int] | None:
    """The output n-gram (as many words as a rendering, ±1) closest to a rendering (accents and
    case folded: 'Nato' is a wrong rendering of a case-sensitive 'NATO'), if close, and not
    holding a correct rendering (that one renders another occurrence)."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(hyp)]
    best, where = 0.0, None
    for rendering in renderings:
        target = fold(rendering)
        size = len(_WORD.findall(rendering))
        for n in range(max(1, size - 1), size + 2):
            for i in range(len(words) - n + 1):
                start, end = words[i][0], words[i + n - 1][1]
                if correct.search(hyp[start:end]):
                    continue
                ratio = difflib.SequenceMatcher(None, target, fold(hyp[start:end])).ratio()
                if ratio > best:
                    best, where = ratio, (start, end)
    return where if best >= NEAR else None
