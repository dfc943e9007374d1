"""`relecture compare` end to end on the demo data: sanity (a system against itself, the faulty
system, a 5% corruption), signature refusal, every exit code, every output format (JUnit parsed
back, compare.md, compare.json, GitHub annotations and step summary), several candidates."""
from __future__ import annotations

import dataclasses
import json
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from relecture import registry
from relecture.cli import main
from relecture import load_config
from relecture.report.json_report import read_run, write_results, write_segments
from relecture.runner import evaluate, write_run
from relecture.types import ErrorSpan, Signature

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
CI_CONFIG = REPO / "configs" / "ci.yaml"
FAST = ["--resamples", "300", "--trials", "1000"]  # enough for these checks, quick on 2 cores
FLAGGERS_READY = all(name in registry.FLAGGERS for name in yaml.safe_load(CI_CONFIG.read_text())["flaggers"])


def ci_metric_config(tmp_path: Path, **changes) -> Path:
    """configs/ci.yaml with its metric gates only and no flaggers (the flag gates are checked
    on constructed flags below, and end to end where the flaggers are installed)."""
    config = yaml.safe_load(CI_CONFIG.read_text(encoding="utf-8"))
    config["testset"]["src"] = str(DEMO / "src.fr")
    config["testset"]["refs"] = [str(DEMO / "ref.en")]
    config["systems"] = {"candidate": str(DEMO / "sys-a.en")}
    config["flaggers"] = []
    metrics = set(config["metrics"])
    config["gates"] = [g for g in config["gates"] if (g if isinstance(g, str) else next(iter(g))).split()[0].split(":")[0] in metrics]
    config.update(changes)
    path = tmp_path / "ci-metrics.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> Path:
    """configs/demo.yaml run once: sys-a (good) and sys-b (faulty) in one run folder."""
    config = load_config(REPO / "configs" / "demo.yaml")
    folder = tmp_path_factory.mktemp("demo") / "run"
    write_run(evaluate(config), config, folder)
    return folder


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


def parse_junit(path: Path) -> list[dict]:
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    cases = []
    for suite in root.iter("testsuite"):
        for case in suite.iter("testcase"):
            failure = case.find("failure")
            cases.append({"suite": suite.get("name"), "name": case.get("name"), "classname": case.get("classname"),
                          "failed": failure is not None, "message": failure.get("message") if failure is not None else None})
    assert int(root.get("tests")) == len(cases)
    assert int(root.get("failures")) == sum(c["failed"] for c in cases)
    return cases


# ---------------------------------------------------------------------------- sanity

def test_a_system_against_itself_passes(demo_run, tmp_path, capsys) -> None:
    config = ci_metric_config(tmp_path)
    code, out, _ = run_cli(capsys, "compare", f"{demo_run}#sys-a", f"{demo_run}#sys-a", "-c", str(config), "-o", str(tmp_path / "out"), *FAST)
    assert code == 0, out
    result = json.loads((tmp_path / "out" / "compare.json").read_text())
    assert result["passed"] and result["gates"] and all(g["passed"] for g in result["gates"])
    for row in result["comparisons"]:
        assert row["delta"] == 0 and row["ci"] == [0, 0] and row["p_value"] == 1.0


def test_the_faulty_system_fails_the_ci_metric_gates(demo_run, tmp_path, capsys) -> None:
    config = ci_metric_config(tmp_path)
    code, out, _ = run_cli(capsys, "compare", f"{demo_run}#sys-a", f"{demo_run}#sys-b", "-c", str(config), "-o", str(tmp_path / "out"), *FAST)
    assert code == 1
    failed = {g["gate"] for g in json.loads((tmp_path / "out" / "compare.json").read_text())["gates"] if not g["passed"]}
    assert "chrf: max_drop 0.5" in failed and "ter: max_drop 0.75" in failed


