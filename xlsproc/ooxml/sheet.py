"""Worksheet XML: cell values, fills, shared formulas, merged ranges (string-level edits).
"""
from __future__ import annotations

import functools
import math
import numbers
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal

from xlsproc.refs import (
    cell_name as _ref, col_index as _col_index, col_letter as _col_letters, parse_cell as _parse_ref,
    parse_range as _parse_range, range_name as _range)
from xlsproc.ooxml.markup import (
    _TAG, _attr, _attr_r, _by_content, _element_span, _ensure_ns, _esc, _esc_text, _insert_in_order, _prefix,
    _set_attr, _unescape)
from xlsproc.ooxml.package import NS_REL
from xlsproc.ooxml.styles import _LazyStyles

# Child element order of CT_Worksheet (workbook.py and styles.py hold those of their parts).
WORKSHEET_ORDER = (
    "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
    "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells "
    "phoneticPr conditionalFormatting dataValidations hyperlinks printOptions pageMargins "
    "pageSetup headerFooter rowBreaks colBreaks customProperties cellWatches ignoredErrors "
    "smartTags drawing legacyDrawing legacyDrawingHF drawingHF picture oleObjects controls "
    "webPublishItems tableParts extLst"
).split()

MAX_ROW, MAX_COL, MAX_TEXT = 1_048_576, 16_384, 32_767


# ---------------------------------------------------------------------------
# Sheet XML: cell values and fills


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


@dataclass
class _Edit:
    value: object = KEEP
    fill: str | None = None


_ARGB_RE = re.compile(r"[0-9A-F]{8}")


@functools.lru_cache(maxsize=256)
def _argb(color: str) -> str:
    color = color.strip().lstrip("#").upper()
    if len(color) == 6:
        color = "FF" + color
    if not _ARGB_RE.fullmatch(color):
        raise ValueError(f"填充色应为 ARGB 十六进制，如 FFFFC7CE：{color!r}")
    return color


def _value_xml(p: str, value: object) -> tuple[str, str]:
    """(t attribute, child elements) for a cell value; strings are always text."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(f"单元格文字超过 {MAX_TEXT} 个字符")
        return ' t="inlineStr"', f'<{p}is><{p}t xml:space="preserve">{_esc(value)}</{p}t></{p}is>'
    if isinstance(value, bool):
        return ' t="b"', f"<{p}v>{int(value)}</{p}v>"
    if isinstance(value, numbers.Integral):
        return "", f"<{p}v>{int(value)}</{p}v>"
    if isinstance(value, (numbers.Real, Decimal)):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"不能写入非有限数值：{value!r}")
        return "", f"<{p}v>{int(number) if number.is_integer() and abs(number) < 1e15 else repr(number)}</{p}v>"
    raise TypeError(f"不支持的单元格值类型：{type(value).__name__}")


def _cell_xml(p: str, ref: str, style: int, value: object) -> str:
    s = f' s="{style}"' if style else ""
    if value is KEEP or value is None:
        return f'<{p}c r="{ref}"{s}/>'
    t, body = _value_xml(p, value)
    return f'<{p}c r="{ref}"{s}{t}>{body}</{p}c>'


@functools.lru_cache(maxsize=16)
def _merge_cell_re(p: str) -> re.Pattern:
    return re.compile(rf"<{p}mergeCell(?=[\s/>])[^>]*>")


@functools.lru_cache(maxsize=16)
def _row_tag_re(p: str) -> re.Pattern:
    """A <row> opening tag up to its first '>' (as row_open): group 1 is the r attribute when it
    comes first as r="digits", group 2 the (other) attributes, ending in '/' if self-closing."""
    return re.compile(rf'<{p}row(?=[\s/>])(?:\s+r="([0-9]+)"(?=[\s/>]))?([^>]*+)>')


@functools.lru_cache(maxsize=16)
def _tag_re(p: str, local: str) -> re.Pattern:
    """An opening (or empty) <p:local> tag, up to its first '>'."""
    return re.compile(rf"<{p}{local}(?=[\s/>])[^>]*>")


_PREFIXED_ID_RE = re.compile(r"""\s[\w.\-]+:id\s*=\s*(?:"([^"]*)"|'([^']*)')""")  # r:id="…"


