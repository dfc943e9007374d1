"""Property-based tests (Hypothesis): the readers give back exactly the text that was written,
and a run folder's segments.jsonl reads back identically whatever Unicode a segment holds."""
from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from relecture.io.tables import read_table
from relecture.io.text import read_lines
from relecture.report.json_report import read_run, write_results, write_segments
from relecture.types import MetricResult, Report, SystemResult, TestSet

# Any Unicode scalar (surrogates cannot be UTF-8), U+2028, U+0085, form feeds and all.
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
# What a line of a text file can hold: no line end (\n, \r) and no NUL (binary content).
LINE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00"), max_size=40)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _tmp() -> Path:
    return Path(tempfile.mkdtemp(prefix="relecture-prop-"))


@FAST
@given(st.lists(LINE, min_size=1, max_size=12), st.booleans(), st.booleans())
def test_text_files_read_back_line_for_line(lines: list[str], crlf: bool, final_newline: bool) -> None:
    assume(not lines[0].startswith("\ufeff"))  # a leading BOM is dropped by design
    data = ("\r\n" if crlf else "\n").join(lines) + (("\r\n" if crlf else "\n") if final_newline else "")
    assume(data.encode("utf-8").strip())  # an all-blank file is an error by design
    assume(final_newline or lines[-1] != "")  # "a\n" and "a\n" + "" are the same file
    path = _tmp() / "f.txt"
    path.write_bytes(data.encode("utf-8"))
    assert read_lines(path) == lines


ROW = st.fixed_dictionaries({"src": ANY_TEXT, "ref": ANY_TEXT, "hyp": ANY_TEXT})


@FAST
@given(st.lists(ROW, min_size=1, max_size=8))
def test_jsonl_tables_read_back(rows: list[dict[str, str]]) -> None:
    path = _tmp() / "t.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    assume(not any("\r" in line for line in path.read_text(encoding="utf-8").split("\n")))  # raw CR: a line end
    columns = read_table(path)
    assert {k: columns[k] for k in ("src", "ref", "hyp")} == {k: [row[k] for row in rows] for k in ("src", "ref", "hyp")}


CSV_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), max_size=30)


@FAST
@given(st.lists(st.fixed_dictionaries({"src": CSV_TEXT, "ref": CSV_TEXT}), min_size=1, max_size=8))
def test_csv_tables_read_back(rows: list[dict[str, str]]) -> None:
    assume(not all(row["src"] == row["ref"] == "" for row in rows[-1:]))  # a last empty row is no row
    assume(not (rows and rows[0]["src"].startswith("\ufeff")))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(["src", "ref"])
    writer.writerows([row["src"], row["ref"]] for row in rows)
    path = _tmp() / "t.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    columns = read_table(path)
    assert columns["src"] == [row["src"] for row in rows] and columns["ref"] == [row["ref"] for row in rows]


@FAST
@given(st.lists(st.tuples(ANY_TEXT, ANY_TEXT, ANY_TEXT), min_size=1, max_size=8), ANY_TEXT.filter(bool))
def test_segments_jsonl_reads_back_any_text(segments: list[tuple[str, str, str]], system: str) -> None:
    src, ref, hyp = (tuple(part) for part in zip(*segments))
    n = len(src)
    metric = MetricResult("bleu", 10.0, "bleu|nrefs:1", True, [float(i) for i in range(n)])
    report = Report("prop", TestSet("t", src, (ref,)), {system: SystemResult(system, {"bleu": metric})}, {system: hyp},
                    info={"created": "2026-01-01T00:00:00+00:00"})
    folder = _tmp()
    write_results(report, folder)
    write_segments(report, folder)
    back = read_run(folder)
    assert back.testset.src == src and back.testset.refs == (ref,) and back.hyps == {system: hyp}
    assert back.systems[system].metrics["bleu"].seg_scores == metric.seg_scores
