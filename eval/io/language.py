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


def _code(language: Any) -> str | None:
    return {"FRENCH": "fr", "ENGLISH": "en"}.get(getattr(language, "name", ""), None)


def check_language(lines: Sequence[str], expected: str, origin: Path | str, role: str) -> list[str]:
    """Raise InputError when `lines` are mostly not `expected`; return warnings for stray lines."""
    texts = {i: lines[i] for i in sample_indices(lines)}
    sample = [i for i, line in texts.items() if len(line.split()) >= MIN_WORDS]
    if not sample:
        return []
    found = detect([texts[i] for i in sample], expected)  # ~100 lines: no thread pool
    wrong = [i for i, code in zip(sample, found) if code not in (expected, None)]
    other = NAMES["en" if expected == "fr" else "fr"]
    if len(wrong) > FAIL_SHARE * len(sample):
        hint = " (are --src and --hyp swapped?)" if role in ("source", "output") else ""
        raise InputError(
            origin,
            f"the {role} should be {NAMES[expected]}, but {len(wrong)} of {len(sample)} sampled lines are {other}{hint}",
            line=wrong[0] + 1,
        )
    if wrong:
        shown = ", ".join(str(i + 1) for i in wrong[:5]) + (" ..." if len(wrong) > 5 else "")
        return [f"{origin}: {len(wrong)} of {len(sample)} sampled {role} lines look {other}, not {NAMES[expected]} (lines {shown})"]
    return []
