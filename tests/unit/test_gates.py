"""eval/gates.py: every gate kind parsed from the forms a config may use, evaluated to pass or
fail with a reason a person understands, and every malformed gate refused with a hint."""
from __future__ import annotations

import pytest
import yaml

from relecture.errors import ConfigError
from relecture import registry
from relecture.flaggers.base import Flagger
from relecture.gates import FlagGate, GateContext, MetricGate, evaluate_gates, parse_gates, plugin_categories
from relecture.types import ComparisonRow

# ---------------------------------------------------------------------------- parsing

PARSE_CASES = [
    ("- bleu >= 30", MetricGate("bleu >= 30", "bleu", minimum=30)),
    ("- bleu > 30", MetricGate("bleu > 30", "bleu", minimum=30, minimum_strict=True)),
    ("- ter <= 60.5", MetricGate("ter <= 60.5", "ter", maximum=60.5)),
    ("- ter < 60", MetricGate("ter < 60", "ter", maximum=60, maximum_strict=True)),
    ("- 'chrf++>=50'", MetricGate("chrf++>=50", "chrf++", minimum=50)),
    ("- comet: max_drop 0.005", MetricGate("comet: max_drop 0.005", "comet", max_drop=0.005)),
    ("- 'comet: max_drop 0.005'", MetricGate("comet: max_drop 0.005", "comet", max_drop=0.005)),
    ("- bleu: max_drop 1.0 significance 0.05",
     MetricGate("bleu: max_drop 1.0 significance 0.05", "bleu", max_drop=1.0, significance=0.05)),
    ("- bleu: max_drop 1, significance 0.05",
     MetricGate("bleu: max_drop 1, significance 0.05", "bleu", max_drop=1.0, significance=0.05)),
    ("- comet: {max_drop: 0.005, significance: 0.01}",
     MetricGate("comet: max_drop 0.005, significance 0.01", "comet", max_drop=0.005, significance=0.01)),
    ("- chrf: max_drop 2%", MetricGate("chrf: max_drop 2%", "chrf", max_drop=2.0, relative=True)),
    ("- bleu: {min: 25, max_drop: 1}", MetricGate("bleu: min 25, max_drop 1", "bleu", minimum=25, max_drop=1)),
    ("- accuracy/named-entity major+: max_increase 0",
     FlagGate("accuracy/named-entity major+: max_increase 0", "accuracy/named-entity", ("major", "critical"), max_increase=0)),
    ("- any critical: max 0", FlagGate("any critical: max 0", "any", ("critical",), maximum=0)),
    ("- accuracy: max 10", FlagGate("accuracy: max 10", "accuracy", ("minor", "major", "critical"), maximum=10)),
    ("- accuracy/number minor: {max: 3, max_increase: 1}",
     FlagGate("accuracy/number minor: max 3, max_increase 1", "accuracy/number", ("minor",), maximum=3, max_increase=1)),
    ("- fluency/garbled/script major+: max 0",  # a finer category below a known one
     FlagGate("fluency/garbled/script major+: max 0", "fluency/garbled/script", ("major", "critical"), maximum=0)),
    ("{bleu: '>= 30', 'any critical': 'max 0'}",  # gates: as a mapping
     [MetricGate("bleu: >= 30", "bleu", minimum=30), FlagGate("any critical: max 0", "any", ("critical",), maximum=0)]),
]


