"""The second core: one spawned helper process that flaggers, the parser and the encoder hand
work to, and `flag_segments`, which shares one system's segments between it and this process.

Why spawn, never fork: by the time flaggers run, this process may already run native thread
pools (lingua's rayon pool from the language check, torch's OpenMP threads from a model metric,
tokenizers).  A forked child inherits their locks but not their threads, and waits forever on the
first call that needs them (issue 11: `relecture flag` hung inside lingua's detector build on a
4,015-segment medical set).  A spawned helper starts from a fresh interpreter; it is started once
per process and kept, so it loads its models (spaCy, USE, the LM, lingua) once, on its first job.

A thread instead of the helper was measured too (bench/flaggers.md, "both cores without fork"):
400-segment WMT13 slices in 17.4-25.7 s against 18.0-54.7 s for the helper on the loaded shared
machine, too noisy to call.  The helper stays: a thread would share the flaggers' state (spaCy
pipelines, the parse cache, lru caches, debug lists) between two threads, none of it written
to be thread-safe, and the pure-python rules hold the GIL.
"""
from __future__ import annotations

import atexit
import multiprocessing as mp
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache
from typing import Any, Callable, Sequence

from ..types import ErrorSpan, Segment
from .base import Flagger
from .text import split_by_length

# From this many segments, `flag_segments` shares them with the helper process; below it, the
# hand-over (pickling the flaggers and the spans) costs more than the second core saves.
PARALLEL_FLAG_FROM = 200
# Segments go out in chunks taken from a queue (this process from the front, the helper from the
# back), so a helper still loading its models simply takes fewer chunks, and neither side waits
# for the other more than one chunk at the end.  Each flagger judges a segment on its own, so the
# chunking changes no flag (tested, and the 3000 WMT13 flags are identical: bench/flaggers.md).
CHUNKS = 24
MIN_CHUNK = 40
# A streaming run hands the helper a whole block (engine.block_size, 5,000 segments by default);
# the helper flags it in parts of this many segments, so its working set (parses, USE rows,
# candidate lists) stays that of one part whatever the block size.  One process flagging WMT
# outputs peaked at 1,539 MB on 5,000-segment calls against 1,400 MB on 1,000-segment calls.
HELPER_PART = 1_000

_helper: ProcessPoolExecutor | None = None
_in_helper = False  # True inside the helper process, and here while a split is under way
_lock = threading.Lock()


def _mark_helper() -> None:
    global _in_helper
    _in_helper = True


def helper() -> ProcessPoolExecutor | None:
    """The helper process (started on first use, kept for the life of this process), or None
    where a second process may not be used: inside the helper itself, or during a split."""
    global _helper
    if _in_helper:
        return None
    with _lock:
        if _helper is None:
            _helper = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"),
                                          initializer=_mark_helper)
        return _helper


def stop_helper(wait: bool = True) -> None:
    """Stop the helper process (at exit, or after a failed split: the next call starts a new one)."""
    global _helper
    with _lock:
        pool, _helper = _helper, None
    if pool is not None:
        pool.shutdown(wait=wait, cancel_futures=True)


atexit.register(stop_helper)


@lru_cache(maxsize=1)
def _blas_controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # in the `flags` extra; without it BLAS keeps its own thread count
        return None
    return ThreadpoolController()  # finds the loaded BLAS libraries once (a scan costs ~10 ms)


def one_blas_thread() -> AbstractContextManager[Any]:
    """Matrix products on one thread while the block runs.  This process and the helper already
    keep both cores busy; a second BLAS thread each only makes them wait on each other (a WMT13
    run of all flaggers with two threads: 288 s against 62 s)."""
    controller = _blas_controller()
    return controller.limit(limits=1, user_api="blas") if controller is not None else nullcontext()


