"""Hostile and unlucky inputs to the batch (issue 12): no hang, no crash, no silent loss.

Each test names the item it covers; each failed before its fix."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from builders import Layout, build, standard_table
from conftest import digest_tree
from xlsproc.batch.run import QUARANTINE, RESULTS, process
from xlsproc.cli import app

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file system behaviour")


def _inbox(tmp_path: Path, *names: str) -> Path:
    inbox = tmp_path / "收件"
    inbox.mkdir(exist_ok=True)
    for i, name in enumerate(names or ("某街道_项目.xlsx",)):
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        build(standard_table(unit=f"单位{i}"), Layout(), inbox / name)
    return inbox


def _cli(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def _results(outbox: Path) -> dict[str, dict]:
    return {e["relpath"]: e for e in json.loads((outbox / RESULTS).read_text("utf-8"))}


# --- #2 outputs can overwrite inputs ---------------------------------------------------------------

def test_2_consolidate_into_the_inbox_is_refused_before_any_work(tmp_path):
    inbox = _inbox(tmp_path, "good.xlsx")
    before = digest_tree(inbox)
    result = _cli("process", inbox, "-o", tmp_path / "out", "-q", "--jobs", "1",
                  "--consolidate", inbox / "good.xlsx")
    assert result.exit_code == 2 and "收件目录" in result.output
    assert digest_tree(inbox) == before
    assert not (tmp_path / "out" / RESULTS).exists()


def test_2_consolidate_command_and_csv_into_the_inbox_are_refused(tmp_path):
    inbox = _inbox(tmp_path, "good.xlsx")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    before = digest_tree(inbox)
    for extra in (["-o", inbox / "x.xlsx"], ["-o", tmp_path / "汇总.xlsx", "--csv", inbox],
                  ["-o", tmp_path / "汇总.xlsx", "--parquet", inbox / "子目录"],
                  ["-o", tmp_path / "汇总.xlsx", "--return-dir", inbox / "退回"]):
        result = _cli("consolidate", outbox, *extra)
        assert result.exit_code == 2 and "收件目录" in result.output, result.output
    result = _cli("consolidate", outbox / "xlsproc.sqlite", "-o", inbox / "x.xlsx")
    assert result.exit_code == 2 and "收件目录" in result.output
    assert digest_tree(inbox) == before


def test_2_a_submission_named_like_the_district_workbook_keeps_its_copy(tmp_path):
    inbox = _inbox(tmp_path, "全区绩效自评汇总.xlsx")
    outbox = tmp_path / "out"
    result = _cli("process", inbox, "-o", outbox, "-q", "--jobs", "1",
                  "--consolidate", outbox / "全区绩效自评汇总.xlsx")
    assert result.exit_code == 2 and "批注副本" in result.output
    copy = openpyxl.load_workbook(outbox / "全区绩效自评汇总.xlsx", read_only=True)
    assert "审核结果" in copy.sheetnames and "汇总" not in copy.sheetnames
    for target in (outbox / RESULTS, outbox / "xlsproc.sqlite"):
        result = _cli("consolidate", outbox, "-o", target)
        assert result.exit_code == 2 and "xlsproc 自己的文件" in result.output
    assert _results(outbox)["全区绩效自评汇总.xlsx"]["status"] == "ok"


# --- #6 a FIFO, or a link to /dev/zero, in INBOX ----------------------------------------------------

def _run_cli(*args, timeout: float = 90):
    """The command in its own process, so that a hang fails the test instead of stalling it."""
    import subprocess
    return subprocess.run([sys.executable, "-m", "xlsproc.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})


@POSIX
def test_6_a_fifo_and_a_link_to_dev_zero_cost_themselves_only(tmp_path):
    inbox = _inbox(tmp_path, "good.xlsx")
    os.mkfifo(inbox / "管道.xlsx")
    os.symlink("/dev/zero", inbox / "零.xlsx")
    outbox = tmp_path / "out"
    done = _run_cli("process", inbox, "-o", outbox, "-q", "--jobs", "1", "--timeout", "60")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    found = _results(outbox)
    assert found["good.xlsx"]["status"] == "ok"
    assert found["管道.xlsx"]["error"]["code"] == "file-not-regular"
    assert "命名管道" in found["管道.xlsx"]["error"]["message"]
    assert found["零.xlsx"]["error"]["code"] == "link-outside-inbox"
    again = _run_cli("process", inbox, "-o", outbox, "-q", "--jobs", "1", "--timeout", "60")
    assert again.returncode == 1                               # the rerun does not hang either
    checked = _run_cli("check", inbox / "管道.xlsx", timeout=30)
    assert checked.returncode == 1 and "不是普通文件" in checked.stdout


def test_7_escape_surrogates_escapes_exactly_the_lone_surrogates():
    """fileio.escape_surrogates tests for surrogates by encoding (faster than searching): text
    without them comes back as it is, the same object; each one becomes a \\u escape that
    json.loads turns back into the same name."""
    from xlsproc.fileio import dumps, escape_surrogates
    plain = '{"file":"测试单位_项目.xlsx","a":"\U0001F600 ok"}'
    assert escape_surrogates(plain) is plain
    gbk = os.fsdecode("测试".encode("gbk") + b".xlsx")
    text = dumps({"file": gbk})
    assert "\\udc" in text and text.encode("utf-8")
    assert json.loads(text)["file"] == gbk
    assert escape_surrogates("a\ud800b\udfffc") == "a\\ud800b\\udfffc"


# --- #7 a GBK (non-UTF-8) file name -----------------------------------------------------------------

@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="a file system taking any bytes")
def test_7_a_gbk_file_name_works_end_to_end(tmp_path):
    from xlsproc.store import Store
    inbox = _inbox(tmp_path, "good.xlsx")
    gbk = os.fsdecode("测试单位_项目".encode("gbk") + b".xlsx")
    (inbox / "good.xlsx").rename(inbox / gbk)
    broken = os.fsdecode("损坏".encode("gbk") + b".xlsx")
    (inbox / broken).write_bytes(b"PK\x03\x04 not really a zip")
    outbox = tmp_path / "out"
    done = _run_cli("process", inbox, "-o", outbox, "--jobs", "1")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "损坏.xlsx" in done.stdout                           # shown as the officer named it
    found = _results(outbox)
    assert found[gbk]["status"] == "ok" and found[broken]["status"] == "error"
    assert (outbox / gbk).is_file()
    assert "损坏.xlsx" in (outbox / QUARANTINE).read_text("utf-8")
    with Store(outbox / "xlsproc.sqlite") as store:
        assert {e["relpath"] for e in store.iter_entries()} >= {gbk}
    again = _run_cli("process", inbox, "-o", outbox, "--jobs", "1",
                     "--consolidate", tmp_path / "汇总.xlsx")
    assert "本次处理 0 个" in again.stdout                       # the manifest knows it again
    assert "全区汇总" in again.stdout and "Traceback" not in again.stderr, again.stderr
    district = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    cells = {str(c.value) for ws in district.worksheets for row in ws.iter_rows() for c in row}
    assert any("测试单位_项目" in text for text in cells)


# --- #8 names colliding with our own ----------------------------------------------------------------

@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="255-byte names")
def test_8_names_colliding_with_our_own_are_per_file_errors(tmp_path):
    inbox = _inbox(tmp_path, "good.xlsx")
    for folder in ("results.json", "xlsproc.sqlite", "隔离清单.txt"):
        (inbox / folder).mkdir()
        build(standard_table(), Layout(), inbox / folder / "a.xlsx")
    long = "长" * 83 + "xx.xls"                                  # 255 bytes; its .xlsx is 256
    assert len(long.encode()) == 255
    build(standard_table(), Layout(), inbox / long)
    outbox = tmp_path / "out"
    result = _cli("process", inbox, "-o", outbox, "-q", "--jobs", "1")
    assert result.exit_code == 1, result.output
    found = _results(outbox)
    assert found["good.xlsx"]["status"] == "ok"
    for rel in ("results.json/a.xlsx", "xlsproc.sqlite/a.xlsx", "隔离清单.txt/a.xlsx", long):
        assert found[rel]["error"]["code"] == "output-name-conflict", rel
    assert (outbox / RESULTS).is_file() and (outbox / QUARANTINE).is_file()
    assert _cli("process", inbox, "-o", outbox, "-q", "--jobs", "1").exit_code == 1


# --- #12 symbolic links -------------------------------------------------------------------------------

@POSIX
def test_12_links_are_listed_and_never_followed_out_of_the_inbox(tmp_path):
    inbox = _inbox(tmp_path, "good.xlsx")
    outside = build(standard_table(unit="外单位"), Layout(), tmp_path / "外部.xlsx")
    os.symlink(outside, inbox / "外部链接.xlsx")
    os.symlink("good.xlsx", inbox / "别名.xlsx")                 # inside INBOX: read
    os.symlink("环.xlsx", inbox / "环.xlsx")                     # a loop
    os.symlink("不存在.xlsx", inbox / "悬空.xlsx")                # dangling
    outbox = tmp_path / "out"
    outcome = process(inbox, outbox, jobs=1)
    codes = {r.rel: (r.error or {}).get("code") for r in outcome.records}
    assert codes == {"good.xlsx": None, "别名.xlsx": None, "外部链接.xlsx": "link-outside-inbox",
                     "环.xlsx": "link-broken", "悬空.xlsx": "link-broken"}
    assert not (outbox / "外部链接.xlsx").exists()
    quarantine = (outbox / QUARANTINE).read_text("utf-8")
    assert all(name in quarantine for name in ("外部链接.xlsx", "环.xlsx", "悬空.xlsx"))
    assert "收件目录之外" in quarantine and "循环链接" in quarantine


@POSIX
def test_12_folder_links_are_listed_not_followed(tmp_path):
    inbox = _inbox(tmp_path, "good.xlsx")
    elsewhere = tmp_path / "别处"
    elsewhere.mkdir()
    build(standard_table(unit="外单位"), Layout(), elsewhere / "外部.xlsx")
    os.symlink(elsewhere, inbox / "外部文件夹")                  # out of INBOX
    os.symlink(".", inbox / "自身")                              # round again
    outbox = tmp_path / "out"
    outcome = process(inbox, outbox, jobs=1)
    codes = {r.rel: (r.error or {}).get("code") for r in outcome.records}
    assert codes == {"good.xlsx": None, "外部文件夹": "link-folder", "自身": "link-folder"}
    assert not (outbox / "外部文件夹").exists() and not list(outbox.rglob("外部*.xlsx"))
    quarantine = (outbox / QUARANTINE).read_text("utf-8")
    assert "外部文件夹" in quarantine and "自身" in quarantine and "不跟随文件夹链接" in quarantine


# --- #13 newlines in file names -----------------------------------------------------------------------

@POSIX
def test_13_a_newline_in_a_name_cannot_fake_a_line(tmp_path):
    inbox = _inbox(tmp_path, "good.xlsx")
    evil = "坏.xlsx\n  ✗ good.xlsx：正常.xlsx"
    (inbox / evil).write_bytes(b"not a workbook")
    outbox = tmp_path / "out"
    result = _cli("process", inbox, "-o", outbox, "-q", "--jobs", "1")
    assert result.exit_code == 1
    lines = result.output.splitlines() + (outbox / QUARANTINE).read_text("utf-8").splitlines()
    assert not any(line.lstrip().startswith("✗ good.xlsx") for line in lines)
    assert any("坏.xlsx\\n" in line for line in result.output.splitlines())
    assert any("坏.xlsx\\n" in line for line in (outbox / QUARANTINE).read_text("utf-8").splitlines())
    assert _results(outbox)[evil]["status"] == "error"            # the name itself is kept


# --- failures of the environment and of hostile packages: their own codes -----------------------------

def environment(task):
    """Run in a worker: the disk fills on 满*, a member's CRC fails on 校验*, ooxml refuses 大包*."""
    import errno
    import zipfile
    name = Path(task[0]).name
    if name.startswith("满"):
        raise OSError(errno.ENOSPC, "No space left on device")
    if name.startswith("校验"):
        raise zipfile.BadZipFile("Bad CRC-32 for file 'xl/styles.xml'")
    if name.startswith("大包"):
        raise ValueError("zip64 packages are not supported")