@pytest.mark.parametrize("text, expected", PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
def test_parse(text: str, expected) -> None:
    gates = parse_gates(yaml.safe_load(text))
    assert gates == (expected if isinstance(expected, list) else [expected])


def test_no_gates() -> None:
    assert parse_gates(None) == [] and parse_gates([]) == []


INVALID_CASES = [
    ("- comet: max_dorp 0.005", "unknown rule 'max_dorp'; did you mean 'max_drop'?"),
    ("- comet: max_drop", "'max_drop' needs a value"),
    ("- comet: max_drop abc", "max_drop must be a number, got 'abc'"),
    ("- comet: max_drop -1", "max_drop must be >= 0"),
    ("- comet: significance 0.05", "'significance' qualifies a 'max_drop' rule"),
    ("- bleu: max_drop 1 significance 5", "significance must lie between 0 and 1"),
    ("- bleu: max_increase 1", "'max_increase' applies to flag counts, not to the metric 'bleu'"),
    ("- any critical: max_drop 1", "'max_drop' applies to metrics, not to flag counts"),
    ("- accuracy/named-entiy major+: max 0", "unknown flag category 'accuracy/named-entiy'; did you mean 'accuracy/named-entity'?"),
    ("- accuracy/number majr: max 0", "unknown severity 'majr'; did you mean 'major'?"),
    ("- critical: max 0", "write 'any critical'"),
    ("- accuracy/number major extra: max 0", "a flag selector is 'CATEGORY [SEVERITY]'"),
    ("- bleu 30", "cannot read gate 'bleu 30'"),
    ("- 42", "expected 'bleu >= 30'"),
    ("- bleu: max_drop 1 max_drop 2", "'max_drop' given twice"),
    ("- {}", "empty gate"),
    ("- bleu: [1, 2]", "expected a rule"),
    ("- bleu: {}", "has no rule"),
    ("- bleu >= inf", "must be finite"),
    ("- bleu: {min: true}", "min must be a number"),
    ("'bleu >= 30'", "expected a list of gates"),
    ("- any critical: max -1", "max must be >= 0"),
]


@pytest.mark.parametrize("text, message", INVALID_CASES, ids=[c[0] for c in INVALID_CASES])
def test_invalid_gates_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_gates(yaml.safe_load(text))
    assert message in str(error.value)
    assert error.value.exit_code == 2


def test_plugin_categories_are_accepted_when_declared() -> None:
    with pytest.raises(ConfigError, match="unknown flag category"):
        parse_gates(["terminology/glossary major+: max 0"])
    (gate,) = parse_gates(["terminology/glossary major+: max 0"], extra_categories=["terminology/glossary"])
    assert gate.category == "terminology/glossary"


# ---------------------------------------------------------------------------- evaluation

BASE_METRICS = {"bleu": {"score": 32.0, "higher_is_better": True},
                "comet": {"score": 0.8412, "higher_is_better": True},
                "ter": {"score": 55.0, "higher_is_better": False}}
BASE_FLAGS = {"accuracy/named-entity": {"major": 2, "minor": 4}, "accuracy/number": {"critical": 1}}


def context(metrics=None, flags=None, comparisons=None, baseline: bool = True, flags_known: bool = True) -> GateContext:
    return GateContext(
        candidate="cand",
        metrics={**BASE_METRICS, **(metrics or {})},
        flag_counts=BASE_FLAGS if flags is None else flags,
        baseline="base" if baseline else None,
        baseline_metrics=BASE_METRICS if baseline else None,
        baseline_flag_counts=BASE_FLAGS if baseline else None,
        comparisons={m: row(m, **p) for m, p in (comparisons or {}).items()},
        flags_known=flags_known,
    )


def row(metric: str, p_value: float | None = None, p_adjusted: float | None = None) -> ComparisonRow:
    """A comparison row with the baseline carrying only the p-values a gate reads."""
    return ComparisonRow("base", "cand", metric, 0.0, 0.0, 0.0, True, metric, p_value=p_value, p_adjusted=p_adjusted)


def score(metric: str, value: float) -> dict:
    return {metric: {**BASE_METRICS[metric], "score": value}}


EVAL_CASES = [
    # absolute floors and ceilings
    ("bleu >= 30", {}, True, "bleu 32 >= 30"),
    ("bleu >= 33", {}, False, "bleu 32 < 33 (the floor is >= 33)"),
    ("bleu > 32", {}, False, "bleu 32 <= 32 (the floor is > 32)"),
    ("ter <= 60", {}, True, "ter 55 <= 60"),
    ("ter < 50", {}, False, "ter 55 >= 50 (the ceiling is < 50)"),
    # drops against the baseline, in each metric's direction
    ("comet: max_drop 0.005", dict(metrics=score("comet", 0.8412)), True, "comet did not get worse (0.8412 -> 0.8412)"),
    ("comet: max_drop 0.005", dict(metrics=score("comet", 0.85)), True, "comet improved (0.8412 -> 0.85)"),
    ("comet: max_drop 0.005", dict(metrics=score("comet", 0.8380)), True,
     "comet fell by 0.0032 (0.8412 -> 0.838), within the 0.005 allowed"),
    ("comet: max_drop 0.005", dict(metrics=score("comet", 0.8341), comparisons={"comet": {"p_value": 0.0003}}), False,
     "comet fell by 0.0071 (0.8412 -> 0.8341), more than the 0.005 allowed (p = 0.0003)"),
    ("ter: max_drop 1", dict(metrics=score("ter", 57.5)), False, "ter rose by 2.50 (55 -> 57.50), more than the 1 allowed"),
    ("ter: max_drop 1", dict(metrics=score("ter", 50.0)), True, "ter improved (55 -> 50)"),
    ("bleu: max_drop 2%", dict(metrics=score("bleu", 31.5)), True, "bleu fell by 0.5 (32 -> 31.50), within the 2% of the baseline (0.64) allowed"),
    ("bleu: max_drop 1%", dict(metrics=score("bleu", 31.5)), False, "more than the 1% of the baseline (0.32) allowed"),
    # ... only when significant
    ("bleu: max_drop 0.3 significance 0.05", dict(metrics=score("bleu", 31.5), comparisons={"bleu": {"p_value": 0.21}}), True,
     "bleu fell by 0.5 (32 -> 31.50), more than the 0.3 allowed, but the drop is not significant (p = 0.2100 >= 0.05)"),
    ("bleu: max_drop 0.3 significance 0.05", dict(metrics=score("bleu", 31.5), comparisons={"bleu": {"p_value": 0.01}}), False,
     "bleu fell by 0.5 (32 -> 31.50), more than the 0.3 allowed (p = 0.0100)"),
    ("bleu: max_drop 0.3 significance 0.05",  # the Holm-adjusted p-value decides when there is one
     dict(metrics=score("bleu", 31.5), comparisons={"bleu": {"p_value": 0.01, "p_adjusted": 0.08}}), True,
     "not significant (p = 0.0800 >= 0.05)"),
    ("bleu: min 33 max_drop 1", {}, False, "bleu 32 < 33 (the floor is >= 33)"),
    # flags
    ("any critical: max 0", {}, False, "1 critical flag, more than the 0 allowed"),
    ("any critical: max 1", {}, True, "1 critical flag, at most 1 allowed"),
    ("accuracy: max 5", {}, False, "7 accuracy flags, more than the 5 allowed"),
    ("accuracy/named-entity major+: max_increase 0", {}, True,
     "2 accuracy/named-entity flags of severity major or worse against 2 in the baseline (+0, at most +0 allowed)"),
    ("accuracy/named-entity major+: max_increase 0",
     dict(flags={**BASE_FLAGS, "accuracy/named-entity": {"major": 3, "critical": 1}}), False,
     "4 accuracy/named-entity flags of severity major or worse against 2 in the baseline: +2, more than the +0 allowed"),
    ("accuracy/named-entity major+: max_increase 2",
     dict(flags={"accuracy/named-entity": {"major": 3, "critical": 1}}), True, "(+2, at most +2 allowed)"),
    ("accuracy/named-entity minor: max_increase 0", dict(flags={}), True, "0 minor accuracy/named-entity flags against 4"),
    ("fluency: max 0", dict(flags={"fluency/garbled/script": {"minor": 1}}), False, "1 fluency flag, more than the 0 allowed"),
    ("accuracy/number: max 0", dict(flags={"accuracy/numbers": {"major": 5}}), True, "0 accuracy/number flags"),  # no prefix match without "/"
]


@pytest.mark.parametrize("gate, ctx_args, passed, reason", EVAL_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(EVAL_CASES)])
def test_evaluate(gate: str, ctx_args: dict, passed: bool, reason: str) -> None:
    (outcome,) = evaluate_gates(parse_gates([gate]), [context(**ctx_args)])
    assert outcome.passed is passed
    assert reason in outcome.reason
    assert outcome.gate == gate and outcome.candidate == "cand" and outcome.baseline == "base"
    assert outcome.kind in ("metric", "flags")
    assert ("metric" in outcome.to_dict()) == (outcome.kind == "metric")
    assert ("category" in outcome.to_dict()) == (outcome.kind == "flags")


