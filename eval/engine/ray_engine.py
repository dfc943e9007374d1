"""The blocks on a Ray cluster (`relecture run --ray [ADDRESS]`, or `engine: {ray: {address: auto}}`).

No scheduler of ours: Ray places the work. The driver (this process) reads the inputs in blocks
by segment id and sends each block to a Ray task that computes its lexical statistics (and its
segments.jsonl lines) on a CPU worker; it keeps at most 2 blocks per cluster CPU in flight, puts
every block's statistics at its segment ids (blocks.StatisticsTable), and computes corpus scores,
bootstrap and gates exactly as a local run does. Model-based metrics run in Ray actors, one per
metric, each loading its model once (`num_gpus=1` when the cluster has GPUs) and scoring every
system through the same code and score cache as a local run; flaggers run on the driver.

Faults: a task whose worker dies is retried by Ray (max_retries) and recomputes the same block;
the run folder is written by the driver through a temporary folder renamed at the end, so a
driver that dies leaves no run folder. Results equal a local run's and carry no engine detail
(tests/integration/test_ray_cluster.py, on a real 2-node cluster).
"""
from __future__ import annotations

import socket
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import ray

from ..config import RunConfig
from ..errors import UsageError
from ..metrics.base import Metric
from ..metrics.lexical import SacreMetric
from ..runner import evaluate, score_metric, write_run
from ..types import MetricResult, Report, TestSet
from .blocks import Block, BlockResult, StatisticsTable, block_ranges, score_block
from .stream import can_stream, stream_run

TASK_RETRIES = 3  # a block whose worker died (SIGKILL, node lost) is recomputed up to this often


@ray.remote(max_retries=TASK_RETRIES, retry_exceptions=False)
def _score_block_task(metrics: list[SacreMetric], block: Block, with_rows: bool) -> BlockResult:
    return score_block(metrics, block, with_rows)


@ray.remote(max_restarts=TASK_RETRIES, max_task_retries=TASK_RETRIES)
class MetricActor:
    """One model-based metric: its model loads once, in this actor, and scores every system."""

    def __init__(self, metric: Metric) -> None:
        self.metric = metric

    def score(self, testset: TestSet, hyps: Sequence[str]) -> MetricResult:
        return score_metric(self.metric, testset.segments(hyps))


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
        ray.init(address=address, logging_level="WARNING", log_to_driver=False, include_dashboard=False)
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


def ray_scorer(config: RunConfig) -> Callable[..., dict[str, dict[str, MetricResult]]]:
    """score_systems' twin for an in-memory run on the cluster: lexical blocks as tasks, model
    metrics in actors."""
    def score(metrics: Sequence[Metric], testset: TestSet, hyps: dict[str, Sequence[str]], workers: int = 0,
              on_done: Callable[[int], None] | None = None) -> dict[str, dict[str, MetricResult]]:
        results: dict[str, dict[str, MetricResult]] = {name: {} for name in hyps}
        lexical = [m for m in metrics if isinstance(m, SacreMetric)]
        model = [m for m in metrics if not isinstance(m, SacreMetric)]
        gpus = 1 if ray.cluster_resources().get("GPU", 0) >= 1 else 0
        actors = {m.name: MetricActor.options(num_gpus=gpus).remote(m) for m in model}  # type: ignore[attr-defined]
        testset_ref = ray.put(testset)
        futures = {(m.name, name): actors[m.name].score.remote(testset_ref, hyps[name]) for m in model for name in hyps}
        if lexical:
            if not testset.refs:
                raise UsageError(f"metric '{lexical[0].name}' needs a reference (--ref or testset.refs)")
            n = len(testset)
            table = StatisticsTable(lexical, list(hyps), n)
            blocks = (Block(start, tuple(tuple(ref[start:end]) for ref in testset.refs),
                            {name: list(lines[start:end]) for name, lines in hyps.items()})
                      for start, end in block_ranges(n, config.engine["block_size"]))
            for result in ray_mapper(2 * cluster_cpus())(lexical, blocks, with_rows=False):  # type: ignore[call-arg]
                table.add(result)
            for name, by_metric in table.results(len(testset.refs)).items():
                results[name].update(by_metric)
        for (metric, name), future in futures.items():
            results[name][metric] = ray.get(future)
        return {name: {m.name: results[name][m.name] for m in metrics} for name in hyps}
    return score


def run_on_ray(config: RunConfig, out_dir: Path | None = None, timings: dict[str, Any] | None = None) -> tuple[Report, Path]:
    """The run on the cluster: streamed when it can be (text files, lexical metrics), else in
    memory with model metrics in actors. Same run folder as a local run."""
    connect(config.engine["ray"]["address"])
    if can_stream(config):
        found: dict[str, Any] = {}
        report, folder = stream_run(config, out_dir, mapper=ray_mapper(2 * cluster_cpus()), timings=found)
        if timings is not None:
            timings.update(found, workers=cluster_cpus())
        return report, folder
    report = evaluate(config, scorer=ray_scorer(config))
    return report, write_run(report, config, out_dir)
