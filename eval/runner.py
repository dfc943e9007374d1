"""The plumbing: config -> test set and outputs -> metrics and flaggers -> Report -> run folder.

Metrics and flaggers never read files or write reports; this module does both. Lexical metrics,
which are pure Python and CPU-bound, run in a process pool over (system, metric) jobs so a run
uses every core; model-based metrics run in this process so each model loads once.
"""
from __future__ import annotations

import multiprocessing
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import yaml

from . import registry
from .cache import score_for_run
from .comparison import judge_report
from .config import RunConfig
from .documents.load import align_documents, bead_testset, flaggable, load_pairs
from .documents.output import merge_findings
from .documents.scores import document_scores
from .errors import UsageError
from .flaggers import sort_flags
from .flaggers.base import Flagger
from .flaggers.common import flag_segments
from .flaggers.workers import PARALLEL_FLAG_FROM, warm_helper
from .gates import parse_gates, plugin_categories
from .generate.driver import Generated, generate_system, generated_systems
from .generate.spec import is_generated
from .io.atomic import atomic_folder, atomic_write, check_output_folder
from .io.language import check_language
from .io.load import language_warnings, load_system, load_testset
from .metrics.base import Metric, Progress
from .types import ErrorSpan, MetricResult, Report, Segment, SystemResult, TestSet, data_hash, sha256_lines
from .version import __version__

# Below this many segment-scorings a process pool costs more than it saves.
POOL_THRESHOLD = 20_000


def build(kind: str, item: str | dict[str, Any]) -> Any:
    """Instantiate a registered metric or flagger from a config entry (`name` or `{name, **args}`)."""
    if isinstance(item, str):
        name, kwargs = item, {}
    else:
        kwargs = {k: v for k, v in item.items() if k != "name"}
        name = item["name"]
    cls = registry.load(kind, name)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError, KeyError, AssertionError, NotImplementedError) as exc:
        # sacrebleu checks its settings with asserts and KeyErrors: all are bad settings here
        raise UsageError(f"{kind} '{name}': invalid settings {kwargs}: {type(exc).__name__}: {exc}") from None


def _with_paths(config: RunConfig, item: str | dict[str, Any]) -> str | dict[str, Any]:
    """A flagger entry with the file options its class declares (`path_options`, e.g. the
    terminology flagger's `glossary`) resolved relative to the config file."""
    if isinstance(item, str):
        return item
    options = registry.load("flagger", item["name"]).path_options
    return {k: str(config.resolve_path(v)) if k in options and isinstance(v, str) else v for k, v in item.items()}


def score_metric(metric: Metric, segments: Sequence[Segment], progress: Progress | None = None) -> MetricResult:
    """The one place a metric is asked for scores: model-based metrics go through the
    per-segment score cache (eval/cache.py; RELECTURE_CACHE=off disables it)."""
    return score_for_run(metric, segments, progress)


def _score_chunk(metric: Metric, hyps: Mapping[str, Sequence[str]], testset: TestSet) -> dict[str, MetricResult]:
    """One pure-Python metric on a few systems (its `score_many` may preprocess references once)."""
    return metric.score_many({name: testset.segments(h) for name, h in hyps.items()})


def _pool_context() -> Any:
    # Never fork: the language check has started lingua's rayon pool by now, a model metric
    # torch's threads, and a forked child waits forever on their locks (issue 11).  forkserver
    # forks from a fresh server process that runs no such pool; spawn where there is none.
    return multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")


def score_systems(
    metrics: Sequence[Metric],
    testset: TestSet,
    hyps: Mapping[str, Sequence[str]],
    workers: int = 0,
    on_done: Callable[[int], None] | None = None,
) -> dict[str, dict[str, MetricResult]]:
    """Every metric on every system: {system: {metric: result}}."""
    results: dict[str, dict[str, MetricResult]] = {name: {} for name in hyps}
    pure = [m for m in metrics if m.pure_python]
    model = [m for m in metrics if not m.pure_python]
    workers = workers or os.cpu_count() or 1
    names = list(hyps)
    if pure and workers > 1 and len(pure) * len(names) > 1 and len(pure) * len(names) * len(testset) >= POOL_THRESHOLD:
        # Jobs of one metric on a few systems each (references preprocessed once per job), the
        # costliest metrics first so the last jobs to finish are short ones.
        chunks = min(len(names), 2 * workers)
        jobs = [(m, names[i::chunks]) for m in sorted(pure, key=lambda m: -m.cost) for i in range(chunks)]
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=_pool_context()) as pool:
            futures = [(m, pool.submit(_score_chunk, m, {n: hyps[n] for n in chunk}, testset)) for m, chunk in jobs]
            for m, future in futures:
                for name, result in future.result().items():
                    results[name][m.name] = result
                    if on_done:
                        on_done(len(testset))
    else:
        for m in pure:
            for name, result in _score_chunk(m, hyps, testset).items():
                results[name][m.name] = result
                if on_done:
                    on_done(len(testset))
    for m in model:
        for name in hyps:
            results[name][m.name] = score_metric(m, testset.segments(hyps[name]), on_done)
    # Keep the configured metric order whatever order jobs finished in.
    return {name: {m.name: results[name][m.name] for m in metrics} for name in hyps}


