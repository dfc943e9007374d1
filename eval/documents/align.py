"""Sentence alignment of a French document and its English output (Vecalign-style).

Dynamic programming over sentence-vector similarities (Thompson & Koehn 2019, "Vecalign"; our own
implementation): beads 1-1, 1-2, 2-1, 2-2 (matched), 1-0 (French with no English: an omission)
and 0-1 (English with no French: boilerplate or an addition).  A matched bead scores

    weight(a, b) * (sim - threshold) - bead_penalty(a, b) - length_weight * |log length ratio|

where `sim` is the cosine of the multilingual USE vectors of the bead's two sides (a two-sentence
side is encoded as one text), less half the mean similarity of each side to the whole other
document (Vecalign's correction for vectors that are close to everything); a skip bead scores 0,
so `threshold` is the similarity under which leaving a sentence unmatched is better.

Linear in document length: when the full table would exceed `full_cells` cells, both documents
are coarsened (neighbouring sentence vectors averaged in pairs), aligned recursively, and the
coarse path, projected back and widened by `band` sentences, bounds the cells the fine pass
fills (`Alignment.cells` counts them).  Each row of the table is filled with numpy at once: the
0-1 move within a row is a running maximum.

After the monotone pass, unmatched French and English sentences that are close translations of
each other (`moved_threshold`) are paired as 1-1 beads marked `moved`: a paragraph the page
shows in another place is not an omission plus an addition.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

MATCHED = ((1, 1), (1, 2), (2, 1), (2, 2))
NEG = -1e18


@dataclass(frozen=True)
class AlignParams:
    """Scores of the dynamic programme; fitted on the tune documents (bench/docalign.py)."""

    # Grid-searched on the 20 tune documents (WMT12) of bench/docalign.py: bead F1 0.985 there;
    # 0.934 at best with size_weight 1 before HTML entities were unescaped in the bench data.
    threshold: float = 0.05
    penalties: tuple[tuple[tuple[int, int], float], ...] = (((1, 2), 0.20), ((2, 1), 0.10), ((2, 2), 0.30))
    size_weight: float = 0.5  # weight(a, b) = 1 + size_weight * ((a + b) / 2 - 1)
    length_weight: float = 0.30
    length_ratio: float = 0.90  # English characters per French character (WMT12 newstest: 0.89)
    moved_threshold: float = 0.55
    hub_min: int = 8  # sentences on each side for the mean-similarity correction
    hub_level: float = 0.15  # the correction below that (USE: unrelated news sentences, ~0.15)
    band: int = 8
    full_cells: int = 40_000

    def penalty(self, bead: tuple[int, int]) -> float:
        return dict(self.penalties).get(bead, 0.0)


@dataclass(frozen=True)
class Bead:
    """Sentence indices on each side (one of them may be empty) and the similarity of the sides."""

    src: tuple[int, ...]
    hyp: tuple[int, ...]
    sim: float = 0.0
    moved: bool = False

    @property
    def kind(self) -> str:
        return f"{len(self.src)}-{len(self.hyp)}"


@dataclass
class Alignment:
    beads: list[Bead]
    cells: int = 0  # DP cells filled, over every level


@dataclass
class Side:
    """One document side for the aligner: vectors of each sentence and of each pair of
    neighbouring sentences (pairs[i] = sentences i and i+1 as one text), and lengths in characters."""

    single: np.ndarray
    pairs: np.ndarray
    lengths: np.ndarray
    mean: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.mean = self.single.mean(axis=0) if len(self.single) else np.zeros(self.single.shape[1:] or (1,), np.float32)

    def __len__(self) -> int:
        return len(self.single)

    def vec(self, count: int) -> np.ndarray:
        return self.single if count == 1 else self.pairs

    def coarse(self) -> "Side":
        """Neighbouring sentences averaged in pairs (the last one alone when the count is odd)."""
        n = len(self)
        idx = np.arange(0, n, 2)
        summed = self.single[idx].copy()
        odd = idx + 1 < n
        summed[odd] += self.single[idx[odd] + 1]
        single = _unit(summed)
        lengths = self.lengths[idx].copy()
        lengths[odd] += self.lengths[idx[odd] + 1]
        pairs = _unit(single[:-1] + single[1:]) if len(single) > 1 else single[:0]
        return Side(single, pairs, lengths)


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def align(src: Side, hyp: Side, params: AlignParams = AlignParams()) -> Alignment:
    """The best monotone bead sequence, then moved sentences paired."""
    result = _align_monotone(src, hyp, params)
    result.beads = _pair_moved(result.beads, src, hyp, params)
    return result


def _align_monotone(src: Side, hyp: Side, params: AlignParams) -> Alignment:
    n, m = len(src), len(hyp)
    if n == 0 or m == 0:
        return Alignment([Bead((i,), ()) for i in range(n)] + [Bead((), (j,)) for j in range(m)])
    if (n + 1) * (m + 1) <= params.full_cells or n < 4 or m < 4:
        bounds = [(0, m)] * (n + 1)
        return _dp(src, hyp, params, bounds)
    coarse = _align_monotone(src.coarse(), hyp.coarse(), params)
    bounds = _project(coarse.beads, n, m, params.band)
    fine = _dp(src, hyp, params, bounds)
    fine.cells += coarse.cells
    return fine


def _project(beads: Sequence[Bead], n: int, m: int, band: int) -> list[tuple[int, int]]:
    """Fine-level column range of each row, from the coarse path widened by `band`."""
    lo = [m] * (n + 1)
    hi = [0] * (n + 1)
    i = j = 0
    corners = [(0, 0)]
    for bead in beads:
        i += len(bead.src)
        j += len(bead.hyp)
        corners.append((i, j))
    for (i0, j0), (i1, j1) in zip(corners, corners[1:] + corners[-1:]):
        for row in range(max(0, 2 * i0 - band), min(n, 2 * i1 + band) + 1):
            lo[row] = min(lo[row], max(0, 2 * j0 - band))
            hi[row] = max(hi[row], min(m, 2 * j1 + band))
    lo[n], hi[n] = min(lo[n], m), m
    lo[0] = 0
    # Rows must overlap their neighbours so every bead can reach them.
    for row in range(1, n + 1):
        lo[row] = min(lo[row], hi[row - 1])
    return [(lo[r], max(hi[r], lo[r])) for r in range(n + 1)]


def _dp(src: Side, hyp: Side, params: AlignParams, bounds: Sequence[tuple[int, int]]) -> Alignment:
    n, m = len(src), len(hyp)
    # Vecalign's correction: a vector's mean similarity to the other document; in a short
    # document that mean is mostly the true counterpart, so a fixed level stands in for it.
    if n >= params.hub_min and m >= params.hub_min:
        hub_src = {a: src.vec(a) @ hyp.mean for a in (1, 2)}
        hub_hyp = {b: hyp.vec(b) @ src.mean for b in (1, 2)}
    else:
        hub_src = {a: np.full(len(src.vec(a)), params.hub_level) for a in (1, 2)}
        hub_hyp = {b: np.full(len(hyp.vec(b)), params.hub_level) for b in (1, 2)}
    log_len_src = {1: src.lengths.astype(float), 2: src.lengths[:-1] + src.lengths[1:] if n > 1 else src.lengths[:0]}
    log_len_hyp = {1: hyp.lengths.astype(float), 2: hyp.lengths[:-1] + hyp.lengths[1:] if m > 1 else hyp.lengths[:0]}
    score: list[np.ndarray] = []
    back: list[np.ndarray] = []  # bead index into MOVES per cell
    moves = ((1, 0), (0, 1), *MATCHED)
    cells = 0
    for i in range(n + 1):
        lo, hi = bounds[i]
        width = hi - lo + 1
        cells += width
        row = np.full(width, NEG)
        ptr = np.full(width, -1, dtype=np.int8)
        js = np.arange(lo, hi + 1)
        if i == 0:
            row[js == 0] = 0.0
        for k, (a, b) in enumerate(moves):
            if a == 0 or i - a < 0:
                continue
            prev_lo, prev_hi = bounds[i - a]
            prev = score[i - a]
            pj = js - b
            ok = (pj >= prev_lo) & (pj <= prev_hi)
            if not ok.any():
                continue
            cand = np.full(width, NEG)
            cand[ok] = prev[pj[ok] - prev_lo]
            if b > 0:
                valid = ok & (pj + b <= m) & (pj >= 0)
                gain = np.full(width, NEG)
                start_j = pj[valid]
                x = src.vec(a)[i - a]
                y = hyp.vec(b)[start_j]
                sim = y @ x - 0.5 * (hub_src[a][i - a] + hub_hyp[b][start_j])
                ratio = np.log((log_len_hyp[b][start_j] + 20.0) / (params.length_ratio * log_len_src[a][i - a] + 20.0))
                weight = 1.0 + params.size_weight * ((a + b) / 2.0 - 1.0)
                gain[valid] = weight * (sim - params.threshold) - params.penalty((a, b)) \
                    - params.length_weight * np.abs(ratio)
                cand = np.where(valid, cand + gain, NEG)
            better = cand > row
            row = np.where(better, cand, row)
            ptr = np.where(better, k, ptr)
        # 0-1 within the row: score[j] = max(score[j], score[j-1]), a running maximum; where the
        # running maximum wins, the cell came from its left neighbour.
        running = np.maximum.accumulate(row)
        ptr = np.where(running > row, 1, ptr)
        row = running
        score.append(row)
        back.append(ptr)
    # Backtrace from (n, m).
    beads: list[Bead] = []
    i, j = n, m
    while i > 0 or j > 0:
        lo, _ = bounds[i]
        k = int(back[i][j - lo])
        if k < 0:
            raise RuntimeError(f"alignment table has no path through ({i}, {j})")
        a, b = moves[k]
        src_idx = tuple(range(i - a, i))
        hyp_idx = tuple(range(j - b, j))
        sim = 0.0
        if a and b:
            sim = float(hyp.vec(b)[j - b] @ src.vec(a)[i - a])
        beads.append(Bead(src_idx, hyp_idx, round(sim, 4)))
        i, j = i - a, j - b
    beads.reverse()
    return Alignment(beads, cells)


def _pair_moved(beads: list[Bead], src: Side, hyp: Side, params: AlignParams) -> list[Bead]:
    """Pair unmatched sentences that translate each other (a moved paragraph), greedily by similarity."""
    lone_src = [b.src[0] for b in beads if b.src and not b.hyp]
    lone_hyp = [b.hyp[0] for b in beads if b.hyp and not b.src]
    if not lone_src or not lone_hyp:
        return beads
    sims = src.single[lone_src] @ hyp.single[lone_hyp].T
    pairs: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    for flat in np.argsort(-sims, axis=None):
        r, c = divmod(int(flat), len(lone_hyp))
        if sims[r, c] < params.moved_threshold:
            break
        if lone_src[r] in pairs or lone_hyp[c] in used:
            continue
        pairs[lone_src[r]] = (lone_hyp[c], float(sims[r, c]))
        used.add(lone_hyp[c])
    out = []
    for bead in beads:
        if bead.src and not bead.hyp and bead.src[0] in pairs:
            j, sim = pairs[bead.src[0]]
            out.append(Bead(bead.src, (j,), round(sim, 4), moved=True))
        elif bead.hyp and not bead.src and bead.hyp[0] in used:
            continue
        else:
            out.append(bead)
    return out
