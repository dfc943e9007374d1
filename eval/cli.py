"""The `relecture` command: subcommands score, run, flag, compare, meta, ls; main(argv) -> exit code.

Exit codes (README): 0 success / gates passed · 1 a gate failed · 2 usage or config error ·
3 input data error · 4 unexpected internal error (a bug; `--debug` shows the traceback).
Each command is a shell over the Python API (eval/api.py): it reads files, calls the API,
prints and writes. The API and what it loads (sacrebleu, numpy, the runner; torch and spaCy
later still) are imported inside the commands, so `--help` and `ls` stay fast (0.6 s against
1.0 s for `import relecture.api`, measured here); the cli is the top layer, so these imports
cannot hide a cycle (tests/unit/test_imports.py counts them).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from .errors import RelectureError, UsageError
from .stats import DEFAULT_RESAMPLES, DEFAULT_SEED, DEFAULT_TRIALS
from .version import __version__


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="relecture",
        description="French→English translation evaluation: signed scores, error flags, regression gates.",
        epilog="Exit codes: 0 ok / gates passed, 1 gate failed, 2 usage or config error, 3 input data error.",
    )
    parser.add_argument("--version", action="version", version=f"relecture {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    score = sub.add_parser("score", help="score system output(s) against references (ad hoc)")
    score.add_argument("--src", required=True, help="French source, one segment a line")
    score.add_argument("--hyp", required=True, action="append", help="English output (repeat for several systems)")
    score.add_argument("--ref", action="append", default=[], help="English reference (repeat for several)")
    score.add_argument("--metrics", type=_csv, default=["bleu", "chrf", "ter"], help="comma-separated metric names (default: bleu,chrf,ter)")
    score.add_argument("--format", choices=["text", "json"], default="text")
    score.add_argument("--segments", action="store_true", help="add per-segment scores (json)")
    score.add_argument("--no-language-check", action="store_true", help="skip the French/English check")
    score.add_argument("--workers", type=int, default=0, help="processes for lexical metrics (0: all cores)")

    run = sub.add_parser("run", help="run the pipeline a YAML config describes and write a run folder")
    run.add_argument("-c", "--config", required=True, help="YAML run config (see configs/)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config value (dotted keys)")
    run.add_argument("-o", "--output", help="write the run folder here (default: runs/<name>/<timestamp>)")
    run.add_argument("--quiet", action="store_true", help="print only the run folder")
    run.add_argument("--ray", nargs="?", const="auto", metavar="ADDRESS",
                     help="score on a Ray cluster (ray extra): 'auto' (default) finds the one `ray start` made here, "
                          "or give host:port or ray://host:port (same results as a local run)")

    flag = sub.add_parser("flag", help="flag errors (names, numbers, untranslated, garbled, omissions, additions)")
    flag.add_argument("--src", required=True)
    flag.add_argument("--hyp", required=True)
    flag.add_argument("--ref", action="append", default=[])
    flag.add_argument("--flaggers", type=_csv, default=None, help="comma-separated flagger names (default: the default set)")
    flag.add_argument("--glossary", help="a TSV or YAML glossary: adds the terminology flagger")
    flag.add_argument("--format", choices=["text", "jsonl"], default="text")
    flag.add_argument("--no-language-check", action="store_true")

    cmp = sub.add_parser("compare", help="compare candidate(s) with a baseline: deltas, CIs, p-values, gates (exit 1 on a failed gate)")
    cmp.add_argument("baseline", help="run folder, results.json or raw output (RUN#SYSTEM picks one system of a run)")
    cmp.add_argument("candidates", nargs="*", help="run folders, results.json or raw outputs (default: the baseline run's other systems)")
    cmp.add_argument("-c", "--config", help="run config: its gates, and its test set and metrics to score raw outputs")
    cmp.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config value (dotted keys)")
    cmp.add_argument("-o", "--output", help="folder for compare.md, junit.xml, compare.html, compare.json (default: runs/compare/<timestamp>)")
    cmp.add_argument("--junit", help="write junit.xml here instead")
    cmp.add_argument("--markdown", help="write compare.md here instead")
    cmp.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES, help=f"paired bootstrap resamples (default {DEFAULT_RESAMPLES})")
    cmp.add_argument("--trials", type=int, default=DEFAULT_TRIALS, help=f"approximate randomization trials (default {DEFAULT_TRIALS})")
    cmp.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED}, as sacrebleu)")
    cmp.add_argument("--confidence", type=float, default=0.95, help="confidence level of the intervals (default 0.95)")
    cmp.add_argument("--annotations", choices=["auto", "always", "never"], default="auto",
                     help="GitHub workflow annotations (auto: when GITHUB_ACTIONS=true)")
    cmp.add_argument("--allow-env-drift", action="store_true",
                     help="compare scores made with other library versions or on another device (a warning, not an error)")
    cmp.add_argument("--quiet", action="store_true", help="print only the output folder")

    meta = sub.add_parser("meta", help="how well metrics agree with your human judgments (segment tau, pairwise and system accuracy)")
    meta.add_argument("--human", required=True, help="human judgments: the JSONL of README 'Meta-evaluation', or WMT human-pairs.tsv")
    meta.add_argument("--metrics", type=_csv, default=["bleu", "chrf"], help="comma-separated metric names (default: bleu,chrf)")
    meta.add_argument("--src", help="source file (WMT .tsv pairs: one line per seg_idx)")
    meta.add_argument("--ref", help="reference file (WMT .tsv pairs)")
    meta.add_argument("--hyp-dir", help="folder with one output file per system (WMT .tsv pairs)")
    meta.add_argument("--exclude-system", action="append", default=[], help="leave this system out (repeat), e.g. the human reference")
    meta.add_argument("--format", choices=["text", "json"], default="text")

    tr = sub.add_parser("translate", help="translate the test set with a system that is a model, endpoint or command")
    tr.add_argument("-c", "--config", required=True, help="YAML run config naming the system under 'systems'")
    tr.add_argument("--system", required=True, help="the system to translate with")
    tr.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config value (dotted keys)")
    tr.add_argument("-o", "--output", help="write the English lines here (default: stdout)")
    tr.add_argument("--quiet", action="store_true", help="no progress, no summary")

    doc = sub.add_parser("doc", help="align a French article and its English page, then score and flag them")
    doc.add_argument("--src", help="the French article (leave out to check the English alone)")
    doc.add_argument("--hyp", required=True, help="the English page (machine translation, site text and all)")
    doc.add_argument("--ref", help="an English reference document (for d-BLEU, d-chrF and reference metrics)")
    doc.add_argument("--metrics", type=_csv, default=None, help="metrics on the beads (default: sim-src, with --ref also bleu,chrf)")
    doc.add_argument("--flaggers", type=_csv, default=None, help="flaggers on the beads (default: all; fluency without --src)")
    doc.add_argument("-o", "--output", help="also write the run folder here (beads as segments, reports)")
    doc.add_argument("--format", choices=["text", "json", "jsonl"], default="text")

    ls = sub.add_parser("ls", help="list metrics, flaggers or report formats")
    ls.add_argument("what", choices=["metrics", "flaggers", "formats"])
    return parser


def system_names(paths: Sequence[str]) -> dict[str, str]:
    """{name: path}: a name is the file name without its extension, or, where two outputs share
    it (a/sys.en, b/sys.en), as many of the folders above as tell them apart (a/sys, b/sys)."""
    if len(set(paths)) != len(paths):
        twice = next(p for p in paths if paths.count(p) > 1)
        raise UsageError(f"--hyp {twice} is given twice")
    parts = [Path(os.path.abspath(p)).with_suffix("").parts for p in paths]
    depth = 1
    while depth < max(len(p) for p in parts):
        names = ["/".join(p[-depth:]) for p in parts]
        if len(set(names)) == len(names):
            break
        depth += 1
    return dict(zip(["/".join(p[-depth:]) for p in parts], paths))


def _adhoc_config(args: argparse.Namespace, metrics: list[str], flaggers: list[str]) -> Any:
    from .api import load_config

    systems = system_names(args.hyp if isinstance(args.hyp, list) else [args.hyp])
    return load_config(None, name="adhoc", testset={"src": args.src, "refs": list(args.ref)}, systems=systems,
                       metrics=metrics, flaggers=flaggers, check_language=not args.no_language_check,
                       workers=getattr(args, "workers", 0))


def cmd_score(args: argparse.Namespace) -> int:
    from .api import score
    from .runner import load_inputs, progress_bar

    config = _adhoc_config(args, args.metrics, [])
    testset, systems, _, warnings = load_inputs(config)
    for warning in warnings:
        print(f"relecture: warning: {warning}", file=sys.stderr)
    refs = [list(ref) for ref in testset.refs]
    results = {}
    with progress_bar(True, len(testset) * len(systems) * len(config.metrics), "scoring") as advance:
        for name, hyps in systems.items():
            results[name] = score(testset.src, hyps, refs, config.metrics, config.workers, advance).results
    if args.format == "json":
        per_system = {name: {"metrics": {m: r.to_dict(args.segments) for m, r in res.items()}} for name, res in results.items()}
        out = next(iter(per_system.values())) if len(per_system) == 1 else {"systems": per_system}
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        from .report.terminal import make_console, metrics_table

        console = make_console()
        for name, res in results.items():
            console.print(metrics_table(res, title=f"{name} ({len(testset)} segments)"))
            if args.segments:
                for i in range(len(testset)):
                    console.print(f"{i}\t" + "\t".join(f"{m}={r.seg_scores[i]:.4f}" for m, r in res.items() if r.seg_scores))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .api import load_config
    from .engine.run import run_engine
    from .report.terminal import make_console, print_gates, print_report
    from .runner import check_output

    config = load_config(args.config, [*args.set, *([f"engine.ray.address={args.ray}"] if args.ray else [])])
    check_output(config, Path(args.output) if args.output else None)  # before hours of scoring
    report, folder = run_engine(config, Path(args.output) if args.output else None, progress=not args.quiet)
    if not args.quiet:
        console = make_console()
        for warning in report.warnings:
            make_console(stderr=True).print(f"[yellow]warning:[/] {warning}", highlight=False)
        print_report(report, console)
        print_gates(report.gates, console)
    print(folder)
    return 0 if report.passed else 1


def cmd_flag(args: argparse.Namespace) -> int:
    from . import registry
    from .api import flag
    from .flaggers import DEFAULT_FLAGGERS
    from .runner import load_inputs

    names = args.flaggers if args.flaggers is not None else list(DEFAULT_FLAGGERS)
    unknown = [name for name in names if name not in registry.FLAGGERS]
    if unknown:
        raise UsageError(f"unknown flagger '{unknown[0]}'{registry.suggest(unknown[0], registry.FLAGGERS)}")
    entries: list[Any] = [name for name in names if name != "terminology"]
    if args.glossary or "terminology" in names:
        entries.append({"name": "terminology", "glossary": args.glossary})
    if not entries:
        raise UsageError("no flaggers to run")
    config = _adhoc_config(args, [], names)
    testset, systems, _, warnings = load_inputs(config)
    for warning in warnings:
        print(f"relecture: warning: {warning}", file=sys.stderr)
    hyps = next(iter(systems.values()))
    for f in flag(testset.src, hyps, [list(ref) for ref in testset.refs], entries):
        if args.format == "jsonl":
            print(json.dumps(f.to_dict(), ensure_ascii=False))
        else:
            text = testset.src[f.seg_idx] if f.on_source else hyps[f.seg_idx]
            where = "source" if f.on_source else "output"
            print(f"{f.seg_idx}\t{f.severity}\t{f.category}\t{where}[{f.start}:{f.end}] {text[f.start:f.end]!r}\t{f.message}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .api import compare
    from .compare_app import default_output_dir, write_outputs
    from .report.compare_md import render_compare_markdown
    from .report.github import emit
    from .report.terminal import make_console, print_comparison

    folder = Path(args.output) if args.output else default_output_dir()
    comparison = compare(args.baseline, args.candidates, config=args.config, overrides=args.set, resamples=args.resamples,
                         trials=args.trials, seed=args.seed, confidence=args.confidence,
                         allow_env_drift=args.allow_env_drift, scored_dir=folder / "scored")
    write_outputs(comparison, folder, Path(args.junit) if args.junit else None, Path(args.markdown) if args.markdown else None)
    force = {"always": True, "never": False}.get(args.annotations)
    emit(comparison, render_compare_markdown(comparison), sys.stdout, force_annotations=force)
    if not args.quiet:
        for note in comparison.notes:
            print(f"relecture: {note}", file=sys.stderr)
        for warning in comparison.warnings:
            make_console(stderr=True).print(f"[yellow]warning:[/] {warning}", highlight=False)
        print_comparison(comparison, make_console())
    print(folder)
    return 0 if comparison.passed else 1


def cmd_doc(args: argparse.Namespace) -> int:
    from .api import evaluate, load_config
    from .documents.output import as_json, document_flags, write_jsonl, write_text
    from .flaggers import DEFAULT_FLAGGERS
    from .runner import write_run

    if args.metrics is None:
        args.metrics = (["sim-src"] if args.src else []) + (["bleu", "chrf"] if args.ref else [])
    if args.flaggers is None:
        args.flaggers = list(DEFAULT_FLAGGERS) if args.src else ["fluency"]
    if args.ref and not args.src:
        raise UsageError("--ref needs --src: the reference is aligned through the French sentences")
    pair = {k: v for k, v in (("src", args.src), ("hyp", args.hyp), ("ref", args.ref)) if v}
    config = load_config(name="doc", testset={"document": pair}, metrics=args.metrics, flaggers=args.flaggers,
                         check_language=False)
    report = evaluate(config)
    if args.output:
        write_run(report, config, Path(args.output))
    doc = report.testset.documents[0]
    result = next(iter(report.systems.values()))
    flags = document_flags(doc, result.flags)
    doc_scores = {k: v for k, v in result.metrics.items() if v.seg_scores is None}
    if args.format == "jsonl":
        write_jsonl(flags, sys.stdout)
    elif args.format == "json":
        seg_scores = {k: v.seg_scores for k, v in result.metrics.items() if v.seg_scores is not None}
        print(json.dumps(as_json(doc, flags, doc_scores, seg_scores), indent=2, ensure_ascii=False))
    else:
        write_text(doc, flags, doc_scores, sys.stdout)
    if args.output and args.format == "text":
        print(args.output)
    return 0


def cmd_meta(args: argparse.Namespace) -> int:
    from .meta import load_human, meta_evaluate
    from .runner import build

    data = load_human(args.human, args.src, args.ref, args.hyp_dir, args.exclude_system)
    metrics = [build("metric", name) for name in args.metrics]
    if any(m.needs_reference for m in metrics) and not all(out.refs for out in data.outputs.values()):
        raise UsageError(f"metrics {', '.join(m.name for m in metrics if m.needs_reference)} need a reference for every output "
                         "(`ref` in the JSONL, or --ref)")
    results = [meta_evaluate(data, metric) for metric in metrics]
    pairs = results[0].pairs if results else 0
    systems = len(data.systems())
    if args.format == "json":
        print(json.dumps({"data": {"name": data.name, "kind": data.kind, "outputs": len(data.outputs), "pairs": pairs,
                                   "systems": systems}, "metrics": [r.to_dict() for r in results]}, indent=2))
        return 0
    print(f"{data.name}: {len(data.outputs)} outputs, {systems} systems, {pairs} human pairs within segments "
          f"(from {'scores' if data.kind == 'scores' else 'pairwise judgments'})")
    print(f"{'metric':14} {'segment tau':>11} {'pairwise acc':>12} {'system acc':>16}")
    for r in results:
        system = f"{r.system_correct:g}/{r.system_pairs} {r.system_correct / r.system_pairs if r.system_pairs else 0:.3f}"
        print(f"{r.metric:14} {r.tau:11.4f} {r.pairwise_accuracy:12.4f} {system:>16}")

def cmd_translate(args: argparse.Namespace) -> int:
    from .config import load_config
    from .generate.driver import translate
    from .io.atomic import atomic_write

    config = load_config(args.config, args.set, {})
    target = Path(args.output) if args.output else None
    if target is not None:
        if target.is_dir():
            raise UsageError(f"-o {target}: is a folder; give the output file's name")
        inputs = [config.resolve_path(p) for p in (config.testset.get("src"), config.testset.get("path"),
                                                   *config.testset.get("refs", [])) if p]
        if any(target.resolve() == path.resolve() for path in inputs):
            raise UsageError(f"-o {target}: is an input of the test set; refusing to overwrite it")
    result = translate(config, args.system, progress=not args.quiet)
    text = "".join(f"{line}\n" for line in result.outputs)
    if target is None:
        sys.stdout.write(text)
    else:
        atomic_write(target, text)
    if not args.quiet:
        info = result.info
        rate = f", {info['segments_per_second']} segments/s" if info.get("segments_per_second") else ""
        print(f"relecture: {args.system}: {info['segments']} segments, {info['generated']} translated, "
              f"{info['cached']} from the cache, {info['split_segments']} split, {info['capped_segments']} "
              f"stopped at the length limit{rate}" + (f" -> {target}" if target else ""), file=sys.stderr)
    return 0


def cmd_ls(args: argparse.Namespace) -> int:
    from . import registry

    table = {"metrics": registry.METRICS, "flaggers": registry.FLAGGERS, "formats": registry.FORMATS}[args.what]
    if args.what == "formats":
        for name, entry in table.items():
            print(f"{name:8} {entry.summary}")
        return 0
    width = max(len(name) for name in table) + 1 if table else 5
    print(f"{'name':{width}} {'reference':9} {'source':6} {'gpu':11} {'hub':4} {'extra':7} summary")
    for name, entry in table.items():
        print(f"{name:{width}} {'needed' if entry.needs_reference else '-':9} {'needed' if entry.needs_source else '-':6} "
              f"{entry.gpu:11} {'yes' if entry.hub else '-':4} {entry.extra or 'core':7} {entry.summary}")
    return 0


COMMANDS = {"score": cmd_score, "run": cmd_run, "flag": cmd_flag, "compare": cmd_compare, "doc": cmd_doc, "meta": cmd_meta,
            "translate": cmd_translate, "ls": cmd_ls}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except RelectureError as exc:
        if args.debug:
            raise
        print(f"relecture: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("relecture: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        if args.debug:
            raise
        if exc.filename is None:  # not about a file: a bug of ours, reported below
            print(f"relecture: internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", file=sys.stderr)
            return 4
        # a file we could not read or write (permissions, a full disk): the user's to fix
        print(f"relecture: error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 3
    except Exception as exc:  # a bug: one line by default, the traceback with --debug
        if args.debug:
            raise
        print(f"relecture: internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", file=sys.stderr)
        return 4


def console_main() -> None:
    sys.exit(main())