def versions() -> dict[str, str]:
    import numpy
    import sacrebleu

    found = {"relecture": __version__, "python": platform.python_version(), "sacrebleu": sacrebleu.__version__, "numpy": numpy.__version__}
    for module in ("torch", "transformers", "spacy"):
        if module in sys.modules:
            found[module] = getattr(sys.modules[module], "__version__", "?")
    return found


def load_inputs(config: RunConfig) -> tuple[TestSet, dict[str, list[str]], dict[str, str], list[str]]:
    """Test set, system outputs, where each came from, and data warnings (language checks)."""
    if config.testset.get("document"):  # documents aligned into beads (eval/documents)
        pairs = load_pairs(config.testset["document"], config.resolve_path)
        testset, hyps = bead_testset(align_documents(pairs), config.testset.get("name") or "documents")
        system = config.testset.get("system") or "hyp"
        pages = [path for key, path in testset.origin.items() if key.endswith((".hyp", ".jsonl"))]
        return testset, {system: hyps}, {system: ", ".join(sorted(set(pages)))}, []
    testset, systems, n_lines = load_testset(config.testset, config.resolve_path)
    origins: dict[str, str] = {name: testset.origin.get("src", "") for name in systems}
    for name, spec in config.systems.items():
        if is_generated(spec):  # a model, endpoint or command: translated by generate_systems
            continue
        lines, path = load_system(spec, config.resolve_path, n_lines, testset.origin.get("src"), testset.src)
        systems[name] = lines[: len(testset)]
        origins[name] = str(path)
    if not systems and not generated_systems(config.systems):
        raise UsageError(f"{config.source}: no systems to score: add 'systems' (name: output file)")
    warnings = language_warnings(testset, systems, origins) if config.check_language else []
    return testset, systems, origins, warnings


def generate_systems(config: RunConfig, testset: TestSet, progress: bool = False) -> dict[str, Generated]:
    """The outputs of the config's generated systems (models, endpoints, commands), translated
    through the output cache (eval/generate)."""
    return {name: generate_system(name, spec, testset.src, config.base_dir, config.resolve_path, progress)
            for name, spec in generated_systems(config.systems).items()}


def evaluate(config: RunConfig, progress: bool = False) -> Report:
    started = datetime.now(timezone.utc)
    testset, systems, origins, warnings = load_inputs(config)
    generated = generate_systems(config, testset, progress)
    for name, gen in generated.items():
        origins[name] = f"outputs/{name}.en"
        if config.check_language:
            warnings += check_language(gen.outputs, "en", f"system {name} (generated)", "output")
    # the config's order, generated systems among the files (a table's own hyp column last)
    order = [name for name in config.systems if name in systems or name in generated]
    systems = {name: list(generated[name].outputs) if name in generated else systems[name] for name in order} | \
        {name: hyps for name, hyps in systems.items() if name not in generated and name not in order}
    metrics: list[Metric] = [build("metric", item) for item in config.metrics]
    flaggers: list[Flagger] = [build("flagger", _with_paths(config, item)) for item in config.flaggers]
    if flaggers and len(testset) >= PARALLEL_FLAG_FROM:
        warm_helper(flaggers)  # the helper process loads its models while the metrics score
    if not testset.refs:
        missing = [m.name for m in metrics if m.needs_reference]
        if missing:
            raise UsageError(f"metrics {', '.join(missing)} need references; add testset.refs or drop them")

    total = len(testset) * len(systems) * (len(metrics) + len(flaggers))
    with progress_bar(progress, total, "scoring") as advance:
        scores = score_systems(metrics, testset, systems, config.workers, advance)
        results = {name: SystemResult(name, scores[name], origin=origins.get(name)) for name in systems}
        for result in results.values():
            result.flags.extend(model_spans(result))
        if flaggers:
            for name, hyps in systems.items():  # one system at a time: its parse serves every flagger
                segments = testset.segments(hyps)
                if testset.documents:  # flaggers read matched beads; the alignment judged the rest
                    segments = flaggable(segments)
                results[name].flags.extend(flag_segments(flaggers, segments))
                advance(len(testset) * len(flaggers))
    if testset.documents:
        for result in results.values():
            result.flags = merge_findings(result.flags, testset.findings)
            result.metrics.update(document_scores(testset.documents))
    for result in results.values():
        result.flags = sort_flags(result.flags)

    info = {
        "created": started.isoformat(timespec="seconds"),
        "seconds": round((datetime.now(timezone.utc) - started).total_seconds(), 3),
        "versions": versions(),
        "config_hash": config.hash(),
        "data_hash": data_hash(testset),
        "output_hashes": {name: sha256_lines(hyps) for name, hyps in systems.items()},
        "generation": {name: gen.info for name, gen in generated.items()},
        "config": config.resolved(),
    }
    report = Report(config.name, testset, results, {k: tuple(v) for k, v in systems.items()}, info, warnings)
    if config.gates or config.baseline:  # comparisons with the baseline, gate outcomes
        judge_report(report, parse_gates(config.gates, plugin_categories()), config.baseline, config.resolved())
    return report


