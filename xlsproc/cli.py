"""The command line: arguments → one library call → output and exit code. Nothing else."""
from __future__ import annotations

import json
import re
import sys
from contextlib import contextmanager, nullcontext
from functools import partial
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from xlsproc.threads import one_thread_libraries

# --- typer's own frame in Chinese (help panels, usage line, usage errors) ----------------------

# Its help-panel texts are module attributes, read when help or an error is printed.
TYPER_TEXTS = {"ARGUMENTS_PANEL_TITLE": "参数", "OPTIONS_PANEL_TITLE": "选项",
               "COMMANDS_PANEL_TITLE": "命令", "ERRORS_PANEL_TITLE": "用法错误",
               "REQUIRED_LONG_STRING": "[必填]", "DEFAULT_STRING": "[默认：{}]",
               "RICH_HELP": "运行 [blue]{command_path} {help_option}[/] 查看用法。"}
USAGE_PREFIX = "用法："
DEBUG_FLAG = "--debug"      # main() takes it from anywhere on the command line
HELP_OPTION_TEXT = "显示本帮助并退出。"
# Its usage-error messages, applied in order (regular expression → Chinese).
USAGE_ERRORS = [
    (r"^Missing (?:argument|parameter|option) (.+?)\.?$", r"缺少参数 \1。"),
    (r"^No such option: (\S+)", r"没有选项 \1"),
    (r"^No such command '(.+)'\.", r"没有命令 \1。"),
    (r"Did you mean (.+)\?", r"（是否想用 \1？）"),
    (r"\(Possible options: (.+)\)", r"（可用的选项：\1）"),
    (r"^Option '(.+)' requires an argument\.", r"选项 \1 后面需要一个值。"),
    (r"^Got unexpected extra arguments?(?:\(s\))? \((.+)\)", r"多余的参数：\1"),
    (r"^Option '(.+)' does not take a value\.", r"选项 \1 后面不能带值。"),
    (r"Input should be a valid integer.*", r"应为整数"),
    (r"Input should be a valid number.*", r"应为数字"),
    (r"^Invalid value for (.+?): ", r"\1 的值无效："),
    (r"Input should be greater than or equal to (\S+)", r"应不小于 \1"),
    (r"Input should be less than or equal to (\S+)", r"应不大于 \1"),
    (r"'(.*)' is not a valid (?:integer|int)\.?", r"“\1”不是整数"),
    (r"'(.*)' is not a valid float\.?", r"“\1”不是数字"),
    (r"Path '(.*)' does not exist\.", r"找不到 \1"),
]


def _localise_typer() -> None:
    """Done when help or an error is about to be printed: importing typer's rich_utils (and
    with it rich.markdown) costs ~35 ms that a plain run does not need."""
    from typer import rich_utils
    for name, text in TYPER_TEXTS.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)
    make = rich_utils._make_rich_text
    if not getattr(make, "folds", False):
        def folding(*args, **kwargs):
            """Help texts wrap: Chinese has no spaces to break at, and rich would cut the line
            with "…" instead of folding it."""
            text = make(*args, **kwargs)
            if hasattr(text, "overflow"):
                text.overflow = "fold"
            return text
        folding.folds = True
        rich_utils._make_rich_text = folding


def _in_chinese(exc: Exception) -> Exception:
    """A usage error of click/typer as the same kind of error with a Chinese message."""
    usage_error = next((c for c in type(exc).__mro__ if c.__name__ == "UsageError"), None)
    if usage_error is None:
        return exc
    _localise_typer()
    message = exc.format_message()
    for pattern, chinese in USAGE_ERRORS:
        message = re.sub(pattern, chinese, message)
    return usage_error(message, ctx=getattr(exc, "ctx", None))


# What the help shows for a value, by its type (typer would show <bool>, <list[Path]>, {files}).
METAVARS = {"bool": "", "path": "路径", "int": "整数", "int range": "整数", "float": "数字",
            "float range": "数字", "str": "文字", "list[Path]": "文件"}
ARGUMENT_NAMES = {"files": "文件", "file": "文件", "inbox": "收件目录", "source": "来源", "kind": "类型"}


def _name_values(params, ctx) -> None:
    """Chinese metavars: flags show none, values their kind, arguments their Chinese name."""
    for param in params:
        if param.metavar is not None:
            continue
        if param.param_type_name == "argument":
            param.metavar = ARGUMENT_NAMES.get(param.name, param.name)
            param.display_type_rich = lambda ctx: None      # its name says it; no <path> beside it
            continue
        try:
            kind = param.display_type(ctx).strip("<>")
        except Exception:           # noqa: BLE001 — help must print whatever typer's internals are
            continue
        param.metavar = METAVARS.get(kind, "值")


