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


# ---------------------------------------------------------------------------
# Threaded comments: Excel 365 shows a cell's thread, not the legacy note kept as its fallback,
# so a note we only appended to that fallback was never seen there.  It is now also a reply.

THREAD_CT = "application/vnd.ms-excel.threadedcomments+xml"
PERSON_CT = "application/vnd.ms-excel.person+xml"
HER_THREAD = ('<threadedComment ref="E12" dT="2025-01-02T03:04:05.00" personId="{11111111-2222-3333-4444-'
              '555555555555}" id="{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}"><text>核对申报数 &amp; 来源</text>'
              '</threadedComment>')
HER_REPLY = ('<threadedComment ref="E12" dT="2025-01-03T03:04:05.00" personId="{11111111-2222-3333-4444-'
             '555555555555}" id="{BBBBBBBB-BBBB-CCCC-DDDD-EEEEEEEEEEEE}" parentId="{AAAAAAAA-BBBB-CCCC-DDDD-'
             'EEEEEEEEEEEE}"><text>已核对</text></threadedComment>')
OTHER_THREAD = HER_THREAD.replace('ref="E12"', 'ref="A1"').replace("AAAAAAAA", "CCCCCCCC")


def _threaded(tmp_path: Path, persons: bool = True) -> Path:
    """The seed as Excel 365 saves a thread on E12 (a cell we flag) and one on A1: the thread
    parts, and the legacy notes Excel keeps as their fallback (written by openpyxl)."""
    from openpyxl.comments import Comment
    wb = openpyxl.load_workbook(SEED)
    wb[FORM]["E12"].comment = Comment("[Threaded comment]\n核对申报数 & 来源\n已核对", "tc={AAAAAAAA}")
    wb[FORM]["A1"].comment = Comment("[Threaded comment]\n核对申报数 & 来源", "tc={CCCCCCCC}")
    base = tmp_path / "legacy.xlsx"
    wb.save(base)
    ns = ('xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
          'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
    extra = {"xl/threadedComments/threadedComment1.xml":
             f'<?xml version="1.0" encoding="UTF-8"?>\n<ThreadedComments {ns}>{OTHER_THREAD}{HER_THREAD}'
             f'{HER_REPLY}</ThreadedComments>'.encode()}
    if persons:
        extra["xl/persons/person.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<personList {ns}><person displayName="她" id="{{11111111-'
            '2222-3333-4444-555555555555}" userId="she" providerId="None"/></personList>').encode()

    def edit(name, data):
        text = data.decode() if name.endswith((".xml", ".rels")) else None
        if name == "[Content_Types].xml":
            more = f'<Override PartName="/xl/threadedComments/threadedComment1.xml" ContentType="{THREAD_CT}"/>'
            more += f'<Override PartName="/xl/persons/person.xml" ContentType="{PERSON_CT}"/>' if persons else ""
            return text.replace("</Types>", more + "</Types>").encode()
        if name == "xl/worksheets/_rels/sheet1.xml.rels":
            return text.replace("</Relationships>", '<Relationship Id="rIdTC" Type="http://schemas.microsoft.com/'
                                "office/2017/10/relationships/threadedComment\" Target=\"../threadedComments/"
                                'threadedComment1.xml"/></Relationships>').encode()
        if name == "xl/_rels/workbook.xml.rels" and persons:
            return text.replace("</Relationships>", '<Relationship Id="rIdP" Type="http://schemas.microsoft.com/'
                                'office/2017/10/relationships/person" Target="persons/person.xml"/>'
                                "</Relationships>").encode()
        return data
    return _rewrite(base, tmp_path / "threaded.xlsx", edit, extra)


def _thread_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/threadedComments/threadedComment1.xml").decode()


def _persons(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        name = next((n for n in zf.namelist() if n.startswith("xl/persons/")), None)
        return re.findall(r'displayName="([^"]*)"', zf.read(name).decode()) if name else []


def _our_replies(xml: str) -> list[tuple[str, str, str]]:
    """(ref, parentId, text) of every reply by the person xlsproc."""
    from xlsproc.ooxml.comments import PERSON_ID
    return re.findall(r'<threadedComment ref="([^"]+)"[^>]*personId="' + re.escape(PERSON_ID)
                      + r'"[^>]*parentId="([^"]+)"><text>(.*?)</text>', xml, re.S)


@pytest.mark.parametrize("persons", [True, False], ids=["person-list", "no-person-list"])
def test_a_note_on_a_cell_with_a_thread_is_also_a_reply_in_the_thread(tmp_path, persons):
    import xlsproc
    from xlsproc.write.annotate import annotate
    src = _threaded(tmp_path, persons)
    results = xlsproc.evaluate(src)
    flagged = [f for r in results for f in r.flags if f.cell == "E12"]
    assert flagged
    out = tmp_path / "copy.xlsx"
    annotate(src, out, results, "default")                     # verified: nothing of hers lost
    xml = _thread_xml(out)
    for element in (HER_THREAD, HER_REPLY, OTHER_THREAD):
        assert xml.count(element) == 1
    replies = _our_replies(xml)
    assert [(ref, parent) for ref, parent, _ in replies] == [("E12", "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}")]
    assert flagged[0].detail in replies[0][2]
    assert xml.index(HER_REPLY) < xml.index(replies[0][2])      # after her reply: the thread's last word
    from xlsproc.ooxml.comments import PERSON_ID
    assert f'dT="2025-01-03T03:04:05.00" personId="{PERSON_ID}"' in xml     # dated as her last reply
    assert _persons(out) == (["她", "xlsproc"] if persons else ["xlsproc"])
    ws = openpyxl.load_workbook(out)[FORM]
    assert flagged[0].detail in ws["E12"].comment.text          # the legacy fallback has it too
    assert ws["A1"].comment.text == "[Threaded comment]\n核对申报数 & 来源"


def test_the_reply_is_not_repeated_and_goes_when_the_copy_is_annotated_again(tmp_path):
    import xlsproc
    from xlsproc.write.annotate import annotate
    from xlsproc.write.marks import officer_workbook
    src = _threaded(tmp_path)
    first = tmp_path / "first.xlsx"
    annotate(src, first, xlsproc.evaluate(src), "default")
    second = tmp_path / "second.xlsx"
    annotate(first, second, xlsproc.evaluate(first), "default")
    assert len(_our_replies(_thread_xml(second))) == 1
    with zipfile.ZipFile(second) as zf:
        hers, _ = officer_workbook(zf, set())
        assert hers.read("xl/threadedComments/threadedComment1.xml") == _thread_xml(src).encode()


def test_verification_misses_no_element_of_her_threads(tmp_path):
    from xlsproc.ooxml.verify import verify_preserved
    src = _threaded(tmp_path)
    cut = _rewrite(src, tmp_path / "cut.xlsx", lambda name, data: data.replace(HER_REPLY.encode(), b"")
                   if name.startswith("xl/threadedComments/") else data)
    assert verify_preserved(src, src) == []
    assert any("线程批注丢失或被改动" in p for p in verify_preserved(src, cut))


# ---------------------------------------------------------------------------
# The execution rate we fill in is written as her cell shows it: 0.9938 in a cell formatted
# 0.00 under 执行率（%） showed "0.99" — a rate of 0.99 % in the officer's eyes.

def _blank_rate(tmp_path: Path, style: str, header: str = "执行率") -> Path:
    def edit(name, data):
        if name != PART:
            return data
        xml, n = re.subn(r'<c r="G5" s="7" t="n"><v>0\.9938</v></c>', f'<c r="G5" s="{style}" t="n"/>',
                         data.decode())
        assert n == 1
        return xml.replace("<t>执行率</t>", f"<t>{header}</t>", 1).encode()
    return _rewrite(SEED, tmp_path / f"rate{style}.xlsx", edit)


@pytest.mark.parametrize("style, header, shown", [
    ("5", "执行率（%）", 99.38),        # 0.00: the percentage itself
    ("6", "执行率", 99.38),             # General
    ("7", "执行率", 0.9938),            # 0.00%: the fraction, shown 99.38%
])
def test_a_filled_rate_reads_as_a_percentage_in_her_cell(tmp_path, style, header, shown):
    import xlsproc
    from xlsproc.write.annotate import annotate
    from xlsproc.write.marks import filled_cells
    src = _blank_rate(tmp_path, style, header)
    results = xlsproc.evaluate(src)
    assert results[0].budget.reported_rate is None and round(results[0].budget.rate, 4) == 0.9938
    out = tmp_path / "copy.xlsx"
    annotate(src, out, results, "default")
    assert openpyxl.load_workbook(out)[FORM]["G5"].value == shown
    assert filled_cells(out)[(FORM, "G5")][0] == shown           # the record says what the cell holds
    again = xlsproc.evaluate(out)                                  # our fill is known again as ours
    assert again[0].budget.reported_rate is None and again[0].budget.rate == results[0].budget.rate


def test_member_names_with_backslashes_are_refused_saying_so(tmp_path):
    """Some zip tools on Windows store "xl\\worksheets\\sheet1.xml": no part at the name the
    relationships give (LibreOffice cannot open such a file either).  The refusal says what is
    wrong instead of calling the form "not a worksheet"."""
    src = tmp_path / "backslash.xlsx"
    with zipfile.ZipFile(SEED) as zin, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            name = info.filename.replace("/", "\\") if info.filename.startswith("xl/worksheets/") else info.filename
            zout.writestr(zipfile.ZipInfo(name), zin.read(info))
    with pytest.raises(ValueError, match=r"数据部件 xl/worksheets/sheet1\.xml 在压缩包中找不到（压缩包中存为 "
                                         r"xl\\worksheets\\sheet1\.xml，路径用了反斜杠"):
        patch_xlsx(src, tmp_path / "out.xlsx", [CellPatch(FORM, "E12", fill="FFF8CBAD")])
    assert not (tmp_path / "out.xlsx").exists()
