"""The command line as users and CI scripts meet it: outputs, run folders, exit codes."""
from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from relecture.cli import main
from relecture.report.json_report import SCHEMA_PATH, read_run

SRC_FR = "\n".join([
    "Le gouvernement a annoncé une nouvelle réforme des retraites ce matin.",
    "Les négociations reprendront la semaine prochaine à Genève, selon le ministre.",
    "La température devrait baisser de plusieurs degrés dans le nord du pays.",
]) + "\n"
HYP_EN = "\n".join([
    "The government announced a new pension reform this morning.",
    "Negotiations will resume next week in Geneva, according to the minister.",
    "The temperature should drop by several degrees in the north of the country.",
]) + "\n"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_score_json_shape(capsys, demo):
    code, out, _ = run_cli(capsys, "score", "--src", str(demo / "src.fr"), "--hyp", str(demo / "sys-a.en"),
                           "--ref", str(demo / "ref.en"), "--metrics", "bleu,chrf,chrf++,ter", "--format", "json", "--segments")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["metrics"]
    assert list(data["metrics"]) == ["bleu", "chrf", "chrf++", "ter"]
    for name, metric in data["metrics"].items():
        assert set(metric) == {"score", "signature", "signature_fields", "higher_is_better", "segments"} | ({"extra"} if name == "bleu" else set())
        assert len(metric["segments"]) == 50
        assert metric["signature"].startswith(name + "|") and "relecture:" in metric["signature"]
    assert data["metrics"]["ter"]["higher_is_better"] is False
    # sentence BLEU (effective order) is signed apart from corpus BLEU
    bleu = data["metrics"]["bleu"]
    assert "eff:no" in bleu["signature"]
    assert bleu["extra"]["segment_signature"] == bleu["signature"].replace("eff:no", "eff:yes")


def test_score_several_systems_and_refs(capsys, demo):
    code, out, _ = run_cli(capsys, "score", "--src", str(demo / "src.fr"), "--hyp", str(demo / "sys-a.en"),
                           "--hyp", str(demo / "sys-b.en"), "--ref", str(demo / "ref.en"), "--ref", str(demo / "sys-a.en"),
                           "--metrics", "bleu", "--format", "json")
    assert code == 0
    systems = json.loads(out)["systems"]
    assert set(systems) == {"sys-a", "sys-b"}
    assert "nrefs:2" in systems["sys-a"]["metrics"]["bleu"]["signature"]
    assert systems["sys-a"]["metrics"]["bleu"]["score"] == pytest.approx(100.0)


def test_score_text_table(capsys, demo):
    code, out, _ = run_cli(capsys, "score", "--src", str(demo / "src.fr"), "--hyp", str(demo / "sys-b.en"), "--ref", str(demo / "ref.en"))
    assert code == 0 and "bleu" in out and "nrefs:1" in out


@pytest.mark.parametrize(
    "files, message",
    [
        ({"hyp": HYP_EN + "One line too many.\n"}, "has 4 lines, but the source"),
        ({"hyp": b""}, "file is empty"),
        ({"hyp": b"\x89PNG\r\n\x1a\n\x00\x00"}, "binary content"),
        ({"hyp": HYP_EN.encode() + b"caf\xe9\n"}, "invalid UTF-8"),
        ({"src": HYP_EN, "hyp": SRC_FR}, "swapped"),
        ({"ref": SRC_FR}, "reference should be English"),
    ],
)
def test_bad_input_exit_3(capsys, write, files, message):
    paths = {role: write(f"{role}.txt", files.get(role, default)) for role, default in (("src", SRC_FR), ("hyp", HYP_EN), ("ref", HYP_EN))}
    code, out, err = run_cli(capsys, "score", "--src", str(paths["src"]), "--hyp", str(paths["hyp"]), "--ref", str(paths["ref"]))
    assert code == 3
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert out == ""


def test_missing_file_exit_3(capsys, tmp_path, write):
    src = write("src.fr", SRC_FR)
    code, _, err = run_cli(capsys, "score", "--src", str(src), "--hyp", str(tmp_path / "none.en"))
    assert code == 3 and "none.en: file not found" in err


