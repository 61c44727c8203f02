"""An independent review of the annotated copy's filled rates, threads and person list.

Each input here is one the review found going wrong:
* a blank execution-rate cell that is not in the sheet XML at all, in a column (or row)
  formatted 0.00%: the copy wrote 99.38 into it, and the cell took the column's format when
  written — "9938.00%";
* the 代填 list on 审核结果 gave the rate as 0.9938 while her cell held the 99.38 we wrote;
* a person list ending in <extLst>: the person xlsproc was put after it (out of schema order:
  Excel repairs the file).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import SAMPLES
from producers import _rewrite

SEED = SAMPLES / "洪山区团委_2024_部门整体.xlsx"
FORM = "部门整体支出绩效自评表"
PART = "xl/worksheets/sheet1.xml"
PERCENT_XF = '<xf numFmtId="10" fontId="4" fillId="0" borderId="1" applyNumberFormat="1" xfId="0"/>'


def _rate_not_in_the_xml(tmp_path: Path, where: str) -> Path:
    """The seed with its rate cell G5 gone from the sheet XML (never written) and a 0.00% style
    (cellXfs index 10) on column G or on row 5 (customFormat) instead."""
    def edit(name, data):
        if name == "xl/styles.xml":
            xml = data.decode().replace("</cellXfs>", PERCENT_XF + "</cellXfs>")
            return xml.replace('cellXfs count="10"', 'cellXfs count="11"').encode()
        if name != PART:
            return data
        xml, n = re.subn(r'<c r="G5" s="7" t="n"><v>0\.9938</v></c>', "", data.decode())
        assert n == 1
        if where == "column":
            xml, n = re.subn(r'(<col [^>]*min="7" max="7")', r'\1 style="10"', xml)
        else:
            xml, n = re.subn(r'<row r="5">', '<row r="5" s="10" customFormat="1">', xml)
        assert n == 1
        return xml.encode()
    return _rewrite(SEED, tmp_path / f"{where}.xlsx", edit)


@pytest.mark.parametrize("where", ["column", "row"])
def test_a_rate_cell_formatted_as_a_percentage_by_its_column_or_row_gets_the_fraction(tmp_path, where):
    import xlsproc
    from xlsproc.write.annotate import annotate
    from xlsproc.write.marks import filled_cells
    src = _rate_not_in_the_xml(tmp_path, where)
    results = xlsproc.evaluate(src)
    assert results[0].budget.reported_rate is None
    out = tmp_path / "copy.xlsx"
    annotate(src, out, results, "default")
    cell = openpyxl.load_workbook(out)[FORM]["G5"]
    assert cell.number_format == "0.00%"                         # as her column / row shows it
    assert cell.value == 0.9938                                   # so 99.38%, not 9938.00%
    assert filled_cells(out)[(FORM, "G5")][0] == 0.9938
    again = xlsproc.evaluate(out)
    assert again[0].evaluation.filled_by_xlsproc == ("G5",) and again[0].budget.rate == results[0].budget.rate


def _blank_general_rate(tmp_path: Path) -> Path:
    def edit(name, data):
        if name != PART:
            return data
        xml, n = re.subn(r'<c r="G5" s="7" t="n"><v>0\.9938</v></c>', '<c r="G5" s="6"/>', data.decode())
        assert n == 1
        return xml.encode()
    return _rewrite(SEED, tmp_path / "general.xlsx", edit)


def _filled_rows(ws) -> dict[str, object]:
    """The 代填 list of 审核结果: cell → 填入值."""
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    head = next(n for n, row in enumerate(rows) if row[:4] == ["序号", "工作表", "单元格", "填入值"])
    return {row[2]: row[3] for row in rows[head + 1:] if row[0] is not None}


def test_the_review_sheet_lists_the_rate_as_her_cell_holds_it(tmp_path):
    import xlsproc
    from xlsproc.write.annotate import annotate
    from xlsproc.write.marks import filled_cells
    src = _blank_general_rate(tmp_path)
    out = tmp_path / "copy.xlsx"
    annotate(src, out, xlsproc.evaluate(src), "default")
    wb = openpyxl.load_workbook(out)
    assert wb[FORM]["G5"].value == 99.38
    assert _filled_rows(wb["审核结果"])["G5"] == 99.38 == filled_cells(out)[(FORM, "G5")][0]


def test_our_person_goes_before_the_person_lists_extension_list(tmp_path):
    import xml.etree.ElementTree as ET

    import xlsproc
    from test_copies import _threaded
    from xlsproc.write.annotate import annotate
    src = _threaded(tmp_path)
    src = _rewrite(src, tmp_path / "ext.xlsx", lambda name, data: data.replace(
        b"</personList>", b'<extLst><ext uri="{B0D3E4A5-0000-4000-8000-000000000001}"/></extLst></personList>')
        if name == "xl/persons/person.xml" else data)
    out = tmp_path / "copy.xlsx"
    annotate(src, out, xlsproc.evaluate(src), "default")
    with zipfile.ZipFile(out) as zf:
        root = ET.fromstring(zf.read("xl/persons/person.xml"))
    names = [(child.tag.split("}")[1], child.get("displayName")) for child in root]
    assert names == [("person", "她"), ("person", "xlsproc"), ("extLst", None)]


def test_a_person_list_we_make_is_related_to_the_workbook(tmp_path):
    """Her workbook has a thread but no person list (as other programs write it): the list we
    make must be the workbook's (a relationship of type person), or Excel 365 finds no author
    for our reply.  The relationship was added to a copy of the workbook's relationships that
    the workbook then overwrote."""
    import posixpath

    import xlsproc
    from test_copies import _threaded
    from xlsproc.ooxml.comments import REL_PERSON
    from xlsproc.write.annotate import annotate
    src = _threaded(tmp_path, persons=False)
    out = tmp_path / "copy.xlsx"
    annotate(src, out, xlsproc.evaluate(src), "default")
    with zipfile.ZipFile(out) as zf:
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        types = zf.read("[Content_Types].xml").decode()
        members = set(zf.namelist())
    targets = [re.search(r'Target="([^"]+)"', tag).group(1)
               for tag in re.findall(r"<Relationship [^>]*>", rels) if f'Type="{REL_PERSON}"' in tag]
    assert len(targets) == 1
    part = targets[0].lstrip("/") if targets[0].startswith("/") else posixpath.normpath("xl/" + targets[0])
    assert part in members and part.startswith("xl/persons/")
    assert f'PartName="/{part}" ContentType="application/vnd.ms-excel.person+xml"' in types
    assert [n for n in members if n.startswith("xl/persons/")] == [part]


def test_a_thread_part_that_is_not_well_formed_is_left_as_it_is(tmp_path):
    """A thread part some program wrote with a bare "&": the reply we spliced into it left it
    as unreadable as before, and the check of the copy then refused the whole copy with an
    English parser message ("not well-formed (invalid token)").  Such a part is left byte for
    byte; the note is still in the cell's legacy note."""
    import xlsproc
    from test_copies import _threaded
    from xlsproc.write.annotate import annotate
    part = "xl/threadedComments/threadedComment1.xml"
    src = _rewrite(_threaded(tmp_path), tmp_path / "amp.xlsx", lambda name, data: data.replace(
        "已核对".encode(), "已核对 & 完成".encode()) if name == part else data)
    results = xlsproc.evaluate(src)
    flagged = [f for r in results for f in r.flags if f.cell == "E12"]
    out = tmp_path / "copy.xlsx"
    annotate(src, out, results, "default")
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert a.read(part) == b.read(part)
    assert flagged[0].detail in openpyxl.load_workbook(out)[FORM]["E12"].comment.text


