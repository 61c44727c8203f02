"""Adversarial review of the reader/scoring widening of 2026-12-05 (tests/test_unseen_layouts_r5.py):
where a new rule fired where it should not. Each workbook is built here; figures by hand."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import xlsproc
from xlsproc.rules import load_rules
from test_unseen_layouts_r5 import (FUNDS_HEADER, IND_HEADER, INDICATORS, _assert_standard, _check,
                                    _funds, _head, _indicators, _put, _save)


def _fourth(tmp_path: Path, row: tuple, name: str = "第四项.xlsx") -> tuple[dict, dict]:
    """The standard table with its fourth indicator (10 points) replaced: (that row, the table)."""
    wb = openpyxl.Workbook()
    _indicators(wb.active, _funds(wb.active, _head(wb.active)), [*INDICATORS[:3], row], total=None)
    [ev] = _check(_save(wb, tmp_path, name))
    return ev["indicators"][3], ev


@pytest.mark.parametrize("actual", ["无不达标情况", "没有未按时完成的任务", "不存在未落实情况",
                                    "未发现未完成事项", "不存在延期完成情况", "均及时处置，无未及时处置情况",
                                    "没有出现未按时完成的情况", "无任何不达标项目"])
def test_a_denied_shortfall_is_met(tmp_path, actual):
    """'无不达标情况' says nothing fell short: 达成 with full marks. The new words (不达标, 未按时,
    未落实, 延期完成, 未及时) made these 未达成 at 5.99 of 10 (they were 达成 before)."""
    ind, _ = _fourth(tmp_path, ("效益指标", "社会效益指标", "任务落实", "按期完成", actual, 10, 10))
    assert (ind["kind"], ind["grade"], ind["score"]) == ("qualitative", "达成", 10)


@pytest.mark.parametrize("actual, grade", [("未按时完成", "未达成"), ("部分完成，未全部完成", "部分达成"),
                                           ("无法律纠纷，但未按期完成", "未达成"), ("无法按期完成", "未达成"),
                                           ("因疫情无法完成", "未达成"), ("不能按时交付", "未达成"),
                                           ("无法律纠纷", "达成")])
def test_a_shortfall_said_is_still_heard(tmp_path, actual, grade):
    ind, _ = _fourth(tmp_path, ("效益指标", "社会效益指标", "任务落实", "按期完成", actual, 10, 10))
    assert ind["grade"] == grade


def test_an_older_rules_profile_without_negation_words_still_loads(tmp_path):
    from xlsproc.rules import _default_text
    text = _default_text()
    start = text.index("# A word right after one of these")
    end = text.index("]\n", text.index("negation_words")) + 2
    path = tmp_path / "old.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert "negation_words" not in path.read_text(encoding="utf-8")
    assert load_rules(path)["qualitative"]["negation_words"] == load_rules()["qualitative"]["negation_words"]


@pytest.mark.parametrize("target, actual, score", [("≥0.5", "0.6%", 10), ("≥0.8", "85%", 10),
                                                   ("≥0.95", "90%", 9.47), ("≥0.8", "0.85", 10)])
def test_bare_fraction_target_only_against_a_real_percentage(tmp_path, target, actual, score):
    """增长率 ≥0.5 | 0.6%: both are percent already (it was read as 50 %: 0.12 of 10). A bare
    fraction beside a percentage above 1.5 % is read in percent, as before."""
    ind, _ = _fourth(tmp_path, ("效益指标", "社会效益指标", "增长率", target, actual, 10, None))
    assert ind["score"] == score


def test_compound_actual_without_the_targets_unit_is_no_percentage(tmp_path):
    """'合格980批次（共1000批次）' against ≥95%: no quantity in % — it was read as 980 % (full marks
    with an over-completion warning); it is scored as before (0, unit-mismatch)."""
    ind, ev = _fourth(tmp_path, ("效益指标", "社会效益指标", "合格率", "≥95%", "合格980批次（共1000批次）", 10, 10))
    assert ind["score"] == 0
    codes = {f["code"] for f in ev["flags"]}
    assert "unit-mismatch" in codes and "over-completion" not in codes


@pytest.mark.parametrize("actual, score", [("98%（1000批次中980批次）", 10), ("98（抽检1000批次）", 10),
                                           ("0.6吨（其中有机肥0.2吨）", 10)])
def test_compound_actual_with_a_quantity_in_the_targets_measure(tmp_path, actual, score):
    target = "≥500千克" if "吨" in actual else "≥95%"
    ind, _ = _fourth(tmp_path, ("效益指标", "社会效益指标", "合格率", target, actual, 10, 10))
    assert ind["score"] == score


def test_filled_table_under_a_fill_in_note_is_read(tmp_path):
    """A sheet of indicators only (no money block, 项目名称 or 总分) under a line
    '填表说明：…' is the officer's table: it was dropped (no-evaluation-found)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _put(ws, 1, ["部门整体支出绩效自评表"])
    r = _put(ws, r, ["填表说明：请按实际完成情况填写，定性指标填写达成情况。"])
    _put(ws, r, IND_HEADER)
    for k, row in enumerate(INDICATORS):
        _put(ws, r + 1 + k, [None, *row])
    [entry] = xlsproc.check(_save(wb, tmp_path, "只有指标.xlsx"))
    assert entry["status"] == "ok", entry["error"]
    [ev] = entry["evaluations"]
    assert [i["score"] for i in ev["indicators"]] == [30, 20, 30, 10]


