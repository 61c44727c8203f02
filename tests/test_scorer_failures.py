"""The scorer (batch/scorer.py) when it stalls, is slow or cannot import pandas (found by two
reviews), and check_files given one path."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from test_headstart import SEED, gone

ROOT = Path(__file__).resolve().parents[1]


def test_a_stalled_scorer_does_not_stall_check_beyond_up_timeout(tmp_path):
    """A worker that cannot come up within UP_TIMEOUT (e.g. stuck importing pandas) is given
    up and the file checked in the command. The worker says "up" only once its scorer is ready
    (scorer.ready): a stalled scorer (SIGSTOP) must not stall `check` for ever (UP_TIMEOUT = 2
    here; given up after 20 s)."""
    script = textwrap.dedent("""
        import os, sys, time
        from xlsproc.batch import headstart
        from xlsproc import check_file
        def checked(path):
            return check_file(path)["status"]
        assert headstart.start(["check", sys.argv[1]])
        headstart.UP_TIMEOUT = 2.0
        print(headstart._scorer.pid, flush=True)
        os.kill(headstart._scorer.pid, 19)          # SIGSTOP: a scorer that never answers
        print(headstart.map_calls(checked, [sys.argv[1]]), flush=True)
    """)
    out = tmp_path / "out.txt"
    with out.open("w") as sink:
        proc = subprocess.Popen([sys.executable, "-c", script, str(SEED)], stdout=sink,
                                stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    finally:
        scorer = int(out.read_text().split()[0])
        if not gone(scorer):
            os.kill(scorer, signal.SIGKILL)
    assert proc.returncode == 0 and "['ok']" in out.read_text(), "check still waiting after 20 s"


def test_a_slow_scorer_does_not_time_out_a_healthy_file(tmp_path):
    """pandas' import is the worker's warm-up (allowed max(60 s, --timeout)), and so is waiting
    for the scorer's: a scorer slower than --timeout (cold disk, busy machine; SIGSTOP here)
    must not turn a healthy workbook into 处理超时 (file-timeout)."""
    inbox = tmp_path / "收件"
    inbox.mkdir()
    shutil.copy(SEED, inbox / "a.xlsx")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "xlsproc.launch", "process", str(inbox), "-o",
                             str(tmp_path / "out"), "--timeout", "2", "--jobs", "1", "-q"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    scorer = None
    deadline = time.monotonic() + 5
    while scorer is None and time.monotonic() < deadline:
        kids = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        scorer = min(map(int, kids)) if kids else None
    os.kill(scorer, signal.SIGSTOP)
    time.sleep(4)
    try:
        os.kill(scorer, signal.SIGCONT)
    except ProcessLookupError:
        pass
    out = proc.communicate(timeout=60)[0].decode()
    entries = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    assert [e["status"] for e in entries] == ["ok"], out


def test_a_broken_pandas_is_not_blamed_on_the_workbook(tmp_path):
    """pandas that cannot be imported is an installation problem, not the workbook's: `check`
    (and `process`) end with 内部错误 (exit 3), as for more than SMALL_INBOX files, instead of
    giving the workbook an internal-error entry."""
    broken = tmp_path / "broken"
    (broken / "pandas").mkdir(parents=True)
    (broken / "pandas" / "__init__.py").write_text("raise ImportError('simulated')\n")
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{broken}"}
    done = subprocess.run([sys.executable, "-m", "xlsproc.launch", "check", str(SEED)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "内部错误" in done.stderr and "ImportError" in done.stderr
    done = subprocess.run([sys.executable, "-m", "xlsproc.launch", "process", str(SEED), "-o",
                           str(tmp_path / "out"), "-q"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "内部错误" in done.stderr
    assert not (tmp_path / "out" / "results.json").exists()   # no workbook in 隔离清单 for it


def test_the_worker_gives_the_scorer_up_before_the_command_gives_the_worker_up():
    """In `check` the command waits UP_TIMEOUT for the worker's ("up",), counted from the moment
    it sends the call, before the worker starts its READY_TIMEOUT wait for the scorer: the
    worker must give a stalled scorer up (and import pandas itself) well before."""
    from xlsproc.batch import headstart, scorer
    assert scorer.READY_TIMEOUT + 5 < headstart.UP_TIMEOUT


def test_check_with_a_stalled_scorer_is_not_stalled_for_up_timeout(tmp_path):
    """With the real constants, a SIGSTOPped scorer costs a one-workbook `check` READY_TIMEOUT
    plus pandas' import, in the worker, without the command giving the worker up (found by a
    second review: it took UP_TIMEOUT, 31 s)."""
    from xlsproc.batch import headstart
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sink = (tmp_path / "out.txt").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "xlsproc.launch", "check", str(SEED)], env=env,
                            stdout=sink, stderr=subprocess.STDOUT)
    t0 = time.monotonic()
    scorer = None
    while scorer is None and time.monotonic() - t0 < 5:
        kids = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        scorer = min(map(int, kids)) if kids else None
    os.kill(scorer, signal.SIGSTOP)
    try:
        proc.wait(timeout=120)
    finally:
        try:
            os.kill(scorer, signal.SIGCONT)
        except ProcessLookupError:
            pass
    took = time.monotonic() - t0
    assert proc.returncode == 0
    assert took < headstart.UP_TIMEOUT, f"check took {took:.1f} s: the command gave the worker up"


def test_check_files_refuses_a_single_path_string(tmp_path):
    """check_files takes a list of paths; one path given as a str (as check_file and evaluate
    take it) is one workbook, not a list of one-character file names."""
    from xlsproc import check_files
    entries = check_files(str(SEED))
    assert len(entries) == 1, f"{len(entries)} entries, e.g. {entries[0]['path']!r}"
