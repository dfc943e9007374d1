"""The flagger contract: read Segments, return ErrorSpans (never read files, never write reports).

Every flagger must work without a reference; one may use `seg.refs` when present.
"""
from __future__ import annotations

from abc import ABC
from typing import Sequence

from ..types import ErrorSpan, Segment


class Flagger(ABC):
    name: str = ""
    needs_reference: bool = False
    needs_source: bool = True
    # categories this flagger adds beyond relecture.types.CATEGORIES (and the finer ones below
    # them), so that gates may name them (eval/gates.py: plugin_categories)
    categories: tuple[str, ...] = ()

    def flag(self, segments: Sequence[Segment]) -> list[ErrorSpan]:
        """All findings for one system's segments, in segment order. Flaggers that judge each
        segment alone implement `flag_segment`; those that batch models override this."""
        return [span for seg in segments for span in self.flag_segment(seg)]

    def flag_segment(self, seg: Segment) -> list[ErrorSpan]:
        raise NotImplementedError(f"{type(self).__name__} implements neither flag() nor flag_segment()")
