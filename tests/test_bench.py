"""The benchmark script runs end to end (N=5); the figures themselves are bench/README.md's."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="Linux /proc")
def test_bench_runs_with_five_workbooks(tmp_path):
    result = subprocess.run([sys.executable, str(BENCH / "bench_process.py"), "--n", "5",
                             "--jobs", "1", "--work", str(tmp_path / "work"), "--profile", "5",
                             "--startup", "1"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for line in ("naive openpyxl+pandas", "xlsproc process --jobs 1", "ratio per core",
                 "rerun, nothing changed", "本次处理 1 个，沿用未变更的结果 4 个", "where a worker's time goes",
                 "start-up, one workbook", "xlsproc process (new OUTBOX)", "xlsproc check"):
        assert line in out
    inbox = sorted((tmp_path / "work" / "inbox").rglob("*.xlsx"))
    assert len(inbox) == 5
    with zipfile.ZipFile(inbox[0]) as zf:                  # a real workbook: shared strings, merges
        sheet = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
        assert "xl/sharedStrings.xml" in zf.namelist() and sheet.count("<mergeCell ") >= 60


def test_ab_startup_times_two_trees_alternating(tmp_path):
    """bench/ab_startup.py runs each tree's xlsproc (its own package first on the path) and
    reports both; a folder without the package is refused."""
    root = BENCH.parent
    result = subprocess.run([sys.executable, str(BENCH / "ab_startup.py"), str(root), str(root),
                             "--runs", "1", "--command", "check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["old", "new"]
    assert all("check median" in line and "(1 runs)" in line for line in lines)
    refused = subprocess.run([sys.executable, str(BENCH / "ab_startup.py"), str(tmp_path),
                              str(root), "--runs", "1"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "holds no xlsproc package" in refused.stderr
