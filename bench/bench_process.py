"""Benchmark `xlsproc process` against a naive openpyxl + pandas pipeline on the same files.

    .venv/bin/python bench/bench_process.py --n 1000          # the figures in bench/README.md
    .venv/bin/python bench/bench_process.py --n 200 --profile 100

Generates N realistic workbooks into bench/_work/inbox (workbooks.py), then times, each in its
own child process so that memory is measured per pipeline:
  naive      openpyxl.load_workbook + a pandas DataFrame of the sheet + openpyxl save, 1 process
  xlsproc    `xlsproc process --jobs 1` (one worker: the per-core comparison), then all cores
  rerun      the all-cores run again with nothing changed, then with one file changed
  start-up   `xlsproc process` of one workbook into a new OUTBOX, and `xlsproc check` of one
             (best and median of --startup runs: what an officer waits for one file)
Memory: peak PSS and RSS summed over the process tree (sampled from /proc every 0.1 s; PSS
counts a page shared by k processes as 1/k, RSS counts it k times), and the RSS of the largest
single process (wait4 ru_maxrss). Linux only.
"""
from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import workbooks  # noqa: E402


# --- measuring a child process ----------------------------------------------------------------

def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in bytes. PSS splits shared pages (pandas' and pyarrow's
    libraries, mapped by every worker) among the processes sharing them: the honest sum."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, pss


def tree_memory(pid: int) -> tuple[int, int]:
    """Summed (RSS, PSS) of a process and all its descendants."""
    rss = pss = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        r, s = _memory(p)
        rss, pss = rss + r, pss + s
        todo += _children(p)
    return rss, pss


def measure(cmd: list[str]) -> dict:
    """Run cmd; wall and CPU seconds (user + system, the whole tree), peak tree RSS, largest
    process RSS, exit code, stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak, done = [0, 0], threading.Event()

    def sample():
        while not done.is_set():
            rss, pss = tree_memory(proc.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            done.wait(0.1)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "tree_rss": peak[0],
            "tree_pss": peak[1], "max_rss": usage.ru_maxrss * 1024, "code": proc.returncode,
            "output": output}


# --- the naive pipeline (run in a child: `bench_process.py --naive INBOX OUT`) ----------------

def naive(inbox: Path, out: Path, part: int = 0, parts: int = 1) -> None:
    """One process of the naive pipeline: every `parts`-th file, starting at `part`."""
    import openpyxl
    import pandas as pd
    for src in sorted(inbox.rglob("*.xlsx"))[part::parts]:
        wb = openpyxl.load_workbook(src)
        frame = pd.DataFrame(wb.worksheets[0].values)
        assert frame.shape[0] > 0
        dst = out / src.relative_to(inbox)
        dst.parent.mkdir(parents=True, exist_ok=True)
        wb.save(dst)


# --- profile: where xlsproc spends its time ---------------------------------------------------

def profile(files: list[Path], out: Path) -> None:
    """Where the worker's time goes: the real chunk handler on `files`, each stage timed by a
    wrapper (no profiler overhead), then cProfile's own time by module."""
    import cProfile
    import pstats

    from xlsproc.collector import settle_worker
    from xlsproc.batch.run import CHUNK, Context, work
    from xlsproc.rules import load_rules
    root = files[0].parents[1]
    ctx = Context(str(root), str(out), load_rules())
    (out / ".xlsproc" / "entries").mkdir(parents=True, exist_ok=True)
    list(work(None, ctx))
    settle_worker()                 # the collector as a worker sets it (after its warm-up)
    tasks = [(f.relative_to(root).as_posix(), f.relative_to(root).as_posix()) for f in files]
    chunks = [tasks[k:k + CHUNK] for k in range(0, len(tasks), CHUNK)]
    timers = _install_timers()
    start = time.perf_counter()
    for chunk in chunks:
        list(work(chunk, ctx))
    total = time.perf_counter() - start
    _remove_timers(timers)
    print(f"\nwhere a worker's time goes ({len(files)} files, chunks of {CHUNK}; wall time, "
          f"machine load {_load()})")
    print(f"  {'stage':48s} {'ms/file':>8s} {'share':>6s}")
    for label, *_ in STAGES:
        if label not in timers:
            continue
        spent = timers[label][3]
        print(f"  {label:48s} {spent / len(files) * 1000:8.2f} {spent / total:6.0%}")
    print(f"  {'total (the worker, all stages)':48s} {total / len(files) * 1000:8.2f}")
    prof = cProfile.Profile()
    prof.enable()
    for chunk in chunks:
        list(work(chunk, ctx))
    prof.disable()
    _print_modules(pstats.Stats(prof), len(files))


