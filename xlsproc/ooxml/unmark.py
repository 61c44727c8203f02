"""Reading and removing what xlsproc added to a copy it made (the package side of write/marks.py).

Three things, all on an open .xlsx zip and all string-level edits like patch.py (every part not
named here is copied byte for byte):
* sheet_names / sheet_rows: the workbook's sheet names (hidden ones too) and the values of one
  sheet (inline, shared and formula strings, numbers), for the hidden record of our marks;
* original_fills: what a cell style's fill was before patch_xlsx replaced it;
* strip: the officer's workbook again — our sheets removed (with their defined names and tab
  indices fixed), our comments removed or cut out of hers (found by their text, so a note that
  moved with an inserted row is still found; VML note boxes, the comments part and the legacy
  drawing go when nothing is left), and the fill of every cell we coloured restored.

The copy may have been rewritten since by Excel, WPS, LibreOffice or openpyxl: nothing here relies
on part names, style indices, comment authors or run boundaries staying as we wrote them.
"""
from __future__ import annotations

import hashlib
import html
import re
import zipfile
from dataclasses import dataclass, replace
from xml.etree import ElementTree as ET

from xlsproc.refs import parse_cell

from xlsproc.ooxml.comments import thread_attr, thread_re, thread_text
from xlsproc.ooxml.markup import _attr, _attrs, _children, _element_span, _esc, _prefix, _set_attr
from xlsproc.ooxml.package import (USUAL_STYLES, USUAL_WORKBOOK, _ContentTypes, _Package,
                                   _rels_owner, _rels_path, _Rels, _write_package)
from xlsproc.ooxml.styles import _Styles
from xlsproc.ooxml.workbook import _Workbook

MAX_RECORD_BYTES = 4 << 20          # a record sheet (or shared strings) larger than this is not ours


def may_hold(zf: zipfile.ZipFile, name: bytes) -> bool:
    """False when the workbook certainly has no sheet named `name` (ASCII): a quick look at
    the workbook part for workbooks that keep it where nearly all do (USUAL_WORKBOOK)."""
    info = zf.NameToInfo.get(USUAL_WORKBOOK)
    if info is None or info.file_size > MAX_RECORD_BYTES:
        return True
    try:
        return b'"' + name in zf.read(info)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return True


def sheet_names(zf: zipfile.ZipFile) -> list[str]:
    """Every sheet's name, hidden ones included, in workbook order."""
    return [s.name for s in _Workbook(_Package(zf)).sheets]


def hidden_sheets(zf: zipfile.ZipFile) -> set[str]:
    """The names of the hidden and very hidden sheets."""
    wb = _Workbook(_Package(zf))
    found = set()
    for m in re.finditer(rf"<{wb.p}sheet(?=[\s/>])[^>]*>", wb.xml):
        attrs = _attrs(m.group(0))
        if attrs.get("state") in ("hidden", "veryHidden") and attrs.get("name"):
            found.add(attrs["name"])
    return found


def sheet_rows(zf: zipfile.ZipFile, name: str) -> list[list] | None:
    """The values of sheet `name` as rows of cells (None for an empty cell), or None when the
    sheet is missing, not a worksheet, too large or unreadable."""
    pkg = _Package(zf)
    wb = _Workbook(pkg)
    info = wb.sheet(name)
    if info is None or not info.is_worksheet or not info.part or not pkg.has(info.part):
        return None
    try:
        if pkg.info[pkg.name(info.part)].file_size > MAX_RECORD_BYTES:
            return None
        root = ET.fromstring(pkg.read(info.part))
        shared = None
        rows: dict[int, dict[int, object]] = {}
        for c in root.iter():
            if not c.tag.endswith("}c") and c.tag != "c":
                continue
            ref = c.get("r")
            if not ref:
                continue
            r, col = parse_cell(ref)
            kind, value = c.get("t"), None
            if kind == "inlineStr":
                value = "".join(t.text or "" for t in c.iter() if _local(t.tag) == "t")
            else:
                v = next((k for k in c if _local(k.tag) == "v"), None)
                if v is None or v.text is None:
                    continue
                if kind == "s":
                    if shared is None:
                        shared = _shared_strings(pkg, wb)
                    value = shared[int(v.text)]
                elif kind in ("str", "e"):
                    value = v.text
                elif kind == "b":
                    value = v.text == "1"
                else:
                    value = float(v.text)
            rows.setdefault(r, {})[col] = _unescape_x(value) if isinstance(value, str) else value
    except (ET.ParseError, KeyError, ValueError, IndexError, zipfile.BadZipFile):
        return None
    width = max((max(cols) + 1 for cols in rows.values()), default=0)
    return [[rows.get(r, {}).get(c) for c in range(width)] for r in range(max(rows, default=-1) + 1)]


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


