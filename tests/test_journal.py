"""Results entries in journals (batch/entries.py): one file per run, not one per workbook;
journals no record names are deleted, and compacted when mostly garbage or too many; whatever
happens to them, results.json stays whole and a lost entry's file is redone."""
from __future__ import annotations

import json
import os

from test_process import good_xlsx, make_inbox  # noqa: F401 (a fixture)
from xlsproc.batch import entries
from xlsproc.batch.run import RESULTS, STATE, process


def journals(outbox) -> list[str]:
    return sorted(os.listdir(outbox / STATE / "entries"))


def manifest_keys(outbox) -> dict[str, str]:
    data = json.loads((outbox / STATE / "manifest.json").read_text("utf-8"))
    return {r["rel"]: r["key"] for r in data["files"]}


def test_a_run_appends_its_entries_to_one_journal(tmp_path, good_xlsx):
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 5), tmp_path / "out"
    outcome = process(inbox, outbox, jobs=2)
    [name] = journals(outbox)
    assert name.endswith(".jsonl")
    keys = manifest_keys(outbox)
    assert {k.partition(":")[0] for k in keys.values()} == {name}
    lines = (outbox / STATE / "entries" / name).read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 6
    results = json.loads((outbox / RESULTS).read_text("utf-8"))
    for entry in results:               # each key points at its own file's entry, whole
        assert json.loads(entries.read_entry(outbox, keys[entry["relpath"]])) == entry
    assert [r.rel for r in outcome.records] == [e["relpath"] for e in results]


def test_a_rerun_with_nothing_to_do_writes_no_journal(tmp_path, good_xlsx):
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 3), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    before, results = journals(outbox), (outbox / RESULTS).read_bytes()
    assert process(inbox, outbox, jobs=1).processed == []
    assert journals(outbox) == before and (outbox / RESULTS).read_bytes() == results


def test_a_journal_no_record_names_is_deleted(tmp_path, good_xlsx):
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 3), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    [first] = journals(outbox)
    results = json.loads((outbox / RESULTS).read_text("utf-8"))
    assert len(process(inbox, outbox, jobs=1, force=True).processed) == 3
    [second] = journals(outbox)
    assert second != first
    assert json.loads((outbox / RESULTS).read_text("utf-8")) == results


def test_entries_of_files_that_left_inbox_go_with_a_compaction(tmp_path, good_xlsx):
    """Two of three files leave: their entries are garbage, more than half of the journal's
    bytes, so the one entry left is copied into a new journal and the old one deleted."""
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 3), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    [first] = journals(outbox)
    files = sorted(p for p in inbox.rglob("*.xlsx"))
    for path in files[1:]:
        path.unlink()
    outcome = process(inbox, outbox, jobs=1)
    assert outcome.processed == [] and len(outcome.records) == 1
    [second] = journals(outbox)
    assert second != first
    [entry] = json.loads((outbox / RESULTS).read_text("utf-8"))
    assert entry["relpath"] == files[0].relative_to(inbox).as_posix()
    assert json.loads(entries.read_entry(outbox, manifest_keys(outbox)[entry["relpath"]])) == entry


def test_many_small_runs_are_compacted_and_results_stay_the_same(tmp_path, good_xlsx,
                                                                 monkeypatch):
    monkeypatch.setattr(entries, "MAX_JOURNALS", 3)
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 8), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    results = json.loads((outbox / RESULTS).read_text("utf-8"))
    rels = [e["relpath"] for e in results]
    for rel in rels[:6]:                     # six runs, each redoing one file: a journal each
        assert process(inbox, outbox, jobs=1, force=True, only={rel}).processed == [rel]
        assert len(journals(outbox)) <= 3 + 1
    assert json.loads((outbox / RESULTS).read_text("utf-8")) == results
    named = {k.partition(":")[0] for k in manifest_keys(outbox).values()}
    assert named == set(journals(outbox))
    assert process(inbox, outbox, jobs=1).processed == []        # every entry still found


def test_a_compaction_keeps_an_entry_it_cannot_read_for_the_next_run(tmp_path, good_xlsx):
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 3), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    keys = manifest_keys(outbox)
    journal, offset, length = entries.locate(outbox, keys[min(keys)])
    with open(journal, "r+b") as fh:          # the end of the journal lost: the last entry cut
        fh.truncate(os.path.getsize(journal) - 10)
    redo = max(keys, key=lambda rel: entries.locate(outbox, keys[rel])[1])
    assert process(inbox, outbox, jobs=1).processed == [redo]
    assert len(json.loads((outbox / RESULTS).read_text("utf-8"))) == 3
    assert process(inbox, outbox, jobs=1).processed == []


def test_entry_files_of_the_old_format_are_cleared_and_their_files_redone(tmp_path, good_xlsx):
    """An OUTBOX written by a version with one file per entry (manifest format 1)."""
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 2), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    manifest = outbox / STATE / "manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    data["header"]["format"] = 1
    for i, rec in enumerate(data["files"]):
        rec["key"] = f"{i:032x}.json"
        (outbox / STATE / "entries" / rec["key"]).write_text("{}", "utf-8")
    (outbox / STATE / "entries" / ".x.json.123.tmp").write_text("{", "utf-8")
    manifest.write_text(json.dumps(data), "utf-8")
    assert len(process(inbox, outbox, jobs=1).processed) == 2
    assert all(name.endswith(".jsonl") for name in journals(outbox))
    assert len(journals(outbox)) == 1


def test_keys_not_written_by_us_read_as_missing(tmp_path):
    (tmp_path / STATE / "entries").mkdir(parents=True)
    (tmp_path / STATE / "entries" / "a.jsonl").write_bytes(b'{"x":1}\n')
    (tmp_path / "secret.jsonl").write_bytes(b'{"s":1}\n')
    assert entries.read_entry(tmp_path, "a.jsonl:0:7") == b'{"x":1}'
    for key in ("a.jsonl:0:8000", "a.jsonl:-1:7", "a.jsonl:x:7", "../../secret.jsonl:0:7",
                "a.json", "", "a.jsonl", "b.jsonl:0:7"):
        assert entries.read_entry(tmp_path, key) is None, key