def in_helper(fn: Callable[..., Any], *args: Any) -> Future[Any] | None:
    """Start fn(*args) in the helper process; None where there is no helper to use."""
    pool = helper()
    return pool.submit(fn, *args) if pool is not None else None


# A segment that makes every default flagger load its models (spaCy, USE, the LM, wordfreq).
WARM_SEGMENT = Segment(0, "Selon le président Emmanuel Macron, 3 ministres ont été reçus à Paris hier.",
                       "According to President Emmanuel Macron, 3 ministers were received in Paris yesterday.")


def warm_helper(flaggers: Sequence[Flagger]) -> Future[list[ErrorSpan]] | None:
    """Start the helper process and have it load the flaggers' models now, while this process
    does other work (reads inputs, scores metrics): `flag_segments` then finds it ready."""
    return in_helper(_flag_all, flaggers, [WARM_SEGMENT])


def flag_in_helper(flaggers: Sequence[Flagger], segments: Sequence[Segment]) -> Future[list[ErrorSpan]] | None:
    """Every flagger on segments in the helper process alone, or None where there is no helper.
    A streaming run (eval/engine/stream.py) flags this way so the models load in one process only
    (~1.1 GB each), while this one reads and scores the next block."""
    return in_helper(flag_in_parts, flaggers, segments)


def flag_segments(flaggers: Sequence[Flagger], segments: Sequence[Segment],
                  parallel: bool | None = None) -> list[ErrorSpan]:
    """The findings of every flagger on segments (unsorted: `sort_flags` orders them), computed
    on both cores.  State a flagger keeps (debug lists) holds only this process's chunks then."""
    global _in_helper
    if parallel is None:
        parallel = len(segments) >= PARALLEL_FLAG_FROM
    pool = helper() if parallel and len(segments) >= 2 else None
    if pool is None:
        return _flag_all(flaggers, segments)
    n_chunks = max(2, min(CHUNKS, len(segments) // MIN_CHUNK))
    parts = split_by_length(segments, n_chunks, size=lambda seg: len(seg.src) + len(seg.hyp))
    queue = deque(enumerate(part for part in parts if part))
    results: dict[int, list[ErrorSpan]] = {}
    futures: list[tuple[int, Future[list[ErrorSpan]]]] = []
    queue_lock = threading.Lock()

    def feed(_: object = None) -> None:
        # Called again (in the pool's thread) each time the helper finishes a chunk, so it is
        # never idle while chunks remain, and never holds more than the one it works on.
        with queue_lock:
            if not queue:
                return
            index, part = queue.pop()
            try:
                future = pool.submit(_flag_all, flaggers, part)
            except RuntimeError:  # the helper was stopped (a failure elsewhere): this process goes on
                queue.append((index, part))
                return
            futures.append((index, future))
        future.add_done_callback(feed)

    _in_helper = True  # no nested use of the helper (parse, encode) while it flags its chunks
    try:
        feed()
        while True:
            with queue_lock:
                if not queue:
                    break
                index, part = queue.popleft()
            results[index] = _flag_all(flaggers, part)
        with queue_lock:
            pending = list(futures)
        for index, future in pending:
            results[index] = future.result()
    except BaseException:
        stop_helper(wait=False)  # a helper that failed or was interrupted mid-chunk is not reused
        raise
    finally:
        _in_helper = False
    return [span for index in sorted(results) for span in results[index]]


def _flag_all(flaggers: Sequence[Flagger], segments: Sequence[Segment]) -> list[ErrorSpan]:
    return [span for flagger in flaggers for span in flagger.flag(segments)]


def flag_in_parts(flaggers: Sequence[Flagger], segments: Sequence[Segment], part: int = HELPER_PART) -> list[ErrorSpan]:
    """`_flag_all` on consecutive parts of at most `part` segments: the same findings (each
    flagger judges a segment on its own), a working set bounded by `part`."""
    return [span for start in range(0, len(segments), part)
            for span in _flag_all(flaggers, segments[start:start + part])]
