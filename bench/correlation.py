"""Segment-level Kendall tau (WMT formula) against the WMT12 and WMT13 human pairwise judgments.

    PYTHONPATH=. python bench/correlation.py [--data ../shared/data] [--cache /tmp/cache-3]

Rows: `learned` (ours) trained on the other year only (the figure that counts: never tested on
its own training judgments), both variants; and each signal alone: sentence chrF, sentence BLEU
(the `chrf` and `bleu` metrics' segment scores), BERTScore F1, sim-ref, sim-src, USE
output-reference cosine.  Features are computed by the metric code itself
(relecture.metrics.learned.compute_features) for every judged (segment, system) output, cached
under --cache (the first run takes a while on a CPU).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

ROWS = [
    ("chrF (sentence)", "chrf"),
    ("BLEU (sentence)", "bleu"),
    ("bertscore F1 (MiniLM)", "bertscore_f"),
    ("sim-ref (MiniLM cosine)", "sim_ref"),
    ("USE output-reference cosine", "use_ref"),
    ("sim-src (USE, no reference)", "sim_src"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--cache", default="/tmp/cache-3")
    args = parser.parse_args(argv)

    from train_learned import VARIANTS, YEARS, features_for, tau_of, train

    from relecture.meta import kendall_tau, load_wmt

    loaded = {}
    for name in YEARS:
        folder = Path(args.data) / f"{name}-fr-en"
        year = load_wmt(folder)
        items, feats = features_for(year, folder, Path(args.cache))
        loaded[name] = (year, items, feats)
    other = {"wmt12": "wmt13", "wmt13": "wmt12"}
    table: list[tuple[str, dict[str, float]]] = []
    for variant, label in (("ref", "learned (ref), trained on the other year"),
                           ("src", "learned (src, no reference), other year")):
        row = {}
        for test in YEARS:
            model = train([loaded[other[test]]], VARIANTS[variant])
            row[test] = tau_of(model, *loaded[test])
        table.append((label, row))
    for label, feature in ROWS:
        row = {}
        for test in YEARS:
            year, items, feats = loaded[test]
            row[test] = kendall_tau(year.pairs, {item: float(v) for item, v in zip(items, feats[feature])})
        table.append((label, row))
    print(f"{'metric':44s} " + " ".join(f"{y.upper() + ' tau':>10s}" for y in YEARS))
    for label, row in table:
        print(f"{label:44s} " + " ".join(f"{row[y]:10.4f}" for y in YEARS))
    pairs = {y: len(loaded[y][0].pairs) for y in YEARS}
    print("pairs: " + ", ".join(f"{y} {n}" for y, n in pairs.items()) + " (ties in a metric count as discordant)")
    chrf = next(row for label, row in table if label.startswith("chrF"))
    ours = table[0][1]
    for y in YEARS:
        print(f"{y}: learned - chrF = {ours[y] - chrf[y]:+.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