def model_spans(result: SystemResult) -> list[ErrorSpan]:
    """Error spans a metric found (XCOMET), moved from its result into the system's flags, where
    the reports, the counts and the gates see them beside the flaggers' findings."""
    return [ErrorSpan.from_dict(span) for metric in result.metrics.values()
            for span in metric.extra.pop("error_spans", [])]


def progress_bar(enabled: bool, total: int, label: str) -> Any:
    """A rich progress bar on stderr when it is a terminal; off a terminal (CI logs), a plain
    line every PROGRESS_STEP of the work, with the rate and the time left."""
    if not enabled or total <= 0:
        return nullcontext(lambda n: None)
    if not sys.stderr.isatty():
        return nullcontext(ProgressLines(total, label))
    return _RichProgress(total, label)


PROGRESS_STEP = 0.1  # a line per 10%: 10 lines a run in a CI log


class ProgressLines:
    """`relecture: scoring 40% (1200/3000) 85.3/s, about 21 s left` on stderr, every 10%."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done, self.next_step = total, label, 0, PROGRESS_STEP
        self.started = time.monotonic()

    def __call__(self, n: int) -> None:
        self.done += n
        share = self.done / self.total
        if share + 1e-9 < self.next_step:
            return
        while self.next_step <= share + 1e-9:
            self.next_step += PROGRESS_STEP
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        print(f"relecture: {self.label} {100 * min(share, 1.0):.0f}% ({self.done}/{self.total}) {rate:.1f}/s, "
              f"about {left:.0f} s left", file=sys.stderr, flush=True)


class _RichProgress:
    def __init__(self, total: int, label: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.progress = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        self.task = self.progress.add_task(label, total=total)

    def __enter__(self) -> Callable[[int], None]:
        self.progress.start()
        return lambda n: self.progress.advance(self.task, n)

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def run_folder(config: RunConfig, out_dir: Path | None, created: str) -> Path:
    """`out_dir` when given (the caller chose the exact folder), else runs/<name>/<timestamp>."""
    if out_dir:
        return Path(out_dir)
    root = Path(config.output_dir) / config.name
    stamp = datetime.fromisoformat(created).strftime("%Y%m%d-%H%M%S")
    folder, n = root / stamp, 1
    while folder.exists():
        n += 1
        folder = root / f"{stamp}-{n}"
    return folder


def input_paths(config: RunConfig) -> list[Path]:
    """The files a run reads (test set and system outputs), as the config resolves them."""
    ts = config.testset
    paths = [config.resolve_path(p) for p in [ts.get("src"), ts.get("path"), *ts.get("refs", [])] if p]
    paths += [config.resolve_path(spec if isinstance(spec, str) else spec["path"]) for spec in config.systems.values()]
    return paths


def check_output(config: RunConfig, out_dir: Path | None) -> None:
    """Refuse, before any scoring, an output folder the run cannot write or would damage."""
    check_output_folder(Path(out_dir) if out_dir else Path(config.output_dir) / config.name, input_paths(config))


def write_run(report: Report, config: RunConfig, out_dir: Path | None = None) -> Path:
    """Write the run folder atomically: all its files appear at once, or none do."""
    final = run_folder(config, out_dir, report.info["created"])
    with atomic_folder(final) as tmp:
        atomic_write(tmp / "config.yaml", yaml.safe_dump(config.resolved(), sort_keys=False, allow_unicode=True))
        for fmt in config.reports:
            name = fmt["name"] if isinstance(fmt, dict) else fmt
            registry.load("format", name)(report, tmp)
        for system in report.info.get("generation", {}):  # generated outputs are data of the run
            atomic_write(tmp / "outputs" / f"{system}.en", "".join(f"{line}\n" for line in report.hyps[system]))
    return final
