"""What consolidation reads — a list of entries, a results.json, an OUTBOX folder, a results
store — flattened into a staging SQLite file (tables, indicators, flags)."""
from __future__ import annotations

import dataclasses
import json
import os
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from xlsproc.errors import SEVERITY_RANK, detail, title
from xlsproc.fileio import shown
from xlsproc.model import FileEntry, FlagEntry, IndicatorEntry, TableEntry
from xlsproc.read.values import target_in_name
from xlsproc.refs import parse_cell_name
from xlsproc.score.history import text_key, unit_key, unit_name
from xlsproc.store import DEFAULT_NAME, Store
from xlsproc.write.marks import REVIEW_SHEET


UNREADABLE = "（未能读取的文件）"


@dataclass
class Source:
    entries: Iterable[dict]
    history: Store | Iterable[dict] | None
    outbox: Path | None
    opened: Store | None = None            # a store we opened ourselves, closed when done
    # tables of other years (None: year unknown) the year filter left out, filled as it reads
    left_out: Counter = field(default_factory=Counter)
    # the same per unit (unit_key → Counter of years): the roster tells "sent only another year's"
    left_out_units: dict = field(default_factory=lambda: defaultdict(Counter))


def open_source(source, year: int | None) -> Source:
    """A list of entries, a Store, a results.json, a .sqlite file, or an OUTBOX folder."""
    if isinstance(source, Store):
        year = year if year is not None else _latest(source)
        found = Source(source.iter_entries(year), source, None)
        if year is not None:
            found.left_out.update({y: n for y, n in source.table_counts().items() if y != year})
            for unit, y, n in source.db.execute(
                    "SELECT unit, year, count(*) FROM evaluations WHERE year IS NOT ? "
                    "GROUP BY unit, year", (year,)):
                found.left_out_units[unit_key(unit)][y] += n
        return found
    if isinstance(source, (str, Path)):
        return _open_path(Path(source), year)
    found = Source(source, None, None)
    found.entries = _year_filter(source, year, found.left_out, found.left_out_units)
    return found


def _open_path(path: Path, year: int | None) -> Source:
    if path.is_dir():
        if (path / DEFAULT_NAME).exists():
            found = open_source(Store(path / DEFAULT_NAME), year)
            found.opened, found.outbox = found.history, path
            return found
        path = path / "results.json"
    if path.suffix.lower() in (".sqlite", ".db", ".sqlite3"):
        found = open_source(Store(path), year)
        found.opened = found.history
        return found
    if not path.is_file():
        raise FileNotFoundError(f"找不到结果文件 {path}：请先运行 xlsproc process 生成 results.json。")
    found = open_source(json.loads(path.read_text("utf-8")), year)
    found.outbox = path.parent
    return found


def _latest(store: Store) -> int | None:
    years = store.years()
    return years[-1] if years else None


def _year_filter(entries: Iterable[dict], year: int | None, left_out: Counter | None = None,
                 by_unit: dict | None = None) -> Iterable[dict]:
    """The entries with only `year`'s tables (unreadable files kept); the tables of other years
    are counted in `left_out` (and per unit in `by_unit`) as they go by."""
    if year is None:
        return entries
    left_out = Counter() if left_out is None else left_out
    by_unit = defaultdict(Counter) if by_unit is None else by_unit
    return (kept for e in entries if (kept := _only_year(e, year, left_out, by_unit)) is not None)


def _only_year(entry: dict, year: int, left_out: Counter, by_unit: dict) -> dict | None:
    evaluations = entry.get("evaluations") or []
    mine = [ev for ev in evaluations if ev.get("year") == year]
    for ev in evaluations:
        if ev.get("year") != year:
            left_out[ev.get("year")] += 1
            by_unit[unit_key(ev.get("unit"))][ev.get("year")] += 1
    if entry.get("status") != "ok" or mine:
        return {**entry, "evaluations": mine}
    return None


def entry_file(entry: FileEntry | dict, outbox: str | Path | None = None
               ) -> tuple[str | None, bool]:
    """(absolute path, is the annotated copy) of the file a link to this entry opens."""
    entry = FileEntry.of(entry)
    box = outbox or entry.outbox
    if entry.output and box:
        return os.path.abspath(Path(box) / entry.output), True
    if entry.inbox and entry.relpath:
        return os.path.abspath(Path(entry.inbox) / entry.relpath), False
    if entry.path:
        return os.path.abspath(entry.path), False
    return None, False


