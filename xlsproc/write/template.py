"""Blank self-evaluation workbooks (绩效自评表) for officers to fill: `write_template(kind, path)`.

Two kinds, one shape (columns A–I, as the 财政部 2020 national table):
  project     项目支出绩效自评表: 项目名称, 主管部门/实施单位, 项目资金（万元）, 年度总体目标,
              绩效指标 (产出/效益/满意度 with the default 50/30/10 in the 一级 labels), 总分;
  department  部门整体支出绩效自评表: 部门名称, 部门预算资金（万元）, 年度总体目标,
              年度绩效指标 (Wuhan: 执行情况 20 + 年度绩效指标 80), 总分.
Every label is spelled as in labels.toml, so the reader finds the filled table by label.
Input cells are light yellow and unlocked; labels and formulas are protected (no password).
执行率, 执行得分 and 总分 are formulas; indicator 得分 stay inputs (the rules need judgement).
Numbers in the 填表说明 sheet and the default weights come from the rule profile at generation
time, so the instructions never drift from the checker.

    python -m xlsproc.write.template [DIR]     # rewrite templates/ (or DIR)
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import xlsxwriter
from xlsproc.refs import cell_name

from xlsproc.rules import Rules, load_rules
from xlsproc.write import printing, profile_label

KINDS = ("project", "department")
FILE_NAMES = {"project": "项目支出绩效自评表.xlsx", "department": "部门整体支出绩效自评表.xlsx"}
CREATED = datetime(2025, 1, 1, 9, 0, 0)        # fixed: the same template every run
GUIDE_SHEET = "填表说明"
DASH = "—"
LAST_COL = 8                                    # A–I
WIDTHS = (8, 12, 14, 22, 13, 13, 6, 8, 26)      # 122 units: A4 landscape (printing.py)
INPUT_FILL = "#FFF2CC"
INDICATOR_ROW_POINTS = 20   # the department's 20 rows, header, 总分 and note fit one landscape page
LABEL_FILL = "#F2F2F2"

# 一级 → 二级 → rows offered; project 一级 weights are the national defaults (workbooks.md).
LEVEL2 = {"产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
          "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
          "满意度指标": ("服务对象满意度指标",)}
PROJECT_ROWS = {"数量指标": 3, "质量指标": 2, "社会效益指标": 2, "服务对象满意度指标": 2}
DEPARTMENT_ROWS = {"数量指标": 6, "质量指标": 2, "时效指标": 2, "社会效益指标": 3,
                   "可持续影响指标": 2, "服务对象满意度指标": 2}
PROJECT_CATEGORY_WEIGHTS = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}


@dataclass(frozen=True)
class Spec:
    """What differs between the two kinds; everything else is shared."""

    kind: str
    title: str
    meta: tuple[tuple[str, ...], ...]          # label rows above the funds block
    funds_label: str
    fund_rows: tuple[str, ...]                 # the first is the total row
    exec_weight: float
    indicator_label: str
    indicator_weight: float                    # all indicators together
    level1: tuple[str, ...]                    # 一级 labels as written (may carry 分)
    rows_per_level2: dict


def spec(kind: str, rules: Rules) -> Spec:
    """The layout of one kind, with the execution weight taken from the rule profile."""
    if kind not in KINDS:
        raise ValueError(f"模板类型应为 project（项目支出）或 department（部门整体支出），收到：{kind}")
    ex = rules["execution"]
    if kind == "project":
        return Spec(kind, "项目支出绩效自评表", (("项目名称",), ("主管部门", "实施单位")),
                    "项目资金\n（万元）", ("年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"),
                    ex["default_weight_project"], "绩效指标", sum(PROJECT_CATEGORY_WEIGHTS.values()),
                    tuple(f"{k}（{fmt_num(w)}分）" for k, w in PROJECT_CATEGORY_WEIGHTS.items()),
                    PROJECT_ROWS)
    rest = rules["indicators"]["weights_total"] - ex["default_weight_department"]
    return Spec(kind, "部门整体支出绩效自评表", (("部门名称",),),
                "部门预算资金\n（万元）", ("年度资金总额", "其中：财政拨款", "其他资金"),
                ex["default_weight_department"], f"年度绩效指标（{fmt_num(rest)}分）", rest,
                tuple(LEVEL2), DEPARTMENT_ROWS)


def fmt_num(x: float) -> str:
    return f"{x:g}"


# --- the form sheet --------------------------------------------------------------------------

class _Form:
    """Writes one form sheet top to bottom; `row` is the next free 0-based row."""

    def __init__(self, wb: xlsxwriter.Workbook, spec_: Spec, formats: dict):
        self.spec, self.row, self.f = spec_, 0, formats
        self.ws = wb.add_worksheet(spec_.title)
        self.at: dict = {}                         # positions the formulas refer to

    def write(self) -> None:
        self._title()
        self._meta()
        self._funds()
        self._goals()
        self._indicators()
        self._total()
        self._note()
        self._page()

    def _title(self) -> None:
        ws, f = self.ws, self.f
        ws.set_row(0, 32)
        ws.merge_range(0, 0, 0, LAST_COL, self.spec.title, f["title"])
        ws.write(1, LAST_COL - 1, "评价年度", f["label"])
        ws.write_blank(1, LAST_COL, None, f["input_year"])
        ws.data_validation(1, LAST_COL, 1, LAST_COL, {
            "validate": "integer", "criteria": "between", "minimum": 2000, "maximum": 2100,
            "input_title": "评价年度", "input_message": "填写四位年份，如 2024。",
            "error_title": "年份有误", "error_message": "请填写四位数的年份，如 2024。"})
        for c, w in enumerate(WIDTHS):
            ws.set_column(c, c, w)
        self.row = 2

    def _meta(self) -> None:
        spans = {1: ((0, 1), (2, LAST_COL)), 2: ((0, 1), (2, 4), (5, 6), (7, LAST_COL))}
        for labels in self.spec.meta:
            cols = spans[len(labels)]
            for i, label in enumerate(labels):
                self._merge(cols[2 * i], label, self.f["label"])
                self._merge(cols[2 * i + 1], None, self.f["input_text"])
            self.ws.set_row(self.row, 24)
            self.row += 1

    def _merge(self, cols: tuple[int, int], value, fmt) -> None:
        c0, c1 = cols
        if c0 == c1:
            self.ws.write(self.row, c0, value, fmt)
        else:
            self.ws.merge_range(self.row, c0, self.row, c1, value, fmt)

    def _funds(self) -> None:
        ws, f, s = self.ws, self.f, self.spec
        top, n = self.row, len(s.fund_rows)
        ws.merge_range(top, 0, top + n, 0, s.funds_label, f["label"])
        ws.merge_range(top, 1, top, 2, None, f["label"])
        for c, text in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), 3):
            ws.write(top, c, text, f["label"])
        for i, label in enumerate(s.fund_rows, 1):
            ws.set_row(top + i, 22)
            ws.merge_range(top + i, 1, top + i, 2, label, f["label_left"])
            for c in (3, 4, 5):
                ws.write_blank(top + i, c, None, f["input_amount"])
            if i > 1:
                for c in (6, 7, 8):
                    ws.write(top + i, c, DASH, f["center"])
        self._fund_formulas(top + 1)
        ws.data_validation(top + 1, 3, top + n, 5, {
            "validate": "decimal", "criteria": ">=", "value": 0,
            "error_title": "金额有误", "error_message": "金额应为不小于 0 的数字，单位万元。"})
        self.row = top + n + 1

    def _fund_formulas(self, r: int) -> None:
        ws, f = self.ws, self.f
        annual, executed = cell_name(r, 4), cell_name(r, 5)
        weight, rate = cell_name(r, 6), cell_name(r, 7)
        ws.write_number(r, 6, self.spec.exec_weight, f["input_weight"])
        ws.write_formula(r, 7, f'=IF({annual}>0,{executed}/{annual},"")', f["rate"], "")
        ws.write_formula(r, 8, f'=IF({rate}="","",ROUND({weight}*MIN({rate},1),2))', f["score"], "")
        ws.data_validation(r, 6, r, 6, _weight_rule("预算执行率的分值"))
        self.at.update(weight=weight, score=cell_name(r, 8))

    def _goals(self) -> None:
        ws, f, r = self.ws, self.f, self.row
        ws.merge_range(r, 0, r + 1, 0, "年度总体目标", f["label"])
        ws.merge_range(r, 1, r, 4, "预期目标", f["label"])
        ws.merge_range(r, 5, r, LAST_COL, "实际完成情况", f["label"])
        ws.merge_range(r + 1, 1, r + 1, 4, None, f["input_text"])
        ws.merge_range(r + 1, 5, r + 1, LAST_COL, None, f["input_text"])
        ws.set_row(r + 1, 96)
        self.row = r + 2

    def _indicators(self) -> None:
        ws, f, s = self.ws, self.f, self.spec
        header = self.row
        heads = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                 "偏差原因分析及改进措施")
        for c, text in enumerate(heads, 1):
            ws.write(header, c, text, f["label"])
        ws.set_row(header, 30)
        first = r = header + 1
        for level1, level2s in zip(s.level1, LEVEL2.values()):
            start = r
            for level2 in level2s:
                r = self._level2_rows(r, level2)
            _merge_or_write(ws, start, r - 1, 1, level1, f["input_center"])
        ws.merge_range(header, 0, r - 1, 0, s.indicator_label, f["label"])
        self._indicator_validations(first, r - 1)
        self.at.update(header=header, first=first, last=r - 1)
        self.row = r

    def _level2_rows(self, r: int, level2: str) -> int:
        ws, f = self.ws, self.f
        n = self.spec.rows_per_level2.get(level2, 1)
        _merge_or_write(ws, r, r + n - 1, 2, level2, f["input_center"])
        for i in range(r, r + n):
            for c, fmt in ((3, "input_text"), (4, "input_center"), (5, "input_center"),
                           (6, "input_weight"), (7, "input_score"), (8, "input_text")):
                ws.write_blank(i, c, None, f[fmt])
            ws.set_row(i, INDICATOR_ROW_POINTS)
        return r + n

    def _indicator_validations(self, first: int, last: int) -> None:
        ws = self.ws
        hint = "；主管部门另定分值时，可直接改写括号内的分值" if self.spec.kind == "project" else ""
        ws.data_validation(first, 1, last, 1, _list_rule(
            "一级指标", list(self.spec.level1), f"一级指标为产出、效益或满意度指标{hint}。"))
        ws.data_validation(first, 2, last, 2, _list_rule(
            "二级指标", [x for xs in LEVEL2.values() for x in xs], "请从下拉列表选择二级指标。"))
        ws.data_validation(first, 4, last, 4, _prompt(
            "年度指标值", "写明方向和单位，如“≥300个”“≤200元”“100%”“2024年12月底前完成”；定性指标写“有效提升”等。"))
        ws.data_validation(first, 5, last, 5, _prompt(
            "实际完成值", "与年度指标值同一单位，如“616个”；定性指标写“达成年度指标”“部分达成”或“未达成”。"))
        ws.data_validation(first, 6, last, 6, _weight_rule("本指标的分值"))
        score, weight = cell_name(first, 7), cell_name(first, 6)
        ws.data_validation(first, 7, last, 7, {
            "validate": "custom", "value": f"=AND({score}>=0,{score}<={weight})",
            "input_title": "得分", "input_message": "按“填表说明”中的计分规则计算，不得超过分值。",
            "error_title": "得分有误", "error_message": "得分应在 0 与本行分值之间（请先填写分值）。"})

    def _column(self, c: int) -> str:
        """The indicator rows of one column, e.g. H13:H27."""
        return f"{cell_name(self.at['first'], c)}:{cell_name(self.at['last'], c)}"

    def _total(self) -> None:
        ws, f, r, at = self.ws, self.f, self.row, self.at
        ws.merge_range(r, 0, r, 5, "总分", f["label"])
        ws.write_formula(r, 6, f"={at['weight']}+SUM({self._column(6)})", f["weight_total"],
                         self.spec.exec_weight)                     # cached: the blank sheet's values
        ws.write_formula(r, 7, f"=ROUND(SUM({at['score']},{self._column(7)}),2)", f["score"], 0)
        ws.write_blank(r, 8, None, f["center"])
        ws.set_row(r, 24)
        self.row = r + 1

    def _note(self) -> None:
        text = ("注：浅黄色单元格为填写区，执行率、执行得分和总分自动计算；各栏目的填法和计分规则见"
                f"“{GUIDE_SHEET}”工作表。工作表保护未设密码，需要插入行或改动结构时可先撤销保护。")
        self.ws.merge_range(self.row, 0, self.row, LAST_COL, text, self.f["note"])
        self.ws.set_row(self.row, 36)
        self.row += 1

    def _page(self) -> None:
        ws = self.ws
        _a4(ws, landscape=True)
        ws.repeat_rows(self.at["header"])
        ws.set_h_pagebreaks([self.at["header"]])     # the indicator table starts a page of its own
        ws.print_area(0, 0, self.row - 1, LAST_COL)
        ws.protect("", {"insert_rows": True, "delete_rows": True, "format_rows": True,
                        "format_columns": True})
        ws.activate()


def _merge_or_write(ws, r0: int, r1: int, c: int, value, fmt) -> None:
    if r0 == r1:
        ws.write(r0, c, value, fmt)
    else:
        ws.merge_range(r0, c, r1, c, value, fmt)


def _list_rule(title: str, items: list[str], message: str) -> dict:
    return {"validate": "list", "source": items, "input_title": title, "input_message": message,
            "error_type": "information", "error_title": title, "error_message": message}


def _prompt(title: str, message: str) -> dict:
    return {"validate": "any", "input_title": title, "input_message": message}


def _weight_rule(what: str) -> dict:
    return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
            "input_title": "分值", "input_message": f"{what}，0～100 之间的数字。",
            "error_title": "分值有误", "error_message": "分值应为 0 到 100 之间的数字。"}


def _a4(ws, landscape: bool = False) -> None:
    """A4 with columns that fit the page: fit-to-width stays as a fallback (LibreOffice 7.4
    does not always honour it)."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")