@functools.lru_cache(maxsize=16)
def _merge_ref_re(p: str) -> re.Pattern:
    """<mergeCell ref="…" with ref first and no entity in it (then it is _attr's value)."""
    return re.compile(rf'<{p}mergeCell\s+ref\s*=\s*"([^"&>]*)"[^>]*>')


@functools.lru_cache(maxsize=16)
def _sheet_res(p: str) -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    return (re.compile(rf"<{p}row(?=[\s/>])[^>]*?(/?)>"),
            re.compile(rf"<{p}c(?=[\s/>])([^>]*?)(?:/>|>.*?</{p}c>)", re.S),
            re.compile(rf"<{p}f(?=[\s/>])([^>]*?)(?:/>|>(.*?)</{p}f>)", re.S),
            re.compile(rf'<{p}c(?=[\s/>])(?:\s+r="(([A-Z]{{1,3}})[1-9][0-9]{{0,5}})"(?=[\s/>]))?([^>]*+)>'))


class RowRecord(dict):
    """Row number → (start, end) spans of the rows edit_cells wrote to (see edited_rows), and
    how many row tags sheetData held after the edits: a row added anywhere else afterwards
    changes that count, and the check of the applied edits then reads every row."""

    def __init__(self, spans: dict[int, list[tuple[int, int]]], row_tags: int):
        super().__init__(spans)
        self.row_tags = row_tags


