"""Paired significance tests: Relecture (eval/stats.py) against sacrebleu's own, side by side.

For pairs of WMT13 fr-en systems (3000 segments) and BLEU, chrF, TER: sacrebleu's paired
bootstrap (1000 resamples) and approximate randomization (10,000 trials) through its
`PairedTest`, and ours, with the same seed (12345). Timings exclude the extraction of
sufficient statistics, which both do once per system (sacrebleu is handed cached statistics),
so the ratio measures the resampling itself. p-values are printed side by side: ours with
sacrebleu's count of ties must equal sacrebleu's; our default (ties count as extreme) may
differ only by tied trials.

    python bench/compare.py [--data ../shared/data/wmt13-fr-en] [--pairs 3] [--metrics bleu,chrf,ter]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

# One core each: sacrebleu's resampling is single-threaded Python, so ours gets one BLAS thread
# (on a loaded machine, BLAS threads fighting for cores also make timings meaningless).
# Override by exporting OPENBLAS_NUM_THREADS before running.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
from sacrebleu.metrics import BLEU, CHRF, TER  # noqa: E402
from sacrebleu.significance import PairedTest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from relecture import stats  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wmt13-fr-en"
PAIRS = [("online-B", "KIT_primary.2658"), ("uedin-wmt13.2838", "LIMSI-Ncode-SOUL-primary.2585"),
         ("online-A", "rbmt-1"), ("DCU__primary.2828", "FDA.2898")]
METRICS: dict[str, tuple[type, Callable[[np.ndarray], np.ndarray]]] = {
    "bleu": (BLEU, stats.bleu_from_stats), "chrf": (CHRF, stats.chrf_from_stats), "ter": (TER, stats.ter_from_stats),
}


def cached(cls: type, cache: dict[int, Any]) -> Any:
    """The sacrebleu metric, handed precomputed statistics (so only resampling is timed)."""

    class Cached(cls):  # type: ignore[misc, valid-type]
        def _extract_corpus_statistics(self, hypotheses, references):  # noqa: ANN001
            return cache[id(hypotheses)]

    metric = Cached()
    metric.num_refs = 1  # what extracting the statistics would have recorded
    return metric


def best_of(repeats: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--metrics", default="bleu,chrf,ter")
    parser.add_argument("--repeats", type=int, default=3, help="ours: best of N runs")
    args = parser.parse_args()
    if not (args.data / "ref.en").is_file():
        print(f"no data at {args.data} (WMT13 fr-en: src.fr, ref.en, systems/)", file=sys.stderr)
        return 2
    os.environ.setdefault("SACREBLEU_SEED", "12345")
    refs = [(args.data / "ref.en").read_text(encoding="utf-8").splitlines()]
    print(f"{len(refs[0])} segments · seed 12345 · bootstrap 1000 resamples · AR 10000 trials · numpy {np.__version__} · "
          f"BLAS threads {os.environ['OPENBLAS_NUM_THREADS']} · load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    header = f"{'baseline -> candidate':48} {'metric':6} {'test':4} {'sacrebleu s':>11} {'ours s':>8} {'ratio':>7}  {'p sacrebleu':>11} {'p ours(=ties)':>13} {'p ours':>8}"
    print(header)
    print("-" * len(header))
    ratios: dict[str, list[float]] = {"bs": [], "ar": []}
    all_equal = True
    for base_name, cand_name in PAIRS[: args.pairs]:
        base = (args.data / "systems" / f"{base_name}.en").read_text(encoding="utf-8").splitlines()
        cand = (args.data / "systems" / f"{cand_name}.en").read_text(encoding="utf-8").splitlines()
        for metric in args.metrics.split(","):
            cls, scorer = METRICS[metric]
            plain = cls()
            cache = {id(base): plain._extract_corpus_statistics(base, refs), id(cand): plain._extract_corpus_statistics(cand, refs)}
            base_m = np.asarray(cache[id(base)], dtype=np.float64)
            cand_m = np.asarray(cache[id(cand)], dtype=np.float64)
            for test, n in (("bs", 1000), ("ar", 10000)):
                sacre_s, (_, table) = best_of(1, lambda: PairedTest([(base_name, base), (cand_name, cand)], {metric: cached(cls, cache)}, refs, test_type=test, n_samples=n)())
                sacre_p = [v for k, v in table.items() if k != "System"][0][1].p_value
                if test == "bs":
                    ours_s, ours = best_of(args.repeats, lambda: stats.paired_bootstrap(base_m, cand_m, scorer, n_resamples=n))
                    strict = stats.paired_bootstrap(base_m, cand_m, scorer, n_resamples=n, count_ties=False)
                else:
                    ours_s, ours = best_of(args.repeats, lambda: stats.approximate_randomization(base_m, cand_m, scorer, n_trials=n))
                    strict = stats.approximate_randomization(base_m, cand_m, scorer, n_trials=n, count_ties=False)
                ratio = sacre_s / ours_s
                ratios[test].append(ratio)
                equal = abs(strict.p_value - sacre_p) < 1e-12
                all_equal &= equal
                print(f"{base_name + ' -> ' + cand_name:48} {metric:6} {test:4} {sacre_s:11.3f} {ours_s:8.4f} {ratio:6.1f}x  "
                      f"{sacre_p:11.4f} {strict.p_value:13.4f}{'' if equal else '!'} {ours.p_value:8.4f}")
    for test, values in ratios.items():
        if values:
            print(f"{test}: speed-up median {np.median(values):.1f}x, min {min(values):.1f}x, max {max(values):.1f}x")
    print("p-values with sacrebleu's count of ties equal sacrebleu's everywhere" if all_equal else "SOME p-VALUES DIFFER (marked !)")
    return 0 if all_equal else 1


if __name__ == "__main__":
    sys.exit(main())