def _formats(wb: xlsxwriter.Workbook) -> dict:
    base = {"font_name": "宋体", "font_size": 11, "border": 1, "valign": "vcenter", "text_wrap": True}
    inp = {**base, "bg_color": INPUT_FILL, "locked": False}
    specs = {
        "title": {**base, "font_size": 18, "bold": True, "align": "center", "border": 0},
        "label": {**base, "bold": True, "align": "center", "bg_color": LABEL_FILL},
        "label_left": {**base, "bold": True, "bg_color": LABEL_FILL},
        "center": {**base, "align": "center"},
        "note": {**base, "border": 0, "font_size": 9},
        "text": {**base},
        "input_text": inp,
        "input_center": {**inp, "align": "center"},
        "input_year": {**inp, "align": "center", "num_format": "0"},
        "input_amount": {**inp, "num_format": "0.00"},
        "input_weight": {**inp, "align": "center", "num_format": "0.##"},
        "input_score": {**inp, "align": "center", "num_format": "0.00"},
        "rate": {**base, "align": "center", "num_format": "0.00%"},
        "score": {**base, "align": "center", "num_format": "0.00"},
        "weight_total": {**base, "align": "center", "num_format": "0.##"},
    }
    return {k: wb.add_format(v) for k, v in specs.items()}


