"""The early worker (xlsproc/batch/headstart.py): forked before the command line is parsed, it
must give the same results as a run without it, never outlive the command, and step aside
cleanly when it cannot help."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.main import get_command

from conftest import SAMPLES
from xlsproc.batch import headstart
from xlsproc.cli import app
from xlsproc.collector import WORKER_THRESHOLD

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the early worker is forked (Linux only)")

SEED = SAMPLES / "洪山区团委_2024_部门整体.xlsx"
# Runs the command as the console script does, then says which modules its own process imported.
LAUNCH = textwrap.dedent("""
    import atexit, gc, json, sys
    from xlsproc.batch import headstart
    atexit.register(lambda: sys.stderr.write("\\nSTATE " + json.dumps(
        {"pandas": "pandas" in sys.modules, "early": headstart._early is not None,
         "collector": [gc.isenabled(), gc.get_freeze_count() > 0]}) + "\\n"))
    sys.argv = ["xlsproc"] + sys.argv[1:]
    from xlsproc.launch import main
    main()
""")


def launch(*args, env=None):
    done = subprocess.run([sys.executable, "-c", LAUNCH, *map(str, args)], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120)
    state = json.loads(done.stderr.rsplit("STATE ", 1)[1])
    return done, state


def plain(*args):
    """The same command without a head start (xlsproc.cli:main, as before the launcher)."""
    return subprocess.run([sys.executable, "-m", "xlsproc.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def entries(outbox: Path) -> list[dict]:
    return [{k: v for k, v in e.items() if k != "path"}          # the OUTBOXes differ
            for e in json.loads((outbox / "results.json").read_text("utf-8"))]


# --- when --------------------------------------------------------------------------------------

def test_which_command_lines_get_an_early_worker(tmp_path, monkeypatch):
    monkeypatch.delenv("XLSPROC_START_METHOD", raising=False)
    monkeypatch.setattr(headstart, "_threads", lambda: 1)    # (earlier tests leave threads here)
    small, large = tmp_path / "small", tmp_path / "large"
    for folder, n in ((small, headstart.SMALL_INBOX), (large, headstart.SMALL_INBOX + 1)):
        (folder / "sub").mkdir(parents=True)
        for i in range(n):
            (folder / ("sub" if i % 2 else "") / f"{i}.xlsx").write_bytes(b"x")
    assert headstart.wanted(["process", str(SEED), "-o", "out"])
    assert headstart.wanted(["process", "-o", str(large), str(small)])      # -o takes a value
    assert headstart.wanted(["--debug", "process", "--jobs=3", str(small), "-o", "x"])
    assert headstart.wanted(["check", str(large)])         # check: one process whatever the size
    assert headstart._plan(["check", str(large)]) == (True, False)     # …with a scorer if small:
    assert headstart._plan(["check", str(small)]) == (True, True)
    assert headstart._plan(["check", str(small), str(SEED)]) == (True, False)   # 7 workbooks
    assert headstart._plan(["process", str(small), "-o", "x"]) == (True, True)
    assert not headstart.wanted(["process", str(large), "-o", "out"])        # the pool's affair
    assert not headstart.wanted(["process", "-qo", str(small), str(large)])  # -q -o SMALL LARGE
    assert headstart.wanted(["process", "-qo" + str(large), str(small)])     # -o's value attached
    assert not headstart.wanted(["process", str(tmp_path / "missing"), "-o", "out"])
    assert not headstart.wanted(["process", str(SEED), "--help"])
    assert not headstart.wanted(["consolidate", str(small), "-o", "x.xlsx"])
    assert not headstart.wanted(["process"])
    monkeypatch.setenv("XLSPROC_START_METHOD", "spawn")
    assert not headstart.wanted(["check", str(SEED)])


def test_the_options_that_take_a_value_are_the_commands_own():
    """headstart reads the command line before typer does: its list of value-taking options
    must be process's (and check's) real ones, or an INBOX is mistaken for an option's value."""
    command = get_command(app)
    taking = set()
    for name in headstart.COMMANDS:
        for param in command.commands[name].params:
            if param.param_type_name == "option" and not param.is_flag:
                taking.update(param.opts + param.secondary_opts)
    assert taking == set(headstart.VALUE_OPTIONS)


# --- the same results, sooner ------------------------------------------------------------------

