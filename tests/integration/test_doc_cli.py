"""`relecture doc` end to end on the shipped pair (data/doc-example), and the `document:` kind."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from relecture.cli import main
from relecture.io.text import decode

ROOT = Path(__file__).resolve().parents[2]
PAIR = ROOT / "data" / "doc-example"
SRC, HYP, REF = PAIR / "ligne.fr.txt", PAIR / "ligne.en.txt", PAIR / "ligne.ref.en.txt"


def text_of(path: Path) -> str:
    return decode(path, path.read_bytes())


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# What the example page holds, by category: a piece of the text each finding must cover.
EXPECTED = [
    ("other/boilerplate", False, "Daily Regional Wire"),
    ("other/boilerplate", False, "Now you can see non-English news..."),
    ("other/boilerplate", False, "2025-02-02T09:15:00.000Z"),
    ("other/boilerplate", False, "See also"),
    ("other/boilerplate", False, "Night trains: the great comeback of the sleeper car"),
    ("other/boilerplate", False, "You may like"),
    ("other/boilerplate", False, "© Daily Regional Wire 2025 - Privacy"),
    ("accuracy/omission", True, "La ligne avait été fermée en 2018"),
    ("accuracy/addition", False, "The mayor of Limoges also promised a new cycle path"),
    ("fluency/garbled", False, "by. Coach."),
    ("fluency/garbled", False, "the. 'weekend."),
    ("fluency/garbled", False, "pass\n\nat"),
]


def test_doc_jsonl_finds_what_the_example_page_holds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "doc", "--src", str(SRC), "--hyp", str(HYP), "--flaggers", "fluency", "--format", "jsonl")
    assert code == 0
    findings = [json.loads(line) for line in out.splitlines()]
    texts = {False: text_of(HYP), True: text_of(SRC)}
    found = [(f["category"], f["on_source"], texts[f["on_source"]][f["start"]:f["end"]]) for f in findings]
    for category, on_source, piece in EXPECTED:
        assert any(c == category and s == on_source and piece in t for c, s, t in found), (category, piece, found)
    # no English sentence of the article is called site text
    assert not any(c == "other/boilerplate" and "Limoges and Angoulême will reopen" in t for c, _, t in found)
    assert {"seg_idx", "flagger", "severity", "message", "confidence"} <= set(findings[0])


def test_doc_json_beads_scores_and_run_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_cli(capsys, "doc", "--src", str(SRC), "--hyp", str(HYP), "--ref", str(REF), "--flaggers", "fluency",
                           "--format", "json", "-o", str(tmp_path / "run"))
    assert code == 0
    doc = json.loads(out)
    src, hyp = text_of(SRC), text_of(HYP)
    assert set(doc["scores"]) == {"d-bleu", "d-chrf", "d-sim-src-w3"}
    assert doc["scores"]["d-bleu"]["signature"].endswith("unit:document")
    title = next(b for b in doc["beads"] if b["src"] and src[b["src"][0]:b["src"][1]].startswith("Réouverture"))
    assert hyp[title["hyp"][0]:title["hyp"][1]].startswith("Reopening of the railway line")
    assert {b["kind"] for b in doc["beads"]} >= {"0-1", "1-0", "1-1", "1-2"}
    rows = (tmp_path / "run" / "segments.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rows) == len(doc["beads"])
    results = json.loads((tmp_path / "run" / "results.json").read_text(encoding="utf-8"))
    assert results["systems"]["hyp"]["flag_counts"]["other/boilerplate"]["minor"] >= 7


def test_doc_with_english_only_says_what_it_could_not_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "doc", "--hyp", str(HYP))
    assert code == 0
    assert "not checked: omissions and additions" in out
    assert "other/boilerplate" in out and "fluency/garbled" in out
    assert "accuracy/omission" not in out and "accuracy/addition" not in out


@pytest.mark.parametrize("argv, code, message", [
    (["doc", "--hyp", "missing.en.txt"], 3, "missing.en.txt: file not found"),
    (["doc", "--hyp", str(HYP), "--ref", str(REF)], 2, "--ref needs --src"),
])
def test_doc_bad_input(capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str) -> None:
    got, _, err = run_cli(capsys, *argv)
    assert got == code and message in err and "Traceback" not in err


def test_document_test_set_kind_in_a_config(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src, hyp = text_of(SRC), text_of(HYP)
    second = hyp.replace("Night trains: the great comeback of the sleeper car", "Ten years of regional rail in numbers")
    rows = [{"doc_id": "a", "src_text": src, "hyp_text": hyp}, {"doc_id": "b", "src_text": src, "hyp_text": second}]
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    (tmp_path / "run.yaml").write_text(
        "name: docs\ntestset: {document: docs.jsonl, system: page}\nmetrics: [sim-src]\nflaggers: [fluency]\n"
        "reports: [json, jsonl, md]\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "run", "-c", str(tmp_path / "run.yaml"), "-o", str(tmp_path / "out"), "--quiet")
    assert code == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert "d-sim-src-w3" in results["systems"]["page"]["metrics"]
    rows_out = [json.loads(line) for line in (tmp_path / "out" / "segments.jsonl").read_text(encoding="utf-8").splitlines()]
    boiler = [r for r in rows_out if any(f["category"] == "other/boilerplate" for f in r["flags"])]
    # the site's name repeats in both pages: document frequency marks it as well as the short-label rule
    assert any(r["hyp"] == "Daily Regional Wire" for r in boiler)
