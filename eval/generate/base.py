"""What every backend provides, and the one translation record they return.

A backend translates a list of distinct source segments in its own order and batches
(`run`), telling the driver after each batch which segments are done (`on_done`), so the driver
can store them at once: that is what makes an interrupted run resume.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

SENTENCE_END = r"(?<=[.!?…»])\s+(?=[«\"'(\[]?[A-ZÀ-ÖØ-Þ0-9])"


@dataclass(frozen=True)
class Translation:
    """One segment's output; `split` is the number of pieces a too-long source was cut into
    (0: not split), `capped` says decoding stopped at the length limit, not at end-of-sentence."""

    output: str
    split: int = 0
    capped: bool = False

    def to_entry(self) -> dict[str, Any]:
        return {"output": self.output, "split": self.split, "capped": self.capped}

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> "Translation":
        return cls(str(entry["output"]), int(entry.get("split", 0)), bool(entry.get("capped", False)))


OnDone = Callable[[dict[str, Translation]], None]


class Backend:
    """A generated system: its identity (what its outputs depend on) and how it translates."""

    kind = "?"

    def identity(self) -> dict[str, Any]:
        """Everything an output depends on (the cache key): model hash or endpoint + model name,
        decoding settings, prompt. Never a secret."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """What results.json and report.md show about the system (defaults to its identity)."""
        return self.identity()

    def run(self, sources: list[str], on_done: OnDone) -> None:
        """Translate `sources` (distinct), calling `on_done` with each finished batch."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the backend holds (a model, threads)."""


def one_line(text: str) -> str:
    """An output must stay one line of the output file: inner line breaks become spaces."""
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip())
