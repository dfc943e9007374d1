"""Generating a system's output: config entry -> backend -> cached, resumable translation.

`generate_output` looks every distinct source segment up in the output cache, has the backend
translate only the misses, stores each finished batch at once (a killed run loses at most the
batches in flight), and returns the outputs in test-set order with what the run folder records
about them (`info`: backend, model and its hash, settings, counts of generated, cached, split
and length-capped segments, seconds, segments/s).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from ..config import RunConfig
from ..errors import UsageError
from ..io.load import load_testset
from ..registry import suggest
from .base import Backend, Translation
from .cache import OutputCache, output_cache
from .progress import GenerationProgress
from .spec import is_generated, system_kind


@dataclass
class Generated:
    """One generated system's outputs (in test-set order) and what the run records about them."""

    outputs: list[str]
    info: dict[str, Any] = field(default_factory=dict)


def build_backend(spec: dict[str, Any], base_dir: Path, resolve: Callable[[str], Path],
                  cache: OutputCache | None) -> Backend:
    """The backend a validated system entry names. Backend modules load only when used, so a
    config of output files never imports torch."""
    kind = system_kind(spec)
    if kind == "model":
        from .transformers import load_model_backend

        return load_model_backend(spec, resolve, cache)
    if kind == "endpoint":
        from .http import EndpointBackend

        return EndpointBackend(spec)
    from .command import CommandBackend

    return CommandBackend(spec, base_dir, cache)


def generate_output(backend: Backend, sources: Sequence[str], cache: OutputCache | None,
                    use_cache: bool = True, progress: GenerationProgress | None = None) -> Generated:
    """Translate `sources` with `backend`, through the cache (when given and `use_cache`)."""
    started = time.monotonic()
    identity = backend.identity()
    distinct = list(dict.fromkeys(sources))
    found: dict[str, Translation] = {}
    if cache is not None and use_cache:
        found = {src: Translation.from_entry(e) for src, e in cache.get_many(identity, distinct).items()}
    todo = [src for src in distinct if src not in found]
    counts = {src: 0 for src in todo}
    for src in sources:
        if src in counts:
            counts[src] += 1
    if progress:
        progress.cached(len(sources) - sum(counts.values()))
    lock = threading.Lock()

    def on_done(batch: dict[str, Translation]) -> None:
        with lock:
            found.update(batch)
            if cache is not None and use_cache:
                cache.put_many(identity, {src: t.to_entry() for src, t in batch.items()})
            if progress:
                progress.advance(sum(counts.get(src, 1) for src in batch))

    if todo:
        backend.run(todo, on_done)
    missing = [src for src in todo if src not in found]
    if missing:  # a backend bug, not a user error: it must answer every source
        raise RuntimeError(f"backend {backend.kind} returned no output for {len(missing)} segments")
    translations = [found[src] for src in sources]
    seconds = time.monotonic() - started
    info = {
        **backend.describe(),
        "segments": len(sources),
        "generated": len(todo),
        "cached": len(distinct) - len(todo),
        "split_segments": sum(1 for t in translations if t.split),
        "capped_segments": sum(1 for t in translations if t.capped),
        "seconds": round(seconds, 3),
        "segments_per_second": round(len(todo) / seconds, 2) if todo and seconds > 0 else None,
    }
    return Generated([t.output for t in translations], info)


def generate_system(name: str, spec: dict[str, Any], sources: Sequence[str], base_dir: Path,
                    resolve: Callable[[str], Path], progress: bool = False) -> Generated:
    """One system entry of a config, translated (the runner's and `translate`'s entry point)."""
    cache = output_cache()
    backend = build_backend(spec, base_dir, resolve, cache)
    try:
        with GenerationProgress(f"translate {name}", len(sources), enabled=progress) as bar:
            return generate_output(backend, sources, cache, use_cache=bool(spec.get("cache", True)), progress=bar)
    finally:
        backend.close()
        if cache is not None:
            cache.close()


def generated_systems(systems: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The entries of `systems:` that are models, endpoints or commands."""
    return {name: spec for name, spec in systems.items() if is_generated(spec)}


def translate(config: RunConfig, system: str, progress: bool = False) -> Generated:
    """Translate the config's test set with one of its generated systems (`relecture translate`,
    `relecture.translate`): the outputs in test-set order and what was recorded about them."""
    specs = generated_systems(config.systems)
    if system not in specs:
        what = "is an output file, not a model, endpoint or command" if system in config.systems else "is not in 'systems'"
        raise UsageError(f"{config.source}: system '{system}' {what}{suggest(system, specs) if specs else ''}")
    testset, _, _ = load_testset(config.testset, config.resolve_path)
    return generate_system(system, specs[system], testset.src, config.base_dir, config.resolve_path, progress)
