"""Model → scores and flags, driven by a rule profile (rules/default.toml, shared/spec/scoring.md).

Indicators of every evaluation handed in are scored together in one pandas frame (one row per
indicator, one more frame for the parts of compound targets); the per-table figures (budget
execution, totals, weights) are small and computed per table. Scores are rounded half-up to two
decimals only when a score is produced.
"""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xlsproc.read import layout
from xlsproc.errors import make_flag
from xlsproc.model import Cell, Evaluation, Flag, IndicatorRow
from xlsproc.rules import Rules, load_rules, shown_grade
from xlsproc.score.history import relative_completion, relative_target
from xlsproc.score.numbers import round_half_up
from xlsproc.read.values import (Value, column_operator, parse_value, target_in_name,
                                 units_compatible)


# --- numbers -------------------------------------------------------------------------------

def fmt(x: float | None, places: int = 2) -> str:
    """A number as a finance officer writes it: 10, 9.44, 344.18 (no trailing zeros)."""
    if x is None or x != x:
        return "—"
    rounded = round_half_up(x, places)
    if rounded.is_integer():
        return str(int(rounded))
    return f"{rounded:.{places}f}".rstrip("0")


def pct(rate: float | None, places: int = 2) -> str:
    return "—" if rate is None else f"{fmt(rate * 100, places)}%"


def as_number(cell: Cell) -> float | None:
    """A cell's numeric value (numbers typed as text included), or None."""
    if cell.blank:
        return None
    if isinstance(cell.value, bool):
        return None
    if isinstance(cell.value, (int, float)):
        return float(cell.value)
    value = parse_value(cell.value)
    if value.kind == "number" and value.op is None:
        return value.number
    return None


# --- results -------------------------------------------------------------------------------

@dataclass
class BudgetResult:
    initial: float | None
    annual: float | None
    executed: float | None
    rate: float | None
    reported_rate: float | None
    weight: float
    score: float
    reported_score: float | None
    cell: str | None
    formula: str = ""
    used_components: bool = False


@dataclass
class IndicatorResult:
    row: IndicatorRow
    kind: str
    completion: float | None
    weight: float | None
    score: float
    reported_score: float | None
    formula: str
    grade: str | None = None          # qualitative grade, when scored as such

    @property
    def name(self) -> str:
        return self.row.name.text


@dataclass
class EvaluationResult:
    evaluation: Evaluation
    budget: BudgetResult | None
    indicators: list[IndicatorResult]
    indicator_score: float
    total_score: float
    reported_total: float | None
    grade: str | None               # None while weights-sum stands: shown as 待定
    flags: list[Flag] = field(default_factory=list)

    @property
    def grade_shown(self) -> str:
        return shown_grade(self.grade)



# --- the indicator frame -------------------------------------------------------------------

def _target_value(row: IndicatorRow) -> tuple[Value, bool]:
    """The parsed target, and whether it was taken from the indicator's name (年度指标值 blank,
    the name ending in a quantity: '年度资金支付完成率100%')."""
    value = parse_value(row.target.value)
    if value.kind == "blank":
        named = target_in_name(row.name.value)
        if named is not None:
            return _with_unit(named, row.unit_hint), True
    return _hinted(value, row), False


def _hinted(value: Value, row: IndicatorRow) -> Value:
    """The target with what the 指标性质 and 度量单位 columns add to it."""
    op = column_operator(row.op_hint)
    if op == "qualitative":
        return Value(value.text, "qualitative", None, ())
    if op and value.kind in ("number", "compound") and value.op is None:
        value = Value(value.text, value.kind, op, value.parts)
    return _with_unit(value, row.unit_hint)


def _with_unit(value: Value, unit: str | None) -> Value:
    if not unit or value.kind != "number" or value.unit:
        return value
    hinted = parse_value(f"1{unit}").unit
    part = type(value.parts[0])(value.parts[0].number, hinted)
    return Value(value.text, value.kind, value.op, (part,))


def _kind(t: Value, a: Value) -> str:
    """How an indicator is scored (the JSON `kind`)."""
    if t.kind == "relative":
        return "manual"
    if t.kind in ("qualitative", "deadline", "blank"):
        return "qualitative"
    if a.kind not in ("number", "compound", "blank"):
        return "qualitative"        # actual-not-numeric: scored on the text
    if t.kind == "compound":
        return "compound"
    return {"<=": "reverse", "<": "reverse", "=": "equal"}.get(t.op, "positive")