def test_metric_needing_reference_exit_2(capsys, write):
    src, hyp = write("src.fr", SRC_FR), write("hyp.en", HYP_EN)
    code, _, err = run_cli(capsys, "score", "--src", str(src), "--hyp", str(hyp))
    assert code == 2 and "need references" in err and "--ref" in err


def test_unknown_metric_exit_2(capsys, demo):
    code, _, err = run_cli(capsys, "score", "--src", str(demo / "src.fr"), "--hyp", str(demo / "sys-a.en"),
                           "--ref", str(demo / "ref.en"), "--metrics", "bleuu")
    assert code == 2 and "did you mean 'bleu'" in err


def test_usage_error_exit_2():
    with pytest.raises(SystemExit) as exc:
        main(["score", "--src"])
    assert exc.value.code == 2


def test_config_error_exit_2(capsys, write):
    config = write("c.yaml", "testset: {src: x.fr}\nsystms: {}\n")
    code, _, err = run_cli(capsys, "run", "-c", str(config))
    assert code == 2 and "did you mean 'systems'" in err


def test_debug_shows_the_traceback(write):
    config = write("c.yaml", "testset: {src: x.fr}\nsystms: {}\n")
    from relecture.errors import ConfigError

    with pytest.raises(ConfigError):
        main(["--debug", "run", "-c", str(config)])


def test_run_writes_a_complete_run_folder(capsys, repo, tmp_path):
    out_dir = tmp_path / "run1"
    code, out, _ = run_cli(capsys, "run", "-c", str(repo / "configs" / "demo.yaml"), "-o", str(out_dir))
    assert code == 0 and str(out_dir) in out
    assert sorted(p.name for p in out_dir.iterdir()) == ["config.yaml", "report.md", "results.json", "segments.jsonl"] or \
        {"config.yaml", "report.md", "results.json", "segments.jsonl"} <= {p.name for p in out_dir.iterdir()}
    results = json.loads((out_dir / "results.json").read_text())
    jsonschema.validate(results, json.loads(SCHEMA_PATH.read_text()))
    assert set(results["systems"]) == {"sys-a", "sys-b"}
    assert results["info"]["testset"]["segments"] == 50
    rows = [json.loads(line) for line in (out_dir / "segments.jsonl").read_text().splitlines()]
    assert len(rows) == 100 and rows[0]["system"] == "sys-a" and "bleu" in rows[0]["stats"]
    report_md = (out_dir / "report.md").read_text()
    assert "| sys-a |" in report_md and "nrefs:1" in report_md
    # The run folder reads back into the same scores.
    report = read_run(out_dir)
    assert report.systems["sys-b"].metrics["chrf"].score == results["systems"]["sys-b"]["metrics"]["chrf"]["score"]
    assert report.hyps["sys-b"][22] == ""  # the empty output line is kept as a segment


def test_same_inputs_same_outputs(capsys, repo, tmp_path):
    for name in ("a", "b"):
        assert run_cli(capsys, "run", "-c", str(repo / "configs" / "demo.yaml"), "-o", str(tmp_path / name), "--quiet")[0] == 0
    assert (tmp_path / "a" / "segments.jsonl").read_text() == (tmp_path / "b" / "segments.jsonl").read_text()
    scores = [json.loads((tmp_path / n / "results.json").read_text())["systems"] for n in ("a", "b")]
    assert scores[0] == scores[1]


def test_killed_run_leaves_no_results(monkeypatch, repo, tmp_path):
    from relecture import registry
    from relecture.registry import Entry

    monkeypatch.setitem(registry.FORMATS, "boom", Entry("tests.integration.test_cli:_explode", "fails"))
    code = main(["run", "-c", str(repo / "configs" / "demo.yaml"), "--set", "reports=[json, boom]", "-o", str(tmp_path / "r")])
    assert code == 4
    assert not (tmp_path / "r").exists()
    assert list(tmp_path.iterdir()) == []


