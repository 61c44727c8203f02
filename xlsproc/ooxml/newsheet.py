"""Sheets written from scratch (NewSheet): rows, styles, merges, links, print setup.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from xlsproc.refs import (
    cell_name as _ref, col_letter as _col_letters, parse_cell as _parse_ref, parse_range as _parse_range,
    range_name as _range)
from xlsproc.textwidth import wrapped_lines
from xlsproc.ooxml.markup import _esc, _esc_attr
from xlsproc.ooxml.package import (CT_WORKSHEET, NEW_PART_NAMES, NS_MAIN, NS_REL, XML_DECL, _ContentTypes,
                                   _Package, _rels_path)
from xlsproc.ooxml.workbook import _Workbook, internal_location
from xlsproc.ooxml.styles import _LazyStyles
from xlsproc.ooxml.sheet import KEEP, MAX_COL, MAX_ROW, MAX_TEXT, _cell_xml


@dataclass
class NewSheet:
    """A sheet written from scratch (e.g. the audit report)."""

    name: str
    rows: list[list[object]]
    col_widths: dict[int, float] = field(default_factory=dict)
    freeze: str | None = None
    autofilter: str | None = None
    links: dict[str, str] = field(default_factory=dict)
    styles: dict[str, str] = field(default_factory=dict)
    merges: list[str] = field(default_factory=list)
    print_fit_width: bool = True
    landscape: bool = False
    state: str | None = None  # "hidden" / "veryHidden": not shown as a tab
    row_heights: dict[int, float] = field(default_factory=dict)   # 0-based row → points (else estimated)


# ---------------------------------------------------------------------------
# New sheets


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _check_sheet_name(name: str) -> None:
    if not name or len(name) > 31 or _BAD_SHEET_CHARS.search(name) or name[0] == "'" or name[-1] == "'":
        raise ValueError(f"工作表名称不合法（最多 31 字，不含 []:*?/\\，不以 ' 开头或结尾）：{name!r}")


def _norm_location(location: str) -> str:
    """Quote the sheet part of 'Sheet!A1' when the caller left it bare."""
    if location.startswith("'") or "!" not in location:
        return location
    sheet, ref = location.rsplit("!", 1)
    return internal_location(sheet, ref)


_WRAPPING = {"header", "error", "warning", "info", "wrap"}


def _render_sheet(ns: NewSheet, styles: _LazyStyles) -> str:
    style_keys = {_parse_ref(ref): key for ref, key in ns.styles.items()}
    for ref in ns.links:
        style_keys.setdefault(_parse_ref(ref), "link")
    named: dict[str, tuple[str, bool]] = {}  # key → (s attribute, wraps); created in first-use order
    styled: dict[int, dict[int, tuple[str, bool]]] = {}  # row → col → (s attribute, wraps)
    for (r, c), key in style_keys.items():
        style = named.get(key)
        if style is None:
            index = styles.get().named(key)
            style = named[key] = (f' s="{index}"' if index else "", key in _WRAPPING)
        row = styled.get(r)
        if row is None:
            row = styled[r] = {}
        row[c] = style
    sheet_data, bounds = _render_rows(ns, styled)
    parts = [XML_DECL, f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">']
    if ns.print_fit_width:
        parts.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
    if bounds:
        parts.append(f'<dimension ref="{_range(*bounds)}"/>')
    parts.append(f'<sheetViews><sheetView workbookViewId="0">{_pane_xml(ns.freeze)}</sheetView></sheetViews>')
    parts.append('<sheetFormatPr defaultRowHeight="15"/>')
    if ns.col_widths:
        cols = "".join(f'<col min="{c + 1}" max="{c + 1}" width="{w:g}" customWidth="1"/>'
                       for c, w in sorted(ns.col_widths.items()))
        parts.append(f"<cols>{cols}</cols>")
    parts.append(sheet_data)
    parts += _render_tail(ns, _cell_values(ns, ns.links))
    parts.append("</worksheet>")
    return "".join(parts)


def _cell_values(ns: NewSheet, refs) -> dict[tuple[int, int], object]:
    """(row, col) → value of the given cells that hold one."""
    out, rows = {}, ns.rows
    for ref in refs:
        r, c = _parse_ref(ref)
        if r < len(rows) and c < len(rows[r]) and rows[r][c] is not None:
            out[(r, c)] = rows[r][c]
    return out


_NO_STYLE = ("", False)


def _render_rows(ns: NewSheet, styled: dict[int, dict[int, tuple[str, bool]]]
                 ) -> tuple[str, tuple[int, int, int, int] | None]:
    """The <sheetData> element and the (r1, c1, r2, c2) bounds of its cells (None: none).
    A cell is written when it has a value or a style; cells in row / column order.  A row
    with wrapped text gets the height of its tallest wrapped cell (15 points a line), unless
    row_heights gives it one (then its texts are not measured)."""
    rows = ns.rows
    spans = _merged_spans(ns.merges)
    widths, row_heights = ns.col_widths, ns.row_heights
    span_chars: dict[tuple[int, int], int] = {}  # (first, last column) → characters a line
    styled_cols = max((max(cs) + 1 for cs in styled.values()), default=0)
    letters = [_col_letters(c) for c in range(max(max(map(len, rows), default=0), styled_cols))]
    out = []
    r1 = c1 = MAX_ROW + MAX_COL
    r2 = c2 = -1
    for r in range(max(len(rows), max(styled, default=-1) + 1)):
        row = rows[r] if r < len(rows) else ()
        cols = [c for c, v in enumerate(row) if v is not None] if None in row else range(len(row))
        row_styles = styled.get(r)
        if row_styles is None:
            row_styles = {}
        elif len(cols) < len(row) or max(row_styles) >= len(row):  # maybe styled empty cells too
            cols = sorted(set(cols).union(row_styles))
        if not cols:
            continue
        num = str(r + 1)
        if r < r1:
            r1 = r
        r2 = r
        if cols[0] < c1:
            c1 = cols[0]
        if cols[-1] > c2:
            c2 = cols[-1]
        height = row_heights.get(r) if row_heights else None
        measure = height is None        # a row of given height: its texts are not measured
        cells, lines, filled = [], 1, len(row)
        for c in cols:
            value = row[c] if c < filled else None
            s, wraps = row_styles.get(c, _NO_STYLE)
            if type(value) is str and len(value) <= MAX_TEXT:  # the common case, inlined (= _cell_xml)
                text = _esc(value)
                cells.append(f'<c r="{letters[c]}{num}"{s} t="inlineStr"><is><t xml:space="preserve">'
                             f'{text}</t></is></c>')
            else:
                style = int(s[4:-1]) if s else 0
                cells.append(_cell_xml("", letters[c] + num, style, KEEP if value is None else value))
            if wraps and measure and isinstance(value, str):
                last = spans.get((r, c), c)     # a merged cell wraps across its whole width
                per_line = span_chars.get((c, last))
                if per_line is None:
                    chars = sum(widths.get(cc, 9.0) for cc in range(c, last + 1))
                    per_line = span_chars[(c, last)] = max(1, int(chars))
                # A text at most per_line * lines cells wide (2 per character) cannot need more lines.
                if 2 * len(value) > per_line * lines or "\n" in value:
                    count = wrapped_lines(value, per_line)
                    if count > lines:
                        lines = count
        if height is not None:
            out.append(f'<row r="{num}"{_given_height(height)}>{"".join(cells)}</row>')
        else:
            out.append(f'<row r="{num}"{_row_height(lines) if lines > 1 else ""}>{"".join(cells)}</row>')
    bounds = (r1, c1, r2, c2) if r2 >= 0 else None
    return f"<sheetData>{''.join(out)}</sheetData>", bounds


@functools.lru_cache(maxsize=256)
def _given_height(height: float) -> str:
    """The attributes of a row of a height given in points."""
    return f' ht="{height:g}" customHeight="1"'


@functools.lru_cache(maxsize=64)
def _row_height(lines: int) -> str:
    """The ht attribute of a row with this many lines of wrapped text (15 points a line)."""
    return f' ht="{min(409.0, 15.0 * lines):g}"'


def _merged_spans(merges: list[str]) -> dict[tuple[int, int], int]:
    """Top-left cell of each single-row merge → its last column."""
    spans = {}
    for m in merges:
        r1, c1, r2, c2 = _parse_range(m)
        if r1 == r2:
            spans[(r1, c1)] = c2
    return spans


def _render_tail(ns: NewSheet, values) -> list[str]:
    parts = []
    if ns.autofilter:
        parts.append(f'<autoFilter ref="{_range(*_parse_range(ns.autofilter))}"/>')
    if ns.merges:
        merges = "".join(f'<mergeCell ref="{_range(*_parse_range(m))}"/>' for m in ns.merges)
        parts.append(f'<mergeCells count="{len(ns.merges)}">{merges}</mergeCells>')
    if ns.links:
        links = []
        for ref, location in ns.links.items():
            cell = _parse_ref(ref)
            display = values.get(cell)
            display_attr = f' display="{_esc_attr(str(display))}"' if display is not None else ""
            target = _esc_attr(_norm_location(location))
            links.append(f'<hyperlink ref="{_ref(*cell)}" location="{target}"{display_attr}/>')
        parts.append(f"<hyperlinks>{''.join(links)}</hyperlinks>")
    parts.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    orientation = "landscape" if ns.landscape else "portrait"
    fit = ' fitToWidth="1" fitToHeight="0"' if ns.print_fit_width else ""
    parts.append(f'<pageSetup paperSize="9" orientation="{orientation}"{fit}/>')
    return parts


def _pane_xml(freeze: str | None) -> str:
    if not freeze:
        return ""
    row, col = _parse_ref(freeze)
    if not row and not col:
        return ""
    ref = _ref(row, col)
    pane = "bottomRight" if row and col else ("bottomLeft" if row else "topRight")
    split = (f' xSplit="{col}"' if col else "") + (f' ySplit="{row}"' if row else "")
    return (f'<pane{split} topLeftCell="{ref}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{ref}" sqref="{ref}"/>')


def _add_new_sheet(pkg: _Package, ct: _ContentTypes, wb: _Workbook, styles: _LazyStyles,
                   ns: NewSheet) -> None:
    _check_sheet_name(ns.name)
    xml = _render_sheet(ns, styles)
    info = wb.sheet(ns.name)
    if info is not None:  # replace in place: same position, sheetId and part
        if not info.is_worksheet or not info.part:
            raise ValueError(f"已有同名的非普通工作表“{ns.name}”，无法替换")
        pkg.remove(_rels_path(info.part))
    else:
        info = wb.add_sheet(ns.name, pkg.free_name(NEW_PART_NAMES["worksheet"]), ns.state)
    pkg.put(info.part, xml)
    ct.ensure_override(info.part, CT_WORKSHEET)
    wb.set_filter_name(info, ns.autofilter)
