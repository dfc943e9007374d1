"""The model backend: a transformers checkpoint (or a CTranslate2 conversion of one) translating
on this machine.

- Encoder-decoder checkpoints: Marian/OPUS-MT as they are; NLLB (`fra_Latn` -> `eng_Latn`) and
  M2M100 (`fr` -> `en`) with the source language set on the tokenizer and the target language
  forced as the first generated token; T5-family models with a prefix (MADLAD-400's `<2en> `
  when its vocabulary has that token).
- Decoder-only models: the prompt (with {src}) as the user turn of the tokenizer's chat template
  when it has one, the plain prompt otherwise; left padding; only the new tokens are decoded.
- Batches are sorted by input length (longest first), so a batch pads little and the first batch
  shows at once whether the longest inputs fit in memory; outputs return in test-set order.
- No silent truncation: an input longer than the model's limit is split between sentences and
  its pieces translated and joined (counted as `split_segments`), or, with `long_inputs: error`
  or a single sentence over the limit, a GenerationError. Outputs that stop at
  `max_new_tokens` without end-of-sentence are counted as `capped_segments`.
- Device: cuda in bfloat16 when there is a GPU, else cpu in float32 (`device`, `dtype`).

The identity in the output cache is the sha256 of every file of the checkpoint (weights, config,
generation config, tokenizer), the decoding settings and the prompt/prefix/language codes.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

from ..errors import GenerationError
from ..models import sha256_file
from .base import SENTENCE_END, Backend, OnDone, Translation, one_line
from .cache import OutputCache
from .spec import DEFAULT_PROMPT

# Language codes of the multilingual models, by tokenizer family: (source, target).
NLLB_CODES = ("fra_Latn", "eng_Latn")
M2M_CODES = ("fr", "en")
MADLAD_PREFIX = "<2en> "
T5_TYPES = ("t5", "mt5", "umt5", "longt5")
# Files of a checkpoint folder that do not change what it computes.
NOT_MODEL_FILES = ("README.md", "LICENSE", ".gitattributes")


def resolve_checkpoint(model: str, resolve: Callable[[str], Path]) -> Path:
    """A local folder as written in the config, else a hub id fetched (or found in the hub cache)."""
    local = resolve(model)
    if local.is_dir():
        return local
    if local.exists():
        raise GenerationError(f"model {model}: not a checkpoint folder")
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model))
    except Exception as exc:  # the hub's many errors (offline, unknown repo, auth) end the same way
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GenerationError(f"model {model}: not a local folder, and the hub could not provide it ({first})") from None


def checkpoint_sha256(folder: Path, cache: OutputCache | None) -> tuple[str, dict[str, str]]:
    """sha256 over every file of the checkpoint (path and content), and each weight file's."""
    import hashlib

    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in NOT_MODEL_FILES
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    combined = hashlib.sha256()
    weights: dict[str, str] = {}
    for path in files:
        digest = cache.file_sha256(path) if cache else sha256_file(str(path))
        name = path.relative_to(folder).as_posix()
        combined.update(f"{name}\0{digest}\n".encode())
        if path.suffix in (".safetensors", ".bin", ".pt", ".pth", ".gguf") or name.endswith("model.bin"):
            weights[name] = digest
    return combined.hexdigest(), weights


def pick_device(device: str, dtype: str) -> tuple[str, torch.dtype]:
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise GenerationError(f"device {device} asked for, but torch sees no CUDA device")
    if dtype == "auto":
        dtype = "bfloat16" if device.startswith("cuda") else "float32"
    return device, getattr(torch, dtype)


def split_sentences(text: str) -> list[str]:
    return [part for part in re.split(SENTENCE_END, text.strip()) if part]


