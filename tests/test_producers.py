"""Issue 11 "Producers": one table as other programs and file variants write it — Strict Open
XML, templates, UTF-16 parts, OpenDocument, legacy .xls — scores as the .xlsx does, and its
annotated copy keeps its formatting (or says plainly what it could not keep, and how to get it).

One batch runs over every variant (LibreOffice starts once per foreign file, not per test)."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

import lo
import producers
from builders import Layout, build, standard_table
from conftest import digest_tree
from xlsproc.batch.run import RESULTS, process, work

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SHEET = "项目支出绩效自评表"


def _entries(outbox: Path) -> dict[str, dict]:
    return {e["relpath"]: e for e in json.loads((outbox / RESULTS).read_text("utf-8"))}


def _scores(entry: dict) -> list:
    assert entry["status"] == "ok", entry["error"]
    return [(ev["sheet"], ev["budget"]["rate"], ev["budget"]["score"], ev["total_score"], ev["grade"],
             [(i["name"], i["score"]) for i in ev["indicators"]],
             sorted((f["code"], f["cell"]) for f in ev["flags"])) for ev in entry["evaluations"]]


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("seed")
    return producers.formatted(build(standard_table(), Layout(), folder / "plain.xlsx"),
                               folder / "seed.xlsx")


@pytest.fixture(scope="module")
def batch(seed, tmp_path_factory) -> tuple[Path, Path]:
    """Every variant in one INBOX, processed once (with LibreOffice when installed)."""
    root = tmp_path_factory.mktemp("producers")
    inbox = root / "收件箱"
    inbox.mkdir()
    shutil.copy(seed, inbox / "原表.xlsx")
    producers.to_strict(seed, inbox / "严格格式.xlsx")
    producers.to_template(seed, inbox / "模板.xltx")
    producers.to_template(seed, inbox / "宏模板.xltm")
    producers.to_utf16(seed, inbox / "UTF16全部.xlsx")
    producers.to_utf16(seed, inbox / "UTF16工作表.xlsx", parts=("xl/worksheets/sheet1.xml",), bom=False)
    producers.to_xls(seed, inbox / "旧版.xls")
    if lo.soffice_path():
        [ods] = lo.convert([seed], root / "ods", "ods")
        shutil.copy(ods, inbox / "开放格式.ods")
    before = digest_tree(inbox)
    process(inbox, root / "out", jobs=2)
    assert digest_tree(inbox) == before, "an input was modified"
    return inbox, root / "out"


VARIANTS = ["严格格式.xlsx", "模板.xltx", "宏模板.xltm", "UTF16全部.xlsx", "UTF16工作表.xlsx", "旧版.xls",
            "开放格式.ods"]


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_scores_as_the_original(batch, name):
    _, out = batch
    entries = _entries(out)
    if name.endswith(".ods") and name not in entries:
        lo.require_soffice()
    assert _scores(entries[name]) == _scores(entries["原表.xlsx"])
    assert entries[name]["output"] and (out / entries[name]["output"]).is_file()


# --- what a copy keeps ------------------------------------------------------------------------

def _formatting(copy: Path) -> dict:
    """What an officer sees of the original sheet: fills, borders, number formats, widths, merges."""
    ws = openpyxl.load_workbook(copy)[SHEET]
    cells = {}
    for row in ws.iter_rows(min_row=1, max_row=30, max_col=9):
        for c in row:
            fill = c.fill.fgColor.rgb[-6:] if c.fill.fill_type == "solid" and isinstance(c.fill.fgColor.rgb, str) else None
            cells[c.coordinate] = (fill, c.border.left.style, c.border.bottom.style,
                                   c.number_format if c.number_format != "General" else None)
    widths = {col: round(ws.column_dimensions[col].width) for col in producers.WIDTHS}
    return {"cells": cells, "widths": widths, "merged": sorted(map(str, ws.merged_cells.ranges))}


@pytest.mark.parametrize("name", ["严格格式.xlsx", "模板.xltx", "宏模板.xltm", "UTF16全部.xlsx",
                                  "UTF16工作表.xlsx", "开放格式.ods"])
def test_variant_copies_keep_the_formatting(batch, name):
    _, out = batch
    entries = _entries(out)
    if name.endswith(".ods"):
        lo.require_soffice()
    assert entries[name]["copy"] is None
    original = _formatting(out / entries["原表.xlsx"]["output"])
    assert original["cells"]["A1"][0] == "CCFFCC" and original["widths"]["D"] == 30
    assert _formatting(out / entries[name]["output"]) == original


def _xml_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.endswith((".xml", ".rels"))}


def test_strict_copy_is_one_consistent_transitional_package(batch):
    _, out = batch
    parts = _xml_parts(out / _entries(out)["严格格式.xlsx"]["output"])
    assert not [n for n, x in parts.items() if b"purl.oclc.org" in x]
    wb = openpyxl.load_workbook(out / "严格格式.xlsx")
    shown = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert shown == [SHEET, "审核结果", "自评报告"]
    assert wb["_xlsproc"].sheet_state == "veryHidden"     # the record of what the copy adds


@pytest.mark.parametrize("name, suffix, ctype", [
    ("模板.xltx", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    ("宏模板.xltm", ".xlsm", "application/vnd.ms-excel.sheet.macroEnabled.main+xml")])
def test_template_copies_carry_the_workbook_content_type(batch, name, suffix, ctype):
    _, out = batch
    copy = out / _entries(out)[name]["output"]
    assert copy.suffix == suffix
    types = _xml_parts(copy)["[Content_Types].xml"].decode()
    assert f'PartName="/xl/workbook.xml" ContentType="{ctype}"' in types
    assert "template" not in types.lower()


def test_libreoffice_opens_every_variant_copy(batch, tmp_path):
    """A real spreadsheet program loads each copy: our sheets and the officer's values are there."""
    lo.require_soffice()
    _, out = batch
    entries = _entries(out)
    names = ["严格格式.xlsx", "模板.xltx", "宏模板.xltm", "UTF16全部.xlsx", "UTF16工作表.xlsx"]
    copies = [out / entries[n]["output"] for n in names]
    for copy, opened in zip(copies, lo.recalculate_many(copies, tmp_path / "lo")):
        wb = openpyxl.load_workbook(opened)
        assert wb.sheetnames[:1] == [SHEET] and {"审核结果", "自评报告"} <= set(wb.sheetnames), copy
        assert wb[SHEET]["B3"].value == "青少年服务项目", copy


