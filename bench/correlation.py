"""How well each metric agrees with people, on the test parts of the human data (tune beside).

    PYTHONPATH=. python bench/correlation.py [--data ../shared/data] [--cache DIR] [--aggregates]

Data and splits as scripts/train_learned.py (bench/splits.py): WMT12 and WMT13 pairwise
rankings (WMT13: every line; the weights are fitted on every fourth), Bio-MQM (MQM scores, 11 systems, by document), DEMETR
(the good MT against its perturbations, by item).  For each set and part: segment tau (WMT
formula, metric ties discordant), within-segment pairwise accuracy (ties one half) and
system-level pairwise accuracy (eval/meta.py), for `learned` and `learned-qe` (the shipped
weights, fitted on the tune parts only), chrF, BLEU, bertscore, sim-ref and sim-src.  The
segment scores come from the features the metrics compute (cached by train_learned.py), so the
figures are those of the metrics themselves.  `--aggregates` adds the study of the system
score of `learned`: the mean of its segment scores against the mean of transformed ones
(bounded: s*tanh(x/s); stressing the worst: -s*exp(-x/s)), and the model fitted without the
system-level pairs of scripts/train_learned.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

METRICS = ("learned", "learned-qe", "chrf", "bleu", "bertscore", "sim-ref", "sim-src")
SETS = ("wmt12", "wmt13", "bio", "demetr")


def figures(ds: object, scorer: object, part: str) -> dict[str, float]:
    from relecture.meta import kendall_tau, pairwise_accuracy, system_accuracy

    keep = np.array([ds.part[seg] == part for seg in scorer.seg_of])  # type: ignore[attr-defined]
    seg_scores = {k: float(v) for k, v, kept in zip(ds.keys, scorer.segment, keep) if kept}  # type: ignore[attr-defined]
    pairs = [p for p in ds.data.pairs if ds.part[p[0]] == part]  # type: ignore[attr-defined]
    human = ds.split(part).human_system_scores()  # type: ignore[attr-defined]
    correct, total = system_accuracy(human, scorer.scores(keep))  # type: ignore[attr-defined]
    return {"tau": kendall_tau(pairs, seg_scores), "acc": pairwise_accuracy(pairs, seg_scores),
            "sys": correct, "sys_n": total, "pairs": len(pairs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "relecture" / "learned-features"))
    parser.add_argument("--aggregates", action="store_true")
    args = parser.parse_args(argv)

    from fit_agreement import SystemScorer
    from splits import TEST, TUNE
    from train_learned import load_datasets, train, training_sets

    from relecture.metrics.learned import REF_MODEL_FEATURES

    datasets = load_datasets(Path(args.data), Path(args.cache), SETS)
    for name in SETS:
        ds = datasets[name]
        parts = {part: len({s for s, _ in ds.keys if ds.part[s] == part}) for part in (TEST, TUNE)}
        print(f"\n## {name}: {len(ds.data.systems())} systems; test {parts[TEST]} segments, tune {parts[TUNE]}")
        print(f"{'metric':12s} {'segment tau test (tune)':>24s} {'pairwise acc test (tune)':>25s} {'system acc test (tune)':>30s}")
        for metric in METRICS:
            scorer = SystemScorer(ds, metric)
            test, tune = figures(ds, scorer, TEST), figures(ds, scorer, TUNE)
            system = (f"{test['sys']:g}/{test['sys_n']} ({tune['sys']:g}/{tune['sys_n']})" if name != "demetr" else "-")
            print(f"{metric:12s} {test['tau']:>13.4f} ({tune['tau']:.4f}) {test['acc']:>14.4f} ({tune['acc']:.4f}) {system:>30s}")
        print(f"(human pairs: test {figures(ds, SystemScorer(ds, 'sim-src'), TEST)['pairs']}, "
              f"tune {figures(ds, SystemScorer(ds, 'sim-src'), TUNE)['pairs']})")
        if args.aggregates and name != "demetr":
            print("learned system score: system acc test (tune)")
            plain = SystemScorer(ds, "learned")
            transforms = {"mean of segment scores (shipped)": lambda x: x}
            for scale in (2.0, 0.5):
                transforms[f"mean of s*tanh(x/s), s={scale}"] = lambda x, s=scale: s * np.tanh(x / s)
                transforms[f"mean of -s*exp(-x/s), s={scale}"] = lambda x, s=scale: -s * np.exp(-x / s)
            for label, transform in transforms.items():
                plain.values = plain.segment = transform(SystemScorer(ds, "learned").segment)
                test, tune = figures(ds, plain, TEST), figures(ds, plain, TUNE)
                print(f"  {label:36s} {test['sys']:g}/{test['sys_n']} ({tune['sys']:g}/{tune['sys_n']})")
            alone = SystemScorer(ds, "learned", train(training_sets(datasets), REF_MODEL_FEATURES, system_weight=0.0))
            test, tune = figures(ds, alone, TEST), figures(ds, alone, TUNE)
            print(f"  {'fitted without system-level pairs':36s} {test['sys']:g}/{test['sys_n']} ({tune['sys']:g}/{tune['sys_n']}); "
                  f"segment tau {test['tau']:.4f} ({tune['tau']:.4f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