class ModelBackend(Backend):
    """Shared by the transformers and CTranslate2 backends: inputs, limits, splitting, batching."""

    kind = "transformers"

    def __init__(self, spec: dict[str, Any], folder: Path, cache: OutputCache | None) -> None:
        self.spec = spec
        self.folder = folder
        self.batch_size = spec["batch_size"]
        self.settings = dict(spec.get("generate") or {})
        self.model_sha256, self.weights = checkpoint_sha256(folder, cache)
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.config = AutoConfig.from_pretrained(str(folder))
        self.encoder_decoder = bool(getattr(self.config, "is_encoder_decoder", False))
        self.src_lang, self.tgt_lang, self.prefix = self._languages()
        self.prompt = None if self.encoder_decoder else (spec.get("prompt") or DEFAULT_PROMPT)
        self.chat = bool(getattr(self.tokenizer, "chat_template", None)) and not self.encoder_decoder
        if not self.encoder_decoder:
            self.tokenizer.padding_side = "left"  # generation continues from the last position
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.max_input = spec.get("max_input_tokens") or self._model_limit()

    # --- what the model is asked -------------------------------------------------------------
    def _languages(self) -> tuple[str | None, str | None, str | None]:
        name = type(self.tokenizer).__name__.lower()
        src, tgt = self.spec.get("src_lang"), self.spec.get("tgt_lang")
        if "nllb" in name:
            src, tgt = src or NLLB_CODES[0], tgt or NLLB_CODES[1]
        elif "m2m100" in name:
            src, tgt = src or M2M_CODES[0], tgt or M2M_CODES[1]
        if src is not None and hasattr(self.tokenizer, "src_lang"):
            self.tokenizer.src_lang = src
        prefix = self.spec.get("prefix")
        if prefix is None and getattr(self.config, "model_type", "") in T5_TYPES and \
                self.tokenizer.convert_tokens_to_ids(MADLAD_PREFIX.strip()) != self.tokenizer.unk_token_id:
            prefix = MADLAD_PREFIX
        return src, tgt, prefix

    def _forced_bos(self) -> int | None:
        if self.tgt_lang is None:
            return None
        get_lang_id = getattr(self.tokenizer, "get_lang_id", None)  # M2M100: "en" -> "__en__"
        token_id = get_lang_id(self.tgt_lang) if callable(get_lang_id) else self.tokenizer.convert_tokens_to_ids(self.tgt_lang)
        if token_id is None or token_id == self.tokenizer.unk_token_id:
            raise GenerationError(f"model {self.spec['model']}: its tokenizer has no language code {self.tgt_lang!r} (tgt_lang)")
        return int(token_id)

    def _model_limit(self) -> int:
        limits = [getattr(self.config, key, None) for key in ("max_position_embeddings", "n_positions", "max_seq_len")]
        tokenizer_limit = getattr(self.tokenizer, "model_max_length", None)
        if isinstance(tokenizer_limit, int) and tokenizer_limit < 1_000_000:  # "no limit" is 1e30
            limits.append(tokenizer_limit)
        found = [int(v) for v in limits if isinstance(v, int) and v > 0]
        return min(found) if found else 1_000_000

    def text_for(self, src: str) -> str:
        if self.encoder_decoder:
            return f"{self.prefix or ''}{src}"
        assert self.prompt is not None
        user = self.prompt.replace("{src}", src)
        if self.chat:
            return str(self.tokenizer.apply_chat_template([{"role": "user", "content": user}],
                                                          add_generation_prompt=True, tokenize=False))
        return user

    def encode(self, src: str) -> list[int]:
        text = self.text_for(src)
        add_special = not self.chat  # a chat template already holds its special tokens
        return list(self.tokenizer(text, add_special_tokens=add_special, truncation=False)["input_ids"])

    def identity(self) -> dict[str, Any]:
        return {"backend": self.kind, "model_sha256": self.model_sha256, "generate": self.settings,
                "src_lang": self.src_lang, "tgt_lang": self.tgt_lang, "prefix": self.prefix,
                "prompt": self.prompt, "chat_template": self.chat, "max_input_tokens": self.max_input,
                "long_inputs": self.spec["long_inputs"], **self.numerics()}

    def describe(self) -> dict[str, Any]:
        return {**self.identity(), "model": self.spec["model"], "weights_sha256": self.weights,
                "batch_size": self.batch_size, **self.runtime()}

    def numerics(self) -> dict[str, Any]:
        """Where and in what precision it computes: bfloat16 on a GPU and float32 on a CPU do not
        give the same outputs, so they are part of the identity (the batch size is not: batched
        and one-by-one greedy outputs were equal token for token, bench/generate.py)."""
        return {}

    def runtime(self) -> dict[str, Any]:
        """Library versions, shown in results.json, not part of the identity."""
        return {}

    # --- batching ------------------------------------------------------------------------------
    def pieces(self, src: str) -> list[list[int]]:
        """The token ids of a source, or of its pieces when it is over the model's limit."""
        ids = self.encode(src)
        if len(ids) <= self.max_input:
            return [ids]
        shown = src if len(src) <= 60 else src[:57] + "..."
        if self.spec["long_inputs"] == "error":
            raise GenerationError(f"model {self.spec['model']}: a source segment has {len(ids)} tokens, over the "
                                  f"model's limit of {self.max_input} ({shown!r}); set long_inputs: split to cut it between sentences")
        pieces: list[list[int]] = []
        current = ""
        for sentence in split_sentences(src):
            joined = f"{current} {sentence}".strip()
            if current and len(self.encode(joined)) > self.max_input:
                pieces.append(self.encode(current))
                joined = sentence
            current = joined
        pieces.append(self.encode(current))
        too_long = max(len(p) for p in pieces)
        if too_long > self.max_input:
            raise GenerationError(f"model {self.spec['model']}: a sentence of {too_long} tokens is over the model's "
                                  f"limit of {self.max_input}, even split between sentences ({shown!r})")
        return pieces

    def run(self, sources: list[str], on_done: OnDone) -> None:
        units: list[tuple[int, int, list[int]]] = []  # (source index, piece number, token ids)
        for i, src in enumerate(sources):
            units.extend((i, k, ids) for k, ids in enumerate(self.pieces(src)))
        remaining = [0] * len(sources)
        for i, _, _ in units:
            remaining[i] += 1
        done: list[dict[int, tuple[str, bool]]] = [{} for _ in sources]
        order = sorted(range(len(units)), key=lambda u: -len(units[u][2]))  # longest first
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            finished: dict[str, Translation] = {}
            for u, result in zip(batch, self.generate_texts([units[u][2] for u in batch])):
                i, k, _ = units[u]
                done[i][k] = result
                remaining[i] -= 1
                if remaining[i] == 0:
                    parts = [done[i][k] for k in sorted(done[i])]
                    finished[sources[i]] = Translation(one_line(" ".join(text for text, _ in parts)),
                                                       split=len(parts) if len(parts) > 1 else 0,
                                                       capped=any(capped for _, capped in parts))
            if finished:
                on_done(finished)

    def generate_texts(self, batch: list[list[int]]) -> list[tuple[str, bool]]:
        """(output text, stopped at the length limit) for each input of a batch."""
        raise NotImplementedError


