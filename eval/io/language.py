"""Is the source French and the output English? Language ID on a sample of lines.

lingua restricted to French and English. A few stray lines give a warning (a copied name, an
untranslated quote: errors to flag later); a file that is mostly the wrong language (source and
output swapped, the wrong file) is an input error.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from ..errors import InputError

SAMPLE = 100          # lines looked at, spread evenly over the file
MIN_WORDS = 4         # shorter lines (names, numbers, headlines) say little about language
FAIL_SHARE = 0.5      # more than this share of sampled lines in the other language: an error
NAMES = {"fr": "French", "en": "English"}


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


# The languages a wrong file is most likely in, for the "neither French nor English" check (a
# German output file passed with a mere warning: issue 11).  Low-accuracy mode (trigrams only):
# enough for whole sentences, and its models load in a fraction of a second.
OTHER_LANGUAGES = ("GERMAN", "SPANISH", "ITALIAN", "PORTUGUESE", "DUTCH")


@lru_cache(maxsize=1)
def wide_detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    languages = [Language.FRENCH, Language.ENGLISH] + [getattr(Language, name) for name in OTHER_LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def _code(language: Any) -> str | None:
    return {"FRENCH": "fr", "ENGLISH": "en"}.get(getattr(language, "name", ""), None)


def check_language(lines: Sequence[str], expected: str, origin: Path | str, role: str) -> list[str]:
    """Raise InputError when `lines` are mostly not `expected`; return warnings for stray lines."""
    texts = {i: lines[i] for i in sample_indices(lines)}
    sample = [i for i, line in texts.items() if len(line.split()) >= MIN_WORDS]
    if not sample:
        return []
    found = detect([texts[i] for i in sample], expected)  # ~100 lines: no thread pool
    neither = _neither(lines, sample, origin, role, expected)
    wrong = [i for i, code in zip(sample, found) if code not in (expected, None) and i not in neither]
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


def _neither(lines: Sequence[str], sample: Sequence[int], origin: Path | str, role: str, expected: str) -> dict[int, str]:
    """{line index: language} of sampled lines in a third language; an InputError when most are."""
    found = wide_detector().detect_languages_in_parallel_of([lines[i] for i in sample])
    third = {i: language.name for i, language in zip(sample, found)
             if language is not None and language.name in OTHER_LANGUAGES}
    if len(third) > FAIL_SHARE * len(sample):
        top = max(set(third.values()), key=list(third.values()).count).title()
        raise InputError(origin, f"the {role} should be {NAMES[expected]}, but {len(third)} of {len(sample)} sampled "
                         f"lines are in another language ({top})", line=min(third) + 1)
    return third
