"""Misreads found on real published tables (issue 11), one variation at a time on the standard
table of tests/builders.py; the whole tables in their image are tests/layouts_r4."""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

import xlsproc
from builders import Ind, Layout, build, standard_table


def _check(path: Path) -> dict:
    [entry] = xlsproc.check(path)
    assert entry["status"] == "ok", entry["error"]
    [ev] = entry["evaluations"]
    return ev


def _relabel(path: Path, old: str, new: str) -> Path:
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    [cell] = [c for row in ws.iter_rows() for c in row if c.value == old]
    cell.value = new
    wb.save(path)
    return path


def test_standard_table_is_in_wanyuan(tmp_path):
    ev = _check(build(standard_table(), Layout(), tmp_path / "t.xlsx"))
    assert ev["money_unit"] == "万元"
    assert ev["grade"] == "优" and ev["total_score"] == 97.5


@pytest.mark.parametrize("note, block", [
    ("金额单位：元", "项目资金"),                 # only the line above the table says it
    (None, "项目资金（元）"),                     # only the block label says it
    ("单位：万元", "项目资金（元）"),             # the block's own label wins over a page line
])
def test_money_in_yuan(tmp_path, note, block):
    table = standard_table(initial=1000000.0, annual=1000000.0, executed=1050000.0,
                           components=[("其中：当年财政拨款", 1000000.0, 1050000.0)],
                           reported_rate="105%", exec_score=10)
    path = _relabel(build(table, Layout(note=note), tmp_path / "t.xlsx"), "项目资金（万元）", block)
    ev = _check(path)
    assert ev["money_unit"] == "元"
    assert ev["budget"]["annual"] == 1000000.0          # scored as it stands: the rate is the same
    [over] = [f for f in ev["flags"] if f["code"] == "over-execution"]
    assert "1050000 元" in over["message"] and "万元" not in over["message"]


def test_reporting_unit_line_wins_over_supervisor(tmp_path):
    path = build(standard_table(unit="某县教育局"), Layout(note="部门：某县第二中学　　单位：元"),
                 tmp_path / "t.xlsx")
    ev = _check(_relabel(path, "项目资金（万元）", "项目资金"))
    assert (ev["unit"], ev["supervisor"]) == ("某县第二中学", "某县教育局")
    assert ev["money_unit"] == "元"


@pytest.mark.parametrize("title, kind", [("绩效目标自评表", "project"), ("2023年度绩效自评表", "project")])
def test_generic_title(tmp_path, title, kind):
    path = _relabel(build(standard_table(), Layout(), tmp_path / "t.xlsx"), "项目支出绩效自评表", title)
    ev = _check(path)
    assert (ev["title"], ev["kind"]) == (title, kind)


def _with_row(ind: Ind) -> list[Ind]:
    return standard_table().indicators + [ind]


@pytest.mark.parametrize("name", ["指标1:/", "指标1：", "生态效益", "/"])
@pytest.mark.parametrize("target, actual", [("/", "/"), ("—", "/"), ("/", None)])
def test_slash_rows_without_weight_are_no_indicators(tmp_path, name, target, actual):
    table = standard_table(indicators=_with_row(Ind("效益指标", "生态效益指标", name, target, actual, None)))
    ev = _check(build(table, Layout(), tmp_path / "t.xlsx"))
    assert len(ev["indicators"]) == 6
    assert not {"actual-missing", "placeholder-left"} & {f["code"] for f in ev["flags"]}
    assert (ev["total_score"], ev["grade"]) == (97.5, "优")


def test_slash_row_with_a_weight_still_counts(tmp_path):
    """With a 分值 the row is an indicator whose actual is missing (and the weights say 105)."""
    table = standard_table(indicators=_with_row(Ind("效益指标", "生态效益指标", "空气质量改善", "/", "/", 5)))
    ev = _check(build(table, Layout(), tmp_path / "t.xlsx"))
    codes = [f["code"] for f in ev["flags"]]
    assert len(ev["indicators"]) == 7 and "actual-missing" in codes and "weights-sum" in codes
    assert ev["grade"] is None and ev["total_score"] == 97.5


