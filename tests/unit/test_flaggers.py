"""Table-driven tests of the error flaggers, with the packaged models (no mocks).

Each table row is (French source, English output, expected): the expected category must be
flagged (with the flagged text when given), or, for `None`, the output must get no major or
critical flag from that flagger.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from relecture.flaggers import DEFAULT_FLAGGERS, run_flaggers
from relecture.flaggers.numbers import english_values, french_values
from relecture.registry import load
from relecture.types import ErrorSpan, Segment

REPO = Path(__file__).resolve().parents[2]


def flags_of(flagger: str, src: str, hyp: str) -> list[ErrorSpan]:
    return load("flagger", flagger)().flag([Segment(0, src, hyp)])


def serious(flags: list[ErrorSpan]) -> list[ErrorSpan]:
    return [f for f in flags if f.severity in ("major", "critical")]


def check(flagger: str, src: str, hyp: str, category: str | None, text: str | None) -> None:
    flags = flags_of(flagger, src, hyp)
    if category is None:
        assert not serious(flags), [f.message for f in flags]
        return
    hits = [f for f in flags if f.category == category]
    assert hits, f"no {category} flag; got {[f.message for f in flags]}"
    if text is not None:
        spans = [(src if f.on_source else hyp)[f.start:f.end] for f in hits]
        assert any(text in span for span in spans), spans


NAMES = [
    # transliteration, exonyms, titles: rendered correctly
    ("Le vice-ministre Sergueï Riabkov est arrivé à Genève.", "Deputy Minister Sergei Ryabkov arrived in Geneva.", None, None),
    ("L'Otan se réunit à Bruxelles.", "NATO is meeting in Brussels.", None, None),
    ("Depuis l'effondrement de l'Union soviétique, Moscou a changé.", "Since the collapse of the Soviet Union, Moscow has changed.", None, None),
    ("Nikita Khrouchtchev a visité Pékin.", "Nikita Khrushchev visited Beijing.", None, None),
    ("La Maison Blanche a répondu à la CEDH.", "The White House responded to the ECHR.", None, None),
    # misspelled (the seed's invented name), replaced, dropped, invented
    ("Le vice-ministre Sergueï Riabkov est arrivé.", "Deputy Minister Sergei Ryablakov has arrived.", "accuracy/named-entity", "Ryablakov"),
    ("Apple a présenté l'iPhone 6 à Cupertino.", "State Duma presented the iPhone 6 in Cupertino.", "accuracy/named-entity", "Duma"),
    ("Il y avait des nuages au-dessus de Melbourne.", "There were clouds over London.", "accuracy/named-entity", "London"),
    ("Le journal El Pais rapporte que 7 400 visas ont été refusés.", "The newspaper reports that 7,400 visas were refused.", "accuracy/named-entity", "El Pais"),
    ("Le ministre a parlé hier.", "Minister Zorglubov spoke yesterday.", "accuracy/named-entity", "Zorglubov"),
]


@pytest.mark.parametrize("src,hyp,category,text", NAMES)
def test_names(src: str, hyp: str, category: str | None, text: str | None) -> None:
    check("names", src, hyp, category, text)


NUMBERS = [
    ("Il a gagné 1 234,5 euros.", "He won 1,234.5 euros.", None, None),
    ("Le taux est de 3,5 %.", "The rate is 3.5%.", None, None),
    ("Rendez-vous à 12 h 00 le 1er mars.", "Meet at 12:00 on March 1st.", None, None),
    ("La réunion a lieu à 20 h 30.", "The meeting is at 8:30 p.m.", None, None),
    ("Le 9 janvier 2022, il a parlé.", "On January 9, 2022, he spoke.", None, None),
    ("Une amende de 15 millions d'euros.", "A fine of 15 million euros.", None, None),
    ("Une amende de 15 millions d'euros.", "A fine of €15m.", None, None),
    ("Il a deux enfants.", "He has two children.", None, None),
    ("Les ventes ont atteint 7 400 unités.", "Sales reached 7,950 units.", "accuracy/number", "7,950"),
    ("Le taux est de 3,5 %.", "The rate is 5.3%.", "accuracy/number", "5.3"),
    ("Le 9 janvier 2022, il a parlé.", "On January 19, 2022, he spoke.", "accuracy/number", "19"),
    ("Le 9 janvier 2022, il a parlé.", "On February 9, 2022, he spoke.", "accuracy/number", "February"),
    ("La réunion a lieu à 20 h 30.", "The meeting is at 9:30 p.m.", "accuracy/number", "9"),
    ("Il a vendu 20 000 maisons.", "He sold houses.", "accuracy/number", "20 000"),
    ("Il a vendu des maisons.", "He sold 300 houses.", "accuracy/number", "300"),
    ("Il a adopté l'iPhone6.", "He adopted the iPhone7.", "accuracy/number", "7"),
]


@pytest.mark.parametrize("src,hyp,category,text", NUMBERS)
def test_numbers(src: str, hyp: str, category: str | None, text: str | None) -> None:
    check("numbers", src, hyp, category, text)


@pytest.mark.parametrize("text,values", [
    ("1 234,5 · 3,5 % · 12 h 30 · 1er · 15 millions", [1234.5, 3.5, 12, 30, 1, 15e6]),
    ("9 janvier 2022", [9, 2022, 1000]),
])
def test_french_values(text: str, values: list[float]) -> None:
    assert sorted(v.value for v in french_values(text)) == sorted(values)


@pytest.mark.parametrize("text,values", [
    ("1,234.5 · 3.5% · 12:30 · 1st · 15 million", [1234.5, 3.5, 12, 30, 1, 15e6]),
    ("2:30 p.m. on January 9, 2022", [14, 30, 1000, 9, 2022]),
])
def test_english_values(text: str, values: list[float]) -> None:
    assert sorted(v.value for v in english_values(text)) == sorted(values)


UNTRANSLATED = [
    ("Il a acheté un Galaxy.", "He bought a Galaxy.", None, None),
    ("Elle a parlé vis-à-vis de la Chine.", "She spoke vis-à-vis China.", None, None),
    ("Ils auraient acheté un Galaxy.", "They would have acheté a Galaxy.", "accuracy/untranslated", "acheté"),
    ("Il y a déjà une plainte.", "As far as I know, il y a already a complaint.", "accuracy/untranslated", "il y"),
    ("Il y a des nuages.", "There are nuages.", "accuracy/untranslated", "nuages"),
    ("Le chat dort sur le canapé.", "Le chat dort sur le canapé.", "accuracy/untranslated", None),
    ("Le chat dort sur le canapé depuis ce matin.", "Die Katze schläft seit heute Morgen auf dem Sofa.", "accuracy/untranslated", None),
]


@pytest.mark.parametrize("src,hyp,category,text", UNTRANSLATED)
def test_untranslated(src: str, hyp: str, category: str | None, text: str | None) -> None:
    check("untranslated", src, hyp, category, text)


FLUENCY = [
    ("Personne ne l'a vu venir.", "Nobody saw it coming.", None, None),
    ("Le sommet a lieu à Genève. Il durera deux jours.", "The summit is in Geneva. It will last two days.", None, None),
    ("Les États-Unis ont parlé avec M. Blinken.", "The U.S. spoke with Mr. Blinken.", None, None),
    # the seed's broken sentences
    ("La méfiance est plus forte que jamais depuis l'effondrement de l'Union soviétique.",
     "Mistrust is higher than ever since the collapse of Ukraine. Soviet Union.", "fluency/garbled", "Soviet Union."),
    ("Les troupes sont déployées dans plusieurs pays membres de l'Alliance.",
     "The troops are deployed in several member countries of the United States. 'alliance.", "fluency/garbled", "'alliance."),
    ("« Ils ont fait des concessions », a prévenu le haut responsable du département d'État.",
     "\"They made concessions,\" the senior Department official warned. State.", "fluency/garbled", "State."),
    ("Moscou cherche à se constituer une sphère d'influence.",
     "Moscow is trying to stop itself. to build up a sphere of influence.", "fluency/garbled", "to build up"),
    # repetition loops, word salad
    ("Il y avait des nuages au-dessus de Melbourne.", "There were clouds over Melbourne Melbourne Melbourne Melbourne.", "fluency/repetition", "Melbourne"),
    ("Il a dit qu'il viendrait.", "He said that he he would would come come.", "fluency/repetition", None),
    ("Si la FOM a choisi de ne pas montrer ces images, c'est pour protéger ses intérêts.",
     "Not in these to pilot its protect it of if no show interests the the images to those FOM way is has chosen only and.",
     "fluency/word-order", None),
]


@pytest.mark.parametrize("src,hyp,category,text", FLUENCY)
def test_fluency(src: str, hyp: str, category: str | None, text: str | None) -> None:
    check("fluency", src, hyp, category, text)


COVERAGE = [
    ("Il a acheté un Galaxy.", ".", "other/empty", None),
    ("Il a acheté un Galaxy.", "", "other/empty", None),
    ("Les acheteurs auraient sinon acheté un Galaxy de Samsung.", "Buyers would otherwise have purchased a Samsung Galaxy.", None, None),
    # (an output far shorter than its source: the truncation flagger's, tests/unit/test_flag_severity.py)
    ("Il pleut.", "It is raining, and the government announced a sweeping reform of pensions and taxes today.",
     "accuracy/addition", None),
    ("Il y avait des nuages au-dessus de la banlieue de Melbourne.",
     "There were poultry clouds over suburban Melbourne.", "accuracy/addition", "poultry"),
]


@pytest.mark.parametrize("src,hyp,category,text", COVERAGE)
def test_coverage(src: str, hyp: str, category: str | None, text: str | None) -> None:
    check("coverage", src, hyp, category, text)


# (source, output, reference, the words flagged as additions with the reference given)
COVERAGE_WITH_REF = [
    ("Près de 20 000 maisons ont été détruites par l'armée lors des bombardements.",
     "Nearly 20,000 wooden houses were destroyed by the army during the shelling.",
     "Almost 20,000 homes were destroyed by the army in the bombing.", ["wooden"]),
    ("Près de 20 000 maisons ont été détruites par l'armée lors des bombardements.",
     "Nearly 20,000 houses were destroyed by the army during the shelling.",
     "Almost 20,000 homes were destroyed by the army in the shelling.", []),
    # without the reference the paraphrase 'appealed' (séduit) is taken for an addition (tested
    # below); the reference, which has it, clears it
    ("L'introduction d'écrans plus grands a peut-être séduit des acheteurs.",
     "The introduction of bigger screens may have appealed to buyers.",
     "The introduction of larger screens may have appealed to buyers.", []),
    ("L'introduction d'écrans plus grands a peut-être séduit des acheteurs.",
     "The introduction of bigger screens may have appealed to buyers.",
     "Bigger screens might have attracted buyers.", []),
]


@pytest.mark.parametrize("src,hyp,ref,added", COVERAGE_WITH_REF)
def test_coverage_with_a_reference(src: str, hyp: str, ref: str, added: list[str]) -> None:
    flags = load("flagger", "coverage")().flag([Segment(0, src, hyp, (ref,))])
    assert [hyp[f.start:f.end] for f in flags if f.category == "accuracy/addition"] == added


def test_the_reference_clears_a_paraphrase() -> None:
    src, hyp = COVERAGE_WITH_REF[2][:2]
    flags = load("flagger", "coverage")().flag([Segment(0, src, hyp)])
    assert [hyp[f.start:f.end] for f in flags if f.category == "accuracy/addition"] == ["appealed"]


FALSE_FRIENDS = [
    ("Nous avons déjà vu ce genre d'intox.", "We have seen this kind of disinformation before.", None, None),
    ("Nous avons déjà vu ce genre d'intox.", "We have seen this kind of intoxication before.", "accuracy/mistranslation", "intoxication"),
    ("Il est actuellement à Paris.", "He is actually in Paris.", "accuracy/mistranslation", "actually"),
    ("Il est actuellement à Paris.", "He is currently in Paris.", None, None),
    ("Une intoxication alimentaire a touché dix élèves.", "Food intoxication affected ten pupils.", None, None),
]


@pytest.mark.parametrize("src,hyp,category,text", FALSE_FRIENDS)
def test_false_friends(src: str, hyp: str, category: str | None, text: str | None) -> None:
    check("false-friends", src, hyp, category, text)


NEGATION = [
    ("Ils ont gagné le match.", "They won the match.", None, None),
    ("Ils ont gagné le match.", "They did not win the match.", "accuracy/mistranslation", "not"),
    ("Ils ont gagné le match.", "They didn't win the match.", "accuracy/mistranslation", "n't"),
    ("Ils n'ont pas gagné le match.", "They did not win the match.", None, None),
    ("Ils n'ont pas gagné le match.", "They won the match.", "accuracy/mistranslation", None),
    ("Elle n'est plus ministre.", "She is no longer a minister.", None, None),
    ("Personne sur Terre ne pouvait le dire.", "Nobody on Earth could tell.", None, None),
    # implicit negations on either side are free renderings, not flips
    ("Leurs recherches ne sont pas concluantes.", "Their research is inconclusive.", None, None),
    ("Il est impossible de les visiter tous.", "You cannot visit them all.", None, None),
    ("Les dons sont interdits.", "Donations are not allowed.", None, None),
    # look-alikes that are not negations
    ("C'est un pas dans la bonne direction.", "It is a step in the right direction.", None, None),
    ("Il a animé pas mal d'émissions.", "He presented quite a few programmes.", None, None),
    ("L'Egypte est plus divisée que jamais.", "Egypt is more divided than ever.", None, None),
    ("C'est sans doute vrai.", "It is probably true.", None, None),
    ("Un mouvement non-violent est né.", "A non-violent movement was born.", None, None),
]


@pytest.mark.parametrize("src,hyp,category,text", NEGATION)
def test_negation(src: str, hyp: str, category: str | None, text: str | None) -> None:
    check("negation", src, hyp, category, text)


TENSE = [
    ("Les prix baissent.", "Prices are falling.", None, None),
    ("Les prix baissent.", "Prices will fall.", "accuracy/mistranslation", "will fall"),
    ("Les prix baisseront.", "Prices will fall.", None, None),
    ("Les prix vont baisser.", "Prices will fall.", None, None),
    ("Je ne vais pas vous mentir.", "I will not lie to you.", None, None),
    ("La réunion a lieu demain.", "The meeting will take place tomorrow.", None, None),
    ("Le texte doit être présenté en mars.", "The bill will be presented in March.", None, None),
    ("Allez voir le musée.", "Go and see the museum.", None, None),
    ("Ils parlent de la volonté du peuple.", "They speak of the will of the people.", None, None),
    ("Le président serait malade.", "The president will be ill.", "accuracy/mistranslation", "will be"),
]


@pytest.mark.parametrize("src,hyp,category,text", TENSE)
def test_tense(src: str, hyp: str, category: str | None, text: str | None) -> None:
    flags = flags_of("tense", src, hyp)
    if category is None:
        assert not flags, [f.message for f in flags]  # its flags are all minor: none at all here
        return
    check("tense", src, hyp, category, text)
    # minor: a French present for a future event is common, the evidence is weak
    assert all(f.severity == "minor" for f in flags)


def test_seed_article() -> None:
    """The seed's broken sentences and invented name are flagged; its correct sentences are not."""
    src = (REPO / "data" / "seed-fr" / "src.fr").read_text(encoding="utf-8").splitlines()
    hyp = (REPO / "data" / "seed-fr" / "hyp.en").read_text(encoding="utf-8").splitlines()
    segments = [Segment(i, s, h) for i, (s, h) in enumerate(zip(src, hyp))]
    flags = run_flaggers(segments)
    expected = {6: ("accuracy/named-entity", "Ryablakov"), 7: ("fluency/garbled", "Soviet Union."),
                8: ("fluency/garbled", "'alliance."), 9: ("fluency/garbled", "to build up"),
                10: ("accuracy/mistranslation", "intoxication"), 12: ("fluency/garbled", "State.")}
    for idx, (category, text) in expected.items():
        spans = [hyp[idx][f.start:f.end] for f in flags if f.seg_idx == idx and f.category == category]
        assert any(text in span for span in spans), (idx, [f.message for f in flags if f.seg_idx == idx])
    correct = set(range(len(src))) - set(expected)
    wrong = [(f.seg_idx, f.message) for f in serious(flags) if f.seg_idx in correct]
    assert not wrong, wrong


