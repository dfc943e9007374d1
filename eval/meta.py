"""Meta-evaluation: how well a metric agrees with human judgments, on any human-judged data.

Data (`HumanData`): outputs keyed by (segment key, system), and either human scores per output
(MQM, DA: higher is better) or pairwise judgments "better than" within a segment.  Readers:

- `load_human_jsonl`: the documented JSONL (README: Meta-evaluation).  Output rows
  `{"seg_idx" | "src", "system", "hyp", "ref"?, "refs"?, "score"?}`; judgment rows
  `{"seg_idx" | "src", "better": SYSTEM, "worse": SYSTEM}`.  Rows with `doc` and `seg_id` are
  keyed by both; rows with an `errors` list and no `score` (the Bio-MQM layout) get the MQM
  score -(sum of severity weights: minor 1, major 5, critical 10, neutral 0), averaged over
  annotators.
- `load_wmt`/`load_wmt_pairs`: WMT's human-pairs.tsv (`seg_idx  better  worse`) with the source,
  reference and one file per system.

Statistics (pure functions of dicts):
- `kendall_tau`: the WMT segment-level formula (Macháček & Bojar 2013): tau = (concordant -
  discordant) / (concordant + discordant) over the human pairs; a metric tie is discordant.
- `pairwise_accuracy`: the share of human pairs the metric orders the same way, a metric tie
  counting one half (so a constant metric gets 0.5, where its tau is -1).
- `system_accuracy`: over pairs of systems whose human scores differ, how many the metric's
  system scores order the same way (ties one half).  A system's human score is its mean human
  score (scores), or its share of won comparisons (pairs, as WMT12/13 ranked systems).
Pairs are derived from scores within a segment for every two systems whose scores differ.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence

from .errors import InputError
from .types import MetricResult, Segment

MQM_WEIGHTS = {"neutral": 0.0, "minor": 1.0, "major": 5.0, "critical": 10.0}

Key = tuple[str, str]  # (segment key, system)
Pair = tuple[str, str, str]  # (segment key, better system, worse system)


@dataclass(frozen=True)
class Output:
    src: str
    hyp: str
    refs: tuple[str, ...]


@dataclass(frozen=True)
class HumanData:
    """Outputs and what people said of them: `scores` (MQM/DA) or `judged` pairs."""

    name: str
    outputs: dict[Key, Output]
    scores: dict[Key, float] = field(default_factory=dict)
    judged: list[Pair] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "scores" if self.scores else "pairs"

    @property
    def pairs(self) -> list[Pair]:
        """Human pairs: as given, or every two systems of a segment whose scores differ."""
        if self.judged:
            return list(self.judged)
        by_segment: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for (seg, system), score in sorted(self.scores.items()):
            by_segment[seg].append((system, score))
        pairs: list[Pair] = []
        for seg, rows in by_segment.items():
            for i, (a, sa) in enumerate(rows):
                for b, sb in rows[i + 1:]:
                    if sa > sb:
                        pairs.append((seg, a, b))
                    elif sb > sa:
                        pairs.append((seg, b, a))
        return pairs

    def systems(self) -> list[str]:
        return sorted({system for _, system in self.outputs})

    def human_system_scores(self) -> dict[str, float]:
        if self.scores:
            return mean_by_system(self.scores)
        wins: dict[str, int] = defaultdict(int)
        games: dict[str, int] = defaultdict(int)
        for _, better, worse in self.judged:
            wins[better] += 1
            games[better] += 1
            games[worse] += 1
        return {system: wins[system] / games[system] for system in sorted(games)}

    def restrict(self, keep: Callable[[str], bool], name: str | None = None) -> HumanData:
        """The part of the data whose segment keys `keep` accepts (a tuning or test part)."""
        return HumanData(
            name or self.name,
            {k: v for k, v in self.outputs.items() if keep(k[0])},
            {k: v for k, v in self.scores.items() if keep(k[0])},
            [p for p in self.judged if keep(p[0])],
        )


class Scorer(Protocol):
    name: str

    def score(self, segments: Sequence[Segment]) -> MetricResult: ...


@dataclass(frozen=True)
class MetaResult:
    metric: str
    signature: str
    tau: float
    pairwise_accuracy: float
    pairs: int
    system_correct: float
    system_pairs: int

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "signature": self.signature, "segment_tau": self.tau,
                "pairwise_accuracy": self.pairwise_accuracy, "pairs": self.pairs,
                "system_correct": self.system_correct, "system_pairs": self.system_pairs,
                "system_accuracy": self.system_correct / self.system_pairs if self.system_pairs else 0.0}


# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------


def _getter(scores: Mapping[Key, float] | Callable[[str, str], float]) -> Callable[[Any, str], float]:
    return scores if callable(scores) else (lambda seg, sys: scores[(seg, sys)])


def kendall_tau(pairs: Sequence[tuple[Any, str, str]],
                scores: Mapping[Any, float] | Callable[[Any, str], float]) -> float:
    """WMT segment-level Kendall tau-like coefficient; metric ties count as discordant."""
    get = _getter(scores)  # type: ignore[arg-type]
    concordant = discordant = 0
    for seg, better, worse in pairs:
        if get(seg, better) > get(seg, worse):
            concordant += 1
        else:
            discordant += 1
    total = concordant + discordant
    return (concordant - discordant) / total if total else 0.0


def pairwise_accuracy(pairs: Sequence[tuple[Any, str, str]],
                      scores: Mapping[Any, float] | Callable[[Any, str], float]) -> float:
    """Share of human pairs ordered as people ordered them; a metric tie counts one half."""
    get = _getter(scores)  # type: ignore[arg-type]
    total = 0.0
    for seg, better, worse in pairs:
        a, b = get(seg, better), get(seg, worse)
        total += 1.0 if a > b else 0.5 if a == b else 0.0
    return total / len(pairs) if pairs else 0.0


def system_accuracy(human: Mapping[str, float], metric: Mapping[str, float]) -> tuple[float, int]:
    """(pairs ordered as people did, pairs of systems whose human scores differ); ties one half."""
    systems = sorted(set(human) & set(metric))
    correct, total = 0.0, 0
    for i, a in enumerate(systems):
        for b in systems[i + 1:]:
            if human[a] == human[b]:
                continue
            total += 1
            sign = (human[a] > human[b]) == (metric[a] > metric[b])
            correct += 0.5 if metric[a] == metric[b] else float(sign)
    return correct, total


def mean_by_system(scores: Mapping[Key, float]) -> dict[str, float]:
    sums: dict[str, list[float]] = defaultdict(list)
    for (_, system), value in scores.items():
        sums[system].append(value)
    return {system: sum(v) / len(v) for system, v in sorted(sums.items())}


def meta_evaluate(data: HumanData, metric: Scorer) -> MetaResult:
    """Score every output of `data` with `metric` (one call per system: its corpus score is the
    system score) and measure the agreement with people."""
    seg_scores: dict[Key, float] = {}
    system_scores: dict[str, float] = {}
    signature = ""
    for system in data.systems():
        keys = sorted(k for k in data.outputs if k[1] == system)
        segments = [Segment(i, data.outputs[k].src, data.outputs[k].hyp, data.outputs[k].refs) for i, k in enumerate(keys)]
        result = metric.score(segments)
        signature = str(result.signature)
        system_scores[system] = float(result.score)
        for k, value in zip(keys, result.seg_scores or []):
            seg_scores[k] = float(value)
    pairs = [p for p in data.pairs if (p[0], p[1]) in seg_scores and (p[0], p[2]) in seg_scores]
    correct, total = system_accuracy(data.human_system_scores(), system_scores)
    return MetaResult(metric.name, signature, kendall_tau(pairs, seg_scores), pairwise_accuracy(pairs, seg_scores),
                      len(pairs), correct, total)


# --------------------------------------------------------------------------------------------
# Readers
# --------------------------------------------------------------------------------------------


def read_lines(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            return [line.rstrip("\n").rstrip("\r") for line in handle]
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text") from None


def mqm_score(errors: Sequence[Mapping[str, Any]], path: Path, line: int) -> float:
    """-(sum of severity weights) of one output's MQM errors."""
    total = 0.0
    for error in errors:
        severity = str(error.get("severity", "")).lower() if isinstance(error, Mapping) else ""
        if severity not in MQM_WEIGHTS:
            raise InputError(path, f"unknown MQM severity {severity!r} (have {', '.join(MQM_WEIGHTS)})", line)
        total += MQM_WEIGHTS[severity]
    return -total


