"""Fault battery, text inputs: every kind of bad file in every role (source, reference, output),
through `score` and `run`.  Each case asserts the exit code, one error line naming the file (and
line), and that nothing in the workspace changed (no run folder, no input touched)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

import pytest

from .conftest import Workspace
from .corpus import GERMAN

ROLES = {"src": "src.fr", "ref": "ref.en", "hyp": "sys-a.en"}
SCORE = ("score", "--src", "src.fr", "--ref", "ref.en", "--hyp", "sys-a.en", "--metrics", "bleu", "--format", "json")
RUN = ("run", "-c", "c.yaml", "--quiet")


def _first_non_ascii_line(path: Path) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if not line.isascii())


# fault -> (change the file; return (expected exit code, file named, line or None)).
def missing(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    ws.path(name).unlink()
    return 3, name, None


def empty(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    ws.path(name).write_bytes(b"")
    return 3, name, None


def blank(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    ws.path(name).write_bytes(b"\n  \n\t\n")
    return 3, name, None


def binary(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    ws.path(name).write_bytes(b"first line\n\x00\x01\x02\x89PNG\n")
    return 3, name, 2


def bad_utf8(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    lines = ws.path(name).read_bytes().split(b"\n")
    lines[2] = lines[2] + b" \xff\xfe"
    ws.path(name).write_bytes(b"\n".join(lines))
    return 3, name, 3


def utf16(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    ws.path(name).write_bytes(ws.path(name).read_text(encoding="utf-8").encode("utf-16"))
    return 3, name, 1


def latin1(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    path = ws.path(name)
    text = path.read_text(encoding="utf-8")
    if text.isascii():  # an English file with no accent: give it one, on line 4
        lines = text.split("\n")
        lines[3] += " café"
        text = "\n".join(lines)
    path.write_bytes(text.encode("latin-1", errors="replace"))
    return 3, name, _first_non_ascii_line_of(text)


def _first_non_ascii_line_of(text: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), start=1) if not line.isascii())


def folder(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    ws.path(name).unlink()
    ws.path(name).mkdir()
    return 3, name, None


def fifo(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    ws.path(name).unlink()
    os.mkfifo(ws.path(name))
    return 3, name, None


def dev_zero(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    ws.path(name).unlink()
    ws.path(name).symlink_to("/dev/zero")
    return 3, name, None


UNREADABLE = Path("/proc/sys/vm/compact_memory")  # write-only (0200): unreadable even for root


def unreadable(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    if os.geteuid() != 0:
        ws.path(name).chmod(0)
    elif UNREADABLE.exists():  # root reads any chmod 000 file: a file the kernel refuses instead
        ws.path(name).unlink()
        ws.path(name).symlink_to(UNREADABLE)
    else:
        pytest.skip("running as root, and no write-only /proc file to read")
    return 3, name, None


def short(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    lines = ws.lines(name)[:-5]
    ws.path(name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    # a short source: the first file checked against it (the reference) is named
    return 3, ("ref.en" if name == "src.fr" else name), 46


def long(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    ws.path(name).write_text("\n".join(ws.lines(name) + ["one more line here"]) + "\n", encoding="utf-8")
    return 3, ("ref.en" if name == "src.fr" else name), 51


def swapped(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    other = "ref.en" if name == "src.fr" else "src.fr"
    ws.path(name).write_bytes(ws.path(other).read_bytes())
    return 3, name, None


def german(ws: Workspace, name: str) -> tuple[int, str, int | None]:
    lines = [f"{GERMAN[i % len(GERMAN)]} ({i + 1})" for i in range(50)]
    ws.path(name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 3, name, None


FAULTS: list[Callable[[Workspace, str], tuple[int, str, int | None]]] = [
    missing, empty, blank, binary, bad_utf8, utf16, latin1, folder, fifo, dev_zero, unreadable, short, long, swapped,
    german]
# Faults where a regression blocks (a FIFO) or reads forever (/dev/zero): run as a subprocess,
# under a timeout, so that a regression fails this case instead of hanging the suite.
BLOCKING = {fifo, dev_zero}


@pytest.mark.parametrize("command", ["score", "run"])
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("fault", FAULTS, ids=[f.__name__ for f in FAULTS])
def test_bad_text_input(ws: Workspace, fault: Callable, role: str, command: str) -> None:
    code, named, line = fault(ws, ROLES[role])
    before = ws.snapshot()
    argv = SCORE if command == "score" else RUN
    result = ws.subprocess(*argv, timeout=60) if fault in BLOCKING else ws.cli(*argv)
    assert result.code == code, result.err
    message = result.error_line()
    assert f"{named}:{line}:" in message if line else f"{named}:" in message, message
    assert ws.snapshot() == before


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("fault", sorted(BLOCKING, key=lambda f: f.__name__), ids=lambda f: f.__name__)
def test_streaming_run_refuses_special_files(ws: Workspace, fault: Callable, role: str) -> None:
    """The streaming engine indexes its files itself (eval/engine/textfile.py): a FIFO or a device
    is refused there too, and deciding whether to stream never opens one (it blocked before)."""
    code, named, _ = fault(ws, ROLES[role])
    before = ws.snapshot()
    for stream in ("true", "auto"):
        result = ws.subprocess(*RUN, "--set", f"engine.stream={stream}", timeout=60)
        assert result.code == code, result.err
        assert f"{named}:" in result.error_line()
    assert ws.snapshot() == before


# Inputs the README promises to accept: the same scores as the clean files.
def crlf(ws: Workspace, name: str) -> None:
    ws.path(name).write_bytes(ws.path(name).read_bytes().replace(b"\n", b"\r\n"))


def bom(ws: Workspace, name: str) -> None:
    ws.path(name).write_bytes(b"\xef\xbb\xbf" + ws.path(name).read_bytes())


def no_final_newline(ws: Workspace, name: str) -> None:
    ws.path(name).write_bytes(ws.path(name).read_bytes().rstrip(b"\n"))


ACCEPTED = [crlf, bom, no_final_newline]


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("change", ACCEPTED, ids=[f.__name__ for f in ACCEPTED])
def test_accepted_variants_score_the_same(ws: Workspace, change: Callable, role: str) -> None:
    clean = ws.cli(*SCORE)
    assert clean.code == 0, clean.err
    change(ws, ROLES[role])
    before = ws.snapshot()
    changed = ws.cli(*SCORE)
    assert changed.code == 0, changed.err
    assert json.loads(changed.out)["metrics"]["bleu"]["score"] == json.loads(clean.out)["metrics"]["bleu"]["score"]
    assert ws.snapshot() == before
