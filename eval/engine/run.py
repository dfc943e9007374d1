"""Which engine runs a config: in memory (runner.py), streamed block by block (stream.py), or
on a Ray cluster (ray.py, when `engine.ray` is set or `relecture run --ray`). Every one writes
the same run folder, atomically, and gives the same results."""
from __future__ import annotations

from pathlib import Path

from ..config import RunConfig
from ..runner import evaluate, write_run
from ..types import Report
from .stream import stream_run, wants_stream


def run_engine(config: RunConfig, out_dir: Path | None = None, progress: bool = False) -> tuple[Report, Path]:
    """Score the run the config describes and write its folder: (report, folder)."""
    if config.engine.get("ray") is not None:
        # the optional `ray` extra: imported only when a run asks for it
        from .ray_engine import run_on_ray

        return run_on_ray(config, out_dir)
    if wants_stream(config):
        return stream_run(config, out_dir)
    report = evaluate(config, progress=progress)
    return report, write_run(report, config, out_dir)