STAGES = [  # (label, module holding the name the caller looks up, name); indented = nested
    ("read_workbook", "xlsproc.read.reader", "read_workbook"),
    ("  of which read_grids (calamine, formula scan)", "xlsproc.read.reader", "read_grids"),
    ("score (one call per chunk)", "xlsproc.score.scoring", "score"),
    ("annotate", "xlsproc.write.annotate", "annotate"),
    ("  of which cell patches", "xlsproc.write.annotate", "cell_patches"),
    ("  of which the 审核结果 sheet", "xlsproc.write.annotate", "review_sheet"),
    ("  of which the 自评报告 sheet", "xlsproc.write.annotate", "report_sheet"),
    ("  of which patch_xlsx (incl. verify)", "xlsproc.write.annotate", "patch_xlsx"),
    ("    of which verify_preserved", "xlsproc.ooxml.verify", "_verify_open"),
    ("results entry (file_json)", "xlsproc.batch.worker", "file_json"),
    ("entry encoded (results store, journal)", "xlsproc.store", "file_row"),
    ("sha256", "xlsproc.batch.worker", "sha256"),
]


def _install_timers() -> dict:
    """Wrap each stage's function where its caller looks it up (stages absent in this version
    of xlsproc are left out)."""
    import importlib
    timers = {}
    for label, module, name in STAGES:
        mod = importlib.import_module(module)
        original = getattr(mod, name, None)
        if original is None:
            continue
        timers[label] = [mod, name, original, 0.0]

        def timed(*args, _t=timers[label], _f=original, **kwargs):
            start = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                _t[3] += time.perf_counter() - start
        setattr(mod, name, timed)
    return timers


def _remove_timers(timers: dict) -> None:
    for mod, name, original, _ in timers.values():
        setattr(mod, name, original)


def _print_modules(stats, n: int) -> None:
    by_module: dict[str, float] = {}
    for (f, _, _), (_, _, tt, _, _) in stats.stats.items():
        key = Path(f).name if "xlsproc" in f else ("pandas/numpy" if "pandas" in f or "numpy" in f
                                                   else "other (stdlib, calamine, builtins)")
        by_module[key] = by_module.get(key, 0.0) + tt
    print("  own time by module (ms/file):")
    for mod, tt in sorted(by_module.items(), key=lambda kv: -kv[1])[:10]:
        print(f"    {mod:38s} {tt / n * 1000:7.2f}")


# --- the report ---------------------------------------------------------------------------

