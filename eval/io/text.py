"""Line-aligned text files: one segment a line, validated.

Normalizes a UTF-8 BOM and CRLF line ends; keeps empty lines (an empty output is an error to
flag, not a line to drop). Rejects missing, empty, binary and non-UTF-8 files with a message that
names the file and the line.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import InputError

# The largest input file read (a WMT test set is ~0.5 MB a side; Bio-MQM's largest table 30 MB):
# a bigger one is refused before it is read, rather than read until memory runs out.
MAX_INPUT_BYTES = 2 * 1024 ** 3


def regular_file(path: Path) -> os.stat_result:
    """The stat of a regular file.  A FIFO, a device (/dev/zero) or a socket is refused before it
    is opened: reading one blocks forever or never ends (issue 11)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except PermissionError:
        raise InputError(path, "permission denied (cannot look at the file)") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(path, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, f"is a {_kind(info.st_mode)}, not a regular file")
    return info


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file (see regular_file), at most MAX_INPUT_BYTES."""
    info = regular_file(path)
    if info.st_size > MAX_INPUT_BYTES:
        raise InputError(path, f"is {info.st_size / 1024 ** 3:.1f} GiB; inputs above {MAX_INPUT_BYTES // 1024 ** 3} GiB are refused")
    try:
        data = path.read_bytes()
    except PermissionError:
        raise InputError(path, "permission denied (cannot read the file)") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None
    if not data.strip():
        raise InputError(path, "file is empty")
    return data


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def decode(path: Path, data: bytes) -> str:
    """UTF-8 text with BOM and CRLF normalized; binary content and bad UTF-8 name their line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(path, "UTF-16 text (byte-order mark); convert the file to UTF-8", line=1)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(path, "binary content (NUL byte), not a text file", line=data.count(b"\n", 0, nul) + 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(path, f"invalid UTF-8 (byte 0x{data[exc.start]:02x}); convert the file to UTF-8", line=line) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def read_lines(path: Path | str) -> list[str]:
    """The file's lines; a final newline ends the last line rather than starting an empty one."""
    path = Path(path)
    text = decode(path, read_bytes(path))
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines
