"""Generation progress on stderr: a bar with segments/s and ETA on a terminal, plain lines
(at most one every `every` seconds, and the last) when stderr is a file or a CI log."""
from __future__ import annotations

import sys
import time
from typing import IO, Any


class GenerationProgress:
    """Counts segments done; the rate and ETA count translated segments only (cached ones are
    done at once and would make the rate meaningless)."""

    def __init__(self, label: str, total: int, enabled: bool = True, stream: IO[str] | None = None,
                 every: float = 5.0) -> None:
        self.label, self.total, self.enabled = label, total, enabled
        self.stream = stream or sys.stderr
        self.every = every
        self.done = self.translated = 0
        self.started = self.last_line = time.monotonic()
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> "GenerationProgress":
        if self.enabled and self.stream.isatty():
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeRemainingColumn)

            self.bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[rate]}"), TextColumn("ETA"), TimeRemainingColumn(),
                                console=Console(file=self.stream), transient=True)
            self.task = self.bar.add_task(self.label, total=self.total, rate="")
            self.bar.start()
        return self

    def cached(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.advance(self.task, n)

    def advance(self, n: int) -> None:
        self.done += n
        self.translated += n
        now = time.monotonic()
        if self.bar is not None:
            self.bar.update(self.task, advance=n, rate=f"{self.rate():.1f} seg/s")
        elif self.enabled and (now - self.last_line >= self.every or self.done >= self.total):
            self.last_line = now
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.translated / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        rate = self.rate()
        left = self.total - self.done
        eta = f"{left / rate:.0f}s" if rate > 0 else "?"
        pct = 100 * self.done / self.total if self.total else 100.0
        return f"{self.label}: {self.done}/{self.total} segments ({pct:.0f}%), {rate:.1f} segments/s, ETA {eta}"

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