class TransformersBackend(ModelBackend):
    kind = "transformers"

    def __init__(self, spec: dict[str, Any], folder: Path, cache: OutputCache | None) -> None:
        super().__init__(spec, folder, cache)
        self.device, self.dtype = pick_device(spec["device"], spec["dtype"])
        if spec.get("threads"):
            # process-wide; on a shared 2-core machine 1 thread decoded a tiny Marian 20x faster
            # than 2 (0.11 s vs 2.7 s a batch), the threads spinning against other processes
            torch.set_num_threads(spec["threads"])
        auto = AutoModelForSeq2SeqLM if self.encoder_decoder else AutoModelForCausalLM
        transformers.utils.logging.disable_progress_bar()  # our own progress goes to stderr
        dtype_key = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"
        try:
            self.model = auto.from_pretrained(str(folder), **{dtype_key: self.dtype}).to(self.device).eval()
        except (OSError, ValueError) as exc:
            raise GenerationError(f"model {spec['model']}: cannot be loaded: {str(exc).splitlines()[0]}") from None
        self.gen_kwargs = dict(self.settings)
        forced = self._forced_bos()
        if forced is not None:
            self.gen_kwargs.setdefault("forced_bos_token_id", forced)
        if not self.encoder_decoder:
            self.gen_kwargs.setdefault("pad_token_id", self.tokenizer.pad_token_id)
        config = self.model.generation_config
        # The length limit an output may reach: a real model also forces end-of-sentence there
        # (forced_eos_token_id), so reaching the limit, not a missing EOS, is what says "capped".
        self.max_new = self.gen_kwargs.get("max_new_tokens", config.max_new_tokens)
        self.max_length = self.gen_kwargs.get("max_length", config.max_length)

    def numerics(self) -> dict[str, Any]:
        return {"device": self.device.split(":")[0], "dtype": str(self.dtype).replace("torch.", "")}

    def runtime(self) -> dict[str, Any]:
        return {"torch": torch.__version__, "transformers": transformers.__version__}

    def generate_ids(self, batch: list[list[int]]) -> list[list[int]]:
        """The generated token ids of each input (padding removed; decoder-only: new tokens only)."""
        padded = self.tokenizer.pad({"input_ids": batch}, return_tensors="pt").to(self.device)
        try:
            with torch.inference_mode():
                out = self.model.generate(**padded, **self.gen_kwargs)
        except (TypeError, ValueError) as exc:  # an unknown or invalid `generate:` setting
            raise GenerationError(f"model {self.spec['model']}: generate settings {self.settings}: {str(exc).splitlines()[0]}") from None
        if not self.encoder_decoder:
            out = out[:, padded["input_ids"].shape[1]:]
        pad = self.tokenizer.pad_token_id
        start = 1 if self.encoder_decoder else 0  # the decoder's start token (Marian: the pad id)
        rows = []
        for row in out.tolist():
            row = row[start:]
            while row and row[-1] == pad:
                row.pop()
            rows.append(row)
        return rows

    def capped(self, row: list[int], n_input: int) -> bool:
        if self.max_new is not None:
            return len(row) >= self.max_new
        total = len(row) + (1 if self.encoder_decoder else n_input)
        return self.max_length is not None and total >= self.max_length

    def generate_texts(self, batch: list[list[int]]) -> list[tuple[str, bool]]:
        rows = self.generate_ids(batch)
        texts = self.tokenizer.batch_decode(rows, skip_special_tokens=True)
        return [(text, self.capped(row, len(ids))) for text, row, ids in zip(texts, rows, batch)]

    def close(self) -> None:
        del self.model


