"""The annotated copy: the officer's own workbook plus our scores, flags, 审核结果 and 自评报告.

Results → cell patches and two new sheets → xlsxpatch (a surgical edit of the package, every
part we do not touch kept byte for byte) → a check that nothing of the original was lost.
The writer never searches labels again: it writes where the results' CellRefs point.
"""
from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from xlsproc import __version__
from xlsproc.errors import detail, filled_detail, title
from xlsproc.read import convert
from xlsproc.write import printing, profile_label, report
from xlsproc.write import marks
from xlsproc.write.marks import FILLED_HEAD, FILLED_TITLE, REPORT_SHEET, REVIEW_SHEET
from xlsproc.errors import SEVERITY_CN, SEVERITY_RANK
from xlsproc.model import Cell, Flag, XlsprocError
from xlsproc.fileio import shown
from xlsproc.refs import cell_name, parse_cell
from xlsproc.score.numbers import fmt, pct
from xlsproc.score.result import EvaluationResult
from xlsproc.ooxml.package import PartReader
from xlsproc.ooxml.workbook import workbook_parts
from xlsproc.read.scan import percent_styles_of
from xlsproc.ooxml.normalize import normalized
from xlsproc.ooxml.sheetmap import written_style
from xlsproc.ooxml.patch import MAX_TEXT, CellPatch, NewSheet, internal_location, patch_xlsx
from xlsproc.ooxml.unmark import sheet_names

# Fills of flagged cells: red, orange, blue — none near the templates' light-yellow input fill
# (template.INPUT_FILL), so a warned cell of a filled-in template stands out. LEGEND names them.
FILL = {"error": "FFFFC7CE", "warning": "FFF8CBAD", "info": "FFDDEBF7"}
COMPUTED_FILL = "FFE2EFDA"          # light green: a value xlsproc wrote into a blank cell
LEGEND = ("红色为错误（需退回修改），橙色为警告（需核实），蓝色为提示；绿色为 xlsproc 在空白处填入的计算值"
          "（请核实后保留或改为您核定的值）。点击“单元格”列可跳转到原表位置。")
# A blank score we fill is one state: green, with one comment — not also "得分未填写…请补填".
FILLED_CODES = {"score-missing"}
KIND_CN = {"department": "部门整体", "project": "项目"}


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
        notes[cell.ref.cell].append(f"【xlsproc 计算填入】原为空白，已按规则填入计算值：{how}。"
                                    "请核实后保留或改为您核定的值。")
    for flag in res.flags:
        if not flag.cell or (flag.code in FILLED_CODES and flag.cell in values):
            continue
        notes[flag.cell].append(f"【{SEVERITY_CN[flag.severity]}】{flag.title}：{flag.detail}")
        if flag.cell not in worst or SEVERITY_RANK[flag.severity] < SEVERITY_RANK[worst[flag.cell]]:
            worst[flag.cell] = flag.severity
    return [CellPatch(sheet=sheet, ref=ref, value=values.get(ref),
                      fill=FILL[worst[ref]] if ref in worst else COMPUTED_FILL,
                      comment="\n".join(lines))
            for ref, lines in notes.items()]


# --- the 审核结果 sheet --------------------------------------------------------------------

SUMMARY_HEAD = ["执行率", "执行得分", "指标得分", "总分", "等级", "问题数", "原表"]
FLAG_HEAD = ["严重程度", "问题", "工作表", "单元格", "指标", "说明", "代码"]
COLUMN_WIDTHS = {0: 8, 1: 16, 2: 16, 3: 7, 4: 18, 5: 46, 6: 14}      # A4 landscape (printing.py)


