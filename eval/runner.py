"""The plumbing: config -> test set and outputs -> metrics and flaggers -> Report -> run folder.

Metrics and flaggers never read files or write reports; this module does both. Lexical metrics,
which are pure Python and CPU-bound, split the segments into blocks over a process pool
(eval/engine/local.py) so even one system uses every core; model-based metrics run in this
process so each model loads once. A run larger than memory, or on a Ray cluster, goes through
eval/engine/run.py, which reuses this module's pieces.
"""
from __future__ import annotations

import platform
import sys
import time
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
from .engine.local import score_lexical
from .metrics.base import Metric, Progress
from .metrics.lexical import SacreMetric
from .types import ErrorSpan, MetricResult, Report, Segment, SystemResult, TestSet, data_hash, sha256_lines
from .version import __version__

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


def with_paths(config: RunConfig, item: str | dict[str, Any]) -> str | dict[str, Any]:
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


def score_systems(
    metrics: Sequence[Metric],
    testset: TestSet,
    hyps: Mapping[str, Sequence[str]],
    workers: int = 0,
    on_done: Callable[[int], None] | None = None,
) -> dict[str, dict[str, MetricResult]]:
    """Every metric on every system: {system: {metric: result}}. Lexical metrics split the
    segments into blocks over the cores (eval/engine/local.py); model-based metrics run in this
    process so each model loads once."""
    results: dict[str, dict[str, MetricResult]] = {name: {} for name in hyps}
    lexical = [m for m in metrics if isinstance(m, SacreMetric)]
    model = [m for m in metrics if not isinstance(m, SacreMetric)]
    if lexical:
        if not testset.refs:
            raise UsageError(f"metric '{lexical[0].name}' needs a reference (--ref or testset.refs)")
        for name, by_metric in score_lexical(lexical, testset.refs, hyps, workers, on_done).items():
            results[name].update(by_metric)
    for m in model:
        for name in hyps:
            results[name][m.name] = score_metric(m, testset.segments(hyps[name]), on_done)
    # Keep the configured metric order.
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


# (flaggers, one system's segments) -> their findings: flag_segments here, an actor pool on Ray
FlagFn = Callable[[Sequence[Flagger], Sequence[Segment]], list[ErrorSpan]]


def evaluate(config: RunConfig, progress: bool = False, scorer: Callable[..., dict[str, dict[str, MetricResult]]] | None = None,
             flag: FlagFn | None = None) -> Report:
    """Score the run in memory; `scorer` replaces score_systems and `flag` flag_segments (the
    Ray engine's, engine/ray_engine.py)."""
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
    flaggers: list[Flagger] = [build("flagger", with_paths(config, item)) for item in config.flaggers]
    if flaggers and flag is None and len(testset) >= PARALLEL_FLAG_FROM:
        warm_helper(flaggers)  # the helper process loads its models while the metrics score
    if not testset.refs:
        missing = [m.name for m in metrics if m.needs_reference]
        if missing:
            raise UsageError(f"metrics {', '.join(missing)} need references; add testset.refs or drop them")

    total = len(testset) * len(systems) * (len(metrics) + len(flaggers))
    with progress_bar(progress, total, "scoring") as advance:
        scores = (scorer or score_systems)(metrics, testset, systems, config.workers, advance)
        results = {name: SystemResult(name, scores[name], origin=origins.get(name)) for name in systems}
        for result in results.values():
            result.flags.extend(model_spans(result))
        if flaggers:
            for name, hyps in systems.items():  # one system at a time: its parse serves every flagger
                segments = testset.segments(hyps)
                if testset.documents:  # flaggers read matched beads; the alignment judged the rest
                    segments = flaggable(segments)
                results[name].flags.extend((flag or flag_segments)(flaggers, segments))
                advance(len(testset) * len(flaggers))
    if testset.documents:
        for result in results.values():
            result.flags = merge_findings(result.flags, testset.findings)
            result.metrics.update(document_scores(testset.documents))
    for result in results.values():
        result.flags = sort_flags(result.flags)

    report = Report(config.name, testset, results, {k: tuple(v) for k, v in systems.items()},
                    run_info(config, testset, systems, started, generated), warnings)
    judge(report, config)
    return report


def run_info(config: RunConfig, testset: TestSet, systems: dict[str, Sequence[str]], started: datetime,
             generated: Mapping[str, Generated] | None = None) -> dict[str, Any]:
    """What results.json says about the run (the in-memory and the streaming run alike);
    `generated`: the systems a model, endpoint or command translated in this run."""
    return {
        "created": started.isoformat(timespec="seconds"),
        "seconds": round((datetime.now(timezone.utc) - started).total_seconds(), 3),
        "versions": versions(),
        "config_hash": config.hash(),
        "data_hash": data_hash(testset),
        "output_hashes": {name: sha256_lines(hyps) for name, hyps in systems.items()},
        "generation": {name: gen.info for name, gen in (generated or {}).items()},
        "config": config.resolved(),
    }


def judge(report: Report, config: RunConfig) -> None:
    if config.gates or config.baseline:  # comparisons with the baseline, gate outcomes
        judge_report(report, parse_gates(config.gates, plugin_categories()), config.baseline, config.resolved())


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
    named = [ts.get("src"), ts.get("path"), *ts.get("refs", [])]
    document = ts.get("document")
    named += [document] if isinstance(document, str) else [document.get(k) for k in ("src", "hyp", "ref")] if document else []
    # systems that are models, endpoints or commands have no output file to protect
    named += [spec if isinstance(spec, str) else spec.get("path") for spec in config.systems.values()]
    return [config.resolve_path(p) for p in named if isinstance(p, str) and p]


def check_output(config: RunConfig, out_dir: Path | None) -> None:
    """Refuse, before any scoring, an output folder the run cannot write or would damage."""
    check_output_folder(Path(out_dir) if out_dir else Path(config.output_dir) / config.name, input_paths(config))


def write_run(report: Report, config: RunConfig, out_dir: Path | None = None) -> Path:
    """Write the run folder atomically: all its files appear at once, or none do."""
    final = run_folder(config, out_dir, report.info["created"])
    with atomic_folder(final) as tmp:
        write_reports(report, config, tmp)
    return final


def write_reports(report: Report, config: RunConfig, folder: Path, written: Sequence[str] = ()) -> None:
    """config.yaml and every configured report format into `folder`, but those `written`
    already (a streaming run writes segments.jsonl as it scores)."""
    atomic_write(folder / "config.yaml", yaml.safe_dump(config.resolved(), sort_keys=False, allow_unicode=True))
    for fmt in config.reports:
        name = fmt["name"] if isinstance(fmt, dict) else fmt
        if name not in written:
            registry.load("format", name)(report, folder)
    for system in report.info.get("generation", {}):  # generated outputs are data of the run
        atomic_write(folder / "outputs" / f"{system}.en", "".join(f"{line}\n" for line in report.hyps[system]))
