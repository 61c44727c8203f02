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
after `Journal.flush` and (manifest.Manifest.save) one os.sync; an entry cut short by a power cut
is found when read (outputs._entry_text takes one whole line of JSON only) and redone.

Garbage: `sweep`, after a run's last manifest save, deletes the journals no record names, and
copies the named entries into one new journal when less than half of the journals' bytes are
still named (their files changed or left INBOX since) or there are more than MAX_JOURNALS.
"""
from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from xlsproc.batch.outputs import STATE

if TYPE_CHECKING:
    from xlsproc.batch.manifest import Record

FOLDER = "entries"
SUFFIX = ".jsonl"
MAX_JOURNALS = 16            # past this many, a sweep compacts them into one
_serial = itertools.count()


def folder(outbox: Path | str) -> str:
    return os.path.join(outbox, STATE, FOLDER)


def locate(outbox: Path | str, key: str) -> tuple[str, int, int] | None:
    """(journal path, offset, length) of an entry key; None for a key we did not write."""
    name, _, span = key.partition(":")
    offset, _, length = span.partition(":")
    if not (name.endswith(SUFFIX) and os.sep not in name and "/" not in name
            and offset.isdigit() and length.isdigit()):
        return None
    return os.path.join(folder(outbox), name), int(offset), int(length)


class Journal:
    """This run's entries, appended by one process (the OUTBOX lock keeps runs apart). The file
    is created on the first entry: a run with nothing to do leaves none."""

    def __init__(self, outbox: Path | str):
        self.name = f"{time.time_ns():x}-{os.getpid()}-{next(_serial)}{SUFFIX}"
        self.path = os.path.join(folder(outbox), self.name)
        self.fh = None
        self.offset = 0

    def add(self, entry: str | bytes) -> str:
        """Appends one entry (one line of JSON); returns its key."""
        data = entry.encode("utf-8") if isinstance(entry, str) else entry
        if self.fh is None:
            self.fh = open(self.path, "ab")
            self.offset = self.fh.tell()
        key = f"{self.name}:{self.offset}:{len(data)}"
        self.fh.write(data + b"\n")
        self.offset += len(data) + 1
        return key

    def flush(self) -> None:
        """Hands what was appended to the system (before the manifest vouches for it)."""
        if self.fh is not None:
            self.fh.flush()

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


class Reader:
    """Reads entries by key, each journal opened once. A key whose journal is gone or too short
    reads as None."""

    def __init__(self, outbox: Path | str):
        self.outbox = outbox
        self.files: dict[str, object] = {}

    def read(self, key: str) -> bytes | None:
        where = locate(self.outbox, key)
        if where is None:
            return None
        path, offset, length = where
        try:
            fh = self.files.get(path)
            if fh is None:
                fh = self.files[path] = open(path, "rb")
            fh.seek(offset)
            data = fh.read(length)
        except OSError:
            return None
        return data if len(data) == length else None

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()
        self.files.clear()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_entry(outbox: Path | str, key: str) -> bytes | None:
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

    def holds(self, key: str) -> bool:
        name, _, span = key.partition(":")
        offset, _, length = span.partition(":")
        if not (offset.isdigit() and length.isdigit()):
            return False
        return int(offset) + int(length) <= self.sizes.get(name, -1)


def sweep(outbox: Path | str, records: Iterable[Record], save: Callable[[], None]) -> None:
    """Deletes what no record names (journals, and the entry files of manifest format 1);
    compacts the journals when mostly garbage or too many. `records` must be what the manifest
    last saved; `save` saves it again (after compaction changed their keys)."""
    records = list(records)
    sizes = Sizes(outbox).sizes
    live: dict[str, int] = {}
    for rec in records:
        name, _, span = rec.key.partition(":")
        length = span.partition(":")[2]
        live[name] = live.get(name, 0) + (int(length) + 1 if length.isdigit() else 0)
    if len(live) > MAX_JOURNALS or sum(sizes.get(n, 0) for n in live) > 2 * sum(live.values()):
        _compact(outbox, records, save)
        live = {rec.key.partition(":")[0]: 0 for rec in records}
    try:
        with os.scandir(folder(outbox)) as it:
            unnamed = [item.path for item in it if item.name not in live]
    except OSError:
        return
    for path in unnamed:
        try:
            os.unlink(path)
        except OSError:
            pass


def _compact(outbox: Path | str, records: list[Record], save: Callable[[], None]) -> None:
    """The named entries copied into one new journal, synced, then the manifest saved with the
    new keys; an entry that cannot be read keeps its key (its record is redone next run)."""
    journal = Journal(outbox)
    moved = []
    with Reader(outbox) as reader:
        for rec in records:
            data = reader.read(rec.key)
            if data is not None:
                moved.append((rec, journal.add(data)))
    if journal.fh is not None:
        journal.flush()
        os.fsync(journal.fh.fileno())
    journal.close()
    for rec, key in moved:
        rec.key = key
    save()
