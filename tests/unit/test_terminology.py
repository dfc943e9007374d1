"""The terminology flagger: glossary formats, inflected matches, both spans, bad glossaries."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from relecture.errors import ConfigError, InputError
from relecture.flaggers.terminology import TerminologyFlagger, load_glossary
from relecture.types import Segment

REPO = Path(__file__).resolve().parents[2]
TSV = ("# French<TAB>English\n"
       "Sergueï Riabkov\tSergei Ryabkov\n"
       "Otan\tNATO\tcase\n"
       "prêt à taux zéro\tzero-interest loan | interest-free loan\n"
       "hôpital\thospital\n"
       "journal officiel\tofficial journal\n")

# (source, output, expected flags as (text flagged, on_source) pairs; [] = no flag)
CASES = [
    # rendered as required: nothing
    ("Le vice-ministre Sergueï Riabkov est arrivé.", "Deputy Minister Sergei Ryabkov has arrived.", []),
    # the seed's misspelled name: flagged on the output, the source term in source_span
    ("Le vice-ministre Sergueï Riabkov est arrivé.", "Deputy Minister Sergei Ryablakov has arrived.",
     [("Sergei Ryablakov", False)]),
    # elision and case-sensitive term: l'Otan must be NATO (capitals required)
    ("Moscou exige que l'Otan recule.", "Moscow demands that NATO back off.", []),
    ("Moscou exige que l'Otan recule.", "Moscow demands that Nato back off.", [("Nato", False)]),
    ("Moscou exige que l'Otan recule.", "Moscow demands that the Alliance back off.", [("Otan", True)]),
    # plural and capitalization on the French side, plural and variants on the English side
    ("Les Prêts à taux zéro seront prolongés.", "Zero-interest loans will be extended.", []),
    ("Les prêts à taux zéro seront prolongés.", "Interest-free loans will be extended.", []),
    ("Les prêts à taux zéro seront prolongés.", "Zero-rate loans will be extended.", [("Zero-rate loans", False)]),
    ("Deux hôpitaux ont fermé.", "Two hospitals have closed.", []),
    ("Le Journal officiel publie le décret.", "The Official Journal publishes the decree.", []),
    ("Le Journal officiel publie le décret.", "The government gazette publishes the decree.", [("Journal officiel", True)]),
    # two occurrences, one rendering: the second occurrence is flagged
    ("L'hôpital de Lyon et l'hôpital de Lille.", "The hospital in Lyon and the clinic in Lille.", [("hôpital", True)]),
]


@pytest.fixture()
def glossary(tmp_path: Path) -> Path:
    path = tmp_path / "terms.tsv"
    path.write_text(TSV, encoding="utf-8")
    return path


@pytest.mark.parametrize("src,hyp,expected", CASES)
def test_terminology(glossary: Path, src: str, hyp: str, expected: list[tuple[str, bool]]) -> None:
    flags = TerminologyFlagger(glossary).flag([Segment(0, src, hyp)])
    got = [((src if f.on_source else hyp)[f.start:f.end], f.on_source) for f in flags]
    assert got == expected
    for flag in flags:
        assert flag.category == "accuracy/terminology" and flag.severity == "major"
        if not flag.on_source:  # both spans: the output's wrong rendering and the source term
            assert flag.source_span is not None
            assert src[flag.source_span[0]:flag.source_span[1]].lower().startswith(("serg", "l'otan", "otan", "prêt"))


def test_yaml_glossary(tmp_path: Path) -> None:
    path = tmp_path / "terms.yaml"
    path.write_text("- {fr: Otan, en: NATO, case_sensitive: true}\n- {fr: hôpital, en: [hospital, clinic]}\n",
                    encoding="utf-8")
    terms = load_glossary(path)
    assert [(t.french, t.english, t.case_sensitive) for t in terms] == [
        ("Otan", ("NATO",), True), ("hôpital", ("hospital", "clinic"), False)]
    mapping = tmp_path / "map.yml"
    mapping.write_text("Genève: Geneva\nOtan: [NATO]\n", encoding="utf-8")
    flags = TerminologyFlagger(mapping).flag([Segment(0, "L'Otan se réunit à Genève.", "NATO meets in Vienna.")])
    assert [(f.on_source, f.start, f.end) for f in flags] == [(True, 19, 25)]


@pytest.mark.parametrize("name,text,error,where", [
    ("bad.tsv", "Otan\tNATO\n# comment\nGenève\n", InputError, "bad.tsv:3"),
    ("bad.tsv", "Otan\tNATO\tmaybe\n", InputError, "bad.tsv:1"),
    ("empty.tsv", "# nothing\n", InputError, "empty.tsv"),
    ("bad.yaml", "- {fr: Otan, en: NATO\n", InputError, "bad.yaml:"),
    ("bad.yaml", "- {fr: Otan, english: NATO}\n", InputError, "entry 1"),
])
def test_bad_glossary(tmp_path: Path, name: str, text: str, error: type, where: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(error) as caught:
        TerminologyFlagger(path)
    assert where in str(caught.value) and "\n" not in str(caught.value)


def test_missing_glossary(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        TerminologyFlagger(tmp_path / "nope.tsv")
    with pytest.raises(ConfigError, match="needs a glossary"):
        TerminologyFlagger()


def test_demo_glossary_catches_the_seed_like_name() -> None:
    """configs/demo.yaml's glossary: sys-b's 'Ryablakov' is caught, the good sys-a is clean."""
    demo = REPO / "data" / "demo"
    flagger = TerminologyFlagger(demo / "terms.tsv")
    src = (demo / "src.fr").read_text(encoding="utf-8").splitlines()
    for system, wanted in (("sys-a", set()), ("sys-b", {0, 1, 8, 12, 17})):
        hyp = (demo / f"{system}.en").read_text(encoding="utf-8").splitlines()
        flags = flagger.flag([Segment(i, s, h) for i, (s, h) in enumerate(zip(src, hyp))])
        assert {f.seg_idx for f in flags} == wanted
    hyp = (demo / "sys-b.en").read_text(encoding="utf-8").splitlines()
    flags = flagger.flag([Segment(1, src[1], hyp[1])])
    assert [hyp[1][f.start:f.end] for f in flags] == ["Sergei Ryablakov"]


@pytest.mark.parametrize("glossary,code", [
    ("Sergueï Riabkov\tSergei Ryabkov\n", 0),
    (None, 2),  # missing: a config error
    ("Sergueï Riabkov\n", 3),  # malformed line: an input error naming the file and line
])
def test_glossary_from_a_config(tmp_path: Path, capsys: pytest.CaptureFixture[str], glossary: str | None,
                                code: int) -> None:
    """`{name: terminology, glossary: terms.tsv}` is read relative to the config file."""
    from relecture.cli import main

    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "src.fr").write_text("Le vice-ministre Sergueï Riabkov est arrivé.\n", encoding="utf-8")
    (folder / "out.en").write_text("Deputy Minister Sergei Ryablakov has arrived.\n", encoding="utf-8")
    if glossary is not None:
        (folder / "terms.tsv").write_text(glossary, encoding="utf-8")
    (folder / "run.yaml").write_text(
        "testset: {name: t, src: src.fr}\nsystems: {mt: out.en}\nmetrics: []\nreports: [jsonl]\n"
        "check_language: false\nflaggers: [{name: terminology, glossary: terms.tsv}]\n", encoding="utf-8")
    assert main(["run", "-c", str(folder / "run.yaml"), "-o", str(tmp_path / "run"), "--quiet"]) == code
    err = capsys.readouterr().err
    if code == 0:
        rows = (tmp_path / "run" / "segments.jsonl").read_text(encoding="utf-8")
        assert "accuracy/terminology" in rows and "source_span" in rows
    else:
        assert "terms.tsv" in err and len(err.strip().splitlines()) == 1
        if code == 3:
            assert "terms.tsv:1" in err


def test_glossary_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from relecture.cli import main

    demo = REPO / "data" / "demo"
    code = main(["flag", "--src", str(demo / "src.fr"), "--hyp", str(demo / "sys-b.en"), "--flaggers", "numbers",
                 "--glossary", str(demo / "terms.tsv"), "--format", "jsonl", "--no-language-check"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert code == 0
    terms = [r for r in rows if r["flagger"] == "terminology"]
    assert {r["seg_idx"] for r in terms} == {0, 1, 8, 12, 17}
    assert all(("source_span" in r) != r["on_source"] for r in terms)  # both spans, or the source's
    assert main(["flag", "--src", str(demo / "src.fr"), "--hyp", str(demo / "sys-b.en"),
                 "--flaggers", "terminology"]) == 2  # no glossary: a usage/config error
