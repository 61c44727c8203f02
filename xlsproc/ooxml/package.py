"""The OPC package: zip members read once, relationships (_rels/*.rels) and content types
([Content_Types].xml) that locate the parts, and the zip writer (raw copies of untouched
members, deflated new data for the rest).
"""
from __future__ import annotations

import functools
import io
import os
import posixpath
import re
import stat
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Iterable, NamedTuple
from urllib.parse import unquote

from xlsproc.ooxml.markup import _Q, _attr, _attrs, _by_content, _esc_attr

# ---------------------------------------------------------------------------
# Constants

NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_WORKSHEET = NS_REL + "/worksheet"
REL_COMMENTS = NS_REL + "/comments"
REL_VML = NS_REL + "/vmlDrawing"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# The only fixed part names of a package (OPC); every other part is found through these.
PACKAGE_RELS = "_rels/.rels"
CONTENT_TYPES = "[Content_Types].xml"
# Where nearly every producer puts these parts: for quick looks and cache keys only (the parts
# themselves are found through relationships, below).
USUAL_WORKBOOK = "xl/workbook.xml"
USUAL_STYLES = "xl/styles.xml"
# Names for the parts a copy adds ({} is the first free number), as Excel names them.
NEW_PART_NAMES = {"worksheet": "xl/worksheets/sheet{}.xml", "comments": "xl/comments{}.xml",
                  "vml": "xl/drawings/vmlDrawing{}.vml"}
# Main-document content types of a workbook (.xlsx, .xlsm, .xltx, .xltm, .xlsb, Strict too).
_WORKBOOK_TYPES = ("spreadsheetml", "ms-excel")


# ---------------------------------------------------------------------------
# The package: members, relationships, content types


@functools.lru_cache(maxsize=1024)
def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _rels_owner(rels_part: str) -> str:
    """The part a relationship part belongs to ("" for the package's own _rels/.rels)."""
    return rels_part.replace("_rels/", "")[:-len(".rels")]


@functools.lru_cache(maxsize=1024)
def _resolve(base_part: str, target: str) -> str:
    target = unquote(target)
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


@functools.lru_cache(maxsize=1024)
def _relative(from_part: str, to_part: str) -> str:
    return posixpath.relpath(to_part, posixpath.dirname(from_part) or ".")


class _Package:
    """Read access to the source zip plus the set of changed / added / removed members.

    Members are decompressed at most once (`original` caches them; a second _Package on
    the same open zip may share that cache, as verification right after patching does).
    """

    def __init__(self, zf: zipfile.ZipFile, original: dict[str, bytes] | None = None):
        self.zf = zf
        self.infos = zf.infolist()
        self.info = {i.filename: i for i in self.infos}  # the last of duplicate names, as zf.read
        self._names = {i.filename.lower(): i.filename for i in self.infos}
        self.original: dict[str, bytes] = {} if original is None else original
        self.changed: dict[str, bytes] = {}
        self.removed: set[str] = set()
        self._file: bytes | bool | None = None  # the whole zip file, read on first use

    def pristine(self) -> "_Package":
        """A _Package of the same zip without this one's changes, sharing what was read."""
        other = _Package(self.zf, self.original)
        other._file = self._file
        return other

    def source(self, name: str) -> bytes:
        """A member's bytes as stored in the zip (not the changed version)."""
        data = self.original.get(name)
        if data is None:
            data = self.original[name] = _read_member(self.zf, self.info[name], self.raw_of)
        return data

    def raw(self, name: str) -> bytes:
        """A member's compressed bytes exactly as stored in the zip."""
        return self.raw_of(self.info[name])

    def raw_of(self, info: zipfile.ZipInfo) -> bytes:
        if self._file is None:  # one read of the whole file instead of four calls per member
            fp = self.zf.fp
            if fp.seek(0, os.SEEK_END) > _WHOLE_FILE_LIMIT:
                self._file = False
            else:
                fp.seek(0)
                self._file = fp.read()
        if self._file is False:
            return _raw_member(self.zf.fp, info)
        return _raw_slice(self._file, info)

    def name(self, part: str) -> str | None:
        """The member name for a part name (OPC part names are case-insensitive)."""
        found = self._names.get(part.lower())
        return None if found is None or found in self.removed else found

    def has(self, part: str) -> bool:
        return self.name(part) is not None

    def read(self, part: str) -> bytes:
        name = self.name(part)
        if name is None:
            raise KeyError(part)
        return self.changed[name] if name in self.changed else self.source(name)

    def text(self, part: str) -> str:
        return self.read(part).decode("utf-8")

    def put(self, part: str, data: str | bytes) -> None:
        name = self.name(part) or part
        self._names[name.lower()] = name
        self.removed.discard(name)
        self.changed[name] = data.encode("utf-8") if isinstance(data, str) else data

    def remove(self, part: str) -> None:
        name = self.name(part)
        if name:
            self.removed.add(name)
            self.changed.pop(name, None)

    def free_name(self, pattern: str) -> str:
        """First unused name of the form pattern.format(n), n = 1, 2, …"""
        n = 1
        while pattern.format(n).lower() in self._names:
            n += 1
        return pattern.format(n)

    def names(self) -> list[str]:
        return [n for n in self._names.values() if n not in self.removed]