class _SheetXml:
    """String-level editor for one worksheet part whose XML string searches read exactly
    (markup._plain_prefix; sheetmap.sheet_editor picks MappedSheetXml for any other)."""

    plain = True  # what it writes keeps the XML plain

    def __init__(self, xml: str):
        self.xml = xml
        self.p = p = _prefix(xml, "worksheet")
        self.row_open, self.cell_re, self.f_re, self.cell_open = _sheet_res(p)
        self.removed_formula = False
        self.applied: dict[str, tuple[int, object]] = {}  # ref → (style, value) written there
        self.restyled: dict[str, tuple[int, int]] = {}  # ref → (style before, after) of filled cells
        self._spans: tuple[str, tuple[int, int], tuple[int, int]] | None = None  # for which xml
        # Row number → (start, end) in sheetData's content of every row of that number, for the
        # rows edit_cells wrote to, after its edits (from its own scan; see edited_rows).
        self._edited_rows: dict[int, list[tuple[int, int]]] | None = None
        self._row_tags: int | None = None          # row tags in sheetData after those edits

    # -- locating things ------------------------------------------------------

    def data_span(self) -> tuple[int, int]:
        """The content of <sheetData> (expanded first if it is empty)."""
        return self._located()[1]

    def tail_span(self) -> tuple[int, int]:
        """The region after </sheetData> up to the root's closing tag."""
        return self._located()[2]

    def _located(self) -> tuple[str, tuple[int, int], tuple[int, int]]:
        """(xml, data span, tail span), found again only after self.xml changed."""
        if self._spans is None or self._spans[0] is not self.xml:
            span = _element_span(self.xml, self.p, "sheetData")
            if span is None:
                raise ValueError("工作表 XML 缺少 sheetData")
            if span[1] == span[3]:  # <sheetData/>
                empty = f"<{self.p}sheetData></{self.p}sheetData>"
                self.xml = self.xml[:span[0]] + empty + self.xml[span[3]:]
                span = _element_span(self.xml, self.p, "sheetData")
            tail = (self.xml.index(">", span[2]) + 1, self.xml.rindex(f"</{self.p}worksheet>"))
            self._spans = (self.xml, (span[1], span[2]), tail)
        return self._spans

    def merge_index(self) -> "_MergeIndex":
        start, end = self.tail_span()
        return _merge_index(self.p, self.xml[start:end])

    def col_styles(self) -> list[tuple[int, int, int]]:
        """(min, max, style) of <col> elements, 1-based columns."""
        out = []
        for m in _tag_re(self.p, "col").finditer(self.xml, 0, self.data_span()[0]):
            tag = m.group(0)
            if _attr(tag, "style"):
                out.append((int(_attr(tag, "min")), int(_attr(tag, "max")), int(_attr(tag, "style"))))
        return out

    def _rows(self, data: str) -> tuple[list[int], list[int], list[int]]:
        """(numbers, starts, ends) of the rows; sets _unnumbered when one has no (or an empty)
        r attribute."""
        nums, starts, ends = [], [], []
        pos, last, unnumbered = 0, 0, False
        search, close, find = _row_tag_re(self.p).search, f"</{self.p}row>", data.index
        while (m := search(data, pos)) is not None:
            r, attrs = m.group(1, 2)
            end = m.end() if attrs.endswith("/") else find(close, m.end()) + len(close)
            if r is None:
                r = _attr_r(attrs)
                if not r:
                    unnumbered = True
            last = int(r or last + 1)
            nums.append(last)
            starts.append(m.start())
            ends.append(end)
            pos = end
        self._unnumbered = unnumbered
        return nums, starts, ends

    def _number_rows(self, data: str) -> str:
        """Give every <row> an explicit r (only needed for rare writers that omit it)."""
        if all(_attr_r(m.group(0)) for m in self.row_open.finditer(data)):
            return data
        last = [0]

        def fix(m: re.Match) -> str:
            r = _attr(m.group(0), "r")
            last[0] = int(r) if r else last[0] + 1
            return m.group(0) if r else _set_attr(m.group(0), "r", str(last[0]))

        return self.row_open.sub(fix, data)

    # -- editing ----------------------------------------------------------------

    def edit_cells(self, edits: dict[tuple[int, int], _Edit], styles: "_LazyStyles") -> None:
        first = not self.applied  # a second call leaves no record of rows (see edited_rows)
        start, end = self.data_span()
        # (Numbering rows touches only <row> tags, unsharing only cells: either order.)
        data = self._unshare_overwritten(self.xml[start:end], edits)
        nums, starts, ends = self._rows(data)
        if self._unnumbered:
            data = self._number_rows(data)
            nums, starts, ends = self._rows(data)
        col_styles = self.col_styles()
        pieces, pos = [], 0
        by_row: dict[int, dict[int, _Edit]] = {}
        for (row, col), edit in sorted(edits.items()):
            by_row.setdefault(row + 1, {})[col] = edit
        splices = []  # (start, end) in the data before, length written there, row number
        for num, row_edits in by_row.items():
            i = bisect_left(nums, num)
            if i < len(nums) and nums[i] == num:  # edit the existing row in place
                edited = self._edit_row(data[starts[i]:ends[i]], num, row_edits, styles, col_styles)
                pieces += [data[pos:starts[i]], edited]
                splices.append((starts[i], ends[i], len(edited), num))
                pos = ends[i]
            else:  # a new row goes before the first row with a larger number
                at = starts[i] if i < len(nums) else len(data)
                new_row = self._new_row(num, row_edits, styles, col_styles)
                pieces += [data[pos:at], new_row]
                splices.append((at, at, len(new_row), num))
                pos = at
        pieces.append(data[pos:])
        self._edited_rows = _rows_after(nums, starts, ends, splices) if first else None
        data = "".join(pieces)
        self._row_tags = data.count(f"<{self.p}row")       # every row of sheetData, after the edits
        self.xml = self.xml[:start] + data + self.xml[end:]
        # Only sheetData's content changed: the tail moved by the change in length.
        shift = len(data) - (end - start)
        tail_start, tail_end = self._spans[2]
        self._spans = (self.xml, (start, start + len(data)), (tail_start + shift, tail_end + shift))
        self._widen_dimension(edits.keys())

    def edited_rows(self) -> RowRecord | None:
        """Row number → (start, end) in self.xml of every row of that number, for each row
        edit_cells wrote to, as its own scan found them (None: not known).  What the check of
        the applied edits reads instead of scanning every row again: it checks that each
        span still holds a row of that number."""
        if self._edited_rows is None:
            return None
        start = self.data_span()[0]
        return RowRecord({num: [(start + s, start + e) for s, e in spans]
                          for num, spans in self._edited_rows.items()}, row_tags=self._row_tags)

    def _edit_row(self, row_xml: str, num: int, edits: dict[int, _Edit], styles, col_styles) -> str:
        head = self.row_open.match(row_xml)
        if head.group(1):  # <row .../>
            row_xml = head.group(0)[:-2] + f"></{self.p}row>"
            head = self.row_open.match(row_xml)
        default = self._row_default_style(head.group(0))
        cells = self._cells(row_xml, head.end())
        ops = []  # (start, end, replacement)
        existing = {c[0]: c for c in cells}
        for col, edit in sorted(edits.items()):
            ref = _ref(num - 1, col)
            if col in existing:
                _, s, e, had_ref = existing[col]
                text = row_xml[s:e] if had_ref else _set_attr_first(row_xml[s:e], "r", ref)
                ops.append((s, e, self._edit_cell(text, ref, edit, styles)))
            else:
                after = next((c[1] for c in cells if c[0] > col), cells[-1][2] if cells else head.end())
                style = default if default is not None else _col_default(col_styles, col)
                ops.append((after, after, self._new_cell(ref, style, edit, styles)))
        ops += [(s, e, _set_attr_first(row_xml[s:e], "r", _ref(num - 1, c)))
                for c, s, e, had in cells if not had and c not in edits]
        # Apply from the back; inserts at one spot go in reverse so they end up in column order.
        for _, (s, e, text) in sorted(enumerate(ops), key=lambda o: (o[1][0], o[1][1], o[0]), reverse=True):
            row_xml = row_xml[:s] + text + row_xml[e:]
        return self._widen_spans(row_xml, edits.keys())

    def _cells(self, row_xml: str, start: int) -> list[tuple[int, int, int, str | None]]:
        """(col, start, end, r attribute) of the cells in row_xml[start:]."""
        cells, prev_col = [], -1
        opening, close, find = self.cell_open.search, f"</{self.p}c>", row_xml.find
        pos = start
        # Fast scan: the opening tag (to its first '>', as cell_re), then the first </c>.
        while (m := opening(row_xml, pos)) is not None:
            ref, letters, attrs = m.group(1, 2, 3)
            if attrs.endswith("/"):
                end = m.end()
                attrs = attrs[:-1]
            else:
                end = find(close, m.end())
                if end < 0:  # not a simple row: the regex decides
                    return self._cells_slow(row_xml, start)
                end += len(close)
            if ref is not None:  # r="H22" first: plain ASCII (rows up to 999999 < MAX_ROW: valid)
                col = _col_index(letters) if len(letters) < 3 or letters <= "XFD" else _parse_ref(ref)[1]
            else:
                ref = _attr_r(attrs)
                col = _parse_ref(ref)[1] if ref else prev_col + 1
            cells.append((col, m.start(), end, ref))
            prev_col, pos = col, end
        return cells

    def _cells_slow(self, row_xml: str, start: int) -> list[tuple[int, int, int, str | None]]:
        cells, prev_col = [], -1
        for m in self.cell_re.finditer(row_xml, start):
            ref = _attr(m.group(1), "r")  # the attributes of the opening tag
            col = _parse_ref(ref)[1] if ref else prev_col + 1
            cells.append((col, m.start(), m.end(), ref))
            prev_col = col
        return cells

    def _new_row(self, num: int, edits: dict[int, _Edit], styles, col_styles) -> str:
        cells = "".join(self._new_cell(_ref(num - 1, col), _col_default(col_styles, col), edit, styles)
                        for col, edit in sorted(edits.items()))
        return f'<{self.p}row r="{num}">{cells}</{self.p}row>'

    def _new_cell(self, ref: str, style: int, edit: _Edit, styles, p: str | None = None) -> str:
        if edit.fill:
            before, style = style, styles.get().with_fill(style, edit.fill)
            self.restyled[ref] = (before, style)
        self.applied[ref] = (style, edit.value)
        return _cell_xml(self.p if p is None else p, ref, style, edit.value)

    def _edit_cell(self, cell: str, ref: str, edit: _Edit, styles, p: str | None = None,
                   has_formula: bool | None = None) -> str:
        """The cell (ref, prefix p) with the edit applied; has_formula: whether it holds an <f>
        (None: searched for here)."""
        head = _TAG.match(cell).group(0)
        style = int(_attr(head, "s") or 0)
        if edit.fill:
            before, style = style, styles.get().with_fill(style, edit.fill)
            self.restyled[ref] = (before, style)
        self.applied[ref] = (style, edit.value)
        if edit.value is KEEP:
            return _set_attr(head, "s", str(style)) + cell[len(head):] if edit.fill else cell
        if self.f_re.search(cell) if has_formula is None else has_formula:
            self.removed_formula = True
        return _cell_xml(self.p if p is None else p, ref, style, edit.value)

    @staticmethod
    def _row_default_style(row_head: str) -> int | None:
        if "customFormat" in row_head and _attr(row_head, "customFormat") in ("1", "true") \
                and _attr(row_head, "s"):
            return int(_attr(row_head, "s"))
        return None

    def _widen_spans(self, row_xml: str, cols) -> str:
        head = self.row_open.match(row_xml).group(0)
        return _widened_spans(head, cols) + row_xml[len(head):]

    def _widen_dimension(self, cells) -> None:
        m = _tag_re(self.p, "dimension").search(self.xml)
        if m:
            tag = _widened_dimension(m.group(0), cells)
            if tag is not m.group(0):
                self.xml = self.xml[:m.start()] + tag + self.xml[m.end():]

    # -- shared formulas --------------------------------------------------------

    def _unshare_overwritten(self, data: str, edits: dict[tuple[int, int], _Edit]) -> str:
        """Shared formulas whose master cell gets a value become plain formulas first."""
        if "shared" not in data or not re.search(r"""t\s*=\s*["']shared""", data):
            return data
        groups = set()
        for m in self.cell_re.finditer(data):
            f = self.f_re.search(m.group(0))
            if f and _attr(f.group(0), "t") == "shared" and _attr(f.group(0), "ref"):
                ref = _attr(m.group(0)[: m.group(0).index(">") + 1], "r")
                edit = edits.get(_parse_ref(ref)) if ref else None
                if edit is not None and edit.value is not KEEP:
                    groups.add(_attr(f.group(0), "si"))
        return self._unshare(data, groups) if groups else data

    def _unshare(self, data: str, groups: set[str]) -> str:
        masters = {}
        for m in self.cell_re.finditer(data):
            f = self.f_re.search(m.group(0))
            if f and _attr(f.group(0), "si") in groups and _attr(f.group(0), "ref"):
                ref = _attr(m.group(0), "r")
                masters[_attr(f.group(0), "si")] = (_parse_ref(ref), _unescape(f.group(2) or ""), ref)

        def fix(m: re.Match) -> str:
            cell = m.group(0)
            f = self.f_re.search(cell)
            si = f and _attr(f.group(0), "si")
            if not f or _attr(f.group(0), "t") != "shared" or si not in masters:
                return cell
            (mr, mc), formula, master_ref = masters[si]
            r, c = _parse_ref(_attr(cell, "r"))
            text = _translate_formula(formula, r - mr, c - mc, master_ref)
            return cell[:f.start()] + f"<{self.p}f>{_esc_text(text)}</{self.p}f>" + cell[f.end():]

        return self.cell_re.sub(fix, data)

    # -- legacy drawing reference (comments) -----------------------------------

    def legacy_drawing_rid(self) -> str | None:
        start, end = self.tail_span()
        m = _tag_re(self.p, "legacyDrawing").search(self.xml, start, end)
        if not m:
            return None
        found = _PREFIXED_ID_RE.search(m.group(0))
        return (found.group(1) if found.group(1) is not None else found.group(2)) if found else None

    def add_legacy_drawing(self, rid: str) -> None:
        xml, r = _ensure_ns(self.xml, "worksheet", "r", NS_REL)
        if xml is not self.xml:  # xmlns:r added to the root tag: what follows it moved along
            shift = len(xml) - len(self.xml)
            (data_start, data_end), (start, end) = self.data_span(), self.tail_span()
            self.xml = xml
            self._spans = (xml, (data_start + shift, data_end + shift), (start + shift, end + shift))
        start, end = self.tail_span()
        element = f'<{self.p}legacyDrawing {r}:id="{rid}"/>'
        self.xml = _insert_in_order(self.xml, start, end, WORKSHEET_ORDER, "legacyDrawing", element, self.p)


