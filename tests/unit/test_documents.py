"""Document mode: sentence segmentation, alignment edge cases, site text and broken sentences."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from relecture.documents.align import AlignParams, Side, align
from relecture.documents.boilerplate import SiteTextModel
from relecture.documents.breaks import find_breaks
from relecture.documents.load import load_pairs
from relecture.documents.segment import split_sentences
from relecture.errors import InputError

SEGMENTATION = [
    ("M. Dupont est arrivé. Il a parlé.", "fr", ["M. Dupont est arrivé.", "Il a parlé."]),
    ("Mme Martin et le Dr. Roux ont signé. La séance est levée.", "fr",
     ["Mme Martin et le Dr. Roux ont signé.", "La séance est levée."]),
    ("Le taux est passé de 3,5 % à 4.2 %. Les marchés ont réagi.", "fr",
     ["Le taux est passé de 3,5 % à 4.2 %.", "Les marchés ont réagi."]),
    ("Il a dit : « Je pars. » Puis il est sorti.", "fr", ["Il a dit : « Je pars. »", "Puis il est sorti."]),
    ("« C'est fini », a-t-il dit.", "fr", ["« C'est fini », a-t-il dit."]),
    ("Des pommes, des poires, etc. Le lendemain, tout était vendu.", "fr",
     ["Des pommes, des poires, etc.", "Le lendemain, tout était vendu."]),
    ("Attendez... je réfléchis. Bon.", "fr", ["Attendez... je réfléchis.", "Bon."]),
    ("Il attendait… Rien ne vint.", "fr", ["Il attendait…", "Rien ne vint."]),
    ("Voir p. 12 et l'art. 3 du texte. Fin.", "fr", ["Voir p. 12 et l'art. 3 du texte.", "Fin."]),
    ("Mr. Smith met J. K. Rowling in the U.S. on Monday. They talked.", "en",
     ["Mr. Smith met J. K. Rowling in the U.S. on Monday.", "They talked."]),
    ('"I will win." He smiled.', "en", ['"I will win."', "He smiled."]),
    ('"Stop!" he said.', "en", ['"Stop!" he said.']),
    ("See page No. 5 of the report. I said no. Then I left.", "en",
     ["See page No. 5 of the report.", "I said no.", "Then I left."]),
    ("The rate rose 3.5 percent. It fell.", "en", ["The rate rose 3.5 percent.", "It fell."]),
    ("Headline without a stop\nLine two. Still line two.", "en", ["Headline without a stop", "Line two.", "Still line two."]),
    ('He left. "', "en", ['He left. "']),
    ("", "en", []),
    ("   \n \n", "fr", []),
]


@pytest.mark.parametrize("text, lang, expected", SEGMENTATION)
def test_split_sentences(text: str, lang: str, expected: list[str]) -> None:
    sentences = split_sentences(text, lang)
    assert [s.text(text) for s in sentences] == expected
    for s in sentences:  # offsets point at stripped text
        assert text[s.start:s.end] == text[s.start:s.end].strip()


def test_paragraph_index_counts_lines() -> None:
    text = "Title\n\nOne. Two.\nThree."
    assert [s.para for s in split_sentences(text, "en")] == [0, 1, 1, 2]


def _side(vectors: np.ndarray, lengths: list[int] | None = None) -> Side:
    v = vectors / np.linalg.norm(vectors, axis=1, keepdims=True) if len(vectors) else vectors.reshape(0, 32)
    pairs = v[:-1] + v[1:] if len(v) > 1 else v[:0]
    if len(pairs):
        pairs = pairs / np.linalg.norm(pairs, axis=1, keepdims=True)
    return Side(v, pairs, np.array(lengths or [80] * len(v), float))


def _kinds(beads) -> list[str]:
    return [b.kind + ("m" if b.moved else "") for b in beads]


RNG = np.random.default_rng(7)
# Sentence vectors: the article's in the first 24 dimensions, unrelated site text in the last 8.
BASE = np.hstack([RNG.normal(size=(12, 24)), np.zeros((12, 8))])
NOISE = np.hstack([RNG.normal(size=(12, 24)) * 0.3, np.zeros((12, 8))])
OTHER = np.hstack([np.zeros((6, 24)), RNG.normal(size=(6, 8))])

ALIGNMENT_CASES = [
    ("empty both", np.zeros((0, 32)), np.zeros((0, 32)), []),
    ("no English", BASE[:3], np.zeros((0, 32)), ["1-0", "1-0", "1-0"]),
    ("no French", np.zeros((0, 32)), BASE[:2], ["0-1", "0-1"]),
    ("one sentence", BASE[:1], BASE[:1] + NOISE[:1], ["1-1"]),
    ("all boilerplate", BASE[:3], OTHER[:4], ["1-0", "1-0", "1-0", "0-1", "0-1", "0-1", "0-1"]),
    ("boilerplate around", BASE[:4], np.vstack([OTHER[:1], BASE[:4] + NOISE[:4], OTHER[1:3]]),
     ["0-1", "1-1", "1-1", "1-1", "1-1", "0-1", "0-1"]),
    ("a dropped sentence", BASE[:5], np.vstack([BASE[:2], BASE[3:5]]) + NOISE[:4], ["1-1", "1-1", "1-0", "1-1", "1-1"]),
    ("reordered paragraphs", BASE[:6], np.vstack([BASE[4:6], BASE[:4]]) + NOISE[:6],
     ["1-1m", "1-1m", "1-1", "1-1", "1-1", "1-1"]),
]


@pytest.mark.parametrize("name, src, hyp, expected", ALIGNMENT_CASES, ids=[c[0] for c in ALIGNMENT_CASES])
def test_alignment_edge_cases(name: str, src: np.ndarray, hyp: np.ndarray, expected: list[str]) -> None:
    beads = align(_side(src), _side(hyp)).beads
    assert sorted(_kinds(beads)) == sorted(expected)
    # every sentence is in exactly one bead
    assert sorted(i for b in beads for i in b.src) == list(range(len(src)))
    assert sorted(j for b in beads for j in b.hyp) == list(range(len(hyp)))


def test_merged_and_split_sentences_make_two_sentence_beads() -> None:
    src = BASE[:4]
    # English sentence 1 is French 1+2 (a 2-1 bead); French 3 is English 2+3 (a 1-2 bead)
    merged = BASE[1] + BASE[2]
    hyp = np.vstack([BASE[0], merged, BASE[3] * 0.5 + NOISE[0] * 3, BASE[3] * 0.5 - NOISE[0] * 3])  # halves: cos ~0.5
    src_side, hyp_side = _side(src), _side(hyp)
    hyp_side.pairs[2] = src_side.single[3]  # the two halves read together are the French sentence
    src_side.pairs[1] = hyp_side.single[1]
    assert _kinds(align(src_side, hyp_side).beads) == ["1-1", "2-1", "1-2"]


def test_banded_pass_is_linear_and_agrees_with_the_full_table() -> None:
    rng = np.random.default_rng(3)
    cells = {}
    for n in (400, 800):
        base = rng.normal(size=(n, 16))
        hyp = np.vstack([np.vstack([base[k], rng.normal(size=16)]) if k % 25 == 5 else base[k:k + 1] for k in range(n)])
        hyp = hyp + rng.normal(size=hyp.shape) * 0.3
        banded = align(_side(base), _side(hyp))
        cells[n] = banded.cells
        assert banded.cells < (n + 1) * (len(hyp) + 1) / 4
        if n == 400:
            full = align(_side(base), _side(hyp), AlignParams(full_cells=10**9))
            assert full.beads == banded.beads
    assert cells[800] / cells[400] < 2.3  # linear, not quadratic (4x)


SITE_TEXT = [
    ("See also", "", False, "navigation words"),
    ("You may like", "", False, "navigation words"),
    ("© Communities 2019 - Privacy", "", False, "navigation words"),
    ("2022-01-09T18:38:59.130Z", "", False, "a date or timestamp line"),
    ("News/Politics 2024-03-07T02:56:34.373Z", "", False, "a date or timestamp line"),
    ("Ukraine fractured between nostalgia and the desire for independence", "See also", False, "a related-article title after a link line"),
    ("The Limited Times", "", True, "a short label with no French counterpart"),
    ("The Limited Times", "", False, None),
    ("But hopes of reaching an agreement are slim.", "", True, None),
    ("The mayor also promised a new cycle path from the station.", "See also", True, None),
]


@pytest.mark.parametrize("line, previous, unmatched, expected", SITE_TEXT)
def test_site_text(line: str, previous: str, unmatched: bool, expected: str | None) -> None:
    assert SiteTextModel().judge(line, previous, unmatched) == expected


def test_site_text_document_frequency() -> None:
    pages = [["Morning Post Online", f"Story {k} was long and detailed."] for k in range(10)]
    model = SiteTextModel(pages)
    assert model.judge("Morning Post Online").startswith("repeated in 10 of 10")
    assert model.judge("Story 3 was long and detailed.") is not None  # digits folded: a template line
    assert model.judge("A line found once, in no other page.") is None


BREAKS = [
    ("levels of mistrust are higher than ever since the collapse of Ukraine. Soviet Union.", "Ukraine. Soviet Union.", "a verbless fragment"),
    ("Troops are deployed in several member countries of the United States. 'alliance.", "States. 'alliance.", "a stray apostrophe fragment"),
    ("Moscow is trying to stop itself. to build up a sphere of influence.", "itself. to", "a sentence that continues after a full stop"),
    ("The associations are asking for a monthly pass\n\nat less than 50 euros.", "pass\n\nat", "a sentence that continues in lowercase"),
    ('"It is not for Russia to decide,\n\n" recalled the senior official.', 'decide,\n\n" recalled', "punctuation or a closing quote cut from its sentence"),
    ("The talks were difficult. Neither side moved.", None, None),
    ("Mr. Smith arrived. He spoke.", None, None),
]


@pytest.mark.parametrize("text, span, reason", BREAKS)
def test_breaks(text: str, span: str | None, reason: str | None) -> None:
    found = find_breaks(text, split_sentences(text, "en"))
    if span is None:
        assert found == []
    else:
        assert [(text[b.start:b.end], b.reason) for b in found] == [(span, reason)]


LOAD_ERRORS = [
    ("docs.jsonl", '{"doc_id": "a", "src_text": "Bonjour."}\n', "docs.jsonl:1: 'hyp_text' must be text"),
    ("docs.jsonl", '{"doc_id": "a", "hyp_text": "Hi."}\n{"doc_id": "a", "hyp_text": "Hi."}\n', "docs.jsonl:2: doc_id 'a' appears twice"),
    ("docs.jsonl", '{"doc_id": "a", "hyp_text": "Hi."}\nnot json\n', "docs.jsonl:2: invalid JSON"),
    ("pages/a.en.txt", "Hello.\n", "a.en.txt: no French article a.fr.txt beside it"),
]


@pytest.mark.parametrize("name, content, message", LOAD_ERRORS)
def test_document_inputs_name_the_file_and_line(tmp_path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(content, encoding="utf-8")
    spec = str(path.parent if name.startswith("pages/") else path)
    with pytest.raises(InputError, match=re.escape(message)):
        load_pairs(spec, Path)


def test_folder_of_pairs_reads_references(tmp_path) -> None:
    for name, text in (("a.fr.txt", "Bonjour."), ("a.en.txt", "Hello."), ("a.ref.en.txt", "Hi."), ("b.fr.txt", "Oui."), ("b.en.txt", "Yes.")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    pairs = load_pairs(str(tmp_path), Path)
    assert [(p.doc_id, p.src_text, p.hyp_text, p.ref_text) for p in pairs] == [
        ("a", "Bonjour.", "Hello.", "Hi."), ("b", "Oui.", "Yes.", None)]
