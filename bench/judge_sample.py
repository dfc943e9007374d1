"""The hand check of issue 14: major and critical flags on real WMT13 system outputs, drawn at
random for a person to judge (bench/judged-flags.jsonl holds the judged list and its verdicts).

Draw: every (system, line) pair of the 19 WMT13 systems (57,000 segments) in a seeded random
order; the flaggers (all defaults, no reference) run over it in rounds of `--round` segments
until the major+ flags found reach `--flags` (100), then `--flags` of them are taken at random
(seeded).  Each row carries the system, line, split part, the flag (flagger, category, severity,
confidence, span text, message), the source and output, and the commit it came from;
`real_error` and `judgment` are left empty for the judge.

Score: `--score FILE` reads a judged list and prints the share of real errors, overall and by
flagger/category and by severity, so the figure can be redone from the file.

    PYTHONPATH=. python bench/judge_sample.py --out /tmp/sample.jsonl      # draw
    PYTHONPATH=. python bench/judge_sample.py --score bench/judged-flags.jsonl
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import random
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from splits import wmt_part  # noqa: E402

from relecture.flaggers import DEFAULT_FLAGGERS, run_flaggers  # noqa: E402
from relecture.types import ErrorSpan, Segment  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "wmt13-fr-en")
SEVERE = ("major", "critical")
SEED = 2014


def read_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return handle.read().splitlines()


def draw(data: str, wanted: int, round_size: int, max_segments: int) -> tuple[list[dict], int, int]:
    """The sampled rows, the segments flagged and the major+ flags found among them."""
    src = read_lines(os.path.join(data, "src.fr"))
    systems = {os.path.basename(path): read_lines(path) for path in sorted(glob.glob(os.path.join(data, "systems", "*")))}
    pairs = [(system, line) for system in systems for line in range(len(src))]
    rng = random.Random(SEED)
    rng.shuffle(pairs)
    found: list[tuple[tuple[str, int], ErrorSpan]] = []
    done = 0
    while len(found) < wanted and done < min(max_segments, len(pairs)):
        batch = pairs[done:done + round_size]
        segments = [Segment(k, src[line], systems[system][line]) for k, (system, line) in enumerate(batch)]
        found += [(batch[flag.seg_idx], flag) for flag in run_flaggers(segments, DEFAULT_FLAGGERS)
                  if flag.severity in SEVERE]
        done += len(batch)
        print(f"{done} segments flagged, {len(found)} major+ flags", file=sys.stderr)
    commit = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    rows = []
    for (system, line), flag in sorted(rng.sample(found, min(wanted, len(found))), key=lambda f: (f[0][0], f[0][1])):
        s, h = src[line], systems[system][line]
        rows.append({"system": system, "line": line, "part": wmt_part(s), "flagger": flag.flagger,
                     "category": flag.category, "severity": flag.severity, "confidence": flag.confidence,
                     "on_source": flag.on_source, "span": (s if flag.on_source else h)[flag.start:flag.end][:200],
                     "message": flag.message, "src": s, "hyp": h, "commit": commit,
                     "real_error": None, "judgment": ""})
    return rows, done, len(found)


def score(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    judged = [row for row in rows if row.get("real_error") is not None]
    real = sum(bool(row["real_error"]) for row in judged)
    print(f"{path}: {len(rows)} flags, {len(judged)} judged; real errors {real}/{len(judged)} = "
          f"{100 * real / max(1, len(judged)):.0f}%")
    for key in ("flagger/category", "severity", "part"):
        totals: Counter[str] = Counter()
        hits: Counter[str] = Counter()
        for row in judged:
            name = f"{row['flagger']}:{row['category']}" if key == "flagger/category" else str(row[key])
            totals[name] += 1
            hits[name] += bool(row["real_error"])
        print(f"\n| {key} | flags | real errors | share |\n|---|---:|---:|---:|")
        for name, n in totals.most_common():
            print(f"| {name} | {n} | {hits[name]} | {100 * hits[name] / n:.0f}% |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--out", help="write the drawn flags here (JSON lines), to be judged")
    parser.add_argument("--flags", type=int, default=100, help="major+ flags to draw")
    parser.add_argument("--round", type=int, default=2000, help="segments flagged per round")
    parser.add_argument("--max-segments", type=int, default=30_000)
    parser.add_argument("--score", help="a judged list: print the share of real errors")
    args = parser.parse_args()
    if args.score:
        score(args.score)
        return
    if not args.out:
        parser.error("give --out (draw) or --score (a judged list)")
    rows, segments, flags = draw(args.data, args.flags, args.round, args.max_segments)
    with open(args.out + ".tmp", "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(args.out + ".tmp", args.out)
    print(f"{flags} major+ flags on {segments} segments of the WMT13 systems ({100 * flags / max(1, segments):.1f} "
          f"per 100 segments); {len(rows)} drawn at random into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