def _segment_key(row: Mapping[str, Any], path: Path, line: int) -> str:
    if "doc" in row and "seg_id" in row:
        return f"{row['doc']}#{row['seg_id']}"
    if "seg_idx" in row:
        return str(row["seg_idx"])
    if "src" in row:
        return str(row["src"])
    raise InputError(path, "a row needs `seg_idx` (or `src`, or `doc` and `seg_id`) to name its segment", line)


def load_human_jsonl(path: str | Path, exclude_systems: Sequence[str] = ()) -> HumanData:
    """Read the documented JSONL of outputs with scores, or outputs plus pairwise judgments."""
    path = Path(path)
    outputs: dict[Key, Output] = {}
    collected: dict[Key, list[float]] = defaultdict(list)
    judged: list[Pair] = []
    for number, text in enumerate(read_lines(path), 1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"not JSON ({exc.msg})", number) from None
        if not isinstance(row, dict):
            raise InputError(path, "each line must be a JSON object", number)
        seg = _segment_key(row, path, number)
        if "better" in row or "worse" in row:
            if not (isinstance(row.get("better"), str) and isinstance(row.get("worse"), str)):
                raise InputError(path, "a judgment row needs `better` and `worse` system names", number)
            if row["better"] not in exclude_systems and row["worse"] not in exclude_systems:
                judged.append((seg, row["better"], row["worse"]))
            continue
        for name in ("system", "hyp"):
            if not isinstance(row.get(name), str):
                raise InputError(path, f"an output row needs `{name}` (a string)", number)
        if row["system"] in exclude_systems:
            continue
        refs = row.get("refs", [row["ref"]] if isinstance(row.get("ref"), str) else [])
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise InputError(path, "`refs` must be a list of strings", number)
        outputs[(seg, row["system"])] = Output(str(row.get("src", "")), row["hyp"], tuple(refs))
        if "score" in row:
            if isinstance(row["score"], bool) or not isinstance(row["score"], (int, float)):
                raise InputError(path, f"`score` must be a number, got {row['score']!r}", number)
            collected[(seg, row["system"])].append(float(row["score"]))
        elif isinstance(row.get("errors"), list):
            collected[(seg, row["system"])].append(mqm_score(row["errors"], path, number))
    if not outputs:
        raise InputError(path, "no output rows (`system`, `hyp`)")
    scores = {k: sum(v) / len(v) for k, v in collected.items()}
    if scores and judged:
        raise InputError(path, "rows give both scores and pairwise judgments: use one kind per file")
    if not scores and not judged:
        raise InputError(path, "no human judgment: give `score` (or MQM `errors`) per output, or `better`/`worse` rows")
    for seg, better, worse in judged:
        for system in (better, worse):
            if (seg, system) not in outputs:
                raise InputError(path, f"judgment on segment {seg!r} names system {system!r}, which has no output row")
    return HumanData(path.stem, outputs, scores, judged)


