"""Is the source French and the output English? Language ID on a sample of lines.

Each sampled line is first read for function words (the, of, which / le, des, qui / der, und /
el, los / il, della / os, não / het, een): a line whose words are clearly the expected language
needs nothing more, and a line clearly German, Spanish, Italian, Portuguese or Dutch is in a
third language. Only the other lines (names, headlines, a stray French line in an English
file) go to lingua, restricted to French and English; lingua's 7-language detector (~0.25 s of
CPU to load, at every start-up before) looks for a third language only when more than
DOUBT_SHARE of the lines are doubtful. On WMT12/13, 96% of sampled lines are clear (test part;
tune 96%), and on 99% of those lingua agrees (its disagreements are mostly English lines with
foreign names taken for German or Spanish): bench/language.py. A few stray lines give a warning (a copied
name, an untranslated quote: errors to flag later); a file that is mostly the wrong language
(source and output swapped, the wrong file, another language) is an input error.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from ..errors import InputError

SAMPLE = 100          # lines looked at, spread evenly over the file
MIN_WORDS = 4         # shorter lines (names, numbers, headlines) say little about language
FAIL_SHARE = 0.5      # more than this share of sampled lines in the other language: an error
NAMES = {"fr": "French", "en": "English"}

# Frequent words of each language (apostrophe elisions split off: "l'homme" reads as "l",
# "homme"). A word in k of the lists counts 1/k for each of them ("de": French, Spanish,
# Portuguese, Dutch), so a line is clearly language L when L's count is at least CLEAR_HITS and
# more than CLEAR_FACTOR times any other language's (fitted on the tune part of WMT12/13,
# bench/language.py).
FUNCTION_WORDS = {code: frozenset(words.split()) for code, words in {
    "en": "the of and to that for with are be this by have from it not at or his were has which they their but "
          "been would had who its said after she we there more can about than into also other when what these all "
          "could some them our only him her while over most because just those being did does how should in on a an "
          "is was will as up out new last first two one year years week next since",
    "fr": "le la les des du de et est un une que qui dans pour pas sur au aux avec ce cette il elle ils elles sont "
          "ont été par plus ne se son sa ses leur leurs nous vous mais ou comme tout était être avait fait entre "
          "aussi après l d qu c n s j où lui très sans à en a ces selon deux depuis contre lors",
    "de": "der die das und ist nicht ein eine zu den dem des mit von sich auf für im auch es wird sind wurde werden "
          "hat haben bei noch nach wie aus oder aber dass nur um vor ich wir sie zum zur einen einem einer",
    "es": "el los las del y en que un una por con para no se es al lo como más pero sus su está son fue ha han "
          "entre sobre también este esta muy ya desde hasta donde cuando",
    "it": "il lo la gli le di del della che e è un una per con non si sono al alla nel anche come più ma questo "
          "questa ha hanno essere stato dei delle degli nella sul",
    "pt": "o os a as do da dos das e em um uma que para com não se por mais como mas ao foi são está pelo pela "
          "também ele ela seu sua no na nos nas",
    "nl": "de het een en van is dat op te in voor met niet zijn aan er ook als door maar om dan bij nog wel uit "
          "naar deze dit werd wordt hij zij",
}.items()}
_WEIGHT = {word: 1 / sum(word in words for words in FUNCTION_WORDS.values()) for words in FUNCTION_WORDS.values() for word in words}
CLEAR_HITS = 1.5
CLEAR_FACTOR = 2
THIRD = {"de": "GERMAN", "es": "SPANISH", "it": "ITALIAN", "pt": "PORTUGUESE", "nl": "DUTCH"}
# When more than this share of the sampled lines is doubtful (on WMT12/13, 3.5% of lines are),
# function words do not describe the file: lingua's 7-language detector looks at the doubtful
# lines for a third language too, as the check did before function words.
DOUBT_SHARE = 0.1
_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=2)
def detector(low_accuracy: bool = False) -> Any:
    """French and English only, built on first use. Low accuracy (trigram models) loads in
    ~0.1 s against ~2 s for high accuracy (measured on a loaded 2-core machine), most of the
    start-up of `relecture score` on a small file."""
    from lingua import Language, LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH)
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


def detect(lines: Sequence[str], expected: str) -> list[str | None]:
    """Each line's language code: low accuracy first, and high accuracy only for the lines it
    finds in the other language (so high-accuracy models load only when a line looks wrong). On
    the demo and every WMT12/13 source, reference and system, this differs from high accuracy
    alone on 2 of 3,892 sampled lines, and in no error decision (bench/language.py)."""
    found = [_code(language) for language in map(detector(True).detect_language_of, lines)]
    return [_code(detector().detect_language_of(line)) if code not in (expected, None) else code
            for line, code in zip(lines, found)]


def sample_indices(lines: Sequence[str]) -> list[int]:
    """Up to SAMPLE line numbers spread evenly over the file, chosen before reading any line, so
    a file-backed sequence of a million lines is read only at those lines."""
    step = max(1, len(lines) // SAMPLE)
    return list(range(0, len(lines), step))[:SAMPLE]


@lru_cache(maxsize=1)
def wide_detector() -> Any:
    """French, English and the THIRD languages, low accuracy (trigrams: enough for sentences)."""
    from lingua import Language, LanguageDetectorBuilder

    languages = [Language.FRENCH, Language.ENGLISH] + [getattr(Language, name) for name in THIRD.values()]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def clear_language(line: str) -> str | None:
    """The language whose function words clearly dominate the line (a FUNCTION_WORDS code), or
    None when they do not decide."""
    words = _WORD.findall(line.lower())
    hits = sorted(((sum(_WEIGHT[word] for word in words if word in vocabulary), code)
                   for code, vocabulary in FUNCTION_WORDS.items()), reverse=True)
    (best, code), (second, _) = hits[0], hits[1]
    return code if best >= CLEAR_HITS and best > CLEAR_FACTOR * second else None


def _code(language: Any) -> str | None:
    return {"FRENCH": "fr", "ENGLISH": "en"}.get(getattr(language, "name", ""), None)


def check_language(lines: Sequence[str], expected: str, origin: Path | str, role: str) -> list[str]:
    """Raise InputError when `lines` are mostly not `expected`; return warnings for stray lines."""
    texts = {i: lines[i] for i in sample_indices(lines)}
    sample = [i for i, line in texts.items() if len(line.split()) >= MIN_WORDS]
    if not sample:
        return []
    clear = {i: clear_language(texts[i]) for i in sample}
    neither = {i: THIRD[code] for i, code in clear.items() if code in THIRD}
    doubtful = [i for i in sample if clear[i] != expected and i not in neither]
    if len(doubtful) > DOUBT_SHARE * len(sample):
        found_third = wide_detector().detect_languages_in_parallel_of([texts[i] for i in doubtful])
        neither.update({i: language.name for i, language in zip(doubtful, found_third)
                        if language is not None and language.name in THIRD.values()})
        doubtful = [i for i in doubtful if i not in neither]
    if len(neither) > FAIL_SHARE * len(sample):
        top = max(set(neither.values()), key=list(neither.values()).count).title()
        raise InputError(origin, f"the {role} should be {NAMES[expected]}, but {len(neither)} of {len(sample)} sampled "
                         f"lines are in another language ({top})", line=min(neither) + 1)
    found = detect([texts[i] for i in doubtful], expected) if doubtful else []  # ~100 lines at most: no thread pool
    wrong = [i for i, code in zip(doubtful, found) if code not in (expected, None)]
    other = NAMES["en" if expected == "fr" else "fr"]
    if len(wrong) > FAIL_SHARE * len(sample):
        hint = " (are --src and --hyp swapped?)" if role in ("source", "output") else ""
        raise InputError(
            origin,
            f"the {role} should be {NAMES[expected]}, but {len(wrong)} of {len(sample)} sampled lines are {other}{hint}",
            line=wrong[0] + 1,
        )
    warnings = []
    if wrong:
        warnings.append(f"{origin}: {len(wrong)} of {len(sample)} sampled {role} lines look {other}, not {NAMES[expected]} (lines {_shown(wrong)})")
    if neither:
        names = sorted({name.title() for name in neither.values()})
        warnings.append(f"{origin}: {len(neither)} of {len(sample)} sampled {role} lines look {' or '.join(names)}, "
                        f"not {NAMES[expected]} (lines {_shown(sorted(neither))})")
    return warnings


def _shown(lines: Sequence[int]) -> str:
    return ", ".join(str(i + 1) for i in lines[:5]) + (" ..." if len(lines) > 5 else "")
