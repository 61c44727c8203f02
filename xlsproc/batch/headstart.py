"""A head start for the worker of `xlsproc process` and `xlsproc check`.

A worker spends ~0.25 s importing pandas and the rest of the pipeline before it can take its
first workbook, and the command line spends ~0.12 s importing typer and planning the run before
it can hand one out. Done one after the other, they made a one-workbook run take ~0.47 s. So the
command's entry point (xlsproc.launch) forks two processes before typer is imported: first the
scorer (scorer.py), which imports pandas and the scoring modules, then this worker, which
imports the reading and writing modules, reads the workbooks and has the scorer score them,
while the command line is parsed. `process` adopts the worker as its pool's first worker
(pool.WorkerPool._adopt_early); `check` has it check its workbooks, a batch per message
(map_calls). The scorer only for a small run (at most SMALL_INBOX workbooks): for more, the
worker imports pandas itself, as it did before there was a scorer.

`process` gets an early worker only for a small INBOX (a workbook, or a folder of at most
SMALL_INBOX files). A larger run forks its workers from a parent that has imported the modules once
(pool._preload): an early worker there would import them a second time and finish no sooner
(measured on 300 workbooks: the same wall time, 0.35 s more CPU). Only on Linux, with the fork
start method, while the process has a single thread (a fork copies a lock another thread holds:
the child would wait for it for ever) and file descriptors 0–2 open (else the worker's socket
would take one of their numbers).

The worker takes ("adopt", handler, context) to become a pool worker (the pool's protocol from
then on: pool._worker_main); ("call", function, args) to answer ("up",) at once, then
("ok", result) or ("raised", exception); None or end of file to stop. Not used — nothing to
do, a usage error, --help — it is killed when the command ends; so is the scorer, which
otherwise ends with the worker (it holds the scorer's only connection).
"""
from __future__ import annotations

import os
import sys

COMMANDS = ("process", "check")     # commands that read workbooks
SMALL_INBOX = 6                     # files: a larger INBOX forks its workers as before
UP_TIMEOUT = 30.0                   # seconds for a called worker to show it finished importing
# process's options that take a value (tests/test_headstart.py checks them against cli.py):
VALUE_OPTIONS = ("-o", "--output", "--rules", "--jobs", "-j", "--timeout", "--db",
                 "--consolidate", "--roster", "--return-dir")

_early: EarlyProcess | None = None
_scorer: EarlyProcess | None = None     # the early worker's scorer (scorer.py)


class EarlyProcess:
    """The parent's handle on the early worker: the part of multiprocessing.Process the pool
    uses (pid, sentinel, is_alive, kill, join)."""

    def __init__(self, pid: int, sentinel: int, fd: int):
        self.pid, self.sentinel = pid, sentinel     # sentinel: readable once the child is gone
        self.fd = fd                                # our end of its socket, until adopted
        self.exitcode: int | None = None

    def is_alive(self) -> bool:
        if self.exitcode is not None:
            return False
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:                  # reaped elsewhere
            self._reaped(-1)
            return False
        if pid == 0:
            return True
        self._reaped(os.waitstatus_to_exitcode(status))
        return False

    def _reaped(self, exitcode: int) -> None:
        """Gone: its exit code kept, its sentinel closed (nothing waits on it any more)."""
        self.exitcode = exitcode
        os.close(self.sentinel)

    def kill(self) -> None:
        if self.exitcode is None:
            import signal
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def join(self, timeout: float | None = None) -> None:
        if self.exitcode is not None:
            return
        if timeout is not None:
            from multiprocessing.connection import wait
            wait([self.sentinel], timeout)
            self.is_alive()
            return
        try:
            _, status = os.waitpid(self.pid, 0)
            self._reaped(os.waitstatus_to_exitcode(status))
        except ChildProcessError:
            self._reaped(-1)


def wanted(args: list[str]) -> bool:
    """Whether this command line reads workbooks in a way an early worker speeds up, judged
    before it is parsed: its first word (options aside, e.g. --debug) is `check`, or `process`
    with an INBOX that is a file or a folder of at most SMALL_INBOX files; not --help."""
    return _plan(args)[0]


def _plan(args: list[str]) -> tuple[bool, bool]:
    """(an early worker, a scorer beside it) for this command line. The scorer only for a small
    run (at most SMALL_INBOX workbooks): past a few dozen workbooks, sending tables to it and
    results back costs more than the pandas import it saves the worker."""
    if not sys.platform.startswith("linux") or "--help" in args or "-h" in args:
        return False, False          # (fork is the default start method on Linux only)
    if _threads() != 1 or not _standard_fds_open():
        return False, False
    if os.environ.get("XLSPROC_START_METHOD") not in (None, "", "fork"):
        return False, False
    words = _words(args)
    if len(words) < 2 or words[0] not in COMMANDS:
        return False, False
    if words[0] == "check":
        return True, _small(words[1:])
    small = _small(words[1:2])
    return small, small


