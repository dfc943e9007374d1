"""Learned decisions: one logistic regression per flag category over the signals the flaggers
already compute, in place of hand thresholds on each signal alone.

`decision.json` (beside this module) holds, per category, the feature names, their mean and
scale, the weights, and two probability thresholds (minor, major) chosen on a calibration split.
It is written by `scripts/train_flag_decision.py` from errors synthesised on the tune part of
WMT12+13 (words, phrases and clauses dropped from or inserted into human references, whose
labels are known) and the clean references; retraining is deterministic (byte-identical file).
The file's hash is part of each flag message that uses it, so a flag names the weights that
raised it.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

DECISION_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "decision.json")


@dataclass(frozen=True)
class Decision:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    minor: float  # probability from which a candidate is flagged (minor)
    major: float  # probability from which it is major

    def prob(self, values: Sequence[Mapping[str, float]]) -> np.ndarray:
        """P(error) for each candidate (a mapping from feature name to value)."""
        if not values:
            return np.zeros(0)
        x = np.array([[float(v[name]) for name in self.features] for v in values])
        z = ((x - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, Decision], str]:
    with open(DECISION_PATH, "rb") as handle:
        raw = handle.read()
    table = {}
    for category, d in json.loads(raw)["decisions"].items():
        table[category] = Decision(tuple(d["features"]), np.array(d["mean"]), np.array(d["scale"]),
                                   np.array(d["weights"]), float(d["bias"]), float(d["minor"]), float(d["major"]))
    return table, hashlib.sha256(raw).hexdigest()[:12]


def decision(category: str) -> Decision:
    return _load()[0][category]


def weights_hash() -> str:
    """The first 12 hex digits of sha256(decision.json): which weights made a flag."""
    return _load()[1]


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0,
                 rounds: int = 25) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(mean, scale, weights, bias) of an L2-regularised logistic regression, by Newton steps
    (a fixed number, no randomness: the same data give the same weights)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    xs = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(xs.shape[1])
    penalty = np.full(xs.shape[1], l2)
    penalty[-1] = 0.0  # no penalty on the bias
    for _ in range(rounds):
        p = 1.0 / (1.0 + np.exp(-np.clip(xs @ w, -30, 30)))
        grad = xs.T @ (p - y) + penalty * w
        hess = (xs * (p * (1 - p))[:, None]).T @ xs + np.diag(penalty) + 1e-9 * np.eye(len(w))
        w = w - np.linalg.solve(hess, grad)
    return mean, scale, w[:-1], float(w[-1])
