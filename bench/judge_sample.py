"""The hand check of issue 14: major and critical flags on real WMT13 system outputs, for a person
to judge (bench/judged-flags.jsonl holds the judged list and its verdicts).

120 seeded random lines of each of the 19 WMT13 systems (2,280 segments), all default flaggers,
no reference; every major+ flag is written (31 with the code of this commit), 100 at most.

    PYTHONPATH=. python bench/judge_sample.py /tmp/sample.jsonl
"""
from __future__ import annotations

import glob
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from splits import wmt_part  # noqa: E402

from relecture.flaggers import DEFAULT_FLAGGERS, run_flaggers  # noqa: E402
from relecture.types import Segment  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "wmt13-fr-en")


def main(out_path: str) -> None:
    with open(os.path.join(DATA, "src.fr"), encoding="utf-8") as handle:
        src = handle.read().splitlines()
    rng = random.Random(2014)
    rows = []
    for path in sorted(glob.glob(os.path.join(DATA, "systems", "*"))):
        with open(path, encoding="utf-8") as handle:
            hyp = handle.read().splitlines()
        rows += [(os.path.basename(path), i, src[i], hyp[i]) for i in rng.sample(range(len(src)), 120)]
    segments = [Segment(k, s, h) for k, (_, _, s, h) in enumerate(rows)]
    flags = [f for f in run_flaggers(segments, DEFAULT_FLAGGERS) if f.severity in ("major", "critical")]
    print(f"{len(rows)} segments, {len(flags)} major+ flags", file=sys.stderr)
    with open(out_path, "w", encoding="utf-8") as out:
        for flag in sorted(rng.sample(flags, min(100, len(flags))), key=lambda f: f.seg_idx):
            system, line, s, h = rows[flag.seg_idx]
            out.write(json.dumps({"system": system, "line": line, "part": wmt_part(s), "flagger": flag.flagger,
                                  "category": flag.category, "severity": flag.severity,
                                  "span": (s if flag.on_source else h)[flag.start:flag.end][:200],
                                  "message": flag.message, "src": s, "hyp": h}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
