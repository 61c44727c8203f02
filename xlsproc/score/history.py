"""Results across years: matching a table to last year's, relative targets, year-over-year checks.

Pure functions, no I/O. `relative_completion` scores a target written against last year
(`不低于上一年度`, `较上年增长5%`, `较上年下降10%`, `不高于上年`) once last year's actual is known;
the keys (`unit_key`, `text_key`) decide which tables and indicators of two years, or of two
versions of one workbook, are "the same".
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from xlsproc.read.values import parse_value

# --- keys ------------------------------------------------------------------------------------

# '219001-池州市贵池区棠溪镇人民政府', '[305001]某区教育局', '210001 某区卫健委': a budget code first.
_UNIT_CODE = re.compile(r"^[\[(【（]?\d{3,}[\])】）]?\s*[-－—–_.．、:：]?\s*")
_SPACE = re.compile(r"\s+")


def _nfkc(text: object) -> str:
    return unicodedata.normalize("NFKC", "" if text is None else str(text))


def unit_name(unit: object) -> str:
    """A unit as a finance officer reads it: its budget code stripped ('219001-某区民政局' → '某区民政局')."""
    text = _nfkc(unit).strip()
    return _UNIT_CODE.sub("", text).strip() or text


def unit_key(unit: object) -> str:
    """What makes two spellings of a unit the same: no code, no spaces, NFKC."""
    return _SPACE.sub("", unit_name(unit))


def text_key(text: object) -> str:
    """Project and indicator names compared without spaces or line breaks, NFKC."""
    return _SPACE.sub("", _nfkc(text))


# --- relative targets ------------------------------------------------------------------------

_LAST_YEAR = re.compile(r"上一?年|去年|前一年|同比")
_NAMED_YEAR = re.compile(r"[较比]((?:19|20)\d{2})年")
_SHARE = re.compile(r"的\d")            # '上年的105%', '控制在上年的90%以内': a share of last year
_OTHER_BASE = ("历史", "往年", "历年", "环比", "上期", "基期")
_UP = ("不低于", "不少于", "不小于", "增长", "提高", "提升", "增加", "上升", "高于", "多于", "超过", "大于")
_DOWN = ("不高于", "不超过", "不多于", "不大于", "下降", "减少", "降低", "压减", "缩减", "低于",
         "少于", "小于", "控制在")
_EQUAL = ("持平", "保持", "等于", "相当")
_DIRECTION = {**{w: "up" for w in _UP}, **{w: "down" for w in _DOWN},
              **{w: "equal" for w in _EQUAL}}
# Longest first, so that '不低于' (up) wins over '低于' (down) at the same place.
_DIRECTION_RE = re.compile("|".join(sorted(map(re.escape, _DIRECTION), key=len, reverse=True)))
_POINTS = ("个百分点", "百分点")


@dataclass(frozen=True)
class RelativeTarget:
    """A target measured against last year: what the actual must reach (up) or stay under (down)."""

    direction: str      # up | down | equal
    baseline: float     # the figure the actual is compared with
    how: str            # 中文: how the baseline was derived


def relative_target(target_text: str, last_year_actual: float,
                    year: int | None = None) -> RelativeTarget | None:
    """`较上年增长5%` with last year 3000 → RelativeTarget('up', 3150, …); None when not relative
    to last year, or when it names another base (历史最高, 上期, another year)."""
    if not _finite(last_year_actual):
        return None
    text = _SPACE.sub("", _nfkc(target_text))
    if not _refers_to_last_year(text, year):
        return None
    found = _DIRECTION_RE.search(text)
    direction = _DIRECTION[found.group()] if found else None
    amount = _amount(text)
    if amount is not None and amount[1] == "pct" and _SHARE.search(text):
        return _share(direction, amount[0], float(last_year_actual))
    return _baseline(direction, amount, float(last_year_actual))


def relative_completion(target_text: str, actual: float, last_year_actual: float,
                        *, year: int | None = None) -> float | None:
    """Completion of a relative target (scoring.md's kinds, with last year's figure as the base).

    不低于上一年度: actual ÷ last; 较上年增长5%: actual ÷ (last × 1.05); 较上年提高2个百分点:
    actual ÷ (last + 2); 较上年下降10% / 不高于上年: reverse — 1 when actual ≤ base, else base ÷ actual.
    None when the target is not relative to last year, a figure is missing or not finite, or the
    base is not positive (a ratio means nothing then). `year` (the table's year) lets a target that
    names a year (`较2023年增长5%`) count when that year is the one before.
    """
    if not _finite(actual) or actual < 0:
        return None
    rel = relative_target(target_text, last_year_actual, year)
    if rel is None:
        return None
    actual = float(actual)
    if rel.direction == "down":
        if actual <= rel.baseline:
            return 1.0
        return rel.baseline / actual if rel.baseline >= 0 else None
    return actual / rel.baseline if rel.baseline > 0 else None


def _finite(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _refers_to_last_year(text: str, year: int | None) -> bool:
    if any(word in text for word in _OTHER_BASE):
        return False
    named = _NAMED_YEAR.search(text)
    if named and not _LAST_YEAR.search(text):
        return year is not None and int(named.group(1)) == year - 1
    return bool(_LAST_YEAR.search(text))


def _amount(text: str) -> tuple[float, str] | None:
    """(number, 'pct' | 'points' | 'abs') of the first quantity, years and dates left out."""
    cleaned = _NAMED_YEAR.sub("", text)
    parts = parse_value(cleaned).parts
    if not parts:
        return None
    q = parts[0]
    if q.unit in _POINTS:
        return q.number, "points"
    return q.number, "pct" if q.unit == "%" else "abs"


def _baseline(direction: str | None, amount: tuple[float, str] | None,
              last: float) -> RelativeTarget | None:
    if amount is None:
        return RelativeTarget(direction or "equal", last, f"上年实际 {_num(last)}")
    number, unit = amount
    if direction is None:
        return _share(None, number, last) if unit == "pct" else None
    sign = -1 if direction == "down" else 1
    if unit == "pct":
        base = last * (1 + sign * number / 100)
        how = f"上年实际 {_num(last)} × (1 {'−' if sign < 0 else '+'} {_num(number)}%) = {_num(base)}"
    else:
        base = last + sign * number
        what = "个百分点" if unit == "points" else ""
        how = f"上年实际 {_num(last)} {'−' if sign < 0 else '+'} {_num(number)}{what} = {_num(base)}"
    return RelativeTarget(direction, base, how)


def _share(direction: str | None, number: float, last: float) -> RelativeTarget:
    base = last * number / 100
    how = f"上年实际 {_num(last)} × {_num(number)}% = {_num(base)}"
    return RelativeTarget("down" if direction == "down" else "up", base, how)


def _num(x: float) -> str:
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


# --- year over year ----------------------------------------------------------------------------

def single_number(text: object) -> float | None:
    """The one number a target or actual holds ('不少于300个' → 300), or None (compound, text)."""
    value = parse_value(text)
    if value.kind != "number" or len(value.parts) != 1:
        return None
    return value.parts[0].number


def target_loosened(kind: str | None, target: object, last_target: object,
                    actual: object, last_actual: object) -> bool:
    """The target went down while the actual rose (positive kinds), or, for a reverse indicator
    (costs, error rates), the ceiling went up while the actual fell: the target was set too easy."""
    numbers = [single_number(x) for x in (target, last_target, actual, last_actual)]
    if any(n is None for n in numbers):
        return False
    t, t0, a, a0 = numbers
    if kind == "reverse":
        return t > t0 and a < a0
    if kind in ("positive", "equal"):
        return t < t0 and a > a0
    return False


def repeated_shortfall(score: float | None, weight: float | None,
                       last_score: float | None, last_weight: float | None) -> bool:
    """Scored below its weight this year and last year."""
    def short(s, w) -> bool:
        return _finite(s) and _finite(w) and s < w - 1e-9
    return short(score, weight) and short(last_score, last_weight)
