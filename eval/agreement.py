"""How often people agree with a system-level metric delta of a given size (the shipped table).

After Kocmi et al. (2024, "Navigating the Metrics Maze"): the share of system pairs on which
humans prefer the system the metric prefers, as a logistic function of the metric delta.  Here
the model is symmetric and passes through 50% at a zero delta:

    P(people prefer A over B) = 1 / (1 + exp(-slope * (score_A - score_B)))

with the delta in the metric's own units and direction (a drop of TER is a gain).  One slope per
metric, fitted by scripts/fit_agreement.py on system pairs of human-judged data (WMT12/13
pairwise rankings, Bio-MQM) over resampled subsets of segments; the fit's data, size and
signatures are in eval/agreement.json beside the slopes.  `estimated_agreement` answers "how
sure would people be that the better-scored system is better"; gates use it
(`learned: max_drop_agreement 80%`, eval/gates.py).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .types import Signature

TABLE_PATH = Path(__file__).with_name("agreement.json")


@dataclass(frozen=True)
class AgreementFit:
    metric: str
    slope: float  # per unit of the metric's score
    signature: str  # the score-defining fields of the scores it was fitted on (score_signature)
    observations: int

    def agreement(self, delta: float) -> float:
        """Estimated share of people who prefer the system the delta favours (0.5 to 1)."""
        return 1.0 / (1.0 + math.exp(-self.slope * abs(delta)))

    def delta_for(self, agreement: float) -> float:
        """The delta at which people agree with the metric with this probability."""
        return math.log(agreement / (1.0 - agreement)) / self.slope


@lru_cache(maxsize=None)
def load_table(path: str = str(TABLE_PATH)) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def fits(path: str = str(TABLE_PATH)) -> dict[str, AgreementFit]:
    table = load_table(path)
    return {name: AgreementFit(name, float(row["slope"]), row["signature"], int(row["observations"]))
            for name, row in table["metrics"].items()}


def score_signature(signature: Signature | str) -> str:
    """The score-defining part of a signature, formatted (environment fields such as library
    versions and device left out: eval/types.ENVIRONMENT_FIELDS)."""
    sig = signature if isinstance(signature, Signature) else Signature.from_legacy(signature)
    return Signature.of(sig.metric, sig.score_fields).format()


def same_scores(signature: Signature | str, fitted: str) -> bool:
    """Whether scores so signed are those the fit was made on: the same metric and score-defining
    fields, in whatever order they were stored."""
    ours, theirs = (s if isinstance(s, Signature) else Signature.from_legacy(s) for s in (signature, fitted))
    return ours.metric == theirs.metric and ours.score_fields == theirs.score_fields


def fit_for(metric: str, signature: Signature | str | None = None) -> AgreementFit | None:
    """The table's fit for this metric, or None when it has none or when `signature` shows the
    scores were computed otherwise (another tokenizer, other weights) than the fitted ones."""
    fit = fits().get(metric)
    if fit is None or (signature is not None and not same_scores(signature, fit.signature)):
        return None
    return fit


def human_agreement(metric: str, delta: float, higher_is_better: bool,
                    signature: Signature | str | None) -> dict[str, Any] | None:
    """For a comparison row: which side people would prefer and how surely, or None."""
    fit = fit_for(metric, signature)
    if fit is None:
        return None
    gain = delta if higher_is_better else -delta
    return {"prefers": "candidate" if gain > 0 else "baseline" if gain < 0 else "neither",
            "agreement": fit.agreement(gain)}
