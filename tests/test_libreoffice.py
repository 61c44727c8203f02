"""Our outputs in a real spreadsheet program (LibreOffice, headless).

`process` runs once over samples/ and over two filled templates; then ONE soffice run prints every
annotated copy and every blank template to PDF (each must load), and ONE more recalculates every
annotated copy, whose 执行率 / 执行得分 / 总分 formulas must agree with results.json. The feature-rich
sample's copy must keep every feature of the original.
"""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

import lo
from conftest import SAMPLES
from test_templates import TEMPLATES, fill_department, fill_project
from xlsproc.read.grid import sheet_parts
from xlsproc.batch.run import process
from xlsproc.write.marks import REPORT_SHEET, REVIEW_SHEET
from xlsproc.ooxml.patch import verify_preserved

RICH = "功能齐全_2024_项目.xlsx"
MAIN, ANNEX = "项目支出绩效自评表", "附表"
TOLERANCE = 0.01
pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
MISMATCH = {"rate_cell": "execution-rate-mismatch", "score_cell": "score-mismatch",
            "total_cell": "total-mismatch"}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """Process samples/ and two filled templates; the annotated copies and results."""
    lo.require_soffice()
    base = tmp_path_factory.mktemp("lo")
    filled = base / "filled"
    filled.mkdir()
    fill_department(filled / "洪山区团委_2024_模板填写.xlsx")
    fill_project(filled / "某区民政局_2024_模板填写.xlsx")
    copies = {}
    for inbox, outbox in ((SAMPLES, base / "out"), (filled, base / "out_filled")):
        entries = process(inbox, outbox).entries()
        assert entries == json.loads((outbox / "results.json").read_text("utf-8"))
        for entry in entries:
            if entry.get("output"):
                copies[entry["file"]] = (inbox / entry["relpath"], outbox / entry["output"], entry)
    return {"base": base, "copies": copies}


@pytest.fixture(scope="module")
def recalculated(run) -> dict[str, Path]:
    """Every annotated copy, recalculated by LibreOffice (one soffice run)."""
    names = list(run["copies"])
    outs = lo.recalculate_many([run["copies"][n][1] for n in names], run["base"] / "recalculated")
    return dict(zip(names, outs))


# --- the helpers themselves ------------------------------------------------------------------

def test_recalculate_really_recalculates(tmp_path):
    lo.require_soffice()
    path = tmp_path / "stale.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row("A1", (2, 3))
    ws.write_formula("C1", "=A1*B1", None, 999)          # a stale cached value
    wb.close()
    out = lo.recalculate(path, tmp_path / "out")
    assert openpyxl.load_workbook(out, data_only=True).active["C1"].value == 6


def test_to_pdf_fails_on_a_file_it_cannot_load(tmp_path):
    lo.require_soffice()
    with pytest.raises(lo.LibreOfficeError):
        lo.to_pdf(SAMPLES / "bad" / "损坏文件.xlsx", tmp_path)


# --- every copy and template opens -------------------------------------------------------------

@pytest.fixture(scope="module")
def printed(run) -> dict[Path, Path]:
    """Every annotated copy and blank template → its PDF, printed by LibreOffice (one run)."""
    copies = [dst for _, dst, _ in run["copies"].values()]
    templates = sorted(TEMPLATES.glob("*.xlsx"))
    assert len(templates) == 2 and RICH in run["copies"]
    assert len(copies) >= 10
    return dict(zip(copies + templates, lo.to_pdf_many(copies + templates, run["base"] / "pdf")))


def test_every_copy_and_template_prints_to_pdf(printed):
    for pdf in printed.values():
        assert pdf.stat().st_size > 2000, pdf.name
        assert b"/Type/Page" in pdf.read_bytes().replace(b" ", b""), pdf.name


