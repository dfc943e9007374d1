"""Speed and exactness of `embed_deleted` (USE vectors of texts with words deleted, computed from
the full texts' per-token features) against encoding the edited texts directly.

    PYTHONPATH=. python bench/deletions.py [--segments 1000]

Every word of 4+ letters of each WMT13 online-B output is deleted in turn (one edit each, the
deletion test of the coverage flagger); both ways run on one core, models loaded first.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from relecture.flaggers.common import delete_spans, embed_deleted, encoder  # noqa: E402

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=SHARED)
    parser.add_argument("--segments", type=int, default=1000)
    args = parser.parse_args()
    with open(os.path.join(args.data, "wmt13-fr-en", "systems", "online-B.en"), encoding="utf-8") as handle:
        texts = handle.read().splitlines()[:args.segments]
    edits = [(text, [(m.start(), m.end())]) for text in texts for m in re.finditer(r"[^\W\d_]{4,}", text)]
    edited = [delete_spans(text, spans) for text, spans in edits]
    encoder = encoder()
    embed_deleted(edits[:50])
    encoder.encode(edited[:50])
    started = time.perf_counter()
    direct = encoder.encode(edited)
    direct_s = time.perf_counter() - started
    started = time.perf_counter()
    fast = embed_deleted(edits)
    fast_s = time.perf_counter() - started
    cosines = (direct * fast).sum(axis=1)
    print(f"{len(edits)} deletions in {len(texts)} WMT13 outputs: direct encoding {direct_s:.1f} s, "
          f"embed_deleted {fast_s:.1f} s ({direct_s / fast_s:.1f}x); cosine min {cosines.min():.7f}, "
          f"mean {cosines.mean():.7f}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
