"""Python's cyclic garbage collector in xlsproc's own processes (the command line and workers).

Importing pandas and the pipeline leaves ~300,000 objects that live as long as the process. The
collector, run every 700 allocations, scans them again and again while they are being made:
about a fifth of the import time (~45 ms of a one-workbook run). So the command line imports
with the collector paused (`paused`, or launch.py's gc.disable before anything is imported),
then `settle`s: what exists is moved out of the collector's reach for good (gc.freeze: a forked
worker then copies no pages when the collector runs) and the collector runs again. A worker
runs it every 10,000 allocations instead of 700 (WORKER_THRESHOLD): it makes millions of
short-lived tuples and dicts and few cycles (~10 % of its CPU otherwise). Nothing here runs on
import: a program that uses xlsproc as a library keeps its own settings.

Settling before the collector is back on matters: switched on with 300,000 young objects, its
first full collection costs ~20 ms.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

WORKER_THRESHOLD = (10_000, 20, 20)


def settle(threshold: tuple[int, int, int] | None = None) -> None:
    """Everything made so far (modules, their tables) is out of the collector's scans from now
    on; the collector is on, every `threshold` allocations when given."""
    gc.freeze()
    if threshold is not None:
        gc.set_threshold(*threshold)
    gc.enable()


def settle_worker() -> None:
    settle(WORKER_THRESHOLD)


@contextmanager
def paused() -> Iterator[None]:
    """Imports without the collector; afterwards what they made is frozen out of its scans and
    the collector is as it was (on or off)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_on:
            gc.enable()
