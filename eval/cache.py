"""Content-addressed per-segment score cache (SQLite): a rerun scores only what changed.

Key: the metric's signature (model id, weights sha256, library versions, device, dtype and
settings: anything that changes a score changes it) plus the sha256 of the segment's
(src, hyp, refs).  A metric whose segment scores depend on the whole scored set (BERTScore with
idf computed on the references) declares `corpus_dependent = True`, and its signature is then
extended with the hash of every reference.

`score_cached(metric, segments, cache)` looks every segment up, scores only the misses with
`metric.score`, stores them, and rebuilds the full MetricResult:
- seg_scores in segment order;
- the corpus score from the per-segment statistics when the metric keeps them
  (`metric.score_from_stats`: BLEU, chrF, TER), else the mean of segment scores for
  metrics that declare `corpus_is_mean = True`; other metrics are not cached (scored directly);
- `extra`: lists of segment ids under keys ending in `_ids` (e.g. `split_segments_ids`) are
  stored as per-segment marks and rebuilt with their counts (`split_segments`); per-segment
  values a result carries in its (unserialised) `segment_parts` attribute, e.g. BERTScore's
  precision and recall, are stored per segment and their means rebuilt under the same keys;
  error spans (`error_spans`, XCOMET) are stored with their segment and re-indexed to its place
  in the scored set; other keys are constant for one signature and stored with it.

The database is safe for several processes (WAL journal, one transaction per batch).
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .errors import InputError
from .metrics.base import Metric, Progress
from .types import MetricResult, Segment, Signature

SCHEMA = """
CREATE TABLE IF NOT EXISTS scores (
    sig TEXT NOT NULL,   -- sha256 of the signature
    key TEXT NOT NULL,   -- sha256 of the segment content
    value TEXT NOT NULL, -- JSON: {"score": f, "stats": [..] | null, "marks": [..]}
    PRIMARY KEY (sig, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS signatures (
    sig TEXT PRIMARY KEY,
    signature TEXT NOT NULL,
    extra TEXT NOT NULL  -- JSON: the constant part of MetricResult.extra
);
"""


OFF = ("0", "off", "no", "false", "none")
# The layout of the stored entries; part of every key, so that entries an older layout wrote are
# misses, never read as this one (2: XCOMET error spans stored per segment, not per signature).
ENTRY_FORMAT = 2


def _sig_key(signature: str) -> str:
    return sha256_text(f"{signature}|entries:{ENTRY_FORMAT}")


def default_path() -> Path:
    """RELECTURE_CACHE (a file path), else $XDG_CACHE_HOME/relecture/scores.sqlite3."""
    if os.environ.get("RELECTURE_CACHE", "").lower() not in ("", *OFF):
        return Path(os.environ["RELECTURE_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "relecture" / "scores.sqlite3"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def segment_key(segment: Segment) -> str:
    """Hash of what a score depends on: source, output, references (not the index)."""
    return sha256_text(json.dumps([segment.src, segment.hyp, list(segment.refs)], ensure_ascii=False))


class ScoreCache:
    """A per-segment score store keyed by (signature, segment content)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        if self.path.is_dir():
            raise InputError(self.path, "the score cache is a folder, not a file; move it away, or set RELECTURE_CACHE "
                             "to a file path (or to 'off')")
        if self.path.parent.exists() and not self.path.parent.is_dir():
            raise InputError(self.path.parent, "is a file, so the score cache cannot be made in it; set RELECTURE_CACHE")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            # Not a database, or a damaged one (a truncated copy): kept beside, never deleted,
            # and a new cache is started (every later run would fail on it otherwise).
            aside = self.path.with_name(f"{self.path.name}.damaged-{int(time.time())}")
            for suffix in ("", "-wal", "-shm"):
                part = Path(f"{self.path}{suffix}")
                if part.exists():
                    os.replace(part, f"{aside}{suffix}")
            print(f"relecture: warning: {self.path}: the score cache was damaged ({exc}); moved to {aside}, "
                  "and a new one started", file=sys.stderr)
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), timeout=60, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
            # reads every page of the two tables' indexes: a truncated file fails here, at open
            db.execute("SELECT COUNT(*) FROM signatures").fetchone()
            db.execute("SELECT COUNT(*) FROM scores").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _damaged(self, exc: sqlite3.DatabaseError) -> InputError:
        return InputError(self.path, f"the score cache is damaged ({exc}); move it away (a new one is made on the "
                          "next run) or set RELECTURE_CACHE=off")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "ScoreCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_many(self, signature: str, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        sig = _sig_key(signature)
        wanted = sorted(set(keys))
        found: dict[str, dict[str, Any]] = {}
        with self.lock:
            for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
                chunk = wanted[start:start + 500]
                try:
                    rows = self.db.execute(
                        f"SELECT key, value FROM scores WHERE sig = ? AND key IN ({','.join('?' * len(chunk))})",
                        [sig, *chunk],
                    ).fetchall()
                    found.update((key, json.loads(value)) for key, value in rows)
                except sqlite3.DatabaseError as exc:
                    raise self._damaged(exc) from None
                except ValueError as exc:  # an entry that is not JSON: written by something else
                    raise self._damaged(sqlite3.DatabaseError(f"an entry is not JSON: {exc}")) from None
        return found

    def put_many(self, signature: str, entries: dict[str, dict[str, Any]], extra: dict[str, Any]) -> None:
        sig = _sig_key(signature)
        try:
            with self.lock, self.db:
                self.db.execute("INSERT OR REPLACE INTO signatures VALUES (?, ?, ?)",
                                (sig, signature, json.dumps(extra, sort_keys=True)))
                self.db.executemany("INSERT OR REPLACE INTO scores VALUES (?, ?, ?)",
                                    [(sig, key, json.dumps(value)) for key, value in entries.items()])
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc) or "unable to open" in str(exc):
                raise InputError(self.path, f"cannot write the score cache ({exc}); set RELECTURE_CACHE=off or another path") from None
            raise self._damaged(exc) from None
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None

    def signature_extra(self, signature: str) -> dict[str, Any] | None:
        try:
            with self.lock:
                row = self.db.execute("SELECT extra FROM signatures WHERE sig = ?", (_sig_key(signature),)).fetchone()
            return json.loads(row[0]) if row else None
        except (sqlite3.DatabaseError, ValueError) as exc:
            raise self._damaged(sqlite3.DatabaseError(str(exc))) from None

    def __len__(self) -> int:
        with self.lock:
            return int(self.db.execute("SELECT COUNT(*) FROM scores").fetchone()[0])


