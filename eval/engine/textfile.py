"""A line-aligned text file read in chunks: its lines by number, without holding them in memory.

Same lines as eval/io/text.read_lines (UTF-8, BOM dropped, CRLF and lone CR end a line, a final
newline ends the last line, empty lines kept; NUL bytes, bad UTF-8 and blank files rejected with
file and line), but only the byte offsets of line starts and ends are kept: 16 bytes a line, so
a 1,000,000-line file costs 16 MB of index whatever its length. Lines are read back by range
(`lines(start, end)`, one read) or one at a time (`file[i]`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Sequence, overload

import numpy as np

from ..errors import InputError
from ..io.text import regular_file

CHUNK = 16 * 2**20  # bytes read at once while indexing
_BOM = b"\xef\xbb\xbf"
_WHITESPACE = np.frombuffer(b" \t\n\r\x0b\x0c", dtype=np.uint8)


class TextFile(Sequence[str]):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        regular_file(self.path)  # missing, a folder, a FIFO or a device: one clear message
        self.starts, self.ends = self._index()
        self._fd: int | None = None

    def _index(self) -> tuple[np.ndarray, np.ndarray]:
        starts: list[np.ndarray] = []
        ends: list[np.ndarray] = []
        line_start, base, carry, blank = 0, 0, b"", True
        with open(self.path, "rb") as handle:
            while True:
                data = handle.read(CHUNK)
                at_end = not data
                chunk = carry + data
                if not at_end:
                    cut = chunk.rfind(b"\n") + 1
                    if cut == 0:  # no newline yet: read on
                        carry = chunk
                        continue
                    chunk, carry = chunk[:cut], chunk[cut:]
                if base == 0 and chunk.startswith(_BOM):
                    line_start = len(_BOM)
                array = np.frombuffer(chunk, dtype=np.uint8)
                lines_before = sum(len(e) for e in ends)
                nul = np.flatnonzero(array == 0)
                if nul.size:
                    raise InputError(self.path, "binary content (NUL byte), not a text file",
                                     line=lines_before + int(np.count_nonzero(array[:nul[0]] == 10)) + 1)
                try:
                    chunk.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise InputError(self.path, f"invalid UTF-8 (byte 0x{chunk[exc.start]:02x}); convert the file to UTF-8",
                                     line=lines_before + chunk.count(b"\n", 0, exc.start) + 1) from None
                blank = blank and bool(np.isin(array, _WHITESPACE).all())
                cr = np.flatnonzero(array == 13)
                lf = np.flatnonzero(array == 10)
                crlf = cr[(cr + 1 < array.size) & (array[np.minimum(cr + 1, array.size - 1)] == 10)]
                lone_cr = np.setdiff1d(cr, crlf, assume_unique=True)
                lone_lf = np.setdiff1d(lf, crlf + 1, assume_unique=True)
                term = np.concatenate([crlf, lone_cr, lone_lf])
                length = np.concatenate([np.full(crlf.size, 2), np.ones(lone_cr.size + lone_lf.size, dtype=np.int64)])
                order = np.argsort(term, kind="stable")
                term, length = term[order] + base, length[order]
                if term.size:
                    next_starts = term + length
                    starts.append(np.concatenate([[line_start], next_starts[:-1]]).astype(np.int64))
                    ends.append(term.astype(np.int64))
                    line_start = int(next_starts[-1])
                base += len(chunk)
                if at_end:
                    break
        if blank:
            raise InputError(self.path, "file is empty")
        if line_start < base:  # a last line without a newline
            starts.append(np.array([line_start], dtype=np.int64))
            ends.append(np.array([base], dtype=np.int64))
        return (np.concatenate(starts) if starts else np.zeros(0, np.int64),
                np.concatenate(ends) if ends else np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.starts)

    def _read(self, offset: int, size: int) -> bytes:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        return os.pread(self._fd, size, offset)

    def lines(self, start: int, end: int) -> list[str]:
        """Lines [start, end), read with one read."""
        end = min(end, len(self))
        if start >= end:
            return []
        base = int(self.starts[start])
        data = self._read(base, int(self.ends[end - 1]) - base)
        return [data[s - base:e - base].decode("utf-8") for s, e in zip(self.starts[start:end].tolist(), self.ends[start:end].tolist())]

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            return self.lines(start, stop)[::step] if step > 0 else [self[i] for i in range(start, stop, step)]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.lines(index, index + 1)[0]

    def __iter__(self) -> Iterator[str]:
        step = 10_000
        for start in range(0, len(self), step):
            yield from self.lines(start, start + step)

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_fd": None}

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)  # type: ignore[arg-type]
