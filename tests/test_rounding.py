"""Scores round half-up to two decimals (19.875 → 19.88, 2.805 → 2.81), never banker's rounding."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from xlsproc.score.numbers import round_half_up
from xlsproc.score.scoring import fmt


def _reference(x: float) -> float:
    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_known_cases():
    assert [round_half_up(x) for x in (19.875, 2.805, 3.125, 0.005, 19.8750654, -2.805)] == \
           [19.88, 2.81, 3.13, 0.01, 19.88, -2.81]
    assert round_half_up(10 * 85 / 90) == 9.44
    assert fmt(80.0) == "80" and fmt(19.875) == "19.88" and fmt(None) == "—"


@given(st.integers(min_value=-10**8, max_value=10**8), st.integers(min_value=0, max_value=4))
def test_matches_decimal_half_up_on_written_numbers(digits, places):
    x = digits / 10**places                 # a number as an officer would type it
    assert round_half_up(x) == _reference(x)
