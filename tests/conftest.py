"""Shared fixtures: the repo's own demo data, ../shared/data when present, file builders."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo"
SHARED_DATA = REPO.parent / "shared" / "data"

# Models load from installed packages only; a hub call must fail fast, never hang.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# The score cache lives in a fresh folder per test session: a test never reads scores an earlier
# run (or another version of the code) left in ~/.cache.
os.environ.setdefault("RELECTURE_CACHE", os.path.join(tempfile.mkdtemp(prefix="relecture-cache-"), "scores.sqlite3"))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def demo() -> Path:
    return DEMO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (WMT12/13, DEMETR); tests that use it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent")
    return SHARED_DATA


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text_or_bytes) -> path, in the test's temporary folder."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()
