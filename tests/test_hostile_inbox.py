"""Hostile and unlucky inputs to the batch (issue 12): no hang, no crash, no silent loss.

Each test names the item it covers; each failed before its fix."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from builders import Layout, build, standard_table
from conftest import digest_tree
from xlsproc.batch.run import QUARANTINE, RESULTS, process
from xlsproc.cli import app

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file system behaviour")


def _inbox(tmp_path: Path, *names: str) -> Path:
    inbox = tmp_path / "收件"
    inbox.mkdir(exist_ok=True)
    for i, name in enumerate(names or ("某街道_项目.xlsx",)):
        build(standard_table(unit=f"单位{i}"), Layout(), inbox / name)
    return inbox


def _cli(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def _results(outbox: Path) -> dict[str, dict]:
    return {e["relpath"]: e for e in json.loads((outbox / RESULTS).read_text("utf-8"))}


# --- #2 outputs can overwrite inputs ---------------------------------------------------------------

def test_2_consolidate_into_the_inbox_is_refused_before_any_work(tmp_path):
    inbox = _inbox(tmp_path, "good.xlsx")
    before = digest_tree(inbox)
    result = _cli("process", inbox, "-o", tmp_path / "out", "-q", "--jobs", "1",
                  "--consolidate", inbox / "good.xlsx")
    assert result.exit_code == 2 and "收件目录" in result.output
    assert digest_tree(inbox) == before
    assert not (tmp_path / "out" / RESULTS).exists()


def test_2_consolidate_command_and_csv_into_the_inbox_are_refused(tmp_path):
    inbox = _inbox(tmp_path, "good.xlsx")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    before = digest_tree(inbox)
    for extra in (["-o", inbox / "x.xlsx"], ["-o", tmp_path / "汇总.xlsx", "--csv", inbox],
                  ["-o", tmp_path / "汇总.xlsx", "--parquet", inbox / "子目录"]):
        result = _cli("consolidate", outbox, *extra)
        assert result.exit_code == 2 and "收件目录" in result.output, result.output
    result = _cli("consolidate", outbox / "xlsproc.sqlite", "-o", inbox / "x.xlsx")
    assert result.exit_code == 2 and "收件目录" in result.output
    assert digest_tree(inbox) == before


def test_2_a_submission_named_like_the_district_workbook_keeps_its_copy(tmp_path):
    inbox = _inbox(tmp_path, "全区绩效自评汇总.xlsx")
    outbox = tmp_path / "out"
    result = _cli("process", inbox, "-o", outbox, "-q", "--jobs", "1",
                  "--consolidate", outbox / "全区绩效自评汇总.xlsx")
    assert result.exit_code == 2 and "批注副本" in result.output
    copy = openpyxl.load_workbook(outbox / "全区绩效自评汇总.xlsx", read_only=True)
    assert "审核结果" in copy.sheetnames and "汇总" not in copy.sheetnames
    for target in (outbox / RESULTS, outbox / "xlsproc.sqlite"):
        result = _cli("consolidate", outbox, "-o", target)
        assert result.exit_code == 2 and "xlsproc 自己的文件" in result.output
    assert _results(outbox)["全区绩效自评汇总.xlsx"]["status"] == "ok"
