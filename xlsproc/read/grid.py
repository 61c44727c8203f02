"""Workbook file → one Grid per sheet: values, merged ranges, formula cells. Format-agnostic.

Everything file-level happens here: sniffing what the file really is, refusing zip bombs before
parsing, recognising encryption. Values come from python-calamine (fast, reads .xls too);
for .xlsx/.xlsm the sheet XML is scanned once more for formulas, which calamine does not expose.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import python_calamine as calamine

from xlsproc.errors import file_error
from xlsproc.model import XlsprocError

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class Grid:
    """One sheet: a dense 0-based matrix of values ('' for empty) plus what calamine knows.

    `raw` holds the values as read; `values` the same through clean_value, made on first use
    (the reader cleans only the cells it takes, as it takes them)."""

    file: str
    sheet: str
    raw: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)   # r0, c0, r1, c1
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)       # cell → formula text
    no_cache: set[tuple[int, int]] = field(default_factory=set)              # formulas without value

    @cached_property
    def values(self) -> list[list[Any]]:
        return [[clean_value(v) for v in row] for row in self.raw]


def clean_value(value: Any) -> Any:
    """Floating-point noise from Excel (274.65999999999997 → 274.66); nan and inf become ''."""
    if type(value) is float:
        if value - value != 0:                  # nan, inf
            return ""
        return value if value.is_integer() else round(value, 10)   # (a whole number has no noise)
    return value


def is_lock_file(path: Path) -> bool:
    """Excel/WPS owner files (~$name.xlsx) and Office temp files are not workbooks."""
    return path.name.startswith("~$") or path.name.startswith(".~")


def read_grids(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, data: bytes | None = None) -> list[Grid]:
    """All worksheets of a workbook, or XlsprocError with a file-level code. `data`, when given,
    is the file's content already read (the worker hashes it too): the file is not opened again."""
    head = data[:4096] if data is not None else _head(path)
    if not head:
        raise file_error("file-corrupt", detail="文件为空（0 字节）")
    if head.startswith(ZIP_MAGIC):
        if data is None:
            data = _read_all(path)
        formulas = _check_zip(data, max_bytes)
        return _read_calamine(path, formulas, data)
    if head.startswith(OLE_MAGIC):
        if _ole_is_encrypted_package(path, data):
            raise file_error("file-encrypted")
        return _read_calamine(path, {})
    raise file_error("file-unsupported", what=_describe_text(head))


def _read_all(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(4096)


def _describe_text(head: bytes) -> str:
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) or b"<html" in low[:1024]:
        return "网页文件（HTML，常见于从系统“导出为 Excel”）"
    if low.startswith(b"mime-version"):
        return "网页存档文件（MHT）"
    if low.startswith(b"<?xml"):
        return "XML 文件（可能是“XML 电子表格 2003”格式）"
    if low.startswith(b"%pdf"):
        return "PDF 文件"
    if _looks_like_text(head):
        return "文本文件（CSV/制表符分隔）"
    return "无法识别的文件"


def _looks_like_text(head: bytes) -> bool:
    for enc in ("utf-8", "gb18030", "utf-16"):
        try:
            text = head.decode(enc)
        except UnicodeDecodeError:
            continue
        return all(ch.isprintable() or ch in "\r\n\t" for ch in text[:2000])
    return False


