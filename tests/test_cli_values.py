"""The command line's own value coercion (cli._PlainValues) gives what typer's pydantic-based
coercion gives, and a plain run never imports pydantic (≈0.1 s of every start-up)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from xlsproc import cli

COMMAND_LINES = [
    ["check", "a.xlsx", "b.xls", "--json"],
    ["check", "a.xlsx", "--rules", "r.toml", "--quiet"],
    ["process", "收件", "-o", "出"],
    ["process", "收件", "-o", "出", "--jobs", "3", "--timeout", "2.5", "--year", "2024"],
    ["process", "收件", "-o", "出", "-j", "+2", "--timeout", "7", "--consolidate", "汇总.xlsx"],
    ["process", "收件", "-o", "出", "--timeout", ".5", "--db", "x.sqlite", "--roster", "名单.xlsx"],
    ["watch", "收件", "-o", "出", "--settle", "0", "--interval", "0.25"],
    ["serve", "收件", "-o", "出", "--port", "8080", "--host", "0.0.0.0"],
    ["consolidate", "出", "-o", "汇总.xlsx", "--year", "2024"],
    ["report", "a.xlsx", "-o", "报告.md"],
    ["template", "project", "-o", "t.xlsx"],
    ["process", "收件", "-o", "出", "--jobs", "1.0", "--timeout", " 3 "],   # typer's own decides
    # digits other than ASCII 0-9 (full-width, Arabic-Indic, Devanagari, mathematical): Python's
    # int() and float() read them, typer's coercion does not
    ["process", "收件", "-o", "出", "--jobs", "２", "--timeout", "٣"],
    ["watch", "收件", "-o", "出", "--settle", "१", "--interval", "0.５"],
    ["serve", "收件", "-o", "出", "--port", "𝟠𝟘"],
    ["consolidate", "出", "-o", "汇总.xlsx", "--year", "２０２４"],
]
BAD_LINES = [
    ["process", "收件", "-o", "出", "--jobs", "0"],
    ["process", "收件", "-o", "出", "--jobs", "abc"],
    ["process", "收件", "-o", "出", "--timeout", "abc"],
    ["process", "收件", "-o", "出", "--timeout", "-1"],
    ["serve", "收件", "-o", "出", "--port", "70000"],
]


def _parse(args: list[str]):
    """The values the command function would receive (or the usage error's text)."""
    group = typer.main.get_command(cli.app)
    with group.make_context("xlsproc", list(args[:1]), resilient_parsing=False) as root:
        command = group.get_command(root, args[0])
        try:
            with command.make_context(args[0], list(args[1:]), parent=root) as ctx:
                return ctx.params
        except Exception as exc:               # noqa: BLE001 — compared as text below
            return f"{type(exc).__name__}: {exc.format_message()}"


def _lines_for_this_version() -> list[list[str]]:
    names = {c.name for c in typer.main.get_command(cli.app).commands.values()}
    return [line for line in COMMAND_LINES + BAD_LINES if line[0] in names]


@pytest.mark.parametrize("args", _lines_for_this_version(), ids=lambda a: " ".join(a))
def test_same_values_and_errors_as_typers_own_coercion(args, monkeypatch):
    ours = _parse(args)
    monkeypatch.setattr(cli._PlainValues, "install", classmethod(lambda cls, params: None))
    theirs = _parse(args)
    assert ours == theirs
    if isinstance(ours, dict):
        assert {k: type(v) for k, v in ours.items()} == {k: type(v) for k, v in theirs.items()}


def test_bad_values_still_get_typers_chinese_messages():
    messages = [_parse(line) for line in BAD_LINES]
    assert all(isinstance(m, str) for m in messages), messages
    assert sum("应不小于" in m for m in messages) == 2, messages
    assert any("应为整数" in m for m in messages) and any("应为数字" in m for m in messages)
    assert any("应不大于 65535" in m for m in messages)


def test_a_plain_run_does_not_import_pydantic(tmp_path):
    code = ("import sys\nfrom xlsproc import cli\n"
            "try:\n    cli.main(['template', 'project', '-o', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "print('pydantic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "t.xlsx")],
                          capture_output=True, text=True, timeout=120)
    assert (tmp_path / "t.xlsx").exists(), done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through /proc")
def test_the_command_line_keeps_numpy_to_one_thread(tmp_path):
    """numpy's BLAS would start a thread per core in `xlsproc check`, spinning for nothing
    (~0.08 s of CPU per run): the CLI asks for one before numpy is imported."""
    code = ("import os, sys\nfor k in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):\n"
            "    os.environ.pop(k, None)\nfrom xlsproc import cli\n"
            "try:\n    cli.main(['check', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "import numpy\nmain = open('/proc/self/comm').read()\n"      # BLAS threads share its name
            "print('threads', sum(open(f'/proc/self/task/{t}/comm').read() == main "
            "for t in os.listdir('/proc/self/task')))")
    sample = Path(__file__).parent.parent / "samples" / "洪山区团委_2024_部门整体.xlsx"
    done = subprocess.run([sys.executable, "-c", code, str(sample)], capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "threads 1", done.stdout[-500:] + done.stderr[-500:]
