"""The Python API: score, flag, compare and evaluate on data in memory.

    import relecture
    scores = relecture.score(["Le chat dort."], ["The cat sleeps."], ["The cat is sleeping."], metrics=["chrf"])
    scores["chrf"].score  # the corpus chrF; scores["chrf"].seg_scores, .signature

Inputs are lists of strings, or one table (a pandas DataFrame or a `datasets.Dataset`) with
`src`, `hyp` and `ref` (or `refs`, a list per row) columns. Results are dataclasses with
`to_dict()`. The CLI (eval/cli.py) is a shell over these functions: it reads files, calls them,
prints and writes.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence, Union

from .comparison import CompareSettings, Comparison, Side
from .comparison import compare as compare_sides
from .config import RunConfig
from .config import load_config as read_config
from .errors import UsageError
from .flaggers import DEFAULT_FLAGGERS, run_flaggers
from .gates import parse_gates, plugin_categories
from .generate.driver import translate as translate_system
from .io.load import testset_from_columns
from .metrics.base import Metric
from .runner import build, evaluate as evaluate_config, score_systems
from .stats import DEFAULT_RESAMPLES, DEFAULT_SEED, DEFAULT_TRIALS
from .types import ErrorSpan, MetricResult, Report, SystemResult, TestSet, data_hash, sha256_lines

Texts = Sequence[str]
MetricSpec = Union[str, Mapping[str, Any], Metric]  # "chrf", {"name": "bleu", "tokenize": "intl"}, or an instance
DEFAULT_METRICS = ("bleu", "chrf", "ter")
SYSTEM = "hyp"  # the system's name in the Report of score()


@dataclass
class Scores:
    """One system's scores: per metric, the corpus score, per-segment scores and signature.

    `scores["chrf"]` is that metric's MetricResult; `report` holds the scored texts as a
    one-system Report, so two Scores can be compared (`relecture.compare(a, b)`)."""

    results: dict[str, MetricResult]
    report: Report

    def __getitem__(self, metric: str) -> MetricResult:
        return self.results[metric]

    def __iter__(self) -> Iterator[str]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def to_dict(self, with_segments: bool = True) -> dict[str, Any]:
        return {"segments": len(self.report.testset),
                "metrics": {name: result.to_dict(with_segments) for name, result in self.results.items()}}


def _table_columns(data: Any) -> dict[str, list[Any]] | None:
    """The columns of a pandas DataFrame or a `datasets.Dataset`, or None for anything else.
    Neither library is imported here: an object of theirs exists only if its module is loaded."""
    pandas, datasets = sys.modules.get("pandas"), sys.modules.get("datasets")
    if pandas is not None and isinstance(data, pandas.DataFrame):
        return {str(name): data[name].tolist() for name in data.columns}
    if datasets is not None and isinstance(data, datasets.Dataset):
        return {name: list(data[name]) for name in data.column_names}
    return None


def _texts(values: str | Texts, role: str) -> list[str]:
    texts = [values] if isinstance(values, str) else list(values)
    bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
    if bad is not None:
        raise UsageError(f"{role}[{bad}] must be a string, not {type(texts[bad]).__name__}")
    return texts


def _references(refs: str | Texts | Sequence[Texts] | None, n: int) -> tuple[tuple[str, ...], ...]:
    """One reference per segment (a list of strings) or several (a list of such lists, as
    sacrebleu takes them: refs[k][i] is reference k of segment i)."""
    if refs is None:
        return ()
    streams = [refs] if isinstance(refs, str) or (len(refs) and isinstance(refs[0], str)) else list(refs)
    out = tuple(tuple(_texts(stream, f"refs[{k}]")) for k, stream in enumerate(streams))  # type: ignore[arg-type]
    for k, stream in enumerate(out):
        if len(stream) != n:
            raise UsageError(f"refs[{k}] has {len(stream)} segments for {n} sources")
    return out


def inputs(src: Any, hyps: str | Texts | None = None, refs: str | Texts | Sequence[Texts] | None = None,
           name: str = "api") -> tuple[TestSet, list[str] | None]:
    """The test set and a system's outputs from lists of strings, or from one table (DataFrame
    or Dataset) with src / hyp / ref (or refs) columns; lists given beside a table override it."""
    columns = _table_columns(src)
    if columns is not None:
        testset, systems, _ = testset_from_columns(columns, {}, f"<{type(src).__name__}>", name, SYSTEM)
        table_hyps = systems.get(SYSTEM)
        if refs is not None:
            testset = TestSet(testset.name, testset.src, _references(refs, len(testset)), testset.doc_ids, testset.origin)
        return testset, _texts(hyps, "hyps") if hyps is not None else table_hyps
    sources = _texts(src, "src")
    outputs = _texts(hyps, "hyps") if hyps is not None else None
    if outputs is not None and len(outputs) != len(sources):
        raise UsageError(f"{len(outputs)} outputs for {len(sources)} sources")
    return TestSet(name, tuple(sources), _references(refs, len(sources)), origin={"src": "<memory>"}), outputs


def _metric(spec: MetricSpec) -> Metric:
    if isinstance(spec, Metric):
        return spec
    return build("metric", spec if isinstance(spec, str) else dict(spec))


def score(src: Any, hyps: str | Texts | None = None, refs: str | Texts | Sequence[Texts] | None = None,
          metrics: Sequence[MetricSpec] = DEFAULT_METRICS, workers: int = 1,
          progress: Callable[[int], None] | None = None) -> Scores:
    """Score one system's outputs: each metric's corpus score, per-segment scores, signature.

    `workers` > 1 (0: all cores) scores lexical metrics in a process pool on large inputs;
    `progress` is called with the number of segment-scorings just done."""
    testset, outputs = inputs(src, hyps, refs)
    if outputs is None:
        raise UsageError("no outputs to score: give hyps, or a table with a 'hyp' column")
    built = [_metric(spec) for spec in metrics]
    missing = [m.name for m in built if m.needs_reference and not testset.refs]
    if missing:
        raise UsageError(f"metrics {', '.join(missing)} need references (refs=... in Python, --ref on the command line)")
    results = score_systems(built, testset, {SYSTEM: outputs}, workers, progress)[SYSTEM]
    info = {"data_hash": data_hash(testset), "output_hashes": {SYSTEM: sha256_lines(outputs)},
            "config": {"metrics": [m.name for m in built], "flaggers": []}}
    report = Report(testset.name, testset, {SYSTEM: SystemResult(SYSTEM, results, origin="<memory>")},
                    {SYSTEM: tuple(outputs)}, info)
    return Scores(results, report)


def flag(src: Any, hyp: str | Texts | None = None, refs: str | Texts | Sequence[Texts] | None = None,
         flaggers: Sequence[str | Mapping[str, Any]] | None = None) -> list[ErrorSpan]:
    """Errors found in the outputs (names, numbers, untranslated text, omissions...), each an
    ErrorSpan (a Flag): segment, category, severity, character offsets and a message.
    `src` and `hyp` may be single strings (one segment).  `flaggers`: names, or config entries
    with options (`{"name": "terminology", "glossary": "terms.tsv"}`)."""
    testset, outputs = inputs(src, hyp, refs)
    if outputs is None:
        raise UsageError("no outputs to flag: give hyp, or a table with a 'hyp' column")
    return run_flaggers(testset.segments(outputs), list(flaggers) if flaggers is not None else list(DEFAULT_FLAGGERS))


Comparable = Union[str, Path, Report, Scores]


def _sides(item: Comparable, role: str) -> list[Side]:
    """The systems of a run folder, a Report or Scores, as comparison sides."""
    from .compare_app import load_run, pick_systems, split_spec  # see `compare`

    if isinstance(item, Scores):
        item = item.report
    if isinstance(item, Report):
        config = item.info.get("config")
        names = pick_systems(item, None, item.name, role, config)
        return [Side(name, item, config, f"{item.name}#{name}") for name in names]
    path, system = split_spec(str(item))
    report, config, real = load_run(Path(path))
    return [Side(name, report, config, f"{real}#{name}" if len(report.systems) > 1 else str(real))
            for name in pick_systems(report, system, path, role, config)]


def compare(baseline: Comparable, candidates: Comparable | Sequence[Comparable] = (), *,
            config: str | Path | None = None, overrides: Sequence[str] = (), gates: Sequence[str] = (),
            resamples: int = DEFAULT_RESAMPLES, trials: int = DEFAULT_TRIALS, seed: int | None = DEFAULT_SEED,
            confidence: float = 0.95, allow_env_drift: bool = False, scored_dir: str | Path | None = None) -> Comparison:
    """A candidate (or several) against a baseline: per metric the delta, its paired-bootstrap
    confidence interval and approximate-randomization p-value; gate outcomes; the segments that
    got worse. Each side is a run folder (`RUN#SYSTEM` picks one system), a results.json, a
    Report (from `evaluate`) or Scores (from `score`); raw output files are scored with
    `config`'s test set and metrics. Gates come from `config` and from `gates`."""
    # imported here: the app layer (run folders, reports) costs ~0.06 s that `relecture score`
    # and `import relecture` do not need (start-up, issue 15)
    from .compare_app import gates_from_config, load_sides

    cands = [candidates] if isinstance(candidates, (str, Path, Report, Scores)) else list(candidates)
    settings = CompareSettings(resamples, trials, seed, confidence, allow_env_drift=allow_env_drift)
    config_path = str(config) if config is not None else None
    judged = gates_from_config(config_path, overrides) + parse_gates(list(gates), plugin_categories())
    if all(isinstance(x, (str, Path)) for x in [baseline, *cands]):
        base, found, notes = load_sides(str(baseline), [str(c) for c in cands], config_path, overrides,
                                        Path(scored_dir) if scored_dir else None)
        return compare_sides(base, found, judged, settings, config_path=config_path, notes=notes)
    base = _sides(baseline, "baseline")[0]
    found = [side for c in cands for side in _sides(c, "candidate")]
    if not cands:  # one Report holding the baseline and its candidates
        found = [Side(n, base.report, base.config, f"{base.report.name}#{n}") for n in base.report.systems if n != base.system]
    if not found:
        raise UsageError("no candidate to compare with the baseline")
    return compare_sides(base, found, judged, settings, config_path=config_path)


