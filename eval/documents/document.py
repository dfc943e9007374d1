"""A document pair, aligned: sentences, beads with their offsets, and what the alignment reveals.

`align_document(pair, ...)` segments both sides (segment.py), encodes every sentence and every
pair of neighbouring sentences with the multilingual USE (`encode`: texts -> unit vectors),
aligns them (align.py) and turns what is left over into findings (`ErrorSpan`s of flagger
`document`, `seg_idx` the bead, offsets into the document text):

- English with no French counterpart: `other/boilerplate` (minor) when it looks like site text
  (boilerplate.py), else `accuracy/addition` (major for a sentence of four words or more);
- French with no English: `accuracy/omission` on the source (major for a sentence of four words
  or more, minor for a shorter line);
- a sentence broken mid-phrase by the translation: `fluency/garbled` (major) with the span of the
  break (breaks.py).

With no French side (`pair.src_text is None`) every English sentence is its own 0-1 bead, site
text and breaks are still found, and `unchecked` says what could not be.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..types import ErrorSpan
from .align import AlignParams, Bead, Side, align
from .boilerplate import SiteTextModel
from .breaks import find_breaks
from .segment import Sentence, split_sentences

FLAGGER = "document"
Encode = Callable[[Sequence[str]], np.ndarray]
WITHOUT_SOURCE = ("omissions and additions (no French side to align with)",
                  "accuracy of names, numbers and meaning against the source",
                  "model scores that read the source (sim-src, windowed sim-src)")


@dataclass(frozen=True)
class DocumentPair:
    """A French article, its English output (the page), an optional English reference."""

    doc_id: str
    hyp_text: str
    src_text: str | None = None
    ref_text: str | None = None
    origin: tuple[tuple[str, str], ...] = ()  # ("src"|"hyp"|"ref", file) the texts came from


@dataclass(frozen=True)
class AlignedBead:
    """One bead: sentence indices and the character range [start, end) it covers on each side
    (None for a side it lacks), the cosine of its sides, and the reference text aligned to it."""

    idx: int
    src_sents: tuple[int, ...]
    hyp_sents: tuple[int, ...]
    src: tuple[int, int] | None
    hyp: tuple[int, int] | None
    sim: float = 0.0
    moved: bool = False
    ref: str = ""

    @property
    def kind(self) -> str:
        return f"{len(self.src_sents)}-{len(self.hyp_sents)}"

    @property
    def matched(self) -> bool:
        return self.src is not None and self.hyp is not None

    def to_dict(self) -> dict[str, object]:
        return {"idx": self.idx, "kind": self.kind, "src": list(self.src) if self.src else None,
                "hyp": list(self.hyp) if self.hyp else None, "sim": self.sim, "moved": self.moved}


@dataclass
class DocumentAlignment:
    pair: DocumentPair
    src_sents: list[Sentence]
    hyp_sents: list[Sentence]
    beads: list[AlignedBead]
    findings: list[ErrorSpan] = field(default_factory=list)  # offsets into the document texts
    unchecked: tuple[str, ...] = ()
    cells: int = 0

    def src_of(self, bead: AlignedBead) -> str:
        return self.pair.src_text[bead.src[0]:bead.src[1]] if bead.src and self.pair.src_text else ""

    def hyp_of(self, bead: AlignedBead) -> str:
        return self.pair.hyp_text[bead.hyp[0]:bead.hyp[1]] if bead.hyp else ""

    def bead_relative(self, span: ErrorSpan) -> ErrorSpan:
        """The finding with offsets into its bead's text instead of the document's."""
        bead = self.beads[span.seg_idx]
        base = (bead.src if span.on_source else bead.hyp) or (0, 0)
        return ErrorSpan(span.seg_idx, span.flagger, span.category, span.severity, span.start - base[0],
                         span.end - base[0], span.on_source, span.message, span.confidence)

    def document_relative(self, span: ErrorSpan) -> ErrorSpan:
        """A flagger's finding on a bead, with offsets into the document text."""
        bead = self.beads[span.seg_idx]
        base = (bead.src if span.on_source else bead.hyp) or (0, 0)
        return ErrorSpan(span.seg_idx, span.flagger, span.category, span.severity, span.start + base[0],
                         span.end + base[0], span.on_source, span.message, span.confidence)


def side_vectors(text: str, sents: Sequence[Sentence], encode: Encode) -> Side:
    """Vectors of each sentence and of each neighbouring pair, for the aligner."""
    singles = [s.text(text) for s in sents]
    pairs = [f"{a} {b}" for a, b in zip(singles, singles[1:])]
    vectors = encode(singles + pairs) if singles else np.zeros((0, 512), np.float32)
    return Side(vectors[:len(singles)], vectors[len(singles):], np.array([len(t) for t in singles], float))


def _span(sents: Sequence[Sentence], idx: Sequence[int]) -> tuple[int, int] | None:
    return (sents[idx[0]].start, sents[idx[-1]].end) if idx else None


def _words(text: str) -> int:
    return len(re.findall(r"[^\W_]+", text))


