"""report.html: one self-contained page (no CDN, no network) to triage a run by looking.

The page is a static template (report.html, report.css, report.js beside this module) with the
Report embedded as JSON in a ``<script type="application/json">`` element.  The script builds
every view from that JSON with DOM text nodes only (never innerHTML with data), so a segment
that contains ``<script>`` shows as text and runs nothing.  Two more guards stand behind that:

* every ``<``, ``>`` and ``&`` in the JSON is written as a ``\\u00XX`` escape, so no text in the
  data can close the data element (``</script>``) or open a comment (``<!--``);
* a Content-Security-Policy allows only this page's own script (by its SHA-256 hash), no
  network and no other script, so even a markup mistake could not run injected code.

The payload is column-oriented (texts and scores as parallel arrays) to keep 10,000-segment
reports small; per-segment scores are rounded to 4 decimals, well below any display precision.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import os
import re
from importlib import resources
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from ..comparison import Comparison
from ..io.atomic import atomic_write
from ..types import SEVERITIES, SEVERITY_WEIGHT, ComparisonRow, GateOutcome, Report, SystemResult, sha256_lines
from ..version import __version__

RowOrGate = TypeVar("RowOrGate", ComparisonRow, GateOutcome)

# Metrics that compare surface strings; the scatter plot sets these against the others
# (neural ones) by default, since their disagreements are where a person should look.
LEXICAL_METRICS = ("chrf", "chrf++", "bleu", "ter")

SEG_SCORE_DECIMALS = 4

# Above this many segments the page embeds an evenly spaced sample of this many (ids kept, shown
# as the segments' own numbers); a 1,000,000-segment run would make a page no browser opens.
# segments.jsonl always holds every segment.
HTML_SEGMENTS = 10_000


def shown_segments(n_segments: int, limit: int | None = None) -> list[int] | None:
    """The segment ids the page embeds: None for all of them, else an evenly spaced sample."""
    limit = limit or HTML_SEGMENTS
    if n_segments <= limit:
        return None
    return [k * n_segments // limit for k in range(limit)]

_PLACEHOLDER = re.compile(r"__RELECTURE_([A-Z]+)__")


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _finite(value: Any) -> float | None:
    """JSON has no NaN or infinity: a missing or undefined score becomes null."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _rounded(values: list[float] | None) -> list[float | None] | None:
    if values is None:
        return None
    out: list[float | None] = []
    for value in values:
        number = _finite(value)
        out.append(None if number is None else round(number, SEG_SCORE_DECIMALS))
    return out