_REL_RE = re.compile(r"<(?:\w+:)?Relationship(?=[\s/>])" + _Q + r"/?>", re.S)


@_by_content
def _parse_rels(owner: str, xml: str) -> tuple[dict, ...]:
    """The <Relationship> elements of owner's relationship part, with "part" (the resolved
    target) for internal ones."""
    rels = []
    for m in _REL_RE.finditer(xml):
        attrs = _attrs(m.group(0))
        rel = {k: attrs.get(k) for k in ("Id", "Type", "Target", "TargetMode")}
        if rel["TargetMode"] != "External" and rel["Target"] is not None:
            rel["part"] = _resolve(owner, rel["Target"])
        rels.append(rel)
    return tuple(rels)


class _Rels:
    """A relationship part, edited by appending <Relationship> elements."""

    def __init__(self, pkg: _Package, owner: str):
        self.pkg, self.owner, self.path = pkg, owner, _rels_path(owner) if owner else PACKAGE_RELS
        self.xml = pkg.text(self.path) if pkg.has(self.path) else None
        self.items = [dict(r) for r in _parse_rels(owner, self.xml)] if self.xml else []
        self.dirty = False

    def clone(self, pkg: _Package) -> "_Rels":
        """The same relationships read from pkg (holding the same part), without parsing."""
        other = type(self).__new__(type(self))
        other.pkg, other.owner, other.path, other.xml = pkg, self.owner, self.path, self.xml
        other.items, other.dirty = [dict(r) for r in self.items], self.dirty
        return other

    def by_type(self, suffix: str) -> list[dict]:
        return [r for r in self.items if (r["Type"] or "").endswith(suffix)]

    def part(self, rid: str) -> str | None:
        return next((r.get("part") for r in self.items if r["Id"] == rid), None)

    def add(self, rtype: str, part: str) -> str:
        ids = {r["Id"] for r in self.items}
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        rid, target = f"rId{n}", _relative(self.owner, part)
        self.items.append({"Id": rid, "Type": rtype, "Target": target, "part": part})
        element = f'<Relationship Id="{rid}" Type="{rtype}" Target="{_esc_attr(target)}"/>'
        if self.xml is None:
            self.xml = f'{XML_DECL}<Relationships xmlns="{NS_PKG_REL}"></Relationships>'
        cut = self.xml.rindex("</")
        self.xml = self.xml[:cut] + element + self.xml[cut:]
        self.dirty = True
        return rid

    def remove(self, rid: str) -> None:
        self.items = [r for r in self.items if r["Id"] != rid]
        self.xml = _REL_RE.sub(lambda m: "" if _attr(m.group(0), "Id") == rid else m.group(0), self.xml)
        self.dirty = True

    def save(self) -> None:
        if self.dirty:
            self.pkg.put(self.path, self.xml)


@_by_content
def _content_types(kind: str, key: str, xml: str) -> dict[str, str]:
    """Lower-cased `key` attribute → ContentType of the <kind> elements (the last one wins)."""
    found = {}
    for m in re.finditer(rf"<(?:\w+:)?{kind}(?=[\s/>]){_Q}/?>", xml, re.S):
        attrs = _attrs(m.group(0))
        found[(attrs.get(key) or "").lower()] = attrs.get("ContentType")
    return found


