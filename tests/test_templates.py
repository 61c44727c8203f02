"""The blank templates (templates/, xlsproc.write.template): current, protected, printable, and read
back by label — filled with the seed's figures they score like the seed once recalculated."""
from __future__ import annotations

import copy
from pathlib import Path

import openpyxl
import pytest

import lo
import xlsproc
from conftest import ROOT
from xlsproc.read.reader import read_workbook
from xlsproc.rules import Rules, load_rules
from xlsproc.write.template import FILE_NAMES, GUIDE_SHEET, KINDS, write_template

TEMPLATES = ROOT / "templates"
TITLES = {"project": "项目支出绩效自评表", "department": "部门整体支出绩效自评表"}
INPUT_FILL = "FFFFF2CC"

# 洪山区团委 2024 (the seed): indicators whose weights add up to 80, every one at full score.
SEED_INDICATORS = [  # 二级, 三级, 年度指标值, 实际完成值, 分值
    ("数量指标", "组织创业就业培训", "5场、120人次", "5场、120人次", 10),
    ("数量指标", "新增青创贷款申报数", "不少于300个", "616个", 10),
    ("数量指标", "开展暑期免费托管活动", "600场", "1000余节次", 10),
    ("数量指标", "服务青少年人次", "15000人次以上", "46800人次", 10),
    ("数量指标", "开展青年志愿服务活动", "1000场", "2800余场", 10),
    ("数量指标", "培训团干部人数", "不少于50人", "54人", 10),
    ("质量指标", "“青年大学习”网上主题团课", "普及好、运用好", "达成年度指标", 5),
    ("社会效益指标", "青少年理想信念教育", "有效加强", "效果明显", 5),
    ("服务对象满意度指标", "青少年和家长满意度", "满意", "受到青少年和家长一致好评", 10),
]
SEED_FUNDS = {"年度资金总额": (340.5, 344.18, 342.03), "其中：财政拨款": (326.5, 330.18, 328.03),
              "其他资金": (14, 14, 14)}
# 某区民政局 居家养老服务补贴 (the clean national sample): 9.8 + 89.83 = 99.63.
PROJECT_INDICATORS = [
    ("数量指标", "享受居家养老服务补贴老年人数", "≥3000人", "2950人", 10, 9.83,
     "部分补贴对象去世或迁出辖区，补贴名单动态调整。"),
    ("数量指标", "上门助餐、助洁等服务次数", "≥36000人次", "37200人次", 10, 10, None),
    ("质量指标", "补贴资金发放准确率", "100%", "100%", 10, 10, None),
    ("时效指标", "补贴资金发放及时性", "按季度及时发放", "按时发放", 10, 10, None),
    ("成本指标", "人均月补贴标准", "≤200元", "200元", 10, 10, None),
    ("社会效益指标", "失能、高龄困难老年人居家养老服务覆盖率", "≥95%", "96.5%", 15, 15, None),
    ("可持续影响指标", "居家养老服务体系建设", "持续完善", "达成预期指标", 15, 15, None),
    ("服务对象满意度指标", "服务对象满意度", "≥90%", "93.2%", 10, 10, None),
]
PROJECT_FUNDS = {"年度资金总额": (500, 480, 470.4), "其中：当年财政拨款": (500, 450, 440.4),
                 "上年结转资金": (None, 30, 30)}


# --- a text dump: what a template holds, independent of the xlsxwriter version -------------

