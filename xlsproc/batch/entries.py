"""Each file's results entry: one line of JSON in a journal of OUTBOX/.xlsproc/entries/.

results.json is assembled from the entries at the end of a run (outputs.write_results), the
results store catches up from them, and a file left unchanged keeps its entry from an earlier
run. The run's process appends each entry as it arrives (the worker sends it encoded anyway,
for the results store) to the run's own journal, `<time>-<pid>.jsonl`, and the file's manifest
record names it `<journal>:<offset>:<length>`.

Why journals and not one file per entry (as before manifest format 2): a file is a new inode,
and creating one is most of what a file system costs per workbook. On ext4, allocating an inode
skips every inode freed in the last few seconds, reading its table block: right after a folder
of outputs was deleted (a re-run, a test suite) that took 0.3–0.6 ms of CPU per file here, 7 %
of a workbook's whole processing. The copy needs its own inode; its entry does not.

Safety, as with the files: nothing is fsynced per entry. The manifest vouches for a record only
after one os.sync (manifest.Manifest.save; where there is no os.sync, `Journal.sync`). An entry cut short by a power cut, or a key edited by hand, is found when
read (a key is parsed whole, a span checked against its journal's size, outputs._entry_text
takes one whole line of JSON naming the record's file only) and its file is redone.

Garbage: `sweep`, after a run's last manifest save, deletes the journals no record names, and
copies the named entries into one new journal when files left INBOX (their entries go, as
their files did), when less than half of the journals' bytes are still named (earlier versions
of changed files), or when there are more than MAX_JOURNALS. A compaction that cannot write
(a full disk) leaves everything as it was: it is housekeeping, never the run's failure.
"""
from __future__ import annotations

import itertools
import os
import re
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from xlsproc.batch.outputs import STATE

if TYPE_CHECKING:
    from xlsproc.batch.manifest import Manifest, Record

FOLDER = "entries"
SUFFIX = ".jsonl"
MAX_JOURNALS = 16            # past this many, a sweep compacts them into one
_KEY = re.compile(r"([^:/\\]+\.jsonl):([0-9]{1,15}):([0-9]{1,15})")   # ASCII digits only
_serial = itertools.count()


def folder(outbox: Path | str) -> str:
    return os.path.join(outbox, STATE, FOLDER)


def parse_key(key: object) -> tuple[str, int, int] | None:
    """(journal name, offset, length) of a key we write; None for anything else (a key edited
    by hand, an entry file name of manifest format 1)."""
    m = _KEY.fullmatch(key) if isinstance(key, str) else None
    return (m.group(1), int(m.group(2)), int(m.group(3))) if m else None


def locate(outbox: Path | str, key: object) -> tuple[str, int, int] | None:
    """(journal path, offset, length) of an entry key; None for a key we did not write."""
    parsed = parse_key(key)
    if parsed is None:
        return None
    name, offset, length = parsed
    return os.path.join(folder(outbox), name), offset, length


_OPEN: weakref.WeakSet = weakref.WeakSet()     # journals being written by this process


def _forget_in_child() -> None:
    """A process forked while a journal is open (a worker) must not keep its file open: the
    journal's space would stay in use after a sweep deletes it, until that worker exits."""
    for journal in list(_OPEN):
        journal.close()                 # (unbuffered: closing writes nothing)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


class Journal:
    """This run's entries, appended by one process (the OUTBOX lock keeps runs apart). The file
    is created on the first entry: a run with nothing to do leaves none. Unbuffered: each entry
    is one write (a buffer would be copied into every process forked meanwhile)."""

    def __init__(self, outbox: Path | str):
        self.name = f"{time.time_ns():x}-{os.getpid()}-{next(_serial)}{SUFFIX}"
        self.path = os.path.join(folder(outbox), self.name)
        self.fh = None
        self.offset = 0

    def add(self, entry: str | bytes) -> str:
        """Appends one entry (one line of JSON); returns its key."""
        data = entry.encode("utf-8") if isinstance(entry, str) else entry
        if self.fh is None:
            self.fh = open(self.path, "ab", buffering=0)
            self.offset = self.fh.seek(0, os.SEEK_END)
            _OPEN.add(self)
        key = f"{self.name}:{self.offset}:{len(data)}"
        line = data + b"\n"
        written = 0
        while written < len(line):              # (a raw file may write part of a large buffer)
            written += self.fh.write(line[written:])
        self.offset += len(line)
        return key

    def sync(self) -> None:
        """What was appended, on the disk (it is with the system at once): before the manifest
        vouches for it where no os.sync will, and before a compaction's keys are saved."""
        if self.fh is not None:
            os.fsync(self.fh.fileno())

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None
        _OPEN.discard(self)