_ACTIVE: dict[Path, ScoreCache] = {}


def active_cache() -> ScoreCache | None:
    """The process's cache for the runner: None when RELECTURE_CACHE is off (0, off, no)."""
    if os.environ.get("RELECTURE_CACHE", "").lower() in OFF:
        return None
    path = default_path()
    if path not in _ACTIVE:
        _ACTIVE[path] = ScoreCache(path)
    return _ACTIVE[path]


def score_for_run(metric: Metric, segments: Sequence[Segment], progress: Progress | None = None) -> MetricResult:
    """What the runner calls: model-based metrics go through the cache, lexical ones (pure
    Python, faster to recompute than to look up) are scored directly."""
    if metric.pure_python:
        return metric.score(segments, progress)
    return score_cached(metric, segments, active_cache(), progress)


def cacheable(metric: Metric) -> bool:
    return metric.keeps_stats or metric.corpus_is_mean


def cache_signature(metric: Metric, segments: Sequence[Segment]) -> str:
    signature = str(metric.signature_for_segments(segments))
    if metric.corpus_dependent:
        refs = json.dumps([list(seg.refs) for seg in segments], ensure_ascii=False)
        signature += f"|corpus:{sha256_text(refs)[:16]}"
    return signature


def score_cached(metric: Metric, segments: Sequence[Segment], cache: ScoreCache | None,
                 progress: Progress | None = None) -> MetricResult:
    """`metric.score(segments)`, with every segment already in `cache` taken from there."""
    if cache is None or not cacheable(metric) or not segments:
        return metric.score(segments, progress=progress)
    return score_through_cache(metric, segments, cache, cache_signature(metric, segments),
                               lambda todo: entries_of(todo, metric.score(todo, progress=progress)), progress)


# Scores the segments the cache lacks: (their entries in the given order, the constant extra).
FreshEntries = Callable[[list[Segment]], tuple[list[dict[str, Any]], dict[str, Any]]]


