"""Cross-year segment tau: `learned` and `learned-qe` fitted as shipped (scripts/train_learned.py,
tune parts) but without one WMT year, then measured on every judged line of that year, beside
chrF and the shipped fit on the same lines.  This is how issue 16 stated its WMT goals (the
session-1 weights file: 0.323 on WMT12 when fitted on WMT13, 0.284 on WMT13 when fitted on WMT12).

    PYTHONPATH=. python bench/cross_year.py [--data ../shared/data] [--cache DIR]

Features come from train_learned.py's cache (computed there with the metrics' own code).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

import train_learned  # noqa: E402

from relecture.meta import kendall_tau  # noqa: E402
from relecture.metrics.learned import apply_model  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "relecture" / "learned-features"))
    args = parser.parse_args(argv)
    datasets = train_learned.load_datasets(Path(args.data), Path(args.cache))
    fitted = train_learned.training_sets(datasets)
    print("| metric | held-out year (every judged line) | tau, fitted without that year | tau, shipped fit (its tune part seen) | chrF |")
    print("|---|---|---|---|---|")
    for variant, names in train_learned.VARIANTS.items():
        shipped = train_learned.train(fitted, names)
        for held in ("wmt12", "wmt13"):
            model = train_learned.train({k: v for k, v in fitted.items() if k != held}, names)
            ds = datasets[held]

            def tau(scores: object) -> float:
                by_key = dict(zip(ds.keys, map(float, scores)))  # type: ignore[call-overload]
                return kendall_tau(ds.data.pairs, by_key)

            feats = {n: ds.feats[n] for n in names}
            label = "learned" if variant == "ref" else "learned-qe"
            print(f"| {label} | {held} ({len(ds.data.pairs):,} pairs) | {tau(apply_model(model, feats)):.4f} | "
                  f"{tau(apply_model(shipped, feats)):.4f} | {tau(ds.feats['chrf']):.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