def _rows_after(nums: list[int], starts: list[int], ends: list[int],
                splices: list[tuple[int, int, int, int]]) -> dict[int, list[tuple[int, int]]] | None:
    """edit_cells' rows of the edited numbers after its splices (each (start, end) replaced by
    that many characters of row `num`): the rows it wrote and any other row of such a number,
    moved by what was spliced in before it.  None when the rows are not in ascending order
    (the splices are then not in order either)."""
    if any(a > b for a, b in zip(nums, nums[1:])):
        return None
    out: dict[int, list[tuple[int, int]]] = {}
    shift, written = 0, set()
    for s, e, length, num in splices:
        out.setdefault(num, []).append((s + shift, s + shift + length))
        written.add(s)
        shift += length - (e - s)
    for num in out:
        for i in range(bisect_left(nums, num), bisect_right(nums, num)):
            if starts[i] in written:
                continue          # the row edited in place (its span is above)
            moved = sum(length - (e - s) for s, e, length, _ in splices if e <= starts[i])
            out[num].append((starts[i] + moved, ends[i] + moved))
    return out


def _widened_spans(head: str, cols) -> str:
    """A <row> opening tag whose spans="…" (if any, and plain) covers these 0-based columns."""
    spans = _attr(head, "spans") if "spans" in head else None
    if not spans or not re.fullmatch(r"[0-9: ]+", spans):
        return head
    numbers_ = [int(n) for n in re.findall(r"\d+", spans)] + [c + 1 for c in cols]
    return _set_attr(head, "spans", f"{min(numbers_)}:{max(numbers_)}")


