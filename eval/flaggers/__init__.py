"""Flaggers: one class per kind of error, registered in eval/registry.py.

`run_flaggers(segments, names)` runs the named flaggers (default: all of DEFAULT_FLAGGERS) over
one system's segments and returns their findings sorted by segment and offset.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..types import ErrorSpan, Segment

DEFAULT_FLAGGERS = ("names", "numbers", "untranslated", "fluency", "coverage", "false-friends", "negation", "tense",
                   "truncation")


def run_flaggers(segments: Sequence[Segment], names: Sequence[str | Mapping[str, Any]] | None = None) -> list[ErrorSpan]:
    """names: flagger names, or config entries `{name, **options}` ({name: terminology, glossary: F})."""
    from ..registry import load
    from .common import flag_segments

    flaggers = [load("flagger", entry)() if isinstance(entry, str)
                else load("flagger", entry["name"])(**{k: v for k, v in entry.items() if k != "name"})
                for entry in names or DEFAULT_FLAGGERS]
    return sort_flags(flag_segments(flaggers, segments))


def sort_flags(spans: Sequence[ErrorSpan]) -> list[ErrorSpan]:
    """The one order of findings everywhere: by segment, output before source, then offset."""
    return sorted(spans, key=lambda s: (s.seg_idx, s.on_source, s.start, s.end, s.category))
