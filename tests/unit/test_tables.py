"""Every table reader: JSONL, TSV, CSV, parquet and Hugging Face datasets (saved and by folder)."""
from __future__ import annotations

import json

import pytest

from relecture.errors import InputError
from relecture.io.load import load_testset
from relecture.io.tables import read_table

ROWS = [
    {"src": "Le chat dort.", "hyp": "The cat sleeps.", "ref": "The cat is sleeping.", "doc_id": "d1"},
    {"src": "Il pleut, dit-il.", "hyp": "It rains, he said.", "ref": "It is raining, he said.", "doc_id": "d1"},
]


def _testset(spec, tmp_path):
    return load_testset(spec, lambda p: tmp_path / p)


def test_jsonl_with_hyp_becomes_a_system(write, tmp_path):
    write("t.jsonl", "".join(json.dumps(r) + "\n" for r in ROWS))
    testset, systems, n = _testset({"path": "t.jsonl"}, tmp_path)
    assert testset.src == ("Le chat dort.", "Il pleut, dit-il.")
    assert testset.refs == (("The cat is sleeping.", "It is raining, he said."),)
    assert testset.doc_ids == ("d1", "d1")
    assert systems == {"t": ["The cat sleeps.", "It rains, he said."]}
    assert n == 2


def test_jsonl_refs_list(write, tmp_path):
    rows = [{"src": r["src"], "refs": [r["ref"], r["hyp"]]} for r in ROWS]
    write("t.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    testset, systems, _ = _testset({"path": "t.jsonl"}, tmp_path)
    assert len(testset.refs) == 2 and testset.refs[1] == ("The cat sleeps.", "It rains, he said.")
    assert systems == {}


@pytest.mark.parametrize(
    "content, message, line",
    [
        ('{"src": "a"}\n{"src": \n', "invalid JSON", 2),
        ('{"src": "a"}\n[1, 2]\n', "must be an object", 2),
        ('{"src": "a", "ref": "b"}\n{"src": "c"}\n', "missing field 'ref'", 2),
        ('{"src": 3}\n', "src must be text", 1),
    ],
)
def test_bad_jsonl(write, tmp_path, content, message, line):
    path = write("t.jsonl", content)
    with pytest.raises(InputError) as err:
        _testset({"path": "t.jsonl"}, tmp_path)
    assert message in str(err.value) and str(path) in str(err.value)
    assert err.value.line == line


def test_tsv_keeps_quotes_as_text(write):
    write_path = write("t.tsv", 'src\thyp\n"Bonjour" dit-il\t"Hello" he said\n')
    assert read_table(write_path) == {"src": ['"Bonjour" dit-il'], "hyp": ['"Hello" he said']}


def test_csv_with_quoted_commas(write, tmp_path):
    write("t.csv", 'source,reference\n"Oui, non","Yes, no"\n')
    testset, _, _ = _testset({"path": "t.csv"}, tmp_path)
    assert testset.src == ("Oui, non",) and testset.refs == (("Yes, no",),)


def test_tsv_wrong_field_count(write):
    path = write("t.tsv", "src\thyp\na\tb\tc\n")
    with pytest.raises(InputError, match="3 fields, but the header has 2") as err:
        read_table(path)
    assert err.value.line == 2


def test_unknown_format(write):
    with pytest.raises(InputError, match="unknown table format"):
        read_table(write("t.xlsx", "x"))


def test_missing_source_column(write, tmp_path):
    write("t.jsonl", '{"text": "a"}\n')
    with pytest.raises(InputError, match="no source column"):
        _testset({"path": "t.jsonl"}, tmp_path)


datasets = pytest.importorskip("datasets")


def _wmt14_like():
    # The shape of the hub's WMT14 fr-en: one `translation` record per row.
    return datasets.Dataset.from_list([{"translation": {"fr": r["src"], "en": r["ref"]}} for r in ROWS])


def test_parquet_through_datasets(tmp_path):
    datasets.Dataset.from_list(ROWS).to_parquet(str(tmp_path / "t.parquet"))
    testset, systems, _ = _testset({"path": "t.parquet"}, tmp_path)
    assert testset.src[1] == "Il pleut, dit-il." and systems["t"][0] == "The cat sleeps."


def test_saved_dataset_with_nested_columns(tmp_path):
    datasets.DatasetDict({"test": _wmt14_like()}).save_to_disk(str(tmp_path / "wmt14"))
    spec = {"hf": "wmt14", "split": "test", "columns": {"src": "translation.fr", "ref": "translation.en"}}
    testset, _, _ = _testset(spec, tmp_path)
    assert testset.src == ("Le chat dort.", "Il pleut, dit-il.")
    assert testset.refs == (("The cat is sleeping.", "It is raining, he said."),)


def test_dataset_folder_by_name_as_the_hub_path(tmp_path):
    # load_dataset(name, config, split) is the call a hub name takes; a local folder of data
    # files answers the same call offline.
    folder = tmp_path / "wmt14-local"
    folder.mkdir()
    _wmt14_like().to_parquet(str(folder / "test.parquet"))
    spec = {"hf": "wmt14-local", "split": "test", "columns": {"src": "translation.fr", "ref": "translation.en"}, "limit": 1}
    testset, _, _ = _testset(spec, tmp_path)
    assert testset.src == ("Le chat dort.",)


def test_bad_nested_column(tmp_path):
    datasets.DatasetDict({"test": _wmt14_like()}).save_to_disk(str(tmp_path / "wmt14"))
    with pytest.raises(InputError, match="no field 'de'"):
        _testset({"hf": "wmt14", "columns": {"src": "translation.de"}}, tmp_path)