class _PlainValues:
    """typer ≥ 0.26 coerces every parameter through a pydantic TypeAdapter: importing pydantic
    and building an adapter per parameter cost ~0.1 s on every run, a third of a one-workbook
    `process`. Our parameters are paths, text, numbers and flags: a value that is plainly one
    of these is converted here; anything else (a bad number, a value out of range, a type we
    do not list) goes to typer's own coercion, so its errors and their Chinese stay the same."""

    # ASCII digits only: int() and float() also read full-width and other Unicode digits ("２"),
    # which typer's coercion refuses.
    NUMBER = {int: re.compile(r"[+-]?[0-9]+"), float: re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")}

    def __init__(self, param, typers_own):
        info = param.type_descriptor.parameter_info
        self.annotation = param.type_descriptor.annotation
        self.low, self.high = getattr(info, "min", None), getattr(info, "max", None)
        self.multi = param.multiple or param.nargs == -1
        self.typers_own = typers_own

    @classmethod
    def install(cls, params) -> None:
        """Give each plain parameter this coercion (only where typer would build its own)."""
        for param in params:
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is None or getattr(param, "_runtime_param", ()) is not None:
                continue
            if descriptor.file_annotation is None and cls._item_type(descriptor.annotation):
                param._runtime_param = cls(param, param.get_runtime_param)

    @staticmethod
    def _item_type(annotation):
        if getattr(annotation, "__origin__", None) is list:
            (annotation,) = annotation.__args__
        return annotation if annotation in (str, Path, int, float, bool) else None

    def coerce(self, value, param, ctx):
        if value is None:
            return () if self.multi else None
        kind = self._item_type(self.annotation)
        try:
            if self.multi or isinstance(value, (list, tuple)):
                return [self._one(kind, item) for item in value]
            return self._one(kind, value)
        except ValueError:
            param._runtime_param = None                  # typer's own, with its messages
            return self.typers_own().coerce(value, param=param, ctx=ctx)

    def _one(self, kind, value):
        if kind in (str, Path):
            if isinstance(value, (str, Path)):
                return kind(value)
        elif isinstance(value, bool) or (kind is not bool and isinstance(value, str)
                                         and self.NUMBER[kind].fullmatch(value)):
            number = kind(value)
            if kind is bool or ((self.low is None or number >= self.low)
                                and (self.high is None or number <= self.high)):
                return number
        elif kind is not bool and isinstance(value, (int, float)):
            return self._one(kind, str(value)) if kind is int else self._one(kind, repr(float(value)))
        raise ValueError(value)


class _Chinese:
    """Mixed into typer's command classes: Chinese usage line, --help text and usage errors."""

    def format_help(self, ctx, formatter) -> None:
        _localise_typer()
        _name_values(self.get_params(ctx), ctx)
        return super().format_help(ctx, formatter)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    def format_usage(self, ctx, formatter) -> None:
        pieces = " ".join(self.collect_usage_pieces(ctx)).replace("[OPTIONS]", "[选项]")
        pieces = re.sub(r"\{([^{}]+)\}", r"\1", pieces)          # typer writes {文件} for a required one
        formatter.write_usage(ctx.command_path, pieces.replace("COMMAND [ARGS]...", "命令 [参数]..."),
                              prefix=USAGE_PREFIX)

    def parse_args(self, ctx, args):
        _PlainValues.install(self.get_params(ctx))
        try:
            return super().parse_args(ctx, args)
        except Exception as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":     # bare `xlsproc`: the help (printed
                ctx.exit(0)                                   # as the error was made), no error box
            raise _in_chinese(exc) from None

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except Exception as exc:
            raise _in_chinese(exc) from None


class ChineseCommand(_Chinese, typer.core.TyperCommand):
    pass


class ChineseGroup(_Chinese, typer.core.TyperGroup):
    pass


app = typer.Typer(
    cls=ChineseGroup,
    help="xlsproc：预算绩效自评表的读取、计分、审核与批注。",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,   # workbooks hold financial data: never dump locals
    add_completion=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
CHECK_BATCH = 16            # workbooks `check` reads, then scores in one pass (xlsproc.check_files)
KIND_CN = {"department": "部门整体", "project": "项目"}

def _show_version(value: bool) -> None:
    if value:
        from xlsproc import __version__
        typer.echo(f"xlsproc {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_show_version, is_eager=True, metavar="",
        help="显示 xlsproc 的版本并退出。")] = False,
    debug: Annotated[bool, typer.Option(
        DEBUG_FLAG, help="出错时显示详细的技术信息（供技术支持使用；可写在命令行任何位置）。")] = False,
) -> None:
    """xlsproc：预算绩效自评表的读取、计分、审核与批注。"""


DbOption = Annotated[Optional[Path], typer.Option(
    "--db", help="结果库（SQLite），默认为输出目录下的 xlsproc.sqlite；多年共用一个结果库才能做同比。",
    show_default=False)]
RulesOption = Annotated[Optional[Path], typer.Option(
    "--rules", help="自定义规则文件（TOML，键与默认规则相同）。", show_default=False)]
RosterOption = Annotated[Optional[Path], typer.Option(
    "--roster", help="报送名单（.xlsx、.xls 或 .csv，列：单位名称，可选 项目名称、联系人）：汇总表加“报送情况”，"
    "并列出未报送的单位。", show_default=False)]
ReturnDirOption = Annotated[Optional[Path], typer.Option(
    "--return-dir", help="退回材料目录：每个有错误或警告的单位一个文件夹（批注副本 + 问题通知单.xlsx）。",
    show_default=False)]


def _load_rules(path: Path | None):
    from xlsproc.rules import RulesError, load_rules
    try:
        return load_rules(path)
    except RulesError as exc:
        err.print(f"[bold red]规则错误：[/]{exc}")
        raise typer.Exit(2)


