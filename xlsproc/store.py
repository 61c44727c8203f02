"""The results store: every `process` run's results in one SQLite file (OUTBOX/xlsproc.sqlite).

Consolidation reads it instead of re-reading workbooks, and years accumulate in it, so last year's
figures are at hand for 同比 and for relative targets. A results-json entry is stored as its own
JSON (file level) plus one JSON per evaluation; columns beside the JSON hold the keys it is found
by (file hash, relative path, unit, project, kind, year, sheet).

A corrected workbook replaces its earlier results instead of adding to them (see `_supersede`):
  - the same file again (same sha256);
  - the same relative path, for the same year(s) (a path reused next year accumulates instead);
  - an evaluation with the same unit + project + kind + year + sheet recorded by a run into
    another OUTBOX (or by any run, when the recording run names no OUTBOX). Within one OUTBOX
    both versions stay: a file that left INBOX is forgotten by `forget`, and two versions still
    in INBOX are a duplicate submission, which consolidation resolves and reports.

Safety: WAL journal, one transaction per `record`/`add` (a crash or an exception mid-write leaves
the database as it was), schema versions in PRAGMA user_version, migrations applied in order.
"""
from __future__ import annotations

import functools
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from itertools import groupby
from pathlib import Path
from typing import NamedTuple

from xlsproc.fileio import escape_surrogates
from xlsproc.score.history import single_number, text_key, unit_key
from xlsproc.model import XlsprocError

DEFAULT_NAME = "xlsproc.sqlite"
# Pages of a new store: an entry's JSON (~20 KB a table) spans a few 16 KB pages instead of six
# 4 KB ones; recording 1,000 workbooks 0.21 → 0.17 ms each. A store keeps the size it was made with.
PAGE_SIZE = 16384


class StoreError(XlsprocError):
    def __init__(self, message: str):
        super().__init__("store", message)


def is_damaged(exc: BaseException) -> bool:
    """SQLite says the file is not (or no longer) a database: not a lock or a permission."""
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)


def store_error(path: str | Path, exc: BaseException, doing: str = "无法写入") -> StoreError:
    """The Chinese StoreError for an SQLite or OS error on the store at `path`."""
    if is_damaged(exc):
        return StoreError(
            f"结果库 {path} 已损坏（SQLite：{exc}），无法使用。请把它删除或改名移走，再重新运行同一命令："
            "xlsproc 会按输出目录中的结果重建结果库（其他输出目录或其他年度记入的结果，需对那些目录"
            "再运行一次 process 才能补回）。批注副本和 results.json 不受影响。")
    return StoreError(f"结果库 {path} {doing}（{exc}），请检查文件是否损坏或被占用。")


def _reading(method):
    """A store method that reads: a damaged page met on the way (a store truncated or
    overwritten part-way) is the Chinese StoreError, never a traceback."""
    @functools.wraps(method)
    def read(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise store_error(self.path, exc, "无法读取") from None
    return read


def default_path(outbox: str | Path) -> Path:
    return Path(outbox) / DEFAULT_NAME


# --- schema migrations: append only, never edit a shipped one ---------------------------------

def _script(db: sqlite3.Connection, sql: str) -> None:
    """Statements one by one: executescript() would COMMIT the migration's transaction first."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    """Runs, files (entry JSON without its evaluations) and evaluations."""
    _script(db, """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            recorded_at TEXT NOT NULL,
            info TEXT NOT NULL
        );
        CREATE TABLE files (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            relpath TEXT,
            sha256 TEXT,
            status TEXT NOT NULL,
            entry TEXT NOT NULL
        );
        CREATE INDEX files_relpath ON files(relpath);
        CREATE INDEX files_sha256 ON files(sha256);
        CREATE TABLE evaluations (
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            sheet TEXT,
            kind TEXT NOT NULL,
            unit TEXT,
            unit_key TEXT NOT NULL,
            project_key TEXT NOT NULL,
            year INTEGER,
            data TEXT NOT NULL
        );
        CREATE INDEX evaluations_key ON evaluations(unit_key, project_key, kind, year);
        CREATE INDEX evaluations_file ON evaluations(file_id);
    """)


def _v2(db: sqlite3.Connection) -> None:
    """One row per indicator, so that last year's figure of an indicator is one indexed look-up."""
    _script(db, """
        CREATE TABLE indicators (
            evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name_key TEXT NOT NULL,
            target TEXT,
            actual TEXT,
            PRIMARY KEY (evaluation_id, position)
        );
        CREATE INDEX indicators_name ON indicators(name_key);
    """)
    rows = db.execute("SELECT id, data FROM evaluations").fetchall()
    for ev_id, data in rows:
        _insert_indicators(db, ev_id, _indicator_rows(json.loads(data).get("indicators")))


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, where: str = "") -> int:
    """Bring a database to SCHEMA_VERSION, one transaction per step; returns the version found."""
    found = db.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        raise StoreError(f"结果库 {where} 由更新版本的 xlsproc 创建（结构版本 {found}，本程序支持到 "
                         f"{SCHEMA_VERSION}），请升级 xlsproc 后再使用。")
    if found == SCHEMA_VERSION:  # nothing to do: no write transaction (a read-only store opens)
        return found
    while True:                  # the version is read again inside each step's transaction:
        with _transaction(db):   # another process may have migrated the file meanwhile
            current = db.execute("PRAGMA user_version").fetchone()[0]
            if current >= SCHEMA_VERSION:
                break
            MIGRATIONS[current](db)
            db.execute(f"PRAGMA user_version = {current + 1}")
    return found


