"""Generation throughput: the transformers backend (eval/generate, length-sorted batches) against
a plain `model.generate` loop, one segment at a time, over the same inputs, with greedy decoding;
the outputs must be the same token for token. Batches in test-set order (unsorted) are timed too,
to show what the sorting itself brings.

    PYTHONPATH=. python bench/generate.py [--segments 128] [--batch-size 32] [--threads 1]
                                          [--device cpu|cuda] [--dtype float32|bfloat16]

The model is a Marian built here (tests/tiny_marian.py: sentencepiece vocabularies trained on the
demo text, random seeded weights, d_model 256, 3+3 layers, 4 heads, FFN 1024; an end-of-sentence
bias makes outputs end at varied lengths, as a trained model's do). Inputs: WMT13 sources of the
test part (bench/splits.py) when ../shared/data is present, else the demo source repeated. Goal:
the backend >= 2x the plain loop's segments per second on CPU. Model loading is not timed;
each figure is the best of --rounds.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["RELECTURE_CACHE"] = "off"


def sources(data: Path, n: int) -> tuple[list[str], str]:
    wmt = data / "wmt13-fr-en" / "src.fr"
    if wmt.is_file():
        from bench.splits import wmt_test_mask

        lines = wmt.read_text(encoding="utf-8").splitlines()
        picked = [line for line, test in zip(lines, wmt_test_mask(lines)) if test][:n]
        return picked, f"WMT13 test part, first {len(picked)}"
    demo = (ROOT / "data" / "demo" / "src.fr").read_text(encoding="utf-8").splitlines()
    return (demo * (n // len(demo) + 1))[:n], f"demo source repeated, {n}"


def best_of(rounds: int, fn):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--segments", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads, both sides (default 1)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)

    import torch

    from relecture.generate.driver import generate_output
    from relecture.generate.transformers import TransformersBackend
    from relecture.schema import check_keys
    from relecture.generate.spec import MODEL_SCHEMA
    from tests.tiny_marian import build_marian

    texts, origin = sources(Path(args.data), args.segments)
    folder = build_marian(Path(tempfile.mkdtemp(prefix="bench-marian-")) / "marian", d_model=256, layers=3, heads=4,
                          ffn=1024, max_positions=512, vocab_size=2000)
    settings = {"max_new_tokens": args.max_new_tokens, "num_beams": 1, "do_sample": False}

    def backend_for(batch_size: int) -> TransformersBackend:
        spec = check_keys("", {"model": str(folder), "batch_size": batch_size, "generate": settings,
                               "device": args.device, "dtype": args.dtype, "threads": args.threads},
                          MODEL_SCHEMA, "bench")
        return TransformersBackend(spec, folder, None)

    backend = backend_for(args.batch_size)
    model, tokenizer = backend.model, backend.tokenizer
    torch.set_num_threads(args.threads)
    print(f"inputs: {origin} segments; model: Marian d_model 256, 3+3 layers, vocab {model.config.vocab_size}; "
          f"device {args.device}, {args.dtype}, {torch.get_num_threads()} thread(s), greedy, max_new_tokens {args.max_new_tokens}")

    # 1. the plain loop: one model.generate per segment
    def plain() -> list[list[int]]:
        rows = []
        with torch.inference_mode():
            for text in texts:
                batch = tokenizer(text, return_tensors="pt").to(args.device)
                out = model.generate(**batch, **settings)[0].tolist()[1:]  # drop the decoder start
                while out and out[-1] == tokenizer.pad_token_id:
                    out.pop()
                rows.append(out)
        return rows

    # 2. the backend, recording the token ids of what it generated for each input
    recorded: dict[tuple[int, ...], list[int]] = {}
    generate_ids = backend.generate_ids

    def spy(batch: list[list[int]]) -> list[list[int]]:
        rows = generate_ids(batch)
        recorded.update((tuple(ids), row) for ids, row in zip(batch, rows))
        return rows

    backend.generate_ids = spy  # type: ignore[method-assign]
    distinct = list(dict.fromkeys(texts))

    def ours() -> list[str]:
        return generate_output(backend, texts, None).outputs

    # 3. the same batches without sorting: test-set order
    def unsorted() -> list[list[int]]:
        rows: list[list[int]] = []
        for start in range(0, len(distinct), args.batch_size):
            rows.extend(generate_ids([backend.encode(t) for t in distinct[start:start + args.batch_size]]))
        return rows

    ours()  # warm-up (first-call allocations), not timed
    t_plain, plain_rows = best_of(args.rounds, plain)
    t_ours, _ = best_of(args.rounds, ours)
    t_unsorted, unsorted_rows = best_of(args.rounds, unsorted)
    ours_rows = [recorded[tuple(backend.encode(t))] for t in texts]
    same = sum(a == b for a, b in zip(plain_rows, ours_rows))
    by_text = dict(zip(distinct, unsorted_rows))
    same_unsorted = sum(by_text[t] == row for t, row in zip(texts, plain_rows))
    lengths = sorted(len(r) for r in plain_rows)
    n = len(texts)
    print(f"output lengths (tokens): min {lengths[0]}, median {lengths[n // 2]}, max {lengths[-1]}")
    print(f"{'method':42} {'seconds':>8} {'seg/s':>8} {'vs loop':>8} {'same tokens':>12}")
    for label, seconds, equal in (("plain model.generate loop (1 at a time)", t_plain, n),
                                  (f"batches of {args.batch_size}, test-set order", t_unsorted, same_unsorted),
                                  (f"relecture backend, sorted batches of {args.batch_size}", t_ours, same)):
        print(f"{label:42} {seconds:8.2f} {n / seconds:8.2f} {t_plain / seconds:7.2f}x {equal:>6}/{n}")
    return 0 if same == n else 1


if __name__ == "__main__":
    sys.exit(main())
