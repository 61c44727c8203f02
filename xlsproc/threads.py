"""One thread for the numeric libraries in xlsproc's own processes.

numpy's BLAS starts a thread per core when it is imported, spinning for work xlsproc never gives
it: ~0.08 s of CPU on a one-file `xlsproc check`, and as much in every worker. The command line
and the batch workers ask for one thread before numpy is imported; a program that uses xlsproc as
a library keeps its own settings (nothing here runs on import).
"""
from __future__ import annotations

import os

SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def one_thread_libraries() -> None:
    """Ask the numeric libraries for one thread (unless the environment already says)."""
    for name, value in SINGLE_THREADED.items():
        os.environ.setdefault(name, value)