def test_spans_are_well_formed() -> None:
    segments = [Segment(0, "Il a vendu 20 000 maisons à Genève.", "He sold 25,000 houses in London London London.")]
    for flag in run_flaggers(segments):
        text = segments[0].src if flag.on_source else segments[0].hyp
        assert 0 <= flag.start < flag.end <= len(text) or (flag.start == flag.end == 0)
        assert flag.severity in ("minor", "major", "critical")
        assert flag.flagger in DEFAULT_FLAGGERS and flag.message
        assert set(flag.to_dict()) >= {"seg_idx", "category", "severity", "start", "end", "on_source", "message", "flagger"}


def test_parallel_paths_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parse and the encode shared with the helper process (used on large inputs) give what
    one process gives."""
    from relecture.flaggers import common, parse, text, vectors

    segs = [Segment(0, "Selon Barack Obama, le taux a baissé de 3 % à Paris.", "According to Barack Obama, the rate fell 3% in Paris."),
            Segment(1, "Le président s'est rendu à Bruxelles.", "The president went to Brussels.")]
    one = common.parse(segs, parallel=False)
    monkeypatch.setattr(parse, "_last", None)  # parse() keeps the last run's docs: parse again, with the helper
    two = common.parse(segs, parallel=True)
    assert one is not two
    for a, b in zip(one.src + one.hyp, two.src + two.hyp):
        assert [(t.text, t.idx, t.is_sent_start, t.ent_iob_, t.ent_type_) for t in a] == \
               [(t.text, t.idx, t.is_sent_start, t.ent_iob_, t.ent_type_) for t in b]
    texts = ["bonjour", "the rate fell", "According to Barack Obama, the rate fell 3% in Paris.", "Bruxelles"]
    assert [len(p) for p in text.split_by_length(texts, 2)] == [3, 1]
    alone = common.encoder().encode(texts)
    monkeypatch.setattr(vectors, "PARALLEL_ENCODE_FROM", 2)
    split = vectors.encode(texts)
    assert abs(alone - split).max() < 1e-5
