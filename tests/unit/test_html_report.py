"""report.html without a browser: the embedded JSON cannot break out of its element, the page
carries its own assets and a policy that lets only its own script run, and the payload holds
what the Report holds.  (tests/integration/test_html_browser.py opens the page in Chromium.)"""
from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from pathlib import Path

import pytest

from relecture import registry
from relecture.report.html import embed_json, render_html, report_payload, write_html
from relecture.types import sha256_lines
from relecture.types import ErrorSpan, MetricResult, Report, SystemResult, TestSet

HOSTILE = "</script><script>alert(1)</script><!-- \"><img src=x onerror=alert(1)> & \u2028"


def report(src: str = "Le chat.", hyp: str = "The cat.", info: dict | None = None) -> Report:
    testset = TestSet("t", (src, "Deux."), (("The cat.", "Two."),))
    metric = MetricResult("chrf", 61.5, "chrf|sig", True, [100.0, float("nan")], ci=(55.0, 70.0))
    ter = MetricResult("ter", 20.0, "ter|sig", False, [0.0, 40.0])
    flags = [ErrorSpan(0, "numbers", "accuracy/number", "critical", 4, 7, False, HOSTILE, 0.5),
             ErrorSpan(1, "coverage", "accuracy/omission", "minor", 0, 4, True, "dropped")]
    systems = {"sys": SystemResult("sys", {"chrf": metric, "ter": ter}, flags, origin="sys.en")}
    return Report("run", testset, systems, {"sys": (hyp, "Two.")}, info or {"data_hash": "abc"}, [HOSTILE])


@pytest.mark.parametrize("value", [
    "</script>",
    "</SCRIPT >",
    "<!-- <script>",
    "a & b > c < d",
    "line\u2028separator\u2029paragraph",
    {"nested": ["</script>", 1.5, None, True]},
    "plain text",
])
def test_embedded_json_has_no_markup_and_round_trips(value: object) -> None:
    text = embed_json(value)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == value


def test_page_holds_only_its_own_two_scripts_and_no_data_markup() -> None:
    page = render_html(report(src=HOSTILE, hyp=HOSTILE))
    assert len(re.findall(r"<script\b", page, flags=re.I)) == 2
    assert len(re.findall(r"</script", page, flags=re.I)) == 2
    assert "<img" not in page and "<!--" not in page
    assert "onerror" in page  # the text is there, escaped inside the JSON


def test_csp_allows_exactly_the_page_script_and_no_network() -> None:
    page = render_html(report())
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    script = re.findall(r"<script>(.*?)</script>", page, flags=re.S)[-1]
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # no CDN, no external asset


def test_payload_holds_texts_scores_and_flags() -> None:
    data = report_payload(report())
    assert data["src"] == ["Le chat.", "Deux."]
    assert data["refs"] == [["The cat.", "Two."]]
    assert data["hyps"] == {"sys": ["The cat.", "Two."]}
    assert data["metrics"] == [{"name": "chrf", "higher_is_better": True}, {"name": "ter", "higher_is_better": False}]
    assert data["table"]["sys"]["chrf"] == {"score": 61.5, "signature": "chrf|sig", "ci": [55.0, 70.0]}
    assert data["seg_scores"]["sys"]["chrf"] == [100.0, None]  # NaN has no JSON form
    assert data["categories"] == ["accuracy/number", "accuracy/omission"]
    assert data["flaggers"] == ["coverage", "numbers"]
    # [seg, category#, severity#, start, end, on_source, message, flagger#, confidence]
    assert data["flags"]["sys"] == [[0, 0, 2, 4, 7, 0, HOSTILE, 1, 0.5], [1, 1, 0, 0, 4, 1, "dropped", 0, 1.0]]
    assert data["system_info"]["sys"]["flag_counts"] == {"accuracy/number": {"critical": 1}, "accuracy/omission": {"minor": 1}}
    assert data["system_info"]["sys"]["output_hash"] == sha256_lines(("The cat.", "Two."))
    assert report_payload(report(info={"output_hashes": {"sys": "given"}}))["system_info"]["sys"]["output_hash"] == "given"


def test_non_finite_and_odd_info_values_become_json() -> None:
    data = report_payload(report(info={"seconds": math.inf, "path": Path("/x"), "tuple": (1, 2)}))
    assert data["info"] == {"seconds": None, "path": "/x", "tuple": [1, 2]}
    json.dumps(data, allow_nan=False)


@pytest.mark.parametrize("target, expected", [("", "report.html"), ("custom.html", "custom.html")])
def test_write_html_into_a_run_folder_or_to_a_file(tmp_path: Path, target: str, expected: str) -> None:
    path = write_html(report(), tmp_path / target if target else tmp_path)
    assert path == tmp_path / expected
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == [expected]  # no temporary file left behind


def test_registered_as_the_html_format() -> None:
    assert registry.load("format", "html") is write_html
