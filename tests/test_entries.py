"""Typed results entries (model.FileEntry …): what the results store, consolidation, the roster
and the return packs read. Reading one and writing it back gives the same JSON, byte for byte."""
from __future__ import annotations

import json

import pytest

from conftest import SAMPLES
from xlsproc.batch.run import process
from xlsproc.model import FileEntry, FlagEntry, IndicatorEntry, TableEntry
from xlsproc.store import Store


@pytest.fixture(scope="module")
def outbox(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    process(SAMPLES, out)
    return out


def dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def test_results_json_round_trips_byte_for_byte(outbox):
    entries = json.loads((outbox / "results.json").read_text("utf-8"))
    assert len(entries) == 17
    for entry in entries:
        typed = FileEntry.of(entry)
        assert dump(typed.to_json()) == dump(entry)
        assert all(isinstance(ev, TableEntry) for ev in typed.evaluations)


def test_store_entries_round_trip_with_their_run_folders(outbox):
    with Store(outbox / "xlsproc.sqlite") as store:
        entries = store.entries()
    typed = [FileEntry.of(e) for e in entries]
    assert all(t.outbox == str(outbox.resolve()) for t in typed if t.status == "ok")
    assert [dump(t.to_json()) for t in typed] == [dump(e) for e in entries]


def test_typed_fields_read_as_the_spec_says(outbox):
    entries = {e["file"]: FileEntry.of(e)
               for e in json.loads((outbox / "results.json").read_text("utf-8"))}
    youth = entries["某街道_青少年服务_2024.xlsx"]
    [table] = youth.evaluations
    assert (table.kind, table.year, table.unit) == ("project", 2024, "401001-某区洪福街道办事处")
    assert table.counts() == {"error": 3, "warning": 9, "info": 1}
    flag = next(f for f in table.flags if f.cell == "H19")
    assert isinstance(flag, FlagEntry) and flag.code == "score-over-weight" and flag.title
    assert all(isinstance(i, IndicatorEntry) and i.row for i in table.indicators)
    bad = entries["加密文件.xlsx"]
    assert bad.status == "error" and bad.error["code"] == "file-encrypted" and not bad.evaluations
    assert bad.label == "bad/加密文件.xlsx"


def test_unknown_keys_survive_and_records_made_in_code_serialise():
    entry = {"file": "a.xlsx", "status": "ok", "error": None, "evaluations": [
        {"sheet": "表", "kind": "department", "flags": [], "indicators": [], "新字段": 1}],
        "another": {"x": 1}}
    typed = FileEntry.of(entry)
    assert typed.extra == {"another": {"x": 1}} and typed.evaluations[0].extra == {"新字段": 1}
    assert typed.to_json() == entry
    made = TableEntry(sheet="表", kind="project", flags=(FlagEntry(code="c", severity="error"),))
    assert made.to_json()["flags"] == [{"code": "c", "severity": "error", "sheet": None,
                                        "cell": None, "indicator": None, "message": None}]
    assert made.counts() == {"error": 1, "warning": 0, "info": 0}
