"""Workbook file → one Grid per sheet: values, merged ranges, formula cells. Format-agnostic.

Everything file-level happens here: sniffing what the file really is, refusing zip bombs before
parsing, recognising encryption. Values come from python-calamine (fast, reads .xls too);
for .xlsx/.xlsm the sheet XML is scanned once more for formulas, which calamine does not expose.
"""
from __future__ import annotations

import contextlib
import io
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

import python_calamine as calamine

from xlsproc.errors import file_error
from xlsproc.ooxml.normalize import normalized, replaced
from xlsproc.read import bounds
from xlsproc.ooxml.package import PartReader
from xlsproc.ooxml.workbook import workbook_parts
from xlsproc.read import scan
from xlsproc.read.scan import mib
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
    hidden_rows: set[int] = field(default_factory=set)                       # rows the officer hid

    def band(self, lo: int, hi: int) -> "Grid":
        """This grid with every column outside [lo, hi) blank (a table standing beside another);
        cell addresses stay those of the sheet."""
        raw = [["" if c < lo or c >= hi else v for c, v in enumerate(row)] for row in self.raw]
        merged = [(r0, max(c0, lo), r1, min(c1, hi - 1)) for r0, c0, r1, c1 in self.merged
                  if c1 >= lo and c0 < hi]
        return Grid(self.file, self.sheet, raw, merged,
                    {k: v for k, v in self.formulas.items() if lo <= k[1] < hi},
                    {k for k in self.no_cache if lo <= k[1] < hi}, set(self.hidden_rows))

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
        formulas, plain = _check_zip(data, max_bytes)
        return _read_calamine(path, formulas, plain, by_content=plain is not data
                              or formulas is ODS)
    if head.startswith(OLE_MAGIC):
        if _ole_is_encrypted_package(path, data):
            raise file_error("file-encrypted")
        bounds.check_legacy(data if data is not None else _read_all(path))
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


def _check_zip(data: bytes, max_bytes: int) -> tuple[dict[str, scan.SheetXml], bytes]:
    """Refuse corrupt packages and zip bombs (declared sizes, before any decompression; then
    every member's real size, bounded: read.bounds), and packages that are not workbooks (found
    through relationships and content types). Returns what the sheet XML says, and the package
    calamine is to read: `data`, or a copy normalised (ooxml.normalize: Strict, UTF-16,
    template) and without far-away cells (read.bounds)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > max_bytes:
                raise file_error("file-too-large", size=mib(total), limit=mib(max_bytes))
            bounds.check_members(zf, data, max_bytes)
            if is_opendocument(zf):                  # calamine reads .ods too (by content)
                return ODS, data
            fixed = normalized(data, max_bytes, zf)
            if fixed is None:
                return _scan(zf, data, max_bytes)
        with zipfile.ZipFile(io.BytesIO(fixed.data)) as zf:
            return _scan(zf, fixed.data, max_bytes)
    except zipfile.BadZipFile:
        raise file_error("file-corrupt", detail="压缩包结构不完整") from None
    except (OSError, EOFError, zipfile.LargeZipFile, ValueError, zlib.error):
        raise file_error("file-corrupt", detail="压缩数据已损坏，无法解压") from None


def _scan(zf: zipfile.ZipFile, data: bytes, max_bytes: int) -> tuple[dict[str, scan.SheetXml], bytes]:
    try:
        parts = scan.locate(zf, data, max_bytes)
    except (KeyError, ValueError):       # a workbook part that is not workbook XML:
        return {}, data                  # calamine decides
    if parts is None:
        raise file_error("file-unsupported", what=_zip_kind(set(zf.namelist())))
    crops: dict[str, bytes] = {}
    formulas = scan.scan_xml(zf, data, max_bytes, parts, crops)
    return formulas, replaced(data, crops) if crops else data


ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
ODS: dict = {}          # _check_zip's formulas for an .ods: none, and read by content


def is_opendocument(zf: zipfile.ZipFile) -> bool:
    """An OpenDocument spreadsheet (.ods): a member `mimetype` says so."""
    try:
        info = zf.getinfo("mimetype")
    except KeyError:
        return False
    if info.file_size > 200:
        return False
    return zf.read(info).strip() == ODS_MIME


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


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → part name (xl/worksheets/sheet1.xml), found through the package's
    relationships as the editor finds them."""
    parts = workbook_parts(PartReader.of_zip(zf))
    return dict(parts.sheets) if parts else {}


