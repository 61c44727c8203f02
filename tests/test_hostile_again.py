"""A second adversarial pass over issue 12's fixes, from outside: variations the first tests did
not cover. Each test failed before its fix."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from builders import Layout, build, standard_table
from conftest import digest_tree
from xlsproc.batch.run import RESULTS, process

# the INBOX builder, CLI runner and results reader of the first pass
from test_hostile_inbox import POSIX, _cli, _inbox, _results  # noqa: E402


# --- the results store must not go into INBOX either (#2) ---------------------------------------

def test_a_results_store_inside_the_inbox_is_refused_before_any_work(tmp_path):
    inbox = _inbox(tmp_path, "good.xlsx")
    before = digest_tree(inbox)
    for db in (inbox / "x.sqlite", inbox / "good.xlsx"):
        result = _cli("process", inbox, "-o", tmp_path / "out", "-q", "--jobs", "1", "--db", db)
        assert result.exit_code == 2 and "收件目录" in result.output, result.output
        assert "删除" not in result.output          # never advice to delete a submission
    assert digest_tree(inbox) == before and sorted(os.listdir(inbox)) == ["good.xlsx"]
    assert not (tmp_path / "out" / RESULTS).exists()


# --- a results store damaged part-way (#1): found when it is read, not only when opened ----------

def _damage_table(db: Path, table: str) -> None:
    """Overwrite the root page of one table: the file still opens, the table cannot be read."""
    import sqlite3
    con = sqlite3.connect(db)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    [(root,)] = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
    con.close()
    for name in ("-wal", "-shm"):
        Path(f"{db}{name}").unlink(missing_ok=True)
    with open(db, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\xff" * page_size)


def test_a_store_damaged_part_way_is_reported_by_consolidation_not_a_traceback(tmp_path):
    inbox = _inbox(tmp_path, "a.xlsx", "b.xlsx")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    _damage_table(outbox / "xlsproc.sqlite", "files")
    for args in (["process", inbox, "-o", outbox, "-q", "--jobs", "1",
                  "--consolidate", tmp_path / "汇总.xlsx"],
                 ["consolidate", outbox, "-o", tmp_path / "汇总.xlsx"]):
        result = _cli(*args)
        assert result.exit_code == 2, result.output
        assert "已损坏" in result.output and "删除" in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "汇总.xlsx").exists()


# --- files that left INBOX leave the store even when it could not be written at the time ---------

def _stored_rels(db: Path) -> set[str]:
    from xlsproc.store import Store
    with Store(db) as store:
        return {e["relpath"] for e in store.iter_entries()}


def test_a_file_removed_while_the_store_was_read_only_is_forgotten_next_run(tmp_path, monkeypatch):
    import sqlite3

    from xlsproc.store import Store, StoreError
    inbox = _inbox(tmp_path, "a.xlsx", "b.xlsx")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    (inbox / "b.xlsx").unlink()

    def read_only(self, *args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")
    with monkeypatch.context() as m:
        m.setattr(Store, "forget_files", read_only)
        with pytest.raises(StoreError):
            process(inbox, outbox, jobs=1)
    assert set(_results(outbox)) == {"a.xlsx"}
    process(inbox, outbox, jobs=1)                       # the store can be written again
    assert _stored_rels(outbox / "xlsproc.sqlite") == {"a.xlsx"}
    result = _cli("consolidate", outbox, "-o", tmp_path / "汇总.xlsx")
    assert result.exit_code == 0 and "1 个单位" in result.output, result.output


def test_a_file_removed_across_an_upgrade_is_forgotten_by_the_store(tmp_path, monkeypatch):
    import xlsproc.batch.run as run
    inbox = _inbox(tmp_path, "a.xlsx", "b.xlsx")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    (inbox / "b.xlsx").unlink()
    monkeypatch.setattr(run, "__version__", "99.0")    # a new xlsproc: the manifest starts afresh
    process(inbox, outbox, jobs=1)
    assert _stored_rels(outbox / "xlsproc.sqlite") == {"a.xlsx"}


# --- check: a huge file is refused before it is read (as process does) ---------------------------

def test_check_refuses_a_huge_file_without_reading_it(tmp_path, monkeypatch):
    import xlsproc
    import xlsproc.read.grid as grid
    path = tmp_path / "巨大.xlsx"
    with open(path, "wb") as fh:                           # sparse: costs no disk
        fh.write(b"PK\x03\x04")
        fh.truncate(grid.DEFAULT_MAX_BYTES + 1)
    opened = []
    real_open = open

    def spy(file, *args, **kwargs):
        if str(file) == str(path):
            opened.append(file)
        return real_open(file, *args, **kwargs)
    monkeypatch.setattr("builtins.open", spy)
    monkeypatch.setattr(os, "open", lambda f, *a, _o=os.open, **k: (
        opened.append(f) if str(f) == str(path) else None) or _o(f, *a, **k))
    [entry] = xlsproc.check(path)
    assert entry["error"]["code"] == "file-too-large" and "MiB" in entry["error"]["message"]
    assert opened == []


# --- GBK names in subfolders, with a roster and return packs (#7 end to end) ----------------------

@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="a file system taking any bytes")
def test_a_gbk_unit_folder_works_with_a_roster_and_return_packs(tmp_path):
    import openpyxl
    inbox = tmp_path / "收件"
    folder = os.fsencode(inbox) + b"/" + "某区民政局".encode("gbk")
    os.makedirs(folder)
    table = standard_table(unit="某区民政局")
    build(table, Layout(), Path(os.fsdecode(folder + b"/" + "项目".encode("gbk") + b".xlsx")))
    Path(os.fsdecode(folder + b"/" + "坏".encode("gbk") + b".xlsx")).write_bytes(b"PK\x03\x04 broken")
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n某区民政局\n某区财政局\n", encoding="utf-8")
    result = _cli("process", inbox, "-o", tmp_path / "out", "-q", "--jobs", "1",
                  "--consolidate", tmp_path / "汇总.xlsx", "--roster", roster,
                  "--return-dir", tmp_path / "退回")
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "已报送 1 个" in result.output and "未报送 1 个：某区财政局" in result.output, result.output
    notice = openpyxl.load_workbook(tmp_path / "退回" / "某区民政局" / "问题通知单.xlsx")
    text = " ".join(str(c.value) for row in notice.active.iter_rows() for c in row if c.value)
    assert "坏.xlsx" in text and "项目.xlsx" in text
    district = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    cells = " ".join(str(c.value) for c in district["报送情况"]["K"] if c.value)
    assert "某区民政局/坏.xlsx" in cells


# --- --return-dir: a folder the officer made there is never replaced ----------------------------

def test_return_packs_never_replace_a_folder_xlsproc_did_not_write(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    build(standard_table(unit="某区民政局", total=50), Layout(), inbox / "民政.xlsx")
    desk = tmp_path / "桌面"
    (desk / "某区民政局").mkdir(parents=True)
    (desk / "某区民政局" / "工作笔记.txt").write_text("她自己的文件", encoding="utf-8")
    args = ("process", inbox, "-o", tmp_path / "out", "-q", "--jobs", "1",
            "--consolidate", tmp_path / "汇总.xlsx", "--return-dir", desk)
    for _ in range(2):
        result = _cli(*args)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert (desk / "某区民政局" / "工作笔记.txt").read_text("utf-8") == "她自己的文件"
    [pack] = [p for p in desk.iterdir() if p.is_dir() and p.name != "某区民政局"]
    assert pack.name.startswith("某区民政局") and (pack / "问题通知单.xlsx").is_file()


# --- kill -9 of a run: its workers stop writing into OUTBOX at once -----------------------------

ORPHAN_DRIVER = """
import sys, time
from functools import partial
from xlsproc.batch.run import process
from xlsproc.batch.worker import work
process({inbox!r}, {outbox!r}, jobs=1, start_method="fork",
        handler=partial(work, before_file=lambda task: time.sleep(0.3)))
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="Linux /proc")
def test_workers_of_a_killed_run_write_nothing_more_into_the_outbox(tmp_path):
    import signal
    import subprocess
    import time
    inbox = _inbox(tmp_path, "a.xlsx")
    for i in range(30):
        (inbox / f"{i:02d}.xlsx").write_bytes((inbox / "a.xlsx").read_bytes())
    outbox = tmp_path / "out"
    code = ORPHAN_DRIVER.format(inbox=str(inbox), outbox=str(outbox))
    proc = subprocess.Popen([sys.executable, "-c", code])
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and not (outbox / ".xlsproc" / "worker.log").exists():
        time.sleep(0.02)                      # the worker has begun its first chunk
    workers = [int(p) for p in children.read_text().split()]
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() and
                                                  "Z" not in Path(f"/proc/{w}/stat").read_text()
                                                  .split(")")[-1].split()[:1] for w in workers):
            time.sleep(0.1)
        copies = list(outbox.glob("*.xlsx"))
        assert len(copies) <= 1, f"an orphaned worker wrote {len(copies)} copies after the kill"
    finally:
        for w in workers:
            try:
                os.kill(w, signal.SIGKILL)
            except OSError:
                pass
    done = _cli("process", inbox, "-o", outbox, "-q", "--jobs", "1")
    assert done.exit_code == 0 and len(_results(outbox)) == 31


