"""District consolidation: one workbook for the whole district, every figure traceable to its cell.

results-json entries (a list, a results.json, an OUTBOX folder or the results store) → a staging
SQLite file (flat memory whatever the number of workbooks; it also does the sorting) → one
xlsxwriter workbook in constant_memory mode:

  汇总      one row per unit (department), a district total row per year
  项目      one row per project table
  指标明细  one row per indicator (long format, for filters and pivot tables)
  问题清单  every flag, errors first, then by unit: what goes back to whom
  图表      native charts: grades, 执行率 by unit, total score distribution
  同比      this year against last year (when last year's results are known)

Links: 汇总 holds real hyperlinks (external file + '#'Sheet'!A1' location) to each unit's annotated
copy. The long sheets hold =HYPERLINK(address cell, "H22") formulas over a 链接地址 text column:
Excel stores at most 65,530 real hyperlinks per sheet and xlsxwriter keeps every one in memory until
the file is closed, while a district's indicators run past that. Link targets are paths relative to
the consolidation workbook's folder: the annotated copy (OUTBOX/output), else the original file.

Text taken from workbooks is always written with write_string: an officer's '=…' stays text.
"""
from __future__ import annotations

import csv
import json
import math
import os
import sqlite3
import tempfile
import unicodedata
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from pathlib import Path

from xlsproc.score.history import repeated_shortfall, target_loosened, text_key, unit_key, unit_name
from xlsproc.write.marks import REVIEW_SHEET
from xlsproc.store import DEFAULT_NAME, Store

SUMMARY, PROJECTS, INDICATORS, ISSUES, CHARTS, YOY = "汇总", "项目", "指标明细", "问题清单", "图表", "同比"
SEVERITY_CN = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
INDICATOR_KIND_CN = {"positive": "正向", "reverse": "反向", "equal": "等于", "compound": "复合",
                     "qualitative": "定性", "manual": "相对目标（人工复核）"}
GRADES = ("优", "良", "中", "差")
SCORE_BINS = (("60分以下", None, 60), ("60–70分", 60, 70), ("70–80分", 70, 80),
              ("80–90分", 80, 90), ("90–95分", 90, 95), ("95–100分", 95, None))
LOW_RATE = 0.9
UNREADABLE = "（未能读取的文件）"
WIDTH_SAMPLE = 500                 # rows per sheet whose text sets the column widths


# --- columns ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Col:
    head: str
    kind: str = "text"     # text | int | money | pct | score | num | link | address
    cap: int = 40          # widest column, in characters


SUMMARY_COLS = [
    Col("单位", cap=36), Col("年度", "int"), Col("自评表数", "int"), Col("其中项目表", "int"),
    Col("全年预算数（万元）", "money"), Col("全年执行数（万元）", "money"), Col("执行率", "pct"),
    Col("资金口径", cap=14), Col("执行得分", "score"), Col("部门整体总分", "score"),
    Col("项目平均分", "score"), Col("等级"), Col("错误", "int"), Col("警告", "int"),
    Col("批注副本", "link", cap=40), Col("链接地址", "address", cap=50),
]
PROJECT_COLS = [
    Col("单位", cap=30), Col("年度", "int"), Col("项目名称", cap=36), Col("文件", cap=36),
    Col("工作表", cap=24), Col("全年预算数（万元）", "money"), Col("全年执行数（万元）", "money"),
    Col("执行率", "pct"), Col("执行得分", "score"), Col("指标得分", "score"), Col("总分", "score"),
    Col("填报总分", "score"), Col("等级"), Col("错误", "int"), Col("警告", "int"),
    Col("提示", "int"), Col("自评表", "link"), Col("链接地址", "address", cap=50),
]
INDICATOR_COLS = [
    Col("单位", cap=24), Col("年度", "int"), Col("项目", cap=28), Col("一级指标", cap=16),
    Col("二级指标", cap=16), Col("三级指标", cap=30),
    Col("年度指标值", cap=24), Col("实际完成值", cap=24), Col("指标类型", cap=14),
    Col("完成率", "pct"), Col("分值", "num"), Col("得分", "num"), Col("问题代码", cap=30),
    Col("文件", cap=30), Col("工作表", cap=20), Col("单元格", "link"),
    Col("链接地址", "address", cap=50),
]
ISSUE_COLS = [
    Col("单位", cap=24), Col("文件", cap=30), Col("工作表", cap=20), Col("单元格", "link"),
    Col("严重程度"), Col("问题", cap=20), Col("说明", cap=70), Col("项目", cap=24),
    Col("指标", cap=24), Col("代码", cap=26), Col("链接地址", "address", cap=50),
]
YOY_COLS = [
    Col("单位", cap=24), Col("项目", cap=28), Col("层级"), Col("指标", cap=28), Col("指标类型"),
    Col("本年度", "int"), Col("分值", "num"), Col("本年指标值", cap=20), Col("上年指标值", cap=20),
    Col("本年完成值", cap=20), Col("上年完成值", cap=20), Col("本年得分", "num"),
    Col("上年得分", "num"), Col("得分变化", "num"), Col("本年执行率", "pct"),
    Col("上年执行率", "pct"), Col("提示", cap=44),
]


# --- sources ----------------------------------------------------------------------------------

@dataclass
class _Input:
    entries: Iterable[dict]
    history: Store | Iterable[dict] | None
    outbox: Path | None
    opened: Store | None = None            # a store we opened ourselves, closed when done


def _open(source, year: int | None) -> _Input:
    """A list of entries, a Store, a results.json, a .sqlite file, or an OUTBOX folder."""
    if isinstance(source, Store):
        year = year if year is not None else _latest(source)
        return _Input(source.iter_entries(year), source, None)
    if isinstance(source, (str, Path)):
        return _open_path(Path(source), year)
    return _Input(_year_filter(source, year), None, None)


def _open_path(path: Path, year: int | None) -> _Input:
    if path.is_dir():
        if (path / DEFAULT_NAME).exists():
            found = _open(Store(path / DEFAULT_NAME), year)
            found.opened, found.outbox = found.history, path
            return found
        path = path / "results.json"
    if path.suffix.lower() in (".sqlite", ".db", ".sqlite3"):
        found = _open(Store(path), year)
        found.opened = found.history
        return found
    if not path.is_file():
        raise FileNotFoundError(f"找不到结果文件 {path}：请先运行 xlsproc process 生成 results.json。")
    entries = json.loads(path.read_text("utf-8"))
    return _Input(_year_filter(entries, year), None, path.parent)


def _latest(store: Store) -> int | None:
    years = store.years()
    return years[-1] if years else None


def _year_filter(entries: Iterable[dict], year: int | None) -> Iterable[dict]:
    if year is None:
        return entries
    return ({**e, "evaluations": [ev for ev in e.get("evaluations") or []
                                  if ev.get("year") == year]}
            for e in entries if e.get("status") != "ok"
            or any(ev.get("year") == year for ev in e.get("evaluations") or []))


