"""The indexed text file reads the same lines as the in-memory reader, whatever the chunking."""
from __future__ import annotations

import random

import pytest
from relecture.engine import textfile
from relecture.engine.textfile import TextFile
from relecture.errors import InputError
from relecture.io.text import read_lines

CASES = [
    b"a\nb\n", b"a\nb", b"\xef\xbb\xbfa\r\nb\rc\n\n", b"x\r\n\r\ny", b"a\n\n\n", "\u00e9\n\u00e0\r\n".encode(),
    b"a\r", b"a\r\r\nb", b"\n\nx",
]


@pytest.mark.parametrize("chunk", [3, 7, textfile.CHUNK])
def test_same_lines_as_read_lines(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(textfile, "CHUNK", chunk)
    rng = random.Random(15)
    cases = CASES + [bytes(rng.choice(b"ab \r\n") for _ in range(rng.randint(1, 30))) for _ in range(80)]
    for k, data in enumerate(cases):
        path = tmp_path / f"{k}.txt"
        path.write_bytes(data)
        try:
            expected: object = read_lines(path)
        except InputError as exc:
            expected = str(exc)
        try:
            found = TextFile(path)
            got: object = list(found)
            assert got == [found[i] for i in range(len(found))]
            assert got == found.lines(0, len(found)) == found[:]
        except InputError as exc:
            got = str(exc)
        assert got == expected, data


@pytest.mark.parametrize("data, message", [
    (b"ok\nbad \xff here\n", "2: invalid UTF-8 (byte 0xff)"),
    (b"ok\nnul\x00\n", "2: binary content (NUL byte)"),
    (b" \n\n", "file is empty"),
])
def test_bad_files_name_the_line(tmp_path, data, message):
    path = tmp_path / "x.txt"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        TextFile(path)
