"""One file, in a worker: read, score (a chunk at a time), write the copy, encode the entry
(the run's process appends it to the run's journal: entries.py).
The one worker context (`Context`) serves process and watch alike.
"""
from __future__ import annotations

import errno
import hashlib
import importlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from xlsproc.batch.manifest import GROUP_SYNC, Record, make_record
from xlsproc.batch.outputs import (LOCKED, STATE, WORKER_LOG, entry_problem, output_problem,
                                   remove_output)
from xlsproc.batch.pool import CRASHED, FAILED, TIMEOUT
from xlsproc.errors import detail as error_detail, file_error, os_file_error
from xlsproc.fileio import NotRegularFile, read_regular, sha256
from xlsproc.model import XlsprocError
from xlsproc.read.grid import DEFAULT_MAX_BYTES, is_lock_file
from xlsproc.rules import Rules

if TYPE_CHECKING:
    from xlsproc.store import FileRow


CHUNK = 64                  # files per worker task: scoring is done per chunk (see work)
KEEP_BYTES = 2 << 20        # a workbook up to this size is read once for scoring and copying,
KEPT_PER_CHUNK = 64 << 20   # as long as a chunk holds no more than this
# What a worker imports before its first file (pool.py preloads them in the parent); the early
# worker with a scorer beside it (scorer.py) leaves out SCORING, i.e. pandas.
SCORING = "xlsproc.score.scoring"
READ_WRITE_MODULES = ("xlsproc.write.annotate", "xlsproc.read.reader", "xlsproc.write.results",
                      "xlsproc.store")
WORKER_MODULES = (*READ_WRITE_MODULES, SCORING)


KEEPALIVE = 0.1             # seconds between signs of life while the worker waits for its scorer


def warm_up() -> None:
    """Import what this worker needs before its first file: without pandas when a scorer scores
    for it (the early worker, scorer.py), which it waits for only when it scores (_await_scorer)."""
    from xlsproc.batch import scorer
    for name in READ_WRITE_MODULES if scorer.connected() else WORKER_MODULES:
        importlib.import_module(name)


def _await_scorer() -> Iterator[tuple]:
    """While the scorer still imports pandas, a sign of life every KEEPALIVE seconds: the pool's
    clock for the chunk starts again (waiting is no file's time, as importing pandas was not),
    READY_TIMEOUT seconds at most; then the scorer is given up and pandas imported here. A pandas
    that does not import is the installation's fault: pool._run_chunk stops the run (内部错误)."""
    from xlsproc.batch import scorer
    if not scorer.connected():
        return
    deadline = time.monotonic() + scorer.READY_TIMEOUT
    while scorer.pending(KEEPALIVE):
        if time.monotonic() > deadline:
            scorer.give_up()
            break
        yield ("begin", None)
    if not scorer.connected():                   # given up: pandas here, on a clock of its own
        yield ("begin", None)
        importlib.import_module(SCORING)
        yield ("begin", None)


def file_json(*args, **kwargs) -> dict:
    from xlsproc.write.results import file_json as make   # the writers' modules: workers only
    return make(*args, **kwargs)


# --- one file, in a worker ------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """What every worker needs; sent once per worker (picklable for spawn)."""

    root: str              # INBOX as given (its parent when INBOX is one file)
    outbox: str
    rules: Rules
    max_bytes: int = DEFAULT_MAX_BYTES
    db: str | None = None  # the results store: last year's figures for relative targets
    up_to_run: int | None = None   # …as recorded up to this run (the store as the batch began)
    docx: bool = False     # also write each table's 自评报告 as Word next to its copy


Task = tuple[str, "str | None"]               # (relpath, output relpath)
Done = tuple[Record, "FileRow"]               # a file's manifest record and its store row


@dataclass
class _Read:
    """A workbook read and waiting to be scored with the rest of its chunk."""

    task: Task
    path: Path
    st: os.stat_result
    digest: str
    evaluations: list
    data: bytes | None          # the bytes read and scored, kept for the copy unless large


def work(chunk: list[Task] | None, ctx: Context,
         before_file: Callable[[Task], None] | None = None) -> Iterator[tuple]:
    """A worker's chunk handler (batch.WorkerPool events): read each workbook, score all their
    tables in one pass (pandas costs per call, not per row: ~4× cheaper than file by file),
    then write each copy and entry. Each result is the file's manifest record.

    chunk=None warms the worker up. before_file(task) runs first for each file (tests use it
    to inject crashes and hangs).
    """
    if chunk is None:
        warm_up()                                            # once per worker
        return
    _stderr_to_log(ctx.outbox)
    read: list[tuple[int, _Read]] = []
    kept = 0                                  # bytes held for the copies (KEPT_PER_CHUNK at most)
    for i, task in enumerate(chunk):
        yield ("begin", i)
        event = _stage(i, lambda: _read_stage(task, ctx, before_file), _refuser(task, ctx))
        if event[0] == "done" and isinstance(event[2], _Read):
            item = event[2]
            if item.data is not None:
                if kept + len(item.data) > KEPT_PER_CHUNK:
                    item.data = None          # the copy reads the file again instead
                else:
                    kept += len(item.data)
            read.append((i, item))
        else:
            yield event
    if not read:
        return
    yield ("begin", None)
    yield from _await_scorer()
    scored = _score_all([r for _, r in read], ctx)
    yield ("begin", read[0][0])
    for k, ((i, item), item_results) in enumerate(zip(read, scored)):
        event = _stage(i, lambda: _write_stage(item, item_results, ctx), _refuser(item.task, ctx))
        # the next file begins as this one is done: one message for both (pool.py)
        yield event + (read[k + 1][0],) if k + 1 < len(read) else event