SELF_GATES = [
    "comet: max_drop 0", "ter: max_drop 0", "bleu: max_drop 0% significance 0.5",
    "any: max_increase 0", "accuracy/named-entity major+: max_increase 0",
]


def test_a_system_against_itself_passes_every_relative_gate() -> None:
    outcomes = evaluate_gates(parse_gates(SELF_GATES), [context(comparisons={m: {"p_value": 1.0} for m in BASE_METRICS})])
    assert all(o.passed for o in outcomes), [o.reason for o in outcomes if not o.passed]


def test_one_outcome_per_candidate_and_gate() -> None:
    ctx_a = context()
    ctx_b = GateContext(**{**ctx_a.__dict__, "candidate": "other", "metrics": {**BASE_METRICS, **score("bleu", 20.0)}})
    outcomes = evaluate_gates(parse_gates(["bleu >= 30", "any critical: max 1"]), [ctx_a, ctx_b])
    assert [(o.candidate, o.gate, o.passed) for o in outcomes] == [
        ("cand", "bleu >= 30", True), ("cand", "any critical: max 1", True),
        ("other", "bleu >= 30", False), ("other", "any critical: max 1", True),
    ]
    assert not all(o.passed for o in outcomes)


UNJUDGEABLE = [
    ("xcomet >= 0.5", {}, "metric 'xcomet' is not in the results of 'cand'; did you mean 'comet'?"),
    ("comet: max_drop 0.01", dict(baseline=False), "compares with a baseline"),
    ("any: max_increase 0", dict(baseline=False), "compares with a baseline"),
    ("any critical: max 0", dict(flags_known=False), "no flagger ran"),
    ("comet: max_drop 0.001 significance 0.05", dict(metrics=score("comet", 0.80)), "needs a p-value"),
]


