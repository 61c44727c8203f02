"""Round 5 of unseen layouts: what a district finance bureau receives from many departments, each
workbook built here in the image of a real variant, with the figures computed by hand.

Each test is the minimal reproducer of a misreading found by building ~20 new layouts
(helper "layouts", 2026-12-05): a two-row header whose 年度指标值 stands only in the upper row,
headers carrying their formula in brackets (得分（B/A×分值）), a 填表说明 sheet with an example
header, 无/无 for "no accidents", the money block written as label–value pairs (in one row or
down one column), a bare fraction target (0.05) beside a percentage actual (3%), and the header
synonyms 实际完成指标值 / 年度绩效指标值.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import xlsproc

IND_HEADER = ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
              "偏差原因分析及改进措施"]
# (一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分): 90 points, all met
INDICATORS = [("产出指标", "数量指标", "培训人次", "≥120人次", "120人次", 30, 30),
              ("产出指标", "质量指标", "培训合格率", "≥95%", "98%", 20, 20),
              ("效益指标", "社会效益指标", "就业率", "≥60%", "66%", 30, 30),
              ("满意度指标", "服务对象满意度指标", "学员满意度", "≥90%", "93%", 10, 10)]
FUNDS_HEADER = ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]


def _put(ws, r: int, values) -> int:
    for c, v in enumerate(values, start=1):
        if v is not None:
            ws.cell(r, c, v)
    return r + 1


def _head(ws) -> int:
    r = _put(ws, 1, ["项目支出绩效自评表"])
    r = _put(ws, r, ["（2024年度）"])
    r = _put(ws, r, ["项目名称", "职业技能培训项目"])
    return _put(ws, r, ["主管部门", "某区人社局", None, None, None, "实施单位", "某区就业服务中心"])


def _funds(ws, r: int, header=FUNDS_HEADER) -> int:
    r = _put(ws, r, header)
    r = _put(ws, r, [None, "年度资金总额", 100, 100, 95, 10, "95%", 9.5])
    return _put(ws, r, [None, "其中：当年财政拨款", 100, 100, 95])


def _indicators(ws, r: int, rows=INDICATORS, header=IND_HEADER, total=99.5) -> int:
    if header:
        r = _put(ws, r, header)
    for row in rows:
        r = _put(ws, r, [None, *row])
    return _put(ws, r, ["总分", None, None, None, None, None, 100, total])


def _check(path: Path) -> list[dict]:
    [entry] = xlsproc.check(path)
    assert entry["status"] == "ok", entry["error"]
    return entry["evaluations"]


def _assert_standard(ev: dict, total: float = 99.5) -> None:
    b = ev["budget"]
    assert (b["annual"], b["executed"], b["weight"], b["score"]) == (100, 95, 10, 9.5)
    assert [i["score"] for i in ev["indicators"]] == [30, 20, 30, 10]
    assert ev["total_score"] == total and ev["grade"] == "优"


def _save(wb, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    wb.save(path)
    return path


def test_two_row_header_with_target_only_in_upper_row(tmp_path):
    """绩效指标 merged over the level columns above 一级|二级|三级, while 年度指标值, 实际完成值,
    分值, 得分 stand in the upper row only (not merged down): was "no evaluation found"."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _funds(ws, _head(ws))
    _put(ws, r, ["绩效指标", None, None, None, "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"])
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
    r = _put(ws, r + 1, [None, "一级指标", "二级指标", "三级指标"])
    _indicators(ws, r, header=None)
    [ev] = _check(_save(wb, tmp_path, "两行表头.xlsx"))
    _assert_standard(ev)
    assert ev["indicators"][0]["cells"]["target"] == "E10"


