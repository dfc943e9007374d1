"""Train the `learned` metric on the WMT12 and WMT13 human pairwise judgments, bit for bit.

    PYTHONPATH=. python scripts/train_learned.py --data ../shared/data [--out eval/metrics/learned_weights.json]

For each year, the features of every judged (segment, system) output are computed with the very
code the metric runs (relecture.metrics.learned.compute_features) and cached under --cache.  A linear
model over standardised features is fitted with a pairwise logistic loss (RankNet with a linear
scorer): for a human judgment "a better than b", loss = log(1 + exp(-(w · (z_a - z_b)))), plus
an L2 penalty.  The problem is convex; L-BFGS from zero in float64 reaches the same weights on
every run (no random initialisation: the seed is recorded for completeness and fixes nothing
else).  Three fits per variant: wmt12, wmt13 (each tested on the other year, the figures
bench/correlation.py prints) and wmt12+wmt13 (the shipped default).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from relecture.meta import WMTYear, data_hashes, kendall_tau, load_wmt  # noqa: E402
from relecture.metrics.learned import FEATURES, LEN_REF_FEATURES, REF_FEATURES, SRC_FEATURES, compute_features  # noqa: E402

SCRIPT_VERSION = "1"
SEED = 13
L2 = 1e-3
YEARS = ("wmt12", "wmt13")
VARIANTS = {"ref": REF_FEATURES + LEN_REF_FEATURES + SRC_FEATURES, "src": SRC_FEATURES}


def features_for(year: WMTYear, folder: Path, cache_dir: Path, chunk: int = 2000) -> tuple[list[tuple[int, str]], dict[str, np.ndarray]]:
    """Features of every judged (segment, system) item of one year, cached by data hash."""
    from relecture.encoders import MINILM, USE_M3, get_token_encoder, get_use_encoder

    items = year.judged()
    key = hashlib.sha256(json.dumps([data_hashes(folder), FEATURES, MINILM.sha256, USE_M3.sha256,
                                     SCRIPT_VERSION]).encode()).hexdigest()[:16]
    path = cache_dir / f"features-{year.name}-{key}.npz"
    if path.exists():
        with np.load(path) as saved:
            return items, {name: saved[name] for name in FEATURES}
    parts: list[dict[str, np.ndarray]] = []
    start = time.time()
    for begin in range(0, len(items), chunk):
        segments = [year.segment(seg, sys) for seg, sys in items[begin:begin + chunk]]
        parts.append(compute_features(segments, with_refs=True))
        # bounded memory: the encoders' memos would otherwise hold every text of the year
        get_token_encoder().clear()
        get_use_encoder().clear()
        print(f"  {year.name}: {min(begin + chunk, len(items))}/{len(items)} items, {time.time() - start:.0f}s",
              file=sys.stderr, flush=True)
    feats = {name: np.concatenate([p[name] for p in parts]) for name in FEATURES}
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez(path, **feats)
    return items, feats


def pair_matrix(year: WMTYear, items: list[tuple[int, str]], columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    index = {item: i for i, item in enumerate(items)}
    better = np.array([index[(seg, b)] for seg, b, _ in year.pairs])
    worse = np.array([index[(seg, w)] for seg, _, w in year.pairs])
    return better, worse


def fit(diffs: np.ndarray) -> np.ndarray:
    """Minimise mean log(1 + exp(-d · w)) + L2 |w|^2 over w (L-BFGS, from zero, float64)."""
    from scipy.optimize import minimize

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        margin = diffs @ w
        value = np.logaddexp(0.0, -margin).mean() + L2 * (w @ w)
        grad = -(diffs * (1.0 / (1.0 + np.exp(margin)))[:, None]).mean(axis=0) + 2 * L2 * w
        return float(value), grad

    result = minimize(loss, np.zeros(diffs.shape[1]), jac=True, method="L-BFGS-B",
                      options={"maxiter": 1000, "gtol": 1e-10, "ftol": 1e-14})
    return result.x


def train(years: list[tuple[WMTYear, list[tuple[int, str]], dict[str, np.ndarray]]], names: tuple[str, ...]) -> dict:
    columns = np.concatenate([np.stack([f[n] for n in names], axis=1) for _, _, f in years])
    mean = columns.mean(axis=0)
    std = columns.std(axis=0)
    std[std == 0] = 1.0
    diffs = []
    for year, items, feats in years:
        z = (np.stack([feats[n] for n in names], axis=1) - mean) / std
        better, worse = pair_matrix(year, items, z)
        diffs.append(z[better] - z[worse])
    weights = fit(np.concatenate(diffs))
    return {"features": list(names), "mean": mean.tolist(), "std": std.tolist(), "weights": weights.tolist(),
            "pairs": int(sum(len(d) for d in diffs))}


def tau_of(model: dict, year: WMTYear, items: list[tuple[int, str]], feats: dict[str, np.ndarray]) -> float:
    from relecture.metrics.learned import apply_model

    scores = apply_model(model, feats)
    return kendall_tau(year.pairs, {item: float(s) for item, s in zip(items, scores)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--cache", default="/tmp/cache-3")
    parser.add_argument("--out", default=str(ROOT / "eval" / "metrics" / "learned_weights.json"))
    args = parser.parse_args(argv)
    np.random.seed(SEED)
    data = Path(args.data)
    loaded = {}
    for name in YEARS:
        folder = data / f"{name}-fr-en"
        year = load_wmt(folder)
        items, feats = features_for(year, folder, Path(args.cache))
        loaded[name] = (year, items, feats)
    models: dict[str, dict] = {}
    report: dict[str, dict] = {}
    for train_on in ("wmt12", "wmt13", "wmt12+wmt13"):
        models[train_on] = {}
        for variant, names in VARIANTS.items():
            model = train([loaded[y] for y in train_on.split("+")], names)
            models[train_on][variant] = model
            for test_on in YEARS:
                report.setdefault(f"{variant}: train {train_on}", {})[test_on] = round(tau_of(model, *loaded[test_on]), 4)
    for row, taus in report.items():
        print(f"{row:28s} " + "  ".join(f"tau {y} {t:.4f}" for y, t in taus.items()))
    body = {
        "script": "scripts/train_learned.py",
        "script_version": SCRIPT_VERSION,
        "seed": SEED,
        "l2": L2,
        "objective": "pairwise logistic (linear scorer over standardised features)",
        "data_sha256": {name: data_hashes(data / f"{name}-fr-en") for name in YEARS},
        "default": "wmt12+wmt13",
        "models": models,
        "tau": report,
    }
    text = json.dumps(body, indent=1, sort_keys=True)
    body["sha256"] = hashlib.sha256(text.encode()).hexdigest()
    Path(args.out).write_text(json.dumps(body, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out} (sha256 of content {body['sha256'][:16]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
