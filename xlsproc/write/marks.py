"""What xlsproc adds to an annotated copy, and how it knows that copy again when it comes back.

The bureau's round trip: an officer gets the annotated copy, fixes it, sends the copy itself back
(saved by Excel, WPS or LibreOffice); it is checked again, maybe five times.  Each round must
start from *her* workbook, not from ours: before annotating, xlsproc takes its own marks off —
its comments (hers stay, also when ours was appended to hers), the fills it set (the cell gets
back the fill it had; the rest of its style, her later changes included, stays), its 审核结果 and
自评报告 sheets — and then annotates as if the workbook were new.  A fixed cell ends clean; a
problem that remains has one current comment; nothing accumulates.

How a copy is known: every copy carries a record sheet (RECORD_SHEET, very hidden) listing
what xlsproc added — its sheets (by the names they were given: an officer's own sheet called
审核结果 or 自评报告 is hers and is never touched; ours then get another name), every cell it
restyled with our fill, our comment text and the fill the cell had before, every blank cell
it filled with a computed value, and — when a filled value made the copy ask Excel to recalculate
on opening (fullCalcOnLoad) — her <calcPr> as it was, put back by the next round unless that
round writes a value again (and her empty <definedNames/>, which our sheet's name filled).
Everything is text, so it survives Excel, WPS, LibreOffice and openpyxl rewriting the package
(style indices, part names and comment authors do not).

Threat model (issue 12 #5).  The record is workbook content the submitter controls: anyone can
write a sheet that looks like ours.  What a forged record could buy:
* its 代填 list ("xlsproc filled H25") would make a value the officer typed count as a blank of
  ours — hiding a false reported total behind an info note.  So the 代填 list is trusted only
  when the record carries a valid HMAC-SHA256 under this installation's secret key (KEY_ENV, or
  a 32-byte key file created on first use in the user's configuration folder, readable by that
  user only).  The MAC covers every row of the record (sheets, cells, filled values), so a value
  edited since is not ours either.  Without it (a copy made by another installation, an edited
  or a forged record) every value in the workbook is the officer's.  A copy made on another
  computer (a department's own pre-check) is therefore read as hers; share the key file
  (KEY_ENV) between the bureau's computers to trust each other's copies.
* its other rows only make xlsproc remove things from its own annotated output: a comment whose
  text is exactly the recorded text, a fill that is exactly the recorded colour, a sheet by
  name — and never a sheet holding an evaluation table, which is read whatever the record says.
  The calc row can only put back a <calcPr> start tag that differs from the present one by our
  flag alone (else it only takes fullCalcOnLoad="1" off or back to "0"/"false").
  Scoring never depends on them (the workbook is read as submitted), so these cosmetic marks are
  taken off also for an unverified record, if it is hidden as ours are (a copy made by another
  installation): the officer could delete them herself.  A visible sheet that merely looks like
  a record is hers and stays; a forged record never hides a genuine one.
Stale values: a value we filled and she left alone is ours even if it no longer matches the
table (that is the point: it is computed again); the copy then carries the new value.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import io
import json
import os
import secrets
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from xlsproc.ooxml import unmark
from xlsproc.ooxml.patch import CellPatch, NewSheet

REVIEW_SHEET = "审核结果"
REPORT_SHEET = "自评报告"
RECORD_SHEET = "_xlsproc"
FILLED_TITLE = "xlsproc 代填的单元格（原为空白，已填入计算值；请核实后保留或改为您核定的值）"
FILLED_HEAD = ["序号", "工作表", "单元格", "填入值", "指标", "算式"]

RECORD_MAGIC = "xlsproc-marks"
RECORD_VERSION = "1"
RECORD_NOTE = "本表由 xlsproc 自动生成（隐藏），记录批注副本中由 xlsproc 添加的内容，供再次审核时去除；请勿修改。"
KEY_ENV = "XLSPROC_KEY_FILE"
KEY_BYTES = 32


# --- the installation's key -------------------------------------------------------------------

def key_path() -> Path:
    """Where this installation's key lives: $XLSPROC_KEY_FILE, else the user's config folder."""
    return Path(os.environ.get(KEY_ENV) or _default_key_path())


@functools.lru_cache(maxsize=1)
def _default_key_path() -> Path:
    if os.name == "nt" and os.environ.get("APPDATA"):
        base = Path(os.environ["APPDATA"])
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "xlsproc" / "copy.key"


def installation_key() -> bytes | None:
    """The secret key (created on first use, mode 0600); None when it cannot be read or made:
    copies are then written unsigned and no copy is trusted."""
    return _key_at(os.environ.get(KEY_ENV) or str(_default_key_path()))


@functools.lru_cache(maxsize=8)
def _key_at(path: str) -> bytes | None:
    """The key in this file, made first if there is none: written to a temporary name and
    linked into place, so that no process ever reads a half-written key."""
    file = Path(path)
    for _ in range(2):
        try:
            key = file.read_bytes()
            return key if len(key) >= 16 else None
        except FileNotFoundError:
            pass
        except OSError:
            return None
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".copy-key-", dir=file.parent)
        except OSError:
            return None
        try:
            try:
                os.write(fd, secrets.token_bytes(KEY_BYTES))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.link(tmp, file)              # fails if another process made one meanwhile
        except FileExistsError:
            pass
        except OSError:
            return None
        finally:
            os.unlink(tmp)
    return None


def _key_id(key: bytes | None) -> str:
    return hashlib.sha256(b"xlsproc key id\0" + key).hexdigest()[:16] if key else ""


def _mac(key: bytes, entries: list[str]) -> str:
    return hmac.new(key, _canonical(entries), hashlib.sha256).hexdigest()


def _canonical(entries: list[str]) -> bytes:
    """The record's entries as signed (line breaks unified, as a rewrite may change them)."""
    text = "\x1e".join(entries)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.encode("utf-8")


