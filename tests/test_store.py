"""The results store (replacement of corrected workbooks, years, migrations, crash safety) and
the history functions (relative targets scored against last year, year-over-year checks)."""
from __future__ import annotations

import copy
import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from conftest import SAMPLES
from xlsproc.score.history import (relative_completion, relative_target, repeated_shortfall,
                             target_loosened, unit_key, unit_name)
from xlsproc.batch.run import process
from xlsproc.store import SCHEMA_VERSION, Store, StoreError, migrate

YOUTH = "某街道_青少年服务_2024.xlsx"
EDU = "某区教育局_2024_多表.xlsx"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    outbox = tmp_path_factory.mktemp("outbox")
    process(SAMPLES, outbox)
    return json.loads((outbox / "results.json").read_text("utf-8"))


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "xlsproc.sqlite") as s:
        yield s


def by_file(entries: list[dict], name: str) -> dict:
    return next(e for e in entries if e["file"] == name)


def kept(results: list[dict]) -> list[dict]:
    return [e for e in results if e["status"] != "skipped"]


def snapshot(path) -> list[str]:
    """Everything in the database, as SQL text (a fresh connection, WAL included)."""
    db = sqlite3.connect(path)
    try:
        return list(db.iterdump())
    finally:
        db.close()


def corrected(entry: dict, **changes) -> dict:
    """A corrected version of a workbook: new bytes, new total."""
    new = copy.deepcopy(entry)
    new["sha256"] = "corrected-" + (entry["sha256"] or "")
    new.update(changes)
    for ev in new["evaluations"]:
        ev["total_score"] = 60.0
    return new


# --- recording and reading ------------------------------------------------------------------

def test_entries_come_back_as_recorded(store, results, tmp_path):
    info = {"inbox": str(SAMPLES), "outbox": str(tmp_path / "out"), "rules": "default"}
    counts = store.record(results, info)
    assert counts["files"] == len(kept(results)) and counts["replaced"] == 0
    back = {e["relpath"]: e for e in store.entries()}
    assert set(back) == {e["relpath"] for e in kept(results)}
    for entry in kept(results):
        assert back[entry["relpath"]] == {**entry, "inbox": info["inbox"], "outbox": info["outbox"]}
    assert store.years() == sorted({ev["year"] for e in results for ev in e["evaluations"]})