# --- links ------------------------------------------------------------------------------------

def entry_file(entry: dict, outbox: str | Path | None = None) -> tuple[str | None, bool]:
    """(absolute path, is the annotated copy) of the file a link to this entry opens."""
    box = outbox or entry.get("outbox")
    if entry.get("output") and box:
        return os.path.abspath(Path(box) / entry["output"]), True
    if entry.get("inbox") and entry.get("relpath"):
        return os.path.abspath(Path(entry["inbox"]) / entry["relpath"]), False
    if entry.get("path"):
        return os.path.abspath(entry["path"]), False
    return None, False


def location(sheet: str | None, cell: str | None = "A1") -> str:
    """"'Sheet name'!H22" (quotes doubled inside), as Excel writes a link's location."""
    if not sheet:
        return ""
    return "'" + sheet.replace("'", "''") + "'!" + (cell or "A1")


@lru_cache(maxsize=1024)
def relative_link(path: str, base: str) -> str:
    """path relative to the folder `base`, with '/' (absolute when no relative path exists)."""
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:                   # another drive on Windows
        return Path(path).as_posix()


def _address(target: str | None, loc: str, base: str | None) -> str | None:
    if not target:
        return None
    path = relative_link(target, base) if base else target
    return f"{path}#{loc}" if loc else path


# --- staging ----------------------------------------------------------------------------------

_STAGE_SCHEMA = """
CREATE TABLE t (id INTEGER PRIMARY KEY, role INTEGER, unit TEXT, unit_key TEXT, year INTEGER,
  kind TEXT, project TEXT, project_key TEXT, sheet TEXT, file TEXT, target TEXT,
  annotated INTEGER, annual REAL, executed REAL, rate REAL, exec_score REAL,
  indicator_score REAL, total REAL, reported_total REAL, grade TEXT,
  n_error INTEGER, n_warning INTEGER, n_info INTEGER, modified TEXT);
CREATE INDEX t_key ON t (unit_key, project_key, kind, year);
CREATE TABLE i (tid INTEGER, pos INTEGER, level1 TEXT, level2 TEXT, name TEXT, name_key TEXT,
  target TEXT, actual TEXT, kind TEXT, completion REAL, weight REAL, score REAL, flags TEXT,
  cell TEXT);
CREATE INDEX i_tid ON i (tid, pos);
CREATE TABLE f (id INTEGER PRIMARY KEY, rank INTEGER, unit TEXT, unit_key TEXT, project TEXT,
  file TEXT, sheet TEXT, cell TEXT, crow INTEGER, ccol INTEGER, title TEXT, detail TEXT,
  code TEXT, indicator TEXT, target TEXT, severity TEXT, tid INTEGER)
"""


class _Stage:
    """The entries, flattened into three tables of a temporary SQLite file."""

    def __init__(self, folder: str):
        self.db = sqlite3.connect(Path(folder) / "stage.sqlite", isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "temp_store = FILE",
                       "cache_size = -4000"):
            self.db.execute(f"PRAGMA {pragma}")
        for statement in _STAGE_SCHEMA.split(";"):
            self.db.execute(statement)

    def add(self, entries: Iterable[dict], role: int, outbox: Path | None) -> None:
        """role 0: the entries consolidated; 1: history, for 同比 only."""
        self.db.execute("BEGIN")
        for entry in entries:
            if entry.get("status") == "skipped":
                continue
            target, annotated = entry_file(entry, outbox)
            if entry.get("status") != "ok" and role == 0:
                self._add_unreadable(entry, target)
            for ev in entry.get("evaluations") or []:
                self._add_table(entry, ev, role, target, annotated)
        self.db.execute("COMMIT")

    def _add_table(self, entry: dict, ev: dict, role: int, target, annotated) -> None:
        b = ev.get("budget") or {}
        counts = _flag_counts(ev)
        tid = self.db.execute(
            "INSERT INTO t VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?)",
            (role, unit_name(ev.get("unit")), unit_key(ev.get("unit")), ev.get("year"),
             ev.get("kind"), ev.get("project"), text_key(ev.get("project")), ev.get("sheet"),
             _file_label(entry), target, int(annotated), b.get("annual"), b.get("executed"),
             b.get("rate"), b.get("score"), ev.get("indicator_score"), ev.get("total_score"),
             ev.get("reported_total"), ev.get("grade"), counts["error"], counts["warning"],
             counts["info"], entry.get("modified"))).lastrowid
        self._add_indicators(tid, ev)
        if role == 0:
            self._add_flags(tid, entry, ev, target)

    def _add_indicators(self, tid: int, ev: dict) -> None:
        codes = _codes_by_indicator(ev)
        self.db.executemany("INSERT INTO i VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            (tid, pos, ind.get("level1"), ind.get("level2"), ind.get("name"),
             text_key(ind.get("name")), _text(ind.get("target")), _text(ind.get("actual")),
             ind.get("kind"), ind.get("completion"), ind.get("weight"), ind.get("score"),
             "、".join(codes.get((ind.get("row"), ind.get("name")), ())) or None,
             _indicator_cell(ind))
            for pos, ind in enumerate(ev.get("indicators") or [])])

    def _add_flags(self, tid: int, entry: dict, ev: dict, target) -> None:
        unit, key = unit_name(ev.get("unit")), unit_key(ev.get("unit"))
        rows = []
        for flag in ev.get("flags") or []:
            row, col = _cell_position(flag.get("cell"))
            rows.append((SEVERITY_RANK.get(flag.get("severity"), 3), unit, key, ev.get("project"),
                         _file_label(entry), flag.get("sheet") or ev.get("sheet"), flag.get("cell"),
                         row, col, flag.get("title") or flag.get("code"),
                         flag.get("detail") or flag.get("message"), flag.get("code"),
                         flag.get("indicator"), target, flag.get("severity"), tid))
        self._insert_flags(rows)

    def _add_unreadable(self, entry: dict, target) -> None:
        err = entry.get("error") or {}
        self._insert_flags([(0, UNREADABLE, "\uffff", None, _file_label(entry), None, None, 0, 0,
                             "文件无法读取", err.get("message"), err.get("code"), None, target,
                             "error", None)])

    def _insert_flags(self, rows: list[tuple]) -> None:
        self.db.executemany("INSERT INTO f VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                            "?, ?, ?)", rows)

    def set_aside_duplicates(self) -> int:
        """Two tables of one unit, project (or the department) and year — a resubmission under
        another file name, a copied sheet — are counted once: the one saved last (then the one
        listed last). The others leave the consolidation (role DUPLICATE) with their flags, and
        each gets one 问题清单 line naming the table counted instead. Returns how many."""
        self.db.execute("BEGIN")
        self.db.execute(
            f"UPDATE t SET role = {DUPLICATE} WHERE role = 0 AND unit_key != '' "
            "AND year IS NOT NULL AND (kind != 'project' OR project_key != '') AND EXISTS ("
            "SELECT 1 FROM t u WHERE u.role = 0 AND u.id != t.id AND u.unit_key = t.unit_key "
            "AND u.project_key IS t.project_key AND u.kind = t.kind AND u.year IS t.year AND "
            "(ifnull(u.modified, '') > ifnull(t.modified, '') OR "
            "(ifnull(u.modified, '') = ifnull(t.modified, '') AND u.id > t.id)))")
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