# --- the 填表说明 sheet ----------------------------------------------------------------------

def guide_rows(spec_: Spec, rules: Rules) -> list[tuple[str, str]]:
    """(栏目, 说明) for every column and block of the form, in the order they appear."""
    ex, ind = rules["execution"], rules["indicators"]
    meta = {"项目名称": "填写预算批复的项目全称。",
            "主管部门": "填写项目的主管部门，可带单位编码，如“219001-某区民政局”。",
            "实施单位": "填写具体实施项目的单位，可带单位编码。",
            "部门名称": "填写部门（单位）全称，如“共青团武汉市洪山区委员会”。"}
    rows = [("评价年度", "填写自评所属的四位年份，如 2024（一般为上一年度）。")]
    rows += [(label, meta[label]) for labels in spec_.meta for label in labels]
    rows += [
        (spec_.funds_label.replace("\n", ""), f"资金情况，单位万元。“{spec_.fund_rows[0]}”行填合计数，以下各行填分项；"
         f"各分项之和应等于合计数（允许相差 {fmt_num(ex['fund_tolerance'])} 万元）。"),
        ("年初预算数", "年初批复的预算数。"),
        ("全年预算数", "年初预算数加上年中追加、减去调减后的全年预算数，是计算执行率的分母。"),
        ("全年执行数", "全年实际支出数，是计算执行率的分子。"),
        ("分值（资金）", f"预算执行率的分值，默认 {fmt_num(spec_.exec_weight)} 分，已预填，"
         "主管部门另有规定时可修改。"),
        ("执行率", "自动计算：全年执行数 ÷ 全年预算数，无需填写。"),
        ("得分（资金）", "自动计算：分值 × 执行率（执行率超过 100% 的按 100% 计），保留两位小数。"),
        ("年度总体目标", "“预期目标”照抄年初批复的绩效目标，“实际完成情况”写全年实际完成了什么。"),
        ("一级指标", "产出指标、效益指标、满意度指标，已预填；不用的分类可以留空不填指标。"),
        ("二级指标", "从下拉列表选择，如数量指标、质量指标、时效指标、成本指标、社会效益指标等。"),
        ("三级指标", "具体的指标名称。不用的行整行留空即可，留空的行不计分；行不够时可插入行。"),
        ("年度指标值", "年初设定的目标值，写明比较方向和计量单位，如“≥300个”“≤200元”“100%”"
         "“2024年12月底前完成”；定性指标写“有效提升”“效果明显”等。"),
        ("实际完成值", "全年实际完成的数值，与年度指标值用同一计量单位，如“616个”；"
         "定性指标写“达成年度指标”“部分达成”或“未达成”。不得留空。"),
        ("分值（指标）", f"每个三级指标的分值。预算执行率分值加全部指标分值应等于 "
         f"{fmt_num(ind['weights_total'])} 分。"),
        ("得分（指标）", "按下面的计分规则自行计算填写，不得超过本行分值。"),
        ("偏差原因分析及改进措施", "得分低于分值（未完全完成）时必须填写偏差原因和改进措施；"
         f"实际完成值达到年度指标值 {fmt_pct(ind['over_completion'])} 及以上的，也请说明原因。"),
        ("总分", "自动计算：执行得分加各指标得分。"),
    ]
    return rows