def _widened_dimension(tag: str, cells) -> str:
    """The <dimension> tag with its ref widened to hold the cells (the same tag if it does)."""
    ref = _attr(tag, "ref")
    if not ref or not re.fullmatch(r"[A-Za-z]+\d+(:[A-Za-z]+\d+)?", ref):
        return tag
    r1, c1, r2, c2 = _parse_range(ref)
    rows, cols = [r for r, _ in cells], [c for _, c in cells]
    new = _range(min(r1, *rows), min(c1, *cols), max(r2, *rows), max(c2, *cols))
    return tag if new == ref else _set_attr(tag, "ref", new)


def _set_attr_first(cell: str, name: str, value: str) -> str:
    head = _TAG.match(cell).group(0)
    return _set_attr(head, name, value) + cell[len(head):]


def _col_default(col_styles: list[tuple[int, int, int]], col: int) -> int:
    return next((s for lo, hi, s in col_styles if lo <= col + 1 <= hi), 0)


_FORMULA_REF = re.compile(
    r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'|(?<![\w.$\]])(\$?)([A-Z]{1,3})(\$?)([0-9]+)(?![\w(\[!.])')
_WHOLE_LINES = re.compile(r"(?<![\w.$])\$?(?:[A-Z]{1,3}:\$?[A-Z]{1,3}|[0-9]+:\$?[0-9]+)(?![\w(])")