def _threads() -> int:
    """Threads of this process, C-level ones included where /proc says (Linux)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        threading = sys.modules.get("threading")
        return threading.active_count() if threading else 1


def _standard_fds_open() -> bool:
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:
        return False
    return True


def _words(args: list[str]) -> list[str]:
    """The words that are neither options nor their values."""
    words, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--":
            continue
        elif arg.startswith("--") or len(arg) <= 2:
            skip = arg in VALUE_OPTIONS          # "--jobs 2"; "--jobs=2" carries its value
        elif arg.startswith("-"):                # grouped short options, as click reads them:
            for k, letter in enumerate(arg[1:], 1):      # the first that takes a value takes
                if f"-{letter}" in VALUE_OPTIONS:        # the rest ("-qoOUT") or the next word
                    skip = k == len(arg) - 1             # ("-qo OUT")
                    break
        else:
            words.append(arg)
    return words


def _small(paths: list[str]) -> bool:
    """Files and folders holding at most SMALL_INBOX files together (counted until one more is
    seen)."""
    count, folders = 0, []
    for path in paths:
        if os.path.isfile(path):
            count += 1
        else:
            folders.append(path)
    if count > SMALL_INBOX:
        return False
    try:
        while folders:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
                    elif entry.is_file():
                        count += 1
                        if count > SMALL_INBOX:
                            return False
        return True
    except OSError:                          # missing, unreadable: the command says so
        return False


def start(args: list[str]) -> bool:
    """Fork the scorer and the early worker if this command line wants them. True if started."""
    global _early, _scorer
    early, with_scorer = (False, False) if _early is not None else _plan(args)
    if not early:
        return False
    from xlsproc.batch import scorer
    from xlsproc.threads import one_thread_libraries
    one_thread_libraries()                       # the children inherit the environment
    import atexit
    atexit.register(_discard)                    # (whatever happens next)
    if with_scorer:                              # first: pandas is most of a worker's imports
        _scorer = _fork(scorer.serve)
    import xlsproc.batch.worker  # noqa: F401 — the modules both sides need, imported once
    _early = _fork(_child)
    if _scorer is not None:
        os.close(_scorer.fd)                     # the early worker holds the scorer's line now
    return True


def _fork(target) -> EarlyProcess:
    """Fork a child that runs target(fd), fd its end of a new socket pair, then ends (the child
    never returns from here). The child ignores Ctrl-C: the parent decides when to stop."""
    import signal
    import socket
    ours, theirs = socket.socketpair()
    gone_r, gone_w = os.pipe()                   # the child holds gone_w until it exits
    blocked = hasattr(signal, "pthread_sigmask")
    if blocked:                                  # as pool._ctrl_c_deferred: no Ctrl-C before
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})   # the child ignores it
    try:
        pid = os.fork()
        if pid == 0:                             # the child: never returns
            code = 1
            try:
                os.close(gone_r)
                ours.close()
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                if blocked:
                    signal.pthread_sigmask(signal.SIG_SETMASK, old)
                target(theirs.detach())
                code = 0
            finally:
                _finalize()
                os._exit(code)
        os.close(gone_w)
        theirs.close()
    finally:
        if blocked:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
    return EarlyProcess(pid, gone_r, ours.detach())


def _finalize() -> None:
    """multiprocessing's finalizers, as a multiprocessing worker runs them when it ends (e.g.
    read/convert.py's LibreOffice profile folder goes): os._exit runs neither them nor atexit."""
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        try:
            util._exit_function()
        except Exception:                    # noqa: BLE001 — ending anyway
            pass


def _child(fd: int) -> None:
    """Import what every worker needs, then wait to be adopted (or told to stop)."""
    from xlsproc.batch import scorer
    from xlsproc.batch.worker import warm_up
    from xlsproc.collector import paused, settle_worker
    if _scorer is not None:
        scorer.connect(_scorer.fd)           # it imports pandas meanwhile, and scores for us
    with paused():                           # (launch.py paused the collector already)
        warm_up()                            # without pandas when the scorer scores for us
    settle_worker()
    from multiprocessing.connection import Connection

    from xlsproc.batch.pool import _worker_main
    conn = Connection(fd)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):          # the command ended without needing us
            return
        if not isinstance(message, tuple):
            return
        if message[0] == "adopt":
            _, handler, context = message
            _worker_main(conn, handler, context)
            return
        _, function, args = message          # "call": it waits for the scorer when it scores
        conn.send(("up",))                   # (scorer.ready), reading meanwhile
        try:
            reply = ("ok", function(*args))
        except Exception as exc:             # noqa: BLE001 — the caller raises it
            reply = ("raised", exc)
        conn.send(reply)                     # the command gone: EPIPE, and this worker ends


def take():
    """The early worker as (process, connection), once; None if there is none (any more)."""
    global _early
    early, _early = _early, None
    if early is None:
        return None
    from multiprocessing.connection import Connection
    return early, Connection(early.fd)


def map_calls(function, items, *args) -> list:
    """[function(item, *args) for item in items], run by the early worker while there is one (it
    has the modules imported), here otherwise. One item (for `check`, a batch of workbooks) per
    message: if the command is killed, the worker stops after the item at hand. If the worker fails — it dies, does not show up
    within UP_TIMEOUT, or a result does not pickle — the rest is done here, as it would have been
    without one. An exception the function raised there is raised here."""
    items = list(items)
    results: list = []
    raised: BaseException | None = None
    early = take()
    if early is not None:
        proc, conn = early
        try:
            for item in items:
                conn.send(("call", function, (item, *args)))
                if not conn.poll(UP_TIMEOUT) or conn.recv() != ("up",):
                    break                    # still importing, or deadlocked: do it here
                kind, value = conn.recv()
                if kind == "raised":
                    raised = value
                    break
                results.append(value)
        except Exception:                    # noqa: BLE001 — EOF, EPIPE, what does not pickle
            pass                             # the rest is done here
        finally:
            proc.kill()
            proc.join()
            conn.close()
    if raised is not None:
        raise raised
    return results + [function(item, *args) for item in items[len(results):]]


def _discard() -> None:
    """At exit: an early worker nobody adopted is killed and reaped, and so is the scorer."""
    global _early, _scorer
    early, _early = _early, None
    if early is not None:
        early.kill()
        early.join()
        os.close(early.fd)
    helper, _scorer = _scorer, None
    if helper is not None:
        helper.kill()
        helper.join()
