"""Two years through `process` with one results store: the 不低于上一年度 target of 2024 is scored
against 2023's actual, and consolidation gets a 同比 sheet."""
from __future__ import annotations

import json

import openpyxl

from builders import Ind, Layout, build, standard_table
from xlsproc.consolidate import consolidate
from xlsproc.process import process

NAME = "青少年活动参与人次"


def _year(tmp_path, year: int, target: str, actual: str):
    inds = standard_table().indicators
    inds[1] = Ind("产出指标", "数量指标", NAME, target, actual, 20, 20)
    folder = tmp_path / f"收件{year}"
    folder.mkdir()
    build(standard_table(year=year, indicators=inds), Layout(), folder / f"某街道_{year}.xlsx")
    return folder


def _indicator(outbox):
    [entry] = json.loads((outbox / "results.json").read_text("utf-8"))
    [ev] = entry["evaluations"]
    return next(i for i in ev["indicators"] if i["name"] == NAME), ev


def test_relative_target_scored_against_last_year_through_the_store(tmp_path):
    db = tmp_path / "全区结果库.sqlite"
    process(_year(tmp_path, 2023, "≥3000人次", "3000人次"), tmp_path / "out2023", jobs=1, db=db)
    process(_year(tmp_path, 2024, "不低于上一年度", "2700人次"), tmp_path / "out2024", jobs=1, db=db)
    ind, ev = _indicator(tmp_path / "out2024")
    assert ind["kind"] == "positive"
    assert ind["completion"] == 0.9                      # 2700 ÷ 3000
    assert ind["score"] == 18                            # 20 × 0.9
    assert not any(f["code"] == "manual-review" for f in ev["flags"])
    assert "上年实际值 3000" in ind["formula"]

    summary = consolidate(db, tmp_path / "汇总.xlsx")
    assert summary["years"] == [2024]
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    assert "同比" in wb.sheetnames
    text = " ".join(str(c) for row in wb["同比"].iter_rows(values_only=True) for c in row if c)
    assert NAME in text


def test_without_the_earlier_year_the_officer_score_stands(tmp_path):
    process(_year(tmp_path, 2024, "不低于上一年度", "2700人次"), tmp_path / "out", jobs=1)
    ind, ev = _indicator(tmp_path / "out")
    assert ind["kind"] == "manual" and ind["score"] == 20
    assert any(f["code"] == "manual-review" for f in ev["flags"])
