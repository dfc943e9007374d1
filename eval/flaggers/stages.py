"""CPU seconds of the flaggers' model stages, counted per process: the spaCy NER of each
language, the USE encoder on whole texts, and the USE deletion test.  `bench/flagger_speed.py
--stages` reads them to say where a run's CPU goes; counting costs one clock read per call."""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

cpu_by_stage: defaultdict[str, float] = defaultdict(float)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Add the CPU time of the block to cpu_by_stage[name] (stages do not nest)."""
    started = time.process_time()
    try:
        yield
    finally:
        cpu_by_stage[name] += time.process_time() - started
