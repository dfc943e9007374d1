"""How far word-level evidence can take addition detection on DEMETR (issue 4), printed as tables.

Every content word of the 50 good translations and of their 50 perturbed copies (one inserted
word each: 'naive buyers', 'wooden houses') gets the features the coverage flagger can compute
offline: its best multilingual USE similarity with a source word, the sentence-level deletion
gain (is the output closer to the source without the word?), the same gain on a ±2-word window
against the aligned source window, its English frequency (wordfreq) and capitalisation.  Then:

1. each feature alone, as a threshold sweep;
2. a logistic regression over all of them, cross-validated by item (5 folds; fitted on DEMETR
   itself, so an optimistic ceiling, not a method);
3. the shipped coverage flagger on the same items.

Each row: share of perturbed items with a flagged inserted word (detection) and share of good
items with any flagged word.  The issue's bar is detection ≥ 95%.

    PYTHONPATH=. python bench/addition_ceiling.py [--data ../shared/data]
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from relecture.flaggers.common import embed, fold, parse, zipf  # noqa: E402
from relecture.flaggers.coverage import FR_STOP, SRC_TOKEN, STOP, CoverageFlagger  # noqa: E402
from relecture.types import Segment  # noqa: E402

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
FEATURES = ("best_sim", "sentence_gain", "window_gain", "zipf", "capitalised")
WINDOW = 2


def vec(text: str) -> np.ndarray:
    return embed([text])[text]


def items(data: str) -> tuple[list[Segment], list[set[str]]]:
    """Good (even idx) and perturbed (odd idx) segments, and each item's inserted words."""
    with open(os.path.join(data, "demetr-fr-dev", "critical_id6_addition.jsonl"), encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    segments, inserted = [], []
    for i, row in enumerate(rows):
        segments += [Segment(idx=2 * i, src=row["src"], hyp=row["mt"]),
                     Segment(idx=2 * i + 1, src=row["src"], hyp=row["perturbed"])]
        old, new = row["mt"].split(), row["perturbed"].split()
        ops = difflib.SequenceMatcher(a=old, b=new).get_opcodes()
        inserted.append({re.sub(r"\W", "", w).lower() for op, _, _, j1, j2 in ops if op != "equal" for w in new[j1:j2]})
    return segments, inserted


def word_features(segments: list[Segment], inserted: list[set[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, labels, seg_of = [], [], []
    for seg, doc in zip(segments, parse(segments).hyp):
        src_tokens = list(SRC_TOKEN.finditer(seg.src))
        content = [k for k, m in enumerate(src_tokens) if m.group().lower() not in FR_STOP]
        src_matrix = np.stack([vec(src_tokens[k].group().lower()) for k in content])
        prefixes = {fold(src_tokens[k].group())[:5] for k in content}
        words = [t for t in doc if t.is_alpha]
        for i, tok in enumerate(words):
            if tok.is_stop or tok.lower_ in STOP or fold(tok.text)[:5] in prefixes:
                continue
            best = float((src_matrix @ vec(tok.lower_)).max())
            without = (seg.hyp[:tok.idx] + seg.hyp[tok.idx + len(tok.text):]).replace("  ", " ")
            sentence_gain = float(vec(seg.src) @ vec(without) - vec(seg.src) @ vec(seg.hyp))
            window = words[max(0, i - WINDOW):i + WINDOW + 1]
            start, end = window[0].idx, window[-1].idx + len(window[-1].text)
            hyp_window = seg.hyp[start:end]
            hyp_window_without = (seg.hyp[start:tok.idx] + seg.hyp[tok.idx + len(tok.text):end]).replace("  ", " ")
            aligned = [content[int(np.argmax(src_matrix @ vec(u.lower_)))] for u in window
                       if u is not tok and not u.is_stop and float((src_matrix @ vec(u.lower_)).max()) > 0.6]
            if aligned:
                lo, hi = max(0, min(aligned) - WINDOW), min(len(src_tokens) - 1, max(aligned) + WINDOW)
                src_window = seg.src[src_tokens[lo].start():src_tokens[hi].end()]
            else:
                src_window = seg.src
            window_gain = float(vec(src_window) @ vec(hyp_window_without) - vec(src_window) @ vec(hyp_window))
            rows.append([best, sentence_gain, window_gain, zipf(tok.lower_, "en"), float(tok.text[0].isupper())])
            labels.append(seg.idx % 2 == 1 and tok.lower_ in inserted[seg.idx // 2])
            seg_of.append(seg.idx)
    return np.array(rows), np.array(labels), np.array(seg_of)


def item_rates(flagged: np.ndarray, labels: np.ndarray, seg_of: np.ndarray) -> tuple[int, int]:
    """(perturbed items whose inserted word is flagged, good items with any flagged word)."""
    detected = len(set(seg_of[flagged & labels]))
    noisy = len({s for s in seg_of[flagged] if s % 2 == 0})
    return detected, noisy


def logistic_cv(x: np.ndarray, y: np.ndarray, groups: np.ndarray, folds: int = 5) -> np.ndarray:
    """Out-of-fold scores of an L2 logistic regression (gradient descent, standardised inputs)."""
    scores = np.zeros(len(y))
    fold_of = (groups // 2) % folds
    for k in range(folds):
        train, test = fold_of != k, fold_of == k
        mean, std = x[train].mean(0), x[train].std(0) + 1e-9
        z = (x[train] - mean) / std
        w, b = np.zeros(x.shape[1]), 0.0
        for _ in range(3000):
            p = 1 / (1 + np.exp(-(z @ w + b)))
            w -= 0.1 * (z.T @ (p - y[train]) / len(p) + 1e-3 * w)
            b -= 0.1 * float(np.mean(p - y[train]))
        scores[test] = ((x[test] - mean) / std) @ w + b
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=SHARED)
    args = parser.parse_args()
    segments, inserted = items(args.data)
    x, y, seg_of = word_features(segments, inserted)
    print(f"{len(y)} content words; {int(y.sum())} inserted (50 perturbed items), {int((seg_of % 2 == 0).sum())} "
          f"in the 50 good items\n")
    print("| evidence | threshold | detection | good items flagged |\n|---|---:|---:|---:|")
    sweeps = {"best_sim": (0, "<", (0.45, 0.5, 0.55, 0.6, 0.65, 0.7)),
              "sentence_gain": (1, ">", (0.0, 0.01, 0.02)), "window_gain": (2, ">", (0.0, 0.02, 0.04))}
    for name, (col, op, thresholds) in sweeps.items():
        for t in thresholds:
            flagged = x[:, col] < t if op == "<" else x[:, col] > t
            det, noisy = item_rates(flagged, y, seg_of)
            print(f"| {name} | {op} {t} | {det * 2}% | {noisy * 2}% |")
    scores = logistic_cv(x, y.astype(float), seg_of)
    for q in (0.5, 0.7, 0.8, 0.9, 0.95):
        det, noisy = item_rates(scores > np.quantile(scores, q), y, seg_of)
        print(f"| logistic regression, all features (CV) | top {100 * (1 - q):.0f}% of words | {det * 2}% | {noisy * 2}% |")
    flags = CoverageFlagger().flag(segments)
    hit = {f.seg_idx for f in flags if f.category == "accuracy/addition"
           and segments[f.seg_idx].hyp[f.start:f.end].lower() in inserted[f.seg_idx // 2]}
    noisy = {f.seg_idx for f in flags if f.category == "accuracy/addition" and f.seg_idx % 2 == 0}
    print(f"| shipped coverage flagger | defaults | {2 * len({s for s in hit if s % 2})}% | {2 * len(noisy)}% |")


if __name__ == "__main__":
    main()
