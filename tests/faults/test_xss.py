"""Fault battery, markup in texts and system names: a run and a comparison whose segments and
system name carry HTML and script payloads, every page opened in the real browser (Debian's
chromium, as tests/integration/test_html_browser.py): report.html and compare.html as written,
report.md and compare.md rendered as GitHub renders Markdown (raw HTML allowed).  No script
runs, no request leaves the page, no <img> appears, and the payloads show as text."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_html_browser import XSS, Page, browser  # noqa: F401 (the fixture)

from .conftest import Workspace

pytestmark = pytest.mark.browser
EVIL = 'sys"><img src=x onerror=window.__xss=1>'


def _markdown_page(markdown: Path) -> Path:
    """The Markdown rendered as GitHub does: CommonMark with tables, raw HTML passed through."""
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown.read_text(encoding="utf-8"))
    page = markdown.with_suffix(".rendered.html")
    page.write_text(f"<!doctype html><meta charset=utf-8><body data-ready>{html}</body>", encoding="utf-8")
    return page


def _inert(browser: Any, path: Path, markdown: bool) -> str:
    page = Page(browser)
    page.page.goto(path.resolve().as_uri())
    page.page.wait_for_selector("body[data-ready]", state="attached", timeout=20_000)
    page.page.wait_for_timeout(300)
    assert page.page.evaluate("window.__xss") is None, path
    assert page.dialogs == [], path
    assert [url for url in page.requests if not url.startswith("file:")] == [], path
    assert [url for url in page.requests if url.startswith("file:")] == [path.resolve().as_uri()], page.requests
    if markdown:
        assert page.page.evaluate("document.querySelectorAll('img, script, iframe, svg, a[href^=javascript]').length") == 0
    text = page.page.evaluate("document.body.innerText")
    page.page.close()
    return text


def test_markup_in_texts_and_names_stays_text(ws: Workspace, browser: Any) -> None:  # noqa: F811
    lines = ws.lines("sys-b.en")
    for k, payload in enumerate(XSS):
        lines[k] = f"{lines[k]} {payload}"
    ws.path("sys-b.en").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = ws.path("c.yaml").read_text().replace("sys-b: sys-b.en", f"{json.dumps(EVIL)}: sys-b.en")
    ws.path("c.yaml").write_text(config.replace("reports: [json, jsonl, md]", "reports: [json, jsonl, md, html]"
                                               ).replace("metrics: [bleu]", "metrics: [bleu]\nflaggers: [numbers, tense]"))
    assert ws.cli("run", "-c", "c.yaml", "--quiet", "-o", "r").code == 0
    result = ws.cli("compare", "r#sys-a", f"r#{EVIL}", "-o", "cmp", "--quiet", "--resamples", "100", "--trials", "100")
    assert result.code in (0, 1), result.err
    pages = [(ws.path("r/report.html"), False), (ws.path("cmp/compare.html"), False),
             (_markdown_page(ws.path("r/report.md")), True), (_markdown_page(ws.path("cmp/compare.md")), True)]
    for path, markdown in pages:
        text = _inert(browser, path, markdown)
        assert "<img src=x" in text, path  # shown as text, not dropped
