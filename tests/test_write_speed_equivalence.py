"""The fast paths of the annotated copy's own sheets give what the straightforward code gives.

Row heights of 审核结果 and 自评报告 (printing.fit_rows, line_count) are computed over the styled
cells only and without splitting one-line texts: the heights must be those of measuring every
cell of every row.
"""
from __future__ import annotations

import math
import re
import random

import pytest

import xlsproc
from conftest import SAMPLES
from xlsproc.ooxml.patch import NewSheet
from xlsproc.refs import cell_name, parse_cell, parse_range
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
    one = re.compile(printing._WIDE.pattern.removesuffix("+"))
    rng = random.Random(7)
    for _ in range(20000):
        text = "".join(chr(rng.choice([rng.randrange(0x20, 0x80), rng.randrange(0x80, 0x3000),
                                       rng.randrange(0x2e00, 0xffff), rng.randrange(0x10000, 0x40000)]))
                       for _ in range(rng.randrange(12)))
        assert printing.text_width.__wrapped__(text) == len(text) + len(one.findall(text)), text
    assert printing.text_width("审核 abc（１）“x”") == 2 * 2 + 4 + 2 * 3 + 3
