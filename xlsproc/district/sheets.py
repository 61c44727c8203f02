"""The district workbook's sheets: the xlsxwriter book, one writer per sheet, the charts."""
from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

from xlsproc.district.rows import (CHARTS, INDICATOR_COLS, INDICATOR_KIND_CN, INDICATORS,
                                   ISSUE_COLS, ISSUES, LOW_RATE, PROJECT_COLS, PROJECTS, ROSTER,
                                   ROSTER_COLS, SUMMARY, SUMMARY_COLS, YOY, YOY_COLS, Col, Rows,
                                   roster_row)
from xlsproc.district.sources import Stage
from xlsproc.refs import cell_name
from xlsproc.textwidth import text_width
from xlsproc.rules import GRADE_PENDING
from xlsproc.score.history import repeated_shortfall, target_loosened


SCORE_BINS = (("60分以下", None, 60), ("60–70分", 60, 70), ("70–80分", 70, 80),
              ("80–90分", 80, 90), ("90–95分", 90, 95), ("95–100分", 95, None))

WIDTH_SAMPLE = 500                 # rows per sheet whose text sets the column widths
RATES_PER_CHART = 25               # units per 执行率 chart: one chart fits one landscape A4 page
ROW_PX = 20                        # a default row, in pixels (charts are sized in pixels)
LINE_PT = 13.5                     # a line of 10 pt text, in points (row heights)


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


