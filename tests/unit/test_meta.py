"""`relecture meta` and eval/meta.py: the agreement statistics, the readers, the command.

The fixture data/meta-example/mqm.jsonl has 3 segments x 3 systems with MQM-like scores.  Its
sentence chrF (sacrebleu) orders every human pair as people did except one: in segment 1 the
annotator prefers B ("Prices went up a lot in March.", chrF 42.8) to C (the reference without
its final period, chrF 96.4).  8 human pairs (segment 1's A-B tie gives none), 7 concordant:
tau = (7 - 1) / 8 = 0.75, pairwise accuracy 7/8.  Systems by mean human score: A (-1/3) > B
(-2/3) > C (-16/3); corpus chrF orders them the same way: 3 of 3.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from relecture.cli import main
from relecture.errors import InputError
from relecture.meta import (HumanData, Output, kendall_tau, load_human, load_human_jsonl, meta_evaluate,
                            pairwise_accuracy, system_accuracy)
from relecture.metrics.lexical import CHRF

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "data" / "meta-example" / "mqm.jsonl"
BIO = ROOT.parent / "shared" / "data" / "bio-mqm-fr-en-dev" / "segments.jsonl"
WMT13 = ROOT.parent / "shared" / "data" / "wmt13-fr-en"


@pytest.mark.parametrize("pairs, scores, tau, accuracy", [
    ([(0, "a", "b")], {(0, "a"): 2.0, (0, "b"): 1.0}, 1.0, 1.0),
    ([(0, "a", "b")], {(0, "a"): 1.0, (0, "b"): 2.0}, -1.0, 0.0),
    ([(0, "a", "b")], {(0, "a"): 1.0, (0, "b"): 1.0}, -1.0, 0.5),  # a tie: discordant for tau, half for accuracy
    ([(0, "a", "b"), (1, "a", "b"), (1, "b", "c")],
     {(0, "a"): 3, (0, "b"): 1, (1, "a"): 2, (1, "b"): 2, (1, "c"): 0}, 1 / 3, 2.5 / 3),
])
def test_tau_and_pairwise_accuracy(pairs, scores, tau, accuracy) -> None:
    assert kendall_tau(pairs, scores) == pytest.approx(tau)
    assert pairwise_accuracy(pairs, scores) == pytest.approx(accuracy)


def test_system_accuracy_skips_human_ties_and_halves_metric_ties() -> None:
    human = {"a": 3.0, "b": 2.0, "c": 2.0, "d": 0.0}
    metric = {"a": 1.0, "b": 5.0, "c": 0.0, "d": 0.0}
    # pairs: a-b wrong, a-c right, a-d right, b-c human tie (skipped), b-d right, c-d metric tie (half)
    assert system_accuracy(human, metric) == (3.5, 5)


def test_fixture_figures_checked_by_hand() -> None:
    data = load_human_jsonl(FIXTURE)
    assert data.kind == "scores" and len(data.outputs) == 9 and len(data.pairs) == 8
    result = meta_evaluate(data, CHRF())
    assert result.tau == pytest.approx(0.75)
    assert result.pairwise_accuracy == pytest.approx(7 / 8)
    assert (result.system_correct, result.system_pairs) == (3, 3)


def test_pairwise_rows_and_wmt_tsv_give_the_same_figures(tmp_path: Path) -> None:
    data = load_human_jsonl(FIXTURE)
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    pairs_file = tmp_path / "pairs.jsonl"
    with open(pairs_file, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps({k: v for k, v in row.items() if k != "score"}) + "\n")
        for seg, better, worse in data.pairs:
            out.write(json.dumps({"seg_idx": int(seg), "better": better, "worse": worse}) + "\n")
    from_pairs = meta_evaluate(load_human_jsonl(pairs_file), CHRF())
    assert from_pairs.tau == pytest.approx(0.75) and from_pairs.pairs == 8
    # the same as WMT files: source, reference, one file per system, human-pairs.tsv
    (tmp_path / "systems").mkdir()
    by_seg = sorted({int(r["seg_idx"]): r for r in rows}.items())
    (tmp_path / "src.fr").write_text("".join(r["src"] + "\n" for _, r in by_seg), encoding="utf-8")
    (tmp_path / "ref.en").write_text("".join(r["ref"] + "\n" for _, r in by_seg), encoding="utf-8")
    for system in "ABC":
        lines = [r["hyp"] for r in rows if r["system"] == system]
        (tmp_path / "systems" / f"{system}.en").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "human-pairs.tsv").write_text("seg_idx\tbetter\tworse\n" + "".join(f"{s}\t{b}\t{w}\n" for s, b, w in data.pairs))
    wmt = load_human(tmp_path / "human-pairs.tsv", tmp_path / "src.fr", tmp_path / "ref.en", tmp_path / "systems")
    assert meta_evaluate(wmt, CHRF()).tau == pytest.approx(0.75)


def test_mqm_errors_become_scores(tmp_path: Path) -> None:
    path = tmp_path / "mqm.jsonl"
    rows = [{"doc": "d", "seg_id": 1, "system": s, "src": "x", "hyp": h, "ref": "r", "annotator": a, "errors": e}
            for s, h, a, e in [("A", "a", "p", [{"severity": "major"}, {"severity": "minor"}]), ("B", "b", "p", []),
                               ("A", "a", "q", [{"severity": "critical"}]), ("B", "b", "q", [{"severity": "neutral"}])]]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    data = load_human_jsonl(path)
    assert data.scores == {("d#1", "A"): pytest.approx(-8.0), ("d#1", "B"): 0.0}  # mean of -6 and -10
    assert data.pairs == [("d#1", "B", "A")]


@pytest.mark.parametrize("lines, message", [
    (['{"seg_idx": 0, "system": "A"}'], "needs `hyp`"),
    (['{"seg_idx": 0, "system": "A", "hyp": "x", "score": "good"}'], "`score` must be a number"),
    (['{"system": "A", "hyp": "x", "score": 1}'], "needs `seg_idx`"),
    (["not json"], "not JSON"),
    (['{"seg_idx": 0, "system": "A", "hyp": "x"}'], "no human judgment"),
    (['{"seg_idx": 0, "system": "A", "hyp": "x"}', '{"seg_idx": 0, "better": "A", "worse": "Z"}'], "'Z', which has no output row"),
    (['{"seg_idx": 0, "system": "A", "hyp": "x", "errors": [{"severity": "huge"}]}'], "unknown MQM severity"),
])
def test_bad_rows_are_input_errors_naming_the_line(tmp_path: Path, lines: list[str], message: str) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=message):
        load_human_jsonl(path)


def test_command_prints_the_table_and_exits_3_on_bad_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["meta", "--human", str(FIXTURE), "--metrics", "chrf", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["data"] == {"name": "mqm", "kind": "scores", "outputs": 9, "pairs": 8, "systems": 3}
    assert out["metrics"][0]["segment_tau"] == pytest.approx(0.75) and out["metrics"][0]["system_accuracy"] == 1.0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"seg_idx": 0}\n')
    assert main(["meta", "--human", str(bad), "--metrics", "chrf"]) == 3
    assert f"{bad}:1:" in capsys.readouterr().err
    assert main(["meta", "--human", str(tmp_path / "pairs.tsv"), "--metrics", "chrf"]) == 3  # .tsv without --src


@pytest.mark.skipif(not BIO.exists(), reason="../shared/data is absent")
def test_bio_mqm_shared_data() -> None:
    data = load_human(BIO, exclude_systems=["reference"])
    assert len(data.systems()) == 11 and len(data.outputs) == 143 * 11
    result = meta_evaluate(data, CHRF())
    assert result.system_pairs == 55 and 0.55 < result.pairwise_accuracy < 0.8 and 0.0 < result.tau < 0.6


@pytest.mark.skipif(not WMT13.exists(), reason="../shared/data is absent")
def test_wmt_pairs_shared_data() -> None:
    data = load_human(WMT13 / "human-pairs.tsv", WMT13 / "src.fr", WMT13 / "ref.en", WMT13 / "systems")
    part = data.restrict(lambda seg: int(seg) < 100)
    result = meta_evaluate(part, CHRF())
    assert result.pairs == len(part.judged) > 1000 and 0.1 < result.tau < 0.4
    assert isinstance(HumanData("x", {("0", "a"): Output("s", "h", ())}, {("0", "a"): 1.0}).pairs, list)