# --- writing the record ------------------------------------------------------------------------

def free_name(wanted: str, taken) -> str:
    """`wanted`, or 审核结果（xlsproc）, 审核结果（xlsproc2）… when a sheet of hers has that name."""
    lower = {t.lower() for t in taken}
    name, n = wanted, 1
    while name.lower() in lower:
        name = f"{wanted}（xlsproc{n if n > 1 else ''}）"
        n += 1
    return name


CHUNK = 200          # cells per entry (an entry is one cell's text: at most 32,767 characters)


def record_sheet(name: str, source: zipfile.ZipFile, ours: dict[str, str], patches: list[CellPatch],
                 filled: list[tuple[str, str, object, str | None]], restyled: dict,
                 workbook_before: dict | None = None) -> Callable[[], NewSheet]:
    """The record sheet, built once patch_xlsx has filled `restyled` ({(sheet, ref): (style
    before, after)}): what every restyled cell looked like before, from `source`'s styles;
    and `workbook_before` (patch_xlsx's: her <calcPr> start tag before we set fullCalcOnLoad,
    her empty <definedNames/>).

    Row 1: RECORD_MAGIC, RECORD_VERSION, the key's id, the MAC; then one entry a row, a JSON
    array in column A: ["sheet", name, role]; ["fills", [[<fill> a cell had, its applyFill], …]];
    ["calc", her <calcPr> start tag, or null when she had none] (only when this copy set
    fullCalcOnLoad; a record without it, from an older xlsproc, leaves the flag as it is);
    ["names", her empty <definedNames/>] (only when she wrote it so);
    ["cells", sheet, [[ref, our fill, note_key of our comment, index into fills], …]];
    ["filled", sheet, [[ref, value, cell_tags], …]] (at most CHUNK cells an entry)."""
    def build() -> NewSheet:
        comments: dict[tuple[str, str], str] = {}
        for patch in patches:
            if patch.comment:
                key = (patch.sheet, patch.ref)
                comments[key] = comments[key] + "\n\n" + patch.comment if key in comments else patch.comment
        fills = {(p.sheet, p.ref): p.fill.upper() for p in patches if p.fill}
        before = unmark.original_fills(source, {b for b, _ in restyled.values()})
        kinds = sorted(set(before.values()), key=str)
        index = {kind: i for i, kind in enumerate(kinds)}
        cells: dict[str, list] = {}
        for (sheet, ref), (style, _) in restyled.items():
            note = comments.get((sheet, ref))
            cells.setdefault(sheet, []).append([ref, fills.get((sheet, ref), ""),
                                                unmark.note_key(note) if note else "", index[before[style]]])
        values: dict[str, list] = {}
        for sheet, ref, value, tag in filled:
            values.setdefault(sheet, []).append([ref, value, tag])
        entries = [["note", RECORD_NOTE]] + [["sheet", sheet, role] for sheet, role in ours.items()]
        entries.append(["fills", [list(kind) for kind in kinds]])
        for kind in ("calc", "names"):
            if kind in (workbook_before or {}):
                entries.append([kind, workbook_before[kind]])
        for kind, by_sheet in (("cells", cells), ("filled", values)):
            for sheet, items in by_sheet.items():
                entries += [[kind, sheet, items[i:i + CHUNK]] for i in range(0, len(items), CHUNK)]
        texts = [_ENCODE(e) for e in entries]
        key = installation_key()
        head = [RECORD_MAGIC, RECORD_VERSION, _key_id(key), _mac(key, texts) if key else ""]
        return NewSheet(name=name, rows=[head] + [[t] for t in texts], state="veryHidden",
                        print_fit_width=False)
    return build


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def cell_tags(ev) -> dict[str, str]:
    """What each score cell of a table stands for — its indicator's name, 执行率, 执行得分, 总分:
    a value we filled is ours only in a cell that still stands for the same thing (rows may
    have been inserted above it since)."""
    tags = {ind.score.ref.cell: ind.name.text for ind in ev.indicators if ind.score.ref is not None}
    if ev.funds is not None:
        for cell, tag in ((ev.funds.rate, "执行率"), (ev.funds.score, "执行得分")):
            if cell.ref is not None:
                tags[cell.ref.cell] = tag
    if ev.total.ref is not None:
        tags[ev.total.ref.cell] = "总分"
    return tags