_X_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape_x(text: str) -> str:
    """Excel's _xHHHH_ escapes (for characters XML cannot hold) back to the characters."""
    return _X_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _shared_strings(pkg: _Package, wb: _Workbook) -> list[str]:
    found = wb.rels.by_type("/sharedStrings")
    part = found[0].get("part") if found else None
    if not part or not pkg.has(part):
        return []
    if pkg.info[pkg.name(part)].file_size > MAX_RECORD_BYTES:
        raise ValueError("shared strings too large")
    out = []
    for si in ET.fromstring(pkg.read(part)):
        if _local(si.tag) == "si":     # rich text runs joined; phonetic (rPh) text left out
            out.append("".join(t.text or "" for t in _texts(si)))
    return out


def _texts(el):
    for kid in el:
        name = _local(kid.tag)
        if name == "t":
            yield kid
        elif name == "r":
            yield from (t for t in kid if _local(t.tag) == "t")


# --- what a style's fill was ------------------------------------------------------------------

def original_fills(zf: zipfile.ZipFile, xfs: set[int]) -> dict[int, tuple[str, str | None]]:
    """{cellXfs index: (its <fill> element with the prefix taken off, its applyFill or None)}.
    Workbooks of one template share styles.xml: the answer is kept per (its CRC, size, xfs)."""
    if not xfs:
        return {}
    info = zf.NameToInfo.get(USUAL_STYLES)
    if info is None:
        return _original_fills(zf, xfs)
    key = (info.CRC, info.file_size, frozenset(xfs))
    found = _FILLS_SEEN.get(key)
    if found is None:
        found = _original_fills(zf, xfs)
        if len(_FILLS_SEEN) >= 64:
            _FILLS_SEEN.clear()
        _FILLS_SEEN[key] = found
    return found


_FILLS_SEEN: dict[tuple, dict[int, tuple[str, str | None]]] = {}


def _original_fills(zf: zipfile.ZipFile, xfs: set[int]) -> dict[int, tuple[str, str | None]]:
    pkg = _Package(zf)
    styles = _Styles(pkg, _Workbook(pkg))
    cell_xfs, fills = styles.items("cellXfs"), styles.items("fills")
    out = {}
    for index in xfs:
        xf = cell_xfs[index] if index < len(cell_xfs) else (cell_xfs[0] if cell_xfs else "<xf/>")
        head = _attrs(xf[:xf.index(">") + 1])
        fill_id = int(head.get("fillId") or 0)
        fill = fills[fill_id] if fill_id < len(fills) else (fills[0] if fills else "")
        out[index] = (_unprefixed(fill, styles.p), head.get("applyFill"))
    return out


def _unprefixed(xml: str, p: str) -> str:
    return xml.replace(f"<{p}", "<").replace(f"</{p}", "</") if p else xml


def _prefixed(xml: str, p: str) -> str:
    return re.sub(r"<(/?)(?=[A-Za-z_])", lambda m: f"<{m.group(1)}{p}", xml) if p else xml


# --- taking the marks off ---------------------------------------------------------------------

@dataclass(frozen=True)
class Mark:
    """One cell we restyled and commented: its fill (ARGB) and the note_key of our comment as we
    wrote them, and the fill it had before (an unprefixed <fill> element, its applyFill)."""

    sheet: str
    ref: str
    fill: str
    note: str
    before_fill: str
    before_apply: str | None