def _check_zip(data: bytes, max_bytes: int) -> dict[str, "SheetXml"]:
    """Refuse corrupt packages and zip bombs (declared sizes, before any decompression)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > max_bytes:
                raise file_error("file-too-large", size=_mib(total), limit=_mib(max_bytes))
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
                raise file_error("file-unsupported", what=_zip_kind(names))
            return _scan_xml(zf, data, max_bytes)
    except zipfile.BadZipFile:
        raise file_error("file-corrupt", detail="压缩包结构不完整") from None
    except (OSError, EOFError, zipfile.LargeZipFile, ValueError, zlib.error):
        raise file_error("file-corrupt", detail="压缩数据已损坏，无法解压") from None


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB"


def _zip_kind(names: set[str]) -> str:
    if "word/document.xml" in names:
        return "Word 文档（.docx）"
    if "ppt/presentation.xml" in names:
        return "PowerPoint 演示文稿"
    if "content.xml" in names:
        return "OpenDocument 文件（.ods/.odt）"
    return "压缩包（zip）"


def _ole_is_encrypted_package(path: Path, data: bytes | None = None) -> bool:
    """An encrypted .xlsx is an OLE container holding an 'EncryptedPackage' stream."""
    if data is not None:
        data = data[:1024 * 1024]
    else:
        with open(path, "rb") as fh:
            data = fh.read(1024 * 1024)
    return "EncryptedPackage".encode("utf-16-le") in data


# --- formulas in .xlsx sheet XML ---------------------------------------------------------

_REL = re.compile(r'<Relationship\b[^>]*>')
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_SHEET = re.compile(r'<(?:\w+:)?sheet\b[^>]*/?>')
_CELL = re.compile(r'<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)
_F = re.compile(r'<(?:\w+:)?f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f>)', re.S)
_V = re.compile(r'<(?:\w+:)?v>(.*?)</(?:\w+:)?v>', re.S)
_IS = re.compile(r'<(?:\w+:)?is>', re.S)


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → part name (xl/worksheets/sheet1.xml), from workbook.xml and its rels."""
    return _sheet_parts(zf.read("xl/workbook.xml"), zf.read("xl/_rels/workbook.xml.rels"))


_PARSED: dict = {}          # small parts shared by workbooks from one template → their parse
_PARSED_MAX = 256
_PARSED_MAX_BYTES = 65536


def _parsed(zf: zipfile.ZipFile, data: bytes, names: tuple[str, ...], parse):
    """parse(content of each named part), remembered for small parts: workbooks made from one
    template repeat their workbook.xml and styles.xml. The key is each part as stored in the zip
    (its compressed bytes, and the CRC and size zipfile checks them against), so a repeat is
    neither inflated nor parsed again. KeyError when a part is missing."""
    infos = [zf.getinfo(name) for name in names]
    stored = [_stored(data, info) for info in infos]
    if None in stored or sum(len(b) for b in stored) > _PARSED_MAX_BYTES:
        return parse(*(zf.read(name) for name in names))
    key = (parse, names, *((i.CRC, i.file_size, i.compress_type, i.flag_bits, b)
                           for i, b in zip(infos, stored)))
    found = _PARSED.get(key)
    if found is None:
        found = parse(*(zf.read(name) for name in names))    # checked and inflated by zipfile
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = found
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


def _sheet_parts(wb_bytes: bytes, rels_bytes: bytes) -> dict[str, str]:
    wb = wb_bytes.decode("utf-8", "replace")
    rels = rels_bytes.decode("utf-8", "replace")
    targets = {}
    for rel in _REL.findall(rels):
        attrs = dict(_ATTR.findall(rel))
        target = attrs.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[attrs.get("Id")] = _normpath(part)
    out = {}
    for tag in _SHEET.findall(wb):
        attrs = dict(_ATTR.findall(tag))
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
        if rid in targets:
            out[_unescape(attrs.get("name", ""))] = targets[rid]
    return out


def _normpath(part: str) -> str:
    out: list[str] = []
    for piece in part.split("/"):
        if piece == "..":
            out and out.pop()
        elif piece not in ("", "."):
            out.append(piece)
    return "/".join(out)


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


@dataclass
class SheetXml:
    """What the sheet XML says that calamine does not: formulas and percent-formatted cells."""

    formulas: dict[tuple[int, int], tuple[str, bool]] = field(default_factory=dict)
    percent: set[tuple[int, int]] = field(default_factory=set)


_CALC_PR = re.compile(r'<(?:\w+:)?calcPr\b[^>]*fullCalcOnLoad="(?:1|true)"')
_XF_BLOCK = re.compile(r'<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>', re.S)
_XF = re.compile(r'<(?:\w+:)?xf\b([^>]*)')
_NUMFMT = re.compile(r'<(?:\w+:)?numFmt\b([^>]*)/?>')
_STYLED = re.compile(r'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+\d+)"[^>]*?\bs="(\d+)"|'
                     r'<(?:\w+:)?c\b[^>]*?\bs="(\d+)"[^>]*?\br="([A-Z]+\d+)"')
