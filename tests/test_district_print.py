"""The district workbook on paper (issue 10 §4): 汇总 and 问题清单 print on A4 landscape at
9 pt or more, header rows repeated, only the columns that matter; no chart split across pages.
Checked by printing with LibreOffice."""
from __future__ import annotations

import re
import shutil
import subprocess

import openpyxl
import pytest

import lo
from test_consolidate import make_entry
from xlsproc.district.book import consolidate
from xlsproc.district.rows import CHARTS, ISSUES, ROSTER, SUMMARY
from xlsproc.district.roster import RosterUnit

UNITS = 60                                   # three 执行率 charts of at most 25 units
LONG = ("实际完成值为年度指标值的 2.05 倍，请说明原因（年初指标值是否设定偏低），并在偏差原因分析"
        "栏中写明超额完成的具体原因和下一年度指标值的设定依据。")


def district_entries() -> list[dict]:
    entries = []
    for n in range(UNITS):
        unit = f"{200001 + n}-某区第{n + 1}街道办事处社区综合治理服务中心"
        entry = make_entry(unit, None if n % 3 else "社区综合治理与青少年成长关爱服务项目", 2024,
                           70 + n % 30, annual=1000.0 + n, executed=800.0 + 3 * n)
        ev = entry["evaluations"][0]
        ev["flags"] = [{"code": "over-completion", "severity": "warning", "sheet": ev["sheet"],
                        "cell": f"F{10 + i}", "indicator": f"指标{i}", "title": "超额完成",
                        "detail": LONG, "message": LONG} for i in range(1, 3)]
        ev["flag_counts"] = {"error": 0, "warning": 2, "info": 0}
        entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    lo.require_soffice()
    if not shutil.which("pdftotext"):
        pytest.skip("未安装 pdftotext（poppler-utils），跳过打印版面的检查")
    tmp = tmp_path_factory.mktemp("print")
    roster = [RosterUnit(f"某区第{n}街道办事处社区综合治理服务中心", f"某区第{n}街道办事处社区综合治理服务中心")
              for n in range(1, UNITS + 5)]
    consolidate(district_entries(), tmp / "district.xlsx", roster=roster)
    pdf = lo.to_pdf(tmp / "district.xlsx", tmp / "pdf")
    return tmp / "district.xlsx", pdf, pages(pdf)


def pages(pdf) -> list[list[tuple[float, float, str]]]:
    """Every page's words as (height, y, text), from pdftotext's bounding boxes."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    out = []
    for page in xml.split("<page ")[1:]:
        words = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">'
                           r"([^<]*)</word>", page)
        out.append([(float(y2) - float(y1), float(y1), text) for y1, y2, text in words])
    return out


def text(page) -> str:
    return "".join(w[2] for w in page)


def sheet_pages(all_pages, title: str, next_title: str):
    start = next(i for i, p in enumerate(all_pages) if title in text(p))
    end = next((i for i, p in enumerate(all_pages) if i > start and next_title in text(p)),
               len(all_pages))
    return all_pages[start:end]


@pytest.mark.parametrize("sheet, title, next_title, last_head", [
    (SUMMARY, "全区2024年度预算绩效自评汇总（按单位）", "自评表报送情况", "批注副本"),
    (ROSTER, "全区2024年度自评表报送情况", "项目支出绩效自评情况", "报送的文件"),
    (ISSUES, "全区2024年度审核问题清单", "图表（数据见本表左侧", "指标"),
])
def test_sheet_prints_on_a4_landscape_at_9pt_or_more(printed, sheet, title, next_title, last_head):
    path, _, all_pages = printed
    ws = openpyxl.load_workbook(path)[sheet]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$3:$3"
    mine = sheet_pages(all_pages, title, next_title)
    assert len(mine) >= 2 if sheet == ISSUES else len(mine) >= 1
    for page in mine:
        assert min(h for h, _, w in page if w.strip()) >= 8.95, "字号不小于 9 磅"
        heads = text(page)
        assert "单位" in heads and last_head in heads, "每页重复表头，所有打印列在同一页宽内"
        assert "链接地址" not in heads and "over-completion" not in heads, "链接地址和代码列不打印"


def test_no_chart_is_split_across_pages(printed):
    path, _, all_pages = printed
    ws = openpyxl.load_workbook(path)[CHARTS]
    charts = sorted(ws._charts, key=lambda c: c.anchor._from.row)
    assert len(charts) == 2 + 3                          # grades, scores, 3 × 25 units
    breaks = sorted(b.id for b in ws.row_breaks.brk)
    for chart in charts[1:]:
        assert chart.anchor._from.row - 1 in breaks, "每个图表从新的一页开始"
    chart_pages = [p for p in all_pages if re.search("自评等级分布|总分分布|各单位预算执行率", text(p))]
    titles = [re.findall("自评等级分布|总分分布|各单位预算执行率", text(p)) for p in chart_pages]
    assert [len(t) for t in titles] == [1] * 5, "每页一个图表"
    for page in chart_pages[2:]:                         # the axis title is under the bars
        top = next(y for _, y, w in page if "执行率（" in w or "预算执行率" in w)
        assert any(w == "执行率" and y > top + 100 for _, y, w in page), "图表完整地在一页上"


def test_every_cell_of_a_summary_row_sits_at_its_top(printed):
    """A unit name wraps to two lines: the grade (a conditional fill, no format of its own)
    prints on the row's first line like the year and the figures, not at its bottom."""
    path, _, all_pages = printed
    ws = openpyxl.load_workbook(path)[SUMMARY]
    first = 4                                  # the first data row (title, note, header above)
    for row in ws.iter_rows(min_row=first, max_row=first + 10):
        for cell in row:
            if cell.value is not None:
                assert cell.alignment.vertical == "top", f"{cell.coordinate} 未顶端对齐"
    mine = sheet_pages(all_pages, "全区2024年度预算绩效自评汇总（按单位）", "自评表报送情况")
    grades = [(y, w) for page in mine for _, y, w in page if w in ("优", "良", "中", "差", "待定")]
    years = [y for page in mine for _, y, w in page if w == "2024"]
    assert len(grades) >= UNITS // 2 and len(years) >= UNITS // 2
    tall = [b - a for a, b in zip(years, years[1:]) if b > a]
    assert max(tall) > 20, "单位名称折成两行（否则本测试无从检验）"
    for y, grade in grades:
        assert min(abs(y - top) for top in years) < 1.0, f"等级“{grade}”不在该行顶端（y={y}）"
