"""Flags: the checks of shared/spec/scoring.md on indicator rows and whole tables, collected with
the rule profile's severities and ordered as a finance officer reads them."""
from __future__ import annotations

from math import isnan    # (numpy's, on one float, costs 15× more)
from typing import TYPE_CHECKING

from xlsproc.errors import make_flag
from xlsproc.model import Cell, Evaluation, Flag, IndicatorRow
from xlsproc.read import layout
from xlsproc.read.values import units_compatible
from xlsproc.rules import Rules
from xlsproc.score.indicators import band, lacks_weights, unit_or_none
from xlsproc.score.numbers import as_number, fmt
from xlsproc.score.result import IndicatorResult

if TYPE_CHECKING:
    from xlsproc.score.result import BudgetResult


# --- flags ---------------------------------------------------------------------------------

class FlagSink:
    """Collects flags for one evaluation with the rule profile's severities."""

    def __init__(self, ev: Evaluation, rules: Rules):
        self.ev, self.rules, self.flags = ev, rules, []

    def add(self, code: str, cell: Cell | None, indicator: str | None = None,
            severity: str | None = None, **fields) -> None:
        ref = cell.ref if cell is not None else None
        if code == "score-missing" and ref is not None and ref.cell in self.ev.filled_by_xlsproc:
            return                  # blank but for our own earlier fill: filled-by-xlsproc says so
        self.flags.append(make_flag(
            code, severity or self.rules.severity(code), self.ev.sheet,
            ref.cell if ref else (self.ev.header_cell.cell if self.ev.header_cell else None),
            indicator, **fields))


def indicator_flags(sink: FlagSink, row, ind: IndicatorRow, rules: Rules, formula: str) -> None:
    name = ind.name.text or None
    ir = rules["indicators"]
    if row.a_kind == "blank":
        sink.add("actual-missing", ind.actual, name)
    elif row.t_kind in ("number", "compound") and row.kind == "qualitative":
        sink.add("actual-not-numeric", ind.actual, name, target=row.target_text, actual=row.actual_text)
    elif row.t_kind == "number" and row.a_kind == "compound" and row.kind != "manual":
        sink.add("actual-several", ind.actual, name, actual=row.actual_text)  # no one of them is it
    if row.kind in ("positive", "equal") and row.t == 0:
        sink.add("target-zero", ind.target, name)
    if row.kind in ("positive", "equal") and row.completion >= ir["over_completion"] and row.t != 0 \
            and isnan(row.last):
        sink.add("over-completion", ind.actual, name, ratio=fmt(row.completion))
    if isinstance(row.late, str) and row.grade == "达成" and not row.rep < row.w:
        sink.add("finished-late", ind.actual, name, late=row.late)     # late, yet full marks
    if _unit_clash(row):
        sink.add("unit-mismatch", ind.actual, name, target_unit=unit_or_none(row.t_unit),
                 actual_unit=unit_or_none(row.a_unit))
    if row.no_w:
        return                   # one weight-column-missing flag for the table says it all
    if row.kind == "manual":
        sink.add("manual-review", ind.target, name, target=row.target_text, score=fmt(row.score))
    _score_flags(sink, row, ind, name, rules, formula)


def _unit_clash(row) -> bool:
    if row.kind not in ("positive", "equal", "reverse"):
        return False
    t, a = unit_or_none(row.t_unit), unit_or_none(row.a_unit)
    return bool(t and a) and not units_compatible(t, a)


def _score_flags(sink: FlagSink, row, ind: IndicatorRow, name: str | None, rules: Rules,
                 formula: str) -> None:
    w, rep, score = row.w, row.rep, row.score
    if not isnan(rep) and not isnan(w) and rep > w + 1e-9:
        sink.add("score-over-weight", ind.score, name, reported=fmt(rep), weight=fmt(w))
    if isnan(rep) and not isnan(w) and not no_cache(ind.score):
        sink.add("score-missing", ind.score, name, computed=fmt(score), formula=formula)
    if row.a_kind == "blank":
        return      # one root cause per row: actual-missing; a mismatch or missing reason follows from its 0
    if row.band_out:
        low, high, _ = band(row.grade, w, rules)
        sink.add("qualitative-band", ind.score, name, grade=row.grade, low=fmt(low), high=fmt(high),
                 reported=fmt(rep), computed=fmt(score))
    elif not isnan(rep) and abs(rep - score) > rules["indicators"]["score_tolerance"] + 1e-9 \
            and not (rep > w and score == w):
        sink.add("score-mismatch", ind.score, name, reported=fmt(rep), computed=fmt(score),
                 formula=formula)
    if not isnan(w) and score < w - 0.005 and ind.reason.blank:
        sink.add("deviation-reason-missing", ind.reason if ind.reason.ref else ind.score, name,
                 score=fmt(score), weight=fmt(w))