def _jsonable(value: Any) -> Any:
    """Run info may hold paths, datetimes or tuples: make it plain JSON, recursively."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return _finite(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def documents_payload(documents: Any) -> list[dict[str, Any]]:
    """A `document:` test set's aligned documents (eval/documents) for the Documents view: each
    document's texts, its beads as [seg id, kind, src start, src end, hyp start, hyp end] (null
    offsets for a side the bead lacks; seg id counts over all documents, as the Segments view
    does) and the alignment's findings as [category, severity, start, end, on_source, message]
    with offsets into the document texts.  Read by attribute: report/ sits below documents/."""
    out: list[dict[str, Any]] = []
    base = 0
    for doc in documents:
        beads = [[base + bead.idx, bead.kind, *(bead.src or (None, None)), *(bead.hyp or (None, None))]
                 for bead in doc.beads]
        findings = [[span.category, span.severity, span.start, span.end, 1 if span.on_source else 0, span.message]
                    for span in doc.findings]
        out.append({"doc_id": doc.pair.doc_id, "src": doc.pair.src_text, "hyp": doc.pair.hyp_text,
                    "beads": beads, "findings": findings, "unchecked": list(doc.unchecked)})
        base += len(doc.beads)
    return out


def report_payload(report: Report) -> dict[str, Any]:
    """The JSON the page is built from: everything in the Report, texts included (of a sample of
    segments for a large run: `shown_segments`)."""
    systems = list(report.systems)
    ids = shown_segments(len(report.testset))
    position = {seg: k for k, seg in enumerate(ids)} if ids is not None else None

    def pick(values: Any) -> list[Any]:
        return list(values) if ids is None else [values[i] for i in ids]

    metric_names: list[str] = []
    higher_is_better: dict[str, bool] = {}
    for result in report.systems.values():
        for name, metric in result.metrics.items():
            if name not in higher_is_better:
                metric_names.append(name)
                higher_is_better[name] = bool(metric.higher_is_better)

    categories = sorted({flag.category for result in report.systems.values() for flag in result.flags})
    category_index = {name: i for i, name in enumerate(categories)}
    flaggers = sorted({flag.flagger for result in report.systems.values() for flag in result.flags})
    flagger_index = {name: i for i, name in enumerate(flaggers)}
    severity_index = {name: i for i, name in enumerate(SEVERITIES)}

    table: dict[str, dict[str, Any]] = {}
    seg_scores: dict[str, dict[str, Any]] = {}
    flags: dict[str, list[list[Any]]] = {}
    info_hashes = report.info.get("output_hashes") or {}
    system_info: dict[str, Any] = {}
    for name, result in report.systems.items():
        table[name] = {}
        seg_scores[name] = {}
        for metric_name, metric in result.metrics.items():
            cell: dict[str, Any] = {"score": _finite(metric.score), "signature": str(metric.signature)}
            if metric.ci is not None:
                cell["ci"] = [_finite(metric.ci[0]), _finite(metric.ci[1])]
            if metric.extra:
                cell["extra"] = _jsonable(metric.extra)
            table[name][metric_name] = cell
            scores = _rounded(pick(metric.seg_scores)) if metric.seg_scores is not None else None
            if scores is not None:
                seg_scores[name][metric_name] = scores
        # Flags as short rows: [seg, category#, severity#, start, end, on_source, message,
        # flagger#, confidence]; categories and flaggers are named once in the header.
        flags[name] = [
            [
                flag.seg_idx if position is None else position[flag.seg_idx],
                category_index[flag.category],
                severity_index.get(flag.severity, 0),
                flag.start,
                flag.end,
                1 if flag.on_source else 0,
                flag.message,
                flagger_index[flag.flagger],
                round(float(flag.confidence), 3),
            ]
            for flag in sorted(result.flags, key=lambda f: (f.seg_idx, f.start, f.end))
            if position is None or flag.seg_idx in position
        ]
        hyps = report.hyps.get(name, ())
        system_info[name] = {
            "origin": result.origin,
            "output_hash": info_hashes.get(name) or sha256_lines(hyps),
            "flag_counts": result.flag_counts(),
        }

    testset = report.testset
    return {
        "relecture_version": __version__,
        "name": report.name,
        "testset": testset.name,
        "segments": len(testset) if ids is None else len(ids),
        **({} if ids is None else {"total_segments": len(testset), "seg_ids": ids}),
        "systems": systems,
        "metrics": [{"name": m, "higher_is_better": higher_is_better[m]} for m in metric_names],
        "lexical": [m for m in metric_names if m.lower() in LEXICAL_METRICS],
        "categories": categories,
        "severities": list(SEVERITIES),
        "flaggers": flaggers,
        "table": table,
        "system_info": system_info,
        "src": pick(testset.src),
        "refs": [pick(ref) for ref in testset.refs],
        "doc_ids": pick(testset.doc_ids) if testset.doc_ids else None,
        "documents": documents_payload(testset.documents),
        "hyps": {name: pick(report.hyps.get(name, ())) for name in systems},
        "seg_scores": seg_scores,
        "flags": flags,
        "info": _jsonable(report.info),
        "warnings": [str(w) for w in report.warnings],
        "comparisons": _jsonable([row.to_dict() for row in report.comparisons]),
        "gates": _jsonable([gate.to_dict() for gate in report.gates]),
        # the weights and ranking report.md uses, so both reports list the same worst segments
        "severity_weights": [SEVERITY_WEIGHT[s] for s in SEVERITIES],
    }


def embed_json(data: Any) -> str:
    """JSON that is safe inside <script type="application/json">: no '<', '>' or '&' survive
    (each becomes a \\u escape, which JSON.parse turns back), so '</script>' and '<!--' cannot
    occur.  U+2028/2029 are escaped too, for any tool that reads the block as JavaScript."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _sha256_source(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii") + "'"