# --- a full disk while the district workbook is written: a Chinese message, no traceback ---------

def test_a_full_disk_while_writing_the_district_workbook_is_reported_in_chinese(tmp_path, monkeypatch):
    import errno

    import xlsxwriter.workbook
    inbox = _inbox(tmp_path, "a.xlsx")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "_store_workbook", full)
    for args in (["process", inbox, "-o", outbox, "-q", "--jobs", "1",
                  "--consolidate", tmp_path / "汇总.xlsx", "--return-dir", tmp_path / "退回"],
                 ["consolidate", outbox, "-o", tmp_path / "汇总.xlsx"]):
        result = _cli(*args)
        assert result.exit_code == 2 and "磁盘空间不足" in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "汇总.xlsx").exists()


# --- names with a right-to-left override or zero-width characters (#13) ---------------------------

@POSIX
def test_bidi_overrides_and_invisible_characters_in_names_are_shown_escaped(tmp_path):
    from xlsproc.batch.run import QUARANTINE
    inbox = _inbox(tmp_path, "good.xlsx")
    evil = ["报告\u202excod.xlsx", "go\u200bod.xlsx", "tab\tname.xlsx", "x\u2066y.xlsx"]
    for name in evil:
        (inbox / name).write_bytes(b"not a workbook")
    outbox = tmp_path / "out"
    result = _cli("process", inbox, "-o", outbox, "-q", "--jobs", "1")
    assert result.exit_code == 1
    listing = (outbox / QUARANTINE).read_text("utf-8")
    for text in (result.output, listing):
        assert not any(ch in text for ch in "\u202e\u200b\t\u2066"), text
        assert "报告\\u202excod.xlsx" in text and "go\\u200bod.xlsx" in text
    assert set(_results(outbox)) == {"good.xlsx", *evil}        # the names themselves are kept


