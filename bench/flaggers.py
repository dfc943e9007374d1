"""Accuracy of the error flaggers (issues 4 and 14), printed as tables, held-out part
beside the tuning part (`bench/splits.py`: WMT by source sentence, DEMETR by item, Bio-MQM by
document).  Rules and the confidence table are fitted on `tune` only; `test` is what counts.

Accuracy, all default flaggers, no reference (unless --ref):
- DEMETR fr→en dev: per perturbation type, the share of perturbed items (where it was applied)
  with a flag of the matching category (any severity, and major+), and the share of the distinct
  good `mt` translations with a major or critical flag (false alarms).
- WMT12+13 human references given as outputs (a seeded sample per part): share with a major or
  critical flag (false alarms on good, free translations).
- Truncations made from WMT12+13 system outputs (a seeded sample per part, each cut to 40-70% of
  its words): share with a major `accuracy/omission` or `fluency/truncated` flag.
- Bio-MQM (medical, real outputs of 11 systems, human MQM errors): precision of major+ flags =
  share of the segments flagged major+ (per category) where a person marked a major error.

    PYTHONPATH=. python bench/flaggers.py                 # the held-out tables
    PYTHONPATH=. python bench/flaggers.py --ref           # the same, flaggers given the reference
    PYTHONPATH=. python bench/flaggers.py --calibrate     # and write the confidence table (tune part)
    PYTHONPATH=. python bench/flaggers.py --fit-length    # the truncation flagger's length model
    PYTHONPATH=. python bench/flaggers.py --show codemix  # misses (test and tune), for debugging

Speed (segments per second, CPU of both processes, flags compared byte for byte between two
versions) is bench/flagger_speed.py's.

Flags are cached under /tmp/flags-cache, per flagger, keyed by its source code and the texts.
"""
from __future__ import annotations

import argparse
import dataclasses
import glob
import hashlib
import json
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from splits import TEST, TUNE, bio_test_docs, demetr_test_sources, wmt_part  # noqa: E402

from relecture import registry  # noqa: E402
from relecture.flaggers import DEFAULT_FLAGGERS, run_flaggers  # noqa: E402
from relecture.flaggers.calibration import TABLE_PATH, calibrate, fit_table, outcome_key  # noqa: E402
from relecture.types import ErrorSpan, Segment  # noqa: E402

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
CACHE = os.environ.get("FLAGS_CACHE", "/tmp/flags-cache")
FLAGGER_DIR = os.path.join(os.path.dirname(__file__), "..", "eval", "flaggers")
SEVERE = ("major", "critical")
PARTS = (TUNE, TEST)

# Perturbation type -> the categories that count as "matching" (documented in the README).
REMOVAL = {"accuracy/omission", "fluency/garbled", "fluency/truncated"}
MATCHING = {
    "ne_replaced": {"accuracy/named-entity"},
    "ne_removed": {"accuracy/named-entity"},
    "numbers_replaced": {"accuracy/number"},
    "codemix": {"accuracy/untranslated"},
    "addition": {"accuracy/addition"},
    "shuffled": {"fluency/word-order", "fluency/garbled"},
    "empty": {"other/empty"},
    "verb_removed": REMOVAL,
    "noun_removed": REMOVAL,
    "subj_removed": REMOVAL,
    "pp_removed": REMOVAL,
    "adj_adv_removed": REMOVAL,
    # no bar
    "repeat2": {"fluency/repetition"},
    "repeat4": {"fluency/repetition"},
    "negation": {"accuracy/mistranslation"},
    "antonym": {"accuracy/mistranslation"},
    "tense": {"accuracy/mistranslation"},
    "shuffle_trans": {"accuracy/mistranslation", "accuracy/omission", "accuracy/addition", "accuracy/named-entity",
                      "accuracy/number"},
}
# The bars (share of items with a matching flag, any severity).
BARS = {"ne_replaced": 95, "numbers_replaced": 95, "empty": 95, "shuffled": 95, "ne_removed": 90, "codemix": 90,
        "addition": 60, "verb_removed": 50, "noun_removed": 50, "subj_removed": 50, "pp_removed": 50,
        "adj_adv_removed": 50}
TRUNCATION = {"accuracy/omission", "fluency/truncated"}
# categories whose minor flags on good translations are reported too (the price of detection)
NOISE = ("accuracy/addition", "accuracy/omission")


@dataclass
class Item:
    """One segment of the benchmark: where it comes from, which part, and what it should get."""
    pool: str  # demetr | wmt-ref | truncation | bio
    kind: str  # the DEMETR type ('mt' for the good translation), or the pool's own
    part: str
    src: str
    hyp: str
    info: dict
    ref: str = ""  # the human reference, given to the flaggers with --ref (none for a reference itself)


