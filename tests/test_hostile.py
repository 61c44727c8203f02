"""Issue 12 #9–#11: unlucky and hostile inputs end as a result or a Chinese file-level error,
never a crash, a densified grid or an unbounded inflate."""
from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

import xlsproc
from builders import Layout, build, standard_table
from xlsproc.batch.run import RESULTS, process

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
EXCEL_MAX = 32_767


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Path:
    return build(standard_table(), Layout(), tmp_path_factory.mktemp("seed") / "seed.xlsx")


def _entries(outbox: Path) -> dict[str, dict]:
    return {e["relpath"]: e for e in json.loads((outbox / RESULTS).read_text("utf-8"))}


# --- #11 legal text of 32,767 characters -----------------------------------------------------

def test_longest_legal_text_keeps_scores_and_copy(tmp_path):
    longest = "长" * EXCEL_MAX
    t = standard_table()
    inds = list(t.indicators)
    inds[0] = replace(inds[0], name=("开展活动场次" + longest)[:EXCEL_MAX])
    inds[1] = replace(inds[1], reason=longest)                 # scored below weight: echoed
    inds[5] = replace(inds[5], target=("≥90%" + longest)[:EXCEL_MAX])
    inbox = tmp_path / "in"
    inbox.mkdir()
    build(replace(t, name=longest, indicators=inds), Layout(), inbox / "长文字.xlsx")
    outcome = process(inbox, tmp_path / "out", jobs=1)
    entry = _entries(tmp_path / "out")["长文字.xlsx"]
    assert entry["status"] == "ok", entry["error"]
    [ev] = entry["evaluations"]
    assert ev["project"] == longest                         # results keep the text whole
    copy = tmp_path / "out" / entry["output"]
    wb = openpyxl.load_workbook(copy)
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    notes = [c.comment.text for ws in wb for row in ws.iter_rows() for c in row if c.comment]
    assert all(len(t) <= EXCEL_MAX for t in texts + notes)
    ours = [t for t in wb["审核结果"].values for t in t if isinstance(t, str)]
    ours += [t for t in wb["自评报告"].values for t in t if isinstance(t, str)]
    assert any(t.endswith("…") and len(t) == EXCEL_MAX for t in ours)
    assert outcome.exit_code == 0