@app.command(cls=ChineseCommand)
def check(
    files: Annotated[list[Path], typer.Argument(help="要检查的工作簿（.xlsx/.xlsm/.xls），可多个；文件夹表示其中全部工作簿。",
                                                show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出（供其他程序使用）。")] = False,
    rules: RulesOption = None,
    verbose: VerboseOption = False,
) -> None:
    """检查自评表：逐表计算执行率、得分、总分与等级，列出每个问题所在的单元格。

    示例：xlsproc check 某街道_青少年服务_2024.xlsx
    """
    from xlsproc import check_files
    from xlsproc.model import XlsprocError
    SHOW_CODES["on"] = verbose
    profile = _load_rules(rules)
    try:
        paths = _expand(files)
    except XlsprocError as exc:             # a folder that cannot be read
        err.print(f"[bold red]错误：[/]{exc.message}")
        raise typer.Exit(2)
    if not paths:
        err.print(f"[bold red]错误：[/]{'、'.join(map(str, files))} 中没有找到工作簿"
                  f"（{NO_WORKBOOK_HINT}），没有可检查的文件。")
        raise typer.Exit(1)
    from xlsproc.batch.headstart import map_calls
    from xlsproc.read.grid import without_panics
    # In the worker the command line started first, if it did, CHECK_BATCH workbooks at a time
    # (their tables scored in one pass); a missing file is one error entry.
    batches = [paths[i:i + CHECK_BATCH] for i in range(0, len(paths), CHECK_BATCH)]
    try:
        entries = [entry for batch in map_calls(partial(without_panics, check_files), batches,
                                                profile) for entry in batch]
    except KeyboardInterrupt:
        err.print("\n已中断：检查未完成，没有输出结果（检查不写任何文件，重新运行即可）。")
        raise typer.Exit(130)
    if as_json:
        from xlsproc.fileio import escape_surrogates      # a GBK file name stays valid UTF-8
        sys.stdout.write(escape_surrogates(json.dumps(entries, ensure_ascii=False, indent=2)) + "\n")
    else:
        for entry in entries:
            print_entry(entry)
        print_totals(entries)
    raise typer.Exit(1 if any(e["status"] == "error" for e in entries) else 0)


JobsOption = Annotated[Optional[int], typer.Option(
    "--jobs", "-j", min=1, help="并行工作进程数（默认：全部 CPU 核心）。", show_default=False)]
TimeoutOption = Annotated[float, typer.Option(
    "--timeout", min=1, help="单个文件的处理时限（秒）；超时的文件记为错误，其余照常处理。")]


@app.command(cls=ChineseCommand)
def process(
    inbox: Annotated[Path, typer.Argument(help="收件目录（含各单位工作簿，递归查找）或单个工作簿。",
                                          show_default=False)],
    outbox: Annotated[Path, typer.Option("-o", "--output", help="输出目录：批注副本与 results.json。",
                                         show_default=False)],
    rules: RulesOption = None,
    jobs: JobsOption = None,
    force: Annotated[bool, typer.Option("--force", help="不沿用上次结果，全部重新处理。")] = False,
    timeout: TimeoutOption = 120.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度条。")] = False,
    db: DbOption = None,
    consolidate_to: Annotated[Optional[Path], typer.Option(
        "--consolidate", help="处理完后写出全区汇总工作簿（同 xlsproc consolidate）。",
        show_default=False)] = None,
    roster: RosterOption = None,
    return_dir: ReturnDirOption = None,
    docx: Annotated[bool, typer.Option(
        "--docx", help="另为每张自评表写出 Word 版自评报告（在批注副本旁，名为“副本名_自评报告.docx”）。")] = False,
    verbose: VerboseOption = False,
) -> None:
    """检查收件目录中的全部工作簿，在输出目录写入批注副本（审核结果、自评报告）和 results.json。

    多进程并行；再次运行时只处理新增或改动过的文件，并移除已不在收件目录中的文件的输出。
    无法读取的文件（损坏、加密、伪装、超时等）列入隔离清单，其余文件照常处理。

    示例：xlsproc process 收件箱 -o 审核结果 --jobs 4
    """
    from xlsproc.model import XlsprocError
    from xlsproc.batch.run import process as run_process
    SHOW_CODES["on"] = verbose
    profile = _load_rules(rules)
    if not inbox.exists():
        err.print(f"[bold red]错误：[/]找不到 {inbox}，请检查路径。")
        raise typer.Exit(2)
    units = _load_roster(roster, consolidate_to, return_dir)
    try:
        if consolidate_to is not None:          # refused before any work, not after
            from xlsproc.batch.outputs import check_district_targets
            check_district_targets(outbox, consolidate_to, inboxes=[inbox], returns=return_dir)
        with _progress_bar(quiet) as bar:
            outcome = run_process(inbox, outbox, profile, jobs=jobs, force=force, timeout=timeout,
                                  progress=bar, db=db, docx=docx)
    except XlsprocError as exc:
        if getattr(exc, "outcome", None) is not None:     # every file done; the store failed
            print_batch_summary(exc.outcome, profile)
        err.print(f"[bold red]错误：[/]{exc.message}")
        raise typer.Exit(2)
    except OSError as exc:
        err.print(f"[bold red]错误：[/]{_cannot_write(outbox, exc)}")
        raise typer.Exit(2)
    except KeyboardInterrupt:
        err.print("\n已中断：已完成的文件均已保存，再次运行同一命令将接着处理其余文件。")
        raise typer.Exit(130)
    print_batch_summary(outcome, profile)
    if not outcome.totals()["files"]:
        err.print(f"[bold red]错误：[/]收件目录 {inbox} 中没有找到工作簿（{NO_WORKBOOK_HINT}），"
                  "没有可处理的文件。请确认路径是各单位工作簿所在的文件夹。")
        raise typer.Exit(1)
    if consolidate_to is not None:
        _consolidate(outbox, consolidate_to, profile, roster=units, return_dir=return_dir,
                     inboxes=[inbox])
    raise typer.Exit(outcome.exit_code)


@app.command(cls=ChineseCommand)
def consolidate(
    source: Annotated[Path, typer.Argument(
        help="process 的输出目录、其中的 results.json，或结果库（.sqlite）。", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="全区汇总工作簿（.xlsx）。",
                                         show_default=False)],
    year: Annotated[Optional[int], typer.Option("--year", help="汇总哪一年度（默认：最新年度）。",
                                                show_default=False)] = None,
    district: Annotated[str, typer.Option("--district", help="汇总表上的区名。")] = "全区",
    csv: Annotated[Optional[Path], typer.Option("--csv", help="另存汇总、项目、指标明细为 CSV 的目录。",
                                                show_default=False)] = None,
    parquet: Annotated[Optional[Path], typer.Option("--parquet", help="另存为 Parquet 的目录。",
                                                    show_default=False)] = None,
    rules: RulesOption = None,
    roster: RosterOption = None,
    return_dir: ReturnDirOption = None,
) -> None:
    """汇总全区：汇总（按单位）、项目、指标明细、问题清单、图表和同比，每个数字可点回原单元格。

    示例：xlsproc consolidate 审核结果 -o 洪山区_2024_绩效自评汇总.xlsx --csv 导出
    """
    if not source.exists():
        err.print(f"[bold red]错误：[/]找不到 {source}，请检查路径。")
        raise typer.Exit(2)
    _consolidate(source, output, _load_rules(rules), year=year, district=district,
                 csv=csv, parquet=parquet, roster=_load_roster(roster, output),
                 return_dir=return_dir)


def _load_roster(path: Path | None, consolidate_to: Path | None, return_dir: Path | None = None):
    """The roster's units, loaded before any work starts (a bad roster stops with exit 2)."""
    if consolidate_to is None and (path is not None or return_dir is not None):
        option = "--roster" if path is not None else "--return-dir"
        err.print(f"[bold red]错误：[/]{option} 需与 --consolidate 一起使用（在汇总之后生成）。")
        raise typer.Exit(2)
    if path is None:
        return None
    from xlsproc.district.roster import RosterError, load_roster
    try:
        return load_roster(path)
    except RosterError as exc:
        err.print(f"[bold red]错误：[/]{exc.message}")
        raise typer.Exit(2)


def _consolidate(source: Path, output: Path, profile, year=None, district="全区",
                 csv=None, parquet=None, roster=None, return_dir=None, inboxes=()) -> None:
    from xlsproc.batch.outputs import check_district_targets
    from xlsproc.district.export import export_tables
    from xlsproc.district.refresh import Refresher
    from xlsproc.model import XlsprocError
    try:
        check_district_targets(source, output, csv, parquet, inboxes, return_dir)
    except XlsprocError as exc:
        err.print(f"[bold red]错误：[/]{exc.message}")
        raise typer.Exit(2)
    _check_consolidation(source, output, year)
    try:
        done = Refresher(source, output, roster, return_dir, profile, district, year).refresh()
        exported = export_tables(source, csv, parquet, year=year, rules=profile) \
            if csv or parquet else {"csv": [], "parquet": [], "messages": []}
    except XlsprocError as exc:
        err.print(f"[bold red]错误：[/]{exc.message}")
        raise typer.Exit(2)
    except OSError as exc:
        err.print(f"[bold red]错误：[/]{_cannot_write(output, exc)}")
        raise typer.Exit(2)
    _print_district(done, output, return_dir)
    for path in exported["csv"] + exported["parquet"]:
        out.print(f"  导出：{path}")
    for message in exported["messages"]:
        out.print(f"  {message}")


def _print_district(done, output: Path, return_dir: Path | None) -> None:
    summary = done.summary
    out.print(f"全区汇总：{output}（{summary['units']} 个单位、{summary['projects']} 个项目、"
              f"{summary['indicators']} 个指标、{summary['flags']} 个问题；"
              f"年度 {'、'.join(str(y) for y in summary['years']) or '—'}）")
    if summary.get("other_years"):
        out.print(f"  {summary['other_years']}。")
    if summary.get("duplicates"):
        out.print(f"  另有 {summary['duplicates']} 张重复报送的自评表未计入汇总（同一单位、项目、年度"
                  "以最后保存的一份为准），见“问题清单”中的“重复报送”。")
    if summary.get("roster") is not None:
        out.print(summary["roster"].summary())
    if done.packs is not None:
        _print_packs(done.packs, return_dir)


def _print_packs(packs, return_dir: Path) -> None:
    if not packs:
        out.print(f"退回材料：没有需要退回的单位（{return_dir} 中无单位文件夹）。")
        return
    out.print(f"退回材料：{return_dir}（{len(packs)} 个单位，各含批注副本和问题通知单）")
    for pack in packs:
        out.print(f"  {pack.folder.name}/：必须修改 {len(pack.errors)} 处、请核实 {len(pack.warnings)} 处")


@app.command(cls=ChineseCommand)
def watch(
    inbox: Annotated[Path, typer.Argument(help="要监视的收件目录。", show_default=False)],
    outbox: Annotated[Path, typer.Option("-o", "--output", help="输出目录：批注副本与 results.json。",
                                         show_default=False)],
    rules: RulesOption = None,
    jobs: JobsOption = None,
    timeout: TimeoutOption = 120.0,
    settle: Annotated[float, typer.Option(
        "--settle", min=0, help="文件大小和修改时间保持不变多少秒后才处理（等待保存、复制完成）。")] = 2.0,
    interval: Annotated[float, typer.Option("--interval", min=0.1, help="检查收件目录的间隔（秒）。")] = 1.0,
    consolidate_to: Annotated[Optional[Path], typer.Option(
        "--consolidate", help="每次处理后重写全区汇总工作簿（同 xlsproc consolidate）。",
        show_default=False)] = None,
    roster: RosterOption = None,
    return_dir: ReturnDirOption = None,
) -> None:
    """监视收件目录：放入新文件或替换文件后自动检查，更新批注副本和 results.json。按 Ctrl-C 停止。

    等文件保存或复制完毕（大小不再变化）才处理；忽略 Excel/WPS 的 ~$ 锁定文件和临时文件。
    给出 --consolidate 时，每次变更后同时更新全区汇总（以及 --return-dir 的退回材料）。

    示例：xlsproc watch 收件箱 -o 审核结果 --consolidate 全区汇总.xlsx --roster 名单.xlsx
    """
    from xlsproc.model import XlsprocError
    from xlsproc.batch.watch import watch as run_watch
    profile = _load_rules(rules)
    if not inbox.is_dir():
        err.print(f"[bold red]错误：[/]找不到目录 {inbox}，请检查路径。")
        raise typer.Exit(2)
    units = _load_roster(roster, consolidate_to, return_dir)
    on_batch = _print_watch_batch
    if consolidate_to is not None:
        on_batch = _watch_district(outbox, consolidate_to, units, return_dir, profile)
    out.print(f"正在监视 {inbox}，结果写入 {outbox}（文件保存完毕 {settle:g} 秒后处理；按 Ctrl-C 停止）……")
    try:
        if consolidate_to is not None:          # refused before any work, as in process
            from xlsproc.batch.outputs import check_district_targets
            check_district_targets(outbox, consolidate_to, inboxes=[inbox], returns=return_dir)
        run_watch(inbox, outbox, profile, jobs=jobs, timeout=timeout, settle=settle, poll=interval,
                  on_record=lambda rec: print_record(rec, outbox), on_batch=on_batch)
    except XlsprocError as exc:
        err.print(f"[bold red]错误：[/]{exc.message}")
        raise typer.Exit(2)
    except KeyboardInterrupt:
        pass
    out.print("\n已停止监视，所有已完成的结果均已保存。再见！")     # only Ctrl-C stops it
    raise typer.Exit(0)


@app.command(cls=ChineseCommand)
def serve(
    inbox: Annotated[Path, typer.Argument(help="收件目录：上传的工作簿存入其中的“单位名称”子目录。",
                                          show_default=False)],
    outbox: Annotated[Path, typer.Option("-o", "--output", help="输出目录：批注副本、results.json、全区汇总。",
                                         show_default=False)],
    roster: Annotated[Optional[Path], typer.Option(
        "--roster", help="应报单位名单（.xlsx、.xls 或 .csv，含“单位名称”列）。", show_default=False)] = None,
    host: Annotated[str, typer.Option(
        "--host", help="监听地址（默认仅本机；局域网用 0.0.0.0）。")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="端口。")] = 8000,
    token: Annotated[Optional[str], typer.Option(
        "--token", help="绩效科访问口令（默认随机生成）。", show_default=False)] = None,
    rules: RulesOption = None,
    jobs: JobsOption = None,
    timeout: TimeoutOption = 120.0,
) -> None:
    """网页服务：部门在浏览器中上传自评表、立即看到结果；绩效科查看报送情况。

    部门选择本单位、拖入工作簿，立即看到执行率、得分、等级和问题，下载批注副本；绩效科（凭口令）
    查看谁已报送、谁未报送、谁有错误，下载全区汇总工作簿和各单位的退回包。

    部门页面：http://地址:端口/ ；绩效科页面：http://地址:端口/bureau（需访问口令）。
    上传的文件存入 收件目录/单位名称/，经与 process 相同的流程处理，结果写入输出目录。

    示例：xlsproc serve 收件箱 -o 审核结果 --roster 应报单位.xlsx --host 0.0.0.0
    """
    from xlsproc.model import XlsprocError
    try:
        from xlsproc.serve import serve as run_serve
        import jinja2, python_multipart, starlette, uvicorn  # noqa: F401,E401
    except ImportError as exc:
        err.print(f"[bold red]错误：[/]网页服务需要的组件未安装（{exc.name}）：请运行 "
                  "pip install 'xlsproc[web]'（或在源码目录运行 make demo）后重试。")
        raise typer.Exit(2)

    def announce(url: str, secret: str) -> None:
        out.print(f"xlsproc 网页服务已启动：{url}（部门上传页面）")
        out.print(f"绩效科页面：{url}bureau    访问口令：{secret}")
        out.print("（口令只显示这一次；也可用 --token 指定。按 Ctrl-C 停止服务。）")
        if host == "127.0.0.1":
            out.print("目前只有本机能访问；要让局域网内各部门访问，请加 --host 0.0.0.0（或本机局域网 IP）。")

    try:
        run_serve(inbox, outbox, roster=roster, host=host, port=port, token=token,
                  rules=_load_rules(rules), jobs=jobs, timeout=timeout, announce=announce)
    except XlsprocError as exc:
        err.print(f"[bold red]错误：[/]{exc.message}")
        raise typer.Exit(2)
    except OSError as exc:
        err.print(f"[bold red]错误：[/]无法启动网页服务（{exc.strerror or exc}）：端口 {port} 可能已被占用，请换一个端口（--port）。")
        raise typer.Exit(2)
    raise typer.Exit(0)


def _check_consolidation(source: Path, output: Path, year: int | None) -> None:
    """Say what is wrong before writing anything: an output that is not .xlsx, a folder without
    results, a year the results do not have."""
    if output.suffix.lower() != ".xlsx":
        err.print(f"[bold red]错误：[/]全区汇总是 .xlsx 工作簿，请把输出文件名改为以 .xlsx 结尾（现为 "
                  f"{output.name}）；CSV 请用 --csv 目录 另行导出。")
        raise typer.Exit(2)
    try:
        years = _result_years(source)
    except Exception:               # noqa: BLE001 — a damaged source: consolidation says what is wrong
        return
    if years is None:
        err.print(f"[bold red]错误：[/]{source} 中没有处理结果（results.json 或 xlsproc.sqlite）。"
                  f"请先运行 xlsproc process 收件箱 -o {source}，再汇总其输出目录。")
        raise typer.Exit(1)
    if not years:
        err.print(f"[bold red]错误：[/]{source} 的结果中没有读取成功的自评表，没有可汇总的内容。")
        raise typer.Exit(1)
    if year is not None and year not in years:
        err.print(f"[bold red]错误：[/]结果中没有 {year} 年度的自评表（已有年度："
                  f"{'、'.join(map(str, years))}），请改用 --year 指定其中一个年度。")
        raise typer.Exit(1)


def _result_years(source: Path) -> list[int] | None:
    """The years of the tables in a results.json, a results store or an OUTBOX holding either;
    None when there are no results at all."""
    from xlsproc.store import DEFAULT_NAME, Store
    if source.is_dir():
        found = [p for p in (source / DEFAULT_NAME, source / "results.json") if p.is_file()]
        if not found:
            return None
        source = found[0]
    if source.suffix.lower() in (".sqlite", ".sqlite3", ".db"):
        store = Store(source)
        try:
            return store.years()
        finally:
            store.close()
    entries = json.loads(source.read_text("utf-8"))
    return sorted({ev["year"] for e in entries for ev in e.get("evaluations") or []
                   if ev.get("year") is not None})


def _progress_bar(quiet: bool):
    """A context yielding progress(done, total) for a rich bar on stderr, or None."""
    if quiet or not err.is_terminal:
        return nullcontext(None)
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn,
                               TextColumn, TimeRemainingColumn)
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            return Text(f"{task.speed:.1f} 个/秒" if task.speed else "— 个/秒", style="cyan")

    return _bar(Progress(TextColumn("处理中"), BarColumn(), MofNCompleteColumn(), Rate(),
                         TextColumn("剩余"), TimeRemainingColumn(), console=err, transient=True,
                         auto_refresh=False))


