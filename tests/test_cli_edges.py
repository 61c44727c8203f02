"""The rough edges a newcomer hits on the command line: each says what is wrong, in Chinese,
with a non-zero exit code and no traceback."""
from __future__ import annotations

import re
import shutil
import unicodedata

import pytest
from typer.testing import CliRunner

from conftest import ROOT, SAMPLES
from xlsproc import __version__
from xlsproc.cli import app, main

runner = CliRunner()
GOOD = SAMPLES / "某街道_社区治理_2024.xlsx"
COMMANDS = ("check", "process", "consolidate", "watch", "report", "template")


def _no_traceback(result) -> None:
    assert "Traceback" not in result.output and not isinstance(result.exception, AssertionError)
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)


@pytest.fixture(scope="module")
def outbox(tmp_path_factory):
    inbox = tmp_path_factory.mktemp("in")
    shutil.copy(GOOD, inbox / GOOD.name)
    out = tmp_path_factory.mktemp("out")
    result = runner.invoke(app, ["process", str(inbox), "-o", str(out), "-q", "-j", "1"])
    assert result.exit_code == 0, result.output
    return out


def test_report_on_a_folder_says_so(tmp_path):
    result = runner.invoke(app, ["report", str(SAMPLES)])
    _no_traceback(result)
    assert result.exit_code == 2 and "是文件夹" in result.output and "xlsproc process" in result.output


def test_consolidate_an_empty_folder_says_there_are_no_results(tmp_path):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["consolidate", str(tmp_path / "empty"), "-o", str(tmp_path / "z.xlsx")])
    _no_traceback(result)
    assert result.exit_code == 1
    assert "没有处理结果" in result.output and "请先运行 xlsproc process" in result.output
    assert "无法写入" not in result.output and not (tmp_path / "z.xlsx").exists()


@pytest.mark.parametrize("command", ["check", "process"])
def test_check_and_process_of_an_empty_folder_say_what_is_wrong(tmp_path, command):
    (tmp_path / "empty").mkdir()
    args = [command, str(tmp_path / "empty")] + (["-o", str(tmp_path / "o"), "-q"] if command == "process" else [])
    result = runner.invoke(app, args)
    _no_traceback(result)
    assert result.exit_code == 1 and "没有找到工作簿" in result.output


def test_consolidate_refuses_an_output_that_is_not_xlsx(outbox, tmp_path):
    result = runner.invoke(app, ["consolidate", str(outbox), "-o", str(tmp_path / "x.csv")])
    _no_traceback(result)
    assert result.exit_code == 2 and ".xlsx" in result.output and "--csv" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_consolidate_a_year_the_results_do_not_have(outbox, tmp_path):
    result = runner.invoke(app, ["consolidate", str(outbox), "-o", str(tmp_path / "y.xlsx"), "--year", "2019"])
    _no_traceback(result)
    assert result.exit_code == 1 and "没有 2019 年度" in result.output and "2024" in result.output
    assert not (tmp_path / "y.xlsx").exists()
    result = runner.invoke(app, ["consolidate", str(outbox), "-o", str(tmp_path / "y.xlsx"), "--year", "2024"])
    assert result.exit_code == 0 and (tmp_path / "y.xlsx").is_file()


def test_bare_xlsproc_shows_help_and_no_error_box():
    result = runner.invoke(app, [])
    assert result.exit_code == 0
    assert "用法" in result.output and "check" in result.output and "report" in result.output
    assert "用法错误" not in result.output and result.output.count("用法：") == 1


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"xlsproc {__version__}"


def _cells(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_at_80_columns_is_whole_and_plain(command):
    result = runner.invoke(app, ([command] if command else []) + ["--help"], env={"COLUMNS": "80"},
                           terminal_width=80)
    assert result.exit_code == 0
    text = result.output
    assert "…" not in text                                   # nothing cut off
    assert not re.search(r"<(bool|path|int|float|list|str)", text), text   # no type jargon
    assert not re.search(r"\{\w+\}", text), text                          # no {files}
    assert all(_cells(line) <= 80 for line in text.splitlines()), max(map(_cells, text.splitlines()))


def test_an_unexpected_error_is_one_chinese_line_without_traceback(monkeypatch, capsys):
    import xlsproc

    def broken(*args, **kwargs):
        raise RuntimeError("a bug of ours")
    monkeypatch.setattr(xlsproc, "check_files", broken)       # what `check` runs per batch
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(GOOD)])
    assert exit_.value.code == 3
    captured = capsys.readouterr()
    assert "内部错误" in captured.err and "--debug" in captured.err
    assert "Traceback" not in captured.err + captured.out and "a bug of ours" not in captured.err
    with pytest.raises(RuntimeError):
        main(["check", str(GOOD), "--debug"])


def test_readme_links_only_files_of_the_repository():
    readme = (ROOT / "README.md").read_text("utf-8")
    links = re.findall(r"\]\(([^)#]+)", readme)
    assert links and not [l for l in links if l.startswith("../") or "shared/" in l]
    for link in links:
        if not link.startswith("http"):
            assert (ROOT / link).exists(), link
    for doc in ("docs/results-json.md", "docs/scoring.md"):
        assert doc in readme and (ROOT / doc).is_file()


def test_check_of_a_folder_it_cannot_read_says_which_in_chinese(tmp_path, monkeypatch):
    """A folder below the one named that cannot be listed (no permission, a lost network
    drive): one Chinese line naming it and exit code 2, as `process` does — not 内部错误."""
    from xlsproc.batch import run
    from xlsproc.errors import file_error

    def unreadable(path):
        raise file_error("inbox-unreadable", path=tmp_path / "无权限", reason="没有权限")
    monkeypatch.setattr(run, "discover", unreadable)
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert "无法读取收件目录" in result.output and "无权限" in result.output
    assert "内部错误" not in result.output


def test_check_interrupted_says_so_in_chinese(tmp_path, monkeypatch):
    from xlsproc.batch import headstart

    def interrupted(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(headstart, "map_calls", interrupted)
    result = runner.invoke(app, ["check", str(SAMPLES / "洪山区团委_2024_部门整体.xlsx")])
    assert result.exit_code == 130 and "已中断" in result.output
