"""Calibrated confidence: each flag's `confidence` is the measured share of flags of its kind
(flagger, category, severity) that were right on the tuning parts of the development sets.

The table (`confidence.json`, beside this module) is written by `bench/flaggers.py --calibrate`
from the `tune` parts only (bench/splits.py); the same script prints the share right on the
`test` parts beside it.  A kind the table has not seen (fewer than MIN_FLAGS flags) keeps the
flagger's own estimate.
"""
from __future__ import annotations

import dataclasses
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

from ..types import ErrorSpan

TABLE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "confidence.json")
MIN_FLAGS = 5  # fewer measured flags than this: the flagger's own estimate is kept
PSEUDO_COUNTS = 2  # smoothing toward 0.5 (one right, one wrong) for small kinds


def outcome_key(span: ErrorSpan) -> str:
    return f"{span.flagger} {span.category} {span.severity}"


def fit_table(outcomes: Iterable[tuple[str, bool]], prior: int | None = PSEUDO_COUNTS) -> dict[str, tuple[float, int]]:
    """key -> (share right, number of flags), smoothed with `prior` pseudo-counts (None: raw)."""
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for key, ok in outcomes:
        total[key] += 1
        right[key] += int(ok)
    extra = prior or 0
    return {key: ((right[key] + extra / 2) / (n + extra), n) for key, n in total.items()}


@lru_cache(maxsize=1)
def _table() -> dict[str, float]:
    try:
        with open(TABLE_PATH, encoding="utf-8") as handle:
            raw = json.load(handle)["table"]
    except FileNotFoundError:
        return {}
    return {key: float(v["confidence"]) for key, v in raw.items() if int(v["n"]) >= MIN_FLAGS}


def calibrate(spans: Sequence[ErrorSpan]) -> list[ErrorSpan]:
    """spans with the measured confidence of their kind, where the table has one."""
    table = _table()
    return [dataclasses.replace(span, confidence=round(table[key], 3)) if (key := outcome_key(span)) in table else span
            for span in spans]
