"""The district tables' columns and rows, shared by the workbook and the CSV/Parquet export."""
from __future__ import annotations

import os
import sqlite3
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from pathlib import Path

from xlsproc.district.sources import Stage
from xlsproc.errors import SEVERITY_CN
from xlsproc.rules import GRADE_PENDING
from xlsproc.score.numbers import round_half_up


SUMMARY, PROJECTS, INDICATORS, ISSUES, CHARTS, YOY = "汇总", "项目", "指标明细", "问题清单", "图表", "同比"
ROSTER = "报送情况"

INDICATOR_KIND_CN = {"positive": "正向", "reverse": "反向", "equal": "等于", "compound": "复合",
                     "qualitative": "定性", "manual": "相对目标（人工复核）"}

LOW_RATE = 0.9


@dataclass(frozen=True)
class Col:
    head: str
    kind: str = "text"     # text | int | money | pct | score | num | link | address | code
    cap: int = 40          # widest column, in characters
    wrap: bool = False     # long text wraps within `cap` (the printed sheets stay ≥ 9 pt on A4)


SUMMARY_COLS = [
    Col("单位", cap=24, wrap=True), Col("年度", "int"), Col("自评表数", "int"),
    Col("其中项目表", "int"), Col("全年预算数（万元）", "money", cap=16),
    Col("全年执行数（万元）", "money", cap=16),
    Col("执行率", "pct"), Col("资金口径", cap=8, wrap=True), Col("执行得分", "score"),
    Col("部门整体总分", "score"), Col("项目平均分", "score"), Col("等级"), Col("错误", "int"),
    Col("警告", "int"), Col("批注副本", "link", cap=26, wrap=True),
    Col("链接地址", "address", cap=50),
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
    Col("完成率", "pct"), Col("分值", "num"), Col("得分", "num"), Col("问题", cap=30),
    Col("文件", cap=30), Col("工作表", cap=20), Col("单元格", "link"),
    Col("链接地址", "address", cap=50), Col("问题代码", "code", cap=30),
]

ISSUE_COLS = [
    Col("单位", cap=16, wrap=True), Col("文件", cap=20, wrap=True),
    Col("工作表", cap=12, wrap=True), Col("单元格", "link", cap=8), Col("严重程度", cap=6, wrap=True),
    Col("问题", cap=14, wrap=True), Col("说明", cap=46, wrap=True), Col("项目", cap=14, wrap=True),
    Col("指标", cap=14, wrap=True), Col("链接地址", "address", cap=50), Col("代码", "code", cap=26),
]

ROSTER_COLS = [
    Col("序号", "int"), Col("单位", cap=24, wrap=True), Col("报送情况", cap=8, wrap=True),
    Col("联系人", cap=12, wrap=True), Col("文件数", "int"), Col("自评表数", "int"),
    Col("错误", "int"), Col("警告", "int"), Col("无法读取的文件", "int"),
    Col("未报送的项目", cap=24, wrap=True), Col("报送的文件", cap=40, wrap=True),
]
YOY_COLS = [
    Col("单位", cap=24), Col("项目", cap=28), Col("层级"), Col("指标", cap=28), Col("指标类型"),
    Col("本年度", "int"), Col("分值", "num"), Col("本年指标值", cap=20), Col("上年指标值", cap=20),
    Col("本年完成值", cap=20), Col("上年完成值", cap=20), Col("本年得分", "num"),
    Col("上年得分", "num"), Col("得分变化", "num"), Col("本年执行率", "pct"),
    Col("上年执行率", "pct"), Col("提示", cap=44),
]


def _shown_grade(grade: str | None, total: float | None) -> str | None:
    """The grade as the district workbook shows it: 待定 while withheld, blank with no total."""
    return GRADE_PENDING if grade is None and total is not None else grade


def _shown(table: sqlite3.Row) -> str | None:
    return _shown_grade(table["grade"], table["total"])


def _withheld(table: sqlite3.Row) -> bool:
    """A table whose grade is withheld (待定: its weights do not add up to 100): its total is
    left out of every mean and ranking of the district workbook, and counted apart."""
    return _shown(table) == GRADE_PENDING


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


