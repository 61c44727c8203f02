"""Two years through `process` with one results store: the 不低于上一年度 target of 2024 is scored
against 2023's actual, and consolidation gets a 同比 sheet."""
from __future__ import annotations

import json

import openpyxl
import pytest

from builders import Ind, Layout, build, standard_table
from xlsproc.district.book import consolidate
from xlsproc.batch.run import process

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


# --- the store follows the manifest -----------------------------------------------------------

def _stored(db) -> list[tuple]:
    from xlsproc.store import Store
    with Store(db) as store:
        runs = store.db.execute("SELECT count(*) FROM runs").fetchone()[0]
        return runs, sorted((e["relpath"], e["sha256"], json.dumps(e["evaluations"], sort_keys=True))
                            for e in store.iter_entries())


def _results(outbox) -> list[tuple]:
    return sorted((e["relpath"], e["sha256"], json.dumps(e["evaluations"], sort_keys=True))
                  for e in json.loads((outbox / "results.json").read_text("utf-8"))
                  if e["status"] != "skipped")


def test_the_store_holds_what_results_json_holds(tmp_path):
    inbox = _year(tmp_path, 2024, "≥3000人次", "2800人次")
    build(standard_table(unit="另一单位"), Layout(), inbox / "另一单位.xlsx")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    runs, stored = _stored(outbox / "xlsproc.sqlite")
    assert runs == 1 and len(stored) == 2
    assert stored == _results(outbox)


def test_a_store_that_missed_a_run_catches_up_on_the_next(tmp_path):
    """A run killed after the manifest vouched for files but before the store recorded them
    (here: the store deleted afterwards) is made good by the next run, nothing reprocessed."""
    inbox = _year(tmp_path, 2024, "≥3000人次", "2800人次")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    (outbox / "xlsproc.sqlite").unlink()
    again = process(inbox, outbox, jobs=1)
    assert again.processed == []
    runs, stored = _stored(outbox / "xlsproc.sqlite")
    assert stored == _results(outbox) and len(stored) == 1


def _with_identical_copy(tmp_path):
    """An INBOX holding one workbook twice (a copy under another name), processed once."""
    inbox = _year(tmp_path, 2024, "≥3000人次", "2800人次")
    [original] = list(inbox.iterdir())
    (inbox / "副本.xlsx").write_bytes(original.read_bytes())
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    return inbox, outbox


def test_identical_files_are_recorded_once_and_not_again_on_every_run(tmp_path):
    inbox, outbox = _with_identical_copy(tmp_path)
    runs, stored = _stored(outbox / "xlsproc.sqlite")
    assert len(stored) == 1                      # the same bytes twice: one file for the store
    process(inbox, outbox, jobs=1)
    assert _stored(outbox / "xlsproc.sqlite") == (runs, stored)


def test_a_store_that_cannot_be_written_costs_no_output_and_is_made_good_next_run(
        tmp_path, monkeypatch):
    from xlsproc.store import Store, StoreError
    inbox = _year(tmp_path, 2024, "≥3000人次", "2800人次")
    outbox = tmp_path / "out"

    def locked(self, *args, **kwargs):
        raise StoreError("结果库被占用")
    with monkeypatch.context() as patched:
        patched.setattr(Store, "add", locked)
        with pytest.raises(StoreError):
            process(inbox, outbox, jobs=1)
    assert len(_results(outbox)) == 1                    # every output is in place
    manifest = json.loads((outbox / ".xlsproc" / "manifest.json").read_text("utf-8"))
    assert [r["stored"] for r in manifest["files"]] == [False]
    again = process(inbox, outbox, jobs=1)
    assert again.processed == []
    assert _stored(outbox / "xlsproc.sqlite")[1] == _results(outbox)