class _ContentTypes:
    PATH = CONTENT_TYPES

    def __init__(self, pkg: _Package):
        self.pkg, self._xml, self.dirty = pkg, pkg.text(self.PATH), False
        self._parsed: dict[tuple[str, str], dict[str, str]] = {}

    @property
    def xml(self) -> str:
        return self._xml

    @xml.setter
    def xml(self, value: str) -> None:
        self._xml, self._parsed = value, {}

    def _entries(self, kind: str, key: str) -> dict[str, str]:
        found = self._parsed.get((kind, key))
        if found is None:
            found = self._parsed[(kind, key)] = dict(_content_types(kind, key, self._xml))
        return found

    def of(self, part: str) -> str | None:
        override = self._entries("Override", "PartName").get("/" + part.lower())
        ext = part.rsplit(".", 1)[-1].lower()
        return override or self._entries("Default", "Extension").get(ext)

    def _append(self, element: str, kind: str, key: str, name: str, ctype: str) -> None:
        cut = self._xml.rindex("</")
        self._xml, self.dirty = self._xml[:cut] + element + self._xml[cut:], True
        entries = self._parsed.get((kind, key))
        if entries is not None:  # the new element is the last one: it wins, as on a re-parse
            entries[name.lower()] = ctype

    def ensure_default(self, ext: str, ctype: str) -> None:
        if ext.lower() not in self._entries("Default", "Extension"):
            self._append(f'<Default Extension="{ext}" ContentType="{ctype}"/>', "Default", "Extension", ext, ctype)

    def ensure_override(self, part: str, ctype: str) -> None:
        if self.of(part) != ctype:
            self._append(f'<Override PartName="/{_esc_attr(part)}" ContentType="{ctype}"/>',
                         "Override", "PartName", "/" + part, ctype)

    def remove_override(self, part: str) -> None:
        pat = re.compile(rf"<(?:\w+:)?Override(?=[\s/>]){_Q}/?>", re.S)
        key = "/" + part.lower()
        self.xml = pat.sub(lambda m: "" if (_attr(m.group(0), "PartName") or "").lower() == key
                           else m.group(0), self.xml)
        self.dirty = True

    def save(self) -> None:
        if self.dirty:
            self.pkg.put(self.PATH, self.xml)


def office_document(rels: Iterable[dict]) -> str | None:
    """The main document (the workbook part) among the relationships of _rels/.rels."""
    return next((r["part"] for r in rels if (r["Type"] or "").endswith("/officeDocument") and r.get("part")),
                None)


class PartReader:
    """Read-only access to a package's parts by part name, for the reader: parts are found
    the way the editor finds them (relationships, content types), and read with the caller's
    `read(member name) -> bytes` (bounded, cached: the caller's choice).  Part names are
    case-insensitive (OPC)."""

    def __init__(self, names: Iterable[str], read: Callable[[str], bytes]):
        self._names = {n.lower(): n for n in names}
        self._read = read

    @classmethod
    def of_zip(cls, zf: zipfile.ZipFile) -> "PartReader":
        """A reader of an open zip whose members are inflated as _Package inflates them (small
        ones a template repeats, once per process), not through zipfile's file objects."""
        return cls(zf.namelist(), lambda name: _read_member(zf, zf.getinfo(name)))

    def name(self, part: str) -> str | None:
        return self._names.get(part.lower())

    def text(self, part: str) -> str | None:
        """The part's text (None: no such part)."""
        name = self.name(part)
        return None if name is None else self._read(name).decode("utf-8", "replace")

    def rels(self, owner: str) -> tuple[dict, ...]:
        """The relationships of owner ("" for the package's own), as _parse_rels gives them."""
        xml = self.text(_rels_path(owner) if owner else PACKAGE_RELS)
        return _parse_rels(owner, xml) if xml else ()

    def rels_text(self, owner: str) -> str:
        return self.text(_rels_path(owner)) or ""

    def content_type(self, part: str) -> str | None:
        xml = self.text(CONTENT_TYPES)
        if xml is None:
            return None
        override = _content_types("Override", "PartName", xml).get("/" + part.lower())
        return override or _content_types("Default", "Extension", xml).get(part.rsplit(".", 1)[-1].lower())

    def workbook(self) -> tuple[str, bool] | None:
        """(the workbook part, whether it is binary (.xlsb)), or None when the package's main
        document is missing or is not a workbook (a .docx, say)."""
        part = office_document(self.rels(""))
        if part is None or self.name(part) is None:
            return None
        ctype = (self.content_type(part) or "").lower()
        if not any(word in ctype for word in _WORKBOOK_TYPES):
            return None
        return part, not ctype.endswith("xml")


