"""Document-level scores of aligned documents: d-BLEU, d-chrF and a windowed sim-src.

- `d-bleu`, `d-chrf`: sacrebleu's corpus BLEU and chrF where each document is one segment, its
  English being the page without the lines judged site text (boilerplate is not translation)
  and its reference the whole reference document (Liu et al. 2020's d-BLEU).  Need references.
- `d-sim-src-w3`: the cross-lingual USE cosine over sliding windows of three matched beads (stride
  one), averaged over every window of every document: each window sees its neighbours' context,
  as SLIDE (Raunak et al. 2023) does for QE, and USE reads any length, so nothing is cut.
  Needs the French side.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from ..registry import load
from ..types import MetricResult, Segment, Signature
from .document import DocumentAlignment

WINDOW = 3


def renamed(signature: Signature, metric: str, **fields: str) -> Signature:
    """The segment-level metric's signature under the document-level name, with the unit added."""
    return replace(signature, metric=metric, fields=signature.fields + tuple(fields.items()))


def content_text(doc: DocumentAlignment) -> str:
    """The English page without its site text, one bead a line."""
    boiler = {f.seg_idx for f in doc.findings if f.category == "other/boilerplate"}
    return "\n".join(doc.hyp_of(b) for b in doc.beads if b.hyp and b.idx not in boiler)


def windows(doc: DocumentAlignment, size: int = WINDOW) -> list[tuple[str, str]]:
    """(French, English) of each window of `size` consecutive matched beads (one window when
    the document has fewer)."""
    matched = [b for b in doc.beads if b.matched]
    spans = [matched[k:k + size] for k in range(max(1, len(matched) - size + 1))] if matched else []
    return [(" ".join(doc.src_of(b) for b in part), " ".join(doc.hyp_of(b) for b in part)) for part in spans]


def document_scores(alignments: Sequence[DocumentAlignment]) -> dict[str, MetricResult]:
    """The document-level scores the inputs allow: {name: result}."""
    out: dict[str, MetricResult] = {}
    if alignments and all(doc.pair.ref_text is not None and doc.pair.src_text is not None for doc in alignments):
        docs = [Segment(k, doc.pair.src_text or "", content_text(doc), (doc.pair.ref_text or "",))
                for k, doc in enumerate(alignments)]
        for name in ("bleu", "chrf"):
            result = load("metric", name)().score(docs)
            signature = renamed(result.signature, f"d-{name}", unit="document")
            out[f"d-{name}"] = replace(result, metric=f"d-{name}", signature=signature,
                                       seg_scores=None, seg_stats=None, extra={"documents": len(docs)})
    if alignments and all(doc.pair.src_text is not None for doc in alignments):
        segs = [Segment(k, src, hyp) for k, (src, hyp) in enumerate(w for doc in alignments for w in windows(doc))]
        if segs:
            result = load("metric", "sim-src")().score(segs)
            out[f"d-sim-src-w{WINDOW}"] = replace(
                result, metric=f"d-sim-src-w{WINDOW}",
                signature=renamed(result.signature, f"d-sim-src-w{WINDOW}", window=f"{WINDOW}beads", stride="1"),
                seg_scores=None, extra={"windows": len(segs)})
    return out