def normalise(text: str) -> str:
    """Comment text as compared: line breaks unified, escapes undone, outer blanks dropped."""
    if "\r" in text or "_x" in text:
        text = _unescape_x(text).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def note_key(text: str) -> str:
    """'length:digest' of a comment's normalised text: how our comment is known again (the
    record need not carry the text itself)."""
    text = normalise(text)
    return f"{len(text)}:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}"


KEEP_CALC = object()        # strip(calc=): no record of the calcPr our copy changed: leave it


def strip(zf: zipfile.ZipFile, marks: list[Mark], sheets: set[str], calc: str | None | object = KEEP_CALC,
          names: str | None = None) -> bytes:
    """The package of `zf` without `sheets` and without the marks: a new zip's bytes.
    `calc`: her <calcPr> start tag before our copy set fullCalcOnLoad (None: she had none),
    put back (_Workbook.restore_calc); KEEP_CALC: the flag stays as it is.  `names`: her empty
    <definedNames/>, put back when removing our sheets' names leaves none (restore_names).

    The cell styles our last round appended (for its fills and its sheets), unused once the marks
    are off, are dropped from the end of styles.xml, so that rounds do not pile them up."""
    pkg = _Package(zf)
    wb, ct = _Workbook(pkg), _ContentTypes(pkg)
    had_names = _element_span(wb.xml, wb.p, "definedNames") is not None
    for name in sheets:
        _remove_sheet(pkg, ct, wb, name)
    if names is not None:
        wb.restore_names(names, had_names)
    if calc is not KEEP_CALC:
        wb.restore_calc(calc)
    by_sheet: dict[str, list[Mark]] = {}
    for mark in marks:
        by_sheet.setdefault(mark.sheet, []).append(mark)
    plans: dict[str, tuple[str, dict[str, Mark]]] = {}     # sheet part → (its XML, marks by ref)
    for name, sheet_marks in by_sheet.items():
        info = wb.sheet(name)
        if info is None or not info.is_worksheet or not pkg.has(info.part or ""):
            continue
        plans[info.part] = _unmark_sheet(pkg, ct, info.part, sheet_marks)
    if plans:
        before = _trim_styles(pkg, wb, plans)
        styles = _Styles(pkg, wb)
        for part, (xml, restyle) in plans.items():
            pkg.put(part, _restore_fills(xml, styles, restyle, *before))
        styles.save()
    wb.save()
    ct.save()
    return _write_package(pkg).getvalue()


def _unmark_sheet(pkg: _Package, ct: _ContentTypes, part: str, marks: list[Mark]) -> tuple[str, dict]:
    """Our comments off the sheet; (its XML, {cell now: mark} of the cells to restyle)."""
    xml = pkg.text(part)
    rels = _Rels(pkg, part)
    moved: dict[str, str] = {}          # the ref a mark was written at → where its comment is now
    found = [r for r in rels.by_type("/comments") if r.get("part") and pkg.has(r["part"])]
    if found:
        removed, moved, empty = _unmark_comments(pkg, found[0]["part"], marks)
        if removed:
            xml = _remove_note_boxes(pkg, ct, rels, xml, removed)
        if empty:
            pkg.remove(found[0]["part"])
            ct.remove_override(found[0]["part"])
            rels.remove(found[0]["Id"])
    keys = {mark.note for mark in marks if mark.note}
    for rel in rels.by_type("/threadedComment"):
        if rel.get("part") and pkg.has(rel["part"]) and keys:
            _unmark_threads(pkg, rel["part"], keys)
    rels.save()
    restyle: dict[str, Mark] = {}
    for mark in marks:
        restyle.setdefault(moved.get(mark.ref, mark.ref), mark)
    return xml, restyle


