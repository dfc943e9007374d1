"""Core types that flow through the pipeline: Segment -> MetricResult / ErrorSpan -> Report.

Metrics and flaggers read Segments and return MetricResults and ErrorSpans; the runner
assembles them into a Report; renderers only render a Report.  A Report stores indices into
the test set, never copies of the text.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Sequence

SEVERITIES = ("minor", "major", "critical")
Severity = Literal["minor", "major", "critical"]

# MQM-style categories used by the flaggers (issue 4); a flagger may add finer ones below these.
CATEGORIES = (
    "accuracy/named-entity",
    "accuracy/number",
    "accuracy/untranslated",
    "accuracy/omission",
    "accuracy/addition",
    "accuracy/mistranslation",
    "accuracy/terminology",
    "fluency/garbled",
    "fluency/repetition",
    "fluency/word-order",
    "fluency/truncated",
    "other/empty",
)


@dataclass(frozen=True)
class Segment:
    """One aligned row: a French source, one system's English output, zero or more references."""

    idx: int
    src: str
    hyp: str
    refs: tuple[str, ...] = ()
    doc_id: str | None = None


@dataclass(frozen=True)
class TestSet:
    """Sources and references, aligned line by line; systems are scored against it."""

    __test__ = False  # not a pytest class

    name: str
    src: tuple[str, ...]
    refs: tuple[tuple[str, ...], ...] = ()  # refs[k][i]: reference k of segment i
    doc_ids: tuple[str | None, ...] | None = None
    origin: dict[str, str] = field(default_factory=dict)  # "src"/"ref0".. -> file it came from

    def __len__(self) -> int:
        return len(self.src)

    def segments(self, hyps: Sequence[str]) -> list[Segment]:
        if len(hyps) != len(self.src):
            raise ValueError(f"{len(hyps)} outputs for {len(self.src)} source segments")
        return [
            Segment(
                idx=i,
                src=self.src[i],
                hyp=hyps[i],
                refs=tuple(ref[i] for ref in self.refs),
                doc_id=self.doc_ids[i] if self.doc_ids else None,
            )
            for i in range(len(self.src))
        ]


@dataclass
class MetricResult:
    """A corpus score and its per-segment scores, with the signature that says how they were made.

    `seg_stats` holds per-segment sufficient statistics for corpus-level metrics (BLEU, chrF,
    TER): significance tests resample these rather than averaging sentence scores.
    """

    metric: str
    score: float
    signature: str
    higher_is_better: bool
    seg_scores: list[float] | None = None
    seg_stats: list[list[float]] | None = None
    ci: tuple[float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. {"truncated_segments": 3}

    def to_dict(self, with_segments: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "score": self.score,
            "signature": self.signature,
            "higher_is_better": self.higher_is_better,
        }
        if self.ci is not None:
            out["ci"] = list(self.ci)
        if self.extra:
            out["extra"] = self.extra
        if with_segments and self.seg_scores is not None:
            out["segments"] = self.seg_scores
        return out


@dataclass(frozen=True)
class ErrorSpan:
    """One flagged error: where (character offsets in the output, or the source for an
    omission), what (an MQM-style category), how bad, and a message a person understands."""

    seg_idx: int
    flagger: str
    category: str
    severity: Severity
    start: int
    end: int
    on_source: bool
    message: str
    confidence: float = 1.0
    # For an output-side finding that renders a known source span (a glossary term), that span:
    # (start, end) in the source.  None elsewhere.
    source_span: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if out["source_span"] is None:
            del out["source_span"]  # the shape of every other finding stays as it was
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ErrorSpan":
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if values.get("source_span") is not None:
            values["source_span"] = tuple(values["source_span"])  # JSON gives a list
        return cls(**values)


@dataclass
class SystemResult:
    """Everything measured about one system: metric results by name and the flags raised."""

    name: str
    metrics: dict[str, MetricResult] = field(default_factory=dict)
    flags: list[ErrorSpan] = field(default_factory=list)
    origin: str | None = None  # the file its output came from

    def flag_counts(self) -> dict[str, dict[str, int]]:
        """Counts by category, then severity: {"accuracy/number": {"major": 2}}."""
        counts: dict[str, dict[str, int]] = {}
        for flag in self.flags:
            by_sev = counts.setdefault(flag.category, {})
            by_sev[flag.severity] = by_sev.get(flag.severity, 0) + 1
        return counts


@dataclass
class Report:
    """The outcome of a run: run info, per-system results, later comparisons and gate outcomes."""

    name: str
    testset: TestSet
    systems: dict[str, SystemResult]
    hyps: dict[str, tuple[str, ...]]  # system -> outputs (the texts the indices point into)
    info: dict[str, Any] = field(default_factory=dict)  # versions, config hash, data hash, time
    warnings: list[str] = field(default_factory=list)
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    gates: list[dict[str, Any]] = field(default_factory=list)
