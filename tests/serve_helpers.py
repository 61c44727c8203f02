"""`xlsproc serve` for the tests: in-process (Starlette TestClient) or as a real server process
on loopback (the browser and load tests), started the way a bureau starts it."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEED = SAMPLES / "洪山区团委_2024_部门整体.xlsx"
SEED_UNIT = "共青团武汉市洪山区委员会"
TOKEN = "bureau-test-token-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_roster(path: Path, units: list[str]) -> Path:
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "单位名称", "联系人"])
    for i, unit in enumerate(units, 1):
        ws.append([i, unit, f"联系人{i}"])
    wb.save(path)
    return path


class Server:
    """`python -m xlsproc.cli serve INBOX -o OUTBOX …` on 127.0.0.1 (default host), stopped
    with Ctrl-C (SIGINT) as a bureau stops it."""

    def __init__(self, tmp: Path, *args: str, token: str | None = TOKEN, jobs: int = 1):
        self.inbox, self.outbox, self.port = tmp / "收件箱", tmp / "审核结果", free_port()
        self.log = tmp / "serve.log"
        cmd = [sys.executable, "-m", "xlsproc.cli", "serve", str(self.inbox), "-o", str(self.outbox),
               "--port", str(self.port), "--jobs", str(jobs), *args]
        if token:
            cmd += ["--token", token]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
        self.proc = subprocess.Popen(cmd, stdout=open(self.log, "w"), stderr=subprocess.STDOUT,
                                     env=env, cwd=str(tmp))
        self.url = f"http://127.0.0.1:{self.port}"
        self._wait()

    def _wait(self, limit: float = 90) -> None:
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited: {self.log.read_text('utf-8')}")
            try:
                if httpx.get(self.url + "/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError(f"serve did not start: {self.log.read_text('utf-8')}")

    def printed_token(self) -> str:
        found = re.search(r"访问口令：(\S+)", self.log.read_text("utf-8"))
        assert found, self.log.read_text("utf-8")
        return found.group(1)

    def tree_pids(self) -> list[int]:
        """The server and its worker processes (for memory figures)."""
        pids, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            try:
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                children = []
            todo += [int(c) for c in children]
        return pids

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
