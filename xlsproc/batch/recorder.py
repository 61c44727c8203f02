"""This run's results into the results store (xlsproc.sqlite), kill-safe with the manifest."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from xlsproc.batch.manifest import Manifest, Record
from xlsproc.errors import os_reason

if TYPE_CHECKING:
    from xlsproc.batch.run import Outcome


STORE_BATCH = 128           # store rows (~20 KB each) written in one transaction at most


def default_store(outbox: Path) -> Path:
    from xlsproc.store import default_path
    return Path(default_path(outbox))


def _missing(db: Path) -> bool:
    try:
        return db.stat().st_size == 0
    except OSError:
        return True


def _unstore(manifest: Manifest) -> None:
    if manifest.records and any(r.stored for r in manifest.records.values()):
        for record in manifest.records.values():
            record.stored = False
        manifest.save()


class StoreRecorder:
    """This run's results into the results store as they come in. Each file's entry arrives
    from its worker already encoded (store.FileRow) and is added in a transaction every
    STORE_BATCH files and just before each manifest save, and its manifest record is marked
    `stored`: the manifest never vouches for a file the store has not got. Files the store
    missed (it could not be written, or it was deleted) are recorded from their entries by
    `catch_up`, which also drops the files that left INBOX. A store that cannot be written stops
    the recording, not the run: its error is raised at the end, after every output is in place."""

    def __init__(self, db: Path, info: dict, manifest: Manifest):
        self.db, self.info = Path(db), info
        self.pending: list[tuple[Record, object]] = []
        self.store = None
        self.run: int | None = None
        self.error: Exception | None = None
        self.up_to_run = 0                     # the last run recorded before this one
        if _missing(self.db):
            # A store deleted, emptied (0 bytes) or never written: everything the manifest holds
            # must go in. Said in the manifest before the store exists again, so that a run
            # killed after its first store write still leaves the next run knowing.
            _unstore(manifest)
        self._write(lambda store: {})                      # open (create, migrate) it now
        if self.store is not None:
            if self.store.found_version == 0:              # a file without our tables
                _unstore(manifest)
            self.up_to_run = self.store.last_run()

    def add(self, record: Record, row) -> None:
        record.stored = False
        self.pending.append((record, row))
        if len(self.pending) >= STORE_BATCH:    # memory stays flat between manifest saves
            self.flush()

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        if pending and self._write(lambda store: store.add([row for _, row in pending],
                                                           self.run, self.info)):
            for record, _ in pending:
                record.stored = True

    def _write(self, step) -> bool:
        import sqlite3

        from xlsproc.model import XlsprocError
        from xlsproc.store import Store, StoreError, is_damaged, store_error
        if self.error is not None:
            return False
        try:
            self.store = self.store or Store(self.db)
            self.run = step(self.store).get("run", self.run)
            return True
        except XlsprocError as exc:
            self.error = exc
        except (sqlite3.Error, OSError) as exc:   # locked for 30 s, disk full, a bad --db …
            if is_damaged(exc):
                self.error = store_error(self.db, exc)
                return False
            reason = os_reason(exc) if isinstance(exc, OSError) else str(exc)
            self.error = StoreError(f"结果库 {self.db} 无法写入（{reason}）。批注副本和 results.json "
                                    "已全部写好；请检查结果库的位置（--db），或关闭正在使用它的程序，"
                                    "再重新运行同一命令，结果会自动补记。")
        return False

    def catch_up(self, outcome: Outcome, manifest: Manifest) -> None:
        self.flush()
        missing = [rec for rec in outcome.records
                   if rec.status != "skipped" and not rec.stored]
        if missing:
            from xlsproc.store import file_row
            if self._write(lambda store: store.add((file_row(outcome.entry(r)) for r in missing),
                                                   self.run, self.info)):
                for rec in missing:
                    rec.stored = True
                manifest.save()
        if self.error is not None:
            self.error.outcome = outcome       # the run itself is complete: callers may report it
            raise self.error

    def forget(self, removed: list[str], outbox: Path, manifest: Manifest,
               current: list[str] = ()) -> None:
        """Files that left INBOX leave the store — done before the manifest drops their records,
        so that a run killed in between forgets them next time. A copy with the same bytes still
        in INBOX was stored as one of them: it is recorded again (catch_up). Those the store
        could not forget (read-only, locked, full) are kept in the manifest and forgotten by a
        later run: the district workbook must not count them for ever."""
        here = set(current)
        removed = list(dict.fromkeys([*(r for r in manifest.unforgotten if r not in here),
                                      *removed]))
        manifest.unforgotten = removed
        if not removed:
            return
        gone: set[str] = set()

        def drop(store) -> dict:
            gone.update(store.forget_files(removed, outbox))
            return {}
        if self._write(drop):
            manifest.unforgotten = []
        leaving = set(removed)
        for record in manifest.records.values():
            if record.sha256 in gone and record.rel not in leaving:
                record.stored = False

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None
