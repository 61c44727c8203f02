"""A worker pool that survives its workers: a crash or a hang costs one task, never the batch.

concurrent.futures gives up on the whole pool when one worker dies and cannot stop a task that
hangs. Here each worker has its own pipe; the parent hands out chunks of tasks and the worker
reports events as it goes:

    ("begin", i)           task i of the chunk is being worked on (None: the chunk as a whole)
    ("done", i, result)    task i finished
    ("failed", i, detail)  task i raised
    ("done", i, result, j) task i finished and task j begins (one message instead of two)
    ("broken", error)      the worker cannot work (an ImportError: the installation): raised here

The parent sends each worker chunks (lists of tasks), None to stop, or ("context", context) when
the pool's context changed since the worker last got it (a pool kept across runs: watch mode).

The parent watches each worker's clock (time since its last event) and its process sentinel. A
worker that dies or exceeds the time limit is killed and replaced; the task it had begun fails
(CRASHED / TIMEOUT) and the rest of its chunk goes back to the queue. If it died while working
on the chunk as a whole, the chunk's tasks are retried one per chunk, so that the culprit is
found alone. Works with the fork, forkserver and spawn start methods (for spawn the handler and
its context must be picklable: a module-level function, or functools.partial of one).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Any, Callable

from xlsproc.collector import paused, settle_worker
from xlsproc.threads import one_thread_libraries

CRASHED = "worker-crashed"
TIMEOUT = "file-timeout"
FAILED = "internal-error"


def default_start_method() -> str:
    """$XLSPROC_START_METHOD, else the platform's default, except fork from a multi-threaded
    process (deadlock-prone). XLSPROC_START_METHOD=spawn on Linux behaves as on Windows."""
    method = (os.environ.get("XLSPROC_START_METHOD") or mp.get_start_method(allow_none=True)
              or mp.get_context().get_start_method())
    if method not in mp.get_all_start_methods():
        from xlsproc.model import XlsprocError
        raise XlsprocError("usage", f"环境变量 XLSPROC_START_METHOD 的值“{method}”无效，可用的值："
                           f"{'、'.join(mp.get_all_start_methods())}；不设则用本系统的默认方式。")
    if method == "fork" and threading.active_count() > 1:
        return "forkserver"
    return method


@contextmanager
def _ctrl_c_deferred():
    """SIGINT blocked while a worker is forked and registered: a Ctrl-C then can neither leave
    a worker the pool does not know of (holding the terminal's pipes open after we exit) nor
    hit the child before it ignores SIGINT (a KeyboardInterrupt traceback from a worker)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _worker_main(conn, handler: Callable, context: Any, inherited: tuple = ()) -> None:
    """Child process: run chunks through the handler, forward its events, stop on None or EOF.

    inherited: (fork) the parent's ends of this worker's pipe and of its siblings', closed here:
    held open they would keep a send blocked for ever once the parent is killed (nobody reads,
    nobody closes) — an orphan that never exits."""
    for other in inherited:
        other.close()
    if hasattr(signal, "SIGINT"):
        signal.signal(signal.SIGINT, signal.SIG_IGN)     # the parent decides when to stop
        if hasattr(signal, "pthread_sigmask"):           # blocked by the parent around fork
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    one_thread_libraries()
    parent = os.getppid()
    with paused():                                       # warm-up: imports, caches
        for _ in handler(None, context):
            pass
    settle_worker()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            chunk = _next_chunk(conn, parent)
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        if isinstance(chunk, tuple) and chunk[0] == "context":
            context = chunk[1]
            continue
        if not _run_chunk(conn, handler, chunk, context, parent):
            return


def _next_chunk(conn, parent: int):
    """The next message; None once the parent is gone. With fork, sibling workers inherit the
    parent's end of this pipe, so its death does not always show as EOF: watch its pid too."""
    while not conn.poll(1.0):
        if os.getppid() != parent:
            return None
    return conn.recv()


def _run_chunk(conn, handler: Callable, chunk: list, context: Any, parent: int | None = None) -> bool:
    """False when the parent died meanwhile (kill -9): the rest of the chunk is abandoned, so
    that no orphan goes on writing into OUTBOX under the next run's feet."""
    finished: set[int] = set()
    events = handler(chunk, context)
    try:
        for event in events:
            if parent is not None and os.getppid() != parent:
                getattr(events, "close", lambda: None)()
                return False
            conn.send(event)
            if event[0] != "begin":
                finished.add(event[1])
    except ImportError as exc:    # the installation, not a task: the run stops (the parent
        import traceback              # raises it, with the worker's traceback for --debug)
        exc.add_note("in the worker process:\n" + traceback.format_exc())
        conn.send(("broken", exc))
        return False
    except Exception as exc:      # noqa: BLE001 — a handler bug must not take the worker down
        detail = f"{type(exc).__name__}: {str(exc)[:300]}"
        for i in range(len(chunk)):
            if i not in finished:
                conn.send(("failed", i, detail))
    return True


@dataclass
class _Worker:
    proc: Any
    conn: Any
    tasks: dict = field(default_factory=dict)      # chunk index → task, not yet finished
    current: int | None = None                     # the task it said it began
    since: float = 0.0                             # its last sign of life
    ready: bool = False
    done: int = 0
    version: int = 0                               # of the pool's context it has got


class WorkerPool:
    """`run(tasks, on_done, on_failed)`; workers start lazily and persist until `close()`.

    handler(chunk, context) is a generator run in a worker, yielding the events above; it is
    called once with chunk=None when the worker starts (warm-up). Tasks must be hashable.
    on_done(task, result) and on_failed(task, code, detail) run in the parent, code being
    CRASHED, TIMEOUT or FAILED.
    """

    def __init__(self, handler: Callable, context: Any, jobs: int | None = None,
                 timeout: float | None = 120.0, start_method: str | None = None,
                 max_tasks_per_worker: int = 1000, chunk: int = 8,
                 preload: tuple[str, ...] = ()):
        self.handler, self.context = handler, context
        self.preload = preload     # modules every worker needs: imported once, before forking
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.timeout = timeout
        self.ctx = mp.get_context(start_method or default_start_method())
        self.max_tasks = max_tasks_per_worker
        self.chunk = max(1, chunk)
        self.workers: list[_Worker] = []
        self.failed_starts = 0
        self.solo: set = set()           # tasks to run one per chunk (suspects of a crash)
        self.version = 0                 # of the context: bumped by set_context

    def set_context(self, context: Any) -> None:
        """The context for the tasks from now on; running workers get it before their next chunk."""
        if context != self.context:
            self.context = context
            self.version += 1

    # --- lifecycle -------------------------------------------------------------------------

    def _start_worker(self) -> _Worker:
        worker = self._adopt_early()
        if worker is not None:
            return worker
        if self.preload:
            self._preload()
        parent, child = self.ctx.Pipe(duplex=True)
        inherited = ((parent, *(w.conn for w in self.workers))
                     if self.ctx.get_start_method() == "fork" else ())
        proc = self.ctx.Process(target=_worker_main, args=(child, self.handler, self.context,
                                                           inherited),
                                daemon=True, name="xlsproc-worker")
        with _ctrl_c_deferred():
            proc.start()
            child.close()
            worker = _Worker(proc, parent, since=time.monotonic(), version=self.version)
            self.workers.append(worker)
        return worker

    def _adopt_early(self) -> _Worker | None:
        """The worker the command line forked before it was parsed (headstart.py), if there is
        one: it has imported the worker modules meanwhile. None if it cannot take this pool's
        handler and context (they do not pickle): it is stopped, and workers fork as usual."""
        from xlsproc.batch import headstart
        early = headstart.take()
        if early is None:
            return None
        proc, conn = early
        try:
            conn.send(("adopt", self.handler, self.context))
        except Exception:                 # noqa: BLE001 — e.g. a lambda handler (a test's)
            worker = _Worker(proc, conn)
            self._stop_worker(worker, kill=True)
            return None
        worker = _Worker(proc, conn, since=time.monotonic(), version=self.version)
        self.workers.append(worker)
        return worker

    def _preload(self) -> None:
        """Forked workers start with the modules already imported (pandas alone takes ~0.3 s
        of CPU per worker otherwise): fork inherits this process's, forkserver imports them once
        in its server. Done when the first worker starts, so a run with nothing to do pays
        nothing; spawn (Windows) imports in every worker as before."""
        method = self.ctx.get_start_method()
        one_thread_libraries()
        if method == "fork":
            import importlib
            with paused():              # then frozen: forked workers copy no pages on GC scans
                for name in self.preload:
                    importlib.import_module(name)
        elif method == "forkserver":
            self.ctx.set_forkserver_preload(list(self.preload))
        self.preload = ()

    def _stop_worker(self, worker: _Worker, kill: bool) -> None:
        if worker in self.workers:
            self.workers.remove(worker)
        if kill:
            worker.proc.kill()
        else:
            try:
                worker.conn.send(None)
            except OSError:
                worker.proc.kill()
        worker.proc.join(timeout=5)
        if worker.proc.is_alive():
            worker.proc.kill()
            worker.proc.join()
        worker.conn.close()

    def close(self) -> None:
        for worker in list(self.workers):    # one still starting has nothing to lose: no wait
            self._stop_worker(worker, kill=bool(worker.tasks) or not worker.ready)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the loop --------------------------------------------------------------------------

    def run(self, tasks, on_done: Callable, on_failed: Callable) -> None:
        queue = deque(tasks)
        try:
            while queue or any(w.tasks for w in self.workers):
                self._staff(len(queue))
                self._feed(queue)
                self._step(queue, on_done, on_failed)
        except BaseException:
            self._kill_busy()
            raise

    def _kill_busy(self) -> None:
        for worker in list(self.workers):
            if worker.tasks:
                self._stop_worker(worker, kill=True)

    def _staff(self, queued: int) -> None:
        # A worker still starting counts as idle: it takes the next chunk once ready (one file
        # with an early worker does not start a second one, whose parent would import for it).
        idle = sum(1 for w in self.workers if not w.tasks)
        for _ in range(min(self.jobs - len(self.workers), max(0, queued - idle))):
            self._start_worker()

    def _feed(self, queue: deque) -> None:
        idle = [w for w in self.workers if w.ready and not w.tasks]
        for worker in idle:
            if not queue:
                return
            if worker.done >= self.max_tasks:          # recycle: keeps memory flat
                self._stop_worker(worker, kill=False)
                self._staff(len(queue))
                continue
            chunk = self._take(queue)
            if worker.version != self.version:
                worker.conn.send(("context", self.context))
                worker.version = self.version
            worker.conn.send(chunk)
            worker.tasks = dict(enumerate(chunk))
            worker.current, worker.since = None, time.monotonic()

    def _take(self, queue: deque) -> list:
        """The next chunk: large while the queue is long, smaller near the end; suspects alone."""
        if queue[0] in self.solo:
            return [queue.popleft()]
        size = max(1, min(self.chunk, len(queue) // (2 * len(self.workers) or 1)))
        chunk = []
        while queue and len(chunk) < size and queue[0] not in self.solo:
            chunk.append(queue.popleft())
        return chunk

    def _step(self, queue: deque, on_done: Callable, on_failed: Callable) -> None:
        conns = {w.conn: w for w in self.workers}
        sentinels = {w.proc.sentinel: w for w in self.workers}
        for obj in wait(list(conns) + list(sentinels), timeout=self._wait_time()):
            if obj in conns and conns[obj] in self.workers:
                self._receive(conns[obj], queue, on_done, on_failed)
        for obj in list(sentinels):
            worker = sentinels[obj]
            if worker in self.workers and not worker.proc.is_alive():
                self._drain(worker, queue, on_done, on_failed)
                self._lost(worker, queue, on_failed, CRASHED)
        self._expire(queue, on_failed)

    def _wait_time(self) -> float | None:
        if self.timeout is None:
            return 1.0
        busy = [w.since for w in self.workers if w.tasks]
        if not busy:
            return 1.0
        return max(0.01, min(busy) + self.timeout - time.monotonic())

    def _receive(self, worker: _Worker, queue: deque, on_done, on_failed) -> None:
        try:
            message = worker.conn.recv()
        except Exception:                  # EOF, or a worker killed mid-message
            self._lost(worker, queue, on_failed, CRASHED)
            return
        self._handle(worker, message, on_done, on_failed)

    def _drain(self, worker: _Worker, queue: deque, on_done, on_failed) -> None:
        """Messages a worker sent before it died still count (a "broken" one stops the run)."""
        while True:
            try:
                if not worker.conn.poll():
                    return
                message = worker.conn.recv()
            except Exception:                  # noqa: BLE001 — cut off as it died
                return
            self._handle(worker, message, on_done, on_failed)

    def _handle(self, worker: _Worker, message: tuple, on_done, on_failed) -> None:
        kind, *payload = message
        worker.since = time.monotonic()
        if kind == "ready":
            worker.ready = True
            self.failed_starts = 0
        elif kind == "broken":                 # e.g. pandas does not import: no task's fault
            raise payload[0]
        elif kind == "begin":
            worker.current = payload[0]
        else:
            i, result, *begun = payload
            task = worker.tasks.pop(i)
            worker.current = begun[0] if begun else None if worker.current == i else worker.current
            worker.done += 1
            if kind == "done":
                on_done(task, result)
            else:
                on_failed(task, FAILED, result)

    def _lost(self, worker: _Worker, queue: deque, on_failed, code: str) -> None:
        """A dead or hung worker: the task it began fails; the rest of its chunk is requeued."""
        if worker not in self.workers:
            return
        if not worker.ready:
            self.failed_starts += 1
            if self.failed_starts >= 3:
                raise RuntimeError("工作进程无法启动（连续 3 次启动失败），请检查安装是否完整。")
        pending, current = dict(worker.tasks), worker.current
        worker.tasks = {}
        self._stop_worker(worker, kill=True)
        culprit = pending.pop(current, None) if current is not None else None
        if culprit is None and len(pending) == 1:
            _, culprit = pending.popitem()
        if culprit is None:                       # lost during chunk-wide work: find it alone
            self.solo.update(pending.values())
        queue.extendleft(reversed([pending[i] for i in sorted(pending)]))
        if culprit is not None:
            self.solo.discard(culprit)
            on_failed(culprit, code, None)

    def _expire(self, queue: deque, on_failed) -> None:
        if self.timeout is None:
            return
        now = time.monotonic()
        for worker in list(self.workers):
            if worker.tasks and now - worker.since > self.timeout:
                self._lost(worker, queue, on_failed, TIMEOUT)
            elif not worker.ready and now - worker.since > max(60.0, self.timeout):
                self._lost(worker, queue, on_failed, CRASHED)     # never came up
