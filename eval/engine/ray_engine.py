"""The blocks on a Ray cluster (`relecture run --ray [ADDRESS]`, or `engine: {ray: {address: auto}}`).

No scheduler of ours: Ray places the work. What runs where:
- the driver (this process) reads the inputs, by segment id, and writes the run folder;
- lexical metrics: each block of `engine.block_size` segments goes to a Ray task on a CPU worker,
  which returns its per-segment statistics (and, streaming, its segments.jsonl lines); at most 2
  blocks per cluster CPU are in flight; the driver puts every block's statistics at its segment
  ids (blocks.StatisticsTable) and computes corpus scores, bootstrap and gates as a local run;
- model-based metrics: one pool of actors per metric (one per cluster GPU with `num_gpus=1`, or
  one per cluster CPU without GPUs), each loading the model once; blocks of
  `engine.ray.model_block_size` segments go to whichever actor is free (ray.util.ActorPool), each
  block length-sorted inside the actor (similar lengths pad little) and its per-segment entries
  put back in segment order; the driver assembles the result as the score cache does
  (cache.score_through_cache): the same segment scores, the corpus score their mean or their
  summed statistics. A metric whose segment scores depend on the whole set (BERTScore idf) or
  that keeps no per-segment entries scores each system whole on one actor of the pool;
- the score cache stays on the driver: the driver looks every segment up, sends only the misses
  to the actors, and writes what they return into its cache; actors never open a cache, so no
  SQLite file is written from two nodes;
- flaggers: one pool of actors for the run, each building the flaggers once, blocks as above.

Faults: a task whose worker dies is retried by Ray (max_retries) and recomputes the same block;
an actor that dies is restarted and its pending block retried (max_restarts, max_task_retries);
the run folder is written by the driver through a temporary folder renamed at the end, so a
driver that dies leaves no run folder. Results equal a local run's and carry no engine detail
(tests/integration/test_ray_cluster.py, on a real 2-node cluster).
"""
from __future__ import annotations

import logging
import socket
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import ray
from ray.util import ActorPool

from ..cache import active_cache, cache_signature, cacheable, entries_of, score_through_cache
from ..config import RunConfig
from ..errors import RelectureError, UsageError
from ..flaggers.base import Flagger
from ..flaggers.common import flag_segments
from ..metrics.base import Metric
from ..metrics.lexical import SacreMetric
from ..runner import evaluate, write_run
from ..types import ErrorSpan, MetricResult, Report, Segment, TestSet
from .blocks import Block, BlockResult, StatisticsTable, block_ranges, score_block
from .stream import can_stream, stream_run

TASK_RETRIES = 3  # a block whose worker died (SIGKILL, node lost) is recomputed up to this often

# One cache entry per segment, in the order of the segments sent: (entries, constant extra).
Entries = tuple[list[dict[str, Any]], dict[str, Any]]


@ray.remote(max_retries=TASK_RETRIES, retry_exceptions=False)
def _score_block_task(metrics: list[SacreMetric], block: Block, with_rows: bool) -> BlockResult:
    return score_block(metrics, block, with_rows)


def by_length(segments: Sequence[Segment]) -> list[int]:
    """Positions of the segments, shortest first (characters of source, output and references):
    a metric batches neighbours, and neighbours of similar length pad little."""
    return sorted(range(len(segments)),
                  key=lambda i: len(segments[i].src) + len(segments[i].hyp) + sum(map(len, segments[i].refs)))


def block_entries(metric: Metric, segments: Sequence[Segment]) -> Entries:
    """Per-segment cache entries of one block (eval/cache.py), scored length-sorted and
    returned in the block's order."""
    order = by_length(segments)
    ordered = [segments[i] for i in order]
    entries, constant = entries_of(ordered, metric.score(ordered))
    in_place: list[dict[str, Any]] = [{}] * len(segments)
    for position, entry in zip(order, entries):
        in_place[position] = entry
    return in_place, constant


@ray.remote(max_restarts=TASK_RETRIES, max_task_retries=TASK_RETRIES)
class MetricActor:
    """One model-based metric: its model loads once, in this actor, on the first block."""

    def __init__(self, metric: Metric) -> None:
        self.metric = metric

    def cache_signature(self, segments: list[Segment]) -> str:
        # computed here, not on the driver: the device (and so the signature) is the actor's
        return cache_signature(self.metric, segments)

    def entries(self, segments: list[Segment]) -> Entries:
        return block_entries(self.metric, segments)

    def score(self, segments: list[Segment]) -> MetricResult:
        return self.metric.score(segments)