def unit_or_none(x) -> str | None:
    """Units travel through pandas, where a missing one may come back as NaN."""
    return x if isinstance(x, str) and x else None


def _scale_percent(t_num: float, t_unit, a_num: float, a_unit) -> float:
    """An actual of 0.98 against a target of ≥95% means 98%."""
    if unit_or_none(t_unit) == "%" and unit_or_none(a_unit) is None and abs(a_num) <= 1.5 < abs(t_num):
        return a_num * 100
    return a_num


LastYear = Callable[[Evaluation, IndicatorRow], "float | None"]


def _relative(ev: Evaluation, ind: IndicatorRow, t: Value, a: Value,
              last_year: LastYear | None) -> tuple[str, float, float]:
    """A relative target (不低于上一年度) scored against last year's actual when it is known:
    (kind, completion, last year's figure); ('manual', nan, nan) when it is not."""
    if last_year is None or a.kind != "number":
        return "manual", np.nan, np.nan
    last = last_year(ev, ind)
    if last is None:
        return "manual", np.nan, np.nan
    completion = relative_completion(t.text, a.number, last, year=ev.year)
    target = relative_target(t.text, last, ev.year)
    if completion is None or target is None:
        return "manual", np.nan, np.nan
    return ("reverse" if target.direction == "down" else "positive"), completion, last


# The indicator frame's columns; text ones are kept as Python objects (pandas 3 would make them
# Arrow-backed strings: slower to build and handed back one element at a time).
FRAME_COLUMNS = ("e", "i", "kind", "t_kind", "a_kind", "t", "a", "t_unit", "a_unit", "w", "rep",
                 "actual_text", "reason_blank", "target_text", "rel_c", "last", "no_w", "t_named")
TEXT_COLUMNS = ("kind", "t_kind", "a_kind", "t_unit", "a_unit", "actual_text", "target_text")


