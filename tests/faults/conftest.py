"""The fault battery's workspace: a copy of the demo data and a config in a temporary folder,
a snapshot of that folder (nothing outside a run folder may change), and the in-process CLI."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pytest

from relecture.cli import main

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
CONFIG = """name: demo
testset:
  src: src.fr
  refs: [ref.en]
systems:
  sys-a: sys-a.en
  sys-b: sys-b.en
metrics: [bleu]
reports: [json, jsonl, md]
"""


@dataclass
class Result:
    code: int
    out: str
    err: str

    def error_line(self) -> str:
        """The one `relecture: error:` line (asserting there is exactly one, and no traceback)."""
        assert "Traceback" not in self.err, self.err
        lines = [line for line in self.err.splitlines() if line.startswith("relecture: error:")]
        assert len(lines) == 1, self.err
        return lines[0]


class Workspace:
    """A folder with src.fr, ref.en, sys-a.en, sys-b.en (the demo's 50 segments) and c.yaml."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys
        for name in ("src.fr", "ref.en", "sys-a.en", "sys-b.en"):
            shutil.copy(DEMO / name, root / name)
        (root / "c.yaml").write_text(CONFIG, encoding="utf-8")

    def path(self, name: str) -> Path:
        return self.root / name

    def lines(self, name: str) -> list[str]:
        return (self.root / name).read_text(encoding="utf-8").splitlines()

    def cli(self, *argv: str) -> Result:
        """relecture.cli.main in this process, in the workspace folder."""
        self.capsys.readouterr()
        cwd = os.getcwd()
        os.chdir(self.root)
        try:
            code = main(list(argv))
        finally:
            os.chdir(cwd)
        out, err = self.capsys.readouterr()
        return Result(code, out, err)

    def subprocess(self, *argv: str, timeout: float = 120) -> Result:
        """The installed command as a subprocess (where blocking or exit behaviour is tested)."""
        proc = subprocess.run([sys.executable, "-m", "relecture", *argv], cwd=self.root, capture_output=True,
                              text=True, timeout=timeout, env={**os.environ, "COLUMNS": "80"})
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def snapshot(self, skip: Iterable[str] = ()) -> dict[str, str]:
        """{relative path: kind and content hash} of everything in the workspace, but `skip`."""
        skipped = {self.root / name for name in skip}
        found = {}
        for path in sorted(self.root.rglob("*")):
            if any(path == s or s in path.parents for s in skipped):
                continue
            rel = str(path.relative_to(self.root))
            if path.is_symlink():
                found[rel] = f"link:{os.readlink(path)}"
            elif path.is_dir():
                found[rel] = "dir"
            elif path.is_file():
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[rel] = "special"
        return found


@pytest.fixture
def ws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    return Workspace(root, capsys)