def test_wal_journal_and_schema_version(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_new_store_has_large_pages_and_an_old_one_keeps_its_own(store, results, tmp_path):
    """An entry's JSON spans fewer pages of a new store (PAGE_SIZE); a store made with 4 KB
    pages (earlier versions) keeps them and is read and written as before."""
    from xlsproc.store import PAGE_SIZE
    assert store.db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE > 4096
    old = tmp_path / "old.sqlite"
    db = sqlite3.connect(old)
    db.execute("PRAGMA page_size = 4096")
    migrate(db, str(old))
    db.close()
    with Store(old) as again:
        assert again.db.execute("PRAGMA page_size").fetchone()[0] == 4096
        again.record(results, {"outbox": str(tmp_path / "out")})
        assert len(again.entries()) == len(kept(results))


def test_the_same_run_twice_does_not_duplicate(store, results):
    store.record(results, {})
    again = store.record(results, {})
    assert again["replaced"] == sum(len(e["evaluations"]) for e in results)
    assert len(store.entries()) == len(kept(results))


def test_a_corrected_workbook_replaces_its_results(store, results):
    store.record(results, {})
    store.record([corrected(by_file(results, YOUTH))], {})
    entries = store.entries()
    assert len(entries) == len(kept(results))
    assert by_file(entries, YOUTH)["evaluations"][0]["total_score"] == 60.0


def test_a_renamed_corrected_workbook_replaces_by_unit_project_year_sheet(store, results):
    store.record(results, {})
    youth = by_file(results, YOUTH)
    renamed = corrected(youth, relpath="更正/青少年服务_修改版.xlsx", file="青少年服务_修改版.xlsx")
    assert store.record([renamed], {})["replaced"] == 1
    relpaths = [e["relpath"] for e in store.entries()]
    assert "更正/青少年服务_修改版.xlsx" in relpaths and youth["relpath"] not in relpaths
    assert len(relpaths) == len(kept(results))


def test_one_table_of_a_multi_table_file_is_replaced_alone(store, results):
    store.record(results, {})
    edu = by_file(results, EDU)
    one = corrected(edu, relpath="更正/校园安全.xlsx", file="校园安全.xlsx")
    one["evaluations"] = [ev for ev in one["evaluations"] if ev["sheet"] == "校园安全改造"]
    assert store.record([one], {})["replaced"] == 1
    entries = store.entries()
    old = by_file(entries, EDU)
    assert [ev["sheet"] for ev in old["evaluations"]] == \
           [ev["sheet"] for ev in edu["evaluations"] if ev["sheet"] != "校园安全改造"]
    assert by_file(entries, "校园安全.xlsx")["evaluations"][0]["total_score"] == 60.0


def test_the_same_path_next_year_accumulates(store, results):
    youth = by_file(results, YOUTH)
    store.record([youth], {})
    next_year = corrected(youth)
    next_year["evaluations"][0]["year"] = 2025
    assert store.record([next_year], {})["replaced"] == 0
    assert store.years() == [2024, 2025]
    assert [len(store.entries(y)) for y in (2024, 2025)] == [1, 1]
    assert store.entries(2025)[0]["evaluations"][0]["total_score"] == 60.0


def test_an_unreadable_resubmission_keeps_the_good_results_until_a_good_one_comes(store, results):
    youth = by_file(results, YOUTH)
    store.record([youth], {})
    broken = {**youth, "sha256": "broken", "status": "error", "evaluations": [],
              "error": {"code": "file-corrupt", "message": "文件已损坏"}}
    store.record([broken], {})
    assert sorted(e["status"] for e in store.entries()) == ["error", "ok"]
    store.record([corrected(youth)], {})
    assert [e["status"] for e in store.entries()] == ["ok"]


def test_files_gone_from_the_inbox_are_forgotten_for_their_outbox_only(store, results, tmp_path):
    youth, edu = by_file(results, YOUTH), by_file(results, EDU)
    store.record([youth, edu], {"outbox": str(tmp_path / "2024")})
    last = last_year_of(youth)
    last["relpath"] = youth["relpath"]
    store.record([last], {"outbox": str(tmp_path / "2023")})
    assert store.forget([youth["relpath"]], outbox=tmp_path / "2024") == 1
    assert sorted((e["relpath"], e["evaluations"][0]["year"]) for e in store.entries()) == \
           [(edu["relpath"], 2024), (youth["relpath"], 2023)]
    assert store.forget([youth["relpath"]]) == 1 and len(store.entries()) == 1


def test_entries_of_a_year_bring_the_unreadable_files_of_that_run(store, results):
    store.record(results, {})
    for year in store.years():
        entries = store.entries(year)
        assert all(ev["year"] == year for e in entries for ev in e["evaluations"])
        assert sum(e["status"] == "error" for e in entries) == \
               sum(e["status"] == "error" for e in results)


# --- last year --------------------------------------------------------------------------------

def last_year_of(entry: dict) -> dict:
    """The same workbook a year earlier, with 3000人次 for the relative target."""
    last = copy.deepcopy(entry)
    last.update(sha256="2023", relpath="2023/" + entry["relpath"])
    ev = last["evaluations"][0]
    ev["year"] = 2023
    for ind in ev["indicators"]:
        if ind["name"] == "青少年活动参与人次":
            ind["actual"] = "3000人次"
    return last


def test_previous_and_last_year_value(store, results):
    youth = by_file(results, YOUTH)
    store.record([last_year_of(youth), youth], {})
    ev = youth["evaluations"][0]
    previous = store.previous(ev["unit"], ev["project"], 2024, "project")
    assert previous["year"] == 2023 and previous["sheet"] == ev["sheet"]
    assert store.previous("某区洪福街道办事处", ev["project"], 2024, "department") is None
    assert store.previous(ev["unit"], ev["project"], 2023, "project") is None
    # the unit's budget code and spaces do not matter; a compound or text cell gives None
    assert store.last_year_value("某区洪福街道办事处", "青少年成长关爱服务 项目", 2024,
                                 "服务青少年人次") == (3000.0, 2700.0)
    assert store.last_year_value(ev["unit"], ev["project"], 2024, "组织青少年创业就业培训") == (None, None)
    assert store.last_year_value(ev["unit"], ev["project"], 2024, "没有这个指标") is None


def test_a_relative_target_is_scored_against_last_year(store, results):
    """不低于上一年度: 3200人次 this year against 3000人次 last year → completion 3200/3000."""
    youth = by_file(results, YOUTH)
    store.record([last_year_of(youth), youth], {})
    ev = youth["evaluations"][0]
    ind = next(i for i in ev["indicators"] if i["name"] == "青少年活动参与人次")
    assert ind["kind"] == "manual" and ind["target"] == "不低于上一年度"
    _, last_actual = store.last_year_value(ev["unit"], ev["project"], ev["year"], ind["name"])
    completion = relative_completion(ind["target"], 3200.0, last_actual)
    assert completion == pytest.approx(3200 / 3000)


@pytest.mark.parametrize("target, actual, last, expected", [
    ("不低于上一年度", 3200, 3000, 3200 / 3000),
    ("不低于上一年度", 2700, 3000, 0.9),
    ("较上年增长5%", 3150, 3000, 1.0),
    ("较上年增长5%", 3000, 3000, 3000 / 3150),
    ("比上年提高2个百分点", 95, 94, 95 / 96),
    ("较上年下降10%", 90, 100, 1.0),
    ("较上年下降10%", 95, 100, 90 / 95),
    ("不高于上年", 110, 100, 100 / 110),
    ("不高于上年", 80, 100, 1.0),
    ("与上年持平", 100, 100, 1.0),
    ("控制在上年的90%以内", 95, 100, 90 / 95),
    ("不低于去年同期", 50, 40, 1.25),
    ("≥300个", 300, 200, None),                 # not relative
    ("历史最高水平", 10, 8, None),                 # another base
    ("不低于上一年度", 10, 0, None),               # no ratio against 0
    ("不低于上一年度", 10, float("nan"), None),
    ("较2023年增长5%", 105, 100, None),            # a named year, table year unknown
])
def test_relative_completion(target, actual, last, expected):
    got = relative_completion(target, actual, last)
    assert got == (None if expected is None else pytest.approx(expected))


def test_relative_completion_with_a_named_year():
    assert relative_completion("较2023年增长5%", 105, 100, year=2024) == pytest.approx(1.0)
    assert relative_completion("较2022年增长5%", 105, 100, year=2024) is None
    assert relative_target("较上年增长5%", 3000).how == "上年实际 3000 × (1 + 5%) = 3150"


def test_year_over_year_checks():
    assert target_loosened("positive", "≥3000人次", "≥3500人次", "2700人次", "2500人次")
    assert not target_loosened("positive", "≥3000人次", "≥3500人次", "2400人次", "2500人次")
    assert target_loosened("reverse", "≤8%", "≤5%", "4%", "6%")
    assert not target_loosened("compound", "5场、120人次", "6场、150人次", "5场", "6场")
    assert repeated_shortfall(3.75, 5, 4.0, 5) and not repeated_shortfall(5, 5, 4.0, 5)
    assert unit_name("219001-某区民政局") == "某区民政局" == unit_name("[219001] 某区民政局")
    assert unit_key("219001 - 某区 民政局") == unit_key("某区民政局")


# --- migrations ---------------------------------------------------------------------------

V1_SCHEMA = """
CREATE TABLE runs (id INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL, info TEXT NOT NULL);
CREATE TABLE files (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id),
    relpath TEXT, sha256 TEXT, status TEXT NOT NULL, entry TEXT NOT NULL);
CREATE INDEX files_relpath ON files(relpath);
CREATE INDEX files_sha256 ON files(sha256);
CREATE TABLE evaluations (id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE, position INTEGER NOT NULL,
    sheet TEXT, kind TEXT NOT NULL, unit TEXT, unit_key TEXT NOT NULL, project_key TEXT NOT NULL,
    year INTEGER, data TEXT NOT NULL);
CREATE INDEX evaluations_key ON evaluations(unit_key, project_key, kind, year);
CREATE INDEX evaluations_file ON evaluations(file_id);
PRAGMA user_version = 1;
"""


def make_v1(path, entry: dict) -> None:
    """A database as the first schema version wrote it (frozen here, not built by the code)."""
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    head = {k: v for k, v in entry.items() if k != "evaluations"}
    db.execute("INSERT INTO runs VALUES (1, '2025-03-01T00:00:00+00:00', '{}')")
    db.execute("INSERT INTO files VALUES (1, 1, ?, ?, 'ok', ?)",
               (entry["relpath"], entry["sha256"], json.dumps(head, ensure_ascii=False)))
    ev = entry["evaluations"][0]
    db.execute("INSERT INTO evaluations VALUES (1, 1, 0, ?, ?, ?, ?, ?, ?, ?)",
               (ev["sheet"], ev["kind"], ev["unit"], unit_key(ev["unit"]),
                "青少年成长关爱服务项目", ev["year"], json.dumps(ev, ensure_ascii=False)))
    db.commit()
    db.close()


def test_a_v1_database_is_migrated_and_keeps_its_results(tmp_path, results):
    last = last_year_of(by_file(results, YOUTH))
    make_v1(tmp_path / "old.sqlite", last)
    with Store(tmp_path / "old.sqlite") as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.entries() == [last]
        ev = last["evaluations"][0]
        assert store.last_year_value(ev["unit"], ev["project"], 2024, "青少年活动参与人次") == \
               (None, 3000.0), "v2 的指标表应从 v1 的数据回填"


def test_a_failed_migration_leaves_the_old_version(tmp_path, results, monkeypatch):
    import xlsproc.store as module
    make_v1(tmp_path / "old.sqlite", last_year_of(by_file(results, YOUTH)))
    before = snapshot(tmp_path / "old.sqlite")

    def broken(db):
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("迁移中断")
    monkeypatch.setattr(module, "MIGRATIONS", [module.MIGRATIONS[0], broken])
    db = sqlite3.connect(tmp_path / "old.sqlite", isolation_level=None)
    with pytest.raises(RuntimeError):
        migrate(db)
    db.close()
    assert snapshot(tmp_path / "old.sqlite") == before


def test_a_database_from_a_newer_xlsproc_is_refused(tmp_path):
    db = sqlite3.connect(tmp_path / "new.sqlite")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="升级 xlsproc"):
        Store(tmp_path / "new.sqlite")