def indicator_frame(evaluations: list[Evaluation],
                    last_year: LastYear | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per scored indicator of every evaluation, and one row per compound part."""
    rows, parts = [], []
    for e_id, ev in enumerate(evaluations):
        no_w = lacks_weights(ev)
        for i_id, ind in enumerate(ev.indicators):
            if ind.placeholder and as_number(ind.weight) is None:
                continue        # a template's empty row; with a weight it counts (and is flagged)
            (t, named), a = _target_value(ind), _with_unit(parse_value(ind.actual.value), ind.unit_hint)
            kind, rel_c, last = _kind(t, a), np.nan, np.nan
            if kind == "manual":
                kind, rel_c, last = _relative(ev, ind, t, a, last_year)
            if no_w:
                kind = "manual"         # nothing to score against: the reported score stands
            rows.append((
                e_id, i_id, kind, t.kind, a.kind,
                t.number if t.kind == "number" else np.nan,
                a.number if a.kind == "number" else np.nan,
                t.unit, a.unit, _num_or_nan(ind.weight), _num_or_nan(ind.score),
                a.text, ind.reason.blank, t.text, rel_c, last, no_w, named))
            if kind == "compound":
                parts.extend(_compound_parts((e_id, i_id), t, a))
    columns = list(zip(*rows)) or [()] * len(FRAME_COLUMNS)
    frame = pd.DataFrame({name: np.array(values, dtype=object) if name in TEXT_COLUMNS else values
                          for name, values in zip(FRAME_COLUMNS, columns)})
    return frame, pd.DataFrame(parts, columns=["e", "i", "t", "a", "unit_ok"])


def lacks_weights(ev: Evaluation) -> bool:
    """The indicator table has no 分值 column the reader could find: no score can be checked."""
    return ev.indicator_columns is not None and "weight" not in ev.indicator_columns


def _num_or_nan(cell: Cell) -> float:
    n = as_number(cell)
    return np.nan if n is None else n


def _compound_parts(key, t: Value, a: Value) -> list[dict]:
    actual_parts = a.parts if a.parts else ()
    out = []
    for n, tp in enumerate(t.parts):
        ap = actual_parts[n] if n < len(actual_parts) else None
        out.append({"e": key[0], "i": key[1], "t": tp.number,
                    "a": ap.number if ap else 0.0,
                    "unit_ok": ap is None or units_compatible(tp.unit, ap.unit)})
    return out


def _completion(frame: pd.DataFrame, parts: pd.DataFrame) -> pd.Series:
    """Completion ratio for quantitative kinds (NaN elsewhere), vectorised."""
    t, a = frame["t"], frame["a"]
    a = pd.Series([_scale_percent(tv, tu, av, au) if not (np.isnan(tv) or np.isnan(av)) else av
                   for tv, tu, av, au in zip(t, frame["t_unit"], a, frame["a_unit"])],
                  index=frame.index, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        positive = np.where(t == 0, np.where(a >= 0, 1.0, 0.0), a / t)
        reverse = np.where(a <= t, 1.0, np.where(a == 0, 1.0, t / a))
    kind = frame["kind"]
    out = pd.Series(np.nan, index=frame.index)
    out = out.mask(kind.isin(["positive", "equal"]), positive)
    out = out.mask(kind == "reverse", reverse)
    if len(parts):
        with np.errstate(divide="ignore", invalid="ignore"):
            pc = np.where(parts["t"] == 0, 1.0, parts["a"] / parts["t"])
        per = parts.assign(c=pc).groupby(["e", "i"])["c"].min()
        idx = pd.MultiIndex.from_frame(frame[["e", "i"]])
        out = out.mask(kind == "compound", pd.Series(per.reindex(idx).to_numpy(), index=frame.index))
    out = out.mask(frame["rel_c"].notna(), frame["rel_c"])      # relative targets, last year known
    out = out.mask(frame["a_kind"] == "blank")
    return out


# --- qualitative grades --------------------------------------------------------------------

def _grades(texts: pd.Series, rules: Rules) -> pd.Series:
    q = rules["qualitative"]
    unmet = texts.str.contains("|".join(q["unmet_words"]), regex=True)
    partial = texts.str.contains("|".join(q["partial_words"]), regex=True)
    return pd.Series(np.select([unmet, partial], ["未达成", "部分达成"], "达成"), index=texts.index)


def _band(grade: str, w: float, rules: Rules) -> tuple[float, float, float]:
    """(low, high, default) in points for a grade; the top of a lower band is 0.01 below the next."""
    q = rules["qualitative"]
    key = {"达成": "met", "部分达成": "partial", "未达成": "unmet"}[grade]
    low, high = q[f"band_{key}"]
    top = w * high if key == "met" else w * high - 0.01
    return w * low, top, w * q[f"default_{key}"]


# --- scoring one indicator frame -----------------------------------------------------------

def score_indicators(frame: pd.DataFrame, parts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Adds completion, grade, score (rounded) and band/missing marks to the frame."""
    frame = frame.copy()
    frame["completion"] = _completion(frame, parts)
    w = frame["w"].fillna(0.0)
    frame["grade"] = _grades(frame["actual_text"], rules).where(frame["kind"] == "qualitative")
    quant = w * frame["completion"].clip(lower=0.0, upper=1.0)   # a score is never negative
    qual = [_qualitative_score(g, wv, r, rules) if isinstance(g, str) else (np.nan, False)
            for g, wv, r in zip(frame["grade"], w, frame["rep"])]
    frame["band_out"] = [b for _, b in qual]
    manual = np.minimum(frame["rep"].fillna(0.0), w.where(~frame["no_w"].astype(bool), np.inf))
    raw = np.select([frame["a_kind"] == "blank", frame["kind"] == "manual",
                     frame["kind"] == "qualitative"],
                    [0.0, manual, [s for s, _ in qual]], quant.fillna(0.0))
    frame["score"] = [round_half_up(x) for x in raw]
    return frame


def _qualitative_score(grade: str, w: float, reported: float, rules: Rules) -> tuple[float, bool]:
    low, high, default = _band(grade, w, rules)
    if np.isnan(reported):
        return default, False
    if low - 1e-9 <= reported <= high + 1e-9:
        return reported, False
    return (high if reported > high else low), True


# --- explanations --------------------------------------------------------------------------

def _formula(row, ind: IndicatorRow) -> str:
    text = _explanation(row)
    if row.t_named:
        return f"年度指标值未填，取指标名称中的“{row.target_text}”为年度指标值；{text}"
    return text


def _explanation(row) -> str:
    w, kind, score = fmt(row.w), row.kind, fmt(row.score)
    if row.no_w:
        return f"未找到分值列，无法核算，按填报得分计 = {score}"
    if row.a_kind == "blank":
        return "实际完成值未填，得分 = 0"
    if kind == "manual":
        return f"相对目标需人工复核，保留填报得分（不超过分值 {w}）= {score}"
    if kind == "qualitative":
        return f"定性指标，实际完成情况判定为“{row.grade}”，得分 = {score}"
    if not np.isnan(row.last):
        return (f"相对目标，按上年实际值 {fmt(row.last, 4)} 计算完成率 {fmt(row.completion, 4)}，"
                f"得分 = {w} × {fmt(min(row.completion, 1), 4)} = {score}")
    if kind == "compound":
        return f"复合指标取各分项完成率的最小值 {fmt(row.completion, 4)}，得分 = {w} × {fmt(min(row.completion, 1), 4)} = {score}"
    t, a = fmt(row.t, 4), fmt(row.a, 4)
    if kind == "reverse":
        if row.completion >= 1:
            return f"反向指标，实际完成值 {a} 未超过年度指标值 {t}，得满分 {w}"
        return f"得分 = 分值 × 年度指标值 ÷ 实际完成值 = {w} × {t} ÷ {a} = {score}"
    if row.t == 0:
        return f"年度指标值为 0，按完成计，得分 = {score}"
    if row.completion >= 1:
        return f"实际完成值 {a} 达到年度指标值 {t}，得满分 {w}"
    return f"得分 = 分值 × 实际完成值 ÷ 年度指标值 = {w} × {a} ÷ {t} = {score}"


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


def _indicator_flags(sink: FlagSink, row, ind: IndicatorRow, rules: Rules, formula: str) -> None:
    name = ind.name.text or None
    ir = rules["indicators"]
    if row.a_kind == "blank":
        sink.add("actual-missing", ind.actual, name)
    elif row.t_kind in ("number", "compound") and row.kind == "qualitative":
        sink.add("actual-not-numeric", ind.actual, name, target=row.target_text, actual=row.actual_text)
    if row.kind in ("positive", "equal") and row.t == 0:
        sink.add("target-zero", ind.target, name)
    if row.kind in ("positive", "equal") and row.completion >= ir["over_completion"] and row.t != 0 \
            and np.isnan(row.last):
        sink.add("over-completion", ind.actual, name, ratio=fmt(row.completion))
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
    if not np.isnan(rep) and not np.isnan(w) and rep > w + 1e-9:
        sink.add("score-over-weight", ind.score, name, reported=fmt(rep), weight=fmt(w))
    if np.isnan(rep) and not np.isnan(w) and not _no_cache(ind.score):
        sink.add("score-missing", ind.score, name, computed=fmt(score), formula=formula)
    if row.a_kind == "blank":
        return      # one root cause per row: actual-missing; a mismatch or missing reason follows from its 0
    if row.band_out:
        low, high, _ = _band(row.grade, w, rules)
        sink.add("qualitative-band", ind.score, name, grade=row.grade, low=fmt(low), high=fmt(high),
                 reported=fmt(rep), computed=fmt(score))
    elif not np.isnan(rep) and abs(rep - score) > rules["indicators"]["score_tolerance"] + 1e-9 \
            and not (rep > w and score == w):
        sink.add("score-mismatch", ind.score, name, reported=fmt(rep), computed=fmt(score),
                 formula=formula)
    if not np.isnan(w) and score < w - 0.005 and ind.reason.blank:
        sink.add("deviation-reason-missing", ind.reason if ind.reason.ref else ind.score, name,
                 score=fmt(score), weight=fmt(w))


def _no_cache(cell: Cell) -> bool:
    return cell.formula and not cell.cached


# --- budget execution ----------------------------------------------------------------------

def _sum_cells(cells: list[Cell]) -> float | None:
    nums = [as_number(c) for c in cells]
    nums = [n for n in nums if n is not None]
    return sum(nums) if nums else None


def score_budget(ev: Evaluation, sink: FlagSink, rules: Rules) -> BudgetResult | None:
    funds = ev.funds
    if funds is None:
        sink.add("budget-missing", None)
        return None
    if funds.total is None:
        return _rate_only_budget(ev, sink, rules)
    er = rules["execution"]
    total = funds.total
    used_components = False
    taken = {col: as_number(getattr(total, col)) for col in ("annual", "executed", "initial")}
    for col in ("annual", "executed", "initial"):
        comp_total, problem = _components_check(funds, col, er["fund_tolerance"], ev.money_unit)
        if problem:
            sink.add("fund-rows-sum", getattr(total, col), None, **problem)
        if comp_total is not None and not as_number(getattr(total, col)):
            used_components = True
            taken[col] = comp_total
    annual, executed = taken["annual"], taken["executed"]
    weight = as_number(funds.weight)
    if weight is None:
        weight = funds.block_weight or er[f"default_weight_{ev.kind}"]
    rate = executed / annual if annual and executed is not None else None
    if not annual:
        sink.add("budget-missing", total.annual)
    score = round_half_up(weight * min(rate, 1.0)) if rate is not None else 0.0
    result = BudgetResult(
        initial=taken["initial"], annual=annual, executed=executed, rate=rate,
        reported_rate=None, weight=weight, score=score, reported_score=as_number(funds.score),
        cell=total.executed.ref.cell if total.executed.ref else None,
        formula=(f"得分 = 分值 × 执行率 = {fmt(weight)} × {fmt(executed)} ÷ {fmt(annual)} = {fmt(score)}"
                 if rate is not None else "全年预算数缺失，无法计算执行率"),
        used_components=used_components)
    _rate_flags(ev, sink, result, rules)
    _budget_score_flags(ev, sink, result, rules)
    return result


def _rate_only_budget(ev: Evaluation, sink: FlagSink, rules: Rules) -> BudgetResult | None:
    """No money block, only a 预算执行率 row in the indicator table: score its reported rate."""
    funds, er = ev.funds, rules["execution"]
    rate, _ = parse_reported_rate(funds.rate, er["rate_max_decimals"])
    if rate is None:
        sink.add("budget-missing", funds.rate if funds.rate.ref else None)
        return None
    weight = as_number(funds.weight) or er[f"default_weight_{ev.kind}"]
    score = round_half_up(weight * min(rate, 1.0))
    result = BudgetResult(initial=None, annual=None, executed=None, rate=rate, reported_rate=rate,
                          weight=weight, score=score, reported_score=as_number(funds.score),
                          cell=funds.rate.ref.cell if funds.rate.ref else None,
                          formula=f"得分 = 分值 × 执行率 = {fmt(weight)} × {pct(rate)} = {fmt(score)}")
    if rate < er["low_rate"]:
        sink.add("low-execution-rate", funds.rate, rate=pct(rate), threshold=pct(er["low_rate"], 0),
                 advice="请说明预算执行偏低的原因及改进措施。")
    _budget_score_flags(ev, sink, result, rules)
    return result


def _components_check(funds, col: str, tol: float,
                      unit: str = "万元") -> tuple[float | None, dict | None]:
    """Sum of the first component group, and a problem description if it disagrees."""
    total_cell = getattr(funds.total, col)
    total = as_number(total_cell)
    groups: dict[int, list[Cell]] = {}
    for row in top_level_components(funds.components, tol):
        groups.setdefault(row.group, []).append(getattr(row, col))
    split = [part for _, cells in sorted(groups.items()) for part in _split_at_total(cells, total, tol)]
    first_sum = None
    for cells in split:
        s = _sum_cells(cells)
        if s is None:
            continue
        first_sum = s if first_sum is None else first_sum
        label = {"annual": "全年预算数", "executed": "全年执行数", "initial": "年初预算数"}[col]
        if not total and s:
            state = "为空" if total is None else "为 0 "
            return first_sum, {"detail": label, "what": f"总额行{state}而分项合计为 {fmt(s)} {unit}，"
                                                        "已按分项合计计算"}
        if total is not None and abs(total - s) > tol + 1e-9:
            return first_sum, {"detail": label, "what": f"总额 {fmt(total)} {unit}，分项合计 {fmt(s)} {unit}，"
                                                        f"相差 {fmt(total - s)} {unit}"}
    return first_sum, None


def _split_at_total(cells: list[Cell], total: float | None, tol: float) -> list[list[Cell]]:
    """Rows that add up to the total twice over — 财政拨款/其他资金, then 基本支出/项目支出, with no
    按…性质分 label between them — are two groups, split where the running sum reaches the total."""
    if not total or len(cells) < 4:
        return [cells]
    groups, current, running = [], [], 0.0
    for cell in cells:
        current.append(cell)
        running += as_number(cell) or 0.0
        if abs(running - total) <= tol + 1e-9:
            groups.append(current)
            current, running = [], 0.0
    return groups if not current and len(groups) > 1 else [cells]


def top_level_components(rows, tol: float) -> list:
    """Component rows that add up to the total, without the breakdown of a component.

    A 其中 row right under a component (group -1 from the reader) opens that component's
    breakdown (其中：上级补助 / 本级安排); the breakdown runs on until its rows add up to the
    component, so 本级安排 stays inside it and 其他资金 after it is top level again."""
    out, parent, inside = [], None, None
    for row in rows:
        amount = _amount(row)
        if row.group < 0 and parent is not None:
            inside = amount
        elif inside is not None:
            inside += amount
        else:
            out.append(row)
            parent = amount
            continue
        if inside >= parent - tol:
            inside = None
    return out


def _amount(row) -> float:
    for cell in (row.annual, row.executed, row.initial):
        n = as_number(cell)
        if n is not None:
            return n
    return 0.0


def parse_reported_rate(cell: Cell, max_decimals: int) -> tuple[float | None, int]:
    """(fraction, decimals in percent) of a reported 执行率: '99.38%', 0.9938 or 99.38."""
    if cell.blank:
        return None, 0
    if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
        number, text, percent = float(cell.value), repr(round(float(cell.value), 10)), False
    else:
        value = parse_value(cell.value)
        if value.kind != "number":
            return None, 0
        number, text, percent = value.number, _digits_text(cell.text), value.unit == "%"
    decimals = len(text.split(".")[1].rstrip("0")) if "." in text and "e" not in text else 0
    if percent or abs(number) > 1.5:
        return round(number / 100, 10), min(decimals, max_decimals)
    return number, min(max(decimals - 2, 0), max_decimals)


def _digits_text(text: str) -> str:
    import unicodedata
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if ch.isdigit() or ch == ".")


