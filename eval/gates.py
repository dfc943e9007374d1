"""Regression gates: the `gates:` section of a run config, parsed, validated, and evaluated.

A gate is a subject and a rule, written the way a person says it::

    gates:
      - bleu >= 30                                  # absolute floor on the candidate
      - ter <= 60                                   # absolute ceiling (TER: lower is better)
      - comet: max_drop 0.005                       # at most this far below the baseline
      - bleu: max_drop 1.0 significance 0.05        # ... and only a significant drop fails
      - chrf: max_drop 2%                           # relative to the baseline's score
      - accuracy/named-entity major+: max_increase 0   # no more such flags than the baseline
      - any critical: max 0                         # no critical flag at all

The mapping form works too (`- comet: {max_drop: 0.005, significance: 0.05}`), and `gates:` may
itself be a mapping of subject to rule.

Subjects: a metric name, or a flag selector `CATEGORY [SEVERITY]`. CATEGORY is an MQM category
(`accuracy/number`), a family (`accuracy`: every `accuracy/...` category), or `any`. SEVERITY is
`minor`, `major`, `critical`, or `major+` (that severity or worse); none means every severity.

Rules: `>= x`, `> x`, `<= x`, `< x` (or `min x` / `max x`) bound a metric's score; `max_drop x`
(`x%`: relative) bounds the loss against the baseline in the metric's own direction, optionally
only where the loss is significant (`significance alpha`: the approximate-randomization p-value,
Holm-adjusted over candidates, must be below alpha); `max n` bounds a flag count, `max_increase n`
its growth over the baseline. Drops and increases must be non-negative, so a system compared with
itself never fails a relative gate.

Every outcome carries a reason a person understands, e.g. "comet fell by 0.0071 (0.8412 ->
0.8341), more than the 0.005 allowed (p = 0.0003)".
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from .errors import ConfigError
from . import registry
from .flaggers.base import Flagger
from .registry import suggest
from .types import CATEGORIES, SEVERITIES, ComparisonRow, GateOutcome

METRIC_RULES = ("min", "max", "max_drop", "significance")
FLAG_RULES = ("max", "max_increase")
ALL_RULES = ("min", "max", "max_drop", "max_increase", "significance")
COMPARATORS = {">=": ("min", False), ">": ("min", True), "<=": ("max", False), "<": ("max", True)}
ANY_CATEGORY = ("any", "*")
FAMILIES = tuple(sorted({category.split("/")[0] for category in CATEGORIES}))

_COMPARISON = re.compile(r"^\s*(?P<subject>.+?)\s*(?P<op>>=|<=|>|<)\s*(?P<value>\S+)\s*$")


@dataclass(frozen=True)
class GateContext:
    """What one candidate's gates are judged on.

    metrics: metric -> {"score": float, "higher_is_better": bool}; comparisons: metric -> its
    ComparisonRow with the baseline (delta, CI, p-values); flag counts by
    category then severity. Baseline fields stay None when there is no baseline.
    """

    candidate: str
    metrics: Mapping[str, Mapping[str, Any]]
    flag_counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    baseline: str | None = None
    baseline_metrics: Mapping[str, Mapping[str, Any]] | None = None
    baseline_flag_counts: Mapping[str, Mapping[str, int]] | None = None
    comparisons: Mapping[str, ComparisonRow] = field(default_factory=dict)
    flags_known: bool = True  # False when no flagger ran: flag gates cannot be judged


@dataclass(frozen=True)
class MetricGate:
    text: str  # as written in the config
    metric: str
    minimum: float | None = None
    minimum_strict: bool = False
    maximum: float | None = None
    maximum_strict: bool = False
    max_drop: float | None = None
    relative: bool = False  # max_drop given in percent of the baseline score
    significance: float | None = None

    kind = "metric"

    @property
    def needs_baseline(self) -> bool:
        return self.max_drop is not None

    def evaluate(self, ctx: GateContext) -> GateOutcome:
        if self.metric not in ctx.metrics:
            raise ConfigError(
                f"gate '{self.text}': metric '{self.metric}' is not in the results of "
                f"'{ctx.candidate}'{suggest(self.metric, ctx.metrics) if ctx.metrics else ' (no metric was computed)'}"
            )
        score = float(ctx.metrics[self.metric]["score"])
        failures: list[str] = []
        notes: list[str] = []
        if self.minimum is not None:
            op = ">" if self.minimum_strict else ">="
            ok = score > self.minimum if self.minimum_strict else score >= self.minimum
            (notes if ok else failures).append(
                f"{self.metric} {_fmt(score)} {op if ok else _negate(op)} {_fmt(self.minimum)}"
                + ("" if ok else f" (the floor is {op} {_fmt(self.minimum)})")
            )
        if self.maximum is not None:
            op = "<" if self.maximum_strict else "<="
            ok = score < self.maximum if self.maximum_strict else score <= self.maximum
            (notes if ok else failures).append(
                f"{self.metric} {_fmt(score)} {op if ok else _negate(op)} {_fmt(self.maximum)}"
                + ("" if ok else f" (the ceiling is {op} {_fmt(self.maximum)})")
            )
        drop: float | None = None
        if self.max_drop is not None:
            ok, sentence, drop = self._judge_drop(ctx, score)
            (notes if ok else failures).append(sentence)
        return GateOutcome(self.text, self.kind, not failures, "; ".join(failures if failures else notes),
                           ctx.candidate, ctx.baseline, metric=self.metric, value=score, drop=drop)

    def _judge_drop(self, ctx: GateContext, score: float) -> tuple[bool, str, float]:
        if ctx.baseline is None or ctx.baseline_metrics is None:
            raise ConfigError(f"gate '{self.text}' compares with a baseline: use `relecture compare BASELINE CANDIDATE`")
        if self.metric not in ctx.baseline_metrics:
            raise ConfigError(f"gate '{self.text}': metric '{self.metric}' is not in the baseline '{ctx.baseline}'")
        base = float(ctx.baseline_metrics[self.metric]["score"])
        higher = bool(ctx.metrics[self.metric].get("higher_is_better", True))
        drop = (base - score) if higher else (score - base)  # > 0: the candidate got worse
        limit = self.max_drop or 0.0
        if self.relative:
            allowed = abs(base) * limit / 100.0
            allowed_text = f"{_fmt(limit)}% of the baseline ({_fmt(allowed)})"
        else:
            allowed = limit
            allowed_text = _fmt(limit)
        moved = f"({_fmt(base)} -> {_fmt(score)})"
        worsened = "fell" if higher else "rose"  # TER getting worse rises
        if drop <= 0:
            verb = "did not get worse" if drop == 0 else "improved"
            return True, f"{self.metric} {verb} {moved}", drop
        p_text, p_value = _p_text(ctx.comparisons.get(self.metric))
        if drop <= allowed + 1e-12:
            return True, f"{self.metric} {worsened} by {_fmt(drop)} {moved}, within the {allowed_text} allowed{p_text}", drop
        if self.significance is not None:
            if p_value is None:
                raise ConfigError(f"gate '{self.text}' needs a p-value but no comparison of '{self.metric}' was made")
            if p_value >= self.significance:
                return (
                    True,
                    f"{self.metric} {worsened} by {_fmt(drop)} {moved}, more than the {allowed_text} allowed, "
                    f"but the drop is not significant (p = {_fmt_p(p_value)} >= {_fmt(self.significance)})",
                    drop,
                )
        return False, f"{self.metric} {worsened} by {_fmt(drop)} {moved}, more than the {allowed_text} allowed{p_text}", drop


@dataclass(frozen=True)
class FlagGate:
    text: str
    category: str  # "any", a family ("accuracy") or a category ("accuracy/number")
    severities: tuple[str, ...]
    maximum: float | None = None
    max_increase: float | None = None

    kind = "flags"

    @property
    def needs_baseline(self) -> bool:
        return self.max_increase is not None

    def describe(self) -> str:
        what = "flags" if self.category in ANY_CATEGORY else f"{self.category} flags"
        if len(self.severities) == len(SEVERITIES):
            return what
        if len(self.severities) == 1:
            return f"{self.severities[0]} {what}"
        return f"{what} of severity {self.severities[0]} or worse"

    def count(self, flag_counts: Mapping[str, Mapping[str, int]]) -> int:
        total = 0
        for category, by_severity in flag_counts.items():
            if matches_category(self.category, category):
                total += sum(int(n) for severity, n in by_severity.items() if severity in self.severities)
        return total

    def evaluate(self, ctx: GateContext) -> GateOutcome:
        if not ctx.flags_known:
            raise ConfigError(f"gate '{self.text}' judges flags, but no flagger ran (add `flaggers:` to the config)")
        count = self.count(ctx.flag_counts)
        failures: list[str] = []
        notes: list[str] = []
        what = self.describe()
        what_for = lambda n: what.replace("flags", "flag", 1) if n == 1 else what  # noqa: E731
        base: int | None = None
        increase: int | None = None
        if self.maximum is not None:
            ok = count <= self.maximum
            sentence = f"{count} {what_for(count)}" + (f", at most {_fmt(self.maximum)} allowed" if ok else f", more than the {_fmt(self.maximum)} allowed")
            (notes if ok else failures).append(sentence)
        if self.max_increase is not None:
            if ctx.baseline is None or ctx.baseline_flag_counts is None:
                raise ConfigError(f"gate '{self.text}' compares with a baseline: use `relecture compare BASELINE CANDIDATE`")
            base = self.count(ctx.baseline_flag_counts)
            increase = count - base
            ok = increase <= self.max_increase
            if ok:
                sentence = f"{count} {what_for(count)} against {base} in the baseline ({increase:+d}, at most +{_fmt(self.max_increase)} allowed)"
            else:
                sentence = f"{count} {what_for(count)} against {base} in the baseline: {increase:+d}, more than the +{_fmt(self.max_increase)} allowed"
            (notes if ok else failures).append(sentence)
        return GateOutcome(self.text, self.kind, not failures, "; ".join(failures if failures else notes),
                           ctx.candidate, ctx.baseline, category=self.category, severities=tuple(self.severities),
                           value=count, baseline_value=base, increase=increase)


Gate = MetricGate | FlagGate


def matches_category(selector: str, category: str) -> bool:
    """`any` matches all; a family or category matches itself and the finer ones below it."""
    return selector in ANY_CATEGORY or category == selector or category.startswith(selector + "/")


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def parse_gates(raw: Any, extra_categories: Sequence[str] = ()) -> list[Gate]:
    """Parse the raw `gates:` value of a config (list or mapping) into gates; ConfigError with
    the offending key, and the closest valid one, on anything malformed."""
    if raw is None:
        return []
    items: list[Any]
    if isinstance(raw, Mapping):
        items = [{key: value} for key, value in raw.items()]
    elif isinstance(raw, (list, tuple)):
        items = list(raw)
    else:
        raise ConfigError(f"gates: expected a list of gates, got {type(raw).__name__}")
    categories = tuple(CATEGORIES) + tuple(extra_categories)
    gates: list[Gate] = []
    for position, item in enumerate(items):
        where = f"gates[{position}]"
        if isinstance(item, str):
            gates.append(_parse_string(item, where, categories))
        elif isinstance(item, Mapping):
            if not item:
                raise ConfigError(f"{where}: empty gate")
            for subject, rule in item.items():
                gates.append(_parse_subject_rule(str(subject), rule, where, categories))
        else:
            raise ConfigError(f"{where}: expected 'bleu >= 30' or 'comet: max_drop 0.005', got {item!r}")
    return gates


def _parse_string(text: str, where: str, categories: Sequence[str]) -> Gate:
    match = _COMPARISON.match(text)
    if match and ":" not in match.group("subject"):
        return _build(
            text, match.group("subject"), {COMPARATORS[match.group("op")][0]: match.group("value")},
            where, categories, strict={COMPARATORS[match.group("op")][0]: COMPARATORS[match.group("op")][1]},
        )
    subject, colon, rule = text.partition(":")
    if not colon:
        raise ConfigError(f"{where}: cannot read gate '{text}'; write e.g. 'bleu >= 30' or 'comet: max_drop 0.005'")
    return _parse_subject_rule(subject.strip(), rule.strip(), where, categories, text=text)


def _parse_subject_rule(subject: str, rule: Any, where: str, categories: Sequence[str], text: str | None = None) -> Gate:
    text = text or f"{subject}: {_rule_text(rule)}"
    strict: dict[str, bool] = {}
    values: dict[str, Any] = {}
    if isinstance(rule, Mapping):
        values = {str(k): v for k, v in rule.items()}
    elif isinstance(rule, str):
        tokens = rule.replace(",", " ").split()
        i = 0
        while i < len(tokens):
            token = tokens[i].rstrip(":")
            if token in COMPARATORS:
                key, is_strict = COMPARATORS[token]
                strict[key] = is_strict
            else:
                key = token
            if i + 1 >= len(tokens):
                raise ConfigError(f"{where}: gate '{text}': '{tokens[i]}' needs a value")
            if key in values:
                raise ConfigError(f"{where}: gate '{text}': '{key}' given twice")
            values[key] = tokens[i + 1]
            i += 2
    else:
        raise ConfigError(f"{where}: gate '{text}': expected a rule such as 'max_drop 0.005' or '>= 30', got {rule!r}")
    if not values:
        raise ConfigError(f"{where}: gate '{text}' has no rule")
    return _build(text, subject, values, where, categories, strict)


def _rule_text(rule: Any) -> str:
    if isinstance(rule, Mapping):
        return ", ".join(f"{k} {v}" for k, v in rule.items())
    return str(rule)


def _build(text: str, subject: str, values: dict[str, Any], where: str, categories: Sequence[str], strict: dict[str, bool]) -> Gate:
    subject = subject.strip()
    if not subject:
        raise ConfigError(f"{where}: gate '{text}' names no metric or flag category")
    if _severity_word(subject.split()[0]):
        raise ConfigError(f"{where}: gate '{text}': a flag selector starts with a category; write 'any {subject}'")
    for key in values:
        if key not in ALL_RULES:
            raise ConfigError(f"{where}: gate '{text}': unknown rule '{key}'{suggest(key, ALL_RULES)}")
    if _is_flag_subject(subject, categories):
        return _build_flag_gate(text, subject, values, where, categories)
    if " " in subject:
        words = subject.split()
        raise ConfigError(
            f"{where}: gate '{text}': '{subject}' is neither a metric nor a flag selector "
            f"(CATEGORY [SEVERITY]){suggest(words[0], ANY_CATEGORY[:1] + FAMILIES + tuple(categories))}"
        )
    for key in values:
        if key not in METRIC_RULES:
            raise ConfigError(
                f"{where}: gate '{text}': '{key}' applies to flag counts, not to the metric '{subject}'"
                f"{suggest(key, METRIC_RULES)}"
            )
    max_drop, relative = None, False
    if "max_drop" in values:
        raw = str(values["max_drop"]).strip()
        relative = raw.endswith("%")
        max_drop = _number(raw.rstrip("%"), "max_drop", text, where)
        if max_drop < 0:
            raise ConfigError(f"{where}: gate '{text}': max_drop must be >= 0 (a drop is measured in the metric's worse direction)")
    significance = None
    if "significance" in values:
        if max_drop is None:
            raise ConfigError(f"{where}: gate '{text}': 'significance' qualifies a 'max_drop' rule; add one")
        significance = _number(values["significance"], "significance", text, where)
        if not 0 < significance < 1:
            raise ConfigError(f"{where}: gate '{text}': significance must lie between 0 and 1 (e.g. 0.05)")
    return MetricGate(
        text=text,
        metric=subject,
        minimum=_number(values["min"], "min", text, where) if "min" in values else None,
        minimum_strict=strict.get("min", False),
        maximum=_number(values["max"], "max", text, where) if "max" in values else None,
        maximum_strict=strict.get("max", False),
        max_drop=max_drop,
        relative=relative,
        significance=significance,
    )


def _is_flag_subject(subject: str, categories: Sequence[str]) -> bool:
    first = subject.split()[0] if subject.split() else subject
    if first in ANY_CATEGORY or "/" in first or first in FAMILIES:
        return True
    known = set(categories) | {c.split("/")[0] for c in categories}
    return first in known or (len(subject.split()) == 2 and _severity_word(subject.split()[1]))


def _severity_word(word: str) -> bool:
    return word.rstrip("+") in SEVERITIES


def _build_flag_gate(text: str, subject: str, values: dict[str, Any], where: str, categories: Sequence[str]) -> FlagGate:
    words = subject.split()
    if len(words) > 2:
        raise ConfigError(f"{where}: gate '{text}': a flag selector is 'CATEGORY [SEVERITY]', e.g. 'accuracy/number major+'")
    category = words[0]
    known = set(categories)
    families = {c.split("/")[0] for c in categories}
    if not (category in ANY_CATEGORY or category in known or category in families
            or any(category.startswith(c + "/") for c in known)):
        raise ConfigError(
            f"{where}: gate '{text}': unknown flag category '{category}'"
            f"{suggest(category, ('any',) + tuple(sorted(known | families)))}"
        )
    severities: tuple[str, ...] = tuple(SEVERITIES)
    if len(words) == 2:
        word = words[1]
        base = word.rstrip("+")
        if base not in SEVERITIES:
            raise ConfigError(
                f"{where}: gate '{text}': unknown severity '{word}'"
                f"{suggest(word, tuple(SEVERITIES) + tuple(s + '+' for s in SEVERITIES[:-1]))}"
            )
        rank = SEVERITIES.index(base)
        severities = tuple(SEVERITIES[rank:]) if word.endswith("+") else (base,)
    for key in values:
        if key not in FLAG_RULES:
            raise ConfigError(f"{where}: gate '{text}': '{key}' applies to metrics, not to flag counts{suggest(key, FLAG_RULES)}")
    maximum = _number(values["max"], "max", text, where) if "max" in values else None
    max_increase = _number(values["max_increase"], "max_increase", text, where) if "max_increase" in values else None
    for name, value in (("max", maximum), ("max_increase", max_increase)):
        if value is not None and value < 0:
            raise ConfigError(f"{where}: gate '{text}': {name} must be >= 0")
    return FlagGate(text=text, category=category, severities=severities, maximum=maximum, max_increase=max_increase)


def _number(value: Any, key: str, text: str, where: str) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: gate '{text}': {key} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: gate '{text}': {key} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ConfigError(f"{where}: gate '{text}': {key} must be finite")
    return number


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


def plugin_categories() -> list[str]:
    """Categories declared by plugin flaggers (a `categories` class attribute), so that gates
    may name the new categories a plugin adds. Built-in flaggers use eval.types.CATEGORIES and
    finer ones below them, which gates accept already (and are not imported here: they are
    heavy)."""
    found: list[str] = []
    for entry in registry.FLAGGERS.values():
        if entry.target.startswith("relecture."):
            continue
        try:
            cls = registry.resolve(entry.target)
        except (ImportError, AttributeError, ValueError):
            continue  # reported where the plugin is loaded
        if isinstance(cls, type) and issubclass(cls, Flagger):  # others are refused where plugins load
            found.extend(cls.categories)
    return found


def evaluate_gates(gates: Sequence[Gate], contexts: Sequence[GateContext]) -> list[GateOutcome]:
    """One outcome per (candidate, gate), candidates in the given order."""
    return [gate.evaluate(ctx) for ctx in contexts for gate in gates]


def _p_text(comparison: ComparisonRow | None) -> tuple[str, float | None]:
    if comparison is None:
        return "", None
    p_value, adjusted = comparison.p_value, comparison.p_adjusted
    if adjusted is not None:
        return f" (p = {_fmt_p(adjusted)}, Holm-adjusted)", float(adjusted)
    if p_value is not None:
        return f" (p = {_fmt_p(p_value)})", float(p_value)
    return "", None


def _negate(op: str) -> str:
    return {">=": "<", ">": "<=", "<=": ">", "<": ">="}[op]


def _fmt(value: float) -> str:
    """Numbers as a person reads them: 30 not 30.0, 0.8412, 31.17."""
    if float(value).is_integer():
        return str(int(value))
    if abs(value) < 1:
        return f"{value:.4g}"
    return f"{value:.2f}"


def _fmt_p(p: float) -> str:
    return f"{p:.4f}" if p >= 0.0001 else f"{p:.1e}"
