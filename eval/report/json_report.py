"""results.json (schema-versioned; schema in results.schema.json) and segments.jsonl, and the
reader that turns a run folder back into a Report (for `compare`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def write_segments(report: Report, folder: Path) -> Path:
    path = folder / "segments.jsonl"
    atomic_write(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in segment_rows(report)))
    return path


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
    rows: list[dict[str, Any]] = []
    seg_path = results_path.with_name("segments.jsonl")
    if seg_path.is_file():
        for number, line in enumerate(seg_path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InputError(seg_path, f"invalid JSON: {exc.msg}", line=number) from None
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
    return Report(results["name"], testset, systems, hyps, info, results.get("warnings", []),
                  [ComparisonRow.from_dict(row) for row in results.get("comparisons", [])],
                  [GateOutcome.from_dict(gate) for gate in results.get("gates", [])])
