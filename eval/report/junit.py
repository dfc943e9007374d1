"""junit.xml: one test case per (candidate, gate), failures carrying the gate's reason, so that
any CI (GitHub, GitLab, Jenkins) shows the gates as tests."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Mapping, Sequence

from ..comparison import Comparison
from ..io.atomic import atomic_write
from ..types import ComparisonRow, GateOutcome, Report


def render_junit(comparison: Comparison) -> str:
    return junit_xml(comparison.gates, comparison.baseline.system, [c.system for c in comparison.candidates],
                     {"data_hash": str(comparison.info.get("data_hash")), "seed": str(comparison.info.get("seed"))},
                     comparison.comparisons)


def junit_xml(
    gates: Sequence[GateOutcome],
    baseline: str | None,
    candidates: Sequence[str],
    properties: Mapping[str, str] | None = None,
    comparisons: Sequence[ComparisonRow] = (),
) -> str:
    failures_total = sum(1 for g in gates if not g.passed)
    root = ET.Element("testsuites", name="relecture", tests=str(len(gates)), failures=str(failures_total), errors="0")
    for candidate in candidates:
        own = [g for g in gates if g.candidate == candidate]
        suite = ET.SubElement(
            root, "testsuite",
            name=f"relecture gates: {candidate}" + (f" vs {baseline}" if baseline else ""),
            tests=str(len(own)), failures=str(sum(1 for g in own if not g.passed)),
            errors="0", skipped="0", time="0",
        )
        props = ET.SubElement(suite, "properties")
        for key, value in {"candidate": candidate, "baseline": baseline or "", **(properties or {})}.items():
            ET.SubElement(props, "property", name=key, value=value)
        for gate in own:
            case = ET.SubElement(suite, "testcase", classname=f"relecture.gates.{candidate}", name=gate.gate, time="0")
            if gate.passed:
                ET.SubElement(case, "system-out").text = gate.reason
            else:
                failure = ET.SubElement(case, "failure", message=gate.reason, type="GateFailed")
                failure.text = f"{candidate}: gate '{gate.gate}' failed: {gate.reason}"
        rows = [c for c in comparisons if c.candidate == candidate]
        if rows:
            ET.SubElement(suite, "system-out").text = "\n".join(
                f"{r.metric}: {r.baseline_score:.4f} -> {r.candidate_score:.4f} (delta {r.delta:+.4f}"
                + (f", CI [{r.ci[0]:+.4f}, {r.ci[1]:+.4f}], p = {r.p_value:.4g}" if r.ci and r.p_value is not None else "") + ")"
                for r in rows
            )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(comparison: Comparison, path: Path) -> Path:
    atomic_write(path, render_junit(comparison))
    return path


def write_report_junit(report: Report, folder: Path) -> Path:
    """The `junit` report format of `relecture run`: the run's gate outcomes as junit.xml."""
    baseline = next((g.baseline for g in report.gates if g.baseline), None)
    candidates = list(dict.fromkeys(g.candidate for g in report.gates)) or [n for n in report.systems if n != baseline]
    path = folder / "junit.xml"
    atomic_write(path, junit_xml(report.gates, baseline, candidates, {"data_hash": str(report.info.get("data_hash"))}, report.comparisons))
    return path
