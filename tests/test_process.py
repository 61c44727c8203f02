"""Batch processing: parallel, incremental, unbreakable (crash, hang, kill -9), inputs untouched.

The fault-injecting handlers below run in worker processes: they are module-level so that the
spawn start method can import them by name (this module is on sys.path in the workers).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from functools import partial
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from builders import Layout, build, standard_table
from conftest import SAMPLES, digest_tree
from xlsproc.cli import app
from xlsproc.batch.run import QUARANTINE, RESULTS, STATE, process, work
from xlsproc.batch.entries import locate, read_entry
from xlsproc.rules import load_rules

TESTS = Path(__file__).resolve().parent

BAD_CODES = {
    "加密文件.xlsx": "file-encrypted", "压缩炸弹.xlsx": "file-too-large",
    "导出数据.xls": "file-unsupported", "损坏文件.xlsx": "file-corrupt",
    "无评价表.xlsx": "no-evaluation-found", "空文件.xlsx": "file-corrupt",
    "网页另存.xls": "file-unsupported",
}


# --- fault-injecting handlers (run in workers) ---------------------------------------------

def fault(task):
    """Dies like a segfault on 崩溃*, hangs on 卡住*, raises on 出错*; else the real work follows."""
    name = Path(task[0]).name
    if name.startswith("崩溃"):
        os._exit(11)
    if name.startswith("卡住"):
        time.sleep(30)
    if name.startswith("出错"):
        raise RuntimeError("模拟的程序错误")


def slowly(task):
    """Slows the real work down so that a run can be killed part-way."""
    time.sleep(0.15)


crashy = partial(work, before_file=fault)
slow = partial(work, before_file=slowly)


# --- helpers -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good_xlsx(tmp_path_factory) -> Path:
    return build(standard_table(), Layout(), tmp_path_factory.mktemp("wb") / "good.xlsx")


def make_inbox(root: Path, good: Path, n: int, folder: str = "街道收件") -> Path:
    inbox = root / "收件箱"
    for i in range(n):
        dst = inbox / folder / f"某街道_项目{i:02d}.xlsx"
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(good, dst)
    return inbox


def rels_in(results: Path) -> set[str]:
    return {e["relpath"] for e in json.loads(results.read_text("utf-8"))}


def assert_outbox_sound(outbox: Path) -> None:
    """Every copy opens, results.json parses, the manifest matches the copies on disk."""
    for path in outbox.rglob("*.xls*"):
        if STATE in path.relative_to(outbox).parts:
            continue
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None, path
        assert "审核结果" in openpyxl.load_workbook(path, read_only=True).sheetnames
    entries = json.loads((outbox / RESULTS).read_text("utf-8"))
    manifest = json.loads((outbox / STATE / "manifest.json").read_text("utf-8"))
    for rec in manifest["files"]:
        text = read_entry(outbox, rec["key"]).decode("utf-8")
        assert json.loads(text)["relpath"] == rec["rel"] and "\n" not in text
        if rec["status"] == "ok":
            assert (outbox / rec["output"]).is_file(), rec["rel"]
    for entry in entries:
        if entry["status"] == "ok":
            assert (outbox / entry["output"]).is_file()


# --- a folder with every bad file ----------------------------------------------------------

def test_folder_with_bad_files_reports_each_and_goes_on(tmp_path, good_xlsx):
    inbox = make_inbox(tmp_path, good_xlsx, 3)
    shutil.copytree(SAMPLES / "bad", inbox / "坏文件")
    before = digest_tree(inbox)
    outcome = process(inbox, tmp_path / "审核结果", jobs=2)
    assert digest_tree(inbox) == before                       # no input modified
    by_name = {Path(r.rel).name: r for r in outcome.records}
    for name, code in BAD_CODES.items():
        assert by_name[name].status == "error" and by_name[name].error["code"] == code
    assert by_name["~$洪山区团委_2024_部门整体.xlsx"].status == "skipped"
    assert sum(r.status == "ok" for r in outcome.records) == 3
    assert outcome.exit_code == 1
    quarantine = (tmp_path / "审核结果" / QUARANTINE).read_text("utf-8")
    assert all(f"坏文件/{name}" in quarantine for name in BAD_CODES)
    assert "加密" in quarantine or "密码" in quarantine
    assert rels_in(outcome.results_path) == {p.relative_to(inbox).as_posix()
                                             for p in inbox.rglob("*") if p.is_file()}
    assert_outbox_sound(tmp_path / "审核结果")
    assert not list((tmp_path / "审核结果").rglob("坏文件/*.xls*"))   # no copy of a bad file


def test_enormous_file_is_refused_before_reading(tmp_path, good_xlsx):
    inbox = make_inbox(tmp_path, good_xlsx, 1)
    with open(inbox / "巨大.xlsx", "wb") as fh:
        fh.truncate(101 * 1024 * 1024)                        # sparse: costs no disk
    outcome = process(inbox, tmp_path / "out", jobs=1)
    [rec] = [r for r in outcome.records if r.rel == "巨大.xlsx"]
    assert rec.error["code"] == "file-too-large" and "超过上限" in rec.error["message"]


def test_cli_exit_status_and_chinese_summary(tmp_path, good_xlsx):
    inbox = make_inbox(tmp_path, good_xlsx, 2)
    runner = CliRunner()
    result = runner.invoke(app, ["process", str(inbox), "-o", str(tmp_path / "o"), "-j", "2"])
    assert result.exit_code == 0, result.output
    assert "共 2 个文件：本次处理 2 个" in result.output and "等级：优 2" in result.output
    shutil.copy(SAMPLES / "bad" / "加密文件.xlsx", inbox / "加密文件.xlsx")
    result = runner.invoke(app, ["process", str(inbox), "-o", str(tmp_path / "o"), "--quiet"])
    assert result.exit_code == 1
    assert "本次处理 1 个，沿用未变更的结果 2 个" in result.output
    assert "无法读取 1 个文件，已记入隔离清单" in result.output and "隔离/" not in result.output
    assert "加密文件.xlsx" in result.output and "file-encrypted" not in result.output
    result = runner.invoke(app, ["process", str(inbox), "-o", str(tmp_path / "o"), "-q", "--verbose"])
    assert "（file-encrypted）" in result.output                       # codes behind --verbose


# --- incremental ---------------------------------------------------------------------------

def test_rerun_processes_only_what_changed(tmp_path, good_xlsx):
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 4), tmp_path / "out"
    files = sorted(inbox.rglob("*.xlsx"))
    rel = [f.relative_to(inbox).as_posix() for f in files]
    assert len(process(inbox, outbox, jobs=1).processed) == 4
    assert process(inbox, outbox, jobs=1).processed == []
    os.utime(files[0], ns=(time.time_ns(), time.time_ns() + 5_000_000_000))   # touched only
    assert process(inbox, outbox, jobs=1).processed == []
    build(standard_table(total=90), Layout(), files[1])                      # really changed
    outcome = process(inbox, outbox, jobs=1)
    assert outcome.processed == [rel[1]]
    entry = next(e for e in outcome.entries() if e["relpath"] == rel[1])
    assert entry["evaluations"][0]["reported_total"] == 90
    files[2].unlink()                                                        # left INBOX
    outcome = process(inbox, outbox, jobs=1)
    assert outcome.processed == [] and outcome.removed == [rel[2]]
    assert not (outbox / rel[2]).exists() and rel[2] not in rels_in(outbox / RESULTS)
    (outbox / rel[3]).unlink()                                               # copy deleted
    assert process(inbox, outbox, jobs=1).processed == [rel[3]]
    assert len(process(inbox, outbox, jobs=1, force=True).processed) == 3
    assert rels_in(outbox / RESULTS) == {rel[0], rel[1], rel[3]}


def test_other_rules_reprocess_everything(tmp_path, good_xlsx):
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 2), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    rules = load_rules()
    rules["grades"]["thresholds"][0][1] = 99        # 优 from 99 points
    outcome = process(inbox, outbox, rules, jobs=1)
    assert len(outcome.processed) == 2
    assert {g for r in outcome.records for g in r.grades} == {"良"}


def test_xls_and_xlsx_of_the_same_name_keep_both_copies(tmp_path, good_xlsx):
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(good_xlsx, inbox / "项目.xlsx")
    shutil.copy(SAMPLES / "某区卫健委_2024_项目.xls", inbox / "项目.xls")
    outcome = process(inbox, tmp_path / "out", jobs=1)
    assert sorted(r.output for r in outcome.records) == ["项目.xlsx", "项目_xls.xlsx"]


def test_outbox_must_not_contain_inbox(tmp_path, good_xlsx):
    from xlsproc.model import XlsprocError
    inbox = make_inbox(tmp_path / "out", good_xlsx, 1)
    with pytest.raises(XlsprocError, match="之内"):
        process(inbox, tmp_path / "out")
    outcome = process(tmp_path / "out", tmp_path / "out" / "结果")       # the other way round is fine
    assert len(outcome.records) == 1


# --- unbreakable ---------------------------------------------------------------------------

def test_crash_under_spawn_costs_one_file(tmp_path, good_xlsx):
    inbox = make_inbox(tmp_path, good_xlsx, 3, folder="区县/街道")
    shutil.copy(good_xlsx, inbox / "区县" / "崩溃_某局.xlsx")
    shutil.copy(good_xlsx, inbox / "出错_某局.xlsx")
    before = digest_tree(inbox)
    outcome = process(inbox, tmp_path / "结果", jobs=2, handler=crashy, start_method="spawn")
    codes = {Path(r.rel).name: (r.error or {}).get("code") for r in outcome.records}
    assert codes.pop("崩溃_某局.xlsx") == "worker-crashed"
    assert codes.pop("出错_某局.xlsx") == "internal-error"
    assert set(codes.values()) == {None} and len(codes) == 3
    crashed = next(r for r in outcome.records if r.rel.endswith("崩溃_某局.xlsx"))
    assert "意外退出" in crashed.error["message"]
    assert digest_tree(inbox) == before
    again = process(inbox, tmp_path / "结果", jobs=2)           # failures are retried, real handler
    assert sorted(again.processed) == ["出错_某局.xlsx", "区县/崩溃_某局.xlsx"]
    assert again.exit_code == 0


def test_hanging_file_times_out_and_the_rest_is_processed(tmp_path, good_xlsx):
    inbox = make_inbox(tmp_path, good_xlsx, 4)
    shutil.copy(good_xlsx, inbox / "卡住_某局.xlsx")
    outcome = process(inbox, tmp_path / "out", jobs=2, timeout=1.5, handler=crashy)
    [hung] = [r for r in outcome.records if r.rel == "卡住_某局.xlsx"]
    assert hung.error["code"] == "file-timeout" and "超时" in hung.error["message"]
    assert sum(r.status == "ok" for r in outcome.records) == 4


DRIVER = """
import sys
sys.path.insert(0, {tests!r})
from test_process import slow
from xlsproc.batch.run import process
process({inbox!r}, {outbox!r}, jobs=2, handler=slow)
"""


def _run_and_kill(inbox: Path, outbox: Path, after: int) -> None:
    """Start a run in its own process group; SIGKILL all of it once `after` copies exist."""
    code = DRIVER.format(tests=str(TESTS), inbox=str(inbox), outbox=str(outbox))
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(outbox.glob("*.xlsx"))) >= after:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX process groups")
def test_kill_9_part_way_leaves_no_damage_and_the_next_run_finishes(tmp_path, good_xlsx):
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 24, folder="."), tmp_path / "out"
    before = digest_tree(inbox)
    _run_and_kill(inbox, outbox, after=4)
    _run_and_kill(inbox, outbox, after=10)
    done = list(outbox.glob("*.xlsx"))
    assert 4 <= len(done) < 24                                 # really killed part-way
    manifest = json.loads((outbox / STATE / "manifest.json").read_text("utf-8"))
    recorded = {r["rel"] for r in manifest["files"]}
    for rel in recorded:
        assert (outbox / rel).is_file()                        # recorded ⇒ copy in place
    for path in done:                                          # no half-written copy
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None
    outcome = process(inbox, outbox, jobs=1)
    assert len(outcome.processed) == 24 - len(recorded)        # only the unrecorded are redone
    assert len(outcome.records) == 24 and outcome.exit_code == 0
    assert rels_in(outbox / RESULTS) == {p.name for p in inbox.glob("*.xlsx")}
    assert_outbox_sound(outbox)
    assert not list(outbox.rglob("*.tmp")) and not (outbox / STATE / "tmp").exists()
    assert digest_tree(inbox) == before


def test_progress_and_record_callbacks(tmp_path, good_xlsx):
    inbox = make_inbox(tmp_path, good_xlsx, 3)
    seen, records = [], []
    process(inbox, tmp_path / "out", jobs=2, progress=lambda d, t: seen.append((d, t)),
            on_record=records.append)
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    assert len(records) == 3 and all(r.status == "ok" for r in records)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="Linux /proc")
def test_workers_exit_when_the_parent_is_killed(tmp_path, good_xlsx):
    inbox = make_inbox(tmp_path, good_xlsx, 12, folder=".")
    code = DRIVER.format(tests=str(TESTS), inbox=str(inbox), outbox=str(tmp_path / "out"))
    proc = subprocess.Popen([sys.executable, "-c", code])
    children = f"/proc/{proc.pid}/task/{proc.pid}/children"
    workers = wait_for_workers(children, 2)
    os.kill(proc.pid, signal.SIGKILL)                           # kill -9 of the main process only
    proc.wait()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(alive(w) for w in workers):
            time.sleep(0.1)
        assert not any(alive(w) for w in workers), "orphaned workers kept running"
    finally:
        for w in workers:
            if alive(w):
                os.kill(w, signal.SIGKILL)


def wait_for_workers(children: str, n: int) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = [int(p) for p in Path(children).read_text().split()]
        if len(pids) >= n:
            return pids
        time.sleep(0.02)
    raise AssertionError("workers did not start")


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def poisoned_chunk(chunk, ctx):
    """A chunk handler that dies during chunk-wide work when any task of the chunk is 毒."""
    for i, _ in enumerate(chunk or ()):
        yield ("begin", i)
    yield ("begin", None)
    if chunk and "毒" in chunk:
        os._exit(9)
    for i, task in enumerate(chunk or ()):
        yield ("done", i, task * 2)


def handing_on(chunk, ctx):
    """Says "task i done, task i+1 begins" in one message; hangs or dies on 卡住 / 崩溃 (each
    start of which is counted in the file `ctx`)."""
    if chunk is None:
        return
    yield ("begin", 0)
    for i, task in enumerate(chunk):
        if task.startswith(("卡住", "崩溃")):
            with open(ctx, "a") as fh:
                fh.write("x")
        if task.startswith("卡住"):
            time.sleep(30)
        if task.startswith("崩溃"):
            os._exit(11)
        yield ("done", i, task * 2) + ((i + 1,) if i + 1 < len(chunk) else ())


@pytest.mark.parametrize("bad, code", [("卡住", "file-timeout"), ("崩溃", "worker-crashed")])
def test_a_task_begun_with_the_last_ones_done_is_the_one_blamed(tmp_path, bad, code):
    """Blamed at once: not found by retrying the rest of the chunk one by one (which would run
    the bad task a second time)."""
    from xlsproc.batch.pool import WorkerPool
    tasks = ["a", "b", "c", bad, "d", "e", "f", "g", "h", "i", "j", "k"]   # chunks of 6, then less
    done, failed = {}, {}
    starts = tmp_path / "starts"
    with WorkerPool(handing_on, str(starts), jobs=1, chunk=12, timeout=1.5) as pool:
        pool.run(tasks, lambda t, r: done.__setitem__(t, r),
                 lambda t, c, detail: failed.__setitem__(t, c))
    assert failed == {bad: code}
    assert done == {t: t * 2 for t in tasks if t != bad}
    assert starts.read_text() == "x"


def test_a_crash_during_chunk_wide_work_is_pinned_on_one_task():
    from xlsproc.batch.pool import CRASHED, WorkerPool
    tasks = [f"t{i}" for i in range(9)] + ["毒"] + [f"u{i}" for i in range(9)]
    done, failed = {}, {}
    with WorkerPool(poisoned_chunk, None, jobs=2, chunk=4) as pool:
        pool.run(tasks, lambda t, r: done.__setitem__(t, r),
                 lambda t, code, detail: failed.__setitem__(t, code))
    assert failed == {"毒": CRASHED}
    assert done == {t: t * 2 for t in tasks if t != "毒"}


def test_a_damaged_entry_file_is_redone_and_results_stay_valid(tmp_path, good_xlsx):
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 2), tmp_path / "out"
    first = process(inbox, outbox, jobs=1)
    damaged = first.records[0]
    journal, offset, length = locate(outbox, damaged.key)
    with open(journal, "r+b") as fh:                                         # a power cut
        fh.seek(offset)
        fh.write(b"\0" * length)
    shutil.copy(good_xlsx, inbox / "新.xlsx")                                 # results.json rewritten
    second = process(inbox, outbox, jobs=1)
    assert second.processed == ["新.xlsx"]
    assert rels_in(outbox / RESULTS) == {r.rel for r in second.records}   # still valid JSON
    assert process(inbox, outbox, jobs=1).processed == [damaged.rel]
    assert_outbox_sound(outbox)



@pytest.mark.parametrize("content, kept", [
    ('{"file":"a.xlsx","status":"ok","relpath":"a.xlsx"}'.encode(), True),
    ('{"file":"甲.xlsx","note":"a\\r\\nb","relpath":"a.xlsx"}'.encode(), True),   # escaped: one line
    ('{"file":"b.xlsx","status":"ok","relpath":"b.xlsx"}'.encode(), False),  # another file's entry
    (b'{"file":"a.xlsx",\r"status":"ok"}', False),                     # a raw line break
    (b'{"file":"a.xlsx"}\r\n', False),
    (b'{"file":"a.xlsx"}\n', False),
    ('\ufeff{"file":"a.xlsx"}'.encode(), False),                        # a byte-order mark
    (b'{"file":"a.xlsx","status":"o', False),                            # cut short
    (b'{"file":"\xff\xfe"}', False),                                  # not UTF-8
    (b"\0" * 100, False),                                               # a power cut
])
def test_an_entry_is_taken_only_whole_and_on_one_line(tmp_path, content, kept):
    """results.json takes an entry as it is only when it is one whole line of JSON text naming
    the record's file; anything else is replaced by a stub and the file is redone (the entry is
    read as bytes and decoded: a raw carriage return counts as a line break, as it did read as
    text)."""
    from xlsproc.batch.entries import Reader
    from xlsproc.batch.manifest import Record
    from xlsproc.batch.outputs import _entry_text
    (tmp_path / STATE / "entries").mkdir(parents=True)
    (tmp_path / STATE / "entries" / "k.jsonl").write_bytes(b"{}\n" + content + b"\n{}\n")
    rec = Record("a.xlsx", f"k.jsonl:3:{len(content)}", "/in/a.xlsx", 1, 1, "ab", "ok", "a.xlsx", None)
    text = _entry_text(Reader(tmp_path), rec, "/in/a.xlsx")
    assert rec.retry is not kept
    assert text == content.decode("utf-8") if kept else json.loads(text)["status"] == "ok"
    assert "\n" not in text and "\r" not in text and json.loads(text)
    for key in ("none.jsonl:0:2", "k.jsonl:3:99999", "k.json", "../k.jsonl:0:2", ""):
        gone = Record("b.xlsx", key, "/in/b.xlsx", 1, 1, "ab", "ok", "b.xlsx", None)
        assert json.loads(_entry_text(Reader(tmp_path), gone, "/in/b.xlsx"))["relpath"] == "b.xlsx"
        assert gone.retry

def test_the_command_under_spawn_as_on_windows(tmp_path, good_xlsx):
    """The installed `xlsproc` script re-imported by spawned workers, Chinese paths throughout."""
    inbox = make_inbox(tmp_path, good_xlsx, 3, folder="区县/某街道")
    shutil.copy(SAMPLES / "bad" / "损坏文件.xlsx", inbox / "损坏文件.xlsx")
    script = shutil.which("xlsproc", path=str(Path(sys.executable).parent)) or "xlsproc"
    result = subprocess.run([script, "process", str(inbox), "-o", str(tmp_path / "审核 结果"),
                             "--jobs", "2"], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "XLSPROC_START_METHOD": "spawn"})
    assert result.returncode == 1, result.stderr
    assert "共 4 个文件：本次处理 4 个" in result.stdout and "损坏文件.xlsx" in result.stdout
    assert len(list((tmp_path / "审核 结果" / "区县" / "某街道").glob("*.xlsx"))) == 3


def pid_chunk(chunk, ctx):
    for i, _ in enumerate(chunk or ()):
        yield ("done", i, os.getpid())


def test_workers_are_recycled_to_keep_memory_flat():
    from xlsproc.batch.pool import WorkerPool
    pids = []
    with WorkerPool(pid_chunk, None, jobs=1, chunk=2, max_tasks_per_worker=4) as pool:
        pool.run(range(12), lambda t, pid: pids.append(pid), lambda *a: pytest.fail(str(a)))
    assert len(pids) == 12 and len(set(pids)) == 3          # a fresh worker every 4 tasks


def test_locked_output_is_reported_and_retried(tmp_path, good_xlsx, monkeypatch):
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 2), tmp_path / "out"
    real = os.replace

    def locked(src, dst, *args, **kwargs):      # Windows: the copy is open in Excel
        if str(dst).endswith("项目00.xlsx"):
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", locked)
    entries = {e["relpath"]: e for e in process(inbox, outbox, jobs=1).entries()}
    monkeypatch.undo()
    held = next(e for rel, e in entries.items() if rel.endswith("项目00.xlsx"))
    assert held["error"]["code"] == "output-locked" and "Excel/WPS" in held["error"]["message"]
    again = {e["relpath"]: e for e in process(inbox, outbox, jobs=1).entries()}
    assert all(e["status"] == "ok" for e in again.values())


def test_unreadable_inbox_stops_without_removing_anything(tmp_path, good_xlsx, monkeypatch):
    from xlsproc.model import XlsprocError
    inbox, outbox = make_inbox(tmp_path, good_xlsx, 2), tmp_path / "out"
    process(inbox, outbox, jobs=1)
    before = digest_tree(outbox)
    real = os.scandir

    def gone(path="."):                         # a network drive that dropped
        if str(path).startswith(str(inbox)):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", gone)
    with pytest.raises(XlsprocError) as exc:
        process(inbox, outbox, jobs=1)
    monkeypatch.undo()
    assert exc.value.code == "inbox-unreadable" and "收件目录" in exc.value.message
    assert digest_tree(outbox) == before


def test_manifest_records_round_trip_through_their_json():
    """Record.to_json is shallow (speed): what it gives must still be plain JSON that reads
    back to an equal record, with every field in its declared order."""
    from dataclasses import asdict, fields

    from xlsproc.batch.manifest import Record
    rec = Record("a/b.xlsx", "k.json", "a/b.xlsx", 10, 20, "ab" * 32, "error", None,
                 {"code": "disk-full", "message": "磁盘已满"}, retry=True, tables=2,
                 grades={"优": 1, "待定": 1}, flags={"error": 3}, stored=False,
                 copy={"code": "copy-values-only", "title": "只保留数值"})
    data = rec.to_json()
    assert data == asdict(rec) and list(data) == [f.name for f in fields(Record)]
    assert Record.from_json(json.loads(json.dumps(data, ensure_ascii=False))) == rec


def test_an_unknown_start_method_in_the_environment_is_a_chinese_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("XLSPROC_START_METHOD", "bogus")
    result = CliRunner().invoke(app, ["process", str(SAMPLES / "洪山区团委_2024_部门整体.xlsx"),
                                      "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "XLSPROC_START_METHOD" in result.output and "bogus" in result.output
    assert "内部错误" not in result.output