# --- watch lists broken and looping links, as process does (#12) -------------------------------------

@POSIX
def test_watch_lists_broken_and_looping_links_and_a_link_to_dev_zero(tmp_path):
    import threading
    import time

    from xlsproc.batch.watch import watch
    inbox = _inbox(tmp_path, "good.xlsx")
    os.symlink("环.xlsx", inbox / "环.xlsx")
    os.symlink("不存在.xlsx", inbox / "悬空.xlsx")
    os.symlink("/dev/zero", inbox / "零.xlsx")
    outbox = tmp_path / "out"
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(inbox, outbox), daemon=True,
                              kwargs=dict(jobs=1, settle=0.2, poll=0.05, stop_event=stop))
    thread.start()
    try:
        deadline = time.monotonic() + 60
        want = {"good.xlsx", "环.xlsx", "悬空.xlsx", "零.xlsx"}
        found: dict = {}
        while time.monotonic() < deadline and set(found) != want:
            time.sleep(0.1)
            try:
                found = _results(outbox)
            except (OSError, ValueError):
                pass
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()
    assert set(found) == want
    assert found["环.xlsx"]["error"]["code"] == found["悬空.xlsx"]["error"]["code"] == "link-broken"
    assert found["零.xlsx"]["error"]["code"] == "link-outside-inbox"


