"""The fast paths of the annotated copy give what the straightforward code gives.

Row heights of 审核结果 and 自评报告 (printing.fit_rows, line_count) are computed over the styled
cells only and without splitting one-line texts: the heights must be those of measuring every
cell of every row.  The check of the applied edits reads the rows the string editor's own scan
found (_SheetXml.edited_rows): it must find what scanning every row again finds, and scan again
when the record does not hold.
"""
from __future__ import annotations

import math
import re
import random

import pytest

import xlsproc
from conftest import SAMPLES
from xlsproc.ooxml.sheet import _Edit, _SheetXml
from xlsproc.ooxml.verify import _cells_at, check_applied
from xlsproc.ooxml.patch import NewSheet
from xlsproc.refs import cell_name, parse_cell, parse_range
from xlsproc import textwidth
from xlsproc.write import printing
from xlsproc.write.annotate import report_sheet, review_sheet

GOOD = sorted(p for p in SAMPLES.glob("*") if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"))


def _fit_rows_reference(sheet) -> dict[int, float]:
    """fit_rows as it was: every cell of every row looked at, every text split at line breaks."""
    def line_count(text, width):
        per_line = max(1.0, width - 2)
        return sum(max(1, math.ceil(printing.text_width(part) / per_line)) for part in text.split("\n"))

    spans = {}
    for merge in sheet.merges:
        r1, c1, r2, c2 = parse_range(merge)
        spans[(r1, c1)] = c2
    styles = {parse_cell(ref): key for ref, key in sheet.styles.items()}
    heights = dict(sheet.row_heights)
    for r, row in enumerate(sheet.rows):
        height = 0.0
        for c, value in enumerate(row):
            style = styles.get((r, c))
            if not isinstance(value, str) or (style not in printing.WRAPPING_STYLES and style != "title"):
                continue
            width = sum(sheet.col_widths.get(cc, printing.DEFAULT_UNITS) for cc in range(c, spans.get((r, c), c) + 1))
            if style == "title":
                height = max(height, (printing.LINE_POINTS + 5) * line_count(value, width * 11 / 14) + 6)
            else:
                height = max(height, printing.LINE_POINTS * line_count(value, width) + 4)
        if height:
            heights[r] = height
    return heights


def _random_sheet(rng: random.Random) -> NewSheet:
    words = ["审核", "abc", "超额完成", "\n", "12.5%", "　　", "x" * 40, "指标" * 30, "", "😀", "ｆｕｌｌ"]
    rows = []
    for _ in range(rng.randrange(1, 12)):
        rows.append([rng.choice([None, 3.5, "".join(rng.choice(words) for _ in range(rng.randrange(6)))])
                     for _ in range(rng.randrange(0, 8))])
    styles = {cell_name(rng.randrange(14), rng.randrange(9)):
              rng.choice(["wrap", "title", "header", "error", "warning", "info", "link", "plain"])
              for _ in range(rng.randrange(30))}
    merges = [f"{cell_name(r, c)}:{cell_name(r + rng.randrange(2), c + rng.randrange(1, 4))}"
              for r, c in {(rng.randrange(12), rng.randrange(6)) for _ in range(rng.randrange(4))}]
    widths = {c: rng.choice([7, 8.5, 16, 46, 72, 0.5]) for c in range(rng.randrange(8))}
    given = {rng.randrange(12): 30.0 for _ in range(rng.randrange(3))}
    return NewSheet(name="t", rows=rows, styles=styles, merges=merges, col_widths=widths, row_heights=given)


def test_fit_rows_matches_the_reference_on_random_sheets():
    rng = random.Random(11)
    for _ in range(400):
        sheet = _random_sheet(rng)
        expected = _fit_rows_reference(sheet)
        printing.fit_rows(sheet)
        assert sheet.row_heights == expected


@pytest.mark.parametrize("src", GOOD, ids=[p.name for p in GOOD])
def test_fit_rows_matches_the_reference_on_our_sheets(src):
    results = xlsproc.evaluate(src)
    for sheet in (review_sheet(src.name, results, "default"), report_sheet(results)):
        fitted = dict(sheet.row_heights)
        sheet.row_heights = {}
        assert fitted == _fit_rows_reference(sheet)
        assert list(fitted) == sorted(fitted)


def test_line_count_of_one_line_texts_and_of_several():
    for text in ["", "a", "审核" * 50, "a\nb", "审核\n\n" + "x" * 100, "\n"]:
        for width in (0.5, 3, 9.0, 46, 72, 125.5):
            per_line = max(1.0, width - 2)
            assert printing.line_count(text, width) == sum(
                max(1, math.ceil(printing.text_width(p) / per_line)) for p in text.split("\n"))


def test_text_width_counts_each_wide_character_twice():
    """Runs of wide characters removed in one pass count as each wide character found."""
    one = re.compile(textwidth._WIDE.pattern.removesuffix("+"))
    rng = random.Random(7)
    for _ in range(20000):
        text = "".join(chr(rng.choice([rng.randrange(0x20, 0x80), rng.randrange(0x80, 0x3000),
                                       rng.randrange(0x2e00, 0xffff), rng.randrange(0x10000, 0x40000)]))
                       for _ in range(rng.randrange(12)))
        assert printing.text_width.__wrapped__(text) == len(text) + len(one.findall(text)), text
    assert printing.text_width("审核 abc（１）“x”") == 2 * 2 + 4 + 2 * 3 + 3


class _Fills:
    """Styles that give every fill the style index 7."""

    def get(self):
        return self

    def with_fill(self, style, fill):
        return 7


def _sheet(rows: str) -> str:
    return ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="A1:C9"/><sheetData>{rows}</sheetData></worksheet>')


def _edited(xml: str, edits: dict) -> _SheetXml:
    sheet = _SheetXml(xml)
    sheet.edit_cells(edits, _Fills())
    return sheet


def _same_cells(a: dict, b: dict) -> bool:
    return {k: sorted(map(repr, v)) for k, v in a.items()} == {k: sorted(map(repr, v)) for k, v in b.items()}


ROWS = ('<row r="2"><c r="A2"><v>1</v></c><c r="C2" s="1"/></row>'
        '<row r="4" spans="1:3"><c r="B4" t="inlineStr"><is><t>x</t></is></c></row>'
        '<row r="5"/><row r="7"><c r="A7"><v>3</v></c></row>')
EDITS = {(1, 1): _Edit(value=5), (3, 1): _Edit(value="新 <&>", fill="FFFFC7CE"), (4, 0): _Edit(value=1.5),
         (5, 2): _Edit(value=True), (8, 0): _Edit(fill="FFFFC7CE"), (6, 0): _Edit(value=2)}


@pytest.mark.parametrize("rows", [ROWS, ROWS.replace('<row r="5"/>', '<row r="5"/><row r="5"><c r="A5"/></row>'),
                                  ROWS.replace("<row r=", "<row  r="), ROWS.replace('<row r="4"', '<row r="4"><c r="B4"/></row><row r="4"')])
def test_the_editors_row_record_finds_what_a_full_scan_finds(rows):
    sheet = _edited(_sheet(rows), EDITS)
    wanted = {pos: pos for pos in EDITS}
    known = sheet.edited_rows()
    assert known is not None and set(known) == {2, 4, 5, 6, 7, 9}
    assert _same_cells(_cells_at(sheet.xml, wanted, True, known), _cells_at(sheet.xml, wanted, True))
    assert check_applied("s", sheet.xml, sheet.applied, True, known) == \
        check_applied("s", sheet.xml, sheet.applied, True)


def test_a_row_of_the_same_number_is_still_seen_twice():
    rows = '<row r="3"><c r="A3"><v>1</v></c></row><row r="3"><c r="A3"><v>2</v></c></row>'
    sheet = _edited(_sheet(rows), {(2, 0): _Edit(value=9)})
    problems = check_applied("s", sheet.xml, sheet.applied, True, sheet.edited_rows())
    assert problems == ["工作表“s”的单元格 A3 在副本中出现 2 次（应为 1 次）"]


def test_a_row_added_elsewhere_after_the_edits_is_still_seen():
    """The record names the rows the editor wrote to; a row of the same number put anywhere
    else afterwards (by code that changes sheetData later) changes the count of row tags, and
    the check then reads every row (the reviewer's case)."""
    sheet = _edited(_sheet(ROWS), EDITS)
    known = sheet.edited_rows()
    extra = sheet.xml.replace("</sheetData>", '<row r="2"><c r="B2"><v>5</v></c></row></sheetData>')
    assert check_applied("s", extra, sheet.applied, True, known) == \
        ["工作表“s”的单元格 B2 在副本中出现 2 次（应为 1 次）"]


def test_a_record_that_does_not_hold_means_scanning_again():
    sheet = _edited(_sheet(ROWS), EDITS)
    known = sheet.edited_rows()
    wanted = {pos: pos for pos in EDITS}
    full = _cells_at(sheet.xml, wanted, True)
    stale = {num: [(s + 1, e + 1) for s, e in spans] for num, spans in known.items()}
    missing = {num: spans for num, spans in known.items() if num != 4}
    cut = {num: [(s, e - 1) for s, e in spans] for num, spans in known.items()}
    for record in (stale, missing, cut):
        assert _same_cells(_cells_at(sheet.xml, wanted, True, record), full)
    # an edit that went wrong after the record was made is still reported
    broken = sheet.xml.replace('<c r="B2"><v>5</v></c>', '<c r="B2"><v>6</v></c>')
    assert check_applied("s", broken, sheet.applied, True, known) == ["工作表“s”的单元格 B2 的值未按要求写入"]


def test_rows_out_of_order_or_edited_twice_are_not_recorded():
    rows = '<row r="7"><c r="A7"/></row><row r="2"><c r="A2"/></row>'
    assert _edited(_sheet(rows), {(1, 0): _Edit(value=1)}).edited_rows() is None
    sheet = _edited(_sheet(ROWS), {(1, 0): _Edit(value=1)})
    sheet.edit_cells({(0, 0): _Edit(value="长一些的文字")}, _Fills())
    assert sheet.edited_rows() is None
    assert check_applied("s", sheet.xml, sheet.applied, True, sheet.edited_rows()) == []


def test_text_written_as_it_is_only_when_escaping_would_not_change_it():
    """_esc's fast path (the text returned as it is) gives what the full escaping gives."""
    from xlsproc.ooxml.markup import _esc, _esc_text, _x_escape
    from xlsproc.ooxml.newsheet import _given_height
    rng = random.Random(5)
    alphabet = ["a", "审", "\u3000", "\n", "\t", "&", "<", ">", "_", "x", "_x0041_", "\x01", "\ufffe", "\xa0",
                "\u200b", " ", "😀", "\r"]
    seen = set()
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(8)))
        assert _esc(text) == _esc_text(_x_escape(text)), repr(text)
        if _esc(text) == text:
            seen.add(text[:1])
    assert "\u3000" in seen                         # an indented paragraph is written as it is
    assert _esc("\u3000\u3000a\x01") != "\u3000\u3000a\x01" and _esc("a_x0041_") != "a_x0041_"
    assert _given_height(34.0) == _given_height(34) == ' ht="34" customHeight="1"'
    assert _given_height(19.5) == ' ht="19.5" customHeight="1"'


def test_long_texts_are_measured_without_being_kept():
    """text_width and line_count are memoised for the texts that repeat (messages, paragraphs),
    not for a cell's 32,767 characters: a long serve or watch worker would keep thousands."""
    import uuid

    def cached() -> int:
        return sum(f.cache_info().currsize for module in (printing, textwidth)
                   for f in vars(module).values() if hasattr(f, "cache_info"))

    short, long = f"审核{uuid.uuid4()}", "审核结果。" * 6000 + str(uuid.uuid4())
    before = cached()
    assert printing.line_count(long, 40) == math.ceil(printing.text_width(long) / 38)
    assert printing.split_for_rows(long, 40, 10**6) == [long]
    assert cached() == before
    assert printing.line_count(short, 40) == 2 and cached() > before