@ray.remote(max_restarts=TASK_RETRIES, max_task_retries=TASK_RETRIES)
class FlaggerActor:
    """The run's flaggers: their models load once, in this actor, on the first block."""

    def __init__(self, flaggers: list[Flagger]) -> None:
        self.flaggers = flaggers

    def flag(self, segments: list[Segment]) -> list[ErrorSpan]:
        # each flagger judges a segment on its own: a block's findings are the run's findings on
        # those segments (the local run splits segments into chunks the same way)
        return flag_segments(self.flaggers, [segments[i] for i in by_length(segments)], parallel=False)


def connect(address: str) -> None:
    """Join the cluster at `address` ('auto': the one `ray start` made on this machine)."""
    if ray.is_initialized():
        return
    host, sep, port = address.rpartition(":")
    if sep and port.isdigit() and "://" not in address:
        # Ray retries an unreachable head for minutes before failing: a refused or silent port
        # is a one-line usage error now.
        try:
            socket.create_connection((host, int(port)), timeout=5).close()
        except OSError as exc:
            raise UsageError(f"no Ray cluster at '{address}': {exc.strerror or exc} "
                             "(start one with `ray start --head`, or give --ray HOST:PORT)") from None
    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False, include_dashboard=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise UsageError(f"no Ray cluster at '{address}': {str(exc).splitlines()[0] if str(exc) else type(exc).__name__} "
                         "(start one with `ray start --head`, or give --ray HOST:PORT)") from None


def ray_mapper(in_flight: int) -> Callable[[list[SacreMetric], Iterator[Block]], Iterator[BlockResult]]:
    def mapper(metrics: list[SacreMetric], blocks: Iterator[Block], with_rows: bool = True) -> Iterator[BlockResult]:
        metrics_ref = ray.put(metrics)
        pending: deque[Any] = deque()
        for block in blocks:
            pending.append(_score_block_task.remote(metrics_ref, block, with_rows))
            if len(pending) >= in_flight:
                yield ray.get(pending.popleft())
        while pending:
            yield ray.get(pending.popleft())
    return mapper


def cluster_cpus() -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def actor_pool(actor: Any, argument: Any, blocks: int) -> tuple[ActorPool, list[Any]]:
    """A pool of `actor`s built with `argument`: one per cluster GPU (num_gpus=1), or one per
    cluster CPU when the cluster has no GPU; never more than there are blocks."""
    gpus = int(ray.cluster_resources().get("GPU", 0))
    size, options = (gpus, {"num_cpus": 1, "num_gpus": 1}) if gpus else (cluster_cpus(), {"num_cpus": 1})
    shared = ray.put(argument)  # pickled once, whatever the pool's size
    actors = [actor.options(**options).remote(shared) for _ in range(max(1, min(size, blocks)))]
    return ActorPool(actors), actors


def blocks_of_list(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[start:end]) for start, end in block_ranges(len(items), size)]