def dump(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    lines = []
    for ws in wb.worksheets:
        ps = ws.page_setup
        lines.append(f"sheet {ws.title} protected={ws.protection.sheet} paper={ps.paperSize} "
                     f"orientation={ps.orientation} fit={ps.fitToWidth}x{ps.fitToHeight} "
                     f"titles={ws.print_title_rows} area={ws.print_area} footer={ws.oddFooter.center.text}")
        lines += [f"merge {r}" for r in sorted(str(r) for r in ws.merged_cells.ranges)]
        lines += _cell_lines(ws)
        lines += [f"dv {dv.sqref} {dv.type} {dv.operator} {dv.formula1} {dv.formula2} {dv.errorStyle} "
                  f"{dv.promptTitle} {dv.prompt} {dv.error}" for dv in ws.data_validations.dataValidation]
        lines += [f"width {k} {d.width}" for k, d in sorted(ws.column_dimensions.items())]
        lines += [f"height {k} {d.height}" for k, d in sorted(ws.row_dimensions.items()) if d.height]
    return "\n".join(lines)


def _cell_lines(ws) -> list[str]:
    out = []
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and c.protection.locked:
                continue
            out.append(f"{c.coordinate} {c.value!r} {c.number_format} locked={c.protection.locked} "
                       f"fill={c.fill.fgColor.rgb} bold={c.font.b} font={c.font.name}")
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_committed_template_is_what_write_template_makes(kind, tmp_path):
    fresh = write_template(kind, tmp_path / FILE_NAMES[kind])
    committed = TEMPLATES / FILE_NAMES[kind]
    assert committed.is_file(), f"请运行 python -m xlsproc.write.template 生成 {committed.name}"
    assert dump(fresh) == dump(committed), "templates/ 已过期：请运行 python -m xlsproc.write.template"


def test_unknown_kind_is_refused(tmp_path):
    with pytest.raises(ValueError, match="project"):
        write_template("school", tmp_path / "x.xlsx")


# --- the blank template: labels the reader finds, formulas, inputs, protection, printing ------

@pytest.mark.parametrize("kind", KINDS)
def test_reader_finds_the_blank_table(kind):
    evs = read_workbook(TEMPLATES / FILE_NAMES[kind])
    assert [(e.sheet, e.kind) for e in evs] == [(TITLES[kind], kind)]    # 填表说明 is not a table
    ev = evs[0]
    assert ev.funds is not None and ev.funds.total.annual.ref is not None
    assert ev.funds.rate.formula and ev.funds.score.formula and ev.total.formula
    assert ev.indicators == ()                                          # blank rows are no indicators


@pytest.mark.parametrize("kind", KINDS)
def test_formulas_inputs_and_protection(kind):
    ws = openpyxl.load_workbook(TEMPLATES / FILE_NAMES[kind])[TITLES[kind]]
    ev = read_workbook(TEMPLATES / FILE_NAMES[kind])[0]
    annual, executed = ev.funds.total.annual.ref.cell, ev.funds.total.executed.ref.cell
    rate, score, weight = ev.funds.rate.ref.cell, ev.funds.score.ref.cell, ev.funds.weight.ref.cell
    assert ws[rate].value == f'=IF({annual}>0,{executed}/{annual},"")'
    assert ws[score].value == f'=IF({rate}="","",ROUND({weight}*MIN({rate},1),2))'
    assert ws[ev.total.ref.cell].value.startswith(f"=ROUND(SUM({score},")
    assert ws.protection.sheet and not ws.protection.password
    for cell in (annual, executed, weight):
        assert not ws[cell].protection.locked and ws[cell].fill.fgColor.rgb == INPUT_FILL
    for cell in (rate, score, ev.total.ref.cell, ev.header_cell.cell):
        assert ws[cell].protection.locked
    assert ws[rate].number_format == "0.00%" and ws[score].number_format == "0.00"


@pytest.mark.parametrize("kind", KINDS)
def test_dropdowns_and_print_setup(kind):
    ws = openpyxl.load_workbook(TEMPLATES / FILE_NAMES[kind])[TITLES[kind]]
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any("产出指标" in f and "满意度指标" in f for f in lists)
    assert any("数量指标" in f and "服务对象满意度指标" in f for f in lists)
    assert ws.page_setup.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToHeight == 0                                 # fit to width only
    header = read_workbook(TEMPLATES / FILE_NAMES[kind])[0].header_cell.row + 1
    assert ws.print_title_rows == f"${header}:${header}"


def test_default_weights_in_labels():
    project = read_workbook(TEMPLATES / FILE_NAMES["project"])[0]
    assert project.funds.weight.value == 10
    ws = openpyxl.load_workbook(TEMPLATES / FILE_NAMES["project"])[TITLES["project"]]
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"产出指标（50分）", "效益指标（30分）", "满意度指标（10分）"} <= texts
    dept = read_workbook(TEMPLATES / FILE_NAMES["department"])[0]
    assert dept.funds.weight.value == 20
    ws = openpyxl.load_workbook(TEMPLATES / FILE_NAMES["department"])[TITLES["department"]]
    assert "年度绩效指标（80分）" in {c.value for row in ws.iter_rows() for c in row}