class _transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception (the connection is in autocommit)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False


# --- the store -------------------------------------------------------------------------------

class Store:
    """`Store(path)`: open (creating or migrating) a results store. Use as a context manager."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.is_dir():
            raise StoreError(f"结果库 {self.path} 是一个文件夹，不是结果库文件：请把它改名移走，"
                             "或用 --db 另选结果库的位置，再重新运行同一命令。")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute(f"PRAGMA page_size = {PAGE_SIZE}")    # (a new store only)
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self.found_version = migrate(self.db, str(self.path))   # 0: created just now
        except sqlite3.OperationalError as exc:
            # On a read-only medium (an archived OUTBOX, a read-only share) a WAL store cannot
            # be opened for writing: it is still read, as it is (writing it then fails).
            writable = all(os.access(p, os.W_OK) for p in (self.path, self.path.parent))
            self.db = self._read_only() if self.path.is_file() and not writable else None
            if self.db is None:
                raise store_error(self.path, exc, "无法打开") from None
        except sqlite3.DatabaseError as exc:
            raise store_error(self.path, exc, "无法打开") from None

    def _read_only(self) -> sqlite3.Connection | None:
        from urllib.parse import quote
        try:
            db = sqlite3.connect(f"file:{quote(str(self.path.resolve()))}?immutable=1", uri=True,
                                 isolation_level=None)
            self.found_version = db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError:
            return None
        if self.found_version != SCHEMA_VERSION:
            db.close()
            return None
        return db

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- writing -----------------------------------------------------------------------------

    def record(self, entries: Iterable[dict], run_info: dict | None = None) -> dict:
        """Record one run's results-json entries in one transaction; skipped files are not kept.

        run_info: anything about the run (inbox, outbox, rules, version); `inbox` and `outbox`
        are handed back on every entry read, so links can be resolved later.
        Returns {"run": id, "files": n, "evaluations": n, "replaced": n evaluations replaced}.
        """
        return self.add((file_row(e) for e in entries), run_info=run_info)

    def add(self, rows: Iterable[FileRow], run: int | None = None,
            run_info: dict | None = None) -> dict:
        """Like `record`, from rows made by `file_row` (a worker makes them while it has the
        entry at hand: no JSON is decoded or encoded again here). run: add to an earlier run of
        this store (a batch recorded as it goes) instead of starting one with run_info."""
        counts = {"files": 0, "evaluations": 0, "replaced": 0}
        with _transaction(self.db) as db:
            if run is None:
                run = db.execute("INSERT INTO runs (recorded_at, info) VALUES (?, ?)",
                                 (_now(), compact_json(run_info or {}))).lastrowid
            outbox = (run_info or {}).get("outbox")
            for row in rows:
                if row.status == "skipped":
                    continue
                counts["replaced"] += _supersede(db, row, outbox)
                counts["evaluations"] += _insert_row(db, run, row)
                counts["files"] += 1
        return {"run": run, **counts}

    @_reading
    def recorded(self, outbox: str | Path) -> set[tuple[str, str | None]]:
        """(relpath, sha256) of every file recorded by runs into `outbox`."""
        rows = self.db.execute("SELECT f.relpath, f.sha256, r.info FROM files f "
                               "JOIN runs r ON r.id = f.run_id")
        infos: dict[str, bool] = {}
        found = set()
        for rel, digest, info in rows:
            if info not in infos:
                infos[info] = _same_folder(json.loads(info).get("outbox"), outbox)
            if infos[info]:
                found.add((rel, digest))
        return found

    def forget(self, relpaths: Iterable[str], outbox: str | Path | None = None) -> int:
        """Drop the results of files gone from INBOX (a process run's `removed`): those recorded
        at these relative paths — only by runs into `outbox`, when given, so that other years'
        runs keep theirs. Returns how many files were dropped."""
        return len(self.forget_files(relpaths, outbox))

    def forget_files(self, relpaths: Iterable[str], outbox: str | Path | None = None) -> set[str]:
        """`forget`, returning the sha256 of the files dropped (an identical copy still in INBOX
        was stored as this one: it must be recorded again)."""
        gone: set[str] = set()
        with _transaction(self.db) as db:
            for rel in relpaths:
                rows = db.execute("SELECT f.id, f.sha256, r.info FROM files f JOIN runs r "
                                  "ON r.id = f.run_id WHERE f.relpath = ?",
                                  (escape_surrogates(rel),)).fetchall()
                for file_id, digest, info in rows:
                    if outbox is None or _same_folder(json.loads(info).get("outbox"), outbox):
                        db.execute("DELETE FROM files WHERE id = ?", (file_id,))
                        gone.add(digest or f"#{file_id}")
        return gone

    # --- reading -----------------------------------------------------------------------------

    @_reading
    def years(self) -> list[int]:
        rows = self.db.execute("SELECT DISTINCT year FROM evaluations WHERE year IS NOT NULL "
                               "ORDER BY year")
        return [y for (y,) in rows]

    @_reading
    def table_counts(self) -> dict[int | None, int]:
        """How many tables the store holds, per year (None: the year could not be read)."""
        return dict(self.db.execute("SELECT year, count(*) FROM evaluations GROUP BY year"))

    def entries(self, year: int | None = None) -> list[dict]:
        """Results-json entries as stored (with `inbox`/`outbox` of their run added)."""
        return list(self.iter_entries(year))

    def iter_entries(self, year: int | None = None) -> Iterator[dict]:
        """Like `entries`, one at a time (flat memory). With `year`: the files holding tables of
        that year (with only those tables), and the unreadable files of the runs that did."""
        try:
            yield from self._entries(year)
        except sqlite3.DatabaseError as exc:
            raise store_error(self.path, exc, "无法读取") from None

    def _entries(self, year: int | None) -> Iterator[dict]:
        rows = self.db.execute(_ENTRIES_SQL, {"year": year})
        for _, group in groupby(rows, key=lambda r: r[0]):
            group = list(group)
            _, entry_json, info_json, _ = group[0]
            entry = json.loads(entry_json)
            info = json.loads(info_json)
            for key in ("inbox", "outbox"):
                if info.get(key) and not entry.get(key):
                    entry[key] = info[key]
            entry["evaluations"] = [json.loads(data) for *_, data in group if data is not None]
            yield entry

    @_reading
    def previous(self, unit: str | None, project: str | None, year: int | None,
                 kind: str) -> dict | None:
        """Last year's (year − 1) evaluation of the same unit, project and kind, or None."""
        row = self._previous_row(unit, project, year, kind)
        return None if row is None else json.loads(row[1])

    @_reading
    def last_run(self) -> int:
        """The id of the latest run recorded (0: none)."""
        return self.db.execute("SELECT ifnull(max(id), 0) FROM runs").fetchone()[0]

    @_reading
    def last_year_value(self, unit: str | None, project: str | None, year: int | None,
                        indicator_name: str, up_to_run: int | None = None
                        ) -> tuple[float | None, float | None] | None:
        """(target, actual) of the indicator of that name in last year's table, as numbers
        (None where the cell is not a single number); None when last year has no such indicator.
        A table with `project` None is the unit's department table. up_to_run: only what runs up
        to that one recorded (a batch sees the store as it was when it started)."""
        kind = "department" if project is None else "project"
        row = self._previous_row(unit, project, year, kind, up_to_run)
        if row is None:
            return None
        found = self.db.execute(
            "SELECT target, actual FROM indicators WHERE evaluation_id = ? AND name_key = ? "
            "ORDER BY position LIMIT 1", (row[0], text_key(indicator_name))).fetchone()
        return None if found is None else (single_number(found[0]), single_number(found[1]))

    @_reading
    def relpaths_of(self, unit_key: str, project_key: str, kind: str, year: int) -> set[str]:
        """The files (relpath) holding a table of that unit, project (text_key(None): the
        department table), kind and year — named by their keys (history.unit_key, text_key)."""
        rows = self.db.execute(
            "SELECT DISTINCT f.relpath FROM evaluations e JOIN files f ON f.id = e.file_id "
            "WHERE e.unit_key = ? AND e.project_key = ? AND e.kind = ? AND e.year = ?",
            (unit_key, project_key, kind, int(year)))
        return {relpath for (relpath,) in rows if relpath}

    def _previous_row(self, unit, project, year, kind, up_to_run: int | None = None
                      ) -> tuple | None:
        if year is None:
            return None
        return self.db.execute(
            "SELECT e.id, e.data FROM evaluations e JOIN files f ON f.id = e.file_id "
            "WHERE e.unit_key = ? AND e.project_key = ? AND e.kind = ? AND e.year = ? "
            "AND (? IS NULL OR f.run_id <= ?) ORDER BY e.id DESC LIMIT 1",
            (unit_key(unit), text_key(project), kind, int(year) - 1, up_to_run, up_to_run)
        ).fetchone()


_ENTRIES_SQL = """
    SELECT f.id, f.entry, r.info, e.data FROM files f
    JOIN runs r ON r.id = f.run_id
    LEFT JOIN evaluations e ON e.file_id = f.id
    WHERE :year IS NULL
       OR e.year = :year
       OR (f.status != 'ok' AND f.run_id IN (
            SELECT f2.run_id FROM files f2 JOIN evaluations e2 ON e2.file_id = f2.id
            WHERE e2.year = :year))
    ORDER BY f.relpath, f.id, e.position
"""


# --- writing helpers ---------------------------------------------------------------------------

def _same_folder(a, b) -> bool:
    return bool(a) and os.path.abspath(a) == os.path.abspath(b)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# One line of compact JSON, non-ASCII kept (the C encoder; anything unexpected as its str).
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def compact_json(data) -> str:
    """One line of JSON; a non-UTF-8 file name's bytes kept as \\u escapes (fileio)."""
    return escape_surrogates(_encode(data))


class EvaluationRow(NamedTuple):
    sheet: str | None
    kind: str
    unit: str | None
    unit_key: str
    project_key: str
    year: int | None
    data: str                          # the evaluation's JSON
    indicators: tuple                  # (name_key, target, actual) per indicator

    @property
    def identity(self) -> tuple:
        return (self.unit_key, self.project_key, self.kind, self.year, self.sheet)


class FileRow(NamedTuple):
    """One results-json entry as the store keeps it, encoded once (see `file_row`)."""

    relpath: str | None
    sha256: str | None
    status: str
    head: str                          # the entry's JSON with "evaluations":[]
    evaluations: tuple[EvaluationRow, ...]

    def entry_text(self) -> str:
        """The whole entry as one line of JSON (the evaluations in their place)."""
        data = ",".join(ev.data for ev in self.evaluations)
        return self.head.replace(_NO_EVALUATIONS, f'"evaluations":[{data}]', 1)


# JSON strings escape every quote inside them, and the entry's own keys are ours: this text
# can only be the evaluations key with its empty list.
_NO_EVALUATIONS = '"evaluations":[]'


def file_row(entry: dict) -> FileRow:
    evaluations = tuple(_evaluation_row(ev) for ev in entry.get("evaluations") or [])
    head = compact_json({**entry, "evaluations": []})
    if _NO_EVALUATIONS not in head:
        head = head[:-1] + ("," if len(head) > 2 else "") + _NO_EVALUATIONS + "}"
    relpath = entry.get("relpath")
    return FileRow(relpath and escape_surrogates(relpath), entry.get("sha256"), entry.get("status") or "ok",
                   head, evaluations)


def _evaluation_row(ev: dict) -> EvaluationRow:
    return EvaluationRow(ev.get("sheet"), ev["kind"], ev.get("unit"), unit_key(ev.get("unit")),
                         text_key(ev.get("project")), ev.get("year"), compact_json(ev),
                         _indicator_rows(ev.get("indicators")))


def _indicator_rows(indicators: list[dict] | None) -> tuple:
    """(name_key, target, actual) per indicator: last year's figures are looked up by name."""
    return tuple((text_key(ind.get("name")), _as_text(ind.get("target")),
                  _as_text(ind.get("actual"))) for ind in indicators or [])


def _supersede(db: sqlite3.Connection, row: FileRow, outbox: str | None = None) -> int:
    """Delete what this file replaces; returns how many evaluations went. With `outbox`, a table
    of the same unit, project, kind, year and sheet is replaced only when another outbox's run
    recorded it: within one outbox both stay, and consolidation counts the one saved last and
    lists the other as a duplicate submission (a file that left INBOX is forgotten anyway)."""
    years = {ev.year for ev in row.evaluations}
    ok = row.status == "ok"
    doomed_files = set()
    if row.sha256:
        doomed_files |= _ids(db, "SELECT id FROM files WHERE sha256 = ?", (row.sha256,))
    if row.relpath is not None:
        for file_id, status in db.execute("SELECT id, status FROM files WHERE relpath = ?",
                                          (row.relpath,)).fetchall():
            if status != "ok" or (ok and years & _file_years(db, file_id)):
                doomed_files.add(file_id)
    doomed_evs = set()
    for ev in row.evaluations:
        if outbox is None:
            doomed_evs |= _ids(db, _SAME_TABLE, ev.identity)
        else:
            doomed_evs |= _ids(db, _SAME_TABLE_ELSEWHERE, (*ev.identity, outbox))
    return _delete(db, doomed_files, doomed_evs)


_SAME_TABLE = ("SELECT id FROM evaluations WHERE unit_key = ? AND project_key = ? AND kind = ? "
               "AND year IS ? AND sheet IS ?")
_SAME_TABLE_ELSEWHERE = (
    "SELECT e.id FROM evaluations e JOIN files f ON f.id = e.file_id JOIN runs r ON r.id = f.run_id "
    "WHERE e.unit_key = ? AND e.project_key = ? AND e.kind = ? AND e.year IS ? AND e.sheet IS ? "
    "AND json_extract(r.info, '$.outbox') IS NOT ?")


def _ids(db, sql: str, params: tuple) -> set[int]:
    return {i for (i,) in db.execute(sql, params)}


def _file_years(db, file_id: int) -> set:
    return {y for (y,) in db.execute("SELECT year FROM evaluations WHERE file_id = ?", (file_id,))}


def _delete(db, files: set[int], evaluations: set[int]) -> int:
    gone = 0
    for file_id in files:
        gone += db.execute("SELECT count(*) FROM evaluations WHERE file_id = ?",
                           (file_id,)).fetchone()[0]
        db.execute("DELETE FROM files WHERE id = ?", (file_id,))
    emptied = set()
    for ev_id in evaluations:
        row = db.execute("SELECT file_id FROM evaluations WHERE id = ?", (ev_id,)).fetchone()
        if row is None:                  # already gone with its file
            continue
        db.execute("DELETE FROM evaluations WHERE id = ?", (ev_id,))
        emptied.add(row[0])
        gone += 1
    for file_id in emptied:              # a file whose every table was replaced goes too
        if not db.execute("SELECT 1 FROM evaluations WHERE file_id = ?", (file_id,)).fetchone():
            db.execute("DELETE FROM files WHERE id = ?", (file_id,))
    return gone


def _insert_row(db, run: int, row: FileRow) -> int:
    file_id = db.execute(
        "INSERT INTO files (run_id, relpath, sha256, status, entry) VALUES (?, ?, ?, ?, ?)",
        (run, row.relpath, row.sha256, row.status, row.head)).lastrowid
    for position, ev in enumerate(row.evaluations):
        ev_id = db.execute(
            "INSERT INTO evaluations (file_id, position, sheet, kind, unit, unit_key, project_key, "
            "year, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (file_id, position, ev.sheet, ev.kind, ev.unit, ev.unit_key, ev.project_key, ev.year,
             ev.data)).lastrowid
        _insert_indicators(db, ev_id, ev.indicators)
    return len(row.evaluations)


