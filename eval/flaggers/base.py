"""The flagger contract: read Segments, return ErrorSpans (never read files, never write reports).

Every flagger must work without a reference; one may use `seg.refs` when present.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Sequence

from ..types import ErrorSpan, Segment


class Flagger(ABC):
    name: str = ""
    needs_reference: bool = False
    needs_source: bool = True

    @abstractmethod
    def flag(self, segments: Sequence[Segment]) -> list[ErrorSpan]:
        """All findings for one system's segments, in segment order."""
