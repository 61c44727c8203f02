"""Sheets that print whole on A4 without fit-to-page (which LibreOffice 7.4 does not honour).

Widths are in Excel's character units (the default font's digit width). A4 portrait with the
default 0.7-inch side margins holds ~77 units of an 11-point default font before LibreOffice
cuts the column; landscape ~136. We stay below with a margin for wider default fonts. Row
heights are estimated from the text: a CJK character is two units wide (宋体 exactly, other
fonts less), 15 points a line, a cell's padding off each line — rows come out tall enough in
Excel, WPS and LibreOffice alike.
"""
from __future__ import annotations

import functools
import math
import re

PORTRAIT_UNITS = 72          # one column of the 自评报告 sheet, A4 portrait
LANDSCAPE_UNITS = 125        # all columns of the 审核结果 sheet together, A4 landscape
LINE_POINTS = 15.0
MAX_LINES = 24               # a row stays well below Excel's 409 points and one page
_SENTENCE_END = re.compile(r"(?<=[。；！？])")


# East Asian wide (W) and full-width (F) characters (Unicode's EastAsianWidth) as ranges — exact for
# CJK, kana, hangul and full-width forms; a few emoji and enclosed signs counted wide: row heights
# err on the tall side. One regular-expression pass counts them (a unicodedata call per character
# cost ~1 ms per copy): it removes runs of wide characters, which costs far less per character
# than finding each one.
_WIDE = re.compile("[\u1100-\u115f\u231a\u231b\u2329\u232a\u23e9-\u23ec\u23f0\u23f3"
                   "\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693\u26a1\u26aa\u26ab"
                   "\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5\u26fa"
                   "\u26fd\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757"
                   "\u2795-\u2797\u27b0\u27bf\u2b1b\u2b1c\u2b50\u2b55\u2e80-\u303e"
                   "\u3041-\u33ff\u3400-\u4dbf\u4e00-\ua4cf\ua960-\ua97f\uac00-\ud7a3"
                   "\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6"
                   "\U00016fe0-\U0001b2ff\U0001f004\U0001f0cf\U0001f18e\U0001f191-\U0001f19a"
                   "\U0001f200-\U0001f64f\U0001f680-\U0001f6ff\U0001f900-\U0001f9ff"
                   "\U00020000-\U0003fffd]+")


# Texts are measured once per process up to this many characters (a paragraph is measured when
# split and again when fitted; 审核结果's texts repeat from copy to copy): the memos hold their
# texts, and a workbook's cells may hold 32,767 characters each (8,192 of those held ~0.5 GB in
# a long serve or watch worker). A longer text is measured again, at a cost in proportion.
MEMO_CHARS = 2000


def _text_width(text: str) -> int:
    """Width in character units: East Asian wide and full-width characters count 2."""
    if text.isascii():
        return len(text)
    return 2 * len(text) - len(_WIDE.sub("", text))


_text_width_memo = functools.lru_cache(maxsize=4096)(_text_width)


@functools.wraps(_text_width)
def text_width(text: str) -> int:
    return (_text_width_memo if len(text) <= MEMO_CHARS else _text_width)(text)


def _line_count(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` units wide (padding taken off)."""
    per_line = max(1.0, width - 2)
    if "\n" not in text:                 # (most texts: one paragraph)
        if 2 * len(text) <= per_line:       # at most 2 units a character: one line
            return 1
        return max(1, math.ceil(text_width(text) / per_line))
    return sum(max(1, math.ceil(text_width(part) / per_line)) for part in text.split("\n"))


_line_count_memo = functools.lru_cache(maxsize=8192)(_line_count)


@functools.wraps(_line_count)
def line_count(text: str, width: float) -> int:
    return (_line_count_memo if len(text) <= MEMO_CHARS else _line_count)(text, width)


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
