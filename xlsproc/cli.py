"""The command line: arguments → one library call → output and exit code. Nothing else."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="xlsproc：预算绩效自评表的读取、计分、审核与批注。",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,   # workbooks hold financial data: never dump locals
    add_completion=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

SEVERITY_CN = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
KIND_CN = {"department": "部门整体", "project": "项目"}

@app.callback()
def _root() -> None:
    """xlsproc：预算绩效自评表的读取、计分、审核与批注。"""


RulesOption = Annotated[Optional[Path], typer.Option(
    "--rules", help="自定义规则文件（TOML，键与默认规则相同）。", show_default=False)]


def _load_rules(path: Path | None):
    from .rules import RulesError, load_rules
    try:
        return load_rules(path)
    except RulesError as exc:
        err.print(f"[bold red]规则错误：[/]{exc}")
        raise typer.Exit(2)


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="要检查的工作簿（.xlsx/.xlsm/.xls），可多个。",
                                                show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出（供其他程序使用）。")] = False,
    rules: RulesOption = None,
) -> None:
    """检查自评表：逐表计算执行率、得分、总分与等级，列出每个问题所在的单元格。

    示例：xlsproc check 某街道_青少年服务_2024.xlsx
    """
    from . import check as run_check
    profile = _load_rules(rules)
    missing = [f for f in files if not f.exists()]
    for f in missing:
        err.print(f"[bold red]错误：[/]找不到文件 {f}，请检查路径。")
    if missing:
        raise typer.Exit(2)
    entries = run_check(*files, rules=profile)
    if as_json:
        sys.stdout.write(json.dumps(entries, ensure_ascii=False, indent=2) + "\n")
    else:
        for entry in entries:
            print_entry(entry)
        print_totals(entries)
    raise typer.Exit(1 if any(e["status"] == "error" for e in entries) else 0)


@app.command()
def process(
    inbox: Annotated[Path, typer.Argument(help="收件目录（含各单位工作簿，递归查找）或单个工作簿。",
                                          show_default=False)],
    outbox: Annotated[Path, typer.Option("-o", "--output", help="输出目录：批注副本与 results.json。",
                                         show_default=False)],
    rules: RulesOption = None,
) -> None:
    """逐个检查工作簿，在输出目录写入批注副本（审核结果、自评报告）和 results.json。

    示例：xlsproc process 收件箱 -o 审核结果
    """
    from .model import XlsprocError
    from .process import process as run_process
    profile = _load_rules(rules)
    if not inbox.exists():
        err.print(f"[bold red]错误：[/]找不到 {inbox}，请检查路径。")
        raise typer.Exit(2)
    try:
        entries = run_process(inbox, outbox, profile)
    except XlsprocError as exc:
        err.print(f"[bold red]错误：[/]{exc.message}")
        raise typer.Exit(2)
    for entry in entries:
        print_entry(entry, show_flags=False)
        if entry.get("output"):
            out.print(f"  → 批注副本：{outbox / entry['output']}")
    print_totals(entries)
    out.print(f"结果：{outbox / 'results.json'}")
    raise typer.Exit(1 if any(e["status"] == "error" for e in entries) else 0)


@app.command()
def report(
    file: Annotated[Path, typer.Argument(help="一个工作簿。", show_default=False)],
    rules: RulesOption = None,
) -> None:
    """按计算结果起草自评报告（自评报告），输出纯文本。

    示例：xlsproc report 洪山区团委_2024_部门整体.xlsx > 自评报告.txt
    """
    from . import evaluate
    from . import report as reports
    from .model import XlsprocError
    profile = _load_rules(rules)
    if not file.exists():
        err.print(f"[bold red]错误：[/]找不到文件 {file}，请检查路径。")
        raise typer.Exit(2)
    try:
        results = evaluate(file, profile)
    except XlsprocError as exc:
        err.print(f"[bold red]错误：[/]{file.name}：{exc.message}")
        raise typer.Exit(1)
    sys.stdout.write("\n".join(reports.text(r) for r in results))


def print_entry(entry: dict, show_flags: bool = True) -> None:
    name = entry["file"]
    if entry["status"] == "skipped":
        out.print(f"[dim]跳过：{name}（Excel/WPS 临时锁定文件，不是自评表）[/]")
        return
    if entry["status"] == "error":
        e = entry["error"]
        out.print(f"[bold red]错误：[/]{name}：{e['message']}  [dim]（{e['code']}）[/]")
        return
    out.print(f"\n[bold]{name}[/]")
    for ev in entry["evaluations"]:
        print_evaluation(name, ev, show_flags)


def print_evaluation(file: str, ev: dict, show_flags: bool = True) -> None:
    who = ev["project"] or ev["unit"] or ""
    year = f" · {ev['year']}年度" if ev["year"] else ""
    out.print(f"  [bold]{ev['sheet']}[/]（{KIND_CN[ev['kind']]}{' · ' + who if who else ''}{year}）")
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    for col in ("", "计算", "填报"):
        table.add_column(col, justify="right" if col else "left")
    b = ev["budget"] or {}
    table.add_row("执行率", _pct(b.get("rate")), _pct(b.get("reported_rate")))
    table.add_row("执行得分", _num(b.get("score")), _num(b.get("reported_score")))
    table.add_row("指标得分", _num(ev["indicator_score"]), _num(_reported_indicators(ev)))
    table.add_row("总分", _num(ev["total_score"]), _num(ev["reported_total"]))
    table.add_row("等级", ev["grade"], "")
    out.print(table)
    c = ev["flag_counts"]
    out.print(f"  问题：[red]错误 {c['error']}[/] · [yellow]警告 {c['warning']}[/] · [cyan]提示 {c['info']}[/]")
    for f in ev["flags"] if show_flags else ():
        sev = f["severity"]
        out.print(f"  [{SEVERITY_STYLE[sev]}]{SEVERITY_CN[sev]}[/]：{file} › {f['message']}"
                  f"  [dim]({f['code']})[/]")


def _reported_indicators(ev: dict):
    scores = [i["reported_score"] for i in ev["indicators"]]
    return sum(scores) if scores and all(s is not None for s in scores) else None


def _num(x) -> str:
    from .scoring import fmt
    return "—" if x is None else fmt(x)


def _pct(x) -> str:
    from .scoring import pct
    return "—" if x is None else pct(x)


def print_totals(entries: list[dict]) -> None:
    ok = [e for e in entries if e["status"] == "ok"]
    bad = [e for e in entries if e["status"] == "error"]
    tables = sum(len(e["evaluations"]) for e in ok)
    counts = {"error": 0, "warning": 0, "info": 0}
    for e in ok:
        for ev in e["evaluations"]:
            for k, v in ev["flag_counts"].items():
                counts[k] += v
    out.print(f"\n共 {len(entries)} 个文件：读取 {len(ok)} 个（{tables} 张自评表），"
              f"无法读取 {len(bad)} 个；问题：错误 {counts['error']}、警告 {counts['warning']}、"
              f"提示 {counts['info']}。")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