class CTranslate2Backend(ModelBackend):
    """A model converted with ct2-transformers-converter (`--copy_files` the tokenizer files):
    the same inputs, languages and splitting, decoded by CTranslate2 (`num_beams` and
    `max_new_tokens` map to its beam_size and max_decoding_length)."""

    kind = "ctranslate2"

    def __init__(self, spec: dict[str, Any], folder: Path, cache: OutputCache | None) -> None:
        try:
            import ctranslate2
        except ImportError:
            raise GenerationError("backend ctranslate2 needs the ctranslate2 package (pip install ctranslate2)") from None
        super().__init__(spec, folder, cache)
        if not self.encoder_decoder:
            raise GenerationError(f"model {spec['model']}: the ctranslate2 backend here takes encoder-decoder models only")
        device = spec["device"]
        self.device = ("cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu") if device == "auto" else device
        self.translator = ctranslate2.Translator(str(folder), device=self.device)
        self.version = ctranslate2.__version__
        unknown = set(self.settings) - {"num_beams", "max_new_tokens", "length_penalty", "repetition_penalty"}
        if unknown:
            raise GenerationError(f"model {spec['model']}: generate settings {sorted(unknown)} are not supported by the ctranslate2 backend")

    def numerics(self) -> dict[str, Any]:
        return {"device": self.device.split(":")[0], "compute_type": "default"}

    def runtime(self) -> dict[str, Any]:
        return {"ctranslate2": self.version}

    def generate_texts(self, batch: list[list[int]]) -> list[tuple[str, bool]]:
        tokens = [self.tokenizer.convert_ids_to_tokens(ids) for ids in batch]
        prefix = [[self.tgt_lang]] * len(batch) if self.tgt_lang else None
        max_len = int(self.settings.get("max_new_tokens", 256))
        results = self.translator.translate_batch(
            tokens, target_prefix=prefix, beam_size=int(self.settings.get("num_beams", 1)),
            max_decoding_length=max_len, length_penalty=float(self.settings.get("length_penalty", 1.0)),
            repetition_penalty=float(self.settings.get("repetition_penalty", 1.0)))
        out = []
        for result in results:
            hyp = result.hypotheses[0]
            ids = self.tokenizer.convert_tokens_to_ids(hyp)
            out.append((self.tokenizer.decode(ids, skip_special_tokens=True), len(hyp) >= max_len))
        return out


def load_model_backend(spec: dict[str, Any], resolve: Callable[[str], Path], cache: OutputCache | None) -> ModelBackend:
    folder = resolve_checkpoint(spec["model"], resolve)
    cls = CTranslate2Backend if spec["backend"] == "ctranslate2" else TransformersBackend
    return cls(spec, folder, cache)
