"""`relecture compare`, the application side: load the sides, score raw outputs, write.

Each side is a run folder (or its results.json, with segments.jsonl beside it), or raw system
output that the config's test set, metrics and flaggers score here through the runner. The
statistics and gates are eval/comparison.py's (pure); the renderers are eval/report/'s.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from .comparison import Comparison, Side
from .config import load_config
from .errors import InputError, UsageError
from .gates import Gate, parse_gates, plugin_categories
from .io.atomic import atomic_write
from .registry import suggest
from .report.compare_md import write_compare_markdown
from .report.html import write_compare_html
from .report.json_report import read_run
from .report.junit import write_junit
from .runner import evaluate, write_run
from .types import Report


def split_spec(spec: str) -> tuple[str, str | None]:
    """"runs/x/2026#sys-b" -> ("runs/x/2026", "sys-b"); a path that exists is taken whole."""
    if Path(spec).exists() or "#" not in spec:
        return spec, None
    path, _, system = spec.rpartition("#")
    return path, system or None


def is_run(path: Path) -> bool:
    return (path.is_dir() and ((path / "results.json").is_file() or bool(_latest_run(path)))) or (
        path.is_file() and path.suffix == ".json"
    )


def _latest_run(folder: Path) -> Path | None:
    """runs/<name>/ holds one folder per run, named by time: the latest one.  Hidden folders are
    skipped: `.tmp-*` is a run still being written (or killed while writing), `.old-*` one being
    replaced."""
    found = sorted(p.parent for p in folder.glob("*/results.json") if not p.parent.name.startswith("."))
    return found[-1] if found else None


def load_run(path: Path) -> tuple[Report, dict[str, Any] | None, Path]:
    if path.is_dir() and not (path / "results.json").is_file():
        latest = _latest_run(path)
        if latest is None:
            raise InputError(path, "not a run folder (no results.json)")
        path = latest
    report = read_run(path)
    folder = path if path.is_dir() else path.parent
    config = None
    config_file = folder / "config.yaml"
    if config_file.is_file():
        try:
            config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise InputError(config_file, f"invalid YAML: {exc}") from None
    return report, config if isinstance(config, dict) else None, path


def pick_systems(report: Report, system: str | None, origin: str, role: str, config: Mapping[str, Any] | None) -> list[str]:
    names = list(report.systems)
    if system is not None:
        if system not in report.systems:
            raise UsageError(f"{origin}: no system '{system}' in this run{suggest(system, names)}")
        return [system]
    if role == "baseline":
        if len(names) == 1:
            return names
        chosen = (config or {}).get("baseline")
        if chosen in report.systems:
            return [chosen]
        raise UsageError(f"{origin} holds systems {', '.join(names)}: name the baseline as {origin}#SYSTEM")
    return names


def load_sides(
    baseline_spec: str,
    candidate_specs: Sequence[str],
    config_path: str | None = None,
    overrides: Sequence[str] = (),
    scored_dir: Path | None = None,
) -> tuple[Side, list[Side], list[str]]:
    """The baseline and candidate systems, scoring raw outputs with the config where needed."""
    notes: list[str] = []
    specs = [("baseline", baseline_spec)] + [("candidate", spec) for spec in candidate_specs]
    raw: list[tuple[str, str, str | None]] = []  # (role, path, name)
    loaded: dict[str, tuple[Report, dict[str, Any] | None, Path]] = {}
    for role, spec in specs:
        path_text, system = split_spec(spec)
        path = Path(path_text)
        if not path.exists():
            raise InputError(path, "no such file or run folder")
        if is_run(path):
            if path_text not in loaded:
                loaded[path_text] = load_run(path)
        elif path.is_dir():
            raise InputError(path, "a folder, but not a run folder: no results.json in it, nor any run folder with one")
        else:
            raw.append((role, path_text, system))
    scored: tuple[Report, dict[str, Any]] | None = None
    raw_names: dict[tuple[str, str], str] = {}
    if raw:
        if config_path is None:
            raise UsageError(f"{raw[0][1]} is raw system output: give -c CONFIG (test set, metrics, flaggers) to score it")
        scored, raw_names = _score_raw(raw, config_path, overrides, scored_dir, notes)

    def sides_for(role: str, spec: str) -> list[Side]:
        path_text, system = split_spec(spec)
        if path_text in loaded:
            report, config, real = loaded[path_text]
            return [Side(name, report, config, f"{real}#{name}" if len(report.systems) > 1 else str(real))
                    for name in pick_systems(report, system, path_text, role, config)]
        assert scored is not None
        name = raw_names[(role, path_text)]
        return [Side(name, scored[0], scored[1], path_text)]

    baseline = sides_for("baseline", baseline_spec)[0]
    candidates: list[Side] = []
    for spec in candidate_specs:
        for side in sides_for("candidate", spec):
            same = side.report is baseline.report and side.system == baseline.system
            if same and split_spec(spec)[1] is None and split_spec(spec)[0] in loaded:
                continue  # the baseline's own run: its other systems are the candidates
            candidates.append(side)
    if not candidate_specs:  # one run holding the baseline and its candidates
        candidates = [Side(n, baseline.report, baseline.config, f"{baseline.origin.split('#')[0]}#{n}")
                      for n in baseline.report.systems if n != baseline.system]
    if not candidates:
        raise UsageError("no candidate to compare with the baseline")
    return baseline, candidates, notes


def _score_raw(
    raw: list[tuple[str, str, str | None]],
    config_path: str,
    overrides: Sequence[str],
    scored_dir: Path | None,
    notes: list[str],
) -> tuple[tuple[Report, dict[str, Any]], dict[tuple[str, str], str]]:
    """Score raw outputs in one run of the config (so both get the same metric instances)."""
    names: dict[tuple[str, str], str] = {}
    systems: dict[str, str] = {}
    for role, path, given in raw:
        name = given or Path(path).stem
        resolved = str(Path(path).resolve())
        if name in systems and systems[name] != resolved:
            name = role if role not in systems else f"{role}-{len(systems)}"
        systems[name] = resolved  # the same file given twice is scored once
        names[(role, path)] = name
    config = load_config(config_path, list(overrides), {"systems": systems, "baseline": None})
    report = evaluate(config)
    if scored_dir is not None:
        folder = write_run(report, config, scored_dir)
        notes.append(f"scored {', '.join(systems)} with {config_path}: {folder}")
    return (report, config.resolved()), names


def gates_from_config(config_path: str | None, overrides: Sequence[str] = ()) -> list[Gate]:
    """The gates of a run config (validated), or none without a config."""
    if config_path is None:
        return []
    raw = load_config(config_path, list(overrides), {}).values
    return parse_gates(raw.get("gates"), plugin_categories())


def default_output_dir(root: str = "runs") -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    folder, n = Path(root) / "compare" / stamp, 1
    while folder.exists():
        n += 1
        folder = Path(root) / "compare" / f"{stamp}-{n}"
    return folder


def write_outputs(comparison: Comparison, folder: Path, junit: Path | None = None, markdown: Path | None = None) -> dict[str, Path]:
    """compare.md, junit.xml, compare.html and compare.json in `folder` (or where given)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "markdown": write_compare_markdown(comparison, markdown or folder / "compare.md"),
        "junit": write_junit(comparison, junit or folder / "junit.xml"),
    }
    paths["html"] = write_compare_html(comparison, folder / "compare.html")
    json_path = folder / "compare.json"
    atomic_write(json_path, json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False) + "\n")
    paths["json"] = json_path
    return paths
