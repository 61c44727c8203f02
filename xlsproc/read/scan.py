"""What the sheet XML of an .xlsx/.xlsm says that calamine does not: formulas (with whether a
result is cached) and percent-formatted cells.

Parts are found as the editor finds them — package relationships, content types, the
workbook's relationships — through xlsproc.ooxml (PartReader, workbook_parts), never by
fixed names.  A sheet is scanned with string searches when its XML is written the usual way
(no prefixes on spreadsheet elements, double-quoted attributes, cells with r="…" first, no
comments / CDATA / character references); any other sheet is read with a real XML parser
(expat, through ooxml.sheetmap as the editor reads such sheets), which gives the same answer on the usual XML (tests/test_ooxml_equivalence.py).
"""
from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

from xlsproc.errors import file_error
from xlsproc.ooxml.markup import _attrs, _plain_prefix, _unescape
from xlsproc.ooxml.package import PartReader
from xlsproc.ooxml.workbook import WorkbookParts, full_calc_on_load, workbook_parts
from xlsproc.read.bounds import cropped_sheet
from xlsproc.refs import parse_cell

PERCENT_BUILTIN = {9, 10}


@dataclass
class SheetXml:
    """What the sheet XML says that calamine does not: formulas and percent-formatted cells."""

    formulas: dict[tuple[int, int], tuple[str, bool, float | None]] = field(default_factory=dict)
    percent: set[tuple[int, int]] = field(default_factory=set)
    hidden_rows: set[int] = field(default_factory=set)          # 0-based


# --- finding and reading parts ----------------------------------------------------------------


def locate(zf: zipfile.ZipFile, data: bytes, max_bytes: int) -> WorkbookParts | None:
    """The workbook's parts (None: the package is not a workbook).  ValueError when the workbook
    part is not XML with a <workbook> root."""
    return workbook_parts(PartReader(zf.namelist(), lambda name: _read_small(zf, data, name, max_bytes)))


_SMALL = 16 << 10          # stored bytes: parts workbooks of one template share (rels, workbook,
_small_cache: dict = {}    # content types, styles) are inflated once per process
_SMALL_CACHE_MAX = 256


def _read_small(zf: zipfile.ZipFile, data: bytes, name: str, limit: int) -> bytes:
    info = zf.getinfo(name)
    stored = _stored(data, info)
    if stored is None or len(stored) > _SMALL:
        return _read_part(zf, data, name, limit + 1)
    key = (info.CRC, info.file_size, info.compress_type, info.flag_bits, stored)
    found = _small_cache.get(key)
    if found is None:
        found = _read_part(zf, data, name, limit + 1)
        if len(_small_cache) >= _SMALL_CACHE_MAX:
            _small_cache.clear()
        _small_cache[key] = found
    return found


def _stored(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A part's bytes as stored in the zip (compressed), found through its local header; None
    unless that header is where the directory says and names the same part (as zipfile checks)."""
    at = info.header_offset
    if data[at:at + 4] != b"PK\x03\x04" or len(data) < at + 30:
        return None
    flags, = struct.unpack_from("<H", data, at + 6)
    name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
    try:
        name = data[at + 30:at + 30 + name_len].decode("utf-8" if flags & 0x800 else "cp437")
    except UnicodeDecodeError:
        return None
    if name != info.orig_filename:
        return None
    start = at + 30 + name_len + extra_len
    return data[start:start + info.compress_size]


_ZIP_FLAGS_REFUSED = 0x61       # encrypted, compressed patched data, strong encryption


def _read_part(zf: zipfile.ZipFile, data: bytes, name: str, limit: int) -> bytes:
    """zf.open(name).read(limit), `data` being the zip's content. The usual part (deflated, not
    encrypted, complete and matching its CRC) is inflated here from its stored bytes, without
    zipfile's file objects; any other is read by zipfile, with zipfile's own errors."""
    info = zf.getinfo(name)
    if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & _ZIP_FLAGS_REFUSED:
        stored = _stored(data, info)
        if stored is not None:
            inflate = zlib.decompressobj(-zlib.MAX_WBITS)
            try:
                content = inflate.decompress(stored, limit)
            except zlib.error:
                content = b""
            if inflate.eof and len(content) == info.file_size and zlib.crc32(content) == info.CRC:
                return content
    with zf.open(info) as fh:
        return fh.read(limit)


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB"


# --- the scan ---------------------------------------------------------------------------------


def scan_xml(zf: zipfile.ZipFile, data: bytes, max_bytes: int, parts: WorkbookParts | None,
             crops: dict[str, bytes] | None = None) -> dict[str, SheetXml]:
    """Per sheet name: its formulas (with whether a result is cached) and percent cells.
    `data` is the zip file's content (zf reads it too). A sheet whose cells span too many
    for a dense grid gets its XML without the far-away cells in `crops` (read.bounds)."""
    if parts is None or parts.binary:
        return {}
    from xlsproc.write.marks import is_record_name
    # Our copy asks Excel to recalculate (a value we wrote feeds her formulas): her cached results
    # there are real ones, not a calculating-less writer's placeholders.
    full_calc = _full_calc(parts.xml) and not any(is_record_name(n) for n in parts.sheets)
    percent_styles = frozenset()
    if parts.styles:
        percent_styles = percent_styles_of(_read_small(zf, data, parts.styles, max_bytes))
    out = {}
    for sheet, name in parts.sheets.items():
        xml = _read_part(zf, data, name, max_bytes + 1)
        if len(xml) > max_bytes:
            raise file_error("file-too-large", size=f"超过 {mib(max_bytes)}", limit=mib(max_bytes))
        if crops is not None and (cropped := cropped_sheet(xml)) is not None:
            xml = crops[name] = cropped
        out[sheet] = scan_sheet(xml, percent_styles, full_calc)
    return out


def scan_sheet(data: bytes, percent_styles: frozenset[str] = frozenset(), full_calc: bool = False) -> SheetXml:
    """The formulas and percent cells of one sheet's XML (its bytes)."""
    found = SheetXml()
    formulas = percent = None
    if _plain_prefix(data, "worksheet") == b"":
        xml = data.decode("utf-8", "replace")
        formulas = _formula_cells(xml) if "<f" in xml else {}
        if percent_styles and formulas is not None:
            percent = _styled_cells(xml, percent_styles) if _plain_attributes(data) else None
        else:
            percent = set()
    if formulas is None or percent is None:    # not what the string searches read exactly
        formulas, percent = _parsed_cells(data, percent_styles)
    found.formulas = _trusted_caches(formulas, full_calc)
    found.percent = percent
    found.hidden_rows = _hidden_rows(data)
    return found


