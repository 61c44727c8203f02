"""Annotated copies of workbooks other programs wrote: correct, or refused in Chinese — never wrong.

Each input here is one an independent attack on the copy found going wrong without a word:
* two sheets whose names differ only in case ("Table" and "TABLE", as a program that does not
  check Excel's rule writes them): the scores of one went into the other;
* two zip members with one part name (exactly, or differing in case): the copy held both;
* a formula of hers over a score cell we fill in: the copy showed our score beside her total
  still cached without it, and nothing asked Excel to recalculate.
"""
from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import SAMPLES
from xlsproc.ooxml.patch import CellPatch, patch_xlsx

SEED = SAMPLES / "洪山区团委_2024_部门整体.xlsx"
FORM = "部门整体支出绩效自评表"
PART = "xl/worksheets/sheet1.xml"


def _rewrite(src: Path, dst: Path, edit=lambda name, data: data, extra: dict | None = None) -> Path:
    """dst = src with every member passed through edit(name, bytes), then `extra` appended
    (names may repeat ones already written)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")          # zipfile warns about a duplicate name
        for info in zin.infolist():
            zout.writestr(info.filename, edit(info.filename, zin.read(info)))
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def _two_sheets(tmp_path: Path) -> Path:
    """The seed plus a second sheet: a small list, written by openpyxl."""
    wb = openpyxl.load_workbook(SEED)
    other = wb.create_sheet("附表")
    other.append(["项目", "金额"])
    other.append(["甲", 1])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    return path


def _sheet_part(path: Path, name: str) -> str:
    """The worksheet part of the sheet called exactly `name` (by workbook.xml and its rels)."""
    with zipfile.ZipFile(path) as zf:
        wb = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(r'<sheet [^>]*name="' + re.escape(name) + r'"[^>]*r:id="([^"]+)"', wb).group(1)
    target = re.search(r'<Relationship [^>]*Target="([^"]+)"[^>]*Id="' + rid + '"', rels)
    target = target or re.search(r'<Relationship [^>]*Id="' + rid + r'"[^>]*Target="([^"]+)"', rels)
    part = target.group(1).lstrip("/")
    return part if part.startswith("xl/") else "xl/" + part


def _case_twins(tmp_path: Path) -> Path:
    """The form named "Table" after a sheet named "TABLE" (the list): names Excel counts as one."""
    def edit(name, data):
        if name != "xl/workbook.xml":
            return data
        xml = data.decode()
        form = re.search(r'<sheet [^>]*name="' + FORM + r'"[^>]*/>', xml).group(0)
        other = re.search(r'<sheet [^>]*name="附表"[^>]*/>', xml).group(0)
        xml = xml.replace(form + other, other.replace('name="附表"', 'name="TABLE"')
                          + form.replace(f'name="{FORM}"', 'name="Table"'))
        return xml.replace(f"'{FORM}'", "Table").encode()
    return _rewrite(_two_sheets(tmp_path), tmp_path / "twins.xlsx", edit)


def test_sheet_names_differing_only_in_case_each_get_their_own_edits(tmp_path):
    src = _case_twins(tmp_path)
    table, upper = _sheet_part(src, "Table"), _sheet_part(src, "TABLE")
    assert table != upper
    out = tmp_path / "out.xlsx"
    assert patch_xlsx(src, out, [CellPatch("Table", "H5", 19.88, fill="FFE2EFDA")], verify=True) == []
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert a.read(upper) == b.read(upper)                   # the list is untouched
        assert re.search(r'<c r="H5"[^>]*><v>19\.88</v>', b.read(table).decode())


def test_a_name_matching_two_sheets_only_by_case_is_refused(tmp_path):
    src = _case_twins(tmp_path)
    with pytest.raises(KeyError, match="没有工作表“table”"):
        patch_xlsx(src, tmp_path / "out.xlsx", [CellPatch("table", "H5", 1)])
    assert not (tmp_path / "out.xlsx").exists()


def test_the_whole_run_annotates_the_sheet_the_scores_were_read_from(tmp_path):
    """End to end: the form is read from "Table", so its marks go to "Table", not "TABLE"."""
    import xlsproc
    from xlsproc.write.annotate import annotate
    src = _case_twins(tmp_path)
    results = xlsproc.evaluate(src)
    assert [r.evaluation.sheet for r in results] == ["Table"]
    out = tmp_path / "copy.xlsx"
    annotate(src, out, results, "default")
    upper = _sheet_part(src, "TABLE")
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert a.read(upper) == b.read(upper)


def _changed_sheet(name: str, data: bytes) -> bytes:
    return data.replace("共青团武汉市洪山区委员会".encode(), "另一个单位".encode()) if name == PART else data


@pytest.mark.parametrize("twin", [PART, "xl/worksheets/Sheet1.xml"], ids=["same-name", "case-only"])
def test_a_part_stored_twice_is_refused_in_chinese_not_copied_twice(tmp_path, twin):
    with zipfile.ZipFile(SEED) as zf:
        second = _changed_sheet(PART, zf.read(PART))
    src = _rewrite(SEED, tmp_path / "twice.xlsx", extra={twin: second})
    out = tmp_path / "out.xlsx"
    with pytest.raises(ValueError, match="压缩包中的文件部件 xl/worksheets/[Ss]heet1.xml .*同一部件出现两次"):
        patch_xlsx(src, out, [CellPatch(FORM, "E12", fill="FFF8CBAD", comment="请核实")])
    assert not out.exists()


def test_a_part_stored_twice_keeps_the_scores_and_says_why_there_is_no_copy(tmp_path):
    import xlsproc
    from xlsproc.model import XlsprocError
    from xlsproc.write.annotate import annotate
    with zipfile.ZipFile(SEED) as zf:
        second = _changed_sheet(PART, zf.read(PART))
    src = _rewrite(SEED, tmp_path / "twice.xlsx", extra={PART: second})
    results = xlsproc.evaluate(src)
    assert results and results[0].total_score is not None
    with pytest.raises(XlsprocError) as exc:
        annotate(src, tmp_path / "copy.xlsx", results, "default")
    assert exc.value.code == "copy-incomplete" and "重名" in exc.value.message
    assert not (tmp_path / "copy.xlsx").exists()


def _total_over_a_blank_score(tmp_path: Path) -> Path:
    """The seed with its budget score H5 left blank and the total G29 her formula over H5 and
    the indicator scores, cached as Excel saved it; Excel's calcPr without fullCalcOnLoad."""
    def edit(name, data):
        xml = data.decode() if name in (PART, "xl/workbook.xml") else None
        if name == PART:
            xml, n = re.subn(r'(<c r="H5"[^>]*?)\s*t="n"\s*>\s*<v>19\.88</v>\s*</c>', r"\1/>", xml)
            assert n == 1
            xml, n = re.subn(r'(<c r="G29"[^>]*?)\s*t="n"\s*>\s*<v>99\.88</v>',
                             r"\1><f>H5+SUM(G11:G28)</f><v>80</v>", xml)
            assert n == 1
            return xml.encode()
        if name == "xl/workbook.xml":
            return re.sub(r'\s*fullCalcOnLoad="1"', "", xml).replace('calcId="124519"', 'calcId="191029"').encode()
        return data
    return _rewrite(SEED, tmp_path / "formula.xlsx", edit)


