"""results.json (schema-versioned; schema in results.schema.json) and segments.jsonl, and the
reader that turns a run folder back into a Report (for `compare`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError
from ..io.atomic import atomic_write
from ..types import ComparisonRow, ErrorSpan, GateOutcome, MetricResult, Report, Signature, SystemResult, TestSet

# 2: each metric carries `signature_fields` (the Signature as fields and settings) beside the
# string, and comparisons/gates have a fixed shape. Version 1 files stay readable: their
# signatures are split back into fields (without settings).
SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)
SCHEMA_PATH = Path(__file__).with_name("results.schema.json")


def results_dict(report: Report) -> dict[str, Any]:
    """results.json: the schema version, then the Report as a dict."""
    return {"schema_version": SCHEMA_VERSION, **report.to_dict()}


def write_results(report: Report, folder: Path) -> Path:
    path = folder / "results.json"
    atomic_write(path, json.dumps(results_dict(report), indent=2, ensure_ascii=False) + "\n")
    return path


def segment_row(system: str, seg_idx: int, src: str, hyp: str, refs: list[str], scores: dict[str, float],
                stats: dict[str, list[float]], doc_id: str | None, flags: list[dict[str, Any]],
                with_doc_id: bool) -> dict[str, Any]:
    """One line of segments.jsonl (the in-memory writer and a streaming run's workers share it,
    so both write the same bytes)."""
    row: dict[str, Any] = {"system": system, "seg_idx": seg_idx, "src": src, "hyp": hyp, "refs": refs, "scores": scores}
    if stats:
        row["stats"] = stats
    if with_doc_id:
        row["doc_id"] = doc_id
    row["flags"] = flags
    return row


def segment_rows(report: Report) -> list[dict[str, Any]]:
    rows = []
    for name, result in report.systems.items():
        flags_by_seg: dict[int, list[dict[str, Any]]] = {}
        for flag in result.flags:
            flags_by_seg.setdefault(flag.seg_idx, []).append(flag.to_dict())
        for i, hyp in enumerate(report.hyps[name]):
            rows.append(segment_row(
                name, i, report.testset.src[i], hyp, [ref[i] for ref in report.testset.refs],
                {m: r.seg_scores[i] for m, r in result.metrics.items() if r.seg_scores is not None},
                {m: r.seg_stats[i] for m, r in result.metrics.items() if r.seg_stats is not None},
                report.testset.doc_ids[i] if report.testset.doc_ids else None,
                flags_by_seg.get(i, []), with_doc_id=bool(report.testset.doc_ids),
            ))
    return rows


# Characters that end a line for str.splitlines() and other readers though JSON keeps them raw
# inside strings: written escaped, so that each segment stays on one line for any reader (a
# segment with U+2028 made `compare` fail on its own run folder: issue 11).
_LINE_BREAKS = {ch: f"\\u{ord(ch):04x}" for ch in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}
_LINE_BREAKS_TABLE = str.maketrans(_LINE_BREAKS)


def jsonl_line(row: Any) -> str:
    """One JSON line (UTF-8 text kept readable, every line-breaking character escaped)."""
    return json.dumps(row, ensure_ascii=False).translate(_LINE_BREAKS_TABLE) + "\n"


def write_segments(report: Report, folder: Path) -> Path:
    path = folder / "segments.jsonl"
    atomic_write(path, "".join(jsonl_line(row) for row in segment_rows(report)))
    return path


# What each segments.jsonl row must hold, and of which type (hand-edited files are checked).
ROW_KEYS: dict[str, tuple[type, ...]] = {"system": (str,), "seg_idx": (int,), "src": (str,), "hyp": (str,),
                                         "refs": (list,), "scores": (dict,)}


def _check_row(row: Any, path: Path, number: int) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise InputError(path, "each line must be a JSON object", line=number)
    for key, types in ROW_KEYS.items():
        if key not in row:
            raise InputError(path, f"missing key '{key}'", line=number)
        if not isinstance(row[key], types) or isinstance(row[key], bool):
            raise InputError(path, f"'{key}' must be {types[0].__name__}, not {type(row[key]).__name__}", line=number)
    for metric, value in row["scores"].items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise InputError(path, f"score '{metric}' must be a number, not {type(value).__name__}", line=number)
    return row


def read_segment_rows(seg_path: Path) -> list[dict[str, Any]]:
    """The rows of a segments.jsonl, each checked; lines are split on \\n only (a raw U+2028 in
    an older file is text, not a line end)."""
    try:
        text = seg_path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(seg_path, f"not UTF-8 text (byte {exc.start})") from None
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(seg_path, f"invalid JSON: {exc.msg}", line=number) from None
            rows.append(_check_row(row, seg_path, number))
    return rows


def read_run(path: Path | str) -> Report:
    """A Report from a run folder, or from a results.json with its segments.jsonl beside it."""
    path = Path(path)
    results_path = path / "results.json" if path.is_dir() else path
    if not results_path.is_file():
        raise InputError(path, "not a run folder (no results.json)")
    try:
        results = json.loads(results_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(results_path, f"invalid JSON: {exc}") from None
    if not isinstance(results, dict) or results.get("schema_version") not in READABLE_VERSIONS:
        raise InputError(results_path, f"unsupported results schema_version {results.get('schema_version') if isinstance(results, dict) else None!r}; expected one of {', '.join(map(str, READABLE_VERSIONS))}")
    seg_path = results_path.with_name("segments.jsonl")
    if seg_path.is_file():
        rows = read_segment_rows(seg_path)
    elif _written_without_jsonl(results_path.with_name("config.yaml")):
        rows = []  # a complete run configured without per-segment rows: corpus deltas only
    else:
        raise InputError(seg_path, "missing, though the run's config asks for it (reports: jsonl): the run is "
                         "incomplete (killed while writing, or files removed)")
    try:
        return _report_of(results, rows, seg_path)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        detail = f"missing key {exc}" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
        raise InputError(results_path, f"malformed results ({detail}); was it edited by hand?") from None


def _written_without_jsonl(config_path: Path) -> bool:
    """Whether the run's config.yaml lists its reports without jsonl (then no segments.jsonl is
    due); False when there is no readable config to say so."""
    try:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    reports = config.get("reports") if isinstance(config, dict) else None
    names = [r.get("name") if isinstance(r, dict) else r for r in reports] if isinstance(reports, list) else None
    return names is not None and "jsonl" not in names


def _report_of(results: dict[str, Any], rows: list[dict[str, Any]], seg_path: Path) -> Report:
    by_system: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_system.setdefault(row["system"], []).append(row)
    first = next(iter(by_system.values()), [])
    first = sorted(first, key=lambda r: r["seg_idx"])
    n_refs = len(first[0]["refs"]) if first else 0
    testset = TestSet(
        results["info"]["testset"]["name"],
        tuple(r["src"] for r in first),
        tuple(tuple(r["refs"][k] for r in first) for k in range(n_refs)),
        tuple(r.get("doc_id") for r in first) if first and "doc_id" in first[0] else None,
        results["info"]["testset"].get("files", {}),
    )
    systems: dict[str, SystemResult] = {}
    hyps: dict[str, tuple[str, ...]] = {}
    for name, sysdata in results["systems"].items():
        seg_rows = sorted(by_system.get(name, []), key=lambda r: r["seg_idx"])
        if [r["seg_idx"] for r in seg_rows] != list(range(len(first))):
            raise InputError(seg_path, f"system '{name}' has {len(seg_rows)} segments, not the {len(first)} of the others "
                             "(or their seg_idx are not 0..n-1): the run is incomplete")
        hyps[name] = tuple(r["hyp"] for r in seg_rows)
        metrics = {}
        for metric, data in sysdata["metrics"].items():
            metrics[metric] = MetricResult(
                metric=metric,
                score=data["score"],
                signature=Signature.from_dict(data["signature_fields"]) if "signature_fields" in data
                else Signature.from_legacy(data["signature"]),
                higher_is_better=data["higher_is_better"],
                seg_scores=[r["scores"][metric] for r in seg_rows] if seg_rows and metric in seg_rows[0]["scores"] else None,
                seg_stats=[r["stats"][metric] for r in seg_rows] if seg_rows and metric in seg_rows[0].get("stats", {}) else None,
                ci=tuple(data["ci"]) if data.get("ci") else None,
                extra=data.get("extra", {}),
            )
        flags = [ErrorSpan.from_dict(f) for r in seg_rows for f in r.get("flags", [])]
        systems[name] = SystemResult(name, metrics, flags, sysdata.get("origin"))
    info = dict(results["info"])
    info["created"] = results.get("created")
    info["output_hashes"] = {name: s.get("output_hash") for name, s in results["systems"].items()}
    info["generation"] = {name: s["generation"] for name, s in results["systems"].items() if "generation" in s}
    return Report(results["name"], testset, systems, hyps, info, results.get("warnings", []),
                  [ComparisonRow.from_dict(row) for row in results.get("comparisons", [])],
                  [GateOutcome.from_dict(gate) for gate in results.get("gates", [])])