def _insert_indicators(db, ev_id: int, indicators: tuple) -> None:
    db.executemany("INSERT INTO indicators (evaluation_id, position, name_key, target, actual) "
                   "VALUES (?, ?, ?, ?, ?)", [(ev_id, i, *ind) for i, ind in enumerate(indicators)])


def _as_text(value) -> str | None:
    return None if value is None else str(value)


# --- last year's figures, for relative targets --------------------------------------------------

_STORES: dict = {}


def last_year_lookup(db: str | None, up_to_run: int | None = None):
    """`last_year(evaluation, indicator)` backed by the results store, or None without one.
    Asked only for relative targets (不低于上一年度); one connection per worker and store.
    Only runs up to `up_to_run` count: what this batch records meanwhile must not change how
    its own files are scored (that would depend on timing and on --jobs)."""
    if not db or not os.path.isfile(db):
        return None
    try:
        store = _STORES.get(db) or _STORES.setdefault(db, Store(db))
    except StoreError:
        return None                 # the parent reports a store it cannot use

    def last_year(ev, ind) -> float | None:
        project = ev.project.text or None if ev.kind == "project" else None
        found = store.last_year_value(ev.unit.text or None, project, ev.year, ind.name.text,
                                      up_to_run)
        return None if found is None else found[1]
    return last_year
