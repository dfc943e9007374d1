"""report.html's Documents view on a real document run, in headless Chromium.

configs/doc.yaml's kind of run (a `document:` test set) on a copy of data/doc-example whose
English page ends with a line of markup: the view shows one block per bead on each side, the
page's site-text lines marked as boilerplate, the omitted French sentence as omission, broken
sentences with their message as a tooltip, a bead's counterpart lit on hover, and the markup as
plain text.  The screenshot goes to tests/artifacts/doc-view.png.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from relecture.cli import main as cli_main

from .test_html_browser import Page, browser, screenshot  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "data" / "doc-example"
XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
# The example page's site text (tests/integration/test_doc_cli.py lists the same lines).
BOILERPLATE = [
    "Daily Regional Wire", "Now you can see non-English news...", "2025-02-02T09:15:00.000Z", "See also",
    "Night trains: the great comeback of the sleeper car", "You may like", "© Daily Regional Wire 2025 - Privacy",
]


@pytest.fixture
def tab(browser: Any) -> Iterator[Page]:  # noqa: F811
    page = Page(browser, width=1400, height=1000)
    yield page
    page.close()


def test_documents_view_marks_beads_site_text_and_keeps_markup_inert(tab: Page, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(EXAMPLE, docs)
    page_en = docs / "ligne.en.txt"
    page_en.write_text(page_en.read_text(encoding="utf-8") + f"\n{XSS}\n", encoding="utf-8")
    config = tmp_path / "doc.yaml"
    config.write_text(f"name: doc-view\ntestset:\n  document: {docs}\n  system: page\n"
                      "metrics: [bleu, chrf]\nflaggers: [fluency]\nreports: [jsonl, html]\n", encoding="utf-8")
    assert cli_main(["run", "-c", str(config), "-o", str(tmp_path / "run")]) == 0
    rows = [json.loads(line) for line in (tmp_path / "run" / "segments.jsonl").read_text(encoding="utf-8").splitlines()]
    report = tmp_path / "run" / "report.html"

    tab.open(report, "documents")
    view = tab.page.locator("#documents")
    src_blocks = view.locator('.doc-text[data-side="src"] .doc-bead')
    hyp_blocks = view.locator('.doc-text[data-side="hyp"] .doc-bead')
    assert src_blocks.count() == sum(1 for row in rows if row["src"])
    assert hyp_blocks.count() == sum(1 for row in rows if row["hyp"])
    assert view.locator("[data-bead]").evaluate_all("bs => new Set(bs.map(b => b.dataset.bead)).size") == len(rows)

    boilerplate = view.locator('.doc-text[data-side="hyp"] .doc-bead.doc-boilerplate .doc-body').all_text_contents()
    for line in BOILERPLATE:
        assert line in boilerplate, f"{line!r} not marked as site text: {boilerplate}"
    assert "Reopening of the railway line between Limoges and Angoulême" not in boilerplate
    omitted = view.locator('.doc-text[data-side="src"] .doc-bead.doc-omission .doc-body').all_text_contents()
    assert any(text.startswith("La ligne avait été fermée en 2018") for text in omitted), omitted
    broken = view.locator("mark.doc-broken")
    # a break may straddle two beads: each block marks its own part, with the whole message
    assert broken.all_text_contents()[:2] == ["by.", "Coach."]
    assert "broken mid-phrase" in (broken.first.get_attribute("title") or "")
    assert "by. Coach." in (broken.first.get_attribute("title") or "")

    # The markup is a bead's text, shown as typed; nothing ran, nothing was fetched.
    assert XSS in hyp_blocks.locator(".doc-body").all_text_contents()
    assert view.locator("img, script").count() == 0

    # Hovering the French title lights its English counterpart, and nothing else.
    title = src_blocks.filter(has_text="Réouverture de la ligne ferroviaire")
    title.hover()
    lit = view.locator('.doc-text[data-side="hyp"] .doc-bead.hl .doc-body').all_text_contents()
    assert lit == ["Reopening of the railway line between Limoges and Angoulême"]
    tab.page.mouse.move(0, 0)
    tab.assert_clean(report)
    screenshot(tab, tmp_path, "doc-view.png")


def test_documents_view_without_french_shows_the_english_alone(tab: Page, tmp_path: Path) -> None:
    assert cli_main(["doc", "--hyp", str(EXAMPLE / "ligne.en.txt"), "--format", "json", "-o", str(tmp_path / "run")]) == 0
    report = tmp_path / "run" / "report.html"
    tab.open(report, "documents")
    view = tab.page.locator("#documents")
    assert view.locator('.doc-text[data-side="src"]').count() == 0
    assert view.locator('.doc-text[data-side="hyp"] .doc-bead').count() > 0
    boilerplate = view.locator(".doc-bead.doc-boilerplate .doc-body").all_text_contents()
    assert "See also" in boilerplate and "You may like" in boilerplate
    assert "No French side" in view.inner_text()
    assert view.locator("mark.doc-broken").count() >= 2
    tab.assert_clean(report)
    screenshot(tab, tmp_path, "doc-view-english-only.png")
