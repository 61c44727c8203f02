"""District consolidation: every figure equals results.json, every link opens the right cell,
officers' '=…' text stays text, LibreOffice opens the workbook, two years give a 同比 sheet."""
from __future__ import annotations

import copy
import csv
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from openpyxl.utils.cell import coordinate_to_tuple

from conftest import SAMPLES
from xlsproc.district.book import consolidate
from xlsproc.district.export import export_tables
from xlsproc.district.rows import CHARTS, INDICATORS, ISSUES, PROJECTS, SUMMARY, YOY
from xlsproc.score.history import unit_name
from xlsproc.batch.run import process
from xlsproc.store import Store

HEAD_ROW = 3                                   # 1-based: title, note, header
HYPERLINK_RE = re.compile(r'^=HYPERLINK\(([A-Z]+\d+),"((?:[^"]|"")*)"\)$')


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    """The samples processed once: OUTBOX with annotated copies and results.json."""
    outbox = tmp_path_factory.mktemp("outbox")
    process(SAMPLES, outbox)
    return outbox, json.loads((outbox / "results.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def district(processed, tmp_path_factory):
    """The consolidation, in a folder of its own (links must climb out of it)."""
    outbox, _ = processed
    path = tmp_path_factory.mktemp("report") / "全区汇总.xlsx"
    summary = consolidate(outbox / "results.json", path)
    return path, summary, openpyxl.load_workbook(path)


def evaluations(results: list[dict]):
    return [(e, ev) for e in results if e["status"] == "ok" for ev in e["evaluations"]]


def data_rows(ws) -> list[dict]:
    """Rows under the header until the first blank row, as {header: cell}."""
    heads = [c.value for c in ws[HEAD_ROW]]
    rows = []
    for cells in ws.iter_rows(min_row=HEAD_ROW + 1):
        if all(c.value is None for c in cells):
            break
        rows.append(dict(zip(heads, cells)))
    return rows


def unit_rows(ws) -> list[dict]:
    """汇总's unit rows (the lines under a unit linking its other files are left out)."""
    return [r for r in data_rows(ws) if r["自评表数"].value is not None]


def values(row: dict) -> dict:
    return {k: c.value for k, c in row.items()}


def link(ws, cell) -> tuple[str, str]:
    """(display, address) of a real hyperlink or of a =HYPERLINK(address cell, "display")."""
    if cell.hyperlink is not None:
        target = unquote(cell.hyperlink.target or "").replace("\\", "/")
        loc = cell.hyperlink.location
        return cell.value, f"{target}#{loc}" if loc else target
    found = HYPERLINK_RE.match(str(cell.value))
    assert found, f"{ws.title}!{cell.coordinate} 不是链接：{cell.value!r}"
    return found.group(2).replace('""', '"'), ws[found.group(1)].value


def resolve(base: Path, address: str) -> tuple[Path, str | None, str | None]:
    """An address → (file, sheet, cell) it opens."""
    path, _, loc = address.partition("#")
    if not loc:
        return (base / path).resolve(), None, None
    sheet, _, cell = loc.rpartition("!")
    return (base / path).resolve(), sheet[1:-1].replace("''", "'"), cell


# --- every figure equals results.json -----------------------------------------------------

def test_summary_one_row_per_unit_with_its_figures(processed, district):
    _, results = processed
    _, _, wb = district
    units = defaultdict(list)
    for _, ev in evaluations(results):
        units[(unit_name(ev["unit"]), ev["year"])].append(ev)
    rows = [values(r) for r in unit_rows(wb[SUMMARY])]
    assert {(r["单位"], r["年度"]) for r in rows} == set(units)
    for row in rows:
        _check_unit(row, units[(row["单位"], row["年度"])])
    keys = [(-r["年度"], -(r["部门整体总分"] or r["项目平均分"])) for r in rows]
    assert keys == sorted(keys), "汇总应按年度、得分从高到低排列"


def _check_unit(row: dict, tables: list[dict]) -> None:
    dept = [ev for ev in tables if ev["kind"] == "department"]
    projects = [ev for ev in tables if ev["kind"] == "project"]
    assert row["自评表数"] == len(tables) and row["其中项目表"] == len(projects)
    if dept:
        d = dept[0]
        assert (row["全年预算数（万元）"], row["全年执行数（万元）"], row["执行率"]) == \
               (d["budget"]["annual"], d["budget"]["executed"], d["budget"]["rate"])
        assert (row["执行得分"], row["部门整体总分"], row["等级"]) == \
               (d["budget"]["score"], d["total_score"], d["grade"])
        assert row["资金口径"] == "部门整体表"
    else:
        annual = sum(p["budget"]["annual"] for p in projects)
        executed = sum(p["budget"]["executed"] for p in projects)
        assert row["全年预算数（万元）"] == pytest.approx(annual)
        assert row["全年执行数（万元）"] == pytest.approx(executed)
        assert row["执行率"] == round(executed / annual, 6)
        assert row["资金口径"] == "项目表合计" and row["部门整体总分"] is None
    graded = [p for p in projects if p["grade"] is not None]     # a withheld (待定) total is left out
    if graded:
        mean = sum(p["total_score"] for p in graded) / len(graded)
        assert row["项目平均分"] == pytest.approx(mean, abs=0.005)
    assert row["错误"] == sum(ev["flag_counts"]["error"] for ev in tables)
    assert row["警告"] == sum(ev["flag_counts"]["warning"] for ev in tables)


def test_summary_district_total(district):
    _, _, wb = district
    ws = wb[SUMMARY]
    units = [values(r) for r in unit_rows(ws)]
    totals = [values(dict(zip([c.value for c in ws[HEAD_ROW]], cells)))
              for cells in ws.iter_rows(min_row=HEAD_ROW + len(data_rows(ws)) + 2)
              if str(cells[0].value or "").startswith("全区合计")]
    assert {t["年度"] for t in totals} == {u["年度"] for u in units}
    for total in totals:
        mine = [u for u in units if u["年度"] == total["年度"]]
        annual = sum(u["全年预算数（万元）"] for u in mine)
        executed = sum(u["全年执行数（万元）"] for u in mine)
        assert total["全年预算数（万元）"] == pytest.approx(annual)
        assert total["执行率"] == round(executed / annual, 6)
        assert total["自评表数"] == sum(u["自评表数"] for u in mine)
    assert any("无法读取" in str(c.value) for c in ws["A"]), "应注明无法读取的文件数"


def test_projects_sheet_figures(processed, district):
    _, results = processed
    _, _, wb = district
    rows = {(r["文件"], r["工作表"]): r for r in map(values, data_rows(wb[PROJECTS]))}
    expected = [(e, ev) for e, ev in evaluations(results) if ev["kind"] == "project"]
    assert len(rows) == len(expected)
    for entry, ev in expected:
        row, b = rows[(entry["relpath"], ev["sheet"])], ev["budget"]
        assert row["单位"] == unit_name(ev["unit"]) and row["项目名称"] == ev["project"]
        assert (row["全年预算数（万元）"], row["全年执行数（万元）"], row["执行率"], row["执行得分"]) == \
               (b["annual"], b["executed"], b["rate"], b["score"])
        assert (row["指标得分"], row["总分"], row["填报总分"], row["等级"]) == \
               (ev["indicator_score"], ev["total_score"], ev["reported_total"],
                ev["grade"] or ("待定" if ev["total_score"] is not None else None))  # withheld
        assert (row["错误"], row["警告"], row["提示"]) == tuple(
            ev["flag_counts"][k] for k in ("error", "warning", "info"))


def test_indicator_rows_equal_results(processed, district):
    _, results = processed
    _, _, wb = district
    ws = wb[INDICATORS]
    rows = {}
    for r in data_rows(ws):
        cell = link(ws, r["单元格"])[0]
        rows[(r["文件"].value, r["工作表"].value, cell)] = values(r)
    count = 0
    for entry, ev in evaluations(results):
        for ind in ev["indicators"]:
            row = rows[(entry["relpath"], ev["sheet"], ind["cells"]["name"])]
            _check_indicator(row, ind, ev)
            count += 1
    assert count == len(rows)


def _check_indicator(row: dict, ind: dict, ev: dict) -> None:
    assert row["项目"] == (ev["project"] if ev["kind"] == "project" else "（部门整体）")
    for head, key in (("三级指标", "name"), ("年度指标值", "target"), ("实际完成值", "actual")):
        assert row[head] == ind[key], head
    for head, key in (("一级指标", "level1"), ("二级指标", "level2")):     # weight notes go
        assert row[head] == re.sub(r"[(（]\d+分[)）]", "", ind[key] or "") or None, head
    assert (row["完成率"], row["分值"], row["得分"]) == (ind["completion"], ind["weight"], ind["score"])
    mine = [f for f in ev["flags"] if f["indicator"] == ind["name"] and
            f["cell"] and int(re.sub(r"\D", "", f["cell"])) == ind["row"]]
    assert sorted((row["问题代码"] or "").split("、")) == sorted(f["code"] for f in mine) or (
        not mine and row["问题代码"] is None)
    assert sorted((row["问题"] or "").split("、")) == sorted(f["title"] for f in mine) or (
        not mine and row["问题"] is None)


def test_issue_list_holds_every_flag_errors_first(processed, district):
    _, results = processed
    _, _, wb = district
    ws = wb[ISSUES]
    rows = data_rows(ws)
    got = Counter((r["文件"].value, r["工作表"].value, link(ws, r["单元格"])[0], r["代码"].value)
                  for r in rows)
    want = Counter((e["relpath"], f["sheet"], f["cell"] or "（整表）", f["code"])
                   for e, ev in evaluations(results) for f in ev["flags"])
    want.update((e["relpath"], None, "打开文件", e["error"]["code"])
                for e in results if e["status"] == "error")
    assert got == want
    ranks = [{"错误": 0, "警告": 1, "提示": 2}[r["严重程度"].value] for r in rows]
    assert ranks == sorted(ranks), "错误在前，其次警告、提示"
    errors = [r["单位"].value for r in rows if r["严重程度"].value == "错误"]
    assert errors == sorted(errors, key=lambda u: (u.startswith("（"), errors.index(u))), \
        "同一严重程度内按单位成组"


def test_sheets_charts_and_layout(district):
    path, summary, wb = district
    assert wb.sheetnames == [SUMMARY, PROJECTS, INDICATORS, ISSUES, CHARTS]
    ws = wb[SUMMARY]
    assert ws.freeze_panes == "B4" and ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)
    assert ws.page_setup.fitToHeight == 0, "按宽度缩放到一页，高度不限"
    assert ws.auto_filter.ref.startswith("A3:")
    ranges = {str(r.sqref) for r in ws.conditional_formatting}
    assert any(r.startswith("G4:") for r in ranges) and any(r.startswith("L4:") for r in ranges)
    assert ws.column_dimensions["A"].width >= 2 * len("共青团武汉市洪山区委员会")
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3
    assert summary["units"] == len(unit_rows(ws)) and summary["unreadable"] == 7


# --- links --------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:Sparkline Group extension")
def test_links_open_the_annotated_copy_at_the_cell(processed, district):
    outbox, results = processed
    path, _, wb = district
    base, books = path.parent, {}

    def open_book(file: Path):
        if file not in books:
            books[file] = openpyxl.load_workbook(file)
        return books[file]

    outputs = {(outbox / e["output"]).resolve() for e in results if e.get("output")}
    for r in data_rows(wb[SUMMARY]):
        assert r["批注副本"].hyperlink is not None, "汇总应为真正的超链接"
        file, sheet, cell = resolve(base, link(wb[SUMMARY], r["批注副本"])[1])
        assert file in outputs and sheet in open_book(file).sheetnames and cell == "A1"
    ws = wb[INDICATORS]
    for r in data_rows(ws):
        file, sheet, cell = resolve(base, link(ws, r["单元格"])[1])
        assert file in outputs
        assert open_book(file)[sheet][cell].value == r["三级指标"].value
    ws = wb[ISSUES]
    for r in data_rows(ws):
        file, sheet, cell = resolve(base, link(ws, r["单元格"])[1])
        assert file.exists()
        if sheet is not None:
            assert file in outputs and sheet in open_book(file).sheetnames
            row, col = coordinate_to_tuple(cell)
            target = open_book(file)[sheet]
            assert row <= target.max_row and col <= target.max_column


def test_unreadable_and_unprocessed_files_link_to_the_original(tmp_path):
    original = tmp_path / "收件箱" / "某局_2024.xlsx"
    original.parent.mkdir()
    original.write_bytes(b"x")
    entry = make_entry("某局", None, 2024, 90, relpath="某局_2024.xlsx")
    entry.update(path=str(original), output=None)
    broken = {"file": "坏.xlsx", "path": str(original.parent / "坏.xlsx"), "status": "error",
              "error": {"code": "file-corrupt", "message": "文件已损坏"}, "evaluations": [],
              "relpath": "坏.xlsx"}
    out = tmp_path / "报告" / "汇总.xlsx"
    consolidate([entry, broken], out)
    wb = openpyxl.load_workbook(out)
    row = data_rows(wb[SUMMARY])[0]
    file, sheet, _ = resolve(out.parent, link(wb[SUMMARY], row["批注副本"])[1])
    assert file == original.resolve() and sheet == "部门整体支出绩效自评表"
    issue = [r for r in data_rows(wb[ISSUES]) if r["代码"].value == "file-corrupt"][0]
    assert issue["严重程度"].value == "错误" and issue["说明"].value == "文件已损坏"
    assert resolve(out.parent, link(wb[ISSUES], issue["单元格"])[1])[0] == \
        (original.parent / "坏.xlsx").resolve()


# --- officers' text is text ----------------------------------------------------------------

EVIL = ['=HYPERLINK("http://x","y")', "=1+1", "+1+1", "-1+1", "@SUM(A1)"]


def evil_entry() -> dict:
    entry = make_entry("=2+3单位", "=1+1项目", 2024, 80)
    ev = entry["evaluations"][0]
    for ind, text in zip(ev["indicators"], EVIL):
        ind.update(name=text, target="=1+1", actual=text, level1=text)
    ev["flags"].append({"code": "actual-missing", "severity": "error", "sheet": ev["sheet"],
                        "cell": "F10", "indicator": EVIL[0], "title": "=1+1",
                        "detail": EVIL[0], "message": EVIL[0]})
    return entry


def test_officer_formulas_are_written_as_text(tmp_path):
    out = tmp_path / "汇总.xlsx"
    consolidate([evil_entry()], out)
    with zipfile.ZipFile(out) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist()
                      if n.startswith("xl/worksheets/sheet"))
    formulas = re.findall(r"<f>(.*?)</f>", xml)
    assert formulas and all(re.fullmatch(r'HYPERLINK\([A-Z]+\d+,"[^"]*"\)', f)
                            for f in formulas), formulas
    wb = openpyxl.load_workbook(out)
    texts = [c for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value in EVIL + ["=2+3单位", "=1+1项目"]]
    assert {c.value for c in texts} >= set(EVIL) | {"=2+3单位", "=1+1项目"}
    assert all(c.data_type == "s" for c in texts)


