"""Train the flaggers' learned decisions (eval/flaggers/decision.json) and their lexicon
(eval/flaggers/lexicon.json) from the tune part of WMT12+13 only (bench/splits.py).

- `--lexicon`: Dice co-occurrence of French and English word stems over the tune sources against
  the human references and every system's output; kept: pairs seen 3+ times with Dice >= MIN_DICE,
  the TOP best per French stem.
- the omission decision: errors synthesised from the tune references (their labels are known),
  given to the coverage flagger as outputs beside the clean references: one content word (noun,
  verb, adjective, adverb), a prepositional phrase, a subject or a clause removed (spaCy's English
  parse picks them).  A candidate (a source word without a counterpart, coverage.py) is positive
  when the clean reference covered it and the damaged one does not; every candidate of a clean
  reference is negative.  The references are split in two by source sentence: a logistic
  regression is fitted on one half, and its thresholds are set on the other: `minor` where as
  many clean references get a flag as under the hand rule it replaces (so the two compare on what
  they find at equal noise), `major` where CLEAN_MAJOR do.  (An addition decision trained the
  same way on inserted adjectives and adverbs lost to the hand rule on DEMETR, commit ce47520:
  coverage.py keeps the rule.)

Deterministic: seeded choices, Newton steps, rounded weights (rerun: byte-identical files).

    PYTHONPATH=. python scripts/train_flag_decision.py --lexicon
    PYTHONPATH=. python scripts/train_flag_decision.py [--features /tmp/candidates.json]
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import random
import sys
from collections import Counter

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
from splits import TUNE, wmt_part  # noqa: E402

from relecture.flaggers.coverage import FR_STOP, CoverageFlagger  # noqa: E402
from relecture.flaggers.decision import DECISION_PATH, fit_logistic  # noqa: E402
from relecture.flaggers.lexicon import LEXICON_PATH, stem  # noqa: E402
from relecture.flaggers.text import WORD_RE  # noqa: E402
from relecture.models import SPACY_EN, spacy_model  # noqa: E402
from relecture.types import Segment  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
YEARS = ("wmt12-fr-en", "wmt13-fr-en")
EN_STOP = set("""the a an of to in and or for on at by with from as is are was were be been being it its this that
these those he she they we you i his her their our my your not no but if than then so do does did have has had
will would can could should may might must there which who whom what when where why how all any some more most
such also into about over after before up out""".split())
MIN_DICE, MIN_PAIRS, TOP = 0.25, 3, 4
CLEAN_MAJOR = 0.005  # share of clean references with a major flag (calibration half)
FEATURES = ("sim", "lex", "known", "partner", "zipf", "length_z", "chars", "gain")


def lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return handle.read().splitlines()


def tune_pairs(data: str, systems: bool) -> list[tuple[str, str]]:
    pairs = []
    for year in YEARS:
        base = os.path.join(data, year)
        src = lines(os.path.join(base, "src.fr"))
        outs = [lines(os.path.join(base, "ref.en"))]
        if systems:
            outs += [lines(p) for p in sorted(glob.glob(os.path.join(base, "systems", "*")))]
        pairs += [(s, out[i]) for i, s in enumerate(src) if wmt_part(s) == TUNE for out in outs if out[i].strip()]
    return pairs


def build_lexicon(data: str) -> None:
    fr_count: Counter[str] = Counter()
    en_count: Counter[str] = Counter()
    both: Counter[tuple[str, str]] = Counter()
    for src, out in tune_pairs(data, systems=True):
        fr = {stem(w) for w in WORD_RE.findall(src) if w.lower() not in FR_STOP and len(w) > 2}
        en = {stem(w) for w in WORD_RE.findall(out) if w.lower() not in EN_STOP and len(w) > 2}
        fr_count.update(fr)
        en_count.update(en)
        both.update((f, e) for f in fr for e in en)
    lexicon: dict[str, list[tuple[str, float]]] = {}
    for (f, e), n in both.items():
        dice = 2 * n / (fr_count[f] + en_count[e])
        if n >= MIN_PAIRS and dice >= MIN_DICE:
            lexicon.setdefault(f, []).append((e, round(dice, 3)))
    doc = {"about": f"French stem -> English stems, Dice over the WMT12+13 tune part (sources against references "
                    f"and system outputs); pairs seen {MIN_PAIRS}+ times, Dice >= {MIN_DICE}, top {TOP} per stem "
                    f"(scripts/train_flag_decision.py --lexicon)",
           "lexicon": {f: sorted(pairs, key=lambda p: (-p[1], p[0]))[:TOP] for f, pairs in sorted(lexicon.items())}}
    write_json(LEXICON_PATH, doc, compact=True)
    print(f"wrote {LEXICON_PATH}: {len(doc['lexicon'])} French stems", file=sys.stderr)


def write_json(path: str, doc: dict, compact: bool = False) -> None:
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        if compact:
            json.dump(doc, handle, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        else:
            json.dump(doc, handle, ensure_ascii=False, sort_keys=True, indent=1)
        handle.write("\n")
    os.replace(path + ".tmp", path)


def seeded(text: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


def calibration_half(src: str) -> bool:
    """True for the sources whose thresholds are set (the other half fits the weights)."""
    return hashlib.sha256(src.encode()).digest()[1] % 2 == 1


def removals(doc) -> dict[str, list[tuple[int, int]]]:
    """Character spans of the reference that a removal of each kind may delete."""
    options: dict[str, list[tuple[int, int]]] = {"word": [], "pp": [], "subject": [], "clause": []}
    n = len(doc)
    for tok in doc:
        sub = list(tok.subtree)
        span = (sub[0].idx, sub[-1].idx + len(sub[-1].text))
        if tok.pos_ in ("NOUN", "VERB", "ADJ", "ADV") and tok.is_alpha and not tok.is_stop and len(tok.text) > 2:
            options["word"].append((tok.idx, tok.idx + len(tok.text)))
        if tok.dep_ == "prep" and 2 <= len(sub) <= 7:
            options["pp"].append(span)
        if tok.dep_ == "nsubj" and tok.pos_ != "PRON" and len(sub) <= 6:
            options["subject"].append(span)
        if tok.dep_ in ("advcl", "relcl", "ccomp", "conj") and tok.pos_ == "VERB" and 3 <= len(sub) <= min(15, n - 3):
            options["clause"].append(span)
    return {k: v for k, v in options.items() if v}


def cut(text: str, span: tuple[int, int]) -> str:
    start, end = span
    out = text[:start].rstrip(" ,") + " " + text[end:].lstrip(" ,")
    return " ".join(out.split()).replace(" .", ".").strip()


def synthesise(data: str) -> list[tuple[str, str, str, str]]:
    """(source, clean reference, damaged reference, kind): one removal for each tune reference
    where the parse allows."""
    nlp = spacy_model(SPACY_EN, ("tok2vec", "tagger", "attribute_ruler", "parser"))
    pairs = tune_pairs(data, systems=False)
    docs = list(nlp.pipe([r for _, r in pairs], batch_size=256))
    out = []
    for (src, ref), doc in zip(pairs, docs):
        rng = seeded(src)
        if len(doc) < 6:
            continue
        options = removals(doc)
        if options:
            kind = rng.choice(sorted(options))
            damaged = cut(ref, rng.choice(options[kind]))
            if damaged and damaged != ref:
                out.append((src, ref, damaged, kind))
    return out


def features_of(segments: list[Segment], keep: str | None) -> dict[int, dict[int, dict[str, float]]]:
    """segment -> source offset -> features of the coverage flagger's omission candidates (kept
    in `keep`, a JSON file, when given: a rerun that changes only the fit reads them back)."""
    if keep and os.path.exists(keep):
        with open(keep, encoding="utf-8") as handle:
            rows = json.load(handle)["candidates"]
    else:
        flagger = CoverageFlagger(decide=False)
        flagger.flag(segments)
        rows = flagger.features
        if keep:
            write_json(keep, {"candidates": rows})
    found: dict[int, dict[int, dict[str, float]]] = {}
    for idx, start, _word, features in rows:
        found.setdefault(idx, {})[start] = features
    return found


def rule(f: dict[str, float]) -> bool:
    """The hand rule the learned decision replaced (coverage.py before it), for comparison."""
    return f["sim"] < 0.6 and f["partner"] < 0.4 and f["gain"] > 0.03


def train(rows: list[tuple[str, int, int, str]], found: dict[int, dict[int, dict[str, float]]]) -> dict:
    """Fit the omission decision; rows: (source, clean segment id, damaged segment id, kind)."""
    names = FEATURES
    x, y, owner, fit = [], [], [], []
    for src, clean_id, damaged_id, _kind in rows:
        clean = found.get(clean_id, {})
        for candidates, is_damaged in ((clean, False), (found.get(damaged_id, {}), True)):
            for start, f in sorted(candidates.items()):
                x.append([f[n] for n in names])
                y.append(int(is_damaged and start not in clean))
                owner.append(damaged_id if is_damaged else clean_id)
                fit.append(not calibration_half(src))
    xa, ya, fa = np.array(x), np.array(y, dtype=float), np.array(fit)
    mean, scale, weights, bias = fit_logistic(xa[fa], ya[fa])
    probs = 1 / (1 + np.exp(-(((xa - mean) / scale) @ weights + bias)))
    # calibration half: each segment's highest candidate, and whether the hand rule flags it
    top: dict[int, float] = {}
    by_rule: dict[int, bool] = {}
    for p, o, f_row, in_fit in zip(probs, owner, x, fa):
        if not in_fit:
            top[o] = max(top.get(o, 0.0), float(p))
            by_rule[o] = by_rule.get(o, False) or rule(dict(zip(names, f_row)))
    calib = [r for r in rows if calibration_half(r[0])]
    clean_ids_calib = sorted({r[1] for r in calib})
    clean_top = np.sort(np.array([top.get(i, 0.0) for i in clean_ids_calib]))[::-1]
    rule_rate = sum(by_rule.get(i, False) for i in clean_ids_calib) / len(clean_ids_calib)
    # minor: as many clean references flagged as under the hand rule (the same noise, compared on
    # what each finds); major: CLEAN_MAJOR of them
    minor = round(float(clean_top[int(rule_rate * len(clean_top))]) + 1e-6, 4)
    major = round(float(clean_top[int(CLEAN_MAJOR * len(clean_top))]) + 1e-6, 4)
    report = {}
    for kind in sorted({r[3] for r in calib}):
        ids = [r[2] for r in calib if r[3] == kind]
        report[kind] = {"n": len(ids), "learned_minor": sum(top.get(i, 0) >= minor for i in ids),
                        "learned_major": sum(top.get(i, 0) >= major for i in ids),
                        "rule": sum(by_rule.get(i, False) for i in ids)}
    print(f"accuracy/omission: {len(rows)} damaged references, {int(ya.sum())} positive candidates of {len(ya)}; "
          f"calibration half, clean references flagged: rule and learned minor {rule_rate:.1%}, "
          f"learned major {CLEAN_MAJOR:.1%}; found by kind: {report}", file=sys.stderr)
    print(f"accuracy/omission weights: {dict(zip(names, np.round(weights, 3).tolist()))}", file=sys.stderr)
    return {"features": list(names), "mean": [round(float(v), 6) for v in mean],
            "scale": [round(float(v), 6) for v in scale], "weights": [round(float(v), 6) for v in weights],
            "bias": round(bias, 6), "minor": minor, "major": major,
            "calibration": {"clean_flagged_by_rule": round(rule_rate, 4), "found": report},
            "trained_on": f"{len(rows)} tune references with one synthetic error each, and the same references "
                          f"clean; thresholds: {rule_rate:.1%} (minor: as many as the hand rule "
                          f"it replaces) and {CLEAN_MAJOR:.1%} (major) of the clean references of the calibration "
                          f"half flagged"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--lexicon", action="store_true", help="rebuild lexicon.json")
    parser.add_argument("--features", help="keep the candidates' features in this JSON file (and reuse them)")
    args = parser.parse_args()
    if not os.path.isdir(args.data):
        sys.exit(f"no shared data at {args.data}")
    if args.lexicon:
        build_lexicon(args.data)
        return
    rows = synthesise(args.data)
    segments: list[Segment] = []
    clean_ids: dict[tuple[str, str], int] = {}
    labelled = []
    for src, ref, damaged, kind in rows:
        if (src, ref) not in clean_ids:
            clean_ids[(src, ref)] = len(segments)
            segments.append(Segment(idx=len(segments), src=src, hyp=ref))
        segments.append(Segment(idx=len(segments), src=src, hyp=damaged))
        labelled.append((src, clean_ids[(src, ref)], len(segments) - 1, kind))
    doc = {"about": "learned flag decisions (eval/flaggers/decision.py), trained by scripts/train_flag_decision.py "
                    "on errors synthesised from the WMT12+13 tune references",
           "decisions": {"accuracy/omission": train(labelled, features_of(segments, args.features))}}
    write_json(DECISION_PATH, doc)
    print(f"wrote {DECISION_PATH}", file=sys.stderr)


if __name__ == "__main__":
    main()