def test_header_with_formula_in_brackets(tmp_path):
    """得分（B/A×分值）, 得分（执行率×分值）: the word before the bracket names the column (it was
    taken for 分值, the score column was lost: every reported score read as blank)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    header = [*FUNDS_HEADER[:6], "执行率（B/A）", "得分（执行率×分值）"]
    r = _funds(ws, _head(ws), header)
    rows = [INDICATORS[0][:4] + ("110人次", 30, 30), *INDICATORS[1:]]
    _indicators(ws, r, rows, [*IND_HEADER[:7], "得分（B/A×分值）", IND_HEADER[8]])
    [ev] = _check(_save(wb, tmp_path, "表头括号.xlsx"))
    codes = [f["code"] for f in ev["flags"]]
    assert "score-missing" not in codes
    assert ev["budget"]["reported_score"] == 9.5
    assert ev["indicators"][0]["reported_score"] == 30 and ev["indicators"][0]["score"] == 27.5
    assert ev["reported_total"] == 99.5 and ev["total_score"] == 97
    assert {"score-mismatch", "total-mismatch"} <= set(codes)


def test_instructions_sheet_with_example_header_is_no_table(tmp_path):
    """A 填表说明 sheet showing the header row with an example line is not a sixth table
    (it was read as one, with two errors that would send the department's file back)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目支出绩效自评表"
    _indicators(ws, _funds(ws, _head(ws)))
    notes = wb.create_sheet("填表说明")
    _put(notes, 1, ["填表说明"])
    _put(notes, 2, ["1. 金额单位为万元；各栏填写示例如下："])
    _put(notes, 3, ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值"])
    _put(notes, 4, ["产出指标", "数量指标", "（例）培训人次", "≥100人次", "（填写实际数）", "（按重要程度）"])
    evs = _check(_save(wb, tmp_path, "带填表说明.xlsx"))
    assert [e["sheet"] for e in evs] == ["项目支出绩效自评表"]
    _assert_standard(evs[0])


def test_instructions_sheet_alone_is_refused_cleanly(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "填报示例"
    _put(ws, 1, ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值"])
    _put(ws, 2, ["产出指标", "数量指标", "（例）培训人次", "≥100人次", "（填写实际数）", "（按重要程度）"])
    [entry] = xlsproc.check(_save(wb, tmp_path, "示例.xlsx"))
    assert entry["status"] == "error" and entry["error"]["code"] == "no-evaluation-found"


@pytest.mark.parametrize("target, actual", [("无", "无"), ("0起", "无"), ("无重大安全事故", "无"),
                                            ("≤0起", "没有")])
def test_nothing_happened_is_met(tmp_path, target, actual):
    """无 | 无 for 重大安全事故: the officer says none happened, as asked; it was 'actual missing'
    (an error) and 0 points."""
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [*INDICATORS[:2], ("效益指标", "社会效益指标", "重大安全事故", target, actual, 30, 30), INDICATORS[3]]
    _indicators(ws, _funds(ws, _head(ws)), rows)
    [ev] = _check(_save(wb, tmp_path, "无事故.xlsx"))
    _assert_standard(ev)
    codes = {f["code"] for f in ev["flags"]}
    assert not codes & {"actual-missing", "actual-not-numeric", "deviation-reason-missing", "score-mismatch"}


def test_nothing_as_actual_of_a_positive_target_stays_missing(tmp_path):
    """无 against ≥120人次 is no 'nothing happened as asked': it stays actual-missing, 0 points."""
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [INDICATORS[0][:4] + ("无", 30, 30), *INDICATORS[1:]]
    _indicators(ws, _funds(ws, _head(ws)), rows)
    [ev] = _check(_save(wb, tmp_path, "无.xlsx"))
    assert ev["indicators"][0]["score"] == 0
    assert "actual-missing" in {f["code"] for f in ev["flags"]}


def test_funds_as_label_value_pairs_in_one_row(tmp_path):
    """项目资金 | 全年预算数（万元） | 100 | 全年执行数（万元） | 95 | 执行率 | 95% | 得分 | 9.5 — a
    compact form: was budget-missing ('全年预算数为空') and 0 execution points."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _put(ws, _head(ws), ["项目资金", "全年预算数（万元）", 100, "全年执行数（万元）", 95, "执行率", "95%",
                             "得分", 9.5])
    _indicators(ws, r)
    [ev] = _check(_save(wb, tmp_path, "一行资金.xlsx"))
    _assert_standard(ev)
    assert ev["budget"]["reported_score"] == 9.5
    assert not {f["code"] for f in ev["flags"]}


def test_funds_written_down_one_column(tmp_path):
    """年初预算数 / 全年预算数 / 全年执行数 / 执行率 / 分值 / 得分 one under another, each with its
    amount to the right: was budget-missing and 0 execution points."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _head(ws)
    for label, value in (("年初预算数", 100), ("全年预算数", 100), ("全年执行数", 95), ("执行率", "95%"),
                         ("分值", 10), ("得分", 9.5)):
        r = _put(ws, r, ["项目资金（万元）" if label == "年初预算数" else None, label, value])
    _indicators(ws, r)
    [ev] = _check(_save(wb, tmp_path, "竖排资金.xlsx"))
    _assert_standard(ev)
    assert ev["budget"]["initial"] == 100
    assert not {f["code"] for f in ev["flags"]}


def test_funds_pairs_do_not_replace_a_real_block(tmp_path):
    """A 合计 line of label–value pairs below a real money block changes nothing."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _funds(ws, _head(ws))
    r = _put(ws, r, ["备注", "全年预算数", 999, "全年执行数", 1])
    _indicators(ws, r)
    [ev] = _check(_save(wb, tmp_path, "资金加备注.xlsx"))
    _assert_standard(ev)


def test_fraction_target_against_percentage_actual(tmp_path):
    """指标性质 ≤ | 指标值 0.05 (a bare fraction) | 完成值 3%: the target is 5 % (it was scored
    0.05 ÷ 3 × 20 = 0.33); ≥ 0.95 against 98% is no 'over-completion 103 times'."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _funds(ws, _head(ws))
    r = _put(ws, r, ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "完成值", "分值",
                     "得分"])
    for row in [("产出指标", "数量指标", "抽检批次", "≥", 500, "520批次", 30, 30),
                ("产出指标", "质量指标", "检测差错率", "≤", 0.05, "3%", 20, 20),
                ("效益指标", "社会效益指标", "抽检合格率", "≥", 0.95, "98%", 30, 30),
                ("满意度指标", "服务对象满意度指标", "企业满意度", "≥", 0.9, "92%", 10, 10)]:
        r = _put(ws, r, [None, *row])
    _put(ws, r, ["总分", None, None, None, None, None, None, 100, 99.5])
    [ev] = _check(_save(wb, tmp_path, "小数指标值.xlsx"))
    _assert_standard(ev)
    assert [i["kind"] for i in ev["indicators"]] == ["positive", "reverse", "positive", "positive"]
    assert "5%" in ev["indicators"][1]["formula"]
    assert not {f["code"] for f in ev["flags"]}


def test_fraction_target_and_fraction_actual_unchanged(tmp_path):
    """0.05 against 0.03 (both fractions) is read as written."""
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [INDICATORS[0], ("产出指标", "质量指标", "检测差错率", "≤0.05", "0.08", 20, 12.5), *INDICATORS[2:]]
    _indicators(ws, _funds(ws, _head(ws)), rows, total=92)
    [ev] = _check(_save(wb, tmp_path, "小数对小数.xlsx"))
    assert ev["indicators"][1]["score"] == 12.5


@pytest.mark.parametrize("target, actual", [("年度绩效指标值", "实际完成指标值"), ("绩效指标值", "实际完成值")])
def test_header_synonyms(tmp_path, target, actual):
    wb = openpyxl.Workbook()
    ws = wb.active
    _indicators(ws, _funds(ws, _head(ws)), header=[*IND_HEADER[:4], target, actual, *IND_HEADER[6:]])
    [ev] = _check(_save(wb, tmp_path, "同义词.xlsx"))
    _assert_standard(ev)


@pytest.mark.parametrize("actual, grade, score", [
    ("未能按期上线", "未达成", 0), ("没有完成验收", "未达成", 0), ("未按时完成", "未达成", 0),
    ("不达标", "未达成", 0), ("未全部完成", "部分达成", 6), ("效果不明显", "部分达成", 6),
    ("延期完成", "部分达成", 6), ("按期完成", "达成", 10), ("尚未发生安全事故", "达成", 10),
    ("无滞后", "达成", 10)])
def test_qualitative_wordings(tmp_path, actual, grade, score):
    """How officers say a qualitative target was missed (rules/default.toml [qualitative]): 未能按期上线
    and 没有完成验收 were graded 达成, full marks."""
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [("产出指标", "时效指标", "平台上线时间", "2024年9月底前", actual, 10, None), INDICATORS[0],
            ("产出指标", "质量指标", "培训合格率", "≥95%", "98%", 10, 10), *INDICATORS[2:]]
    _indicators(ws, _funds(ws, _head(ws)), rows, total=None)
    [ev] = _check(_save(wb, tmp_path, "定性.xlsx"))
    ind = ev["indicators"][0]
    assert (ind["grade"], ind["score"]) == (grade, score)


def paste_project_table(ws, down: int, shift: int, name: str, executed: float) -> None:
    """A whole project table (its 项目名称 `name`, 100 budgeted, `executed` spent) written into
    ws `down` rows and `shift` columns from A1: tables side by side are built from these."""
    part = openpyxl.Workbook().active
    r = _put(part, 1, ["项目支出绩效自评表"])
    r = _put(part, r, ["项目名称", name])
    r = _put(part, r, FUNDS_HEADER)
    r = _put(part, r, [None, "年度资金总额", 100, 100, executed, 10, f"{executed}%", executed / 10])
    _indicators(part, r, total=90 + executed / 10)
    for row in part.iter_rows():
        for cell in row:
            if cell.value is not None:
                ws.cell(cell.row + down, cell.column + shift, cell.value)


def test_two_tables_side_by_side(tmp_path):
    """Two project tables on one sheet, the second to the right of the first (one blank column
    between): the second was silently dropped."""
    wb = openpyxl.Workbook()
    for shift, name, executed in ((0, "项目甲", 95), (10, "项目乙", 80)):
        paste_project_table(wb.active, 0, shift, name, executed)
    evs = _check(_save(wb, tmp_path, "左右两表.xlsx"))
    assert [e["project"] for e in evs] == ["项目甲", "项目乙"]
    assert [e["budget"]["score"] for e in evs] == [9.5, 8]
    assert [e["total_score"] for e in evs] == [99.5, 98]
    assert evs[1]["indicators"][0]["cells"]["target"] == "O6"
    assert [f["cell"] for f in evs[1]["flags"]] == ["Q4"]      # low-execution-rate, at its 执行率


@pytest.mark.parametrize("target, actual, score, words", [
    ("≤100万元", "950000元", 20, "950000元 折合 95万元"),      # was 20 × 100 ÷ 950000 = 0
    ("≥1100公斤", "1.2吨", 20, "1.2吨 折合 1200公斤"),
    ("≥1000米", "0.8公里", 16, "0.8公里 折合 800米"),
    ("5吨、120人次", "6000公斤、120人次", 20, "已换算"),
])
def test_actual_in_another_unit_of_the_same_measure(tmp_path, target, actual, score, words):
    """An actual in 元 against a target in 万元 is converted (values.toml [units.scale]), not
    scored on the bare numbers under a unit-mismatch warning."""
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [INDICATORS[0], ("产出指标", "成本指标", "维修总成本", target, actual, 20, score,
                            "有原因" if score < 20 else None), *INDICATORS[2:]]
    _indicators(ws, _funds(ws, _head(ws)), rows, total=79.5 + score)
    [ev] = _check(_save(wb, tmp_path, "换算.xlsx"))
    ind = ev["indicators"][1]
    assert ind["score"] == score and words in ind["formula"]
    assert not {f["code"] for f in ev["flags"]}


@pytest.mark.parametrize("target, actual, late", [
    ("2024年8月31日前", "2024年10月15日", True),        # was full marks without a word
    ("2024年8月31日前", "2024年8月20日完成", False),
    ("12月底前", "2025年1月", True),
    ("2024年10月底前", "2024年10月完成", False),
    ("2024年底前", "按期完成", False),
])
def test_done_after_the_time_limit(tmp_path, target, actual, late):
    """A completion date after the time limit: graded on the text as before (达成, scoring.md),
    but a finished-late warning says the date is late while the row has full marks."""
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [("产出指标", "时效指标", "暑期完工", target, actual, 10, None), INDICATORS[0],
            ("产出指标", "质量指标", "培训合格率", "≥95%", "98%", 10, 10), *INDICATORS[2:]]
    _indicators(ws, _funds(ws, _head(ws)), rows, total=None)
    [ev] = _check(_save(wb, tmp_path, "时限.xlsx"))
    assert (ev["indicators"][0]["grade"], ev["indicators"][0]["score"]) == ("达成", 10)
    flags = [f for f in ev["flags"] if f["code"] == "finished-late"]
    assert bool(flags) == late
    if late:
        assert flags[0]["cell"] == "F9" and "晚于" in flags[0]["message"]


@pytest.mark.parametrize("reported, late", [(10, True), (8, False)])
def test_done_after_the_time_limit_as_a_date_cell(tmp_path, reported, late):
    """A date cell: late with full marks is flagged; 8 of 10 (the officer took the delay off) is not."""
    import datetime
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [("产出指标", "时效指标", "暑期完工", "2024年8月31日前", datetime.datetime(2024, 9, 10), 10, reported),
            INDICATORS[0], ("产出指标", "质量指标", "培训合格率", "≥95%", "98%", 10, 10), *INDICATORS[2:]]
    _indicators(ws, _funds(ws, _head(ws)), rows, total=89.5 + reported)
    [ev] = _check(_save(wb, tmp_path, "时限日期.xlsx"))
    assert ev["indicators"][0]["score"] == reported
    assert ("finished-late" in {f["code"] for f in ev["flags"]}) == late


@pytest.mark.parametrize("label", ["执行率（15分）", "得分（15分）"])
def test_execution_weight_in_a_column_header(tmp_path, label):
    """No 分值 column; the funds header says 执行率（15分）: the execution weight is 15 (it was the
    default 10: score 9 instead of 13.5, 'score over weight', 'weights add up to 95')."""
    wb = openpyxl.Workbook()
    ws = wb.active
    header = ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", None, "执行率", "得分"]
    header[6 if label.startswith("执行率") else 7] = label
    r = _put(ws, _head(ws), header)
    r = _put(ws, r, [None, "年度资金总额", 100, 100, 90, None, "90%", 13.5])
    rows = [*INDICATORS[:2], ("效益指标", "社会效益指标", "就业率", "≥60%", "66%", 25, 25), INDICATORS[3]]
    _indicators(ws, r, rows, total=98.5)
    [ev] = _check(_save(wb, tmp_path, "执行率分值.xlsx"))
    assert (ev["budget"]["weight"], ev["budget"]["score"], ev["total_score"]) == (15, 13.5, 98.5)
    assert not {f["code"] for f in ev["flags"]}


def test_funds_block_below_the_indicators(tmp_path):
    """项目资金 after the indicator rows, 总分 last: its rows were read as indicators (weights 185,
    a 'placeholder' 100, budget-missing)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _put(ws, _head(ws), IND_HEADER)
    for row in INDICATORS:
        r = _put(ws, r, [None, *row])
    r = _funds(ws, r)
    _put(ws, r, ["总分", None, None, None, None, None, 100, 99.5])
    [ev] = _check(_save(wb, tmp_path, "资金在后.xlsx"))
    _assert_standard(ev)
    assert ev["reported_total"] == 99.5
    assert not {f["code"] for f in ev["flags"]}


def test_category_title_rows(tmp_path):
    """No 一级指标 column: 一、产出指标（50分） on a row of its own, merged across the table, above
    its indicators. It was skipped as a note: three false 'category missing' warnings."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _funds(ws, _head(ws))
    r = _put(ws, r, [None, "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"])
    for title, rows in (("一、产出指标（50分）", INDICATORS[:2]), ("（二）效益指标（30分）", INDICATORS[2:3]),
                        ("3.满意度指标（10分）", INDICATORS[3:])):
        _put(ws, r, [None, title])
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=8)
        r += 1
        for row in rows:
            r = _put(ws, r, [None, *row[1:]])
    _put(ws, r, ["总分", None, None, None, None, 100, 99.5])
    [ev] = _check(_save(wb, tmp_path, "分组标题行.xlsx"))
    assert [i["level1"] for i in ev["indicators"]] == ["一、产出指标（50分）"] * 2 + [
        "（二）效益指标（30分）", "3.满意度指标（10分）"]
    assert ev["total_score"] == 99.5 and ev["reported_total"] == 99.5
    assert not {f["code"] for f in ev["flags"]}


@pytest.mark.parametrize("label", ["自评得分合计", "得分合计", "总分合计"])
def test_total_row_wordings(tmp_path, label):
    """自评得分合计 closing the table was read as a 100-point indicator (weights 200)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _indicators(ws, _funds(ws, _head(ws)), total=99.5)
    ws.cell(r - 1, 1, label)
    [ev] = _check(_save(wb, tmp_path, "合计行.xlsx"))
    _assert_standard(ev)
    assert ev["reported_total"] == 99.5


def test_total_row_formulas_without_cached_results(tmp_path):
    """年度资金总额 = SUM(其中…) written by a program, never recalculated: the components stand in
    and formula-no-cache says why — not three errors 'the total row is empty' (fund-rows-sum)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _put(ws, _head(ws), FUNDS_HEADER)
    _put(ws, r, [None, "年度资金总额", None, None, None, 10, "95%", 9.5])
    _put(ws, r + 1, [None, "其中：当年财政拨款", 80, 80, 76])
    _put(ws, r + 2, [None, "上年结转资金", 20, 20, 19])
    for col in "CDE":
        ws[f"{col}{r}"] = f"=SUM({col}{r + 1}:{col}{r + 2})"
    _indicators(ws, r + 3)
    [ev] = _check(_save(wb, tmp_path, "总额公式.xlsx"))
    _assert_standard(ev)
    assert [f["code"] for f in ev["flags"]] == ["formula-no-cache"] * 3


def test_column_numbering_rows_under_the_headers(tmp_path):
    """栏次 | 1 | 2 | 3 | 4 | 5=3/2 under the funds header and 甲 | 乙 | 丙 | 1 | 2 … under the
    indicator header: they were read as a component row (three fund-rows-sum errors) and as an
    indicator worth 3 points (weights 103)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _put(ws, _head(ws), FUNDS_HEADER)
    ws.merge_cells(start_row=r - 1, start_column=1, end_row=r + 2, end_column=1)
    r = _put(ws, r, [None, "栏次", 1, 2, 3, 4, "5=3/2", "6=4×5"])
    r = _put(ws, r, [None, "年度资金总额", 100, 100, 95, 10, "95%", 9.5])
    r = _put(ws, r, [None, "其中：当年财政拨款", 100, 100, 95])
    r = _put(ws, r, IND_HEADER)
    r = _put(ws, r, [None, "甲", "乙", "丙", 1, 2, 3, 4, 5])
    _indicators(ws, r, header=None)
    [ev] = _check(_save(wb, tmp_path, "栏次.xlsx"))
    _assert_standard(ev)
    assert not {f["code"] for f in ev["flags"]}


@pytest.mark.parametrize("values, numbering", [
    (["栏次", 1, 2, 3, 4, "5=3/2"], True), (["甲", "乙", 1, 2, 3], True), ([None, "A", "B", 0, 1, 2], True),
    (["年度资金总额", 1, 2, 3], False), ([1, 2, 4], False), ([1, 2], False), (["其中：拨款", 100, 100, 95], False)])
def test_numbering_row(values, numbering):
    from xlsproc.read.rowkinds import is_numbering_row
    assert is_numbering_row(values) is numbering


def test_hidden_indicator_row_is_named(tmp_path):
    """An old indicator hidden (not deleted) still counts: weights 110 and a total that does not
    match what the officer sees. The hidden-row warning now says which row and why."""
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [INDICATORS[0], ("产出指标", "数量指标", "（旧）建设服务站", "≥3个", "3个", 10, 10), *INDICATORS[1:]]
    r = _funds(ws, _head(ws))
    _indicators(ws, r, rows)
    ws.row_dimensions[r + 2].hidden = True
    ws.row_dimensions[r + 3].hidden = False
    [ev] = _check(_save(wb, tmp_path, "隐藏行.xlsx"))
    hidden = [f for f in ev["flags"] if f["code"] == "hidden-row"]
    assert [(f["cell"], f["severity"]) for f in hidden] == [(f"D{r + 2}", "warning")]
    assert f"第 {r + 2} 行已隐藏" in hidden[0]["message"] and "（旧）建设服务站" in hidden[0]["message"]
    assert {"weights-sum", "total-mismatch"} <= {f["code"] for f in ev["flags"]}


def test_hidden_rows_of_any_xml_spelling():
    from xlsproc.read.scan import _hidden_rows
    xml = (b'<x:worksheet xmlns:x="s"><x:sheetData><x:row r="3" hidden="1"/><x:row spans="1:2" '
           b"hidden='true'/><x:row/><x:row r=\"9\" hidden=\"0\"/></x:sheetData></x:worksheet>")
    assert _hidden_rows(xml) == {2, 3}
    assert _hidden_rows(b"<worksheet><sheetData><row r='1'/></sheetData></worksheet>") == set()


def test_common_indicator_rubric_with_a_budget_execution_group(tmp_path):
    """A department table on the 投入/过程/产出/效益 rubric: 二级 预算执行 holds 预算执行率 and
    结转结余率. Every row of the group was taken for the execution row (the last one won): weight
    10 instead of 15, 结转结余率 dropped, weights 85."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = _put(ws, 1, ["部门整体支出绩效自评表"])
    r = _put(ws, r, ["部门名称", "某区自然资源局"])
    r = _put(ws, r, ["部门预算资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", None, "执行率"])
    r = _put(ws, r, [None, "年度资金总额", 2000, 2000, 1900, None, "95%"])
    rows = [("投入", "预算编制", "预算编制准确率", "≥95%", "97%", 10, 10),
            ("过程", "预算执行", "预算执行率", "100%", "95%", 15, 14.25, "部分项目年底未支付"),
            ("过程", "预算执行", "结转结余率", "≤5%", "3%", 20, 20),
            ("产出", "职责履行", "重点工作完成率", "100%", "100%", 30, 30),
            ("效益", "社会效益", "服务对象满意度", "≥90%", "95%", 25, 25)]
    _indicators(ws, r, rows, total=99.25)
    [ev] = _check(_save(wb, tmp_path, "共性指标.xlsx"))
    assert (ev["budget"]["weight"], ev["budget"]["score"]) == (15, 14.25)
    assert [i["name"] for i in ev["indicators"]] == ["预算编制准确率", "结转结余率", "重点工作完成率", "服务对象满意度"]
    assert ev["total_score"] == 99.25 and ev["grade"] == "优"
    assert not {f["code"] for f in ev["flags"]}


@pytest.mark.parametrize("target, actual, score", [
    ("≥95%", "98.5%（抽检1000批次）", 20),     # was 0: a second quantity made the actual 'compound'
    ("≥10个", "10个（其中新建3个）", 20),
    ("≥95%", "抽检1000批次，合格率98.5%", 20),
    ("≥1000人次", "1.2千人次", 20),            # 千 multiplies as 万 does (was 1.2 of 1000)
    ("≥5千克", "5.5千克", 20),                  # 千克 stays a unit
])
def test_actual_with_more_than_the_target_asks(tmp_path, target, actual, score):
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [INDICATORS[0], ("产出指标", "质量指标", "抽检合格率", target, actual, 20, 20), *INDICATORS[2:]]
    _indicators(ws, _funds(ws, _head(ws)), rows)
    [ev] = _check(_save(wb, tmp_path, "多个数.xlsx"))
    assert ev["indicators"][1]["score"] == score
    assert not {f["code"] for f in ev["flags"]} - {"over-completion"}


@pytest.mark.parametrize("name, weight, code", [("（例）培训人次", None, None), ("例：培训人次", None, None),
                                                ("示例：开展活动场次", 5, "placeholder-left")])
def test_template_example_row_left_in(tmp_path, name, weight, code):
    """The template's example row, target filled, nothing else: it was an indicator with its
    actual missing (an error, 'scored 0'); it is a placeholder row (placeholder-left with a weight)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [(*INDICATORS[0][:3], "≥30人次", "35人次", 30, 30), ("产出指标", "数量指标", name, "≥100人次", None, weight, None),
            *INDICATORS[1:]]
    _indicators(ws, _funds(ws, _head(ws)), rows)
    [ev] = _check(_save(wb, tmp_path, "示例行.xlsx"))
    codes = {f["code"] for f in ev["flags"]}
    if weight is None:
        _assert_standard(ev)
        assert not codes
    else:                       # with a weight it counts, as 指标1： does (scoring.md), and is named
        assert code in codes