@pytest.mark.parametrize("names, second_worker", [
    (["洪山区团委_2024_部门整体.xlsx"], False),
    (["洪山区团委_2024_部门整体.xlsx", "某街道_青少年服务_2024.xlsx", "某街道_社区治理_2024.xlsx"], True)])
def test_process_with_an_early_worker_gives_the_same_results(tmp_path, names, second_worker):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for name in names:
        shutil.copy(SAMPLES / name, inbox / name)
    done, state = launch("process", inbox, "-o", tmp_path / "early", "--quiet", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    # Adopted (the command never imported pandas), and joined by a worker forked as usual (from
    # a parent that imported them) when there is more than one file and more than one job.
    assert state == {"pandas": second_worker, "early": False, "collector": [True, True]}
    before = plain("process", inbox, "-o", tmp_path / "plain", "--quiet", "--jobs", "2")
    assert before.returncode == 0, before.stderr
    assert entries(tmp_path / "early") == entries(tmp_path / "plain")
    assert done.stdout.splitlines()[:3] == before.stdout.splitlines()[:3]   # the summary lines


def test_check_with_an_early_worker_prints_the_same(tmp_path):
    done, state = launch("check", SEED)
    assert done.returncode == 0, done.stderr
    assert state["pandas"] is False
    assert state["collector"] == [True, True]     # paused for the imports only, then frozen
    assert "99.88" in done.stdout and done.stdout == plain("check", SEED).stdout
    as_json, _ = launch("check", SEED, "--json")
    assert json.loads(as_json.stdout) == json.loads(plain("check", SEED, "--json").stdout)


def test_a_large_inbox_forks_its_workers_as_before(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for i in range(headstart.SMALL_INBOX + 1):
        shutil.copy(SEED, inbox / f"{i}.xlsx")
    done, state = launch("process", inbox, "-o", tmp_path / "out", "--quiet", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert state == {"pandas": True, "early": False,      # preloaded once in the parent, forked
                     "collector": [True, True]}
    assert len(entries(tmp_path / "out")) == headstart.SMALL_INBOX + 1


# --- never in the way --------------------------------------------------------------------------

SCRIPT = """
import os, sys, time, json
from xlsproc.batch import headstart
{setup}
assert headstart.start(["process", sys.argv[1], "-o", "x"])
pid = headstart._early.pid
{body}
"""


def run_script(body: str, setup: str = "") -> subprocess.CompletedProcess:
    """body runs after the early worker is forked; setup before (what the worker must have:
    functions sent to it are pickled by name)."""
    script = SCRIPT.format(setup=textwrap.dedent(setup), body=textwrap.dedent(body))
    return subprocess.run([sys.executable, "-c", script, str(SEED)], capture_output=True,
                          text=True, timeout=120)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_an_early_worker_nobody_needs_is_gone_with_the_command():
    done = run_script("print(pid)")               # e.g. a usage error: the command just ends
    assert done.returncode == 0, done.stderr
    assert gone(int(done.stdout))


def test_a_handler_that_does_not_pickle_gets_ordinary_workers():
    done = run_script("""
        from xlsproc.batch.pool import WorkerPool
        local = 3
        def handler(chunk, ctx):                   # a closure: cannot be sent to the early worker
            for i, t in enumerate(chunk or ()):
                yield ("done", i, (t * local, os.getpid()))
        got = {}
        with WorkerPool(handler, None, jobs=1) as pool:
            pool.run([1, 2, 3], lambda t, r: got.__setitem__(t, r), lambda *a: print("failed", a))
        print(json.dumps({"got": {t: r[0] for t, r in got.items()},
                          "early_used": any(r[1] == pid for r in got.values()), "pid": pid}))
    """)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["got"] == {"1": 3, "2": 6, "3": 9} and not result["early_used"]
    assert gone(result["pid"])


def test_a_crash_in_the_early_worker_costs_one_task():
    done = run_script(setup="""
        def handler(chunk, ctx):
            for i, t in enumerate(chunk or ()):
                yield ("begin", i)
                if t == "毒":
                    os._exit(7)
                yield ("done", i, os.getpid())
    """, body="""
        from xlsproc.batch.pool import CRASHED, WorkerPool
        done, failed = {}, {}
        with WorkerPool(handler, None, jobs=1, chunk=2) as pool:
            pool.run(["a", "毒", "b", "c"], lambda t, r: done.__setitem__(t, r),
                     lambda t, code, d: failed.__setitem__(t, code))
        print(json.dumps({"done": done, "failed": failed, "pid": pid,
                          "crashed": CRASHED}))
    """)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["failed"] == {"毒": result["crashed"]}
    assert set(result["done"]) == {"a", "b", "c"}
    assert result["done"]["a"] == result["pid"]       # the early worker did the first task
    assert result["done"]["b"] != result["pid"]       # and its replacement the rest


def test_map_calls_raises_what_the_early_worker_raised_and_falls_back_when_it_cannot_help():
    done = run_script(setup="""
        def boom(x):
            raise ValueError(f"坏 {x}")
        def where(x):
            return (x, os.getpid())
        def unpicklable(x):
            return lambda: x                       # a result that cannot come back
    """, body="""
        try:
            headstart.map_calls(boom, [1, 2])
        except ValueError as exc:
            print("raised", exc)
        assert headstart._early is None            # used once, then stopped
        headstart.start(["check", sys.argv[1]])
        second = headstart._early.pid
        print(json.dumps(headstart.map_calls(where, [1, 2, 3])))
        headstart.start(["check", sys.argv[1]])
        third = headstart._early.pid
        print("fallback", [f() for f in headstart.map_calls(unpicklable, [5, 6])])
        print(json.dumps([pid, second, third, os.getpid()]))
    """)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    pids = json.loads(lines[3])
    assert lines[0] == "raised 坏 1"
    assert json.loads(lines[1]) == [[1, pids[1]], [2, pids[1]], [3, pids[1]]]   # all in the worker
    assert lines[2] == "fallback [5, 6]"           # done here instead
    assert all(gone(p) for p in pids[:3])


def test_the_early_worker_pauses_the_collector_for_its_imports_only():
    """launch.py pauses the garbage collector before the fork (collector.py): the early worker
    must have it back on after its imports — at a worker's threshold, the imports frozen out of
    its scans — or its memory would grow with every cycle a workbook leaves."""
    done = run_script(setup="""
        import gc
        gc.disable()                                 # as launch.py does
        def collector(_):
            return [gc.isenabled(), list(gc.get_threshold()), gc.get_freeze_count() > 0]
    """, body="""
        print(json.dumps(headstart.map_calls(collector, [1])))
    """)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [[True, list(WORKER_THRESHOLD), True]]


def test_a_worker_that_never_shows_up_is_not_waited_for():
    done = run_script(setup="""
        import time
        headstart.UP_TIMEOUT = 0.5
        def slow_imports(fd):                      # as if a lock copied by fork were never freed
            time.sleep(60)
        headstart._child = slow_imports
    """, body="""
        t = time.monotonic()
        print(json.dumps([headstart.map_calls(str, [1, 2]), time.monotonic() - t]))
    """)
    assert done.returncode == 0, done.stderr
    results, seconds = json.loads(done.stdout)
    assert results == ["1", "2"] and seconds < 5          # done here, after UP_TIMEOUT


def test_no_early_worker_when_a_thread_runs_or_a_standard_descriptor_is_closed():
    script = textwrap.dedent("""
        import os, sys, threading, time
        from xlsproc.batch import headstart
        args = ["check", sys.argv[1]]
        print(headstart.wanted(args))
        t = threading.Thread(target=time.sleep, args=(2,), daemon=True)
        t.start()
        print(headstart.wanted(args))
    """)
    done = subprocess.run([sys.executable, "-c", script, str(SEED)], capture_output=True, text=True)
    assert done.stdout.split() == ["True", "False"], done.stderr
    closed = subprocess.run(f"{sys.executable} -c \"import sys; from xlsproc.batch import headstart; "
                            f"print(headstart.wanted(['check', '{SEED}']))\" 2>&-",
                            shell=True, capture_output=False, stdout=subprocess.PIPE, text=True)
    assert closed.stdout.strip() == "False"


def test_check_with_stderr_closed_still_reports():
    done = subprocess.run(f"{sys.executable} -m xlsproc.launch check '{SEED}' 2>&-", shell=True,
                          stdout=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 0 and "99.88" in done.stdout


def test_a_killed_check_leaves_no_worker_checking_on(tmp_path):
    """Killed (kill -9) while its worker checks many workbooks: the worker stops after the one
    at hand instead of checking every remaining workbook for nobody."""
    inbox = tmp_path / "many"
    inbox.mkdir()
    for i in range(2000):                          # ~10 s of checking (batched, ~5 ms each)
        shutil.copy(SEED, inbox / f"{i}.xlsx")
    proc = subprocess.Popen([sys.executable, "-m", "xlsproc.launch", "check", str(inbox)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    import time
    time.sleep(1.5)                                # imported, and checking
    children = _children(proc.pid)
    assert children, "no early worker"
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 3                # long before the last workbook
    while time.monotonic() < deadline and not all(gone(c) for c in children):
        time.sleep(0.1)
    assert all(gone(c) for c in children)
    proc.stdout.close()


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        pytest.skip("no /proc children list here")


def test_a_handler_the_early_worker_lacks_costs_a_restart_not_a_task():
    """Defined after the fork, the handler pickles by name here but cannot be found there: the
    early worker dies before it is ready, no task is lost, a forked worker does them."""
    done = run_script("""
        import __main__
        from xlsproc.batch.pool import WorkerPool
        def handler(chunk, ctx):
            for i, t in enumerate(chunk or ()):
                yield ("done", i, (t + 1, os.getpid()))
        __main__.handler = handler
        got, failed = {}, []
        with WorkerPool(handler, None, jobs=1) as pool:
            pool.run([1, 2], lambda t, r: got.__setitem__(t, r), lambda *a: failed.append(a))
        print(json.dumps({"got": {t: r[0] for t, r in got.items()}, "failed": failed,
                          "early_used": any(r[1] == pid for r in got.values()), "pid": pid}))
    """)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["got"] == {"1": 2, "2": 3} and result["failed"] == []
    assert not result["early_used"] and gone(result["pid"])


def test_the_early_worker_cleans_up_after_itself_as_a_forked_worker_does(tmp_path):
    """A .xls goes through LibreOffice with a profile folder of its own, removed by
    multiprocessing's finalizers when a worker ends: the early worker runs them too."""
    from lo import require_soffice
    require_soffice()
    temp = tmp_path / "tmp"
    temp.mkdir()
    done, state = launch("process", SAMPLES / "某区卫健委_2024_项目.xls", "-o", tmp_path / "out",
                         "--quiet", env={"TMPDIR": str(temp)})
    assert done.returncode == 0, done.stderr
    assert state["pandas"] is False                      # the early worker did it
    assert entries(tmp_path / "out")[0]["output"]        # the copy was made
    assert not list(temp.glob("xlsproc-lo-*"))


def test_ctrl_c_while_the_command_is_still_importing_is_one_chinese_line(tmp_path):
    """Interrupted before any command has its own message (typer still importing): exit 130
    and 已中断, not a KeyboardInterrupt traceback."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(SEED, inbox / "a.xlsx")
    launched = textwrap.dedent("""
        import os, signal, sys
        sys.argv = ["xlsproc", "check", sys.argv[1]]
        from xlsproc.batch import headstart
        real_start = headstart.start
        def start(args):
            real_start(args)
            os.kill(os.getpid(), signal.SIGINT)   # Ctrl-C right after the fork, during imports
        headstart.start = start
        from xlsproc.launch import main
        main()
    """)
    done = subprocess.run([sys.executable, "-c", launched, str(inbox)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 130
    assert "已中断" in done.stderr and "Traceback" not in done.stderr


def test_the_package_names_its_public_api_without_importing_it():
    """`import xlsproc` (which every xlsproc module import runs first) loads neither the model
    nor the rule profiles; the public names are there when asked for."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import sys, xlsproc
        before = {m for m in ("xlsproc.model", "xlsproc.rules", "pandas") if m in sys.modules}
        names = set(xlsproc.__all__) <= set(dir(xlsproc))
        from xlsproc import Rules, XlsprocError, load_rules
        print(sorted(before), names, Rules.__module__, XlsprocError.__module__)
    """)], capture_output=True, text=True)
    assert done.stdout.split() == ["[]", "True", "xlsproc.rules", "xlsproc.model"], done.stderr


def test_the_early_worker_leaves_no_descriptor_open_once_gone():
    done = run_script(setup="""
        def handler(chunk, ctx):
            for i, t in enumerate(chunk or ()):
                yield ("done", i, t)
    """, body="""
        from xlsproc.batch.pool import WorkerPool
        sentinel = headstart._early.sentinel
        with WorkerPool(handler, None, jobs=1) as pool:
            pool.run([1], lambda *a: None, lambda *a: None)
        try:
            os.fstat(sentinel)
            print("open")
        except OSError:
            print("closed")
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["closed"]


def test_paused_imports_leave_the_collector_as_it_was_and_freeze_what_they_made():
    import gc

    from xlsproc.collector import paused
    was_on, frozen = gc.isenabled(), gc.get_freeze_count()
    try:
        for state in (True, False):
            (gc.enable if state else gc.disable)()
            with paused():
                assert not gc.isenabled()
                made = [[i] for i in range(1000)]          # as a module's tables would be
            assert gc.isenabled() is state
            assert gc.get_freeze_count() >= frozen + len(made)
    finally:
        gc.unfreeze()
        (gc.enable if was_on else gc.disable)()


# --- the scorer ---------------------------------------------------------------------------------

SCORER_SETUP = """
    from xlsproc import check_file
    def checked(path):
        return check_file(path), "pandas" in sys.modules, os.getpid()
"""


def test_the_scorer_scores_for_the_early_worker_which_never_imports_pandas():
    """The scorer (batch/scorer.py) imports pandas while the early worker imports the rest: the
    worker gets its scores from it — the same entry as scoring in one process — and has no
    pandas of its own; both are gone when the command ends."""
    done = run_script(setup=SCORER_SETUP, body="""
        scorer_pid = headstart._scorer.pid
        entry, has_pandas, where = headstart.map_calls(checked, [sys.argv[1]])[0]
        print(json.dumps([entry, has_pandas, where, pid, scorer_pid]))
    """)
    assert done.returncode == 0, done.stderr
    entry, has_pandas, where, worker, scorer_pid = json.loads(done.stdout)
    assert where == worker and has_pandas is False
    assert entry == check_entry(SEED)
    assert "99.88" in json.dumps(entry, ensure_ascii=False)
    assert gone(worker) and gone(scorer_pid)


def test_without_its_scorer_the_early_worker_scores_itself():
    """A scorer that died (killed here before it answered) costs nothing but time: the worker
    imports pandas and scores the same."""
    done = run_script(setup=SCORER_SETUP, body="""
        os.kill(headstart._scorer.pid, 9)
        entry, has_pandas, where = headstart.map_calls(checked, [sys.argv[1]])[0]
        print(json.dumps([entry, has_pandas, where == pid]))
    """)
    assert done.returncode == 0, done.stderr
    entry, has_pandas, in_worker = json.loads(done.stdout)
    assert in_worker and has_pandas is True
    assert entry == check_entry(SEED)


def test_results_cross_to_a_process_without_pandas():
    """What the scorer sends back unpickles with the reading and writing modules alone (a class
    of the results defined next to the pandas code would import pandas in the worker)."""
    import pickle

    from xlsproc import evaluate
    results = pickle.dumps(evaluate(SEED))
    done = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import importlib, pickle, sys
        from xlsproc.batch.worker import READ_WRITE_MODULES
        for name in READ_WRITE_MODULES:
            importlib.import_module(name)
        results = pickle.loads(sys.stdin.buffer.read())
        print(results[0].total_score, "pandas" in sys.modules)
    """)], input=results, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().split() == ["99.88", "False"]


def check_entry(path: Path) -> dict:
    from xlsproc import check_file
    return json.loads(json.dumps(check_file(path), ensure_ascii=False))


def test_check_files_scores_a_batch_in_one_pass_and_a_failing_file_alone(tmp_path, monkeypatch):
    """`check` hands the worker CHECK_BATCH workbooks at a time: their tables are scored in one
    pass; a workbook whose scoring fails is then scored alone and gets an internal-error entry,
    the others their usual entries, in order."""
    import xlsproc
    from xlsproc.batch import scorer
    bad = tmp_path / "坏.xlsx"
    shutil.copy(SEED, bad)
    other = SAMPLES / "某街道_青少年服务_2024.xlsx"
    real, passes = scorer._score_here, []

    def flaky(evaluations, rules, db, up_to_run):
        passes.append(sorted({ev.file for ev in evaluations}))
        if any(ev.file == bad.name for ev in evaluations):
            raise ValueError("boom")
        return real(evaluations, rules, db, up_to_run)
    monkeypatch.setattr(scorer, "_score_here", flaky)
    entries = xlsproc.check_files([SEED, bad, tmp_path / "没有这个文件.xlsx", other])
    assert passes[0] == sorted({SEED.name, bad.name, other.name})          # one pass first
    assert [e["status"] for e in entries] == ["ok", "error", "error", "ok"]
    assert entries[1]["error"]["code"] == "internal-error" and "boom" in entries[1]["error"]["message"]
    monkeypatch.setattr(scorer, "_score_here", real)
    assert entries[0] == xlsproc.check_file(SEED) and entries[3] == xlsproc.check_file(other)


# --- a slow workbook in a small run: held to --timeout --------------------------------------

SLOW_READER = textwrap.dedent("""
    import importlib.abc, importlib.util, sys, time
    class _Hook(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "xlsproc.read.reader":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            run = spec.loader.exec_module
            def exec_module(mod):
                run(mod)
                real = mod.read_workbook
                def read_workbook(path, *a, **k):
                    if "SLOW" in str(path):
                        time.sleep(4)          # a workbook that takes 4 s to read
                    return real(path, *a, **k)
                mod.read_workbook = read_workbook
            spec.loader.exec_module = exec_module
            return spec
    sys.meta_path.insert(0, _Hook())
""")


def test_a_slow_workbook_in_a_small_run_is_held_to_timeout(tmp_path):
    """--timeout 2 and a workbook that takes 4 s to read: 处理超时 (exit 1) with the head start
    as without it. (A review found a version that read the workbook ahead in the early worker's
    warm-up, where no file's time limit runs: the file passed.)"""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SLOW_READER, "utf-8")
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(SEED, inbox / "SLOW.xlsx")
    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    done, _ = launch("process", inbox, "-o", tmp_path / "a", "--timeout", "2", env=env)
    plain_env = {**os.environ, **env}
    ref = subprocess.run([sys.executable, "-m", "xlsproc.cli", "process", inbox, "-o",
                          tmp_path / "b", "--timeout", "2"], capture_output=True, text=True,
                         timeout=120, env=plain_env)
    assert ref.returncode == 1 and entries(tmp_path / "b")[0]["error"]["code"] == "file-timeout"
    assert done.returncode == ref.returncode
    assert entries(tmp_path / "a") == entries(tmp_path / "b")


def test_a_worker_that_cannot_import_stops_the_run_instead_of_failing_its_tasks():
    """An ImportError outside a task's own steps (the early worker importing pandas itself once
    its scorer is gone) is the installation's fault: the pool raises it for the run (内部错误 in
    the command line), and no task is reported failed for it."""
    done = run_script(setup="""
        def handler(chunk, ctx):
            if chunk is None:
                return
            yield ("begin", None)
            raise ImportError("no pandas here")
    """, body="""
        from xlsproc.batch.pool import WorkerPool
        failed = []
        try:
            with WorkerPool(handler, None, jobs=1) as pool:
                pool.run(["a", "b"], lambda t, r: None, lambda t, code, d: failed.append(t))
        except ImportError as exc:
            print(json.dumps({"raised": str(exc), "failed": failed}))
    """)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"raised": "no pandas here", "failed": []}


def test_a_broken_worker_stops_the_run_even_if_it_is_gone_before_its_message_is_read():
    """("broken", error) followed by the worker's exit: the parent may read the message only
    after seeing the worker dead (through _drain); the run must stop all the same, not report
    the task worker-crashed (found by a review: _drain swallowed what _handle raised)."""
    done = run_script(setup="""
        def handler(chunk, ctx):
            if chunk is None:
                return
            yield ("done", 0, None)          # the parent is busy with it (slow on_done) …
            yield ("begin", None)            # … while these two are sent and the worker ends
            raise ImportError("no pandas here")
    """, body="""
        import time
        from xlsproc.batch.pool import WorkerPool
        failed = []
        dones = []
        def slow(t, r):
            dones.append(t)
            time.sleep(0.5)
        try:
            with WorkerPool(handler, None, jobs=1, chunk=2) as pool:
                pool.run(["a", "b"], slow, lambda t, code, d: failed.append([t, code]))
        except ImportError as exc:
            print(json.dumps({"raised": str(exc), "failed": failed}))
        else:
            print(json.dumps({"raised": None, "failed": failed, "done": dones}))
    """)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"raised": "no pandas here", "failed": []}
