"""Language ID on inputs: a swapped source/output fails, a few stray lines warn."""
from __future__ import annotations

import pytest

from relecture.errors import InputError
from relecture.io.language import check_language

FRENCH = [
    "Le gouvernement a annoncé une nouvelle réforme des retraites ce matin.",
    "Les négociations entre les deux pays reprendront la semaine prochaine à Genève.",
    "La température devrait baisser de plusieurs degrés dans le nord du pays.",
    "Le maire de la ville a inauguré la nouvelle bibliothèque municipale samedi.",
] * 5
ENGLISH = [
    "The government announced a new pension reform this morning.",
    "Talks between the two countries will resume next week in Geneva.",
    "Temperatures are expected to drop by several degrees in the north of the country.",
    "The city's mayor opened the new municipal library on Saturday.",
] * 5


@pytest.mark.parametrize(
    "lines, expected, role, fails",
    [
        (FRENCH, "fr", "source", False),
        (ENGLISH, "en", "output", False),
        (ENGLISH, "fr", "source", True),   # source and output swapped
        (FRENCH, "en", "output", True),
    ],
)
def test_whole_file_language(lines, expected, role, fails):
    if fails:
        with pytest.raises(InputError, match="swapped"):
            check_language(lines, expected, "x.txt", role)
    else:
        assert check_language(lines, expected, "x.txt", role) == []


def test_stray_lines_warn_with_line_numbers():
    lines = ENGLISH[:10] + ["La réforme des retraites sera présentée au Parlement en mars prochain."] + ENGLISH[10:]
    warnings = check_language(lines, "en", "hyp.en", "output")
    assert len(warnings) == 1 and "hyp.en" in warnings[0] and "lines 11" in warnings[0]


def test_short_lines_are_not_judged():
    assert check_language(["Emmanuel Macron", "2022", "Otan"], "en", "x", "output") == []


GERMAN = [
    "Die Regierung hat gestern neue Maßnahmen für die Wirtschaft angekündigt.",
    "Der Präsident traf sich mit den Ministern, um über die Krise zu sprechen.",
    "Die Preise sind im letzten Jahr stark gestiegen, sagte der Sprecher.",
    "Das Parlament wird im März über das Gesetz abstimmen.",
] * 5
# Headline-like German: few function words, so most lines are doubtful to the function-word
# reading and lingua's 7-language detector decides (as it did before function words).
GERMAN_HEADLINES = [
    "Bundesregierung beschließt Entlastungspaket gegen steigende Energiepreise",
    "Fußballnationalmannschaft gewinnt Freundschaftsspiel gegen Frankreich deutlich",
    "Lokführergewerkschaft kündigt weitere Warnstreiks bundesweit an",
    "Hochwasserschutz kostet Kommunen künftig deutlich mehr Geld",
] * 5


@pytest.mark.parametrize("lines", [GERMAN, GERMAN_HEADLINES], ids=["sentences", "headlines"])
def test_third_language_file_fails(lines):
    with pytest.raises(InputError, match="another language \\(German\\)"):
        check_language(lines, "en", "x.txt", "output")


def test_stray_third_language_line_warns():
    lines = ENGLISH[:10] + [GERMAN[0]] + ENGLISH[10:]
    warnings = check_language(lines, "en", "hyp.en", "output")
    assert len(warnings) == 1 and "German" in warnings[0] and "lines 11" in warnings[0]


def test_clear_lines_need_no_model():
    """Clear English and French lines are read from their function words alone (a line whose
    words are shared with Italian and Spanish, "Le maire de la ville a ...", is left to lingua)."""
    from relecture.io.language import clear_language

    assert all(clear_language(line) == "en" for line in ENGLISH)
    assert [clear_language(line) for line in FRENCH[:4]] == ["fr", "fr", "fr", None]
    assert clear_language(GERMAN[0]) == "de"
    assert clear_language("Emmanuel Macron Otan 2022") is None