def test_execution_row_whose_name_spells_the_rate_out(tmp_path):
    """预算执行情况 | 预算执行率 | 全年执行数/全年预算数 | 100% | 95% | 10 | 9.5: the execution row
    (it was read as a fifth indicator: weights 110, total 109)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _put(ws, _head(ws), FUNDS_HEADER[:5])
    r = _put(ws, r, [None, "年度资金总额", 100, 100, 95])
    r = _put(ws, r, IND_HEADER)
    r = _put(ws, r, [None, "预算执行情况", "预算执行率", "全年执行数/全年预算数", "100%", "95%", 10, 9.5])
    _indicators(ws, r, header=None)
    [ev] = _check(_save(wb, tmp_path, "执行率公式.xlsx"))
    _assert_standard(ev)
    assert "weights-sum" not in {f["code"] for f in ev["flags"]}


def test_explanation_columns_right_of_the_table_are_no_second_table(tmp_path):
    """指标名称 | 指标值说明 | 完成值说明 right of the table (no 分值, no 得分): notes on each row,
    not a table side by side (it was read as a second table with budget-missing and
    weight-column-missing errors that would send the file back)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _put(ws, _funds(ws, _head(ws)), IND_HEADER + [None, "指标名称", "指标值说明", "完成值说明"])
    for row in INDICATORS:
        r = _put(ws, r, [None, *row, None, None, row[2], "按年初计划", "按统计台账"])
    _put(ws, r, ["总分", None, None, None, None, None, 100, 99.5])
    [ev] = _check(_save(wb, tmp_path, "右侧说明.xlsx"))
    _assert_standard(ev)


@pytest.mark.parametrize("name", ["综合评分", "总评分", "合计"])
def test_indicator_named_like_a_total_row(tmp_path, name):
    """满意度 | 综合评分 | ≥90分 | 92分 | 10: an indicator with its target and actual typed in, not
    the 总分 row (综合评分 / 总评分 became total words: the indicator and the real 总分 were lost)."""
    ind, ev = _fourth(tmp_path, ("满意度指标", "服务对象满意度指标", name, "≥90分", "92分", 10, 10))
    assert (ind["name"], ind["score"]) == (name, 10)
    assert ev["total_score"] == 99.5 and "weights-sum" not in {f["code"] for f in ev["flags"]}


@pytest.mark.parametrize("merged", [True, False])
def test_total_row_merged_over_the_target_and_actual_still_ends_the_table(tmp_path, merged):
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _put(ws, _funds(ws, _head(ws)), IND_HEADER)
    for row in INDICATORS:
        r = _put(ws, r, [None, *row])
    _put(ws, r, ["总分", None, None, None, "/", "/", 100, 99.5] if not merged else ["总分", None, None, None, None, None, 100, 99.5])
    if merged:
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
    _put(ws, r + 1, [None, "产出指标", "数量指标", "备用", "≥1个", "1个", 5, 5])
    [ev] = _check(_save(wb, tmp_path, "总分合并.xlsx"))
    _assert_standard(ev)


def _stacked(ws, title_between: bool) -> None:
    """A first table of indicators only (no money block, no 总分), then a second full table below."""
    r = _put(ws, 1, ["项目支出绩效自评表"])
    r = _put(ws, r, ["项目名称", "第一个项目"])
    r = _put(ws, r, IND_HEADER)
    for row in INDICATORS:
        r = _put(ws, r, [None, *row])
    r += 1
    if title_between:
        r = _put(ws, r, ["项目支出绩效自评表"])
        r = _put(ws, r, ["项目名称", "第二个项目"])
    r = _put(ws, r, FUNDS_HEADER)
    r = _put(ws, r, [None, "年度资金总额", 50, 50, 40, 10, "80%", 8])
    r = _put(ws, r, IND_HEADER)
    for row in INDICATORS:
        r = _put(ws, r, [None, *row])
    _put(ws, r, ["总分", None, None, None, None, None, 100, 98])


@pytest.mark.parametrize("title_between", [True, False])
def test_money_block_of_the_next_table_is_not_taken_from_below(tmp_path, title_between):
    """The second table's money block (under its title and 项目名称, or straight above its own
    indicator header) is not the first table's 'money block below the indicators': the first
    table took 50 / 40 and the second table's 总分, and the second table vanished."""
    wb = openpyxl.Workbook()
    _stacked(wb.active, title_between)
    first, second = _check(_save(wb, tmp_path, "上下两表.xlsx"))
    assert first["budget"] is None or first["budget"]["annual"] is None
    assert "budget-missing" in {f["code"] for f in first["flags"]}
    assert first["total_score"] == 90
    b = second["budget"]
    assert (b["annual"], b["executed"], b["score"]) == (50, 40, 8)
    assert second["total_score"] == 98 and second["reported_total"] == 98
    if title_between:
        assert (first["project"], second["project"]) == ("第一个项目", "第二个项目")


