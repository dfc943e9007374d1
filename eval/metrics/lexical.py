"""BLEU, chrF, chrF++ and TER through sacrebleu.

Scores equal sacrebleu's own (same classes, same settings); signatures are sacrebleu's,
extended with the harness version. Per-segment sufficient statistics are kept so that
significance tests resample them (Koehn 2004) instead of averaging sentence scores.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import sacrebleu.metrics as sb

from ..types import MetricResult, Segment
from ..version import __version__
from .base import Metric, Progress, check_references

# (segments x statistics) sufficient statistics, (segments,) sentence scores
SegmentStatistics = tuple[np.ndarray, np.ndarray]


def corpus_sums(stats: np.ndarray) -> list[float | int]:
    """Column sums that equal sacrebleu's own (`sum_of_lists`, a left-to-right Python sum):
    integer columns (n-gram counts, lengths) summed exactly as integers, whatever the order;
    fractional ones (TER's average reference length with several references) summed left to
    right in segment order, as sacrebleu does, so the corpus score is the same to the last digit
    however the segments were split into blocks."""
    sums: list[float | int] = []
    for column in stats.T:
        if np.all(column == np.floor(column)) and np.abs(column).sum() < 2**53:
            sums.append(int(column.sum()))
        else:
            sums.append(sum(column.tolist()))
    return sums


class SacreMetric(Metric):
    """Shared plumbing: build the sacrebleu metric from our settings, extract per-segment stats
    once, derive the corpus score from their sum and each segment's score from its own."""

    needs_reference = True
    pure_python = True  # CPU-bound and picklable: the runner may score it in a process pool
    cost = 1.0
    sacre_class: Any = None

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs

    def settings(self) -> dict[str, Any]:
        return dict(self.kwargs)

    def _sacre(self, **overrides: Any) -> Any:
        return self.sacre_class(**{**self.kwargs, **overrides})

    def _sentence_metric(self) -> Any:
        return self._sacre()

    def score(self, segments: Sequence[Segment], progress: Progress | None = None) -> MetricResult:
        result = self.score_many({"": segments})[""]
        if progress:
            progress(len(segments))
        return result

    def score_many(self, systems: dict[str, Sequence[Segment]]) -> dict[str, MetricResult]:
        """Several systems against the same references, which are preprocessed once (as the
        sacrebleu CLI does for several systems): {system: result}."""
        first = next(iter(systems.values()))
        nrefs = check_references(self, first)
        refs = [[seg.refs[k] for seg in first] for k in range(nrefs)]
        found = self.segment_statistics({name: [seg.hyp for seg in segs] for name, segs in systems.items()}, refs)
        return {name: self.result_from_statistics(stats, seg_scores, nrefs) for name, (stats, seg_scores) in found.items()}

    def segment_statistics(self, hyps: dict[str, Sequence[str]], refs: Sequence[Sequence[str]]) -> dict[str, SegmentStatistics]:
        """Per-segment sufficient statistics and sentence scores of each system on these
        segments (refs[k][i]: reference k of segment i). Statistics are additive, so any split of
        the segments into blocks gives the same rows (eval/engine sums them)."""
        corpus_metric = self._sacre()
        corpus_metric._ref_cache = corpus_metric._cache_references(refs)
        sentence_metric = self._sentence_metric()
        out = {}
        for name, lines in hyps.items():
            seg_stats = corpus_metric._extract_corpus_statistics(lines, None)
            scores = np.array([sentence_metric._compute_score_from_stats(s).score for s in seg_stats], dtype=np.float64)
            out[name] = (np.array(seg_stats, dtype=np.float64).reshape(len(seg_stats), -1), scores)
        return out

    def result_from_statistics(self, stats: np.ndarray, seg_scores: np.ndarray, nrefs: int, lists: bool = True) -> MetricResult:
        """The MetricResult of one system from all its segments' statistics, in segment order.
        `lists=False` keeps the numpy arrays (a streaming run holds nothing else per segment)."""
        corpus_metric = self._sacre()
        corpus_metric.num_refs = nrefs  # what its signature reports
        sentence_metric = self._sentence_metric()
        # per-segment scores made with other settings than the corpus score carry their own
        # signature (BLEU: effective order, 'eff:yes', as sacrebleu's sentence_bleu)
        sentence_metric.num_refs = nrefs
        seg_signature = signature_of(sentence_metric)
        extra = {} if seg_signature == signature_of(corpus_metric) else {"segment_signature": f"{self.name}|{seg_signature}"}
        return MetricResult(
            metric=self.name,
            score=float(corpus_metric._compute_score_from_stats(corpus_sums(stats)).score),
            signature=f"{self.name}|{signature_of(corpus_metric)}",
            higher_is_better=self.higher_is_better,
            seg_scores=seg_scores.tolist() if lists else seg_scores,
            seg_stats=stats.tolist() if lists else stats,
            extra=extra,
        )

    def score_from_stats(self, stats: Sequence[Sequence[float]]) -> float:
        """The corpus score of a set of per-segment statistics (used by resampling)."""
        return float(self._sacre()._compute_score_from_stats([sum(col) for col in zip(*stats)]).score)


def signature_of(sacre_metric: Any) -> str:
    return f"{sacre_metric.get_signature().format()}|relecture:{__version__}"


class BLEU(SacreMetric):
    """Corpus BLEU; per-segment scores are sentence BLEU with effective order (as sacrebleu's
    `sentence_bleu`), since plain BLEU is zero for most single sentences."""

    name = "bleu"
    sacre_class = sb.BLEU

    def _sentence_metric(self) -> Any:
        return self._sacre(effective_order=True)


class CHRF(SacreMetric):
    """chrF (Popović 2015), character n-grams up to 6, beta 2."""

    name = "chrf"
    sacre_class = sb.CHRF


class CHRFpp(SacreMetric):
    """chrF++: chrF plus word unigrams and bigrams."""

    name = "chrf++"
    sacre_class = sb.CHRF

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{"word_order": 2, **kwargs})


class TER(SacreMetric):
    """Translation edit rate (Snover et al. 2006); lower is better."""

    name = "ter"
    higher_is_better = False
    cost = 4.0  # relative time per segment against BLEU/chrF: the runner starts TER jobs first
    sacre_class = sb.TER
