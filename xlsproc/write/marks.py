"""What xlsproc writes into an annotated copy, and recognises when that copy comes back.

An officer who ran the pre-check may submit the annotated copy itself. Its 审核结果 sheet lists
the blank cells xlsproc filled with computed values (FILLED_HEAD, then one row per cell); when
such a workbook is read again, those cells still holding the value xlsproc wrote are known to be
ours, not the officer's, and the bureau is told so (flag filled-by-xlsproc).
"""
from __future__ import annotations

REVIEW_SHEET = "审核结果"
REPORT_SHEET = "自评报告"
FILLED_TITLE = "xlsproc 代填的单元格（原为空白，已填入计算值；请核实后保留或改为您核定的值）"
FILLED_HEAD = ["xlsproc代填", "工作表", "单元格", "填入值", "指标", "算式"]


def filled_cells(rows) -> dict[tuple[str, str], object]:
    """{(sheet, cell): value written} from a 审核结果 sheet's rows (values as read), or {}."""
    found: dict[tuple[str, str], object] = {}
    inside = False
    for row in rows:
        cells = [c.strip() if isinstance(c, str) else c for c in row[:len(FILLED_HEAD)]]
        if cells[:3] == FILLED_HEAD[:3]:
            inside = True
            continue
        if inside:
            if len(cells) < 4 or cells[0] != FILLED_HEAD[0] or not cells[1] or not cells[2]:
                break
            found[(str(cells[1]), str(cells[2]))] = cells[3]
    return found