def fmt_pct(x: float) -> str:
    return f"{x * 100:g}%"


def rule_lines(spec_: Spec, rules: Rules) -> list[str]:
    """The scoring rules in plain Chinese, every number taken from the rule profile."""
    ex, ind, q = rules["execution"], rules["indicators"], rules["qualitative"]
    grades = "，".join(f"{lowest:g} 分及以上为“{g}”" for g, lowest in rules["grades"]["thresholds"][:-1])
    band = lambda key: f"{fmt_pct(q[key][0])}～{fmt_pct(q[key][1])}"
    words = lambda key: "、".join(f"“{w}”" for w in q[key])
    return [
        f"1. 预算执行率：得分 = 分值 × 执行率，执行率超过 100% 的按 100% 计。执行率低于 "
        f"{fmt_pct(ex['low_rate'])} 的，须在偏差原因中说明；执行数超过预算数（执行率高于 "
        f"{fmt_pct(ex['max_rate'])}）的会被提示核实。",
        "2. 正向指标（“≥”“不少于”“以上”或只写数字）：得分 = 分值 × 实际完成值 ÷ 年度指标值，最高为分值。",
        "3. 反向指标（“≤”“不超过”“以内”，如成本、差错率）：实际完成值不超过年度指标值的得满分；"
        "超过的，得分 = 分值 × 年度指标值 ÷ 实际完成值。",
        "4. 复合指标（一格写了几个数，如“5场、120人次”）：按各分项完成率中最低的一个计分。",
        f"5. 定性指标：实际完成值判定为“达成”的，得分在分值的 {band('band_met')} 之间；含"
        f"{words('partial_words')}字样的为“部分达成”，得分在 {band('band_partial')} 之间（不含上限）；含"
        f"{words('unmet_words')}字样的为“未达成”，得分在 {band('band_unmet')} 之间（不含上限）。"
        f"未填得分的，分别按分值的 {fmt_pct(q['default_met'])}、{fmt_pct(q['default_partial'])}、"
        f"{fmt_pct(q['default_unmet'])} 计。",
        "6. 相对目标（如“不低于上一年度”“较上年增长”）：需与上年数据比较，保留填报得分，由财政部门人工复核。",
        "7. 实际完成值空白的指标得 0 分。",
        f"8. 填报得分与按规则计算的得分相差超过 {fmt_num(ind['score_tolerance'])} 分、总分相差超过 "
        f"{fmt_num(ind['total_tolerance'])} 分的，审核时会被提示。",
        f"9. 分值合计：预算执行率分值加全部指标分值应为 {fmt_num(ind['weights_total'])} 分"
        f"{_weight_note(spec_)}。",
        f"10. 总分 = 执行得分 + 各指标得分。等级：{grades}，其余为“{rules['grades']['thresholds'][-1][0]}”。",
    ]


