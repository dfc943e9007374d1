"""The English trigram LM's scores the flaggers share (pocketsphinx's packaged model).

- `lm_gain`: a text's mean gain of trigram over unigram log-probability per word (the fluency
  flagger's word-salad signal; the learned metric's QE feature);
- `word_fit`: how well each word fits where it stands: the log-probability its presence adds to
  itself and the next two words, beyond its own unigram probability (an inserted word fits badly:
  'very fairly easy', 'true dichotomy');
- `worst_junction`: the lowest two-word mean trigram gain of a text, or of a stretch of it (a
  removal leaves a seam: 'may have to buyers').
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

from ..models import english_lm

# Words of the LM, and numbers: a number is no LM word, and it breaks the context like an unknown
# word ('In 85% of cases' was read as 'in of cases', -0.67: a Bio-MQM word-order false alarm).
LM_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|[0-9]+")
LN_BASE = math.log(1.0001)  # pocketsphinx log base


@lru_cache(maxsize=100_000)
def _unigram(word: str) -> int:
    return english_lm().prob([word])


def _gains(tokens: list[str]) -> list[float | None]:
    """Per token, trigram minus unigram natural-log probability (None: a number or unknown word,
    which breaks the context)."""
    lm = english_lm()
    out: list[float | None] = []
    history: list[str] = ["<s>"]
    for word in tokens:
        uni = 0 if word[0].isdigit() else _unigram(word)
        if uni == 0:
            history = []
            out.append(None)
            continue
        context = history[-2:]
        tri = lm.prob([word] + context[::-1]) if context else uni
        out.append((tri - uni) * LN_BASE)
        history.append(word)
    return out


def lm_gain(text: str) -> tuple[float, int]:
    """Mean natural-log gain per known word of trigram over unigram probability, and the word count."""
    gains = [g for g in _gains(LM_WORD.findall(text.lower())) if g is not None]
    if not gains:
        return 0.0, 0
    return sum(gains) / len(gains), len(gains)


@lru_cache(maxsize=4096)
def junctions(text: str) -> tuple[tuple[int, float], ...]:
    """(offset of the second word, mean gain of the two) for each two neighbouring known words
    (cached: the coverage flagger asks once per omission candidate)."""
    found = [(m.start(), m.group()) for m in LM_WORD.finditer(text.lower())]
    gains = _gains([w for _, w in found])
    return tuple((found[i + 1][0], (a + b) / 2) for i, (a, b) in enumerate(zip(gains, gains[1:]))
                 if a is not None and b is not None)


def worst_junction(text: str, start: int = 0, end: int | None = None) -> float:
    """The lowest mean gain of two neighbouring known words whose second word starts in
    [start, end] (0.0 when there is none)."""
    return min((g for at, g in junctions(text) if at >= start and (end is None or at <= end)), default=0.0)


def word_fit(text: str, start: int) -> float:
    """The context fit of the word starting at character `start`: its and the next two words'
    gains with it, minus the next two words' gains without it (0.0 for a word the LM does not know)."""
    found = [(m.start(), m.group()) for m in LM_WORD.finditer(text.lower())]
    at = next((i for i, (s, _) in enumerate(found) if s == start), None)
    if at is None:
        return 0.0
    tokens = [w for _, w in found]
    lo = max(0, at - 2)
    window = tokens[lo:at + 3]
    with_word = _gains(window)[at - lo:]
    without = _gains(window[:at - lo] + window[at - lo + 1:])[at - lo:]
    if with_word[0] is None:
        return 0.0
    return sum(g for g in with_word if g is not None) - sum(g for g in without if g is not None)
