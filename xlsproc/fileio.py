"""Small file helpers with no heavy imports (the batch's parent process uses them)."""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO


# What a path is when it is not a regular file, as an officer reads it.
KINDS = ((stat.S_ISFIFO, "命名管道"), (stat.S_ISCHR, "字符设备"), (stat.S_ISBLK, "块设备"),
         (stat.S_ISSOCK, "套接字"), (stat.S_ISDIR, "文件夹"))


class NotRegularFile(OSError):
    """A FIFO, device, socket or folder where a file was expected: never read (a FIFO blocks
    `open`, /dev/zero never ends)."""

    def __init__(self, path, kind: str):
        super().__init__(f"not a regular file ({kind})")
        self.filename, self.kind = str(path), kind


def file_kind(mode: int) -> str | None:
    """None for a regular file, else what it is (命名管道 …)."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in KINDS if test(mode)), "特殊文件")


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading, refusing anything else without blocking on it."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        kind = file_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise NotRegularFile(path, kind)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most limit + 1 of them (the caller sees it was larger).

    Read in the size the file says it has, plus one byte: read(limit + 1) would allocate the
    whole limit (100 MB) for every 10 KB workbook (~30 µs of page-table work per file). A file
    still growing is read on, up to the limit."""
    with open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        data = fh.read(min(size, limit) + 1)
        if len(data) > size and len(data) <= limit:        # it grew meanwhile
            data += fh.read(limit + 1 - len(data))
        return data


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- file names the OS gives us that are not UTF-8 -----------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_surrogates(text: str) -> str:
    """JSON text that can be written as UTF-8: the lone surrogates by which Python carries the
    bytes of a non-UTF-8 file name (a GBK name from a zip made on Windows) become \\uXXXX
    escapes, which json.loads turns back into the same name."""
    try:
        text.encode("utf-8")    # fails exactly on a lone surrogate: ~5× faster than searching
        return text             # (every results entry, ~20 KB, goes through here)
    except UnicodeEncodeError:
        pass
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dumps(data, **kwargs) -> str:
    """json.dumps, compact and readable (no \\u escapes for Chinese), safe for any file name."""
    kwargs.setdefault("separators", (",", ":"))
    return escape_surrogates(json.dumps(data, ensure_ascii=False, **kwargs))


# Control characters, and the invisible format characters that reorder or hide text: a right-to-
# left override (U+202E) makes "报告\u202excod.xlsx" read "报告docx.xlsx"; a zero-width space makes
# two names look the same.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                      "\u2060-\u2064\u2066-\u206f\ufeff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown(name: str) -> str:
    """A file name (or a message holding one) as the console and 隔离清单.txt print it: on one
    line, legible, and never able to fake another line. The bytes of a non-UTF-8 name (carried
    as lone surrogates) are decoded as GB18030, the Chinese code page of zips made on Windows,
    when they can be, else shown as \\xNN; control characters (a newline in a name) as \\n, \\xNN."""
    return _CONTROL.sub(_escape, legible(name))


def _escape(match: re.Match) -> str:
    ch = match.group()
    return _ESCAPES.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def legible(name: str) -> str:
    """A non-UTF-8 file name (its bytes carried as lone surrogates) as the officer's Windows
    shows it: decoded as GB18030 when it can be, else with its bytes as \\xNN. Any text that
    goes into a workbook, SQLite or a comparison with a unit's name must be legible first."""
    if not _SURROGATE.search(name):
        return name
    raw = name.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


@contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """Write a text file under a temporary name in the same folder, fsync, rename: readers see
    the old file or the new one, whole, even after a power cut; a failure leaves the old one."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        yield fh


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """atomic_text for bytes (a .docx): the old file or the new one, whole."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary name in the same folder for a writer that wants a path (csv with its own
    encoding, pyarrow): renamed to `path` when the block ends, removed if it fails (the old
    file stays whole)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_text(path) as fh:
        fh.write(text)


def close_workbook(wb) -> None:
    """xlsxwriter's Workbook.close(), its failure to write (disk full, a folder gone) raised as
    the OSError it is — xlsxwriter wraps it in FileCreateError, which callers reporting OSErrors
    in Chinese would let through as a traceback."""
    from xlsxwriter.exceptions import FileCreateError
    try:
        wb.close()
    except FileCreateError as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
        for failed in (exc, cause):
            _close_zips(getattr(failed, "__traceback__", None))
        raise (cause or OSError(str(exc))) from None


def _close_zips(tb) -> None:
    """Close the zip files a failed xlsxwriter save left open (on a full disk their destructor
    would print "Exception ignored … No space left on device" on the officer's terminal)."""
    import zipfile
    while tb is not None:
        for value in list(tb.tb_frame.f_locals.values()):
            if isinstance(value, zipfile.ZipFile):
                try:
                    value.close()
                except OSError:
                    pass
        tb = tb.tb_next
