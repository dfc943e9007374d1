"""ter_edits.translation_edit_rate against sacrebleu's own lib_ter, the oracle: same edit counts on
random sentences built to have many shifts, on the demo, and on WMT13 (when ../shared is here)."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from sacrebleu.metrics import TER as SacrebleuTER
from sacrebleu.metrics import lib_ter

from relecture.metrics import ter_edits
from relecture.metrics.lexical import TER


def _words(text: str) -> list[str]:
    return SacrebleuTER()._preprocess_segment(text).split()


def _random_pairs(count: int, seed: int) -> list[tuple[list[str], list[str]]]:
    """Reference and hypothesis from a small vocabulary, the hypothesis a reordered, edited copy:
    repeated words, moved runs, empty sides and length ratios past the beam."""
    rng = random.Random(seed)
    vocab = [f"w{k}" for k in range(12)]
    pairs = []
    for _ in range(count):
        ref = [rng.choice(vocab) for _ in range(rng.choice([0, 1, 3, 8, 20, 40]))]
        hyp = list(ref)
        for _ in range(rng.randint(0, 4)):  # move a run of words
            if len(hyp) > 2:
                start = rng.randrange(len(hyp) - 1)
                run = hyp[start:start + rng.randint(1, 5)]
                del hyp[start:start + len(run)]
                at = rng.randrange(len(hyp) + 1)
                hyp[at:at] = run
        for _ in range(rng.randint(0, 6)):  # substitute, insert, delete
            kind = rng.random()
            if kind < 0.4 and hyp:
                hyp[rng.randrange(len(hyp))] = rng.choice(vocab)
            elif kind < 0.7:
                hyp.insert(rng.randint(0, len(hyp)), rng.choice(vocab))
            elif hyp:
                del hyp[rng.randrange(len(hyp))]
        if rng.random() < 0.05:  # far longer or shorter than the reference: a wider beam
            hyp = hyp * 4 if rng.random() < 0.5 else hyp[:1]
        pairs.append((hyp, ref))
    return pairs


def test_random_sentences_match_lib_ter() -> None:
    pairs = _random_pairs(300, seed=3)
    ours = [ter_edits.translation_edit_rate(h, r) for h, r in pairs]
    theirs = [lib_ter.translation_edit_rate(h, r) for h, r in pairs]
    assert ours == theirs
    assert sum(1 for (e, _), (h, r) in zip(ours, pairs) if e < len(h) + len(r)) > 150  # real alignments, not only trivial cases


def test_demo_statistics_and_score_match_sacrebleu(demo: Path) -> None:
    refs = (demo / "ref.en").read_text(encoding="utf-8").splitlines()
    for system in ("sys-a.en", "sys-b.en"):
        hyps = (demo / system).read_text(encoding="utf-8").splitlines()
        for h, r in zip(hyps, refs):
            assert ter_edits.translation_edit_rate(_words(h), _words(r)) == lib_ter.translation_edit_rate(_words(h), _words(r))
        ours = TER().segment_statistics({"s": hyps}, [refs])["s"][0].tolist()
        theirs = SacrebleuTER()._extract_corpus_statistics(hyps, [refs])
        assert ours == theirs
        assert TER().result_from_statistics(*TER().segment_statistics({"s": hyps}, [refs])["s"], 1).score == \
            SacrebleuTER().corpus_score(hyps, [refs]).score


def test_wmt13_system_matches_lib_ter(shared_data: Path) -> None:
    """Every 20th segment of a WMT13 system, and its 20 longest (the most shifts)."""
    root = shared_data / "wmt13-fr-en"
    refs = (root / "ref.en").read_text(encoding="utf-8").splitlines()
    hyps = sorted((root / "systems").glob("*.en"))[-1].read_text(encoding="utf-8").splitlines()
    longest = sorted(range(len(refs)), key=lambda i: -len(refs[i]))[:20]
    for i in sorted(set(range(0, len(refs), 20)) | set(longest)):
        h, r = _words(hyps[i]), _words(refs[i])
        assert ter_edits.translation_edit_rate(h, r) == lib_ter.translation_edit_rate(h, r), i


@pytest.mark.parametrize("hyp, ref", [([], []), ([], ["a"]), (["a"], []), (["a", "b"], ["b", "a"])])
def test_edge_cases(hyp: list[str], ref: list[str]) -> None:
    assert ter_edits.translation_edit_rate(hyp, ref) == lib_ter.translation_edit_rate(hyp, ref)