def test_environment_failures_have_their_own_codes_not_internal_error(tmp_path):
    from functools import partial

    from xlsproc.batch.worker import work
    inbox = _inbox(tmp_path, "good.xlsx", "满_某局.xlsx", "校验_某局.xlsx", "大包_某局.xlsx")
    outcome = process(inbox, tmp_path / "out", jobs=1, handler=partial(work, before_file=environment))
    codes = {r.rel: (r.error or {}).get("code") for r in outcome.records}
    assert codes == {"good.xlsx": None, "满_某局.xlsx": "disk-full", "校验_某局.xlsx": "file-corrupt",
                     "大包_某局.xlsx": "package-unsupported"}
    assert all("技术支持" not in r.error["message"] for r in outcome.failed)


# --- #14 an OUTBOX lock ------------------------------------------------------------------------------

def test_14_a_second_run_on_the_same_outbox_is_refused_in_chinese(tmp_path):
    import subprocess
    inbox = _inbox(tmp_path, "good.xlsx")
    outbox = tmp_path / "out"
    staged = outbox / ".xlsproc" / "tmp" / "12345" / "copy.xlsx"      # the first run's staging
    staged.parent.mkdir(parents=True)
    staged.write_bytes(b"half a copy")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path\n"
         "from xlsproc.batch.outputs import outbox_lock\n"
         "with outbox_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)",
         str(outbox)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = _cli("process", inbox, "-o", outbox, "-q", "--jobs", "1")
        assert result.exit_code == 2
        assert "另一个 xlsproc 正在处理输出目录" in result.output and str(holder.pid) in result.output
        assert staged.read_bytes() == b"half a copy"                   # not wiped
        assert not (outbox / RESULTS).exists()
    finally:
        holder.kill()
        holder.wait()
    assert _cli("process", inbox, "-o", outbox, "-q", "--jobs", "1").exit_code == 0