def test_every_paragraph_of_our_sheets_prints_whole(printed):
    """Nothing cut at the right edge, clipped at a cell's border or at the bottom of a row: every
    text of 自评报告 and 审核结果 (and of the templates' sheets) is found whole in LibreOffice's
    PDF of it, and no printed word runs over another."""
    checked = 0
    for book, pdf in printed.items():
        wb = openpyxl.load_workbook(book)
        ours = [REVIEW_SHEET, REPORT_SHEET] if REPORT_SHEET in wb.sheetnames else wb.sheetnames
        text = lo.pdf_text(pdf) + "\n" + lo.pdf_text(pdf, layout=True)
        for name in ours:
            texts = [lo.squeeze(c) for row in wb[name].iter_rows(values_only=True) for c in row
                     if isinstance(c, str) and len(c) > 4 and not c.startswith("=")]
            cut = [t for t in texts if not lo.in_reading_order(t, text)]
            assert not cut, f"{book.name} › {name}: {cut[:3]}"
            checked += len(texts)
        pages = lo.pdf_words(pdf)
        first = 0 if book.parent == TEMPLATES else \
            next(i for i, page in enumerate(pages) if any(w.text == REVIEW_SHEET for w in page))
        for page in pages[first:]:
            assert not lo.overlapping_words(page), (book.name, lo.overlapping_words(page)[:3])
    assert checked > 500


