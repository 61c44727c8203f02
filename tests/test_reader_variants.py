"""Layouts beyond the builder's: two-row headers, split cells, 合计/小计 rows, execution as a row."""
from __future__ import annotations

import openpyxl
import pytest

import xlsproc

FUNDS = [
    ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    [None, "年度资金总额", 50, 50, 45, 10, "90%", 9],
]


def _write(tmp_path, rows, merges=(), name="t.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目支出绩效自评表"
    for row in rows:
        ws.append(row)
    for m in merges:
        ws.merge_cells(m)
    path = tmp_path / name
    wb.save(path)
    return path


def _one(path):
    [entry] = xlsproc.check(path)
    assert entry["status"] == "ok", entry["error"]
    [ev] = entry["evaluations"]
    return ev


def test_two_row_header_with_vertical_merges(tmp_path):
    rows = [["项目支出绩效自评表"], ["项目名称：社区养老服务"], *FUNDS,
            ["绩效指标", None, None, "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
            ["一级指标", "二级指标", "三级指标"],
            ["产出指标", "数量指标", "服务老人数", "≥100人", "100人", 60, 60],
            ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 30, 30],
            ["总分", None, None, None, None, 100, 99]]
    merges = ["A5:C5", "D5:D6", "E5:E6", "F5:F6", "G5:G6", "H5:H6"]
    ev = _one(_write(tmp_path, rows, merges))
    assert ev["project"] == "社区养老服务"
    assert [i["name"] for i in ev["indicators"]] == ["服务老人数", "满意度"]
    assert [i["score"] for i in ev["indicators"]] == [60, 30]
    assert ev["total_score"] == 99


def test_target_split_under_a_merged_header(tmp_path):
    rows = [["项目支出绩效自评表"], *FUNDS,
            ["一级指标", "二级指标", "三级指标", "年度指标值", None, None, "实际完成值", "分值", "得分"],
            ["产出指标", "数量指标", "服务老人数", "≥", 100, "人", "80人", 90, 72]]
    ev = _one(_write(tmp_path, rows, ["D4:F4"]))
    [ind] = ev["indicators"]
    assert ind["target"] == "≥100人"
    assert ind["completion"] == pytest.approx(0.8)
    assert ind["score"] == 72


def test_subtotal_rows_ignored_and_heji_closes_the_table(tmp_path):
    rows = [["项目支出绩效自评表"], *FUNDS,
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
            ["产出指标", "数量指标", "服务老人数", "≥100人", "100人", 50, 50],
            ["产出指标", "小计", None, None, None, 50, 50],
            ["效益指标", "社会效益指标", "老人生活质量", "有效提升", "有效提升", 40, 40],
            ["合计", None, None, None, None, 100, 99],
            ["填表人：张三"]]
    ev = _one(_write(tmp_path, rows))
    assert [i["name"] for i in ev["indicators"]] == ["服务老人数", "老人生活质量"]
    assert (ev["reported_total"], ev["total_score"]) == (99, 99)
    assert not any(f["code"] == "weights-sum" for f in ev["flags"])


def test_execution_listed_as_an_indicator_row(tmp_path):
    funds = [["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数"],
             [None, "年度资金总额", 50, 50, 45]]
    rows = [["项目支出绩效自评表"], *funds,
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
            ["预算执行率", None, None, "100%", "90%", 10, 9],
            ["产出指标", "数量指标", "服务老人数", "≥100人", "100人", 60, 60],
            ["效益指标", "社会效益指标", "老人生活质量", "有效提升", "有效提升", 30, 30],
            ["总分", None, None, None, None, 100, 99]]
    ev = _one(_write(tmp_path, rows))
    assert [i["name"] for i in ev["indicators"]] == ["服务老人数", "老人生活质量"]
    assert (ev["budget"]["weight"], ev["budget"]["score"], ev["budget"]["reported_score"]) == (10, 9, 9)
    assert ev["total_score"] == 99
    assert not any(f["code"] in ("weights-sum", "score-missing") for f in ev["flags"])


def _department(tmp_path, project_executed: float):
    rows = [["部门整体支出绩效自评表"], ["部门名称", "某区文旅局"],
            ["部门预算资金（万元）", None, None, "年初预算数", "全年预算数", "实际执行数", "分值", "执行率", "得分"],
            [None, "年度资金总额", None, 100, 100, 98, 20, "98%", 19.6],
            [None, "按收入性质分", "一般公共预算", 90, 90, 88],
            [None, None, "单位资金", 10, 10, 10],
            [None, "按支出性质分", "基本支出", 60, 60, 60],
            [None, None, "项目支出", 40, 40, project_executed],
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
            ["产出指标", "数量指标", "演出场次", "≥100场", "120场", 80, 80],
            ["总分", None, None, None, None, 100, 99.6]]
    return _one(_write(tmp_path, rows, ["A3:A8", "B5:B6", "B7:B8"]))


def test_department_funds_in_two_groups_each_adding_up(tmp_path):
    ev = _department(tmp_path, project_executed=38)
    assert ev["kind"] == "department" and ev["unit"] == "某区文旅局"
    assert ev["budget"]["score"] == 19.6
    assert not any(f["code"] == "fund-rows-sum" for f in ev["flags"])


def test_group_that_does_not_add_up_is_flagged(tmp_path):
    ev = _department(tmp_path, project_executed=30)
    sums = [f for f in ev["flags"] if f["code"] == "fund-rows-sum"]
    assert [f["cell"] for f in sums] == ["F4"]
    assert "分项合计 90" in sums[0]["message"]
