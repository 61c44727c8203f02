"""Watch mode: process workbooks as they are dropped into INBOX or replaced there.

Polling with the standard library (no watchdog): it sees files on network shares and USB
drives alike, where change notifications are unreliable. A file is taken once its size and
mtime have stayed the same for `settle` seconds: Excel and WPS save through temporary files
and renames, and a copy over the network grows for a while. Lock files (~$name.xlsx, .~name)
and temporary files are ignored. Each change triggers an incremental process() run with one
worker pool kept for the whole session; results.json then describes the settled INBOX.
"""
from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Callable

from xlsproc.batch.outputs import outbox_lock
from xlsproc.batch.pool import WorkerPool
from xlsproc.model import XlsprocError
from xlsproc.batch.run import (CHUNK, DEFAULT_TIMEOUT, UNREADABLE, WORKER_MODULES, Outcome,
                      check_paths, discover, process, relative, work)
from xlsproc.rules import Rules, load_rules

Snapshot = dict[str, tuple[int, int]]          # rel → (size, mtime_ns)


def snapshot(inbox: Path, outbox: Path) -> Snapshot:
    """Size and mtime of every workbook below INBOX (lock files excluded)."""
    snap = {}
    for path in discover(inbox, outbox, include_locks=False):
        try:
            st = path.stat()
        except OSError:
            try:
                st = path.lstat()             # a broken or looping link: listed, as by process
            except OSError:                   # renamed away between listing and stat
                continue
        snap[relative(path, inbox).as_posix()] = (st.st_size, st.st_mtime_ns)
    return snap


class Settler:
    """Tracks when each file last changed; a file is settled after `settle` quiet seconds."""

    def __init__(self, settle: float):
        self.settle = settle
        self.seen: Snapshot = {}
        self.changed: dict[str, float] = {}

    def update(self, snap: Snapshot, now: float) -> Snapshot:
        """The settled files with their stats."""
        for rel, stat in snap.items():
            if self.seen.get(rel) != stat:
                self.changed[rel] = now
        for rel in set(self.changed) - set(snap):
            del self.changed[rel]
        self.seen = snap
        return {r: s for r, s in snap.items() if now - self.changed[r] >= self.settle}


def watch(inbox: str | Path, outbox: str | Path, rules: Rules | None = None, *,
          jobs: int | None = None, timeout: float | None = DEFAULT_TIMEOUT,
          settle: float = 2.0, poll: float = 0.2, stop_event: threading.Event | None = None,
          on_record: Callable[[dict], None] | None = None,
          on_batch: Callable[[Outcome], None] | None = None,
          start_method: str | None = None, handler: Callable = work) -> None:
    """Process INBOX into OUTBOX whenever settled files appear, change or leave, until
    stop_event is set (or KeyboardInterrupt). Returns after the worker pool is shut down.

    While INBOX cannot be read (a network share away), nothing is processed or removed."""
    inbox, outbox = Path(inbox), Path(outbox)
    if not inbox.is_dir():
        raise XlsprocError("usage", f"监视模式需要一个收件目录，{inbox} 不是目录。")
    check_paths(inbox, outbox)
    rules = rules or load_rules()
    stop = stop_event or threading.Event()
    with outbox_lock(outbox):                     # held for the whole session
        restore = _stop_on_ctrl_c(stop)
        pool = WorkerPool(handler, None, jobs, timeout, start_method, chunk=CHUNK,
                          preload=WORKER_MODULES)  # each run sets its context (process)
        watcher = _Watcher(inbox, outbox, rules, pool, Settler(settle), timeout, on_record,
                           on_batch)
        try:
            while not stop.is_set():
                try:
                    watcher.cycle()
                except XlsprocError as exc:
                    if exc.code != UNREADABLE:
                        raise
                stop.wait(poll)
        finally:
            pool.close()
            restore()


def _stop_on_ctrl_c(stop: threading.Event) -> Callable[[], None]:
    """Ctrl-C sets `stop` as well as raising KeyboardInterrupt: Python drops an exception raised
    while a finaliser or an import-lock callback runs ("Exception ignored in …"), and a Ctrl-C
    landing there would leave watch running for ever. Returns the function restoring the old
    handler (only the main thread can install one; elsewhere this does nothing)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGINT)

    def on_ctrl_c(signum, frame):
        stop.set()
        raise KeyboardInterrupt
    signal.signal(signal.SIGINT, on_ctrl_c)
    return lambda: signal.signal(signal.SIGINT, previous)


class _Watcher:
    """One look at INBOX per cycle; a run when the settled files differ from the last run's."""

    def __init__(self, inbox, outbox, rules, pool, settler, timeout, on_record, on_batch):
        self.inbox, self.outbox, self.rules, self.pool = inbox, outbox, rules, pool
        self.settler, self.timeout = settler, timeout
        self.on_record, self.on_batch = on_record, on_batch
        self.done: Snapshot | None = None

    def cycle(self) -> None:
        settled = self.settler.update(snapshot(self.inbox, self.outbox), time.monotonic())
        if settled == self.done:
            return
        outcome = process(self.inbox, self.outbox, self.rules, pool=self.pool, only=settled,
                          include_locks=False, on_record=self.on_record, timeout=self.timeout)
        self.done = settled
        if self.on_batch:
            self.on_batch(outcome)
