"""Frequency targets per period against yearly counts (helper "periods", 2026-12-05).

Officers write a target per period and a count for the year, or the other way: 1次/月 | 12次,
每季度1次 | 4次, ≥12次 | 每月1次. Before, 1次/月 | 12次 was read as 1 against 12: full marks with an
over-completion warning (12 倍), and ≥12次 | 每月1次 scored 0.83 of 10. The per-period side is now
converted to the year (values.toml [periods]) and the explanation says so.
"""
from __future__ import annotations

import pytest

from xlsproc.read.values import parse_value, period_of
from test_review_read import _fourth


def _row(target, actual, reported=10):
    return ("产出指标", "数量指标", "督查检查次数", target, actual, 10, reported)


def _flags(ev: dict, code: str) -> list[dict]:
    return [f for f in ev["flags"] if f["code"] == code and f.get("indicator") == "督查检查次数"]


@pytest.mark.parametrize("target, actual, score, note", [
    ("1次/月", "12次", 10, "年度指标值 1次/月 折合全年 12次"),
    ("每月1次", "12次", 10, "年度指标值 每月1次 折合全年 12次"),
    ("≥1次/月", "12", 10, "年度指标值 ≥1次/月 折合全年 12次"),
    ("每季度1次", "4次", 10, "年度指标值 每季度1次 折合全年 4次"),
    ("每季度开展1次", "4次", 10, "折合全年 4次"),
    ("每周2次", "104次", 10, "年度指标值 每周2次 折合全年 104次"),
    ("每半年1次", "2次", 10, "年度指标值 每半年1次 折合全年 2次"),
    ("1次/月", "10次", 8.33, "年度指标值 1次/月 折合全年 12次"),
    ("每季度1次", "3次", 7.5, "折合全年 4次"),
    ("≥12次", "每月1次", 10, "实际完成值 每月1次 折合全年 12次"),
    ("≥12场", "每季度3场", 10, "实际完成值 每季度3场 折合全年 12场"),
    ("每月1次", "12次/年", 10, "年度指标值 每月1次 折合全年 12次"),
    ("每季度3次", "每月1次", 10, "年度指标值 每季度3次 折合全年 12次，实际完成值 每月1次 折合全年 12次"),
])
def test_a_target_per_period_against_a_yearly_count(tmp_path, target, actual, score, note):
    ind, ev = _fourth(tmp_path, _row(target, actual, score))
    assert (ind["kind"], ind["score"]) == ("positive", score)
    assert note in ind["formula"]
    assert not _flags(ev, "over-completion")


@pytest.mark.parametrize("target, actual", [("每月1次", "每月1次"), ("2次/年", "2次"),
                                            ("1次/季度", "每季度1次"), ("3000元/月", "3000元")])
def test_same_period_or_no_frequency_is_compared_as_written(tmp_path, target, actual):
    """Both per month, a yearly target, a rate in money (元/月 is no count): as before."""
    ind, ev = _fourth(tmp_path, _row(target, actual))
    assert (ind["kind"], ind["score"]) == ("positive", 10)
    assert "折合全年" not in ind["formula"] and not _flags(ev, "over-completion")


def test_a_reverse_target_per_period(tmp_path):
    """≤2次/月 (complaints, say) against 20次 in the year: 24 allowed, met."""
    ind, _ = _fourth(tmp_path, _row("≤2次/月", "20次"))
    assert (ind["kind"], ind["score"]) == ("reverse", 10) and "折合全年 24次" in ind["formula"]


def test_a_frequency_word_without_a_number_stays_qualitative(tmp_path):
    ind, ev = _fourth(tmp_path, _row("≥12次", "按月开展"))
    assert ind["kind"] == "qualitative" and _flags(ev, "actual-not-numeric")


@pytest.mark.parametrize("text, per_year", [("1次/月", 12), ("每个月1次", 12), ("月均2场", 12),
                                            ("4次/季", 4), ("每星期1次", 52), ("每年2次", 1),
                                            ("12次", None), ("12个月", None), ("3000元/月", None),
                                            ("每月按时完成，共12次", None), ("每月1次，全年12次", None)])
def test_period_of_reads_only_a_whole_frequency(text, per_year):
    found = period_of(parse_value(text))
    assert (found and found.per_year) == per_year


@pytest.mark.parametrize("target, actual", [("每月1次", "1次"), ("每季度2次", "2次"), ("≥1次/月", "1次")])
def test_the_periods_own_count_as_the_actual_is_met_per_period(tmp_path, target, actual):
    """每月1次 | 1次: the officer repeats the count per period — met, and said so — not one
    inspection in the whole year against 12 (it scored 1/12 of the weight)."""
    ind, ev = _fourth(tmp_path, _row(target, actual))
    assert (ind["kind"], ind["score"]) == ("positive", 10)
    assert f"实际完成值 {actual} 按每" in ind["formula"] and "折合全年" not in ind["formula"]
    assert not _flags(ev, "over-completion")


@pytest.mark.parametrize("target, actual, score", [("≥3000/月", "3500", 10), ("每月3000", "3200", 10),
                                                   ("≥200/月", "2400", 10), ("月均2", "2", 10)])
def test_a_per_period_figure_without_a_count_unit_is_no_frequency(tmp_path, target, actual, score):
    """Review of the period rule (helper "review-periods"): '≥3000/月' | '3500', no unit either side,
    is a rate (a subsidy a month) as likely as a count: it was 10 before the rule, then silently
    0.97 of 10 (3500 against 36000). Without a count unit on one side it is compared as written."""
    ind, _ = _fourth(tmp_path, _row(target, actual, score))
    assert (ind["kind"], ind["score"]) == ("positive", score)
    assert "折合全年" not in ind["formula"]


@pytest.mark.parametrize("target, actual, note", [("每季度1", "4次", "折合全年 4"), ("≥1次/月", "12", "折合全年 12次")])
def test_a_count_unit_on_one_side_is_enough(tmp_path, target, actual, note):
    ind, _ = _fourth(tmp_path, _row(target, actual))
    assert (ind["kind"], ind["score"]) == ("positive", 10) and note in ind["formula"]