def _duplicate_issue(tid, unit, key, project, file, sheet, target, modified, kept_file,
                     kept_sheet, kept_modified, year, kind) -> tuple:
    from xlsproc.errors import detail, title
    what = f"“{project}”项目" if kind == "project" else "部门整体"
    text = detail("duplicate-submission", unit=unit, year=f"{year}年度" if year else "",
                  what=what, kept=f"{kept_file}（{kept_sheet}）",
                  kept_when=_saved(kept_modified), this_when=_saved(modified))
    return (SEVERITY_RANK["warning"], unit, key, project, file, sheet, None, 0, 0,
            title("duplicate-submission"), text, "duplicate-submission", None, target,
            "warning", tid)


def _saved(stamp: str | None) -> str:
    return f"保存于 {stamp.replace('T', ' ')}" if stamp else "保存时间不详"


def _flag_counts(ev: dict) -> dict:
    counts = dict(ev.get("flag_counts") or {})
    if not counts:
        for flag in ev.get("flags") or []:
            counts[flag.get("severity")] = counts.get(flag.get("severity"), 0) + 1
    return {k: counts.get(k, 0) for k in SEVERITY_RANK}


def _codes_by_indicator(ev: dict) -> dict[tuple, list[str]]:
    """Flag codes of each indicator, keyed by (sheet row, name): a flag names its indicator and
    its cell lies on the indicator's row."""
    codes: dict[tuple, list[str]] = defaultdict(list)
    for flag in ev.get("flags") or []:
        if flag.get("indicator") and flag.get("cell"):
            row, _ = _cell_position(flag["cell"])
            codes[(row, flag["indicator"])].append(flag.get("code"))
    return codes


def _cell_position(cell: str | None) -> tuple[int, int]:
    """'F27' → (27, 6); (0, 0) when there is no cell."""
    if not cell:
        return 0, 0
    letters = "".join(ch for ch in cell if ch.isalpha()).upper()
    digits = "".join(ch for ch in cell if ch.isdigit())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits or 0), col


def _indicator_cell(ind: dict) -> str | None:
    cells = ind.get("cells") or {}
    if cells.get("name"):
        return cells["name"]
    return f"A{ind['row']}" if ind.get("row") else None


def _file_label(entry: dict) -> str:
    return entry.get("relpath") or entry.get("file") or ""


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- rows (shared by the workbook and the CSV/Parquet export) ----------------------------------

class _Rows:
    """Row generators over a stage; link addresses relative to `base` (absolute when None)."""

    def __init__(self, stage: _Stage, base: str | None, rules=None):
        self.stage, self.base = stage, base
        if rules is None:
            from xlsproc.rules import load_rules
            rules = load_rules()
        self.rules = rules

    def link(self, target, loc: str, display: str) -> tuple[str, str | None]:
        return display, _address(target, loc, self.base)

    # 汇总 ------------------------------------------------------------------------------------

    def units(self) -> list[dict]:
        """One dict per (unit, year), best score first within each year, latest year first."""
        cur = self.stage.query(
            "SELECT unit, unit_key, year, kind, annual, executed, rate, exec_score, total, grade, "
            "n_error, n_warning, target, annotated, sheet, file FROM t WHERE role = 0 "
            "ORDER BY unit_key, year, kind != 'department', id")
        cur.row_factory = sqlite3.Row
        units = [self._unit(list(g)) for _, g in
                 groupby(cur, key=lambda r: (r["unit_key"], r["year"]))]
        units.sort(key=lambda u: (-(u["year"] or -1), -_or(u["score"], -1.0), u["unit"]))
        return units

    def _unit(self, tables: list[sqlite3.Row]) -> dict:
        """A unit's row: its department table's figures (the first, if several), its projects'
        mean score; the grade of that mean when there is no department table."""
        dept = next((t for t in tables if t["kind"] == "department"), None)
        projects = [t for t in tables if t["kind"] == "project"]
        mean = _mean(t["total"] for t in projects)
        annual, executed, rate, basis = _unit_funds(dept, projects)
        head = dept or tables[0]
        loc = location(REVIEW_SHEET) if head["annotated"] else location(head["sheet"])
        shown = os.path.basename(head["target"] or "") or head["file"]
        return {
            "unit": head["unit"], "year": head["year"], "tables": len(tables),
            "projects": len(projects), "annual": annual, "executed": executed, "rate": rate,
            "basis": basis, "exec_score": dept["exec_score"] if dept else None,
            "dept_total": dept["total"] if dept else None, "project_mean": mean,
            "grade": dept["grade"] if dept else self._grade(mean),
            "errors": sum(t["n_error"] for t in tables),
            "warnings": sum(t["n_warning"] for t in tables),
            "score": dept["total"] if dept else mean,
            "link": self.link(head["target"], loc, shown),
        }

    def _grade(self, score: float | None) -> str | None:
        return None if score is None else self.rules.grade(score)

    @staticmethod
    def unit_row(u: dict) -> list:
        return [u["unit"], u["year"], u["tables"], u["projects"], u["annual"], u["executed"],
                u["rate"], u["basis"], u["exec_score"], u["dept_total"], u["project_mean"],
                u["grade"], u["errors"], u["warnings"], u["link"], None]

    @staticmethod
    def district_rows(units: list[dict]) -> list[list]:
        """One total row per year: Σ执行数 ÷ Σ预算数 over the units' funds (basis as per unit)."""
        rows = []
        for year, group in groupby(units, key=lambda u: u["year"]):
            group = list(group)
            funded = [u for u in group if u["annual"] is not None and u["executed"] is not None]
            annual = sum(u["annual"] for u in funded) if funded else None
            executed = sum(u["executed"] for u in funded) if funded else None
            rows.append([f"全区合计（{year}年度）" if year else "全区合计", year,
                         sum(u["tables"] for u in group), sum(u["projects"] for u in group),
                         annual, executed, _rate(executed, annual),
                         f"{len(funded)}个单位", None, _mean(u["dept_total"] for u in group),
                         _mean(u["project_mean"] for u in group), None,
                         sum(u["errors"] for u in group), sum(u["warnings"] for u in group),
                         None, None])
        return rows

    # 项目 ------------------------------------------------------------------------------------

    def projects(self) -> Iterator[list]:
        cur = self.stage.query(
            "SELECT unit, year, project, file, sheet, annual, executed, rate, exec_score, "
            "indicator_score, total, reported_total, grade, n_error, n_warning, n_info, target "
            "FROM t WHERE role = 0 AND kind = 'project' "
            "ORDER BY year IS NULL, year DESC, unit_key, total IS NULL, total DESC, id")
        for r in cur:
            yield [*r[:16], self.link(r[16], location(r[4]), "打开"), None]

    # 指标明细 ----------------------------------------------------------------------------------

    def indicators(self) -> Iterator[list]:
        cur = self.stage.query(
            "SELECT t.unit, t.year, t.project, t.kind, i.level1, i.level2, i.name, i.target, "
            "i.actual, i.kind, i.completion, i.weight, i.score, i.flags, t.file, t.sheet, i.cell, "
            "t.target FROM t JOIN i ON i.tid = t.id WHERE t.role = 0 "
            "ORDER BY t.year IS NULL, t.year DESC, t.unit_key, t.kind != 'department', "
            "t.project_key, t.id, i.pos")
        for r in cur:
            project = r[2] if r[3] == "project" else "（部门整体）"
            yield [r[0], r[1], project, *r[4:9],
                   INDICATOR_KIND_CN.get(r[9], r[9]), *r[10:16],
                   self.link(r[17], location(r[15], r[16]), r[16] or "—"), None]

    # 问题清单 ----------------------------------------------------------------------------------

    def issues(self) -> Iterator[list]:
        cur = self.stage.query(
            "SELECT unit, file, sheet, cell, severity, title, detail, project, indicator, code, "
            "target FROM f ORDER BY rank, unit_key, file, sheet, crow, ccol, id")
        for r in cur:
            if r[2] is None:               # an unreadable file: open the file itself
                link = self.link(r[10], "", "打开文件")
            else:
                link = self.link(r[10], location(r[2], r[3]), r[3] or "（整表）")
            yield [r[0], r[1], r[2], link, SEVERITY_CN.get(r[4], r[4]), *r[5:10], None]

    # 同比 ------------------------------------------------------------------------------------

    def pairs(self) -> Iterator[tuple[tuple, tuple]]:
        """(this year's table, last year's) for every table whose last year is known."""
        cols = "id, unit, project, kind, year, total, rate"
        cur = self.stage.query(
            f"SELECT {cols}, (SELECT p.id FROM t p WHERE p.unit_key = c.unit_key AND "
            "p.project_key = c.project_key AND p.kind = c.kind AND p.year = c.year - 1 "
            "ORDER BY p.role, p.id LIMIT 1) FROM t c WHERE c.role = 0 AND c.year IS NOT NULL "
            "ORDER BY c.unit_key, c.year DESC, c.kind != 'department', c.project_key, c.id")
        for row in cur:
            if row[7] is not None:
                prev = self.stage.db.execute(f"SELECT {cols} FROM t WHERE id = ?",
                                             (row[7],)).fetchone()
                yield row[:7], prev

    def indicator_pairs(self, tid: int, prev_id: int) -> list[tuple[tuple | None, tuple | None]]:
        sql = ("SELECT name, name_key, kind, weight, target, actual, score FROM i WHERE tid = ? "
               "ORDER BY pos")
        now = self.stage.db.execute(sql, (tid,)).fetchall()
        before: dict[str, deque] = defaultdict(deque)
        for row in self.stage.db.execute(sql, (prev_id,)):
            before[row[1]].append(row)
        pairs = [(row, before[row[1]].popleft() if before[row[1]] else None) for row in now]
        pairs += [(None, row) for rows in before.values() for row in rows]
        return pairs


