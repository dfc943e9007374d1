"""Embedding metrics on the packaged models, offline: `sim-ref`, `bertscore`, `sim-src`.

- `sim-ref`: cosine between the mean-pooled MiniLM embeddings of output and reference
  (sentence-transformers' all-MiniLM-L6-v2 pooling).
- `bertscore`: BERTScore (Zhang et al. 2020) on the same MiniLM token embeddings (last layer):
  greedy cosine matching, precision over output tokens, recall over reference tokens, F1.
  Computed as the `bert-score` package does (special tokens weigh 0 but can be matched; with
  several references the best P, R and F1 are kept), so the two agree to 1e-4
  (bench/neural.py); optional idf weights computed on the references of the scored set.
- `sim-src`: cosine between the multilingual USE embeddings of output and French source:
  reference-free, for systems scored where no reference exists.

Corpus scores are means of segment scores.  Segments longer than the model window are split
(eval/models.py documents the rule); `extra["split_segments"]` counts them.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any, Sequence

from ..encoders import get_token_encoder, get_use_encoder, token_encoder_fields, use_fields
from ..types import MetricResult, Segment, Signature
from ..version import __version__
from .base import Metric, Progress, check_references

if TYPE_CHECKING:
    import numpy as np

    from ..encoders import Encoded, TokenEncoder


def split_extra(segments: Sequence[Segment], split_flags: Sequence[bool]) -> dict[str, Any]:
    """`extra` entries that say which segments went over the model window (split, not cut)."""
    ids = [seg.idx for seg, flag in zip(segments, split_flags) if flag]
    return {"split_segments": len(ids), "split_segments_ids": ids}


def mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else 0.0


class EncoderMetric(Metric):
    """Shared settings of the MiniLM metrics: model (None: the packaged MiniLM, or a local
    transformers folder), device, dtype."""

    def __init__(self, model: str | None = None, device: str | None = None, dtype: str | None = None,
                 batch_tokens: int = 8192) -> None:
        self.model = model
        self.device = device
        self.dtype = dtype
        self.batch_tokens = batch_tokens
        self._encoder: TokenEncoder | None = None

    @property
    def encoder(self) -> "TokenEncoder":
        if self._encoder is None:
            self._encoder = get_token_encoder(self.model, self.device, self.dtype, batch_tokens=self.batch_tokens)
        return self._encoder

    def settings(self) -> dict[str, Any]:
        return {}

    def signature(self) -> Signature:
        settings = self.settings()
        fields = [*settings.items(), *token_encoder_fields(self.model, self.device, self.dtype), ("relecture", __version__)]
        return Signature.of(self.name, fields, settings)

    def _encode_pair(self, segments: Sequence[Segment], nrefs: int, progress: Progress | None
                     ) -> tuple[list["Encoded"], list[list["Encoded"]]]:
        # one call: the batches of outputs and references share the workers (bench/neural.py)
        n = len(segments)
        texts = [seg.hyp for seg in segments] + [seg.refs[k] for k in range(nrefs) for seg in segments]
        encoded = self.encoder.encode(texts, progress, units=n)
        return encoded[:n], [encoded[n * (k + 1): n * (k + 2)] for k in range(nrefs)]


def pooled(encoded: "Encoded") -> "np.ndarray":
    """Mean of the token vectors, unit length (sentence-transformers' mean pooling + normalize)."""
    import numpy as np

    vec = encoded.vectors.mean(dim=0).numpy().astype(np.float64)
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm > 0 else vec


class SimRef(EncoderMetric):
    """Cosine of output and reference MiniLM sentence embeddings (max over references)."""

    name = "sim-ref"
    needs_reference = True
    corpus_is_mean = True  # eval/cache.py: the corpus score is the mean of segment scores

    def score(self, segments: Sequence[Segment], progress: Progress | None = None) -> MetricResult:
        nrefs = check_references(self, segments)
        hyps, refs = self._encode_pair(segments, nrefs, progress)
        seg_scores = []
        for i, hyp in enumerate(hyps):
            h = pooled(hyp)
            seg_scores.append(max(float(h @ pooled(refs[k][i])) for k in range(nrefs)))
        flags = [hyps[i].split or any(refs[k][i].split for k in range(nrefs)) for i in range(len(hyps))]
        return MetricResult(self.name, mean(seg_scores), self.signature(), True, seg_scores,
                            extra=split_extra(segments, flags))


def idf_weights(refs: Sequence["Encoded"], special_ids: set[int]) -> dict[int, float]:
    """idf of each word piece over the references, as bert-score computes it:
    log((M + 1) / (df + 1)), unseen pieces log(M + 1), special tokens 0."""
    counts: Counter[int] = Counter()
    for ref in refs:
        counts.update(set(int(i) for i in ref.ids))
    total = len(refs)
    weights = {piece: math.log((total + 1) / (df + 1)) for piece, df in counts.items()}
    weights["unseen"] = math.log(total + 1)  # type: ignore[index]
    for special in special_ids:
        weights[special] = 0.0
    return weights


def token_weights(encoded: "Encoded", idf: dict[int, float] | None) -> "np.ndarray":
    import numpy as np

    if idf is None:
        weights = np.ones(len(encoded.ids))
    else:
        unseen = idf["unseen"]  # type: ignore[index]
        weights = np.array([idf.get(int(i), unseen) for i in encoded.ids])
    weights[encoded.special] = 0.0
    return weights


def unit_rows(encoded: "Encoded") -> "np.ndarray":
    import numpy as np

    vectors = encoded.vectors.numpy()
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def bertscore_prf(hyp: "Encoded", ref: "Encoded", idf: dict[int, float] | None) -> tuple[float, float, float]:
    """Greedy-matching precision, recall and F1 of one output against one reference.

    numpy, not torch: on matrices this small, torch's thread pool costs more than the work."""
    w_h = token_weights(hyp, idf)
    w_r = token_weights(ref, idf)
    if w_h.sum() <= 0 or w_r.sum() <= 0:
        return 0.0, 0.0, 0.0  # an empty output (or reference) matches nothing
    sim = unit_rows(hyp) @ unit_rows(ref).T
    # a token whose best match has a negative cosine counts 0: bert-score gets the same floor
    # from its zero-filled padding, so the two agree
    precision = float((sim.max(axis=1).clip(min=0) * w_h).sum() / w_h.sum())
    recall = float((sim.max(axis=0).clip(min=0) * w_r).sum() / w_r.sum())
    f1 = 2 * precision * recall / (precision + recall) if precision + recall != 0 else 0.0
    return precision, recall, f1


class BERTScore(EncoderMetric):
    """BERTScore F1 on MiniLM token embeddings (P and R means in `extra`)."""

    name = "bertscore"
    needs_reference = True
    corpus_is_mean = True  # eval/cache.py: the corpus score is the mean of segment scores

    def __init__(self, model: str | None = None, idf: bool = False, device: str | None = None,
                 dtype: str | None = None, batch_tokens: int = 8192) -> None:
        super().__init__(model, device, dtype, batch_tokens)
        self.idf = bool(idf)
        # with idf, a segment's score depends on every reference of the scored set: the score
        # cache then keys on the references too (eval/cache.py)
        self.corpus_dependent = self.idf

    def settings(self) -> dict[str, Any]:
        return {"idf": "refs" if self.idf else "no", "layer": "last"}

    def prf(self, segments: Sequence[Segment], progress: Progress | None = None
            ) -> tuple[list[tuple[float, float, float]], list[bool]]:
        """(P, R, F1) per segment (best over references, component-wise) and split flags."""
        nrefs = check_references(self, segments)
        hyps, refs = self._encode_pair(segments, nrefs, progress)
        idf = None
        if self.idf:
            idf = idf_weights([r for ref_set in refs for r in ref_set], self.encoder.special_ids)
        out = []
        for i, hyp in enumerate(hyps):
            scores = [bertscore_prf(hyp, refs[k][i], idf) for k in range(nrefs)]
            out.append((max(s[0] for s in scores), max(s[1] for s in scores), max(s[2] for s in scores)))
        flags = [hyps[i].split or any(refs[k][i].split for k in range(nrefs)) for i in range(len(hyps))]
        return out, flags

    def score(self, segments: Sequence[Segment], progress: Progress | None = None) -> MetricResult:
        prf, flags = self.prf(segments, progress)
        precision, recall = [p for p, _, _ in prf], [r for _, r, _ in prf]
        result = MetricResult(self.name, mean([f for _, _, f in prf]), self.signature(), True,
                              seg_scores=[f for _, _, f in prf],
                              extra={"precision": mean(precision), "recall": mean(recall), **split_extra(segments, flags)})
        # per-segment P and R ride along outside the serialised result: the score cache stores
        # them so a merged rerun rebuilds the corpus P and R means (eval/cache.py)
        result.segment_parts = {"precision": precision, "recall": recall}
        return result


class SimSrc(Metric):
    """Cross-lingual cosine of output and French source (multilingual USE): no reference needed."""

    name = "sim-src"
    needs_source = True
    corpus_is_mean = True

    def signature(self) -> Signature:
        return Signature.of(self.name, [*use_fields(), ("relecture", __version__)])

    def score(self, segments: Sequence[Segment], progress: Progress | None = None) -> MetricResult:
        import numpy as np

        self.encoder = get_use_encoder()
        src = self.encoder.encode([seg.src for seg in segments])
        hyp = self.encoder.encode([seg.hyp for seg in segments], progress)
        seg_scores = [float(x) for x in np.einsum("ij,ij->i", src.astype(np.float64), hyp.astype(np.float64))]
        # USE reads any length: nothing is split or cut
        return MetricResult(self.name, mean(seg_scores), self.signature(), True, seg_scores,
                            extra={"split_segments": 0})
