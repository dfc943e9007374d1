"""Truncation and omission: an output cut mid-phrase, or much shorter than its source.

Two independent signals, each measured on good translations (the WMT12+13 references and the
34 systems' outputs, tune part of bench/splits.py):
- *the ending*: the source ends a sentence (., !, ?, …, a closing quote) and the output does not
  (1.2% of references, 0.18% of system outputs); or the output ends on a word no English sentence
  ends on ('the', 'and', 'of', 'between': 0.03% of references).
- *the length*: a length model of free translation, log(output chars / source chars) ~
  N(LOG_RATIO_MEAN, sd), with sd = SD_BASE + SD_SLOPE / sqrt(source chars) (short sentences vary
  more), fitted on the tune references (`bench/flaggers.py --fit-length`); z is the output's
  standard score under it.

Findings (major needs two signals agreeing, or one very strong one):
- `fluency/truncated`, major: no sentence end where the source has one *and* z < TRUNC_Z; or a
  dangling function word at the end.  The span is the source tail with no counterpart, found
  through the last source word the output's end aligns to (spelling, or USE word vectors), else
  through the length ratio.
- `accuracy/omission`, major: z < OMIT_Z (shorter than ~1 in 10,000 good translations), the span
  being the longest run of source words with no counterpart in the output; minor for
  OMIT_MINOR_Z > z >= OMIT_Z.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from ..types import ErrorSpan, Segment
from .base import Flagger
from .calibration import calibrate
from .common import embed, fold, is_empty, make_span

# Fitted on the tune part of the WMT12+13 references (3,056 segments): mean log ratio -0.130;
# sd by source length 0.26 (< 40 chars), 0.20 (40-80), 0.163 (80-150), 0.127 (150+).
LOG_RATIO_MEAN = -0.13
SD_BASE, SD_SLOPE = 0.069, 0.95  # bench/flaggers.py --fit-length
TRUNC_Z = -1.5  # with a missing sentence end: 4% of references are this short, truncations ~all
OMIT_Z = -4.0
OMIT_MINOR_Z = -3.0
MIN_SOURCE_WORDS = 5
SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*\s*$|[\"”»)\]]\s*$")
DANGLING = {"the", "a", "an", "and", "or", "but", "of", "between", "from", "whose", "its", "their", "our", "my",
            "your", "with", "by", "into", "onto", "than", "whether", "because", "although", "nor"}
WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
FR_STOP = {"le", "la", "les", "l", "de", "du", "des", "d", "un", "une", "et", "ou", "à", "au", "aux", "en", "y",
           "que", "qui", "qu", "ne", "n", "pas", "se", "s", "ce", "c", "il", "elle", "ils", "elles", "on", "a",
           "est", "sont", "dans", "par", "pour", "sur", "avec", "cette", "ces", "cet", "mais", "plus", "lui", "dont"}
ALIGN_SIM = 0.6  # a source word with an output word this close (USE, words alone) has a counterpart


def length_z(src: str, hyp: str) -> float:
    """The output's length as a standard score under the length model of good translations."""
    n_src, n_hyp = len(src.strip()), len(hyp.strip())
    sd = SD_BASE + SD_SLOPE / math.sqrt(max(1, n_src))
    return (math.log(max(1, n_hyp) / max(1, n_src)) - LOG_RATIO_MEAN) / sd