def test_own_money_block_below_before_a_titled_next_table(tmp_path):
    """Money below the first table's indicators (no 总分), then a second table under its title:
    each keeps its own money."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _put(ws, _head(ws), IND_HEADER)
    for row in INDICATORS:
        r = _put(ws, r, [None, *row])
    r = _put(ws, r, FUNDS_HEADER)
    r = _put(ws, r, [None, "年度资金总额", 100, 100, 95, 10, "95%", 9.5]) + 1
    r = _put(ws, r, ["项目支出绩效自评表"])
    r = _put(ws, r, ["项目名称", "第二个项目"])
    r = _put(ws, r, FUNDS_HEADER)
    _indicators(ws, _put(ws, r, [None, "年度资金总额", 50, 50, 40, 10, "80%", 8]), total=98)
    first, second = _check(_save(wb, tmp_path, "下方资金.xlsx"))
    assert (first["budget"]["annual"], first["budget"]["score"], first["total_score"]) == (100, 9.5, 99.5)
    assert (second["budget"]["annual"], second["budget"]["score"], second["total_score"]) == (50, 8, 98)
    assert second["project"] == "第二个项目"


@pytest.mark.parametrize("mark", ["—", "/", "-", "产出指标小计"])
def test_subtotal_row_with_a_mark_in_the_name_column(tmp_path, mark):
    """产出指标 | 小计 | — | — | — | 50 | 50: a subtotal row (it became an indicator of 50 points
    once a named row was taken for what its name says: weights 150, actual-missing)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _put(ws, _funds(ws, _head(ws)), IND_HEADER)
    for row in INDICATORS[:2]:
        r = _put(ws, r, [None, *row])
    r = _put(ws, r, [None, "产出指标", "小计", mark, "—", "—", 50, 50])
    _indicators(ws, r, INDICATORS[2:], header=None)
    [ev] = _check(_save(wb, tmp_path, "小计.xlsx"))
    _assert_standard(ev)
    assert not {f["code"] for f in ev["flags"]}


@pytest.mark.parametrize("mark", ["—", "/"])
def test_execution_row_with_a_mark_in_the_name_column(tmp_path, mark):
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _put(ws, _head(ws), FUNDS_HEADER[:5])
    r = _put(ws, r, [None, "年度资金总额", 100, 100, 95])
    r = _put(ws, r, IND_HEADER)
    r = _put(ws, r, [None, "预算执行情况", "预算执行率", mark, "100%", "95%", 10, 9.5])
    _indicators(ws, r, header=None)
    [ev] = _check(_save(wb, tmp_path, "执行率横线.xlsx"))
    _assert_standard(ev)
    assert "weights-sum" not in {f["code"] for f in ev["flags"]}


@pytest.mark.parametrize("target, actual, late", [
    ("9月启动，12月底前完成", "12月20日完成", False),
    ("2024年9月-12月", "12月完成", False),
    ("9月启动，10月底前完成", "2024年11月5日完成", True),
    ("2024年8月31日前", "2024年10月15日完成", True)])
def test_time_limit_is_the_latest_date_of_the_target(tmp_path, target, actual, late):
    """'9月启动，12月底前完成' has its time limit at 12-31, not at 9-30: done on 12-20 is on time
    (it drew a finished-late warning)."""
    _, ev = _fourth(tmp_path, ("效益指标", "社会效益指标", "按期完成", target, actual, 10, 10))
    assert ("finished-late" in {f["code"] for f in ev["flags"]}) is late


@pytest.mark.parametrize("target, actual, score", [
    ("≥100人", "完成率95%（计划100人，实际95人）", 9.5),     # the plan was read as the actual: full marks
    ("≥100人", "共100人，其中实际到场95人", 9.5),
    ("≥100人", "100人（实际完成95人）", 9.5),
    ("≥10个", "10个（其中新建3个）", 10),                   # 其中 names a part of it, not the actual
])
def test_several_quantities_in_the_targets_unit_the_words_say_which_is_the_actual(
        tmp_path, target, actual, score):
    """An actual naming the plan and what was achieved in the target's unit: the one marked 实际
    (values.toml [several_quantities]) is scored — the first of them was taken, the plan."""
    ind, _ = _fourth(tmp_path, ("产出指标", "数量指标", "培训人数", target, actual, 10, None))
    assert ind["score"] == score


def test_several_quantities_the_words_do_not_tell_apart_are_no_one_number(tmp_path):
    """'1000批次中980批次' against ≥1000批次: nothing says which is the actual — not full marks
    for the 1000 that came first; the check says the actual is not one number."""
    ind, ev = _fourth(tmp_path, ("产出指标", "数量指标", "抽检批次", "≥1000批次", "1000批次中980批次", 10, None))
    assert ind["score"] != 10
    [flag] = [f for f in ev["flags"] if f["code"] == "actual-several"]
    assert flag["cell"] == "F12" and "1000批次中980批次" in flag["message"]
