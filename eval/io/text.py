"""Line-aligned text files: one segment a line, validated.

Normalizes a UTF-8 BOM and CRLF line ends; keeps empty lines (an empty output is an error to
flag, not a line to drop). Rejects missing, empty, binary and non-UTF-8 files with a message that
names the file and the line.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError


def read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a folder, not a file")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "file is empty")
    return data


def decode(path: Path, data: bytes) -> str:
    """UTF-8 text with BOM and CRLF normalized; binary content and bad UTF-8 name their line."""
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