@dataclass(frozen=True)
class WMTYear:
    name: str
    src: list[str]
    ref: list[str]
    systems: dict[str, list[str]]
    pairs: list[tuple[int, str, str]]  # (seg_idx, better system, worse system)

    def judged(self) -> list[tuple[int, str]]:
        """The (segment, system) items that some human judgment involves, sorted."""
        items = {(seg, sys) for seg, better, worse in self.pairs for sys in (better, worse)}
        return sorted(items)

    def segment(self, seg_idx: int, system: str) -> Segment:
        return Segment(seg_idx, self.src[seg_idx], self.systems[system][seg_idx], (self.ref[seg_idx],))

    def human_data(self) -> HumanData:
        """The judged outputs and pairs, keyed by the line number as a string."""
        outputs = {(str(seg), sys): Output(self.src[seg], self.systems[sys][seg], (self.ref[seg],) if self.ref else ())
                   for seg, sys in self.judged()}
        return HumanData(self.name, outputs, {}, [(str(s), b, w) for s, b, w in self.pairs])


def load_wmt_pairs(pairs_path: str | Path, src: str | Path, ref: str | Path | None, hyp_dir: str | Path,
                   name: str | None = None) -> WMTYear:
    """WMT's human-pairs.tsv with its source, reference and systems/<name>.<ext> folder."""
    pairs_path, hyp_dir = Path(pairs_path), Path(hyp_dir)
    src_lines = read_lines(Path(src))
    ref_lines = read_lines(Path(ref)) if ref else []
    if ref_lines and len(ref_lines) != len(src_lines):
        raise InputError(ref, f"{len(ref_lines)} lines for {len(src_lines)} source lines")
    systems: dict[str, list[str]] = {}
    if not hyp_dir.is_dir():
        raise InputError(hyp_dir, "not a folder of system outputs (one file per system)")
    for path in sorted(p for p in hyp_dir.iterdir() if p.is_file()):
        lines = read_lines(path)
        if len(lines) != len(src_lines):
            raise InputError(path, f"{len(lines)} lines for {len(src_lines)} source lines")
        systems[path.stem] = lines
    pairs = []
    lines = read_lines(pairs_path)
    if not lines or lines[0].split("\t") != ["seg_idx", "better", "worse"]:
        raise InputError(pairs_path, "the header must be seg_idx<TAB>better<TAB>worse", 1)
    for number, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not parts[0].isdigit():
            raise InputError(pairs_path, "expected seg_idx<TAB>better<TAB>worse", number)
        seg, better, worse = int(parts[0]), parts[1], parts[2]
        if seg >= len(src_lines):
            raise InputError(pairs_path, f"seg_idx {seg} is past the {len(src_lines)} source lines", number)
        for system in (better, worse):
            if system not in systems:
                raise InputError(pairs_path, f"system {system!r} has no file in {hyp_dir}", number)
        pairs.append((seg, better, worse))
    return WMTYear(name or pairs_path.parent.name, src_lines, ref_lines, systems, pairs)


def load_wmt(folder: str | Path) -> WMTYear:
    """One year of the shared WMT data: src.fr, ref.en, systems/<name>.en, human-pairs.tsv."""
    folder = Path(folder)
    return load_wmt_pairs(folder / "human-pairs.tsv", folder / "src.fr", folder / "ref.en", folder / "systems", folder.name)


def data_hashes(folder: str | Path) -> dict[str, str]:
    """sha256 of every file of one year (so a retrained model can name the exact data)."""
    folder = Path(folder)
    files = [folder / "src.fr", folder / "ref.en", folder / "human-pairs.tsv",
             *sorted((folder / "systems").glob("*.en"))]
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def load_human(path: str | Path, src: str | Path | None = None, ref: str | Path | None = None,
               hyp_dir: str | Path | None = None, exclude_systems: Sequence[str] = ()) -> HumanData:
    """A `.tsv` of WMT pairs (needs src and hyp_dir) or the documented JSONL."""
    path = Path(path)
    if path.suffix == ".tsv":
        if src is None or hyp_dir is None:
            raise InputError(path, "WMT pairs (.tsv) need --src and --hyp-dir (and --ref for reference-based metrics)")
        data = load_wmt_pairs(path, src, ref, hyp_dir).human_data()
        if exclude_systems:
            data = HumanData(data.name, {k: v for k, v in data.outputs.items() if k[1] not in exclude_systems}, {},
                             [p for p in data.judged if p[1] not in exclude_systems and p[2] not in exclude_systems])
        return data
    return load_human_jsonl(path, exclude_systems)
