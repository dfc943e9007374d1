"""GitHub Actions: workflow annotations (`::error ...::`) and the job's step summary.

Annotations go to stdout, where the runner turns them into marks on the run page (and, with a
file and line, on the config in the pull request's diff). The step summary is the compare.md
text appended to the file $GITHUB_STEP_SUMMARY names.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, TextIO

from ..comparison import Comparison


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, title: str | None = None, file: str | None = None, line: int | None = None) -> str:
    """One workflow command, escaped as GitHub's toolkit escapes it."""
    props = []
    if file:
        props.append(f"file={_escape_property(file)}")
        if line:
            props.append(f"line={line}")
    if title:
        props.append(f"title={_escape_property(title)}")
    return f"::{level}{' ' + ','.join(props) if props else ''}::{_escape_data(message)}"


def _gate_line(config_path: str | None, gate_text: str) -> int | None:
    """The config line where a gate is written (so the annotation points at it)."""
    if not config_path or not Path(config_path).is_file():
        return None
    needle = gate_text.split(":")[0].strip()
    for number, line in enumerate(Path(config_path).read_text(encoding="utf-8").splitlines(), start=1):
        if gate_text in line or (needle and needle in line and line.lstrip().startswith("-")):
            return number
    return None


def gate_annotations(comparison: Comparison) -> list[str]:
    out = []
    for gate in comparison.gates:
        if gate.passed:
            continue
        line = _gate_line(comparison.config_path, gate.gate)
        out.append(annotation(
            "error", f"{gate.candidate}: {gate.reason}", title=f"Relecture gate failed: {gate.gate}",
            file=comparison.config_path if line else None, line=line,
        ))
    for warning in comparison.warnings:
        out.append(annotation("warning", warning, title="Relecture"))
    failed = sum(1 for g in comparison.gates if not g.passed)
    out.append(annotation("notice", f"{len(comparison.gates) - failed} of {len(comparison.gates)} gate checks passed",
                          title="Relecture compare"))
    return out


def emit(comparison: Comparison, markdown: str, stream: TextIO, env: Mapping[str, str] | None = None,
         force_annotations: bool | None = None) -> None:
    """Annotations when running under GitHub Actions (or when forced); the step summary when
    $GITHUB_STEP_SUMMARY is set."""
    env = os.environ if env is None else env
    if force_annotations if force_annotations is not None else env.get("GITHUB_ACTIONS") == "true":
        for line in gate_annotations(comparison):
            print(line, file=stream)
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