# --- crash safety -------------------------------------------------------------------------

def test_an_exception_mid_record_leaves_the_store_unchanged(tmp_path, results, monkeypatch):
    import xlsproc.store as module
    path = tmp_path / "xlsproc.sqlite"
    with Store(path) as store:
        store.record(results[:3], {})
    before = snapshot(path)
    calls = []
    real = module._insert_indicators

    def failing(db, ev_id, indicators):
        real(db, ev_id, indicators)
        calls.append(ev_id)
        if len(calls) == 3:
            raise RuntimeError("写到一半出错")
    monkeypatch.setattr(module, "_insert_indicators", failing)
    with Store(path) as store:
        with pytest.raises(RuntimeError):
            store.record(results, {"run": "失败的一次"})
        assert len(store.entries()) == len(kept(results[:3]))
    assert snapshot(path) == before


def test_a_process_killed_mid_record_leaves_the_store_unchanged(tmp_path, results):
    path, data = tmp_path / "xlsproc.sqlite", tmp_path / "results.json"
    with Store(path) as store:
        store.record(results[:3], {})
    before = snapshot(path)
    data.write_text(json.dumps(results, ensure_ascii=False), "utf-8")
    script = textwrap.dedent("""
        import json, os, sys
        import xlsproc.store as store
        real, calls = store._insert_indicators, []
        def dying(db, ev_id, indicators):
            real(db, ev_id, indicators)
            calls.append(ev_id)
            if len(calls) == 3:
                os._exit(3)                     # no rollback, no close: a crash
        store._insert_indicators = dying
        store.Store(sys.argv[1]).record(json.load(open(sys.argv[2], encoding="utf-8")), {})
    """)
    done = subprocess.run([sys.executable, "-c", script, str(path), str(data)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert snapshot(path) == before
    with Store(path) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(store.entries()) == len(kept(results[:3]))
