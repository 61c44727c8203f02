"""xlsproc serve under load, on loopback only and bounded: 50 different workbooks uploaded at
once through the JSON API of a real server process. Every upload is answered with the same
result the library gives for that file, none is lost, memory stays bounded. Also: the server
binds 127.0.0.1 unless told otherwise, and prints its token once."""
from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="网页服务的依赖未安装（pip install -e '.[web]'）")
import httpx  # noqa: E402

from serve_helpers import ROOT, SEED, Server, rss_kib  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
N = 50
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
        answers = asyncio.run(_upload_all(server, workbooks, peak))
        seconds = time.monotonic() - started
        status = httpx.get(server.url + "/api/status", timeout=60,
                           headers={"Authorization": f"Bearer {server_token()}"}).json()
        inbox = sorted(p.name for p in server.inbox.rglob("*.xlsx"))
        copies = sorted(p.name for p in server.outbox.glob("负载单位*/*.xlsx"))
    finally:
        server.stop()
    assert [a.status_code for a in answers] == [200] * N
    for path, answer in zip(workbooks, answers):
        entry = answer.json()
        assert entry["status"] == "ok" and entry["file"] == path.name
        assert entry["relpath"] == f"负载单位{workbooks.index(path):02d}/{path.name}"
        got = [(ev["total_score"], ev["grade"], ev["flag_counts"]) for ev in entry["evaluations"]]
        assert got == expected[path.name]
    assert inbox == sorted(p.name for p in workbooks)               # nothing lost
    assert copies == sorted(p.name for p in workbooks)
    assert status["files"] == N
    print(f"\n{N} concurrent uploads answered in {seconds:.1f} s; "
          f"peak RSS of server and workers: {peak[0] / 1024:.0f} MiB")
    assert peak[0] < MEMORY_LIMIT_MIB * 1024


def server_token() -> str:
    from serve_helpers import TOKEN
    return TOKEN


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
