"""Surgical edits of .xlsx / .xlsm packages.

An openpyxl load-modify-save rewrites the whole package and silently drops text
boxes, sparklines, cached formula results and (without Pillow) images.  This
module changes only the parts it must — the patched sheets' XML, styles.xml, the
comments / VML parts, relationship parts, [Content_Types].xml and workbook.xml —
and copies every other zip member byte for byte (the raw compressed stream, so
the same bytes and the same compression).

Sheet XML is edited at string level (regex + slicing) and never re-serialised:
namespace prefixes, mc:Ignorable, shared formulas, rich text, x14 extensions
and unknown elements survive untouched.  Where string searches cannot read a sheet
exactly (markup._plain_prefix: a second prefix for the main namespace, comments, CDATA,
processing instructions) its rows and cells are found by expat instead and the same
splicing happens at those spans (sheetmap.py); what cannot be edited safely there is
refused with a Chinese ValueError.  verify=True also checks what was applied: each
patched cell exists once, outside comments, with its new value and style.

The package is split by OOXML part, as openpyxl and xlsxwriter split theirs:
markup (string helpers, escaping), package (zip in/out, relationships, content types —
the one place that knows part names), workbook, styles, sheet (+ sheetmap), comments
(+ VML), newsheet, verify and this module (the orchestration).

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
* writing a value into a cell sets <calcPr fullCalcOnLoad="1"/>: Excel and WPS then
  recalculate her formulas on opening, so a total over the scores we filled in is not
  left showing the result cached without them (LibreOffice ignores the flag and follows
  its own "recalculation on file load" setting); the calcPr she had is reported
  (workbook_before) for the copy's record, and the next round puts it back (unmark.strip)
  unless it writes a value again;
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
* a note on a cell that has an Excel 365 threaded comment goes both into the legacy
  note kept as the thread's fallback (LibreOffice, older Excel, WPS) and, as a reply by
  the person "xlsproc", into the thread (Excel 365 shows only the thread); the person
  stays in the workbook's person list when a later round removes the reply;
* replacing an existing sheet by a NewSheet drops that sheet's relationships
  (its old drawings / comments parts stay in the package, unreferenced);
* parts must be UTF-8; zip64 packages (> 4 GiB) and Strict OOXML namespaces
  for newly created parts are not supported.
"""
from __future__ import annotations

import contextlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from xlsproc.refs import parse_cell as _parse_ref
from xlsproc.ooxml.package import _ContentTypes, _Package, _write
from xlsproc.ooxml.workbook import _SheetInfo, _Workbook, internal_location
from xlsproc.ooxml.styles import _LazyStyles
from xlsproc.ooxml.sheet import MAX_TEXT, _Edit, _SheetXml, _argb, _value_xml
from xlsproc.ooxml.comments import _Note, _apply_comments
from xlsproc.ooxml.sheetmap import sheet_editor
from xlsproc.ooxml.newsheet import NewSheet, _add_new_sheet
from xlsproc.ooxml.verify import (
    _Snapshot, _compare_members, _compare_names, _compare_sheets, check_applied, verify_preserved)

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
                 styles: _LazyStyles, wb: _Workbook) -> _SheetXml:
    sheet = sheet_editor(pkg.text(info.part))
    edits, notes = _collect(sheet, patches)
    if edits:
        sheet.edit_cells(edits, styles)
    if notes:
        _apply_comments(pkg, ct, info.part, sheet, notes, wb.rels)
    pkg.put(info.part, sheet.xml)
    return sheet


def patch_xlsx(src: Path, dst: Path, patches: list[CellPatch], new_sheets: list[NewSheet] = (), *,
               verify: bool = False, fsync: bool = True, atomic: bool = True,
               source: zipfile.ZipFile | None = None, restyled: dict | None = None,
               workbook_before: dict | None = None) -> list[str] | None:
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

    restyled: a dict that receives {(sheet, ref): (style index before, after)} for every cell
    whose fill a patch set (the cell a patch on a merged range went to).  It is complete when
    the new sheets are built: an entry of new_sheets may be a callable returning the NewSheet,
    called then (e.g. a sheet recording what the restyled cells looked like before).

    workbook_before: a dict that receives, complete when the new sheets are built, what of
    workbook.xml a later round must put back as it was (unmark.strip): "calc", her <calcPr>
    start tag (None: she had none) when a written value made this call set fullCalcOnLoad (not
    when nothing was written or she asked for recalculation herself); "names", her empty
    <definedNames/> when she wrote it so (a name for a new sheet makes it an element with
    content, and removing that name later leaves none).
    """
    src, dst = Path(src), Path(dst)
    if dst.exists() and os.path.samefile(src, dst):
        raise ValueError("输出文件不能与原文件相同")
    new_names = {ns.name.lower() for ns in new_sheets if not callable(ns)}
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
        edited = {name: _patch_sheet(pkg, ct, wb.worksheet(name), sheet_patches, styles, wb)
                  for name, sheet_patches in by_sheet.items()}
        removed_formula = any(sheet.removed_formula for sheet in edited.values())
        if restyled is not None:
            restyled.update(((name, ref), styles_) for name, sheet in edited.items()
                            for ref, styles_ in sheet.restyled.items())
        if any(patch.value is not None for patch in patches):
            before = wb.recalc_on_load()
            if workbook_before is not None and before is not None:
                workbook_before["calc"] = before[0]
        if workbook_before is not None and (closed := wb.closed_names()) is not None:
            workbook_before["names"] = closed
        new_sheets = [ns() if callable(ns) else ns for ns in new_sheets]
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
            for name, sheet in edited.items():
                # The string editor's output is as plain as its input: no need to look again.
                problems += check_applied(name, sheet.xml, sheet.applied, plain=sheet.plain,
                                          rows=sheet.edited_rows())
            return problems + _compare_members(old, new)
        except (zipfile.BadZipFile, ET.ParseError, KeyError, ValueError) as exc:
            return [f"无法读取副本或原文件：{exc}"]
