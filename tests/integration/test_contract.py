"""One contract over every registered metric and flagger (and a user plugin through a config)."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from relecture import registry
from relecture.flaggers.base import Flagger
from relecture.metrics.base import Metric
from relecture.runner import build
from relecture.types import CATEGORIES, SEVERITIES, MetricResult, Segment, TestSet
from relecture.version import __version__


def demo_segments(demo, n=6):
    src = (demo / "src.fr").read_text(encoding="utf-8").splitlines()[:n]
    hyp = (demo / "sys-b.en").read_text(encoding="utf-8").splitlines()[:n]
    ref = (demo / "ref.en").read_text(encoding="utf-8").splitlines()[:n]
    return TestSet("demo", tuple(src), (tuple(ref),)).segments(hyp)


# Metrics whose default model comes from a hub get a local checkpoint of the same format (the
# tiny COMET that tests/unit/test_comet_loader.py checks against the official package).
LOCAL_ARGS = {"comet": {"model": str(Path(__file__).resolve().parents[1] / "data" / "comet" / "regression")}}


@pytest.mark.parametrize("name", list(registry.METRICS))
def test_metric_contract(demo, name):
    entry = registry.METRICS[name]
    cls = registry.load("metric", name)
    assert issubclass(cls, Metric) and cls.name == name
    assert cls.needs_reference == entry.needs_reference and cls.needs_source == entry.needs_source
    segments = demo_segments(demo)
    item = {"name": name, **LOCAL_ARGS[name]} if name in LOCAL_ARGS else name
    result = build("metric", item).score(segments)
    assert isinstance(result, MetricResult) and result.metric == name
    assert result.higher_is_better == cls.higher_is_better
    assert math.isfinite(result.score)
    assert result.seg_scores is not None and len(result.seg_scores) == len(segments)
    assert all(math.isfinite(s) for s in result.seg_scores)
    assert result.signature.metric == name and result.signature.get("relecture") == __version__
    assert build("metric", item).score(segments).score == result.score  # same inputs, same outputs


@pytest.mark.parametrize("name", list(registry.FLAGGERS))
def test_flagger_contract(demo, name):
    entry = registry.FLAGGERS[name]
    cls = registry.load("flagger", name)
    assert issubclass(cls, Flagger) and cls.name == name
    assert cls.needs_reference == entry.needs_reference is False  # every flagger works without one
    segments = [Segment(s.idx, s.src, s.hyp) for s in demo_segments(demo, 25)]  # no references
    flags = build("flagger", name).flag(segments)
    for flag in flags:
        assert flag.flagger == name
        assert flag.category.split("/")[0] in {c.split("/")[0] for c in CATEGORIES}
        assert flag.severity in SEVERITIES
        text = segments[flag.seg_idx].src if flag.on_source else segments[flag.seg_idx].hyp
        assert 0 <= flag.start <= flag.end <= len(text)
        assert flag.message and 0.0 <= flag.confidence <= 1.0


class LengthRatio(Metric):
    """Output/source length ratio (a user's plugin metric)."""

    name = "length-ratio"
    needs_source = True

    def score(self, segments, progress=None):
        ratios = [len(s.hyp) / max(1, len(s.src)) for s in segments]
        return MetricResult(self.name, sum(ratios) / len(ratios), self.signature(), True, ratios)


def test_plugin_metric_from_config(repo, monkeypatch):
    from relecture import evaluate, load_config

    monkeypatch.setattr(registry, "METRICS", dict(registry.METRICS))
    monkeypatch.setitem(registry.KINDS, "metric", registry.METRICS)
    config = load_config(repo / "configs" / "demo.yaml", ["metrics=[bleu, length-ratio]"],
                         plugins=["tests.integration.test_contract:LengthRatio"])
    report = evaluate(config)
    result = report.systems["sys-b"].metrics["length-ratio"]
    assert str(result.signature) == f"length-ratio|relecture:{__version__}"
    assert len(result.seg_scores) == 50
