"""Every sample against samples/planted.toml, whose figures were worked out by hand."""
from __future__ import annotations

import re
import tomllib

import pytest

import xlsproc
from conftest import SAMPLES, digest_tree

PLANTED = tomllib.loads((SAMPLES / "planted.toml").read_text("utf-8"))["files"]
GOOD = [f for f in PLANTED if f["status"] == "ok"]
BAD = [f for f in PLANTED if f["status"] != "ok"]


@pytest.fixture(scope="module")
def checked():
    before = digest_tree(SAMPLES)
    entries = {f["file"]: xlsproc.check(SAMPLES / f["file"])[0] for f in PLANTED}
    assert digest_tree(SAMPLES) == before, "an input file was modified"
    return entries


def _row(cell: str) -> int:
    return int(re.sub(r"\D", "", cell))


def _key(flag: dict) -> tuple:
    """fund-rows-sum is reported per column on the total row: compare it by row."""
    cell = flag.get("cell")
    if flag["code"] == "fund-rows-sum" and cell:
        return (flag["code"], _row(cell))
    if flag["code"] in ("weights-sum", "category-missing"):
        return (flag["code"], None)           # table-level: any cell
    return (flag["code"], cell)


@pytest.mark.parametrize("planted", GOOD, ids=[f["file"] for f in GOOD])
def test_tables_and_figures(checked, planted):
    entry = checked[planted["file"]]
    assert entry["status"] == "ok", entry["error"]
    got = {ev["sheet"]: ev for ev in entry["evaluations"]}
    assert sorted(got) == sorted(t["sheet"] for t in planted["tables"])
    for table in planted["tables"]:
        ev = got[table["sheet"]]
        assert ev["kind"] == table["kind"]
        assert ev["unit"] in (table["unit"], table.get("implementing_unit"))
        assert ev["project"] == table.get("project")
        assert ev["year"] == table["year"]
        b = ev["budget"]
        assert (b["annual"], b["executed"]) == (table["budget_annual"], table["budget_executed"])
        assert b["cell"] == table["budget_cell"]
        assert b["rate"] == pytest.approx(table["rate"], abs=1e-6)
        assert (b["weight"], b["score"]) == (table["execution_weight"], table["execution_score"])
        assert len(ev["indicators"]) == table["indicator_count"]
        assert ev["indicator_score"] == pytest.approx(table["indicator_score"], abs=1e-9)
        assert ev["total_score"] == pytest.approx(table["total_score"], abs=1e-9)
        assert (ev["grade"] or "待定") == table["grade"]      # null: withheld while weights-sum stands


@pytest.mark.parametrize("planted", GOOD, ids=[f["file"] for f in GOOD])
def test_indicators(checked, planted):
    entry = checked[planted["file"]]
    for table in planted["tables"]:
        ev = next(e for e in entry["evaluations"] if e["sheet"] == table["sheet"])
        by_row = {i["row"]: i for i in ev["indicators"]}
        for want in table.get("indicators", []):
            got = by_row[want["row"]]
            where = f"{table['sheet']} row {want['row']}"
            assert got["name"] == want["name"], where
            assert got["kind"] == want["kind"], where
            if "completion" in want:
                assert got["completion"] == pytest.approx(want["completion"], abs=1e-6), where
            assert got["score"] == pytest.approx(want["score"], abs=1e-9), where


@pytest.mark.parametrize("planted", GOOD, ids=[f["file"] for f in GOOD])
def test_flags(checked, planted):
    entry = checked[planted["file"]]
    for table in planted["tables"]:
        ev = next(e for e in entry["evaluations"] if e["sheet"] == table["sheet"])
        got = {_key(f) for f in ev["flags"]}
        required = {_key(f) for f in table["flags"] if not f.get("optional")}
        allowed = required | {_key(f) for f in table["flags"]}
        assert required <= got, f"{table['sheet']}: missing {sorted(required - got, key=str)}"
        assert got <= allowed, f"{table['sheet']}: unexpected {sorted(got - allowed, key=str)}"
        for f in ev["flags"]:
            assert f["sheet"] == table["sheet"]
            assert re.search(r"[\u4e00-\u9fff]", f["message"]), f["message"]
            if f["cell"]:
                assert f["message"].startswith(f"{f['sheet']} › {f['cell']}：")


@pytest.mark.parametrize("planted", BAD, ids=[f["file"] for f in BAD])
def test_bad_files(checked, planted):
    entry = checked[planted["file"]]
    if planted["status"] == "skipped":
        assert entry["status"] == "skipped"
        return
    assert entry["status"] == "error"
    assert entry["error"]["code"] == planted["error"]
    assert re.search(r"[\u4e00-\u9fff]", entry["error"]["message"])
    assert entry["evaluations"] == []