def score_through_cache(metric: Metric, segments: Sequence[Segment], cache: ScoreCache | None, signature: str,
                        fresh: FreshEntries, progress: Progress | None = None) -> MetricResult:
    """The MetricResult of `segments` from the cache's entries under `signature` and `fresh`
    ones for the rest, which are then stored. `fresh` may score anywhere: in this process
    (score_cached) or in a Ray actor pool, whose entries only this process writes to its cache
    (engine/ray_engine.py), so several nodes never write one SQLite file."""
    keys = [segment_key(seg) for seg in segments]
    hits = cache.get_many(signature, keys) if cache is not None else {}
    missing = [seg for seg, key in zip(segments, keys) if key not in hits]
    constant_extra = cache.signature_extra(signature) if cache is not None and not missing else None
    if missing or constant_extra is None:
        todo = missing or list(segments)
        if progress and len(todo) < len(segments):
            progress(len(segments) - len(todo))  # cached segments count as done at once
        entries, constant_extra = fresh(todo)
        stored = {segment_key(seg): entry for seg, entry in zip(todo, entries)}
        if cache is not None:
            cache.put_many(signature, stored, constant_extra)
        hits.update(stored)
    elif progress:
        progress(len(segments))
    return assemble(metric, segments, [hits[key] for key in keys], constant_extra)


def entries_of(segments: Sequence[Segment], result: MetricResult) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per-segment cache entries of a fresh result, and the constant part of its extra."""
    if result.seg_scores is None or len(result.seg_scores) != len(segments):
        raise ValueError(f"metric '{result.metric}' returned no per-segment scores: it cannot be cached")
    marks: dict[int, list[str]] = {}
    names = [key[: -len("_ids")] for key, value in result.extra.items()
             if key.endswith("_ids") and isinstance(value, list)]
    for name in names:
        for idx in result.extra[f"{name}_ids"]:
            marks.setdefault(idx, []).append(name)
    parts: dict[str, list[float]] = dict(result.segment_parts or {})
    # error spans (XCOMET) belong to their segment: kept in its entry, without the index, which
    # is the segment's place in this run only
    spans: dict[int, list[dict[str, Any]]] | None = None
    if "error_spans" in result.extra:
        spans = {}
        for span in result.extra["error_spans"]:
            spans.setdefault(span["seg_idx"], []).append({k: v for k, v in span.items() if k != "seg_idx"})
    derived = set(names) | {f"{name}_ids" for name in names} | set(parts) | {"error_spans"}
    constant: dict[str, Any] = {key: value for key, value in result.extra.items() if key not in derived}
    # fields as a list of pairs: the store sorts mapping keys, and the field order is the signature's
    constant["__signature__"] = {**result.signature.to_dict(), "fields": [list(pair) for pair in result.signature.fields]}
    constant["__marks__"] = names
    constant["__parts__"] = sorted(parts)
    constant["__spans__"] = spans is not None
    entries = [
        {"score": result.seg_scores[i],
         "stats": result.seg_stats[i] if result.seg_stats is not None else None,
         "marks": marks.get(seg.idx, []),
         **({"parts": {key: values[i] for key, values in parts.items()}} if parts else {}),
         **({"spans": spans.get(seg.idx, [])} if spans is not None else {})}
        for i, seg in enumerate(segments)
    ]
    return entries, constant


def assemble(metric: Metric, segments: Sequence[Segment], entries: list[dict[str, Any]],
             constant_extra: dict[str, Any]) -> MetricResult:
    seg_scores = [float(e["score"]) for e in entries]
    stats = [e["stats"] for e in entries]
    has_stats = all(s is not None for s in stats)
    extra = dict(constant_extra)
    stored = extra.pop("__signature__")
    signature = Signature.from_dict(stored) if isinstance(stored, dict) else Signature.from_legacy(str(stored))
    names = extra.pop("__marks__", [])
    part_names = extra.pop("__parts__", [])
    if extra.pop("__spans__", False):
        extra["error_spans"] = [{"seg_idx": seg.idx, **span} for seg, e in zip(segments, entries)
                                for span in e.get("spans", [])]
    if has_stats and metric.keeps_stats:
        score = float(metric.score_from_stats(stats))
    else:
        score = sum(seg_scores) / len(seg_scores)
    for key in part_names:
        values = [float(e["parts"][key]) for e in entries]
        extra[key] = sum(values) / len(values)
    for name in names:
        ids = [seg.idx for seg, e in zip(segments, entries) if name in e["marks"]]
        extra[name] = len(ids)
        extra[f"{name}_ids"] = ids
    return MetricResult(
        metric=metric.name,
        score=score,
        signature=signature,
        higher_is_better=metric.higher_is_better,
        seg_scores=seg_scores,
        seg_stats=stats if has_stats else None,
        extra=extra,
    )
