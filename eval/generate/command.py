"""The command backend: a program that reads French lines on stdin and writes as many English
lines on stdout. A non-zero exit or a different number of lines is a GenerationError naming
the command, its exit status and the last line it wrote on stderr.

Its identity is the argv plus the sha256 of every argument that is a file (the script itself,
a model file), so editing the script invalidates its cached outputs.
"""
from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Any

from ..errors import GenerationError
from .base import Backend, OnDone, Translation
from .cache import OutputCache
from ..models import sha256_file


class CommandBackend(Backend):
    kind = "command"

    def __init__(self, spec: dict[str, Any], base_dir: Path, cache: OutputCache | None) -> None:
        command = spec["command"]
        self.argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
        self.base_dir = base_dir  # the command runs in the config's folder: relative paths as written
        self.batch_size = spec.get("batch_size")
        self.timeout = spec.get("timeout")
        self.files: dict[str, str] = {}
        for arg in self.argv[1:]:
            path = base_dir / arg
            if path.is_file():
                self.files[arg] = cache.file_sha256(path) if cache else sha256_file(str(path))

    def identity(self) -> dict[str, Any]:
        return {"backend": "command", "command": self.argv, "files_sha256": self.files}

    def run(self, sources: list[str], on_done: OnDone) -> None:
        size = self.batch_size or len(sources)
        for start in range(0, len(sources), size):
            chunk = sources[start:start + size]
            outputs = self._call(chunk)
            on_done({src: Translation(out) for src, out in zip(chunk, outputs)})

    def _call(self, chunk: list[str]) -> list[str]:
        shown = shlex.join(self.argv)
        try:
            done = subprocess.run(self.argv, input="".join(f"{line}\n" for line in chunk), capture_output=True,
                                  text=True, encoding="utf-8", errors="replace", cwd=self.base_dir,
                                  timeout=self.timeout)
        except FileNotFoundError:
            raise GenerationError(f"command {shown}: '{self.argv[0]}' not found") from None
        except PermissionError:
            raise GenerationError(f"command {shown}: '{self.argv[0]}' is not executable") from None
        except subprocess.TimeoutExpired:
            raise GenerationError(f"command {shown} did not finish within {self.timeout} s") from None
        if done.returncode != 0:
            last = next((line for line in reversed(done.stderr.splitlines()) if line.strip()), "")
            said = f": {last.strip()}" if last else ""
            raise GenerationError(f"command {shown} exited with status {done.returncode}{said}")
        lines = done.stdout.splitlines()
        if len(lines) != len(chunk):
            raise GenerationError(f"command {shown} wrote {len(lines)} lines for {len(chunk)} input lines; "
                                  f"it must write one line per line read")
        return [line.rstrip("\r") for line in lines]