@pytest.mark.skipif(not FLAGGERS_READY, reason="the flaggers of configs/ci.yaml are not installed (issue 4)")
def test_the_faulty_system_fails_the_ci_flag_gates(demo_run, tmp_path, capsys) -> None:
    """configs/ci.yaml as shipped, on the demo run (flagged by the same flaggers)."""
    demo_flaggers = yaml.safe_load((demo_run / "config.yaml").read_text())["flaggers"]
    assert demo_flaggers == yaml.safe_load(CI_CONFIG.read_text())["flaggers"]
    code, out, _ = run_cli(capsys, "compare", f"{demo_run}#sys-a", f"{demo_run}#sys-b", "-c", str(CI_CONFIG),
                           "-o", str(tmp_path / "out"), *FAST)
    assert code == 1
    gates = json.loads((tmp_path / "out" / "compare.json").read_text())["gates"]
    failed_flag_gates = [g for g in gates if g["kind"] == "flags" and not g["passed"]]
    assert failed_flag_gates, [g["reason"] for g in gates]
    code, out, _ = run_cli(capsys, "compare", f"{demo_run}#sys-a", f"{demo_run}#sys-a", "-c", str(CI_CONFIG),
                           "-o", str(tmp_path / "self"), *FAST)
    assert code == 0, out