class Book:
    """An xlsxwriter workbook in constant_memory mode and the formats every sheet shares."""

    def __init__(self, path: Path, tmpdir: str):
        import xlsxwriter
        self.wb = xlsxwriter.Workbook(str(path), {
            "constant_memory": True, "tmpdir": tmpdir,
            # plain text cells then need no format of their own: a sixth less time per cell;
            # every cell sits at the top of a row that wraps to two lines, as the wrapped text does
            "default_format_properties": {"font_name": "宋体", "font_size": 10, "valign": "top"}})
        self.sheet_class = _worksheet_class()
        self.wb.set_properties({"title": "预算绩效自评汇总", "author": "xlsproc",
                                "comments": "由 xlsproc 根据各单位自评表审核结果汇总生成"})
        add = self.wb.add_format
        base = {"font_name": "宋体", "font_size": 10, "valign": "top"}
        self.fmt = {
            "text": add(base), "int": add({**base, "num_format": "0"}),
            "money": add({**base, "num_format": "#,##0.00"}),
            "pct": add({**base, "num_format": "0.00%"}),
            "score": add({**base, "num_format": "0.00"}),
            "num": add({**base, "num_format": "0.####"}),
            "link": add({**base, "font_color": "#0563C1", "underline": 1, "text_wrap": True}),
            "wrap": add({**base, "text_wrap": True}),
            "address": add({**base, "font_color": "#808080"}),
            "title": add({**base, "bold": True, "font_size": 14}),
            "note": add({**base, "text_wrap": True, "valign": "top", "font_color": "#404040"}),
            "head": add({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "valign": "vcenter",
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
        from xlsproc.fileio import close_workbook
        close_workbook(self.wb)              # disk full: an OSError, reported in Chinese

    def abandon(self) -> None:
        """After a failure: write nothing (xlsxwriter would otherwise save in its destructor)."""
        self.wb.fileclosed = True


class Sheet:
    """One sheet: title (row 1), note (row 2), header (row 3), data from row 4, written in order."""

    HEAD_ROW = 2

    def __init__(self, book: Book, name: str, cols: list[Col], title: str, note: str,
                 real_links: bool = False):
        self.book, self.cols, self.real_links = book, cols, real_links
        self.ws = book.wb.add_worksheet(name, worksheet_class=book.sheet_class)
        self.widths = [col.cap if col.wrap else min(col.cap, _head_width(col)) for col in cols]
        self.address_col = next((i for i, c in enumerate(cols) if c.kind == "address"), None)
        self.plain = [_column_format(book, col, False) for col in cols]
        self.totals = [_column_format(book, col, True) for col in cols]
        self.next_row = self.HEAD_ROW + 1
        self._head(title, note)

    def _head(self, title: str, note: str) -> None:
        ws, fmt, last = self.ws, self.book.fmt, self.printed_cols()
        ws.set_row(0, 24)
        ws.merge_range(0, 0, 0, last, "", fmt["title"])
        ws.write_string(0, 0, title, fmt["title"])
        lines = math.ceil(text_width(note) / max(sum(self.widths[:last + 1]) * 1.1, 40)) + \
            note.count("\n")
        ws.set_row(1, 14 * max(lines, 1) + 4)
        ws.merge_range(1, 0, 1, last, "", fmt["note"])
        ws.write_string(1, 0, note, fmt["note"])
        ws.set_row(self.HEAD_ROW, 28)          # headings of narrow columns take two lines
        for c, col in enumerate(self.cols):
            ws.write_string(self.HEAD_ROW, c, col.head, fmt["head"])

    def put(self, values: list, *, total: bool = False, fmt: dict | None = None,
            level: int = 0) -> int:
        """Write one row; `fmt` maps a column index to a format name. Returns the row index."""
        r = self.next_row
        lines = self._lines(values)
        if level or lines > 1:
            self.ws.set_row(r, LINE_PT * lines + 2 if lines > 1 else None, None,
                            {"level": level} if level else None)
        formats = self.totals if total else self.plain
        for c, value in enumerate(values):
            if value is not None:
                cell_fmt = self.book.fmt[fmt[c]] if fmt and c in fmt else formats[c]
                self._cell(r, c, self.cols[c], value, cell_fmt)
        self.next_row += 1
        return r

    def _lines(self, values: list) -> int:
        """Lines the row needs: wrapped columns are as wide as their cap, and a row's height must
        be written with the row (neither Excel nor LibreOffice refits it on opening)."""
        lines = 1
        for col, value in zip(self.cols, values):
            if col.wrap and value is not None:
                text = value[0] if col.kind == "link" else str(value)
                lines = max(lines, math.ceil(text_width(text) / max((col.cap - 1) * 1.2, 1)))
        return lines

    def line(self, text: str, style: str = "note") -> int:
        """A sentence under the table, across the printed columns (never cut off on paper)."""
        r, last = self.next_row, self.printed_cols()
        lines = math.ceil(text_width(text) / max(sum(self.widths[:last + 1]) * 1.1, 40))
        self.ws.set_row(r, 14 * max(lines, 1) + 4)
        self.ws.merge_range(r, 0, r, last, "", self.book.fmt[style])
        self.ws.write_string(r, 0, text, self.book.fmt[style])
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
            self._track(r, c, _shown(value, col.kind))

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
        ref = cell_name(r, self.address_col)
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
            self.widths[c] = min(self.cols[c].cap, max(self.widths[c], text_width(text) + 2))

    def finish(self, filter_to: int | None = None, freeze_cols: int = 1) -> None:
        ws, last_col = self.ws, len(self.cols) - 1
        for c, width in enumerate(self.widths):
            ws.set_column(c, c, width)
        ws.freeze_panes(self.HEAD_ROW + 1, freeze_cols)
        last = self.next_row - 1 if filter_to is None else filter_to
        ws.autofilter(self.HEAD_ROW, 0, max(last, self.HEAD_ROW + 1), last_col)
        _print_setup(ws, self.HEAD_ROW)
        printed = self.printed_cols()
        if printed < last_col:              # paths and codes are for clicking and programs
            ws.print_area(0, 0, max(self.next_row - 1, self.HEAD_ROW), printed)

    def printed_cols(self) -> int:
        """The last column worth printing: trailing link addresses and codes are left off."""
        last = len(self.cols) - 1
        while last > 0 and self.cols[last].kind in ("address", "code"):
            last -= 1
        return last


NUMBER_KINDS = ("int", "money", "pct", "score", "num")


def _column_format(book: Book, col: Col, total: bool):
    """The format of a column's cells: None for plain text (the workbook's default font)."""
    kind = col.kind
    if total and (kind in NUMBER_KINDS or kind == "text"):
        return book.fmt["total_" + kind]
    if kind in NUMBER_KINDS or kind == "address":
        return book.fmt[kind]
    if col.wrap and kind == "text":
        return book.fmt["wrap"]
    return None


def _head_width(col: Col) -> int:
    """A column's width before any data: its heading on two lines where the column is narrow
    by nature (numbers, links, wrapped text), else on one."""
    if col.wrap or col.kind in NUMBER_KINDS or col.kind == "link":
        return max(math.ceil(text_width(col.head) / 2) + 2, 6)
    return max(text_width(col.head) + 2, 8)


def _shown(value: float, kind: str) -> str:
    """A number as its column's format shows it (the column must never show ####)."""
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "pct":
        return f"{value * 100:.2f}%"
    if kind == "int":
        return f"{value:.0f}"
    return f"{value:.2f}"


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
    cell = cell_name(first, col)
    for criteria, value, name in rules:              # blank cells (a unit's link line) stay plain
        ws.conditional_format(first, col, last, col, {
            "type": "formula",
            "criteria": f"=AND(NOT(ISBLANK({cell})),{cell}{criteria.replace('==', '=')}{value})",
            "format": fmt[name]})


RATE_RULES = [("<", LOW_RATE, "red"), (">", 1, "orange")]

GRADE_COLOURS = ("green", "blue", "yellow")         # best grades first; the lowest is red


def grade_rules(rules) -> list[tuple]:
    """Conditional formats of the profile's grades: 优 green, 良 blue, 中 yellow, 差 red."""
    names = rules.grade_names
    return [("==", '"' + name.replace('"', '""') + '"',
             "red" if i == len(names) - 1 else GRADE_COLOURS[min(i, len(GRADE_COLOURS) - 1)])
            for i, name in enumerate(names)]


def summary_sheet(book: Book, rows: Rows, district: str, years: str,
                   unreadable: int, duplicates: int = 0,
                   other_years: str | None = None) -> list[dict]:
    note = ("每行一个单位（按单位名称归并，去掉“219001-”之类的预算代码），按得分从高到低排列："
            "有部门整体支出绩效自评表的单位按部门整体总分，没有的按其项目平均分。"
            "资金口径：有部门整体表的单位取部门整体表的全年预算数、全年执行数（部门整体已包含其项目支出，"
            "不再与项目表相加）；没有部门整体表的单位取其各项目表之和。执行率 = 全年执行数 ÷ 全年预算数。"
            "合计行：执行率 = Σ执行数 ÷ Σ预算数（按上述口径，只计预算数、执行数齐全的单位），"
            "得分为各单位的平均值。等级待定的自评表（分值合计不为100分）总分不可比，不计入项目平均分、"
            "合计行的平均分和排名，在表下另行列出。红色：执行率低于90%；橙色：执行率超过100%。"
            "点击“批注副本”打开该单位的审核结果；一个单位报送了几个文件的，其下每个文件另占一行链接。")
    sheet = Sheet(book, SUMMARY, SUMMARY_COLS, f"{district}{years}预算绩效自评汇总（按单位）", note,
                   real_links=True)
    units = rows.units()
    for unit in units:
        sheet.put(rows.unit_row(unit))
        for link in unit["more_links"]:
            sheet.put(rows.more_link_row(unit, link))
    last_data = sheet.next_row - 1
    sheet.skip()
    for total in rows.district_rows(units):
        sheet.put(total, total=True)
    withheld = _withheld_line(units)
    if unreadable or duplicates or other_years or withheld:
        sheet.skip()
    if withheld:
        sheet.line(withheld)
    if other_years:
        sheet.line(other_years + "。")
    if unreadable:
        sheet.line(f"另有 {unreadable} 个文件无法读取，未计入汇总，见“问题清单”。")
    if duplicates:
        sheet.line(f"另有 {duplicates} 张重复报送的自评表（同一单位、项目、年度的另一份）未计入汇总，"
                   "见“问题清单”中的“重复报送”。")
    first = Sheet.HEAD_ROW + 1
    _cond(sheet.ws, first, last_data, 6, book.fmt, RATE_RULES)
    _cond(sheet.ws, first, last_data, 11, book.fmt, grade_rules(rows.rules))
    sheet.finish(filter_to=last_data)
    return units


def _withheld_line(units: list[dict]) -> str | None:
    """The tables whose grade is withheld, counted apart: which unit, which table."""
    named = [f"{u['unit']}（{'、'.join(u['withheld'])}）" for u in units if u["withheld"]]
    if not named:
        return None
    n = sum(len(u["withheld"]) for u in units)
    return (f"另有 {n} 张自评表等级待定（分值合计不为100分，总分不可比），未计入项目平均分、"
            f"合计行的平均分和排名：{'；'.join(named)}。请相关单位调整分值后重新报送。")


def roster_sheet(book: Book, status, district: str, years: str) -> None:
    """报送情况: every unit on the roster (roster order), then the units not on it."""
    note = ("报送名单上的每个单位：已报送、有错误（有需退回修改的错误或无法读取的文件）、未报送（红色）。"
            "单位按名称归并（去掉“219001-”之类的预算代码；“某区教育局（本级）”与“某区教育局”视为同一单位）；无法读取的文件按路径中的单位名称归属。"
            "名单列有项目名称时，“未报送的项目”列出名单上有而未收到的项目。名单外报送的单位列在最后。")
    sheet = Sheet(book, ROSTER, ROSTER_COLS, f"{district}{years}自评表报送情况", note)
    styles = {"未报送": "alarm", "有错误": "callout"}
    counts = (f"名单 {len(status.units)} 个单位：已报送 {len(status.submitted)} 个（其中有错误 "
              f"{len(status.with_errors)} 个），未报送 {len(status.missing)} 个。")
    for n, unit in enumerate(status.units, 1):
        sheet.put(roster_row(n, unit), fmt={2: styles[unit.state]} if unit.state in styles else None)
    last_data = sheet.next_row - 1
    sheet.skip()
    sheet.line(counts, "bold")
    if status.unlisted:
        sheet.skip()
        sheet.line(f"名单外报送的单位（{len(status.unlisted)} 个）", "bold")
        for n, unit in enumerate(status.unlisted, 1):
            sheet.put(roster_row(n, unit))
    sheet.finish(filter_to=last_data, freeze_cols=2)


def projects_sheet(book: Book, rows: Rows, district: str, years: str) -> int:
    note = ("每行一张项目支出绩效自评表，按单位、总分排列。金额单位：万元。执行率 = 全年执行数 ÷ "
            "全年预算数；总分 = 执行得分 + 指标得分（按评分规则重新计算），“填报总分”为表中所填。"
            "点击“自评表”打开该表（批注副本）；“链接地址”为相对本文件所在文件夹的路径。")
    sheet = Sheet(book, PROJECTS, PROJECT_COLS, f"{district}{years}项目支出绩效自评情况", note)
    for row in rows.projects():
        sheet.put(row)
    first, last = Sheet.HEAD_ROW + 1, sheet.next_row - 1
    _cond(sheet.ws, first, last, 7, book.fmt, RATE_RULES)
    _cond(sheet.ws, first, last, 12, book.fmt, grade_rules(rows.rules))
    sheet.finish(freeze_cols=3)
    return last - first + 1


def indicators_sheet(book: Book, rows: Rows, district: str, years: str) -> int:
    note = ("每行一个绩效指标（长表格式，可直接筛选或插入数据透视表）；部门整体支出绩效自评表的指标，"
            "“项目”列为“（部门整体）”。完成率：正向指标 = 实际完成值 ÷ "
            "年度指标值，反向指标 = 年度指标值 ÷ 实际完成值（达标为100%），复合指标取各分项最小值，"
            "定性指标和相对目标无完成率。问题代码见“问题清单”。点击“单元格”跳转到原表该指标所在行。")
    sheet = Sheet(book, INDICATORS, INDICATOR_COLS, f"{district}{years}绩效指标明细", note)
    for row in rows.indicators():
        sheet.put(row)
    sheet.finish(freeze_cols=3)
    return sheet.next_row - Sheet.HEAD_ROW - 1


def issues_sheet(book: Book, rows: Rows, district: str, years: str) -> int:
    note = ("全区所有审核问题：先列错误（需退回修改），再列警告（需核实）和提示；同一严重程度内按单位、"
            "文件、单元格排列，即“退回给谁、改哪里”的清单。点击“单元格”跳转到批注副本中该单元格。"
            "“批注副本未输出”“副本未保留原格式”等：该文件的批注副本未能生成或少于原表（得分和问题照常计入），"
            "退回前请看说明。")
    sheet = Sheet(book, ISSUES, ISSUE_COLS, f"{district}{years}审核问题清单", note)
    styles = {"错误": "alarm", "警告": "callout"}
    count = 0
    for row in rows.issues():
        sheet.put(row, fmt={4: styles[row[4]]} if row[4] in styles else None)
        count += 1
    if not count:
        sheet.put(["—", None, None, None, None, "未发现问题"])
    sheet.finish(freeze_cols=1)
    return count


def charts_sheet(book: Book, stage: Stage, units: list[dict], year: int | None,
                  grades: tuple[str, ...]) -> None:
    ws, fmt = book.wb.add_worksheet(CHARTS), book.fmt
    label = f"{year}年度" if year else ""
    ws.write_string(0, 0, f"{label}图表（数据见本表左侧，由各自评表汇总）", fmt["title"])
    clause, params = ("year = ?", (year,)) if year is not None else ("year IS NULL", ())
    r = _chart_grades(book, ws, stage, clause, params, label, 2, grades)
    breaks = [r + 1]                       # every chart starts a printed page: none is split
    r = _chart_scores(book, ws, stage, clause, params, label, r + 2)
    rated = sorted((u for u in units if u["year"] == year and u["rate"] is not None),
                   key=lambda u: u["rate"])
    chunks = [rated[i:i + RATES_PER_CHART] for i in range(0, len(rated), RATES_PER_CHART)]
    for n, chunk in enumerate(chunks or [[]], 1):
        breaks.append(r + 1)
        part = f"（{n}/{len(chunks)}）" if len(chunks) > 1 else ""
        r = _chart_rates(book, ws, chunk, label + part, r + 2)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 2, 12)
    _print_setup(ws, None)
    ws.set_h_pagebreaks(breaks)


def _chart_grades(book, ws, stage, clause, params, label, r0, grades) -> int:
    counts = defaultdict(int)
    for kind, grade, n in stage.query(
            "SELECT kind, CASE WHEN grade IS NULL AND total IS NOT NULL THEN ? ELSE grade END g, "
            f"count(*) FROM t WHERE role = 0 AND {clause} GROUP BY kind, g",
            (GRADE_PENDING, *params)):
        counts[(kind, grade)] = n
    if counts[("department", GRADE_PENDING)] or counts[("project", GRADE_PENDING)]:
        grades = (*grades, GRADE_PENDING)          # withheld grades (weights-sum) are counted too
    _table(ws, book, r0, ["等级", "部门整体表", "项目表"],
           [[g, counts[("department", g)], counts[("project", g)]] for g in grades])
    last = r0 + len(grades)
    chart = book.wb.add_chart({"type": "column", "subtype": "stacked"})
    for c, name in ((1, "部门整体表"), (2, "项目表")):
        chart.add_series({"name": name, "categories": [CHARTS, r0 + 1, 0, last, 0],
                          "values": [CHARTS, r0 + 1, c, last, c], "data_labels": {"value": True}})
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


def _chart_rates(book, ws, units: list[dict], label, r0) -> int:
    """One bar chart of at most RATES_PER_CHART units (lowest rate first), with its table;
    returns the row after the block."""
    _table(ws, book, r0, ["单位", "执行率"], [[u["unit"], u["rate"]] for u in units], pct_col=1)
    if not units:
        return r0 + 2
    chart = book.wb.add_chart({"type": "bar"})
    points = [{"fill": {"color": "#C00000" if u["rate"] < LOW_RATE else "#70AD47"}} for u in units]
    chart.add_series({"name": "执行率", "categories": [CHARTS, r0 + 1, 0, r0 + len(units), 0],
                      "values": [CHARTS, r0 + 1, 1, r0 + len(units), 1], "points": points,
                      "data_labels": {"value": True, "num_format": "0.0%"}})
    _style_chart(chart, f"{label}各单位预算执行率（红色低于90%）", "执行率", None)
    chart.set_x_axis({"name": "执行率", "num_format": "0%", "min": 0})
    chart.set_legend({"none": True})
    height = max(320, 22 * len(units) + 100)
    chart.set_size({"width": 720, "height": height})
    ws.insert_chart(r0, 4, chart)
    return r0 + max(len(units) + 1, math.ceil(height / ROW_PX) + 1)


def _table(ws, book: Book, r0: int, head: list[str], rows: list[list], pct_col: int = -1) -> None:
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


def yoy_sheet(book: Book, rows: Rows, district: str) -> int:
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
    sheet = Sheet(book, YOY, YOY_COLS, f"{district}预算绩效自评同比（本年与上年）", note)
    sheet.ws.outline_settings(True, False, True, False)
    count = 0
    for now, before in (first, *pairs):
        _yoy_table(sheet, rows, now, before)
        count += 1
    sheet.finish(freeze_cols=2)
    return count


def _yoy_table(sheet: Sheet, rows: Rows, now: tuple, before: tuple) -> None:
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