@contextmanager
def _bar(progress):
    """Refreshed as files finish, not by rich's timer thread: workers are forked from this
    process, and forking while another thread holds a lock (stderr's) can hang the child."""
    with progress:
        task = progress.add_task("process", total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total, refresh=True)


def print_batch_summary(outcome, profile=None) -> None:
    """The end of a batch, in Chinese: counts, grades, flags, and every file that failed."""
    from xlsproc.batch.run import QUARANTINE
    t = outcome.totals()
    reused = t["files"] - len(outcome.processed)
    gone = f"，移除已离开收件目录的 {len(outcome.removed)} 个文件的输出" if outcome.removed else ""
    out.print(f"\n共 {t['files']} 个文件：本次处理 {len(outcome.processed)} 个，"
              f"沿用未变更的结果 {reused} 个{gone}。")
    grades = "、".join(f"{g} {n}" for g, n in _grade_order(t["grades"], profile))
    f = t["flags"]
    out.print(f"读取 {t['ok']} 个，共 {t['tables']} 张自评表；等级：{grades or '—'}；"
              f"问题：[red]错误 {f['error']}[/]、[yellow]警告 {f['warning']}[/]、[cyan]提示 {f['info']}[/]。")
    if t["skipped"]:
        out.print(f"[dim]跳过 {t['skipped']} 个 Excel/WPS 临时锁定文件。[/]")
    if outcome.failed:
        out.print(f"[bold red]无法读取 {len(outcome.failed)} 个文件[/]，已记入隔离清单"
                  f" {outcome.outbox / QUARANTINE}：")
        for rec in outcome.failed:
            e = rec.error
            out.print(f"  [red]✗[/] {_name(rec.rel)}：{_name(e['message'])}{_code(e['code'])}")
    print_copy_notices(outcome.records)
    out.print(f"结果：{outcome.results_path}（用时 {outcome.seconds:.1f} 秒）")


