"""Tests for xlsproc.ooxml.patch: surgical edits of .xlsx/.xlsm packages.

Fixtures are built in tmp_path:
* `form`  — openpyxl workbook (merges, fonts/borders/fills, number formats, data
  validation, conditional formatting, an existing comment, hyperlinks, a chart,
  defined names, two sheets), then made Excel-like by hand: x14ac namespace with
  mc:Ignorable, cached formula values, a shared formula and a calcChain part.
* `rich`  — xlsxwriter workbook (an image, a text box, a sparkline, a 2010 data
  bar, rich-text shared strings, a comment); openpyxl needs Pillow for images and
  Pillow is not a project dependency, xlsxwriter (a dependency) does not.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import struct
import subprocess
import warnings
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink

from xlsproc.ooxml.sheet import WORKSHEET_ORDER
from xlsproc.ooxml.patch import (
    CellPatch,
    NewSheet,
    internal_location,
    patch_xlsx,
    verify_preserved,
)

SHEET = "项目支出绩效自评表"
OTHER = "附表"
SHEET1 = "xl/worksheets/sheet1.xml"
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


# ---------------------------------------------------------------------------
# Fixture builders


def _rewrite_zip(path: Path, changes: dict[str, bytes], drop: set[str] = frozenset()) -> None:
    """Replace / add members of a zip (test helper, not surgical)."""
    with zipfile.ZipFile(path) as zf:
        members = [(i, zf.read(i.filename)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            if info.filename not in drop:
                zf.writestr(info, changes.pop(info.filename, data))
        for name, data in changes.items():
            zf.writestr(name, data)


def _build_form(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"] = SHEET
    ws["A1"].font = Font(bold=True, size=16)
    ws.merge_cells("A1:H1")
    ws["B10"] = "产出指标"
    ws.merge_cells("B10:B14")
    for r in range(16, 46):
        ws.merge_cells(f"C{r}:D{r}")
        ws.merge_cells(f"E{r}:F{r}")
        ws[f"C{r}"] = f"指标{r}"
        ws[f"G{r}"] = "优"
        ws[f"H{r}"] = 0.5 + r / 100
    thin = Side(style="thin")
    h22 = ws["H22"]
    h22.font = Font(bold=True, color="FFFF0000", name="宋体")
    h22.border = Border(left=thin, right=thin, top=thin, bottom=thin)
    h22.alignment = Alignment(horizontal="center")
    h22.number_format = "0.00%"
    ws.row_dimensions[22].height = 30
    ws.column_dimensions["C"].width = 20
    ws["C5"] = "预算数"
    ws["C5"].comment = Comment("请核实预算数", "经办人")
    ws["A3"] = "政策依据"
    ws["A3"].hyperlink = "https://example.com/policy"
    ws["A4"] = "见附表"
    ws["A4"].hyperlink = Hyperlink(ref="A4", location=f"'{OTHER}'!A1")
    dv = DataValidation(type="list", formula1='"优,良,中,差"')
    dv.add("G16:G45")
    ws.add_data_validation(dv)
    red = PatternFill("solid", fgColor="FFFFC7CE")
    ws.conditional_formatting.add("H16:H45", CellIsRule(operator="lessThan", formula=["0.6"], fill=red))
    ws["H46"] = "=SUM(H16:H45)"
    for r in range(16, 21):
        ws[f"I{r}"] = f"=H{r}*100"
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=8, min_row=16, max_row=25))
    ws.add_chart(chart, "K2")
    wb.defined_names["总分"] = DefinedName("总分", attr_text=f"'{SHEET}'!$H$46")
    other = wb.create_sheet(OTHER)
    other["A1"] = "附表标题"
    other.merge_cells("A1:C1")
    other.append(["项目", "金额"])
    other.append(["甲", 100])
    wb.save(path)
    _excelify(path)


def _excelify(path: Path) -> None:
    """Make openpyxl's output look like Excel's: x14ac + mc:Ignorable, cached values,
    a shared formula and a calcChain."""
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read(SHEET1).decode()
        ct = zf.read("[Content_Types].xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    # openpyxl writes empty elements as <v /> with its ElementTree backend and <v></v>, <x/> with
    # lxml: the fixture is made the same either way (the tests look for the ElementTree form).
    sheet = re.sub(r"\s*/>", " />", sheet).replace("<v></v>", "<v />")
    sheet = sheet.replace(
        "<worksheet ",
        '<worksheet xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac" ', 1)
    sheet = re.sub(r"<row ", '<row x14ac:dyDescent="0.25" ', sheet)
    total = sum(0.5 + r / 100 for r in range(16, 46))
    sheet = sheet.replace("<f>SUM(H16:H45)</f><v />", f"<f>SUM(H16:H45)</f><v>{total!r}</v>")
    for r in range(16, 21):
        f = '<f t="shared" ref="I16:I20" si="0">H16*100</f>' if r == 16 else '<f t="shared" si="0"/>'
        sheet = sheet.replace(f"<f>H{r}*100</f><v />", f"{f}<v>{(0.5 + r / 100) * 100!r}</v>")
    calc = ('<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<c r="H46" i="1"/><c r="I16"/><c r="I17"/><c r="I18"/><c r="I19"/><c r="I20"/></calcChain>')
    ct = ct.replace("</Types>", '<Override PartName="/xl/calcChain.xml" ContentType='
                    '"application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>')
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdCalc" Type="http://schemas.openxmlformats.org/'
                        'officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>')
    _rewrite_zip(path, {SHEET1: sheet.encode(), "[Content_Types].xml": ct.encode(),
                        "xl/_rels/workbook.xml.rels": rels.encode(), "xl/calcChain.xml": calc.encode()})


def _png(width: int = 4, height: int = 4) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _build_rich(path: Path, vba: Path | None = None) -> None:
    import xlsxwriter

    image = path.with_suffix(".png")
    image.write_bytes(_png())
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(SHEET)
    bold = wb.add_format({"bold": True})
    boxed = wb.add_format({"border": 1, "num_format": "0.00", "font_color": "#0000FF"})
    ws.write_rich_string("A1", "普通", bold, "加粗", "文字")
    ws.merge_range("A2:D2", "合并标题", bold)
    ws.write_row("A5", [1, 2, 3])
    ws.write_formula("E5", "=SUM(A5:C5)", boxed, 6)
    ws.add_sparkline("F5", {"range": f"'{SHEET}'!A5:C5"})
    ws.conditional_format("A5:C5", {"type": "data_bar", "data_bar_2010": True})
    ws.data_validation("B8", {"validate": "list", "source": ["是", "否"]})
    ws.write_comment("C3", "经办人原批注")
    ws.insert_image("H2", str(image))
    ws.insert_textbox("H12", "文本框说明")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": f"='{SHEET}'!$A$5:$C$5"})
    ws.insert_chart("H20", chart)
    ws.write_url("A10", "https://example.com", string="链接")
    wb.define_name("合计", f"='{SHEET}'!$E$5")
    wb.add_worksheet(OTHER).write("A1", "附表")
    if vba:
        wb.add_vba_project(str(vba))
    wb.close()


@pytest.fixture(scope="session")
def fixtures_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("xlsxpatch")
    _build_form(folder / "form.xlsx")
    _build_rich(folder / "rich.xlsx")
    vba = folder / "vbaProject.bin"
    vba.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4)  # stand-in OLE bytes
    _build_rich(folder / "rich.xlsm", vba)
    return folder


@pytest.fixture
def form(fixtures_dir, tmp_path) -> Path:
    return Path(shutil.copy(fixtures_dir / "form.xlsx", tmp_path / "form.xlsx"))


@pytest.fixture
def rich(fixtures_dir, tmp_path) -> Path:
    return Path(shutil.copy(fixtures_dir / "rich.xlsx", tmp_path / "rich.xlsx"))


@pytest.fixture
def rich_xlsm(fixtures_dir, tmp_path) -> Path:
    return Path(shutil.copy(fixtures_dir / "rich.xlsm", tmp_path / "rich.xlsm"))


# ---------------------------------------------------------------------------
# Helpers


def _load(path: Path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path, **kw)


def _member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def _raw_members(path: Path) -> dict[str, tuple[int, int, bytes]]:
    """name → (compress_type, CRC, raw compressed bytes)."""
    out = {}
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fp:
        for info in zf.infolist():
            fp.seek(info.header_offset)
            head = fp.read(30)
            n, m = struct.unpack("<HH", head[26:30])
            fp.seek(info.header_offset + 30 + n + m)
            out[info.filename] = (info.compress_type, info.CRC, fp.read(info.compress_size))
    return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_schema_order(xml: bytes) -> None:
    names = [child.tag.rsplit("}", 1)[-1] for child in ET.fromstring(xml)]
    ranks = [WORKSHEET_ORDER.index(n) for n in names]
    assert ranks == sorted(ranks), names


def _assert_wellformed(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels", ".vml")):
                ET.fromstring(zf.read(name))


def _comment_text(ws, ref: str) -> str:
    return ws[ref].comment.text if ws[ref].comment else ""


FORM_PATCHES = [
    CellPatch(SHEET, "H22", 0.9, fill="FFFFC7CE", comment="执行率与佐证材料不一致，请核实。"),
    CellPatch(SHEET, "C5", comment="预算数与批复不符。"),
    CellPatch(SHEET, "A2", "=SUM(A1)"),
    CellPatch(SHEET, "A17", 7),
    CellPatch(SHEET, "J30", "说明文字 <&> \"引号\""),
    CellPatch(SHEET, "A60", "新行"),
    CellPatch(SHEET, "G30", fill="FFFFEB9C"),
    CellPatch(OTHER, "B3", 120, comment="金额已核对。"),
]


def _report_sheet() -> NewSheet:
    rows = [["序号", "级别", "问题", "位置"],
            [1, "错误", "执行率超过 100%，请核实全年预算数与执行数。" * 3, "H22"],
            [2, "提示", "指标值为空", "G30"]]
    return NewSheet(
        name="审核意见",
        rows=rows,
        col_widths={0: 6, 1: 8, 2: 40, 3: 12},
        freeze="A2",
        autofilter="A1:D3",
        links={"D2": internal_location(SHEET, "H22"), "D3": f"{SHEET}!G30"},
        styles={"A1": "header", "B1": "header", "C1": "header", "D1": "header", "C2": "error",
                "C3": "info", "A5": "title"},
        merges=["A5:D5"],
        landscape=True,
    )


# ---------------------------------------------------------------------------
# Values, fills, rows


def test_values_written_in_place(form, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(form, out, FORM_PATCHES)
    ws = _load(out)[SHEET]
    assert ws["H22"].value == 0.9
    assert ws["A17"].value == 7 and ws["C17"].value == "指标17"
    assert ws["A60"].value == "新行"
    assert ws["J30"].value == '说明文字 <&> "引号"'
    assert ws["A2"].value == "=SUM(A1)" and ws["A2"].data_type == "s"  # text, never a formula
    assert _load(out)[OTHER]["B3"].value == 120
    sheet = ET.fromstring(_member(out, SHEET1))
    rows = [int(r.get("r")) for r in sheet.iter(f"{NS_MAIN}row")]
    assert rows == sorted(rows) and 2 in rows and 60 in rows
    for row in sheet.iter(f"{NS_MAIN}row"):
        cols = [openpyxl.utils.cell.coordinate_from_string(c.get("r"))[0] for c in row]
        indexes = [openpyxl.utils.column_index_from_string(c) for c in cols]
        assert indexes == sorted(indexes), row.get("r")


def test_string_with_equals_is_inline_text(form, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(form, out, [CellPatch(SHEET, "A2", "=SUM(A1)")])
    xml = _member(out, SHEET1).decode()
    cell = re.search(r'<c r="A2"[^>]*>.*?</c>', xml).group(0)
    assert 't="inlineStr"' in cell and "<f>" not in cell and "=SUM(A1)" in cell


def test_fill_keeps_font_border_alignment_and_number_format(form, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(form, out, FORM_PATCHES)
    ws = _load(out)[SHEET]
    h22 = ws["H22"]
    assert h22.fill.fgColor.rgb == "FFFFC7CE" and h22.fill.fill_type == "solid"
    assert h22.font.b and h22.font.color.rgb == "FFFF0000" and h22.font.name == "宋体"
    assert h22.border.left.style == "thin" and h22.border.bottom.style == "thin"
    assert h22.alignment.horizontal == "center"
    assert h22.number_format == "0.00%"
    g30 = ws["G30"]
    assert g30.value == "优" and g30.fill.fgColor.rgb == "FFFFEB9C"
    assert ws.row_dimensions[22].height == 30  # row attributes kept
    assert ws.column_dimensions["C"].width == 20


def test_patch_on_hidden_merged_cell_goes_to_anchor(form, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(form, out, [CellPatch(SHEET, "D20", fill="FFDDEBF7", comment="合并单元格批注")])
    ws = _load(out)[SHEET]
    assert ws["C20"].fill.fgColor.rgb == "FFDDEBF7"
    assert "合并单元格批注" in _comment_text(ws, "C20")


def test_styles_appended_with_counts(form, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(form, out, FORM_PATCHES)
    root = ET.fromstring(_member(out, "xl/styles.xml"))
    for section in ("fills", "cellXfs", "fonts"):
        el = root.find(f"{NS_MAIN}{section}")
        assert int(el.get("count")) == len(el)


# ---------------------------------------------------------------------------
# Excel-specific XML must survive


def test_namespaces_shared_formulas_and_cached_values_survive(form, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(form, out, FORM_PATCHES)
    xml = _member(out, SHEET1).decode()
    assert 'mc:Ignorable="x14ac"' in xml and "xmlns:x14ac=" in xml
    assert xml.count('x14ac:dyDescent="0.25"') >= 40
    assert '<f t="shared" ref="I16:I20" si="0">H16*100</f>' in xml
    assert xml.count('<f t="shared" si="0"/>') == 4
    assert re.search(r"<f>SUM\(H16:H45\)</f><v>[0-9.]+</v>", xml)
    ws = _load(out)[SHEET]
    assert ws["I18"].value == "=H18*100"
    assert _load(out, data_only=True)[SHEET]["H46"].value == pytest.approx(sum(0.5 + r / 100 for r in range(16, 46)))
    assert "xl/calcChain.xml" in zipfile.ZipFile(out).namelist()  # no formula overwritten


def test_rich_text_shared_strings_untouched(rich, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(rich, out, [CellPatch(SHEET, "B1", "新值"), CellPatch(SHEET, "A1", fill="FFFFC7CE")])
    assert _member(out, "xl/sharedStrings.xml") == _member(rich, "xl/sharedStrings.xml")
    xml = _member(out, SHEET1).decode()
    cell = re.search(r'<c r="A1"[^>]*><v>0</v></c>', xml).group(0)
    assert 't="s"' in cell and 's="' in cell
    ws = _load(out, rich_text=True)[SHEET]
    assert "".join(str(part) for part in ws["A1"].value) == "普通加粗文字"


def test_overwriting_shared_formula_master_expands_group(form, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(form, out, [CellPatch(SHEET, "I16", 5)])
    xml = _member(out, SHEET1).decode()
    assert 't="shared"' not in xml
    assert "<f>H17*100</f>" in xml and "<f>H20*100</f>" in xml
    ws = _load(out)[SHEET]
    assert ws["I16"].value == 5 and ws["I19"].value == "=H19*100"
    names = zipfile.ZipFile(out).namelist()
    assert "xl/calcChain.xml" not in names  # Excel rebuilds it; a stale one would need repair
    assert b"calcChain" not in _member(out, "[Content_Types].xml")
    assert b"calcChain" not in _member(out, "xl/_rels/workbook.xml.rels")
    assert verify_preserved(form, out) == []


def test_prefixed_main_namespace(form, tmp_path):
    """Sheets written with <x:worksheet xmlns:x=…> (OpenXML SDK style) get x: elements."""
    xml = _member(form, SHEET1).decode()
    xml = re.sub(r"<(/?)(?![\w]+:)(\w+)(?=[\s/>])", r"<\1x:\2", xml)
    xml = xml.replace('xmlns="http://schemas', 'xmlns:x="http://schemas', 1)
    prefixed = tmp_path / "prefixed.xlsx"
    shutil.copy(form, prefixed)
    _rewrite_zip(prefixed, {SHEET1: xml.encode()})
    out = tmp_path / "out.xlsx"
    patch_xlsx(prefixed, out, FORM_PATCHES)
    new = _member(out, SHEET1).decode()
    assert '<x:c r="A60" t="inlineStr"><x:is><x:t xml:space="preserve">新行</x:t></x:is></x:c>' in new
    assert "<x:legacyDrawing " in new and "<c " not in new
    ws = _load(out)[SHEET]
    assert ws["A60"].value == "新行" and ws["H22"].fill.fgColor.rgb == "FFFFC7CE"


def test_rows_and_cells_without_r_attributes(form, tmp_path):
    """Some writers omit r on <row> and <c>; positions are then implicit."""
    sheet2 = "xl/worksheets/sheet2.xml"
    xml = _member(form, sheet2).decode()
    data = re.search(r"<sheetData>.*</sheetData>", xml).group(0)
    bare = re.sub(r'(<(?:row|c)) r="[A-Z]*\d+"', r"\1", data)
    stripped = tmp_path / "bare.xlsx"
    shutil.copy(form, stripped)
    _rewrite_zip(stripped, {sheet2: xml.replace(data, bare).encode()})
    out = tmp_path / "out.xlsx"
    patch_xlsx(stripped, out, [CellPatch(OTHER, "B2", fill="FFFFC7CE"), CellPatch(OTHER, "D3", 5),
                               CellPatch(OTHER, "A5", "末行")])
    ws = _load(out)[OTHER]
    assert ws["B2"].value == "金额" and ws["B2"].fill.fgColor.rgb == "FFFFC7CE"
    assert ws["A3"].value == "甲" and ws["B3"].value == 100 and ws["D3"].value == 5
    assert ws["A5"].value == "末行" and ws["A1"].value == "附表标题"


def test_self_closing_row_and_empty_sheet(rich, tmp_path):
    wb = _load(rich)
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)  # its only sheet has <sheetData />
    out = tmp_path / "out.xlsx"
    patch_xlsx(empty, out, [CellPatch("Sheet", "B2", "内容", fill="FFFFC7CE")])
    ws = _load(out)["Sheet"]
    assert ws["B2"].value == "内容" and ws["B2"].fill.fgColor.rgb == "FFFFC7CE"
    assert wb[SHEET]["C3"].value is None  # xlsxwriter wrote <row r="3" … /> for the comment row
    patch_xlsx(rich, out, [CellPatch(SHEET, "D3", 1), CellPatch(SHEET, "A3", "前")])
    ws = _load(out)[SHEET]
    assert ws["D3"].value == 1 and ws["A3"].value == "前"
    _assert_wellformed(out)


def test_formula_translation():
    from xlsproc.ooxml.sheet import _translate_formula

    assert _translate_formula("H16*100+$A$1+A$2+$B3", 2, 1, "I16") == "I18*100+$A$1+B$2+$B5"
    assert _translate_formula("SUM('表 一'!A1:B2)&\"A1\"", 1, 0, "X1") == "SUM('表 一'!A2:B3)&\"A1\""
    assert _translate_formula("LOG10(A1)", 1, 0, "X1") == "LOG10(A2)"
    assert _translate_formula("A1", -5, 0, "X1") == "#REF!"
    with pytest.raises(ValueError):
        _translate_formula("SUM(A:A)", 1, 0, "X1")


# ---------------------------------------------------------------------------
# Comments


def test_comments_new_and_merged_with_existing(form, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(form, out, FORM_PATCHES)
    wb = _load(out)
    ws = wb[SHEET]
    assert _comment_text(ws, "C5") == "请核实预算数\n\n预算数与批复不符。"
    assert _comment_text(ws, "H22") == "执行率与佐证材料不一致，请核实。"
    assert _comment_text(wb[OTHER], "B3") == "金额已核对。"
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        ct = zf.read("[Content_Types].xml").decode()
        for sheet in (SHEET1, "xl/worksheets/sheet2.xml"):
            xml = zf.read(sheet)
            _assert_schema_order(xml)
            assert xml.count(b"<legacyDrawing ") == 1
    assert "xl/comments1.xml" in names and "xl/drawings/vmlDrawing1.vml" in names
    assert "/xl/comments1.xml" in ct and 'Extension="vml"' in ct
    _assert_wellformed(out)  # incl. openpyxl's ns0:/ns1: VML we appended v:/o:/x: shapes to


def test_comment_added_to_existing_vml(rich, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(rich, out, [CellPatch(SHEET, "E5", comment="公式结果请复核"), CellPatch(SHEET, "C3", comment="补充")])
    vml = _member(out, "xl/drawings/vmlDrawing1.vml").decode()
    ids = re.findall(r'<v:shape id="(_x0000_s\d+)"', vml)
    assert len(ids) == 2 and len(set(ids)) == 2
    assert "<x:Row>4</x:Row><x:Column>4</x:Column>" in vml
    ws = _load(out)[SHEET]
    assert ws["C3"].comment.text == "经办人原批注\n\n补充"
    assert ws["E5"].comment.text == "公式结果请复核"


# ---------------------------------------------------------------------------
# New sheets


def test_new_sheet_links_freeze_filter_styles(form, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(form, out, FORM_PATCHES, [_report_sheet()])
    wb = _load(out)
    assert wb.sheetnames == [SHEET, OTHER, "审核意见"]
    ws = wb["审核意见"]
    assert ws["A1"].value == "序号" and ws["A2"].value == 1 and ws["D2"].value == "H22"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:D3"
    assert ws["D2"].hyperlink.location == f"'{SHEET}'!H22"
    assert ws["D3"].hyperlink.location == f"'{SHEET}'!G30"  # bare sheet name quoted
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb == "FFD9D9D9" and ws["A1"].border.left.style == "thin"
    assert ws["C2"].fill.fgColor.rgb == "FFFFC7CE" and ws["C2"].alignment.wrap_text
    assert ws["C3"].fill.fgColor.rgb == "FFDDEBF7"
    assert ws["A5"].font.b and ws["A5"].font.sz == 14
    assert ws["D2"].font.u == "single"
    assert "A5:D5" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.column_dimensions["C"].width == 40
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.row_dimensions[2].height and ws.row_dimensions[2].height > 15  # wrapped text row
    names = {(n, s) for n, s in re.findall(r'name="([^"]+)"(?: localSheetId="(\d+)")?', _member(out, "xl/workbook.xml").decode())}
    assert ("_xlnm._FilterDatabase", "2") in names
    _assert_schema_order(_member(out, "xl/worksheets/sheet3.xml"))


def test_reannotating_annotated_copy_is_idempotent(form, tmp_path):
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    patch_xlsx(form, first, FORM_PATCHES, [_report_sheet()])
    patch_xlsx(first, second, FORM_PATCHES, [_report_sheet()])
    assert _load(second).sheetnames == [SHEET, OTHER, "审核意见"]
    for name in ("xl/worksheets/sheet3.xml", "xl/styles.xml", "xl/comments1.xml", "xl/workbook.xml",
                 "[Content_Types].xml", SHEET1):
        assert _member(first, name) == _member(second, name), name
    assert verify_preserved(first, second) == []


def test_new_sheet_replacing_changes_only_its_part(form, tmp_path):
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    patch_xlsx(form, first, [], [_report_sheet()])
    changed = _report_sheet()
    changed.rows.append([3, "警告", "新增问题", "A1"])
    changed.autofilter = "A1:D4"
    patch_xlsx(first, second, [], [changed])
    assert _load(second)["审核意见"]["C4"].value == "新增问题"
    wb_xml = _member(second, "xl/workbook.xml").decode()
    assert wb_xml.count("_xlnm._FilterDatabase") == 1 and "$A$1:$D$4" in wb_xml


def test_bad_sheet_names_rejected(form, tmp_path):
    with pytest.raises(ValueError):
        patch_xlsx(form, tmp_path / "out.xlsx", [], [NewSheet("a/b", [[1]])])
    with pytest.raises(KeyError):
        patch_xlsx(form, tmp_path / "out.xlsx", [CellPatch("不存在", "A1", 1)])
    assert not list(tmp_path.glob("*.tmp")) and not (tmp_path / "out.xlsx").exists()


# ---------------------------------------------------------------------------
# Preservation: other members, source file, verify_preserved


def test_untouched_members_are_byte_identical(form, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(form, out, FORM_PATCHES, [_report_sheet()])
    before, after = _raw_members(form), _raw_members(out)
    changed = {name for name in before if before[name] != after.get(name)}
    assert changed == {SHEET1, "xl/worksheets/sheet2.xml", "xl/drawings/commentsDrawing1.vml",
                       "xl/comments/comment1.xml", "xl/styles.xml", "xl/workbook.xml",
                       "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    for name in ("xl/theme/theme1.xml", "xl/charts/chart1.xml", "xl/drawings/drawing1.xml", "docProps/app.xml"):
        assert after[name] == before[name]  # same compression, same CRC, same raw bytes
    assert list(before)[: len(before)] == [n for n in after if n in before]  # member order kept


def test_rich_members_identical_and_source_unchanged(rich, tmp_path):
    digest = _sha(rich)
    out = tmp_path / "out.xlsx"
    patch_xlsx(rich, out, [CellPatch(SHEET, "B5", 9, fill="FFFFC7CE", comment="请核对")], [_report_sheet()])
    assert _sha(rich) == digest
    before, after = _raw_members(rich), _raw_members(out)
    for name in ("xl/media/image1.png", "xl/drawings/drawing1.xml", "xl/charts/chart1.xml",
                 "xl/sharedStrings.xml", "xl/drawings/_rels/drawing1.xml.rels"):
        assert after[name] == before[name], name
    assert verify_preserved(rich, out) == []
    ws = _load(out, data_only=True)[SHEET]
    assert ws["E5"].value == 6  # cached value of the formula kept


def test_source_bytes_unchanged(form, tmp_path):
    digest = _sha(form)
    patch_xlsx(form, tmp_path / "out.xlsx", FORM_PATCHES, [_report_sheet()])
    assert _sha(form) == digest
    with pytest.raises(ValueError):
        patch_xlsx(form, form, FORM_PATCHES)
    assert _sha(form) == digest


def test_verify_preserved_clean_copy(form, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(form, out, FORM_PATCHES, [_report_sheet()])
    assert verify_preserved(form, out) == []


def test_verify_reports_removed_merge(form, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(form, out, FORM_PATCHES)
    xml = _member(out, SHEET1).decode().replace('<mergeCell ref="B10:B14" />', "")
    xml = re.sub(r"<dataValidations .*?</dataValidations>", "", xml)
    xml = re.sub(r"<conditionalFormatting .*?</conditionalFormatting>", "", xml)
    xml = re.sub(r'<hyperlink ref="A4"[^>]*/>', "", xml)
    damaged = tmp_path / "damaged.xlsx"
    shutil.copy(out, damaged)
    _rewrite_zip(damaged, {SHEET1: xml.encode()})
    problems = verify_preserved(form, damaged)
    where = f"工作表“{SHEET}”的"
    assert f"{where}合并单元格 B10:B14 丢失" in problems
    assert f"{where}数据验证 G16:G45 丢失" in problems
    assert f"{where}条件格式 H16:H45 丢失" in problems
    assert f"{where}超链接 A4（'{OTHER}'!A1）丢失" in problems
    assert len(problems) == 4, problems


def test_verify_reports_openpyxl_round_trip_losses(rich, tmp_path):
    damaged = tmp_path / "roundtrip.xlsx"
    _load(rich).save(damaged)  # no Pillow: image dropped; text box, sparkline, cached values too
    problems = verify_preserved(rich, damaged)
    text = "\n".join(problems)
    assert "图片少了 1 个" in text
    assert "文本框/形状少了 1 个" in text
    assert "迷你图组少了 1 个" in text
    assert "公式缓存值丢失 1 个" in text
    assert "文件部件 xl/media/image1.png 丢失" in text


def test_verify_reports_unreadable_copy(form, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    assert verify_preserved(form, broken)[0].startswith("无法读取")


def test_verify_reports_lost_defined_name_and_comment(form, tmp_path):
    damaged = tmp_path / "damaged.xlsx"
    wb = _load(form)
    del wb.defined_names["总分"]
    wb[SHEET]["C5"].comment = None
    wb.save(damaged)
    problems = verify_preserved(form, damaged)
    assert "定义名称 总分 丢失" in problems
    assert f"工作表“{SHEET}”的批注 C5 丢失" in problems


# ---------------------------------------------------------------------------
# .xlsm, LibreOffice


def test_xlsm_keeps_macros(rich_xlsm, tmp_path):
    out = tmp_path / "out.xlsm"
    patch_xlsx(rich_xlsm, out, [CellPatch(SHEET, "B5", 3, comment="宏文件批注")], [_report_sheet()])
    assert _raw_members(out)["xl/vbaProject.bin"] == _raw_members(rich_xlsm)["xl/vbaProject.bin"]
    ct = _member(out, "[Content_Types].xml").decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in ct
    assert "application/vnd.ms-office.vbaProject" in ct
    assert verify_preserved(rich_xlsm, out) == []


def _soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        pytest.skip("soffice 未安装，跳过 LibreOffice 打开测试（apt-get install libreoffice-calc-nogui）")
    return exe


def _convert(exe: str, path: Path, fmt: str, outdir: Path) -> Path:
    profile = outdir / "lo-profile"
    cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
           "--outdir", str(outdir), str(path)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    target = outdir / (path.stem + "." + fmt.split(":")[0])
    assert result.returncode == 0 and target.exists(), result.stdout + result.stderr
    return target


def test_libreoffice_opens_patched_file(form, rich, tmp_path):
    exe = _soffice()
    out = tmp_path / "patched.xlsx"
    patch_xlsx(form, out, FORM_PATCHES, [_report_sheet()])
    pdf = _convert(exe, out, "pdf", tmp_path / "pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
    again = _convert(exe, out, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    wb = _load(again)
    assert wb.sheetnames == [SHEET, OTHER, "审核意见"]
    assert wb[SHEET]["A60"].value == "新行" and wb[SHEET]["A2"].value == "=SUM(A1)"
    assert "预算数与批复不符" in _comment_text(wb[SHEET], "C5")
    assert "执行率与佐证材料不一致" in _comment_text(wb[SHEET], "H22")
    assert wb["审核意见"]["D2"].hyperlink is not None
    # A workbook written by LibreOffice (shared strings, its own style ids) patches cleanly too.
    twice = tmp_path / "lo_patched.xlsx"
    patch_xlsx(again, twice, [CellPatch(SHEET, "H23", 0.5, fill="FFFFC7CE", comment="再次批注")])
    assert verify_preserved(again, twice) == []
    assert _load(twice)[SHEET]["H23"].fill.fgColor.rgb == "FFFFC7CE"
    _assert_wellformed(twice)
    rich_out = tmp_path / "rich_patched.xlsx"
    patch_xlsx(rich, rich_out, [CellPatch(SHEET, "E5", comment="复核")], [_report_sheet()])
    assert _convert(exe, rich_out, "pdf", tmp_path / "pdf2").stat().st_size > 1000




# ---------------------------------------------------------------------------
# Fast paths: verify=True / fsync, compression, partial sheet comparison


def test_patch_with_verify_returns_the_losses(form, tmp_path):
    out = tmp_path / "out.xlsx"
    assert patch_xlsx(form, out, FORM_PATCHES, [_report_sheet()], verify=True) == []
    assert verify_preserved(form, out) == []
    assert patch_xlsx(form, tmp_path / "plain.xlsx", FORM_PATCHES) is None


def test_fsync_is_optional(form, tmp_path, monkeypatch):
    import xlsproc.ooxml.package as package

    synced = []
    monkeypatch.setattr(package.os, "fsync", lambda fd: synced.append(fd))
    patch_xlsx(form, tmp_path / "a.xlsx", FORM_PATCHES)
    assert len(synced) == 1
    patch_xlsx(form, tmp_path / "b.xlsx", FORM_PATCHES, fsync=False)
    assert len(synced) == 1
    with zipfile.ZipFile(tmp_path / "a.xlsx") as a, zipfile.ZipFile(tmp_path / "b.xlsx") as b:
        assert [(i.filename, a.read(i)) for i in a.infolist()] == [(i.filename, b.read(i)) for i in b.infolist()]
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("size", [0, 1, 300, 511, 512, 513, 4096, 40_000, 300_000])
def test_compress_round_trips_at_every_size(size):
    import random

    from xlsproc.ooxml.package import _compress

    rng = random.Random(size)
    data = bytes(rng.choice(b"<c r='A1'>\xe4\xb8\xad</c>") for _ in range(size))
    assert zlib.decompress(_compress(data, zipfile.ZIP_DEFLATED), -15) == data


def test_a_part_deflated_wrong_is_refused_not_written(form, tmp_path, monkeypatch):
    """Verification reads the parts from memory: a deflater that returned a broken stream would
    go unseen without the inflate-and-compare of each part we deflate."""
    from xlsproc.ooxml import package

    class Broken:
        def __init__(self, real):
            self.real = real

        def compress(self, data):
            self.head = self.real.compress(data)
            return b""

        def flush(self):
            out = bytearray(self.head + self.real.flush())
            out[len(out) // 2] ^= 0x55             # one byte off: a stream that lies
            return bytes(out)

    real = package._deflater.compressobj
    monkeypatch.setattr(package._deflater, "compressobj", lambda *a: Broken(real(*a)),
                        raising=False)
    package._stored_cached.cache_clear()
    out = tmp_path / "copy.xlsx"
    with pytest.raises(ValueError, match="压缩数据校验未通过"):
        patch_xlsx(form, out, FORM_PATCHES)
    assert not out.exists()
    package._stored_cached.cache_clear()


def test_copies_are_deflated_by_zlib_ng_and_any_reader_inflates_them(form, tmp_path):
    """zlib-ng is a dependency (the deflater of the parts we write, ~2.5× zlib's speed): a lost
    import would silently cost ~0.3 ms per copy. Its output is plain deflate: the standard zip
    reader checks every member's CRC."""
    from xlsproc.ooxml import package
    assert package._deflater.__name__ == "zlib_ng.zlib_ng"
    out = tmp_path / "copy.xlsx"
    patch_xlsx(form, out, FORM_PATCHES)
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        assert any(i.compress_type == zipfile.ZIP_DEFLATED for i in zf.infolist())


def _damage(path: Path, out: Path, member: str, edit) -> Path:
    shutil.copy(path, out)
    _rewrite_zip(out, {member: edit(_member(path, member).decode()).encode()})
    return out


def test_verify_checks_the_rows_that_changed(form, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(form, out, [CellPatch(SHEET, "H17", 1, fill="FFFFC7CE")])  # row 17 changes
    # a damaged changed row is unreadable, reported with its position in the whole part
    broken = _damage(out, tmp_path / "broken.xlsx", SHEET1, lambda x: x.replace('<c r="H17"', '<c r="H17" r', 1))
    problems = verify_preserved(form, broken)
    with pytest.raises(ET.ParseError) as exc:
        ET.fromstring(_member(broken, SHEET1))
    assert problems == [f"无法读取副本或原文件：{exc.value}"]
    # a cached formula value lost in a changed row, and one in an unchanged row
    for ref in ("I17", "H46"):
        lost = _damage(out, tmp_path / f"lost_{ref}.xlsx", SHEET1,
                       lambda x: re.sub(rf'(<c r="{ref}"[^>]*>.*?)<v>[^<]*</v>', r"\1", x, count=1))
        assert verify_preserved(form, lost) == [f"工作表“{SHEET}”的公式缓存值丢失 1 个"], ref


def test_verify_reads_new_sheets_and_comments(form, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_xlsx(form, out, [CellPatch(OTHER, "B3", 1, comment="新批注")], [_report_sheet()])
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
    new_sheet = max(n for n in names if n.startswith("xl/worksheets/sheet"))
    new_comments = [n for n in names if "comments" in n and n not in zipfile.ZipFile(form).namelist()]
    assert new_comments
    for member in [new_sheet, new_comments[0]]:
        broken = _damage(out, tmp_path / "broken.xlsx", member, lambda x: x.replace("</", "<", 1))
        assert verify_preserved(form, broken)[0].startswith("无法读取副本或原文件："), member


def test_partial_comparison_matches_full_comparison(form, rich, tmp_path, monkeypatch):
    """The shortcut (only differing rows parsed) reports exactly what a full comparison does."""
    import xlsproc.ooxml.verify as verify

    cases = []
    for src, patches in ((form, FORM_PATCHES), (rich, [CellPatch(SHEET, "B5", 9, fill="FFFFC7CE", comment="核")])):
        out = tmp_path / f"{src.stem}_out.xlsx"
        patch_xlsx(src, out, patches, [_report_sheet()])
        edits = {
            "merge": lambda x: re.sub(r"<mergeCell [^>]*/>", "", x, count=1),
            "row": lambda x: re.sub(r"<row [^>]*>.*?</row>", "", x, count=1, flags=re.S),
            "value": lambda x: re.sub(r"(<f[^>]*>[^<]*</f>|<f [^>]*/>)<v>[^<]*</v>", r"\1", x, count=1),
            "ext": lambda x: re.sub(r"<extLst>.*?</extLst>", "", x, flags=re.S),
            "hyperlink": lambda x: re.sub(r"<hyperlink [^>]*/>", "", x, count=1),
            "rid": lambda x: x.replace('r:id="rId1"', 'r:id="rId9"'),
            "malformed": lambda x: x.replace("<row ", "<row <", 1),
            "same": lambda x: x,
        }
        for label, edit in edits.items():
            cases.append((src, _damage(out, tmp_path / f"{src.stem}_{label}.xlsx", SHEET1, edit)))
    fast = [verify_preserved(src, dst) for src, dst in cases]
    monkeypatch.setattr(verify, "_sheet_xml_delta", lambda *args: False)
    full = [verify_preserved(src, dst) for src, dst in cases]
    assert fast == full
    assert sum(1 for f in fast if f) >= 8


def test_verify_handles_cdata_rows(form, tmp_path):
    """Text that looks like row tags inside CDATA must not fool the row-level comparison."""
    src = tmp_path / "cdata.xlsx"
    shutil.copy(form, src)
    xml = _member(form, SHEET1).decode()
    cell = '<c r="J16" t="inlineStr"><is><t><![CDATA[</row><row r="99">]]></t></is></c>'
    xml, found = re.subn(r'(<row [^>]*\br="16"[^>]*>)', lambda m: m.group(1) + cell, xml, count=1)
    assert found
    _rewrite_zip(src, {SHEET1: xml.encode()})
    out = tmp_path / "out.xlsx"
    patch_xlsx(src, out, [CellPatch(SHEET, "H16", 2), CellPatch(SHEET, "H20", 3)])
    assert verify_preserved(src, out) == []
    lost = _damage(out, tmp_path / "lost.xlsx", SHEET1,
                   lambda x: re.sub(r'(<c r="I18"[^>]*>.*?)<v>[^<]*</v>', r"\1", x, count=1))
    assert verify_preserved(src, lost) == [f"工作表“{SHEET}”的公式缓存值丢失 1 个"]


def test_fast_row_and_cell_scans_match_the_general_ones(form, rich):
    """The bulk row split and the cell scan with a leading r="…" give what the general
    (one element at a time) code gives."""
    from xlsproc.ooxml.sheet import _SheetXml
    from xlsproc.ooxml.verify import _split_rows, _split_sheet

    for path in (form, rich):
        data = _member(path, SHEET1)
        split = _split_sheet(data)
        assert split is not None
        start = data.index(b">", data.index(b"<sheetData")) + 1
        content = data[start:data.index(b"</sheetData>")]
        assert _split_rows(content, b"") == _split_rows(content + b" ", b"")  # bulk vs one by one
        sheet = _SheetXml(data.decode())
        for row in split.rows:
            text = row.decode()
            head = sheet.row_open.match(text)
            if not head.group(1):
                assert sheet._cells(text, head.end()) == sheet._cells_slow(text, head.end())
    for content in (b'<row r="1"/><row r="2"></row>', b'<row r="1"/></row>', b'<rowx></row>',
                    b'<row r="1"></row></row>', b'<row r="1"><row></row>', b"<row></row>x"):
        assert _split_rows(content, b"") == _split_rows(content + b" ", b"")


def test_verify_in_memory_matches_verify_preserved(form, rich, tmp_path):
    """patch_xlsx(verify=True) compares from memory; verify_preserved reads both files."""
    for src, patches in ((form, FORM_PATCHES), (rich, [CellPatch(SHEET, "B5", 9, fill="FFFFC7CE", comment="核")])):
        out = tmp_path / f"{src.stem}_in_memory.xlsx"
        assert patch_xlsx(src, out, patches, [_report_sheet()], verify=True) == verify_preserved(src, out) == []
