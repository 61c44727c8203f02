"""Several years in one batch (issue 10 §5): the later years' relative targets (不低于上一年度)
are scored against the earlier years' tables of the same batch, whatever the file order, the
number of workers, or the number of runs."""
from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from builders import Ind, Layout, build, standard_table
from xlsproc.batch.run import process
from xlsproc.cli import app

NAME = "青少年活动参与人次"
YEARS = {2022: ("≥2500人次", "2500人次"), 2023: ("不低于上一年度", "3000人次"),
         2024: ("不低于上一年度", "2700人次")}


def inbox_of(tmp_path, names: dict[int, str], name="收件") -> object:
    inbox = tmp_path / name
    inbox.mkdir()
    for year, (target, actual) in YEARS.items():
        inds = standard_table().indicators
        inds[1] = Ind("产出指标", "数量指标", NAME, target, actual, 20, 20)
        build(standard_table(year=year, indicators=inds), Layout(), inbox / names[year])
    return inbox


def scored(outbox) -> dict[int, tuple]:
    entries = json.loads((outbox / "results.json").read_text("utf-8"))
    out = {}
    for e in entries:
        for ev in e["evaluations"]:
            ind = next(i for i in ev["indicators"] if i["name"] == NAME)
            manual = any(f["code"] == "manual-review" for f in ev["flags"])
            out[ev["year"]] = (ind["kind"], ind["completion"], ind["score"], manual,
                               ev["total_score"])
    return out


EXPECTED = {2022: ("positive", 1.0, 20.0, False),
            2023: ("positive", 1.2, 20.0, False),             # 3000 ÷ 2500
            2024: ("positive", 0.9, 18.0, False)}             # 2700 ÷ 3000


ORDERS = {"by year": {2022: "a_2022.xlsx", 2023: "b_2023.xlsx", 2024: "c_2024.xlsx"},
          "reversed": {2022: "c_2022.xlsx", 2023: "b_2023.xlsx", 2024: "a_2024.xlsx"},
          "mixed": {2022: "b_2022.xlsx", 2023: "c_2023.xlsx", 2024: "a_2024.xlsx"}}


@pytest.mark.parametrize("order", sorted(ORDERS))
@pytest.mark.parametrize("jobs", [1, 2])
def test_relative_targets_scored_within_one_batch(tmp_path, order, jobs):
    outbox = tmp_path / "out"
    process(inbox_of(tmp_path, ORDERS[order]), outbox, jobs=jobs)
    got = scored(outbox)
    assert {y: v[:4] for y, v in got.items()} == EXPECTED


def test_same_result_as_year_by_year_and_as_a_second_run(tmp_path, monkeypatch):
    import xlsproc.batch.run as run
    monkeypatch.setattr(run, "CHUNK", 1)                     # one file per task
    inbox = inbox_of(tmp_path, ORDERS["reversed"])
    process(inbox, tmp_path / "one", jobs=2)
    once = scored(tmp_path / "one")
    process(inbox, tmp_path / "one", jobs=1)                   # nothing changed: kept
    assert scored(tmp_path / "one") == once
    process(inbox, tmp_path / "one", jobs=2, force=True)       # everything again
    assert scored(tmp_path / "one") == once
    db = tmp_path / "结果库.sqlite"
    for year in sorted(YEARS):                               # one run per year, one store
        single = tmp_path / f"收件{year}"
        single.mkdir()
        shutil.copy(inbox / ORDERS["reversed"][year], single)
        process(single, tmp_path / f"out{year}", jobs=1, db=db)
        assert scored(tmp_path / f"out{year}")[year] == once[year]


def test_without_the_second_pass_the_later_year_waits(tmp_path):
    process(inbox_of(tmp_path, ORDERS["by year"]), tmp_path / "out", jobs=1, years_pass=False)
    got = scored(tmp_path / "out")
    assert got[2024][0] == "manual" and got[2024][3] and got[2023][0] == "manual"


def test_a_changed_earlier_year_rescores_the_later_one(tmp_path):
    inbox = inbox_of(tmp_path, ORDERS["by year"])
    process(inbox, tmp_path / "out", jobs=1)
    assert scored(tmp_path / "out")[2024][:3] == ("positive", 0.9, 18.0)
    inds = standard_table().indicators                          # 2023 resubmitted with 2400
    inds[1] = Ind("产出指标", "数量指标", NAME, "不低于上一年度", "2400人次", 20, 20)
    build(standard_table(year=2023, indicators=inds), Layout(), inbox / ORDERS["by year"][2023])
    process(inbox, tmp_path / "out", jobs=1)
    got = scored(tmp_path / "out")
    assert got[2023][:3] == ("positive", 0.96, 19.2)           # 2400 ÷ 2500
    assert got[2024][:3] == ("positive", 1.125, 20.0)          # 2700 ÷ 2400; the score is capped


def test_the_cli_scores_a_mixed_folder_in_one_run(tmp_path):
    inbox = inbox_of(tmp_path, ORDERS["mixed"])
    result = CliRunner().invoke(app, ["process", str(inbox), "-o", str(tmp_path / "out"), "-q",
                                      "--consolidate", str(tmp_path / "汇总.xlsx")])
    assert result.exit_code == 0, result.output
    assert "另有 2023 年度 1 张、2022 年度 1 张自评表未计入本年度汇总" in result.output
    assert {y: v[:4] for y, v in scored(tmp_path / "out").items()} == EXPECTED