class TruncationFlagger(Flagger):
    """Outputs cut mid-phrase (fluency/truncated) or much shorter than the source (accuracy/omission)."""

    name = "truncation"
    needs_source = True

    def flag(self, segments: Sequence[Segment]) -> list[ErrorSpan]:
        found: list[tuple[Segment, str, str, float]] = []  # (seg, category, severity, z)
        for seg in segments:
            if is_empty(seg.hyp) or len(WORD.findall(seg.src)) < MIN_SOURCE_WORDS:
                continue
            z = length_z(seg.src, seg.hyp)
            last = WORD.findall(seg.hyp)[-1:] or [""]
            src_ends = SENTENCE_END.search(seg.src) is not None
            hyp_ends = SENTENCE_END.search(seg.hyp) is not None
            dangling = not hyp_ends and last[0].lower() in DANGLING
            if dangling or (src_ends and not hyp_ends and z < TRUNC_Z):
                found.append((seg, "fluency/truncated", "major", z))
            elif z < OMIT_MINOR_Z:
                found.append((seg, "accuracy/omission", "major" if z < OMIT_Z else "minor", z))
        if not found:
            return []
        unaligned = _unaligned_source_words([seg for seg, *_ in found])
        spans = []
        for (seg, category, severity, z), missing in zip(found, unaligned):
            if category == "fluency/truncated":
                start = _tail_start(seg, missing)
                tail = seg.src[start:].strip()
                spans.append(make_span(seg, self.name, category, severity, start, len(seg.src.rstrip()),
                                       f"the output stops mid-phrase ('…{seg.hyp.strip()[-30:]}'); the source goes on: "
                                       f"'{_short(tail)}' (length z {z:.1f})", 0.9, on_source=True))
            else:
                start, end = _longest_gap(seg, missing)
                spans.append(make_span(seg, self.name, category, severity, start, end,
                                       f"the output is much shorter than its source (length z {z:.1f}, below "
                                       f"{OMIT_Z if severity == 'major' else OMIT_MINOR_Z:.0f}); missing: "
                                       f"'{_short(seg.src[start:end])}'", 0.8 if severity == "major" else 0.5,
                                       on_source=True))
        return calibrate(spans)


def _short(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"


def _unaligned_source_words(segments: Sequence[Segment]) -> list[list[tuple[int, int, bool]]]:
    """Per segment, each source word as (start, end, has a counterpart in the output): spelled
    alike (a name, a number, a cognate), or a close USE word vector; stop words count as aligned."""
    plans = []
    needed: set[str] = set()
    for seg in segments:
        hyp_words = [m.group() for m in WORD.finditer(seg.hyp)]
        hyp_keys = {fold(w)[:5] for w in hyp_words}
        words = []
        for m in WORD.finditer(seg.src):
            word = m.group()
            if word.lower() in FR_STOP or fold(word)[:5] in hyp_keys:
                words.append((m.start(), m.end(), True, word))
            else:
                words.append((m.start(), m.end(), False, word))
                needed.add(word.lower())
        needed.update(w.lower() for w in hyp_words)
        plans.append((words, [w.lower() for w in hyp_words]))
    vectors = embed(sorted(needed)) if needed else {}
    out = []
    for words, hyp_words in plans:
        hyp_matrix = np.stack([vectors[w] for w in hyp_words]) if hyp_words else None
        row = []
        for start, end, aligned, word in words:
            if not aligned and hyp_matrix is not None:
                aligned = float((hyp_matrix @ vectors[word.lower()]).max()) >= ALIGN_SIM
            row.append((start, end, aligned))
        out.append(row)
    return out


def _tail_start(seg: Segment, words: list[tuple[int, int, bool]]) -> int:
    """Where the source's untranslated tail begins: after the last aligned content word that lies
    near where the length ratio puts the output's end (so an early cognate does not stop it)."""
    covered = len(seg.hyp.strip()) / math.exp(LOG_RATIO_MEAN)  # source chars the output accounts for
    expected = min(len(seg.src), int(covered))
    content = [(s, e) for s, e, aligned in words if aligned and seg.src[s:e].lower() not in FR_STOP]
    near = [e for s, e in content if e <= expected * 1.25 + 10]
    cut = max(near) if near else expected
    nxt = next((s for s, e, _ in words if s >= cut), None)
    return nxt if nxt is not None else min(cut, len(seg.src))


def _longest_gap(seg: Segment, words: list[tuple[int, int, bool]]) -> tuple[int, int]:
    """The longest run of source words without a counterpart (stop words inside a run don't end
    it); the whole source when no run has two content words."""
    best: tuple[int, int, int] = (0, 0, 0)  # (content words, start, end)
    run_start, count, last_end = None, 0, 0
    for start, end, aligned in words:
        stop = seg.src[start:end].lower() in FR_STOP
        if not aligned:
            run_start = start if run_start is None else run_start
            count, last_end = count + 1, end
            if count > best[0]:
                best = (count, run_start, last_end)
        elif not stop:
            run_start, count = None, 0
    if best[0] >= 2:
        return best[1], best[2]
    return 0, len(seg.src.rstrip())