def align_document(pair: DocumentPair, encode: Encode | None, params: AlignParams = AlignParams(),
                   site: SiteTextModel | None = None) -> DocumentAlignment:
    """Segment, align and flag one document; `encode` may be None only without a French side."""
    site = site or SiteTextModel()
    hyp_sents = split_sentences(pair.hyp_text, "en")
    lines = _line_of(pair.hyp_text, hyp_sents)
    # Lines that are plainly site text (navigation, dates, link titles, repeated lines) stay out
    # of the alignment: left in, the aligner may glue 'See also' to a neighbour in a 1-2 bead.
    site_reason: dict[int, str] = {}
    for j, sent in enumerate(hyp_sents):
        line_text, previous = lines[j]
        if line_text.strip() == sent.text(pair.hyp_text):
            reason = site.judge(line_text, previous)
            if reason:
                site_reason[j] = reason
    if pair.src_text is None:
        src_sents: list[Sentence] = []
        raw = [Bead((), (j,)) for j in range(len(hyp_sents))]
        cells = 0
    else:
        if encode is None:
            raise ValueError("a French side needs an encoder")
        src_sents = split_sentences(pair.src_text, "fr")
        kept = [j for j in range(len(hyp_sents)) if j not in site_reason]
        result = align(side_vectors(pair.src_text, src_sents, encode),
                       side_vectors(pair.hyp_text, [hyp_sents[j] for j in kept], encode), params)
        raw = _with_site_lines([Bead(b.src, tuple(kept[j] for j in b.hyp), b.sim, b.moved) for b in result.beads],
                               sorted(site_reason))
        cells = result.cells
    ref_parts = _reference_parts(pair, src_sents, raw, encode, params)
    beads = [AlignedBead(k, b.src, b.hyp, _span(src_sents, b.src), _span(hyp_sents, b.hyp), b.sim, b.moved,
                         ref_parts.get(k, "")) for k, b in enumerate(raw)]
    doc = DocumentAlignment(pair, src_sents, hyp_sents, beads, cells=cells,
                            unchecked=WITHOUT_SOURCE if pair.src_text is None else ())
    bead_of_hyp = {j: bead.idx for bead in beads for j in bead.hyp_sents}
    breaks = find_breaks(pair.hyp_text, hyp_sents, [(bead.hyp_sents, len(bead.src_sents)) for bead in beads])
    covered: set[int] = set()
    for brk in breaks:
        doc.findings.append(ErrorSpan(bead_of_hyp.get(brk.sentence, 0), FLAGGER, "fluency/garbled", "major",
                                      brk.start, brk.end, False, f"sentence broken mid-phrase ({brk.reason}): "
                                      f"'{pair.hyp_text[brk.start:brk.end]}'", 0.8))
        covered.update(brk.fragments)
    for bead in beads:
        if bead.hyp and not bead.src_sents:
            j = bead.hyp_sents[0]
            text = doc.hyp_of(bead)
            line_text, previous = lines[j]
            whole_line = line_text.strip() == text.strip()
            reason = site_reason.get(j) or (site.judge(text, previous, unmatched=pair.src_text is not None)
                                            if whole_line else None)
            if reason:
                doc.findings.append(ErrorSpan(bead.idx, FLAGGER, "other/boilerplate", "minor", *bead.hyp, False,
                                              f"site text ({reason}): '{_clip(text)}'", 0.9))
            elif pair.src_text is not None and j not in covered:
                severity = "major" if _words(text) >= 4 else "minor"
                doc.findings.append(ErrorSpan(bead.idx, FLAGGER, "accuracy/addition", severity, *bead.hyp, False,
                                              f"English with no French counterpart: '{_clip(text)}'", 0.7))
        elif bead.src and not bead.hyp_sents:
            text = doc.src_of(bead)
            severity = "major" if _words(text) >= 4 else "minor"
            doc.findings.append(ErrorSpan(bead.idx, FLAGGER, "accuracy/omission", severity, *bead.src, True,
                                          f"French sentence with no English counterpart: '{_clip(text)}'", 0.8))
    doc.findings.sort(key=lambda s: (s.seg_idx, s.on_source, s.start, s.end, s.category))
    return doc


def _with_site_lines(beads: list[Bead], site_lines: Sequence[int]) -> list[Bead]:
    """The aligned beads with a 0-1 bead for each site-text sentence, placed before the first
    bead that holds a later English sentence."""
    out: list[Bead] = []
    pending = list(site_lines)
    for bead in beads:
        while pending and bead.hyp and pending[0] < min(bead.hyp):
            out.append(Bead((), (pending.pop(0),)))
        out.append(bead)
    out.extend(Bead((), (j,)) for j in pending)
    return out


def _clip(text: str, size: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[:size - 1] + "…"


def _line_of(text: str, sents: Sequence[Sentence]) -> list[tuple[str, str]]:
    """For each sentence: the text of its line, and of the previous non-empty line."""
    lines = [m for m in re.finditer(r"[^\n]*\S[^\n]*", text)]
    out = []
    k = 0
    for sent in sents:
        while k + 1 < len(lines) and lines[k].end() < sent.start:
            k += 1
        out.append((lines[k].group(0), lines[k - 1].group(0) if k > 0 else ""))
    return out


def _reference_parts(pair: DocumentPair, src_sents: Sequence[Sentence], beads: Sequence[Bead],
                     encode: Encode | None, params: AlignParams) -> dict[int, str]:
    """The reference text of each bead: the reference aligned to the French sentences (the same
    aligner), each reference sentence given to the bead that holds its first French sentence."""
    if pair.ref_text is None or pair.src_text is None or encode is None:
        return {}
    ref_sents = split_sentences(pair.ref_text, "en")
    ref_beads = align(side_vectors(pair.src_text, src_sents, encode), side_vectors(pair.ref_text, ref_sents, encode),
                      params).beads
    bead_of_src = {i: k for k, bead in enumerate(beads) for i in bead.src}
    parts: dict[int, list[str]] = {}
    last = 0
    for rb in ref_beads:
        if rb.src:
            last = bead_of_src.get(rb.src[0], last)
        parts.setdefault(last, []).extend(ref_sents[j].text(pair.ref_text) for j in rb.hyp)
    return {k: " ".join(texts) for k, texts in parts.items()}
