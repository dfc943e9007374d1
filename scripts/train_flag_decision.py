"""Train the flaggers' learned decisions (eval/flaggers/decision.json) and their lexicon
(eval/flaggers/lexicon.json) from the tune part of WMT12+13 only (bench/splits.py).

- `--lexicon`: Dice co-occurrence of French and English word stems over the tune sources against
  the human references and every system's output; kept: pairs seen 3+ times with Dice >= MIN_DICE,
  the TOP best per French stem.
- the decisions: errors synthesised from the tune part (their labels are known): each reference,
  and one system output per source (seeded: literal MT, like the outputs users check), is given to
  the coverage flagger damaged, beside the same text clean:
  * omission: one content word (noun, verb, adjective, adverb), a prepositional phrase, a subject
    or a clause removed (spaCy's English parse picks them).  A candidate (a source word without a
    counterpart, coverage.py) is positive when the clean text covered it and the damaged one does
    not; every candidate of a clean text is negative.
  * addition: a modifier inserted that reads as plausible English, one seen before the same head
    word in another tune text (an adjective or noun before a common noun, an adverb before a verb
    or adjective).  The inserted word's candidate is positive, every candidate of the clean text
    negative.  (Random adjectives and adverbs, commit ce47520, taught the decision to lean on the
    LM: it lost to the hand rule on DEMETR, whose inserted words mostly fit their context.)
  The texts are split in two by source sentence: a logistic regression is fitted on one half, and
  its thresholds are set on the other: `minor` where no more clean texts get a flag than under
  the hand rule it replaces, on the references and on the system outputs each (so the two compare
  on what they find at no more noise), `major` where CLEAN_MAJOR of the clean references do.

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
FEATURES = {"accuracy/omission": ("sim", "lex", "known", "partner", "zipf", "length_z", "chars", "gain", "literal",
                                   "junction", "seam", "shared"),
            "accuracy/addition": ("sim", "lex", "known", "partner", "zipf", "length_z", "chars", "capital", "gain",
                                  "literal", "fit", "rule")}
TRAIN_SYSTEMS = True  # besides each tune reference, one system output per source (seeded) is damaged too


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


def insertions(doc, modifiers: dict[tuple[str, str], list[str]], rng: random.Random) -> list[tuple[int, str]]:
    """(offset, word) insertions that read as plausible English: a modifier seen before the same
    head word in another tune text (an adjective or noun before a common noun: 'brick houses', an
    adverb before a verb or adjective: 'recently launched'), so that the decision cannot lean on
    the LM alone (DEMETR's inserted words mostly fit their context)."""
    out = []
    present = {tok.lower_ for tok in doc}
    for tok in doc:
        if tok.i == 0 or tok.text[:1].isupper():
            continue
        before = doc[tok.i - 1].pos_
        if tok.pos_ == "NOUN" and before in ("DET", "ADP", "NUM", "ADJ", "PRON"):
            pool = [w for w in modifiers.get(("NOUN", tok.lower_), []) if w not in present]
        elif tok.pos_ in ("VERB", "ADJ") and before in ("PRON", "NOUN", "PROPN", "AUX"):
            pool = [w for w in modifiers.get(("ADV", tok.lower_), []) if w not in present]
        else:
            continue
        if pool:
            out.append((tok.idx, rng.choice(pool)))
    return out


def modifiers_of(docs: list) -> dict[tuple[str, str], list[str]]:
    """(kind of head, head word) -> the modifiers seen right before it in the tune texts: adjectives
    and nouns before a common noun ('NOUN'), adverbs before a verb or adjective ('ADV')."""
    seen: dict[tuple[str, str], set[str]] = {}
    for doc in docs:
        for tok in doc[1:]:
            mod = doc[tok.i - 1]
            if not (mod.is_alpha and mod.is_lower and not mod.is_stop and len(mod.text) > 3):
                continue
            if tok.pos_ == "NOUN" and mod.pos_ in ("ADJ", "NOUN") and mod.dep_ in ("amod", "compound"):
                seen.setdefault(("NOUN", tok.lower_), set()).add(mod.lower_)
            elif tok.pos_ in ("VERB", "ADJ") and mod.pos_ == "ADV" and mod.dep_ == "advmod":
                seen.setdefault(("ADV", tok.lower_), set()).add(mod.lower_)
    return {key: sorted(words) for key, words in sorted(seen.items())}


def cut(text: str, span: tuple[int, int]) -> str:
    start, end = span
    out = text[:start].rstrip(" ,") + " " + text[end:].lstrip(" ,")
    return " ".join(out.split()).replace(" .", ".").strip()


def synthesise(data: str) -> list[tuple[str, str, str, str, int]]:
    """(source, clean text, damaged text, kind, offset of an inserted word or -1): one removal and
    one insertion for each tune reference, and for one system output per source (seeded), where
    the parse allows; kind is prefixed 'ref-' or 'mt-'."""
    nlp = spacy_model(SPACY_EN, ("tok2vec", "tagger", "attribute_ruler", "parser"))
    texts = [(src, ref, "ref") for src, ref in tune_pairs(data, systems=False)]
    if TRAIN_SYSTEMS:
        outputs: dict[str, list[str]] = {}
        for src, out in tune_pairs(data, systems=True):
            outputs.setdefault(src, []).append(out)
        refs = {src for src, _, _ in texts}
        texts += [(src, seeded(src + "system").choice(sorted(outs)), "mt") for src, outs in sorted(outputs.items())
                  if src in refs]
    docs = list(nlp.pipe([t for _, t, _ in texts], batch_size=256))
    modifiers = modifiers_of(docs)
    out = []
    for (src, text, origin), doc in zip(texts, docs):
        rng = seeded(src + origin)
        if len(doc) < 6:
            continue
        options = removals(doc)
        if options:
            kind = rng.choice(sorted(options))
            damaged = cut(text, rng.choice(options[kind]))
            if damaged and damaged != text:
                out.append((src, text, damaged, f"{origin}-{kind}", -1))
        places = insertions(doc, modifiers, rng)
        if places:
            offset, word = rng.choice(places)
            out.append((src, text, text[:offset] + word + " " + text[offset:], f"{origin}-insertion", offset))
    return out


def features_of(segments: list[Segment], keep: str | None) -> dict[str, dict[int, dict[int, dict[str, float]]]]:
    """category -> segment -> offset -> features of the coverage flagger's candidates (kept in
    `keep`, a JSON file, when given: a rerun that changes only the fit reads them back)."""
    if keep and os.path.exists(keep):
        with open(keep, encoding="utf-8") as handle:
            rows = json.load(handle)["candidates"]
    else:
        flagger = CoverageFlagger(decide=False)
        flagger.flag(segments)
        rows = flagger.features
        if keep:
            write_json(keep, {"candidates": rows})
    found: dict[str, dict[int, dict[int, dict[str, float]]]] = {}
    for category, candidates in rows.items():
        for idx, start, _word, features in candidates:
            found.setdefault(category, {}).setdefault(idx, {})[start] = features
    return found


def rule(category: str, f: dict[str, float]) -> bool:
    """The hand rule each learned decision replaces (coverage.py before it), for comparison."""
    if category == "accuracy/omission":
        return f["sim"] < 0.6 and f["partner"] < 0.4 and f["gain"] > 0.03
    return bool(f["rule"])


def train(category: str, rows: list[tuple[str, int, int, str, int]],
          found: dict[int, dict[int, dict[str, float]]]) -> dict:
    """Fit one decision; rows: (source, clean segment id, damaged segment id, kind, inserted offset
    or -1).  An omission candidate is positive when the clean text covered it; an addition
    candidate when it is the inserted word (the damaged text's other candidates are the clean one's)."""
    names = FEATURES[category]
    x, y, owner, fit = [], [], [], []
    for src, clean_id, damaged_id, _kind, offset in rows:
        clean = found.get(clean_id, {})
        in_fit = not calibration_half(src)
        for start, f in sorted(clean.items()):
            x.append([f[n] for n in names]); y.append(0); owner.append(clean_id); fit.append(in_fit)
        for start, f in sorted(found.get(damaged_id, {}).items()):
            if offset >= 0 and start != offset:
                continue
            x.append([f[n] for n in names]); y.append(int(offset >= 0 or start not in clean))
            owner.append(damaged_id); fit.append(in_fit)
    xa, ya, fa = np.array(x), np.array(y, dtype=float), np.array(fit)
    mean, scale, weights, bias = fit_logistic(xa[fa], ya[fa])
    probs = 1 / (1 + np.exp(-(((xa - mean) / scale) @ weights + bias)))
    # calibration half: each segment's highest candidate, and whether the hand rule flags it
    top: dict[int, float] = {}
    by_rule: dict[int, bool] = {}
    for p, o, f_row, in_fit in zip(probs, owner, x, fa):
        if not in_fit:
            top[o] = max(top.get(o, 0.0), float(p))
            by_rule[o] = by_rule.get(o, False) or rule(category, dict(zip(names, f_row)))
    calib = [r for r in rows if calibration_half(r[0])]
    # minor: no more clean texts flagged than under the hand rule, on the references and on the
    # system outputs each (the higher of the two thresholds: free and literal translations both
    # keep at most the rule's noise); major: CLEAN_MAJOR of the clean references
    thresholds, rates = [], {}
    for origin in ("ref", "mt"):
        clean_ids = sorted({r[1] for r in calib if r[3].startswith(origin + "-")})
        if not clean_ids:
            continue
        clean_top = np.sort(np.array([top.get(i, 0.0) for i in clean_ids]))[::-1]
        rates[origin] = sum(by_rule.get(i, False) for i in clean_ids) / len(clean_ids)
        thresholds.append(float(clean_top[int(rates[origin] * len(clean_top))]))
        if origin == "ref":
            major = round(float(clean_top[int(CLEAN_MAJOR * len(clean_top))]) + 1e-6, 4)
    minor = round(max(thresholds) + 1e-6, 4)
    flagged = {origin: round(float(np.mean([top.get(i, 0.0) >= minor for i in sorted({r[1] for r in calib
               if r[3].startswith(origin + "-")})])), 4) for origin in rates}
    report = {}
    for kind in sorted({r[3] for r in calib}):
        ids = [r[2] for r in calib if r[3] == kind]
        report[kind] = {"n": len(ids), "learned_minor": sum(top.get(i, 0) >= minor for i in ids),
                        "learned_major": sum(top.get(i, 0) >= major for i in ids),
                        "rule": sum(by_rule.get(i, False) for i in ids)}
    print(f"{category}: {len(rows)} damaged texts, {int(ya.sum())} positive candidates of {len(ya)}; "
          f"calibration half, clean texts flagged by the rule {rates}, learned minor {flagged}; "
          f"found by kind: {report}", file=sys.stderr)
    print(f"{category} weights: {dict(zip(names, np.round(weights, 3).tolist()))}", file=sys.stderr)
    return {"features": list(names), "mean": [round(float(v), 6) for v in mean],
            "scale": [round(float(v), 6) for v in scale], "weights": [round(float(v), 6) for v in weights],
            "bias": round(bias, 6), "minor": minor, "major": major,
            "calibration": {"clean_flagged_by_rule": {k: round(v, 4) for k, v in rates.items()},
                            "clean_flagged_by_learned": flagged, "found": report},
            "trained_on": f"{len(rows)} tune texts (references and one system output per source) with one synthetic "
                          f"error each, and the same texts clean; minor threshold: no more clean texts flagged than by "
                          f"the hand rule it replaces, on references and on outputs each; major: "
                          f"{CLEAN_MAJOR:.1%} of the clean references of the calibration half flagged"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--lexicon", action="store_true", help="rebuild lexicon.json")
    parser.add_argument("--features", help="keep the candidates' features in this JSON file (and reuse them)")
    parser.add_argument("--categories", nargs="+", default=sorted(FEATURES), choices=sorted(FEATURES),
                        help="the decisions to learn (a category left out keeps coverage.py's hand rule)")
    args = parser.parse_args()
    if not os.path.isdir(args.data):
        sys.exit(f"no shared data at {args.data}")
    if args.lexicon:
        build_lexicon(args.data)
        return
    rows = synthesise(args.data)
    segments: list[Segment] = []
    clean_ids: dict[tuple[str, str], int] = {}
    per_category: dict[str, list[tuple[str, int, int, str, int]]] = {c: [] for c in args.categories}
    for src, text, damaged, kind, offset in rows:
        category = "accuracy/addition" if offset >= 0 else "accuracy/omission"
        if category not in per_category:
            continue
        if (src, text) not in clean_ids:
            clean_ids[(src, text)] = len(segments)
            segments.append(Segment(idx=len(segments), src=src, hyp=text))
        segments.append(Segment(idx=len(segments), src=src, hyp=damaged))
        per_category[category].append((src, clean_ids[(src, text)], len(segments) - 1, kind, offset))
    found = features_of(segments, args.features)
    doc = {"about": "learned flag decisions (eval/flaggers/decision.py), trained by scripts/train_flag_decision.py "
                    "on errors synthesised from the WMT12+13 tune references and system outputs",
           "decisions": {category: train(category, per_category[category], found.get(category, {}))
                         for category in sorted(per_category)}}
    write_json(DECISION_PATH, doc)
    print(f"wrote {DECISION_PATH}", file=sys.stderr)


if __name__ == "__main__":
    main()
