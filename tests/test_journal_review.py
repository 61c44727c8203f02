"""Review of the journals (batch/entries.py): a manifest edited by hand, or a compaction that
cannot write, must cost at most the files concerned, never the run; entries of files that left
INBOX go; a forked process holds no journal open; without os.sync the journal is fsynced."""
from __future__ import annotations

import errno
import json
import os
import sys

import pytest

from test_process import good_xlsx, make_inbox  # noqa: F401 (a fixture)
from xlsproc.batch import entries
from xlsproc.batch.run import RESULTS, STATE, process


def edit_key(outbox, change) -> str:
    """Changes the first record's key; returns its rel."""
    path = outbox / STATE / "manifest.json"
    data = json.loads(path.read_text("utf-8"))
    rec = data["files"][0]
    rec["key"] = change(rec["key"])
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return rec["rel"]


def test_keys_with_digits_int_does_not_read_are_missing(tmp_path):
    """str.isdigit() is true for '²' (and other superscripts), which int() refuses."""
    (tmp_path / STATE / "entries").mkdir(parents=True)
    (tmp_path / STATE / "entries" / "a.jsonl").write_bytes(b'{"x":1}\n')
    for key in ("a.jsonl:²:7", "a.jsonl:0:²"):
        assert entries.read_entry(tmp_path, key) is None, key
        assert not entries.Sizes(tmp_path).holds(key), key


def test_a_key_edited_to_a_superscript_digit_redoes_its_file(tmp_path, good_xlsx):
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 2), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    rel = edit_key(outbox, lambda key: key.rsplit(":", 1)[0] + ":²")
    assert process(inbox, outbox, jobs=1).processed == [rel]     # was: ValueError, every run


@pytest.mark.parametrize("span", ["0:99999999999999999999999", "99999999999999999999999:5"])
def test_a_held_record_with_an_absurd_span_does_not_stop_the_run(tmp_path, good_xlsx, span):
    """Watch mode (`only=`) and the years pass keep the records they hold without looking at
    their entries: one whose key was edited must read as missing (a stub), not raise."""
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 3), tmp_path / "out"
    first = process(inbox, outbox, jobs=1)
    rel = edit_key(outbox, lambda key: key.split(":")[0] + ":" + span)
    others = {r.rel for r in first.records} - {rel}
    outcome = process(inbox, outbox, jobs=1, force=True, only=others)  # was: OverflowError
    assert sorted(outcome.processed) == sorted(others)
    assert len(json.loads((outbox / RESULTS).read_text("utf-8"))) == 3


def test_a_compaction_that_cannot_write_does_not_fail_a_finished_run(tmp_path, good_xlsx,
                                                                     monkeypatch):
    """Compaction is housekeeping after results.json is written: a full disk there must not
    turn a complete run into an error (the next run can compact)."""
    made = []

    class Failing(entries.Journal):
        def __init__(self, outbox):
            super().__init__(outbox)
            made.append(self)

        def sync(self):
            if self is not made[0] and self.fh is not None:       # the compaction's journal
                raise OSError(errno.ENOSPC, "No space left on device")
            super().sync()

    monkeypatch.setattr(entries, "Journal", Failing)
    monkeypatch.setattr(entries, "MAX_JOURNALS", 0)              # compact on every sweep
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 2), tmp_path / "out"
    outcome = process(inbox, outbox, jobs=1)                     # was: OSError out of sweep
    assert len(outcome.processed) == 2
    assert process(inbox, outbox, jobs=1).processed == []


def test_the_entries_of_files_that_left_inbox_are_gone_after_the_run(tmp_path, good_xlsx):
    """As their entry files were deleted before journals: one file of three leaves (a third of
    the bytes, not enough garbage to compact for), and its entry goes all the same."""
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 3), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    gone = sorted(inbox.rglob("*.xlsx"))[0]
    rel = gone.relative_to(inbox).as_posix()
    gone.unlink()
    assert process(inbox, outbox, jobs=1).removed == [rel]
    texts = b"".join(p.read_bytes() for p in (outbox / STATE / "entries").iterdir())
    assert texts.count(b'"relpath"') == 2 and rel.encode() not in texts


def test_a_key_pointing_at_another_files_entry_redoes_the_file(tmp_path, good_xlsx):
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 2), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    path = outbox / STATE / "manifest.json"
    data = json.loads(path.read_text("utf-8"))
    first, second = data["files"]
    first["key"] = second["key"]
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    assert process(inbox, outbox, jobs=1).processed == []     # found when results.json is made:
    results = json.loads((outbox / RESULTS).read_text("utf-8"))   # a stub, never the other's
    assert sorted(e["relpath"] for e in results) == sorted([first["rel"], second["rel"]])
    assert process(inbox, outbox, jobs=1).processed == [first["rel"]]      # then redone
    assert process(inbox, outbox, jobs=1).processed == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork, /proc")
def test_a_process_forked_while_a_journal_is_open_does_not_hold_it(tmp_path):
    (tmp_path / STATE / "entries").mkdir(parents=True)
    journal = entries.Journal(tmp_path)
    journal.add('{"relpath":"a.xlsx"}')
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                         # the child: is the journal open here?
        held = any(os.path.realpath(f"/proc/self/fd/{fd}") == journal.path
                   for fd in os.listdir("/proc/self/fd") if fd.isdigit()
                   and os.path.exists(f"/proc/self/fd/{fd}"))
        os.write(write, b"1" if held else b"0")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    journal.close()
    assert answer == b"0"
    assert (tmp_path / STATE / "entries" / journal.name).read_bytes() == b'{"relpath":"a.xlsx"}\n'


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_without_os_sync_the_journal_is_fsynced_before_the_manifest_vouches(tmp_path, good_xlsx,
                                                                          monkeypatch):
    """On Windows (no os.sync) the manifest is fsynced; so must its entries be."""
    from xlsproc.batch import run
    synced = []
    real = os.fsync

    def fsync(fd):
        synced.append(os.path.basename(os.path.realpath(f"/proc/self/fd/{fd}")))
        real(fd)
    monkeypatch.setattr(run, "GROUP_SYNC", False)
    monkeypatch.setattr(os, "fsync", fsync)
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 2), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    [journal] = os.listdir(outbox / STATE / "entries")
    assert journal in synced