_ROW_TAG = re.compile(r"<(?:[\w.\-]+:)?row(?=[\s/>])[^>]*>")


def _hidden_rows(data: bytes) -> set[int]:
    """The 0-based rows an officer hid (<row r="12" hidden="1">); rows without r= take the next
    number, as everywhere."""
    if b"hidden" not in data:
        return set()
    out, last = set(), 0
    for tag in _ROW_TAG.finditer(data.decode("utf-8", "replace")):
        attrs = _attrs(tag.group())
        r = attrs.get("r", "")
        last = int(r) if r.isdigit() else last + 1
        if attrs.get("hidden") in ("1", "true"):
            out.add(last - 1)
    return out


_CALC_PR = re.compile(r"<(?:[\w.\-]+:)?calcPr(?=[\s/>])[^>]*>")


@lru_cache(maxsize=64)
def _full_calc(workbook_xml: str) -> bool:
    """Whether Excel is asked to recalculate everything on load."""
    tag = _CALC_PR.search(workbook_xml)
    return bool(tag) and full_calc_on_load(tag.group(0))


_XF_BLOCK = re.compile(r'<(?:[\w.\-]+:)?cellXfs(?=[\s/>])[^>]*>(.*?)</(?:[\w.\-]+:)?cellXfs>', re.S)
_XF = re.compile(r'<(?:[\w.\-]+:)?xf(?=[\s/>])([^>]*)')
_NUMFMT = re.compile(r'<(?:[\w.\-]+:)?numFmt(?=[\s/>])([^>]*)/?>')


@lru_cache(maxsize=64)
def percent_styles_of(data: bytes) -> frozenset[str]:
    """Indexes (as text) of the cell formats that show numbers as percentages (styles.xml)."""
    xml = data.decode("utf-8", "replace")
    custom = {}
    for attrs in _NUMFMT.findall(xml):
        a = _attrs(attrs)
        code = re.sub(r'"[^"]*"|\\.', "", a.get("formatCode", ""))
        custom[a.get("numFmtId")] = "%" in code
    block = _XF_BLOCK.search(xml)
    out = set()
    for n, attrs in enumerate(_XF.findall(block.group(1)) if block else ()):
        fmt = _attrs(attrs).get("numFmtId", "0")
        if (fmt.isdigit() and int(fmt) in PERCENT_BUILTIN) or custom.get(fmt):
            out.add(str(n))
    return frozenset(out)


def _trusted_caches(cells: dict, full_calc: bool) -> dict:
    """A program that cannot calculate (xlsxwriter) caches 0 for every formula and asks Excel to
    recalculate on load: such zeros are placeholders, not results."""
    if full_calc and len(cells) >= 2 and all(c and v == 0 for _, c, v in cells.values()):
        return {k: (text, False, None) for k, (text, _, _) in cells.items()}
    return cells


# --- the usual XML: string searches -------------------------------------------------------------

# An s attribute the style search (s="9" as written) would miss: s = "9", s='9', s="&#57;".
_ODD_STYLE = re.compile(rb"s(?:\s+=|=\s|='|=\"&)")


def _plain_attributes(data: bytes) -> bool:
    """Whether every s attribute is written s="…" without references (cells whose r= is
    written otherwise are not matched by _STYLED and send the sheet to the parser)."""
    return _ODD_STYLE.search(data) is None


