"""`comet`: COMET checkpoints scored natively on current `transformers` and numpy 2.

The official `unbabel-comet` package pins numpy<2 and transformers<5, so it cannot be a
dependency; this module reads the same checkpoints and computes the same scores (parity to 1e-5
is checked by bench/comet_parity.py against the official package, and by the test suite against
scores the official package gave on a tiny checkpoint stored in tests/data/comet).

Supported `class_identifier`s (hparams.yaml): `regression_metric` (wmt22-comet-da style:
src, mt and ref encoded separately, pooled, combined, feed-forward), `referenceless_regression_metric`
(the same without reference), `unified_metric` (CometKiwi: one encoder pass over "mt </s></s> src",
and with a reference also over mt+ref and mt+src+ref, averaged) and `xcomet_metric` (XCOMET:
unified metric with word-level error tags, decoded into error spans with severities; the score
mixes the regression heads with an MQM score from the spans, as the official predict does).
Encoders: XLM-RoBERTa and XLM-RoBERTa-XL (every released COMET of these kinds).

Loading is safe: `model.safetensors` when present, else `torch.load(weights_only=True)`, which
refuses pickled code.  `model` is a checkpoint file, a folder (holding hparams.yaml and
checkpoints/model.ckpt), or a hub id (downloaded with huggingface_hub: needs the hub).  The
encoder's config and tokenizer come from `encoder` (a local folder) or from the checkpoint's
`pretrained_model` (a hub id, e.g. xlm-roberta-large, or a local folder).

Windows: COMET models read at most `max_position_embeddings - 2` positions (512 for XLM-R).  The
rule is the official one: each text is cut to 510 pieces, and a concatenated input to 512; the
count of affected segments is reported (`extra["truncated_segments"]`, ids in
`extra["truncated_segments_ids"]`), never silent.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from ..errors import UsageError
from ..encoders import (ModelError, dtype_name, file_sha256, length_batches, library_fields, pick_device, pick_dtype,
                        set_cpu_threads)
from ..types import ErrorSpan, MetricResult, Segment, Signature
from ..version import __version__
from .base import Metric, Progress

if TYPE_CHECKING:
    import torch

SUPPORTED = ("regression_metric", "referenceless_regression_metric", "unified_metric", "xcomet_metric")
ENCODERS = ("XLM-RoBERTa", "XLM-RoBERTa-XL")


@dataclass(frozen=True)
class Checkpoint:
    weights: Path
    hparams: dict[str, Any]
    name: str
    folder: Path | None = None

    def encoder_source(self, override: str | None) -> str:
        """The encoder's config/tokenizer: the override, else pretrained_model (a relative path
        is read against the checkpoint folder first, then as a hub id)."""
        source = override or self.hparams.get("pretrained_model")
        if not source:
            raise ModelError("comet: hparams.yaml names no pretrained_model; pass encoder: <folder>")
        if self.folder is not None and not Path(str(source)).is_absolute() and (self.folder / str(source)).is_dir():
            return str((self.folder / str(source)).resolve())
        return str(source)


def locate(model: str) -> Checkpoint:
    """The weights file and hparams of a checkpoint given as a file, a folder or a hub id."""
    import yaml

    path = Path(model).expanduser()
    if path.is_file():
        weights = path
        folder = path.parent.parent if path.parent.name == "checkpoints" else path.parent
    elif path.is_dir():
        folder = path
        candidates = [path / "checkpoints" / "model.safetensors", path / "model.safetensors",
                      path / "checkpoints" / "model.ckpt", path / "model.ckpt"]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise ModelError(f"comet model '{model}': no checkpoints/model.ckpt or model.safetensors in {path}")
        weights = found
    elif "/" in model and not model.startswith((".", "/", "~")):
        folder = download(model)
        return locate(str(folder))
    else:
        raise ModelError(f"comet model '{model}': no such file or folder")
    hparams_file = next((f for f in (folder / "hparams.yaml", weights.parent / "hparams.yaml") if f.is_file()), None)
    if hparams_file is None:
        raise ModelError(f"comet model '{model}': hparams.yaml is missing from {folder}")
    hparams = yaml.safe_load(hparams_file.read_text(encoding="utf-8")) or {}
    kind = hparams.get("class_identifier")
    if kind not in SUPPORTED:
        raise ModelError(f"comet model '{model}': class '{kind}' is not supported; supported: {', '.join(SUPPORTED)}")
    if hparams.get("encoder_model", "XLM-RoBERTa") not in ENCODERS:
        raise ModelError(f"comet model '{model}': encoder '{hparams.get('encoder_model')}' is not supported; "
                         f"supported: {', '.join(ENCODERS)}")
    return Checkpoint(weights, hparams, folder.name if path.exists() else model, folder)


def download(repo_id: str) -> Path:
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id=repo_id))
    except Exception as exc:  # offline, unknown id, gated model: one line for the user
        raise ModelError(f"comet model '{repo_id}' cannot be fetched from the hub ({type(exc).__name__}); "
                         f"download it where the hub answers and pass the local folder") from None


def load_state_dict(weights: Path) -> dict[str, "torch.Tensor"]:
    """Tensors only: safetensors, or a Lightning checkpoint read with weights_only=True."""
    import torch

    if weights.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(weights))
    try:
        data = torch.load(str(weights), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ModelError(f"{weights}: not loadable with weights_only=True ({str(exc).splitlines()[0][:200]}); "
                         f"convert it to safetensors where you trust it") from None
    state = data.get("state_dict", data) if isinstance(data, dict) else None
    if not isinstance(state, dict):
        raise ModelError(f"{weights}: no state_dict inside")
    return state


def sparsemax(z: "torch.Tensor") -> "torch.Tensor":
    """Sparsemax over a 1-D tensor (Martins & Astudillo 2016): the Euclidean projection onto
    the simplex; as entmax.sparsemax, which COMET uses for its layer mixing."""
    import torch

    ordered, _ = torch.sort(z, descending=True)
    cumulative = ordered.cumsum(0)
    k = torch.arange(1, z.numel() + 1, dtype=z.dtype, device=z.device)
    support = (1 + k * ordered) > cumulative
    size = support.sum()
    tau = (cumulative[size - 1] - 1) / size.to(z.dtype)
    return torch.clamp(z - tau, min=0)


def build_heads(hparams: dict[str, Any], hidden: int, num_layers: int, state: dict[str, Any]) -> Any:
    """The layer mix, feed-forward estimator and (word-level) tagger, loaded from `state`."""
    import torch
    from torch import nn

    kind = hparams["class_identifier"]
    heads = nn.Module()
    in_dim = {"regression_metric": 6, "referenceless_regression_metric": 4}.get(kind, 1) * hidden
    sizes = list(hparams.get("hidden_sizes") or ([2560, 1280] if kind == "xcomet_metric" else [3072, 1024]))
    activation = str(hparams.get("activations", "Tanh")).title()
    if not hasattr(nn, activation):
        raise ModelError(f"comet: unknown activation '{hparams.get('activations')}'")
    modules: list[nn.Module] = []
    previous = in_dim
    for size in sizes:
        # Dropout slots keep the official module indices (estimator.ff.N.*) aligned
        modules += [nn.Linear(previous, size), getattr(nn, activation)(), nn.Dropout(0.0)]
        previous = size
    modules.append(nn.Linear(previous, 1))
    final = hparams.get("final_activation")
    if final:
        modules.append(getattr(nn, str(final).title())())
    heads.estimator = nn.Sequential(*modules)
    layer = hparams.get("sent_layer", hparams.get("layer", "mix")) if kind in ("unified_metric", "xcomet_metric") else hparams.get("layer", "mix")
    heads.mix = None
    if layer == "mix":
        heads.mix = nn.Parameter(torch.zeros(num_layers))
        heads.gamma = nn.Parameter(torch.ones(1))
    if kind == "xcomet_metric" or (kind == "unified_metric" and hparams.get("word_level_training")):
        labels = hparams.get("error_labels") or ["minor", "major", "critical"]
        heads.tagger = nn.Linear(hidden, len(labels) + 1)
    # official names -> ours
    mapped: dict[str, Any] = {}
    for key, value in state.items():
        if key.startswith("estimator.ff."):
            mapped["estimator." + key[len("estimator.ff."):]] = value
        elif key.startswith("hidden2tag."):
            mapped["tagger." + key[len("hidden2tag."):]] = value
        elif key == "layerwise_attention.gamma":
            mapped["gamma"] = value
    if heads.mix is not None:
        scalars = [state[f"layerwise_attention.scalar_parameters.{i}"] for i in range(num_layers)
                   if f"layerwise_attention.scalar_parameters.{i}" in state]
        if len(scalars) != num_layers:
            raise ModelError(f"comet: checkpoint has {len(scalars)} layer weights for {num_layers} layers")
        mapped["mix"] = torch.cat([s.reshape(1) for s in scalars])
    missing, unexpected = heads.load_state_dict(mapped, strict=False)
    if missing:
        raise ModelError(f"comet: checkpoint lacks {', '.join(sorted(missing)[:4])}")
    return heads


class COMET(Metric):
    """A COMET checkpoint (regression, CometKiwi, XCOMET with error spans), scored natively."""

    name = "comet"
    needs_source = True
    corpus_is_mean = True  # eval/cache.py: the corpus score is the mean of segment scores

    def __init__(self, model: str = "Unbabel/wmt22-comet-da", encoder: str | None = None,
                 device: str | None = None, dtype: str | None = None, batch_tokens: int = 16384,
                 max_batch: int = 64) -> None:
        if not model:
            raise UsageError("metric 'comet' needs a model: a hub id or a local checkpoint path")
        self.model = model
        self.encoder_path = encoder
        self.checkpoint = locate(model)
        self.kind = self.checkpoint.hparams["class_identifier"]
        segments = self.checkpoint.hparams.get("input_segments") or ["mt", "src", "ref"]
        self.needs_reference = self.kind == "regression_metric"
        self.uses_reference = self.kind == "regression_metric" or (
            self.kind in ("unified_metric", "xcomet_metric") and "ref" in segments)
        self.device_name = device
        self.dtype_name = dtype
        self.batch_tokens = batch_tokens
        self.max_batch = max_batch
        self._loaded: Any = None

    # ------------------------------------------------------------ signature
    def signature(self) -> Signature:
        device = pick_device(self.device_name)
        dtype = pick_dtype(device, self.dtype_name)
        pretrained = self.encoder_path or self.checkpoint.hparams.get("pretrained_model") or "?"
        return Signature.of(self.name, [
            ("model", self.checkpoint.name), ("class", self.kind), ("sha256", file_sha256(str(self.checkpoint.weights))[:16]),
            ("encoder", Path(str(pretrained)).name), *library_fields(), ("device", device.type), ("dtype", dtype_name(dtype)),
            ("relecture", __version__)])

    # ------------------------------------------------------------ loading
    def load(self) -> "_Loaded":
        if self._loaded is None:
            self._loaded = _load(self.checkpoint.weights, self.checkpoint.encoder_source(self.encoder_path),
                                 self.device_name, self.dtype_name,
                                 json.dumps(self.checkpoint.hparams, sort_keys=True, default=str))
        return self._loaded

    # ------------------------------------------------------------ scoring
    def score(self, segments: Sequence[Segment], progress: Progress | None = None) -> MetricResult:
        if self.needs_reference and any(not seg.refs for seg in segments):
            raise UsageError(f"metric 'comet' with {self.checkpoint.name} ({self.kind}) needs a reference")
        loaded = self.load()
        with_ref = self.uses_reference and all(seg.refs for seg in segments)
        nrefs = len(segments[0].refs) if with_ref and segments else 0
        if nrefs > 1:
            raise UsageError("metric 'comet' scores against one reference; give one (COMET has no multi-reference mode)")
        src = [seg.src for seg in segments]
        mt = [seg.hyp for seg in segments]
        ref = [seg.refs[0] for seg in segments] if with_ref else None
        scores, spans, truncated = loaded.predict(src, mt, ref, self.kind, progress,
                                                  self.batch_tokens, self.max_batch)
        ids = [seg.idx for seg, cut in zip(segments, truncated) if cut]
        extra: dict[str, Any] = {"truncated_segments": len(ids), "truncated_segments_ids": ids,
                                 "reference": bool(with_ref)}
        if spans is not None:
            extra["error_spans"] = [
                ErrorSpan(seg.idx, "comet", "accuracy/mistranslation", span["severity"], span["start"], span["end"],
                          False, f"XCOMET {span['severity']} error: '{seg.hyp[span['start']:span['end']]}'",
                          round(span["confidence"], 4)).to_dict()
                for seg, seg_spans in zip(segments, spans) for span in seg_spans
            ]
        return MetricResult(self.name, float(sum(scores) / len(scores)) if scores else 0.0, self.signature(),
                            True, [float(s) for s in scores], extra=extra)


@functools.lru_cache(maxsize=4)
def _load(weights: Path, encoder_path: str, device: str | None, dtype: str | None, hparams_json: str) -> "_Loaded":
    """Load once per process: the runner builds metrics per run, the weights stay in memory."""
    return _Loaded(weights, json.loads(hparams_json), encoder_path, device, dtype)


class _Loaded:
    def __init__(self, weights: Path, hparams: dict[str, Any], encoder_path: str,
                 device: str | None, dtype: str | None) -> None:
        import torch
        from transformers import AutoConfig, AutoTokenizer

        self.hparams = hparams
        self.device = pick_device(device)
        self.dtype = pick_dtype(self.device, dtype)
        if self.device.type == "cpu":
            set_cpu_threads()
        source = encoder_path
        try:
            config = AutoConfig.from_pretrained(str(source))
            self.tokenizer = AutoTokenizer.from_pretrained(str(source))
            # texts are measured untruncated, then cut by the rule above: no length warnings
            self.tokenizer.model_max_length = 1_000_000
        except (OSError, ValueError) as exc:
            raise ModelError(f"comet: encoder config/tokenizer '{source}' not found locally nor on the hub "
                             f"({type(exc).__name__}); pass encoder: <local folder>") from None
        state = load_state_dict(weights)
        encoder_model = hparams.get("encoder_model", "XLM-RoBERTa")
        if encoder_model == "XLM-RoBERTa-XL":
            from transformers import XLMRobertaXLModel as EncoderClass
        else:
            from transformers import XLMRobertaModel as EncoderClass  # type: ignore[assignment]
        encoder = EncoderClass(config, add_pooling_layer=False)
        prefix = "encoder.model."
        encoder_state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        # position_ids is a buffer some versions save and others not
        encoder_state.pop("embeddings.position_ids", None)
        missing, unexpected = encoder.load_state_dict(encoder_state, strict=False)
        missing = [m for m in missing if not m.endswith("position_ids")]
        if missing or unexpected:
            raise ModelError(f"comet: encoder weights do not fit {encoder_model} "
                             f"(missing {missing[:3]}, unexpected {list(unexpected)[:3]})")
        self.encoder = encoder.to(self.device, self.dtype).eval()
        self.num_layers = config.num_hidden_layers + 1
        self.max_positions = config.max_position_embeddings - 2
        self.heads = build_heads(hparams, config.hidden_size, self.num_layers, state).to(self.device).float().eval()
        kind = hparams["class_identifier"]
        transform = hparams.get("layer_transformation", "softmax")
        # unbabel-comet >= 2.2.4 reads "sparsemax_patch" as softmax (its issue #244): same here
        self.transform = sparsemax if transform == "sparsemax" else (lambda w: torch.softmax(w, dim=0))
        self.layer_norm = bool(hparams.get("layer_norm", kind not in ("xcomet_metric",)))
        self.pool = hparams.get("pool", "avg")
        layer = hparams.get("sent_layer", hparams.get("layer", "mix")) if kind in ("unified_metric", "xcomet_metric") else hparams.get("layer", "mix")
        self.layer = layer
        self.word_layer = int(hparams.get("word_layer", 24 if kind == "unified_metric" else 36))
        self.torch = torch
        self.pad_id = self.tokenizer.pad_token_id
        self.cls_id = self.tokenizer.cls_token_id
        self.sep_id = self.tokenizer.sep_token_id

    # ------------------------------------------------------------ shared pieces
    def _tokenize(self, texts: Sequence[str], offsets: bool = False) -> tuple[list[list[int]], list[Any], list[bool]]:
        """Pieces with <s> </s>, cut to max_positions - 2 like the official prepare_sample."""
        limit = self.max_positions - 2
        full = self.tokenizer(list(texts), truncation=False, return_offsets_mapping=offsets)
        ids, spans, cut = [], [], []
        for i, seq in enumerate(full["input_ids"]):
            seq = list(seq)
            cut.append(len(seq) > limit)
            if len(seq) > limit:
                seq = seq[: limit - 1] + [seq[-1]]  # the tokenizer's own truncation keeps </s>
            ids.append(seq)
            spans.append(list(full["offset_mapping"][i][: len(seq) - 1]) + [(0, 0)] if offsets else None)
        return ids, spans, cut

    def _run(self, sequences: list[list[int]]) -> tuple[Any, Any, Any]:
        """Encoder pass over one batch: all hidden states (float32) and the mask."""
        torch = self.torch
        width = max(len(s) for s in sequences)
        input_ids = torch.full((len(sequences), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(sequences), width), dtype=torch.long)
        for row, seq in enumerate(sequences):
            input_ids[row, : len(seq)] = torch.tensor(seq)
            mask[row, : len(seq)] = 1
        input_ids, mask = input_ids.to(self.device), mask.to(self.device)
        out = self.encoder(input_ids=input_ids, attention_mask=mask, output_hidden_states=True)
        return [h.float() for h in out.hidden_states], mask, input_ids

    def _mix(self, layers: list[Any], mask: Any) -> Any:
        """COMET's LayerwiseAttention: gamma * sum(w_k * [layer-normed] layer_k)."""
        torch = self.torch
        if self.layer != "mix":
            return layers[int(self.layer)]
        weights = self.transform(self.heads.mix)
        if not self.layer_norm:
            return self.heads.gamma * sum(w * t for w, t in zip(weights.split(1), layers))
        mask_f = mask.float()
        broadcast = mask_f.unsqueeze(-1)
        count = mask_f.sum(1) * layers[0].shape[-1]
        pieces = []
        for w, tensor in zip(weights.split(1), layers):
            masked = tensor * broadcast
            mean = (masked.view(tensor.shape[0], -1).sum(1) / count).view(-1, 1, 1)
            var = (((masked - mean) * broadcast) ** 2).view(tensor.shape[0], -1).sum(1) / count
            pieces.append(w * ((tensor - mean) / torch.sqrt(var + 1e-12).view(-1, 1, 1)))
        return self.heads.gamma * sum(pieces)

    def _pool(self, embeddings: Any, mask: Any, input_ids: Any, last: Any) -> Any:
        if self.pool == "avg":
            filled = embeddings.masked_fill(input_ids.eq(self.pad_id).unsqueeze(-1), 0.0)
            return filled.sum(1) / mask.unsqueeze(-1).expand(embeddings.size()).float().sum(1)
        if self.pool == "max":
            return embeddings.masked_fill(input_ids.eq(self.pad_id).unsqueeze(-1), float("-inf")).max(dim=1)[0]
        if self.pool == "cls":
            return embeddings[:, 0, :]
        if self.pool == "default":
            return last[:, 0, :]
        raise ModelError(f"comet: unknown pooling '{self.pool}'")

    # ------------------------------------------------------------ model kinds
    def predict(self, src: list[str], mt: list[str], ref: list[str] | None, kind: str, progress: Progress | None,
                batch_tokens: int, max_batch: int) -> tuple[list[float], list[list[dict[str, Any]]] | None, list[bool]]:
        with self.torch.inference_mode():
            if kind in ("regression_metric", "referenceless_regression_metric"):
                return self._regression(src, mt, ref if kind == "regression_metric" else None, progress,
                                        batch_tokens, max_batch)
            return self._unified(src, mt, ref, kind, progress, batch_tokens, max_batch)

    def _sentence_embeddings(self, texts: list[str], batch_tokens: int, max_batch: int,
                             progress: Progress | None = None) -> tuple[Any, list[bool]]:
        """One pooled embedding per distinct text (shared references are encoded once)."""
        torch = self.torch
        unique = sorted(set(texts))
        ids, _, cut = self._tokenize(unique)
        vectors: list[Any] = [None] * len(unique)
        for batch in length_batches([len(s) for s in ids], batch_tokens, max_batch):
            layers, mask, input_ids = self._run([ids[i] for i in batch])
            pooled = self._pool(self._mix(layers, mask), mask, input_ids, layers[-1])
            for row, i in enumerate(batch):
                vectors[i] = pooled[row]
            if progress:
                progress(len(batch))
        where = {t: i for i, t in enumerate(unique)}
        return torch.stack([vectors[where[t]] for t in texts]), [cut[where[t]] for t in texts]

    def _regression(self, src: list[str], mt: list[str], ref: list[str] | None, progress: Progress | None,
                    batch_tokens: int, max_batch: int) -> tuple[list[float], None, list[bool]]:
        torch = self.torch
        mt_emb, mt_cut = self._sentence_embeddings(mt, batch_tokens, max_batch, progress)
        src_emb, src_cut = self._sentence_embeddings(src, batch_tokens, max_batch)
        cut = [a or b for a, b in zip(mt_cut, src_cut)]
        if ref is not None:
            ref_emb, ref_cut = self._sentence_embeddings(ref, batch_tokens, max_batch)
            cut = [a or b for a, b in zip(cut, ref_cut)]
            features = torch.cat((mt_emb, ref_emb, mt_emb * ref_emb, (mt_emb - ref_emb).abs(),
                                  mt_emb * src_emb, (mt_emb - src_emb).abs()), dim=1)
        else:
            features = torch.cat((mt_emb, src_emb, mt_emb * src_emb, (mt_emb - src_emb).abs()), dim=1)
        scores = self.heads.estimator(features).view(-1)
        return [float(s) for s in scores.cpu()], None, cut

    def _concat(self, parts: list[list[int]]) -> tuple[list[int], bool]:
        """<s> a </s></s> b </s>[</s> c </s>], cut to max_positions as the official concat."""
        sequence = parts[0]
        for other in parts[1:]:
            sequence = [self.cls_id, *sequence[1:-1], self.sep_id, self.sep_id, *other[1:-1], self.sep_id]
        special = 1 + len(parts) * 2
        inner = sum(len(p) - 2 for p in parts)
        if inner > self.max_positions - special:
            return sequence[: self.max_positions], True
        return sequence, False

    def _unified(self, src: list[str], mt: list[str], ref: list[str] | None, kind: str, progress: Progress | None,
                 batch_tokens: int, max_batch: int) -> tuple[list[float], list[list[dict[str, Any]]] | None, list[bool]]:
        torch = self.torch
        word_level = hasattr(self.heads, "tagger")
        mt_ids, mt_offsets, mt_cut = self._tokenize(mt, offsets=word_level)
        src_ids, _, src_cut = self._tokenize(src)
        cut = [a or b for a, b in zip(mt_cut, src_cut)]
        inputs = [[self._concat([m, s]) for m, s in zip(mt_ids, src_ids)]]
        if ref is not None:
            ref_ids, _, ref_cut = self._tokenize(ref)
            cut = [a or b for a, b in zip(cut, ref_cut)]
            inputs.append([self._concat([m, r]) for m, r in zip(mt_ids, ref_ids)])
            inputs.append([self._concat([m, s, r]) for m, s, r in zip(mt_ids, src_ids, ref_ids)])
        n = len(mt)
        passes: list[tuple[Any, Any]] = []  # per input kind: (scores (n,), tag probs list or None)
        for which, sequences in enumerate(inputs):
            cut = [c or seq_cut for c, (_, seq_cut) in zip(cut, sequences)]
            scores = torch.zeros(n)
            probs: list[Any] = [None] * n
            for batch in length_batches([len(s) for s, _ in sequences], batch_tokens, max_batch):
                layers, mask, _ = self._run([sequences[i][0] for i in batch])
                sentemb = self._mix(layers, mask)[:, 0, :]
                batch_scores = self.heads.estimator(sentemb).view(-1).cpu()
                if word_level:
                    logits = self.heads.tagger(layers[self.word_layer])
                    batch_probs = torch.softmax(logits, dim=2).cpu()
                for row, i in enumerate(batch):
                    scores[i] = batch_scores[row]
                    if word_level:
                        probs[i] = batch_probs[row, : len(mt_ids[i])]
                if progress and which == len(inputs) - 1:
                    progress(len(batch))
            passes.append((scores, probs if word_level else None))
        if not word_level:
            final = torch.stack([s for s, _ in passes]).mean(dim=0)
            return [float(s) for s in final], None, cut
        # word-level: the span probabilities of the passes, weighted as the official predict
        weights = [0.1667, 0.3333, 0.5] if len(passes) == 3 else [1.0]
        spans = []
        for i in range(n):
            mixed = sum(w * p[1][i] for w, p in zip(weights, passes)) if len(passes) == 3 else passes[0][1][i]
            spans.append(self._decode(mixed, mt_ids[i], mt_offsets[i]))
        if kind == "xcomet_metric":
            score_weights = [0.12, 0.33, 0.33, 0.22]
            mqm = torch.tensor([mqm_from_spans(s) for s in spans])
            if len(passes) == 3:
                regression = sum(torch.where(p[0] > 1.0, 1.0, p[0]) * w for p, w in zip(passes, score_weights[:3]))
            else:
                regression = torch.where(passes[0][0] > 1.0, 1.0, passes[0][0]) * sum(score_weights[:3])
            final = regression + mqm * score_weights[3]
        else:
            final = torch.stack([s for s, _ in passes]).mean(dim=0)
        return [float(s) for s in final], spans, cut

    def _decode(self, probs: Any, ids: list[int], offsets: list[Any]) -> list[dict[str, Any]]:
        """Contiguous runs of error-tagged pieces -> spans (the official decode, threshold off)."""
        torch = self.torch
        labels = ["O"] + [f"I-{label}" for label in (self.hparams.get("error_labels") or ["minor", "major", "critical"])]
        spans: list[dict[str, Any]] = []
        span: dict[str, Any] | None = None
        for token_probs, offset in zip(probs, offsets):
            probability, label_value = torch.topk(token_probs, 1)
            label = labels[int(label_value[0])]
            if label.startswith("I") and span is None:
                span = {"severity": label.split("-")[1], "start": int(offset[0]), "end": int(offset[1]),
                        "confidence": [float(probability[0])]}
            elif label.startswith("I") and span is not None:
                span["confidence"].append(float(probability[0]))
                span["end"] = int(offset[1])
            elif label == "O" and span is not None:
                spans.append(span)
                span = None
        # as the official decode, a span still open at the end of the output is dropped
        return [{**s, "confidence": sum(s["confidence"]) / len(s["confidence"])} for s in spans]


def mqm_from_spans(spans: list[dict[str, Any]]) -> float:
    """XCOMET's MQM score from spans: 1 - min(25, minor + 5 major + 10 critical) / 25."""
    penalty = sum({"minor": 1, "major": 5, "critical": 10}.get(s["severity"], 0) for s in spans)
    return (25 - min(penalty, 25)) / 25


__all__ = ["COMET", "locate", "load_state_dict", "sparsemax"]
