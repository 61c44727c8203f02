"""Bounds on what a package may cost before calamine sees it (issue 12 #9, #10).

calamine trusts a zip's content and a sheet's cell references: a part whose header declares a
few bytes but inflates to gigabytes is inflated whole, and one value at XFD1048576 makes it
allocate a dense grid of 17 billion cells. Both are found here first:

* `check_members`: every member is inflated, in bounded steps and keeping nothing, up to one
  byte past its declared size; one that inflates further, or declares more than the budget, is
  refused before any parser reads it.
* `cropped_sheet`: a sheet whose cell references span more than DENSE_LIMIT cells is read from
  its XML (references only), and the cells far from the block holding the data are dropped
  from the copy calamine reads (the annotated copy keeps them: it is made from the original).
"""
from __future__ import annotations

import re
import struct
import zipfile
import zlib
from bisect import bisect_right
from dataclasses import dataclass

from xlsproc.errors import file_error
from xlsproc.refs import col_index, col_letter

DENSE_LIMIT = 4_000_000      # cells calamine may hold densely for one sheet (~130 MB)
ROW_GAP = 10_000             # empty rows that separate the table from far-away cells
COL_GAP = 256                # …and empty columns
STEP = 1 << 20               # bytes inflated at a time while checking a member


def check_members(zf: zipfile.ZipFile, data: bytes, max_bytes: int,
                  checked: frozenset[str] = frozenset()) -> None:
    """file-too-large / file-corrupt unless every member inflates to no more than it declares
    (and the declared sizes stay within max_bytes). `checked`: members already inflated and
    matched against their declared size and CRC."""
    infos = zf.infolist()
    if sum(i.file_size for i in infos) > max_bytes:
        raise file_error("file-too-large", size=_mib(sum(i.file_size for i in infos)),
                         limit=_mib(max_bytes))
    for info in infos:
        if info.filename in checked or info.filename.endswith("/"):
            continue
        if info.compress_type == zipfile.ZIP_STORED:
            if info.compress_size != info.file_size:
                raise _lying(info)
            continue
        if info.compress_type != zipfile.ZIP_DEFLATED:
            raise file_error("file-corrupt", detail=f"部件 {info.filename} 使用了不支持的压缩方式")
        stored = stored_bytes(data, info)
        key = (info.file_size, stored) if len(stored) <= _SMALL else None
        if key is not None and key in _honest:
            continue
        if _inflated_size(stored, info.file_size + 1) > info.file_size:
            raise _lying(info)
        if key is not None:
            if len(_honest) >= _HONEST_MAX:
                _honest.clear()
            _honest[key] = True


# Parts repeated across the workbooks of a batch (a template's theme, styles, relationships) are
# inflated once per process: the same stored bytes inflate to the same size.
_SMALL = 16 << 10
_HONEST_MAX = 512
_honest: dict[tuple[int, bytes], bool] = {}


def _lying(info: zipfile.ZipInfo):
    return file_error("file-corrupt", detail=f"压缩包中的部件 {info.filename} 解压后超过其声明的大小"
                                             f"（{info.file_size} 字节），疑似压缩炸弹")


def _inflated_size(stored: bytes, limit: int) -> int:
    """How many bytes `stored` (raw deflate) inflates to, counting no further than limit."""
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)
    total, pending = 0, stored
    try:
        while pending and total < limit:
            total += len(inflate.decompress(pending, min(STEP, limit - total)))
            pending = inflate.unconsumed_tail
    except zlib.error:
        raise file_error("file-corrupt", detail="压缩数据已损坏，无法解压") from None
    return total


