"""BLEU, chrF, chrF++ and TER through sacrebleu.

Scores equal sacrebleu's own (same classes, same settings); signatures are sacrebleu's,
extended with the harness version. Per-segment sufficient statistics are kept so that
significance tests resample them (Koehn 2004) instead of averaging sentence scores.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import sacrebleu.metrics as sb

from .. import stats
from ..types import MetricResult, Segment, Signature
from ..version import __version__
from .base import Metric, Progress, check_references
from .ter_edits import translation_edit_rate

# (segments x statistics) sufficient statistics, (segments,) sentence scores
SegmentStatistics = tuple[np.ndarray, np.ndarray]


def corpus_sums(seg_stats: np.ndarray) -> list[float | int]:
    """Column sums that equal sacrebleu's own (`sum_of_lists`, a left-to-right Python sum):
    integer columns (n-gram counts, lengths) summed exactly as integers, whatever the order;
    fractional ones (TER's average reference length with several references) summed left to
    right in segment order, as sacrebleu does, so the corpus score is the same to the last digit
    however the segments were split into blocks."""
    sums: list[float | int] = []
    for column in seg_stats.T:
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
    keeps_stats = True
    sacre_class: Any = None

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self._sacre()  # bad settings (tokenize: nope) fail here, when the config is read, not mid-run

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

    def score_many(self, systems: Mapping[str, Sequence[Segment]]) -> dict[str, MetricResult]:
        """Several systems against the same references, which are preprocessed once (as the
        sacrebleu CLI does for several systems): {system: result}."""
        first = next(iter(systems.values()))
        nrefs = check_references(self, first)
        refs = [[seg.refs[k] for seg in first] for k in range(nrefs)]
        found = self.segment_statistics({name: [seg.hyp for seg in segs] for name, segs in systems.items()}, refs)
        return {name: self.result_from_statistics(seg_stats, seg_scores, nrefs) for name, (seg_stats, seg_scores) in found.items()}

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

    def result_from_statistics(self, seg_stats: np.ndarray, seg_scores: np.ndarray, nrefs: int, lists: bool = True) -> MetricResult:
        """The MetricResult of one system from all its segments' statistics, in segment order.
        `lists=False` keeps the numpy arrays (a streaming run holds nothing else per segment)."""
        corpus_metric = self._sacre()
        corpus_metric.num_refs = nrefs  # what its signature reports
        sentence_metric = self._sentence_metric()
        # per-segment scores made with other settings than the corpus score carry their own
        # signature (BLEU: effective order, 'eff:yes', as sacrebleu's sentence_bleu)
        sentence_metric.num_refs = nrefs
        signature = self.signature_of(corpus_metric)
        seg_signature = self.signature_of(sentence_metric)
        extra = {} if seg_signature == signature else {"segment_signature": str(seg_signature)}
        return MetricResult(
            metric=self.name,
            score=float(corpus_metric._compute_score_from_stats(corpus_sums(seg_stats)).score),
            signature=signature,
            higher_is_better=self.higher_is_better,
            seg_scores=seg_scores.tolist() if lists else seg_scores,
            seg_stats=seg_stats.tolist() if lists else seg_stats,
            extra=extra,
        )

    def score_from_stats(self, stats: Sequence[Sequence[float]]) -> float:
        """The corpus score of a set of per-segment statistics (used by resampling)."""
        return float(self._sacre()._compute_score_from_stats([sum(col) for col in zip(*stats)]).score)

    def signature_of(self, sacre_metric: Any) -> Signature:
        """sacrebleu's signature fields (in its order: version last; booleans as yes/no), then
        the harness version; the settings are this metric's constructor arguments."""
        info = sacre_metric.get_signature().info
        keys = [k for k in info if k != "version"] + ["version"]
        fields = [(k, "yes" if info[k] is True else "no" if info[k] is False else info[k]) for k in keys if info[k] is not None]
        return Signature.of(self.name, [*fields, ("relecture", __version__)], self.kwargs)


class BLEU(SacreMetric):
    """Corpus BLEU; per-segment scores are sentence BLEU with effective order (as sacrebleu's
    `sentence_bleu`), since plain BLEU is zero for most single sentences."""

    name = "bleu"
    sacre_class = sb.BLEU

    def _sentence_metric(self) -> Any:
        return self._sacre(effective_order=True)

    def stats_scorer(self, n_stats: int) -> stats.ScoreFn:
        method = self.kwargs.get("smooth_method", "exp")
        return lambda sums: stats.bleu_from_stats(
            sums, max_ngram_order=self.kwargs.get("max_ngram_order", (n_stats - 2) // 2), smooth_method=method,
            smooth_value=self.kwargs.get("smooth_value"), effective_order=bool(self.kwargs.get("effective_order", False)))


class CHRF(SacreMetric):
    """chrF (Popović 2015), character n-grams up to 6, beta 2."""

    name = "chrf"
    sacre_class = sb.CHRF

    def stats_scorer(self, n_stats: int) -> stats.ScoreFn:
        char_order, word_order = self.kwargs.get("char_order", 6), self.kwargs.get("word_order", 0)
        beta, eps = self.kwargs.get("beta", 2), bool(self.kwargs.get("eps_smoothing", False))
        return lambda sums: stats.chrf_from_stats(sums, char_order=char_order, word_order=word_order, beta=beta, eps_smoothing=eps)


class CHRFpp(CHRF):
    """chrF++: chrF plus word unigrams and bigrams."""

    name = "chrf++"
    sacre_class = sb.CHRF

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{"word_order": 2, **kwargs})


class SacreTER(sb.TER):
    """sacrebleu's TER with the edit count of ter_edits.py: the same statistics (and so the same
    scores and signature) in ~40% of lib_ter's CPU time."""

    def _compute_segment_statistics(self, hypothesis: str, ref_kwargs: dict[str, Any]) -> list[float]:
        # sacrebleu.metrics.ter.TER._compute_segment_statistics, with translation_edit_rate swapped
        ref_lengths, best_num_edits = 0, int(1e16)
        words_hyp = hypothesis.split()
        for words_ref in ref_kwargs["ref_words"]:
            num_edits, ref_len = translation_edit_rate(words_hyp, words_ref)
            ref_lengths += ref_len
            best_num_edits = min(best_num_edits, num_edits)
        return [best_num_edits, ref_lengths / len(ref_kwargs["ref_words"])]


class TER(SacreMetric):
    """Translation edit rate (Snover et al. 2006); lower is better."""

    name = "ter"
    higher_is_better = False
    cost = 4.0  # relative time per segment against BLEU/chrF: the runner starts TER jobs first
    sacre_class = SacreTER

    def stats_scorer(self, n_stats: int) -> stats.ScoreFn:
        return stats.ter_from_stats