# --- reading it back ---------------------------------------------------------------------------

class Record:
    """A copy's record as read back: `trusted` when its MAC verifies under our key."""

    def __init__(self, name: str, entries: list[list], trusted: bool):
        self.name, self.trusted = name, trusted
        self.sheets: dict[str, str] = {}
        self.marks: list[unmark.Mark] = []
        self.filled: dict[tuple[str, str], tuple[object, str | None]] = {}
        # Her <calcPr> start tag before the copy set fullCalcOnLoad (None: she had none);
        # unmark.KEEP_CALC: the copy did not set it, or an older xlsproc made it.
        self.calc: str | None | object = next(
            (e[1] for e in entries if len(e) == 2 and e[0] == "calc" and (e[1] is None or isinstance(e[1], str))),
            unmark.KEEP_CALC)
        self.names: str | None = next(
            (e[1] for e in entries if len(e) == 2 and e[0] == "names" and isinstance(e[1], str)), None)
        fills = next((e[1] for e in entries if len(e) == 2 and e[0] == "fills" and isinstance(e[1], list)), [])
        for entry in entries:
            if len(entry) != 3 or not isinstance(entry[1], str) or not entry[1]:
                continue
            kind, sheet, items = entry
            if kind == "sheet" and isinstance(items, str):
                self.sheets[sheet] = items
            elif kind == "cells" and isinstance(items, list):
                self.marks += [m for item in items if (m := _mark(sheet, item, fills)) is not None]
            elif kind == "filled" and isinstance(items, list):
                for item in items:
                    if isinstance(item, list) and len(item) == 3 and isinstance(item[0], str) \
                            and isinstance(item[1], (int, float, str)):
                        self.filled[(sheet, item[0])] = (item[1], item[2] if isinstance(item[2], str) else None)


def _mark(sheet: str, item, fills: list) -> unmark.Mark | None:
    """One restyled cell of a "cells" entry, or None if it is not well-formed."""
    if not (isinstance(item, list) and len(item) == 4 and all(isinstance(x, str) for x in item[:3])
            and isinstance(item[3], int) and 0 <= item[3] < len(fills)):
        return None
    fill = fills[item[3]]
    if not (isinstance(fill, list) and len(fill) == 2 and isinstance(fill[0], str)):
        return None
    return unmark.Mark(sheet, item[0], item[1].upper(), item[2], fill[0],
                       fill[1] if isinstance(fill[1], str) else None)


def _entries(rows: list[list]) -> tuple[list[str], list[list]]:
    """(the entry texts as signed, the entries that parse) of the record's rows after the first."""
    texts, entries = [], []
    for row in rows:
        text = row[0] if row and isinstance(row[0], str) else ""
        texts.append(text)
        try:
            entry = json.loads(text)
        except ValueError:
            continue
        if isinstance(entry, list):
            entries.append(entry)
    return texts, entries


