"""The per-segment score cache: a rerun scores only the segments that changed, and the merged
result equals an uncached run (scores, statistics, extras)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pytest

from relecture.cache import ScoreCache, cache_signature, score_cached, segment_key
from relecture.metrics.lexical import BLEU, CHRF
from relecture.types import Segment

SRC = ["Le chat dort.", "Il pleut à Paris.", "Trois pommes.", "Bonjour.", "Le train part à 8 h."]
HYP = ["The cat sleeps.", "It rains in Paris.", "Three apples.", "Hello.", "The train leaves at 8."]
REF = ["The cat is sleeping.", "It is raining in Paris.", "Three apples.", "Hello.", "The train leaves at 8 am."]


def segs(hyps: Sequence[str] = HYP) -> list[Segment]:
    return [Segment(i, s, h, (r,)) for i, (s, h, r) in enumerate(zip(SRC, hyps, REF))]


class Counting:
    """Wraps a real metric and records how many segments each call scored."""

    def __init__(self, metric: Any) -> None:
        self.metric = metric
        self.calls: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.metric, name)

    def score(self, segments: Sequence[Segment], progress: Any = None) -> Any:
        self.calls.append(len(segments))
        return self.metric.score(segments, progress)


@pytest.mark.parametrize("metric_class", [CHRF, BLEU])
def test_rerun_scores_only_changed_segments(tmp_path: Path, metric_class: type) -> None:
    with ScoreCache(tmp_path / "scores.sqlite3") as cache:
        metric = Counting(metric_class())
        cold = score_cached(metric, segs(), cache)
        changed = list(HYP)
        changed[2] = "Three pears."
        warm = score_cached(metric, segs(changed), cache)
        again = score_cached(metric, segs(changed), cache)
    assert metric.calls == [5, 1]  # cold: all; one change: one; unchanged rerun: none
    direct = metric_class().score(segs(changed))
    assert warm.seg_scores == again.seg_scores == direct.seg_scores
    assert warm.seg_stats == direct.seg_stats
    assert warm.score == pytest.approx(direct.score, abs=1e-9)  # corpus score rebuilt from statistics
    assert warm.signature == direct.signature == cold.signature


def test_key_is_content_not_position() -> None:
    a = Segment(0, "src", "hyp", ("ref",))
    b = Segment(7, "src", "hyp", ("ref",))
    assert segment_key(a) == segment_key(b)
    assert segment_key(a) != segment_key(Segment(0, "src", "hyp", ("other ref",)))


def test_other_settings_never_share_entries(tmp_path: Path) -> None:
    with ScoreCache(tmp_path / "scores.sqlite3") as cache:
        plain = Counting(CHRF())
        plus = Counting(CHRF(word_order=2))
        score_cached(plain, segs(), cache)
        score_cached(plus, segs(), cache)
    assert plus.calls == [5]
    assert cache_signature(plain, segs()) != cache_signature(plus, segs())


def test_cache_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "scores.sqlite3"
    with ScoreCache(path) as cache:
        score_cached(CHRF(), segs(), cache)
        assert len(cache) == 5
    with ScoreCache(path) as cache:
        metric = Counting(CHRF())
        score_cached(metric, segs(), cache)
    assert metric.calls == []


def test_metrics_without_a_corpus_rule_are_scored_directly(tmp_path: Path) -> None:
    class Median(CHRF):
        """A corpus score the cache cannot rebuild: never cached."""

        keeps_stats = False

    with ScoreCache(tmp_path / "scores.sqlite3") as cache:
        metric = Counting(Median())
        score_cached(metric, segs(), cache)
        score_cached(metric, segs(), cache)
        assert len(cache) == 0
    assert metric.calls == [5, 5]


torch = pytest.importorskip("torch")


def test_neural_metric_extras_are_rebuilt(tmp_path: Path) -> None:
    from relecture.metrics.semantic import BERTScore

    from tests.unit.tiny_models import build_tiny_bert

    model = str(build_tiny_bert(tmp_path / "tiny", max_positions=12))
    hyps = ["the cat sat on the mat", "a dog", "the red house is big and the blue house is small and red", "it", "a cat"]
    refs = ["the cat is on the mat", "the dog", "a big red house", "it is", "the cat"]
    segments = [Segment(i, "", h, (r,)) for i, (h, r) in enumerate(zip(hyps, refs))]
    with ScoreCache(tmp_path / "scores.sqlite3") as cache:
        metric = Counting(BERTScore(model=model))
        first = score_cached(metric, segments, cache)
        hyps[0] = "the cat sat"
        segments = [Segment(i, "", h, (r,)) for i, (h, r) in enumerate(zip(hyps, refs))]
        second = score_cached(metric, segments, cache)
    direct = BERTScore(model=model).score(segments)
    assert metric.calls == [5, 1]
    assert second.seg_scores == pytest.approx(direct.seg_scores, abs=1e-6)
    assert second.score == pytest.approx(direct.score, abs=1e-6)
    for key in ("precision", "recall", "split_segments", "split_segments_ids"):
        assert second.extra[key] == pytest.approx(direct.extra[key], abs=1e-6)
    assert direct.extra["split_segments_ids"] == [2] == first.extra["split_segments_ids"]


def test_idf_keys_on_every_reference(tmp_path: Path) -> None:
    from relecture.metrics.semantic import BERTScore

    from tests.unit.tiny_models import build_tiny_bert

    model = str(build_tiny_bert(tmp_path / "tiny"))
    metric = BERTScore(model=model, idf=True)
    other_refs = [Segment(s.idx, s.src, s.hyp, ("a different reference",) if s.idx == 4 else s.refs) for s in segs()]
    # segment 0 is unchanged, but its idf weights depend on reference 4: a new key
    assert cache_signature(metric, segs()) != cache_signature(metric, other_refs)


def test_xcomet_error_spans_follow_their_segments(tmp_path: Path) -> None:
    """Error spans are per segment: a partial rerun, a reordered set and a full hit all give
    the spans an uncached run gives (a span list stored per signature would go stale)."""
    pytest.importorskip("transformers")
    from relecture.metrics.comet import COMET

    fixture = Path(__file__).resolve().parents[1] / "data" / "comet" / "xcomet"
    rows = __import__("json").loads((fixture.parent / "official_scores.json").read_text(encoding="utf-8"))["samples"]
    base = [(r["src"], r["mt"], r["ref"]) for r in rows]

    def as_segments(triples: list[tuple[str, str, str]]) -> list[Segment]:
        return [Segment(i, s, h, (r,)) for i, (s, h, r) in enumerate(triples)]

    changed = list(base)
    changed[1] = (base[1][0], base[1][1] + " Indeed.", base[1][2])
    reordered = list(reversed(changed))
    with ScoreCache(tmp_path / "scores.sqlite3") as cache:
        metric = Counting(COMET(model=str(fixture), device="cpu", dtype="fp32"))
        runs = [score_cached(metric, as_segments(t), cache) for t in (base, changed, reordered, base)]
    assert metric.calls == [len(base), 1]
    for triples, cached in zip((base, changed, reordered, base), runs):
        direct = COMET(model=str(fixture), device="cpu", dtype="fp32").score(as_segments(triples))
        assert cached.extra["error_spans"] == direct.extra["error_spans"]
    assert runs[0].extra["error_spans"]
