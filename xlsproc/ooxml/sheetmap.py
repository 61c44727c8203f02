"""Where a worksheet's rows and cells are, found by a real XML parser (expat).

The sheet editor (sheet.py) and the check of what it applied (verify.py) search plain sheet
XML as strings.  XML that string searches cannot read exactly — spreadsheet elements under
more than one prefix (<c> and <x:c> mixed), comments, CDATA sections or processing
instructions that may hold text looking like cells — is mapped here instead: the exact
character spans of sheetData, its rows and their cells (each with its own prefix), and the
merged ranges, column styles, dimension and legacyDrawing of the root.  The editor then
splices at these spans, so nothing is edited inside a comment and no cell is missed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

from xlsproc.ooxml.markup import _TAG, _ensure_ns, _insert_in_order, _plain_prefix, _set_attr
from xlsproc.ooxml.package import NS_REL
from xlsproc.ooxml.sheet import (
    KEEP, WORKSHEET_ORDER, _col_default, _Edit, _index_merges, _MergeIndex, _set_attr_first, _SheetXml,
    _widened_dimension, _widened_spans)
from xlsproc.ooxml.styles import _LazyStyles
from xlsproc.refs import cell_name as _ref, parse_cell


@dataclass
class CellAt:
    row: int                # 0-based position (from r=, or the one after the previous cell)
    col: int
    start: int              # '<' of the opening tag
    head_end: int           # after the opening tag's '>'
    end: int                # after the element (= head_end when empty)
    prefix: str             # 'x:' or ''
    ref: str | None         # the r attribute as written (unescaped)
    attrs: dict = field(default_factory=dict)
    formula: dict | None = None   # the <f> element's attributes, if any
    formula_text: str = ""        # and its text
    value: str | None = None      # the <v> text, if any
    inline: str | None = None     # the text of <is>, if any


@dataclass
class RowAt:
    num: int                # 1-based
    start: int
    head_end: int
    end: int
    close: int              # where '</row>' starts (= end when empty)
    prefix: str
    has_r: bool
    cells: list[CellAt] = field(default_factory=list)


@dataclass
class SheetMap:
    main: str                       # the spreadsheet namespace
    data: tuple[int, int, int, int]  # sheetData: start, content start, content end, end
    data_prefix: str
    root_close: int                 # where the root's closing tag starts
    rows: list[RowAt] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    cols: list[tuple[int, int, int]] = field(default_factory=list)   # (min, max, style) 1-based
    dimension: tuple[int, int] | None = None                          # the <dimension> tag
    legacy_rid: str | None = None


def map_sheet(xml: str) -> SheetMap:
    """The map of a worksheet's XML; ValueError (Chinese) when it is not well-formed or has no
    sheetData."""
    data = xml.encode("utf-8")
    builder = _Builder(xml, data)
    parser = expat.ParserCreate()
    builder.parser = parser
    parser.buffer_text = True
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ValueError(f"工作表 XML 不是格式正确的 XML（{exc}），未改写") from None
    if builder.map is None or builder.map.data is None:
        raise ValueError("工作表 XML 缺少 sheetData，未改写")
    return builder.map


class _Builder:
    """expat handlers: a namespace stack (prefixes as written) and the elements mapped."""

    def __init__(self, xml: str, data: bytes):
        self.xml, self.ascii = xml, len(xml) == len(data)
        self.data = data
        self.scopes: list[dict[str, str]] = [{"xml": "http://www.w3.org/XML/1998/namespace"}]
        self.path: list[tuple[str | None, str]] = []   # (namespace, local name) of open elements
        self.starts: list[tuple[int, int]] = []  # (start, end of the opening tag)
        self.map: SheetMap | None = None
        self.row: RowAt | None = None
        self.cell: CellAt | None = None
        self.collect: list[str] | None = None
        self.in_is = False
        self.parser = None
        self._char_at: dict[int, int] = {}
        self._last = (0, 0)

    def char(self, byte_index: int) -> int:
        """The character offset of a byte offset into the UTF-8 text (offsets only grow)."""
        if self.ascii:
            return byte_index
        done_b, done_c = self._last
        if byte_index < done_b:
            done_b, done_c = 0, 0
        chars = done_c + len(self.data[done_b:byte_index].decode("utf-8"))
        self._last = (byte_index, chars)
        return chars

    def start(self, name: str, attrs: dict) -> None:
        scope = dict(self.scopes[-1])
        for key, value in attrs.items():
            if key == "xmlns":
                scope[""] = value
            elif key.startswith("xmlns:"):
                scope[key[6:]] = value
        self.scopes.append(scope)
        prefix, _, local = name.rpartition(":")
        ns = scope.get(prefix)
        at = self.char(self.parser.CurrentByteIndex)
        head_end = _TAG.match(self.xml, at).end()
        self.path.append((ns, local))
        self.starts.append((at, head_end))
        depth = len(self.path)
        if depth == 1:
            self.map = SheetMap(ns, None, "", -1)  # type: ignore[arg-type]
            return
        if self.map is None or ns != self.map.main:
            return
        written = prefix + ":" if prefix else ""
        parent = self.path[-2]
        if depth == 2:
            if local == "sheetData":
                self.map.data_prefix = written
                self.map.data = (at, head_end, head_end, head_end)
            elif local == "dimension":
                self.map.dimension = (at, head_end)
            elif local == "legacyDrawing":
                self.map.legacy_rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
        elif depth == 3 and parent == (self.map.main, "sheetData") and local == "row":
            r = attrs.get("r")
            last = self.map.rows[-1].num if self.map.rows else 0
            num = int(r) if r and r.isdigit() else last + 1
            self.row = RowAt(num, at, head_end, head_end, head_end, written, bool(r))
            self.map.rows.append(self.row)
        elif depth == 4 and self.row is not None and local == "c":
            ref = attrs.get("r")
            if ref:
                row, col = parse_cell(ref)
            else:
                row = self.row.num - 1
                col = self.row.cells[-1].col + 1 if self.row.cells else 0
            self.cell = CellAt(row, col, at, head_end, head_end, written, ref, dict(attrs))
            self.row.cells.append(self.cell)
        elif depth == 5 and self.cell is not None:
            if local == "f":
                self.cell.formula = dict(attrs)
                self.collect = []
            elif local == "v":
                self.collect = []
            elif local == "is":
                self.in_is, self.cell.inline = True, ""
        elif depth >= 6 and self.in_is and local == "t" and parent[1] in ("is", "r"):
            self.collect = []
        elif local == "mergeCell" and parent == (self.map.main, "mergeCells") and depth == 3:
            self.map.merges.append(attrs.get("ref") or "")
        elif local == "col" and parent == (self.map.main, "cols") and depth == 3 and attrs.get("style"):
            self.map.cols.append((int(attrs["min"]), int(attrs["max"]), int(attrs["style"])))

    def text(self, data: str) -> None:
        if self.collect is not None:
            self.collect.append(data)

    def end(self, name: str) -> None:
        ns, local = self.path.pop()
        start, head_end = self.starts.pop()
        self.scopes.pop()
        at = self.char(self.parser.CurrentByteIndex)  # empty element: its end; else '</'
        depth = len(self.path) + 1
        if self.map is None:
            return
        if depth == 1:
            self.map.root_close = at
            return
        if ns != self.map.main:
            return
        empty = self.xml.endswith("/>", start, head_end)
        end = head_end if empty else self.xml.index(">", at) + 1
        if depth == 2 and local == "sheetData" and self.map.data is not None and self.map.data[0] == start:
            s, content, _, _ = self.map.data
            self.map.data = (s, content, content if empty else at, end)
        elif depth == 3 and self.row is not None and local == "row":
            self.row.end, self.row.close = end, end if empty else at
            self.row = None
        elif depth == 4 and self.cell is not None and local == "c":
            self.cell.end = end
            self.cell = None
        elif depth == 5 and self.cell is not None and local == "v" and self.collect is not None:
            self.cell.value = "".join(self.collect)
            self.collect = None
        elif depth == 5 and self.cell is not None and local == "f" and self.collect is not None:
            self.cell.formula_text = "".join(self.collect)
            self.collect = None
        elif depth == 5 and local == "is":
            self.in_is = False
        elif self.in_is and local == "t" and self.collect is not None:
            self.cell.inline += "".join(self.collect)
            self.collect = None


# ---------------------------------------------------------------------------
# The editor for such sheets: the string editor's cell writing, at the mapped spans


class MappedSheetXml(_SheetXml):
    """_SheetXml for sheet XML that string searches cannot read exactly (see _plain_prefix):
    rows, cells, merged ranges, column styles and the legacyDrawing come from map_sheet, and
    every element is written with the prefix of the element it goes into.  A shared-formula
    master overwritten, or a row / cell found twice, is refused (ValueError) rather than
    guessed at."""

    plain = False

    def __init__(self, xml: str):
        super().__init__(xml)
        self._map: tuple[str, SheetMap] | None = None

    def sheet_map(self) -> SheetMap:
        if self._map is None or self._map[0] is not self.xml:
            self._map = (self.xml, map_sheet(self.xml))
        return self._map[1]

    def data_span(self) -> tuple[int, int]:
        found = self.sheet_map()
        if found.data[1] == found.data[3]:       # <sheetData/>: expanded first
            start, end, p = found.data[0], found.data[3], found.data_prefix
            self.xml = self.xml[:start] + self.xml[start:end - 2].rstrip() + f"></{p}sheetData>" + self.xml[end:]
            found = self.sheet_map()
        return found.data[1], found.data[2]

    def tail_span(self) -> tuple[int, int]:
        found = self.sheet_map()
        return found.data[3], found.root_close

    def merge_index(self) -> _MergeIndex:
        return _index_merges(self.sheet_map().merges)

    def col_styles(self) -> list[tuple[int, int, int]]:
        return list(self.sheet_map().cols)

    def legacy_drawing_rid(self) -> str | None:
        return self.sheet_map().legacy_rid

    def add_legacy_drawing(self, rid: str) -> None:
        self.xml, r = _ensure_ns(self.xml, "worksheet", "r", NS_REL)
        start, end = self.tail_span()
        element = f'<{self.p}legacyDrawing {r}:id="{rid}"/>'
        self.xml = _insert_in_order(self.xml, start, end, WORKSHEET_ORDER, "legacyDrawing", element, self.p)

    def edit_cells(self, edits: dict[tuple[int, int], _Edit], styles: _LazyStyles) -> None:
        self.data_span()
        found, xml = self.sheet_map(), self.xml
        col_styles = found.cols
        by_row: dict[int, dict[int, _Edit]] = {}
        for (row, col), edit in sorted(edits.items()):
            by_row.setdefault(row + 1, {})[col] = edit
        rows: dict[int, list[RowAt]] = {}
        for row in found.rows:
            rows.setdefault(row.num, []).append(row)
        ops: list[tuple[int, int, str]] = []
        if found.dimension:
            start, end = found.dimension
            ops.append((start, end, _widened_dimension(xml[start:end], edits.keys())))
        numbered = all(row.has_r for row in found.rows)
        for row in found.rows:
            row_edits = by_row.get(row.num)
            if row_edits is not None:
                if len(rows[row.num]) > 1:
                    raise ValueError(f"工作表 XML 中第 {row.num} 行出现了不止一次，无法确定改写哪一处，未改写")
                ops += self._edit_mapped_row(row, row_edits, styles, col_styles)
            elif not numbered and not row.has_r:  # rows after an insert must keep their numbers
                ops.append((row.start, row.head_end, _set_attr(xml[row.start:row.head_end], "r", str(row.num))))
        for num, row_edits in by_row.items():
            if num not in rows:
                at = next((row.start for row in found.rows if row.num > num), found.data[2])
                cells = "".join(self._new_cell(_ref(num - 1, col), _col_default(col_styles, col), edit, styles,
                                               found.data_prefix) for col, edit in sorted(row_edits.items()))
                ops.append((at, at, f'<{found.data_prefix}row r="{num}">{cells}</{found.data_prefix}row>'))
        # Apply from the back; inserts at one spot go in reverse so they end up in order.
        for _, (s, e, text) in sorted(enumerate(ops), key=lambda o: (o[1][0], o[1][1], o[0]), reverse=True):
            xml = xml[:s] + text + xml[e:]
        self.xml = xml

    def _edit_mapped_row(self, row: RowAt, edits: dict[int, _Edit], styles, col_styles) -> list:
        xml, num = self.xml, row.num
        head = xml[row.start:row.head_end]
        if not row.has_r:
            head = _set_attr(head, "r", str(num))
        head = _widened_spans(head, edits.keys())
        default = self._row_default_style(head)
        if row.end == row.head_end:                  # <row …/>
            cells = "".join(self._new_cell(_ref(num - 1, col), default if default is not None
                                           else _col_default(col_styles, col), edit, styles, row.prefix)
                            for col, edit in sorted(edits.items()))
            return [(row.start, row.end, head[:-2].rstrip() + ">" + cells + f"</{row.prefix}row>")]
        ops = [(row.start, row.head_end, head)]
        by_col: dict[int, list[CellAt]] = {}
        for cell in row.cells:
            by_col.setdefault(cell.col, []).append(cell)
        for col, edit in sorted(edits.items()):
            ref = _ref(num - 1, col)
            found = by_col.get(col, [])
            if len(found) > 1 or any(cell.row != num - 1 for cell in found):
                raise ValueError(f"单元格 {ref} 在工作表 XML 中出现了不止一次，无法确定改写哪一处，未改写")
            if found:
                cell = found[0]
                f = cell.formula
                if f and f.get("t") == "shared" and f.get("ref") and edit.value is not KEEP:
                    raise ValueError(f"单元格 {ref} 是共享公式的主单元格，而此工作表的 XML 写法少见，"
                                     "无法安全改写，未改写")
                text = xml[cell.start:cell.end]
                if cell.ref is None:
                    text = _set_attr_first(text, "r", ref)
                ops.append((cell.start, cell.end, self._edit_cell(text, ref, edit, styles, cell.prefix, f is not None)))
            else:
                at = next((cell.start for cell in row.cells if cell.col > col), row.close)
                style = default if default is not None else _col_default(col_styles, col)
                ops.append((at, at, self._new_cell(ref, style, edit, styles, row.prefix)))
        ops += [(cell.start, cell.head_end, _set_attr(xml[cell.start:cell.head_end], "r", _ref(num - 1, cell.col)))
                for cell in row.cells if cell.ref is None and cell.col not in edits]
        return ops


def written_style(xml: str, row: int, col: int) -> int:
    """The cellXfs index a value written into the cell (0-based row, col) shows with, as the
    sheet editors give it: the cell's own s when it is in the XML, else its row's (a row with
    customFormat="1"), else its column's (<col style=…>) — so a blank cell never written in a
    column formatted 0.00% is a percent cell too.  ValueError when the XML is not well-formed."""
    found = map_sheet(xml)
    for at in found.rows:
        if at.num != row + 1:
            continue
        cell = next((c for c in at.cells if c.col == col), None)
        if cell is not None:
            style = cell.attrs.get("s") or "0"
            return int(style) if style.strip().isdigit() else 0
        default = _SheetXml._row_default_style(xml[at.start:at.head_end])
        if default is not None:
            return default
        break
    return _col_default(found.cols, col)


def sheet_editor(xml: str) -> _SheetXml:
    """The editor for a worksheet's XML: the string editor when string searches read it
    exactly, the mapped one otherwise."""
    return _SheetXml(xml) if _plain_prefix(xml, "worksheet") is not None else MappedSheetXml(xml)
