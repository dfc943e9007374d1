"""The spaCy parse of a run's texts, computed once and shared by the flaggers.

The spaCy pipelines are an expensive part of flagging.  Every flagger asks `parse()` for the
docs, which runs each pipeline once over all texts (`nlp.pipe`, batched) and keeps the result for
the next flagger of the same run.  Called outside `flag_segments` (one flagger alone) on many
segments, the French parse goes to the helper process (eval/flaggers/workers.py) while this one
parses the outputs.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

from ..models import SPACY_EN, SPACY_FR, spacy_model
from ..types import Segment
from .stages import stage
from .workers import in_helper, one_blas_thread

# Both small pipelines' NER has its own tok2vec, so the NER alone runs: the tagger, parser and
# lemmatizer would double the time.  The few fragments that need POS are tagged by `tag()`.
FR_PIPES = ("ner",)
EN_PIPES = ("ner",)
EN_TAGGER_PIPES = ("tok2vec", "tagger", "attribute_ruler")
BATCH_SIZE = 256
# From this many segments, the sources are parsed in the helper process (sent back as a DocBin)
# while this process parses the outputs: 3000 WMT13 segments in 7.1 s instead of 11.0-11.9 s on 2
# cores.  (spaCy's own n_process=2 was slower here: 18.4 s.)  Below it, the hand-over costs more.
PARALLEL_PARSE_FROM = 200


@lru_cache(maxsize=None)
def pipeline(name: str, pipes: tuple[str, ...]) -> Any:
    """spacy_model(name, pipes), its layers' matrix products done by numpy (OpenBLAS, one thread:
    `parse` runs the pipes under `one_blas_thread`) instead of thinc's default BLIS.

    BLIS is 3-4x slower here on the NER's shapes (a 16000x288 by 288x288 product: 23 GFLOP/s
    against 80-90); the NER of 3000 WMT13 sources and outputs took 3.4-3.9 s and 4.6-5.0 s
    instead of 5.3-6.5 s and 6.2-7.4 s.  The products differ from BLIS's in the last bits, which
    changed no entity of those 6,000 texts (every token's IOB tag and every entity compared);
    tests/unit/test_flagger_speed.py compares the two on French and English text.  (The
    transition step's own small products stay on thinc's C BLAS.)"""
    from thinc.api import NumpyOps  # spaCy (and thinc) are an optional extra: loaded with the models

    nlp = spacy_model(name, pipes)
    ops = NumpyOps(use_blis=False)
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        for node in model.walk() if model is not None else ():
            node.ops = ops
    return nlp


@dataclass
class Parsed:
    src: list[Any]  # spaCy Docs of the sources
    hyp: list[Any]  # spaCy Docs of the outputs


# The last parse: each (source, output) pair's row in it, and the docs.
_last: tuple[dict[tuple[str, str], int], Parsed] | None = None


def parse(segments: Sequence[Segment], parallel: bool | None = None) -> Parsed:
    """spaCy docs for sources and outputs, computed once per run: the flaggers of a run share the
    last parse, and one that asks for some of its segments (the coverage flagger skips empty
    outputs) gets their docs from it, not a second parse of the rest."""
    global _last
    pairs = [(seg.src, seg.hyp) for seg in segments]
    if _last is not None:
        index, last = _last
        rows = [index[pair] for pair in pairs if pair in index]
        if rows == list(range(len(last.src))):
            return last
        if len(rows) == len(pairs):
            return Parsed(src=[last.src[i] for i in rows], hyp=[last.hyp[i] for i in rows])
    srcs = tuple(seg.src for seg in segments)
    hyps = tuple(seg.hyp for seg in segments)
    if parallel is None:
        parallel = len(segments) >= PARALLEL_PARSE_FROM
    fr = pipeline(SPACY_FR, FR_PIPES)
    en = pipeline(SPACY_EN, EN_PIPES)
    job = in_helper(parse_sources, srcs) if parallel else None
    with one_blas_thread():
        if job is not None:
            from spacy.tokens import DocBin  # spaCy is an optional extra: imported once its models loaded

            with stage("spaCy NER, English"):
                hyp_docs = list(en.pipe(hyps, batch_size=BATCH_SIZE))
            src_docs = list(DocBin().from_bytes(job.result()).get_docs(fr.vocab))
        else:
            with stage("spaCy NER, French"):
                src_docs = list(fr.pipe(srcs, batch_size=BATCH_SIZE))
            with stage("spaCy NER, English"):
                hyp_docs = list(en.pipe(hyps, batch_size=BATCH_SIZE))
    parsed = Parsed(src=src_docs, hyp=hyp_docs)
    _last = ({pair: i for i, pair in enumerate(pairs)}, parsed)  # the next run's parse replaces it
    return parsed


def parse_sources(srcs: tuple[str, ...]) -> bytes:
    """The French docs of srcs, serialized (tokens, entities and sentence starts survive)."""
    from spacy.tokens import DocBin

    fr = pipeline(SPACY_FR, FR_PIPES)
    with one_blas_thread(), stage("spaCy NER, French"):
        return DocBin(store_user_data=False, docs=fr.pipe(srcs, batch_size=BATCH_SIZE)).to_bytes()


@lru_cache(maxsize=50_000)
def tag(text: str) -> tuple[str, ...]:
    """Universal POS tags of an English text (used on short fragments only)."""
    nlp = pipeline(SPACY_EN, EN_TAGGER_PIPES)
    return tuple(tok.pos_ for tok in nlp(text))
