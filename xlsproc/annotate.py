"""The annotated copy: the officer's own workbook plus our scores, flags, 审核结果 and 自评报告.

Results → cell patches and two new sheets → xlsxpatch (a surgical edit of the package, every
part we do not touch kept byte for byte) → a check that nothing of the original was lost.
The writer never searches labels again: it writes where the results' CellRefs point.
"""
from __future__ import annotations

import os
import tempfile
import unicodedata
from collections import defaultdict
from pathlib import Path

from . import __version__, report
from .model import Cell, Flag, XlsprocError
from .scoring import EvaluationResult, fmt, pct
from .xlsxpatch import CellPatch, NewSheet, internal_location, patch_xlsx, verify_preserved

FILL = {"error": "FFFFC7CE", "warning": "FFFFEB9C", "info": "FFDDEBF7"}
COMPUTED_FILL = "FFE2EFDA"          # light green: a value xlsproc wrote into a blank cell
SEVERITY_CN = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
KIND_CN = {"department": "部门整体", "project": "项目"}
REVIEW_SHEET = "审核结果"
REPORT_SHEET = "自评报告"


# --- cell patches --------------------------------------------------------------------------

def computed_values(res: EvaluationResult) -> list[tuple[Cell, float, str]]:
    """(cell, value, how) for every score cell the officer left blank: we fill those in."""
    out = []
    b = res.budget
    funds = res.evaluation.funds
    if b is not None and funds is not None:
        if b.rate is not None and _writable(funds.rate):
            out.append((funds.rate, round(b.rate, 4), f"执行率 = 全年执行数 ÷ 全年预算数 = "
                                                       f"{fmt(b.executed)} ÷ {fmt(b.annual)} = {pct(b.rate)}"))
        if _writable(funds.score):
            out.append((funds.score, b.score, b.formula))
    for ind in res.indicators:
        if ind.weight is not None and _writable(ind.row.score):
            out.append((ind.row.score, ind.score, ind.formula))
    ev = res.evaluation
    if _writable(ev.total):
        execution = b.score if b else 0
        out.append((ev.total, res.total_score, f"总分 = 执行得分 {fmt(execution)} + 指标得分 "
                                               f"{fmt(res.indicator_score)} = {fmt(res.total_score)}"))
    return out


def _writable(cell: Cell) -> bool:
    return cell.ref is not None and cell.blank and not cell.formula


def cell_patches(res: EvaluationResult) -> list[CellPatch]:
    """One patch per touched cell: the computed value, the fill of the worst flag, one comment."""
    sheet = res.evaluation.sheet
    notes: dict[str, list[str]] = defaultdict(list)
    values: dict[str, float] = {}
    worst: dict[str, str] = {}
    for cell, value, how in computed_values(res):
        values[cell.ref.cell] = value
        notes[cell.ref.cell].append(f"【xlsproc 计算填入】{how}")
    for flag in res.flags:
        if not flag.cell:
            continue
        notes[flag.cell].append(f"【{SEVERITY_CN[flag.severity]}】{flag.title}：{flag.detail}")
        if flag.cell not in worst or SEVERITY_RANK[flag.severity] < SEVERITY_RANK[worst[flag.cell]]:
            worst[flag.cell] = flag.severity
    return [CellPatch(sheet=sheet, ref=ref, value=values.get(ref),
                      fill=FILL[worst[ref]] if ref in worst else COMPUTED_FILL,
                      comment="\n".join(lines))
            for ref, lines in notes.items()]


# --- the 审核结果 sheet --------------------------------------------------------------------

SUMMARY_HEAD = ["工作表", "类型", "单位", "项目", "执行率", "执行得分", "指标得分", "总分", "等级",
                "错误", "警告", "提示"]
FLAG_HEAD = ["严重程度", "问题", "工作表", "单元格", "指标", "说明", "代码"]


def review_sheet(file_name: str, results: list[EvaluationResult], profile: str) -> NewSheet:
    rows: list[list] = [[f"审核结果 — {file_name}"],
                        [f"由 xlsproc {__version__} 按规则“{profile}”生成。红色为错误（需退回修改），"
                         "黄色为警告（需核实），蓝色为提示；绿色为 xlsproc 计算填入的空白单元格。"
                         "点击“单元格”列可跳转到原表位置。"],
                        [], SUMMARY_HEAD]
    sheet = NewSheet(name=REVIEW_SHEET, rows=rows, merges=["A1:G1", "A2:G2"],
                     styles={"A1": "title", "A2": "wrap"}, landscape=True)
    _style_row(sheet, 4, len(SUMMARY_HEAD), "header")
    for res in results:
        rows.append(_summary_row(res))
        sheet.links[f"A{len(rows)}"] = internal_location(res.evaluation.sheet, "A1")
    rows.append([])
    rows.append(FLAG_HEAD)
    head = len(rows)
    _style_row(sheet, head, len(FLAG_HEAD), "header")
    flags = sorted(((f, r) for r in results for f in r.flags),
                   key=lambda fr: SEVERITY_RANK[fr[0].severity])
    for flag, res in flags:
        rows.append(_flag_row(flag))
        n = len(rows)
        sheet.styles[f"A{n}"] = flag.severity
        sheet.styles[f"F{n}"] = "wrap"
        if flag.cell:
            sheet.links[f"D{n}"] = internal_location(flag.sheet, flag.cell)
    if not flags:
        rows.append(["—", "未发现问题"])
    sheet.freeze = f"A{head + 1}"
    sheet.autofilter = f"A{head}:{chr(64 + len(FLAG_HEAD))}{max(len(rows), head + 1)}"
    sheet.col_widths = _widths(rows[3:], caps={5: 70})
    return sheet