def corrupt(lines: list[str], fraction: float, seed: int = 0, source: list[str] | None = None) -> list[str]:
    """Break a fraction of the segments the ways a broken decoder does, in turn: truncated to a
    third, source copied (when given), a repetition loop, empty."""
    rng = random.Random(seed)
    chosen = rng.sample(range(len(lines)), max(1, round(fraction * len(lines))))
    kinds = ["truncate", "source", "repeat", "empty"] if source else ["truncate", "repeat", "empty"]
    start = rng.randrange(len(kinds))
    out = list(lines)
    for j, i in enumerate(chosen):
        words = out[i].split()
        kind = kinds[(start + j) % len(kinds)]
        out[i] = {"truncate": " ".join(words[: len(words) // 3]), "source": source[i] if source else "",
                  "repeat": " ".join(words[:3] * 6), "empty": ""}[kind]
    return out


@pytest.mark.parametrize("seed", range(4))
def test_a_five_percent_corruption_is_caught(tmp_path, capsys, seed: int) -> None:
    good = (DEMO / "sys-a.en").read_text(encoding="utf-8").splitlines()
    source = (DEMO / "src.fr").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "corrupt.en"
    bad.write_text("\n".join(corrupt(good, 0.05, seed, source)) + "\n", encoding="utf-8")
    config = ci_metric_config(tmp_path)
    code, out, _ = run_cli(capsys, "compare", str(DEMO / "sys-a.en"), str(bad), "-c", str(config), "-o", str(tmp_path / "out"), *FAST)
    assert code == 1, out


def test_the_good_system_scored_again_passes(tmp_path, capsys) -> None:
    config = ci_metric_config(tmp_path)
    code, out, _ = run_cli(capsys, "compare", str(DEMO / "sys-a.en"), str(DEMO / "sys-a.en"), "-c", str(config), "-o", str(tmp_path / "same"), *FAST)
    assert code == 0, out


@pytest.mark.shared
def test_a_five_percent_corruption_is_significant_on_wmt13(shared_data, tmp_path, capsys) -> None:
    """On 3000 segments the same corruption is caught by a significance-qualified gate."""
    root = shared_data / "wmt13-fr-en"
    good = (root / "systems" / "online-B.en").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "corrupt.en"
    source = (root / "src.fr").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join(corrupt(good, 0.05, 0, source)) + "\n", encoding="utf-8")
    config = tmp_path / "wmt13.yaml"
    config.write_text(yaml.safe_dump({
        "name": "wmt13", "testset": {"name": "wmt13", "src": str(root / "src.fr"), "refs": [str(root / "ref.en")]},
        "metrics": ["chrf", "bleu"], "check_language": False,
        "gates": ["chrf: max_drop 0.5 significance 0.05", "bleu: max_drop 0.5 significance 0.05"],
    }))
    code, out, _ = run_cli(capsys, "compare", str(root / "systems" / "online-B.en"), str(bad), "-c", str(config),
                           "-o", str(tmp_path / "out"), *FAST)
    assert code == 1, out
    gates = json.loads((tmp_path / "out" / "compare.json").read_text())["gates"]
    assert not any(g["passed"] for g in gates)
    assert all("p = " in g["reason"] for g in gates)


# ---------------------------------------------------------------------------- flag gates on constructed flags

def with_flags(demo_run: Path, folder: Path, flags: dict[str, list[ErrorSpan]], flaggers: dict[str, list]) -> Path:
    """A copy of the demo run with the given flags and flagger setups."""
    report = read_run(demo_run)
    for name, spans in flags.items():
        report.systems[name].flags = list(spans)
    folder.mkdir(parents=True)
    write_results(report, folder)
    write_segments(report, folder)
    config = yaml.safe_load((demo_run / "config.yaml").read_text())
    config["flaggers"] = flaggers.get("all", [])
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    return folder


def span(seg: int, category: str, severity: str) -> ErrorSpan:
    return ErrorSpan(seg, "names", category, severity, 0, 5, False, f"{category} on segment {seg}")


FLAG_GATES = ["accuracy/named-entity major+: max_increase 0", "any critical: max_increase 0", "fluency: max 3"]


def flag_config(tmp_path: Path) -> Path:
    return ci_metric_config(tmp_path, gates=FLAG_GATES)


def test_flag_gates_on_constructed_flags(demo_run, tmp_path, capsys) -> None:
    base_flags = [span(0, "accuracy/named-entity", "major"), span(5, "fluency/garbled", "minor")]
    cand_flags = base_flags + [span(1, "accuracy/named-entity", "critical"), span(2, "accuracy/named-entity", "minor")]
    run = with_flags(demo_run, tmp_path / "flagged", {"sys-a": base_flags, "sys-b": cand_flags}, {"all": ["names"]})
    code, out, _ = run_cli(capsys, "compare", f"{run}#sys-a", f"{run}#sys-b", "-c", str(flag_config(tmp_path)), "-o", str(tmp_path / "out"), *FAST)
    assert code == 1
    gates = {g["gate"]: g for g in json.loads((tmp_path / "out" / "compare.json").read_text())["gates"]}
    assert not gates["accuracy/named-entity major+: max_increase 0"]["passed"]
    assert "2 accuracy/named-entity flags of severity major or worse against 1 in the baseline: +1" in gates["accuracy/named-entity major+: max_increase 0"]["reason"]
    assert not gates["any critical: max_increase 0"]["passed"]
    assert gates["fluency: max 3"]["passed"]
    md = (tmp_path / "out" / "compare.md").read_text()
    assert "### Newly flagged" in md and "critical accuracy/named-entity" in md
    # the new flags are listed, the one the baseline had on the same segment is not
    newly = json.loads((tmp_path / "out" / "compare.json").read_text())["worse"]["sys-b"]["newly_flagged"]
    assert [e["seg_idx"] for e in newly] == [1, 2]


def test_flag_gates_need_a_flagger(demo_run, tmp_path, capsys) -> None:
    unflagged = with_flags(demo_run, tmp_path / "unflagged", {"sys-a": [], "sys-b": []}, {"all": []})
    code, _, err = run_cli(capsys, "compare", f"{unflagged}#sys-a", f"{unflagged}#sys-b", "-c", str(flag_config(tmp_path)), "-o", str(tmp_path / "o"), *FAST)
    assert code == 2 and "no flagger ran" in err


def test_flags_from_different_flaggers_are_refused(demo_run, tmp_path, capsys) -> None:
    base = with_flags(demo_run, tmp_path / "base", {}, {"all": ["names"]})
    cand = with_flags(demo_run, tmp_path / "cand", {}, {"all": ["names", "numbers"]})
    code, _, err = run_cli(capsys, "compare", f"{base}#sys-a", f"{cand}#sys-b", "-c", str(flag_config(tmp_path)), "-o", str(tmp_path / "o"), *FAST)
    assert code == 2 and "flaggers differ (baseline [names], candidate [names, numbers])" in err


# ---------------------------------------------------------------------------- signatures and exit codes

def edited_copy(demo_run: Path, folder: Path, edit) -> Path:
    report = read_run(demo_run)
    edit(report)
    folder.mkdir(parents=True)
    write_results(report, folder)
    write_segments(report, folder)
    (folder / "config.yaml").write_text((demo_run / "config.yaml").read_text())
    return folder


def with_fields(signature: Signature, **changes: str) -> Signature:
    """The signature with some fields changed (or added at the end), as another run would sign."""
    return dataclasses.replace(signature, fields=tuple({**dict(signature.fields), **changes}.items()))


SIGNATURE_EDITS = [
    ("bleu", {"tok": "intl"}, "signatures differ in tok (baseline 13a, candidate intl)"),
    ("chrf", {"nc": "5"}, "signatures differ in nc (baseline 6, candidate 5)"),
    ("chrf", {"dtype": "fp16"}, "signatures differ in dtype (baseline absent, candidate fp16)"),
    # environment fields (library versions, device): refused unless --allow-env-drift
    ("ter", {"version": "2.0.0"}, "the environment differs in version (baseline"),
    ("bleu", {"device": "cuda"}, "the environment differs in device (baseline absent, candidate cuda)"),
]


@pytest.mark.parametrize("metric, changes, message", SIGNATURE_EDITS)
def test_different_signatures_are_refused(demo_run, tmp_path, capsys, metric, changes, message) -> None:
    def edit(report):
        result = report.systems["sys-b"].metrics[metric]
        result.signature = with_fields(result.signature, **changes)

    cand = edited_copy(demo_run, tmp_path / "cand", edit)
    code, _, err = run_cli(capsys, "compare", f"{demo_run}#sys-a", f"{cand}#sys-b", "-o", str(tmp_path / "o"), *FAST)
    assert code == 2
    assert f"cannot compare '{metric}' of sys-b with sys-a: {message}" in err


def test_model_metric_weights_hash_is_checked(demo_run, tmp_path, capsys) -> None:
    """An averaged (model) metric: segment scores resampled; another weights hash refused."""
    from relecture.types import MetricResult

    def add_model_metric(weights: str, shift: float):
        def edit(report):
            for name, result in report.systems.items():
                seg = [s / 100 + (shift if name == "sys-b" else 0.0) for s in result.metrics["chrf"].seg_scores]
                result.metrics["comet"] = MetricResult("comet", sum(seg) / len(seg), f"comet|model:demo|weights:{weights}|relecture:0.1.0", True, seg)
        return edit

    same = edited_copy(demo_run, tmp_path / "same", add_model_metric("abc123", -0.01))
    config = ci_metric_config(tmp_path, gates=["comet: max_drop 0.005"])
    code, out, _ = run_cli(capsys, "compare", f"{same}#sys-a", f"{same}#sys-b", "-c", str(config), "-o", str(tmp_path / "o1"), *FAST)
    assert code == 1
    comet = next(r for r in json.loads((tmp_path / "o1" / "compare.json").read_text())["comparisons"] if r["metric"] == "comet")
    assert comet["method"] == "segment mean" and comet["ci"][1] < 0
    other = edited_copy(demo_run, tmp_path / "other", add_model_metric("def456", 0.0))
    code, _, err = run_cli(capsys, "compare", f"{same}#sys-a", f"{other}#sys-b", "-c", str(config), "-o", str(tmp_path / "o2"), *FAST)
    assert code == 2 and "weights (baseline abc123, candidate def456)" in err


def test_the_harness_version_alone_is_only_a_warning(demo_run, tmp_path, capsys) -> None:
    def edit(report):
        for result in report.systems["sys-b"].metrics.values():
            result.signature = with_fields(result.signature, relecture="0.2.0")

    cand = edited_copy(demo_run, tmp_path / "cand", edit)
    code, out, err = run_cli(capsys, "compare", f"{demo_run}#sys-a", f"{cand}#sys-b", "-o", str(tmp_path / "o"), *FAST)
    assert code == 0 and "only in the harness version" in err


def test_allow_env_drift_compares_across_library_versions(demo_run, tmp_path, capsys) -> None:
    """A torch or sacrebleu upgrade on one side: refused by default (exit 2, naming the flag),
    compared with a warning under --allow-env-drift; a score-defining field stays refused."""
    def edit(report):
        for result in report.systems["sys-b"].metrics.values():
            result.signature = with_fields(result.signature, version="9.9.9", torch="3.0.0")

    cand = edited_copy(demo_run, tmp_path / "cand", edit)
    args = ["compare", f"{demo_run}#sys-a", f"{cand}#sys-b", *FAST]
    code, _, err = run_cli(capsys, *args, "-o", str(tmp_path / "o1"))
    assert code == 2 and "--allow-env-drift" in err and "torch (baseline absent, candidate 3.0.0)" in err
    code, _, err = run_cli(capsys, *args, "-o", str(tmp_path / "o2"), "--allow-env-drift")
    assert code == 0 and "scored in different environments" in err
    result = json.loads((tmp_path / "o2" / "compare.json").read_text())
    assert any("version (baseline" in w for w in result["warnings"])

    def score_edit(report):
        edit(report)
        report.systems["sys-b"].metrics["bleu"].signature = with_fields(report.systems["sys-b"].metrics["bleu"].signature, tok="intl")

    other = edited_copy(demo_run, tmp_path / "other", score_edit)
    code, _, err = run_cli(capsys, "compare", f"{demo_run}#sys-a", f"{other}#sys-b", *FAST, "-o", str(tmp_path / "o3"), "--allow-env-drift")
    assert code == 2 and "signatures differ in tok" in err


def test_a_different_test_set_is_refused(demo_run, tmp_path, capsys) -> None:
    def edit(report):
        report.info["data_hash"] = "0000000000000000"

    cand = edited_copy(demo_run, tmp_path / "cand", edit)
    code, _, err = run_cli(capsys, "compare", f"{demo_run}#sys-a", f"{cand}#sys-b", "-o", str(tmp_path / "o"), *FAST)
    assert code == 2 and "different test sets (data_hash" in err


EXIT_CASES = [
    # (argv builder, exit code, message in stderr)
    (lambda run, tmp: ["compare", str(tmp / "missing"), f"{run}#sys-b"], 3, "no such file or run folder"),
    (lambda run, tmp: ["compare", str(_broken_results(tmp)), f"{run}#sys-b"], 3, "invalid JSON"),
    (lambda run, tmp: ["compare", str(DEMO / "sys-a.en"), str(DEMO / "sys-b.en")], 2, "give -c CONFIG"),
    (lambda run, tmp: ["compare", f"{run}#sys-z", f"{run}#sys-b"], 2, "no system 'sys-z' in this run; did you mean"),
    (lambda run, tmp: ["compare", f"{run}#sys-a", f"{run}#sys-b", "-c", str(ci_metric_config(tmp, gates=["chrf: max_dorp 1"]))], 2,
     "unknown rule 'max_dorp'; did you mean 'max_drop'?"),
    (lambda run, tmp: ["compare", f"{run}#sys-a", f"{run}#sys-b", "-c", str(ci_metric_config(tmp, gates=["comet >= 0.8"]))], 2,
     "metric 'comet' is not in the results of 'sys-b'"),
    (lambda run, tmp: ["compare", f"{run}#sys-a", f"{run}#sys-b", "--resamples", "0"], 2, "at least 1"),
    (lambda run, tmp: ["compare", f"{run}#sys-a", f"{run}#sys-b", "-c", str(ci_metric_config(tmp))], 1, ""),
    (lambda run, tmp: ["compare", f"{run}#sys-a", f"{run}#sys-a", "-c", str(ci_metric_config(tmp))], 0, ""),
    (lambda run, tmp: ["compare", f"{run}#sys-a", f"{run}#sys-b"], 0, ""),  # no gates: nothing fails
]


def _broken_results(tmp: Path) -> Path:
    folder = tmp / "broken"
    folder.mkdir()
    (folder / "results.json").write_text("{not json")
    return folder


@pytest.mark.parametrize("argv, code, message", EXIT_CASES, ids=[f"exit{c[1]}-{i}" for i, c in enumerate(EXIT_CASES)])
def test_exit_codes(demo_run, tmp_path, capsys, argv, code, message) -> None:
    args = argv(demo_run, tmp_path)
    got, out, err = run_cli(capsys, args[0], *FAST, "-o", str(tmp_path / "out"), *args[1:])  # the case's options win
    assert got == code, err
    assert message in err


# ---------------------------------------------------------------------------- outputs

def test_outputs_junit_markdown_json(demo_run, tmp_path, capsys) -> None:
    config = ci_metric_config(tmp_path)
    code, out, _ = run_cli(capsys, "compare", f"{demo_run}#sys-a", f"{demo_run}#sys-b", "-c", str(config), "-o", str(tmp_path / "out"), *FAST)
    assert code == 1
    result = json.loads((tmp_path / "out" / "compare.json").read_text())
    cases = parse_junit(tmp_path / "out" / "junit.xml")
    assert [c["name"] for c in cases] == [g["gate"] for g in result["gates"]]
    for case, gate in zip(cases, result["gates"]):
        assert case["failed"] == (not gate["passed"])
        assert case["classname"] == "relecture.gates.sys-b" and case["suite"] == "relecture gates: sys-b vs sys-a"
        if case["failed"]:
            assert case["message"] == gate["reason"]
    assert (tmp_path / "out" / "compare.html").read_text().lstrip().lower().startswith("<!doctype html")
    md = (tmp_path / "out" / "compare.md").read_text()
    for part in ("## Gates", "| ❌ | sys-b | `chrf: max_drop 0.5` |", "## Metrics", "95% CI of Δ",
                 "## Segments that got worse: sys-b", "### Largest drops (", "| seg | source | baseline | candidate | change |"):
        assert part in md
    # the empty output line (segment 22) is among the largest drops, side by side with the baseline
    assert "| 22 | Le taux de chômage" in md and "*(empty)*" in md
    row = next(r for r in result["comparisons"] if r["metric"] == "chrf")
    assert row["ci"][0] <= row["delta"] <= row["ci"][1]
    assert set(row) >= {"baseline", "candidate", "metric", "baseline_score", "candidate_score", "delta", "ci", "p_value", "p_adjusted", "signature"}


def test_junit_and_markdown_paths_can_be_chosen(demo_run, tmp_path, capsys) -> None:
    code, _, _ = run_cli(capsys, "compare", f"{demo_run}#sys-a", f"{demo_run}#sys-b", "-o", str(tmp_path / "out"),
                         "--junit", str(tmp_path / "reports" / "gates.xml"), "--markdown", str(tmp_path / "comment.md"), *FAST)
    assert code == 0
    assert parse_junit(tmp_path / "reports" / "gates.xml") == []  # no gates: no test case
    assert "No gates in the config" in (tmp_path / "comment.md").read_text()


def test_github_annotations_and_step_summary(demo_run, tmp_path, capsys, monkeypatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    config = ci_metric_config(tmp_path)
    code, out, _ = run_cli(capsys, "compare", f"{demo_run}#sys-a", f"{demo_run}#sys-b", "-c", str(config), "-o", str(tmp_path / "out"), *FAST)
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("::error ")]
    assert any(f"file={config}" in line and "title=Relecture gate failed%3A chrf%3A max_drop 0.5::sys-b: chrf fell by" in line for line in errors), errors
    assert any(line.startswith("::notice title=Relecture compare::") for line in out.splitlines())
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "## Gates" in text  # appended, not overwritten
    monkeypatch.delenv("GITHUB_ACTIONS")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    code, out, _ = run_cli(capsys, "compare", f"{demo_run}#sys-a", f"{demo_run}#sys-b", "-c", str(config), "-o", str(tmp_path / "out2"), *FAST)
    assert "::error" not in out  # outside GitHub Actions: no workflow commands


def test_annotation_escaping() -> None:
    from relecture.report.github import annotation

    assert annotation("error", "50% worse\nsee below", title="gate: a, b", file="configs/ci.yaml", line=3) == \
        "::error file=configs/ci.yaml,line=3,title=gate%3A a%2C b::50%25 worse%0Asee below"


# ---------------------------------------------------------------------------- several candidates

def test_several_candidates_get_holm_adjusted_p_values(demo_run, tmp_path, capsys) -> None:
    good = (DEMO / "sys-a.en").read_text(encoding="utf-8").splitlines()
    files = []
    for k, fraction in enumerate((0.04, 0.1)):
        path = tmp_path / f"cand{k}.en"
        path.write_text("\n".join(corrupt(good, fraction, seed=k)) + "\n", encoding="utf-8")
        files.append(str(path))
    config = ci_metric_config(tmp_path, gates=["chrf: max_drop 0 significance 0.05"])
    code, out, _ = run_cli(capsys, "compare", str(DEMO / "sys-a.en"), *files, str(DEMO / "sys-b.en"), "-c", str(config), "-o", str(tmp_path / "out"), *FAST)
    result = json.loads((tmp_path / "out" / "compare.json").read_text())
    assert [c["system"] for c in result["candidates"]] == ["cand0", "cand1", "sys-b"]
    assert result["info"]["multiple_comparisons"] == "holm"
    from relecture.stats import holm_bonferroni

    for metric in ("bleu", "chrf", "ter"):
        rows = [r for r in result["comparisons"] if r["metric"] == metric]
        assert [r["p_adjusted"] for r in rows] == pytest.approx(holm_bonferroni([r["p_value"] for r in rows]))
        assert all(r["p_adjusted"] >= r["p_value"] for r in rows)
    # the gate decides on the adjusted p-value
    for gate in result["gates"]:
        row = next(r for r in result["comparisons"] if r["metric"] == "chrf" and r["candidate"] == gate["candidate"])
        assert gate["passed"] == (row["delta"] >= 0 or row["p_adjusted"] >= 0.05)
    assert code == (0 if all(g["passed"] for g in result["gates"]) else 1)
    assert "p (Holm)" in (tmp_path / "out" / "compare.md").read_text()
    assert len(parse_junit(tmp_path / "out" / "junit.xml")) == 3


def test_one_run_holding_baseline_and_candidates(demo_run, tmp_path, capsys) -> None:
    """`compare RUN`: the run's `baseline:` against its other systems."""
    code, out, _ = run_cli(capsys, "compare", str(demo_run), "-o", str(tmp_path / "out"), *FAST)
    assert code == 0
    result = json.loads((tmp_path / "out" / "compare.json").read_text())
    assert result["baseline"]["system"] == "sys-a" and [c["system"] for c in result["candidates"]] == ["sys-b"]


def test_a_folder_of_runs_means_its_latest_run(demo_run, tmp_path, capsys) -> None:
    code, _, _ = run_cli(capsys, "compare", f"{demo_run.parent}#sys-a", f"{demo_run}#sys-b", "-o", str(tmp_path / "out"), *FAST)
    assert code == 0
    assert json.loads((tmp_path / "out" / "compare.json").read_text())["baseline"]["origin"] == f"{demo_run}#sys-a"


def test_stored_baseline_against_raw_candidate(demo_run, tmp_path, capsys) -> None:
    """The CI flow: a stored baseline run folder, a raw candidate scored with the same config."""
    config = ci_metric_config(tmp_path)
    baseline_config = load_config(config)
    baseline = tmp_path / "baseline"
    write_run(evaluate(baseline_config), baseline_config, baseline)
    code, out, err = run_cli(capsys, "compare", str(baseline), str(DEMO / "sys-b.en"), "-c", str(config), "-o", str(tmp_path / "out"), *FAST)
    assert code == 1
    assert (tmp_path / "out" / "scored" / "results.json").is_file()  # the candidate's run, to store as the next baseline
    result = json.loads((tmp_path / "out" / "compare.json").read_text())
    assert result["baseline"]["system"] == "candidate" and result["candidates"][0]["system"] == "sys-b"


# ---------------------------------------------------------------------------- gates inside `relecture run`

def test_run_with_a_baseline_judges_the_gates(tmp_path, capsys) -> None:
    config = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text())
    config["testset"]["src"] = str(DEMO / "src.fr")
    config["testset"]["refs"] = [str(DEMO / "ref.en")]
    config["systems"] = {"sys-a": str(DEMO / "sys-a.en"), "sys-b": str(DEMO / "sys-b.en")}
    config["gates"] = ["chrf: max_drop 1.0", "chrf >= 40"]
    config["reports"] = ["json", "md", "junit"]
    path = tmp_path / "demo-gates.yaml"
    path.write_text(yaml.safe_dump(config))
    code, out, _ = run_cli(capsys, "run", "-c", str(path), "-o", str(tmp_path / "run"), "--quiet")
    assert code == 1
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert [(g["candidate"], g["gate"], g["passed"]) for g in results["gates"]] == [
        ("sys-b", "chrf: max_drop 1.0", False), ("sys-b", "chrf >= 40", True)]
    assert {r["metric"] for r in results["comparisons"]} == set(config["metrics"])
    cases = parse_junit(tmp_path / "run" / "junit.xml")
    assert [(c["name"], c["failed"]) for c in cases] == [("chrf: max_drop 1.0", True), ("chrf >= 40", False)]
    md = (tmp_path / "run" / "report.md").read_text()
    assert "| ❌ | sys-b | `chrf: max_drop 1.0` |" in md and "## Comparisons with the baseline" in md


