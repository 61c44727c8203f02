"""Legacy notes: xl/commentsN.xml, their VML shapes, relationships and <legacyDrawing>; on a
cell with an Excel 365 thread, our note is also the thread's last reply (by the person xlsproc).
"""
from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from xlsproc.refs import cell_name as _ref, parse_cell as _parse_ref
from xlsproc.ooxml.markup import _Q, _attr, _children, _element_span, _esc, _plain_text, _prefix, _unescape
from xlsproc.ooxml.package import (
    CT_COMMENTS, CT_VML, NEW_PART_NAMES, NS_MAIN, REL_COMMENTS, REL_VML, XML_DECL, _ContentTypes,
    _Package, _Rels, office_document)
from xlsproc.ooxml.sheet import _SheetXml

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
                    notes: dict[tuple[int, int], _Note], workbook_rels: _Rels | None = None) -> None:
    """workbook_rels: the workbook's relationships the caller saves (a person list we make is
    added there; a separate copy of them would be overwritten when the caller saves its own)."""
    rels = _Rels(pkg, part)
    found = rels.by_type("/comments")
    comments_part = found[0]["part"] if found else pkg.free_name(NEW_PART_NAMES["comments"])
    existing = pkg.text(comments_part) if found else None
    xml, new_cells = _merge_comments(existing, notes)
    pkg.put(comments_part, xml)
    if not found:
        rels.add(REL_COMMENTS, comments_part)
    ct.ensure_override(comments_part, CT_COMMENTS)
    if new_cells:
        _add_vml_shapes(pkg, ct, rels, sheet, new_cells, notes)
    for rel in rels.by_type(REL_THREADS_SUFFIX):
        if rel.get("part") and pkg.has(rel["part"]):
            _reply_in_threads(pkg, ct, rel["part"], notes, workbook_rels)
    rels.save()


def _merge_comments(xml: str | None, notes: dict[tuple[int, int], _Note]) -> tuple[str, list]:
    """Comments XML with our notes added (xml None: a new comments part); returns it and the
    cells that got a new comment."""
    p, authors, blocks = "", [], {}
    if xml is not None:
        p = _prefix(xml, "comments")
        xml = _expand_empty(xml, p, "authors")
        xml = _expand_empty(xml, p, "commentList")
        authors = [_unescape(a) for a in re.findall(rf"<{p}author>(.*?)</{p}author>", xml, re.S)]
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
        vml_part = pkg.free_name(NEW_PART_NAMES["vml"])
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
# Threaded comments (Excel 365): a cell with a thread shows the thread, not its legacy note, so
# our note is also added to the thread as a reply by the person "xlsproc".

REL_THREADS_SUFFIX = "/relationships/threadedComment"
REL_PERSON = "http://schemas.microsoft.com/office/2017/10/relationships/person"
CT_PERSON = "application/vnd.ms-excel.person+xml"
NS_THREADS = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
PERSON_NAME = "xlsproc"
PERSON_ID = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "xlsproc:person")).upper() + "}"


@functools.lru_cache(maxsize=4)
def thread_re(p: str) -> re.Pattern:
    """One <threadedComment> element (prefix p): group 1 its attributes, group 2 its content."""
    return re.compile(rf"<{p}threadedComment(?=[\s/>])({_Q})(?:/>|>(.*?)</{p}threadedComment>)", re.S)


def thread_attr(m: re.Match, name: str) -> str | None:
    return _attr("<x" + m.group(1) + ">", name)


def thread_text(m: re.Match) -> str:
    """A threaded comment's text, as a parser reads it."""
    return _unescape(re.sub(r"<[^>]*>", "", m.group(2) or ""))


def _reply_id(parent: str, text: str) -> str:
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"xlsproc:reply:{parent}:{text}")).upper() + "}"


def _well_formed(xml: str) -> bool:
    try:
        ET.fromstring(xml.encode("utf-8"))
    except ET.ParseError:
        return False
    return True


