"""Fault battery, tables (JSONL, CSV, TSV, parquet, JSON) as test set and as system output."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from .conftest import Workspace


def _rows(ws: Workspace) -> list[dict[str, Any]]:
    return [{"src": s, "ref": r, "hyp": h} for s, r, h in zip(ws.lines("src.fr"), ws.lines("ref.en"), ws.lines("sys-a.en"))]


def _jsonl(rows: list[Any]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def _config(ws: Workspace, table: str, fmt: str | None = None) -> None:
    extra = f"\n  format: {fmt}" if fmt else ""
    ws.path("t.yaml").write_text(f"name: t\ntestset:\n  path: {table}{extra}\nmetrics: [bleu]\nreports: [json]\n",
                                 encoding="utf-8")


def _delimited(rows: list[dict[str, Any]], sep: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\n", quoting=csv.QUOTE_MINIMAL if sep == "," else csv.QUOTE_NONE,
                        escapechar="\\")
    writer.writerow(["src", "ref", "hyp"])
    writer.writerows([r["src"], r["ref"], r["hyp"]] for r in rows)
    return buffer.getvalue()


# name -> (table file name, writer(ws) -> content bytes, expected line or None)
def malformed_json(ws: Workspace) -> tuple[str, bytes, int | None]:
    text = _jsonl(_rows(ws)).split("\n")
    text[6] = text[6][:-5]
    return "t.jsonl", "\n".join(text).encode(), 7


def not_an_object(ws: Workspace) -> tuple[str, bytes, int | None]:
    return "t.jsonl", (_jsonl(_rows(ws)[:3]) + "[1, 2]\n").encode(), 4


def missing_field(ws: Workspace) -> tuple[str, bytes, int | None]:
    rows = _rows(ws)
    del rows[9]["ref"]
    return "t.jsonl", _jsonl(rows).encode(), 10


def null_ref(ws: Workspace) -> tuple[str, bytes, int | None]:
    rows = _rows(ws)
    rows[4]["ref"] = None
    return "t.jsonl", _jsonl(rows).encode(), 5


def null_src(ws: Workspace) -> tuple[str, bytes, int | None]:
    rows = _rows(ws)
    rows[0]["src"] = None
    return "t.jsonl", _jsonl(rows).encode(), 1


def number_as_text(ws: Workspace) -> tuple[str, bytes, int | None]:
    rows = _rows(ws)
    rows[11]["hyp"] = 42
    return "t.jsonl", _jsonl(rows).encode(), 12


def refs_not_a_list(ws: Workspace) -> tuple[str, bytes, int | None]:
    rows = [{"src": r["src"], "refs": [r["ref"]]} for r in _rows(ws)]
    rows[3]["refs"] = "just text"
    return "t.jsonl", _jsonl(rows).encode(), None


def no_source_column(ws: Workspace) -> tuple[str, bytes, int | None]:
    return "t.jsonl", _jsonl([{"text": r["src"], "ref": r["ref"]} for r in _rows(ws)]).encode(), None


def jsonl_bad_utf8(ws: Workspace) -> tuple[str, bytes, int | None]:
    return "t.jsonl", _jsonl(_rows(ws)[:5]).encode() + b'{"src": "\xe9t\xe9", "ref": "x"}\n', 6


def csv_ragged(ws: Workspace) -> tuple[str, bytes, int | None]:
    text = _delimited(_rows(ws), ",").split("\n")
    text[5] += ",extra"
    return "t.csv", "\n".join(text).encode(), 6


def tsv_ragged(ws: Workspace) -> tuple[str, bytes, int | None]:
    text = _delimited(_rows(ws), "\t").split("\n")
    text[8] = text[8].replace("\t", " ", 1)
    return "t.tsv", "\n".join(text).encode(), 9


def csv_header_only(ws: Workspace) -> tuple[str, bytes, int | None]:
    return "t.csv", b"src,ref,hyp\n", None


def parquet_garbage(ws: Workspace) -> tuple[str, bytes, int | None]:
    return "t.parquet", b"PAR1 this is not parquet at all " * 10, None


def parquet_truncated(ws: Workspace) -> tuple[str, bytes, int | None]:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(_rows(ws)), buffer)
    data = buffer.getvalue()
    return "t.parquet", data[: len(data) // 2], None


def json_broken(ws: Workspace) -> tuple[str, bytes, int | None]:
    return "t.json", b'[{"src": "a", "ref": "b"}, {"src": ', None


def unknown_extension(ws: Workspace) -> tuple[str, bytes, int | None]:
    return "t.xlsx", b"PK\x03\x04 spreadsheet", None


TABLE_FAULTS = [malformed_json, not_an_object, missing_field, null_ref, null_src, number_as_text, refs_not_a_list,
                no_source_column, jsonl_bad_utf8, csv_ragged, tsv_ragged, csv_header_only, parquet_garbage,
                parquet_truncated, json_broken, unknown_extension]


@pytest.mark.parametrize("fault", TABLE_FAULTS, ids=[f.__name__ for f in TABLE_FAULTS])
def test_bad_table(ws: Workspace, fault: Any) -> None:
    name, content, line = fault(ws)
    ws.path(name).write_bytes(content)
    _config(ws, name)
    before = ws.snapshot()
    result = ws.cli("run", "-c", "t.yaml", "--quiet", "--set", "check_language=false")
    assert result.code == 3, result.err
    message = result.error_line()
    assert (f"{name}:{line}:" if line else f"{name}") in message, message
    assert ws.snapshot() == before


def test_system_table_shifted_against_the_test_set_is_refused(ws: Workspace) -> None:
    """A system table whose own src column is one line off the test set's (issue 11: BLEU 0.70
    without a word)."""
    src, hyp = ws.lines("src.fr"), ws.lines("sys-a.en")
    rows = [{"src": s, "hyp": h} for s, h in zip(["Une ligne de trop au début."] + src[:-1], ["One line too many."] + hyp[:-1])]
    ws.path("out.jsonl").write_text(_jsonl(rows), encoding="utf-8")
    ws.path("c.yaml").write_text(ws.path("c.yaml").read_text().replace("sys-b: sys-b.en", "sys-b: {path: out.jsonl}"))
    before = ws.snapshot()
    result = ws.cli("run", "-c", "c.yaml", "--quiet")
    assert result.code == 3
    assert "out.jsonl:1:" in result.error_line() and "shifted" in result.error_line()
    assert ws.snapshot() == before


def test_text_output_shifted_against_the_source_warns(ws: Workspace) -> None:
    """A plain output file one line off: the numbers-and-names check warns."""
    hyp = ws.lines("sys-a.en")
    ws.path("sys-b.en").write_text("\n".join(["An extra first line."] + hyp[:-1]) + "\n", encoding="utf-8")
    result = ws.cli("score", "--src", "src.fr", "--ref", "ref.en", "--hyp", "sys-b.en", "--metrics", "bleu")
    assert result.code == 0
    assert "sys-b.en:" in result.err and "shifted" in result.err


def test_aligned_output_does_not_warn(ws: Workspace) -> None:
    result = ws.cli("score", "--src", "src.fr", "--ref", "ref.en", "--hyp", "sys-a.en", "--metrics", "bleu")
    assert result.code == 0 and "shifted" not in result.err