def test_actual_missing_is_the_one_root_cause(tmp_path):
    inds = standard_table().indicators
    inds[4] = Ind("效益指标", "可持续影响指标", "服务机制长效运行", "≥3年", None, 10, 10)
    ev = _check(build(standard_table(indicators=inds), Layout(), tmp_path / "t.xlsx"))
    row_flags = [f["code"] for f in ev["flags"] if f["indicator"] == "服务机制长效运行"]
    assert row_flags == ["actual-missing"]
    assert "total-mismatch" in [f["code"] for f in ev["flags"]]       # 97.5 reported, 87.5 computed
    assert ev["total_score"] == 87.5


def test_weights_of_110_keep_the_total_and_withhold_the_grade(tmp_path):
    inds = standard_table().indicators
    inds[0] = Ind("产出指标", "数量指标", "开展活动场次", "≥20场", "20场", 30, 30)
    ev = _check(build(standard_table(indicators=inds, total=107.5), Layout(), tmp_path / "t.xlsx"))
    assert ev["total_score"] == 107.5 and ev["grade"] is None
    assert "weights-sum" in [f["code"] for f in ev["flags"]]


def test_target_taken_from_the_name(tmp_path):
    inds = standard_table().indicators
    inds[0] = Ind("产出指标", "数量指标", "指标1:开展活动场次≥25场", None, "20场", 20, 16, "两场活动因天气取消")
    ev = _check(build(standard_table(indicators=inds, total=93.5), Layout(), tmp_path / "t.xlsx"))
    first = ev["indicators"][0]
    assert (first["kind"], first["completion"], first["score"]) == ("positive", 0.8, 16.0)
    assert "取指标名称中的“≥25场”为年度指标值" in first["formula"]
    assert first["target"] is None                                  # the cell, as written
    assert "score-mismatch" not in [f["code"] for f in ev["flags"]]


def test_initial_taken_from_components_and_zero_total_worded(tmp_path):
    table = standard_table(initial=0.0, components=[("其中：当年财政拨款", 100.0, 95.0)])
    ev = _check(build(table, Layout(), tmp_path / "t.xlsx"))
    assert ev["budget"]["initial"] == 100.0
    [flag] = [f for f in ev["flags"] if f["code"] == "fund-rows-sum"]
    assert "总额行为 0 而分项合计为 100 万元" in flag["message"] and "为空" not in flag["message"]


def test_withheld_grade_through_process_and_console(tmp_path):
    """null in results.json, 待定 in the console's check table and the batch summary."""
    from typer.testing import CliRunner

    from xlsproc.cli import app
    inds = standard_table().indicators
    inds[0] = Ind("产出指标", "数量指标", "开展活动场次", "≥20场", "20场", 30, 30)
    inbox = tmp_path / "in"
    inbox.mkdir()
    build(standard_table(indicators=inds, total=107.5), Layout(), inbox / "分值110.xlsx")
    runner = CliRunner()
    checked = runner.invoke(app, ["check", str(inbox / "分值110.xlsx")])
    assert checked.exit_code == 0 and "待定" in checked.output
    done = runner.invoke(app, ["process", str(inbox), "-o", str(tmp_path / "out"), "--jobs", "1"])
    assert done.exit_code == 0, done.output
    assert "待定 1" in done.output
    [entry] = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    assert [ev["grade"] for ev in entry["evaluations"]] == [None]


def test_a_bare_bumen_header_is_no_reporting_unit(tmp_path):
    """部门 as a column header above the table (a task list) names nothing; 部门： with a value does."""
    path = build(standard_table(unit="某县教育局"), Layout(row0=1), tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.active["A1"], wb.active["B1"], wb.active["C1"] = "部门", "任务名称", "金额"
    wb.save(path)
    assert _check(path)["unit"] == "某县教育局"
    wb.active["A1"], wb.active["B1"], wb.active["C1"] = "部门：", "某县第三中学", None
    wb.save(path)
    assert _check(path)["unit"] == "某县第三中学"


def test_report_states_the_tables_money_unit(tmp_path):
    from xlsproc import evaluate
    from xlsproc.write import report
    r4 = Path(__file__).parent / "layouts_r4"
    [yuan] = evaluate(r4 / "01_项目_县第一中学_元_等号变体_部门行.xlsx")
    [wan] = evaluate(r4 / "02_项目_县实验小学_指标性质列等号变体.xlsx")
    assert "全年预算数1286400元，实际执行数1268950.5元，执行率98.64%" in report.text(yuan)
    assert "全年预算数80万元，实际执行数78.4万元" in report.text(wan)