def _unit_funds(dept, projects) -> tuple:
    """(annual, executed, rate, basis): the department table's funds, else the projects' sum."""
    if dept is not None:
        return dept["annual"], dept["executed"], dept["rate"], "部门整体表"
    funded = [p for p in projects if p["annual"] is not None and p["executed"] is not None]
    if not funded:
        return None, None, None, "项目表合计"
    annual = sum(p["annual"] for p in funded)
    executed = sum(p["executed"] for p in funded)
    return annual, executed, _rate(executed, annual), "项目表合计"


def _mean(values) -> float | None:
    """A mean score, rounded half-up to 2 decimals as every score is (scoring.md)."""
    values = [v for v in values if v is not None]
    return _round2(sum(values) / len(values)) if values else None


def _round2(x: float) -> float:
    from decimal import ROUND_HALF_UP, Decimal
    return float(Decimal(repr(round(x, 9))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _rate(executed: float, annual: float) -> float | None:
    """Σ执行数 ÷ Σ预算数, to 6 decimals like results.json's rates."""
    return round(executed / annual, 6) if annual else None


def _or(value, default):
    return default if value is None else value


# --- the workbook -----------------------------------------------------------------------------

def _width(text: str) -> int:
    """Columns a text needs: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _worksheet_class():
    """xlsxwriter's Worksheet, minus the 60-odd regex rewrites of future functions on our own
    =HYPERLINK(A1,"H22") formulas (a fifth of the time of a long sheet). Should xlsxwriter rename
    _prepare_formula, this override is simply unused and every formula still comes out right."""
    from xlsxwriter.worksheet import Worksheet

    class LinkSheet(Worksheet):
        def _prepare_formula(self, formula, expand_future_functions=False):
            if formula.startswith("=HYPERLINK(") and "(" not in formula[11:]:
                return formula[1:]
            return super()._prepare_formula(formula, expand_future_functions)

    return LinkSheet


class _Book:
    """An xlsxwriter workbook in constant_memory mode and the formats every sheet shares."""

    def __init__(self, path: Path, tmpdir: str):
        import xlsxwriter
        self.wb = xlsxwriter.Workbook(str(path), {
            "constant_memory": True, "tmpdir": tmpdir,
            # plain text cells then need no format of their own: a sixth less time per cell
            "default_format_properties": {"font_name": "宋体", "font_size": 10}})
        self.sheet_class = _worksheet_class()
        self.wb.set_properties({"title": "预算绩效自评汇总", "author": "xlsproc",
                                "comments": "由 xlsproc 根据各单位自评表审核结果汇总生成"})
        add = self.wb.add_format
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        self.fmt = {
            "text": add(base), "int": add({**base, "num_format": "0"}),
            "money": add({**base, "num_format": "#,##0.00"}),
            "pct": add({**base, "num_format": "0.00%"}),
            "score": add({**base, "num_format": "0.00"}),
            "num": add({**base, "num_format": "0.####"}),
            "link": add({**base, "font_color": "#0563C1", "underline": 1}),
            "address": add({**base, "font_color": "#808080"}),
            "title": add({**base, "bold": True, "font_size": 14}),
            "note": add({**base, "text_wrap": True, "valign": "top", "font_color": "#404040"}),
            "head": add({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1,
                         "text_wrap": True, "align": "center"}),
            "bold": add({**base, "bold": True}),
            "red": add({"bg_color": "#FFC7CE", "font_color": "#9C0006"}),
            "orange": add({"bg_color": "#FCE4D6", "font_color": "#833C0B"}),
            "yellow": add({"bg_color": "#FFEB9C", "font_color": "#9C5700"}),
            "green": add({"bg_color": "#C6EFCE", "font_color": "#006100"}),
            "blue": add({"bg_color": "#DDEBF7", "font_color": "#1F4E78"}),
            "callout": add({**base, "bg_color": "#FFEB9C"}),
            "alarm": add({**base, "bg_color": "#FFC7CE"}),
        }
        for kind in ("money", "pct", "score", "num"):
            self.fmt["total_" + kind] = add({**base, "bold": True, "top": 1,
                                             "num_format": self.fmt[kind].num_format})
        self.fmt["total_text"] = add({**base, "bold": True, "top": 1})
        self.fmt["total_int"] = add({**base, "bold": True, "top": 1, "num_format": "0"})

    def close(self) -> None:
        self.wb.close()

    def abandon(self) -> None:
        """After a failure: write nothing (xlsxwriter would otherwise save in its destructor)."""
        self.wb.fileclosed = True


class _Sheet:
    """One sheet: title (row 1), note (row 2), header (row 3), data from row 4, written in order."""

    HEAD_ROW = 2

    def __init__(self, book: _Book, name: str, cols: list[Col], title: str, note: str,
                 real_links: bool = False):
        self.book, self.cols, self.real_links = book, cols, real_links
        self.ws = book.wb.add_worksheet(name, worksheet_class=book.sheet_class)
        self.widths = [min(col.cap, max(_width(col.head) + 2, 8)) for col in cols]
        self.address_col = next((i for i, c in enumerate(cols) if c.kind == "address"), None)
        self.plain = [_column_format(book, col.kind, False) for col in cols]
        self.totals = [_column_format(book, col.kind, True) for col in cols]
        self.next_row = self.HEAD_ROW + 1
        self._head(title, note)

    def _head(self, title: str, note: str) -> None:
        ws, fmt, last = self.ws, self.book.fmt, len(self.cols) - 1
        ws.set_row(0, 24)
        ws.merge_range(0, 0, 0, last, "", fmt["title"])
        ws.write_string(0, 0, title, fmt["title"])
        lines = math.ceil(_width(note) / max(sum(self.widths) * 1.1, 40)) + note.count("\n")
        ws.set_row(1, 14 * max(lines, 1) + 4)
        ws.merge_range(1, 0, 1, last, "", fmt["note"])
        ws.write_string(1, 0, note, fmt["note"])
        for c, col in enumerate(self.cols):
            ws.write_string(self.HEAD_ROW, c, col.head, fmt["head"])

    def put(self, values: list, *, total: bool = False, fmt: dict | None = None,
            level: int = 0) -> int:
        """Write one row; `fmt` maps a column index to a format name. Returns the row index."""
        r = self.next_row
        if level:
            self.ws.set_row(r, None, None, {"level": level})
        formats = self.totals if total else self.plain
        for c, value in enumerate(values):
            if value is not None:
                cell_fmt = self.book.fmt[fmt[c]] if fmt and c in fmt else formats[c]
                self._cell(r, c, self.cols[c], value, cell_fmt)
        self.next_row += 1
        return r

    def skip(self, n: int = 1) -> None:
        self.next_row += n

    def _cell(self, r: int, c: int, col: Col, value, cell_fmt) -> None:
        """Text with write_string (never write(): an officer's '=…' must stay text)."""
        if col.kind == "link":
            self._link(r, c, *value)
        elif isinstance(value, str):
            self.ws.write_string(r, c, value[:32767], cell_fmt)
            self._track(r, c, value)
        elif _finite(value):
            self.ws.write_number(r, c, value, cell_fmt or self.book.fmt["num"])
            self._track(r, c, "0000000000.00" if col.kind == "money" else "00000.00")

    def _link(self, r: int, c: int, display: str, address: str | None) -> None:
        fmt = self.book.fmt
        self._track(r, c, display)
        if address is None:
            self.ws.write_string(r, c, display, fmt["text"])
            return
        if self.address_col is not None:
            self.ws.write_string(r, self.address_col, address, fmt["address"])
            self._track(r, self.address_col, address)
        if self.real_links and self._real_link(r, c, display, address):
            return
        ref = _cell_ref(r, self.address_col)
        self.ws.write_formula(r, c, f'=HYPERLINK({ref},"{display.replace(chr(34), chr(34) * 2)}")',
                              fmt["link"], display)

    def _real_link(self, r: int, c: int, display: str, address: str) -> bool:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return self.ws.write_url(r, c, "external:" + _url_escape(address),
                                         self.book.fmt["link"], display) == 0
            except ValueError:             # a path longer than Excel takes
                return False

    def _track(self, r: int, c: int, text: str) -> None:
        if r < self.HEAD_ROW + 1 + WIDTH_SAMPLE:
            self.widths[c] = min(self.cols[c].cap, max(self.widths[c], _width(text) + 2))

    def finish(self, filter_to: int | None = None, freeze_cols: int = 1) -> None:
        ws, last_col = self.ws, len(self.cols) - 1
        for c, width in enumerate(self.widths):
            ws.set_column(c, c, width)
        ws.freeze_panes(self.HEAD_ROW + 1, freeze_cols)
        last = self.next_row - 1 if filter_to is None else filter_to
        ws.autofilter(self.HEAD_ROW, 0, max(last, self.HEAD_ROW + 1), last_col)
        _print_setup(ws, self.HEAD_ROW)
        if self.address_col == last_col:    # paths are for clicking, not for paper
            ws.print_area(0, 0, max(self.next_row - 1, self.HEAD_ROW), last_col - 1)


NUMBER_KINDS = ("int", "money", "pct", "score", "num")


def _column_format(book: _Book, kind: str, total: bool):
    """The format of a column's cells: None for plain text (the workbook's default font)."""
    if total and (kind in NUMBER_KINDS or kind == "text"):
        return book.fmt["total_" + kind]
    if kind in NUMBER_KINDS or kind == "address":
        return book.fmt[kind]
    return None


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _print_setup(ws, head_row: int | None) -> None:
    ws.set_paper(9)                        # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)                  # fit width, as many pages down as needed
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    if head_row is not None:
        ws.repeat_rows(head_row)


def _cell_ref(row: int, col: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell
    return xl_rowcol_to_cell(row, col)


def _url_escape(address: str) -> str:
    """Escape a link the way Excel does, '#' in the path included (xlsxwriter then leaves it)."""
    path, sep, loc = address.partition("#")
    for ch, code in (("%", "%25"), ('"', "%22"), (" ", "%20"), ("<", "%3c"), (">", "%3e"),
                     ("[", "%5b"), ("]", "%5d"), ("^", "%5e"), ("`", "%60"), ("{", "%7b"),
                     ("}", "%7d"), ("#", "%23")):
        path = path.replace(ch, code)
    return path + sep + loc


def _cond(ws, first: int, last: int, col: int, fmt: dict, rules: list[tuple]) -> None:
    if last < first:
        return
    for criteria, value, name in rules:
        ws.conditional_format(first, col, last, col, {"type": "cell", "criteria": criteria,
                                                      "value": value, "format": fmt[name]})


RATE_RULES = [("<", LOW_RATE, "red"), (">", 1, "orange")]
GRADE_RULES = [("==", '"优"', "green"), ("==", '"良"', "blue"), ("==", '"中"', "yellow"),
               ("==", '"差"', "red")]


# --- the sheets -------------------------------------------------------------------------------

def _summary_sheet(book: _Book, rows: _Rows, district: str, years: str,
                   unreadable: int, duplicates: int = 0) -> list[dict]:
    note = ("每行一个单位（按单位名称归并，去掉“219001-”之类的预算代码），按得分从高到低排列："
            "有部门整体支出绩效自评表的单位按部门整体总分，没有的按其项目平均分。"
            "资金口径：有部门整体表的单位取部门整体表的全年预算数、全年执行数（部门整体已包含其项目支出，"
            "不再与项目表相加）；没有部门整体表的单位取其各项目表之和。执行率 = 全年执行数 ÷ 全年预算数。"
            "合计行：执行率 = Σ执行数 ÷ Σ预算数（按上述口径，只计预算数、执行数齐全的单位），"
            "得分为各单位的平均值。红色：执行率低于90%；橙色：执行率超过100%。"
            "点击“批注副本”打开该单位的审核结果。")
    sheet = _Sheet(book, SUMMARY, SUMMARY_COLS, f"{district}{years}预算绩效自评汇总（按单位）", note,
                   real_links=True)
    units = rows.units()
    for unit in units:
        sheet.put(rows.unit_row(unit))
    last_data = sheet.next_row - 1
    sheet.skip()
    for total in rows.district_rows(units):
        sheet.put(total, total=True)
    if unreadable or duplicates:
        sheet.skip()
    if unreadable:
        sheet.put([f"另有 {unreadable} 个文件无法读取，未计入汇总，见“问题清单”。"])
    if duplicates:
        sheet.put([f"另有 {duplicates} 张重复报送的自评表（同一单位、项目、年度的另一份）未计入汇总，"
                   "见“问题清单”中的“重复报送”。"])
    first = _Sheet.HEAD_ROW + 1
    _cond(sheet.ws, first, last_data, 6, book.fmt, RATE_RULES)
    _cond(sheet.ws, first, last_data, 11, book.fmt, GRADE_RULES)
    sheet.finish(filter_to=last_data)
    return units


def _projects_sheet(book: _Book, rows: _Rows, district: str, years: str) -> int:
    note = ("每行一张项目支出绩效自评表，按单位、总分排列。金额单位：万元。执行率 = 全年执行数 ÷ "
            "全年预算数；总分 = 执行得分 + 指标得分（按评分规则重新计算），“填报总分”为表中所填。"
            "点击“自评表”打开该表（批注副本）；“链接地址”为相对本文件所在文件夹的路径。")
    sheet = _Sheet(book, PROJECTS, PROJECT_COLS, f"{district}{years}项目支出绩效自评情况", note)
    for row in rows.projects():
        sheet.put(row)
    first, last = _Sheet.HEAD_ROW + 1, sheet.next_row - 1
    _cond(sheet.ws, first, last, 7, book.fmt, RATE_RULES)
    _cond(sheet.ws, first, last, 12, book.fmt, GRADE_RULES)
    sheet.finish(freeze_cols=3)
    return last - first + 1


def _indicators_sheet(book: _Book, rows: _Rows, district: str, years: str) -> int:
    note = ("每行一个绩效指标（长表格式，可直接筛选或插入数据透视表）；部门整体支出绩效自评表的指标，"
            "“项目”列为“（部门整体）”。完成率：正向指标 = 实际完成值 ÷ "
            "年度指标值，反向指标 = 年度指标值 ÷ 实际完成值（达标为100%），复合指标取各分项最小值，"
            "定性指标和相对目标无完成率。问题代码见“问题清单”。点击“单元格”跳转到原表该指标所在行。")
    sheet = _Sheet(book, INDICATORS, INDICATOR_COLS, f"{district}{years}绩效指标明细", note)
    for row in rows.indicators():
        sheet.put(row)
    sheet.finish(freeze_cols=3)
    return sheet.next_row - _Sheet.HEAD_ROW - 1


def _issues_sheet(book: _Book, rows: _Rows, district: str, years: str) -> int:
    note = ("全区所有审核问题：先列错误（需退回修改），再列警告（需核实）和提示；同一严重程度内按单位、"
            "文件、单元格排列，即“退回给谁、改哪里”的清单。点击“单元格”跳转到批注副本中该单元格。")
    sheet = _Sheet(book, ISSUES, ISSUE_COLS, f"{district}{years}审核问题清单", note)
    styles = {"错误": "alarm", "警告": "callout"}
    count = 0
    for row in rows.issues():
        sheet.put(row, fmt={4: styles[row[4]]} if row[4] in styles else None)
        count += 1
    if not count:
        sheet.put(["—", None, None, None, None, "未发现问题"])
    sheet.finish(freeze_cols=1)
    return count


def _charts_sheet(book: _Book, stage: _Stage, units: list[dict], year: int | None) -> None:
    ws, fmt = book.wb.add_worksheet(CHARTS), book.fmt
    label = f"{year}年度" if year else ""
    ws.write_string(0, 0, f"{label}图表（数据见本表左侧，由各自评表汇总）", fmt["title"])
    clause, params = ("year = ?", (year,)) if year is not None else ("year IS NULL", ())
    r = _chart_grades(book, ws, stage, clause, params, label, 2)
    r = _chart_scores(book, ws, stage, clause, params, label, r + 2)
    _chart_rates(book, ws, [u for u in units if u["year"] == year and u["rate"] is not None],
                 label, r + 2)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 2, 12)
    _print_setup(ws, None)


def _chart_grades(book, ws, stage, clause, params, label, r0) -> int:
    counts = defaultdict(int)
    for kind, grade, n in stage.query(f"SELECT kind, grade, count(*) FROM t WHERE role = 0 AND "
                                      f"{clause} GROUP BY kind, grade", params):
        counts[(kind, grade)] = n
    _table(ws, book, r0, ["等级", "部门整体表", "项目表"],
           [[g, counts[("department", g)], counts[("project", g)]] for g in GRADES])
    chart = book.wb.add_chart({"type": "column", "subtype": "stacked"})
    for c, name in ((1, "部门整体表"), (2, "项目表")):
        chart.add_series({"name": name, "categories": [CHARTS, r0 + 1, 0, r0 + 4, 0],
                          "values": [CHARTS, r0 + 1, c, r0 + 4, c], "data_labels": {"value": True}})
    _style_chart(chart, f"{label}自评等级分布", "等级", "自评表数")
    ws.insert_chart(r0, 4, chart, {"x_scale": 1.2, "y_scale": 1.1})
    return r0 + 18


def _chart_scores(book, ws, stage, clause, params, label, r0) -> int:
    values = [row[0] for row in stage.query(
        f"SELECT total FROM t WHERE role = 0 AND total IS NOT NULL AND {clause}", params)]
    counts = [sum(1 for v in values if (lo is None or v >= lo) and (hi is None or v < hi))
              for _, lo, hi in SCORE_BINS]
    _table(ws, book, r0, ["总分区间", "自评表数"], [[b[0], n] for b, n in zip(SCORE_BINS, counts)])
    chart = book.wb.add_chart({"type": "column"})
    chart.add_series({"name": "自评表数", "categories": [CHARTS, r0 + 1, 0, r0 + len(SCORE_BINS), 0],
                      "values": [CHARTS, r0 + 1, 1, r0 + len(SCORE_BINS), 1],
                      "data_labels": {"value": True}, "fill": {"color": "#4472C4"}})
    _style_chart(chart, f"{label}总分分布", "总分", "自评表数")
    chart.set_legend({"none": True})
    ws.insert_chart(r0, 4, chart, {"x_scale": 1.2, "y_scale": 1.1})
    return r0 + 18


def _chart_rates(book, ws, units: list[dict], label, r0) -> None:
    units = sorted(units, key=lambda u: u["rate"])
    _table(ws, book, r0, ["单位", "执行率"], [[u["unit"], u["rate"]] for u in units], pct_col=1)
    if not units:
        return
    chart = book.wb.add_chart({"type": "bar"})
    points = [{"fill": {"color": "#C00000" if u["rate"] < LOW_RATE else "#70AD47"}} for u in units]
    chart.add_series({"name": "执行率", "categories": [CHARTS, r0 + 1, 0, r0 + len(units), 0],
                      "values": [CHARTS, r0 + 1, 1, r0 + len(units), 1], "points": points,
                      "data_labels": {"value": True, "num_format": "0.0%"}})
    _style_chart(chart, f"{label}各单位预算执行率（红色低于90%）", "执行率", None)
    chart.set_x_axis({"name": "执行率", "num_format": "0%", "min": 0})
    chart.set_legend({"none": True})
    chart.set_size({"width": 720, "height": min(max(320, 22 * len(units) + 100), 4000)})
    ws.insert_chart(r0, 4, chart)


def _table(ws, book: _Book, r0: int, head: list[str], rows: list[list], pct_col: int = -1) -> None:
    for c, text in enumerate(head):
        ws.write_string(r0, c, text, book.fmt["head"])
    for r, row in enumerate(rows, r0 + 1):
        ws.write_string(r, 0, str(row[0]), book.fmt["text"])
        for c, value in enumerate(row[1:], 1):
            ws.write_number(r, c, value, book.fmt["pct" if c == pct_col else "int"])


def _style_chart(chart, title: str, x: str | None, y: str | None) -> None:
    font = {"name": "宋体"}
    chart.set_title({"name": title, "name_font": {**font, "size": 12}})
    chart.set_x_axis({"name": x, "name_font": font, "num_font": font} if x else {})
    chart.set_y_axis({"name": y, "name_font": font, "num_font": font, "major_gridlines":
                      {"visible": True, "line": {"color": "#D9D9D9"}}} if y else {})
    chart.set_legend({"position": "bottom", "font": font})


def _yoy_sheet(book: _Book, rows: _Rows, district: str) -> int:
    """同比: one sheet, grouped by unit; each table row (总分, 执行率) is followed by its indicators
    (outline level 1, foldable)."""
    pairs = rows.pairs()
    first = next(pairs, None)
    if first is None:
        return 0
    note = ("本年与上年（同一单位、同一项目、年度相差一年）的对比。一个工作表，按单位分组排列：每张自评表"
            "一行（加粗，总分与执行率），其下为各指标（可用左侧分级按钮折叠），指标按三级指标名称与上年对应。"
            "提示列：“目标下调而实际上升”——年度指标值比上年低、实际完成值却比上年高（反向指标为上限放宽而"
            "实际下降），年初目标可能定得偏低；“连续两年未达标”——两年得分都低于分值；"
            "“连续两年执行率低于90%”。")
    sheet = _Sheet(book, YOY, YOY_COLS, f"{district}预算绩效自评同比（本年与上年）", note)
    sheet.ws.outline_settings(True, False, True, False)
    count = 0
    for now, before in (first, *pairs):
        _yoy_table(sheet, rows, now, before)
        count += 1
    sheet.finish(freeze_cols=2)
    return count


def _yoy_table(sheet: _Sheet, rows: _Rows, now: tuple, before: tuple) -> None:
    tid, unit, project, kind, year, total, rate = now
    prev_total, prev_rate = before[5], before[6]
    name = project if kind == "project" else "（部门整体）"
    alarm = rate is not None and prev_rate is not None and rate < LOW_RATE and prev_rate < LOW_RATE
    change = total - prev_total if total is not None and prev_total is not None else None
    sheet.put([unit, name, "整表", "总分", None, year, None, None, None, None, None, total,
               prev_total, change, rate, prev_rate, "连续两年执行率低于90%" if alarm else None],
              fmt={c: "bold" for c in range(5)} | ({16: "alarm"} if alarm else {}))
    for cur, prev in rows.indicator_pairs(tid, before[0]):
        row, styles = _yoy_indicator(unit, name, year, cur, prev)
        sheet.put(row, fmt=styles, level=1)


def _yoy_indicator(unit, name, year, cur, prev) -> tuple[list, dict]:
    """One indicator (name, key, kind, weight, target, actual, score) against last year's."""
    c = cur or (None,) * 7
    p = prev or (None,) * 7
    notes = []
    if cur and prev and target_loosened(c[2], c[4], p[4], c[5], p[5]):
        notes.append("目标下调而实际上升" if c[2] != "reverse" else "上限放宽而实际下降")
    if cur and prev and repeated_shortfall(c[6], c[3], p[6], p[3]):
        notes.append("连续两年未达标")
    if not prev:
        notes.append("上年无此指标")
    if not cur:
        notes.append("本年未设此指标（上年有）")
    change = c[6] - p[6] if c[6] is not None and p[6] is not None else None
    row = [unit, name, "指标", c[0] or p[0], INDICATOR_KIND_CN.get(c[2] or p[2], c[2] or p[2]),
           year, c[3] if cur else p[3], c[4], p[4], c[5], p[5], c[6], p[6], change, None, None,
           "；".join(notes) or None]
    style = "alarm" if "连续两年未达标" in notes else "callout" if cur and prev and notes else None
    return row, ({16: style, 7: style} if style else {})


# --- the API ----------------------------------------------------------------------------------

def consolidate(entries, out_path: str | Path, *, outbox: str | Path | None = None,
                history: Store | Iterable[dict] | None = None, year: int | None = None,
                district: str = "全区", rules=None) -> dict:
    """Write the district workbook to `out_path`; returns a summary of what went in.

    entries: results-json entries (a list), a results.json path, an OUTBOX folder (its
      xlsproc.sqlite if present, else its results.json), a .sqlite store path, or a Store. A store
      gives its latest year unless `year` is given; a list gives what it holds (`year` filters).
    outbox: the folder `output` paths are relative to (default: the results.json's folder, or
      the outbox each stored run recorded).
    history: earlier years' entries (a Store or a list) for the 同比 sheet; a store source is its
      own history.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    source = _open(entries, year)
    try:
        with tempfile.TemporaryDirectory(prefix="xlsproc-consolidate-") as tmp:
            stage = _Stage(tmp)
            try:
                _fill(stage, source, outbox, history)
                return _write(stage, out_path, tmp, district, rules)
            finally:
                stage.close()
    finally:
        if source.opened is not None:
            source.opened.close()


def _fill(stage: _Stage, source: _Input, outbox, history) -> None:
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


def _write(stage: _Stage, out_path: Path, tmp: str, district: str, rules) -> dict:
    years = [y for (y,) in stage.query("SELECT DISTINCT year FROM t WHERE role = 0 ORDER BY year")]
    label = "、".join(f"{y}" for y in years if y) + ("年度" if any(years) else "")
    unreadable = stage.query(
        "SELECT count(*) FROM f WHERE sheet IS NULL AND rank = 0").fetchone()[0]
    duplicates = stage.query(f"SELECT count(*) FROM t WHERE role = {DUPLICATE}").fetchone()[0]
    rows = _Rows(stage, os.path.abspath(out_path.parent), rules)
    partial = out_path.with_name(f".{out_path.stem}.partial{out_path.suffix or '.xlsx'}")
    book = _Book(partial, tmp)
    try:
        units = _summary_sheet(book, rows, district, label, unreadable, duplicates)
        summary = {
            "path": str(out_path), "units": len(units),
            "projects": _projects_sheet(book, rows, district, label),
            "indicators": _indicators_sheet(book, rows, district, label),
            "flags": _issues_sheet(book, rows, district, label),
        }
        _charts_sheet(book, stage, units, max((y for y in years if y), default=None))
        summary["yoy_tables"] = _yoy_sheet(book, rows, district)
        book.close()
        os.replace(partial, out_path)
    except BaseException:
        book.abandon()
        raise
    finally:
        if partial.exists():
            partial.unlink()
    tables = stage.query("SELECT count(*) FROM t WHERE role = 0").fetchone()[0]
    return {**summary, "tables": tables, "unreadable": unreadable, "years": years,
            "duplicates": duplicates}


# --- CSV / Parquet ----------------------------------------------------------------------------

CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
PARQUET_MISSING = "未安装 pyarrow，已跳过 Parquet 输出（安装方法：pip install 'xlsproc[parquet]'）。"


def csv_safe(value):
    """Text a spreadsheet would read as a formula gets a leading ' (numbers are left alone)."""
    if isinstance(value, str) and value.startswith(CSV_DANGEROUS):
        return "'" + value
    return value


def export_tables(entries, csv_dir: str | Path | None = None, parquet_dir: str | Path | None = None,
                  *, outbox: str | Path | None = None, year: int | None = None, rules=None) -> dict:
    """Write 汇总, 项目 and 指标明细 as CSV (UTF-8 with BOM, Excel opens it) and/or Parquet.

    Data rows only (no total row), one header row; links become absolute paths (链接地址).
    Returns {"csv": [paths], "parquet": [paths], "messages": [中文说明]}.
    """
    done = {"csv": [], "parquet": [], "messages": []}
    source = _open(entries, year)
    try:
        with tempfile.TemporaryDirectory(prefix="xlsproc-export-") as tmp:
            stage = _Stage(tmp)
            try:
                _fill(stage, _Input(source.entries, None, source.outbox), outbox, None)
                rows = _Rows(stage, None, rules)
                for name, cols, make in _tables(rows):
                    if csv_dir is not None:
                        done["csv"].append(str(_write_csv(Path(csv_dir), name, cols, make())))
                    if parquet_dir is not None:
                        path = _write_parquet(Path(parquet_dir), name, cols, make())
                        if path is None:
                            done["messages"].append(PARQUET_MISSING)
                            parquet_dir = None
                        else:
                            done["parquet"].append(str(path))
            finally:
                stage.close()
    finally:
        if source.opened is not None:
            source.opened.close()
    return done


def _tables(rows: _Rows):
    def units():
        return (rows.unit_row(u) for u in rows.units())
    return [(SUMMARY, SUMMARY_COLS, units), (PROJECTS, PROJECT_COLS, rows.projects),
            (INDICATORS, INDICATOR_COLS, rows.indicators)]


def _flat(cols: list[Col], row: list) -> list:
    """A sheet row for a data file: links become their address, the link column goes."""
    out, address = [], None
    for col, value in zip(cols, row):
        if col.kind == "link":
            address = value[1] if value else None
        elif col.kind == "address":
            out.append(address)
        else:
            out.append(value)
    return out


def _data_heads(cols: list[Col]) -> list[str]:
    return [c.head for c in cols if c.kind != "link"]


def _write_csv(folder: Path, name: str, cols: list[Col], rows: Iterator[list]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(_data_heads(cols))
        for row in rows:
            writer.writerow([csv_safe(v) for v in _flat(cols, row)])
    return path


def _write_parquet(folder: Path, name: str, cols: list[Col], rows: Iterator[list],
                   batch: int = 10_000) -> Path | None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return None
    data_cols = [c for c in cols if c.kind != "link"]
    types = {"int": pa.int64(), "money": pa.float64(), "pct": pa.float64(),
             "score": pa.float64(), "num": pa.float64()}
    schema = pa.schema([(c.head, types.get(c.kind, pa.string())) for c in data_cols])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.parquet"
    with pq.ParquetWriter(path, schema) as writer:
        chunk: list[list] = []
        for row in rows:
            chunk.append(_flat(cols, row))
            if len(chunk) >= batch:
                writer.write_table(_arrow_table(pa, schema, chunk))
                chunk = []
        if chunk:
            writer.write_table(_arrow_table(pa, schema, chunk))
    return path


def _arrow_table(pa, schema, chunk: list[list]):
    columns = list(zip(*chunk)) if chunk else [[] for _ in schema]
    return pa.table([pa.array(list(col), type=f.type) for col, f in zip(columns, schema)],
                    schema=schema)
