"""Relative targets (不低于上一年度) are scored against last year's actual when it is known."""
from __future__ import annotations

import pytest

import xlsproc
from conftest import SAMPLES

YOUTH = SAMPLES / "某街道_青少年服务_2024.xlsx"
NAME = "青少年活动参与人次"          # target 不低于上一年度, actual 3200人次, weight 10, reported 10


def _indicator(results, name=NAME):
    [res] = results
    ind = next(i for i in res.indicators if i.name == name)
    flags = {f.code for f in res.flags if f.indicator == name}
    return res, ind, flags


def test_without_last_year_the_officer_score_stands():
    _, ind, flags = _indicator(xlsproc.evaluate(YOUTH))
    assert (ind.kind, ind.score, ind.completion) == ("manual", 10, None)
    assert "manual-review" in flags


@pytest.mark.parametrize("last, completion, score", [(3000, 3200 / 3000, 10.0), (4000, 0.8, 8.0)])
def test_scored_against_last_year(last, completion, score):
    asked = []

    def last_year(ev, ind):
        asked.append((ev.year, ind.name.text))
        return last if ind.name.text == NAME else None

    res, ind, flags = _indicator(xlsproc.evaluate(YOUTH, last_year=last_year))
    assert (2024, NAME) in asked
    assert ind.kind == "positive"
    assert ind.completion == pytest.approx(completion)
    assert ind.score == score
    assert "manual-review" not in flags
    assert f"上年实际值 {last}" in ind.formula
    if score < 10:
        assert {"score-mismatch", "deviation-reason-missing"} <= flags