# --- a results store on a read-only medium is still read; a folder in its place is named ---------

def test_an_outbox_on_a_read_only_medium_can_still_be_consolidated(tmp_path, monkeypatch):
    import sqlite3

    import xlsproc.store as store
    inbox = _inbox(tmp_path, "a.xlsx")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    real_connect = sqlite3.connect

    class ReadOnlyMedium:                    # what SQLite says when it cannot make the -shm file
        def __init__(self, con):
            self.con = con

        def execute(self, sql, *args):
            if "journal_mode" in sql:
                raise sqlite3.OperationalError("unable to open database file")
            return self.con.execute(sql, *args)

    def connect(database, *args, uri=False, **kwargs):
        con = real_connect(database, *args, uri=uri, **kwargs)
        return ReadOnlyMedium(con) if str(database).endswith("xlsproc.sqlite") else con
    monkeypatch.setattr(store.sqlite3, "connect", connect)
    real_access = os.access
    monkeypatch.setattr(store.os, "access", lambda path, mode, **kw: mode != os.W_OK
                        and real_access(path, mode, **kw))
    result = _cli("consolidate", outbox, "-o", tmp_path / "汇总.xlsx")
    assert result.exit_code == 0 and "1 个单位" in result.output, result.output


def test_a_folder_in_place_of_the_store_is_named_as_such(tmp_path):
    inbox = _inbox(tmp_path, "a.xlsx")
    outbox = tmp_path / "out"
    (outbox / "xlsproc.sqlite").mkdir(parents=True)
    result = _cli("process", inbox, "-o", outbox, "-q", "--jobs", "1")
    assert result.exit_code == 2 and "是一个文件夹" in result.output, result.output
    assert _results(outbox)["a.xlsx"]["status"] == "ok"       # every output is in place all the same


# --- an earlier run's OUTBOX left inside INBOX is not read as submissions -------------------------

def test_an_old_outbox_inside_the_inbox_is_not_read_as_submissions(tmp_path):
    inbox = _inbox(tmp_path, "a.xlsx", "sub/b.xlsx")
    process(inbox, inbox / "审核结果", jobs=1)                   # OUTBOX inside INBOX: allowed
    before = digest_tree(inbox)
    result = _cli("process", inbox, "-o", tmp_path / "out2", "-q", "--jobs", "1",
                  "--consolidate", tmp_path / "汇总.xlsx")
    assert result.exit_code == 0, result.output
    assert set(_results(tmp_path / "out2")) == {"a.xlsx", "sub/b.xlsx"}
    assert "2 个单位" in result.output and "重复报送" not in result.output, result.output
    assert digest_tree(inbox) == before


# --- a file that met a full disk is redone once there is room again -------------------------------

def _disk_full(task):
    import errno
    if Path(task[0]).name.startswith("满"):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_file_that_met_a_full_disk_is_redone_by_the_next_run(tmp_path):
    from functools import partial

    from xlsproc.batch.worker import work
    inbox = _inbox(tmp_path, "good.xlsx", "满_某局.xlsx")
    outbox = tmp_path / "out"
    first = process(inbox, outbox, jobs=1, handler=partial(work, before_file=_disk_full))
    assert {r.rel: (r.error or {}).get("code") for r in first.records}["满_某局.xlsx"] == "disk-full"
    again = process(inbox, outbox, jobs=1)                   # room again
    assert again.processed == ["满_某局.xlsx"] and again.exit_code == 0
    assert (outbox / "满_某局.xlsx").is_file()


# --- two inputs never share one annotated copy -----------------------------------------------------

def test_a_xls_next_to_a_xlsx_and_a_xls_xlsx_get_three_copies(tmp_path):
    import shutil
    samples = Path(__file__).resolve().parent.parent / "samples"
    inbox = _inbox(tmp_path, "a.xlsx", "a_xls.xlsx")
    shutil.copy(samples / "某区卫健委_2024_项目.xls", inbox / "a.xls")
    outcome = process(inbox, tmp_path / "out", jobs=1)
    outputs = {r.rel: r.output for r in outcome.records}
    assert outcome.exit_code == 0 and len(set(outputs.values())) == 3, outputs
    assert outputs["a.xlsx"] == "a.xlsx" and outputs["a_xls.xlsx"] == "a_xls.xlsx"
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == 3