def render_html(report: Report) -> str:
    """The whole page as one string."""
    script = _asset("report.js")
    style = _asset("report.css")
    # No network at all (default-src 'none'); only this exact script may run.
    csp = (
        f"default-src 'none'; script-src {_sha256_source(script)}; "
        f"style-src {_sha256_source(style)}; img-src data:; base-uri 'none'; form-action 'none'"
    )
    parts = {
        "TITLE": html.escape(f"{report.name} · Relecture report", quote=True),
        "CSP": html.escape(csp, quote=False).replace("\"", "&quot;"),
        "STYLE": style,
        "SCRIPT": script,
        "DATA": embed_json(report_payload(report)),
    }
    # One pass over the template: text substituted in is never scanned for placeholders again.
    return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], _asset("report.html"))


def write_html(report: Report, folder: str | os.PathLike[str]) -> Path:
    """Write report.html into a run folder (or to `folder` itself when it names an .html file),
    atomically like every other run-folder file; returns its path."""
    target = Path(folder)
    if target.suffix.lower() not in (".html", ".htm"):
        target = target / "report.html"
    atomic_write(target, render_html(report))
    return target


def comparison_report(comparison: Comparison) -> Report:
    """The Report that `relecture compare` shows: the baseline and each candidate (possibly from
    different run folders, already checked to share the test set) with the comparison rows and
    gate outcomes.

    The same system name on both sides (two runs of "sys-a") gets a role suffix, and the rows
    and gates are renamed to match, so the page can tell the two apart."""
    sides = [comparison.baseline, *comparison.candidates]
    counts: dict[str, int] = {}
    for side in sides:
        counts[side.system] = counts.get(side.system, 0) + 1
    names: list[str] = []
    for k, side in enumerate(sides):
        name = side.system
        if counts[name] > 1:
            name = f"{name} (baseline)" if k == 0 else f"{name} (candidate {k})" if counts[name] > 2 else f"{name} (candidate)"
        names.append(name)
    base_name = names[0]
    cand_names = {side.system: name for side, name in zip(sides[1:], names[1:])}

    def renamed(row: RowOrGate) -> RowOrGate:
        baseline = base_name if row.baseline == comparison.baseline.system else row.baseline
        return replace(row, baseline=baseline, candidate=cand_names.get(row.candidate, row.candidate))

    systems: dict[str, SystemResult] = {}
    hyps: dict[str, tuple[str, ...]] = {}
    output_hashes: dict[str, Any] = {}
    for side, name in zip(sides, names):
        result = side.report.systems[side.system]
        systems[name] = SystemResult(name, result.metrics, result.flags, origin=side.origin)
        hyps[name] = tuple(side.report.hyps[side.system])
        given = (side.report.info.get("output_hashes") or {}).get(side.system)
        if given:
            output_hashes[name] = given
    base_info = comparison.baseline.report.info
    info: dict[str, Any] = {
        "created": comparison.info.get("created") or base_info.get("created"),
        "data_hash": comparison.info.get("data_hash") or base_info.get("data_hash"),
        "config_hash": base_info.get("config_hash"),
        "baseline": comparison.baseline.origin,
        "candidates": [side.origin for side in comparison.candidates],
        "compare": {k: v for k, v in comparison.info.items() if k not in ("created", "data_hash")},
        "versions": base_info.get("versions", {}),
        "output_hashes": output_hashes,
    }
    title = f"{', '.join(names[1:])} vs {base_name}"
    return Report(
        title,
        comparison.baseline.report.testset,
        systems,
        hyps,
        info,
        list(comparison.warnings),
        [renamed(row) for row in comparison.comparisons],
        [renamed(gate) for gate in comparison.gates],
    )


def write_compare_html(comparison: Comparison, folder: str | os.PathLike[str]) -> Path:
    """report.html for `relecture compare` (into its output folder, or to an .html path)."""
    return write_html(comparison_report(comparison), folder)
