"""Packages other producers write, made into the plain form the reader and the patcher know.

Three variants of a valid .xlsx/.xlsm are rewritten, in memory, before reading or copying:

* Strict Open XML (Excel's "Strict Open XML Spreadsheet"): the purl.oclc.org namespaces and
  relationship types become the transitional ones every program reads (ECMA-376 Part 1, Annex A).
  The copy is then a transitional workbook with the same content: the patcher adds parts in
  transitional namespaces, and one package must not mix the two.
* Templates (.xltx/.xltm): the workbook part's template content type becomes the workbook
  type, or Excel refuses the copy that is named .xlsx/.xlsm.
* XML parts not in UTF-8 (UTF-16 with or without a byte-order mark, or any encoding the XML
  declaration names): decoded and written as UTF-8, their declaration saying so.

Only packages that need it are rewritten (`normalized` returns None for the rest, after reading
a few hundred bytes). Every member is read through zipfile, which stops at the size the zip
declares, so a lying header cannot make a rewrite inflate more than the package declares.
"""
from __future__ import annotations

import codecs
import contextlib
import functools
import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from xlsproc.read.bounds import stored_bytes

STRICT_MARK = b"http://purl.oclc.org/ooxml/"
_STRICT_NS = (   # Strict → transitional; the longer names first
    ("http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties",
     "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"),
    ("http://purl.oclc.org/ooxml/officeDocument/relationships/customProperties",
     "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"),
    ("http://purl.oclc.org/ooxml/officeDocument/relationships",
     "http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
    ("http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
     "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"),
    ("http://purl.oclc.org/ooxml/officeDocument/customProperties",
     "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"),
    ("http://purl.oclc.org/ooxml/officeDocument/",
     "http://schemas.openxmlformats.org/officeDocument/2006/"),
    ("http://purl.oclc.org/ooxml/spreadsheetml/main",
     "http://schemas.openxmlformats.org/spreadsheetml/2006/main"),
    ("http://purl.oclc.org/ooxml/drawingml/",
     "http://schemas.openxmlformats.org/drawingml/2006/"),
)
_STRICT_RE = re.compile("|".join(re.escape(old) for old, _ in _STRICT_NS))
_STRICT_MAP = dict(_STRICT_NS)
_CONFORMANCE = re.compile(r'\s+conformance="strict"')

TEMPLATE_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml":
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml":
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
}
from xlsproc.ooxml.package import CONTENT_TYPES  # noqa: E402 (the one place part names live)
XML_SUFFIXES = (".xml", ".rels", ".vml")
_DECLARATION = re.compile(rb'^<\?xml[^>]*?encoding=["\']([A-Za-z0-9._-]+)["\']')
_DECLARED_ENCODING = re.compile(r'^(<\?xml[^>]*?encoding=["\'])([A-Za-z0-9._-]+)(["\'])')
HEAD = 1024


@dataclass
class Normalized:
    data: bytes                  # the rewritten package
    changes: tuple[str, ...]     # what was done: "strict", "template", "encoding"


