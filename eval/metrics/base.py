"""The metric contract: a class whose constructor arguments are its settings.

A metric reads Segments and returns one MetricResult (corpus score, per-segment scores and a
signature). It never reads files and never writes reports.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, Sequence

from ..types import MetricResult, Segment
from ..version import __version__

Progress = Callable[[int], None]  # called with the number of segments just finished


class Metric(ABC):
    name: str = ""
    higher_is_better: bool = True
    needs_reference: bool = False
    needs_source: bool = False

    @abstractmethod
    def score(self, segments: Sequence[Segment], progress: Progress | None = None) -> MetricResult:
        """Score one system's segments: corpus score, per-segment scores, signature."""

    def settings(self) -> dict[str, Any]:
        """The settings that go into the signature (besides name and versions)."""
        return {}

    def signature(self) -> str:
        parts = [f"{self.name}"] + [f"{k}:{v}" for k, v in self.settings().items()]
        parts.append(f"relecture:{__version__}")
        return "|".join(parts)


def check_references(metric: Metric, segments: Sequence[Segment]) -> int:
    """The number of references every segment has; a metric that needs them fails without."""
    from ..errors import UsageError

    counts = {len(seg.refs) for seg in segments}
    if metric.needs_reference and (not counts or 0 in counts):
        raise UsageError(f"metric '{metric.name}' needs a reference (--ref or testset.refs)")
    if len(counts) > 1:
        raise UsageError(f"metric '{metric.name}': segments have different numbers of references")
    return counts.pop() if counts else 0