# ---------------------------------------------------------------------------
# Zip writing: raw copies of untouched members, deflated new data for the rest


def _dos_datetime(dt: tuple) -> tuple[int, int]:
    y, mo, d, h, mi, s = dt
    return (h << 11) | (mi << 5) | (s // 2), ((max(y, 1980) - 1980) << 9) | (mo << 5) | d


@functools.lru_cache(maxsize=1024)
def _encode_name(name: str, flags: int) -> tuple[bytes, int]:
    if not flags & 0x800:
        try:
            return name.encode("cp437"), flags
        except UnicodeEncodeError:
            pass
    return name.encode("utf-8"), flags | 0x800


def _raw_member(fp, info: zipfile.ZipInfo) -> bytes:
    """The compressed bytes of a member exactly as stored in the source."""
    fp.seek(info.header_offset)
    head = fp.read(30)
    if head[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    data = fp.read(info.compress_size)
    if len(data) != info.compress_size:
        raise zipfile.BadZipFile(f"truncated member {info.filename}")
    return data


_WHOLE_FILE_LIMIT = 64 << 20  # packages up to this size are read into memory in one go


def _raw_slice(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """_raw_member for a package already read into memory."""
    offset = info.header_offset
    if data[offset:offset + 4] != b"PK\x03\x04" or len(data) < offset + 30:
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_len + extra_len
    raw = data[start:start + info.compress_size]
    if len(raw) != info.compress_size:
        raise zipfile.BadZipFile(f"truncated member {info.filename}")
    return raw


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, raw_of=None) -> bytes:
    """zf.read(info), without zipfile's per-member stream machinery for stored / deflated
    members (CRC and size are still checked)."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
        return zf.read(info)
    raw = raw_of(info) if raw_of else _raw_member(zf.fp, info)
    inflate = _inflate_cached if len(raw) <= _INFLATE_CACHE_LIMIT else _inflate
    return inflate(raw, info.compress_type, info.file_size, info.CRC, info.filename)


def _inflate(raw: bytes, method: int, size: int, crc: int, name: str) -> bytes:
    """A member's content from its stored bytes, its size and CRC checked. Inflated no
    further than one byte past the declared size: a lying header costs no more memory."""
    try:
        data = raw if method == zipfile.ZIP_STORED else \
            zlib.decompressobj(-15).decompress(raw, size + 1)
    except zlib.error as exc:
        raise zipfile.BadZipFile(f"cannot decompress {name!r}: {exc}") from None
    if len(data) != size or zlib.crc32(data) != crc:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {name!r}")
    return data


# Small members stored the same way in many packages (a template's relationships, content types,
# workbook.xml and styles.xml) are inflated once per process.
_INFLATE_CACHE_LIMIT = 1 << 12  # stored (compressed) bytes
_inflate_cached = functools.lru_cache(maxsize=64)(_inflate)


# zlib level for the parts patch_xlsx writes (untouched members keep their bytes).  Level 1
# is about twice as fast as 6 here and makes those parts ~10 % larger (a few KB per file).
COMPRESS_LEVEL = 1

# The deflater of the parts we write: zlib-ng (a dependency; its level 1 is ~2.5× faster than
# zlib's on our parts, for ~20 % more bytes) when installed, else the standard library's.  Any
# zip reader inflates either.  Reading stays with the standard zlib (its errors are the ones
# caught everywhere).
try:
    from zlib_ng import zlib_ng as _deflater
except ImportError:                  # pragma: no cover — the dependency is missing
    _deflater = zlib


def _compress(data: bytes, method: int) -> bytes:
    """Raw deflate at COMPRESS_LEVEL.  The window and hash sizes follow the part's size: a window
    larger than the data finds no more matches, and zlib's full-size buffers (~260 KB,
    allocated and freed per part) cost more than compressing a small part."""
    if method == zipfile.ZIP_STORED:
        return data
    wbits = min(15, max(9, (len(data) - 1).bit_length()))
    packer = _deflater.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -wbits,
                                   max(1, min(8, wbits - 7)))
    stored = packer.compress(data) + packer.flush()
    # Verification compares the parts as we meant them, not as stored: each deflated part is
    # inflated again by the standard zlib (another implementation) and compared (~1 µs per KB).
    try:
        same = zlib.decompress(stored, -15) == data
    except zlib.error:
        same = False
    if not same:
        raise ValueError(DEFLATE_FAILED)
    return stored


DEFLATE_FAILED = "批注副本的压缩数据校验未通过，未写出副本（计分结果不受影响）。请重新运行；如仍出现，请联系技术支持。"


class _Member(NamedTuple):
    """A member just written, with the zipfile.ZipInfo attributes verification reads."""

    filename: str
    flag_bits: int
    compress_type: int
    CRC: int
    compress_size: int
    file_size: int
    header_offset: int
    external_attr: int
    create_system: int
    create_version: int


class _ZipWriter:
    """Minimal zip writer (no zip64: workbooks are far below 4 GiB / 65535 members).  The
    package is built in memory as a list of chunks, joined once by getvalue()."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.offset, self.central, self.count = 0, [], 0
        self.members: list[_Member] = []  # as a zipfile reader would list them, in order

    def add(self, name: str, payload: bytes, *, method: int, crc: int, size: int,
            date_time: tuple, flags: int = 0, ext_attr: int = 0, made_by: int = 20) -> None:
        offset = self.offset
        if max(offset, size, len(payload)) >= 0xFFFFFFFF or self.count >= 0xFFFF:
            raise ValueError("zip64 packages are not supported")
        raw_name, flags = _encode_name(name, flags & ~0x08)  # sizes are known: no data descriptor
        t, d = _dos_datetime(date_time)
        fields = (20, flags, method, t, d, crc, len(payload), size, len(raw_name))
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0)
        self.chunks += (header, raw_name, payload)
        self.offset += len(header) + len(raw_name) + len(payload)
        self.central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, made_by, *fields,
                                        0, 0, 0, 0, ext_attr, offset) + raw_name)
        self.count += 1
        self.members.append(_Member(name, flags, method, crc, len(payload), size, offset, ext_attr,
                                    made_by >> 8, made_by & 0xFF))

    def getvalue(self) -> bytes:
        """The whole package: the members, the central directory and its end record."""
        directory = b"".join(self.central)
        end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, self.count, self.count,
                          len(directory), self.offset, 0)
        return b"".join([*self.chunks, directory, end])


