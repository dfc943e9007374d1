"""What a model-metric actor does with a block, and how the driver assembles blocks through its
score cache (eval/engine/ray_engine.py, eval/cache.py), run here without a cluster: a block is
scored length-sorted and its entries come back in segment order; blocks scored elsewhere plus
cached entries give the result of one local call, and only the misses are scored."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import pytest

from relecture.cache import ScoreCache, cache_signature, score_cached, score_through_cache
from relecture.metrics.lexical import BLEU
from relecture.types import Segment

pytest.importorskip("ray") if not os.environ.get("CI") else None  # CI installs the ray extra: never skipped there
import ray

from relecture.engine.ray_engine import Entries, block_entries, blocks_of_list, by_length, worker_errors
from relecture.errors import InputError

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def demo_segments(system: str = "sys-b.en") -> list[Segment]:
    src, ref, hyp = ((DEMO / name).read_text(encoding="utf-8").splitlines() for name in ("src.fr", "ref.en", system))
    return [Segment(i, s, h, (r,)) for i, (s, h, r) in enumerate(zip(src, hyp, ref))]


class Counting:
    """A real metric that records the segments each call scored, in the order it got them."""

    def __init__(self, metric: Any) -> None:
        self.metric = metric
        self.calls: list[list[int]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.metric, name)

    def score(self, segments: Sequence[Segment], progress: Any = None) -> Any:
        self.calls.append([seg.idx for seg in segments])
        return self.metric.score(segments, progress)


def test_block_is_scored_length_sorted_and_returned_in_order() -> None:
    segments = demo_segments()[:12]
    metric = Counting(BLEU())
    entries, constant = block_entries(metric, segments)
    lengths = [len(s.src) + len(s.hyp) + len(s.refs[0]) for s in segments]
    assert [lengths[i] for i in by_length(segments)] == sorted(lengths)
    assert metric.calls == [[segments[i].idx for i in by_length(segments)]]  # the metric saw them shortest first
    direct = BLEU().score(segments)
    assert [e["score"] for e in entries] == direct.seg_scores  # back in segment order
    assert [e["stats"] for e in entries] == direct.seg_stats
    assert constant["__signature__"]["fields"] == [list(pair) for pair in direct.signature.fields]


def test_blocks_scored_elsewhere_and_cache_give_one_calls_result(tmp_path: Path) -> None:
    segments = demo_segments()
    metric = Counting(BLEU())
    with ScoreCache(tmp_path / "scores.sqlite3") as cache:
        score_cached(metric, segments[:20], cache)  # a first run cached 20 of the 50 segments
        scored: list[int] = []

        def fresh(todo: list[Segment]) -> Entries:  # what the driver gets back from the actors
            scored.extend(seg.idx for seg in todo)
            found = [block_entries(metric, block) for block in blocks_of_list(todo, 7)]
            return [entry for entries, _ in found for entry in entries], found[0][1]

        result = score_through_cache(metric, segments, cache, cache_signature(metric, segments), fresh)
        assert scored == list(range(20, 50))  # only the misses left the driver
        assert len(cache) == len({(s.src, s.hyp, s.refs) for s in segments})  # the driver stored them
        again = score_through_cache(metric, segments, cache, cache_signature(metric, segments), fresh)
        assert scored == list(range(20, 50))  # a rerun sends nothing
    direct = BLEU().score(segments)
    for got in (result, again):
        assert got.score == direct.score  # the corpus score from summed statistics: to the last digit
        assert got.seg_scores == direct.seg_scores
        assert got.seg_stats == direct.seg_stats
        assert got.signature == direct.signature


def test_without_a_cache_every_segment_is_scored_in_blocks() -> None:
    segments = demo_segments("sys-a.en")
    metric = Counting(BLEU())

    def fresh(todo: list[Segment]) -> Entries:
        found = [block_entries(metric, block) for block in blocks_of_list(todo, 16)]
        return [entry for entries, _ in found for entry in entries], found[0][1]

    result = score_through_cache(metric, segments, None, "", fresh)
    assert [len(call) for call in metric.calls] == [16, 16, 16, 2]
    assert sorted(i for call in metric.calls for i in call) == list(range(50))
    direct = BLEU().score(segments)
    assert result.score == direct.score and result.seg_scores == direct.seg_scores


def test_an_error_of_ours_on_a_worker_reaches_the_user_as_one_line() -> None:
    cause = InputError("glossary.tsv", "line 3 has 1 column, expected 2", line=3)
    remote = ray.exceptions.RayTaskError("score_block", "Traceback (most recent call last):\n  ...", cause)
    with pytest.raises(InputError) as raised, worker_errors():
        raise remote.as_instanceof_cause()
    assert str(raised.value) == "glossary.tsv:3: line 3 has 1 column, expected 2"
    assert raised.value.exit_code == 3
    with pytest.raises(ray.exceptions.RayTaskError), worker_errors():  # not ours: left to Ray (exit 4)
        raise ray.exceptions.RayTaskError("score_block", "Traceback ...", ZeroDivisionError("x")).as_instanceof_cause()
