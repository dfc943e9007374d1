"""A block of segments, the work one worker does on it, and the driver's exact assembly.

A block is a contiguous range of segment ids with its references and each system's outputs
(and sources, for the segment rows a streaming run writes). Lexical metrics turn a block into
per-segment sufficient statistics and sentence scores (`SacreMetric.segment_statistics`); the
driver puts each block's rows at their segment ids and builds every corpus score from all rows
in segment order (`SacreMetric.result_from_statistics`), so results do not depend on how many
blocks or workers there were.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..metrics.lexical import SacreMetric, SegmentStatistics
from ..report.json_report import jsonl_line, segment_row
from ..types import ErrorSpan, MetricResult


@dataclass(frozen=True)
class Block:
    """Segments [start, start + len) of a test set: refs[k][i] is reference k of segment
    start + i; hyps maps each system to its outputs for the range."""

    start: int
    refs: tuple[tuple[str, ...], ...]
    hyps: dict[str, list[str]]
    src: tuple[str, ...] = ()
    doc_ids: tuple[str | None, ...] | None = None

    def __len__(self) -> int:
        return len(next(iter(self.hyps.values())))


# metric name -> system -> (statistics, sentence scores) of the block's segments
BlockStatistics = dict[str, dict[str, SegmentStatistics]]


@dataclass
class BlockResult:
    start: int
    statistics: BlockStatistics
    rows: dict[str, str] = field(default_factory=dict)  # system -> segments.jsonl lines
    seconds: float = 0.0  # worker CPU seconds


def score_block(metrics: Sequence[SacreMetric], block: Block, with_rows: bool = False) -> BlockResult:
    """Every lexical metric on every system of one block (references preprocessed once per
    metric); with_rows also renders the block's segments.jsonl lines, so a streaming run
    serializes on the workers too."""
    started = time.process_time()  # CPU seconds: what a block costs whatever else runs on the machine
    statistics = {m.name: m.segment_statistics(block.hyps, block.refs) for m in metrics}
    rows = {system: render_rows(block, statistics, system) for system in block.hyps} if with_rows else {}
    return BlockResult(block.start, statistics, rows, time.process_time() - started)


def render_rows(block: Block, statistics: BlockStatistics, system: str, flags: Sequence[ErrorSpan] = ()) -> str:
    """One system's segments.jsonl lines for the block, byte for byte what the in-memory writer
    writes (`flags`: the system's findings on these segments, in sort_flags order)."""
    by_segment: dict[int, list[dict[str, Any]]] = {}
    for flag in flags:
        by_segment.setdefault(flag.seg_idx, []).append(flag.to_dict())
    lines = []
    for i, hyp in enumerate(block.hyps[system]):
        scores = {name: float(per_system[system][1][i]) for name, per_system in statistics.items()}
        stats = {name: per_system[system][0][i].tolist() for name, per_system in statistics.items()}
        row = segment_row(system, block.start + i, block.src[i], hyp, [ref[i] for ref in block.refs], scores, stats,
                          block.doc_ids[i] if block.doc_ids else None, by_segment.get(block.start + i, []),
                          with_doc_id=block.doc_ids is not None)
        lines.append(jsonl_line(row))
    return "".join(lines)


class StatisticsTable:
    """The driver's per-(metric, system) arrays, filled block by block at their segment ids."""

    def __init__(self, metrics: Sequence[SacreMetric], systems: Sequence[str], n_segments: int) -> None:
        self.metrics = list(metrics)
        self.systems = list(systems)
        self.n = n_segments
        self.stats: dict[tuple[str, str], np.ndarray] = {}
        self.scores = {(m.name, s): np.full(n_segments, np.nan) for m in self.metrics for s in self.systems}
        self.filled = 0
        self.block_seconds: list[tuple[int, float]] = []  # (segments, seconds) per block

    def add(self, result: BlockResult) -> None:
        for metric, per_system in result.statistics.items():
            for system, (stats, scores) in per_system.items():
                key = (metric, system)
                if key not in self.stats:  # the number of statistics is known from the first block
                    self.stats[key] = np.zeros((self.n, stats.shape[1]), dtype=np.float64)
                self.stats[key][result.start:result.start + len(scores)] = stats
                self.scores[key][result.start:result.start + len(scores)] = scores
        n = len(next(iter(next(iter(result.statistics.values())).values()))[1]) if result.statistics else 0
        self.filled += n
        self.block_seconds.append((n, result.seconds))

    def timing(self) -> dict[str, Any]:
        """Per-block worker seconds (bench/scale.py projects the wall time on N machines)."""
        seconds = [s for _, s in self.block_seconds]
        return {"blocks": len(seconds), "block_seconds": seconds, "segments": self.n}

    def results(self, nrefs: int, lists: bool = True) -> dict[str, dict[str, MetricResult]]:
        """{system: {metric: result}} once every segment is in."""
        if self.filled != self.n:
            raise RuntimeError(f"{self.filled} of {self.n} segments scored")
        return {s: {m.name: m.result_from_statistics(self.stats[(m.name, s)], self.scores[(m.name, s)], nrefs, lists)
                    for m in self.metrics} for s in self.systems}


def block_ranges(n_segments: int, size: int) -> list[tuple[int, int]]:
    """[start, end) ranges of at most `size` segments covering 0..n_segments."""
    size = max(1, size)
    return [(start, min(start + size, n_segments)) for start in range(0, n_segments, size)]


