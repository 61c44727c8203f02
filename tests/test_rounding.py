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


def test_fmt_is_memoised_without_mixing_up_numbers():
    """fmt is memoised: numbers that compare equal (3 and 3.0, -0.0 and 0.0, a numpy float and
    its float) share one text, which is the text each of them gets uncached."""
    import numpy as np
    uncached = fmt.__wrapped__
    for x in (-0.0, 0.0, 3, 3.0, np.float64(9.444), 9.444, 2.805, -2.805, float("nan"), True,
              1e-9, -1e-9, 123456.785):
        for places in (2, 4):
            assert fmt(x, places) == uncached(x, places)
    assert fmt(-0.0) == fmt(0.0) == "0" and fmt(3) == fmt(3.0) == "3"
    assert fmt(9.444, 4) == "9.444" and fmt(9.444) == "9.44"


@given(st.one_of(st.floats(-1e12, 1e12), st.just(float("nan"))), st.sampled_from([2, 4]))
def test_fmt_memoised_matches_uncached(x, places):
    assert fmt(x, places) == fmt.__wrapped__(x, places)