def test_our_sheets_print_on_a4_at_full_size(printed):
    """自评报告 on A4 portrait, 审核结果 and the template form on A4 landscape, the 填表说明 on
    portrait — and not shrunk to fit (fit-to-width is a fallback LibreOffice may ignore): the
    printed 11-point text is at least 10 points high."""
    for book, pdf in printed.items():
        sizes = lo.page_sizes(pdf)
        assert (595, 842) in sizes and (842, 595) in sizes, (book.name, sizes)
        pages = lo.pdf_words(pdf)
        first = 0 if book.parent == TEMPLATES else \
            next(i for i, page in enumerate(pages) if any(w.text == REVIEW_SHEET for w in page))
        heights = sorted(w.y1 - w.y0 for page in pages[first:] for w in page)
        assert heights[len(heights) // 2] >= 10, (book.name, heights[len(heights) // 2])


# --- LibreOffice's recalculated scores agree with ours ------------------------------------------

def _formula_cells(copy: Path, ev: dict) -> dict[str, str]:
    """rate_cell / score_cell / total_cell → address, for those holding a formula in the copy."""
    ws = openpyxl.load_workbook(copy)[ev["sheet"]]
    where = {"rate_cell": ev["budget"]["rate_cell"], "score_cell": ev["budget"]["score_cell"],
             "total_cell": ev["total_cell"]}
    return {k: a for k, a in where.items()
            if a and isinstance(ws[a].value, str) and ws[a].value.startswith("=")}


def _expected(key: str, ev: dict) -> float:
    """Ours, or the officer's figure where we flagged that cell as disagreeing with it."""
    cell = ev["total_cell"] if key == "total_cell" else ev["budget"][key]
    flagged = any(f["code"] == MISMATCH[key] and f["cell"] == cell for f in ev["flags"])
    b = ev["budget"]
    ours = {"rate_cell": b["rate"], "score_cell": b["score"], "total_cell": ev["total_score"]}[key]
    theirs = {"rate_cell": b["reported_rate"], "score_cell": b["reported_score"],
              "total_cell": ev["reported_total"]}[key]
    return theirs if flagged else ours


def test_recalculated_scores_match_results_json(run, recalculated):
    compared = set()
    for name, (_, copy, entry) in run["copies"].items():
        data = openpyxl.load_workbook(recalculated[name], data_only=True)
        for ev in entry["evaluations"]:
            for key, address in _formula_cells(copy, ev).items():
                got = data[ev["sheet"]][address].value
                want = _expected(key, ev)
                assert isinstance(got, (int, float)), (name, address, got)
                assert got == pytest.approx(want, abs=TOLERANCE), (name, ev["sheet"], address)
                compared.add((name, key))
    must = {("某区民政局_2024_居家养老服务补贴.xlsx", k) for k in MISMATCH}
    must |= {(RICH, "rate_cell"), (RICH, "score_cell")}
    must |= {(f, k) for f in ("洪山区团委_2024_模板填写.xlsx", "某区民政局_2024_模板填写.xlsx") for k in MISMATCH}
    assert must <= compared, sorted(compared)


# --- the feature-rich sample keeps every feature ----------------------------------------------

@pytest.fixture(scope="module")
def rich(run) -> tuple[Path, Path]:
    src, dst, entry = run["copies"][RICH]
    assert entry["status"] == "ok"
    return src, dst


def _sheet_part(zf: zipfile.ZipFile, name: str) -> str:
    return sheet_parts(zf)[name]


def _drawing_xml(zf: zipfile.ZipFile, sheet_part: str) -> str:
    rels = zf.read(sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels").decode()
    target = re.search(r'Target="\.\./drawings/(drawing\d+\.xml)"', rels).group(1)
    return zf.read(f"xl/drawings/{target}").decode()


def test_rich_copy_passes_verify_preserved(rich):
    src, dst = rich
    assert verify_preserved(src, dst) == []


def test_rich_copy_keeps_merges_validations_links_and_names(rich):
    for path in rich:                           # the original has them, and so does the copy
        wb = openpyxl.load_workbook(path)
        ws, annex = wb[MAIN], wb[ANNEX]
        merged = {str(r) for r in ws.merged_cells.ranges}
        assert {"A1:I1", "A5:A9", "B13:B17", "A12:A20", "A21:F21"} <= merged
        validations = {str(d.sqref) for d in ws.data_validations.dataValidation}
        assert {"B13:B20", "C13:C20", "G13:G20"} <= validations
        assert [str(r.sqref) for r in ws.conditional_formatting] == ["H13:H20"]
        assert [str(r.sqref) for r in annex.conditional_formatting] == ["B3:E4"]
        assert ws["A24"].hyperlink.target.startswith("https://www.mof.gov.cn/")
        assert ws["A25"].hyperlink.location == f"'{ANNEX}'!A1"
        assert "项目执行率" in wb.defined_names and "季度支出" in annex.defined_names


def test_rich_copy_keeps_formats_and_print_setup(rich):
    for path in rich:
        ws = openpyxl.load_workbook(path)[MAIN]
        assert ws["A1"].font.name == "宋体" and ws["A1"].font.b and ws["A1"].font.sz == 18
        assert ws["A5"].fill.fgColor.rgb.endswith("D9E1F2") and ws["D6"].border.left.style == "thin"
        assert ws["H6"].number_format == "0.00%" and ws["D6"].number_format == "0.00"
        assert ws.column_dimensions["D"].width == pytest.approx(24, abs=1)
        assert ws.row_dimensions[11].height == 66
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
        assert ws.page_margins.left == pytest.approx(0.6)
        assert "社区老年助餐服务" in ws.oddHeader.center.text and "&P" in ws.oddFooter.right.text
        assert ws.print_title_rows == "$12:$12"


def test_rich_copy_keeps_the_officers_comments(rich):
    ws = openpyxl.load_workbook(rich[1])[MAIN]
    assert ws["F14"].comment.text.startswith("第5个助餐点因选址调整")
    assert ws["H21"].comment.text.startswith("总分已与财务科核对。——王敏")
    assert "填报总分 98.4" in ws["H21"].comment.text          # our note comes after theirs


def test_rich_copy_keeps_drawings_and_sparklines(rich):
    src, dst = rich
    for path in (src, dst):
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            assert len([n for n in names if n.startswith("xl/media/")]) == 1
            assert len([n for n in names if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]) == 1
            main = _drawing_xml(zf, _sheet_part(zf, MAIN))
            assert main.count("<xdr:pic>") == 1 and 'txBox="1"' in main
            assert _drawing_xml(zf, _sheet_part(zf, ANNEX)).count("<c:chart ") == 1
            annex = zf.read(_sheet_part(zf, ANNEX)).decode()
            assert annex.count("<x14:sparkline>") == 3
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst) as b:
        assert a.read("xl/media/image1.png") == b.read("xl/media/image1.png")


def test_rich_copy_keeps_cached_formula_values(rich):
    dst = rich[1]
    ws = openpyxl.load_workbook(dst, data_only=True)[MAIN]
    assert ws["H6"].value == pytest.approx(0.94) and ws["I6"].value == pytest.approx(9.4)
    assert ws["G21"].value == 100
    assert openpyxl.load_workbook(dst, data_only=True)[ANNEX]["F5"].value == pytest.approx(197.4)