def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
        mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem = 0
    return (f"{os.cpu_count()} cores ({cpu}), {mem / 1024 / 1024:.1f} GiB RAM, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MiB"


def line(label: str, r: dict, n: int) -> str:
    return (f"{label:34s} {r['seconds']:7.2f} s {n / r['seconds']:7.1f} wb/s | CPU {r['cpu']:7.2f} s "
            f"{n / r['cpu']:6.1f} wb/CPU-s | peak memory: PSS {mib(r['tree_pss'])}, "
            f"RSS {mib(r['tree_rss'])} (all processes), RSS {mib(r['max_rss'])} (largest)")


def xlsproc_dir() -> str:
    import xlsproc
    return os.path.dirname(xlsproc.__file__)


# What the `xlsproc` console script runs (pyproject's [project.scripts]): the launcher, which
# gives a small run its worker before the command line is parsed (xlsproc/batch/headstart.py).
ENTRY = [sys.executable, "-m", "xlsproc.launch"]


def xlsproc_cmd(inbox: Path, out: Path, *extra: str) -> list[str]:
    return [*ENTRY, "process", str(inbox), "-o", str(out), "--quiet", *extra]


def run(n: int, jobs: int, work: Path, naive_n: int | None, prof: int,
        startup_runs: int = 5, district: int = 300, repeat: int = 1) -> int:
    inbox = work / "inbox"
    # The previous run's files are deleted after this run is measured, not before: ext4 makes
    # creating files slow for a minute or so after thousands were deleted (it avoids reusing
    # their inodes), a kernel cost that would be charged to whichever pipeline runs next.
    old = _set_aside(work)
    t = time.perf_counter()
    files = workbooks.generate(n, inbox)
    print(f"xlsproc benchmark: N={n} workbooks, {machine()}")
    print(f"generated {n} workbooks (45 rows, 62 merged ranges, formulas with cached values) "
          f"in {time.perf_counter() - t:.1f} s\n")
    # xlsproc's bytecode compiled as an install would (an editable checkout may have none, and
    # PYTHONDONTWRITEBYTECODE would make every process compile the sources again)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(xlsproc_dir()))], check=True)
    nn = min(n, naive_n or n)
    naive_inbox = inbox if nn == n else _subset(files[:nn], work / "naive_in")
    r = {"naive": _step("naive openpyxl+pandas (1 process)", nn,
                        [sys.executable, __file__, "--naive", str(naive_inbox), str(work / "naive_out")]),
         "one": _step("xlsproc process --jobs 1", n, xlsproc_cmd(inbox, work / "out1", "--jobs", "1")),
         "all": _step(f"xlsproc process --jobs {jobs}", n,
                      xlsproc_cmd(inbox, work / "outN", "--jobs", str(jobs)))}
    r["again"] = _step(None, n, xlsproc_cmd(inbox, work / "outN", "--jobs", str(jobs)))
    workbooks.Factory(work).write(n + 1, files[0])              # one file changes
    r["changed"] = _step(None, n, xlsproc_cmd(inbox, work / "outN", "--jobs", str(jobs)))
    _report(r, n, nn, jobs)
    if repeat > 1:
        alternate(repeat, inbox, naive_inbox, n, nn, work, r)
    startup(files[0], work / "startup", startup_runs)
    if district:
        district_folder(files[:district], work / "district", jobs)
    if prof:
        profile(files[:prof], work / "profile_out")
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return 0


def alternate(repeat: int, inbox: Path, naive_inbox: Path, n: int, nn: int, work: Path,
              first: dict) -> None:
    """The per-core ratio again, `repeat` times in all, the two pipelines alternating: on a
    shared virtual machine one pair can be 20 % off either way (the host's other guests), so
    the median of the pairs is the figure to quote. Each pair writes into new folders."""
    pairs = [(first["naive"]["cpu"], first["one"]["cpu"])]
    for k in range(1, repeat):
        naive_cpu = _step(None, nn, [sys.executable, __file__, "--naive", str(naive_inbox),
                                     str(work / f"naive_out{k}")])["cpu"]
        ours = _step(None, n, xlsproc_cmd(inbox, work / f"out1_{k}", "--jobs", "1"))["cpu"]
        pairs.append((naive_cpu, ours))
    ratios = sorted((n / ours) / (nn / naive_cpu) for naive_cpu, ours in pairs)
    print(f"\nratio per core by CPU seconds, {repeat} alternating pairs: "
          + ", ".join(f"{(n / o) / (nn / c):.2f}×" for c, o in pairs)
          + f"; median {statistics.median(ratios):.2f}×"
          + f" (naive {statistics.median(c for c, _ in pairs) / nn * 1000:.1f} ms of CPU per "
            f"workbook, xlsproc {statistics.median(o for _, o in pairs) / n * 1000:.2f} ms)")


def startup(workbook: Path, folder: Path, runs: int) -> None:
    """Wall and CPU time of the commands on one workbook: interpreter start, imports, the pool
    and one worker, the store — the fixed cost every run pays before its first file."""
    inbox = folder / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    one = Path(shutil.copy(workbook, inbox / workbook.name))
    process_runs = [_step(None, 1, xlsproc_cmd(inbox, folder / f"out{k}")) for k in range(runs)]
    check_runs = [_step(None, 1, [*ENTRY, "check", str(one)], ok=(0, 1))
                  for _ in range(runs)]
    print(f"\nstart-up, one workbook ({runs} runs each; load {_load()}):")
    for label, results in (("xlsproc process (new OUTBOX)", process_runs),
                           ("xlsproc check", check_runs)):
        walls = sorted(r["seconds"] for r in results)
        cpus = sorted(r["cpu"] for r in results)
        print(f"  {label:30s} wall best {walls[0]:.3f} s, median {walls[len(walls) // 2]:.3f} s | "
              f"CPU best {cpus[0]:.3f} s, median {cpus[len(cpus) // 2]:.3f} s")


def district_folder(files: list[Path], folder: Path, jobs: int) -> None:
    """A district-sized folder on every core, start-up included, as a bureau runs it: xlsproc
    `--jobs J` against the naive pipeline split over J processes (issue 9: start-up must not
    dominate such a run)."""
    inbox = _subset(files, folder / "inbox")
    naive_cmd = " & ".join(
        f"{shlex.quote(sys.executable)} {shlex.quote(__file__)} --naive {shlex.quote(str(inbox))} "
        f"{shlex.quote(str(folder / 'naive_out'))} {k} {jobs}" for k in range(jobs))
    naive_run = _step(f"naive, {jobs} processes", len(files), ["sh", "-c", naive_cmd + " & wait"])
    ours = _step(f"xlsproc process --jobs {jobs}", len(files),
                 xlsproc_cmd(inbox, folder / "out", "--jobs", str(jobs)))
    print(f"\na district-sized folder ({len(files)} workbooks, {jobs} cores, start-up included): "
          f"xlsproc {naive_run['seconds'] / ours['seconds']:.2f}× faster by wall time, "
          f"{naive_run['cpu'] / ours['cpu']:.2f}× by CPU seconds")


def _set_aside(work: Path) -> Path | None:
    if not work.exists():
        return None
    old = work.with_name(f"{work.name}.old-{os.getpid()}")
    work.rename(old)
    return old


def _step(label: str | None, n: int, cmd: list[str], ok: tuple[int, ...] = (0,)) -> dict:
    result = measure(cmd)
    if result["code"] not in ok:
        sys.exit(f"{cmd} failed (exit {result['code']}):\n{result['output'][-3000:]}")
    if label:
        print(line(label, result, n))
    return result


def _report(r: dict, n: int, nn: int, jobs: int) -> None:
    naive_rate = nn / r["naive"]["seconds"]
    wall = n / r["one"]["seconds"] / naive_rate
    cpu = (n / r["one"]["cpu"]) / (nn / r["naive"]["cpu"])
    print(f"\nload average during the run: {_load()} (other processes on the machine skew wall times)")
    print(f"ratio per core, wall (xlsproc --jobs 1 vs naive, one worker each): {wall:.2f}×")
    print(f"ratio per core, CPU seconds per workbook:                         {cpu:.2f}×"
          f"   (issue 9's target ≥ 6.3×: {'reached' if cpu >= 6.3 else 'not reached'})")
    print(f"ratio, xlsproc on all {jobs} cores vs naive on one (wall):"
          f"{'':13s}{n / r['all']['seconds'] / naive_rate:.2f}×")
    again, changed = r["again"], r["changed"]
    print(f"rerun, nothing changed: {again['seconds']:.2f} s = "
          f"{again['seconds'] / r['all']['seconds']:.1%} of the first run ({_summary(again)})")
    print(f"rerun, one file changed: {changed['seconds']:.2f} s ({_summary(changed)})")


def _load() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "unknown"


def _subset(files: list[Path], folder: Path) -> Path:
    for i, f in enumerate(files):
        dst = folder / f"{i:05d}.xlsx"
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, dst)
    return folder