def _translate_formula(formula: str, drow: int, dcol: int, where: str) -> str:
    """Shift the relative A1 references of a shared formula by (drow, dcol)."""
    bare = re.sub(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'', "", formula)
    if "[" in bare or _WHOLE_LINES.search(bare):
        raise ValueError(f"单元格 {where} 是共享公式的主单元格，其公式无法安全平移，未改写")

    def shift(m: re.Match) -> str:
        if m.group(2) is None:
            return m.group(0)
        col_abs, letters, row_abs, digits = m.groups()
        row, col = _parse_ref(letters + digits)
        row += 0 if row_abs else drow
        col += 0 if col_abs else dcol
        if not (0 <= row < MAX_ROW and 0 <= col < MAX_COL):
            return "#REF!"
        return f"{col_abs}{_col_letters(col)}{row_abs}{row + 1}"

    return _FORMULA_REF.sub(shift, formula)


# ---------------------------------------------------------------------------
# Merged ranges


# The merged ranges of a sheet, numbered in document order: (by row: the ranges spanning that
# row, for ranges of fewer than 64 rows; the taller ones).
_MergeIndex = tuple[dict[int, list[tuple[int, tuple[int, int, int, int]]]],
                    list[tuple[int, tuple[int, int, int, int]]]]


@_by_content
def _merge_index(p: str, tail: str) -> _MergeIndex:
    """The merged ranges listed in tail (a sheet's XML after </sheetData>); shared, read only."""
    full, simple = _merge_cell_re(p), _merge_ref_re(p)
    refs = simple.findall(tail)
    if len(refs) != len(full.findall(tail)):  # not all '<mergeCell ref="…"'
        refs = [_attr(m.group(0), "ref") for m in full.finditer(tail)]
    return _index_merges(refs)


def _index_merges(refs: list[str]) -> _MergeIndex:
    """_MergeIndex of merged-range references in document order."""
    by_row: dict[int, list[tuple[int, tuple[int, int, int, int]]]] = {}
    tall = []
    for i, merge in enumerate(_parse_range(ref) for ref in refs if ref):
        if merge[2] - merge[0] < 64:
            for r in range(merge[0], merge[2] + 1):
                by_row.setdefault(r, []).append((i, merge))
        else:
            tall.append((i, merge))
    return by_row, tall