# --- a folder nested too deep to be listed costs itself only (#8) ---------------------------------

@pytest.mark.skipif(sys.platform != "linux", reason="Linux PATH_MAX")
def test_a_folder_nested_too_deep_is_listed_and_the_run_goes_on(tmp_path, monkeypatch):
    inbox = _inbox(tmp_path, "good.xlsx")
    monkeypatch.chdir(inbox)
    for i in range(30):                                     # ~7,000 bytes deep
        name = "目录" * 40 + str(i)
        os.mkdir(name)
        os.chdir(name)
    Path("深.xlsx").write_bytes(b"junk")
    monkeypatch.chdir(tmp_path)
    result = _cli("process", inbox, "-o", tmp_path / "out", "-q", "--jobs", "1")
    assert result.exit_code == 1, result.output
    found = _results(tmp_path / "out")
    assert found["good.xlsx"]["status"] == "ok"
    [deep] = [e for rel, e in found.items() if rel != "good.xlsx"]
    assert deep["error"]["code"] == "file-unreadable" and "路径太长" in deep["error"]["message"]


# --- a write failure names the place that failed, not -o -------------------------------------------

def test_a_csv_folder_that_is_a_file_is_named_in_the_error(tmp_path):
    inbox = _inbox(tmp_path, "a.xlsx")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    (tmp_path / "导出").write_text("我的文件", encoding="utf-8")
    result = _cli("consolidate", outbox, "-o", tmp_path / "汇总.xlsx", "--csv", tmp_path / "导出")
    assert result.exit_code == 2 and "无法写入" in result.output
    assert "导出" in result.output.split("无法写入")[1].split("（")[0], result.output
    assert (tmp_path / "导出").read_text("utf-8") == "我的文件"


# --- --rules naming a FIFO, a device or a folder: a Chinese error, never a hang -------------------

@POSIX
def test_a_rules_path_that_is_not_a_file_is_refused_without_reading_it(tmp_path):
    import subprocess
    inbox = _inbox(tmp_path, "a.xlsx")
    os.mkfifo(tmp_path / "规则.toml")
    (tmp_path / "规则夹").mkdir()
    for rules in (tmp_path / "规则.toml", "/dev/zero", tmp_path / "规则夹"):
        done = subprocess.run([sys.executable, "-m", "xlsproc.cli", "process", str(inbox), "-o",
                               str(tmp_path / "out"), "-q", "--rules", str(rules)],
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONIOENCODING": "utf-8"})
        assert done.returncode == 2 and "规则文件" in done.stderr + done.stdout, done.stderr
        assert "Traceback" not in done.stderr


BLOCKED_DRIVER = """
import time
from xlsproc.batch.pool import WorkerPool

def big(chunk, context):
    if chunk is None:
        return
    for i, _ in enumerate(chunk):
        yield ("begin", i)
        yield ("done", i, b"x" * (8 << 20))      # far more than a socket buffer holds

pool = WorkerPool(big, None, jobs=2, start_method="fork", chunk=1)
pool.run(list(range(4)), lambda task, result: time.sleep(600), lambda *a: None)
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="Linux /proc")
def test_a_worker_blocked_sending_to_a_killed_parent_exits(tmp_path):
    import signal
    import subprocess
    import time
    proc = subprocess.Popen([sys.executable, "-c", BLOCKED_DRIVER], stderr=subprocess.DEVNULL)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 30
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = [int(p) for p in children.read_text().split()]
        time.sleep(0.05)
    time.sleep(2)                     # the parent sleeps in on_done; the other worker's send blocks
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    def alive(pid):
        try:
            return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
        except OSError:
            return False
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(alive(w) for w in workers):
            time.sleep(0.1)
        assert workers and not any(alive(w) for w in workers), "a worker hangs for ever"
    finally:
        for w in workers:
            if alive(w):
                os.kill(w, signal.SIGKILL)