def review_sheet(file_name: str, results: list[EvaluationResult], profile: str,
                 name: str = REVIEW_SHEET, rates: dict[tuple[str, str], float] | None = None) -> NewSheet:
    """Per table a three-row summary, then every flag as a row (errors first) with a link.
    `rates`: the execution rates as written into her cells (_rates_as_shown): the 代填 list
    gives the value her cell holds (99.38 in a cell not formatted as a percentage)."""
    rows: list[list] = [[f"审核结果 — {file_name}"],
                        [f"由 xlsproc {__version__} 按{profile_label(profile)}生成。{LEGEND}"]]
    sheet = NewSheet(name=name, rows=rows, merges=["A1:G1", "A2:G2"],
                     styles={"A1": "title", "A2": "wrap"}, landscape=True,
                     col_widths=dict(COLUMN_WIDTHS))
    for res in results:
        _summary_block(sheet, res)
    rows.append([])
    rows.append(FLAG_HEAD)
    head = len(rows)
    _style_row(sheet, head, len(FLAG_HEAD), "header")
    flags = sorted((f for r in results for f in r.flags), key=lambda f: SEVERITY_RANK[f.severity])
    computed = [(res, _as_written(computed_values(res), res.evaluation.sheet, rates or {})) for res in results]
    filled = {(res.evaluation.sheet, cell.ref.cell): (value, how)
              for res, values in computed for cell, value, how in values}
    for flag in flags:
        rows.append(_flag_row(flag, filled.get((flag.sheet, flag.cell))
                              if flag.code in FILLED_CODES else None))
        n = len(rows)
        sheet.styles[f"A{n}"] = flag.severity
        for col in "BCEFG":
            sheet.styles[f"{col}{n}"] = "wrap"
        if flag.cell:
            sheet.links[f"D{n}"] = internal_location(flag.sheet, flag.cell)
    if not flags:
        rows.append(["—", "未发现问题"])
    sheet.freeze = f"A{head + 1}"
    sheet.autofilter = f"A{head}:G{max(len(rows), head + 1)}"
    _filled_block(sheet, computed)
    printing.fit_rows(sheet)
    return sheet


def _as_written(values: list[tuple[Cell, float, str]], sheet: str,
                rates: dict[tuple[str, str], float]) -> list[tuple[Cell, float, str]]:
    """computed_values with each execution rate as written into her cell."""
    return [(cell, rates.get((sheet, cell.ref.cell), value), how) for cell, value, how in values]


def _filled_block(sheet: NewSheet, computed: list[tuple[EvaluationResult, list]]) -> None:
    """The cells we filled (computed: each result with its computed_values), below the flag
    list: for the officer, and for us when the copy itself is submitted again
    (marks.filled_cells reads this block back)."""
    filled = [(res.evaluation.sheet, cell, value, how, name)
              for res, values in computed for cell, value, how, name in _named(values, res)]
    if not filled:
        return
    rows = sheet.rows
    rows += [[], [FILLED_TITLE]]
    sheet.styles[f"A{len(rows)}"] = "wrap"
    sheet.merges.append(f"A{len(rows)}:G{len(rows)}")
    rows.append(list(FILLED_HEAD))
    _style_row(sheet, len(rows), len(FILLED_HEAD), "header")
    for n, (where, cell, value, how, name) in enumerate(filled, 1):
        rows.append([n, where, cell.ref.cell, value, name or "—", how])
        for col in "BEF":
            sheet.styles[f"{col}{len(rows)}"] = "wrap"
        sheet.links[f"C{len(rows)}"] = internal_location(where, cell.ref.cell)


def _named(values: list[tuple[Cell, float, str]], res: EvaluationResult):
    """computed_values with the indicator each score cell belongs to."""
    names = {ind.row.score.ref: ind.name for ind in res.indicators if ind.row.score.ref}
    for cell, value, how in values:
        yield cell, value, how, names.get(cell.ref)


def _summary_block(sheet: NewSheet, res: EvaluationResult) -> None:
    ev, b, rows = res.evaluation, res.budget, sheet.rows
    who = " · ".join(x for x in (KIND_CN[ev.kind], ev.unit.text,
                                 ev.project.text if ev.kind == "project" else "",
                                 f"{ev.year}年度" if ev.year else "") if x)
    rows.append([])
    rows.append([f"【{ev.sheet}】{who}"])
    sheet.merges.append(f"A{len(rows)}:G{len(rows)}")
    sheet.styles[f"A{len(rows)}"] = "wrap"
    rows.append(SUMMARY_HEAD)
    _style_row(sheet, len(rows), len(SUMMARY_HEAD), "header")
    counts = {k: sum(1 for f in res.flags if f.severity == k) for k in SEVERITY_RANK}
    rows.append([pct(b.rate) if b and b.rate is not None else "—",
                 b.score if b else None, res.indicator_score, res.total_score, res.grade_shown,
                 f"错误 {counts['error']} · 警告 {counts['warning']} · 提示 {counts['info']}",
                 "转到原表"])
    sheet.links[f"G{len(rows)}"] = internal_location(ev.sheet, "A1")


