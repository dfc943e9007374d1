"""Blocks over this machine's cores: a process pool started with forkserver (or spawn).

Never fork: lingua's detector runs rayon threads, torch and tokenizers their own pools, and a
forked child of a threaded process can deadlock. The forkserver is a fresh process that imports
the block code once (`set_forkserver_preload`) and forks clean workers from itself; measured on
the demo, a pool of 2 is ready in ~0.15 s against ~0.45 s with spawn, which imports per worker.
"""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..metrics.lexical import SacreMetric
from ..types import MetricResult
from .blocks import Block, StatisticsTable, block_ranges, score_block

# What a worker imports before its first job (numpy, sacrebleu and the block code).
PRELOAD = ["relecture.engine.blocks"]

# Below this much work (segments x systems x metric cost; BLEU and chrF cost 1, TER 4) the pool's
# start costs more than the split saves: measured on WMT13 (bench/lexical.py).
POOL_THRESHOLD = 6_000
# Blocks per worker: several, so a worker that finishes early takes another and the tail is short.
BLOCKS_PER_WORKER = 4


def pool_context() -> Any:
    """forkserver where the platform has it (Linux, macOS), else spawn; never fork."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def worker_count(requested: int) -> int:
    return requested if requested > 0 else (os.cpu_count() or 1)


def map_ordered(fn: Callable[..., Any], jobs: Iterable[tuple[Any, ...]], workers: int, in_flight: int = 0) -> Iterator[Any]:
    """fn(*job) for every job, results in job order, over `workers` processes (in this process
    when workers <= 1). At most `in_flight` jobs are queued at once (default 2 per worker), so a
    streaming caller holds a bounded number of blocks whatever the input size."""
    if workers <= 1:
        for job in jobs:
            yield fn(*job)
        return
    limit = in_flight or 2 * workers
    with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context()) as pool:
        pending: deque[Future[Any]] = deque()
        try:
            for job in jobs:
                pending.append(pool.submit(fn, *job))
                if len(pending) >= limit:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # an error or an abandoned run: queued blocks are dropped, not computed
            for future in pending:
                future.cancel()


def score_lexical(metrics: Sequence[SacreMetric], refs: Sequence[Sequence[str]], hyps: dict[str, Sequence[str]],
                  workers: int = 0, on_done: Callable[[int], None] | None = None,
                  min_work: int = POOL_THRESHOLD) -> dict[str, dict[str, MetricResult]]:
    """Lexical metrics on every system, the segments split into blocks over the cores:
    {system: {metric: result}}, equal to scoring all segments in one process. Less work than
    `min_work` stays in this process."""
    n = len(next(iter(hyps.values())))
    workers = worker_count(workers)
    work = n * len(hyps) * sum(m.cost for m in metrics)
    if workers > 1 and work >= min_work:
        size = -(-n // (workers * BLOCKS_PER_WORKER))
    else:
        workers, size = 1, n
    table = StatisticsTable(metrics, list(hyps), n)
    jobs = ((list(metrics), Block(start, tuple(tuple(ref[start:end]) for ref in refs),
                                  {name: list(lines[start:end]) for name, lines in hyps.items()}))
            for start, end in block_ranges(n, size))
    for result in map_ordered(score_block, jobs, workers):
        table.add(result)
        if on_done:
            on_done(table.block_seconds[-1][0] * len(hyps) * len(metrics))
    return table.results(len(refs))