def print_copy_notices(records) -> None:
    """Files read and scored whose annotated copy is missing or keeps less than the original."""
    noted = [r for r in records if r.status == "ok" and r.copy]
    if noted:
        out.print(f"[bold yellow]{len(noted)} 个文件的批注副本需要注意[/]（得分和问题已照常记入）：")
    for rec in noted:
        out.print(f"  [yellow]![/] {_name(rec.rel)}：{rec.copy['message']}{_code(rec.copy['code'])}")


def _grade_order(grades: dict, profile=None) -> list[tuple[str, int]]:
    """Every grade of the rule profile, best first, then any other grade found."""
    if profile is None:
        from xlsproc.rules import load_rules
        profile = load_rules()
    order = profile.grade_names
    known = [(g, grades.get(g, 0)) for g in order]
    return known + sorted((g, n) for g, n in grades.items() if g not in order)


def print_record(rec: dict, outbox: Path) -> None:
    """One line per file in watch mode."""
    import time
    now = time.strftime("%H:%M:%S")
    if rec.status == "skipped":
        out.print(f"[dim]{now} 跳过：{_name(rec.rel)}（Excel/WPS 临时锁定文件）[/]")
    elif rec.status == "error":
        e = rec.error
        out.print(f"{now} [bold red]✗[/] {_name(rec.rel)}：{_name(e['message'])}{_code(e['code'])}")
    else:
        grades = "、".join(f"{g}{n}" if n > 1 else g for g, n in rec.grades.items())
        f = {"error": 0, "warning": 0, "info": 0, **rec.flags}
        copy = _name(str(outbox / rec.output)) if rec.output else "未生成批注副本"
        out.print(f"{now} [green]✓[/] {_name(rec.rel)}：{rec.tables} 张表 · {grades} · 错误 {f['error']} "
                  f"警告 {f['warning']} 提示 {f['info']} → {copy}")
        print_copy_notices([rec])


