"""Surgical edits of .xlsx / .xlsm packages.

An openpyxl load-modify-save rewrites the whole package and silently drops text
boxes, sparklines, cached formula results and (without Pillow) images.  This
module changes only the parts it must — the patched sheets' XML, styles.xml, the
comments / VML parts, relationship parts, [Content_Types].xml and workbook.xml —
and copies every other zip member byte for byte (the raw compressed stream, so
the same bytes and the same compression).

Sheet XML is edited at string level (regex + slicing) and never re-serialised:
namespace prefixes, mc:Ignorable, shared formulas, rich text, x14 extensions
and unknown elements survive untouched.  ElementTree / expat are used only for
reading (in verify_preserved).

Speed (a 45-row form with two new sheets: ~1.9 ms to patch and write, ~0.5 ms to
verify): the source zip is read into memory once (up to 64 MB) and each member is
decompressed at most once; styles.xml sections are parsed once and new styles
spliced in on save; changed parts are deflated at COMPRESS_LEVEL with a window
sized to the part; verify_preserved parses only what differs between the two
files (see there).  What repeats across the workbooks of a batch made from one
template is done once per process (bounded caches keyed by content, never by file
name): parsing relationship parts, [Content_Types].xml, the sheet list, styles.xml
sections and a sheet's merged ranges; inflating small members; deflating small
written parts (the same bytes in, the same bytes out).  patch_xlsx(..., verify=True) verifies without opening or
reading the source again, and without re-reading dst: the copy is checked from the
bytes just written (its member list is the writer's, the parts it changed are known
decompressed), and parts that did not exist in the source — generated whole by this
module (new sheets, comments, VML, relationships) — are not re-parsed for
well-formedness (verify_preserved on two files still parses them).  Changed rows of
a sheet are compared cell by cell, the XML outside <sheetData> child by child.
fsync=False leaves syncing to the caller (e.g. once per batch); atomic=False writes dst in
place (no temporary file + rename) for callers that stage the copy and rename it themselves.

Choices:
* strings are written as inline strings (t="inlineStr"), so sharedStrings.xml
  stays byte-identical; a string is always text, never a formula;
* a patch aimed at a hidden cell of a merged range goes to the range's
  top-left cell (the only one Excel shows);
* a NewSheet whose name already exists replaces that sheet's content in place
  (same position, same sheetId), so re-annotating an annotated copy is
  idempotent; comments already containing our text are not appended twice;
* overwriting a formula cell drops xl/calcChain.xml (Excel rebuilds it);
  overwriting the master cell of a shared formula turns that group into plain
  formulas first, so the other cells keep theirs;
* docProps/app.xml (sheet titles list) is left alone when a sheet is added:
  Excel and LibreOffice do not need it to match.

Known limits:
* values are numbers, booleans or text (no dates: convert to a serial number
  and keep a date-formatted cell); text is limited to Excel's 32767 characters;
* overwriting part of an array formula drops only that cell's formula; a shared
  formula master whose formula has whole-row/column or structured references
  is refused (ValueError) rather than translated wrongly;
* a note appended to a cell that also has an Excel 365 threaded comment shows
  in LibreOffice / older Excel, while Excel 365 shows the thread;
* replacing an existing sheet by a NewSheet drops that sheet's relationships
  (its old drawings / comments parts stay in the package, unreferenced);
* parts must be UTF-8; zip64 packages (> 4 GiB) and Strict OOXML namespaces
  for newly created parts are not supported.
"""
from __future__ import annotations

import contextlib
import functools
import html
import io
import math
import numbers
import os
import posixpath
import re
import stat
import struct
import tempfile
import zipfile
import zlib
from bisect import bisect_left
from collections import Counter
from itertools import repeat
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote
from xml.etree import ElementTree as ET
from xml.parsers import expat

__all__ = ["CellPatch", "NewSheet", "patch_xlsx", "verify_preserved", "internal_location"]


# ---------------------------------------------------------------------------
# Public API types


@dataclass
class CellPatch:
    """One change to one cell of an existing sheet."""

    sheet: str
    ref: str
    value: float | int | str | None = None  # None: keep the cell's value
    fill: str | None = None  # ARGB, e.g. 'FFFFC7CE'
    comment: str | None = None  # appended after the officer's note if one exists
    author: str = "xlsproc"


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


def internal_location(sheet: str, ref: str) -> str:
    """"'Sheet name'!H22" — the quoted form hyperlinks and defined names need."""
    return "'" + sheet.replace("'", "''") + "'!" + ref


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

# Child element order of CT_Worksheet / CT_Workbook / CT_Stylesheet.
WORKSHEET_ORDER = (
    "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
    "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells "
    "phoneticPr conditionalFormatting dataValidations hyperlinks printOptions pageMargins "
    "pageSetup headerFooter rowBreaks colBreaks customProperties cellWatches ignoredErrors "
    "smartTags drawing legacyDrawing legacyDrawingHF drawingHF picture oleObjects controls "
    "webPublishItems tableParts extLst"
).split()
WORKBOOK_ORDER = (
    "fileVersion fileSharing workbookPr workbookProtection bookViews sheets functionGroups "
    "externalReferences definedNames calcPr oleSize customWorkbookViews pivotCaches smartTagPr "
    "smartTagTypes webPublishing fileRecoveryPr webPublishObjects extLst"
).split()
STYLES_ORDER = (
    "numFmts fonts fills borders cellStyleXfs cellXfs cellStyles dxfs tableStyles colors extLst"
).split()

MAX_ROW, MAX_COL, MAX_TEXT = 1_048_576, 16_384, 32_767


# ---------------------------------------------------------------------------
# Cell references


from xlsproc.refs import (col_index as _col_index, col_letter as _col_letters,  # noqa: E402
                          cell_name as _ref, parse_cell as _parse_ref, parse_range as _parse_range,
                          range_name as _range)


# ---------------------------------------------------------------------------
# Small XML string helpers (no re-serialisation)