# --- calamine ----------------------------------------------------------------------------

def _read_calamine(path: Path, formulas: dict, data: bytes | None = None,
                   by_content: bool = False) -> list[Grid]:
    with quiet_stderr():
        try:
            wb = _open_calamine(path, data, by_content)
        except calamine.PasswordError:
            raise file_error("file-encrypted") from None
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # several types for broken files; a Rust panic is a
            raise _calamine_error(exc) from None    # BaseException (pyo3's PanicException)
        grids = []
        try:
            for meta in wb.sheets_metadata:
                if str(meta.typ) != "SheetTypeEnum.WorkSheet" or str(meta.visible) != "SheetVisibleEnum.Visible":
                    continue            # chart sheets, and hidden helper or template sheets
                grids.append(_grid(wb, meta.name, str(path), formulas.get(meta.name)))
        except (XlsprocError, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            raise _calamine_error(exc) from None
        finally:
            wb.close()
    return grids


@contextlib.contextmanager
def _stderr_into(fh) -> Iterator[bool]:
    """File descriptor 2 on the open file `fh` meanwhile; yields whether it could be moved."""
    import sys
    try:
        saved = os.dup(2)
    except OSError:                  # no fd 2 to move
        yield False
        return
    if sys.stderr is not None:
        sys.stderr.flush()
    os.dup2(fh.fileno(), 2)
    try:
        yield True
    finally:
        if sys.stderr is not None:
            sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


@contextlib.contextmanager
def quiet_stderr():
    """File descriptor 2 on /dev/null while calamine runs: a Rust panic on a broken file prints
    "thread panicked at …" there before it becomes an exception (reported in Chinese)."""
    with open(os.devnull, "wb") as null, _stderr_into(null):
        yield


@contextlib.contextmanager
def stderr_without_panics():
    """calamine's panic message and backtrace go to file descriptor 2 before Python sees the
    PanicException (the file becomes file-corrupt): kept off the officer's terminal. What was
    written there meanwhile is passed on unless a panic is in it."""
    import sys
    import tempfile
    with tempfile.TemporaryFile() as caught:
        with _stderr_into(caught) as moved:
            yield
        if moved and sys.stderr is not None:
            caught.seek(0)
            text = caught.read().decode("utf-8", "replace")
            if text and " panicked at " not in text:
                sys.stderr.write(text)


def without_panics(function, *args):
    """function(*args) inside stderr_without_panics (picklable with functools.partial)."""
    with stderr_without_panics():
        return function(*args)


_BY_CONTENT = {".xlsx", ".xlsm"}     # calamine picks its Xlsx reader for these names, as it
                                     # does for any zip it is handed as bytes


def _open_calamine(path: Path, data: bytes | None, by_content: bool = False):
    """The workbook from the bytes already read; from the path otherwise. A failure from the
    bytes is retried by path so that errors are exactly those of the path reader, unless the
    bytes are not the file's (`by_content`: normalised or cropped) or the name says no format."""
    if by_content:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    if data is not None and path.suffix in _BY_CONTENT:
        try:
            return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # noqa: BLE001 — re-raised by the path reader below
            pass
    return calamine.load_workbook(str(path))


def _calamine_error(exc: Exception) -> XlsprocError:
    text = str(exc)
    if "password" in text.lower() or "encrypt" in text.lower():
        return file_error("file-encrypted")
    return file_error("file-corrupt", detail="工作表数据无法解析")


def _grid(wb, name: str, file: str, xml: "scan.SheetXml | None") -> Grid:
    sheet = wb.get_sheet_by_name(name)
    values = sheet.to_python(skip_empty_area=False)
    merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
    grid = Grid(file=file, sheet=name, raw=values, merged=merged)
    if xml is None:
        return grid
    grid.hidden_rows = xml.hidden_rows
    for (r, c), (text, cached, _) in xml.formulas.items():
        grid.formulas[(r, c)] = text
        if not cached:
            grid.no_cache.add((r, c))
            if r < len(values) and c < len(values[r]):
                values[r][c] = ""          # a placeholder, not a result
    for r, c in xml.percent:
        value = clean_value(values[r][c]) if r < len(values) and c < len(values[r]) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values[r][c] = as_percent_text(value)
    return grid


def as_percent_text(value: float) -> str:
    """0.975 shown as 97.5% is what the officer typed and saw: keep it that way."""
    text = repr(round(value * 100, 8))
    return (text[:-2] if text.endswith(".0") else text) + "%"