class Reader:
    """Reads entries by key, each journal opened once. A key that does not parse, whose journal
    is gone or shorter than its span, or whose span is not one whole line, reads as None."""

    def __init__(self, outbox: Path | str):
        self.outbox = outbox
        self.files: dict[str, tuple[object, int]] = {}

    def read(self, key: object) -> bytes | None:
        where = locate(self.outbox, key)
        if where is None:
            return None
        path, offset, length = where
        try:
            found = self.files.get(path)
            if found is None:
                fh = open(path, "rb")
                found = self.files[path] = (fh, os.fstat(fh.fileno()).st_size)
            fh, size = found
            if offset + length >= size:             # (the line break after it included)
                return None
            start = offset - 1 if offset else 0     # a whole line: a line break on each side
            fh.seek(start)
            data = fh.read(offset + length + 1 - start)
        except (OSError, ValueError, OverflowError):
            return None
        if len(data) != offset + length + 1 - start or data[-1:] != b"\n" \
                or (offset and data[:1] != b"\n"):
            return None
        return data[offset - start:-1]

    def close(self) -> None:
        for fh, _ in self.files.values():
            fh.close()
        self.files.clear()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_entry(outbox: Path | str, key: object) -> bytes | None:
    with Reader(outbox) as reader:
        return reader.read(key)


class Sizes:
    """The journals' sizes, looked up once: does a key's entry still lie within its journal?"""

    def __init__(self, outbox: Path | str):
        self.sizes: dict[str, int] = {}
        try:
            with os.scandir(folder(outbox)) as it:
                for item in it:
                    if item.name.endswith(SUFFIX):
                        try:
                            self.sizes[item.name] = item.stat().st_size
                        except OSError:
                            pass
        except OSError:
            pass

    def holds(self, key: object) -> bool:
        parsed = parse_key(key)
        return parsed is not None and parsed[1] + parsed[2] < self.sizes.get(parsed[0], -1)


def sweep(outbox: Path | str, manifest: Manifest) -> None:
    """Deletes what no record of the manifest names (journals, and the entry files of manifest
    format 1); compacts the journals when files left INBOX (`manifest.departed`, said until a
    compaction succeeds), when mostly garbage, or when too many. The manifest must be as last
    saved."""
    records = list(manifest.records.values())
    sizes = Sizes(outbox).sizes
    live: dict[str, int] = {}
    for rec in records:
        parsed = parse_key(rec.key)
        if parsed is not None:
            live[parsed[0]] = live.get(parsed[0], 0) + parsed[2] + 1
    stored = sum(sizes.get(name, 0) for name in live)
    named = set(live)
    if live and (manifest.departed or len(live) > MAX_JOURNALS or stored > 2 * sum(live.values())):
        named = _compact(outbox, records, manifest) or named
    elif manifest.departed:     # nothing named: every journal goes below, those entries with it
        _save_departed_gone(manifest)
    try:
        with os.scandir(folder(outbox)) as it:
            unnamed = [item.path for item in it if item.name not in named]
    except OSError:
        return
    for path in unnamed:
        try:
            os.unlink(path)
        except OSError:
            pass


def _compact(outbox: Path | str, records: list[Record], manifest: Manifest) -> set[str] | None:
    """The named entries copied into one new journal, synced, then the manifest saved with the
    new keys; an entry that cannot be read keeps its key (its record is redone next run).
    Returns the journals now named; None when the compaction could not be written (nothing
    changed: the journal begun is deleted, the records keep their keys)."""
    journal = Journal(outbox)
    moved = []
    try:
        with Reader(outbox) as reader:
            for rec in records:
                data = reader.read(rec.key)
                if data is not None:
                    moved.append((rec, rec.key, journal.add(data)))
        journal.sync()
        journal.close()
        for rec, _, key in moved:
            rec.key = key
        _save_departed_gone(manifest)
    except OSError:                      # a full disk: the next run may compact
        for rec, old, _ in moved:
            rec.key = old
        journal.close()
        try:
            os.unlink(journal.path)
        except OSError:
            pass
        return None
    return {(parse_key(rec.key) or ("",))[0] for rec in records}


def _save_departed_gone(manifest: Manifest) -> None:
    """The manifest saved without the departed files' entries (and so without `departed`)."""
    departed, manifest.departed = manifest.departed, False
    try:
        manifest.save()
    except BaseException:
        manifest.departed = departed
        raise