def _reply_in_threads(pkg: _Package, ct: _ContentTypes, part: str,
                      notes: dict[tuple[int, int], _Note], workbook_rels: _Rels | None = None) -> None:
    """Our note as the last reply of the thread on its cell (once: not again when the thread
    already has it); cells without a thread keep only their legacy note."""
    xml = pkg.text(part)
    if not _well_formed(xml):
        return                  # left byte for byte: a reply spliced in would not make it readable
    p = _prefix(xml, "ThreadedComments")
    threads: dict[tuple[int, int], tuple[str, str, int, set]] = {}   # cell → (id, last dT, end, texts)
    parent_of: dict[str, tuple[int, int]] = {}
    for m in thread_re(p).finditer(xml):
        ident, parent, ref = thread_attr(m, "id"), thread_attr(m, "parentId"), thread_attr(m, "ref")
        text = thread_text(m)
        if parent is None and ref and ident:
            cell = _parse_ref(ref)
            if cell not in threads:
                threads[cell] = (ident, thread_attr(m, "dT") or "", m.end(), {text.strip()})
                parent_of[ident] = cell
        elif parent in parent_of:
            ident_, d_t, _, texts = threads[parent_of[parent]]
            texts.add(text.strip())
            d_t = max(d_t, thread_attr(m, "dT") or "")      # ISO times: the latest sorts last
            threads[parent_of[parent]] = (ident_, d_t, m.end(), texts)
    inserts = []
    for cell, note in notes.items():
        if cell not in threads or note.text.strip() in threads[cell][3]:
            continue
        ident, d_t, end, _ = threads[cell]
        shown = f' dT="{_esc(d_t)}"' if d_t else ""
        inserts.append((end, f'<{p}threadedComment ref="{_ref(*cell)}"{shown} personId="{PERSON_ID}" '
                             f'id="{_reply_id(ident, note.text)}" parentId="{ident}">'
                             f'<{p}text>{_esc(note.text)}</{p}text></{p}threadedComment>'))
    if not inserts:
        return
    if not _ensure_person(pkg, ct, workbook_rels):
        return                  # her person list unreadable: no reply by an author it lacks
    for end, element in sorted(inserts, key=lambda x: x[0], reverse=True):
        xml = xml[:end] + element + xml[end:]
    pkg.put(part, xml)


_EXT_LST = re.compile(r"<(?:[\w.\-]+:)?extLst(?=[\s/>])")


def _ensure_person(pkg: _Package, ct: _ContentTypes, workbook_rels: _Rels | None = None) -> bool:
    """The person "xlsproc" in the workbook's person list (made when there is none, related to
    the workbook in workbook_rels, which the caller saves; without them, here).  False (nothing
    changed) when her person list is not well-formed XML with a personList root."""
    rels = workbook_rels if workbook_rels is not None else _Rels(pkg, office_document(_Rels(pkg, "").items))
    found = [r["part"] for r in rels.by_type("/person") if r.get("part") and pkg.has(r["part"])]
    def person(p: str) -> str:
        return f'<{p}person displayName="{PERSON_NAME}" id="{PERSON_ID}" userId="{PERSON_NAME}" providerId="None"/>'
    if found:
        xml = pkg.text(found[0])
        if not _well_formed(xml):
            return False
        if PERSON_ID in xml:
            return True
        p = _prefix(xml, "personList")
        span = _element_span(xml, p, "personList")
        if span is None:
            return False
        if span[1] == span[3]:                                        # <personList/>
            xml = xml[:span[0]] + xml[span[0]:span[1]].replace("/>", ">").rstrip() \
                + person(p) + f"</{p}personList>" + xml[span[3]:]
        else:                                                         # before an extLst (schema order)
            ext = _EXT_LST.search(xml, span[1], span[2])
            at = ext.start() if ext else span[2]
            xml = xml[:at] + person(p) + xml[at:]
        pkg.put(found[0], xml)
        return True
    part = "xl/persons/person.xml" if not pkg.has("xl/persons/person.xml") \
        else pkg.free_name("xl/persons/person{}.xml")
    pkg.put(part, f'{XML_DECL}<personList xmlns="{NS_THREADS}" xmlns:x="{NS_MAIN}">'
                  f'{person("")}</personList>')
    ct.ensure_override(part, CT_PERSON)
    rels.add(REL_PERSON, part)
    if workbook_rels is None:
        rels.save()
    return True
