"""The learned flag decision (eval/flaggers/decision.py) and the lexicon it reads
(eval/flaggers/lexicon.py): the shipped files load, the fit is deterministic, the lexicon knows
common pairs, and the coverage flagger's omissions and additions on table-driven cases, French
and English, with the false alarms they must not raise (packaged models, no mocks)."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from relecture.flaggers.decision import DECISION_PATH, decision, fit_logistic, weights_hash
from relecture.flaggers.lexicon import english, french, lexicon_hash
from relecture.registry import load
from relecture.types import Segment


def test_shipped_decisions_load_and_name_their_weights() -> None:
    with open(DECISION_PATH, "rb") as handle:
        raw = handle.read()
    assert weights_hash() == hashlib.sha256(raw).hexdigest()[:12]
    model = decision("accuracy/omission")
    assert 0 < model.minor < model.major < 1
    assert len(model.weights) == len(model.features) == len(json.loads(raw)["decisions"]["accuracy/omission"]["mean"])
    assert model.prob([]).shape == (0,)


def test_fit_is_deterministic_and_learns() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] - 0.5 * x[:, 2] + 0.3 * rng.normal(size=400) > 0).astype(float)
    first, second = fit_logistic(x, y), fit_logistic(x, y)
    for a, b in zip(first, second):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    _, _, weights, _ = first
    assert weights[0] > 1.0 and weights[2] < -0.5 and abs(weights[1]) < 0.5


@pytest.mark.parametrize("fr,en", [("voiture", "car"), ("nuages", "clouds"), ("président", "president"),
                                   ("jardin", "garden")])
def test_lexicon_pairs(fr: str, en: str) -> None:
    assert english(fr).get(en[:6], 0) >= 0.3
    assert french(en).get(fr[:6].replace("é", "e"), 0) >= 0.3
    assert len(lexicon_hash()) == 16


SRC_BILL = ("Le gouvernement a présenté mardi un nouveau projet de loi sur la sécurité des voitures électriques "
            "dans les villes.")
SRC_PRISON = "Les prisonniers ont été libérés après trois ans de détention dans une prison militaire."
SRC_ECLIPSE = ("Il y avait des périodes de 10 à 20 minutes où je ne pouvais pas voir l'éclipse à cause des nuages "
               "au-dessus de la banlieue de Melbourne.")
SRC_SINGAPORE = ("Singapour est généralement considéré comme un endroit extrêmement sûr, où il est très facile de "
                 "se déplacer.")
# (source, output, category, text its flags must cover (on the source for an omission), worst severity
# allowed or required: "none" = no flag of the category, "minor" = flagged, minor at most, "major")
CASES = [
    # good translations: no omission, no addition (the false alarms a gate must not see)
    (SRC_BILL, "The government presented a new bill on Tuesday on the safety of electric cars in cities.",
     "accuracy/omission", [], "none"),
    (SRC_BILL, "The government presented a new bill on Tuesday on the safety of electric cars in cities.",
     "accuracy/addition", [], "none"),
    (SRC_PRISON, "The prisoners were released after three years of detention in a military prison.",
     "accuracy/omission", [], "none"),
    (SRC_ECLIPSE, "There were 10 to 20 minute periods when I couldn't see the eclipse due to the clouds over "
     "suburban Melbourne.", "accuracy/omission", [], "none"),
    # a free translation may get a minor flag, never a major one
    ("L'introduction d'écrans plus grands a peut-être séduit des acheteurs.", "Bigger screens might have attracted buyers.",
     "accuracy/omission", [], "minor"),
    # a dropped prepositional phrase, adjectives: the source words left out
    (SRC_ECLIPSE, "There were 10 to 20 minute periods when I couldn't see the eclipse due to the clouds.",
     "accuracy/omission", ["banlieue"], "minor"),
    (SRC_PRISON, "The prisoners were released after three years in a prison.", "accuracy/omission",
     ["détention", "militaire"], "minor"),
    (SRC_BILL, "The government presented a new bill on Tuesday on the safety of cars.", "accuracy/omission",
     ["électriques dans les villes"], "minor"),
    # much shorter too: the length model agrees, major; one flag for the whole phrase
    (SRC_BILL, "The government presented a new bill on Tuesday.", "accuracy/omission",
     ["sécurité des voitures électriques dans les villes"], "major"),
    # an inserted adjective (the learned addition decision)
    (SRC_BILL, "The government presented a controversial new bill on Tuesday on the safety of electric cars in "
     "cities.", "accuracy/addition", ["controversial"], "minor"),
    # inserted words that read as English (DEMETR's kind: the LM alone would not see them)
    (SRC_BILL, "The government presented a new bill on Tuesday on the safety of electric cars in wealthy cities.",
     "accuracy/addition", ["wealthy"], "minor"),
    (SRC_PRISON, "The prisoners were quietly released after three years of detention in a military prison.",
     "accuracy/addition", ["quietly"], "minor"),
    (SRC_PRISON, "The prisoners were released after three years of detention in a brick military prison.",
     "accuracy/addition", ["brick"], "minor"),
    (SRC_SINGAPORE, "Singapore is generally considered an extremely safe place, where it is very easy to get around.",
     "accuracy/addition", [], "none"),
    # one word removed, the output left ungrammatical (the LM seam between its neighbours' renderings)
    (SRC_BILL, "The government a new bill on Tuesday on the safety of electric cars in cities.", "accuracy/omission",
     ["présenté"], "minor"),
    (SRC_PRISON, "The prisoners were released after three years of in a military prison.", "accuracy/omission",
     ["détention"], "minor"),
    (SRC_SINGAPORE, "Singapore is generally considered an extremely safe place, where it is very easy to get around.",
     "accuracy/omission", [], "none"),
]
RANK = {"none": 0, "minor": 1, "major": 2, "critical": 3}


@pytest.mark.parametrize("src,hyp,category,words,severity", CASES)
def test_learned_coverage(src: str, hyp: str, category: str, words: list[str], severity: str) -> None:
    flags = [f for f in load("flagger", "coverage")().flag([Segment(0, src, hyp)]) if f.category == category]
    flagged = [(src if f.on_source else hyp)[f.start:f.end] for f in flags]
    assert all(any(word in span for span in flagged) for word in words), flagged
    worst = max((RANK[f.severity] for f in flags), default=0)
    assert worst == RANK[severity] if words or severity == "none" else worst <= RANK[severity], \
        [(f.severity, f.message) for f in flags]
    for flag in flags:
        assert 0.0 <= flag.confidence <= 1.0
        assert weights_hash() in flag.message