def _weight_note(spec_: Spec) -> str:
    if spec_.kind == "project":
        parts = "、".join(f"{k} {fmt_num(w)} 分" for k, w in PROJECT_CATEGORY_WEIGHTS.items())
        return f"（默认：预算执行率 {fmt_num(spec_.exec_weight)} 分，{parts}）"
    return f"（执行情况 {fmt_num(spec_.exec_weight)} 分，年度绩效指标 {fmt_num(spec_.indicator_weight)} 分）"


def _write_guide(wb: xlsxwriter.Workbook, spec_: Spec, rules: Rules, f: dict) -> None:
    ws = wb.add_worksheet(GUIDE_SHEET)
    label_w, text_w = 16, printing.PORTRAIT_UNITS - 16
    ws.set_column(0, 0, label_w)
    ws.set_column(1, 1, text_w)
    ws.set_row(0, 32)
    ws.merge_range(0, 0, 0, 1, f"{spec_.title}填表说明", f["title"])
    legend = ("浅黄色单元格为填写区；灰色标签和公式单元格已保护（未设密码）。"
              "执行率、执行得分、总分由公式自动计算。")
    ws.merge_range(1, 0, 1, 1, legend, f["text"])
    ws.set_row(1, printing.row_height(legend, label_w + text_w))
    ws.write_row(2, 0, ("栏目", "填写说明"), f["label"])
    r = 3
    for label, text in guide_rows(spec_, rules):
        ws.write(r, 0, label, f["label_left"])
        ws.write(r, 1, text, f["text"])
        ws.set_row(r, max(printing.row_height(text, text_w), printing.row_height(label, label_w)))
        r += 1
    ws.merge_range(r + 1, 0, r + 1, 1, f"计分规则（{profile_label(rules.name)}）", f["label_left"])
    for i, line in enumerate(rule_lines(spec_, rules), r + 2):
        ws.merge_range(i, 0, i, 1, line, f["text"])
        ws.set_row(i, printing.row_height(line, label_w + text_w))
    _a4(ws)


# --- the workbook ----------------------------------------------------------------------------

def write_template(kind: str, path: Path, rules: Rules | None = None) -> Path:
    """Write the blank template of `kind` ('project' | 'department') to `path`; returns path."""
    rules = rules or load_rules()
    spec_ = spec(kind, rules)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"title": spec_.title, "subject": "预算绩效自评", "author": "xlsproc",
                       "created": CREATED, "comments": "由 xlsproc 生成的空白自评表模板"})
    formats = _formats(wb)
    _Form(wb, spec_, formats).write()
    _write_guide(wb, spec_, rules, formats)
    wb.close()
    return path


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "templates"
    for kind in KINDS:
        print(write_template(kind, folder / FILE_NAMES[kind]))


if __name__ == "__main__":
    main()