def test_filling_a_score_her_formula_uses_makes_excel_recalculate_on_opening(tmp_path):
    import xlsproc
    from xlsproc.write.annotate import annotate
    src = _total_over_a_blank_score(tmp_path)
    results = xlsproc.evaluate(src)
    out = tmp_path / "copy.xlsx"
    annotate(src, out, results, "default")
    wb = openpyxl.load_workbook(out)
    assert wb[FORM]["H5"].value == 19.88                          # we filled her blank score
    assert wb[FORM]["G29"].value == "=H5+SUM(G11:G28)"           # her formula is hers
    with zipfile.ZipFile(out) as zf:                              # and Excel recomputes it
        calc = re.findall(r"<calcPr\b[^>]*>", zf.read("xl/workbook.xml").decode())
    assert calc == ['<calcPr calcId="191029" fullCalcOnLoad="1"/>']   # (openpyxl reads True anyway)


@pytest.mark.parametrize("calc", ['<calcPr calcId="191029"/>', '<calcPr calcId="191029"></calcPr>', ""])
def test_recalculation_is_asked_for_only_when_a_value_is_written(tmp_path, calc):
    def edit(name, data):
        if name != "xl/workbook.xml":
            return data
        return re.sub(r"<calcPr[^>]*/>", calc, data.decode()).encode()
    src = _rewrite(SEED, tmp_path / "src.xlsx", edit)
    marks = tmp_path / "marks.xlsx"
    assert patch_xlsx(src, marks, [CellPatch(FORM, "E12", fill="FFF8CBAD", comment="请核实")], verify=True) == []
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(marks) as b:
        assert a.read("xl/workbook.xml") == b.read("xl/workbook.xml")
    value = tmp_path / "value.xlsx"
    assert patch_xlsx(src, value, [CellPatch(FORM, "H11", 1.5)], verify=True) == []
    with zipfile.ZipFile(value) as b:
        xml = b.read("xl/workbook.xml").decode()
    assert len(re.findall(r"<calcPr\b", xml)) == 1 and 'fullCalcOnLoad="1"' in xml
    assert xml.index("<calcPr") > xml.index("</sheets>")         # schema order: after the sheets
    assert openpyxl.load_workbook(value)[FORM]["H11"].value == 1.5
