"""Errors that reach the user as one line and a documented exit code (README: Exit codes).

0 success / all gates passed · 1 a gate failed · 2 usage or config error · 3 input data error.
"""
from __future__ import annotations


class RelectureError(Exception):
    """Base class: `str(err)` is the one line shown to the user, `exit_code` the process status."""

    exit_code = 2


class UsageError(RelectureError):
    exit_code = 2


class ConfigError(RelectureError):
    exit_code = 2


class InputError(RelectureError):
    """Bad input data: the message names the file (and line, where there is one)."""

    exit_code = 3

    def __init__(self, path: object, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line

