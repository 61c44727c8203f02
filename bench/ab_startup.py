"""One workbook's wall time, two versions of xlsproc alternating: the way to compare start-up on
a machine whose speed drifts (this VM: ±15 % within the hour).

    .venv/bin/python bench/ab_startup.py OLD_TREE NEW_TREE [--runs 21] [--command check]

OLD_TREE and NEW_TREE are folders holding an `xlsproc` package (a checkout, or `git archive
COMMIT xlsproc | tar -x -C DIR`); each run is this venv's console-script entry point
(xlsproc.launch) with that tree first on PYTHONPATH, the two trees taking turns. Prints the
median and the fastest run of each, in milliseconds.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "samples" / "功能齐全_2024_项目.xlsx"


def one_run(tree: Path, command: str, workbook: Path, scratch: Path) -> float:
    out = scratch / "out"
    shutil.rmtree(out, ignore_errors=True)
    args = [command, str(workbook)] + (["-o", str(out), "--quiet"] if command == "process" else [])
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "xlsproc.launch", *args], env=env, cwd=scratch,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--command", choices=("process", "check"), default="process")
    parser.add_argument("--workbook", type=Path, default=WORKBOOK)
    args = parser.parse_args()
    for tree in (args.old, args.new):
        if not (tree / "xlsproc" / "__init__.py").is_file():
            parser.error(f"{tree} holds no xlsproc package")
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "xlsproc")], check=True)
    times: dict[Path, list[float]] = {args.old: [], args.new: []}
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(args.runs):
            for tree in times:
                times[tree].append(one_run(tree.resolve(), args.command, args.workbook.resolve(),
                                           Path(scratch)))
    for label, tree in (("old", args.old), ("new", args.new)):
        ms = times[tree]
        print(f"{label} {tree}: {args.command} median {statistics.median(ms):.0f} ms, "
              f"fastest {min(ms):.0f} ms ({args.runs} runs)")


if __name__ == "__main__":
    main()
