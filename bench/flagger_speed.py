"""Speed of all default flaggers on WMT13 (issue 14: >= 250 segments/s on 2 cores), this tree's
code beside another checkout's (main's) in the same run, and a byte-for-byte check that both
give the same flags, confidences and messages included.

Each version runs in a fresh interpreter of its own (`--child`), which imports the `relecture`
package of its tree (a folder holding a `relecture` link to the tree's `eval/` goes first on
PYTHONPATH), loads every model in both of its processes (this one and the spawned helper) on
WMT12 text, then flags the WMT13 segments once, as `relecture flag` does (`run_flaggers`).  The
versions alternate, `--rounds` times each, so both meet the same load.

On a machine shared with other jobs the wall time says little, so each run also reports the CPU
seconds of its main process and of its helper process (from /proc), and the throughput two free
cores would give: segments / max(CPU of either process) (the split of that run), and segments /
(total CPU / 2) (a perfect split).  Ratios between the versions are what to quote.  This is the
one speed measure of the flaggers (bench/flaggers.py measures accuracy only).

`--stages`: where the CPU goes.  Each version flags the segments in one process (no helper, the
same flags), the spaCy parse first, then each flagger in turn, and reports the CPU seconds of
each, and of the model stages inside them that eval/flaggers/stages.py counts (spaCy NER per
language, the USE encoder on whole texts, the USE deletion test).

    git worktree add --detach /tmp/relecture-main main    # main's code, once
    PYTHONPATH=. python bench/flagger_speed.py --base-tree /tmp/relecture-main
    PYTHONPATH=. python bench/flagger_speed.py --save /tmp/flags-main.jsonl --tree /tmp/relecture-main
    PYTHONPATH=. python bench/flagger_speed.py --expect /tmp/flags-main.jsonl   # this tree only
    PYTHONPATH=. python bench/flagger_speed.py --stages --base-tree /tmp/relecture-main  # CPU per stage

Exit status 1 when the flags of two versions (or of this tree and --expect) differ in any byte.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SHARED = os.path.join(HERE, "..", "shared", "data")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
WARM_SEGMENTS = 400  # WMT12 segments flagged first: both processes load their models (not timed)


def read_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return handle.read().splitlines()


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15)


def proc_peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def helper_pids() -> list[int]:
    from relecture.flaggers import workers

    pool = workers._helper
    return list(pool._processes) if pool is not None and pool._processes else []


def child(args: argparse.Namespace) -> None:
    """One timed run of the tree whose `relecture` this interpreter imports."""
    import relecture
    from relecture.flaggers import DEFAULT_FLAGGERS, run_flaggers
    from relecture.flaggers.language import _detector
    from relecture.flaggers.workers import in_helper
    from relecture.types import Segment

    package = os.path.realpath(os.path.dirname(relecture.__file__))
    if package != os.path.realpath(os.path.join(args.tree, "eval")):
        sys.exit(f"imported relecture from {package}, not from {args.tree}")
    wmt12 = os.path.join(args.data, "wmt12-fr-en")
    warm = [Segment(i, s, h) for i, (s, h) in enumerate(zip(read_lines(os.path.join(wmt12, "src.fr")),
                                                            read_lines(os.path.join(wmt12, "ref.en"))))]
    base = os.path.join(args.data, "wmt13-fr-en")
    hyp_path = os.path.join(base, "ref.en") if args.system == "ref" else os.path.join(base, "systems", args.system)
    segments = [Segment(i, s, h) for i, (s, h) in enumerate(zip(read_lines(os.path.join(base, "src.fr")),
                                                                read_lines(hyp_path)))][:args.segments]
    if args.stages:
        _detector()
        flags, figures = child_stages(args, warm[:WARM_SEGMENTS], segments)
        write_flags(args.flags, flags)
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump({"segments": len(segments), "flags": len(flags), "load": os.getloadavg()[0], **figures}, handle)
        return
    run_flaggers(warm[:WARM_SEGMENTS])
    _detector()
    job = in_helper(_detector_ready)
    if job is not None:
        job.result()
    helpers = helper_pids()
    helper_before = sum(map(proc_cpu, helpers))
    main_before = sum(os.times()[:2])
    started = time.perf_counter()
    flags = run_flaggers(segments, list(DEFAULT_FLAGGERS))
    wall = time.perf_counter() - started
    main_cpu = sum(os.times()[:2]) - main_before
    if helper_pids() != helpers:
        sys.exit("the helper process was replaced during the timed run")
    helper_cpu = sum(map(proc_cpu, helpers)) - helper_before
    write_flags(args.flags, flags)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump({"segments": len(segments), "flags": len(flags), "wall": wall, "main_cpu": main_cpu,
                   "helper_cpu": helper_cpu, "load": os.getloadavg()[0],
                   "main_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   "helper_rss_mb": max(map(proc_peak_rss_mb, helpers), default=0.0)}, handle)


def child_stages(args: argparse.Namespace, warm: list[Any], segments: list[Any]) -> tuple[list[Any], dict[str, Any]]:
    """Flag segments in this process alone, the parse first, then each flagger: (flags, CPU s of each
    part and of the model stages counted by eval/flaggers/stages.py, where the tree has them)."""
    from relecture.flaggers import DEFAULT_FLAGGERS, sort_flags
    from relecture.flaggers.parse import parse
    from relecture.flaggers.workers import flag_segments
    from relecture.registry import load

    try:
        from relecture.flaggers.stages import cpu_by_stage
    except ImportError:  # a tree from before the counters
        cpu_by_stage = {}
    flaggers = [load("flagger", name)() for name in DEFAULT_FLAGGERS]
    flag_segments(flaggers, warm, parallel=False)
    cpu_by_stage.clear()
    parts: dict[str, float] = {}
    clock = time.process_time()
    parse(segments, parallel=False)
    parts["spaCy parse (both languages)"] = time.process_time() - clock
    flags = []
    for flagger in flaggers:
        clock = time.process_time()
        flags.extend(flag_segments([flagger], segments, parallel=False))
        parts[f"flagger {flagger.name}"] = time.process_time() - clock
    return sort_flags(flags), {"parts": parts, "stages": dict(cpu_by_stage)}


def write_flags(path: str, flags: list[Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for flag in flags:
            handle.write(json.dumps(flag.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")


def _detector_ready() -> None:
    """Run in the helper: lingua's detector is built there too before the timed run."""
    from relecture.flaggers.language import _detector

    _detector()