def stored_bytes(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes as stored (compressed), found through its local header."""
    at = info.header_offset
    if data[at:at + 4] != b"PK\x03\x04" or len(data) < at + 30:
        raise file_error("file-corrupt", detail="压缩包结构不完整")
    name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
    start = at + 30 + name_len + extra_len
    return data[start:start + info.compress_size]


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB"


# --- far-away cells --------------------------------------------------------------------------

_ROW_R = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d{1,7})"')
_ROW_PLAIN = re.compile(rb'<row r="(\d{1,7})"')
_LETTERS = {3: re.compile(rb'r="[A-Z]{3}\d'), 2: re.compile(rb'r="[A-Z]{2}\d')}
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')
_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d{1,7})"[^>]*?(?:/>|>.*?</(?:\w+:)?c>)', re.S)
_DIMENSION = re.compile(rb'<((?:\w+:)?)dimension\b[^>]*/>')


@dataclass(frozen=True)
class Box:
    """Rows r0..r1 and columns c0..c1 (1-based, inclusive) are kept."""
    r0: int
    r1: int
    c0: int
    c1: int

    def holds(self, row: int, col: int) -> bool:
        return self.r0 <= row <= self.r1 and self.c0 <= col <= self.c1


def cropped_sheet(xml: bytes) -> bytes | None:
    """The sheet XML without its far-away cells when its references span more than DENSE_LIMIT
    cells; None when it is dense enough to read as it is (most sheets: three quick searches)."""
    if _area_bound(xml) <= DENSE_LIMIT:
        return None
    box = _kept_box(_REF.findall(xml))
    if box is None:
        return None

    def keep(m: re.Match) -> str:
        return m.group(0) if box.holds(int(m.group(2)), _col(m.group(1))) else b""
    cropped = _CELL.sub(keep, xml)
    dimension = f"{_letters(box.c0)}{box.r0}:{_letters(box.c1)}{box.r1}"
    return _DIMENSION.sub(lambda m: b"<%sdimension ref=\"%s\"/>" % (m.group(1), dimension.encode()),
                          cropped, count=1)


def _area_bound(xml: str) -> int:
    """An upper bound of rows × columns: the largest row number (or the number of rows, when
    they carry none) times what the longest column names allow."""
    found = _ROW_PLAIN.findall(xml)          # rows as nearly every program writes them
    if len(found) < xml.count(b"<row ") + xml.count(b":row "):
        found = _ROW_R.findall(xml)
    rows = max(map(int, found), default=0) or xml.count(b"row")
    if rows * 16_384 <= DENSE_LIMIT:         # a short sheet (most): no column is too far
        return rows * 16_384
    cols = 16_384 if _LETTERS[3].search(xml) else 702 if _LETTERS[2].search(xml) else 26
    return rows * cols


def _kept_box(refs: list[tuple[bytes, bytes]]) -> Box | None:
    """The block of cells up to the first wide gap in rows and in columns; None when that is
    every cell (a large table, dense enough to read whole)."""
    if not refs:
        return None
    rows = sorted({int(r) for _, r in refs})
    cols = sorted({_col(c) for c, _ in refs})
    r1, c1 = _before_gap(rows, ROW_GAP), _before_gap(cols, COL_GAP)
    width = c1 - cols[0] + 1
    if (r1 - rows[0] + 1) * width > DENSE_LIMIT:
        r1 = rows[0] + DENSE_LIMIT // width - 1
    if r1 >= rows[-1] and c1 >= cols[-1]:
        return None
    return Box(rows[0], r1, cols[0], c1)


def _before_gap(values: list[int], gap: int) -> int:
    """The last of the sorted values before the first gap wider than `gap`."""
    prev = values[0]
    for v in values:
        if v - prev > gap:
            return prev
        prev = v
    return prev


def _col(letters: bytes) -> int:
    """1-based column of a cell reference's letters (as the sheet XML's bytes hold them)."""
    return col_index(letters.decode("ascii")) + 1


def _letters(col: int) -> str:
    """Letters of a 1-based column."""
    return col_letter(col - 1)


# --- legacy .xls (BIFF in an OLE container) ------------------------------------------------------

BOF, EOF_, BOUNDSHEET, CONTINUE = 0x0809, 0x000A, 0x0085, 0x003C
# Records holding a value, each starting with its row and column (calamine skips blank cells)
VALUE_RECORDS = {0x0203, 0x00FD, 0x027E, 0x0204, 0x0205, 0x0006, 0x00D6}   # NUMBER … RSTRING
MULRK = 0x00BD                                       # row, first column, …, last column


def check_legacy(data: bytes) -> None:
    """An .xls whose sheet spans more than DENSE_LIMIT cells (one value at IV65536 spans 16.7 M)
    is refused before calamine builds its dense grid: the workbook stream's cell records say
    where the values are. Anything this cannot parse is left to calamine to judge."""
    stream = _workbook_stream(data)
    if stream is None:
        return
    for name, (r0, c0, r1, c1) in _sheet_extents(stream).items():
        cells = (r1 - r0 + 1) * (c1 - c0 + 1)
        if cells > DENSE_LIMIT:
            raise file_error("file-sparse-sheet", sheet=name, far=f"{_letters(c1 + 1)}{r1 + 1}",
                             cells=f"{cells // 10_000} 万")


def _workbook_stream(data: bytes) -> bytes | None:
    import olefile
    try:
        with olefile.OleFileIO(data) as ole:
            for name in ("Workbook", "Book"):
                if ole.exists(name):
                    return ole.openstream(name).read()
    except Exception:            # noqa: BLE001 — a damaged container: calamine reports it
        return None
    return None


_HEAD = struct.Struct("<HH").unpack_from


def _sheet_extents(stream: bytes) -> dict[str, tuple[int, int, int, int]]:
    """Sheet name → (first row, first column, last row, last column) of its values (0-based).
    (One pass over the records, ~0.5 µs each: a 60,000-row .xls takes ~0.3 s.)"""
    names: dict[int, str] = {}
    extents: dict[str, tuple[int, int, int, int]] = {}
    sheet: str | None = None
    r0 = c0 = 1 << 20
    r1 = c1 = -1
    at, end = 0, len(stream)
    values, head = VALUE_RECORDS, _HEAD
    while at + 4 <= end:
        kind, size = head(stream, at)
        if kind in values or kind == MULRK:
            if sheet is not None and size >= 4 and at + 4 + size <= end:
                row, col = head(stream, at + 4)
                last = head(stream, at + 2 + size)[0] if kind == MULRK else col
                if row < r0:
                    r0 = row
                if row > r1:
                    r1 = row
                if col < c0:
                    c0 = col
                if last > c1:
                    c1 = last
        elif kind == BOUNDSHEET and size >= 8:
            names[struct.unpack_from("<I", stream, at + 4)[0]] = _sheet_name(stream[at + 4:at + 4 + size])
        elif kind == BOF:
            sheet = names.get(at)
        elif kind == EOF_:
            if sheet is not None and r1 >= 0:
                extents[sheet] = (r0, c0, r1, c1)
            sheet, r0, c0, r1, c1 = None, 1 << 20, 1 << 20, -1, -1
        at += 4 + size
    if sheet is not None and r1 >= 0:         # a stream cut short of the sheet's EOF
        extents[sheet] = (r0, c0, r1, c1)
    return extents


def _sheet_name(body: bytes) -> str:
    count, wide = body[6], body[7] & 1 if len(body) > 7 else 0
    raw = body[8:8 + count * (2 if wide else 1)]
    return raw.decode("utf-16-le" if wide else "latin-1", "replace")
