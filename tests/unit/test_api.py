"""The Python API (relecture.score / flag / compare / evaluate) on the demo data: lists of
strings, a pandas DataFrame and a datasets.Dataset give the same scores as sacrebleu and the
CLI; results are dataclasses with to_dict()."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sacrebleu

import relecture
from relecture.cli import main as cli_main
from relecture.errors import UsageError

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"


def lines(name: str) -> list[str]:
    return (DEMO / name).read_text(encoding="utf-8").splitlines()


SRC, REF, SYS_A, SYS_B = lines("src.fr"), lines("ref.en"), lines("sys-a.en"), lines("sys-b.en")


def test_score_lists_equals_sacrebleu() -> None:
    scores = relecture.score(SRC, SYS_A, REF, metrics=["bleu", "chrf", {"name": "ter"}])
    assert list(scores) == ["bleu", "chrf", "ter"]
    assert scores["bleu"].score == pytest.approx(sacrebleu.corpus_bleu(SYS_A, [REF]).score, abs=1e-9)
    assert scores["chrf"].score == pytest.approx(sacrebleu.corpus_chrf(SYS_A, [REF]).score, abs=1e-9)
    assert scores["ter"].score == pytest.approx(sacrebleu.corpus_ter(SYS_A, [REF]).score, abs=1e-9)
    assert len(scores["chrf"].seg_scores) == len(SRC)
    signature = scores["bleu"].signature
    assert signature.metric == "bleu" and signature.get("tok") == "13a" and str(signature).startswith("bleu|nrefs:1|")
    data = scores.to_dict()
    assert data["segments"] == len(SRC) and data["metrics"]["bleu"]["signature_fields"]["fields"]["tok"] == "13a"
    json.dumps(data)  # plain JSON


def test_score_several_references_and_settings() -> None:
    two = relecture.score(SRC, SYS_A, [REF, SYS_B], metrics=[{"name": "bleu", "tokenize": "intl"}])
    assert two["bleu"].score == pytest.approx(sacrebleu.corpus_bleu(SYS_A, [REF, SYS_B], tokenize="intl").score, abs=1e-9)
    assert two["bleu"].signature.get("nrefs") == "2" and two["bleu"].signature.settings == {"tokenize": "intl"}


def test_score_matches_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["score", "--src", str(DEMO / "src.fr"), "--hyp", str(DEMO / "sys-b.en"), "--ref", str(DEMO / "ref.en"),
                     "--metrics", "chrf,ter", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)["metrics"]
    scores = relecture.score(SRC, SYS_B, REF, metrics=["chrf", "ter"])
    assert {m: r["score"] for m, r in printed.items()} == {m: scores[m].score for m in scores}


def test_score_a_dataframe_and_a_dataset() -> None:
    pandas = pytest.importorskip("pandas")
    datasets = pytest.importorskip("datasets")
    expected = relecture.score(SRC, SYS_B, REF, metrics=["chrf"])["chrf"].score
    frame = pandas.DataFrame({"src": SRC, "hyp": SYS_B, "ref": REF})
    assert relecture.score(frame, metrics=["chrf"])["chrf"].score == expected
    dataset = datasets.Dataset.from_dict({"source": SRC, "mt": SYS_B, "refs": [[r] for r in REF]})
    assert relecture.score(dataset, metrics=["chrf"])["chrf"].score == expected
    # lists beside a table replace its columns
    assert relecture.score(frame, SYS_A, metrics=["chrf"])["chrf"].score == relecture.score(SRC, SYS_A, REF, metrics=["chrf"])["chrf"].score


@pytest.mark.parametrize("call, message", [
    (lambda: relecture.score(SRC, SYS_A[:3], REF), "3 outputs for 50 sources"),
    (lambda: relecture.score(SRC, SYS_A, REF[:3]), "refs[0] has 3 segments for 50 sources"),
    (lambda: relecture.score(SRC, SYS_A), "need references"),
    (lambda: relecture.score(SRC, SYS_A, REF, metrics=["blue"]), "did you mean 'bleu'"),
    (lambda: relecture.score(SRC, [1, 2], REF), "hyps[0] must be a string"),
    (lambda: relecture.score(SRC, refs=REF), "no outputs to score"),
])
def test_bad_input_is_one_usage_error(call, message: str) -> None:
    with pytest.raises(relecture.errors.RelectureError, match=re.escape(message)):
        call()


def test_flag_strings_and_lists() -> None:
    pytest.importorskip("spacy")
    flags = relecture.flag("Le prix est de 250 euros.", "The price is 25 euros.", flaggers=["numbers"])
    assert [(f.category, f.seg_idx) for f in flags] == [("accuracy/number", 0)]
    assert isinstance(flags[0], relecture.Flag) and flags[0].to_dict()["flagger"] == "numbers"
    many = relecture.flag(SRC, SYS_B, REF, flaggers=["numbers", "untranslated"])
    assert {f.flagger for f in many} == {"numbers", "untranslated"} and all(0 <= f.seg_idx < len(SRC) for f in many)


def test_compare_scores_in_memory() -> None:
    base = relecture.score(SRC, SYS_A, REF, metrics=["chrf", "ter"])
    cand = relecture.score(SRC, SYS_B, REF, metrics=["chrf", "ter"])
    comparison = relecture.compare(base, cand, gates=["chrf: max_drop 0.5"], resamples=200, trials=200)
    row = comparison.comparisons[0]
    assert isinstance(row, relecture.ComparisonRow) and row.metric == "chrf"
    assert row.delta == pytest.approx(cand["chrf"].score - base["chrf"].score)
    assert row.ci is not None and row.ci[0] <= row.delta <= row.ci[1] and row.method == "corpus statistics"
    assert not comparison.passed and isinstance(comparison.gates[0], relecture.GateOutcome)
    assert json.loads(json.dumps(comparison.to_dict()))["gates"][0]["passed"] is False
    itself = relecture.compare(base, base, gates=["chrf: max_drop 0"], resamples=50, trials=50)
    assert itself.passed and itself.comparisons[0].delta == 0


def test_compare_refuses_other_settings() -> None:
    base = relecture.score(SRC, SYS_A, REF, metrics=["bleu"])
    cand = relecture.score(SRC, SYS_B, REF, metrics=[{"name": "bleu", "tokenize": "intl"}])
    with pytest.raises(relecture.errors.ConfigError, match="signatures differ in tok"):
        relecture.compare(base, cand)


def test_evaluate_a_mapping_and_compare_its_report(tmp_path: Path) -> None:
    config = {"name": "api", "testset": {"src": str(DEMO / "src.fr"), "refs": [str(DEMO / "ref.en")]},
              "systems": {"a": str(DEMO / "sys-a.en"), "b": str(DEMO / "sys-b.en")}, "metrics": ["chrf"],
              "baseline": "a", "gates": ["chrf: max_drop 0.1"]}
    report = relecture.evaluate(config)
    assert isinstance(report, relecture.Report) and list(report.systems) == ["a", "b"]
    assert not report.passed and report.comparisons[0].candidate == "b"
    data = report.to_dict()
    assert data["systems"]["b"]["metrics"]["chrf"]["score"] == report.systems["b"].metrics["chrf"].score
    comparison = relecture.compare(report, resamples=50, trials=50)  # its baseline, its other systems
    assert [c.system for c in comparison.candidates] == ["b"]
    assert relecture.evaluate(REPO / "configs" / "demo.yaml", ["metrics=[bleu]", "flaggers=[]", "gates=[]"]).passed


def test_a_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check the core install meets (tests/integration/test_wheel.py runs it for real)."""
    from relecture import registry

    monkeypatch.setitem(registry.EXTRAS, "neural", ("relecture_no_such_module",))
    with pytest.raises(UsageError, match=r"^bertscore needs the 'neural' extra: pip install 'relecture\[neural\]'$"):
        relecture.score(SRC, SYS_A, REF, metrics=["bertscore"])
