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
from .workers import in_helper

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


@dataclass
class Parsed:
    src: list[Any]  # spaCy Docs of the sources
    hyp: list[Any]  # spaCy Docs of the outputs


_cache: dict[tuple[int, int], tuple[tuple[str, ...], tuple[str, ...], Parsed]] = {}


def parse(segments: Sequence[Segment], parallel: bool | None = None) -> Parsed:
    """spaCy docs for sources and outputs, computed once per distinct set of texts."""
    srcs = tuple(seg.src for seg in segments)
    hyps = tuple(seg.hyp for seg in segments)
    key = (hash(srcs), hash(hyps))
    hit = _cache.get(key)
    if hit and hit[0] == srcs and hit[1] == hyps:
        return hit[2]
    if parallel is None:
        parallel = len(segments) >= PARALLEL_PARSE_FROM
    fr = spacy_model(SPACY_FR, FR_PIPES)
    en = spacy_model(SPACY_EN, EN_PIPES)
    job = in_helper(parse_sources, srcs) if parallel else None
    if job is not None:
        from spacy.tokens import DocBin  # spaCy is an optional extra: imported once its models loaded

        hyp_docs = list(en.pipe(hyps, batch_size=BATCH_SIZE))
        src_docs = list(DocBin().from_bytes(job.result()).get_docs(fr.vocab))
    else:
        src_docs = list(fr.pipe(srcs, batch_size=BATCH_SIZE))
        hyp_docs = list(en.pipe(hyps, batch_size=BATCH_SIZE))
    parsed = Parsed(src=src_docs, hyp=hyp_docs)
    _cache.clear()  # keep one run's parse: the flaggers of a run share it, the next run replaces it
    _cache[key] = (srcs, hyps, parsed)
    return parsed


def parse_sources(srcs: tuple[str, ...]) -> bytes:
    """The French docs of srcs, serialized (tokens, entities and sentence starts survive)."""
    from spacy.tokens import DocBin

    fr = spacy_model(SPACY_FR, FR_PIPES)
    return DocBin(store_user_data=False, docs=fr.pipe(srcs, batch_size=BATCH_SIZE)).to_bytes()


@lru_cache(maxsize=50_000)
def tag(text: str) -> tuple[str, ...]:
    """Universal POS tags of an English text (used on short fragments only)."""
    nlp = spacy_model(SPACY_EN, EN_TAGGER_PIPES)
    return tuple(tok.pos_ for tok in nlp(text))