def _style_row(sheet: NewSheet, row: int, ncols: int, style: str) -> None:
    for c in range(ncols):
        sheet.styles[cell_name(row - 1, c)] = style


def _flag_row(flag: Flag, filled: tuple[float, str] | None = None) -> list:
    """A flag as a 审核结果 row; `filled`: (value, how) when the copy holds our value in its
    cell — then the row says so instead of asking the officer to fill it in."""
    text = flag.detail if filled is None else \
        filled_detail(flag.code, computed=fmt(filled[0]), formula=filled[1])
    return [SEVERITY_CN[flag.severity], flag.title, flag.sheet, flag.cell or "—",
            flag.indicator or "—", text, flag.code]


# --- the 自评报告 sheet --------------------------------------------------------------------

def report_sheet(results: list[EvaluationResult], name: str = REPORT_SHEET) -> NewSheet:
    """The 自评报告 sheet: one paragraph a row in a column that fits A4 portrait, each row as
    tall as its wrapped text (a long paragraph continues in the next row)."""
    rows: list[list] = []
    styles: dict[str, str] = {}
    width = printing.PORTRAIT_UNITS

    def add(text: str, style: str) -> None:
        for piece in printing.split_for_rows(text, width):
            rows.append([piece])
            styles[f"A{len(rows)}"] = style

    for res in results:
        if rows:
            rows.append([])
        for p in report.paragraphs(res):
            add(("" if p.level < 3 else "\u3000\u3000") + p.text, "title" if p.level == 0 else "wrap")
    rows.append([])
    add(report.NOTE, "wrap")
    sheet = NewSheet(name=name, rows=rows, col_widths={0: width}, styles=styles,
                     print_fit_width=True)
    printing.fit_rows(sheet)
    return sheet


# --- the whole copy ------------------------------------------------------------------------

@dataclass(frozen=True)
class Written:
    """What annotate() made: the notice for the officer (copy_notice; None when the copy keeps
    everything) and the names our sheets got in this copy — {"review": "审核结果", "report":
    "自评报告"}, or 审核结果（xlsproc）… beside a sheet of hers of that name: links go there."""
    notice: dict | None
    sheets: dict[str, str]


def _names(sheets: list) -> dict[str, str]:
    return {"review": sheets[0].name, "report": sheets[1].name}


def annotate(src: Path, dst: Path, results: list[EvaluationResult], profile: str,
             fsync: bool = True, atomic: bool = True, data: bytes | None = None) -> Written:
    """Write the annotated copy of `src` to `dst` (atomically); never touches `src`.

    `fsync=False` skips forcing each copy to disk (a batch may sync once at its end); the copy is
    still written to a temporary name and renamed, so no half-written file is ever visible.
    `atomic=False` writes `dst` itself, without the temporary name and rename: for a `dst` in a
    private staging folder that the caller renames into place (a write that fails removes `dst`).
    `data`: the bytes of `src` as the caller read (and scored) them; `src` is not read again.
    Returns Written: a notice (copy_notice) when the copy keeps less than the original, else
    None, and the names of our sheets in the copy; raises XlsprocError("copy-incomplete")
    when the copy would lose something silently.

    A copy of ours coming back is first made the officer's workbook again (marks.py): our
    comments, fills and sheets of the last round go, and every copy records what it adds."""
    patches = [_fitted_patch(p) for res in results for p in cell_patches(res)]
    if not dst.parent.is_dir():     # (mkdir(exist_ok=True) would fail and catch an error per copy)
        dst.parent.mkdir(parents=True, exist_ok=True)
    package = _open_ooxml_package(src, data)
    if package is None:                     # .xls, .xlsb, WPS .et, .ods
        return _foreign_copy(src, dst, results, profile, patches, data, fsync=fsync, atomic=atomic)
    with package:
        tables = {res.evaluation.sheet for res in results}
        source, names = marks.officer_workbook(package, tables)
        rates = _rates_as_shown(results, source, patches)
        sheets, (restyled, before) = _new_sheets(src, results, profile, patches, source, names, rates)
        try:
            lost = patch_xlsx(src, dst, patches, sheets, verify=True, fsync=fsync, atomic=atomic,
                              source=source, restyled=restyled, workbook_before=before)
        except ValueError as exc:           # refused (Chinese): an edit it cannot make safely
            if "zip64" in str(exc).lower():
                raise                       # the package itself: batch.worker.known_failure
            raise XlsprocError("copy-incomplete", f"无法安全写出：{exc}") from None
    _refuse_losses(dst, lost)
    return Written(None, _names(sheets))


