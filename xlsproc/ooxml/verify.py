"""verify_preserved: what a copy lost compared with its source.
"""
from __future__ import annotations

import functools
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.parsers import expat

from xlsproc.ooxml.markup import _Q, _TAG, _attrs, _by_content, _plain_prefix, _unescape, _x_escape
from xlsproc.ooxml.package import _ContentTypes, _Package, _Rels, _rels_path
from xlsproc.ooxml.workbook import _SheetInfo, _Workbook
from xlsproc.ooxml.sheet import KEEP, WORKSHEET_ORDER, _SheetXml, _row_tag_re
from xlsproc.ooxml.sheetmap import map_sheet
from xlsproc.refs import parse_cell as _parse_ref

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
        return {self.pkg.name(n) or n for n in names} | set(self.threads())

    def threads(self) -> dict[str, str]:
        """Threaded comment parts and the person list (our note becomes a reply by "xlsproc"):
        member name → the element every one of whose occurrences the copy must keep as written."""
        found = {r["part"]: "person" for r in self.wb.rels.items if r.get("part") and _rel_kind(r) == "person"}
        for info in self.wb.sheets:
            if info.part and self.pkg.has(_rels_path(info.part)):
                found.update({r["part"]: "threadedComment" for r in self.rels(info.part).items
                              if r.get("part") and _rel_kind(r) == "threadedComment"})
        return {self.pkg.name(n) or n: local for n, local in found.items()}

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
    return out + _threads_kept(old, new)


def _threads_kept(old: _Snapshot, new: _Snapshot) -> list[str]:
    """Replies are only added to threads (and a person to the list): every element the source's
    parts hold is still in the copy's, exactly as written."""
    out = []
    for name, local in old.threads().items():
        new_name = new.pkg.name(name)
        if new_name is None or not old.pkg.has(name) or _same_stored(old.pkg, name, new.pkg, new_name):
            continue
        before, after = old.pkg.text(name), new.pkg.text(new_name)
        pattern = re.compile(rf"<(?:[\w.\-]+:)?{local}(?=[\s/>]){_Q}(?:/>|>.*?</(?:[\w.\-]+:)?{local}>)", re.S)
        lost = sum(1 for m in pattern.finditer(before) if m.group(0) not in after)
        ET.fromstring(after.encode())                           # well-formed (ParseError: unreadable)
        if lost:
            out.append(f"文件部件 {name} 中有 {lost} 条{'线程批注' if local == 'threadedComment' else '人员'}丢失或被改动")
    return out


# ---------------------------------------------------------------------------
# What was applied: each patched cell once, with its new value and style


def check_applied(name: str, xml: str, applied: dict[str, tuple[int, object]], plain: bool | None = None,
                  rows: dict[int, list[tuple[int, int]]] | None = None) -> list[str]:
    """Chinese descriptions of patched cells of the copy's sheet XML `xml` that are not there
    exactly once (outside comments: cells are found as an XML parser finds them) with the value
    and style the editor wrote (`applied`: ref → (style index, value; KEEP: value unchanged)).
    plain: whether string searches read xml exactly (see _plain_prefix; None: find out).
    rows: for plain XML, row number → (start, end) in xml of every row of that number, as the
    string editor's own scan of the sheet found them (_SheetXml.edited_rows): only those rows
    are read, each checked to be a row of that number (else every row is scanned again)."""
    if not applied:
        return []
    wanted = {_parse_ref(ref): ref for ref in applied}
    if plain is None:
        plain = _plain_prefix(xml, "worksheet") is not None
    try:
        found = _cells_at(xml, wanted, plain, rows)
    except ValueError as exc:
        return [f"工作表“{name}”的副本无法读取：{exc}"]
    problems = []
    for position, ref in wanted.items():
        style, value = applied[ref]
        cells, where = found.get(position, []), f"工作表“{name}”的单元格 {ref}"
        if not cells:
            problems.append(f"{where} 未写入副本")
        elif len(cells) > 1:
            problems.append(f"{where} 在副本中出现 {len(cells)} 次（应为 1 次）")
        else:
            attrs, v, inline = cells[0]
            if int(attrs.get("s") or 0) != style:
                problems.append(f"{where} 的格式（填充色）未按要求写入")
            if value is not KEEP and not _same_value(value, attrs.get("t"), v, inline):
                problems.append(f"{where} 的值未按要求写入")
    return problems


