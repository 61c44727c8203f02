"""The OOXML layer never silently mis-edits, and reads parts as it writes them.

The inputs an independent reading found the patch going wrong on (and verification saying
nothing): a default-namespace sheet with x:-prefixed cells mixed in, an XML comment holding a
cell after the real one, single-quoted attributes and spaces around '='.  Verification checks
what was applied: each patched cell once, outside comments, with its new value and style.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from conftest import SAMPLES
from xlsproc.ooxml.package import PartReader
from xlsproc.ooxml.patch import CellPatch, patch_xlsx
from xlsproc.ooxml.sheet import _Edit, _SheetXml
from xlsproc.ooxml.sheetmap import MappedSheetXml, map_sheet, sheet_editor
from xlsproc.ooxml.verify import check_applied
from xlsproc.ooxml.workbook import workbook_parts
from xlsproc.read.grid import read_grids, sheet_parts

SRC = SAMPLES / "某街道_社区治理_2024.xlsx"
SHEET = "项目支出绩效自评表"
PART = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PATCHES = [CellPatch(SHEET, "F7", 123, fill="FFFFC7CE"), CellPatch(SHEET, "G25", "文本"),
           CellPatch(SHEET, "Z7", True)]


def _sheet_xml(path: Path = SRC) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read(PART).decode()


def _with_sheet(tmp_path: Path, xml: str, name: str = "variant.xlsx", renames: dict | None = None) -> Path:
    """SRC with its sheet XML replaced (and members renamed: old → new)."""
    out = tmp_path / name
    renames = renames or {}
    with zipfile.ZipFile(SRC) as zf, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zf.infolist():
            data = xml.encode() if info.filename == PART else zf.read(info)
            zo.writestr(renames.get(info.filename, info.filename), data)
    return out


def mixed_prefixes(xml: str) -> str:
    """Row 7 written with x: (bound to the main namespace too), the rest unprefixed."""
    xml = xml.replace("<worksheet ", f'<worksheet xmlns:x="{MAIN}" ', 1)
    return re.sub(r'<row r="7".*?</row>', lambda m: re.sub(r"<(/?)(row|c|v|f|is|t)(?=[\s/>])", r"<\1x:\2",
                                                           m.group(0)), xml, count=1, flags=re.S)


def comment_after_f7(xml: str) -> str:
    return re.sub(r'(<c r="F7"[^>]*?(?:/>|>.*?</c>))', r'\1<!-- <c r="F7"/> <c r="G25"/> -->', xml,
                  count=1, flags=re.S)


def odd_quoting(xml: str) -> str:
    xml = re.sub(r'<c r="(G25|F7)"', r"<c r = '\1'", xml)
    return re.sub(r'<row r="(7|25)"', r'<row r ="\1"', xml)


def _cells(path: Path, ref: str) -> list[tuple[str, str]]:
    """(cell element as written, what a parser reads as its value) of every cell at ref."""
    xml = _sheet_xml(path)
    found = []
    for row in map_sheet(xml).rows:
        for cell in row.cells:
            if (cell.ref or "") == ref:
                found.append((xml[cell.start:cell.end], cell.inline if cell.inline is not None else cell.value))
    return found


@pytest.mark.parametrize("variant", [mixed_prefixes, comment_after_f7, odd_quoting])
def test_unusual_sheet_xml_gets_a_correct_copy(tmp_path, variant):
    src = _with_sheet(tmp_path, variant(_sheet_xml()))
    out = tmp_path / "out.xlsx"
    assert patch_xlsx(src, out, PATCHES, verify=True) == []
    assert [value for _, value in _cells(out, "F7")] == ["123"]
    assert [value for _, value in _cells(out, "G25")] == ["文本"]
    assert [value for _, value in _cells(out, "Z7")] == ["1"]
    if variant is comment_after_f7:           # the comment is left as it was
        assert '<!-- <c r="F7"/> <c r="G25"/> -->' in _sheet_xml(out)
    if variant is mixed_prefixes:             # written with the prefix of the row it is in
        assert _cells(out, "F7")[0][0].startswith("<x:c ")
    [grid] = [g for g in read_grids(out) if g.sheet == SHEET]
    assert grid.raw[6][5] == 123 and grid.raw[24][6] == "文本"


def test_the_string_editor_is_used_only_where_string_searches_are_exact():
    xml = _sheet_xml()
    assert type(sheet_editor(xml)) is _SheetXml
    for variant in (mixed_prefixes, comment_after_f7):
        assert type(sheet_editor(variant(xml))) is MappedSheetXml
    assert type(sheet_editor(odd_quoting(xml))) is _SheetXml   # _attr reads any quoting


class _NoStyles:
    def get(self):
        raise AssertionError("no fill asked for")


@pytest.mark.parametrize("variant, problem", [
    (mixed_prefixes, "单元格 F7 在副本中出现 2 次（应为 1 次）"),
    (comment_after_f7, "单元格 F7 的值未按要求写入"),
])
def test_verification_catches_what_a_blind_string_edit_did(variant, problem):
    """The string editor, wrongly used on such XML, mis-edits as before; the check of what
    was applied reports it (it finds cells as a parser does)."""
    blind = _SheetXml(variant(_sheet_xml()))
    blind.edit_cells({(6, 5): _Edit(value=5)}, _NoStyles())
    assert any(problem in p for p in check_applied(SHEET, blind.xml, blind.applied))
    right = sheet_editor(variant(_sheet_xml()))
    right.edit_cells({(6, 5): _Edit(value=5)}, _NoStyles())
    assert check_applied(SHEET, right.xml, right.applied) == []


def test_a_row_written_twice_is_refused_not_guessed(tmp_path):
    xml = _sheet_xml()
    row7 = re.search(r'<row r="7".*?</row>', xml, re.S).group(0)
    doubled = xml.replace(row7, row7 + "<!-- twice -->" + row7, 1)
    src = _with_sheet(tmp_path, doubled)
    with pytest.raises(ValueError, match="第 7 行出现了不止一次"):
        patch_xlsx(src, tmp_path / "out.xlsx", PATCHES, verify=True)
    assert not (tmp_path / "out.xlsx").exists()


def test_cells_and_rows_without_r_in_unusual_xml(tmp_path):
    xml = comment_after_f7(_sheet_xml())
    xml = re.sub(r'<row r="(?:8|9)"', "<row", xml)                       # rows 8, 9 without r
    xml = re.sub(r'(<row r="7"[^>]*>)<c r="A7"', r"\1<c", xml)            # A7 without r
    src = _with_sheet(tmp_path, xml)
    out = tmp_path / "out.xlsx"
    patches = [CellPatch(SHEET, "B7", 5), CellPatch(SHEET, "D9", 6), CellPatch(SHEET, "Z8", 7)]
    assert patch_xlsx(src, out, patches, verify=True) == []
    [grid] = [g for g in read_grids(out) if g.sheet == SHEET]
    [before] = [g for g in read_grids(src) if g.sheet == SHEET]
    assert grid.raw[6][1] == 5 and grid.raw[8][3] == 6 and grid.raw[7][25] == 7
    assert grid.raw[6][0] == before.raw[6][0] and grid.raw[8][0] == before.raw[8][0]


# --- reading: parts found as the editor finds them; any attribute quoting ---------------------

def test_reader_keeps_formula_without_cache_with_odd_quoting(tmp_path):
    """G25 holds a formula without a cached value; r = 'G25' used to lose that."""
    assert '<c r="G25" s="8"><f>' in _sheet_xml()
    for variant in (odd_quoting, mixed_prefixes, comment_after_f7):
        [grid] = [g for g in read_grids(_with_sheet(tmp_path, variant(_sheet_xml()))) if g.sheet == SHEET]
        assert (24, 6) in grid.no_cache, variant.__name__
        assert grid.formulas[(24, 6)] == "=G7+SUM(G14:G24)"


def test_parts_are_found_through_relationships_not_fixed_names(tmp_path):
    """A workbook whose parts live elsewhere (as other writers place them)."""
    with zipfile.ZipFile(SRC) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members["_rels/.rels"] = members["_rels/.rels"].replace(b"xl/workbook.xml", b"wb/book.xml")
    members["[Content_Types].xml"] = (members["[Content_Types].xml"]
                                      .replace(b"/xl/workbook.xml", b"/wb/book.xml")
                                      .replace(b"/xl/worksheets/sheet1.xml", b"/wb/data/s1.xml"))
    rels = members.pop("xl/_rels/workbook.xml.rels").decode()
    rels = re.sub(r'Target="(?:/xl/)?([^"]+)"', lambda m: f'Target="/xl/{m.group(1)}"', rels)
    rels = rels.replace("/xl/worksheets/sheet1.xml", "data/s1.xml")
    members["wb/_rels/book.xml.rels"] = rels.encode()
    members["wb/book.xml"] = members.pop("xl/workbook.xml")
    members["wb/data/s1.xml"] = members.pop(PART)
    members["wb/data/_rels/s1.xml.rels"] = members.pop("xl/worksheets/_rels/sheet1.xml.rels", b"") or None
    path = tmp_path / "moved.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zo:
        for name, data in members.items():
            if data is not None:
                zo.writestr(name, data)
    with zipfile.ZipFile(path) as zf:
        assert sheet_parts(zf)[SHEET] == "wb/data/s1.xml"
        parts = workbook_parts(PartReader(zf.namelist(), zf.read))
    assert parts.workbook == "wb/book.xml" and parts.styles == "xl/styles.xml" and not parts.binary
    out = tmp_path / "out.xlsx"
    assert patch_xlsx(path, out, PATCHES, verify=True) == []
    with zipfile.ZipFile(out) as zf:
        assert '<c r="F7" s="' in zf.read("wb/data/s1.xml").decode()


def test_a_word_document_with_relationships_is_not_a_workbook(tmp_path):
    path = tmp_path / "报告.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.wordprocessingml.document.main+xml"/></Types>')
        zf.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
                    '</Relationships>')
        zf.writestr("word/document.xml", "<document/>")
    from xlsproc.model import XlsprocError
    with pytest.raises(XlsprocError) as exc:
        read_grids(path)
    assert exc.value.code == "file-unsupported" and "Word" in exc.value.message


def test_string_scan_and_parser_read_the_samples_alike():
    """The reader's string scan (plain sheets) and its parser fallback give the same formulas
    and percent cells on every sample sheet."""
    from xlsproc.read.scan import _parsed_cells, percent_styles_of, scan_sheet
    compared = 0
    for path in sorted(p for p in SAMPLES.glob("*") if p.suffix in (".xlsx", ".xlsm")):
        with zipfile.ZipFile(path) as zf:
            parts = workbook_parts(PartReader(zf.namelist(), zf.read))
            styles = percent_styles_of(zf.read(parts.styles))
            for part in parts.sheets.values():
                data = zf.read(part)
                fast = scan_sheet(data, styles)
                assert (fast.formulas, fast.percent) == _parsed_cells(data, styles), (path.name, part)
                compared += bool(fast.formulas)
    assert compared >= 5


def test_character_references_in_attributes():
    """r="&#71;25" is G25 (calamine refuses such sheets; our own layer reads them)."""
    from xlsproc.read.scan import scan_sheet
    xml = _sheet_xml().replace('<c r="G25" s="8">', '<c r="&#71;25" s="&#56;">', 1)
    assert "&#71;25" in xml
    formulas = scan_sheet(xml.encode()).formulas
    assert formulas[(24, 6)] == ("=G7+SUM(G14:G24)", False, None)
    sheet = sheet_editor(xml)
    sheet.edit_cells({(24, 6): _Edit(value=7)}, _NoStyles())
    assert check_applied(SHEET, sheet.xml, sheet.applied) == []
    assert [c.value for r in map_sheet(sheet.xml).rows for c in r.cells if (c.row, c.col) == (24, 6)] == ["7"]


def test_a_refused_edit_is_a_clean_file_error_in_annotate(tmp_path):
    """annotate turns the refusal into copy-incomplete with the Chinese reason; no copy is left."""
    import xlsproc
    from xlsproc.model import XlsprocError
    from xlsproc.write.annotate import annotate, cell_patches
    xml = _sheet_xml()
    row7 = re.search(r'<row r="7".*?</row>', xml, re.S).group(0)
    src = _with_sheet(tmp_path, xml.replace(row7, row7 + "<!-- twice -->" + row7, 1))
    results = xlsproc.evaluate(src)
    assert any(p.ref[1:] == "7" for res in results for p in cell_patches(res))   # row 7 gets a mark
    dst = tmp_path / "out" / "copy.xlsx"
    with pytest.raises(XlsprocError) as exc:
        annotate(src, dst, results, "default")
    assert exc.value.code == "copy-incomplete" and "第 7 行出现了不止一次" in exc.value.message
    assert not dst.exists()


@pytest.mark.parametrize("variant", [mixed_prefixes, comment_after_f7])
def test_notes_on_unusual_sheet_xml(tmp_path, variant):
    """A note needs the sheet's <legacyDrawing> (placed in schema order, outside comments)."""
    import openpyxl
    src = _with_sheet(tmp_path, variant(_sheet_xml()))
    out = tmp_path / "out.xlsx"
    patches = [CellPatch(SHEET, "F7", 1, comment="请核实"), CellPatch(SHEET, "B30", "新", comment="新增")]
    assert patch_xlsx(src, out, patches, verify=True) == []
    ws = openpyxl.load_workbook(out)[SHEET]
    assert "请核实" in ws["F7"].comment.text and ws["B30"].comment.text.endswith("新增")
    assert ws["F7"].value == 1 and ws["B30"].value == "新"


@pytest.mark.parametrize("form", [r"s = '\1'", r's="&#x3\1;"', r's ="\1"', r"s='\1'"])
def test_percent_cells_with_any_style_attribute_syntax(form):
    """The percent scan looks for s="9" as written; any other way to write it reads the same."""
    from xlsproc.read.scan import percent_styles_of, scan_sheet
    for path in sorted(p for p in SAMPLES.glob("*") if p.suffix in (".xlsx", ".xlsm")):
        with zipfile.ZipFile(path) as zf:
            parts = workbook_parts(PartReader(zf.namelist(), zf.read))
            styles = percent_styles_of(zf.read(parts.styles))
            for part in parts.sheets.values():
                data = zf.read(part).decode()
                percent = scan_sheet(data.encode(), styles).percent
                if not percent:
                    continue
                odd = re.sub(r'(?<=<c )(r="[A-Z]+\d+") s="(\d)"', lambda m: m.group(1) + " " + re.sub(
                    r"\\1", m.group(2), form), data)
                assert odd != data
                assert scan_sheet(odd.encode(), styles).percent == percent, (path.name, form)
                return
    pytest.fail("no sample with percent cells")
