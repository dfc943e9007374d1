"""Per-segment output cache (SQLite, a table beside the score cache in the same database file):
a rerun translates only the segments whose (system identity, source) it has not seen, and a run
killed half-way resumes, because each batch is stored as soon as it is translated.

The identity of a generated system is a JSON object of everything an output depends on: the
backend, the model (weights sha256, or endpoint URL + model name, or the command and its
script's sha256), the decoding settings, the prompt or prefix and the language codes. The key of
an entry is sha256(identity) and sha256(source segment).

The file-hash table remembers the sha256 of checkpoint files by (path, size, mtime), so a
rerun does not reread gigabytes of weights to learn they have not changed.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

from ..cache import OFF, ScoreCache, default_path, sha256_text
from ..models import sha256_file

SCHEMA = """
CREATE TABLE IF NOT EXISTS outputs (
    ident TEXT NOT NULL,  -- sha256 of the system identity
    key TEXT NOT NULL,    -- sha256 of the source segment
    value TEXT NOT NULL,  -- JSON: {"output": str, "split": pieces or 0, "capped": bool}
    PRIMARY KEY (ident, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS generators (
    ident TEXT PRIMARY KEY,
    identity TEXT NOT NULL  -- the JSON identity, for a person reading the database
);
CREATE TABLE IF NOT EXISTS file_hashes (
    path TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL,
    PRIMARY KEY (path, size, mtime_ns)
) WITHOUT ROWID;
"""


def identity_key(identity: dict[str, Any]) -> str:
    return sha256_text(json.dumps(identity, sort_keys=True, ensure_ascii=False))


def source_key(src: str) -> str:
    return sha256_text(src)


class OutputCache(ScoreCache):
    """Outputs of generated systems by (identity, source), in the score cache's database (its
    connection, WAL journal and lock: safe across threads and processes)."""

    def __init__(self, path: str | Path | None = None) -> None:
        super().__init__(path)
        self.db.executescript(SCHEMA)

    def get_many(self, identity: dict[str, Any], sources: Iterable[str]) -> dict[str, dict[str, Any]]:
        """source -> stored entry, for the sources already translated by this identity."""
        ident = identity_key(identity)
        by_key = {source_key(src): src for src in sources}
        keys = sorted(by_key)
        found: dict[str, dict[str, Any]] = {}
        with self.lock:
            for start in range(0, len(keys), 500):  # SQLite's bound-parameter limit
                chunk = keys[start:start + 500]
                rows = self.db.execute(
                    f"SELECT key, value FROM outputs WHERE ident = ? AND key IN ({','.join('?' * len(chunk))})",
                    [ident, *chunk])
                found.update((by_key[key], json.loads(value)) for key, value in rows)
        return found

    def put_many(self, identity: dict[str, Any], entries: dict[str, dict[str, Any]]) -> None:
        """Store source -> entry in one transaction (one batch: a kill loses at most a batch)."""
        ident = identity_key(identity)
        with self.lock, self.db:
            self.db.execute("INSERT OR IGNORE INTO generators VALUES (?, ?)",
                            (ident, json.dumps(identity, sort_keys=True, ensure_ascii=False)))
            self.db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?)",
                                [(ident, source_key(src), json.dumps(entry, ensure_ascii=False))
                                 for src, entry in entries.items()])

    def count(self, identity: dict[str, Any]) -> int:
        with self.lock:
            row = self.db.execute("SELECT COUNT(*) FROM outputs WHERE ident = ?", (identity_key(identity),)).fetchone()
        return int(row[0])

    def file_sha256(self, path: Path) -> str:
        """sha256 of a file, remembered by (path, size, mtime)."""
        stat = path.stat()
        where = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        with self.lock:
            row = self.db.execute("SELECT sha256 FROM file_hashes WHERE path = ? AND size = ? AND mtime_ns = ?",
                                  where).fetchone()
        if row:
            return str(row[0])
        digest = sha256_file(str(path))
        with self.lock, self.db:
            self.db.execute("INSERT OR REPLACE INTO file_hashes VALUES (?, ?, ?, ?)", (*where, digest))
        return digest


def output_cache() -> OutputCache | None:
    """The cache generation uses: None when RELECTURE_CACHE is off (0, off, no)."""
    if os.environ.get("RELECTURE_CACHE", "").lower() in OFF:
        return None
    return OutputCache(default_path())