def test_run_without_baseline_judges_absolute_gates_only(tmp_path, capsys) -> None:
    config = ci_metric_config(tmp_path)
    code, out, _ = run_cli(capsys, "run", "-c", str(config), "-o", str(tmp_path / "run"), "--quiet")
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert [g["gate"] for g in results["gates"]] == ["chrf >= 40"] and code == 0
    assert any("judged only by `relecture compare`" in w for w in results["warnings"])


def test_a_malformed_gate_fails_before_scoring(tmp_path, capsys) -> None:
    config = ci_metric_config(tmp_path, gates=["chrf: max_drop 1 significanse 0.05"])
    code, _, err = run_cli(capsys, "run", "-c", str(config), "-o", str(tmp_path / "run"), "--quiet")
    assert code == 2 and "did you mean 'significance'?" in err
    assert not (tmp_path / "run").exists()


def test_the_example_workflow_calls_compare_correctly() -> None:
    import shlex

    from relecture.cli import build_parser

    workflow = yaml.safe_load((REPO / "examples" / "github-actions.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["gates"]["steps"]
    command = next(s["run"] for s in steps if "relecture compare" in s.get("run", ""))
    argv = shlex.split(command.replace('"$CANDIDATE"', workflow["env"]["CANDIDATE"]))
    args = build_parser().parse_args(argv[1:])
    assert args.command == "compare" and (REPO / args.config).is_file()
    published = [s["with"] for s in steps if "with" in s]
    assert {"path": "runs/compare-pr/compare.md"}.items() <= next(w for w in published if "path" in w and w["path"].endswith(".md")).items()
    assert any(w.get("report_paths") == "runs/compare-pr/junit.xml" for w in published)


def test_results_without_segments_give_deltas_only(demo_run, tmp_path, capsys) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "results.json").write_text((demo_run / "results.json").read_text())
    config = yaml.safe_load((demo_run / "config.yaml").read_text())
    (bare / "config.yaml").write_text(yaml.safe_dump({**config, "reports": ["json"]}))  # run written without jsonl
    code, _, err = run_cli(capsys, "compare", f"{bare}#sys-a", f"{bare}#sys-b", "-o", str(tmp_path / "o"), *FAST)
    assert code == 0 and "delta only" in err
    rows = json.loads((tmp_path / "o" / "compare.json").read_text())["comparisons"]
    assert all(r["ci"] is None and r["p_value"] is None for r in rows) and rows[0]["delta"] != 0
    config = ci_metric_config(tmp_path, gates=["chrf: max_drop 0.5 significance 0.05"])
    code, _, err = run_cli(capsys, "compare", f"{bare}#sys-a", f"{bare}#sys-b", "-c", str(config), "-o", str(tmp_path / "o2"), *FAST)
    assert code == 2 and "needs a p-value" in err
