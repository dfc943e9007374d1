"""The package's imports: no cycle (every import counted, those inside functions too), layers
that point down, and every module importable on its own in a fresh interpreter."""
from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import import_graph  # noqa: E402

GRAPH = import_graph.graph()
# The application layer and above: nothing below may import them.
UPPER = {"relecture", "relecture.__main__", "relecture.cli", "relecture.api", "relecture.runner", "relecture.compare_app",
         # the engines that run a whole config (in memory, streamed, on Ray) reuse the runner's pieces
         "relecture.engine.run", "relecture.engine.stream", "relecture.engine.ray_engine"}
# Pure computation: never reads run folders, never renders, never runs the pipeline.
PURE = {"relecture.types", "relecture.stats", "relecture.gates", "relecture.comparison", "relecture.errors", "relecture.version"}


def test_the_graph_is_read() -> None:
    assert "relecture.report.markdown" in GRAPH and "relecture.types" in GRAPH["relecture.comparison"]


def test_no_import_cycle() -> None:
    assert import_graph.cycles(GRAPH) == []


def test_the_cycle_check_finds_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "a.py").write_text("from . import b\n")
    (tmp_path / "b.py").write_text("def f():\n    from .a import x  # lazy, still a cycle\n")
    assert import_graph.cycles(import_graph.graph(tmp_path)) == [["relecture.a", "relecture.b"]]


@pytest.mark.parametrize("module", sorted(set(GRAPH) - UPPER))
def test_lower_layers_import_nothing_above(module: str) -> None:
    assert not GRAPH[module] & UPPER, f"{module} imports {sorted(GRAPH[module] & UPPER)}"


@pytest.mark.parametrize("module", sorted(PURE))
def test_pure_modules_stay_pure(module: str) -> None:
    assert all(not m.startswith(("relecture.report", "relecture.io", "relecture.config", "relecture.cache"))
               for m in GRAPH[module]), GRAPH[module]


def test_each_module_imports_alone() -> None:
    def alone(module: str) -> tuple[str, int, str]:
        done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=120)
        return module, done.returncode, done.stderr.strip().splitlines()[-1:] and done.stderr.strip().splitlines()[-1]

    with ThreadPoolExecutor(2) as pool:
        # __main__ runs the CLI when imported: `python -m relecture --version` checks it instead
        failed = [(m, err) for m, rc, err in pool.map(alone, sorted(set(GRAPH) - {"relecture.__main__"})) if rc != 0]
    done = subprocess.run([sys.executable, "-m", "relecture", "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("relecture ")
    assert failed == []
