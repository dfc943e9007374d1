"""A run read, scored and written block by block: test sets larger than memory.

The inputs are indexed text files (textfile.py: 16 bytes a line in memory); each block of
`engine.block_size` segments is read, scored by a worker (lexical statistics and its
segments.jsonl lines), and its lines appended to the run's temporary folder; the driver keeps
only the statistics arrays that corpus scores, bootstrap and gates need. The run folder is
written atomically, as an in-memory run's, and holds the same bytes (tests/integration/
test_streaming.py). Measured on 1,000,000 segments x 2 systems with BLEU+chrF: bench/scale.py.

With flaggers, each block's segments are flagged in the flaggers' helper process alone
(flaggers/workers.py) while the driver reads and scores the next block, and its rows are rendered
on the driver with their flags; the driver keeps the findings (a few hundred bytes each), not the
texts. The models load in the helper only: flagging on both processes, as an in-memory run does,
held them twice (2.4 GB for the process tree on 2,000 segments, bench/scale.py --flags). The
lexical statistics are computed in the driver too (flagging costs ~30x more CPU a segment than
BLEU + chrF, bench/flaggers.md): no pool beside the helper.

A run streams when `engine.stream` is true, or `auto` (the default) with more than
STREAM_THRESHOLD segments, provided it can: a text-file test set and systems, lexical metrics
only. Otherwise it runs in memory.
"""
from __future__ import annotations

import shutil
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from ..config import RunConfig
from ..errors import InputError, UsageError
from ..flaggers import sort_flags
from ..flaggers.base import Flagger
from ..flaggers.workers import flag_in_helper, flag_segments, in_helper, warm_helper
from ..io.atomic import atomic_folder
from ..io.load import language_warnings
from ..metrics.lexical import SacreMetric
from ..runner import build, judge, run_folder, run_info, versions, with_paths, write_reports
from ..types import ErrorSpan, Report, Segment, SystemResult, TestSet
from .blocks import Block, BlockResult, StatisticsTable, block_ranges, render_rows, score_block
from .local import map_ordered, worker_count
from .textfile import TextFile

STREAM_THRESHOLD = 200_000  # segments; below, a run in memory is as light and renders everything

# (blocks to score) -> results in block order: the local pool, or Ray (engine/ray.py)
BlockMapper = Callable[[list[SacreMetric], Iterator[Block]], Iterator[BlockResult]]


def can_stream(config: RunConfig) -> bool:
    ts = config.testset
    return (bool(ts.get("src")) and not ts.get("path") and not ts.get("hf") and not ts.get("document")
            and all(isinstance(spec, str) for spec in config.systems.values())
            and all(isinstance(build("metric", item), SacreMetric) for item in config.metrics))


def wants_stream(config: RunConfig) -> bool:
    """Whether this run streams (an explicit `engine.stream: true` it cannot honour is an error)."""
    mode = config.engine["stream"]
    if mode is True and not can_stream(config):
        raise UsageError(f"{config.source}: engine.stream needs a text-file test set and systems, lexical metrics "
                         "and no flaggers")
    if mode == "auto":
        return can_stream(config) and _count_lines(config.resolve_path(config.testset["src"])) > STREAM_THRESHOLD
    return bool(mode)


def _count_lines(path: Path) -> int:
    """Lines of a regular file; 0 for anything else (a FIFO or a device would block or never
    end here: the reader refuses them with a clear message)."""
    try:
        if not path.is_file():
            return 0
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(2**24), b""))
    except OSError:
        return 0  # the reader names the problem


def open_inputs(config: RunConfig) -> tuple[TestSet, dict[str, TextFile], list[str]]:
    """The test set and outputs as indexed files, checked as eval/io/load.py checks them."""
    ts = config.testset
    src = TextFile(config.resolve_path(ts["src"]))
    origin = {"src": str(src.path)}
    refs = []
    for k, ref in enumerate(ts.get("refs", [])):
        refs.append(_aligned(TextFile(config.resolve_path(ref)), len(src), src.path))
        origin[f"ref{k}"] = str(refs[-1].path)
    if not config.systems:
        raise UsageError(f"{config.source}: no systems to score: add 'systems' (name: output file)")
    systems = {name: _aligned(TextFile(config.resolve_path(spec)), len(src), src.path) for name, spec in config.systems.items()}
    limit = ts.get("limit")
    n = len(src) if limit is None else min(limit, len(src))
    for f in (src, *refs, *systems.values()):  # `limit`: the first n lines only
        f.starts, f.ends = f.starts[:n], f.ends[:n]
    testset = TestSet(ts.get("name") or src.path.stem, src, tuple(refs), origin=origin)  # type: ignore[arg-type]
    warnings = language_warnings(testset, systems, {n: str(f.path) for n, f in systems.items()}) if config.check_language else []  # type: ignore[arg-type]
    return testset, systems, warnings


def _aligned(lines: TextFile, expected: int, src_path: Path) -> TextFile:
    if len(lines) != expected:
        raise InputError(lines.path, f"has {len(lines)} lines, but the source {src_path} has {expected}; files must be line-aligned",
                         line=min(len(lines), expected) + 1)
    return lines


def local_mapper(workers: int, with_rows: bool = True) -> BlockMapper:
    def mapper(metrics: list[SacreMetric], blocks: Iterator[Block]) -> Iterator[BlockResult]:
        return map_ordered(score_block, ((metrics, block, with_rows) for block in blocks), worker_count(workers))
    return mapper


