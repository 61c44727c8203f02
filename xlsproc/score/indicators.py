"""Indicators → completion, score and explanation (shared/spec/scoring.md, "Indicators").

Indicators of every evaluation handed in are scored together in one pandas frame (one row per
indicator, one more frame for the parts of compound targets).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from math import isnan

import numpy as np
import pandas as pd

from xlsproc.model import Cell, Evaluation, IndicatorRow
from xlsproc.read.values import (Quantity, Value, column_operator, finished_late, nothing_happened,
                                 parse_value, period_of, target_in_name, the_actual_among,
                                 unit_factor, units_compatible)
from xlsproc.rules import Rules
from xlsproc.score.history import relative_completion, relative_target
from xlsproc.score.numbers import as_number, fmt, round_half_up


# --- the indicator frame -------------------------------------------------------------------

def _target_value(row: IndicatorRow) -> tuple[Value, bool]:
    """The parsed target, and whether it was taken from the indicator's name (年度指标值 blank,
    the name ending in a quantity: '年度资金支付完成率100%')."""
    value = parse_value(row.target.value)
    if value.kind == "blank":
        named = target_in_name(row.name.value)
        if named is not None:
            return _hinted(named, row), True
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


def _scaled_actuals(frame: pd.DataFrame) -> pd.Series:
    """The actuals, where an actual of 0.98 against a target of ≥95% means 98% (a bare
    fraction, at most 1.5, against a percentage above 1.5): the column at once."""
    t, a = frame["t"], frame["a"]
    # (indicator_frame keeps units as unit_or_none gives them: text, or None for none)
    fraction = ((frame["t_unit"] == "%") & frame["a_unit"].isna()
                & (a.abs() <= 1.5) & (t.abs() > 1.5))              # (False where either is NaN)
    return a.mask(fraction, a * 100)


def _fraction_targets(frame: pd.DataFrame) -> pd.Series:
    """Targets written as a bare fraction against an actual in percent (指标值 0.05 | 完成值 3%,
    0.95 | 98%): the target is 5 %, 95 % — the mirror of _scaled_actuals: a bare target of at most
    1 against an actual above 1.5 % (1 | 100%). Against a small percentage both are percent
    already (增长率 ≥0.5 | 0.6%, 1 | 0.8% stay as written)."""
    t, a = frame["t"], frame["a"]
    bare = frame["t_unit"].isna() & (frame["a_unit"] == "%") & (t != 0)
    return bare & (t.abs() <= 1) & (a.abs() > 1.5)      # (False where NaN)


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
# its "str" dtype, Arrow-backed where pyarrow is installed: slower to build, compare and hand
# back one element at a time). Only a Series built with dtype=object stays object: a numpy
# object array is inferred as "str" all the same.
FRAME_COLUMNS = ("e", "i", "kind", "t_kind", "a_kind", "t", "a", "t_unit", "a_unit", "w", "rep",
                 "actual_text", "reason_blank", "target_text", "rel_c", "last", "no_w", "t_named",
                 "a_converted", "late", "per_year")
TEXT_COLUMNS = ("kind", "t_kind", "a_kind", "t_unit", "a_unit", "actual_text", "target_text",
                "a_converted", "late", "per_year")


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
            t, a = nothing_happened(t, a) or (t, a)        # 无 | 无 for 重大安全事故: none, as asked
            a = _one_quantity(t, a)                       # 98.5%（抽检1000批次） against ≥95%: 98.5%
            a, converted = _in_target_units(t, a)          # 950000元 against ≤100万元: 95 万元
            t, a, per_year = _per_year(t, a)               # 1次/月 against 12次: 12次 a year
            kind, rel_c, last = _kind(t, a), np.nan, np.nan
            if kind == "manual":
                kind, rel_c, last = _relative(ev, ind, t, a, last_year)
            if no_w:
                kind = "manual"         # nothing to score against: the reported score stands
            late = finished_late(t.text, ind.actual.value, ev.year) \
                if kind == "qualitative" and t.kind == "deadline" else None
            rows.append((
                e_id, i_id, kind, t.kind, a.kind,
                t.number if t.kind == "number" else np.nan,
                a.number if a.kind == "number" else np.nan,
                unit_or_none(t.unit), unit_or_none(a.unit),
                num_or_nan(ind.weight), num_or_nan(ind.score),
                a.text, ind.reason.blank, t.text, rel_c, last, no_w, named, converted,
                late and f"完成于 {late[0]}，时限为 {late[1]}", per_year))
            if kind == "compound":
                parts.extend(_compound_parts((e_id, i_id), t, a))
    columns = list(zip(*rows)) or [()] * len(FRAME_COLUMNS)
    frame = pd.DataFrame({name: pd.Series(values, dtype=object) if name in TEXT_COLUMNS else values
                          for name, values in zip(FRAME_COLUMNS, columns)})
    return frame, pd.DataFrame(parts, columns=["e", "i", "t", "a", "unit_ok"])


def _one_quantity(t: Value, a: Value) -> Value:
    """An actual with several quantities against a target of one ('98.5%（抽检1000批次）' for
    ≥95%): the one in the target's unit (or one of its measure), else the first without a unit;
    the first when the target has no unit. Several in the target's unit: the one its words name
    the actual (values.the_actual_among: '计划100人，实际95人' is 95人, '10个（其中新建3个）' 10个),
    or none. None fitting keeps the whole text ('合格980批次（共1000批次）' is no percentage)."""
    if t.kind != "number" or a.kind != "compound":
        return a
    if t.unit:
        fits = [p for p in a.parts if p.unit == t.unit or unit_factor(p.unit, t.unit)]
        if len(set(fits)) > 1:               # 计划100人，实际95人: the words tell which, or nothing does
            part = the_actual_among(a.text, fits)
        else:
            part = fits[0] if fits else next((p for p in a.parts if not p.unit), None)  # (no unit: no clash)
        if part is None:
            return a
    else:
        part = a.parts[0]
    return Value(a.text, "number", a.op, (part,))


def _in_target_units(t: Value, a: Value) -> tuple[Value, str | None]:
    """The actual with each quantity in its target part's unit where the two are units of one
    measure (values.toml [units.scale]), and what was converted ('950000元') for the explanation."""
    if t.kind not in ("number", "compound") or a.kind not in ("number", "compound"):
        return a, None
    parts, notes = list(a.parts), []
    for n, (tp, ap) in enumerate(zip(t.parts, a.parts)):
        factor = unit_factor(ap.unit, tp.unit)
        if factor is not None:
            parts[n] = Quantity(ap.number * factor, tp.unit)
            notes.append(f"{fmt(ap.number, 4)}{ap.unit}")
    if not notes:
        return a, None
    return Value(a.text, a.kind, a.op, tuple(parts)), "、".join(notes)


def _per_year(t: Value, a: Value) -> tuple[Value, Value, str | None]:
    """A frequency per period against a yearly count, or the other way ('1次/月' | '12次',
    '≥12次' | '每月1次'): the per-period side converted to the year (values.toml [periods]), and
    what was converted for the explanation ('年度指标值 1次/月 折合全年 12次'). Both per the same
    period (每月1次 | 每月1次), or no unit on either side (≥3000/月 | 3500: a rate as likely as a
    count): compared as written. Units of different measures are left as they are (the unit
    check speaks)."""
    if t.kind != "number" or a.kind != "number" or not units_compatible(t.unit, a.unit):
        return t, a, None
    if t.unit is None and a.unit is None:
        return t, a, None           # ≥3000/月 | 3500: no count named either side, a rate as likely
    tp, ap = period_of(t), period_of(a)
    if tp is None and ap is None or tp is not None and ap is not None and tp.per_year == ap.per_year:
        return t, a, None
    if tp is not None and ap is None and tp.per_year != 1 and a.number == t.number:
        # 每月1次 | 1次: the officer repeats the count per period (met), not one in the whole year
        return t, a, f"实际完成值 {a.text} 按每{tp.word}计"
    notes = []

    def yearly(value: Value, period, side: str) -> Value:
        if period is None or period.per_year == 1:
            return value
        part = value.parts[0]
        number = part.number * period.per_year
        notes.append(f"{side} {value.text} 折合全年 {fmt(number, 4)}{part.unit or ''}")
        return Value(value.text, value.kind, value.op, (Quantity(number, part.unit),))

    t, a = yearly(t, tp, "年度指标值"), yearly(a, ap, "实际完成值")
    return t, a, "，".join(notes) or None


def lacks_weights(ev: Evaluation) -> bool:
    """The indicator table has no 分值 column the reader could find: no score can be checked."""
    return ev.indicator_columns is not None and "weight" not in ev.indicator_columns


def num_or_nan(cell: Cell) -> float:
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
    t, a = frame["t"], _scaled_actuals(frame)
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
    unmet = texts.str.contains(_said(q["unmet_words"], q["negation_words"]), regex=True)
    partial = texts.str.contains(_said(q["partial_words"], q["negation_words"]), regex=True)
    return pd.Series(np.select([unmet, partial], ["未达成", "部分达成"], "达成"), index=texts.index,
                     dtype=object)     # (not Arrow-backed: read back one by one)


def _said(words: list[str], negations: list[str]) -> str:
    """A pattern for any of `words` not straight after a negation (无不达标, 没有未按时完成)."""
    denied = "".join(f"(?<!{re.escape(n)})" for n in negations)
    return denied + "(?:" + "|".join(re.escape(w) for w in words) + ")"


def band(grade: str, w: float, rules: Rules) -> tuple[float, float, float]:
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
    frame["t_pct"] = _fraction_targets(frame)
    frame["t"] = frame["t"].mask(frame["t_pct"], frame["t"] * 100)
    frame["t_unit"] = frame["t_unit"].mask(frame["t_pct"], "%")
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
    low, high, default = band(grade, w, rules)
    if isnan(reported):
        return default, False
    if low - 1e-9 <= reported <= high + 1e-9:
        return reported, False
    return (high if reported > high else low), True


# --- explanations --------------------------------------------------------------------------

def formula_of(row, ind: IndicatorRow) -> str:
    text = _explanation(row)
    if isinstance(row.a_converted, str) and row.kind != "compound":
        text = f"实际完成值 {row.a_converted} 折合 {fmt(row.a, 4)}{row.t_unit}；{text}"
    elif isinstance(row.a_converted, str):
        text = f"实际完成值 {row.a_converted} 已换算为年度指标值的单位；{text}"
    if isinstance(row.per_year, str):
        text = f"{row.per_year}；{text}"
    if row.t_pct:
        text = f"年度指标值 {fmt(row.t / 100, 6)} 与百分数的实际完成值对照，按 {fmt(row.t, 4)}% 计；{text}"
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
    if not isnan(row.last):
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