def _guide_text(path: Path) -> str:
    ws = openpyxl.load_workbook(path)[GUIDE_SHEET]
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_guide_explains_every_column_with_the_profile_numbers(tmp_path):
    text = _guide_text(TEMPLATES / FILE_NAMES["project"])
    for label in ("项目名称", "主管部门", "实施单位", "年初预算数", "全年预算数", "全年执行数", "执行率",
                  "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "偏差原因分析及改进措施", "总分"):
        assert label in text
    for number in ("90%", "120%", "0.01 万元", "80%～100%", "60%～80%", "相差超过 0.1 分", "90 分及以上为“优”"):
        assert number in text
    rules = load_rules()
    changed = Rules(copy.deepcopy(dict(rules)))
    changed["execution"]["low_rate"] = 0.85
    changed["grades"]["thresholds"] = [["优", 95], ["良", 85], ["中", 60], ["差", 0]]
    text = _guide_text(write_template("department", tmp_path / "d.xlsx", changed))
    assert "低于 85%" in text and "95 分及以上为“优”" in text and "90 分及以上" not in text


# --- filling a template like an officer (openpyxl), by label -----------------------------------

def _origin(ws, r: int, c: int) -> tuple[int, int]:
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= r <= rng.max_row and rng.min_col <= c <= rng.max_col:
            return rng.min_row, rng.min_col
    return r, c


def _find(ws, text: str, row: int | None = None) -> tuple[int, int]:
    """The first cell reading `text` (in one row when given)."""
    for cells in ws.iter_rows(min_row=row or 1, max_row=row):
        for c in cells:
            if isinstance(c.value, str) and c.value.replace("\n", "") == text:
                return c.row, c.column
    raise KeyError(text)


def _right_of(ws, text: str) -> tuple[int, int]:
    r, c = _find(ws, text)
    span = next((g for g in ws.merged_cells.ranges if (r, c) == (g.min_row, g.min_col)), None)
    return r, (span.max_col if span else c) + 1


def _fill_funds(ws, funds: dict) -> None:
    head, _ = _find(ws, "全年预算数")
    cols = [_find(ws, t, head)[1] for t in ("年初预算数", "全年预算数", "全年执行数")]
    for label, amounts in funds.items():
        r, _ = _find(ws, label)
        assert r > head
        for c, v in zip(cols, amounts):
            ws.cell(r, c, v)


def _indicator_rows(ws) -> dict[str, list[int]]:
    """二级 label → the template rows offered for it (merged cells forward-filled)."""
    head, level2_col = _find(ws, "二级指标")
    total, _ = _find(ws, "总分")
    rows: dict[str, list[int]] = {}
    for r in range(head + 1, total):
        label = ws.cell(*_origin(ws, r, level2_col)).value
        rows.setdefault(label, []).append(r)
    return rows


def _fill_indicators(ws, indicators: list[tuple]) -> None:
    free = _indicator_rows(ws)
    head, _ = _find(ws, "三级指标")
    cols = [_find(ws, t, head)[1] for t in ("三级指标", "年度指标值", "实际完成值", "分值", "得分",
                                      "偏差原因分析及改进措施")]
    for level2, *values in indicators:
        r = free[level2].pop(0)
        for c, v in zip(cols, values):
            if v is not None:
                ws.cell(r, c, v)


def _fill_goals(ws, expected: str, actual: str) -> None:
    r, c = _find(ws, "预期目标")
    ws.cell(r + 1, c, expected)
    r, c = _find(ws, "实际完成情况")
    ws.cell(r + 1, c, actual)


def fill_department(path: Path) -> Path:
    """The department template with 洪山区团委 2024's figures (seed), saved without recalculation."""
    write_template("department", path)
    wb = openpyxl.load_workbook(path)
    ws = wb[TITLES["department"]]
    ws.cell(*_right_of(ws, "评价年度"), 2024)
    ws.cell(*_right_of(ws, "部门名称"), "共青团武汉市洪山区委员会")
    _fill_funds(ws, SEED_FUNDS)
    _fill_goals(ws, "开展青年创业就业、暑期托管、志愿服务等工作。", "已完成全年绩效目标。")
    _fill_indicators(ws, [(*x, x[-1], None) for x in SEED_INDICATORS])
    wb.save(path)
    return path


def fill_project(path: Path) -> Path:
    """The project template with 某区民政局's 居家养老服务补贴 figures, saved without recalculation."""
    write_template("project", path)
    wb = openpyxl.load_workbook(path)
    ws = wb[TITLES["project"]]
    ws.cell(*_right_of(ws, "评价年度"), 2024)
    ws.cell(*_right_of(ws, "项目名称"), "居家养老服务补贴")
    ws.cell(*_right_of(ws, "主管部门"), "219001-某区民政局")
    ws.cell(*_right_of(ws, "实施单位"), "219003-某区养老服务指导中心")
    _fill_funds(ws, PROJECT_FUNDS)
    _fill_goals(ws, "为困难老年人提供居家养老服务补贴。", "全年为2950名老年人发放补贴。")
    _fill_indicators(ws, PROJECT_INDICATORS)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("filled")
    return {"department": fill_department(folder / "洪山区团委_2024_模板填写.xlsx"),
            "project": fill_project(folder / "某区民政局_2024_模板填写.xlsx")}


@pytest.fixture(scope="module")
def recalculated(filled, tmp_path_factory) -> dict[str, Path]:
    lo.require_soffice()
    out = lo.recalculate_many([filled["department"], filled["project"]],
                              tmp_path_factory.mktemp("recalculated"))
    return {"department": out[0], "project": out[1]}


def _evaluation(path: Path) -> dict:
    entry = xlsproc.check(path)[0]
    assert entry["status"] == "ok", entry["error"]
    assert len(entry["evaluations"]) == 1
    return entry["evaluations"][0]


def _codes(ev: dict) -> set[str]:
    return {f["code"] for f in ev["flags"]}


def test_filled_but_not_recalculated_flags_formula_no_cache(filled):
    ev = _evaluation(filled["department"])
    no_cache = {f["cell"] for f in ev["flags"] if f["code"] == "formula-no-cache"}
    b = ev["budget"]
    assert {b["rate_cell"], b["score_cell"], ev["total_cell"]} <= no_cache
    assert b["reported_score"] is None and ev["reported_total"] is None
    assert ev["total_score"] == 99.88                     # our own figures do not need the cache


def test_seed_figures_read_back_after_recalculation(recalculated):
    ev = _evaluation(recalculated["department"])
    assert (ev["kind"], ev["unit"], ev["year"]) == ("department", "共青团武汉市洪山区委员会", 2024)
    b = ev["budget"]
    assert (b["annual"], b["executed"], b["weight"]) == (344.18, 342.03, 20)
    assert b["rate"] == pytest.approx(0.993753, abs=1e-6)
    assert b["score"] == 19.88 and b["reported_score"] == pytest.approx(19.88)
    assert b["reported_rate"] == pytest.approx(342.03 / 344.18, abs=1e-9)
    assert len(ev["indicators"]) == len(SEED_INDICATORS)
    assert ev["indicator_score"] == 80 and ev["total_score"] == 99.88
    assert ev["reported_total"] == pytest.approx(99.88) and ev["grade"] == "优"
    bad = {"formula-no-cache", "total-mismatch", "score-mismatch", "execution-rate-mismatch",
           "weights-sum", "score-missing", "fund-rows-sum"}
    assert not _codes(ev) & bad, ev["flags"]


def test_project_template_scores_like_the_national_sample(recalculated):
    ev = _evaluation(recalculated["project"])
    assert (ev["project"], ev["unit"], ev["year"]) == ("居家养老服务补贴", "219001-某区民政局", 2024)
    b = ev["budget"]
    assert (b["rate"], b["score"], b["reported_score"]) == (0.98, 9.8, 9.8)
    assert ev["indicator_score"] == 89.83 and ev["total_score"] == 99.63
    assert ev["reported_total"] == pytest.approx(99.63)
    assert not _codes(ev) & {"formula-no-cache", "total-mismatch", "level1-weight-mismatch",
                             "category-missing", "weights-sum", "deviation-reason-missing"}, ev["flags"]