def test_the_command_line_reports_the_batch_before_the_store_error(tmp_path, monkeypatch):
    from typer.testing import CliRunner
    from xlsproc.cli import app
    from xlsproc.store import Store, StoreError
    inbox = _year(tmp_path, 2024, "≥3000人次", "2800人次")

    def locked(self, *args, **kwargs):
        raise StoreError("结果库被占用，请关闭正在使用它的程序后重新运行。")
    monkeypatch.setattr(Store, "add", locked)
    result = CliRunner().invoke(app, ["process", str(inbox), "-o", str(tmp_path / "out"), "-q",
                                      "--jobs", "1"])
    assert result.exit_code == 2
    assert "本次处理 1 个" in result.output and "结果库被占用" in result.output


def test_a_locked_store_is_reported_in_chinese_and_made_good_next_run(tmp_path, monkeypatch):
    import sqlite3

    from xlsproc.store import Store, StoreError
    inbox = _year(tmp_path, 2024, "≥3000人次", "2800人次")
    outbox = tmp_path / "out"

    def locked(self, *args, **kwargs):
        raise sqlite3.OperationalError("database is locked")
    with monkeypatch.context() as patched:
        patched.setattr(Store, "add", locked)
        with pytest.raises(StoreError, match="结果库.*无法写入.*重新运行"):
            process(inbox, outbox, jobs=1)
    process(inbox, outbox, jobs=1)
    assert _stored(outbox / "xlsproc.sqlite")[1] == _results(outbox)


def test_a_store_deleted_then_a_run_killed_after_its_first_write_is_still_made_good(tmp_path):
    """Opening a run on a deleted store says in the manifest, before the store exists again,
    that every file is missing from it: a kill right after the first store write cannot hide them."""
    import xlsproc.batch.run as P
    inbox = _year(tmp_path, 2024, "≥3000人次", "2800人次")
    build(standard_table(unit="另一单位"), Layout(), inbox / "另一单位.xlsx")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    (outbox / "xlsproc.sqlite").unlink()
    manifest = P.Manifest.load(outbox, json.loads(
        (outbox / ".xlsproc" / "manifest.json").read_text("utf-8"))["header"])
    recorder = P.StoreRecorder(outbox / "xlsproc.sqlite", {"outbox": str(outbox.resolve())},
                               manifest)                    # … and the run dies here
    recorder.close()
    saved = json.loads((outbox / ".xlsproc" / "manifest.json").read_text("utf-8"))
    assert [r["stored"] for r in saved["files"]] == [False, False]
    assert (outbox / "xlsproc.sqlite").is_file()
    process(inbox, outbox, jobs=1)
    assert len(_stored(outbox / "xlsproc.sqlite")[1]) == 2


def test_a_batch_does_not_score_against_what_it_records_itself(tmp_path, monkeypatch):
    """2023 and 2024 of one unit in one batch, without the second pass for several years: the
    2024 relative target stays for manual review however the batch is cut into chunks and store
    transactions (no dependence on timing). tests/test_years_batch.py: with it, it is scored."""
    import xlsproc.batch.recorder as R
    import xlsproc.batch.run as P
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for year, target, actual in ((2023, "≥3000人次", "3000人次"), (2024, "不低于上一年度", "2700人次")):
        folder = _year(tmp_path, year, target, actual)
        folder.rename(inbox / folder.name)
    monkeypatch.setattr(P, "CHUNK", 1)
    monkeypatch.setattr(R, "STORE_BATCH", 1)
    process(inbox, tmp_path / "out", jobs=1, years_pass=False)
    entries = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    [ev] = [ev for e in entries for ev in e["evaluations"] if ev["year"] == 2024]
    assert next(i for i in ev["indicators"] if i["name"] == NAME)["kind"] == "manual"


def test_a_bad_store_location_costs_no_output(tmp_path):
    from xlsproc.store import StoreError
    inbox = _year(tmp_path, 2024, "≥3000人次", "2800人次")
    blocker = tmp_path / "不是文件夹"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="结果库.*无法写入.*--db"):
        process(inbox, tmp_path / "out", jobs=1, db=blocker / "库.sqlite")
    assert len(_results(tmp_path / "out")) == 1