def _explode(report, folder):
    raise RuntimeError("renderer crashed half-way")


def test_ls_and_help_do_not_import_torch(repo):
    code = ("import sys; from relecture.cli import main; "
            "[main(['ls', w]) for w in ('metrics', 'flaggers', 'formats')]; "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules and 'spacy' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "bleu" in done.stdout and "chrf++" in done.stdout and "md" in done.stdout
    helped = subprocess.run([sys.executable, "-m", "relecture", "--help"], cwd=repo, capture_output=True, text=True)
    assert helped.returncode == 0 and "Exit codes" in helped.stdout


def test_python_api(repo):
    from relecture import Report, evaluate, load_config

    report = evaluate(load_config(repo / "configs" / "demo.yaml", ["metrics=[bleu]"]))
    assert isinstance(report, Report)
    assert report.systems["sys-a"].metrics["bleu"].score > report.systems["sys-b"].metrics["bleu"].score


def test_run_from_a_jsonl_table_with_its_own_outputs(capsys, write, tmp_path):
    rows = zip(SRC_FR.splitlines(), HYP_EN.splitlines())
    write("t.jsonl", "".join(json.dumps({"src": s, "hyp": h, "ref": h, "doc_id": "d"}) + "\n" for s, h in rows))
    config = write("c.yaml", "name: t\ntestset: {path: t.jsonl, system: mine}\nmetrics: [chrf]\n")
    code, out, _ = run_cli(capsys, "run", "-c", str(config), "-o", str(tmp_path / "out"), "--quiet")
    assert code == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["systems"]["mine"]["metrics"]["chrf"]["score"] == pytest.approx(100.0)
    assert json.loads((tmp_path / "out" / "segments.jsonl").read_text().splitlines()[0])["doc_id"] == "d"


def test_run_with_a_missing_system_file_exit_3(capsys, write, tmp_path):
    write("s.fr", SRC_FR)
    config = write("c.yaml", "testset: {src: s.fr}\nsystems: {a: gone.en}\nmetrics: []\n")
    code, _, err = run_cli(capsys, "run", "-c", str(config), "-o", str(tmp_path / "out"))
    assert code == 3 and "gone.en: file not found" in err
    assert not (tmp_path / "out").exists()


def test_run_puts_xcomet_error_spans_among_the_flags(capsys, repo, write, tmp_path):
    """XCOMET's error spans become flags (flagger 'comet') in segments.jsonl and the counts,
    beside the flaggers' own, instead of staying inside the metric's extra."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    fixture = repo / "tests" / "data" / "comet"
    rows = json.loads((fixture / "official_scores.json").read_text(encoding="utf-8"))["samples"]
    write("t.jsonl", "".join(json.dumps({"src": r["src"], "hyp": r["mt"], "ref": r["ref"]}) + "\n" for r in rows))
    config = write("c.yaml", "name: t\ntestset: {path: t.jsonl, system: mine}\ncheck_language: false\n"
                             f"metrics: [{{name: comet, model: '{fixture / 'xcomet'}', device: cpu, dtype: fp32}}]\n"
                             "reports: [json, jsonl]\n")
    code, _, _ = run_cli(capsys, "run", "-c", str(config), "-o", str(tmp_path / "out"), "--quiet")
    assert code == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert "error_spans" not in json.dumps(results["systems"]["mine"]["metrics"])
    lines = [json.loads(line) for line in (tmp_path / "out" / "segments.jsonl").read_text().splitlines()]
    flags = [(line["seg_idx"] if "seg_idx" in line else i, f) for i, line in enumerate(lines) for f in line.get("flags", [])]
    expected = json.loads((fixture / "official_scores.json").read_text())["models"]["xcomet"]["error_spans"]
    assert sorted((f["start"], f["end"], f["severity"]) for _, f in flags if f["flagger"] == "comet") == \
        sorted((s["start"], s["end"], s["severity"]) for seg in expected for s in seg)
    assert sum(sum(by.values()) for by in results["systems"]["mine"]["flag_counts"].values()) == sum(map(len, expected))