def _watch_district(outbox: Path, workbook: Path, roster, return_dir, profile):
    """watch's after-batch step: print the batch, then refresh the district workbook and packs."""
    from xlsproc.district.refresh import Refresher
    refresh = Refresher(outbox, workbook, roster, return_dir, profile)

    def after(outcome) -> None:
        _print_watch_batch(outcome)
        done = refresh(outcome)
        if done is None:
            return
        if done.error:
            err.print(f"[bold red]错误：[/]{done.error}")
        else:
            _print_district(done, workbook, return_dir)
    return after


def _print_watch_batch(outcome) -> None:
    for rel in outcome.removed:
        out.print(f"[dim]移除：{_name(rel)} 已离开收件目录，其结果和批注副本已删除。[/]")
    if outcome.processed or outcome.removed:
        out.print(f"[dim]results.json 已更新：共 {len(outcome.records)} 个文件，"
                  f"无法读取 {len(outcome.failed)} 个。[/]")


@app.command(cls=ChineseCommand)
def report(
    file: Annotated[Path, typer.Argument(help="一个工作簿。", show_default=False)],
    docx: Annotated[Optional[Path], typer.Option(
        "--docx", help="另存为 Word 文档（.docx，公文格式）。", show_default=False)] = None,
    rules: RulesOption = None,
) -> None:
    """按计算结果起草自评报告，输出纯文本；--docx 另存为 Word 文档。

    示例：xlsproc report 洪山区团委_2024_部门整体.xlsx --docx 自评报告.docx
    """
    from xlsproc import evaluate
    from xlsproc.write import report as reports
    from xlsproc.model import XlsprocError
    profile = _load_rules(rules)
    if not file.exists():
        err.print(f"[bold red]错误：[/]找不到文件 {file}，请检查路径。")
        raise typer.Exit(2)
    if file.is_dir():
        err.print(f"[bold red]错误：[/]{file} 是文件夹；report 一次起草一个工作簿的报告，请指定其中的一个文件"
                  "（整个文件夹请用 xlsproc process 收件箱 -o 输出目录 --docx）。")
        raise typer.Exit(2)
    if docx is not None and docx.suffix.lower() != ".docx":
        err.print(f"[bold red]错误：[/]Word 文档的文件名应以 .docx 结尾（现为 {docx.name}）。")
        raise typer.Exit(2)
    try:
        results = evaluate(file, profile)
    except XlsprocError as exc:
        err.print(f"[bold red]错误：[/]{file.name}：{exc.message}")
        raise typer.Exit(1)
    sys.stdout.write("\n".join(reports.text(r) for r in results))
    if docx is not None:
        from xlsproc.write.docx import write_docx
        try:
            write_docx(results, docx)
        except OSError as exc:
            err.print(f"[bold red]错误：[/]{_cannot_write(docx, exc)}")
            raise typer.Exit(2)
        err.print(f"已写出 Word 文档：{docx}")