_CELL = re.compile(r'<c(?=[\s/>])([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_F = re.compile(r'<f(?=[\s/>])([^>]*?)(?:/>|>(.*?)</f>)', re.S)
_V = re.compile(r'<v(?=[\s/>])[^>]*?(?:/>|>(.*?)</v>)', re.S)
_IS = re.compile(r'<is[\s/>]')
_STYLED = re.compile(r'<c\b[^>]*?\br="([A-Z]+\d+)"[^>]*?\bs="(\d+)"|'
                     r'<c\b[^>]*?\bs="(\d+)"[^>]*?\br="([A-Z]+\d+)"')
_CELL_START = re.compile(r"<c[\s/>]")


def _styled_cells(xml: str, styles: frozenset[str]) -> set[tuple[int, int]] | None:
    """The cells whose format is one of `styles`. Only the tags holding such a style attribute
    are read, each with _STYLED: a sheet has hundreds of cells and few shown as percentages.
    None when such a cell has no r= (its position needs the parser)."""
    out = set()
    for found in _style_attribute(styles).finditer(xml):
        at = found.start()
        if at and _WORD_CHAR.match(xml, at - 1):      # the \b of _STYLED: not cs="8"
            continue
        start = xml.rfind("<", 0, at)
        end = xml.find(">", at)
        tag = _STYLED.match(xml, start, len(xml) if end < 0 else end + 1) if start >= 0 else None
        if tag:
            ref1, s1, s2, ref2 = tag.groups()
            ref, style = (ref1, s1) if ref1 else (ref2, s2)
            if style in styles:
                out.add(parse_cell(ref))
        elif start >= 0 and _CELL_START.match(xml, start):
            return None
    return out


_WORD_CHAR = re.compile(r"\w")


@lru_cache(maxsize=64)
def _style_attribute(styles: frozenset[str]) -> re.Pattern:
    # No \b in front: a pattern that starts with its literal text is searched for far faster.
    return re.compile(r's="(?:%s)"' % "|".join(map(re.escape, sorted(styles))))


def _formula_cells(xml: str) -> dict[tuple[int, int], tuple[str, bool, float | None]] | None:
    """(row, col) → (formula text, has a cached result, the cached number if any), for plain
    XML (see _plain_prefix; tests hand in fragments).  None when a formula cell has no r= (its
    position needs the parser)."""
    cells = {}
    for attrs, body in _formula_candidates(xml):
        f = _F.search(body) if body else None
        if not f:
            continue
        attrs = _attrs(attrs)
        ref = attrs.get("r")
        if not ref:
            return None
        v = _V.search(body)
        value = None if v is None else _unescape(v.group(1) or "")
        cells[parse_cell(ref)] = _formula(_unescape(f.group(2) or ""), value, attrs.get("t"),
                                          bool(_IS.search(body)))
    return cells


def _formula(text: str, value: str | None, cell_type: str | None, inline: bool) -> tuple[str, bool, float | None]:
    """(formula text, has a cached result, the cached number) of a formula cell."""
    formula = "=" + text if text else "（共享公式）"
    # An empty string result is written as t="str" with an empty <v>: that is a cached value.
    cached = bool(value is not None and (value != "" or cell_type == "str")) or inline
    return formula, cached, _number(value) if value is not None and not cell_type else None


_F_OPEN = re.compile(r"<f[\s>/]")


def _formula_candidates(xml: str):
    """(attributes, body) of the cells that hold a formula, searched from each <f> back to its
    <c>, not cell by cell: most cells hold no formula."""
    for found in _F_OPEN.finditer(xml):
        start = _cell_start(xml, found.start())
        end = xml.find("</c>", found.start())
        if start < 0 or end < 0:
            continue
        cell = _CELL.match(xml, start, end + 4)
        if cell:
            yield cell.group(1), cell.group(2)


def _cell_start(xml: str, before: int) -> int:
    """Where the <c> element holding position `before` starts ('<c ', '<c>', '<c\n…'; not
    '<color' of rich text)."""
    start = xml.rfind("<c", 0, before)
    while start >= 0 and xml[start + 2] not in " \t\r\n>/":
        start = xml.rfind("<c", 0, start)
    return start


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


# --- any other XML: a real parser ----------------------------------------------------------

def _parsed_cells(data: bytes, percent_styles: frozenset[str]) -> tuple[dict, set]:
    """(formulas, percent cells) of a sheet read with expat (ooxml.sheetmap, as the editor reads
    such sheets): prefixes, comments, CDATA, character references, any quoting; rows and cells
    without r= take the next position.  A sheet that is not well-formed XML gives nothing
    (calamine then decides)."""
    from xlsproc.ooxml.sheetmap import map_sheet   # (only unusual sheets need it)
    try:
        found = map_sheet(data.decode("utf-8", "replace"))
    except ValueError:
        return {}, set()
    formulas, percent = {}, set()
    for row in found.rows:
        for cell in row.cells:
            position = (cell.row, cell.col)
            if cell.formula is not None:
                formulas[position] = _formula(cell.formula_text, cell.value, cell.attrs.get("t"),
                                              cell.inline is not None)
            if percent_styles and cell.attrs.get("s") in percent_styles:
                percent.add(position)
    return formulas, percent
