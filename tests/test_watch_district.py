"""watch --consolidate (issue 10 §6): after each change the district workbook, the 报送情况 and
the return packs are refreshed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import openpyxl
import pytest

from conftest import SAMPLES
from test_watch import drop, wait_for
from xlsproc.batch.watch import watch
from xlsproc.district.refresh import Refresher
from xlsproc.district.returns import NOTICE
from xlsproc.district.roster import RosterUnit

STREET = SAMPLES / "某街道_青少年服务_2024.xlsx"            # errors: gets a pack
HEALTH = SAMPLES / "某区卫健委_2024_项目.xls"              # nothing to fix: no pack
ROSTER = [RosterUnit("某区洪福街道办事处", "某区洪福街道办事处"),
          RosterUnit("某区卫生健康委员会", "某区卫生健康委员会")]


def units_in(workbook) -> set[str]:
    try:
        ws = openpyxl.load_workbook(workbook)["汇总"]
    except (OSError, KeyError, ValueError):
        return set()
    units = set()
    for r in ws.iter_rows(min_row=4, values_only=True):
        if r[0] is None:                          # the table ends at the first blank row
            break
        units.add(r[0])
    return units


def missing(workbook) -> set[str]:
    ws = openpyxl.load_workbook(workbook)["报送情况"]
    return {r[1] for r in ws.iter_rows(min_row=4, values_only=True) if r[2] == "未报送"}


def test_each_change_refreshes_the_workbook_and_the_packs(tmp_path):
    inbox, outbox = tmp_path / "收件箱", tmp_path / "审核结果"
    inbox.mkdir()
    workbook, packs = tmp_path / "全区汇总.xlsx", tmp_path / "退回"
    refresh = Refresher(outbox, workbook, ROSTER, packs)
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(inbox, outbox), daemon=True, kwargs=dict(
        jobs=1, settle=0.2, poll=0.05, stop_event=stop, on_batch=refresh))
    def refreshed(units: set[str]):
        """The workbook shows these units, written by a refresh that has also finished its
        packs (the workbook is written first: checking it alone raced the packs)."""
        def done() -> bool:
            last = refresh.history[-1] if refresh.history else None
            return (last is not None and last.summary is not None
                    and last.summary["units"] == len(units) and units_in(workbook) == units)
        return done

    thread.start()
    try:
        drop(STREET, inbox, "某街道_青少年服务_2024.xlsx")
        wait_for(refreshed({"某区洪福街道办事处"}), "the first unit")
        assert missing(workbook) == {"某区卫生健康委员会"}
        assert (packs / "某区洪福街道办事处" / NOTICE).is_file()
        drop(HEALTH, inbox, "某区卫健委_2024_项目.xls")
        wait_for(refreshed({"某区洪福街道办事处", "某区卫生健康委员会"}), "the second unit")
        assert missing(workbook) == set()
        assert not (packs / "某区卫生健康委员会").exists()
        (inbox / "某街道_青少年服务_2024.xlsx").unlink()               # withdrawn
        wait_for(refreshed({"某区卫生健康委员会"}), "the withdrawal")
        assert not (packs / "某区洪福街道办事处").exists()
        assert missing(workbook) == {"某区洪福街道办事处"}
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()
    assert all(done.error is None for done in refresh.history) and len(refresh.history) >= 3


def test_a_workbook_open_elsewhere_is_reported_and_retried(tmp_path, monkeypatch):
    import xlsproc.district.book as book
    calls = []

    def locked(*args, **kwargs):
        calls.append(1)
        raise PermissionError(13, "Permission denied", str(tmp_path / "全区汇总.xlsx"))
    monkeypatch.setattr(book, "consolidate", locked)
    done = Refresher(tmp_path, tmp_path / "全区汇总.xlsx")()
    assert "请关闭正在使用它的程序" in done.error and calls


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_cli_watch_consolidate(tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n某区洪福街道办事处\n某区财政局\n", "utf-8")
    workbook = tmp_path / "全区汇总.xlsx"
    proc = subprocess.Popen(
        [sys.executable, "-m", "xlsproc.cli", "watch", str(inbox), "-o", str(tmp_path / "out"),
         "--interval", "0.1", "--settle", "0.2", "--jobs", "1", "--consolidate", str(workbook),
         "--roster", str(roster), "--return-dir", str(tmp_path / "退回")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert "正在监视" in proc.stdout.readline()
        drop(STREET, inbox, "某街道.xlsx")
        wait_for(lambda: (tmp_path / "退回" / "某区洪福街道办事处" / NOTICE).is_file(), "the pack")
        time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "全区汇总：" in out and "未报送 1 个：某区财政局" in out
    assert "某区洪福街道办事处/：必须修改 3 处" in out and "Traceback" not in err