_LOGGING: list[str] = []


def _stderr_to_log(outbox: str) -> None:
    """A worker's file descriptor 2 goes to OUTBOX/.xlsproc/worker.log: a Rust panic message and
    backtrace (calamine) or a library's warning belongs to support, not on the officer's
    terminal. Every file's outcome reaches the parent through the pipe all the same."""
    if _LOGGING == [outbox]:
        return
    try:
        fd = os.open(os.path.join(outbox, STATE, WORKER_LOG),
                     os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError:
        return
    os.dup2(fd, 2)
    os.close(fd)
    _LOGGING[:] = [outbox]


def _stage(i: int, step: Callable, refuse: Callable[[XlsprocError], Done] | None = None) -> tuple:
    """("done", i, result), or ("failed", i, detail) for a bug of ours (internal-error). A failure
    of the environment or of a hostile file (disk full, bad CRC, a reader panic) is no bug: it
    becomes the file's error entry with its own code, through `refuse`."""
    try:
        return ("done", i, step())
    except Exception as exc:       # noqa: BLE001 — a bug costs this file only
        failure = exc
    except BaseException as exc:   # pyo3's PanicException (calamine) is a BaseException
        if not _is_panic(exc):
            raise
        failure = exc
    known = known_failure(failure)
    if known is not None and refuse is not None:
        try:
            return ("done", i, refuse(known))
        except Exception:          # noqa: BLE001 — e.g. the entry cannot be written either
            pass
    return ("failed", i, f"{type(failure).__name__}: {str(failure)[:300]}")


def _is_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"


def known_failure(exc: BaseException) -> XlsprocError | None:
    """The Chinese error of a failure that is not a bug of ours, or None."""
    import zipfile
    import zlib
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return file_error("disk-full")
    if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
        return file_error("output-name-conflict", reason="批注副本的路径超过系统允许的长度")
    if isinstance(exc, (zipfile.BadZipFile, zlib.error, EOFError)) or "Bad CRC" in str(exc):
        return file_error("file-corrupt", detail="压缩数据损坏（校验失败），文件可能在传输中损坏")
    if isinstance(exc, ValueError) and "zip64" in str(exc).lower():      # ooxml's refusal
        return file_error("package-unsupported", what="ZIP64 格式，通常是成员过多或过大")
    if _is_panic(exc):
        return file_error("file-corrupt", detail="读取组件无法解析该文件的结构")
    return None


def _refuser(task: Task, ctx: Context) -> Callable[[XlsprocError], Done]:
    def refuse(error: XlsprocError) -> Done:
        _, out = task
        path = Path(ctx.root) / task[0]
        return _save(task, _stat(path, None), _error_entry(path, error, None, ctx, out))
    return refuse


def _read_stage(task: Task, ctx: Context, before_file) -> Done | _Read | None:
    """Done when the file is finished here (lock file, refused, unreadable), None when it is
    gone, else _Read. Only a regular file is opened, and read no further than the size limit."""
    from xlsproc.read.reader import read_workbook
    if before_file:
        before_file(task)
    rel, out = task
    path = Path(ctx.root) / rel
    try:
        st = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        return _save(task, None, _error_entry(path, os_file_error(exc), None, ctx, out))
    refused = entry_problem(path, Path(ctx.root)) or output_problem(out)
    if refused is not None:
        return _save(task, _stat(path, st), _error_entry(path, refused, None, ctx, out))
    try:
        st = path.stat()
        if is_lock_file(path):
            return _save(task, st, file_json(path, status="skipped", digest=sha256(path)))
        if st.st_size > ctx.max_bytes:
            return _save(task, st, _error_entry(path, _too_large(st.st_size, ctx), None, ctx, out))
        data = read_regular(path, ctx.max_bytes)   # one read: hashed here, parsed from memory
        if len(data) > ctx.max_bytes:              # grew since stat
            return _save(task, st, _error_entry(path, _too_large(len(data), ctx), None, ctx, out))
        digest = hashlib.sha256(data).hexdigest()
        try:
            return _Read(task, path, st, digest, read_workbook(path, data=data),
                         data if len(data) <= KEEP_BYTES else None)
        except XlsprocError as exc:
            return _save(task, st, _error_entry(path, exc, digest, ctx, out))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except NotRegularFile as exc:                  # replaced by a FIFO meanwhile
        error = file_error("file-not-regular", kind=exc.kind)
        return _save(task, st, _error_entry(path, error, None, ctx, out))
    except OSError as exc:
        return _save(task, st, _error_entry(path, os_file_error(exc), None, ctx, out))


def _stat(path: Path, lstat: os.stat_result | None) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        try:
            return lstat or path.lstat()
        except OSError:
            return None


def _too_large(size: int, ctx: Context) -> XlsprocError:
    return file_error("file-too-large", size=_mib(size), limit=_mib(ctx.max_bytes))


def _score_all(items: list[_Read], ctx: Context) -> list:
    """Every item's results, scored together (by the scorer, when this worker has one); file by
    file if that fails (an error is kept). Relative targets are scored against the store."""
    from xlsproc.batch.scorer import score_each
    return score_each([it.evaluations for it in items], ctx.rules, ctx.db, ctx.up_to_run)


def _write_stage(item: _Read, results, ctx: Context) -> Done:
    if isinstance(results, Exception):
        raise results
    _, out = item.task
    entry = file_json(item.path, results, digest=item.digest)
    try:
        written = _write_copy(item.path, out, results, ctx, item.data)
        entry["copy"], entry["copy_sheets"] = written.notice, written.sheets
    except XlsprocError as exc:
        if exc.code == LOCKED:
            return _save(item.task, item.st, _error_entry(item.path, exc, item.digest, ctx, out))
        entry["copy"], out = copy_problem(exc), _no_copy(ctx, out)
    except Exception as exc:        # noqa: BLE001 — a bug of the copy writer costs the copy only
        known = known_failure(exc)
        if known is not None and known.code in ENVIRONMENT_CODES:
            raise                   # the disk, not the copy: reported (and retried) as such
        entry["copy"], out = copy_problem(known or exc), _no_copy(ctx, out)
    entry["output"] = out
    return _save(item.task, item.st, entry)


ENVIRONMENT_CODES = ("disk-full", "output-name-conflict")


def _no_copy(ctx: Context, out: str) -> None:
    """No copy this time: the results stand; a copy left from an earlier version goes."""
    remove_output(Path(ctx.outbox), out)
    return None


def copy_problem(exc: Exception) -> dict:
    from xlsproc.write.annotate import copy_problem as make
    return make(exc)


def _save(task: Task, st: os.stat_result, entry: dict) -> Done:
    """The file's manifest record (its entry key is given when its entry is appended to the
    run's journal) and its entry encoded for the results store and the journal."""
    rel = task[0]
    entry["relpath"] = rel
    from xlsproc.store import file_row       # (encoded once, for both)
    return make_record(rel, "", st, entry), file_row(entry)


def _error_entry(path: Path, error: XlsprocError, digest: str | None, ctx: Context,
                 out: str | None) -> dict:
    """An error entry; an annotated copy left from an earlier version of the file goes
    (unless it is the copy the officer has open)."""
    if error.code != LOCKED:
        remove_output(Path(ctx.outbox), out)
    entry = file_json(path, error=error, digest=digest or "")
    entry["sha256"] = digest
    return entry


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB"


def _write_copy(path: Path, out: str, results, ctx: Context, data: bytes | None):
    """annotate() into our staging folder, then one rename into place: never half a file.
    The copy is made from the bytes that were scored (`data`) when they were kept. Returns
    annotate's Written: what the officer must know about the copy, if anything, and the names
    our sheets got in it."""
    from xlsproc.write.annotate import annotate
    outbox = Path(ctx.outbox)
    staging = outbox / STATE / "tmp" / str(os.getpid())
    tmp = staging / ("copy" + Path(out).suffix)
    try:
        written = annotate(path, tmp, results, ctx.rules.name, fsync=not GROUP_SYNC, atomic=False,
                          data=data)
    except OSError:                     # disk full …: no half copy left in staging
        tmp.unlink(missing_ok=True)
        raise
    final = outbox / out
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(tmp, final)
    except PermissionError:
        os.unlink(tmp)
        raise file_error(LOCKED, path=final) from None
    if ctx.docx:
        from xlsproc.write.docx import write_reports
        write_reports(results, final)
    return written


# --- files the worker could not finish ------------------------------------------------------

def failure_message(code: str, detail: str | None, timeout: float | None) -> str:
    if code == TIMEOUT:
        return error_detail(TIMEOUT, timeout=f"{timeout:g}")
    if code == CRASHED:
        return error_detail(CRASHED)
    return error_detail(FAILED, detail=detail)


def failure_record(task: tuple, code: str, detail: str | None, ctx: Context,
                   timeout: float | None) -> Done | None:
    """The record of a file whose worker crashed, hung or raised; retried on the next run."""
    rel, out = task
    path = Path(ctx.root) / rel
    try:
        st = path.stat()
        digest = sha256(path) if st.st_size <= ctx.max_bytes else None
    except OSError:
        return None                                  # the file left INBOX meanwhile
    error = XlsprocError(code if code in (TIMEOUT, CRASHED) else FAILED,
                         failure_message(code, detail, timeout))
    return _save(task, st, _error_entry(path, error, digest, ctx, out))
