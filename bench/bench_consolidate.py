"""Benchmark: consolidate N workbooks' results (synthesised results-json entries, no workbooks).

    .venv/bin/python bench/bench_consolidate.py               # N = 1000 and 5000
    .venv/bin/python bench/bench_consolidate.py 1000 5000 20000 --store

Each N runs in a fresh process: build the entries (in memory, or recorded in a results store with
--store), then time `consolidate` and measure the memory it adds on top of its input: the peak of
Python allocations (tracemalloc, a second run) and the peak resident size (VmHWM after resetting
it, Linux only). Flat memory means these stay put as N grows.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LEVELS = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("产出指标", "时效指标"),
          ("产出指标", "成本指标"), ("效益指标", "社会效益指标"), ("满意度指标", "服务对象满意度指标")]
FLAGS = [("over-completion", "warning", "超额完成", "实际完成值为年度指标值的 1.5 倍，请说明原因。"),
         ("deviation-reason-missing", "error", "未填偏差原因", "得分低于分值，但未填写偏差原因。"),
         ("score-mismatch", "warning", "得分与计算不符", "填报得分与按规则计算的得分不符，请核实。"),
         ("manual-review", "info", "需人工复核", "相对目标，已保留填报得分，请人工复核。")]


def synthesise(n: int, seed: int = 7) -> list[dict]:
    """n entries of one table each: a department table per unit (n/25 units), 12–16 indicators."""
    rng = random.Random(seed)
    units = [f"{300000 + u}-某区第{u}局" for u in range(max(10, n // 25))]
    return [_entry(i, units[i % len(units)], i < len(units), rng) for i in range(n)]


def _entry(i: int, unit: str, department: bool, rng: random.Random) -> dict:
    sheet = "部门整体支出绩效自评表" if department else "项目支出绩效自评表"
    rel = f"{unit}/{'部门整体' if department else f'项目{i}'}_2024.xlsx"
    indicators = [_indicator(r, rng) for r in range(10, 10 + rng.randint(12, 16))]
    annual = round(rng.uniform(20, 5000), 2)
    executed = round(annual * rng.uniform(0.6, 1.0), 2)
    weight = 20 if department else 10
    exec_score = round(weight * executed / annual, 2)
    ind_score = round(sum(x["score"] for x in indicators), 2)
    total = round(exec_score + ind_score, 2)
    flags = [_flag(sheet, rng.choice(indicators), rng) for _ in range(rng.randint(0, 6))]
    counts = {s: sum(1 for f in flags if f["severity"] == s) for s in ("error", "warning", "info")}
    return {
        "file": rel.split("/")[-1], "path": f"/收件箱/{rel}", "sha256": f"{i:064x}", "status": "ok",
        "error": None, "output": rel, "relpath": rel,
        "evaluations": [{
            "sheet": sheet, "kind": "department" if department else "project", "unit": unit,
            "project": None if department else f"第{i}号专项资金项目", "year": 2024,
            "budget": {"initial": annual, "annual": annual, "executed": executed,
                       "rate": round(executed / annual, 6), "weight": weight, "score": exec_score,
                       "cell": "F6"},
            "indicators": indicators, "indicator_score": ind_score, "total_score": total,
            "reported_total": total, "grade": "优" if total >= 90 else "良" if total >= 80 else "中",
            "flag_counts": counts, "flags": flags,
        }],
    }


def _indicator(row: int, rng: random.Random) -> dict:
    level1, level2 = rng.choice(LEVELS)
    target = rng.randint(10, 5000)
    actual = round(target * rng.uniform(0.7, 1.6))
    completion = round(actual / target, 6)
    weight = 5.0
    return {"level1": level1, "level2": level2, "name": f"指标{row}：开展服务活动场次",
            "target": f"不少于{target}场", "actual": f"{actual}场", "kind": "positive",
            "completion": completion, "weight": weight,
            "score": round(weight * min(completion, 1), 2),
            "reported_score": None, "reason": None, "row": row,
            "cells": {"name": f"D{row}", "actual": f"F{row}"}}


def _flag(sheet: str, ind: dict, rng: random.Random) -> dict:
    code, severity, title, detail = rng.choice(FLAGS)
    cell = f"F{ind['row']}"
    return {"code": code, "severity": severity, "sheet": sheet, "cell": cell,
            "indicator": ind["name"], "title": title, "detail": detail,
            "message": f"{sheet} › {cell}：{detail}"}


# --- one measurement, in a child process ------------------------------------------------------

def child(n: int, use_store: bool, trace: bool) -> dict:
    from xlsproc.district.book import consolidate
    from xlsproc.store import Store
    with tempfile.TemporaryDirectory() as tmp:
        entries = synthesise(n)
        source = entries
        if use_store:
            store = Store(Path(tmp) / "xlsproc.sqlite")
            store.record(entries, {"outbox": str(Path(tmp) / "outbox")})
            source = store
            del entries
        gc.collect()
        _reset_peak()
        base = _rss("VmRSS")
        if trace:
            tracemalloc.start()
        start, cpu = time.perf_counter(), time.process_time()
        summary = consolidate(source, Path(tmp) / "全区汇总.xlsx", outbox=Path(tmp) / "outbox")
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        result = {"n": n, "seconds": seconds, "cpu": cpu, "rows": summary["indicators"],
                  "flags": summary["flags"], "size": os.path.getsize(Path(tmp) / "全区汇总.xlsx")}
        if trace:
            result["traced_peak"] = tracemalloc.get_traced_memory()[1]
        else:
            result["rss_peak_delta"] = max(_rss("VmHWM") - base, 0)
        return result


def _rss(field: str) -> int:
    try:
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def run(n: int, use_store: bool, trace: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", str(n)] + (["--store"] if use_store else []) + \
          (["--trace"] if trace else [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 5000])
    ap.add_argument("--store", action="store_true", help="consolidate from a results store")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.store, args.trace)))
        return
    source = "结果库 (SQLite)" if args.store else "内存中的结果列表"
    print(f"consolidate：输入为{source}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(wall time depends on what else runs; CPU time is the steadier figure)")
    print(f"{'工作簿':>8} {'指标行':>8} {'问题':>7} {'耗时':>8} {'CPU':>8} {'峰值内存(RSS增量)':>18} "
          f"{'Python分配峰值':>14} {'文件大小':>10}")
    for n in args.sizes:
        timed = run(n, args.store, trace=False)
        traced = run(n, args.store, trace=True)
        print(f"{n:>10} {timed['rows']:>10} {timed['flags']:>8} {timed['seconds']:>9.2f}s "
              f"{timed['cpu']:>7.2f}s {timed['rss_peak_delta'] / 2**20:>17.1f}MB "
              f"{traced['traced_peak'] / 2**20:>17.1f}MB {timed['size'] / 2**20:>10.1f}MB")


if __name__ == "__main__":
    main()
