"""Gates in human terms: the shipped delta -> agreement table (eval/agreement.json) and the
`max_drop_agreement` gate rule, with drops below and above the threshold."""
from __future__ import annotations

import hashlib
import json
import math

import pytest
import yaml

from relecture.agreement import TABLE_PATH, fits, human_agreement, score_signature
from relecture.errors import ConfigError
from relecture.gates import GateContext, MetricGate, parse_gates
from relecture.metrics.learned import Learned, LearnedQE

FITTED = ("bleu", "chrf", "bertscore", "learned", "learned-qe")


def test_table_names_its_data_and_signatures() -> None:
    data = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    body = {k: v for k, v in data.items() if k != "sha256"}
    assert hashlib.sha256(json.dumps(body, indent=1, sort_keys=True).encode()).hexdigest() == data["sha256"]
    assert set(data["metrics"]) == set(FITTED) and "WMT12" in data["data"] and "Bio-MQM" in data["data"]
    for name, row in data["metrics"].items():
        assert row["slope"] > 0 and row["observations"] > 1000, name
        # people agree more often with larger deltas: the fitted curve says so and the data did
        assert 0.5 < row["tune_accuracy"] < 1 and 0.5 < row["test_accuracy"] < 1, name


def test_learned_fits_are_for_the_shipped_weights() -> None:
    """Retraining changes the weights hash, hence the signature: the table must be refitted."""
    table = fits()
    assert table["learned"].signature == score_signature(Learned().signature_for("ref"))
    assert table["learned-qe"].signature == score_signature(LearnedQE().signature())


def test_agreement_curve() -> None:
    fit = fits()["chrf"]
    assert fit.agreement(0) == 0.5
    assert fit.agreement(fit.delta_for(0.8)) == pytest.approx(0.8)
    assert fit.agreement(-2) == fit.agreement(2) > 0.5
    row = human_agreement("chrf", -fit.delta_for(0.9), True, None)
    assert row == {"prefers": "baseline", "agreement": pytest.approx(0.9)}
    assert human_agreement("ter", 1.0, False, None) is None  # no fit: nothing claimed
    assert human_agreement("chrf", 1.0, True, "chrf|tok:other") is None  # scores made otherwise


def _ctx(metric: str, base: float, cand: float, signature: str) -> GateContext:
    view = lambda score: {metric: {"score": score, "higher_is_better": True, "signature": signature}}  # noqa: E731
    return GateContext(candidate="new", metrics=view(cand), baseline="prod", baseline_metrics=view(base))


@pytest.mark.parametrize("metric", ["learned", "chrf"])
def test_gate_fails_only_at_or_above_the_agreement(metric: str) -> None:
    fit = fits()[metric]
    gate = parse_gates(yaml.safe_load(f"- '{metric}: max_drop_agreement 80%'"))[0]
    assert gate == MetricGate(f"{metric}: max_drop_agreement 80%", metric, max_drop_agreement=0.8)
    at_80 = fit.delta_for(0.8)
    below = gate.evaluate(_ctx(metric, 10.0, 10.0 - 0.9 * at_80, fit.signature + "|relecture:9"))
    above = gate.evaluate(_ctx(metric, 10.0, 10.0 - 1.1 * at_80, fit.signature))
    better = gate.evaluate(_ctx(metric, 10.0, 10.0 + at_80, fit.signature))
    assert below.passed and "under the 80% that fails" in below.reason
    assert below.human_agreement == pytest.approx(1 / (1 + math.exp(-fit.slope * 0.9 * at_80)))
    assert not above.passed and "at or above the 80% that fails" in above.reason
    assert above.human_agreement > 0.8
    assert better.passed and better.human_agreement == pytest.approx(0.2)


@pytest.mark.parametrize("text, message", [
    ("- 'ter: max_drop_agreement 80%'", "no human-agreement fit for 'ter'"),
    ("- 'chrf: max_drop_agreement 40%'", "between 50% and 100%"),
    ("- 'chrf: max_drop_agreement 1.5'", "between 50% and 100%"),
    ("- 'chrf: max_drop_agremeent 80%'", "did you mean 'max_drop_agreement'"),
])
def test_bad_agreement_gates_are_config_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_gates(yaml.safe_load(text))


def test_agreement_gate_refuses_scores_signed_otherwise() -> None:
    gate = parse_gates(["chrf: max_drop_agreement 0.8"])[0]
    with pytest.raises(ConfigError, match="fitted on 'chrf' scores"):
        gate.evaluate(_ctx("chrf", 50.0, 40.0, "chrf|nrefs:1|tok:intl"))
