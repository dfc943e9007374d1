"""Tables with named columns: JSONL, TSV, CSV, and Hugging Face `datasets` (local or hub).

Every reader returns {column: [str, ...]}; nested columns (WMT14's `translation.fr`) are
addressed with dots. `refs` columns may hold lists.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..registry import require_extra
from .text import decode, read_bytes

Columns = dict[str, list[Any]]
TABLE_FORMATS = {".jsonl": "jsonl", ".tsv": "tsv", ".csv": "csv", ".parquet": "parquet", ".json": "json"}


def table_format(path: Path, given: str | None) -> str:
    fmt = given or TABLE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(path, f"unknown table format '{path.suffix}'; use one of {', '.join(TABLE_FORMATS)} or set 'format'")
    return fmt


def read_table(path: Path | str, fmt: str | None = None) -> Columns:
    path = Path(path)
    fmt = table_format(path, fmt)
    if fmt == "jsonl":
        return _rows_to_columns(path, _read_jsonl(path))
    if fmt in ("tsv", "csv"):
        return _read_delimited(path, "\t" if fmt == "tsv" else ",")
    if fmt == "parquet":
        return _rows_to_columns(path, _read_parquet(path))
    if fmt == "json":
        return _rows_to_columns(path, _read_json(path))
    raise InputError(path, f"unknown table format '{fmt}'")


def _read_parquet(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Rows of a parquet file (pyarrow, from the hf extra), numbered from 1."""
    read_bytes(path)  # missing, empty and special-file checks with our messages
    try:
        import pyarrow
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(path, "reading parquet needs `pip install relecture[hf]`") from None
    try:
        rows = pq.read_table(path).to_pylist()
    except (pyarrow.ArrowException, OSError) as exc:
        raise InputError(path, f"not a readable parquet file: {str(exc).splitlines()[0]}") from None
    if not rows:
        raise InputError(path, "the table has no rows")
    return list(enumerate(rows, start=1))


def _read_json(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Rows of a .json table: an array of objects (numbered by item), or JSON lines."""
    text = decode(path, read_bytes(path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # one object a line, named .json
            return _read_jsonl(path)
        raise InputError(path, f"invalid JSON: {exc.msg}", line=exc.lineno) from None
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise InputError(path, "a .json table must be an array of objects (one per segment)")
    if not data:
        raise InputError(path, "the table has no rows")
    return list(enumerate(data, start=1))


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for number, line in enumerate(decode(path, read_bytes(path)).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg}", line=number) from None
        if not isinstance(row, dict):
            raise InputError(path, "each JSONL line must be an object", line=number)
        rows.append((number, row))
    return rows


def _rows_to_columns(path: Path, rows: list[tuple[int, dict[str, Any]]]) -> Columns:
    if not rows:
        raise InputError(path, "the table has no rows")
    keys: list[str] = []
    for _, row in rows:
        keys.extend(k for k in row if k not in keys)
    columns: Columns = {k: [] for k in keys}
    for number, row in rows:
        for key in keys:
            if key not in row:
                raise InputError(path, f"missing field '{key}'", line=number)
            columns[key].append(row[key])
    return columns


def _read_delimited(path: Path, delimiter: str) -> Columns:
    text = decode(path, read_bytes(path))
    # TSV files of this field are rarely quoted: a literal quote is text, not syntax.
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quoting=quoting)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(path, "file is empty") from None
    columns: Columns = {name: [] for name in header}
    try:
        for row in reader:
            number = reader.line_num
            if not row:
                continue
            if len(row) != len(header):
                raise InputError(path, f"{len(row)} fields, but the header has {len(header)}", line=number)
            for name, value in zip(header, row):
                columns[name].append(value)
    except csv.Error as exc:
        raise InputError(path, f"malformed {'TSV' if delimiter == chr(9) else 'CSV'}: {exc}", line=reader.line_num) from None
    if not any(columns.values()):
        raise InputError(path, "the table has a header but no rows")
    return columns


def read_hf(name: str, config: str | None = None, split: str = "test", data_files: str | None = None) -> Columns:
    """A `datasets` dataset: a hub name with config and split, a local dataset folder (saved with
    `save_to_disk` or holding data files), or a builder name ("parquet", "json", "csv") with files."""
    require_extra("hf", "reading a Hugging Face dataset")
    import datasets  # the `hf` extra: imported only when a dataset is read
    datasets.disable_progress_bars()
    local = Path(name)
    try:
        saved = ("dataset_info.json", "state.json", "dataset_dict.json")
        if local.is_dir() and any((local / marker).exists() for marker in saved):
            dataset = datasets.load_from_disk(str(local))
            if isinstance(dataset, datasets.DatasetDict):
                dataset = dataset[split]
        else:
            dataset = datasets.load_dataset(name, config, split=split, data_files=data_files)
    except FileNotFoundError as exc:
        raise InputError(name, f"dataset not found: {exc}") from None
    except (ValueError, KeyError) as exc:
        raise InputError(name, f"cannot load dataset: {str(exc).splitlines()[0]}") from None
    except Exception as exc:  # connection errors and the like, from the hub
        raise InputError(name, f"cannot load dataset ({type(exc).__name__}): {str(exc).splitlines()[0] if str(exc) else ''}") from None
    return {column: list(dataset[column]) for column in dataset.column_names}


def column(columns: Columns, name: str, origin: object) -> list[Any]:
    """A column by name, following dots into nested records (`translation.fr`)."""
    head, _, rest = name.partition(".")
    if head not in columns:
        raise InputError(origin, f"no column '{head}'; columns are: {', '.join(columns)}")
    values = columns[head]
    for part in rest.split(".") if rest else []:
        try:
            values = [value[part] for value in values]
        except (KeyError, TypeError):
            raise InputError(origin, f"column '{name}': no field '{part}'") from None
    return values
