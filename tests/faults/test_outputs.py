"""Fault battery, where a run writes: `-o` never deletes or overwrites what is not an earlier run
(issue 11), an unwritable place fails before any scoring, and ad hoc outputs sharing a file name
are both scored."""
from __future__ import annotations

import json
import os

import pytest

from .conftest import Workspace

RUN = ("run", "-c", "c.yaml", "--quiet")


def test_output_folder_with_other_files_is_refused(ws: Workspace) -> None:
    ws.path("p").mkdir()
    ws.path("p/thesis.txt").write_text("four years of work")
    before = ws.snapshot()
    result = ws.cli(*RUN, "-o", "p")
    assert result.code == 2 and "p:" in result.error_line() and "thesis.txt" in result.error_line()
    assert ws.snapshot() == before


def test_output_that_is_a_file_is_refused(ws: Workspace) -> None:
    ws.path("p").write_text("a file")
    before = ws.snapshot()
    result = ws.cli(*RUN, "-o", "p")
    assert result.code == 2 and "p:" in result.error_line()
    assert ws.snapshot() == before


def test_output_folder_holding_the_inputs_is_refused(ws: Workspace) -> None:
    before = ws.snapshot()
    result = ws.cli(*RUN, "-o", ".")
    assert result.code == 2 and "current folder" in result.error_line()
    assert ws.snapshot() == before


def test_output_folder_that_holds_an_input_is_refused(ws: Workspace) -> None:
    ws.path("inputs").mkdir()
    os.replace(ws.path("sys-b.en"), ws.path("inputs/sys-b.en"))
    ws.path("c.yaml").write_text(ws.path("c.yaml").read_text().replace("sys-b: sys-b.en", "sys-b: inputs/sys-b.en"))
    before = ws.snapshot()
    result = ws.cli(*RUN, "-o", "inputs")
    assert result.code == 2 and "inputs" in result.error_line()
    assert ws.snapshot() == before


def test_output_under_a_file_is_refused_before_scoring(ws: Workspace) -> None:
    ws.path("afile").write_text("x")
    before = ws.snapshot()
    result = ws.cli(*RUN, "-o", "afile/run")
    assert result.code == 2 and "afile" in result.error_line()
    assert ws.snapshot() == before


def test_runs_folder_under_a_file_is_refused_before_scoring(ws: Workspace) -> None:
    ws.path("runs").write_text("not a folder")
    before = ws.snapshot()
    result = ws.cli(*RUN)
    assert result.code == 2 and "runs" in result.error_line()
    assert ws.snapshot() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere: the permission check cannot fail")
def test_unwritable_output_is_refused_before_scoring(ws: Workspace) -> None:
    ws.path("ro").mkdir()
    ws.path("ro").chmod(0o555)
    try:
        result = ws.cli(*RUN, "-o", "ro/run")
        assert result.code == 2 and "not writable" in result.error_line()
    finally:
        ws.path("ro").chmod(0o755)


@pytest.mark.parametrize("existing", ["empty", "earlier-run"])
def test_output_folder_empty_or_an_earlier_run_is_replaced(ws: Workspace, existing: str) -> None:
    ws.path("p").mkdir()
    if existing == "earlier-run":
        assert ws.cli(*RUN, "-o", "p").code == 0
        ws.path("p/results.json").write_text(ws.path("p/results.json").read_text().replace('"demo"', '"old"', 1))
    before = ws.snapshot(skip=["p"])
    result = ws.cli(*RUN, "-o", "p")
    assert result.code == 0, result.err
    assert json.loads(ws.path("p/results.json").read_text())["name"] == "demo"
    assert ws.snapshot(skip=["p"]) == before
    assert not [p for p in ws.root.iterdir() if p.name.startswith((".tmp-", ".old-"))]


def test_same_output_file_name_in_two_folders_scores_both(ws: Workspace) -> None:
    """score --hyp a/sys.en --hyp b/sys.en: two systems, not one silently dropped."""
    for folder, source in (("a", "sys-a.en"), ("b", "sys-b.en")):
        ws.path(folder).mkdir()
        ws.path(f"{folder}/sys.en").write_bytes(ws.path(source).read_bytes())
    result = ws.cli("score", "--src", "src.fr", "--ref", "ref.en", "--hyp", "a/sys.en", "--hyp", "b/sys.en",
                    "--metrics", "bleu", "--format", "json")
    assert result.code == 0, result.err
    systems = json.loads(result.out)["systems"]
    assert sorted(systems) == ["a/sys", "b/sys"]
    assert systems["a/sys"]["metrics"]["bleu"]["score"] != systems["b/sys"]["metrics"]["bleu"]["score"]


def test_same_output_given_twice_is_refused(ws: Workspace) -> None:
    result = ws.cli("score", "--src", "src.fr", "--ref", "ref.en", "--hyp", "sys-a.en", "--hyp", "sys-a.en")
    assert result.code == 2 and "sys-a.en" in result.error_line()


def test_off_a_terminal_lines_are_whole_and_progress_is_plain(ws: Workspace) -> None:
    """Off a terminal (a CI log), a long warning stays on one line (rich wrapped it at 80
    columns) and progress comes as plain lines with rate and time left."""
    hyp = ws.lines("sys-a.en")
    ws.path("sys-b.en").write_text("\n".join(["An extra first line."] + hyp[:-1]) + "\n", encoding="utf-8")
    result = ws.subprocess("run", "-c", "c.yaml", "-o", "p")
    assert result.code == 0, result.err
    warning = [line for line in result.err.splitlines() if "sys-b.en:" in line and "shifted" in line]
    assert warning and warning[0].rstrip().endswith("against the source?"), result.err
    progress = [line for line in result.err.splitlines() if line.startswith("relecture: scoring")]
    assert progress and progress[-1].startswith("relecture: scoring 100%") and "/s" in progress[-1], result.err