def test_duplicate_submissions_survive_the_store_for_consolidation(tmp_path):
    """Two versions of one table in one INBOX: the store keeps both, and consolidating the
    OUTBOX (through its store) counts the one saved last and lists the other."""
    import os

    inbox = _year(tmp_path, 2024, "≥3000人次", "2800人次")
    [first] = list(inbox.iterdir())
    second = inbox / "某街道_2024_修改后.xlsx"
    build(standard_table(year=2024, executed=90.0), Layout(), second)
    build(standard_table(year=2024), Layout(), first)
    os.utime(first, (1_700_000_000, 1_700_000_000))
    os.utime(second, (1_700_100_000, 1_700_100_000))
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    summary = consolidate(outbox, tmp_path / "汇总.xlsx")
    assert summary["duplicates"] == 1 and summary["tables"] == 1
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    issues = [[c.value for c in row] for row in wb["问题清单"].iter_rows()]
    assert any("duplicate-submission" in row and first.name in row for row in issues)


def test_removing_the_stored_one_of_two_identical_files_keeps_the_other_in_the_store(tmp_path):
    inbox, outbox = _with_identical_copy(tmp_path)
    [(stored_as, _, _)] = _stored(outbox / "xlsproc.sqlite")[1]
    (inbox / stored_as).unlink()                 # the bureau deletes the copy the store holds
    again = process(inbox, outbox, jobs=1)
    assert again.removed == [stored_as]
    assert _stored(outbox / "xlsproc.sqlite")[1] == _results(outbox)


def test_files_removed_from_inbox_leave_the_store_even_if_the_run_dies_after_planning(tmp_path):
    import xlsproc.batch.run as P
    inbox = _year(tmp_path, 2024, "≥3000人次", "2800人次")
    build(standard_table(unit="另一单位"), Layout(), inbox / "另一单位.xlsx")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    (inbox / "另一单位.xlsx").unlink()

    class Killed(BaseException):
        pass

    def die(*args, **kwargs):
        raise Killed                             # as if killed right after the manifest let go
    real = P._run
    P._run = die
    try:
        with pytest.raises(Killed):
            process(inbox, outbox, jobs=1)
    finally:
        P._run = real
    assert [r for r, _, _ in _stored(outbox / "xlsproc.sqlite")[1]] == ["某街道_2024.xlsx"]


# --- a store emptied or damaged (issue 12 #1) ----------------------------------------------------

def test_a_store_truncated_to_zero_bytes_is_rebuilt_like_a_deleted_one(tmp_path):
    inbox = _year(tmp_path, 2024, "≥3000人次", "2800人次")
    build(standard_table(unit="另一单位"), Layout(), inbox / "另一单位.xlsx")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    (outbox / "xlsproc.sqlite").write_bytes(b"")              # truncated to 0 bytes
    for name in ("xlsproc.sqlite-wal", "xlsproc.sqlite-shm"):
        (outbox / name).unlink(missing_ok=True)
    process(inbox, outbox, jobs=1)
    assert _stored(outbox / "xlsproc.sqlite")[1] == _results(outbox)
    summary = consolidate(outbox, tmp_path / "汇总.xlsx")
    assert summary["units"] == 2


@pytest.mark.parametrize("damage", ["garbage", "half"])
def test_a_damaged_store_says_in_chinese_that_deleting_it_rebuilds_it(tmp_path, damage):
    from typer.testing import CliRunner
    from xlsproc.cli import app
    inbox = _year(tmp_path, 2024, "≥3000人次", "2800人次")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    db = outbox / "xlsproc.sqlite"
    data = db.read_bytes()
    db.write_bytes(b"this is not a database at all " * 200 if damage == "garbage"
                   else data[:100] + b"\xff" * (len(data) - 100))
    for name in ("xlsproc.sqlite-wal", "xlsproc.sqlite-shm"):
        (outbox / name).unlink(missing_ok=True)
    result = CliRunner().invoke(app, ["process", str(inbox), "-o", str(outbox), "-q", "--jobs", "1",
                                      "--force"])
    assert result.exit_code == 2
    assert "已损坏" in result.output and "删除" in result.output and "重建" in result.output
    assert "Traceback" not in result.output
    db.unlink()                                                # as the message says
    process(inbox, outbox, jobs=1)
    assert _stored(db)[1] == _results(outbox)