def commit_of(tree: str) -> str:
    out = subprocess.run(["git", "-C", tree, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", tree, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return out.stdout.strip() + ("+changes" if dirty else "")


def run_version(tree: str, args: argparse.Namespace, scratch: str, tag: str) -> tuple[dict[str, Any], str]:
    """Time one version in a fresh interpreter; its figures and the path of its flags."""
    shim = os.path.join(scratch, f"import-{tag}")
    os.makedirs(shim, exist_ok=True)
    link = os.path.join(shim, "relecture")
    if not os.path.islink(link):
        os.symlink(os.path.join(os.path.abspath(tree), "eval"), link)
    out, flags = os.path.join(scratch, f"{tag}.json"), os.path.join(scratch, f"{tag}.flags.jsonl")
    env = dict(os.environ, PYTHONPATH=shim)
    command = [sys.executable, os.path.abspath(__file__), "--child", "--tree", os.path.abspath(tree), "--out", out,
               "--flags", flags, "--data", args.data, "--system", args.system, "--segments", str(args.segments)] \
        + (["--stages"] if args.stages else [])
    subprocess.run(command, env=env, check=True, cwd=scratch)
    with open(out, encoding="utf-8") as handle:
        return json.load(handle), flags


def sha(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:16]


def first_difference(a: str, b: str) -> str:
    with open(a, encoding="utf-8") as fa, open(b, encoding="utf-8") as fb:
        for number, (la, lb) in enumerate(zip(fa, fb), 1):
            if la != lb:
                return f"line {number}:\n  {la.strip()}\n  {lb.strip()}"
    return "one file is longer"


def row(name: str, figures: list[dict[str, Any]]) -> str:
    n = figures[0]["segments"]
    best = min(figures, key=lambda f: f["main_cpu"] + f["helper_cpu"])  # least disturbed by the load

    def mean(key: str) -> float:
        return sum(f[key] for f in figures) / len(figures)

    total = mean("main_cpu") + mean("helper_cpu")
    split = max(mean("main_cpu"), mean("helper_cpu"))
    return (f"| {name} | {mean('wall'):.1f} | {n / mean('wall'):.0f} | {mean('main_cpu'):.1f} | "
            f"{mean('helper_cpu'):.1f} | {total:.1f} | {n / split:.0f} | {n / (total / 2):.0f} | "
            f"{best['main_cpu'] + best['helper_cpu']:.1f} | {mean('main_rss_mb'):.0f} / {mean('helper_rss_mb'):.0f} |")


def timing_table(versions: list[tuple[str, str]], figures: dict[str, list[dict[str, Any]]]) -> str:
    lines = ["| version | wall s | seg/s (wall) | CPU s main | CPU s helper | CPU s total | seg/s on 2 free "
             "cores (this split) | seg/s (perfect split) | CPU s total, best run | peak RSS MB main / helper |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [row(f"{name} ({commit_of(tree)})", figures[name]) for name, tree in versions]
    if "base" in figures:

        def total(fs: list[dict[str, Any]]) -> float:
            return sum(f["main_cpu"] + f["helper_cpu"] for f in fs) / len(fs)

        lines.append(f"\nCPU time, base / this tree: {total(figures['base']) / total(figures['this tree']):.2f}x")
    return "\n".join(lines)


def stages_table(columns: list[tuple[str, list[dict[str, Any]]]]) -> str:
    """CPU seconds (mean of the runs) of the parse and each flagger, then of the model stages
    counted inside them, one column per version; the segments/s two free cores would give if
    the work split evenly."""
    def mean(runs: list[dict[str, Any]], kind: str, key: str) -> float:
        return sum(run[kind].get(key, 0.0) for run in runs) / len(runs)

    def cell(runs: list[dict[str, Any]], kind: str, key: str) -> str:  # '-': a tree without that counter
        return f"{mean(runs, kind, key):.2f}" if key in runs[0][kind] else "-"

    lines = ["| CPU s, one process | " + " | ".join(name for name, _ in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for kind in ("parts", "stages"):
        keys = list(dict.fromkeys(key for _, runs in columns for run in runs for key in run[kind]))
        if kind == "stages":
            lines.append("| *model stages inside the above:* |" + " |" * len(columns))
        for key in keys:
            lines.append(f"| {key} | " + " | ".join(cell(runs, kind, key) for _, runs in columns) + " |")
    totals = [sum(mean(runs, "parts", key) for key in runs[0]["parts"]) for _, runs in columns]
    lines.append("| **total** | " + " | ".join(f"**{t:.2f}**" for t in totals) + " |")
    n = columns[0][1][0]["segments"]
    lines.append("| segments/s on 2 free cores (perfect split) | " + " | ".join(f"{n / (t / 2):.0f}" for t in totals) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=SHARED)
    parser.add_argument("--system", default="online-B.en", help="a file of wmt13-fr-en/systems/, or 'ref'")
    parser.add_argument("--segments", type=int, default=3000)
    parser.add_argument("--tree", default=HERE, help="the checkout to time (default: this one)")
    parser.add_argument("--base-tree", help="a checkout to time beside it (main's code)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each version, alternating")
    parser.add_argument("--expect", help="flags (JSON lines) the timed tree must reproduce byte for byte")
    parser.add_argument("--save", help="write the timed tree's flags here")
    parser.add_argument("--stages", action="store_true",
                        help="one process per version: CPU seconds of the parse, each flagger and each model stage")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--flags", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if not os.path.isdir(args.data):
        sys.exit(f"no shared data at {args.data}")
    versions = [("this tree", args.tree)] + ([("base", args.base_tree)] if args.base_tree else [])
    figures: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in versions}
    flag_files: dict[str, str] = {}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="flagger-speed-") as scratch:
        for round_ in range(args.rounds):
            for name, tree in versions if round_ % 2 == 0 else versions[::-1]:
                result, flags = run_version(tree, args, scratch, f"{'ab'[versions.index((name, tree))]}{round_}")
                figures[name].append(result)
                print(f"round {round_ + 1}, {name}: " + (f"CPU {sum(result['parts'].values()):.1f} s in one process"
                      if args.stages else f"{result['wall']:.1f} s wall, CPU {result['main_cpu']:.1f} + "
                      f"{result['helper_cpu']:.1f} s") + f", load {result['load']:.1f}", file=sys.stderr)
                if sha(flag_files.setdefault(name, flags)) != sha(flags):
                    print(f"{name}: two runs gave different flags", file=sys.stderr)
        print(f"WMT13 {args.system}, {args.segments} segments, all default flaggers; {os.cpu_count()} cores; "
              f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after; "
              f"{args.rounds} run(s) of each version\n")
        if args.stages:
            print(stages_table([(f"{name} ({commit_of(tree)})", figures[name]) for name, tree in versions]))
        else:
            print(timing_table(versions, figures))
        mine_flags = flag_files["this tree"]
        with open(mine_flags, encoding="utf-8") as handle:
            count = sum(1 for _ in handle)
        failed = False
        compare = ([("base", flag_files["base"])] if args.base_tree else []) + \
                  ([("--expect", args.expect)] if args.expect else [])
        for name, other in compare:
            same = sha(other) == sha(mine_flags)
            failed |= not same
            print(f"flags of this tree vs {name}: {'byte-identical' if same else 'DIFFERENT'} "
                  f"({count} flags, sha256 {sha(mine_flags)})")
            if not same:
                print(first_difference(other, mine_flags))
        if args.save:
            with open(mine_flags, "rb") as src, open(args.save + ".tmp", "wb") as dst:
                dst.write(src.read())
            os.replace(args.save + ".tmp", args.save)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
