"""What the flaggers share: one parse of each text per run, word statistics, span helpers.

The spaCy pipelines are the expensive part of flagging; every flagger asks `parse()` for the
docs, which runs each pipeline once over all texts (`nlp.pipe`, batched, two processes for large
inputs) and keeps the result for the next flagger of the same run.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

from ..models import SPACY_EN, SPACY_FR, spacy_model
from ..types import ErrorSpan, Segment, Severity

# Both small pipelines' NER has its own tok2vec, so the NER alone runs: the tagger, parser and
# lemmatizer would double the time.  The few fragments that need POS are tagged by `tag()`.
FR_PIPES = ("ner",)
EN_PIPES = ("ner",)
EN_TAGGER_PIPES = ("tok2vec", "tagger", "attribute_ruler")
BATCH_SIZE = 256
PARALLEL_FROM = 20_000  # segments; below this a second process (which reloads both models) costs more
# than it saves: 3000 WMT13 segments parse in 11.1 s with one process, 18.4 s with two (2 busy cores)


@dataclass
class Parsed:
    src: list[Any]  # spaCy Docs of the sources
    hyp: list[Any]  # spaCy Docs of the outputs


_cache: dict[tuple[int, int], tuple[tuple[str, ...], tuple[str, ...], Parsed]] = {}


def parse(segments: Sequence[Segment], n_process: int | None = None) -> Parsed:
    """spaCy docs for sources and outputs, computed once per distinct set of texts."""
    srcs = tuple(seg.src for seg in segments)
    hyps = tuple(seg.hyp for seg in segments)
    key = (hash(srcs), hash(hyps))
    hit = _cache.get(key)
    if hit and hit[0] == srcs and hit[1] == hyps:
        return hit[2]
    if n_process is None:
        n_process = 2 if len(segments) >= PARALLEL_FROM else 1
    fr = spacy_model(SPACY_FR, FR_PIPES)
    en = spacy_model(SPACY_EN, EN_PIPES)
    parsed = Parsed(
        src=list(fr.pipe(srcs, batch_size=BATCH_SIZE, n_process=n_process)),
        hyp=list(en.pipe(hyps, batch_size=BATCH_SIZE, n_process=n_process)),
    )
    _cache.clear()  # keep one run's parse: the flaggers of a run share it, the next run replaces it
    _cache[key] = (srcs, hyps, parsed)
    return parsed


@lru_cache(maxsize=50_000)
def tag(text: str) -> tuple[str, ...]:
    """Universal POS tags of an English text (used on short fragments only)."""
    nlp = spacy_model(SPACY_EN, EN_TAGGER_PIPES)
    return tuple(tok.pos_ for tok in nlp(text))


@lru_cache(maxsize=500_000)
def fold(text: str) -> str:
    """Lowercase without accents: 'Sergueï' -> 'sergue\u0069'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def zipf(word: str, lang: str) -> float:
    """wordfreq Zipf frequency (0 for unknown words, 7+ for 'the')."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, lang))


WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)


def words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word) for each alphabetic word."""
    return [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text)]


def is_empty(text: str) -> bool:
    """No letter or digit: the coverage flagger reports it once (other/empty); the others skip it."""
    return re.search(r"[^\W_]", text) is None


def make_span(seg: Segment, flagger: str, category: str, severity: Severity, start: int, end: int,
              message: str, confidence: float, on_source: bool = False) -> ErrorSpan:
    return ErrorSpan(seg_idx=seg.idx, flagger=flagger, category=category, severity=severity,
                     start=int(start), end=int(end), on_source=on_source, message=message,
                     confidence=round(float(confidence), 3))


_vectors: dict[str, Any] = {}
MAX_CACHED_VECTORS = 400_000  # ~0.8 GB of float32 512-d vectors at most


def embed(texts: Sequence[str]) -> dict[str, Any]:
    """USE vectors (unit length) of texts, each encoded once per process: the names and coverage
    flaggers, and every system of a run, share the words and n-grams they look up."""
    # The shared, sha256-checked loader (eval/models.py, used by eval/encoders.py too), with one
    # BLAS thread: the flaggers embed many tiny batches, and two threads on two busy cores made a
    # WMT13 run of all flaggers 4.6x slower (288 s against 62 s).
    from ..models import use_encoder

    missing = sorted({t for t in texts if t not in _vectors})
    if missing:
        if len(_vectors) + len(missing) > MAX_CACHED_VECTORS:
            _vectors.clear()
        for text, vec in zip(missing, use_encoder(1).encode(missing)):
            _vectors[text] = vec
    return {t: _vectors[t] for t in texts}