def ptype(name: str) -> str:
    # "critical_id9_ne_replaced" -> "ne_replaced"
    return name.split("_", 2)[2]


def read_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return handle.read().splitlines()


def demetr_items(data: str) -> list[Item]:
    rows = []
    for file in sorted(glob.glob(os.path.join(data, "demetr-fr-dev", "*.jsonl"))):
        with open(file, encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    test = demetr_test_sources(r["src"] for r in rows)
    good = {r["id"]: r for r in rows}  # `mt` is the same for an id in every file
    part = {r["id"]: TEST if r["src"] in test else TUNE for r in rows}
    items = [Item("demetr", "mt", part[r["id"]], r["src"], r["mt"], r, r["ref"]) for r in good.values()]
    items += [Item("demetr", ptype(r["perturbation"]), part[r["id"]], r["src"], r["perturbed"], r, r["ref"])
              for r in rows if r["applied"]]
    return items


def wmt_items(data: str, per_part: int, trunc_per_part: int, seed: int = 14) -> list[Item]:
    """A seeded sample of WMT12+13 references (as outputs) and of truncated system outputs."""
    refs: list[tuple[str, str, str]] = []
    outputs: list[tuple[str, str, str, str]] = []
    for year in ("wmt12-fr-en", "wmt13-fr-en"):
        base = os.path.join(data, year)
        src = read_lines(os.path.join(base, "src.fr"))
        refs += [(year, s, r) for s, r in zip(src, read_lines(os.path.join(base, "ref.en")))]
        for path in sorted(glob.glob(os.path.join(base, "systems", "*"))):
            outputs += [(year, s, h, r) for s, h, r in zip(src, read_lines(path), read_lines(os.path.join(base, "ref.en")))]
    rng = random.Random(seed)
    items = []
    for part in PARTS:
        pool = [r for r in refs if wmt_part(r[1]) == part and r[2].strip()]
        for year, s, r in rng.sample(pool, min(per_part, len(pool))):
            items.append(Item("wmt-ref", "reference", part, s, r, {"year": year}))
        # outputs of at least 8 words, one per source sentence at most
        seen: set[str] = set()
        cands = []
        for year, s, h, r in outputs:
            if wmt_part(s) == part and len(h.split()) >= 8 and s not in seen:
                seen.add(s)
                cands.append((year, s, h, r))
        for year, s, h, r in rng.sample(cands, min(trunc_per_part, len(cands))):
            words = h.split()
            keep = max(1, round(len(words) * rng.uniform(0.4, 0.7)))
            items.append(Item("truncation", "truncation", part, s, " ".join(words[:keep]), {"year": year, "full": h}, r))
    return items


def bio_items(data: str) -> list[Item]:
    """Distinct (system, doc, segment) of Bio-MQM, with every annotator's errors."""
    path = os.path.join(data, "bio-mqm-fr-en-dev", "segments.jsonl")
    with open(path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    test = bio_test_docs(r["doc"] for r in rows)
    units: dict[tuple[str, str, str], Item] = {}
    for r in rows:
        key = (r["system"], r["doc"], r["seg_id"])
        if key not in units:
            units[key] = Item("bio", r["system"], TEST if r["doc"] in test else TUNE, r["src"], r["hyp"],
                              {"errors": [], "system": r["system"]}, "" if r["system"] == "reference" else r["ref"])
        units[key].info["errors"].extend(r["errors"])
    return list(units.values())


def cached_flags(items: Sequence[Item], flaggers: Sequence[str], with_refs: bool = False) -> list[list[ErrorSpan]]:
    """Each item's flags, flagger by flagger from the cache when that flagger's module (and the
    shared code) and the texts are unchanged: changing one flagger reruns only that one."""
    modules = {entry.target.split(":")[0].rsplit(".", 1)[1] + ".py" for entry in registry.FLAGGERS.values()}
    shared = b"".join(_read(path) for path in sorted(glob.glob(os.path.join(FLAGGER_DIR, "*.py")))
                      if os.path.basename(path) not in modules)  # base, calibration, text, parse, vectors...
    # data files (the learned weights, the lexicon) count for the flaggers whose module imports
    # theirs (the confidence table is applied after the cache)
    data = {os.path.splitext(os.path.basename(path))[0]: _read(path)
            for path in sorted(glob.glob(os.path.join(FLAGGER_DIR, "*.json"))) if path != TABLE_PATH}
    texts = json.dumps([(i.src, i.hyp, i.ref) if with_refs else (i.src, i.hyp) for i in items]).encode()
    by_item: list[list[ErrorSpan]] = [[] for _ in items]
    segments = [Segment(idx=i, src=item.src, hyp=item.hyp, refs=(item.ref,) if with_refs and item.ref else ())
                for i, item in enumerate(items)]
    paths = {}
    for name in flaggers:  # keys first, then the code imported: an edit meanwhile cannot mislabel
        module = registry.FLAGGERS[name].target.split(":")[0].rsplit(".", 1)[1]
        code = _read(os.path.join(FLAGGER_DIR, module + ".py"))
        used = b"".join(raw for stem, raw in data.items() if f"from .{stem} import".encode() in code)
        key = hashlib.sha256(shared + code + used + name.encode() + texts)
        paths[name] = os.path.join(CACHE, f"{name}-{key.hexdigest()[:16]}.jsonl")
        registry.load("flagger", name)
    for name, path in paths.items():
        if not os.path.exists(path):
            started = time.perf_counter()
            flags = run_flaggers(segments, [name])
            print(f"({name}: flagged {len(items)} segments in {time.perf_counter() - started:.0f} s)", file=sys.stderr)
            os.makedirs(CACHE, exist_ok=True)
            dump(flags, path + ".tmp")
            os.replace(path + ".tmp", path)
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                span = ErrorSpan.from_dict(json.loads(line))
                by_item[span.seg_idx].append(span)
    # (the confidence table is no part of the keys: it is applied again here)
    return [calibrate(spans) for spans in by_item]


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def pct(hit: int, n: int) -> str:
    return f"{100 * hit / n:.0f}% ({hit}/{n})" if n else "-"


def human_major(item: Item) -> bool:
    return any(e["severity"] in SEVERE for e in item.info["errors"])


def is_right(item: Item, span: ErrorSpan) -> bool | None:
    """Whether a flag is right (None: no verdict, left out of the confidence table).

    Good translations (DEMETR `mt`, WMT references): every flag is wrong.  A perturbed DEMETR
    item or a truncation: a flag of the matching category is right, others have no verdict.
    Bio-MQM: right when a person marked an error of at least the flag's severity."""
    if item.pool == "wmt-ref" or (item.pool == "demetr" and item.kind == "mt"):
        return False
    if item.pool == "demetr":
        return True if span.category in MATCHING.get(item.kind, set()) else None
    if item.pool == "truncation":
        return True if span.category in TRUNCATION else None
    if span.severity == "minor":
        return bool(item.info["errors"])
    return human_major(item)


def report(items: list[Item], flags: list[list[ErrorSpan]], show: str | None) -> None:
    def idx(pool: str, kind: str | None = None, part: str | None = None) -> list[int]:
        return [i for i, it in enumerate(items) if it.pool == pool and (kind is None or it.kind == kind)
                and (part is None or it.part == part)]

    def severe(i: int) -> bool:
        return any(f.severity in SEVERE for f in flags[i])

    print("## DEMETR fr→en dev, no reference (detection: a flag of the matching category)\n")
    print("| perturbation | bar | test: any severity | test: major+ | tune: any severity | tune: major+ |")
    print("|---|---:|---:|---:|---:|---:|")
    kinds = sorted({it.kind for it in items if it.pool == "demetr" and it.kind != "mt"},
                   key=lambda k: (k not in BARS, -BARS.get(k, 0), k))
    for kind in kinds:
        wanted = MATCHING.get(kind)
        if not wanted:
            continue
        cells = []
        for part in (TEST, TUNE):
            ids = idx("demetr", kind, part)
            hit = sum(any(f.category in wanted for f in flags[i]) for i in ids)
            hit_major = sum(any(f.category in wanted and f.severity in SEVERE for f in flags[i]) for i in ids)
            cells += [pct(hit, len(ids)), pct(hit_major, len(ids))]
        bar = f"≥ {BARS[kind]}%" if kind in BARS else ""
        print(f"| {kind} | {bar} | " + " | ".join(cells) + " |")
    cells = [pct(sum(severe(i) for i in idx("demetr", "mt", part)), len(idx("demetr", "mt", part)))
             for part in (TEST, TUNE)]
    print(f"| **false alarms**: good `mt` with a major/critical flag | ≤ 2% | {cells[0]} | | {cells[1]} | |")
    for category in NOISE:
        cells = [pct(sum(any(f.category == category for f in flags[i]) for i in idx("demetr", "mt", part)),
                     len(idx("demetr", "mt", part))) for part in (TEST, TUNE)]
        print(f"| good `mt` with an {category} flag, any severity (noise) | | {cells[0]} | | {cells[1]} | |")

    print("\n## WMT12+13: references given as outputs, and truncated system outputs\n")
    print("| what | bar | test | tune |")
    print("|---|---:|---:|---:|")
    cells = [pct(sum(severe(i) for i in idx("wmt-ref", part=p)), len(idx("wmt-ref", part=p))) for p in (TEST, TUNE)]
    print(f"| references with a major/critical flag (false alarms) | ≤ 3% | {cells[0]} | {cells[1]} |")
    cells = [pct(sum(any(f.category in TRUNCATION and f.severity in SEVERE for f in flags[i])
                     for i in idx("truncation", part=p)), len(idx("truncation", part=p))) for p in (TEST, TUNE)]
    print(f"| truncations (40-70% of words kept) with a major omission/truncated flag | ≥ 90% | {cells[0]} | {cells[1]} |")
    cells = [pct(sum(severe(i) for i in idx("truncation", part=p)), len(idx("truncation", part=p))) for p in (TEST, TUNE)]
    print(f"| truncations with any major/critical flag | | {cells[0]} | {cells[1]} |")
    for category in NOISE:
        cells = [pct(sum(any(f.category == category for f in flags[i]) for i in idx("wmt-ref", part=p)),
                     len(idx("wmt-ref", part=p))) for p in (TEST, TUNE)]
        print(f"| references with an {category} flag, any severity (noise) | | {cells[0]} | {cells[1]} |")
    for part in (TEST, TUNE):
        cats: dict[str, int] = defaultdict(int)
        for i in idx("wmt-ref", part=part):
            for cat in {f"{f.flagger}:{f.category}" for f in flags[i] if f.severity in SEVERE}:
                cats[cat] += 1
        print(f"\n{part}: references with a major+ flag, by flagger:category: "
              + (", ".join(f"{c} {n}" for c, n in sorted(cats.items(), key=lambda x: -x[1])) or "none"))

    if any(it.pool == "bio" for it in items):
        print("\n## Bio-MQM (medical, 11 systems + reference): precision of major+ flags against human major errors\n")
        print("| category | test: precision (segments) | tune: precision (segments) |")
        print("|---|---:|---:|")
        cats = sorted({f.category for i in idx("bio") for f in flags[i] if f.severity in SEVERE})
        for cat in ["all"] + cats:
            cells = []
            for part in (TEST, TUNE):
                ids = [i for i in idx("bio", part=part)
                       if any(f.severity in SEVERE and (cat == "all" or f.category == cat) for f in flags[i])]
                cells.append(pct(sum(human_major(items[i]) for i in ids), len(ids)))
            print(f"| {cat} | {cells[0]} | {cells[1]} |")
        for part in (TEST, TUNE):
            ids = idx("bio", part=part)
            base = sum(human_major(items[i]) for i in ids)
            recall = sum(human_major(items[i]) and severe(i) for i in ids)
            print(f"\n{part}: {len(ids)} segments, base rate of a human major error {pct(base, len(ids))}; "
                  f"segments with a human major error that are flagged major+: {pct(recall, base)}")

    print("\n## Confidence: the stored table (fitted on tune) against the share right on test\n")
    table = fit_table(outcomes(items, flags, TEST), prior=None)
    stored = load_table()
    print("| flagger / category / severity | stored confidence (tune, n) | share right on test (n) |")
    print("|---|---:|---:|")
    for key in sorted(set(stored) | set(table)):
        s = stored.get(key)
        t = table.get(key)
        print(f"| {key} | {f'{s[0]:.2f} ({s[1]})' if s else '-'} | {f'{t[0]:.2f} ({t[1]})' if t else '-'} |")

    if show:
        for i, it in enumerate(items):
            wanted = MATCHING.get(it.kind, TRUNCATION if it.pool == "truncation" else set())
            miss = it.kind == show and bool(wanted) and not any(f.category in wanted and (it.pool != "truncation" or f.severity in SEVERE)
                                               for f in flags[i])
            alarm = show in (it.kind, it.pool) and it.kind in ("mt", "reference") and severe(i)
            if miss or alarm:
                print(f"\n{'ALARM' if alarm else 'MISS'} {it.part} {it.kind}\n  src: {it.src}\n  hyp: {it.hyp}")
                for f in flags[i]:
                    print(f"  flag: {f.flagger} {f.category} {f.severity} {f.message}")


def outcomes(items: list[Item], flags: list[list[ErrorSpan]], part: str) -> list[tuple[str, bool]]:
    out = []
    for item, spans in zip(items, flags):
        if item.part != part:
            continue
        for span in spans:
            right = is_right(item, span)
            if right is not None:
                out.append((outcome_key(span), right))
    return out


def load_table() -> dict[str, tuple[float, int]]:
    if not os.path.exists(TABLE_PATH):
        return {}
    with open(TABLE_PATH, encoding="utf-8") as handle:
        return {k: (v["confidence"], v["n"]) for k, v in json.load(handle)["table"].items()}


def dump(flags: list, path: str | None) -> None:
    """Every flag as one JSON line (confidence included), for diffing two versions' output."""
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            for flag in flags:
                handle.write(json.dumps(dataclasses.asdict(flag), ensure_ascii=False, sort_keys=True) + "\n")


def accuracy(args: argparse.Namespace) -> None:
    items = demetr_items(args.data) + wmt_items(args.data, args.refs, args.truncations) + bio_items(args.data)
    flags = cached_flags(items, args.flaggers, args.ref)
    if args.calibrate and args.ref:
        sys.exit("--calibrate fits the table on flags made without a reference: drop --ref")
    if args.calibrate:
        table = fit_table(outcomes(items, flags, TUNE))
        doc = ("share of flags that are right, per flagger/category/severity, measured on the tune parts "
               "(bench/flaggers.py --calibrate): DEMETR perturbed items (a matching flag is right), good DEMETR "
               "translations and WMT12+13 references (every flag is wrong), WMT truncations, Bio-MQM (right when a "
               "person marked an error of at least the flag's severity); smoothed toward 0.5 with 2 pseudo-counts")
        with open(TABLE_PATH + ".tmp", "w", encoding="utf-8") as handle:
            json.dump({"about": doc, "table": {k: {"confidence": round(c, 3), "n": n} for k, (c, n) in sorted(table.items())}},
                      handle, indent=1, ensure_ascii=False)
            handle.write("\n")
        os.replace(TABLE_PATH + ".tmp", TABLE_PATH)
        print(f"wrote {TABLE_PATH} ({len(table)} entries); rerun without --calibrate for the figures", file=sys.stderr)
        return
    report(items, flags, args.show)


def fit_length(args: argparse.Namespace) -> None:
    """The truncation flagger's length model: log(output chars / source chars) of the WMT12+13
    references, tune part: its mean, and its sd by source length (fitted as a + b / sqrt(chars))."""
    import numpy as np

    src_len, log_ratio = [], []
    for year in ("wmt12-fr-en", "wmt13-fr-en"):
        base = os.path.join(args.data, year)
        for s, r in zip(read_lines(os.path.join(base, "src.fr")), read_lines(os.path.join(base, "ref.en"))):
            if wmt_part(s) == TUNE and s.strip() and r.strip():
                src_len.append(len(s.strip()))
                log_ratio.append(np.log(len(r.strip()) / len(s.strip())))
    n, lr = np.array(src_len), np.array(log_ratio)
    mean = float(lr.mean())
    bins = [(0, 40), (40, 80), (80, 150), (150, 10_000)]
    xs, sds = [], []
    for lo, hi in bins:
        mask = (n >= lo) & (n < hi)
        xs.append(float(np.mean(1 / np.sqrt(n[mask]))))
        sds.append(float(lr[mask].std()))
        print(f"source {lo}-{hi} chars: {mask.sum()} references, sd {sds[-1]:.3f}")
    slope, base = np.polyfit(xs, sds, 1)
    print(f"{len(lr)} references: LOG_RATIO_MEAN = {mean:.3f}; SD_BASE, SD_SLOPE = {base:.3f}, {slope:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=SHARED)
    parser.add_argument("--ref", action="store_true", help="give the flaggers the human reference")
    parser.add_argument("--calibrate", action="store_true", help="write the confidence table from the tune parts")
    parser.add_argument("--fit-length", action="store_true", help="print the truncation flagger's length model")
    parser.add_argument("--refs", type=int, default=600, help="WMT references per part")
    parser.add_argument("--truncations", type=int, default=300, help="truncated WMT outputs per part")
    parser.add_argument("--flaggers", nargs="*", default=list(DEFAULT_FLAGGERS))
    parser.add_argument("--show", help="print the misses of one type ('mt', 'reference': false alarms)")
    args = parser.parse_args()
    if not os.path.isdir(args.data):
        sys.exit(f"no shared data at {args.data}")
    if args.fit_length:
        fit_length(args)
    else:
        accuracy(args)


if __name__ == "__main__":
    main()