def score_model_metric(metric: Metric, systems: dict[str, list[Segment]], block_size: int) -> dict[str, MetricResult]:
    """One model-based metric on every system, through an actor pool, with the driver's cache."""
    whole = not cacheable(metric) or metric.corpus_dependent
    n_blocks = len(systems) if whole else sum(-(-len(s) // block_size) for s in systems.values())
    pool, actors = actor_pool(MetricActor, metric, n_blocks)
    try:
        if not cacheable(metric):  # no per-segment entries to assemble: each system whole
            return dict(zip(systems, pool.map(lambda actor, segs: actor.score.remote(segs), list(systems.values()))))
        cache = active_cache()
        results: dict[str, MetricResult] = {}
        for name, segments in systems.items():
            signature = ray.get(actors[0].cache_signature.remote(segments)) if cache is not None else ""

            def fresh(todo: list[Segment]) -> Entries:
                parts = [todo] if whole else blocks_of_list(todo, block_size)
                found = list(pool.map(lambda actor, block: actor.entries.remote(block), parts))
                if any(constant["__signature__"] != found[0][1]["__signature__"] for _, constant in found):
                    # a metric whose settings follow the segments it gets (learned's variant):
                    # blocks scored differently would not be the local run's scores
                    raise RuntimeError(f"metric '{metric.name}': blocks were scored under different signatures")
                return [entry for entries, _ in found for entry in entries], found[0][1]

            results[name] = score_through_cache(metric, segments, cache, signature, fresh)
        return results
    finally:
        for actor in actors:
            ray.kill(actor)


class RayScoring:
    """score_systems' and flag_segments' twins for an in-memory run on the cluster (runner.evaluate's
    `scorer` and `flag`); `close` ends the flaggers' actors."""

    def __init__(self, config: RunConfig) -> None:
        self.block_size = config.engine["block_size"]
        self.model_block_size = config.engine["ray"]["model_block_size"]
        self.flaggers: tuple[ActorPool, list[Any]] | None = None

    def score(self, metrics: Sequence[Metric], testset: TestSet, hyps: dict[str, Sequence[str]], workers: int = 0,
              on_done: Callable[[int], None] | None = None) -> dict[str, dict[str, MetricResult]]:
        results: dict[str, dict[str, MetricResult]] = {name: {} for name in hyps}
        lexical = [m for m in metrics if isinstance(m, SacreMetric)]
        if lexical:
            if not testset.refs:
                raise UsageError(f"metric '{lexical[0].name}' needs a reference (--ref or testset.refs)")
            n = len(testset)
            table = StatisticsTable(lexical, list(hyps), n)
            blocks = (Block(start, tuple(tuple(ref[start:end]) for ref in testset.refs),
                            {name: list(lines[start:end]) for name, lines in hyps.items()})
                      for start, end in block_ranges(n, self.block_size))
            for result in ray_mapper(2 * cluster_cpus())(lexical, blocks, with_rows=False):  # type: ignore[call-arg]
                table.add(result)
            for name, by_metric in table.results(len(testset.refs)).items():
                results[name].update(by_metric)
        # model metrics one after the other: each pool takes the cluster's CPUs (or GPUs)
        segments = {name: testset.segments(lines) for name, lines in hyps.items()}
        for metric in metrics:
            if not isinstance(metric, SacreMetric):
                for name, scored in score_model_metric(metric, segments, self.model_block_size).items():
                    results[name][metric.name] = scored
        return {name: {m.name: results[name][m.name] for m in metrics} for name in hyps}

    def flag(self, flaggers: Sequence[Flagger], segments: Sequence[Segment]) -> list[ErrorSpan]:
        blocks = blocks_of_list(segments, self.model_block_size)
        if self.flaggers is None:  # one pool for every system of the run
            self.flaggers = actor_pool(FlaggerActor, list(flaggers), len(blocks))
        return [span for spans in self.flaggers[0].map(lambda actor, block: actor.flag.remote(block), blocks)
                for span in spans]

    def close(self) -> None:
        for actor in self.flaggers[1] if self.flaggers else []:
            ray.kill(actor)
        self.flaggers = None


@contextmanager
def worker_errors() -> Iterator[None]:
    """A relecture error raised on a worker or in an actor (a model that cannot load, bad
    settings) reaches the user as the local run's one line and exit code, not as Ray's
    traceback text."""
    try:
        yield
    except ray.exceptions.RayTaskError as exc:
        if isinstance(exc.cause, RelectureError):
            raise exc.cause from None
        raise


def run_on_ray(config: RunConfig, out_dir: Path | None = None, timings: dict[str, Any] | None = None) -> tuple[Report, Path]:
    """The run on the cluster: streamed when it can be (text files, lexical metrics), else in
    memory with model metrics and flaggers in actor pools. Same run folder as a local run."""
    connect(config.engine["ray"]["address"])
    with worker_errors():
        if can_stream(config):
            found: dict[str, Any] = {}
            report, folder = stream_run(config, out_dir, mapper=ray_mapper(2 * cluster_cpus()), timings=found)
            if timings is not None:
                timings.update(found, workers=cluster_cpus())
            return report, folder
        scoring = RayScoring(config)
        try:
            report = evaluate(config, scorer=scoring.score, flag=scoring.flag)
        finally:
            scoring.close()
    return report, write_run(report, config, out_dir)