def test_utf16_copies_are_utf8(batch):
    _, out = batch
    for name in ("UTF16全部.xlsx", "UTF16工作表.xlsx"):
        for part, xml in _xml_parts(out / _entries(out)[name]["output"]).items():
            assert xml.decode("utf-8").lstrip().startswith("<"), part


def test_xls_copy_keeps_the_formatting_of_the_same_table_sent_as_xlsx(batch):
    lo.require_soffice()
    _, out = batch
    entries = _entries(out)
    assert entries["旧版.xls"]["copy"] is None
    xls, xlsx = _formatting(out / entries["旧版.xls"]["output"]), _formatting(out / "原表.xlsx")
    assert xls["merged"] == xlsx["merged"]
    assert xls["widths"] == xlsx["widths"]
    differ = {k: (v, xlsx["cells"][k]) for k, v in xls["cells"].items() if v != xlsx["cells"][k]}
    assert differ == {}
    assert any(v[3] == "0%" for v in xls["cells"].values())       # 95% stays 95%, not 0.95


# --- without LibreOffice, or when it fails ----------------------------------------------------

FAKE_SOFFICE = """#!/bin/sh
echo "$@" >> "{log}"
exit 1
"""


def test_without_libreoffice_the_xls_copy_keeps_values_and_says_what_it_lost(seed, tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    producers.to_xls(seed, inbox / "旧版.xls")
    for i in range(3):
        shutil.copy(seed, inbox / f"原表{i}.xlsx")
    fake = tmp_path / "soffice"
    fake.write_text(FAKE_SOFFICE.format(log=tmp_path / "calls.log"))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XLSPROC_SOFFICE": str(fake)}
    run = subprocess.run([sys.executable, "-m", "xlsproc.cli", "process", str(inbox), "-o",
                          str(tmp_path / "out"), "--jobs", "2", "--verbose"],    # codes shown
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert len(calls) == 1 and "--convert-to" in calls[0]      # one per .xls, none per .xlsx
    entry = _entries(tmp_path / "out")["旧版.xls"]
    assert entry["copy"]["code"] == "copy-values-only"
    assert "LibreOffice 未能转换" in entry["copy"]["message"]
    assert "另存为” .xlsx" in entry["copy"]["message"] and "0.94" in entry["copy"]["message"]
    console = run.stdout + run.stderr
    assert "旧版.xls：本文件是旧版 Excel 97-2003 工作簿（.xls）" in console and "copy-values-only" in console
    wb = openpyxl.load_workbook(tmp_path / "out" / entry["output"])
    assert "未保留边框、填充色" in wb["审核结果"]["A2"].value
    assert _scores(entry)[0][3] == _scores(_entries(tmp_path / "out")["原表0.xlsx"])[0][3]


def test_libreoffice_missing_is_said_so(seed, tmp_path, monkeypatch):
    monkeypatch.setenv("XLSPROC_SOFFICE", "none")
    inbox = tmp_path / "in"
    inbox.mkdir()
    producers.to_xls(seed, inbox / "旧版.xls")
    process(inbox, tmp_path / "out", jobs=1)
    notice = _entries(tmp_path / "out")["旧版.xls"]["copy"]
    assert notice["code"] == "copy-values-only" and "未安装 LibreOffice" in notice["message"]


# --- a copy problem never costs the results -----------------------------------------------------

def break_copies(task):
    """Runs in the worker: the copy writer fails for files named 坏副本*, refuses 大包副本* as
    the editor refuses a zip64 package, and its check finds something lost for 缺副本*."""
    import xlsproc.write.annotate as annotate
    real = getattr(annotate, "_real_patch", annotate.patch_xlsx)
    annotate._real_patch = real

    def patch(src, dst, *args, **kwargs):
        name = Path(src).name                     # (the file being copied, not the last one read)
        if name.startswith("坏副本"):
            raise RuntimeError("simulated writer bug")     # (a ValueError is a refusal)
        if name.startswith("大包副本"):
            raise ValueError("zip64 packages are not supported")
        lost = real(src, dst, *args, **kwargs)
        return ["工作表 X：数据有效性 2 处 → 1 处"] if name.startswith("缺副本") else lost
    annotate.patch_xlsx = patch


def test_a_failed_copy_keeps_the_scores(seed, tmp_path):
    from functools import partial
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("坏副本", "缺副本", "大包副本", "好"):
        shutil.copy(seed, inbox / f"{name}.xlsx")
    outcome = process(inbox, tmp_path / "out", jobs=1, handler=partial(work, before_file=break_copies))
    entries = _entries(tmp_path / "out")
    bad = entries["坏副本.xlsx"]
    assert _scores(bad) == _scores(entries["好.xlsx"])
    assert bad["output"] is None and not (tmp_path / "out" / "坏副本.xlsx").exists()
    assert bad["copy"]["code"] == "copy-failed" and "得分和问题已照常记入" in bad["copy"]["message"]
    lossy = entries["缺副本.xlsx"]
    assert _scores(lossy) == _scores(entries["好.xlsx"]) and lossy["output"] is None
    assert lossy["copy"]["code"] == "copy-incomplete" and "数据有效性 2 处 → 1 处" in lossy["copy"]["message"]
    assert not (tmp_path / "out" / "缺副本.xlsx").exists()
    zip64 = entries["大包副本.xlsx"]               # a known refusal keeps its own Chinese words
    assert _scores(zip64) == _scores(entries["好.xlsx"]) and zip64["output"] is None
    assert zip64["copy"]["code"] == "package-unsupported" and "得分和问题已照常记入" in zip64["copy"]["message"]
    assert outcome.exit_code == 0 and not outcome.failed
    again = process(inbox, tmp_path / "out", jobs=1)           # unchanged: not redone
    assert again.processed == []


HANGING_SOFFICE = """#!/bin/sh
sleep 60 &
echo $! > "{pid}"
wait
"""


def test_a_hanging_libreoffice_is_killed_and_the_copy_keeps_values(seed, tmp_path, monkeypatch):
    from xlsproc.read import convert
    fake = tmp_path / "soffice"
    fake.write_text(HANGING_SOFFICE.format(pid=tmp_path / "child.pid"))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("XLSPROC_SOFFICE", str(fake))
    xls = producers.to_xls(seed, tmp_path / "旧版.xls")
    before = xls.read_bytes()
    import time
    started = time.monotonic()
    assert convert.to_xlsx(xls, tmp_path / "work", timeout=1.5) is None
    assert time.monotonic() - started < 10
    child = int((tmp_path / "child.pid").read_text())
    time.sleep(0.2)
    assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]
    assert xls.read_bytes() == before