def _style_row(sheet: NewSheet, row: int, ncols: int, style: str) -> None:
    for c in range(ncols):
        sheet.styles[f"{chr(65 + c)}{row}"] = style


def _summary_row(res: EvaluationResult) -> list:
    ev, b = res.evaluation, res.budget
    counts = {k: sum(1 for f in res.flags if f.severity == k) for k in SEVERITY_RANK}
    return [ev.sheet, KIND_CN[ev.kind], ev.unit.text or None,
            ev.project.text or None if ev.kind == "project" else None,
            pct(b.rate) if b and b.rate is not None else "—",
            b.score if b else None, res.indicator_score, res.total_score, res.grade,
            counts["error"], counts["warning"], counts["info"]]


def _flag_row(flag: Flag) -> list:
    return [SEVERITY_CN[flag.severity], flag.title, flag.sheet, flag.cell or "—",
            flag.indicator or "—", flag.detail, flag.code]


def display_width(text: str) -> int:
    """Columns a text needs: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _widths(rows: list[list], caps: dict[int, int] | None = None) -> dict[int, float]:
    caps = caps or {}
    widths: dict[int, float] = {}
    for row in rows:
        for c, value in enumerate(row):
            if value is None:
                continue
            w = display_width(str(value)) + 2
            widths[c] = min(max(widths.get(c, 8), w), caps.get(c, 40))
    return widths


# --- the 自评报告 sheet --------------------------------------------------------------------

def report_sheet(results: list[EvaluationResult]) -> NewSheet:
    rows: list[list] = []
    styles: dict[str, str] = {}
    for res in results:
        if rows:
            rows.append([])
        for p in report.paragraphs(res):
            rows.append([p.text])
            styles[f"A{len(rows)}"] = "title" if p.level == 0 else "wrap"
    rows.append([])
    rows.append(["（本报告由 xlsproc 根据自评表数据自动起草，请填表人核对、补充后使用。）"])
    styles[f"A{len(rows)}"] = "wrap"
    return NewSheet(name=REPORT_SHEET, rows=rows, col_widths={0: 100}, styles=styles,
                    print_fit_width=True)


# --- the whole copy ------------------------------------------------------------------------

def annotate(src: Path, dst: Path, results: list[EvaluationResult], profile: str) -> None:
    """Write the annotated copy of `src` to `dst` (atomically); never touches `src`."""
    patches = [p for res in results for p in cell_patches(res)]
    sheets = [review_sheet(src.name, results, profile), report_sheet(results)]
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.suffix.lower() == ".xls":
        with tempfile.TemporaryDirectory(dir=dst.parent) as tmp:
            converted = Path(tmp) / (src.stem + ".xlsx")
            xls_to_xlsx(src, converted)
            patch_xlsx(converted, dst, patches, sheets)
        return
    patch_xlsx(src, dst, patches, sheets)
    lost = verify_preserved(src, dst)
    if lost:
        os.unlink(dst)
        raise XlsprocError("copy-incomplete", "批注副本未能完整保留原表内容，已放弃输出："
                           + "；".join(lost[:5]))


def xls_to_xlsx(src: Path, dst: Path) -> None:
    """A legacy .xls becomes an .xlsx holding its values and merged cells (formats are lost)."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    from .grid import read_grids
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for grid in read_grids(src):
        ws = wb.create_sheet(grid.sheet[:31])
        for r, row in enumerate(grid.values, 1):
            for c, value in enumerate(row, 1):
                if value != "":
                    cell = ws.cell(r, c, value)
                    if isinstance(value, str) and value.startswith("="):
                        cell.data_type = "s"      # an officer's text, never a formula
        for r0, c0, r1, c1 in grid.merged:
            ws.merge_cells(f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{r1 + 1}")
        for c in range(1, max((len(r) for r in grid.values), default=0) + 1):
            ws.column_dimensions[get_column_letter(c)].width = 14
    wb.save(dst)