PERCENT_BUILTIN = {9, 10}


def _percent_styles(data: bytes) -> frozenset[str]:
    """Indexes (as text) of the cell formats that show numbers as percentages (styles.xml)."""
    xml = data.decode("utf-8", "replace")
    custom = {}
    for attrs in _NUMFMT.findall(xml):
        a = dict(_ATTR.findall(attrs))
        code = re.sub(r'"[^"]*"|\\.', "", _unescape(a.get("formatCode", "")))
        custom[a.get("numFmtId")] = "%" in code
    block = _XF_BLOCK.search(xml)
    out = set()
    for n, attrs in enumerate(_XF.findall(block.group(1)) if block else ()):
        fmt = dict(_ATTR.findall(attrs)).get("numFmtId", "0")
        if (fmt.isdigit() and int(fmt) in PERCENT_BUILTIN) or custom.get(fmt):
            out.add(str(n))
    return frozenset(out)


def _workbook_facts(wb_bytes: bytes, rels_bytes: bytes) -> tuple[dict[str, str], bool]:
    """(sheet name → part name, whether Excel is asked to recalculate everything on load)."""
    full_calc = bool(_CALC_PR.search(wb_bytes.decode("utf-8", "replace")))
    return _sheet_parts(wb_bytes, rels_bytes), full_calc


def _scan_xml(zf: zipfile.ZipFile, data: bytes, max_bytes: int) -> dict[str, SheetXml]:
    """Per sheet name: its formulas (with whether a result is cached) and percent cells.
    `data` is the zip file's content (zf reads it too)."""
    try:
        parts, full_calc = _parsed(zf, data, ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"),
                                   _workbook_facts)
    except KeyError:
        return {}
    try:
        percent_styles = _parsed(zf, data, ("xl/styles.xml",), _percent_styles)
    except KeyError:
        percent_styles = frozenset()
    out = {}
    for name, part in parts.items():
        try:
            xml = _read_part(zf, data, part, max_bytes + 1).decode("utf-8", "replace")
        except KeyError:
            continue
        if len(xml) > max_bytes:
            raise file_error("file-too-large", size=f"超过 {_mib(max_bytes)}", limit=_mib(max_bytes))
        found = SheetXml()
        if "<f" in xml or ":f" in xml:
            found.formulas = _trusted_caches(_formula_cells(xml), full_calc)
        if percent_styles:
            found.percent = _styled_cells(xml, percent_styles)
        out[name] = found
    return out


def _trusted_caches(cells: dict, full_calc: bool) -> dict:
    """A program that cannot calculate (xlsxwriter) caches 0 for every formula and asks Excel to
    recalculate on load: such zeros are placeholders, not results."""
    if full_calc and len(cells) >= 2 and all(c and v == 0 for _, c, v in cells.values()):
        return {k: (text, False, None) for k, (text, _, _) in cells.items()}
    return cells


def _styled_cells(xml: str, styles: frozenset[str]) -> set[tuple[int, int]]:
    """The cells whose format is one of `styles`. Only the tags holding such a style attribute
    are read, each with _STYLED: a sheet has hundreds of cells and few shown as percentages."""
    from xlsproc.model import parse_cell_name
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
                out.add(parse_cell_name(ref))
    return out


_WORD_CHAR = re.compile(r"\w")


@lru_cache(maxsize=64)
def _style_attribute(styles: frozenset[str]) -> re.Pattern:
    # No \b in front: a pattern that starts with its literal text is searched for far faster.
    return re.compile(r's="(?:%s)"' % "|".join(map(re.escape, sorted(styles))))