class PanicException(BaseException):
    """What pyo3 raises when calamine panics (a BaseException, not an Exception)."""


def panicking(task):
    """Run in a worker: calamine panics on 崩溃*, printing its backtrace on fd 2 as Rust does."""
    if Path(task[0]).name.startswith("恐慌"):
        os.write(2, b"thread '<unnamed>' panicked at calamine/src/xlsx.rs:1: index out of bounds\n")
        raise PanicException("index out of bounds")


def test_a_reader_panic_is_a_corrupt_file_and_its_backtrace_stays_off_the_terminal(tmp_path, capfd):
    from functools import partial

    from xlsproc.batch.worker import work
    inbox = _inbox(tmp_path, "good.xlsx", "恐慌_某局.xlsx")
    outbox = tmp_path / "out"
    outcome = process(inbox, outbox, jobs=1, handler=partial(work, before_file=panicking))
    codes = {r.rel: (r.error or {}).get("code") for r in outcome.records}
    assert codes == {"good.xlsx": None, "恐慌_某局.xlsx": "file-corrupt"}
    assert "panicked" not in capfd.readouterr().err
    assert "panicked" in (outbox / ".xlsproc" / "worker.log").read_text("utf-8")


def test_check_reports_a_reader_panic_as_a_corrupt_file(tmp_path, monkeypatch):
    import xlsproc
    import xlsproc.read.reader as reader
    path = build(standard_table(), Layout(), tmp_path / "a.xlsx")

    def panic(*args, **kwargs):
        raise PanicException("index out of bounds")
    monkeypatch.setattr(reader, "read_sheet", panic)
    [entry] = xlsproc.check(path)
    assert entry["error"]["code"] == "file-corrupt"


