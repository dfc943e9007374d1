"""Fault battery, run folders read back by `compare`: half-written, incomplete or hand-edited
runs are refused with the file (and line); hidden `.tmp-*` leftovers are never taken for a run;
any text a run wrote is read back as it was."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable

import pytest

from relecture.report.json_report import read_run

from .conftest import Workspace

COMPARE = ("compare", "r#sys-a", "r#sys-b", "-o", "cmp", "--quiet", "--resamples", "100", "--trials", "100")


@pytest.fixture
def run(ws: Workspace) -> Workspace:
    result = ws.cli("run", "-c", "c.yaml", "--quiet", "-o", "r")
    assert result.code == 0, result.err
    return ws


def _edit_rows(ws: Workspace, change: Callable[[list[dict]], None]) -> None:
    path = ws.path("r/segments.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]
    change(rows)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


def _edit_results(ws: Workspace, change: Callable[[dict], None]) -> None:
    path = ws.path("r/results.json")
    results = json.loads(path.read_text(encoding="utf-8"))
    change(results)
    path.write_text(json.dumps(results), encoding="utf-8")


def no_segments(ws: Workspace) -> tuple[str, int | None]:
    ws.path("r/segments.jsonl").unlink()
    return "segments.jsonl", None


def segments_bad_json(ws: Workspace) -> tuple[str, int | None]:
    lines = ws.path("r/segments.jsonl").read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2][:40]
    ws.path("r/segments.jsonl").write_text("\n".join(lines), encoding="utf-8")
    return "segments.jsonl", 3


def segment_missing_key(ws: Workspace) -> tuple[str, int | None]:
    _edit_rows(ws, lambda rows: rows[6].pop("hyp"))
    return "segments.jsonl", 7


def segment_string_score(ws: Workspace) -> tuple[str, int | None]:
    _edit_rows(ws, lambda rows: rows[4]["scores"].update(bleu="12.5"))
    return "segments.jsonl", 5


def segment_refs_not_a_list(ws: Workspace) -> tuple[str, int | None]:
    _edit_rows(ws, lambda rows: rows[1].update(refs="a reference"))
    return "segments.jsonl", 2


def segments_cut_short(ws: Workspace) -> tuple[str, int | None]:
    _edit_rows(ws, lambda rows: rows.__delitem__(slice(70, None)))
    return "segments.jsonl", None


def segments_not_utf8(ws: Workspace) -> tuple[str, int | None]:
    ws.path("r/segments.jsonl").write_bytes(ws.path("r/segments.jsonl").read_bytes() + b"\xff\xfe\n")
    return "segments.jsonl", None


def results_missing_systems(ws: Workspace) -> tuple[str, int | None]:
    _edit_results(ws, lambda results: results.pop("systems"))
    return "results.json", None


def results_metric_missing_score(ws: Workspace) -> tuple[str, int | None]:
    _edit_results(ws, lambda results: results["systems"]["sys-a"]["metrics"]["bleu"].pop("score"))
    return "results.json", None


def results_bad_json(ws: Workspace) -> tuple[str, int | None]:
    ws.path("r/results.json").write_text('{"schema_version": 1, "name": ', encoding="utf-8")
    return "results.json", None


def results_wrong_schema(ws: Workspace) -> tuple[str, int | None]:
    _edit_results(ws, lambda results: results.update(schema_version=99))
    return "results.json", None


def results_is_a_list(ws: Workspace) -> tuple[str, int | None]:
    ws.path("r/results.json").write_text("[]", encoding="utf-8")
    return "results.json", None


def no_results(ws: Workspace) -> tuple[str, int | None]:
    ws.path("r/results.json").unlink()
    return "r", None


RUN_FAULTS = [no_segments, segments_bad_json, segment_missing_key, segment_string_score, segment_refs_not_a_list,
              segments_cut_short, segments_not_utf8, results_missing_systems, results_metric_missing_score,
              results_bad_json, results_wrong_schema, results_is_a_list, no_results]


@pytest.mark.parametrize("fault", RUN_FAULTS, ids=[f.__name__ for f in RUN_FAULTS])
def test_damaged_run_folder(run: Workspace, fault: Callable) -> None:
    named, line = fault(run)
    before = run.snapshot()
    result = run.cli(*COMPARE)
    assert result.code == 3, result.err
    message = result.error_line()
    assert (f"{named}:{line}:" if line else named) in message, message
    assert run.snapshot() == before


def test_half_written_run_is_not_taken_for_the_latest(ws: Workspace) -> None:
    """A killed run leaves runs/NAME/.tmp-*: `compare runs/NAME` takes the latest complete run."""
    assert ws.cli("run", "-c", "c.yaml", "--quiet").code == 0
    (done,) = [p for p in ws.path("runs/demo").iterdir()]
    leftover = ws.path("runs/demo/.tmp-99991231-235959-x1")
    shutil.copytree(done, leftover)
    (leftover / "segments.jsonl").write_text("", encoding="utf-8")
    before = ws.snapshot(skip=["cmp"])
    result = ws.cli("compare", "runs/demo#sys-a", "runs/demo#sys-b", "-o", "cmp", "--quiet", "--resamples", "100",
                    "--trials", "100")
    assert result.code == 0, result.err
    assert json.loads(ws.path("cmp/compare.json").read_text())["info"]["segments"] == 50
    assert ws.snapshot(skip=["cmp"]) == before


LINE_BREAKERS = ["\u2028", "\u2029", "\u0085", "\x0c", "\x0b", "\x1c", "\x1d", "\x1e"]


def test_text_with_line_breaking_characters_is_read_back(ws: Workspace) -> None:
    """U+2028, U+0085, a form feed... inside a segment: the run folder reads back (issue 11:
    `compare` failed with "invalid JSON" on its own run)."""
    lines = ws.lines("sys-b.en")
    for k, ch in enumerate(LINE_BREAKERS):
        lines[k] = lines[k].replace(" ", ch, 1)
    ws.path("sys-b.en").write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    assert ws.cli("run", "-c", "c.yaml", "--quiet", "-o", "r").code == 0
    report = read_run(ws.path("r"))
    assert report.hyps["sys-b"] == tuple(lines)
    result = ws.cli(*COMPARE)
    assert result.code in (0, 1), result.err


def test_not_a_run(ws: Workspace) -> None:
    ws.path("empty").mkdir()
    result = ws.cli("compare", "empty#sys-a", "empty#sys-b", "-o", "cmp", "--quiet")
    assert result.code == 3 and "empty" in result.error_line()


def _read_back(folder: Path) -> tuple[str, ...]:
    return read_run(folder).hyps["sys-a"]


def _drift(ws: Workspace, field: str, value: str) -> None:
    shutil.copytree(ws.path("r"), ws.path("r2"))
    path = ws.path("r2/results.json")
    results = json.loads(path.read_text(encoding="utf-8"))
    for system in results["systems"].values():
        system["metrics"]["bleu"]["signature_fields"]["fields"][field] = value
    path.write_text(json.dumps(results), encoding="utf-8")


DRIFT = ("compare", "r#sys-a", "r2#sys-b", "-o", "cmp", "--quiet", "--resamples", "100", "--trials", "100")


@pytest.mark.parametrize("allow", [False, True])
def test_environment_drift_is_refused_unless_allowed(run: Workspace, allow: bool) -> None:
    """A library version differs (an upgrade): refused naming --allow-env-drift; allowed, a warning."""
    _drift(run, "version", "1.0.0")
    result = run.cli(*DRIFT, *(["--allow-env-drift"] if allow else []))
    if allow:
        assert result.code in (0, 1), result.err
        assert "version" in (run.path("cmp/compare.md").read_text(encoding="utf-8") + result.err)
    else:
        assert result.code == 2 and "--allow-env-drift" in result.error_line()


def test_score_defining_difference_is_refused_even_with_env_drift_allowed(run: Workspace) -> None:
    _drift(run, "tok", "intl")
    result = run.cli(*DRIFT, "--allow-env-drift")
    assert result.code == 2 and "tok" in result.error_line()