def is_record_name(name: str) -> bool:
    return name == RECORD_SHEET or name.startswith(RECORD_SHEET + "（")


def find_record(zf: zipfile.ZipFile, names: list[str] | None = None) -> Record | None:
    """The record of our marks in this workbook: one we verify, else the first well-formed hidden
    one (a copy made by another installation); None.  A visible sheet that only looks like a
    record is hers, and a forged one cannot hide ours."""
    names = unmark.sheet_names(zf) if names is None else names
    first, hidden = None, None
    for name in names:
        if not is_record_name(name):
            continue
        found = _record(name, unmark.sheet_rows(zf, name))
        if found is not None and found.trusted:
            return found
        if found is not None and first is None:
            hidden = unmark.hidden_sheets(zf) if hidden is None else hidden
            first = found if name in hidden else None
    return first


def _record(name: str, rows: list[list] | None) -> Record | None:
    """The record in these rows of sheet `name`, verified; None if they are not a record."""
    if not rows or len(rows[0]) < 4 or rows[0][0] != RECORD_MAGIC or rows[0][1] != RECORD_VERSION:
        return None
    key = installation_key()
    texts, entries = _entries(rows[1:])
    trusted = bool(key) and rows[0][2] == _key_id(key) and isinstance(rows[0][3], str) \
        and hmac.compare_digest(rows[0][3], _mac(key, texts))
    return Record(name, entries, trusted)


def legacy_record(path: Path, data: bytes | None = None) -> Record | None:
    """The record in a workbook that is not a zip (our copy saved as .xls), read with calamine."""
    try:
        import python_calamine as calamine
        wb = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) if data is not None \
            else calamine.load_workbook(str(path))
        first = None
        for meta in wb.sheets_metadata:
            if is_record_name(meta.name):
                found = _record(meta.name, wb.get_sheet_by_name(meta.name).to_python())
                if found is not None and found.trusted:
                    return found
                if first is None and str(meta.visible) != "SheetVisibleEnum.Visible":
                    first = found
        return first
    except Exception:       # noqa: BLE001 — no readable record: the workbook is hers
        return None


def may_be_copy(visible_sheets) -> bool:
    """Whether a workbook with these visible sheets may be a copy of ours: each shows our
    审核结果 (or 审核结果（xlsproc…）).  Without it the record is not looked for — a copy whose
    审核结果 she deleted is then read as hers, the safe side."""
    return any(name.startswith(REVIEW_SHEET) for name in visible_sheets)


def filled_cells(path: Path, data: bytes | None = None) -> dict[tuple[str, str], tuple[object, str | None]]:
    """{(sheet, cell): (value xlsproc filled in, what the cell stood for: cell_tags)} from a copy
    xlsproc can verify it made, else {}: a 代填 list in any other workbook is the submitter's
    word, not ours (see the module notes)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as zf:
            if not unmark.may_hold(zf, RECORD_SHEET.encode()):
                return {}
            record = find_record(zf)
    except zipfile.BadZipFile:
        record = legacy_record(path, data)
    except (OSError, KeyError, ValueError, UnicodeDecodeError):
        return {}
    return record.filled if record is not None and record.trusted else {}


def officer_workbook(zf: zipfile.ZipFile, tables: set[str]) -> tuple[zipfile.ZipFile, list[str]]:
    """(the workbook without our marks, its sheet names): `zf` itself when it carries no record;
    else a new in-memory zip without our sheets (never one holding a table), comments and fills."""
    names = unmark.sheet_names(zf)
    record = find_record(zf, names) if any(is_record_name(n) for n in names) else None
    if record is None:
        return zf, names
    drop = {n for n in record.sheets if n in names and n not in tables} | {record.name}
    try:
        data = unmark.strip(zf, [m for m in record.marks if m.sheet not in drop], drop,
                            calc=record.calc, names=record.names)
    except (ValueError, KeyError, IndexError, zipfile.BadZipFile):
        return zf, names                    # a copy we cannot take apart: annotated as it is
    return zipfile.ZipFile(io.BytesIO(data)), [n for n in names if n not in drop]
