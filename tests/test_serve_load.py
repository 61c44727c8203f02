"""xlsproc serve under load, on loopback only and bounded: 50 different workbooks uploaded at
once through the JSON API of a real server process. Every upload is answered with the same
result the library gives for that file, none is lost, memory stays bounded. Also: the server
binds 127.0.0.1 unless told otherwise, and prints its token once."""
from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="网页服务的依赖未安装（pip install -e '.[web]'）")
import httpx  # noqa: E402

from serve_helpers import ROOT, SAMPLES, SEED, TOKEN, Server, rss_kib  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
N = 50
HOSTILE_CODES = {"压缩炸弹.xlsx": "file-too-large", "加密文件.xlsx": "file-encrypted",
                 "空文件.xlsx": "file-corrupt", "损坏文件.xlsx": "file-corrupt"}
HOSTILE = [SAMPLES / "bad" / name for name in HOSTILE_CODES]
MEMORY_LIMIT_MIB = 600          # server + forkserver + 2 workers, peak RSS summed (measured ~150)


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> list[Path]:
    from workbooks import generate
    return generate(N, tmp_path_factory.mktemp("gen") / "inbox")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux /proc")
def test_fifty_concurrent_uploads_all_answered_correctly(tmp_path, workbooks):
    import xlsproc
    expected = {}
    for path in workbooks:
        [entry] = xlsproc.check(path)
        expected[path.name] = [(ev["total_score"], ev["grade"], ev["flag_counts"])
                               for ev in entry["evaluations"]]
    server = Server(tmp_path, jobs=2)
    peak = [0]
    try:
        started = time.monotonic()
        answers = asyncio.run(_upload_all(server, workbooks + HOSTILE, peak))
        seconds = time.monotonic() - started
        answers, hostile = answers[:N], answers[N:]
        status = httpx.get(server.url + "/api/status", timeout=60,
                           headers={"Authorization": f"Bearer {TOKEN}"}).json()
        inbox = sorted(p.name for p in server.inbox.rglob("*.xlsx"))
        copies = sorted(p.name for p in server.outbox.glob("负载单位*/*.xlsx"))
    finally:
        server.stop()
    assert [a.status_code for a in answers] == [200] * N
    for path, answer in zip(HOSTILE, hostile):              # among them, hostile files
        entry = answer.json()
        assert entry["status"] == "error" and entry["error"]["code"] == HOSTILE_CODES[path.name]
    for path, answer in zip(workbooks, answers):
        entry = answer.json()
        assert entry["status"] == "ok" and entry["file"] == path.name
        assert entry["relpath"] == f"负载单位{workbooks.index(path):02d}/{path.name}"
        got = [(ev["total_score"], ev["grade"], ev["flag_counts"]) for ev in entry["evaluations"]]
        assert got == expected[path.name]
    assert inbox == sorted(p.name for p in workbooks)   # nothing lost, no hostile file kept
    assert copies == sorted(p.name for p in workbooks)
    assert status["files"] == N
    print(f"\n{N} concurrent uploads (+{len(HOSTILE)} hostile) answered in {seconds:.1f} s; "
          f"peak RSS of server and workers: {peak[0] / 1024:.0f} MiB")
    assert peak[0] < MEMORY_LIMIT_MIB * 1024


async def _upload_all(server: Server, paths: list[Path], peak: list[int]):
    async def watch_memory():
        while True:
            peak[0] = max(peak[0], sum(rss_kib(pid) for pid in server.tree_pids()))
            await asyncio.sleep(0.05)

    limits = httpx.Limits(max_connections=N)
    async with httpx.AsyncClient(base_url=server.url, timeout=300, limits=limits) as client:
        async def one(i: int, path: Path):
            return await client.post("/api/upload", data={"unit": f"负载单位{i:02d}"},
                                     files={"file": (path.name, path.read_bytes())})
        watcher = asyncio.create_task(watch_memory())
        try:
            return await asyncio.gather(*(one(i, p) for i, p in enumerate(paths)))
        finally:
            watcher.cancel()


def test_serve_binds_loopback_by_default_and_prints_its_token_once(tmp_path):
    server = Server(tmp_path, token=None)
    try:
        token = server.printed_token()
        log = server.log.read_text("utf-8")
        assert f"http://127.0.0.1:{server.port}/" in log and log.count(token) == 1
        assert "只有本机能访问" in log
        listening = Path("/proc/net/tcp").read_text() + Path("/proc/net/tcp6").read_text()
        port = f":{server.port:04X} "
        local = [line.split()[1] for line in listening.splitlines() if port in line]
        assert local and all(addr.startswith("0100007F:") for addr in local), local  # 127.0.0.1
        assert httpx.get(server.url + "/api/status", timeout=10).status_code == 401
        got = httpx.get(server.url + "/api/status", headers={"Authorization": f"Bearer {token}"},
                        timeout=10)
        assert got.status_code == 200
        with open(SEED, "rb") as fh:
            entry = httpx.post(server.url + "/api/upload", files={"file": (SEED.name, fh)},
                               timeout=120).json()
        assert entry["relpath"] == f"共青团武汉市洪山区委员会/{SEED.name}"
    finally:
        server.stop()
    assert server.proc.returncode == 0


def test_process_watch_and_a_second_serve_on_its_outbox_are_refused_while_it_runs(tmp_path):
    """serve holds the batch's OUTBOX lock for its whole life: nothing interleaves with it."""
    import subprocess
    server = Server(tmp_path, jobs=1)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-m", "xlsproc.cli"]
    try:
        with open(SEED, "rb") as fh:
            assert httpx.post(server.url + "/api/upload", files={"file": (SEED.name, fh)},
                              data={"unit": "锁测试单位"}, timeout=120).json()["status"] == "ok"
        before = (server.outbox / "results.json").read_bytes()
        for args in (["process", str(server.inbox), "-o", str(server.outbox), "--jobs", "1"],
                     ["serve", str(tmp_path / "另一个收件箱"), "-o", str(server.outbox),
                      "--port", "1", "--jobs", "1"]):
            done = subprocess.run(cli + args, capture_output=True, text=True, env=env, timeout=120)
            assert done.returncode == 2, done.stdout + done.stderr
            assert "正在处理输出目录" in done.stderr and "请等它结束后再运行" in done.stderr
        assert (server.outbox / "results.json").read_bytes() == before
    finally:
        server.stop()
    done = subprocess.run(cli + ["process", str(server.inbox), "-o", str(server.outbox), "--jobs", "1"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr          # a plain batch OUTBOX after
    assert "沿用未变更的结果 1 个" in done.stdout