def _write_package(pkg: _Package) -> _ZipWriter:
    _refuse_duplicate_members(pkg.infos)
    writer = _ZipWriter()
    originals = {i.filename for i in pkg.infos}
    for info in pkg.infos:
        name = info.filename
        if name in pkg.removed:
            continue
        made_by = (info.create_system << 8) | info.create_version
        if name in pkg.changed:
            method = info.compress_type if info.compress_type in (0, 8) else 8
            _add_data(writer, name, pkg.changed[name], method, info.date_time, made_by, info.external_attr)
        else:
            writer.add(name, pkg.raw_of(info), method=info.compress_type, crc=info.CRC,
                       size=info.file_size, date_time=info.date_time, flags=info.flag_bits,
                       ext_attr=info.external_attr, made_by=made_by)
    stamp = pkg.infos[0].date_time if pkg.infos else (1980, 1, 1, 0, 0, 0)
    for name, data in pkg.changed.items():
        if name not in originals:
            _add_data(writer, name, data, zipfile.ZIP_DEFLATED, stamp, 20, 0)
    return writer


def _refuse_duplicate_members(infos: list[zipfile.ZipInfo]) -> None:
    """ValueError when two members have one part name (OPC part names ignore case): programs
    disagree on which of the two is the part (Python's zipfile takes the last, others the
    first), so a copy could keep the other one, or both; Excel refuses such a package."""
    seen: dict[str, str] = {}
    for info in infos:
        key = info.filename.lower()
        if key in seen:
            same = "重名" if seen[key] == info.filename else f"与 {seen[key]} 仅大小写不同"
            raise ValueError(f"压缩包中的文件部件 {info.filename} {same}（同一部件出现两次），"
                             f"无法确定哪一份是表格的实际内容")
        seen[key] = info.filename