def _refuse_losses(dst: Path, lost: list[str] | None) -> None:
    if lost:
        os.unlink(dst)
        raise XlsprocError("copy-incomplete", "；".join(lost[:5]))


def _foreign_copy(src: Path, dst: Path, results: list[EvaluationResult], profile: str,
                  patches: list[CellPatch], data: bytes | None, **write) -> Written:
    """The copy of a workbook that is no .xlsx: LibreOffice's .xlsx of it when LibreOffice is
    there (formatting kept), else an .xlsx of its values and merged cells, saying so in
    审核结果 and in the notice returned (for results.json and the console). A copy of ours
    saved as .xls comes back without our sheets, comments and fills of the last round."""
    tables = {res.evaluation.sheet for res in results}
    with tempfile.TemporaryDirectory(dir=dst.parent) as tmp:
        converted = convert.to_xlsx(src, Path(tmp), data)
        if converted is not None:
            with zipfile.ZipFile(converted) as package:
                source, names = marks.officer_workbook(package, tables)
                rates = _rates_as_shown(results, source, patches)
                sheets, (restyled, before) = _new_sheets(src, results, profile, patches, source, names, rates)
                lost = patch_xlsx(converted, dst, patches, sheets, verify=True, source=source,
                                  restyled=restyled, workbook_before=before, **write)
            _refuse_losses(dst, lost)
            return Written(None, _names(sheets))
        why = "本机未安装 LibreOffice" if convert.soffice() is None else "LibreOffice 未能转换该文件"
        notice = copy_notice("copy-values-only", format=convert.format_name(src), why=why)
        record = marks.legacy_record(src, data)
        ours = set(record.sheets) - tables if record else set()
        values = Path(tmp) / "values.xlsx"
        xls_to_xlsx(src, values, skip=ours)
        with zipfile.ZipFile(values) as zf:
            sheets, (restyled, before) = _new_sheets(src, results, profile, patches, zf, sheet_names(zf))
            sheets[0].rows[1][0] = f"注意：{notice['message']}\n" + sheets[0].rows[1][0]
            patch_xlsx(values, dst, patches, sheets, source=zf, restyled=restyled, workbook_before=before,
                       **write)
        return Written(notice, _names(sheets))


def copy_notice(code: str, **fields) -> dict:
    """What the officer must know about a copy, as results.json carries it ("copy")."""
    return {"code": code, "title": title(code), "message": detail(code, **fields)}


def copy_problem(exc: Exception) -> dict:
    """The notice for a copy that could not be made: the results stand without it."""
    if isinstance(exc, XlsprocError) and exc.code == "copy-incomplete":
        return copy_notice("copy-incomplete", lost=exc.message)
    if isinstance(exc, XlsprocError):            # a known failure, in its own Chinese words
        return {"code": exc.code, "title": title(exc.code),
                "message": f"{exc.message}（得分和问题已照常记入审核结果。）"}
    return copy_notice("copy-failed", detail=f"{type(exc).__name__}: {exc}"[:300])


