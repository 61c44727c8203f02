"""问题通知单: the notice that goes back to a unit with its annotated copies — one A4 page, unless
the list is too long to be read on one (then it keeps its size and runs onto more pages)."""
from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

COLUMNS = (("序号", 5), ("文件", 26), ("工作表", 16), ("单元格", 7), ("问题", 18),
           ("请修改或核实的内容", 62))
DEFAULT_DISTRICT = "全区"          # the workbook's heading when no --district is given
SECTIONS = (("errors", "一、必须修改（错误，{n} 处）", "#9C0006"),
            ("warnings", "二、请核实（警告，{n} 处；如无误，请在批注副本中说明原因）", "#9C5700"))


def write_notice(pack, path: Path, district: str = DEFAULT_DISTRICT,
                 deadline: str | None = None) -> Path:
    """Write the notice of one ReturnPack (returns.py) to `path` (a new file)."""
    import xlsxwriter
    partial = path.with_name(f".{path.stem}.partial.xlsx")
    wb = xlsxwriter.Workbook(str(partial), {"default_format_properties":
                                            {"font_name": "宋体", "font_size": 10}})
    try:
        wb.set_properties({"title": f"{pack.unit}自评表问题通知单", "author": "xlsproc"})
        ws = wb.add_worksheet("问题通知单")
        fmt = _formats(wb)
        last = len(COLUMNS) - 1
        for c, (_, width) in enumerate(COLUMNS):
            ws.set_column(c, c, width)
        r = _head(ws, fmt, pack, last, deadline)
        for key, heading, _ in SECTIONS:
            problems = getattr(pack, key)
            if problems:
                r = _section(ws, fmt, r + 1, heading.format(n=len(problems)), fmt[key],
                             problems, last)
        bureau = "" if district == DEFAULT_DISTRICT else district     # no '全区财政局'
        ws.merge_range(r + 1, 0, r + 1, last, f"{bureau}财政局绩效科    "
                       f"{_dt.date.today():%Y年%m月%d日}", fmt["sign"])
        _print_setup(ws, r + 1, last, _height(ws, r + 1))
        from xlsproc.fileio import close_workbook
        close_workbook(wb)                   # disk full: an OSError, reported in Chinese
        os.replace(partial, path)
    finally:
        if partial.exists():
            partial.unlink()
    return path


def _formats(wb) -> dict:
    base = {"font_name": "宋体", "font_size": 10, "valign": "top", "text_wrap": True}
    add = wb.add_format
    return {
        "title": add({**base, "font_size": 16, "bold": True, "align": "center",
                      "valign": "vcenter"}),
        "text": add(base), "cell": add({**base, "border": 1}),
        "center": add({**base, "border": 1, "align": "center"}),
        "head": add({**base, "bold": True, "border": 1, "align": "center", "bg_color": "#D9E1F2"}),
        "sign": add({**base, "align": "right"}),
        **{key: add({**base, "bold": True, "font_size": 11, "font_color": colour})
           for key, _, colour in SECTIONS},
    }


def _head(ws, fmt, pack, last: int, deadline: str | None) -> int:
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, last, f"{pack.unit}：预算绩效自评表问题通知单", fmt["title"])
    files = "、".join(pack.files) or "（无批注副本）"
    when = f"于 {deadline} 前" if deadline else "尽快"
    text = (f"经审核，贵单位报送的自评表中有 {len(pack.errors)} 处必须修改、{len(pack.warnings)} 处"
            f"请核实。随附批注副本：{files}（问题单元格已标色并附批注）。请逐项修改或说明后，"
            f"{when}重新报送（可直接在批注副本上修改后报送）。")
    ws.set_row(1, 15 * max(2, -(-len(text) // 70)))
    ws.merge_range(1, 0, 1, last, text, fmt["text"])
    return 2


def _section(ws, fmt, r: int, heading: str, heading_fmt, problems, last: int) -> int:
    ws.merge_range(r, 0, r, last, heading, heading_fmt)
    r += 1
    for c, (name, _) in enumerate(COLUMNS):
        ws.write_string(r, c, name, fmt["head"])
    for n, p in enumerate(problems, 1):
        r += 1
        ws.write_number(r, 0, n, fmt["center"])
        ws.write_string(r, 1, p.file, fmt["cell"])
        ws.write_string(r, 2, p.sheet or "—", fmt["cell"])
        ws.write_string(r, 3, p.cell or "—", fmt["center"])
        ws.write_string(r, 4, p.title, fmt["cell"])
        ws.write_string(r, 5, p.what, fmt["cell"])
        ws.set_row(r, 14 * _lines(p))
    return r + 1


def _lines(p) -> int:
    """Rows a problem needs at 10 pt in the widths above (CJK counts double)."""
    def need(text: str, width: int) -> int:
        size = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
        return -(-size // max(width - 2, 1))
    return max(1, need(p.file, 26), need(p.sheet or "", 16), need(p.title, 18), need(p.what, 62))


# The rows' height (pt, as written) a landscape A4 page takes at 100 % — measured: LibreOffice prints
# a notice of 705 pt of rows at 83 % — and the smallest scale a notice may be shrunk to so as to fit
# on one page: below it (10 pt → under 7.5 pt) it keeps its size and runs onto more pages.
PAGE_HEIGHT = 585
MIN_SCALE = 0.75


def _height(ws, last_row: int) -> float:
    """The notice's height in pt, from the rows as written (xlsxwriter keeps them in pixels)."""
    return sum(ws.row_sizes[r][0] * 0.75 if r in ws.row_sizes else 15
               for r in range(last_row + 1))


def _print_setup(ws, last_row: int, last_col: int, height: float = 0) -> None:
    ws.set_paper(9)                                  # A4
    ws.set_landscape()
    if height <= PAGE_HEIGHT / MIN_SCALE:
        ws.fit_to_pages(1, 1)                        # one page per unit
    else:                                            # a long list: the page width, legible size
        ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.print_area(0, 0, last_row, last_col)
