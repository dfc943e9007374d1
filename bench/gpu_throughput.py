"""COMET-architecture throughput on a GPU: the naive path against ours, beside the FLOP bound.

    PYTHONPATH=. python bench/gpu_throughput.py [--segments 3000] [--device cuda] [--peak-tflops 989]
    PYTHONPATH=. python bench/gpu_throughput.py --tiny        # CPU smoke test of the script itself

Model: a randomly initialised XLM-R-large-sized encoder (24 layers, hidden 1024, 16 heads, FFN
4096, 250k vocabulary), three encoder passes per segment (source, output, reference: the
wmt22-comet-da layout), on WMT13 lengths (WordPiece counts of src/ref/online-B from the packaged
MiniLM tokenizer, a proxy for XLM-R lengths; random token ids: throughput does not depend on them).

- naive: fp32, batches of 16 in data order, padded to the longest of each batch (COMET's
  `predict` without length batching).
- ours: bf16 on GPU, every text of every pass sorted by length, batches filled up to a token
  budget (little padding: `padding-free packing` gains little more once sorted, so plain SDPA
  batches are used), `torch.inference_mode`.
- FLOP bound: useful FLOPs per segment (the real, unpadded lengths: 2·tokens·(4h² + 2h·ffn)
  per layer plus 4·len²·h attention) against the device's peak dense bf16 FLOP/s.
Reference (H200, plain transformers): naive 247 seg/s, bf16 sorted batches of 1024 2,706 seg/s,
bound ~15,700; goal >= 40% of the bound.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PEAK_BF16_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0, "L4": 121.0}


def wmt13_lengths(data: Path, n: int) -> list[tuple[int, int, int]]:
    from transformers import AutoTokenizer

    from relecture.encoders import MINILM

    tokenizer = AutoTokenizer.from_pretrained(str(MINILM.checked_path()))
    folder = data / "wmt13-fr-en"
    texts = [(folder / name).read_text(encoding="utf-8").splitlines()[:n]
             for name in ("src.fr", "systems/online-B.en", "ref.en")]
    counts = [[len(ids) for ids in tokenizer(t, truncation=True, max_length=512)["input_ids"]] for t in texts]
    return list(zip(*counts))


def layer_flops(tokens: int, length: int, hidden: int, ffn: int) -> float:
    return 2.0 * tokens * (4 * hidden * hidden + 2 * hidden * ffn) + 4.0 * length * length * hidden


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--segments", type=int, default=3000)
    parser.add_argument("--device", default=None)
    parser.add_argument("--tiny", action="store_true", help="a 2-layer toy encoder, 64 segments: smoke test on CPU")
    parser.add_argument("--peak-tflops", type=float, default=None, help="peak dense bf16 TFLOP/s of the device")
    parser.add_argument("--batch-tokens", type=int, default=65536, help="token budget of one sorted batch (ours)")
    parser.add_argument("--max-batch", type=int, default=1024, help="most texts in one sorted batch (ours)")
    parser.add_argument("--naive-batch", type=int, default=16)
    args = parser.parse_args(argv)

    import torch
    from transformers import XLMRobertaConfig, XLMRobertaModel

    from relecture.encoders import pick_device, pick_dtype

    device = pick_device(args.device)
    if args.tiny:
        config = XLMRobertaConfig(vocab_size=1000, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                                  intermediate_size=128, max_position_embeddings=514)
        args.segments = min(args.segments, 64)
        args.max_batch = min(args.max_batch, 32)
    else:
        config = XLMRobertaConfig(vocab_size=250002, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                                  intermediate_size=4096, max_position_embeddings=514)
    lengths = wmt13_lengths(Path(args.data), args.segments)
    n = len(lengths)
    torch.manual_seed(0)
    model = XLMRobertaModel(config, add_pooling_layer=False).to(device).eval()
    texts = [length for triple in lengths for length in triple]  # three passes per segment
    generator = torch.Generator().manual_seed(0)
    ids = [torch.randint(5, config.vocab_size, (length,), generator=generator) for length in texts]
    h, ffn, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    useful = sum(layers * layer_flops(length, length, h, ffn) for length in texts)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else device.type
    peak = args.peak_tflops or next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), None)

    def run(batches: list[list[int]], dtype: torch.dtype) -> float:
        model.to(dtype)
        with torch.inference_mode():
            for warm in batches[:2]:  # warm-up (kernels, allocator)
                forward(warm)
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            start = time.perf_counter()
            for batch in batches:
                forward(batch)
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            return time.perf_counter() - start

    def forward(batch: list[int]) -> None:
        width = max(len(ids[i]) for i in batch)
        input_ids = torch.full((len(batch), width), config.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, i in enumerate(batch):
            input_ids[row, : len(ids[i])] = ids[i]
            mask[row, : len(ids[i])] = 1
        model(input_ids=input_ids.to(device, non_blocking=True), attention_mask=mask.to(device, non_blocking=True))

    # naive: segment order, each segment's three texts in the same batch slot order as COMET
    order = list(range(len(texts)))
    per_pass = [[i for i in order if i % 3 == p] for p in range(3)]
    naive_batches = [chunk[s:s + args.naive_batch] for chunk in per_pass for s in range(0, len(chunk), args.naive_batch)]
    naive_s = run(naive_batches, torch.float32)

    ours_dtype = pick_dtype(device)
    sorted_ids = sorted(order, key=lambda i: len(ids[i]))
    ours_batches: list[list[int]] = []
    current: list[int] = []
    for i in sorted_ids:
        if current and ((len(current) + 1) * len(ids[i]) > args.batch_tokens or len(current) >= args.max_batch):
            ours_batches.append(current)
            current = []
        current.append(i)
    if current:
        ours_batches.append(current)
    ours_s = run(ours_batches, ours_dtype)

    padded = sum(len(b) * max(len(ids[i]) for i in b) for b in ours_batches)
    print(f"device: {name}; encoder {layers}x{h} (ffn {ffn}); {n} segments, 3 passes, "
          f"{sum(texts)} tokens (mean {sum(texts) / len(texts):.1f} per text)")
    print(f"{'path':40s} {'seconds':>9s} {'seg/s':>10s}")
    print(f"{'naive (fp32, batch ' + str(args.naive_batch) + ', unsorted)':40s} {naive_s:9.2f} {n / naive_s:10.1f}")
    label = f"ours ({str(ours_dtype).replace('torch.', '')}, sorted, {len(ours_batches)} batches)"
    print(f"{label:40s} {ours_s:9.2f} {n / ours_s:10.1f}   padding {100 * (padded / sum(texts) - 1):.1f}%")
    if peak:
        bound = peak * 1e12 / (useful / n)
        print(f"{'FLOP bound (' + f'{peak:g} TFLOP/s bf16' + ')':40s} {'':9s} {bound:10.1f}   ours at "
              f"{100 * (n / ours_s) / bound:.1f}% of it (goal >= 40%)")
    else:
        print(f"useful GFLOP per segment: {useful / n / 1e9:.1f}; pass --peak-tflops for the bound")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
