"""Document pairs from files, aligned into one test set of beads.

A `document:` test set is one of:
- a folder of pairs: `NAME.fr.txt` (the French article) with `NAME.en.txt` (the English page)
  and, optionally, `NAME.ref.en.txt` (an English reference);
- a JSONL file, one document a line: `doc_id`, `src_text`, `hyp_text`, optional `ref_text`;
- one pair: `{src: article.fr.txt, hyp: page.en.txt, ref: ref.en.txt}` (`src` may be left out:
  the English alone is checked).

Offsets everywhere are character offsets into the text as read: UTF-8, a BOM dropped, CRLF read
as LF.  `bead_testset` turns the alignments into a TestSet whose segments are the beads of every
document in order (unmatched text included, with its other side empty), carrying the
alignment's findings with offsets into each bead's text.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Sequence

from ..encoders import get_use_encoder
from ..errors import InputError, UsageError
from ..io.tables import _read_jsonl as read_jsonl  # the one JSONL reader (messages name file and line)
from ..io.text import decode, read_bytes
from ..types import ErrorSpan, Segment, TestSet
from .align import AlignParams
from .boilerplate import SiteTextModel
from .document import DocumentAlignment, DocumentPair, Encode, align_document


def read_text(path: Path) -> str:
    return decode(path, read_bytes(path))


def load_pairs(spec: str | dict[str, Any], resolve: Callable[[str], Path]) -> list[DocumentPair]:
    """The document pairs a `document:` test set names."""
    if isinstance(spec, dict):
        unknown = set(spec) - {"src", "hyp", "ref", "id"}
        if unknown or "hyp" not in spec:
            raise UsageError(f"a document pair is {{src, hyp, ref}} with 'hyp' required; got {sorted(spec)}")
        hyp = resolve(spec["hyp"])
        src = resolve(spec["src"]) if spec.get("src") else None
        ref = resolve(spec["ref"]) if spec.get("ref") else None
        origin = tuple((k, str(p)) for k, p in (("src", src), ("hyp", hyp), ("ref", ref)) if p)
        return [DocumentPair(spec.get("id") or hyp.name.split(".")[0], read_text(hyp),
                             read_text(src) if src else None, read_text(ref) if ref else None, origin)]
    path = resolve(spec)
    if path.is_dir():
        return _folder(path)
    if not path.exists():
        raise InputError(path, "file not found")
    return _jsonl(path)


def _folder(folder: Path) -> list[DocumentPair]:
    pairs = []
    for hyp in sorted(folder.glob("*.en.txt")):
        if hyp.name.endswith(".ref.en.txt"):
            continue
        stem = hyp.name[: -len(".en.txt")]
        src, ref = folder / f"{stem}.fr.txt", folder / f"{stem}.ref.en.txt"
        if not src.exists():
            raise InputError(hyp, f"no French article {src.name} beside it")
        origin = (("src", str(src)), ("hyp", str(hyp))) + ((("ref", str(ref)),) if ref.exists() else ())
        pairs.append(DocumentPair(stem, read_text(hyp), read_text(src), read_text(ref) if ref.exists() else None, origin))
    if not pairs:
        raise InputError(folder, "no document pairs (NAME.fr.txt with NAME.en.txt) in this folder")
    return pairs


def _jsonl(path: Path) -> list[DocumentPair]:
    pairs = []
    seen: set[str] = set()
    for number, row in read_jsonl(path):
        for key in ("doc_id", "hyp_text"):
            if not isinstance(row.get(key), str):
                raise InputError(path, f"'{key}' must be text", line=number)
        for key in ("src_text", "ref_text"):
            if row.get(key) is not None and not isinstance(row[key], str):
                raise InputError(path, f"'{key}' must be text", line=number)
        if row["doc_id"] in seen:
            raise InputError(path, f"doc_id '{row['doc_id']}' appears twice", line=number)
        seen.add(row["doc_id"])
        pairs.append(DocumentPair(row["doc_id"], row["hyp_text"], row.get("src_text"), row.get("ref_text"),
                                  (("jsonl", f"{path}:{number}"),)))
    if not pairs:
        raise InputError(path, "no documents")
    return pairs


def align_documents(pairs: Sequence[DocumentPair], encode: Encode | None = None,
                    params: AlignParams = AlignParams()) -> list[DocumentAlignment]:
    """Every pair aligned; the site-text model counts lines over all the English pages."""
    if encode is None and any(p.src_text is not None for p in pairs):
        encode = get_use_encoder().encode
    site = SiteTextModel([p.hyp_text.split("\n") for p in pairs])
    return [align_document(p, encode, params, site) for p in pairs]


def bead_testset(alignments: Sequence[DocumentAlignment], name: str) -> tuple[TestSet, list[str]]:
    """A TestSet of every document's beads (seg_idx counts over all documents), and the outputs."""
    with_ref = [a.pair.ref_text is not None for a in alignments]
    if any(with_ref) and not all(with_ref):
        missing = next(a.pair.doc_id for a in alignments if a.pair.ref_text is None)
        raise UsageError(f"some documents have a reference and '{missing}' has none: give all or none")
    src: list[str] = []
    hyp: list[str] = []
    ref: list[str] = []
    doc_ids: list[str] = []
    findings: list[ErrorSpan] = []
    for doc in alignments:
        base = len(src)
        for bead in doc.beads:
            src.append(doc.src_of(bead))
            hyp.append(doc.hyp_of(bead))
            ref.append(bead.ref)
            doc_ids.append(doc.pair.doc_id)
        for span in doc.findings:
            local = doc.bead_relative(span)
            findings.append(replace(local, seg_idx=local.seg_idx + base))
    origin = {f"{doc.pair.doc_id}.{k}": v for doc in alignments for k, v in doc.pair.origin}
    testset = TestSet(name, tuple(src), (tuple(ref),) if all(with_ref) and alignments else (), tuple(doc_ids),
                      origin, findings=tuple(findings), documents=tuple(alignments))
    return testset, hyp


def flaggable(segments: Sequence[Segment]) -> list[Segment]:
    """The beads flaggers read: matched ones; with no French side at all, every English bead
    (only source-free checks are then run: `relecture doc` picks them)."""
    if all(not seg.src.strip() for seg in segments):
        return [seg for seg in segments if seg.hyp.strip()]
    return [seg for seg in segments if seg.src.strip() and seg.hyp.strip()]