def test_check_keeps_a_rust_panic_message_off_the_terminal(tmp_path, monkeypatch, capfd):
    import xlsproc.read.reader as reader
    path = build(standard_table(), Layout(), tmp_path / "a.xlsx")

    def panic(*args, **kwargs):
        os.write(2, b"thread '<unnamed>' panicked at calamine/src/xlsx.rs:1:\nindex out of bounds\n"
                    b"note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n")
        raise PanicException("index out of bounds")
    monkeypatch.setattr(reader, "read_sheet", panic)
    result = _cli("check", path, "--verbose")                  # codes behind --verbose
    assert result.exit_code == 1 and "file-corrupt" in result.output
    err = capfd.readouterr().err
    assert "panicked" not in err and "index out of bounds" not in err


def test_read_regular_reads_the_whole_file_or_one_byte_past_the_limit(tmp_path):
    """It reads the size the file reports (not the whole limit's worth): a file within the
    limit comes back whole, a larger one as limit + 1 bytes, which the caller refuses."""
    from xlsproc.fileio import read_regular
    for size in (0, 1, 9, 10, 11, 5000):
        path = tmp_path / f"{size}.bin"
        path.write_bytes(bytes(range(256)) * (size // 256) + bytes(size % 256))
        got = read_regular(path, limit=10)
        assert got == path.read_bytes()[:11]
        assert len(got) == min(size, 11)


def test_read_regular_reads_on_when_the_file_grew_after_its_size_was_taken(tmp_path, monkeypatch):
    import types

    from xlsproc import fileio
    real = os.fstat
    monkeypatch.setattr(fileio.os, "fstat", lambda fd: types.SimpleNamespace(
        st_mode=real(fd).st_mode, st_size=3))             # it was 3 bytes when asked
    path = tmp_path / "growing.bin"
    path.write_bytes(b"abcdefghi")
    assert fileio.read_regular(path, limit=100) == b"abcdefghi"
    assert fileio.read_regular(path, limit=5) == b"abcdef"
