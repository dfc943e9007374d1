"""The README's Python examples run as written: each ```python block, in order, in one
namespace (a block may use what an earlier one defined), from the repository root."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"^```python\n(.*?)^```", (REPO / "README.md").read_text(encoding="utf-8"), re.S | re.M)


def test_the_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 5


def test_readme_python_blocks_run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("spacy", reason="the flag example needs the flags extra")
    pytest.importorskip("pandas")
    monkeypatch.chdir(REPO)
    namespace: dict[str, object] = {"__name__": "readme"}
    for number, block in enumerate(BLOCKS, start=1):
        try:
            exec(compile(block, f"README.md python block {number}", "exec"), namespace)
        except Exception as exc:  # name the block that failed
            raise AssertionError(f"README python block {number} failed: {type(exc).__name__}: {exc}\n{block}") from exc
    assert "bleu|nrefs:1|" in capsys.readouterr().out