def review_sheet(entry: FileEntry) -> str:
    """The name of our 审核结果 sheet in the file's annotated copy: 审核结果（xlsproc） beside a
    sheet of the officer's named 审核结果 (an entry of an older run, which does not say: 审核结果)."""
    return (entry.copy_sheets or {}).get("review") or REVIEW_SHEET


_STAGE_SCHEMA = """
CREATE TABLE t (id INTEGER PRIMARY KEY, role INTEGER, unit TEXT, unit_key TEXT, year INTEGER,
  kind TEXT, project TEXT, project_key TEXT, sheet TEXT, file TEXT, target TEXT,
  annotated INTEGER, review TEXT, annual REAL, executed REAL, rate REAL, exec_score REAL,
  indicator_score REAL, total REAL, reported_total REAL, grade TEXT,
  n_error INTEGER, n_warning INTEGER, n_info INTEGER, modified TEXT);
CREATE INDEX t_key ON t (unit_key, project_key, kind, year);
CREATE TABLE i (tid INTEGER, pos INTEGER, level1 TEXT, level2 TEXT, name TEXT, name_key TEXT,
  target TEXT, actual TEXT, kind TEXT, completion REAL, weight REAL, score REAL, flags TEXT,
  cell TEXT, titles TEXT);
CREATE INDEX i_tid ON i (tid, pos);
CREATE TABLE f (id INTEGER PRIMARY KEY, rank INTEGER, unit TEXT, unit_key TEXT, project TEXT,
  file TEXT, sheet TEXT, cell TEXT, crow INTEGER, ccol INTEGER, title TEXT, detail TEXT,
  code TEXT, indicator TEXT, target TEXT, severity TEXT, tid INTEGER)
"""


NAME_FIELDS = ("file", "path", "relpath", "output", "inbox", "outbox")
_SURROGATES = re.compile("[\ud800-\udfff]")


def _legible(entry: FileEntry) -> FileEntry:
    """A non-UTF-8 (GBK) file name, carried as surrogates, as the officer's Windows shows it:
    SQLite and the workbook's XML take UTF-8 only (fileio.shown)."""
    names = {k: getattr(entry, k) for k in NAME_FIELDS if isinstance(getattr(entry, k), str)}
    if not any(_SURROGATES.search(v) for v in names.values()):
        return entry
    return dataclasses.replace(entry, **{k: shown(v) for k, v in names.items()})


