"""Second review of the journals (batch/entries.py, 94d9b0d): a departure compaction that fails
is done by a later run; an entry is read only as a whole line; a forked child closes the journal."""
from __future__ import annotations

import errno
import json
import os

from test_process import good_xlsx, make_inbox  # noqa: F401 (a fixture)
from xlsproc.batch import entries
from xlsproc.batch.run import RESULTS, STATE, process


def entry_bytes(outbox) -> bytes:
    return b"".join(p.read_bytes() for p in (outbox / STATE / "entries").iterdir())


def test_entries_of_departed_files_go_even_when_the_departure_compaction_failed(
        tmp_path, good_xlsx, monkeypatch):
    """A compaction that cannot write leaves everything as it was and "the next run may
    compact" — but the next run has no departure (plan.removed is empty) and not enough
    garbage: the departed file's entry stays in OUTBOX for good. Same after a run killed
    between forget_stale's manifest save and the sweep."""
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 3), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    gone = sorted(inbox.rglob("*.xlsx"))[0]
    rel = gone.relative_to(inbox).as_posix()
    gone.unlink()
    real = entries.Journal.sync

    def full(self):
        if self.fh is not None:                        # the compaction's fsync: disk full
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self)
    monkeypatch.setattr(entries.Journal, "sync", full)
    assert process(inbox, outbox, jobs=1).removed == [rel]
    monkeypatch.setattr(entries.Journal, "sync", real)
    assert process(inbox, outbox, jobs=1).processed == []      # room on the disk again
    assert f'"relpath":"{rel}"'.encode() not in entry_bytes(outbox)


def test_a_key_pointing_inside_its_own_entry_does_not_make_results_json_invalid(
        tmp_path, good_xlsx):
    """_entry_text is said to take "one whole line of JSON", but only checks '{'…'}', no
    newline, and the relpath: a span from an evaluation's '{' to the end of the same line
    passes, and results.json is no longer JSON (and stays so: the record is not redone)."""
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 2), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    path = outbox / STATE / "manifest.json"
    data = json.loads(path.read_text("utf-8"))
    rec = data["files"][0]
    name, offset, length = entries.parse_key(rec["key"])
    line = entries.read_entry(outbox, rec["key"])
    inner = line.index(b'{"', line.index(b'"evaluations":[') )     # the first evaluation
    rec["key"] = f"{name}:{offset + inner}:{length - inner}"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    process(inbox, outbox, jobs=1)
    json.loads((outbox / RESULTS).read_text("utf-8"))               # JSONDecodeError
    assert process(inbox, outbox, jobs=1).processed == [rec["rel"]]


def test_when_every_file_left_the_departure_is_done_with(tmp_path, good_xlsx):
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 2), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    for path in inbox.rglob("*.xlsx"):
        path.unlink()
    assert len(process(inbox, outbox, jobs=1).removed) == 2
    assert entry_bytes(outbox) == b""
    manifest = json.loads((outbox / STATE / "manifest.json").read_text("utf-8"))
    assert "departed" not in manifest and manifest["files"] == []


def test_a_forked_child_closes_the_journal_without_a_warning(tmp_path):
    import subprocess
    import sys
    code = f"""
import os, warnings
warnings.simplefilter("error")
from xlsproc.batch import entries
os.makedirs({str(tmp_path / STATE / "entries")!r}, exist_ok=True)
journal = entries.Journal({str(tmp_path)!r})
journal.add('{{"relpath":"a.xlsx"}}')
pid = os.fork()
if pid == 0:
    import gc; gc.collect()
    os._exit(0)
os.waitpid(pid, 0)
journal.close()
"""
    done = subprocess.run([sys.executable, "-X", "dev", "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and "ResourceWarning" not in done.stderr, done.stderr