def evaluate(config: str | Path | Mapping[str, Any] | RunConfig, overrides: Sequence[str] = (),
             progress: bool = False) -> Report:
    """Run the pipeline a config describes (a YAML path, a mapping of its keys, or a RunConfig):
    test set, systems, metrics, flaggers, comparisons with the baseline and gates. Writes
    nothing (`relecture run` writes the run folder)."""
    return evaluate_config(as_config(config, overrides), progress=progress)


def translate(config: str | Path | Mapping[str, Any] | RunConfig, system: str, overrides: Sequence[str] = (),
              progress: bool = False) -> list[str]:
    """The config's test set translated by `system`, a model, endpoint or command entry of its
    `systems:` (eval/generate), through the output cache: a rerun translates only new sources.
    Returns the English lines in test-set order."""
    return translate_system(as_config(config, overrides), system, progress=progress).outputs


def load_config(path: str | Path | None = None, overrides: Sequence[str] = (), **values: Any) -> RunConfig:
    """Read and validate a run config: a YAML file, `key=value` overrides (dotted keys), and
    keyword values (config keys: testset, systems, metrics, flaggers, gates...)."""
    return read_config(str(path) if path is not None else None, list(overrides), values)


def as_config(config: str | Path | Mapping[str, Any] | RunConfig, overrides: Sequence[str] = ()) -> RunConfig:
    """A validated RunConfig from a YAML path, a mapping of config keys, or a RunConfig."""
    if isinstance(config, RunConfig):
        return config
    if isinstance(config, Mapping):
        return load_config(None, overrides, **config)
    return load_config(config, overrides)