def test_a_person_list_that_is_not_well_formed_gets_no_reply_in_her_threads(tmp_path):
    """Her person list unreadable: our reply would name an author the list cannot hold, and
    the copy was refused with an English parser message.  Her parts stay as they are."""
    import xlsproc
    from test_copies import _threaded
    from xlsproc.write.annotate import annotate
    src = _rewrite(_threaded(tmp_path), tmp_path / "persons.xlsx", lambda name, data: data.replace(
        b'displayName="\xe5\xa5\xb9"', b'displayName="A & B"') if name == "xl/persons/person.xml" else data)
    out = tmp_path / "copy.xlsx"
    annotate(src, out, xlsproc.evaluate(src), "default")
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        for part in ("xl/persons/person.xml", "xl/threadedComments/threadedComment1.xml"):
            assert a.read(part) == b.read(part)


def _zero_formulas(tmp_path: Path, name: str, full_calc: bool) -> Path:
    """The seed with H5 blank (a value for us to write), G12 and G13 formulas whose cached results
    are 0, and fullCalcOnLoad as given."""
    def edit(part, data):
        if part == "xl/workbook.xml":
            xml = data.decode()
            return (xml if full_calc else xml.replace(' fullCalcOnLoad="1"', "")).encode()
        if part != PART:
            return data
        xml = data.decode()
        for ref in ("G12", "G13"):
            row = ref[1:]
            xml, n = re.subn(rf'<c r="{ref}" s="8" t="n"><v>\d+</v></c>',
                             f'<c r="{ref}" s="8"><f>IF(E{row}="0个",0,F{row})</f><v>0</v></c>', xml)
            assert n == 1
        xml, n = re.subn(r'<c r="H5" s="8" t="n"><v>19\.88</v></c>', '<c r="H5" s="8"/>', xml)
        assert n == 1
        return xml.encode()
    return _rewrite(SEED, tmp_path / name, edit)


def _no_cache_cells(path: Path) -> set[str]:
    import xlsproc
    return {f.cell for res in xlsproc.evaluate(path) for f in res.flags if f.code == "formula-no-cache"}


def test_our_recalculation_request_does_not_make_her_cached_zeros_placeholders(tmp_path):
    """A copy where we wrote a value asks Excel to recalculate (fullCalcOnLoad): sent back, her
    formulas' cached zeros are her results, not a non-calculating writer's placeholders."""
    import xlsproc
    from xlsproc.write.annotate import annotate
    src = _zero_formulas(tmp_path, "hers.xlsx", full_calc=False)
    assert _no_cache_cells(src) == set()
    copy = tmp_path / "copy.xlsx"
    annotate(src, copy, xlsproc.evaluate(src), "default")
    with zipfile.ZipFile(copy) as zf:
        assert 'fullCalcOnLoad="1"' in zf.read("xl/workbook.xml").decode()
    assert _no_cache_cells(copy) == set()


def test_a_writer_that_cannot_calculate_still_has_its_zeros_doubted(tmp_path):
    """The rule the exception above leaves alone: fullCalcOnLoad and every cache 0, no copy of ours."""
    src = _zero_formulas(tmp_path, "xlsxwriter.xlsx", full_calc=True)
    assert _no_cache_cells(src) == {"G12", "G13"}
