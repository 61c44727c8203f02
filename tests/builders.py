"""Build evaluation workbooks in tests: one table's content, laid out many ways.

`Layout` names the variations real officers and provinces produce (workbooks.md): where the
table starts, which synonyms the labels use, spaces and line breaks inside labels, letters such
as （A）, weights inside 一级 labels, merged or unmerged category cells, numbers typed as text,
operator and unit in their own columns. The same content must score the same in every layout.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter


@dataclass
class Ind:
    level1: str
    level2: str
    name: str
    target: object
    actual: object
    weight: float | None
    score: float | None = None
    reason: str | None = None


@dataclass
class Table:
    kind: str = "project"                    # project | department
    name: str = "青少年服务项目"
    unit: str = "某街道办事处"
    year: int = 2024
    initial: float | None = 100.0
    annual: float | None = 100.0
    executed: float | None = 95.0
    components: list[tuple[str, float | None, float | None]] = field(
        default_factory=lambda: [("其中：当年财政拨款", 100.0, 95.0), ("上年结转资金", None, None)])
    exec_weight: float | None = 10
    reported_rate: object = "95%"
    exec_score: float | None = 9.5
    indicators: list[Ind] = field(default_factory=list)
    total: float | None = None


@dataclass
class Layout:
    row0: int = 0                 # rows above the title (an 附件3 note goes in the first)
    col0: int = 0                 # empty columns left of the table
    sheet: str = "项目支出绩效自评表"
    spaced: bool = False          # 绩 效 指 标, 年度\n指标值
    letters: bool = False         # 全年预算数（A）
    synonyms: bool = False        # 调整后预算数 / 预算执行数 / 指标值 / 完成值 / 权重 / 实际得分
    weights_in_level1: bool = False
    merge_categories: bool = True
    text_numbers: bool = False    # numbers typed as text, full-width digits
    op_unit_columns: bool = False # 指标性质 | 指标值 | 度量单位 | 完成值 (Sichuan)
    note: str | None = None       # e.g. 附件3


def _label(text: str, lay: Layout) -> str:
    if lay.spaced and len(text) <= 5:
        return " ".join(text)
    if lay.spaced and len(text) > 5:
        return text[:2] + "\n" + text[2:]
    return text


def _num(x, lay: Layout):
    if x is None or not lay.text_numbers or not isinstance(x, (int, float)):
        return x
    text = f"{x:g}"
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def _fund_headers(lay: Layout) -> list[str]:
    if lay.synonyms:
        heads = ["年初预算", "调整后预算数", "预算执行数", "权重", "预算执行率", "实际得分"]
    else:
        heads = ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    if lay.letters:
        heads[1] += "（A）"
        heads[2] += "（B）"
        heads[4] += "（B/A）"
    return heads


def _indicator_headers(lay: Layout) -> list[str]:
    if lay.op_unit_columns:
        return ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值",
                "权重", "得分", "未完成原因分析"]
    if lay.synonyms:
        return ["一级指标", "二级指标", "指标名称", "指标值", "完成值", "权重", "实际得分",
                "偏差原因及改进措施"]
    return ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
            "偏差原因分析及改进措施"]


def _split_op_unit(value):
    """'≥300个' → ('≥', '300', '个') for the Sichuan columns; plain text → ('定性', text, None)."""
    import re
    if not isinstance(value, str):
        return ("≥", value, None)
    m = re.fullmatch(r"(≥|≤|=)?\s*([\d.]+)\s*(\D*)", value)
    if not m:
        return ("定性", value, None)
    return (m.group(1) or "≥", m.group(2), m.group(3) or None)


def build(table: Table, lay: Layout, path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = lay.sheet
    w = _Writer(ws, lay)
    if lay.note:
        ws.cell(1, 1, lay.note)
    title = "项目支出绩效自评表" if table.kind == "project" else "部门整体支出绩效自评表"
    w.row([title], merge_to=8)
    w.row([f"（{table.year}年度）"], merge_to=8)
    if table.kind == "project":
        w.row([_label("项目名称", lay), table.name], merge_from=1, merge_to=8)
        w.row([_label("主管部门", lay), table.unit, None, None, _label("实施单位", lay), table.unit])
    else:
        w.row([_label("部门名称", lay), table.unit], merge_from=1, merge_to=8)
    _funds(w, table, lay)
    w.row([_label("年度总体目标", lay), "预期目标", None, None, "实际完成情况"])
    w.row([None, "完成年度工作任务", None, None, "已完成"])
    _indicators(w, table, lay)
    total_row = ["总分"] + [None] * (len(_indicator_headers(lay)) - 3) + [100, table.total]
    w.row(total_row)
    wb.save(path)
    return path


class _Writer:
    def __init__(self, ws, lay: Layout):
        self.ws, self.lay = ws, lay
        self.r = lay.row0 + 1 + (1 if lay.note and lay.row0 == 0 else 0)

    def row(self, values, merge_from: int | None = None, merge_to: int | None = None) -> int:
        for i, v in enumerate(values):
            if v is not None:
                self.ws.cell(self.r, self.lay.col0 + 1 + i, v)
        if merge_to is not None:
            start = self.lay.col0 + 1 + (merge_from or 0)
            end = self.lay.col0 + 1 + merge_to
            self.ws.merge_cells(f"{get_column_letter(start)}{self.r}:{get_column_letter(end)}{self.r}")
        self.r += 1
        return self.r - 1

    def merge_down(self, col: int, first: int, last: int) -> None:
        if last > first:
            letter = get_column_letter(self.lay.col0 + 1 + col)
            self.ws.merge_cells(f"{letter}{first}:{letter}{last}")


def _funds(w: _Writer, t: Table, lay: Layout) -> None:
    block = "项目资金（万元）" if t.kind == "project" else "部门预算资金（万元）"
    first = w.row([_label(block, lay), None] + _fund_headers(lay))
    total = "年度资金总额" if not lay.synonyms else "总额"
    w.row([None, total, _num(t.initial, lay), _num(t.annual, lay), _num(t.executed, lay),
           t.exec_weight, t.reported_rate, t.exec_score])
    last = first + 1
    for label, a, b in t.components:
        last = w.row([None, label, _num(a, lay), _num(a, lay), _num(b, lay), "—", None, "—"])
    w.merge_down(0, first, last)


def _indicators(w: _Writer, t: Table, lay: Layout) -> None:
    first = w.row([_label("绩效指标", lay)] + [_label(h, lay) for h in _indicator_headers(lay)])
    groups: dict[str, list[int]] = {}
    level1_weight = {}
    for ind in t.indicators:
        level1_weight[ind.level1] = level1_weight.get(ind.level1, 0) + (ind.weight or 0)
    seen1 = set()
    for ind in t.indicators:
        l1 = ind.level1
        if lay.weights_in_level1:
            l1 = f"{l1}（{level1_weight[ind.level1]:g}分）"
        show1 = l1 if (ind.level1 not in seen1 or not lay.merge_categories) else None
        seen1.add(ind.level1)
        r = w.row([None, show1, ind.level2] + _indicator_values(ind, lay))
        groups.setdefault(ind.level1, []).append(r)
    if lay.merge_categories:
        for rows in groups.values():
            w.merge_down(1, rows[0], rows[-1])
    w.merge_down(0, first, w.r - 1)


def _indicator_values(ind: Ind, lay: Layout) -> list:
    if lay.op_unit_columns:
        op, value, unit = _split_op_unit(ind.target)
        _, actual, _ = _split_op_unit(ind.actual)
        if op == "定性":
            actual = ind.actual
        return [ind.name, op, _num(value, lay), unit, _num(actual, lay), ind.weight, ind.score, ind.reason]
    return [ind.name, _num(ind.target, lay) if not isinstance(ind.target, str) else ind.target,
            ind.actual, ind.weight, ind.score, ind.reason]


def standard_table(**changes) -> Table:
    """A realistic project table that scores 97.5 by hand (see test_layouts)."""
    t = Table(indicators=[
        Ind("产出指标", "数量指标", "开展活动场次", "≥20场", "20场", 20, 20),
        Ind("产出指标", "数量指标", "服务青少年人次", "≥1000人次", "900人次", 20, 18, "暑期活动因天气取消两场"),
        Ind("产出指标", "质量指标", "活动覆盖社区数", "≥10个", "11个", 10, 10),
        Ind("效益指标", "社会效益指标", "青少年参与度", "有效提升", "有效提升", 20, 20),
        Ind("效益指标", "可持续影响指标", "服务机制长效运行", "≥3年", "3年", 10, 10),
        Ind("满意度指标", "服务对象满意度指标", "家长满意度", "≥90%", "95%", 10, 10),
    ], total=97.5)
    return replace(t, **changes)