class Rows:
    """Row generators over a stage; link addresses relative to `base` (absolute when None)."""

    def __init__(self, stage: Stage, base: str | None, rules=None):
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
            "SELECT unit, unit_key, year, kind, project, annual, executed, rate, exec_score, total, grade, "
            "n_error, n_warning, target, annotated, review, sheet, file FROM t WHERE role = 0 "
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
        mean = _mean(t["total"] for t in projects if not _withheld(t))
        annual, executed, rate, basis = _unit_funds(dept, projects)
        head = dept or tables[0]
        dept_withheld = dept is not None and _withheld(dept)
        return {
            "unit": head["unit"], "year": head["year"], "tables": len(tables),
            "projects": len(projects), "annual": annual, "executed": executed, "rate": rate,
            "basis": basis, "exec_score": dept["exec_score"] if dept else None,
            "dept_total": dept["total"] if dept else None, "project_mean": mean,
            "grade": _shown(dept) if dept else (
                GRADE_PENDING if any(_withheld(t) for t in projects) else self._grade(mean)),
            "errors": sum(t["n_error"] for t in tables),
            "warnings": sum(t["n_warning"] for t in tables),
            # a withheld table's total is no score to rank or average by (weights ≠ 100)
            "score": (None if dept_withheld else dept["total"]) if dept else mean,
            "dept_withheld": dept_withheld,
            "withheld": [t["project"] if t["kind"] == "project" else "部门整体"
                         for t in tables if _withheld(t)],
            "link": self._file_link(head),
            "more_links": [self._file_link(t) for t in _other_files(tables, head)],
        }

    def _file_link(self, table: sqlite3.Row) -> tuple[str, str | None]:
        loc = location(table["review"]) if table["annotated"] else location(table["sheet"])
        shown = os.path.basename(table["target"] or "") or table["file"]
        return self.link(table["target"], loc, shown)

    @staticmethod
    def more_link_row(u: dict, link: tuple) -> list:
        """A 汇总 line under a unit's row for each of its other files (one link per file)."""
        return [u["unit"], u["year"], *[None] * 12, link, None]

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
                         f"{len(funded)}个单位", None,
                         _mean(u["dept_total"] for u in group if not u["dept_withheld"]),
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
            "ORDER BY year IS NULL, year DESC, unit_key, total IS NULL, "
            "grade IS NULL AND total IS NOT NULL, total DESC, id")      # withheld after graded
        for r in cur:
            yield [*r[:12], _shown_grade(r[12], r[10]), *r[13:16],
                   self.link(r[16], location(r[4]), "打开"), None]

    # 指标明细 ----------------------------------------------------------------------------------

    def indicators(self) -> Iterator[list]:
        cur = self.stage.query(
            "SELECT t.unit, t.year, t.project, t.kind, i.level1, i.level2, i.name, i.target, "
            "i.actual, i.kind, i.completion, i.weight, i.score, i.titles, t.file, t.sheet, i.cell, "
            "t.target, i.flags FROM t JOIN i ON i.tid = t.id WHERE t.role = 0 "
            "ORDER BY t.year IS NULL, t.year DESC, t.unit_key, t.kind != 'department', "
            "t.project_key, t.id, i.pos")
        for r in cur:
            project = r[2] if r[3] == "project" else "（部门整体）"
            yield [r[0], r[1], project, *r[4:9],
                   INDICATOR_KIND_CN.get(r[9], r[9]), *r[10:16],
                   self.link(r[17], location(r[15], r[16]), r[16] or "—"), None, r[18]]

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
            yield [r[0], r[1], r[2], link, SEVERITY_CN.get(r[4], r[4]), *r[5:9], None, r[9]]

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


def _other_files(tables: list, head) -> list:
    """One table per file of the unit other than the head's file, in order."""
    seen, others = {head["file"]}, []
    for t in tables:
        if t["file"] not in seen:
            seen.add(t["file"])
            others.append(t)
    return others


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
    return round_half_up(sum(values) / len(values)) if values else None


def _rate(executed: float, annual: float) -> float | None:
    """Σ执行数 ÷ Σ预算数, to 6 decimals like results.json's rates."""
    return round(executed / annual, 6) if annual else None


def _or(value, default):
    return default if value is None else value


def roster_row(n: int, u) -> list:
    """A 报送情况 row of one UnitStatus (roster.py)."""
    return [n, u.unit, u.state, u.contact, len(u.files), u.tables, u.errors, u.warnings,
            u.unreadable, "、".join(u.missing_projects) or None,
            "、".join(u.files) or _other_years_note(u)]


def _other_years_note(u) -> str | None:
    text = u.other_years_text
    return f"{text}，未计入本年度（可用 --year 汇总该年度）" if text else None