# Attribute text up to the tag's closing '>' or '/>' (quoted values may hold '>' or '/>').
# Possessive: it never backtracks, so it is fast and cannot blow up on broken markup.
_Q = r"""(?:[^>"'/]++|/(?!>)|"[^"]*+"|'[^']*+')*+"""
_TAG = re.compile(
    r"<(/?)([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)(" + _Q + r")(/?)>"
    r"|<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>",
    re.S,
)
_BAD_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE_LOOKALIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_NEEDS_X_ESCAPE = re.compile("_x|[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(text: str) -> str:
    """Escape element text; Excel's _xHHHH_ escapes for characters XML can't hold."""
    if ("_x" in text or not text.isprintable()) and _NEEDS_X_ESCAPE.search(text):
        text = _ESCAPE_LOOKALIKE.sub(r"_x005F_\1", text)
        text = _BAD_XML_CHARS.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@functools.lru_cache(maxsize=4096)
def _esc_attr(text: str) -> str:
    text = _BAD_XML_CHARS.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


@functools.lru_cache(maxsize=256)
def _attr_re(name: str) -> re.Pattern:
    return re.compile(r"\s" + re.escape(name) + r"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@functools.lru_cache(maxsize=256)
def _set_attr_re(name: str) -> re.Pattern:
    return re.compile(r"(\s" + re.escape(name) + r"""\s*=\s*)("[^"]*"|'[^']*')""")


_R_ATTR = _attr_re("r")


def _attr_value(m: re.Match | None) -> str | None:
    """The unescaped value of an attribute match (double- or single-quoted)."""
    if not m:
        return None
    value = m.group(1)
    if value is None:
        value = m.group(2)
    return html.unescape(value) if "&" in value else value


def _attr_r(tag: str) -> str | None:
    """_attr(tag, "r"), with its pattern compiled once (the hottest attribute)."""
    return _attr_value(_R_ATTR.search(tag))


def _attr(tag: str, name: str) -> str | None:
    return _attr_value(_attr_re(name).search(tag))


_ATTRS_RE = re.compile(r"""\s([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attrs(tag: str) -> dict[str, str]:
    """All attributes of an opening tag (as _attr reads them, in one pass)."""
    out: dict[str, str] = {}
    for name, double, single in _ATTRS_RE.findall(tag):
        if name not in out:
            value = double or single
            out[name] = html.unescape(value) if "&" in value else value
    return out


def _set_attr(tag: str, name: str, value: str) -> str:
    """Set an attribute in an opening tag ('<c r="A1">' or '<c r="A1"/>')."""
    new = f'"{value}"' if value.isalnum() else f'"{_esc_attr(value)}"'
    m = _set_attr_re(name).search(tag)
    if m:
        return tag[:m.start(2)] + new + tag[m.end(2):]
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f"{tag[:end].rstrip()} {name}={new}{tag[end:]}"


@functools.lru_cache(maxsize=16)
def _root_re(root: str) -> re.Pattern:
    return re.compile(r"<([A-Za-z_][\w.\-]*:)?" + root + r"[\s>/]")


def _prefix(xml: str, root: str) -> str:
    """The namespace prefix ('' or 'x:') the document uses for its root element."""
    m = _root_re(root).search(xml)
    if not m:
        raise ValueError(f"XML 中找不到根元素 <{root}>")
    return m.group(1) or ""


@functools.lru_cache(maxsize=64)
def _ns_prefix_re(uri: str) -> re.Pattern:
    return re.compile(r'xmlns:([\w.\-]+)\s*=\s*["\']' + re.escape(uri) + r'["\']')


def _ns_prefix(xml: str, uri: str) -> str | None:
    m = _ns_prefix_re(uri).search(xml)
    return m.group(1) if m else None


@functools.lru_cache(maxsize=256)
def _open_tag_re(p: str, local: str) -> re.Pattern:
    return re.compile(rf"<{p}{local}(?=[\s/>]){_Q}(/?)>", re.S)


def _open_tag(xml: str, p: str, local: str, start: int = 0) -> re.Match | None:
    return _open_tag_re(p, local).search(xml, start)


def _element_span(xml: str, p: str, local: str, start: int = 0) -> tuple[int, int, int, int] | None:
    """(start, content_start, content_end, end) of the first <p:local> element, or None."""
    m = _open_tag(xml, p, local, start)
    if not m:
        return None
    if m.group(1):
        return m.start(), m.end(), m.end(), m.end()
    close = f"</{p}{local}>"
    end = xml.index(close, m.end())
    return m.start(), m.end(), end, end + len(close)


def _children(xml: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """Top-level elements in xml[start:end] as (local name, start, end)."""
    out, depth, cur = [], 0, None
    for m in _TAG.finditer(xml, start, end):
        closing, name, _, selfclose = m.groups()
        if name is None:
            continue
        if closing:
            depth -= 1
            if depth == 0:
                out.append((cur[0], cur[1], m.end()))
        elif depth == 0:
            local = name.rsplit(":", 1)[-1]
            if selfclose:
                out.append((local, m.start(), m.end()))
            else:
                cur, depth = (local, m.start()), 1
        elif not selfclose:
            depth += 1
    return out


def _order_name(xml: str, local: str, start: int, end: int, order: list[str]) -> str:
    """For mc:AlternateContent the order is that of the first known element inside."""
    if local != "AlternateContent":
        return local
    for m in _TAG.finditer(xml, start + 1, end):
        if m.group(2) and m.group(2).rsplit(":", 1)[-1] in order:
            return m.group(2).rsplit(":", 1)[-1]
    return local


def _insert_in_order(xml: str, start: int, end: int, order: list[str], local: str, element: str,
                     p: str | None = None) -> str:
    """Insert element among the children in xml[start:end] at the place the schema wants."""
    later = set(order[order.index(local) + 1:])
    region = xml[start:end] if p is not None else ""
    if p is not None and not any(word in region for word in _NESTING) and not _foreign_re(p).search(region):
        # All elements carry the root's prefix, and each of these names occurs only as a
        # child of the root (those that can be nested deeper sit inside extLst /
        # mc:AlternateContent / customSheetView): the first one found is the first later child.
        m = _later_re(p, tuple(sorted(later - {"extLst"}))).search(xml, start, end)
        at = m.start() if m else end
        return xml[:at] + element + xml[at:]
    for name, s, e in _children(xml, start, end):
        if _order_name(xml, name, s, e, order) in later:
            return xml[:s] + element + xml[s:]
    return xml[:end] + element + xml[end:]


_NESTING = ("AlternateContent", "extLst", "customSheetView", "<!", "<?")


@functools.lru_cache(maxsize=16)
def _foreign_re(p: str) -> re.Pattern:
    """A tag with another prefix than p."""
    if not p:
        return re.compile(r"</?[A-Za-z_][\w.\-]*:")
    return re.compile(r"</?(?!" + re.escape(p) + r")[A-Za-z_]")


@functools.lru_cache(maxsize=64)
def _later_re(p: str, names: tuple[str, ...]) -> re.Pattern:
    return re.compile("<" + re.escape(p) + "(?:" + "|".join(map(re.escape, names)) + r")(?=[\s/>])")


def _root_content(xml: str, p: str, root: str) -> tuple[int, int]:
    """(content start, content end) of the root element."""
    m = _open_tag(xml, p, root)
    return m.end(), xml.rindex(f"</{p}{root}>")


def _ensure_ns(xml: str, root: str, prefix: str, uri: str) -> tuple[str, str]:
    """Make sure the root declares uri; returns (xml, prefix actually bound to it)."""
    m = _open_tag(xml, _prefix(xml, root), root)
    tag = m.group(0)
    bound = _ns_prefix(tag, uri)  # only a declaration on the root is in scope everywhere
    if bound:
        return xml, bound
    cut = len(tag) - (2 if tag.endswith("/>") else 1)
    return xml[:m.start()] + f'{tag[:cut]} xmlns:{prefix}="{uri}"{tag[cut:]}' + xml[m.end():], prefix


def _plain_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", fragment))


# ---------------------------------------------------------------------------
# The package: members, relationships, content types


@functools.lru_cache(maxsize=1024)
def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


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


def _by_content(func):
    """Memoise func(*texts), a pure parse of part names and texts (str or bytes), for texts up
    to _MEMO_LIMIT characters in all.  Workbooks made from one template share relationship,
    content-type, workbook and style parts (and often a sheet's merged ranges), so a batch
    parses each distinct one once.  The result is shared: callers copy what they change."""
    cached = functools.lru_cache(maxsize=64)(func)

    @functools.wraps(func)
    def parse(*args: str | bytes):
        return cached(*args) if sum(map(len, args)) <= _MEMO_LIMIT else func(*args)

    parse.cache_clear = cached.cache_clear
    return parse


_MEMO_LIMIT = 1 << 14


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
        self.pkg, self.owner, self.path = pkg, owner, _rels_path(owner) if owner else "_rels/.rels"
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
    PATH = "[Content_Types].xml"

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
    """A member's content from its stored bytes, its size and CRC checked."""
    try:
        data = raw if method == zipfile.ZIP_STORED else zlib.decompress(raw, -15)
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


def _compress(data: bytes, method: int) -> bytes:
    """Raw deflate at level 6.  The window and hash sizes follow the part's size: a window
    larger than the data finds no more matches, and zlib's full-size buffers (~260 KB,
    allocated and freed per part) cost more than compressing a small part."""
    if method == zipfile.ZIP_STORED:
        return data
    wbits = min(15, max(9, (len(data) - 1).bit_length()))
    packer = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -wbits, max(1, min(8, wbits - 7)))
    return packer.compress(data) + packer.flush()


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


def _add_data(writer: _ZipWriter, name: str, data: bytes, method: int, stamp: tuple,
              made_by: int, ext_attr: int) -> None:
    payload, crc = (_stored_cached if len(data) <= _STORED_CACHE_LIMIT else _stored)(data, method)
    writer.add(name, payload, method=method, crc=crc, size=len(data),
               date_time=stamp, made_by=made_by, ext_attr=ext_attr)


def _stored(data: bytes, method: int) -> tuple[bytes, int]:
    """(the bytes stored in the zip, CRC-32) for a part's content."""
    return _compress(data, method), zlib.crc32(data)


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


# ---------------------------------------------------------------------------
# Workbook: sheet list, adding / replacing sheets, defined names


@dataclass(frozen=True)
class _SheetInfo:
    name: str
    sheet_id: int
    rid: str
    part: str | None
    index: int
    is_worksheet: bool


@_by_content
def _read_sheets(part: str, rels_xml: str, xml: str) -> tuple[_SheetInfo, ...]:
    """The <sheet> entries of workbook.xml (at `part`, with relationships `rels_xml`)."""
    p = _prefix(xml, "workbook")
    r = _ns_prefix(xml, NS_REL) or "r"
    rels = _parse_rels(part, rels_xml) if rels_xml else ()
    sheets = []
    for i, m in enumerate(re.finditer(rf"<{p}sheet(?=[\s/>]){_Q}/?>", xml, re.S)):
        attrs = _attrs(m.group(0))
        rid = attrs.get(f"{r}:id")
        rel = next((x for x in rels if x["Id"] == rid), {})
        sheets.append(_SheetInfo(attrs.get("name"), int(attrs.get("sheetId") or 0), rid,
                                 rel.get("part"), i, (rel.get("Type") or "").endswith("/worksheet")))
    return tuple(sheets)


class _Workbook:
    def __init__(self, pkg: _Package):
        self.pkg = pkg
        office = _Rels(pkg, "").by_type("/officeDocument")
        if not office:
            raise ValueError("不是 Excel 工作簿：缺少 officeDocument 关系")
        self.part = office[0]["part"]
        self.xml = pkg.text(self.part)
        self.p = _prefix(self.xml, "workbook")
        self.rels = _Rels(pkg, self.part)
        self.dirty = False
        self.sheets = list(_read_sheets(self.part, self.rels.xml or "", self.xml))

    def clone(self, pkg: _Package) -> "_Workbook":
        """This workbook as _Workbook(pkg) would read it when pkg holds the same parts."""
        other = type(self).__new__(type(self))
        other.pkg, other.part, other.xml, other.p, other.dirty = pkg, self.part, self.xml, self.p, self.dirty
        other.rels = self.rels.clone(pkg)
        other.sheets = list(self.sheets)
        return other

    def sheet(self, name: str) -> _SheetInfo | None:
        return next((s for s in self.sheets if s.name.lower() == name.lower()), None)

    def worksheet(self, name: str) -> _SheetInfo:
        info = self.sheet(name)
        if info is None:
            names = "、".join(s.name for s in self.sheets)
            raise KeyError(f"工作簿中没有工作表“{name}”（现有：{names}）")
        if not info.is_worksheet or not info.part or not self.pkg.has(info.part):
            raise ValueError(f"“{name}”不是普通工作表，不能修改")
        return info

    def add_sheet(self, name: str, part: str) -> _SheetInfo:
        rid = self.rels.add(REL_WORKSHEET, part)
        self.xml, r = _ensure_ns(self.xml, "workbook", "r", NS_REL)
        sheet_id = max((s.sheet_id for s in self.sheets), default=0) + 1
        element = f'<{self.p}sheet name="{_esc_attr(name)}" sheetId="{sheet_id}" {r}:id="{rid}"/>'
        cut = self.xml.index(f"</{self.p}sheets>")
        self.xml, self.dirty = self.xml[:cut] + element + self.xml[cut:], True
        info = _SheetInfo(name, sheet_id, rid, part, len(self.sheets), True)
        self.sheets.append(info)
        return info

    def set_filter_name(self, info: _SheetInfo, ref: str | None) -> None:
        """Keep the hidden _xlnm._FilterDatabase name in step with a sheet's autofilter."""
        p = self.p
        pat = re.compile(rf"<{p}definedName(?=[\s>]){_Q}>.*?</{p}definedName>|<{p}definedName(?=[\s/]){_Q}/>", re.S)

        def is_ours(tag: str) -> bool:
            return _attr(tag, "name") == "_xlnm._FilterDatabase" and _attr(tag, "localSheetId") == str(info.index)

        xml = pat.sub(lambda m: "" if is_ours(m.group(0)) else m.group(0), self.xml)
        if ref:
            r1, c1, r2, c2 = _parse_range(ref)
            text = internal_location(info.name, f"${_col_letters(c1)}${r1 + 1}:${_col_letters(c2)}${r2 + 1}")
            element = (f'<{p}definedName name="_xlnm._FilterDatabase" localSheetId="{info.index}" '
                       f'hidden="1">{_esc(text)}</{p}definedName>')
            xml = self._add_defined_name(xml, element)
        self.xml, self.dirty = xml, self.dirty or xml != self.xml

    def _add_defined_name(self, xml: str, element: str) -> str:
        span = _element_span(xml, self.p, "definedNames")
        if span and span[1] != span[3]:
            return xml[:span[2]] + element + xml[span[2]:]
        if span:  # <definedNames/>
            return xml[:span[0]] + f"<{self.p}definedNames>{element}</{self.p}definedNames>" + xml[span[3]:]
        start, end = _root_content(xml, self.p, "workbook")
        block = f"<{self.p}definedNames>{element}</{self.p}definedNames>"
        return _insert_in_order(xml, start, end, WORKBOOK_ORDER, "definedNames", block, self.p)

    def drop_calc_chain(self, ct: _ContentTypes) -> None:
        for rel in self.rels.by_type("/calcChain"):
            self.rels.remove(rel["Id"])
            if rel.get("part"):
                self.pkg.remove(rel["part"])
                ct.remove_override(rel["part"])

    def save(self) -> None:
        if self.dirty:
            self.pkg.put(self.part, self.xml)
        self.rels.save()


# ---------------------------------------------------------------------------
# styles.xml: append fonts / fills / borders / xfs, reusing identical ones


_THIN = '<{p}{side} style="thin"><{p}color indexed="64"/></{p}{side}>'


_SECTION_ITEM = {"fonts": "font", "fills": "fill", "borders": "border", "cellXfs": "xf"}


def _flat_children(xml: str, start: int, end: int, p: str, item: str | None) -> list[str] | None:
    """The <p:item> children of xml[start:end] when that is all it holds (besides
    whitespace) and they do not nest; None otherwise (then _children is used)."""
    if item is None or xml.find("<!", start, end) >= 0 or xml.find("<?", start, end) >= 0:
        return None
    opening, closing, tag = f"<{p}{item}", f"</{p}{item}>", _open_tag_re(p, item)
    items, pos, find = [], start, xml.find
    while (at := find(opening, pos, end)) >= 0:
        m = tag.match(xml, at, end)
        if m is None or xml[pos:at].strip():
            return None
        if m.group(1):  # self-closing
            stop = m.end()
        else:
            close = find(closing, m.end(), end)
            if close < 0 or find(opening, m.end(), close) >= 0:
                return None
            stop = close + len(closing)
        items.append(xml[at:stop])
        pos = stop
    return None if xml[pos:end].strip() else items


class _Section:
    """The children of one styles.xml section, parsed once; appended items kept apart."""

    __slots__ = ("items", "index", "added")

    def __init__(self, items: list[str], index: dict[str, int]):
        self.items = items
        self.index = index  # item → its first index
        self.added: list[str] = []


@_by_content
def _section_items(p: str, local: str, content: str) -> tuple[tuple[str, ...], dict[str, int]]:
    """The children of a styles.xml section (its content) and the first index of each."""
    items = _flat_children(content, 0, len(content), p, _SECTION_ITEM.get(local))
    if items is None:
        items = [content[s:e] for _, s, e in _children(content, 0, len(content))]
    index: dict[str, int] = {}
    for i, item in enumerate(items):
        index.setdefault(item, i)
    return tuple(items), index


@functools.lru_cache(maxsize=64)
def _fill_xml(p: str, argb: str) -> str:
    return (f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{argb}"/>'
            f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>')


@functools.lru_cache(maxsize=256)
def _xf_with_fill(xf: str, fill_id: int) -> str:
    """A cellXfs <xf> with its fill replaced by fill_id."""
    head = _TAG.match(xf).group(0)
    return _set_attr(_set_attr(head, "fillId", str(fill_id)), "applyFill", "1") + xf[len(head):]


@functools.lru_cache(maxsize=64)
def _font_xml(p: str, base: str, bold: bool, size: float | None, color: str | None, underline: bool) -> str:
    """The <font> base (the workbook's default font) with these changes."""
    head = _TAG.match(base).group(0)
    inner = "" if head.endswith("/>") else base[len(head):base.rindex("</")]
    drop = ["b", "u"] + (["sz"] if size else []) + (["color"] if color else [])
    inner = re.sub(rf"<{p}(?:{'|'.join(drop)})(?=[\s/>])[^>]*?(?:/>|>[^<]*</{p}\w+>)", "", inner)
    extra = (f"<{p}b/>" if bold else "") + (f"<{p}u/>" if underline else "")
    extra += (f'<{p}sz val="{size:g}"/>' if size else "") + (f'<{p}color rgb="{color}"/>' if color else "")
    return f"<{p}font>{extra}{inner}</{p}font>"


@functools.lru_cache(maxsize=16)
def _thin_border_xml(p: str) -> str:
    sides = "".join(_THIN.format(p=p, side=s) for s in ("left", "right", "top", "bottom"))
    return f"<{p}border>{sides}<{p}diagonal/></{p}border>"


@functools.lru_cache(maxsize=256)
def _xf_xml(p: str, font: int, fill: int, border: int, wrap: bool, center: bool) -> str:
    applies = "".join(f' apply{n}="1"' for n, v in (("Font", font), ("Fill", fill), ("Border", border)) if v)
    align = ""
    if wrap:
        horizontal = ' horizontal="center"' if center else ""
        align = f'<{p}alignment{horizontal} vertical="{"center" if center else "top"}" wrapText="1"/>'
        applies += ' applyAlignment="1"'
    head = f'<{p}xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"{applies}'
    return f"{head}>{align}</{p}xf>" if align else f"{head}/>"


class _Styles:
    """styles.xml: sections are parsed on first use; new items are spliced in by save()."""

    def __init__(self, pkg: _Package, wb: _Workbook):
        rel = wb.rels.by_type("/styles")
        if not rel:
            raise ValueError("工作簿缺少 styles.xml，无法设置填充色")
        self.pkg, self.part = pkg, rel[0]["part"]
        self.xml = pkg.text(self.part)
        self.p = _prefix(self.xml, "styleSheet")
        self.dirty = False
        self._cache: dict[tuple, int] = {}
        self._sections: dict[str, _Section] = {}

    def _section(self, local: str) -> tuple[int, int, int, int]:
        span = _element_span(self.xml, self.p, local)
        if span is None:
            start, end = _root_content(self.xml, self.p, "styleSheet")
            block = f'<{self.p}{local} count="0"></{self.p}{local}>'
            self.xml = _insert_in_order(self.xml, start, end, STYLES_ORDER, local, block, self.p)
        elif span[1] == span[3]:  # self-closing
            tag = self.xml[span[0]:span[3]]
            self.xml = self.xml[:span[0]] + tag[:-2] + f"></{self.p}{local}>" + self.xml[span[3]:]
        return _element_span(self.xml, self.p, local)

    def _open(self, local: str) -> _Section:
        """The section's children, parsed once (the section is created / expanded if needed)."""
        section = self._sections.get(local)
        if section is None:
            _, start, end, _ = self._section(local)
            items, index = _section_items(self.p, local, self.xml[start:end])
            section = self._sections[local] = _Section(list(items), dict(index))
        return section

    def items(self, local: str) -> list[str]:
        """The section's children, including the ones appended so far (do not modify)."""
        return self._open(local).items

    def append(self, local: str, item: str) -> int:
        """Index of item in the section, appending it unless an identical one exists."""
        section = self._open(local)
        index = section.index.get(item)
        if index is None:
            index = section.index[item] = len(section.items)
            section.items.append(item)
            section.added.append(item)
            self.dirty = True
        return index

    def with_fill(self, xf_index: int, argb: str) -> int:
        """Index of a cellXfs entry equal to xf_index but with a solid argb fill."""
        key = ("fill", xf_index, argb)
        if key not in self._cache:
            fill_id = self.append("fills", _fill_xml(self.p, argb))
            xfs = self.items("cellXfs")
            default = f'<{self.p}xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            xf = xfs[xf_index] if xf_index < len(xfs) else (xfs[0] if xfs else default)
            self._cache[key] = self.append("cellXfs", _xf_with_fill(xf, fill_id))
        return self._cache[key]

    def _font(self, bold: bool = False, size: float | None = None, color: str | None = None,
              underline: bool = False) -> int:
        p, fonts = self.p, self.items("fonts")
        base = fonts[0] if fonts else f"<{p}font><{p}sz val=\"11\"/><{p}name val=\"宋体\"/></{p}font>"
        return self.append("fonts", _font_xml(p, base, bold, size, color, underline))

    def named(self, key: str) -> int:
        """cellXfs index for one of the NewSheet style keys."""
        if ("named", key) not in self._cache:
            self._cache[("named", key)] = self._make_named(key)
        return self._cache[("named", key)]

    def _make_named(self, key: str) -> int:
        fills = {"header": "FFD9D9D9", "error": "FFFFC7CE", "warning": "FFFFEB9C", "info": "FFDDEBF7"}
        if key not in {*fills, "wrap", "title", "link"}:
            raise ValueError(f"未知的样式名：{key!r}")
        fonts = self._cache.get(("fonts",))
        if fonts is None:  # the three fonts are appended together, on the first named style
            fonts = self._cache[("fonts",)] = {
                "header": self._font(bold=True), "title": self._font(bold=True, size=14),
                "link": self._font(color="FF0563C1", underline=True)}
        font = fonts.get(key, 0)
        fill = self.append("fills", _fill_xml(self.p, fills[key])) if key in fills else 0
        border = self.append("borders", _thin_border_xml(self.p)) if key == "header" else 0
        wrap = key in fills or key == "wrap"
        return self.append("cellXfs", _xf_xml(self.p, font, fill, border, wrap, center=key == "header"))

    def save(self) -> None:
        if not self.dirty:
            return
        xml, grown = self.xml, []
        for local, section in self._sections.items():
            if section.added:
                start, content, end, _ = _element_span(xml, self.p, local)
                grown.append((start, content, end, section))
        pieces, pos = [], 0  # the sections do not overlap: spliced in one pass, in document order
        for start, content, end, section in sorted(grown, key=lambda g: g[0]):
            tag = _set_attr(xml[start:content], "count", str(len(section.items)))
            pieces += [xml[pos:start], tag, xml[content:end], *section.added]
            pos = end
        pieces.append(xml[pos:])
        self.xml = "".join(pieces)
        self.pkg.put(self.part, self.xml)


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


class _SheetXml:
    """String-level editor for one worksheet part."""

    def __init__(self, xml: str):
        self.xml = xml
        self.p = p = _prefix(xml, "worksheet")
        self.row_open, self.cell_re, self.f_re, self.cell_open = _sheet_res(p)
        self.removed_formula = False
        self._spans: tuple[str, tuple[int, int], tuple[int, int]] | None = None  # for which xml

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
        for num, row_edits in by_row.items():
            i = bisect_left(nums, num)
            if i < len(nums) and nums[i] == num:  # edit the existing row in place
                edited = self._edit_row(data[starts[i]:ends[i]], num, row_edits, styles, col_styles)
                pieces += [data[pos:starts[i]], edited]
                pos = ends[i]
            else:  # a new row goes before the first row with a larger number
                at = starts[i] if i < len(nums) else len(data)
                pieces += [data[pos:at], self._new_row(num, row_edits, styles, col_styles)]
                pos = at
        pieces.append(data[pos:])
        data = "".join(pieces)
        self.xml = self.xml[:start] + data + self.xml[end:]
        # Only sheetData's content changed: the tail moved by the change in length.
        shift = len(data) - (end - start)
        tail_start, tail_end = self._spans[2]
        self._spans = (self.xml, (start, start + len(data)), (tail_start + shift, tail_end + shift))
        self._widen_dimension(edits.keys())

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

    def _new_cell(self, ref: str, style: int, edit: _Edit, styles) -> str:
        if edit.fill:
            style = styles.get().with_fill(style, edit.fill)
        return _cell_xml(self.p, ref, style, edit.value)

    def _edit_cell(self, cell: str, ref: str, edit: _Edit, styles) -> str:
        head = _TAG.match(cell).group(0)
        style = int(_attr(head, "s") or 0)
        if edit.fill:
            style = styles.get().with_fill(style, edit.fill)
        if edit.value is KEEP:
            return _set_attr(head, "s", str(style)) + cell[len(head):] if edit.fill else cell
        if self.f_re.search(cell):
            self.removed_formula = True
        return _cell_xml(self.p, ref, style, edit.value)

    @staticmethod
    def _row_default_style(row_head: str) -> int | None:
        if "customFormat" in row_head and _attr(row_head, "customFormat") in ("1", "true") \
                and _attr(row_head, "s"):
            return int(_attr(row_head, "s"))
        return None

    def _widen_spans(self, row_xml: str, cols) -> str:
        head = self.row_open.match(row_xml).group(0)
        spans = _attr(head, "spans") if "spans" in head else None
        if not spans or not re.fullmatch(r"[0-9: ]+", spans):
            return row_xml
        numbers_ = [int(n) for n in re.findall(r"\d+", spans)] + [c + 1 for c in cols]
        new_head = _set_attr(head, "spans", f"{min(numbers_)}:{max(numbers_)}")
        return new_head + row_xml[len(head):]

    def _widen_dimension(self, cells) -> None:
        m = _tag_re(self.p, "dimension").search(self.xml)
        ref = m and _attr(m.group(0), "ref")
        if not ref or not re.fullmatch(r"[A-Za-z]+\d+(:[A-Za-z]+\d+)?", ref):
            return
        r1, c1, r2, c2 = _parse_range(ref)
        rows, cols = [r for r, _ in cells], [c for _, c in cells]
        new = _range(min(r1, *rows), min(c1, *cols), max(r2, *rows), max(c2, *cols))
        if new != ref:
            self.xml = self.xml[:m.start()] + _set_attr(m.group(0), "ref", new) + self.xml[m.end():]

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
                masters[_attr(f.group(0), "si")] = (_parse_ref(ref), html.unescape(f.group(2) or ""), ref)

        def fix(m: re.Match) -> str:
            cell = m.group(0)
            f = self.f_re.search(cell)
            si = f and _attr(f.group(0), "si")
            if not f or _attr(f.group(0), "t") != "shared" or si not in masters:
                return cell
            (mr, mc), formula, master_ref = masters[si]
            r, c = _parse_ref(_attr(cell, "r"))
            text = _translate_formula(formula, r - mr, c - mc, master_ref)
            return cell[:f.start()] + f"<{self.p}f>{_esc_formula(text)}</{self.p}f>" + cell[f.end():]

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


def _set_attr_first(cell: str, name: str, value: str) -> str:
    head = _TAG.match(cell).group(0)
    return _set_attr(head, name, value) + cell[len(head):]


def _col_default(col_styles: list[tuple[int, int, int]], col: int) -> int:
    return next((s for lo, hi, s in col_styles if lo <= col + 1 <= hi), 0)


def _esc_formula(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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


class _LazyStyles:
    """styles.xml is parsed only when a fill or a NewSheet style is needed."""

    def __init__(self, pkg: _Package, wb: _Workbook):
        self.pkg, self.wb, self.styles = pkg, wb, None

    def get(self) -> _Styles:
        if self.styles is None:
            self.styles = _Styles(self.pkg, self.wb)
        return self.styles

    def save(self) -> None:
        if self.styles:
            self.styles.save()


# ---------------------------------------------------------------------------
# Comments (legacy notes): xl/commentsN.xml + VML shapes + rels + legacyDrawing


@functools.lru_cache(maxsize=16)
def _run_props(p: str) -> str:
    """The run properties of our comment text (宋体 9 pt, the note colour)."""
    return (f'<{p}rPr><{p}sz val="9"/><{p}color indexed="81"/><{p}rFont val="宋体"/>'
            f'<{p}family val="3"/><{p}charset val="134"/></{p}rPr>')


_VML_HEAD = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:x="urn:schemas-microsoft-com:office:excel">\n'
    ' <o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{idmap}"/></o:shapelayout>\n'
)
_VML_SHAPETYPE = (
    ' <v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>\n'
)


def _vml_shape(sid: int, w: int, h: int, z: int, anchor: str, row: int, col: int) -> str:
    """The VML note box of the comment on (row, col) (0-based)."""
    return (
        f' <v:shape id="_x0000_s{sid}" type="#_x0000_t202" style="position:absolute;margin-left:80pt;'
        f'margin-top:2pt;width:{w}pt;height:{h}pt;z-index:{z};visibility:hidden" fillcolor="#ffffe1" '
        'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
        '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
        '<div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note">'
        f"<x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
        f"<x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>\n"
    )


@dataclass
class _Note:
    text: str
    author: str


def _apply_comments(pkg: _Package, ct: _ContentTypes, part: str, sheet: _SheetXml,
                    notes: dict[tuple[int, int], _Note]) -> None:
    rels = _Rels(pkg, part)
    found = rels.by_type("/comments")
    comments_part = found[0]["part"] if found else pkg.free_name("xl/comments{}.xml")
    existing = pkg.text(comments_part) if found else None
    xml, new_cells = _merge_comments(existing, notes)
    pkg.put(comments_part, xml)
    if not found:
        rels.add(REL_COMMENTS, comments_part)
    ct.ensure_override(comments_part, CT_COMMENTS)
    if new_cells:
        _add_vml_shapes(pkg, ct, rels, sheet, new_cells, notes)
    rels.save()


def _merge_comments(xml: str | None, notes: dict[tuple[int, int], _Note]) -> tuple[str, list]:
    """Comments XML with our notes added (xml None: a new comments part); returns it and the
    cells that got a new comment."""
    p, authors, blocks = "", [], {}
    if xml is not None:
        p = _prefix(xml, "comments")
        xml = _expand_empty(xml, p, "authors")
        xml = _expand_empty(xml, p, "commentList")
        authors = [html.unescape(a) for a in re.findall(rf"<{p}author>(.*?)</{p}author>", xml, re.S)]
        _, start, end, _ = _element_span(xml, p, "commentList")
        for name, s, e in _children(xml, start, end):
            block = xml[s:e]
            blocks[_parse_ref(_attr(block[: block.index(">") + 1], "ref"))] = block
    new_cells = []
    for cell, note in notes.items():
        if cell in blocks:
            blocks[cell] = _append_to_comment(blocks[cell], p, note.text)
            continue
        if note.author not in authors:
            authors.append(note.author)
        blocks[cell] = _new_comment(p, _ref(*cell), authors.index(note.author), note.text)
        new_cells.append(cell)
    author_xml = "".join(f"<{p}author>{_esc(a)}</{p}author>" for a in authors)
    comment_xml = "".join(blocks[c] for c in sorted(blocks))
    if xml is None:
        return (f'{XML_DECL}<comments xmlns="{NS_MAIN}"><authors>{author_xml}</authors>'
                f'<commentList>{comment_xml}</commentList></comments>'), new_cells
    a_start, a_end = _element_span(xml, p, "authors")[1:3]
    xml = xml[:a_start] + author_xml + xml[a_end:]
    _, start, end, _ = _element_span(xml, p, "commentList")
    xml = xml[:start] + comment_xml + xml[end:]
    return xml, new_cells


def _expand_empty(xml: str, p: str, local: str) -> str:
    span = _element_span(xml, p, local)
    if span is None or span[1] != span[3]:
        return xml
    return xml[:span[0]] + f"<{p}{local}></{p}{local}>" + xml[span[3]:]


def _new_comment(p: str, ref: str, author_id: int, text: str) -> str:
    run = f'<{p}r>{_run_props(p)}<{p}t xml:space="preserve">{_esc(text)}</{p}t></{p}r>'
    return f'<{p}comment ref="{ref}" authorId="{author_id}"><{p}text>{run}</{p}text></{p}comment>'


def _append_to_comment(block: str, p: str, text: str) -> str:
    """Keep the officer's text; add ours after a blank line (once)."""
    if text in _plain_text(block):
        return block
    run = f'<{p}r>{_run_props(p)}<{p}t xml:space="preserve">\n\n{_esc(text)}</{p}t></{p}r>'
    end = block.rindex(f"</{p}text>")
    phonetic = re.compile(rf"<{p}(?:rPh|phoneticPr)(?=[\s/>])").search(block, 0, end)
    cut = phonetic.start() if phonetic else end
    return block[:cut] + run + block[cut:]


def _add_vml_shapes(pkg: _Package, ct: _ContentTypes, rels: _Rels, sheet: _SheetXml,
                    cells: list[tuple[int, int]], notes: dict[tuple[int, int], _Note]) -> None:
    rid = sheet.legacy_drawing_rid()
    vml_part = rels.part(rid) if rid else None
    if vml_part and pkg.has(vml_part):
        vml = pkg.text(vml_part)
    else:
        vml_part = pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        vml = _VML_HEAD.format(idmap=_free_idmap(pkg)) + "</xml>"
        sheet.add_legacy_drawing(rels.add(REL_VML, vml_part))
    pkg.put(vml_part, _vml_with_shapes(vml, cells, notes))
    if ct.of(vml_part) != CT_VML:
        ct.ensure_override(vml_part, CT_VML)


def _free_idmap(pkg: _Package) -> int:
    used = [0]
    for name in pkg.names():
        if name.lower().endswith(".vml"):
            for data in re.findall(rb'<(?:[\w.\-]+:)?idmap[^>]*data="([\d,\s]*)"', pkg.read(name)):
                used += [int(x) for x in re.findall(rb"\d+", data)]
    return max(used) + 1


_VML_NS = {"v": "urn:schemas-microsoft-com:vml", "o": "urn:schemas-microsoft-com:office:office",
           "x": "urn:schemas-microsoft-com:office:excel"}


_VML_ROOT_RE = re.compile(r"<xml(?=[\s>])[^>]*>")
_VML_SHAPE_ID_RE = re.compile(r'id="_x0000_s(\d+)"')
_VML_IDMAP_RE = re.compile(r'<(?:[\w.\-]+:)?idmap[^>]*data="(\d+)')


def _vml_namespaces(vml: str) -> str:
    """Declare v:, o: and x: on the root (other writers may use ns0:, ns1:, …)."""
    root = _VML_ROOT_RE.search(vml)
    if not root:
        raise ValueError("VML 绘图部件缺少 <xml> 根元素")
    missing = "".join(f' xmlns:{p}="{uri}"' for p, uri in _VML_NS.items() if f"xmlns:{p}=" not in root.group(0))
    return vml[:root.start() + 4] + missing + vml[root.start() + 4:]


def _vml_with_shapes(vml: str, cells: list[tuple[int, int]], notes) -> str:
    vml = _vml_namespaces(vml)
    if 'id="_x0000_t202"' not in vml:
        at = vml.find("<v:shape ")
        at = at if at >= 0 else vml.rindex("</xml>")
        vml = vml[:at] + _VML_SHAPETYPE + vml[at:]
    ids = [int(x) for x in _VML_SHAPE_ID_RE.findall(vml)]
    idmap = _VML_IDMAP_RE.search(vml)
    next_id = max(ids) + 1 if ids else (int(idmap.group(1)) if idmap else 1) * 1024 + 1
    shapes = []
    for i, (row, col) in enumerate(cells):
        lines = min(20, 3 + len(notes[(row, col)].text) // 18)
        top = max(row - 1, 0)
        anchor = f"{col + 1}, 15, {top}, 10, {col + 4}, 15, {top + lines}, 4"
        shapes.append(_vml_shape(sid=next_id + i, w=180, h=14 * lines, z=next_id + i,
                                 anchor=anchor, row=row, col=col))
    cut = vml.rindex("</xml>")
    return vml[:cut] + "".join(shapes) + vml[cut:]


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


_NARROW = re.compile("[\u2e81-\U0010ffff]+")  # what is left after removing it is narrow


def _text_width(text: str) -> int:
    """Display width in character cells: CJK and other characters above U+2E80 count 2."""
    if text.isascii():
        return len(text)
    return 2 * len(text) - len(_NARROW.sub("", text))


def _line_count(text: str, per_line: int) -> int:
    """Lines a wrapped text takes in a column of per_line character cells (at least 1)."""
    if "\n" in text:
        return sum(max(1, -(-_text_width(part) // per_line)) for part in text.split("\n"))
    return -(-_text_width(text) // per_line) or 1


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
    with wrapped text gets the height of its tallest wrapped cell (15 points a line)."""
    rows = ns.rows
    spans = _merged_spans(ns.merges)
    widths = ns.col_widths
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
        cells, lines, filled = [], 1, len(row)
        for c in cols:
            value = row[c] if c < filled else None
            s, wraps = row_styles.get(c, _NO_STYLE)
            if type(value) is str and len(value) <= MAX_TEXT:  # the common case, inlined (= _cell_xml)
                text = value if value.isprintable() and "&" not in value and "<" not in value \
                    and ">" not in value and "_x" not in value else _esc(value)
                cells.append(f'<c r="{letters[c]}{num}"{s} t="inlineStr"><is><t xml:space="preserve">'
                             f'{text}</t></is></c>')
            else:
                style = int(s[4:-1]) if s else 0
                cells.append(_cell_xml("", letters[c] + num, style, KEEP if value is None else value))
            if wraps and isinstance(value, str):
                last = spans.get((r, c), c)     # a merged cell wraps across its whole width
                per_line = span_chars.get((c, last))
                if per_line is None:
                    chars = sum(widths.get(cc, 9.0) for cc in range(c, last + 1))
                    per_line = span_chars[(c, last)] = max(1, int(chars))
                # A text at most per_line * lines cells wide (2 per character) cannot need more lines.
                if 2 * len(value) > per_line * lines or "\n" in value:
                    count = _line_count(value, per_line)
                    if count > lines:
                        lines = count
        out.append(f'<row r="{num}"{_row_height(lines) if lines > 1 else ""}>{"".join(cells)}</row>')
    bounds = (r1, c1, r2, c2) if r2 >= 0 else None
    return f"<sheetData>{''.join(out)}</sheetData>", bounds


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
        info = wb.add_sheet(ns.name, pkg.free_name("xl/worksheets/sheet{}.xml"))
    pkg.put(info.part, xml)
    ct.ensure_override(info.part, CT_WORKSHEET)
    wb.set_filter_name(info, ns.autofilter)


# ---------------------------------------------------------------------------
# patch_xlsx


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
    by_row: dict[int, list[tuple[int, tuple[int, int, int, int]]]] = {}
    tall = []
    for i, merge in enumerate(_parse_range(ref) for ref in refs if ref):
        if merge[2] - merge[0] < 64:
            for r in range(merge[0], merge[2] + 1):
                by_row.setdefault(r, []).append((i, merge))
        else:
            tall.append((i, merge))
    return by_row, tall


def _collect(sheet: _SheetXml, patches: list[CellPatch]) -> tuple[dict, dict]:
    """Group patches by cell (redirecting hidden merged cells to their anchor)."""
    # The first merge (in document order) holding the cell: merges looked up by row.
    by_row, tall = sheet.merge_index()
    edits: dict[tuple[int, int], _Edit] = {}
    notes: dict[tuple[int, int], _Note] = {}
    for patch in patches:
        row, col = _parse_ref(patch.ref)
        found = None
        for i, (r1, c1, r2, c2) in by_row.get(row, ()):
            if c1 <= col <= c2:
                found = (i, r1, c1)
                break
        for i, (r1, c1, r2, c2) in tall:
            if found is not None and i > found[0]:
                break
            if r1 <= row <= r2 and c1 <= col <= c2:
                found = (i, r1, c1)
                break
        if found is not None:
            row, col = found[1], found[2]
        if patch.value is not None or patch.fill:
            edit = edits.setdefault((row, col), _Edit())
            if patch.value is not None:
                if type(patch.value) is not str or len(patch.value) > MAX_TEXT:
                    _value_xml("", patch.value)  # validate early
                edit.value = patch.value
            if patch.fill:
                edit.fill = _argb(patch.fill)
        if patch.comment:
            note = notes.get((row, col))
            notes[(row, col)] = _Note(note.text + "\n\n" + patch.comment, note.author) if note \
                else _Note(patch.comment, patch.author)
    return edits, notes


def _patch_sheet(pkg: _Package, ct: _ContentTypes, info: _SheetInfo, patches: list[CellPatch],
                 styles: _LazyStyles) -> bool:
    sheet = _SheetXml(pkg.text(info.part))
    edits, notes = _collect(sheet, patches)
    if edits:
        sheet.edit_cells(edits, styles)
    if notes:
        _apply_comments(pkg, ct, info.part, sheet, notes)
    pkg.put(info.part, sheet.xml)
    return sheet.removed_formula


def patch_xlsx(src: Path, dst: Path, patches: list[CellPatch], new_sheets: list[NewSheet] = (), *,
               verify: bool = False, fsync: bool = True, atomic: bool = True,
               source: zipfile.ZipFile | None = None) -> list[str] | None:
    """Write dst = src with the patches applied and new_sheets added (or replaced).

    Only the parts that need a change are rewritten; every other zip member is
    copied byte for byte.  dst is written atomically (temporary file + os.replace);
    src is never modified.  atomic=False writes dst directly (no temporary file, no
    rename): for a dst in a private folder that the caller renames into place itself.

    verify=True also runs verify_preserved(src, dst) on the result and returns its list
    of losses ([] = nothing lost; dst is left in place either way), reusing the source
    zip that is already open and the members already read from it, and the bytes just
    written to dst (not read back); the parts this call generated from scratch are not
    parsed again for well-formedness.  Without it the return value is None.

    fsync=False skips forcing dst's data to disk before the rename.  The replace stays
    atomic for other processes, but after a power loss / OS crash dst may be missing or
    empty.  Meant for batches that sync once at the end (os.sync()) or can simply re-run.

    source: src already opened as a zipfile.ZipFile by the caller (it is read, not closed).
    """
    src, dst = Path(src), Path(dst)
    if dst.exists() and os.path.samefile(src, dst):
        raise ValueError("输出文件不能与原文件相同")
    new_names = {ns.name.lower() for ns in new_sheets}
    if clash := sorted({p.sheet for p in patches if p.sheet.lower() in new_names}):
        raise ValueError(f"同一工作表不能既被修改又被新表替换：{'、'.join(clash)}")
    with zipfile.ZipFile(src) if source is None else contextlib.nullcontext(source) as zf:
        pkg = _Package(zf)
        wb, ct = _Workbook(pkg), _ContentTypes(pkg)
        source_wb = wb.clone(pkg) if verify else None  # for verification: the source, unchanged
        styles = _LazyStyles(pkg, wb)
        by_sheet: dict[str, list[CellPatch]] = {}
        for patch in patches:
            by_sheet.setdefault(patch.sheet, []).append(patch)
        removed_formula = False
        for name, sheet_patches in by_sheet.items():
            removed_formula |= _patch_sheet(pkg, ct, wb.worksheet(name), sheet_patches, styles)
        for ns in new_sheets:
            _add_new_sheet(pkg, ct, wb, styles, ns)
        if removed_formula:
            wb.drop_calc_chain(ct)
        styles.save()
        wb.save()
        ct.save()
        written = _write(dst, src, pkg, fsync=fsync, atomic=atomic)
        if not verify:
            return None
        # A sheet we replaced (our own 审核结果 of an earlier run) is meant to change.
        replaced = {ns.name for ns in new_sheets}
        # Parts that did not exist in the source were generated whole by this module (new
        # sheets, comments, VML, relationships): their well-formedness is our writer's,
        # covered by the tests, so they are not parsed again.
        trusted = {name for name in pkg.changed if name not in pkg.info}
        try:
            pristine = pkg.pristine()
            old, new = _Snapshot(pristine, source_wb.clone(pristine)), _Snapshot(written.package(pkg))
            problems = _compare_sheets(old, new, replaced, trusted) + _compare_names(old, new, replaced)
            return problems + _compare_members(old, new)
        except (zipfile.BadZipFile, ET.ParseError, KeyError, ValueError) as exc:
            return [f"无法读取副本或原文件：{exc}"]


# ---------------------------------------------------------------------------
# verify_preserved
#
# What is compared is what the original verification compared (sheet facts, defined
# names, members, content types); only the work is cut down:
# * a member whose compressed bytes (and CRC, sizes, method) are the same in both zips
#   has the same content: it is neither decompressed nor parsed;
# * a sheet whose XML, relationships and related drawing / comments parts are all
#   unchanged has the same facts; for a changed sheet only the rows that differ (and the
#   sheet XML outside <sheetData>) are parsed.  Facts of the common rows / parts are
#   the same on both sides, so they cancel out of every comparison; only when this
#   partial comparison finds a loss are both sheets read in full, so the messages
#   (which quote totals) are exactly those of a full comparison;
# * sheets that exist only in the copy (nothing of them can have been lost) and the
#   relationship parts of untouched sheets are not read.
# A member that is byte-identical in both files is therefore not checked for
# well-formedness: a copy cannot lose anything there, even if the source is damaged.


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr_local(el: ET.Element, name: str) -> str | None:
    for key, value in el.attrib.items():
        if _local(key) == name:
            return value
    return None


def _sqref(el: ET.Element) -> str:
    """sqref attribute, or the xm:sqref child x14 extensions use."""
    value = el.get("sqref")
    if value is None:
        value = next((c.text for c in el if _local(c.tag) == "sqref"), "") or ""
    return " ".join(sorted(value.split()))


_REL_KINDS = {
    "drawing": "绘图（图片/图表/文本框）", "vmlDrawing": "VML 绘图（批注框/控件）", "comments": "批注",
    "table": "表格", "printerSettings": "打印设置", "image": "图片", "oleObject": "OLE 对象",
    "ctrlProp": "控件", "pivotTable": "数据透视表", "threadedComment": "线程批注", "slicer": "切片器",
}
_DRAWING_KINDS = (("pic", "图片"), ("graphicFrame", "图表"), ("sp", "文本框/形状"))
_DRAWING_LABELS = dict(_DRAWING_KINDS)


@dataclass
class _SheetFacts:
    merges: set = field(default_factory=set)
    validations: set = field(default_factory=set)
    formats: set = field(default_factory=set)
    hyperlinks: set = field(default_factory=set)
    ext_uris: set = field(default_factory=set)
    sparklines: int = 0
    uncached: int = 0
    rels: set = field(default_factory=set)
    drawing_counts: dict = field(default_factory=dict)
    comments: dict = field(default_factory=dict)


_LOCAL_NAMES: dict[str, str] = {}  # '{ns}name' → 'name' (a few dozen distinct tags in practice)
_FACT_ELEMENTS = frozenset(("mergeCell", "dataValidation", "conditionalFormatting", "hyperlink", "ext",
                            "sparklineGroup", "c"))


def _local_cached(tag) -> str:
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = _local(tag) if isinstance(tag, str) else ""
        if len(_LOCAL_NAMES) < 4096:
            _LOCAL_NAMES[tag] = name
    return name


def _note_tree(facts: _SheetFacts, root: ET.Element, targets: dict[str, str]) -> None:
    """Add the facts of every element under root (root included)."""
    for el in root.iter():
        name = _local_cached(el.tag)
        if name in _FACT_ELEMENTS:
            _note_element(facts, el, name, targets)


def _note_element(facts: _SheetFacts, el: ET.Element, name: str, targets: dict[str, str]) -> None:
    if name == "c":
        has_formula, value = False, None
        for kid in el:
            kid_name = _local_cached(kid.tag)
            if kid_name == "f":
                has_formula = True
            elif kid_name == "v":
                value = kid
        facts.uncached += has_formula and not (value is not None and value.text)
    elif name == "mergeCell":
        facts.merges.add(el.get("ref"))
    elif name == "dataValidation":
        facts.validations.add(_sqref(el))
    elif name == "conditionalFormatting":
        facts.formats.add(_sqref(el))
    elif name == "hyperlink":
        rid = _attr_local(el, "id")
        target = targets.get(rid, "") if rid else ""
        facts.hyperlinks.add((el.get("ref"), el.get("location") or target))
    elif name == "ext":
        if el.get("uri"):
            facts.ext_uris.add(el.get("uri"))
    elif name == "sparklineGroup":
        facts.sparklines += 1


def _rel_targets(rels: _Rels) -> dict[str, str]:
    """Id → Target (the first relationship with that Id, as a linear search would find)."""
    targets: dict[str, str] = {}
    for rel in rels.items:
        targets.setdefault(rel["Id"], rel["Target"])
    return targets


def _rel_kind(rel: dict) -> str:
    return (rel["Type"] or "").rsplit("/", 1)[-1]


def _same_stored(a: _Package, name_a: str, b: _Package, name_b: str) -> bool:
    """True when both members exist and are stored identically (same compressed bytes,
    method, CRC and size), hence have the same content.  False says nothing."""
    ia, ib = a.info.get(name_a), b.info.get(name_b)
    if ia is None or ib is None or name_a in a.changed or name_b in b.changed:
        return False
    if (ia.CRC, ia.file_size, ia.compress_size, ia.compress_type) != \
            (ib.CRC, ib.file_size, ib.compress_size, ib.compress_type):
        return False
    return a.raw(name_a) == b.raw(name_b)


def _same_content(a: _Package, name_a: str, b: _Package, name_b: str) -> bool:
    """Whether two existing members hold the same bytes (exact; decompresses only if needed)."""
    return _same_stored(a, name_a, b, name_b) or a.read(name_a) == b.read(name_b)


@_by_content
def _defined_names(workbook_xml: bytes) -> tuple[tuple[str | None, str | None, str], ...]:
    """(name, localSheetId, text) of each <definedName> (ET.ParseError if not well-formed)."""
    return tuple((el.get("name"), el.get("localSheetId"), el.text or "")
                 for el in ET.fromstring(workbook_xml).iter() if _local(el.tag) == "definedName")


class _Snapshot:
    """What verify_preserved compares, read lazily (ElementTree for the facts)."""

    def __init__(self, pkg: _Package, wb: "_Workbook | None" = None):
        self.pkg = pkg
        self.wb = _Workbook(pkg) if wb is None else wb
        self.ct = _ContentTypes(pkg)
        self.sheets = {s.name: s for s in self.wb.sheets}
        self.order = [s.name for s in self.wb.sheets]
        # the sheets that have facts (a part present in the package), in workbook order
        self.with_part = {s.name: s for s in self.wb.sheets if s.part and pkg.has(s.part)}
        self._rels: dict[str, _Rels] = {self.wb.part: self.wb.rels}

    def rels(self, part: str) -> _Rels:
        found = self._rels.get(part)
        if found is None:
            found = self._rels[part] = _Rels(self.pkg, part)
        return found

    def defined_names(self) -> dict[tuple[str, str], str]:
        names = {}
        for name, scope, text in _defined_names(self.pkg.read(self.wb.part)):
            sheet = self.order[int(scope)] if scope is not None and int(scope) < len(self.order) else ""
            names[(name, sheet)] = text
        return names

    def related(self, part: str, kind: str) -> list[str]:
        """Existing parts a sheet refers to with relationships of this kind, one per relationship."""
        return [r["part"] for r in self.rels(part).items
                if _rel_kind(r) == kind and r.get("part") and self.pkg.has(r["part"])]

    # -- the complete facts of a sheet (the reference computation) -----------------

    def full_facts(self, info: _SheetInfo) -> _SheetFacts:
        facts = _SheetFacts()
        rels = self.rels(info.part)
        _note_tree(facts, ET.fromstring(self.pkg.read(info.part)), _rel_targets(rels))
        self.add_rel_facts(facts, info.part)
        for part in self.related(info.part, "drawing"):
            self.count_drawing(facts, part)
        self.read_comments(facts, info.part)
        return facts

    def add_rel_facts(self, facts: _SheetFacts, part: str) -> None:
        for rel in self.rels(part).items:
            kind = _rel_kind(rel)
            if kind != "hyperlink":
                facts.rels.add((kind, rel.get("part") or rel["Target"]))

    def count_drawing(self, facts: _SheetFacts, part: str) -> None:
        counts = facts.drawing_counts
        for el in ET.fromstring(self.pkg.read(part)).iter():
            label = _DRAWING_LABELS.get(_local_cached(el.tag))
            if label:
                counts[label] = counts.get(label, 0) + 1

    def read_comments(self, facts: _SheetFacts, part: str) -> None:
        for comments in self.related(part, "comments"):
            for el in ET.fromstring(self.pkg.read(comments)).iter():
                if _local(el.tag) == "comment":
                    text = "".join(t.text or "" for t in el.iter() if _local(t.tag) == "t")
                    facts.comments[el.get("ref")] = text

    def may_change(self) -> set[str]:
        """Members patch_xlsx is allowed to rewrite (checked semantically instead)."""
        names = {_ContentTypes.PATH, self.wb.part, self.wb.rels.path}
        names |= {r["part"] for r in self.wb.rels.items if r.get("part")
                  and _rel_kind(r) in ("styles", "calcChain", "worksheet")}
        for info in self.wb.sheets:
            if info.part:
                names.add(_rels_path(info.part))
                names |= {r["part"] for r in self.rels(info.part).items if r.get("part")
                          and _rel_kind(r) in ("comments", "vmlDrawing")}
        return {self.pkg.name(n) or n for n in names}

    def may_change_cheap(self) -> set[str]:
        """The part of may_change() that needs no sheet relationships part."""
        names = {_ContentTypes.PATH, self.wb.part, self.wb.rels.path}
        names |= {r["part"] for r in self.wb.rels.items if r.get("part")
                  and _rel_kind(r) in ("styles", "calcChain", "worksheet")}
        names |= {_rels_path(info.part) for info in self.wb.sheets if info.part}
        return {self.pkg.name(n) or n for n in names}


class _Flexible:
    """Membership in old.may_change(), reading sheet relationships only when needed."""

    def __init__(self, old: _Snapshot):
        self.old, self.cheap, self.full = old, None, None

    def __contains__(self, name: str) -> bool:
        if self.cheap is None:
            self.cheap = self.old.may_change_cheap()
        if name in self.cheap:
            return True
        if self.full is None:
            self.full = self.old.may_change()
        return name in self.full


def verify_preserved(src: Path, dst: Path, replaced: set[str] = frozenset()) -> list[str]:
    """Chinese descriptions of what the copy dst lost compared with src ([] = nothing lost).

    Compared: the sheets (present, in order), per sheet its merges, data validations,
    conditional formats, hyperlinks, x14 extensions, sparklines, cached formula values,
    relationships, drawing objects and comments; defined names; every member that
    patch_xlsx may not rewrite (byte for byte) and every member's content type.  A copy
    with a part that cannot be read or parsed (changed sheets, new sheets and comments,
    workbook.xml) is reported as unreadable.  Members stored identically in both files
    are not decompressed or parsed at all (see the notes above _local).
    """
    try:
        with zipfile.ZipFile(src) as a:
            return _verify_open(lambda: _Package(a), dst, replaced)
    except (zipfile.BadZipFile, ET.ParseError, KeyError, ValueError) as exc:
        return [f"无法读取副本或原文件：{exc}"]


def _verify_open(source, dst: Path, replaced: set[str] = frozenset()) -> list[str]:
    """verify_preserved with the source zip already open (source() makes its _Package).
    Sheets named in `replaced` were rewritten on purpose: their old content is not missed."""
    try:
        with zipfile.ZipFile(dst) as b:
            old, new = _Snapshot(source()), _Snapshot(_Package(b))
            problems = _compare_sheets(old, new, replaced) + _compare_names(old, new, replaced)
            return problems + _compare_members(old, new)
    except (zipfile.BadZipFile, ET.ParseError, KeyError, ValueError) as exc:
        return [f"无法读取副本或原文件：{exc}"]


def _compare_sheets(old: _Snapshot, new: _Snapshot, replaced: set[str] = frozenset(),
                    trusted: set[str] = frozenset()) -> list[str]:
    """trusted: member names of the copy known to be well-formed (not parsed for that)."""
    problems = [f"工作表“{n}”丢失" for n in old.order if n not in new.sheets]
    kept = [n for n in new.order if n in old.sheets]
    if kept != [n for n in old.order if n in new.sheets]:
        problems.append(f"工作表顺序改变：原为 {'、'.join(old.order)}，现为 {'、'.join(new.order)}")
    for name in old.with_part:
        if name in new.with_part and name not in replaced:
            problems += _sheet_problems(name, old, new, trusted)
    for name, info in new.with_part.items():
        if name not in old.with_part:  # a new sheet: nothing to lose, but it must be readable
            for part in [info.part] + new.related(info.part, "drawing") + new.related(info.part, "comments"):
                if new.pkg.name(part) not in trusted:
                    _check_wellformed(new.pkg.read(part))
    return problems


def _sheet_problems(name: str, old: _Snapshot, new: _Snapshot, trusted: set[str] = frozenset()) -> list[str]:
    """_compare_sheet of the two sheets' facts, computed from what differs only."""
    a_info, b_info = old.with_part[name], new.with_part[name]
    a_part, b_part = a_info.part, b_info.part  # relationship targets resolve against these
    a_rels, b_rels = old.pkg.name(_rels_path(a_part)), new.pkg.name(_rels_path(b_part))
    rels_same = a_part == b_part and (
        (a_rels is None and b_rels is None)
        or (a_rels is not None and b_rels is not None and _same_content(old.pkg, a_rels, new.pkg, b_rels)))
    a, b = _SheetFacts(), _SheetFacts()
    if not (rels_same and _same_stored(old.pkg, old.pkg.name(a_part), new.pkg, new.pkg.name(b_part))):
        a_targets, b_targets = _rel_targets(old.rels(a_part)), _rel_targets(new.rels(b_part))
        try:
            split = _sheet_xml_delta(a, old.pkg.read(a_part), a_targets, b, new.pkg.read(b_part), b_targets)
        except ET.ParseError:  # report it as reading the whole part reports it (with its position)
            split = False
        if not split:
            return _compare_sheet(name, old.full_facts(a_info), new.full_facts(b_info))
    if not rels_same:
        old.add_rel_facts(a, a_part)
        new.add_rel_facts(b, b_part)
    a_drawings, b_drawings = old.related(a_part, "drawing"), new.related(b_part, "drawing")
    for part in a_drawings:
        if part in b_drawings and _same_stored(old.pkg, old.pkg.name(part), new.pkg, new.pkg.name(part)):
            b_drawings.remove(part)  # the same drawing on both sides: its counts cancel out
        else:
            old.count_drawing(a, part)
    for part in b_drawings:
        new.count_drawing(b, part)
    a_comments, b_comments = old.related(a_part, "comments"), new.related(b_part, "comments")
    unchanged = [p for p in b_comments
                 if p in a_comments and _same_stored(old.pkg, old.pkg.name(p), new.pkg, new.pkg.name(p))]
    if a_comments and not (a_comments == b_comments == unchanged):
        old.read_comments(a, a_part)
        new.read_comments(b, b_part)
    else:  # no comments to lose; the copy's new ones must still be readable
        for part in b_comments:
            if part not in unchanged and new.pkg.name(part) not in trusted:
                _check_wellformed(new.pkg.read(part))
    if _compare_sheet(name, a, b):  # something was lost: report it with the complete facts
        return _compare_sheet(name, old.full_facts(a_info), new.full_facts(b_info))
    return []


_QB = _Q.encode()
_XMLNS_RE = re.compile(rb"""\sxmlns(?::([\w.\-]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.\-]*:)?worksheet(?=[\s/>])" + _QB + rb">", re.S)
_TAG_END = frozenset(b" \t\r\n/>")
# Text that may belong to an element _note_element counts (a cell counts only with an <f>).
_FACT_HINTS = (b"<f", b":f", b"<ext", b":ext", b"mergeCell", b"dataValidation", b"conditionalFormatting",
               b"hyperlink", b"sparklineGroup")


def _may_have_facts(xml: bytes) -> bool:
    return any(hint in xml for hint in _FACT_HINTS)


@functools.lru_cache(maxsize=16)
def _sheet_data_re(p: bytes) -> re.Pattern:
    return re.compile(rb"<" + re.escape(p) + rb"sheetData(?=[\s/>])" + _QB + rb"(/?)>", re.S)


@dataclass
class _SheetSplit:
    root: bytes        # everything up to and including the root's opening tag
    root_tag: bytes
    sheet_data: bytes  # the <sheetData …> opening tag
    close: bytes       # '</sheetData></worksheet>' with the document's prefix
    rows: list[bytes]
    rest: bytes        # the document without its <sheetData> element
    root_close: bytes = b""  # '</worksheet>' with the document's prefix
    kids: list[bytes] | None = None  # the root's children but sheetData (None: not that simple)


def _has_decl(data: bytes) -> bool:
    """Whether data holds '<!' or '<?' (comments, CDATA, processing instructions).  The
    one-byte tests first: they are far faster than a two-byte search."""
    return (b"!" in data and b"<!" in data) or (b"?" in data and b"<?" in data)


@functools.lru_cache(maxsize=16)
def _odd_row_re(p: bytes) -> re.Pattern:
    """A self-closing <row/> tag, or '<row' not followed by a tag-name end."""
    row = b"<" + re.escape(p) + b"row"
    return re.compile(row + rb"(?:[^\s/>]|(?=[\s/>])[^>]*/>)")


def _split_rows(content: bytes, p: bytes) -> list[bytes] | None:
    """The <row> elements of sheetData's content, or None unless it is rows and whitespace
    only.  Without CDATA, comments and processing instructions ('<!', '<?'), a '<' can
    only start a tag, so the cut is exact; a damaged row makes a piece that does not
    parse, and the caller then reads the whole sheet."""
    if _has_decl(content):
        return None
    opening, closing = b"<" + p + b"row", b"</" + p + b"row>"
    pieces = content.split(opening)
    if pieces[0].strip():
        return None
    # The usual case in bulk: rows back to back, each '<row …>…</row>' with one closing tag.
    if pieces[0] == b"" and content.count(closing) == len(pieces) - 1 \
            and _odd_row_re(p).search(content) is None:
        del pieces[0]
        if all(map(bytes.endswith, pieces, repeat(closing))):
            return list(map(opening.__add__, pieces))
        pieces.insert(0, b"")
    rows = []
    for piece in pieces[1:]:  # each: the rest of one row, then whitespace up to the next
        if not piece or piece[0] not in _TAG_END:
            return None
        tag_end = piece.find(b">")
        if tag_end < 0:
            return None
        if tag_end > 0 and piece[tag_end - 1] == 0x2F:  # '/>'
            end = tag_end + 1
        else:
            end = piece.find(closing, tag_end)
            if end < 0:
                return None
            end += len(closing)
        if end < len(piece) and piece[end:].strip():
            return None
        rows.append(opening + piece[:end])
    return rows


def _split_sheet(data: bytes) -> _SheetSplit | None:
    """The sheet XML cut into its rows and the rest, or None if it is not that simple."""
    root = _ROOT_RE.search(data)
    if root is None or root.group(0).endswith(b"/>"):
        return None
    p = root.group(1) or b""
    opening = _sheet_data_re(p).search(data, root.end())
    if opening is None or opening.group(1):
        return None
    close = b"</" + p + b"sheetData>"
    end = data.find(close, opening.end())
    if end < 0:
        return None
    rows = _split_rows(data[opening.end():end], p)
    if rows is None:
        return None
    root_close = b"</" + p + b"worksheet>"
    kids = None
    last = data.rfind(root_close)
    if last > end and not data[last + len(root_close):].strip():
        before = _top_children(data[root.end():opening.start()], p)
        after = _top_children(data[end + len(close):last], p)
        if before is not None and after is not None:
            kids = before + after
    return _SheetSplit(data[:root.end()], root.group(0), opening.group(0),
                       close + root_close, rows,
                       data[:opening.start()] + data[end + len(close):], root_close, kids)


# Children of <worksheet> that never occur deeper (extLst does: it stays with the child before it).
_TOP_NAMES = [n for n in WORKSHEET_ORDER if n not in ("sheetData", "extLst")]


def _alternation(words: list[str]) -> str:
    """A regex matching any of words, as a tree that branches one character at a time
    ('d(?:ata(?:Consolidate|Validations)|imension|…)'): re tries far fewer alternatives
    at each position than with a flat 'a|b|c|…'."""
    tree: dict = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here

    def pattern(node: dict) -> str:
        branches = [re.escape(ch) + pattern(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(tree)


@functools.lru_cache(maxsize=16)
def _top_re(p: bytes) -> re.Pattern:
    return re.compile(b"<" + re.escape(p) + b"(?:" + _alternation(_TOP_NAMES).encode() + rb")(?=[\s/>])")


def _top_children(content: bytes, p: bytes) -> list[bytes] | None:
    """content (children of the root) cut before each child that can only be a child of
    the root; None if it holds comments, CDATA or processing instructions.  Each piece is
    whole elements (a damaged one does not parse when it is parsed)."""
    if _has_decl(content):
        return None
    starts = [m.start() for m in _top_re(p).finditer(content)]
    if not starts:
        return [content] if content.strip() else []
    if content[:starts[0]].strip():
        return None
    starts.append(len(content))
    return [content[starts[i]:starts[i + 1]] for i in range(len(starts) - 1)]


_ROW_NUM = re.compile(rb"""\sr\s*=\s*(?:"([0-9]+)"|'([0-9]+)')""")


def _narrow_rows(only_a: list[bytes], only_b: list[bytes], p: bytes) -> tuple[list[bytes], list[bytes]]:
    """Rows found on one side only, cut down to their cells found on one side only when a
    row of the same number is on the other side (the row's opening tag is kept, so the
    copy's is still parsed).  Facts of identical cells cancel out as those of rows do."""
    def by_num(rows: list[bytes]) -> dict[bytes, int | None]:
        out: dict[bytes, int | None] = {}
        for i, row in enumerate(rows):
            m = _ROW_NUM.search(row, 0, row.find(b">"))
            if m:
                num = m.group(1) or m.group(2)
                out[num] = None if num in out else i  # a number seen twice: left whole
        return out

    opening, close = b"<" + p + b"c ", b"</" + p + b"row>"
    b_nums = by_num(only_b)
    only_a, only_b = list(only_a), list(only_b)
    for num, i in by_num(only_a).items():
        j = b_nums.get(num)
        if i is None or j is None:
            continue
        a_split, b_split = _row_cells(only_a[i], opening, close), _row_cells(only_b[j], opening, close)
        if a_split is None or b_split is None:
            continue
        a_cells, b_cells = set(a_split[1]), set(b_split[1])
        if len(a_cells) != len(a_split[1]) or len(b_cells) != len(b_split[1]):
            continue  # repeated cells: counted as rows are (whole)
        kept_a = [c for c in a_split[1] if c not in b_cells]
        kept_b = [c for c in b_split[1] if c not in a_cells]
        only_a[i] = a_split[0] + (opening + opening.join(kept_a) if kept_a else b"") + close
        only_b[j] = b_split[0] + (opening + opening.join(kept_b) if kept_b else b"") + close
    return only_a, only_b


def _row_cells(row: bytes, opening: bytes, close: bytes) -> tuple[bytes, list[bytes]] | None:
    """(opening tag, cells without their leading '<c ') of a <row> element cut before each
    '<c ', or None if not that simple.  Rows hold no comments / CDATA here (see
    _split_rows), and '<' cannot occur in attribute values or text, so each '<c ' starts
    a cell element."""
    first = row.find(opening)
    if first < 0 or not row.endswith(close):
        return None
    head = row[:first]
    if head.count(b"<") != 1 or head.rstrip()[-1:] != b">" or head.rstrip().endswith(b"/>"):
        return None
    return head, row[first + len(opening):len(row) - len(close)].split(opening)


def _xmlns(tag: bytes) -> dict[bytes, bytes]:
    return {m.group(1) or b"": m.group(2) if m.group(2) is not None else m.group(3)
            for m in _XMLNS_RE.finditer(tag)}


def _check_wellformed(doc: bytes) -> None:
    """Raise ET.ParseError unless doc is well-formed, namespaces included (as ET.fromstring)."""
    parser = expat.ParserCreate(None, "}")
    try:
        parser.Parse(doc, True)
    except expat.ExpatError as exc:
        raise ET.ParseError(str(exc)) from None


def _multiset_split(a: list[bytes], b: list[bytes]) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """(a - b, b - a, a & b) as multisets, as Counter's elements() lists them (grouped by
    element, in order of first occurrence).  Without repeated elements: plain set lookups."""
    a_set, b_set = set(a), set(b)
    if len(a_set) == len(a) and len(b_set) == len(b):
        return ([x for x in a if x not in b_set], [x for x in b if x not in a_set],
                [x for x in a if x in b_set])
    a_count, b_count = Counter(a), Counter(b)
    return (list((a_count - b_count).elements()), list((b_count - a_count).elements()),
            list((a_count & b_count).elements()))


def _sheet_xml_delta(a: _SheetFacts, a_xml: bytes, a_targets: dict, b: _SheetFacts, b_xml: bytes,
                     b_targets: dict) -> bool:
    """Add to a and b the facts of what differs between two sheet XMLs: the XML outside
    <sheetData> and the rows found on one side only (the copy's are always parsed, so
    a damaged row is noticed).  False: not split that way (the caller then compares
    complete facts)."""
    sa, sb = _split_sheet(a_xml), _split_sheet(b_xml)
    if sa is None or sb is None or sa.sheet_data != sb.sheet_data:
        return False
    if sa.root_tag != sb.root_tag:
        a_ns, b_ns = _xmlns(sa.root_tag), _xmlns(sb.root_tag)
        if any(b_ns.get(prefix) != uri for prefix, uri in a_ns.items()):
            return False  # the common rows would not mean the same (or not parse) in the copy
    rows_a, rows_b, common = _multiset_split(sa.rows, sb.rows)
    if a_targets != b_targets and b"hyperlink" in b"".join(common):
        return False  # common rows whose (misplaced) hyperlinks could point elsewhere now
    if sa.rest != sb.rest or a_targets != b_targets:
        if sa.kids is None or sb.kids is None:
            _note_tree(a, ET.fromstring(sa.rest), a_targets)
            _note_tree(b, ET.fromstring(sb.rest), b_targets)
        else:  # only the root's children that differ (and, if targets differ, hyperlinks)
            kids_a, kids_b, common = _multiset_split(sa.kids, sb.kids)
            both = [kid for kid in common if b"hyperlink" in kid] if a_targets != b_targets else []
            kids_a = b"".join([*kids_a, *both])
            kids_b = b"".join([*kids_b, *both])
            if kids_a and _may_have_facts(kids_a):
                _note_tree(a, ET.fromstring(sa.root + kids_a + sa.root_close), a_targets)
            if kids_b:
                doc = sb.root + kids_b + sb.root_close
                if _may_have_facts(kids_b):
                    _note_tree(b, ET.fromstring(doc), b_targets)
                else:
                    _check_wellformed(doc)
    rows_a, rows_b = _narrow_rows(rows_a, rows_b, sa.root_close[2:-len(b"worksheet>")])
    only_a = b"".join(rows_a)
    if only_a and _may_have_facts(only_a):
        _note_tree(a, ET.fromstring(sa.root + sa.sheet_data + only_a + sa.close), a_targets)
    only_b = b"".join(rows_b)
    if only_b:
        doc = sb.root + sb.sheet_data + only_b + sb.close
        if _may_have_facts(only_b):
            _note_tree(b, ET.fromstring(doc), b_targets)
        else:
            _check_wellformed(doc)
    return True


def _compare_sheet(name: str, a: _SheetFacts, b: _SheetFacts) -> list[str]:
    where = f"工作表“{name}”的"
    out = [f"{where}合并单元格 {r} 丢失" for r in sorted(a.merges - b.merges)]
    out += [f"{where}数据验证 {r} 丢失" for r in sorted(a.validations - b.validations)]
    out += [f"{where}条件格式 {r} 丢失" for r in sorted(a.formats - b.formats)]
    out += [f"{where}超链接 {r}（{t}）丢失" for r, t in sorted(a.hyperlinks - b.hyperlinks)]
    out += [f"{where}扩展内容 {u} 丢失" for u in sorted(a.ext_uris - b.ext_uris)]
    if b.sparklines < a.sparklines:
        lost = a.sparklines - b.sparklines
        out.append(f"{where}迷你图组少了 {lost} 个（原 {a.sparklines} 个，现 {b.sparklines} 个）")
    if b.uncached > a.uncached:
        out.append(f"{where}公式缓存值丢失 {b.uncached - a.uncached} 个")
    for kind, target in sorted(a.rels - b.rels):
        out.append(f"{where}{_REL_KINDS.get(kind, kind)} {target} 丢失")
    for label, count in a.drawing_counts.items():
        now = b.drawing_counts.get(label, 0)
        if now < count:
            out.append(f"{where}{label}少了 {count - now} 个（原 {count} 个，现 {now} 个）")
    for ref, text in sorted(a.comments.items()):
        if ref not in b.comments:
            out.append(f"{where}批注 {ref} 丢失")
        elif not b.comments[ref].startswith(text):
            out.append(f"{where}批注 {ref} 的原文被改动")
    return out


def _compare_names(old: _Snapshot, new: _Snapshot, replaced: set[str] = frozenset()) -> list[str]:
    if old.wb.part == new.wb.part and _same_stored(old.pkg, old.wb.part, new.pkg, new.wb.part):
        return []  # same workbook.xml: same names, same sheet order
    out = []
    old_names, new_names = old.defined_names(), new.defined_names()
    for (name, sheet), text in sorted(old_names.items()):
        if sheet in replaced:          # e.g. the autofilter range of a replaced 审核结果
            continue
        label = f"定义名称 {name}" + (f"（工作表“{sheet}”）" if sheet else "")
        if (name, sheet) not in new_names:
            out.append(f"{label} 丢失")
        elif new_names[(name, sheet)] != text:
            out.append(f"{label} 被改动：原为 {text}，现为 {new_names[(name, sheet)]}")
    return out


def _compare_members(old: _Snapshot, new: _Snapshot) -> list[str]:
    flexible = _Flexible(old)
    same_types = _same_stored(old.pkg, _ContentTypes.PATH, new.pkg, _ContentTypes.PATH)
    out = []
    for info in old.pkg.infos:
        name = info.filename
        if name.endswith("/"):
            continue
        new_name = new.pkg.name(name)
        if new_name is None:
            if name not in flexible:
                out.append(f"文件部件 {name} 丢失")
            continue
        if not _same_stored(old.pkg, old.pkg.name(name), new.pkg, new_name) and name not in flexible \
                and old.pkg.read(name) != new.pkg.read(new_name):
            out.append(f"文件部件 {name} 的内容被改动")
        if not same_types and name != _ContentTypes.PATH and not name.lower().endswith(".rels") \
                and old.ct.of(name) != new.ct.of(name):
            out.append(f"文件部件 {name} 的内容类型改变：原为 {old.ct.of(name)}，现为 {new.ct.of(name)}")
    return out