def normalized(data: bytes, max_bytes: int | None = None,
               zf: zipfile.ZipFile | None = None) -> Normalized | None:
    """The package in `data` rewritten as described above, or None when it needs nothing (or is
    no zip, or declares more than max_bytes in all: the caller refuses it anyway). `zf`: the
    package already opened on `data`."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) if zf is None else contextlib.nullcontext(zf) as zf:
            infos = [i for i in zf.infolist() if not i.filename.endswith("/")]
            if max_bytes is not None and sum(i.file_size for i in infos) > max_bytes:
                return None
            plan = _plan(zf, data, infos)
            if not plan:
                return None
            return Normalized(_rewrite(zf, infos, plan), tuple(sorted(set(plan.values()))))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError,
            zlib.error):
        return None     # the reader reports a damaged package in its own words


def _plan(zf: zipfile.ZipFile, data: bytes, infos: list[zipfile.ZipInfo]) -> dict[str, str]:
    """Member → the change it needs (a whole-package change marks every XML member)."""
    plan: dict[str, str] = {}
    heads = {i.filename: _head(zf, data, i) for i in infos
             if i.filename.lower().endswith(XML_SUFFIXES)}
    for name, head in heads.items():
        if _encoding(head) is not None:
            plan[name] = "encoding"
    strict = any(STRICT_MARK in _text_head(head) for name, head in heads.items()
                 if name.endswith(("workbook.xml", ".rels")))
    if strict:
        for name in heads:
            plan.setdefault(name, "strict")
    if CONTENT_TYPES in heads and b"template" in _head(zf, data, zf.getinfo(CONTENT_TYPES), None) \
            .replace(b"\x00", b""):
        types, _ = _decode(zf.read(CONTENT_TYPES))
        if any(t in types for t in TEMPLATE_TYPES):
            plan[CONTENT_TYPES] = "template"
    return plan


def _head(zf: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo, size: int | None = HEAD) -> bytes:
    """The first `size` bytes of a member (all of it: None), inflated from its stored bytes
    (no further than its declared size); through zipfile for anything unusual."""
    if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 0x1:
        limit = info.file_size if size is None else min(size, info.file_size)
        stored = stored_bytes(data, info)
        small = len(stored) <= _HEAD_CACHE_LIMIT and limit <= _HEAD_CACHE_INFLATED
        inflate = _inflated_head_cached if small else _inflated_head
        return inflate(stored, limit)
    with zf.open(info) as fh:
        return fh.read(-1 if size is None else size)


def _inflated_head(stored: bytes, limit: int) -> bytes:
    return zlib.decompressobj(-zlib.MAX_WBITS).decompress(stored, limit)


# A batch's workbooks share most parts (a template's theme, styles, relationships): their heads
# are inflated once per process, keyed by the whole stored bytes (so exact). A new inflater per
# part cost ~15 µs, ten parts a workbook, twice (reading, then the copy).
# Only what inflates to little is kept: a few KB stored can inflate to ~1,000 times as much
# ([Content_Types].xml is read whole), and 256 of those held ~1 GB in a serve or watch worker.
_HEAD_CACHE_LIMIT = 4 << 10
_HEAD_CACHE_INFLATED = 64 << 10
_inflated_head_cached = functools.lru_cache(maxsize=256)(_inflated_head)


def _text_head(head: bytes) -> bytes:
    enc = _encoding(head)
    if enc is None:
        return head
    return head.decode(enc, "ignore").encode("utf-8", "ignore")


def _encoding(head: bytes) -> str | None:
    """The codec of an XML part that is not UTF-8 (None for UTF-8, with or without BOM)."""
    if head.startswith((codecs.BOM_UTF16_LE, b"<\x00")):
        return "utf-16"     # (the BOM, if any, is consumed)
    if head.startswith((codecs.BOM_UTF16_BE, b"\x00<")):
        return "utf-16-be" if not head.startswith(codecs.BOM_UTF16_BE) else "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return None
    found = _DECLARATION.match(head)
    if not found:
        return None
    declared = found.group(1).decode("ascii").lower()
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        return None         # unknown: read as UTF-8, as every program does
    return None if codec == "utf-8" else codec


def _decode(data: bytes) -> tuple[str, bool]:
    """(text, whether it was not UTF-8)."""
    enc = _encoding(data[:HEAD])
    if enc is None:
        return data.decode("utf-8-sig", "replace"), False
    text = data.decode(enc, "replace").lstrip("\ufeff")
    return _DECLARED_ENCODING.sub(lambda m: m.group(1) + "UTF-8" + m.group(3), text, count=1), True


def _rewrite(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], plan: dict[str, str]) -> bytes:
    strict = "strict" in plan.values()

    def fix(info: zipfile.ZipInfo, content: bytes) -> bytes:
        if info.filename in plan or (strict and info.filename.lower().endswith(XML_SUFFIXES)):
            return _fixed(info.filename, content, strict).encode("utf-8")
        return content
    return _repacked(zf, infos, fix)


def replaced(data: bytes, parts: dict[str, bytes]) -> bytes:
    """The package in `data` with the named members' content replaced."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return _repacked(zf, [i for i in zf.infolist() if not i.filename.endswith("/")],
                         lambda info, content: parts.get(info.filename, content))


def _repacked(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], fix) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zw:
        for info in infos:
            zw.writestr(_copy_info(info), fix(info, zf.read(info)), compresslevel=6)
    return out.getvalue()


def _fixed(name: str, content: bytes, strict: bool) -> str:
    text, _ = _decode(content)
    if strict:
        text = _STRICT_RE.sub(lambda m: _STRICT_MAP[m.group(0)], text)
        if name.endswith("workbook.xml"):
            text = _CONFORMANCE.sub("", text, count=1)
    if name == CONTENT_TYPES:
        for template, workbook in TEMPLATE_TYPES.items():
            text = text.replace(template, workbook)
    return text


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    new.compress_type = zipfile.ZIP_DEFLATED if info.compress_type != zipfile.ZIP_STORED \
        else zipfile.ZIP_STORED
    new.external_attr = info.external_attr
    return new