def _add_data(writer: _ZipWriter, name: str, data: bytes, method: int, stamp: tuple,
              made_by: int, ext_attr: int) -> None:
    payload, crc = (_stored_cached if len(data) <= _STORED_CACHE_LIMIT else _stored)(data, method)
    writer.add(name, payload, method=method, crc=crc, size=len(data),
               date_time=stamp, made_by=made_by, ext_attr=ext_attr)


def _stored(data: bytes, method: int) -> tuple[bytes, int]:
    """(the bytes stored in the zip, CRC-32) for a part's content."""
    return _compress(data, method), _deflater.crc32(data)


# Parts written again and again with the same content (a template's styles.xml with our styles
# added, [Content_Types].xml, relationship parts) are deflated once per process.  Hashing a part
# costs about a tenth of deflating it; larger parts are mostly sheets, which never repeat.
_STORED_CACHE_LIMIT = 12 << 10
_stored_cached = functools.lru_cache(maxsize=64)(_stored)


_HAS_FCHMOD = hasattr(os, "fchmod")


def _write(dst: Path, src: Path, pkg: _Package, fsync: bool = True,
           atomic: bool = True) -> "_Written":
    """Write the package to dst with the source file's permission bits.

    atomic=True writes a temporary file beside dst and os.replace()s it: readers see the old
    dst or the complete new one, never a partial file.  atomic=False writes dst itself (for a
    dst nobody else looks at until the caller renames it); a failed write removes it.
    fsync=True forces the data to disk before the rename / return, so a crash cannot leave an
    empty or partial dst behind.  Returns what was written (bytes and member list), for
    verification from memory."""
    writer = _write_package(pkg)
    data = writer.getvalue()
    mode = _mode_of(src, pkg.zf)
    if atomic:
        fd, path = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    else:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
        fd, path = os.open(dst, flags, 0o600), dst
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if fsync:
                os.fsync(fd)
            if _HAS_FCHMOD:
                os.fchmod(fd, mode)
        finally:
            os.close(fd)
        if not _HAS_FCHMOD:
            os.chmod(path, mode)
        if atomic:
            os.replace(path, dst)
    except BaseException:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        raise
    return _Written(data, writer)


def _mode_of(src: Path, zf: zipfile.ZipFile) -> int:
    """The source file's permission bits (from the open file, else from its path: the caller may
    have handed in the bytes it read)."""
    try:
        return stat.S_IMODE(os.fstat(zf.fp.fileno()).st_mode)
    except (AttributeError, OSError, io.UnsupportedOperation):
        return stat.S_IMODE(os.stat(src).st_mode)


class _Written:
    """A package just written, as a read-only zip: the member list is the writer's own
    (no central directory to parse again) and the bytes are those written to dst."""

    def __init__(self, data: bytes, writer: _ZipWriter):
        self.data, self.writer, self._zf = data, writer, None
        self.fp = io.BytesIO(data)

    def infolist(self) -> list[_Member]:
        return self.writer.members

    def read(self, info: _Member) -> bytes:  # members _read_member does not handle itself
        if self._zf is None:
            self._zf = zipfile.ZipFile(io.BytesIO(self.data))
        return self._zf.read(info.filename)

    def package(self, written: _Package) -> _Package:
        """A _Package of the copy that knows the content of the parts `written` changed
        (and of the members it copied unchanged and already read): nothing is decompressed
        again."""
        pkg = _Package(self)  # type: ignore[arg-type]
        pkg._file = self.data
        known = pkg.original
        for name, content in written.original.items():
            if name not in written.changed and name not in written.removed:
                known[name] = content
        known.update(written.changed)
        return pkg
