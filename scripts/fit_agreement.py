"""Fit the delta -> human agreement table (eval/agreement.json), bit for bit.

    PYTHONPATH=. python scripts/fit_agreement.py --data ../shared/data [--cache DIR]

For each metric (bleu, chrf, bertscore, learned, learned-qe), on the tune part of each human-judged
set (WMT12 and WMT13 pairwise rankings, Bio-MQM; bench/splits.py), RESAMPLES random subsets of
the segments (a tenth, a fifth or half of them, in turn) are drawn with a fixed seed.  On each
subset, every two systems give one observation: the metric's system-level delta (bleu and chrf:
corpus scores from summed sentence statistics; the others: the mean of segment scores), and
which system people preferred (WMT: the larger share of won comparisons; Bio-MQM: the higher
mean MQM score; ties are left out).  The slope of P(people prefer A) = 1/(1 + exp(-slope *
delta)) is fitted by maximum likelihood (Kocmi et al. 2024 fit accuracy against delta the same
way, on WMT system pairs).  The same resampling on the test parts measures the fit: the
log-loss and, among the test observations whose estimated agreement is at least 80%, how
often people actually agreed.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from train_learned import TEST, TUNE, Dataset, load_datasets, write_signed  # noqa: E402

from relecture.agreement import TABLE_PATH, score_signature  # noqa: E402
from relecture.metrics.lexical import BLEU, CHRF  # noqa: E402
from relecture.metrics.learned import Learned, LearnedQE, apply_model, load_weights  # noqa: E402
from relecture.types import Segment  # noqa: E402

SCRIPT_VERSION = "1"
SEED = 2024
RESAMPLES = 150
FRACTIONS = (0.1, 0.2, 0.5)
SETS = ("wmt12", "wmt13", "bio")
METRICS = ("bleu", "chrf", "bertscore", "learned", "learned-qe")


FEATURE_METRICS = {"bertscore": "bertscore_f", "sim-ref": "sim_ref", "sim-src": "sim_src"}


class SystemScorer:
    """One metric's scores of every output of a data set (`segment`, from the cached features
    or sacrebleu), and its system-level scores on any subset of the segments (`scores`): bleu
    and chrf from summed sentence statistics (corpus scores), the others the mean of segment
    scores.  `model` replaces the shipped weights of learned / learned-qe (for benchmarks)."""

    def __init__(self, ds: Dataset, metric: str, model: dict | None = None) -> None:
        self.metric = metric
        self.systems = ds.data.systems()
        self.sys_of = np.array([self.systems.index(k[1]) for k in ds.keys])
        self.seg_of = np.array([k[0] for k in ds.keys], dtype=object)
        self.lexical = None
        if metric in ("bleu", "chrf"):
            self.lexical = BLEU() if metric == "bleu" else CHRF()
            segments = [Segment(i, ds.data.outputs[k].src, ds.data.outputs[k].hyp, ds.data.outputs[k].refs)
                        for i, k in enumerate(ds.keys)]
            result = self.lexical.score(segments)
            self.values = np.array(result.seg_stats, dtype=np.float64)
            self.segment = np.array(result.seg_scores, dtype=np.float64)
            self.result_signature = result.signature
        elif metric in FEATURE_METRICS:
            self.values = self.segment = ds.feats[FEATURE_METRICS[metric]]
        else:
            variant = "ref" if metric == "learned" else "src"
            self.values = self.segment = apply_model(model or load_weights()["models"][variant], ds.feats)

    def signature(self) -> str:
        if self.lexical is not None:
            return self.result_signature
        if self.metric == "bertscore":
            from relecture.metrics.semantic import BERTScore

            return BERTScore().signature()
        return Learned().signature_for("ref") if self.metric == "learned" else LearnedQE().signature()

    def scores(self, keep: np.ndarray | None = None) -> dict[str, float]:
        out = {}
        for s, system in enumerate(self.systems):
            rows = (self.sys_of == s) if keep is None else keep & (self.sys_of == s)
            if not rows.any():
                continue
            if self.lexical is not None:
                out[system] = self.lexical.score_from_stats(self.values[rows].tolist())
            else:
                out[system] = float(self.values[rows].mean())
        return out


def human_scores(ds: Dataset, segs: set[str]) -> dict[str, float]:
    part = ds.data.restrict(lambda seg: seg in segs)
    return part.human_system_scores()


def observations(ds: Dataset, scorer: SystemScorer, part: str, rng: np.random.Generator) -> np.ndarray:
    """Signed deltas: the metric delta in the direction people preferred (> 0: agreement)."""
    segs = sorted({seg for seg, _ in ds.keys if ds.part[seg] == part})
    out: list[float] = []
    for r in range(RESAMPLES):
        size = max(2, int(len(segs) * FRACTIONS[r % len(FRACTIONS)]))
        chosen = set(rng.choice(len(segs), size=size, replace=False).tolist())
        subset = {segs[i] for i in chosen}
        keep = np.array([seg in subset for seg in scorer.seg_of])
        human = human_scores(ds, subset)
        metric = scorer.scores(keep)
        names = sorted(set(human) & set(metric))
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                if human[a] != human[b]:
                    out.append((metric[a] - metric[b]) * (1.0 if human[a] > human[b] else -1.0))
    return np.array(out)


def fit_slope(signed: np.ndarray) -> float:
    """argmax_k sum log sigmoid(k * signed) over k > 0 (one-dimensional, convex: bounded search)."""
    from scipy.optimize import minimize_scalar

    scale = float(np.median(np.abs(signed[signed != 0]))) or 1.0

    def loss(log_k: float) -> float:
        return float(np.logaddexp(0.0, -np.exp(log_k) * signed).mean())

    best = minimize_scalar(loss, bounds=(np.log(1e-3 / scale), np.log(1e3 / scale)), method="bounded",
                           options={"xatol": 1e-10})
    return float(np.exp(best.x))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "relecture" / "learned-features"))
    parser.add_argument("--out", default=str(TABLE_PATH))
    args = parser.parse_args(argv)
    datasets = load_datasets(Path(args.data), Path(args.cache), SETS)
    table: dict[str, dict] = {}
    for metric in METRICS:
        tune, test = [], []
        signature = ""
        for name in SETS:
            scorer = SystemScorer(datasets[name], metric)
            signature = scorer.signature()
            rng = np.random.default_rng([SEED, SETS.index(name)])
            tune.append(observations(datasets[name], scorer, TUNE, rng))
            test.append(observations(datasets[name], scorer, TEST, rng))
        tune_obs, test_obs = np.concatenate(tune), np.concatenate(test)
        slope = fit_slope(tune_obs)
        p_test = 1.0 / (1.0 + np.exp(-slope * np.abs(test_obs)))
        sure = p_test >= 0.8
        row = {
            "slope": float(f"{slope:.6g}"),
            "delta_at_80": float(f"{np.log(4) / slope:.4g}"),
            "signature": score_signature(signature),
            "observations": int(len(tune_obs)),
            "tune_accuracy": round(float((tune_obs > 0).mean()), 4),
            "test_observations": int(len(test_obs)),
            "test_accuracy": round(float((test_obs > 0).mean()), 4),
            "test_log_loss": round(float(np.logaddexp(0.0, -slope * test_obs).mean()), 4),
            "test_agreement_when_estimated_80": round(float((test_obs[sure] > 0).mean()), 4) if sure.any() else None,
            "test_share_estimated_80": round(float(sure.mean()), 4),
        }
        table[metric] = row
        print(f"{metric:11s} slope {row['slope']:<10g} delta at 80% {row['delta_at_80']:<8g} tune acc {row['tune_accuracy']:.3f} "
              f"({row['observations']} obs)  test acc {row['test_accuracy']:.3f}, log-loss {row['test_log_loss']:.3f}, "
              f"agreement where >= 80% estimated: {row['test_agreement_when_estimated_80']} ({row['test_share_estimated_80']:.1%} of pairs)")
    body = {
        "script": "scripts/fit_agreement.py",
        "script_version": SCRIPT_VERSION,
        "seed": SEED,
        "model": "P(people prefer A over B) = 1 / (1 + exp(-slope * (score_A - score_B))), delta in the metric's units",
        "data": ("system pairs on random subsets (fractions " + ", ".join(map(str, FRACTIONS)) + f", {RESAMPLES} draws per "
                 "set) of the tune segments of WMT12 and WMT13 (pairwise rankings; preference: share of won "
                 "comparisons) and Bio-MQM (MQM; preference: mean score); test parts for the test figures; "
                 "bench/splits.py"),
        "metrics": table,
    }
    write_signed(body, Path(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
