"""Atomic writes: a reader never sees a half-written file or a half-written run folder."""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import UsageError

# What a run folder holds (eval/report/*: one file per format, config.yaml, and the temporary
# files of atomic_write).  A folder holding anything else is the user's, and never replaced.
RUN_FILES = frozenset({"config.yaml", "results.json", "segments.jsonl", "report.md", "report.html", "junit.xml"})


def is_run_folder(folder: Path) -> bool:
    """An earlier run folder: results.json and nothing but run files."""
    names = {entry.name for entry in folder.iterdir()}
    return "results.json" in names and all(name in RUN_FILES or name.endswith(".tmp") for name in names)


def check_output_folder(final: Path, inputs: Iterable[Path] = ()) -> None:
    """Refuse, before any scoring, an output folder the run would damage or cannot write
    (issue 11): an existing file; a folder holding other files than an earlier run's (they would
    be deleted); the current folder or one above it; a folder holding the run's own inputs;
    a place that cannot be written."""
    target = Path(os.path.abspath(final))
    if final.exists() or final.is_symlink():
        if not final.is_dir():
            raise UsageError(f"{final}: exists and is not a folder; give -o a new folder, an empty one or an earlier run folder")
        cwd = Path.cwd().resolve()
        real = final.resolve()
        if real == cwd or real in cwd.parents:
            raise UsageError(f"{final}: is the current folder (or holds it); give -o a new folder for the run")
        entries = sorted(entry.name for entry in final.iterdir())
        if entries and not is_run_folder(final):
            shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
            raise UsageError(f"{final}: holds files that are not a run's ({shown}); a run replaces only an earlier "
                             "run folder: give -o a new or empty folder")
    for path in inputs:
        if _within(Path(os.path.abspath(path)), target):
            raise UsageError(f"{final}: holds the run's input {path}; give -o a folder outside the inputs")
    probe = target
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"{probe}: is a file, so the output folder {final} cannot be made")
    writable_at = target.parent if final.exists() else probe  # where the folder is renamed or made
    if not os.access(writable_at, os.W_OK | os.X_OK):
        raise UsageError(f"{writable_at}: not writable, so the output folder {final} cannot be written")


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def atomic_write(path: Path | str, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is for others to read
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextmanager
def atomic_folder(final: Path) -> Iterator[Path]:
    """Yield a hidden temporary folder beside `final`; rename it to `final` only on success.

    A run killed half-way leaves a `.tmp-*` folder (never read: `compare` skips hidden folders),
    never a `final` folder without results.  An existing `final` is replaced only once the new
    folder is complete, and only when it is empty or an earlier run folder.
    """
    check_output_folder(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=final.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=f".old-{final.name}-", dir=final.parent))
            os.rename(final, old / final.name)
            os.rename(tmp, final)
            shutil.rmtree(old)
        else:
            os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