def no_cache(cell: Cell) -> bool:
    return cell.formula and not cell.cached


# --- table-level checks --------------------------------------------------------------------

def table_flags(ev: Evaluation, sink: FlagSink, budget: BudgetResult | None,
                 results: list[IndicatorResult], rules: Rules) -> None:
    if lacks_weights(ev):
        sink.add("weight-column-missing", None,
                 columns="、".join(name for role, name in COLUMN_NAMES.items()
                                  if role in ev.indicator_columns) or "无")
    else:
        _weight_flags(ev, sink, budget, rules)
        _level1_flags(ev, sink)
    if ev.kind == "project":
        _category_flags(ev, sink, rules)
    if ev.filled_by_xlsproc:
        sink.add("filled-by-xlsproc", None, count=len(ev.filled_by_xlsproc),
                 cells="、".join(ev.filled_by_xlsproc[:8]) + ("等" if len(ev.filled_by_xlsproc) > 8 else ""))
    for ref, formula in ev.formula_no_cache:
        sink.flags.append(make_flag("formula-no-cache", rules.severity("formula-no-cache"),
                                    ev.sheet, ref.cell, None, formula=formula or "（公式）"))


def _weight_flags(ev: Evaluation, sink: FlagSink, budget: BudgetResult | None,
                  rules: Rules) -> None:
    ir = rules["indicators"]
    weights = [as_number(ind.weight) for ind in ev.indicators]
    for ind, w in zip(ev.indicators, weights):
        if not w:
            continue
        where, shown = ind.name if ind.name.ref else ind.weight, ind.name.text or "（空白）"
        if ind.placeholder:
            sink.add("placeholder-left", where, ind.name.text or None, name=shown, weight=fmt(w))
        if ind.row in ev.hidden_rows:           # counted, yet neither seen nor printed
            sink.add("hidden-row", where, ind.name.text or None, row=ind.row + 1, name=shown, weight=fmt(w))
    ind_weights = sum(w or 0.0 for w in weights)
    exec_weight = budget.weight if budget else 0.0
    total_w = exec_weight + ind_weights
    if abs(total_w - ir["weights_total"]) > ir["weights_tolerance"]:
        where = ev.funds.weight if ev.funds and ev.funds.weight.ref else None
        sink.add("weights-sum", where, execution=fmt(exec_weight), indicators=fmt(ind_weights),
                 total=fmt(total_w), expected=fmt(ir["weights_total"]))


# The indicator columns as a finance officer calls them (for the weight-column-missing message).
COLUMN_NAMES = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "op": "指标性质",
                "target": "年度指标值", "unit": "度量单位", "actual": "实际完成值",
                "score": "得分", "reason": "偏差原因"}


def _level1_flags(ev: Evaluation, sink: FlagSink) -> None:
    sums: dict[str, float] = {}
    for ind in ev.indicators:
        key = layout.normalize(ind.level1.text).text
        sums[key] = sums.get(key, 0.0) + (as_number(ind.weight) or 0.0)
    for key, (declared, cell) in ev.level1_weights.items():
        if abs(sums.get(key, 0.0) - declared) > 0.01:
            sink.add("level1-weight-mismatch", cell, level1=key, declared=fmt(declared),
                     actual=fmt(sums.get(key, 0.0)))


def _category_flags(ev: Evaluation, sink: FlagSink, rules: Rules) -> None:
    level1 = {layout.normalize(i.level1.text).text for i in ev.indicators
              if not i.placeholder or as_number(i.weight) is not None}
    for category in rules["indicators"]["required_categories"]:
        if not any(category in text for text in level1):
            sink.add("category-missing", None, category=f"{category}指标")


def total_flags(ev, sink, budget, indicator_score, total, reported_total, rules) -> None:
    if ev.total.ref is None:
        return
    execution = budget.score if budget else 0.0
    if reported_total is None:
        if not no_cache(ev.total):
            sink.add("score-missing", ev.total, computed=fmt(total),
                     formula=f"总分 = 执行得分 {fmt(execution)} + 指标得分 {fmt(indicator_score)}")
    elif abs(reported_total - total) > rules["indicators"]["total_tolerance"] + 1e-9:
        sink.add("total-mismatch", ev.total, reported=fmt(reported_total), execution=fmt(execution),
                 indicators=fmt(indicator_score), computed=fmt(total))


SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def ordered(flags: list[Flag]) -> list[Flag]:
    from xlsproc.model import parse_cell_name
    def key(f: Flag):
        pos = parse_cell_name(f.cell) if f.cell else (-1, -1)
        return (SEVERITY_ORDER[f.severity], pos)
    return sorted(flags, key=key)