def with_blocks(mapper: BlockMapper, metrics: list[SacreMetric], blocks: Iterator[Block]) -> Iterator[tuple[Block, BlockResult]]:
    """(block, its result) in block order: the blocks the mapper has taken and not yet answered
    are kept here (a bounded number: map_ordered's in-flight limit) for the flaggers."""
    taken: dict[int, Block] = {}

    def feed() -> Iterator[Block]:
        for block in blocks:
            taken[block.start] = block
            yield block

    for result in mapper(metrics, feed()):
        yield taken.pop(result.start), result


def flag_block(flaggers: list[Flagger], block: Block, system: str) -> Callable[[], list[ErrorSpan]]:
    """Start flagging one system's segments of the block (segment ids of the whole test set) in
    the flaggers' helper process; the returned call waits for its findings, in sort_flags order.
    Without a helper, the block is flagged here."""
    segments = [Segment(block.start + i, block.src[i], hyp, tuple(ref[i] for ref in block.refs))
                for i, hyp in enumerate(block.hyps[system])]
    future = flag_in_helper(flaggers, segments)
    if future is None:
        found = sort_flags(flag_segments(flaggers, segments))
        return lambda: found
    return lambda: sort_flags(future.result())


def blocks_of(testset: TestSet, systems: dict[str, TextFile], size: int) -> Iterator[Block]:
    src: TextFile = testset.src  # type: ignore[assignment]
    for start, end in block_ranges(len(src), size):
        yield Block(start, tuple(tuple(ref.lines(start, end)) for ref in testset.refs),  # type: ignore[attr-defined]
                    {name: f.lines(start, end) for name, f in systems.items()}, tuple(src.lines(start, end)))


def stream_run(config: RunConfig, out_dir: Path | None = None, mapper: BlockMapper | None = None,
               timings: dict[str, Any] | None = None) -> tuple[Report, Path]:
    """Score and write the run block by block: (report, run folder). `timings` receives the
    per-block figures (bench/scale.py projects N machines from them)."""
    started = datetime.now(timezone.utc)
    testset, systems, warnings = open_inputs(config)
    metrics: list[SacreMetric] = [build("metric", item) for item in config.metrics]
    if metrics and not testset.refs:
        raise UsageError(f"metrics {', '.join(m.name for m in metrics)} need references; add testset.refs or drop them")
    flaggers: list[Flagger] = [build("flagger", with_paths(config, item)) for item in config.flaggers]
    if flaggers:
        warm_helper(flaggers)  # the helper loads its models while the first block is read and scored
    mapper = mapper or local_mapper(1 if flaggers else config.workers, with_rows=not flaggers)
    final = run_folder(config, out_dir, started.isoformat(timespec="seconds"))
    flags: dict[str, list[ErrorSpan]] = {name: [] for name in systems}
    with atomic_folder(final) as tmp:
        table = StatisticsTable(metrics, list(systems), len(testset))
        parts = {name: open(tmp / f".segments-{i}.part", "w", encoding="utf-8", newline="\n") for i, name in enumerate(systems)}
        try:
            # with flaggers, block k is flagged in the helper while block k + 1 is read and scored here
            waiting: deque[tuple[Block, BlockResult, dict[str, Callable[[], list[ErrorSpan]]]]] = deque()
            for block, result in with_blocks(mapper, metrics, blocks_of(testset, systems, config.engine["block_size"])):
                table.add(result)
                if not flaggers:
                    for name in systems:
                        parts[name].write(result.rows[name])
                    continue
                waiting.append((block, result, {name: flag_block(flaggers, block, name) for name in systems}))
                if len(waiting) > 1:
                    _write_flagged(parts, flags, *waiting.popleft())
            while waiting:
                _write_flagged(parts, flags, *waiting.popleft())
        finally:
            for handle in parts.values():
                handle.close()
        _join_parts(tmp, [Path(handle.name) for handle in parts.values()], keep="jsonl" in _formats(config))
        scores = table.results(len(testset.refs), lists=False)
        results = {name: SystemResult(name, scores[name], origin=str(f.path), flags=flags[name]) for name, f in systems.items()}
        info = run_info(config, testset, systems, started)  # type: ignore[arg-type]
        helper_versions = in_helper(versions) if flaggers else None
        if helper_versions is not None:  # the flaggers' libraries (spaCy, torch) were loaded there, not here
            info["versions"] = {**info["versions"], **helper_versions.result()}
        report = Report(config.name, testset, results, systems, info, warnings)  # type: ignore[arg-type]
        judge(report, config)
        write_reports(report, config, tmp, written=("jsonl",))
        if timings is not None:
            timings.update(table.timing())
    return report, final


def _write_flagged(parts: dict[str, Any], flags: dict[str, list[ErrorSpan]], block: Block, result: BlockResult,
                   pending: dict[str, Callable[[], list[ErrorSpan]]]) -> None:
    """A flagged block's rows, written once its findings are in; the findings kept for the reports."""
    for name, wait in pending.items():
        found = wait()
        flags[name] += found
        parts[name].write(render_rows(block, result.statistics, name, found))


def _formats(config: RunConfig) -> list[str]:
    return [fmt["name"] if isinstance(fmt, dict) else fmt for fmt in config.reports]


def _join_parts(folder: Path, parts: list[Path], keep: bool) -> None:
    """segments.jsonl, system after system as an in-memory run writes it."""
    if keep:
        with open(folder / "segments.jsonl", "wb") as out:
            for part in parts:
                with open(part, "rb") as handle:
                    shutil.copyfileobj(handle, out, 2**22)
    for part in parts:
        part.unlink()
