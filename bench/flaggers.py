"""Accuracy and speed of the error flaggers (issue 4), printed as tables.

Accuracy (DEMETR fr→en dev, ../shared/data/demetr-fr-dev): for each perturbation type, the share
of perturbed items (where the perturbation was applied) that get a flag of the matching category
(any severity), and the share of the 50 distinct good `mt` translations that get any major or
critical flag (false alarms), plus, per category, the share of good items flagged with it at any
severity.

Speed: all default flaggers over the 3000 WMT13 segments of one system.

    PYTHONPATH=. python bench/flaggers.py                 # accuracy table
    PYTHONPATH=. python bench/flaggers.py --ref           # the same, giving flaggers the reference
    PYTHONPATH=. python bench/flaggers.py --speed         # segments per second on WMT13
    PYTHONPATH=. python bench/flaggers.py --show codemix  # misses and false alarms, for debugging
    PYTHONPATH=. python bench/flaggers.py --speed --dump flags.jsonl  # every flag, to diff two versions
"""
from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import os
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from relecture.flaggers import DEFAULT_FLAGGERS, run_flaggers  # noqa: E402
from relecture.flaggers.language import _detector  # noqa: E402
from relecture.flaggers.workers import PARALLEL_FLAG_FROM  # noqa: E402
from relecture.types import Segment  # noqa: E402

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")

# Perturbation type -> the categories that count as "matching" (documented in the README).
MATCHING = {
    "ne_replaced": {"accuracy/named-entity"},
    "ne_removed": {"accuracy/named-entity"},
    "numbers_replaced": {"accuracy/number"},
    "codemix": {"accuracy/untranslated"},
    "addition": {"accuracy/addition"},
    "shuffled": {"fluency/word-order", "fluency/garbled"},
    "empty": {"other/empty"},
    # no bar yet
    "repeat2": {"fluency/repetition"},
    "repeat4": {"fluency/repetition"},
    "negation": {"accuracy/mistranslation"},
    "antonym": {"accuracy/mistranslation"},
    "verb_removed": {"accuracy/omission", "fluency/garbled"},
    "noun_removed": {"accuracy/omission", "fluency/garbled"},
    "subj_removed": {"accuracy/omission", "fluency/garbled"},
    "pp_removed": {"accuracy/omission"},
    "adj_adv_removed": {"accuracy/omission"},
    "tense": {"accuracy/mistranslation"},
    "shuffle_trans": {"accuracy/mistranslation", "accuracy/omission", "accuracy/addition", "accuracy/named-entity",
                      "accuracy/number"},
}
BARRED = ["ne_replaced", "ne_removed", "numbers_replaced", "codemix", "addition", "shuffled", "empty"]


def ptype(name: str) -> str:
    # "critical_id9_ne_replaced" -> "ne_replaced"
    return name.split("_", 2)[2]


