"""Line-aligned text: normalization and every bad input, as a table."""
from __future__ import annotations

import pytest

from relecture.errors import InputError
from relecture.io.text import read_lines


@pytest.mark.parametrize(
    "content, expected",
    [
        ("a\nb\n", ["a", "b"]),
        ("a\nb", ["a", "b"]),
        ("\ufeffa\r\nb\r\n", ["a", "b"]),              # BOM and CRLF normalized
        ("a\n\nc\n", ["a", "", "c"]),                   # empty output lines are kept
        ("a\n\n", ["a", ""]),                            # an empty last segment is a segment
        ("Ça va ? « oui »\n", ["Ça va ? « oui »"]),
    ],
)
def test_read_lines(write, content, expected):
    assert read_lines(write("f.txt", content)) == expected


@pytest.mark.parametrize(
    "content, message, line",
    [
        (b"", "file is empty", None),
        (b"  \n\n", "file is empty", None),
        (b"ok\nbad \xff byte\n", "invalid UTF-8", 2),
        (b"ok\nok\n\x00\x01\x02", "binary content", 3),
        (b"caf\xe9\n", "invalid UTF-8", 1),             # Latin-1, not UTF-8
    ],
)
def test_bad_files(write, content, message, line):
    path = write("bad.txt", content)
    with pytest.raises(InputError) as err:
        read_lines(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)
    assert err.value.line == line
    assert err.value.exit_code == 3


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_lines(tmp_path / "nope.en")


def test_folder_is_not_a_file(tmp_path):
    with pytest.raises(InputError, match="folder"):
        read_lines(tmp_path)
