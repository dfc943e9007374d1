"""The README's install section, followed as a user would: build the wheel and the sdist, install
the wheel (core: the `lexical` extra) into a fresh venv, and use it from a folder that has no
eval/ in it: `import relecture` works and `import eval` fails, the package data is there, no
torch came with it, `relecture score` scores the demo, and a metric of a missing extra says
which extra to install (exit 2).

The fresh venv takes its packages from PyPI (or pip's cache): about a minute here, most of it
pip resolving and unpacking the core dependencies.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.wheel  # registered in pyproject.toml

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
SKIP_COPY = {".venv", ".git", "runs", "build", "dist", "__pycache__", ".pytest_cache", "relecture.egg-info", "node_modules"}
PACKAGE_DATA = ["report/results.schema.json", "report/report.html", "report/report.js", "report/report.css",
                "metrics/learned_weights.json"]


def run(*args: str | Path, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel and the sdist, built (`python -m build`) from a copy of the source tree."""
    pytest.importorskip("build", reason="the `build` package (dev extra)")
    source = tmp_path_factory.mktemp("source") / "relecture"
    shutil.copytree(REPO, source, ignore=lambda _, names: [n for n in names if n in SKIP_COPY])
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: the dev venv's setuptools builds it (an isolated build fetches setuptools)
    done = run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, source, cwd=source)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def test_wheel_and_sdist_carry_the_package_and_its_data(dist: Path) -> None:
    (wheel,) = dist.glob("relecture-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"relecture/{path}" for path in PACKAGE_DATA} <= names
    assert "relecture/__init__.py" in names and not any(n.startswith("eval/") for n in names)
    (sdist,) = dist.glob("relecture-*.tar.gz")
    members = {m.split("/", 1)[1] for m in tarfile.open(sdist).getnames() if "/" in m}
    assert {f"eval/{path}" for path in PACKAGE_DATA} | {"pyproject.toml", "README.md", "eval/api.py"} <= members


def test_the_wheel_in_a_fresh_venv(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("relecture-*.whl")
    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", venv, cwd=tmp_path).returncode == 0
    python, relecture = venv / "bin" / "python", venv / "bin" / "relecture"
    done = run(python, "-m", "pip", "install", "-q", f"{wheel}[lexical]", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]

    work = tmp_path / "project"  # the user's project: no eval/ folder, no relecture source
    work.mkdir()
    check = run(python, "-c", "import relecture, importlib.resources as r, importlib.util as u; "
                "print(relecture.__file__); "
                f"print(all(r.files('relecture').joinpath(p).is_file() for p in {PACKAGE_DATA!r})); "
                "print(u.find_spec('eval') is None, u.find_spec('torch') is None)", cwd=work)
    assert check.returncode == 0, check.stderr
    where, data_ok, flags = check.stdout.splitlines()
    assert where.startswith(str(venv)) and data_ok == "True"
    assert flags == "True True"  # no top-level `eval` installed, no torch pulled by the core
    assert run(python, "-c", "import eval", cwd=work).returncode == 1

    args = ["score", "--src", DEMO / "src.fr", "--hyp", DEMO / "sys-b.en", "--ref", DEMO / "ref.en", "--format", "json"]
    done = run(relecture, *args, cwd=work)
    assert done.returncode == 0, done.stderr
    scores = json.loads(done.stdout)["metrics"]
    assert set(scores) == {"bleu", "chrf", "ter"} and 0 < scores["chrf"]["score"] < 100
    assert run(python, "-m", "relecture", "--version", cwd=work).stdout.startswith("relecture ")

    missing = run(relecture, *args, "--metrics", "bertscore", cwd=work)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "relecture: error: bertscore needs the 'neural' extra: pip install 'relecture[neural]'"
    missing = run(relecture, "flag", "--src", DEMO / "src.fr", "--hyp", DEMO / "sys-b.en", "--flaggers", "numbers", cwd=work)
    assert missing.returncode == 2 and "pip install 'relecture[flags]'" in missing.stderr