@app.command(cls=ChineseCommand)
def template(
    kind: Annotated[str, typer.Argument(help="project（项目支出绩效自评表）或 department（部门整体支出绩效自评表）。",
                                        show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="写出的空白模板文件（.xlsx）。",
                                         show_default=False)],
    rules: RulesOption = None,
) -> None:
    """写出空白自评表模板：标出填报单元格、下拉选项、执行率/得分/总分公式、打印设置和填表说明。

    示例：xlsproc template project -o 项目支出绩效自评表.xlsx
    """
    from xlsproc.write.template import KINDS, write_template
    if kind not in KINDS:
        err.print(f"[bold red]错误：[/]模板类型应为 {' 或 '.join(KINDS)}，而不是 {kind!r}。")
        raise typer.Exit(2)
    if output.suffix.lower() != ".xlsx":
        err.print(f"[bold red]错误：[/]模板是 .xlsx 工作簿，请把输出文件名改为以 .xlsx 结尾（现为 {output.name}）。")
        raise typer.Exit(2)
    try:
        written = write_template(kind, output, _load_rules(rules))
    except OSError as exc:
        err.print(f"[bold red]错误：[/]{_cannot_write(output, exc)}")
        raise typer.Exit(2)
    out.print(f"已写出模板：{written}")


NO_WORKBOOK_HINT = ".xlsx、.xlsm、.xls、WPS .et 等，含子文件夹"