def _formula_cells(xml: str) -> dict[tuple[int, int], tuple[str, bool, float | None]]:
    """(row, col) → (formula text, has a cached result, the cached number if any)."""
    from xlsproc.model import parse_cell_name
    cells = {}
    for attrs, body in _formula_candidates(xml):
        f = _F.search(body) if body else None
        if not f:
            continue
        attrs = dict(_ATTR.findall(attrs))
        ref = attrs.get("r")
        if not ref:
            continue
        text = "=" + _unescape(f.group(2) or "") if f.group(2) else "（共享公式）"
        v = _V.search(body)
        cell_type = attrs.get("t")
        # An empty string result is written as t="str" with an empty <v>: that is a cached value.
        cached = bool(v and (v.group(1) != "" or cell_type == "str")) or bool(_IS.search(body))
        cells[parse_cell_name(ref)] = (text, cached, _number(v.group(1)) if v and not cell_type else None)
    return cells


_F_OPEN = re.compile(r"<f[\s>/]")


def _formula_candidates(xml: str):
    """(attributes, body) of the cells that hold a formula. Unprefixed sheets (nearly all) are
    searched from each <f> back to its <c>, not cell by cell: most cells hold no formula."""
    if "<c " not in xml:                      # a prefixed namespace (<x:c …>): the slow way
        yield from _CELL.findall(xml)
        return
    for found in _F_OPEN.finditer(xml):
        start = xml.rfind("<c ", 0, found.start())
        end = xml.find("</c>", found.start())
        if start < 0 or end < 0:
            continue
        cell = _CELL.match(xml, start, end + 4)
        if cell:
            yield cell.group(1), cell.group(2)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


# --- calamine ----------------------------------------------------------------------------

def _read_calamine(path: Path, formulas: dict, data: bytes | None = None) -> list[Grid]:
    try:
        wb = _open_calamine(path, data)
    except calamine.PasswordError:
        raise file_error("file-encrypted") from None
    except Exception as exc:  # calamine raises several types for broken files
        raise _calamine_error(exc) from None
    grids = []
    try:
        for meta in wb.sheets_metadata:
            if str(meta.typ) != "SheetTypeEnum.WorkSheet" or str(meta.visible) != "SheetVisibleEnum.Visible":
                continue            # chart sheets, and hidden helper or template sheets
            grids.append(_grid(wb, meta.name, str(path), formulas.get(meta.name)))
    except XlsprocError:
        raise
    except Exception as exc:
        raise _calamine_error(exc) from None
    finally:
        wb.close()
    return grids


_BY_CONTENT = {".xlsx", ".xlsm"}     # calamine picks its Xlsx reader for these names, as it
                                     # does for any zip it is handed as bytes


def _open_calamine(path: Path, data: bytes | None):
    """The workbook from the bytes already read; from the path otherwise. A failure from the
    bytes is retried by path so that errors are exactly those of the path reader."""
    if data is not None and path.suffix in _BY_CONTENT:
        try:
            return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except Exception:  # noqa: BLE001 — re-raised by the path reader below
            pass
    return calamine.load_workbook(str(path))


def _calamine_error(exc: Exception) -> XlsprocError:
    text = str(exc)
    if "password" in text.lower() or "encrypt" in text.lower():
        return file_error("file-encrypted")
    return file_error("file-corrupt", detail="工作表数据无法解析")


def _grid(wb, name: str, file: str, xml: "SheetXml | None") -> Grid:
    sheet = wb.get_sheet_by_name(name)
    values = sheet.to_python(skip_empty_area=False)
    merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
    grid = Grid(file=file, sheet=name, raw=values, merged=merged)
    if xml is None:
        return grid
    for (r, c), (text, cached, _) in xml.formulas.items():
        grid.formulas[(r, c)] = text
        if not cached:
            grid.no_cache.add((r, c))
            if r < len(values) and c < len(values[r]):
                values[r][c] = ""          # a placeholder, not a result
    for r, c in xml.percent:
        value = clean_value(values[r][c]) if r < len(values) and c < len(values[r]) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values[r][c] = _as_percent_text(value)
    return grid


def _as_percent_text(value: float) -> str:
    """0.975 shown as 97.5% is what the officer typed and saw: keep it that way."""
    text = repr(round(value * 100, 8))
    return (text[:-2] if text.endswith(".0") else text) + "%"
