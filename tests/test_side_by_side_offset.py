"""Two tables side by side whose indicator headers stand at different heights (helper "periods",
2026-12-05): the right one's title had a line more, its header 1–5 rows lower (or the left one's).
Before, the sheet was read as one table: the second was silently dropped (2 rows lower), or the
two were mixed into wrong totals (1, 3, 5 rows: 98 for 项目甲, a table with no 项目名称 and
weights-sum). Each is now read in its own columns, with its own cell addresses.
"""
from __future__ import annotations

import openpyxl
import pytest

from test_unseen_layouts_r5 import (FUNDS_HEADER, IND_HEADER, INDICATORS, _assert_standard, _check,
                                    _funds, _head, _indicators, _put, _save, paste_project_table)


def _side_by_side(tmp_path, left_down: int, right_down: int):
    wb = openpyxl.Workbook()
    for shift, down, name, executed in ((0, left_down, "项目甲", 95), (10, right_down, "项目乙", 80)):
        paste_project_table(wb.active, down, shift, name, executed)
    return _check(_save(wb, tmp_path, "左右两表错行.xlsx"))


@pytest.mark.parametrize("left_down, right_down", [(0, 1), (0, 2), (0, 3), (0, 5), (2, 0), (5, 0)])
def test_two_tables_side_by_side_at_different_heights(tmp_path, left_down, right_down):
    evs = _side_by_side(tmp_path, left_down, right_down)
    assert [e["project"] for e in evs] == ["项目甲", "项目乙"]
    assert [e["budget"]["score"] for e in evs] == [9.5, 8]
    assert [e["total_score"] for e in evs] == [99.5, 98]
    assert evs[0]["indicators"][0]["cells"]["target"] == f"E{6 + left_down}"
    assert evs[1]["indicators"][0]["cells"]["target"] == f"O{6 + right_down}"
    assert [f["code"] for f in evs[0]["flags"]] == []
    assert [(f["code"], f["cell"]) for f in evs[1]["flags"]] == [("low-execution-rate", f"Q{4 + right_down}")]


@pytest.mark.parametrize("header", [IND_HEADER + [None, None, "备注"],
                                    IND_HEADER[:-1] + [None, None, None, "偏差原因分析及改进措施"]])
def test_notes_and_a_legend_right_of_one_table_are_no_second_table(tmp_path, header):
    """偏差原因 then 备注 far right (or 偏差原因 itself, past blank columns), and lower down at the
    right a legend naming 三级指标 | 年度指标值 | 实际完成值 (no 分值, no 得分): one table."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _put(ws, _funds(ws, _head(ws)), header)
    top = r
    for row in INDICATORS:
        r = _put(ws, r, [None, *row, None, None, None, "已完成"])
    _put(ws, r, ["总分", None, None, None, None, None, 100, 99.5])
    for n, line in enumerate([["填表示例"], ["三级指标", "年度指标值", "实际完成值", "说明"],
                              ["培训人次", "≥100人次", "105人次", "按台账"]]):
        for c, v in enumerate(line):
            ws.cell(top + n, 15 + c, v)
    [ev] = _check(_save(wb, tmp_path, "右侧备注.xlsx"))
    _assert_standard(ev)


@pytest.mark.parametrize("downs", [(0, 2, 4), (3, 0, 1), (0, 0, 3)])
def test_three_tables_side_by_side_at_different_heights(tmp_path, downs):
    wb = openpyxl.Workbook()
    for n, (down, name, executed) in enumerate(zip(downs, ("项目甲", "项目乙", "项目丙"), (95, 80, 90))):
        paste_project_table(wb.active, down, 10 * n, name, executed)
    evs = _check(_save(wb, tmp_path, "三表错行.xlsx"))
    assert [e["project"] for e in evs] == ["项目甲", "项目乙", "项目丙"]
    assert [e["total_score"] for e in evs] == [99.5, 98, 99]
    assert [e["indicators"][0]["cells"]["target"] for e in evs] == [f"{col}{6 + d}" for col, d in zip("EOY", downs)]


def test_a_lower_neighbour_of_another_form(tmp_path):
    """The right table in a form of its own (三级指标 | 分值 | 年度指标值 | 度量单位 | 实际完成值 |
    得分), its header two rows lower."""
    wb = openpyxl.Workbook()
    ws = wb.active
    _indicators(ws, _funds(ws, _head(ws)))
    r = _put(ws, 1, [None] * 10 + ["项目支出绩效自评表"])
    r = _put(ws, r, [None] * 10 + ["（2024年度）"])
    r = _put(ws, r, [None] * 10 + ["填报日期：2025年1月"])
    r = _put(ws, r, [None] * 10 + ["项目名称", "社区养老服务项目"])
    r = _put(ws, r, [None] * 10 + ["主管部门", "某区民政局"])
    r = _put(ws, r, [None] * 10 + ["（单位：万元）"])
    r = _put(ws, r, [None] * 10 + FUNDS_HEADER)
    r = _put(ws, r, [None] * 10 + [None, "年度资金总额", 50, 50, 50, 10, "100%", 10])
    r = _put(ws, r, [None] * 10 + ["二、绩效指标完成情况"])
    r = _put(ws, r, [None] * 10 + ["一级指标", "三级指标", "分值", "年度指标值", "度量单位", "实际完成值", "得分"])
    assert r == 11                      # its header in row 10, the left one's in row 8
    for row in (("产出指标", "服务人次", 45, "≥1000", "人次", 1200, 45),
                ("效益指标", "服务覆盖率", 45, "≥90%", None, "95%", 45)):
        r = _put(ws, r, [None] * 10 + list(row))
    _put(ws, r, [None] * 10 + ["总分", None, 100, None, None, None, 100])
    evs = _check(_save(wb, tmp_path, "右表另一格式.xlsx"))
    assert [e["project"] for e in evs] == ["职业技能培训项目", "社区养老服务项目"]
    _assert_standard(evs[0])
    assert [i["score"] for i in evs[1]["indicators"]] == [45, 45]
    assert evs[1]["indicators"][0]["cells"]["target"] == "N11" and evs[1]["total_score"] == 100


@pytest.mark.parametrize("merged_title", [False, True])
@pytest.mark.parametrize("down", [1, 3, 5])
@pytest.mark.parametrize("header", [["三级指标", "年度指标值", "实际完成值", "分值"],
                                    ["一级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]])
def test_a_filled_in_example_right_of_one_table_is_no_second_table(tmp_path, down, header, merged_title):
    """Review (helper "review-periods"): a 填表示例 box right of a single table, its header a few
    rows below the table's, with 分值 and one example row of 10 points: read as a second table
    (no 项目名称, weights-sum, budget-missing, a 10-point project in the district) since the
    side-by-side rule; one table before it. A table of its own names itself above its header (the
    title merged across the whole sheet, from A1, is the left table's)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    top = _funds(ws, _head(ws))         # the indicator header's row
    _indicators(ws, top)
    if merged_title:
        ws.merge_cells("A1:P1")
    example = ["产出指标", "培训人次", "≥100人次", "105人次", 10, 10] if header[0] == "一级指标" else \
        ["培训人次", "≥100人次", "105人次", 10]
    for n, line in enumerate([["填表示例"], header, example]):
        for c, v in enumerate(line):
            ws.cell(top + down - 1 + n, 12 + c, v)
    [ev] = _check(_save(wb, tmp_path, "右侧示例.xlsx"))
    _assert_standard(ev)