def _expand(paths: list[Path]) -> list[Path]:
    """A folder named on the command line stands for the workbooks below it."""
    from xlsproc.batch.run import discover
    out: list[Path] = []
    for path in paths:
        out.extend(discover(path) if path.is_dir() else [path])
    return out


def _cannot_write(where: Path, exc: OSError) -> str:
    from xlsproc.errors import os_reason
    import errno
    import os
    reason = os_reason(exc)
    failed = getattr(exc, "filename", None)
    if isinstance(failed, str) and os.path.abspath(failed) != os.path.abspath(where) and \
            os.path.abspath(where) not in Path(os.path.abspath(failed)).parents:
        where = Path(failed)             # the CSV folder, the temporary folder …: not -o
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return (f"无法写入 {where}（{reason}）。请腾出磁盘空间（或换一个位置），再运行同一命令："
                "已完成的文件不会重做，输入文件未受影响。")
    return f"无法写入 {where}（{reason}）。请换一个可以写入的位置（-o），输入文件未受影响。"


def _name(text: str) -> str:
    """A file name (or a message naming one) for the console: on one line, legible, no markup."""
    from rich.markup import escape

    from xlsproc.batch.outputs import shown
    return escape(shown(text))


SHOW_CODES = {"on": False}      # --verbose: each problem's stable code after its message


def _code(code: str) -> str:
    return f"  [dim]（{code}）[/]" if SHOW_CODES["on"] else ""


VerboseOption = Annotated[bool, typer.Option(
    "--verbose", "-v", help="在每个问题后显示其代码（供技术支持和规则文件使用）。")]


def print_entry(entry: dict, show_flags: bool = True) -> None:
    name = _name(entry["file"])
    if entry["status"] == "skipped":
        out.print(f"[dim]跳过：{name}（Excel/WPS 临时锁定文件，不是自评表）[/]")
        return
    if entry["status"] == "error":
        e = entry["error"]
        out.print(f"[bold red]错误：[/]{name}：{e['message']}{_code(e['code'])}")
        return
    out.print(f"\n[bold]{name}[/]")
    for ev in entry["evaluations"]:
        print_evaluation(name, ev, show_flags)


def print_evaluation(file: str, ev: dict, show_flags: bool = True) -> None:
    from xlsproc.errors import SEVERITY_CN
    from xlsproc.rules import shown_grade
    who = ev["project"] or ev["unit"] or ""
    year = f" · {ev['year']}年度" if ev["year"] else ""
    out.print(f"  [bold]{ev['sheet']}[/]（{KIND_CN[ev['kind']]}{' · ' + who if who else ''}{year}）")
    from rich.table import Table
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    for col in ("", "计算", "填报"):
        table.add_column(col, justify="right" if col else "left")
    b = ev["budget"] or {}
    table.add_row("执行率", _pct(b.get("rate")), _pct(b.get("reported_rate")))
    table.add_row("执行得分", _num(b.get("score")), _num(b.get("reported_score")))
    table.add_row("指标得分", _num(ev["indicator_score"]), _num(_reported_indicators(ev)))
    table.add_row("总分", _num(ev["total_score"]), _num(ev["reported_total"]))
    table.add_row("等级", shown_grade(ev["grade"]), "")
    out.print(table)
    c = ev["flag_counts"]
    out.print(f"  问题：[red]错误 {c['error']}[/] · [yellow]警告 {c['warning']}[/] · [cyan]提示 {c['info']}[/]")
    for f in ev["flags"] if show_flags else ():
        sev = f["severity"]
        from xlsproc.errors import SEVERITY_CN
        out.print(f"  [{SEVERITY_STYLE[sev]}]{SEVERITY_CN[sev]}[/]：{file} › {f['message']}"
                  f"{_code(f['code'])}")


def _reported_indicators(ev: dict):
    scores = [i["reported_score"] for i in ev["indicators"]]
    return sum(scores) if scores and all(s is not None for s in scores) else None


def _num(x) -> str:
    from xlsproc.score.numbers import fmt
    return "—" if x is None else fmt(x)


def _pct(x) -> str:
    from xlsproc.score.numbers import pct
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


def main(argv: list[str] | None = None) -> None:
    """The `xlsproc` command. An unexpected error (a bug of ours) is one Chinese line and exit
    code 3, never a traceback — unless --debug is given (anywhere on the command line)."""
    one_thread_libraries()             # before anything imports numpy (xlsproc.threads)
    args = list(sys.argv[1:] if argv is None else argv)
    debug = DEBUG_FLAG in args
    args = [a for a in args if a != DEBUG_FLAG]
    try:
        app(args=args, prog_name="xlsproc")
    except Exception as exc:            # noqa: BLE001 — the last line of defence
        if debug:
            raise
        err.print(f"[bold red]内部错误：[/]xlsproc 运行出错（{type(exc).__name__}）。这不是您的操作或"
                  "文件的问题，已处理完的结果均已保存；请把所用命令和文件交给技术支持"
                  f"（加 {DEBUG_FLAG} 重新运行可显示详细的技术信息）。")
        raise SystemExit(3) from None


if __name__ == "__main__":
    main()
