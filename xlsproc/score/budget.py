"""Budget execution (预算执行率): amounts, rate, score and their checks (shared/spec/scoring.md)."""
from __future__ import annotations

from xlsproc.model import Cell, Evaluation
from xlsproc.read.values import parse_value
from xlsproc.rules import Rules
from xlsproc.score.flags import FlagSink, no_cache
from xlsproc.score.numbers import as_number, fmt, pct, round_half_up
from xlsproc.score.result import BudgetResult


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
        if problem and not no_cache(getattr(total, col)):
            # (a total that is a formula without its result — =SUM(其中…) written by a program — is
            # not blank: formula-no-cache says so once, and its components stand in for it)
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
        if not no_cache(cell):
            sink.add("score-missing", cell, computed=fmt(b.score), formula=b.formula)
        return
    if rep > b.weight + 1e-9:
        sink.add("score-over-weight", cell, reported=fmt(rep), weight=fmt(b.weight))
    if abs(rep - b.score) > rules["indicators"]["score_tolerance"] + 1e-9 \
            and not (rep > b.weight and b.score == b.weight):
        sink.add("score-mismatch", cell, reported=fmt(rep), computed=fmt(b.score), formula=b.formula)