def _same_value(value: object, cell_type: str | None, v: str | None, inline: str | None) -> bool:
    if isinstance(value, str):
        return cell_type == "inlineStr" and inline == _x_escape(value)
    if isinstance(value, bool):
        return cell_type == "b" and v == str(int(value))
    try:
        return cell_type in (None, "n") and v is not None and float(v) == float(value)
    except ValueError:
        return False


def _cells_at(xml: str, wanted, plain: bool, rows: dict[int, list[tuple[int, int]]] | None = None
              ) -> dict[tuple[int, int], list[tuple[dict, str | None, str | None]]]:
    """(attributes, <v> text, <is> text) of every cell at the wanted positions (rows: see
    check_applied)."""
    out: dict[tuple[int, int], list] = {}
    if not plain:
        for row in map_sheet(xml).rows:
            for cell in row.cells:
                if (cell.row, cell.col) in wanted:
                    out.setdefault((cell.row, cell.col), []).append((cell.attrs, cell.value, cell.inline))
        return out
    sheet = _SheetXml(xml)                    # plain XML: the string scans are exact
    by_row: dict[int, set[int]] = {}
    for r, c in wanted:
        by_row.setdefault(r, set()).add(c)
    found = _known_rows(sheet, rows, by_row) if rows is not None else None
    if found is None:                         # every row scanned
        start, end = sheet.data_span()
        data = sheet.xml[start:end]
        nums, starts, ends = sheet._rows(data)
    else:
        data = xml
        nums, starts, ends = found
    v_re, t_re = _value_res(sheet.p)
    for num, s, e in zip(nums, starts, ends):
        cols = by_row.get(num - 1)
        if cols is None:
            continue
        row_xml = data[s:e]
        head = sheet.row_open.match(row_xml)
        if head.group(1):
            continue
        for col, cs, ce, _ in sheet._cells(row_xml, head.end()):
            if col in cols:
                cell = row_xml[cs:ce]
                attrs = _attrs(_TAG.match(cell).group(0))
                v = v_re.search(cell)
                texts = t_re.findall(cell) if "is>" in cell else None
                out.setdefault((num - 1, col), []).append((attrs, v and _unescape(v.group(1)),
                                                           None if texts is None else _unescape("".join(texts))))
    return out


def _known_rows(sheet: _SheetXml, rows: dict[int, list[tuple[int, int]]], by_row: dict[int, set[int]]
                ) -> tuple[list[int], list[int], list[int]] | None:
    """(numbers, starts, ends) of the given rows of the wanted numbers, or None unless each
    span is a whole <row> element of its number in sheet.xml (r attribute first, as the
    string editor writes and numbers every row it touches)."""
    xml, nums, starts, ends = sheet.xml, [], [], []
    expected = getattr(rows, "row_tags", None)
    if expected is not None and xml.count(f"<{sheet.p}row", *sheet.data_span()) != expected:
        return None                     # a row came or went since the edits: read them all
    close = f"</{sheet.p}row>"
    match = _row_tag_re(sheet.p).match
    for r in by_row:
        spans = rows.get(r + 1)
        if not spans:
            return None
        for s, e in spans:
            head = match(xml, s, e)     # (a row ends at the first </row> after its tag, as _rows reads it)
            if head is None or head.group(1) != str(r + 1) or not (
                    head.end() == e if head.group(2).endswith("/") else xml.find(close, head.end(), e) == e - len(close)):
                return None
            nums.append(r + 1)
            starts.append(s)
            ends.append(e)
    return nums, starts, ends


@functools.lru_cache(maxsize=16)
def _value_res(p: str) -> tuple[re.Pattern, re.Pattern]:
    return (re.compile(rf"<{p}v(?=[\s>])[^>]*>([^<]*)</{p}v>"),
            re.compile(rf"<{p}t(?=[\s>])[^>]*>([^<]*)</{p}t>"))
