"""Sheets that print whole on A4 without fit-to-page (which LibreOffice 7.4 does not honour).

Widths are in Excel's character units (the default font's digit width). A4 portrait with the
default 0.7-inch side margins holds ~77 units of an 11-point default font before LibreOffice
cuts the column; landscape ~136. We stay below with a margin for wider default fonts. Row
heights are estimated from the text: a CJK character is two units wide (宋体 exactly, other
fonts less), 15 points a line, a cell's padding off each line — rows come out tall enough in
Excel, WPS and LibreOffice alike.
"""
from __future__ import annotations

import re

from xlsproc.textwidth import memo_short_texts, text_width, wrapped_lines

PORTRAIT_UNITS = 72          # one column of the 自评报告 sheet, A4 portrait
LANDSCAPE_UNITS = 125        # all columns of the 审核结果 sheet together, A4 landscape
LINE_POINTS = 15.0
MAX_LINES = 24               # a row stays well below Excel's 409 points and one page
_SENTENCE_END = re.compile(r"(?<=[。；！？])")


@memo_short_texts(8192)
def line_count(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` units wide (padding taken off)."""
    return wrapped_lines(text, max(1.0, width - 2))


def row_height(text: str, width: float) -> float:
    """Points for a wrapped text in a column `width` units wide."""
    return LINE_POINTS * line_count(text, width) + 4


def title_height(text: str, width: float, points: float = 14) -> float:
    """Points for a wrapped title of `points` size (the default font is taken as 11 points)."""
    return (LINE_POINTS + 5) * line_count(text, width * 11 / points) + 6


def split_for_rows(text: str, width: float, max_lines: int = MAX_LINES) -> list[str]:
    """A paragraph cut at sentence ends into pieces of at most `max_lines` lines each (a row
    taller than a page cannot print whole); a sentence longer than that is cut by width."""
    if line_count(text, width) <= max_lines:
        return [text]
    pieces, current = [], ""
    for sentence in (s for s in _SENTENCE_END.split(text) if s):
        for part in _by_width(sentence, width, max_lines):
            if current and line_count(current + part, width) > max_lines:
                pieces.append(current)
                current = ""
            current += part
    return pieces + [current] if current else pieces


def _by_width(text: str, width: float, max_lines: int) -> list[str]:
    limit = int((width - 2) * max_lines)
    out, current, used = [], "", 0
    for ch in text:
        w = text_width(ch)
        if used + w > limit:
            out.append(current)
            current, used = "", 0
        current += ch
        used += w
    return out + [current] if current else out


WRAPPING_STYLES = {"wrap", "header", "error", "warning", "info"}
DEFAULT_UNITS = 9.0          # a column without a set width


def fit_rows(sheet) -> None:
    """Give every row of a NewSheet holding text the height its wrapped text needs (a merged
    cell wraps across its whole width; a title is 14 points)."""
    from xlsproc.refs import parse_cell, parse_range
    spans = {}
    for merge in sheet.merges:
        r1, c1, r2, c2 = parse_range(merge)
        spans[(r1, c1)] = c2
    styles = {parse_cell(ref): key for ref, key in sheet.styles.items()}
    rows, widths = sheet.rows, sheet.col_widths
    span_widths: dict[tuple[int, int], float] = {}      # (first, last column) → units
    heights: dict[int, float] = {}
    for (r, c), style in styles.items():                # only styled cells can wrap
        if style not in WRAPPING_STYLES and style != "title":
            continue
        row = rows[r] if r < len(rows) else ()
        value = row[c] if c < len(row) else None
        if not isinstance(value, str):
            continue
        last = spans.get((r, c), c)
        width = span_widths.get((c, last))
        if width is None:
            width = span_widths[(c, last)] = sum(widths.get(cc, DEFAULT_UNITS) for cc in range(c, last + 1))
        height = title_height(value, width) if style == "title" else row_height(value, width)
        if height > heights.get(r, 0.0):
            heights[r] = height
    for r in sorted(heights):
        sheet.row_heights[r] = heights[r]