class Stage:
    """The entries, flattened into three tables of a temporary SQLite file."""

    def __init__(self, folder: str):
        self.db = sqlite3.connect(Path(folder) / "stage.sqlite", isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "temp_store = FILE",
                       "cache_size = -4000"):
            self.db.execute(f"PRAGMA {pragma}")
        for statement in _STAGE_SCHEMA.split(";"):
            self.db.execute(statement)

    def add(self, entries: Iterable[dict | FileEntry], role: int, outbox: Path | None) -> None:
        """role 0: the entries consolidated; 1: history, for 同比 only."""
        self.db.execute("BEGIN")
        for raw in entries:
            entry = _legible(FileEntry.of(raw))
            if entry.status == "skipped":
                continue
            target, annotated = entry_file(entry, outbox)
            if entry.status != "ok" and role == 0:
                self._add_unreadable(entry, target)
            elif entry.copy and role == 0:
                self._add_copy_notice(entry, target)
            for ev in entry.evaluations:
                self._add_table(entry, ev, role, target, annotated)
        self.db.execute("COMMIT")

    def _add_table(self, entry: FileEntry, ev: TableEntry, role: int, target, annotated) -> None:
        b = ev.budget or {}
        counts = ev.counts()
        scale = MONEY_SCALE.get(ev.money_unit or "万元", 1.0)
        tid = self.db.execute(
            "INSERT INTO t VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?)",
            (role, unit_name(ev.unit), unit_key(ev.unit), ev.year, ev.kind, ev.project,
             text_key(ev.project), ev.sheet, entry.label, target, int(annotated),
             review_sheet(entry),
             _money(b.get("annual"), scale), _money(b.get("executed"), scale),
             b.get("rate"), b.get("score"), ev.indicator_score, ev.total_score,
             ev.reported_total, ev.grade, counts["error"], counts["warning"],
             counts["info"], entry.modified)).lastrowid
        self._add_indicators(tid, ev)
        if role == 0:
            self._add_flags(tid, entry, ev, target)

    def _add_indicators(self, tid: int, ev: TableEntry) -> None:
        flags = _flags_by_indicator(ev)
        rows = []
        for pos, ind in enumerate(ev.indicators):
            mine = flags.get((ind.row, ind.name), ())
            rows.append((tid, pos, category(ind.level1), category(ind.level2), ind.name,
                         text_key(ind.name), _target_text(ind), _text(ind.actual), ind.kind,
                         ind.completion, ind.weight, ind.score,
                         "、".join(f.code or "" for f in mine) or None,
                         _indicator_cell(ind), "、".join(_title(f) for f in mine) or None))
        self.db.executemany("INSERT INTO i VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            rows)

    def _add_flags(self, tid: int, entry: FileEntry, ev: TableEntry, target) -> None:
        unit, key = unit_name(ev.unit), unit_key(ev.unit)
        rows = []
        for flag in ev.flags:
            row, col = _cell_position(flag.cell)
            rows.append((SEVERITY_RANK.get(flag.severity, 3), unit, key, ev.project,
                         entry.label, flag.sheet or ev.sheet, flag.cell, row, col, _title(flag),
                         flag.detail or flag.message, flag.code, flag.indicator, target,
                         flag.severity, tid))
        self._insert_flags(rows)

    def _add_unreadable(self, entry: FileEntry, target) -> None:
        err = entry.error or {}
        self._insert_flags([(0, UNREADABLE, "\uffff", None, entry.label, None, None, 0, 0,
                             "文件无法读取", err.get("message"), err.get("code"), None, target,
                             "error", None)])

    def _add_copy_notice(self, entry: FileEntry, target) -> None:
        """results.json's `copy`: the annotated copy keeps less than the workbook, or none could
        be made (the results stand) — one 问题清单 line, for the bureau to know before sending
        the copy back (the file itself is then what the link opens)."""
        notice = entry.copy or {}
        code = notice.get("code")
        ev = entry.evaluations[0] if entry.evaluations else None
        unit = unit_name(ev.unit) if ev else UNREADABLE
        project = ev.project if ev and ev.kind == "project" else None
        self._insert_flags([(SEVERITY_RANK["warning"], unit, unit_key(ev.unit) if ev else "\uffff",
                             project, entry.label, None, None, 0, 0,
                             notice.get("title") or (title(code) if code else "批注副本"),
                             notice.get("message"), code, None, target, "warning", None)])

    def _insert_flags(self, rows: list[tuple]) -> None:
        self.db.executemany("INSERT INTO f VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                            "?, ?, ?)", rows)

    def set_aside_duplicates(self) -> int:
        """Two tables of one unit, project (or the department) and year — a resubmission under
        another file name, a copied sheet — are counted once: the one saved last (then the one
        listed last). The others leave the consolidation (role DUPLICATE) with their flags, and
        each gets one 问题清单 line naming the table counted instead. Returns how many."""
        self.db.execute("BEGIN")
        replaced = superseded(self.db.execute(
            "SELECT id, unit_key, project_key, kind, year, modified FROM t WHERE role = 0"))
        self.db.executemany(f"UPDATE t SET role = {DUPLICATE} WHERE id = ?",
                            [(tid,) for tid in replaced])
        set_aside = self.db.execute(
            "SELECT d.id, d.unit, d.unit_key, d.project, d.file, d.sheet, d.target, d.modified, "
            "k.file, k.sheet, k.modified, d.year, d.kind FROM t d JOIN t k ON k.role = 0 AND "
            "k.unit_key = d.unit_key AND k.project_key IS d.project_key AND k.kind = d.kind AND "
            f"k.year IS d.year WHERE d.role = {DUPLICATE} ORDER BY d.id").fetchall()
        self.db.execute(f"DELETE FROM f WHERE tid IN (SELECT id FROM t WHERE role = {DUPLICATE})")
        self._insert_flags([_duplicate_issue(*row) for row in set_aside])
        self.db.execute("COMMIT")
        return len(set_aside)

    def query(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        return self.db.execute(sql, params)

    def close(self) -> None:
        self.db.close()


DUPLICATE = 2                      # stage role of a table another submission replaces


def superseded(tables: Iterable[tuple]) -> dict:
    """The tables another submission replaces: {id: id of the table counted instead}.

    tables: (id, unit_key, project_key, kind, year, modified) with ids in submission order. Two
    tables of one unit, project (or the department) and year are one: the one saved last counts
    (then the one listed last). Tables without a unit, a year or a project name stay apart. The
    district workbook (Stage), the return packs and the roster all decide by this."""
    kept: dict[tuple, tuple] = {}
    members: dict[tuple, list] = defaultdict(list)
    for tid, key, project_key, kind, year, modified in tables:
        if not key or year is None or (kind == "project" and not project_key):
            continue
        group = (key, project_key or "", kind, year)
        members[group].append(tid)
        rank = (modified or "", tid)
        if group not in kept or rank > kept[group]:
            kept[group] = rank
    return {tid: kept[g][1] for g, ids in members.items() for tid in ids if tid != kept[g][1]}


def duplicate_text(unit, project, kind, year, modified, kept_file, kept_sheet,
                   kept_modified) -> str:
    what = f"“{project}”项目" if kind == "project" else "部门整体"
    return detail("duplicate-submission", unit=unit, year=f"{year}年度" if year else "",
                  what=what, kept=f"{kept_file}（{kept_sheet}）",
                  kept_when=_saved(kept_modified), this_when=_saved(modified))


def _duplicate_issue(tid, unit, key, project, file, sheet, target, modified, kept_file,
                     kept_sheet, kept_modified, year, kind) -> tuple:
    text = duplicate_text(unit, project, kind, year, modified, kept_file, kept_sheet,
                          kept_modified)
    return (SEVERITY_RANK["warning"], unit, key, project, file, sheet, None, 0, 0,
            title("duplicate-submission"), text, "duplicate-submission", None, target,
            "warning", tid)


def _saved(stamp: str | None) -> str:
    return f"保存于 {stamp.replace('T', ' ')}" if stamp else "保存时间不详"


def _flags_by_indicator(ev: TableEntry) -> dict[tuple, list[FlagEntry]]:
    """The flags of each indicator, keyed by (sheet row, name): a flag names its indicator and
    its cell lies on the indicator's row."""
    found: dict[tuple, list[FlagEntry]] = defaultdict(list)
    for flag in ev.flags:
        if flag.indicator and flag.cell:
            row, _ = _cell_position(flag.cell)
            found[(row, flag.indicator)].append(flag)
    return found


def _title(flag: FlagEntry) -> str:
    """A flag's Chinese title (the catalogue's, when an older entry carries none)."""
    if flag.title:
        return flag.title
    try:
        return title(flag.code)
    except KeyError:
        return flag.code or ""


# 一级/二级指标 as officers label them: '产出指标(50分)', '产 出 指 标', '一、产出指标'.
_WEIGHT_NOTE = re.compile(r"[（(]\s*\d+(?:\.\d+)?\s*分?\s*[)）]|\d+(?:\.\d+)?\s*分\s*$"
                          r"|^\s*(?:[一二三四五六七八九十]+|\d+)\s*[、.．]")
MONEY_SCALE = {"万元": 1.0, "元": 1 / 10_000}      # to 万元, as every sum is shown


def category(text) -> str | None:
    """An indicator category for grouping: the weight note and spaces gone ('产出指标')."""
    if text is None:
        return None
    name = _WEIGHT_NOTE.sub("", unicodedata.normalize("NFKC", str(text)))
    name = re.sub(r"\s+", "", name)
    return name or str(text).strip() or None


def _money(value, scale: float):
    if value is None or scale == 1.0 or not isinstance(value, (int, float)):
        return value
    return round(value * scale, 6)


def _cell_position(cell: str | None) -> tuple[int, int]:
    """'F27' → (27, 6): the sheet row and column as numbered on screen; (0, 0) for no cell."""
    if not cell:
        return 0, 0
    try:
        row, col = parse_cell_name(cell)
    except ValueError:
        return 0, 0
    return row + 1, col + 1


def _indicator_cell(ind: IndicatorEntry) -> str | None:
    cells = ind.cells or {}
    if cells.get("name"):
        return cells["name"]
    return f"A{ind.row}" if ind.row else None


def _target_text(ind: IndicatorEntry) -> str | None:
    """年度指标值 as shown: the cell's text, or — blank, with a completion computed — the target the
    scorer took from the indicator's name ('指标1:年度资金支付完成率100%'), saying so."""
    text = _text(ind.target)
    if (text is None or not text.strip()) and ind.completion is not None:
        named = target_in_name(ind.name)
        if named is not None:
            return f"{named.text}（取自指标名称）"
    return text


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def fill_stage(stage: Stage, source: Source, outbox, history) -> None:
    box = Path(outbox) if outbox else source.outbox
    stage.add(source.entries, 0, box)
    stage.set_aside_duplicates()
    history = history if history is not None else source.history
    if history is None:
        return
    years = [y for (y,) in stage.query("SELECT DISTINCT year FROM t WHERE role = 0 "
                                       "AND year IS NOT NULL")]
    if isinstance(history, Store):
        for y in years:
            stage.add(history.iter_entries(y - 1), 1, None)
    else:
        wanted = {y - 1 for y in years}
        stage.add(({**e, "evaluations": [ev for ev in e.get("evaluations") or []
                                         if ev.get("year") in wanted]} for e in history), 1, box)