def _rate_flags(ev: Evaluation, sink: FlagSink, b: BudgetResult, rules: Rules) -> None:
    er = rules["execution"]
    funds = ev.funds
    rate_cell = funds.rate if funds.rate.ref else funds.total.executed
    reported, decimals = parse_reported_rate(funds.rate, er["rate_max_decimals"])
    b.reported_rate = reported
    if b.rate is None:
        return
    if reported is not None:
        ours = round_half_up(b.rate * 100, decimals)
        theirs = round_half_up(reported * 100, decimals)
        if ours != theirs:
            sink.add("execution-rate-mismatch", funds.rate, reported=funds.rate.text,
                     executed=fmt(b.executed), annual=fmt(b.annual), computed=pct(b.rate))
    if b.rate < er["low_rate"]:
        has_reason = not funds.reason.blank
        sink.add("low-execution-rate", rate_cell,
                 severity=rules.severity("low-execution-rate-with-reason") if has_reason else None,
                 rate=pct(b.rate), threshold=pct(er["low_rate"], 0),
                 advice="已填写原因，请确认原因充分。" if has_reason else
                 "请在原因栏说明预算执行偏低的原因及改进措施。" if funds.reason.ref else
                 "请在偏差原因分析或自评报告中说明预算执行偏低的原因及改进措施。")
    if b.rate > er["max_rate"]:
        sink.add("over-execution", funds.total.executed, executed=fmt(b.executed),
                 annual=fmt(b.annual), rate=pct(b.rate), money_unit=ev.money_unit)


