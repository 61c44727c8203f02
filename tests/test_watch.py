"""Watch mode: files dropped, replaced or removed are processed once they stop changing."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from builders import Layout, build, standard_table
from conftest import SAMPLES
from xlsproc.batch.run import RESULTS
from xlsproc.batch.watch import Settler, watch


def wait_for(condition, what: str, limit: float = 30.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def results(outbox: Path) -> dict[str, dict]:
    try:
        return {e["relpath"]: e for e in json.loads((outbox / RESULTS).read_text("utf-8"))}
    except (OSError, ValueError):
        return {}


def drop(src: Path, inbox: Path, name: str) -> Path:
    """Save the way Excel does: write a temporary file, then rename it into place."""
    tmp = inbox / "A1B2C3D4.tmp"
    shutil.copy(src, tmp)
    dst = inbox / name
    os.replace(tmp, dst)
    return dst


@pytest.fixture
def running(tmp_path):
    """watch() in a thread; yields (inbox, outbox, records); stops it and checks it stopped."""
    inbox, outbox = tmp_path / "收件箱", tmp_path / "审核结果"
    inbox.mkdir()
    stop, records = threading.Event(), []
    thread = threading.Thread(target=watch, args=(inbox, outbox), daemon=True,
                              kwargs=dict(jobs=2, settle=0.3, poll=0.05, stop_event=stop,
                                          on_record=records.append))
    thread.start()
    yield inbox, outbox, records
    stop.set()
    thread.join(timeout=20)
    assert not thread.is_alive()


def test_dropped_replaced_and_removed_files(running, tmp_path):
    inbox, outbox, records = running
    first = build(standard_table(), Layout(), tmp_path / "a.xlsx")
    second = build(standard_table(total=90), Layout(), tmp_path / "b.xlsx")
    (inbox / "~$某街道_项目.xlsx").write_bytes(b"\x0bAdministrator" + b" " * 150)   # Excel lock
    drop(first, inbox, "某街道_项目.xlsx")
    wait_for(lambda: "某街道_项目.xlsx" in results(outbox), "the first file")
    assert (outbox / "某街道_项目.xlsx").is_file()
    assert "~$某街道_项目.xlsx" not in results(outbox)                    # lock files ignored

    drop(second, inbox, "某街道_项目.xlsx")                               # replaced in place
    wait_for(lambda: results(outbox).get("某街道_项目.xlsx", {}).get("evaluations", [{}])[0]
             .get("reported_total") == 90, "the replaced file")
    (inbox / "新文件夹").mkdir()
    drop(SAMPLES / "bad" / "加密文件.xlsx", inbox / "新文件夹", "加密文件.xlsx")
    bad = wait_for(lambda: results(outbox).get("新文件夹/加密文件.xlsx"), "the bad file")
    assert bad["error"]["code"] == "file-encrypted"

    (inbox / "某街道_项目.xlsx").unlink()
    wait_for(lambda: "某街道_项目.xlsx" not in results(outbox), "the removal")
    assert not (outbox / "某街道_项目.xlsx").exists()
    assert [r.rel for r in records] == ["某街道_项目.xlsx", "某街道_项目.xlsx", "新文件夹/加密文件.xlsx"]


def test_a_file_still_being_written_waits(running, tmp_path):
    inbox, outbox, records = running
    data = build(standard_table(), Layout(), tmp_path / "a.xlsx").read_bytes()
    path = inbox / "慢慢复制.xlsx"
    with open(path, "wb") as fh:                       # a slow copy: growing for ~1 s
        for i in range(0, len(data), len(data) // 10 + 1):
            fh.write(data[i:i + len(data) // 10 + 1])
            fh.flush()
            time.sleep(0.1)
            assert not records, "processed before the copy had finished"
    entry = wait_for(lambda: results(outbox).get("慢慢复制.xlsx"), "the copied file")
    assert entry["status"] == "ok"


def test_settler_waits_for_quiet_files():
    s = Settler(settle=2.0)
    assert s.update({"a": (1, 1)}, now=0.0) == {}
    assert s.update({"a": (5, 2)}, now=1.5) == {}                 # still growing
    assert s.update({"a": (5, 2), "b": (3, 3)}, now=3.4) == {}
    assert s.update({"a": (5, 2), "b": (3, 3)}, now=3.6) == {"a": (5, 2)}
    assert s.update({"b": (3, 3)}, now=5.5) == {"b": (3, 3)}      # a left; b quiet for 2.1 s


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_cli_watch_stops_on_ctrl_c_with_a_goodbye(tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "xlsproc.cli", "watch", str(inbox), "-o",
                             str(tmp_path / "out"), "--interval", "0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert "正在监视" in proc.stdout.readline()
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "再见" in out and "Traceback" not in err


def test_an_inbox_away_for_a_while_removes_nothing(running, tmp_path):
    inbox, outbox, records = running
    drop(build(standard_table(), Layout(), tmp_path / "a.xlsx"), inbox, "某街道_项目.xlsx")
    wait_for(lambda: "某街道_项目.xlsx" in results(outbox), "the file")
    inbox.rename(tmp_path / "网络盘断开")                  # the share goes away …
    time.sleep(1.0)
    assert "某街道_项目.xlsx" in results(outbox) and (outbox / "某街道_项目.xlsx").is_file()
    (tmp_path / "网络盘断开").rename(inbox)                # … and comes back
    drop(build(standard_table(), Layout(), tmp_path / "b.xlsx"), inbox, "第二个.xlsx")
    wait_for(lambda: "第二个.xlsx" in results(outbox), "a file after the share came back")
    assert len(results(outbox)) == 2


def test_watch_scores_relative_targets_against_the_store_like_process(running, tmp_path):
    """One worker context for process and watch: 2023 dropped first, then 2024's 不低于上一年度
    target is scored against 2023's actual (18 of 20), not left at the reported 20."""
    from builders import Ind
    inbox, outbox, records = running
    name = "青少年活动参与人次"

    def year(y: int, target: str, actual: str) -> Path:
        inds = standard_table().indicators
        inds[1] = Ind("产出指标", "数量指标", name, target, actual, 20, 20)
        return build(standard_table(year=y, indicators=inds), Layout(), tmp_path / f"{y}.xlsx")
    drop(year(2023, "≥3000人次", "3000人次"), inbox, "某街道_2023.xlsx")
    wait_for(lambda: "某街道_2023.xlsx" in results(outbox), "2023")
    drop(year(2024, "不低于上一年度", "2700人次"), inbox, "某街道_2024.xlsx")
    entry = wait_for(lambda: results(outbox).get("某街道_2024.xlsx"), "2024")
    [ev] = entry["evaluations"]
    ind = next(i for i in ev["indicators"] if i["name"] == name)
    assert (ind["kind"], ind["score"]) == ("positive", 18)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT handler")
def test_a_ctrl_c_whose_interrupt_python_drops_still_stops_watch(tmp_path):
    """A Ctrl-C landing while a finaliser or an import-lock callback runs: Python prints
    "Exception ignored" and drops the KeyboardInterrupt (the CLI test once hung 20 s so).
    watch must stop all the same."""
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    fallback = threading.Event()
    timer = threading.Timer(15, fallback.set)
    timer.start()

    def ctrl_c_lost(outcome):
        try:
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
        except KeyboardInterrupt:
            pass                                    # what Python does inside a callback
    started = time.monotonic()
    try:
        watch(inbox, tmp_path / "out", stop_event=fallback, poll=0.05,
              on_batch=ctrl_c_lost, jobs=1)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 10
