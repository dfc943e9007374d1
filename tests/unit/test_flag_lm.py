"""The English trigram LM's scores the flaggers share (eval/flaggers/lm.py), on the packaged
pocketsphinx model: an inserted word fits its context worse than the words around it, a removal
leaves a seam, and a number breaks the context (table-driven, English)."""
from __future__ import annotations

import pytest

from relecture.flaggers.lm import junctions, lm_gain, word_fit, worst_junction

EASY = "Singapore is generally considered an extremely safe place, where it is very fairly easy to get around."
TRUE = "And you can say it all you want, but it doesn't make it true dichotomy."


@pytest.mark.parametrize("text,inserted,natural", [
    (EASY, "fairly", "extremely"),  # DEMETR addition items (tune part)
    (EASY, "very", "safe"),
    (TRUE, "dichotomy", "true"),
    ("The government presented a quietly new bill on Tuesday.", "quietly", "new"),
])
def test_an_inserted_word_fits_worse_than_a_natural_one(text: str, inserted: str, natural: str) -> None:
    fit = word_fit(text, text.index(" " + inserted) + 1)
    assert fit < word_fit(text, text.index(" " + natural) + 1)
    assert fit < 3.0


def test_unknown_word_or_offset_fits_neutrally() -> None:
    assert word_fit("The Zwxqyt company grew.", 4) == 0.0  # not in the LM's vocabulary
    assert word_fit("The company grew.", 2) == 0.0  # no word starts there


@pytest.mark.parametrize("damaged,clean", [
    ("Apple's new screens may have to buyers who would have purchased a Galaxy.",  # a verb removed
     "Apple's new screens may have appealed to buyers who would have purchased a Galaxy."),
    ("The minister said that the was not ready.", "The minister said that the report was not ready."),  # a noun
])
def test_a_removal_leaves_a_seam(damaged: str, clean: str) -> None:
    assert worst_junction(damaged) < worst_junction(clean)
    gap = damaged.index(" to buyers") if "to buyers" in damaged else damaged.index(" was not")
    # looked for between two places only, the seam is still there; elsewhere it is not
    assert worst_junction(damaged, gap - 10, gap + 5) == worst_junction(damaged)
    assert worst_junction(damaged, len(damaged), None) == 0.0


def test_numbers_break_the_context() -> None:
    # 'In 85% of cases' is not read as 'in of cases' (a Bio-MQM word-order false alarm)
    assert lm_gain("In 85% of cases the treatment works.")[0] > 0
    assert [at for at, _ in junctions("In 85% of cases")] == [10]  # only 'of cases' is a pair of known words