def _summary(r: dict) -> str:
    first = next((ln for ln in r["output"].splitlines() if ln.startswith("共 ")), "")
    return first.split("：", 1)[-1].rstrip("。")


def main() -> int:
    if len(sys.argv) in (4, 6) and sys.argv[1] == "--naive":
        naive(Path(sys.argv[2]), Path(sys.argv[3]), *map(int, sys.argv[4:6]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="number of workbooks (default 1000)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count(), help="jobs for the all-cores run")
    ap.add_argument("--naive-n", type=int, default=None,
                    help="time the naive pipeline on the first K workbooks only (default: all)")
    ap.add_argument("--profile", type=int, default=0, metavar="K",
                    help="also profile xlsproc in-process on K workbooks")
    ap.add_argument("--work", type=Path, default=HERE / "_work", help="scratch folder (wiped)")
    ap.add_argument("--startup", type=int, default=5, metavar="K",
                    help="runs of the one-workbook start-up measurement (default 5)")
    ap.add_argument("--district", type=int, default=300, metavar="K",
                    help="also time a district-sized folder of K workbooks on all cores against "
                         "the naive pipeline on as many processes (default 300; 0: skip)")
    ap.add_argument("--repeat", type=int, default=1, metavar="K",
                    help="measure the per-core ratio K times, the two pipelines alternating, and "
                         "give the median (a shared virtual machine varies ±20 %% run to run)")
    args = ap.parse_args()
    return run(args.n, args.jobs, args.work, args.naive_n, args.profile, max(1, args.startup),
               min(args.district, args.n), max(1, args.repeat))


if __name__ == "__main__":
    sys.exit(main())
