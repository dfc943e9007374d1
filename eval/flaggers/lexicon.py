"""A small French→English word lexicon for the coverage flagger, learned offline.

`lexicon.json` (beside this module) maps a French word stem (accents folded, first STEM
characters) to its likeliest English stems with their Dice co-occurrence score over the tune
part of WMT12+13 (the French sources against the human references and every system's output:
55,020 pairs).  It is written by `scripts/train_flag_decision.py --lexicon` (deterministic:
sorted keys, rounded scores).  It complements the USE word vectors, which miss pairs such as
'nuages'/'clouds' only at low similarity, and gives the learned decisions (decision.py) a
second, independent signal of whether a source word has a counterpart in the output.
"""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache

from .text import fold

LEXICON_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lexicon.json")
STEM = 6  # characters of the folded word: 'acheteurs' and 'acheteur' share 'achete'


def stem(word: str) -> str:
    return fold(word)[:STEM]


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]], str]:
    with open(LEXICON_PATH, "rb") as handle:
        raw = handle.read()
    forward = {fr: {en: float(d) for en, d in pairs} for fr, pairs in json.loads(raw)["lexicon"].items()}
    backward: dict[str, dict[str, float]] = {}
    for fr, pairs in forward.items():
        for en, d in pairs.items():
            backward.setdefault(en, {})[fr] = d
    return forward, backward, hashlib.sha256(raw).hexdigest()[:16]


def english(fr_word: str) -> dict[str, float]:
    """English stems of a French word, with their Dice scores (empty: the word is not in the lexicon)."""
    return _load()[0].get(stem(fr_word), {})


def french(en_word: str) -> dict[str, float]:
    """French stems of an English word, with their Dice scores."""
    return _load()[1].get(stem(en_word), {})


def lexicon_hash() -> str:
    return _load()[2]
