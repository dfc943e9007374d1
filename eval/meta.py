"""Meta-evaluation: how well a metric agrees with human pairwise judgments (WMT12/WMT13).

`load_wmt` reads one year of the development data (../shared/data/wmtNN-fr-en: src.fr, ref.en,
systems/<name>.en, human-pairs.tsv); `kendall_tau` is the WMT segment-level formula
(Macháček & Bojar 2013): tau = (concordant - discordant) / (concordant + discordant), where a
pair is concordant when the metric scores the human-preferred output strictly higher, and a
metric tie counts as discordant.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from .errors import InputError
from .types import Segment


@dataclass(frozen=True)
class WMTYear:
    name: str
    src: list[str]
    ref: list[str]
    systems: dict[str, list[str]]
    pairs: list[tuple[int, str, str]]  # (seg_idx, better system, worse system)

    def judged(self) -> list[tuple[int, str]]:
        """The (segment, system) items that some human judgment involves, sorted."""
        items = {(seg, sys) for seg, better, worse in self.pairs for sys in (better, worse)}
        return sorted(items)

    def segment(self, seg_idx: int, system: str) -> Segment:
        return Segment(seg_idx, self.src[seg_idx], self.systems[system][seg_idx], (self.ref[seg_idx],))


def read_lines(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return [line.rstrip("\n") for line in handle]


def load_wmt(folder: str | Path) -> WMTYear:
    folder = Path(folder)
    src = read_lines(folder / "src.fr")
    ref = read_lines(folder / "ref.en")
    systems: dict[str, list[str]] = {}
    for path in sorted((folder / "systems").glob("*.en")):
        lines = read_lines(path)
        if len(lines) != len(src):
            raise InputError(path, f"{len(lines)} lines for {len(src)} source lines")
        systems[path.name[: -len(".en")]] = lines
    pairs = []
    with open(folder / "human-pairs.tsv", encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        if header != ["seg_idx", "better", "worse"]:
            raise InputError(folder / "human-pairs.tsv", f"unexpected header {header}", 1)
        for line in handle:
            seg, better, worse = line.rstrip("\n").split("\t")
            pairs.append((int(seg), better, worse))
    return WMTYear(folder.name, src, ref, systems, pairs)


def data_hashes(folder: str | Path) -> dict[str, str]:
    """sha256 of every file of one year (so a retrained model can name the exact data)."""
    folder = Path(folder)
    files = [folder / "src.fr", folder / "ref.en", folder / "human-pairs.tsv",
             *sorted((folder / "systems").glob("*.en"))]
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def kendall_tau(pairs: list[tuple[int, str, str]],
                scores: Mapping[tuple[int, str], float] | Callable[[int, str], float]) -> float:
    """WMT segment-level Kendall tau-like coefficient; metric ties count as discordant."""
    get = scores if callable(scores) else (lambda seg, sys: scores[(seg, sys)])
    concordant = discordant = 0
    for seg, better, worse in pairs:
        if get(seg, better) > get(seg, worse):
            concordant += 1
        else:
            discordant += 1
    total = concordant + discordant
    return (concordant - discordant) / total if total else 0.0