_STYLED_RE = re.compile(r"<(?:[\w.\-]+:)?(c|row|col)(?=[\s/>])[^>]*>")
_STYLE_ATTR = {"c": "s", "row": "s", "col": "style"}
_XF_REFS = (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders"))


def _trim_styles(pkg: _Package, wb: _Workbook, plans: dict[str, tuple[str, dict[str, Mark]]]
                 ) -> tuple[list[str], list[str]]:
    """Drop the cell styles at the end of cellXfs that no cell, row or column uses any more (the
    marked cells about to be restored do not count), then the fonts, fills and borders at the
    end of theirs that no remaining style refers to.  Only a tail goes: no index changes.
    Returns the cell styles and fills as they were before (what the marked cells have now)."""
    found = wb.rels.by_type("/styles")
    part = found[0].get("part") if found else None
    if not part or not pkg.has(part):
        return [], []
    xml = pkg.text(part)
    p = _prefix(xml, "styleSheet")
    items = {local: _section(xml, p, local) for local in ("cellXfs", "cellStyleXfs", "fonts", "fills", "borders")}
    if items["cellXfs"] is None:
        return [], items["fills"] or []
    cell_xfs, fills = items["cellXfs"], items["fills"] or []
    used, restoring = {0}, set()        # (the styles of cells to restore keep their fonts, borders)
    for info in wb.sheets:
        if not info.is_worksheet or not info.part or not pkg.has(info.part):
            continue
        text, restyle = plans.get(info.part, (None, {}))
        for m in _STYLED_RE.finditer(pkg.text(info.part) if text is None else text):
            tag, kind = m.group(0), m.group(1)
            value = _attr(tag, _STYLE_ATTR[kind])
            if not value or not value.isdigit():
                continue
            mark = restyle.get(_attr(tag, "r")) if kind == "c" and restyle else None
            if mark is not None and _our_fill(cell_xfs, fills, int(value), mark):
                restoring.add(int(value))
            else:
                used.add(int(value))
    keep = {"cellXfs": max(used) + 1}
    xfs = cell_xfs[:keep["cellXfs"]] + (items["cellStyleXfs"] or []) + \
        [cell_xfs[i] for i in restoring if i < len(cell_xfs)]
    for attr, local in _XF_REFS:
        refs = [int(v) for xf in xfs if (v := _attr(xf[:xf.index(">") + 1], attr)) and v.isdigit()]
        keep[local] = max(refs + [1 if local == "fills" else 0]) + 1
    for local, n in keep.items():
        if items[local] is not None and n < len(items[local]):
            xml = _truncated(xml, p, local, items[local][:n])
    if xml != pkg.text(part):
        pkg.put(part, xml)
    return cell_xfs, fills


def _section(xml: str, p: str, local: str) -> list[str] | None:
    span = _element_span(xml, p, local)
    if span is None:
        return None
    return [xml[s:e] for _, s, e in _children(xml, span[1], span[2])]


def _truncated(xml: str, p: str, local: str, items: list[str]) -> str:
    start, content, end, stop = _element_span(xml, p, local)
    head = _set_attr(xml[start:content], "count", str(len(items)))
    return xml[:start] + head + "".join(items) + f"</{p}{local}>" + xml[stop:]


def _unmark_comments(pkg: _Package, part: str, marks: list[Mark]) -> tuple[set, dict, bool]:
    """Remove our notes: a note that is ours entirely, or ours appended to hers (cut off, with
    the blank line before it).  Returns the cells whose note went, {ref written: ref now} for
    notes found elsewhere (rows inserted above), and whether no note is left."""
    xml = pkg.text(part)
    p = _prefix(xml, "comments")
    span = _element_span(xml, p, "commentList")
    if span is None:
        return set(), {}, False
    _, start, end, _ = span
    ours: dict[str, list[Mark]] = {}
    for mark in marks:
        ours.setdefault(mark.note, []).append(mark)
    lengths = sorted({int(k.split(":", 1)[0]) for k in ours if k.split(":", 1)[0].isdigit()})
    kept, removed, moved, changed = [], set(), {}, False
    for _, s, e in _children(xml, start, end):
        block = xml[s:e]
        ref = _attr(block[:block.index(">") + 1], "ref") or ""
        full = _block_text(block, p)
        body = full.rstrip()
        candidates = ours.get(note_key(body))
        if candidates:                                  # ours, whole
            _claim(candidates, ref, moved)
            removed.add(ref)
            changed = True
            continue
        for length in lengths:                          # ours, after hers
            if length >= len(body):
                break
            candidates = ours.get(note_key(body[-length:]))
            if candidates and body[-length - 1] in "\n \t":
                _claim(candidates, ref, moved)
                block = _cut(block, p, len(body) - length, len(full))
                changed = True
                break
        kept.append(block)
    if changed:
        pkg.put(part, xml[:start] + "".join(kept) + xml[end:])
    return removed, moved, changed and not kept


def _unmark_threads(pkg: _Package, part: str, keys: set[str]) -> None:
    """Our replies off the threads (replies, found by their text; a thread's first comment is
    always hers)."""
    xml = pkg.text(part)

    def drop(m: re.Match) -> str:
        if thread_attr(m, "parentId") is None:
            return m.group(0)
        return "" if note_key(thread_text(m)) in keys else m.group(0)
    kept = thread_re(_prefix(xml, "ThreadedComments")).sub(drop, xml)
    if kept != xml:
        pkg.put(part, kept)


def _claim(candidates: list[Mark], ref: str, moved: dict[str, str]) -> None:
    """Take the mark of this comment (the one written at `ref`, else the first with this text)."""
    mark = next((m for m in candidates if m.ref == ref), candidates[0])
    candidates.remove(mark)
    if mark.ref != ref:
        moved[mark.ref] = ref


_T_RE_CACHE: dict[str, re.Pattern] = {}


def _t_re(p: str) -> re.Pattern:
    """A <t> element of a comment's text (not inside phonetic runs, which are cut off first)."""
    found = _T_RE_CACHE.get(p)
    if found is None:
        found = _T_RE_CACHE[p] = re.compile(rf"<{p}t(?=[\s>/])[^>]*?(?:/>|>(.*?)</{p}t>)", re.S)
    return found


def _text_span(block: str, p: str) -> tuple[int, int]:
    """The part of a <comment> holding its visible text: <text> without phonetic runs."""
    span = _element_span(block, p, "text")
    if span is None:
        return 0, 0
    stop = span[2]
    phonetic = re.compile(rf"<{p}(?:rPh|phoneticPr)(?=[\s/>])").search(block, span[1], stop)
    return span[1], phonetic.start() if phonetic else stop


def _pieces(block: str, p: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each <t> of the comment's visible text (escapes undone, CRLF → LF)."""
    start, stop = _text_span(block, p)
    return [(m.start(), m.end(), _unescape_x(html.unescape(m.group(1) or "")).replace("\r\n", "\n"))
            for m in _t_re(p).finditer(block, start, stop)]


def _block_text(block: str, p: str) -> str:
    return "".join(t for _, _, t in _pieces(block, p))


def _cut(block: str, p: str, cut_from: int, cut_to: int) -> str:
    """The comment block with text[cut_from:cut_to] (and the line breaks before it) taken out of
    its runs; runs left empty go."""
    pieces = _pieces(block, p)
    full = "".join(t for _, _, t in pieces)
    while cut_from > 0 and full[cut_from - 1] in "\n\r":
        cut_from -= 1
    out, pos, offset = [], 0, 0
    for s, e, text in pieces:
        lo, hi = offset, offset + len(text)
        offset = hi
        if hi <= cut_from or lo >= cut_to:
            continue
        keep = text[:max(0, cut_from - lo)] + text[max(0, cut_to - lo):]
        tag = block[s:e]
        head = tag[:tag.index(">") + 1] if not tag.endswith("/>") else tag[:-2] + ">"
        out += [block[pos:s], f'{head}{_esc(keep)}</{p}t>']
        pos = e
    out.append(block[pos:])
    return re.sub(rf"<{p}r>(?:(?!</{p}r>).)*?<{p}t[^>]*></{p}t></{p}r>", "", "".join(out), flags=re.S)


_SHAPE_RE = re.compile(r"<v:shape(?=[\s>])(?:(?!</v:shape>).)*?</v:shape>\s*", re.S)
_ROW_RE = re.compile(r"<x:Row>\s*(\d+)\s*</x:Row>")
_COL_RE = re.compile(r"<x:Column>\s*(\d+)\s*</x:Column>")


def _remove_note_boxes(pkg: _Package, ct: _ContentTypes, rels: _Rels, xml: str, cells: set[str]) -> str:
    """Remove the VML note boxes of these cells; the VML part and <legacyDrawing> when empty."""
    p = _prefix(xml, "worksheet")
    tag = re.search(rf"<{p}legacyDrawing(?=[\s/>])[^>]*>", xml)
    rid = tag and re.search(r"""\s[\w.\-]+:id\s*=\s*["']([^"']*)["']""", tag.group(0))
    part = rels.part(rid.group(1)) if rid else None
    if not part or not pkg.has(part):
        return xml
    at = {parse_cell(ref) for ref in cells}

    def drop(m: re.Match) -> str:
        shape = m.group(0)
        if 'ObjectType="Note"' not in shape:
            return shape
        row, col = _ROW_RE.search(shape), _COL_RE.search(shape)
        return "" if row and col and (int(row.group(1)), int(col.group(1))) in at else shape

    vml = _SHAPE_RE.sub(drop, pkg.text(part))
    if "<v:shape " in vml or "<v:shape>" in vml:
        pkg.put(part, vml)
        return xml
    pkg.remove(part)
    ct.remove_override(part)
    rels.remove(rid.group(1))
    return xml[:tag.start()] + xml[tag.end():]


_CELL_OPEN_CACHE: dict[str, re.Pattern] = {}


def _restore_fills(xml: str, styles: _Styles, marks: dict[str, Mark], cell_xfs: list[str],
                   fills: list[str]) -> str:
    """Each marked cell still showing our fill gets the fill it had before (the rest of its
    style, her later changes included, stays).  cell_xfs, fills: the styles the cells have
    now (before _trim_styles took the unused ones off)."""
    p = _prefix(xml, "worksheet")
    cell_open = _CELL_OPEN_CACHE.get(p)
    if cell_open is None:
        cell_open = _CELL_OPEN_CACHE[p] = re.compile(rf"<{p}c(?=[\s/>])[^>]*>")
    out, pos = [], 0
    for m in cell_open.finditer(xml):
        tag = m.group(0)
        ref = _attr(tag, "r")
        mark = marks.get(ref) if ref else None
        if mark is None:
            continue
        index = int(_attr(tag, "s") or 0)
        if index >= len(cell_xfs):
            continue
        if not _our_fill(cell_xfs, fills, index, mark):
            continue                        # not our colour any more: hers
        xf = cell_xfs[index]
        head = xf[:xf.index(">") + 1]
        fill = styles.append("fills", _prefixed(mark.before_fill, styles.p)) if mark.before_fill else 0
        head = _set_attr(head, "fillId", str(fill))
        head = _set_attr(head, "applyFill", mark.before_apply) if mark.before_apply is not None \
            else re.sub(r"""\sapplyFill\s*=\s*("[^"]*"|'[^']*')""", "", head)
        restored = styles.append("cellXfs", head + xf[len(xf[:xf.index(">") + 1]):])
        new_tag = _set_attr(tag, "s", str(restored)) if restored else \
            re.sub(r"""\ss\s*=\s*("[^"]*"|'[^']*')""", "", tag)
        out += [xml[pos:m.start()], new_tag]
        pos = m.end()
    out.append(xml[pos:])
    return "".join(out)


def _our_fill(cell_xfs: list[str], fills: list[str], index: int, mark: Mark) -> bool:
    """Whether cell style `index` still has the fill we gave the marked cell."""
    if index >= len(cell_xfs):
        return False
    fill_id = _attr(cell_xfs[index][:cell_xfs[index].index(">") + 1], "fillId") or "0"
    return fill_id.isdigit() and int(fill_id) < len(fills) and _solid_colour(fills[int(fill_id)]) == mark.fill


_FG_RE = re.compile(r"""<(?:\w+:)?fgColor(?=[\s/>])[^>]*\srgb\s*=\s*["']([0-9A-Fa-f]{6,8})["']""")


def _solid_colour(fill: str) -> str | None:
    """The ARGB of a solid pattern fill, or None."""
    if "solid" not in fill:
        return None
    m = _FG_RE.search(fill)
    if not m:
        return None
    colour = m.group(1).upper()
    return "FF" + colour if len(colour) == 6 else colour


def _remove_sheet(pkg: _Package, ct: _ContentTypes, wb: _Workbook, name: str) -> None:
    """Take a sheet out of the workbook: its <sheet>, relationship, part and the defined names
    scoped to it; later sheets' localSheetId and the active / first tab shift down."""
    info = wb.sheet(name)
    if info is None:
        return
    index, p = info.index, wb.p
    xml = wb.xml
    sheet_tags = list(re.finditer(rf"<{p}sheet(?=[\s/>])[^>]*?/>", xml))
    if index >= len(sheet_tags):
        return
    tag = sheet_tags[index]
    xml = xml[:tag.start()] + xml[tag.end():]

    def rescope(m: re.Match) -> str:
        element = m.group(0)
        scope = _attr(element[:element.index(">") + 1], "localSheetId")
        if scope is None or not scope.isdigit():
            return element
        n = int(scope)
        if n == index:
            return ""
        return element if n < index else _set_attr_in(element, "localSheetId", str(n - 1))

    xml = re.sub(rf"<{p}definedName(?=[\s>])[^>]*>.*?</{p}definedName>|<{p}definedName(?=[\s/])[^>]*/>",
                 rescope, xml, flags=re.S)
    xml = _drop_emptied_names(xml, wb.xml, p)
    count = len(sheet_tags) - 1

    def views(m: re.Match) -> str:
        element = m.group(0)
        for attr in ("activeTab", "firstSheet"):
            value = _attr(element, attr)
            if value is not None and value.isdigit():
                n = int(value)
                n = n - 1 if n > index else (0 if n == index else n)
                element = _set_attr(element, attr, str(min(n, max(count - 1, 0))))
        return element

    xml = re.sub(rf"<{p}workbookView(?=[\s/>])[^>]*>", views, xml)
    wb.xml, wb.dirty = xml, True
    wb.sheets = [replace(s, index=i) for i, s in enumerate(s for s in wb.sheets if s.name != info.name)]
    if info.rid:
        wb.rels.remove(info.rid)
    if info.part:
        related = [r["part"] for r in _Rels(pkg, info.part).items if r.get("part") and pkg.has(r["part"])]
        pkg.remove(info.part)
        pkg.remove(_rels_path(info.part))
        ct.remove_override(info.part)
        _remove_orphans(pkg, ct, related)


def _drop_emptied_names(xml: str, before: str, p: str) -> str:
    """Without the <definedNames> that removing a sheet's names left empty: a workbook with no
    names has none (Excel writes none), as hers had before our sheet's name was added."""
    span = _element_span(xml, p, "definedNames")
    if span is None or xml[span[1]:span[2]].strip() or span[1] == span[3]:
        return xml
    old = _element_span(before, p, "definedNames")
    if old is None or not before[old[1]:old[2]].strip():
        return xml                      # empty before: as she wrote it
    return xml[:span[0]] + xml[span[3]:]


def _remove_orphans(pkg: _Package, ct: _ContentTypes, parts: list[str]) -> None:
    """Remove these parts (a removed sheet's drawings, printer settings…) unless another
    relationship part still refers to them."""
    if not parts:
        return
    referenced = set()
    for name in pkg.names():
        if name.endswith(".rels"):
            referenced |= {r.get("part") for r in _Rels(pkg, _rels_owner(name)).items}
    for part in parts:
        if part not in referenced:
            pkg.remove(part)
            pkg.remove(_rels_path(part))
            ct.remove_override(part)


def _set_attr_in(element: str, name: str, value: str) -> str:
    head = element[:element.index(">") + 1]
    return _set_attr(head, name, value) + element[len(head):]


__all__ = ["hidden_sheets", "may_hold", "Mark", "normalise", "note_key", "original_fills", "sheet_names", "sheet_rows", "strip", "KEEP_CALC"]
