"""Columns of the indicator frame computed at once (pandas) give what the per-row rule gave."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from xlsproc.score.indicators import _scaled_actuals, unit_or_none


def _one(t: float, t_unit, a: float, a_unit) -> float:
    """The rule as it was written per row: 0.98 against ≥95% means 98%."""
    if math.isnan(t) or math.isnan(a):
        return a
    if unit_or_none(t_unit) == "%" and unit_or_none(a_unit) is None and abs(a) <= 1.5 < abs(t):
        return a * 100
    return a


_number = st.one_of(st.floats(-200, 200), st.sampled_from([np.nan, 0.0, 1.5, -1.5, 1.5000001, 0.98, 95.0]))
_unit = st.sampled_from([None, "", "%", "人", "万元", np.nan])


@given(st.lists(st.tuples(_number, _unit, _number, _unit), max_size=40))
def test_scaled_actuals_as_the_row_rule(rows):
    # units as indicator_frame keeps them: through unit_or_none
    frame = pd.DataFrame({"t": [r[0] for r in rows], "a": [r[2] for r in rows],
                          "t_unit": np.array([unit_or_none(r[1]) for r in rows], dtype=object),
                          "a_unit": np.array([unit_or_none(r[3]) for r in rows], dtype=object)})
    frame = frame.astype({"t": float, "a": float})
    got = _scaled_actuals(frame).tolist()
    want = [_one(*r) for r in rows]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert (math.isnan(g) and math.isnan(w)) or g == w


def test_scaled_actuals_known_rows():
    frame = pd.DataFrame({"t": [95.0, 95.0, 95.0, 1.2, np.nan], "a": [0.98, 0.98, 2.0, 0.9, 0.5],
                          "t_unit": np.array(["%", "%", "%", "%", "%"], dtype=object),
                          "a_unit": np.array([None, "%", None, None, None], dtype=object)})
    assert _scaled_actuals(frame).tolist()[:4] == [98.0, 0.98, 2.0, 0.9]
