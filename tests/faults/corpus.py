"""A varied French→English test set of any size, built from the repo's own data (data/demo,
data/seed-fr): numbers changed, words dropped or doubled, sentences joined, outputs copied from
the source or written in German.  Used by the hang test and the fault battery; needs no
../shared data."""
from __future__ import annotations

import re
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data"
GERMAN = [
    "Die Regierung hat gestern neue Maßnahmen für die Wirtschaft angekündigt.",
    "Der Präsident traf sich mit den Ministern, um über die Krise zu sprechen.",
    "Die Preise sind im letzten Jahr stark gestiegen, sagte der Sprecher.",
]


def _read(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def base_pairs() -> list[tuple[str, str, str]]:
    """(source, output, reference) of every shipped pair (64: the demo's 50, the seed's 14)."""
    demo = DATA / "demo"
    src, ref = _read(demo / "src.fr"), _read(demo / "ref.en")
    pairs = [(s, h, r) for s, h, r in zip(src, _read(demo / "sys-a.en"), ref)]
    pairs += [(s, h, r) for s, h, r in zip(src, _read(demo / "sys-b.en"), ref)]
    seed = DATA / "seed-fr"
    pairs += [(s, h, h) for s, h in zip(_read(seed / "src.fr"), _read(seed / "hyp.en"))]
    return pairs


def _renumber(text: str, k: int) -> str:
    return re.sub(r"\d+", lambda m: str((int(m.group()) + k) % 10 ** len(m.group()) or 7), text)


def varied(n: int, german_at: tuple[int, ...] = ()) -> tuple[list[str], list[str], list[str]]:
    """n aligned (sources, outputs, references), each a variation of a shipped pair.  Outputs at
    `german_at` are German (what makes the untranslated flagger build lingua's detector)."""
    pairs = base_pairs()
    srcs, hyps, refs = [], [], []
    for k in range(n):
        src, hyp, ref = pairs[k % len(pairs)]
        kind = (k // len(pairs)) % 8
        round_ = k // (8 * len(pairs))
        if round_:  # past the first 912 segments: each pair joined with another, and renumbered
            s2, h2, r2 = pairs[(k * 7 + round_ * 13) % len(pairs)]
            src, hyp, ref = _renumber(f"{src} {s2}", round_), _renumber(f"{hyp} {h2}", round_), _renumber(f"{ref} {r2}", round_)
        if kind == 1:  # numbers changed on both sides
            src, hyp, ref = _renumber(src, k), _renumber(hyp, k), _renumber(ref, k)
        elif kind == 2:  # a number changed in the output only
            hyp = _renumber(hyp, k + 1)
        elif kind == 3:  # two sentences joined
            s2, h2, r2 = pairs[(k + 7) % len(pairs)]
            src, hyp, ref = f"{src} {s2}", f"{hyp} {h2}", f"{ref} {r2}"
        elif kind == 4:  # a word dropped from the output
            words = hyp.split()
            hyp = " ".join(words[: len(words) // 2] + words[len(words) // 2 + 1:])
        elif kind == 5:  # a word doubled
            words = hyp.split()
            hyp = " ".join(words[:2] + words[1:])
        elif kind == 6 and k % 5 == 0:  # the source copied
            hyp = src
        elif kind == 7:  # the output cut short
            hyp = hyp[: max(1, len(hyp) * 2 // 3)]
        if k in german_at:
            hyp = GERMAN[k % len(GERMAN)]
        srcs.append(src)
        hyps.append(hyp)
        refs.append(ref)
    return srcs, hyps, refs


def write(folder: Path, n: int, german_at: tuple[int, ...] = ()) -> dict[str, Path]:
    """The varied set as line-aligned files in folder: src.fr, hyp.en, ref.en."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, lines in zip(("src.fr", "hyp.en", "ref.en"), varied(n, german_at)):
        path = folder / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths[name] = path
    return paths
