"""Relecture: French→English translation-quality evaluation.

Public API::

    from relecture import evaluate, load_config
    report = evaluate(load_config("configs/demo.yaml"))
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .types import ErrorSpan, MetricResult, Report, Segment, SystemResult, TestSet
from .version import __version__

if TYPE_CHECKING:
    from .config import RunConfig

__all__ = [
    "ErrorSpan", "MetricResult", "Report", "Segment", "SystemResult", "TestSet",
    "__version__", "evaluate", "load_config", "translate",
]


def load_config(path: Any = None, overrides: list[str] | None = None, **values: Any) -> "RunConfig":
    """Read and validate a run config (YAML file, `key=value` overrides, or keyword values)."""
    from .config import load_config as _load

    return _load(path, overrides or [], values)


def evaluate(config: "RunConfig", progress: bool = False) -> Report:
    """Run the pipeline a config describes and return its Report (writes nothing)."""
    from .runner import evaluate as _evaluate

    return _evaluate(config, progress=progress)


def translate(config: "RunConfig", system: str, progress: bool = False) -> list[str]:
    """The config's test set translated by `system` (a model, endpoint or command entry of its
    `systems:`), through the output cache: a rerun translates only new source segments."""
    from .generate.driver import translate as _translate

    return _translate(config, system, progress=progress).outputs