def _budget_score_flags(ev: Evaluation, sink: FlagSink, b: BudgetResult, rules: Rules) -> None:
    cell = ev.funds.score
    if cell.ref is None:
        return
    rep = b.reported_score
    if rep is None:
        if not _no_cache(cell):
            sink.add("score-missing", cell, computed=fmt(b.score), formula=b.formula)
        return
    if rep > b.weight + 1e-9:
        sink.add("score-over-weight", cell, reported=fmt(rep), weight=fmt(b.weight))
    if abs(rep - b.score) > rules["indicators"]["score_tolerance"] + 1e-9 \
            and not (rep > b.weight and b.score == b.weight):
        sink.add("score-mismatch", cell, reported=fmt(rep), computed=fmt(b.score), formula=b.formula)


# --- table-level checks --------------------------------------------------------------------

def _table_flags(ev: Evaluation, sink: FlagSink, budget: BudgetResult | None,
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
    for ind in ev.indicators:
        w = as_number(ind.weight)
        if ind.placeholder and w:
            sink.add("placeholder-left", ind.name if ind.name.ref else ind.weight,
                     ind.name.text or None, name=ind.name.text or "（空白）", weight=fmt(w))
    ind_weights = sum(as_number(i.weight) or 0.0 for i in ev.indicators)
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


# --- everything together -------------------------------------------------------------------

def score(evaluations: list[Evaluation], rules: Rules | None = None,
          last_year: LastYear | None = None) -> list[EvaluationResult]:
    """Score every evaluation (of one workbook or a whole batch) in one indicator frame.

    `last_year(evaluation, indicator)` returns last year's actual for a relative target
    (不低于上一年度), e.g. from the results store; without it those stay for manual review.
    """
    rules = rules or load_rules()
    frame, parts = indicator_frame(evaluations, last_year)
    scored = score_indicators(frame, parts, rules)
    by_eval: dict[int, list] = {}
    for row in _rows(scored):            # one pass, no per-table sub-frames
        by_eval.setdefault(row.e, []).append(row)
    return [_evaluation_result(ev, by_eval.get(n, ()), rules) for n, ev in enumerate(evaluations)]


def _rows(frame: pd.DataFrame) -> Iterator:
    """The frame's rows as named tuples of plain Python values (column by column: many times
    cheaper than itertuples, and no Arrow-backed strings handed out one at a time)."""
    row = namedtuple("ScoredRow", frame.columns)
    return map(row._make, zip(*(frame[c].tolist() for c in frame.columns)))


def _evaluation_result(ev: Evaluation, rows, rules: Rules) -> EvaluationResult:
    sink = FlagSink(ev, rules)
    budget = score_budget(ev, sink, rules)
    results = []
    for row in rows:
        ind = ev.indicators[row.i]
        formula = _formula(row, ind)
        _indicator_flags(sink, row, ind, rules, formula)
        results.append(IndicatorResult(
            row=ind, kind=row.kind, weight=None if np.isnan(row.w) else row.w,
            completion=None if np.isnan(row.completion) else float(row.completion),
            score=row.score, reported_score=None if np.isnan(row.rep) else row.rep,
            formula=formula, grade=row.grade if isinstance(row.grade, str) else None))
    _table_flags(ev, sink, budget, results, rules)
    indicator_score = round_half_up(sum(r.score for r in results)) or 0.0
    total = round_half_up((budget.score if budget else 0.0) + indicator_score)
    reported_total = as_number(ev.total)
    _total_flags(ev, sink, budget, indicator_score, total, reported_total, rules)
    # A 110-point table cannot be graded on a 100-point scale: the grade waits for the weights.
    withheld = any(f.code == "weights-sum" for f in sink.flags)
    return EvaluationResult(ev, budget, results, indicator_score, total, reported_total,
                            None if withheld else rules.grade(total), _ordered(sink.flags))


def _total_flags(ev, sink, budget, indicator_score, total, reported_total, rules) -> None:
    if ev.total.ref is None:
        return
    execution = budget.score if budget else 0.0
    if reported_total is None:
        if not _no_cache(ev.total):
            sink.add("score-missing", ev.total, computed=fmt(total),
                     formula=f"总分 = 执行得分 {fmt(execution)} + 指标得分 {fmt(indicator_score)}")
    elif abs(reported_total - total) > rules["indicators"]["total_tolerance"] + 1e-9:
        sink.add("total-mismatch", ev.total, reported=fmt(reported_total), execution=fmt(execution),
                 indicators=fmt(indicator_score), computed=fmt(total))


SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _ordered(flags: list[Flag]) -> list[Flag]:
    from xlsproc.model import parse_cell_name
    def key(f: Flag):
        pos = parse_cell_name(f.cell) if f.cell else (-1, -1)
        return (SEVERITY_ORDER[f.severity], pos)
    return sorted(flags, key=key)
