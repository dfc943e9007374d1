"""From a config's `testset` and `systems` sections to a TestSet and system outputs.

A test set is text files (`src`, `refs`), a table (`path`: JSONL, TSV, CSV, parquet, JSON) or a
Hugging Face dataset (`hf`). A table's `hyp` column becomes a system. Every system must have as
many lines as the source.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from ..errors import InputError
from ..types import TestSet
from .alignment import misalignment_warning
from .language import check_language
from .tables import Columns, column, read_hf, read_table
from .text import read_lines

# The column names a table may use for each role, first match wins.
ROLE_COLUMNS = {
    "src": ("src", "source"),
    "ref": ("ref", "reference"),
    "refs": ("refs", "references"),
    "hyp": ("hyp", "mt", "output"),
    "doc_id": ("doc_id", "docid", "document"),
}


def _as_text(values: list[Any], origin: object, role: str) -> list[str]:
    for number, value in enumerate(values, start=1):
        if value is None:  # an empty segment is "", a null is a hole in the data (issue 11)
            raise InputError(origin, f"{role} is null; write \"\" for an empty segment", line=number)
        if not isinstance(value, str):
            raise InputError(origin, f"{role} must be text, not {type(value).__name__}", line=number)
    return values


def _role(columns: Columns, role: str, mapping: dict[str, str], origin: object) -> list[Any] | None:
    if role in mapping:
        return column(columns, mapping[role], origin)
    for name in ROLE_COLUMNS[role]:
        if name in columns:
            return columns[name]
    return None


def load_testset(spec: dict[str, Any], resolve: Callable[[str], Path]) -> tuple[TestSet, dict[str, list[str]], int]:
    """The test set a config describes, any system outputs found in its table, and the number
    of lines in its source before `limit` (system files must have that many)."""
    limit = spec.get("limit")
    if spec.get("src"):
        src_path = resolve(spec["src"])
        src = read_lines(src_path)
        refs, origin = [], {"src": str(src_path)}
        for k, ref in enumerate(spec.get("refs", [])):
            ref_path = resolve(ref)
            refs.append(_aligned(read_lines(ref_path), len(src), ref_path, src_path))
            origin[f"ref{k}"] = str(ref_path)
        name = spec.get("name") or src_path.stem
        testset = TestSet(name, tuple(src[:limit]), tuple(tuple(r[:limit]) for r in refs), origin=origin)
        return testset, {}, len(src)

    if spec.get("path"):
        where: object = resolve(spec["path"])
        columns = read_table(where, spec.get("format"))  # type: ignore[arg-type]
        default_name = Path(str(where)).stem
    else:
        hf = spec["hf"]
        local = resolve(hf)
        where = local if local.exists() else hf
        columns = read_hf(str(where), spec.get("config"), spec.get("split", "test"))
        default_name = Path(hf).name
    return testset_from_columns(columns, spec.get("columns", {}), where, spec.get("name") or default_name,
                                spec.get("system") or default_name, limit)


def testset_from_columns(columns: Columns, mapping: dict[str, str], where: object, name: str, system: str,
                         limit: int | None = None) -> tuple[TestSet, dict[str, list[str]], int]:
    """A test set from named columns (a table file, a `datasets.Dataset`, a pandas DataFrame):
    src (or source), ref / refs, doc_id, and a system's hyp (or mt, output) when there is one."""
    src_values = _role(columns, "src", mapping, where)
    if src_values is None:
        raise InputError(where, f"no source column (looked for {', '.join(ROLE_COLUMNS['src'])}; set testset.columns.src)")
    src = _as_text(list(src_values), where, "src")
    refs: list[list[str]] = []
    ref_values = _role(columns, "ref", mapping, where)
    if ref_values is not None:
        refs.append(_as_text(list(ref_values), where, "ref"))
    multi = _role(columns, "refs", mapping, where)
    if multi is not None:
        widths = {len(r) if isinstance(r, (list, tuple)) else -1 for r in multi}
        if len(widths) != 1 or -1 in widths:
            raise InputError(where, "'refs' must be a list with the same number of references on every row")
        for k in range(widths.pop()):
            refs.append(_as_text([row[k] for row in multi], where, "refs"))
    doc_values = _role(columns, "doc_id", mapping, where)
    doc_ids = tuple(str(d) if d is not None else None for d in doc_values[:limit]) if doc_values else None
    systems = {}
    hyp_values = _role(columns, "hyp", mapping, where)
    if hyp_values is not None:
        systems[system] = _as_text(list(hyp_values), where, "hyp")[:limit]
    origin = {"src": str(where)}
    testset = TestSet(name, tuple(src[:limit]), tuple(tuple(r[:limit]) for r in refs), doc_ids, origin)
    return testset, systems, len(src)


def load_system(spec: str | dict[str, Any], resolve: Callable[[str], Path], n_src: int, src_origin: object,
                src: Sequence[str] = ()) -> tuple[list[str], Path]:
    """One system's outputs: a text file, or a column of a table.  A table that has its own
    source column must hold the test set's sources, line for line (a table shifted by one line
    against the test set is refused, not scored)."""
    if isinstance(spec, str):
        path = resolve(spec)
        lines = read_lines(path)
    else:
        path = resolve(spec["path"])
        columns = read_table(path, spec.get("format"))
        lines = _as_text(list(column(columns, spec.get("column", "hyp"), path)), path, "hyp")
        own_src = _role(columns, "src", {}, path)
        if own_src is not None and src:
            _same_sources(own_src, src, path, src_origin)
    return _aligned(lines, n_src, path, src_origin), path


def _same_sources(own: Sequence[Any], src: Sequence[str], path: Path, src_origin: object) -> None:
    for number, (mine, theirs) in enumerate(zip(own, src), start=1):
        if mine != theirs:
            shifted = " (shifted by one line?)" if number < len(src) and (
                (number < len(own) and own[number] == theirs) or mine == src[number]) else ""
            raise InputError(path, f"its src column differs from the test set's source {src_origin} here{shifted}; "
                             "the table's outputs are not aligned with the test set", line=number)


def _aligned(lines: list[str], expected: int, path: Path, src_origin: object) -> list[str]:
    if len(lines) != expected:
        raise InputError(path, f"has {len(lines)} lines, but the source {src_origin} has {expected}; files must be line-aligned", line=min(len(lines), expected) + 1)
    return lines


def language_warnings(testset: TestSet, systems: dict[str, list[str]], origins: dict[str, object]) -> list[str]:
    """Check the source is French and outputs and references English (raises on a wrong file)."""
    warnings = check_language(testset.src, "fr", testset.origin.get("src", "source"), "source")
    for k, ref in enumerate(testset.refs):
        warnings += check_language(ref, "en", testset.origin.get(f"ref{k}", f"reference {k}"), "reference")
    for name, hyps in systems.items():
        warnings += check_language(hyps, "en", origins.get(name, name), "output")
        shifted = misalignment_warning(testset.src, hyps, origins.get(name, name))
        warnings += [shifted] if shifted else []
    return warnings