def load_demetr(path: str) -> list[dict]:
    rows = []
    for file in sorted(glob.glob(os.path.join(path, "*.jsonl"))):
        with open(file, encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def accuracy(args: argparse.Namespace) -> None:
    rows = load_demetr(os.path.join(args.data, "demetr-fr-dev"))
    good = {r["id"]: r for r in rows}  # `mt` is the same for an id in every file
    items: list[tuple[str, dict, str]] = [("mt", r, r["mt"]) for r in good.values()]
    items += [(ptype(r["perturbation"]), r, r["perturbed"]) for r in rows if r["applied"]]
    segments = [Segment(idx=i, src=r["src"], hyp=hyp, refs=(r["ref"],) if args.ref else ())
                for i, (_, r, hyp) in enumerate(items)]
    started = time.perf_counter()
    flags = run_flaggers(segments, args.flaggers)
    elapsed = time.perf_counter() - started
    dump(flags, args.dump)
    by_seg: dict[int, list] = defaultdict(list)
    for flag in flags:
        by_seg[flag.seg_idx].append(flag)

    n_good = len(good)
    serious = [i for i, (kind, _, _) in enumerate(items) if kind == "mt"
               and any(f.severity in ("major", "critical") for f in by_seg[i])]
    print(f"DEMETR fr-en dev: {len(items)} items ({n_good} good, {len(items) - n_good} perturbed), "
          f"flagged in {elapsed:.1f} s; reference given: {bool(args.ref)}\n")
    print("| perturbation | items | matching flag | any flag | matching categories |")
    print("|---|---:|---:|---:|---|")
    types = sorted({k for k, _, _ in items if k != "mt"}, key=lambda t: (t not in BARRED, t))
    for kind in types:
        idx = [i for i, (k, _, _) in enumerate(items) if k == kind]
        wanted = MATCHING.get(kind, set())
        hit = sum(any(f.category in wanted for f in by_seg[i]) for i in idx)
        anyf = sum(bool(by_seg[i]) for i in idx)
        bar = " (bar 95%)" if kind in BARRED else ""
        print(f"| {kind}{bar} | {len(idx)} | {100 * hit / len(idx):.0f}% | {100 * anyf / len(idx):.0f}% | "
              f"{', '.join(sorted(wanted)) or '-'} |")
    print(f"\nfalse alarms: good `mt` items with a major or critical flag: {len(serious)}/{n_good} "
          f"= {100 * len(serious) / n_good:.0f}% (bar 5%)")
    cats: dict[str, int] = defaultdict(int)
    for i, (kind, _, _) in enumerate(items):
        if kind == "mt":
            for cat in {f.category for f in by_seg[i]}:
                cats[cat] += 1
    print("good `mt` items flagged, any severity, by category: "
          + (", ".join(f"{c} {n}/{n_good}" for c, n in sorted(cats.items())) or "none"))
    if args.show:
        for i, (kind, row, hyp) in enumerate(items):
            wanted = MATCHING.get(kind, set())
            if kind == args.show and kind != "mt" and not any(f.category in wanted for f in by_seg[i]):
                print(f"\nMISS {kind} {row['id']}\n  src: {row['src']}\n  mt:  {row['mt']}\n  hyp: {hyp}")
                for f in by_seg[i]:
                    print(f"  flag: {f.category} {f.severity} {f.message}")
            if kind == "mt" and (args.show == "mt" or args.show == "all") and by_seg[i]:
                print(f"\nMT {row['id']}\n  src: {row['src']}\n  hyp: {hyp}")
                for f in by_seg[i]:
                    print(f"  flag: {f.category} {f.severity} {f.message}")


def dump(flags: list, path: str | None) -> None:
    """Every flag as one JSON line (confidence included), for diffing two versions' output."""
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            for flag in flags:
                handle.write(json.dumps(dataclasses.asdict(flag), ensure_ascii=False, sort_keys=True) + "\n")


def speed(args: argparse.Namespace) -> None:
    base = os.path.join(args.data, "wmt13-fr-en")
    with open(os.path.join(base, "src.fr"), encoding="utf-8") as handle:
        src = handle.read().splitlines()
    path = os.path.join(base, "ref.en") if args.system == "ref" else os.path.join(base, "systems", args.system)
    with open(path, encoding="utf-8") as handle:
        hyp = handle.read().splitlines()
    segments = [Segment(idx=i, src=s, hyp=h) for i, (s, h) in enumerate(zip(src, hyp))]
    # Load every model first: the figure is throughput, not start-up (lingua's detector, which
    # the untranslated flagger loads on the first doubtful output, included).  PARALLEL_FLAG_FROM
    # segments take the two-process path, so the helper process has loaded its models too.
    run_flaggers(segments[:PARALLEL_FLAG_FROM], args.flaggers)
    _detector()
    started, cpu_before = time.perf_counter(), sum(os.times()[:4])
    flags = run_flaggers(segments, args.flaggers)
    elapsed = time.perf_counter() - started
    dump(flags, args.dump)
    counts: dict[str, int] = defaultdict(int)
    for flag in flags:
        counts[f"{flag.category}/{flag.severity}"] += 1
    cpu = sum(os.times()[:4]) - cpu_before
    print(f"WMT13 {args.system}: {len(segments)} segments in {elapsed:.1f} s = "
          f"{len(segments) / elapsed:.0f} segments/s ({os.cpu_count()} cores; flaggers: "
          f"{', '.join(args.flaggers)}); CPU time {cpu:.1f} s; load average {os.getloadavg()[0]:.1f}")
    print("flags:", dict(sorted(counts.items())))
    serious = {f.seg_idx for f in flags if f.severity in ("major", "critical")}
    print(f"segments with a major or critical flag: {len(serious)}/{len(segments)} "
          f"= {100 * len(serious) / len(segments):.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=SHARED)
    parser.add_argument("--ref", action="store_true", help="give the flaggers the human reference")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--system", default="online-B.en", help="a file of systems/, or 'ref' (the human reference)")
    parser.add_argument("--flaggers", nargs="*", default=list(DEFAULT_FLAGGERS))
    parser.add_argument("--dump", help="write every flag to this file, one JSON line each")
    parser.add_argument("--show", help="print the misses of one perturbation type ('mt': good items' flags)")
    args = parser.parse_args()
    if not os.path.isdir(args.data):
        sys.exit(f"no shared data at {args.data}")
    speed(args) if args.speed else accuracy(args)


if __name__ == "__main__":
    main()