def fit_text(text: str, limit: int = MAX_TEXT) -> str:
    """Text as long as a cell holds (Excel's 32,767 characters): an officer's legal maximum in
    项目名称 or 偏差原因, echoed into our sheets and notes, is shortened with an ellipsis."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _fitted_sheet(sheet: NewSheet) -> NewSheet:
    sheet.rows = [[fit_text(v) if isinstance(v, str) else v for v in row] for row in sheet.rows]
    return sheet


def _fitted_patch(patch: CellPatch) -> CellPatch:
    if patch.comment is not None:
        patch.comment = fit_text(patch.comment)
    if isinstance(patch.value, str):
        patch.value = fit_text(patch.value)
    return patch


def _rates_as_shown(results: list[EvaluationResult], zf: zipfile.ZipFile,
                    patches: list[CellPatch]) -> dict[tuple[str, str], float]:
    """The execution rates we fill in, written as the officer's cell shows them (the patches
    changed to match): the fraction (0.9938) in a cell formatted as a percentage, else the
    percentage itself (99.38) — a blank 执行率（%） cell formatted 0.00 showed 0.9938 as
    "0.99".  The reader takes either form back as the same rate."""
    wanted = {(res.evaluation.sheet, cell.ref.cell): value for res in results
              for cell, value, _ in computed_values(res)
              if res.evaluation.funds is not None and cell == res.evaluation.funds.rate}
    if not wanted:
        return {}
    parts = workbook_parts(PartReader(zf.namelist(), zf.read))
    percent_styles = percent_styles_of(zf.read(parts.styles)) if parts and parts.styles else frozenset()
    shown: dict[tuple[str, str], float] = {}
    for (sheet, ref), value in wanted.items():
        part = parts.sheets.get(sheet) if parts and not parts.binary else None
        percent = bool(percent_styles) and part is not None \
            and str(_written_style(zf.read(part), ref)) in percent_styles
        shown[(sheet, ref)] = value if percent else round(value * 100, 2)
    for patch in patches:
        if (patch.sheet, patch.ref) in shown and patch.value is not None:
            patch.value = shown[(patch.sheet, patch.ref)]
    return shown


def _written_style(data: bytes, ref: str) -> int | None:
    """The style a value written at ref takes (its own, else its row's or column's: a blank
    cell never written in a column formatted 0.00% shows our value as a percentage too)."""
    try:
        return written_style(data.decode("utf-8"), *parse_cell(ref))
    except (ValueError, UnicodeDecodeError):
        return None


def _new_sheets(src: Path, results: list[EvaluationResult], profile: str,
                patches: list[CellPatch], source: zipfile.ZipFile, names: list[str],
                rates: dict[tuple[str, str], float] | None = None) -> tuple[list, tuple[dict, dict]]:
    """审核结果, 自评报告 (named apart from the officer's sheets) and the hidden record of what
    this copy adds; what patch_xlsx fills in for that record (restyled, workbook_before: the
    cells it restyles, what of workbook.xml it changed).
    `rates`: the execution rates as written into her cells (_rates_as_shown)."""
    review = marks.free_name(REVIEW_SHEET, names)
    report = marks.free_name(REPORT_SHEET, names + [review])
    record = marks.free_name(marks.RECORD_SHEET, names + [review, report])
    filled = [(res.evaluation.sheet, cell.ref.cell, value, marks.cell_tags(res.evaluation).get(cell.ref.cell))
              for res in results
              for cell, value, _ in _as_written(computed_values(res), res.evaluation.sheet, rates or {})]
    restyled: dict = {}
    workbook_before: dict = {}
    sheets = [_fitted_sheet(review_sheet(shown(src.name), results, profile, review, rates)),
              _fitted_sheet(report_sheet(results, report)),
              marks.record_sheet(record, source, {review: "review", report: "report"}, patches,
                                 filled, restyled, workbook_before)]
    return sheets, (restyled, workbook_before)


def _open_ooxml_package(path: Path, data: bytes | None = None) -> zipfile.ZipFile | None:
    """The open zip of an .xlsx/.xlsm with XML parts, which xlsxpatch can edit in place (None:
    another format).  Opened once (normalized reads the same zip): patch_xlsx reads it as it
    is. A Strict, UTF-16 or template package is opened as its plain (transitional, UTF-8,
    workbook-typed) equivalent."""
    try:
        if data is None:
            data = path.read_bytes()
        zf = zipfile.ZipFile(io.BytesIO(data))
        fixed = normalized(data, zf=zf)    # Strict, UTF-16 parts, template: the plain form
        if fixed is not None:
            zf.close()
            zf = zipfile.ZipFile(io.BytesIO(fixed.data))
    except (zipfile.BadZipFile, OSError):
        return None
    found = PartReader.of_zip(zf).workbook()                # (found as patch_xlsx finds it)
    if found is None or found[1]:                               # not XML (.xlsb)
        zf.close()
        return None
    return zf


def xls_to_xlsx(src: Path, dst: Path, skip: set[str] = frozenset()) -> None:
    """A legacy .xls becomes an .xlsx holding its values and merged cells (formats are lost);
    the sheets in `skip` (ours, from an earlier round) are left out."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    from xlsproc.read.grid import read_grids
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for grid in read_grids(src):
        if grid.sheet in skip:
            continue
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
