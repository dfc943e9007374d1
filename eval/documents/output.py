"""What `relecture doc` prints: findings (text or JSONL, offsets into the document files) and the
beads with their offsets and the document scores (JSON)."""
from __future__ import annotations

import json
from typing import Any, TextIO

from ..flaggers import sort_flags
from ..types import ErrorSpan, MetricResult
from .document import DocumentAlignment


def merge_findings(flags: list[ErrorSpan], findings: tuple[ErrorSpan, ...] | list[ErrorSpan]) -> list[ErrorSpan]:
    """The flaggers' spans and the alignment's findings (same offsets: into the bead), less a
    flagger's span that repeats a finding of the same category on the same bead."""
    def overlaps(a: ErrorSpan, b: ErrorSpan) -> bool:
        return (a.seg_idx == b.seg_idx and a.category == b.category and a.on_source == b.on_source
                and a.start < b.end and b.start < a.end)

    kept = [f for f in flags if not any(overlaps(f, g) for g in findings)]
    return sort_flags([*kept, *findings])


def document_flags(doc: DocumentAlignment, flags: list[ErrorSpan]) -> list[ErrorSpan]:
    """Bead-relative flags of one document, moved to offsets into its files."""
    return sort_flags([doc.document_relative(f) for f in flags])


def write_text(doc: DocumentAlignment, flags: list[ErrorSpan], scores: dict[str, MetricResult], out: TextIO) -> None:
    kinds: dict[str, int] = {}
    for bead in doc.beads:
        kinds[bead.kind] = kinds.get(bead.kind, 0) + 1
    src = "no French side" if doc.pair.src_text is None else f"{len(doc.src_sents)} French sentences"
    print(f"{doc.pair.doc_id}: {src}, {len(doc.hyp_sents)} English sentences, {len(doc.beads)} beads "
          f"({', '.join(f'{k}: {v}' for k, v in sorted(kinds.items()))})", file=out)
    for name, result in scores.items():
        print(f"{name:14} {result.score:8.4f}  {result.signature}", file=out)
    for f in flags:
        text = (doc.pair.src_text or "") if f.on_source else doc.pair.hyp_text
        where = "source" if f.on_source else "output"
        snippet = " ".join(text[f.start:f.end].split())
        print(f"{f.seg_idx}\t{f.severity}\t{f.category}\t{where}[{f.start}:{f.end}] {snippet!r}\t{f.message}", file=out)
    for item in doc.unchecked:
        print(f"not checked: {item}", file=out)


def write_jsonl(flags: list[ErrorSpan], out: TextIO) -> None:
    for f in flags:
        print(json.dumps(f.to_dict(), ensure_ascii=False), file=out)


def as_json(doc: DocumentAlignment, flags: list[ErrorSpan], scores: dict[str, MetricResult],
            seg_scores: dict[str, list[float]]) -> dict[str, Any]:
    """Beads (offsets into each file, similarity, per-bead scores), document scores, findings."""
    beads = []
    for bead in doc.beads:
        row = bead.to_dict()
        row["scores"] = {name: values[bead.idx] for name, values in seg_scores.items()}
        beads.append(row)
    return {
        "doc_id": doc.pair.doc_id,
        "files": dict(doc.pair.origin),
        "sentences": {"src": [[s.start, s.end] for s in doc.src_sents], "hyp": [[s.start, s.end] for s in doc.hyp_sents]},
        "beads": beads,
        "scores": {name: {"score": r.score, "signature": str(r.signature), **({"extra": r.extra} if r.extra else {})}
                   for name, r in scores.items()},
        "findings": [f.to_dict() for f in flags],
        "unchecked": list(doc.unchecked),
    }