def test_csv_neutralises_formulas_and_parquet_keeps_values(tmp_path):
    done = export_tables([evil_entry()], tmp_path / "csv", tmp_path / "pq")
    with open(tmp_path / "csv" / "指标明细.csv", encoding="utf-8") as fh:
        assert fh.read(1) == "\ufeff", "CSV 应带 BOM，Excel 才能正确识别中文"
    with open(tmp_path / "csv" / "指标明细.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["三级指标"] for r in rows} == {"'" + t for t in EVIL}
    assert all(r["年度指标值"] == "'=1+1" and r["单位"] == "'=2+3单位" for r in rows)
    assert rows[0]["分值"] == "5.0", "数值不加引号"
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(tmp_path / "pq" / "指标明细.parquet").to_pylist()
    assert {r["三级指标"] for r in table} == set(EVIL) and table[0]["分值"] == 5.0
    assert len(done["csv"]) == 3 and len(done["parquet"]) == 3 and not done["messages"]


def test_parquet_skipped_with_a_chinese_message_without_pyarrow(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    done = export_tables([make_entry("某局", None, 2024, 90)], tmp_path / "csv", tmp_path / "pq")
    assert done["parquet"] == [] and "pyarrow" in done["messages"][0]
    assert "跳过" in done["messages"][0]
    assert len(done["csv"]) == 3 and not list((tmp_path).glob("pq/*.parquet"))


def test_export_tables_rows_match_the_workbook(processed, district, tmp_path):
    outbox, _ = processed
    _, _, wb = district
    export_tables(outbox / "results.json", tmp_path)
    for name in (SUMMARY, PROJECTS, INDICATORS):
        with open(tmp_path / f"{name}.csv", encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        table = unit_rows(wb[name]) if name == SUMMARY else data_rows(wb[name])
        assert len(rows) == len(table), name
        assert all(Path(r["链接地址"].partition("#")[0]).is_absolute() for r in rows)


# --- units, totals, safety ----------------------------------------------------------------

def make_entry(unit: str, project: str | None, year: int, total: float, *, annual=100.0,
               executed=95.0, relpath: str | None = None, sheet: str | None = None) -> dict:
    """A results-json entry with one table and five indicators (weights 5)."""
    kind = "project" if project else "department"
    sheet = sheet or ("项目支出绩效自评表" if project else "部门整体支出绩效自评表")
    relpath = relpath or f"{unit}_{project or '部门整体'}_{year}.xlsx"
    indicators = [{"level1": "产出指标", "level2": "数量指标", "name": f"指标{i}",
                   "target": f"≥{10 * i}个", "actual": f"{10 * i}个", "kind": "positive",
                   "completion": 1.0, "weight": 5.0, "score": 5.0, "row": 9 + i,
                   "cells": {"name": f"D{9 + i}"}} for i in range(1, 6)]
    return {"file": Path(relpath).name, "path": f"/收件箱/{relpath}", "sha256": f"{hash(relpath)}",
            "status": "ok", "error": None, "output": relpath, "relpath": relpath,
            "evaluations": [{
                "sheet": sheet, "kind": kind, "unit": unit, "project": project, "year": year,
                "budget": {"annual": annual, "executed": executed,
                           "rate": round(executed / annual, 6), "score": 9.5, "weight": 10},
                "indicators": indicators, "indicator_score": total - 9.5, "total_score": total,
                "reported_total": total, "grade": "优" if total >= 90 else "良",
                "flag_counts": {"error": 0, "warning": 0, "info": 0}, "flags": []}]}


def test_units_merge_across_codes_and_total_uses_one_basis(tmp_path):
    entries = [make_entry("219001-某区民政局", None, 2024, 92, annual=100, executed=90),
               make_entry("某区民政局", "养老补贴", 2024, 80, annual=50, executed=50),
               make_entry("某街道", "社区治理", 2024, 70, annual=10, executed=8),
               make_entry("某街道", "青少年服务", 2024, 96, annual=20, executed=20)]
    out = tmp_path / "汇总.xlsx"
    consolidate(entries, out)
    ws = openpyxl.load_workbook(out)[SUMMARY]
    rows = [values(r) for r in unit_rows(ws)]
    assert [(r["单位"], r["全年预算数（万元）"], r["全年执行数（万元）"], r["资金口径"]) for r in rows] == \
           [("某区民政局", 100, 90, "部门整体表"), ("某街道", 30, 28, "项目表合计")]
    assert rows[0]["项目平均分"] == 80 and rows[1]["项目平均分"] == 83 and rows[1]["等级"] == "良"
    total = values(dict(zip([c.value for c in ws[HEAD_ROW]],
                            ws[HEAD_ROW + len(data_rows(ws)) + 2])))
    assert total["单位"] == "全区合计（2024年度）"
    assert (total["全年预算数（万元）"], total["全年执行数（万元）"]) == (130, 118)
    assert total["执行率"] == round(118 / 130, 6)


def test_a_failed_write_leaves_the_old_workbook(tmp_path, monkeypatch):
    import xlsproc.district.book as module
    out = tmp_path / "汇总.xlsx"
    out.write_bytes(b"old")

    def boom(*args, **kwargs):
        raise RuntimeError("磁盘已满")
    monkeypatch.setattr(module, "indicators_sheet", boom)
    with pytest.raises(RuntimeError):
        consolidate([make_entry("某局", None, 2024, 90)], out)
    assert out.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["汇总.xlsx"]


def test_libreoffice_opens_the_consolidation(district, tmp_path):
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        pytest.skip("未安装 LibreOffice（soffice），跳过“LibreOffice 能否打开汇总表”的测试；"
                    "安装：apt-get install libreoffice-calc-nogui")
    path, _, _ = district
    cmd = [exe, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
           "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    pdf = tmp_path / (path.stem + ".pdf")
    assert result.returncode == 0 and pdf.exists(), result.stdout + result.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


# --- two years ----------------------------------------------------------------------------

def two_years(results: list[dict]) -> tuple[dict, dict]:
    """青少年服务 2024 as processed, and a 2023 version: higher target and lower actual for
    服务青少年人次 (so this year's target went down while the actual rose), 4 of 5 points for
    开展志愿服务活动场次 (short both years), 3000人次 for the relative target."""
    this = next(e for e in results if e["file"] == "某街道_青少年服务_2024.xlsx")
    last = copy.deepcopy(this)
    last.update(sha256="2023", relpath="2023/某街道_青少年服务_2023.xlsx", output=None)
    ev = last["evaluations"][0]
    ev.update(year=2023, total_score=85.0)
    ev["budget"]["rate"] = 0.85
    for ind in ev["indicators"]:
        if ind["name"] == "服务青少年人次":
            ind.update(target="≥3500人次", actual="2500人次")
        if ind["name"] == "开展志愿服务活动场次":
            ind.update(score=4.0)
        if ind["name"] == "青少年活动参与人次":
            ind.update(actual="3000人次")
    return this, last


def yoy_rows(path: Path) -> list[dict]:
    """The 同比 rows; a table's row is bold, its indicators fold under it (outline level 1)."""
    ws = openpyxl.load_workbook(path)[YOY]
    rows = data_rows(ws)
    for r in rows:
        cell = r["单位"]
        table = r["层级"].value == "整表"
        assert ws.row_dimensions[cell.row].outline_level == (0 if table else 1)
        assert bool(cell.font.b) == table
    return [values(r) for r in rows]


def test_two_years_give_a_yoy_sheet(processed, tmp_path):
    _, results = processed
    this, last = two_years(results)
    summary = consolidate([this], tmp_path / "汇总.xlsx", history=[last])
    assert summary["yoy_tables"] == 1
    rows = yoy_rows(tmp_path / "汇总.xlsx")
    table = rows[0]
    assert (table["层级"], table["本年得分"], table["上年得分"]) == ("整表", 87.97, 85.0)
    assert table["得分变化"] == pytest.approx(2.97) and table["上年执行率"] == 0.85
    by_name = {r["指标"]: r for r in rows[1:]}
    assert len(by_name) == len(this["evaluations"][0]["indicators"])
    served = by_name["服务青少年人次"]
    assert (served["本年指标值"], served["上年指标值"], served["本年完成值"], served["上年完成值"]) == \
           ("≥3000人次", "≥3500人次", "2700人次", "2500人次")
    assert "目标下调而实际上升" in served["提示"]
    assert "连续两年未达标" in by_name["开展志愿服务活动场次"]["提示"]
    assert by_name["覆盖社区数"]["提示"] is None


def test_yoy_from_the_store_and_from_one_list(processed, tmp_path):
    _, results = processed
    this, last = two_years(results)
    with Store(tmp_path / "xlsproc.sqlite") as store:
        store.record([last], {"outbox": str(tmp_path)})
        store.record([this], {"outbox": str(tmp_path)})
        summary = consolidate(store, tmp_path / "库.xlsx")
    assert summary["years"] == [2024] and summary["yoy_tables"] == 1
    assert any("连续两年未达标" in (r["提示"] or "") for r in yoy_rows(tmp_path / "库.xlsx"))
    both = consolidate([last, this], tmp_path / "两年.xlsx")
    assert both["years"] == [2023, 2024] and both["yoy_tables"] == 1
    one = consolidate([this], tmp_path / "一年.xlsx")
    assert one["yoy_tables"] == 0
    assert YOY not in openpyxl.load_workbook(tmp_path / "一年.xlsx").sheetnames


def test_a_resubmitted_table_is_counted_once_and_listed(tmp_path):
    """The same unit's project sent twice (a corrected copy under another name): the district
    figures take the one saved last; the other is named in 问题清单, its own flags are dropped."""
    first = make_entry("某街道", "青少年服务", 2024, 70, annual=20, executed=10,
                       relpath="某街道_青少年服务_初稿.xlsx")
    first["modified"] = "2025-03-01T09:00:00"
    first["evaluations"][0]["flags"] = [{"code": "low-execution-rate", "severity": "warning",
                                         "sheet": "项目支出绩效自评表", "cell": "F6",
                                         "title": "执行率偏低", "detail": "执行率 50%"}]
    second = make_entry("某街道", "青少年服务", 2024, 96, annual=20, executed=20,
                        relpath="某街道_青少年服务_修改后.xlsx")
    second["modified"] = "2025-03-05T16:30:00"
    other = make_entry("某街道", "社区治理", 2024, 90, annual=10, executed=9)
    out = tmp_path / "汇总.xlsx"
    summary = consolidate([second, other, first], out)         # listed in any order
    assert summary["duplicates"] == 1 and summary["tables"] == 2
    wb = openpyxl.load_workbook(out)
    [unit] = [values(r) for r in unit_rows(wb[SUMMARY])]
    assert (unit["自评表数"], unit["全年预算数（万元）"], unit["全年执行数（万元）"]) == (2, 30, 29)
    assert sorted(values(r)["文件"] for r in data_rows(wb[PROJECTS])) == \
        ["某街道_社区治理_2024.xlsx", "某街道_青少年服务_修改后.xlsx"]
    issues = [values(r) for r in data_rows(wb[ISSUES])]
    assert [i["代码"] for i in issues] == ["duplicate-submission"]
    [issue] = issues
    assert issue["文件"] == "某街道_青少年服务_初稿.xlsx" and issue["严重程度"] == "警告"
    assert "某街道_青少年服务_修改后.xlsx" in issue["说明"] and "2025-03-05 16:30:00" in issue["说明"]
    assert "未计入汇总" in issue["说明"]
    notes = [c.value for row in wb[SUMMARY].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("重复报送" in text for text in notes)


def test_tables_whose_project_or_year_could_not_be_read_are_not_taken_for_duplicates(tmp_path):
    one = make_entry("某街道", "青少年服务", 2024, 90, relpath="a.xlsx")
    two = make_entry("某街道", "社区治理", 2024, 80, relpath="b.xlsx")
    for entry in (one, two):
        entry["evaluations"][0]["project"] = None          # the reader found no 项目名称
    no_year = [make_entry("某街道", "养老", None, 85, relpath=f"{n}.xlsx") for n in "cd"]
    summary = consolidate([one, two, *no_year], tmp_path / "汇总.xlsx")
    assert summary["duplicates"] == 0 and summary["tables"] == 4