@pytest.mark.parametrize("gate, ctx_args, message", UNJUDGEABLE, ids=[c[0] for c in UNJUDGEABLE])
def test_gates_that_cannot_be_judged_are_config_errors(gate: str, ctx_args: dict, message: str) -> None:
    """A gate that cannot be judged must not pass silently."""
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        evaluate_gates(parse_gates([gate]), [context(**ctx_args)])


def test_absolute_gates_need_no_baseline() -> None:
    gates = parse_gates(["bleu >= 30", "any critical: max 0", "comet: max_drop 0.01"])
    assert [g.needs_baseline for g in gates] == [False, False, True]
    outcomes = evaluate_gates([g for g in gates if not g.needs_baseline], [context(baseline=False)])
    assert [o.passed for o in outcomes] == [True, False]
    assert outcomes[0].baseline is None


class GlossaryFlagger(Flagger):
    """A plugin flagger that declares a category of its own."""

    name = "glossary"
    categories = ("terminology/glossary",)


def test_plugin_categories_come_from_the_registered_flaggers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "FLAGGERS", dict(registry.FLAGGERS))
    monkeypatch.setitem(registry.KINDS, "flagger", registry.FLAGGERS)
    assert registry.register_plugin("flagger", "tests.unit.test_gates:GlossaryFlagger") == "glossary"
    assert plugin_categories() == ["terminology/glossary"]
    (gate,) = parse_gates(["terminology/glossary major+: max 0"], plugin_categories())
    assert gate.category == "terminology/glossary"
