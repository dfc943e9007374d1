"""The metric contract: a class whose constructor arguments are its settings.

A metric reads Segments and returns one MetricResult (corpus score, per-segment scores and a
Signature). It never reads files and never writes reports. Every capability the runner, the
score cache and `compare` use is declared here with its default, so none of them probes a
metric with getattr/hasattr.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, Mapping, Sequence

from ..errors import UsageError
from ..stats import ScoreFn
from ..types import MetricResult, Segment, Signature
from ..version import __version__

Progress = Callable[[int], None]  # called with the number of segments just finished


class Metric(ABC):
    name: str = ""
    higher_is_better: bool = True
    needs_reference: bool = False
    needs_source: bool = False
    # The runner: pure-Python, CPU-bound and picklable metrics may be scored in a process pool
    # (and are recomputed rather than looked up in the score cache); `cost` orders pool jobs.
    pure_python: bool = False
    cost: float = 1.0
    # The score cache (eval/cache.py): a metric is cached per segment when its corpus score is
    # the mean of its segment scores, or is rebuilt from per-segment statistics (keeps_stats).
    corpus_is_mean: bool = False
    keeps_stats: bool = False
    # The segment scores depend on the whole scored set (BERTScore's idf over the references):
    # the cache keys on the references too.
    corpus_dependent: bool = False

    @abstractmethod
    def score(self, segments: Sequence[Segment], progress: Progress | None = None) -> MetricResult:
        """Score one system's segments: corpus score, per-segment scores, signature."""

    def score_many(self, systems: Mapping[str, Sequence[Segment]]) -> dict[str, MetricResult]:
        """Several systems on the same test set (a metric may preprocess references once)."""
        return {name: self.score(segments) for name, segments in systems.items()}

    def settings(self) -> dict[str, Any]:
        """The settings that go into the signature (besides name and versions)."""
        return {}

    def signature(self) -> Signature:
        settings = self.settings()
        return Signature.of(self.name, {**settings, "relecture": __version__}, settings)

    def signature_for_segments(self, segments: Sequence[Segment]) -> Signature:
        """The signature scores of these segments will carry (the score cache keys on it)."""
        return self.signature()

    def score_from_stats(self, stats: Sequence[Sequence[float]]) -> float:
        """The corpus score of per-segment sufficient statistics (metrics that keep_stats)."""
        raise NotImplementedError(f"metric '{self.name}' keeps no sufficient statistics")

    def stats_scorer(self, n_stats: int) -> ScoreFn | None:
        """The vectorized score-from-summed-statistics that resampling uses (rows of summed
        statistics -> scores), or None for metrics that keep no statistics."""
        return None


def check_references(metric: Metric, segments: Sequence[Segment]) -> int:
    """The number of references every segment has; a metric that needs them fails without."""
    counts = {len(seg.refs) for seg in segments}
    if metric.needs_reference and (not counts or 0 in counts):
        raise UsageError(f"metric '{metric.name}' needs a reference (--ref or testset.refs)")
    if len(counts) > 1:
        raise UsageError(f"metric '{metric.name}': segments have different numbers of references")
    return counts.pop() if counts else 0
