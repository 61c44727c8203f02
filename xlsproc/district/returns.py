"""Return packs: for each unit with something to fix, a folder to send back.

    RETURN_DIR/<单位>/  the unit's annotated copies + 问题通知单.xlsx

The notice lists 必须修改 (errors, unreadable files included) and 请核实 (warnings), each with
file, sheet, cell and what to do, in the catalogue's words; it prints on one A4 page (a list too
long to be read on one keeps its size over more pages). A unit
with nothing to fix gets no folder, and a folder written by an earlier run for a unit that is
now clean is removed (only what xlsproc wrote there: the folders it made are listed in
RETURN_DIR/.xlsproc-packs.json). Each folder is built under a temporary name and swapped in.

Public API (the CLI and the web server call it):

    packs = write_return_packs("审核结果", "退回")      # list[ReturnPack]
"""
from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from xlsproc.district.roster import RosterUnit, named_in_path
from xlsproc.district.sources import duplicate_text, entry_file, open_source, superseded
from xlsproc.errors import title
from xlsproc.fileio import legible, write_text_atomic
from xlsproc.model import FileEntry, TableEntry
from xlsproc.score.history import text_key, unit_key, unit_name

NOTICE = "问题通知单.xlsx"
LEDGER = ".xlsproc-packs.json"
UNKNOWN_UNIT = "未能识别单位的文件"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass
class Problem:
    file: str                      # the file's name in the pack (the annotated copy)
    sheet: str | None
    cell: str | None
    title: str
    what: str                      # what to do, in the bureau's words


@dataclass
class ReturnPack:
    unit: str
    folder: Path | None = None
    files: list[str] = field(default_factory=list)        # copies put in the folder
    sources: list[tuple[str, bool]] = field(default_factory=list)   # (path, annotated)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    tables: int = 0

    @property
    def notice(self) -> Path | None:
        return self.folder / NOTICE if self.folder else None


def write_return_packs(entries, return_dir: str | Path, *, outbox: str | Path | None = None,
                       year: int | None = None, roster: Iterable[RosterUnit] | None = None,
                       district: str = "全区", deadline: str | None = None) -> list[ReturnPack]:
    """Write RETURN_DIR/<单位>/ for every unit with an error or a warning; returns the packs.

    entries: as consolidate() takes them (a list, results.json, OUTBOX folder, store).
    roster: lets an unreadable file count for the unit named in its path.
    """
    packs = collect_packs(entries, outbox=outbox, year=year, roster=roster)
    return_dir = Path(return_dir)
    return_dir.mkdir(parents=True, exist_ok=True)
    wanted = [p for p in packs if p.errors or p.warnings]
    ours = _ledger(return_dir)          # a folder xlsproc did not write is never replaced
    names = _folder_names(wanted, {p.name.casefold() for p in return_dir.iterdir()
                                   if p.name not in ours})
    for pack in wanted:
        pack.folder = return_dir / names[pack.unit]
        _write_pack(pack, district, deadline)
    _forget_old(return_dir, set(names.values()))
    return wanted


def collect_packs(entries, *, outbox=None, year=None, roster=None) -> list[ReturnPack]:
    """Every unit's problems and files, without writing anything (sorted by unit)."""
    source = open_source(entries, year)
    try:
        box = Path(outbox) if outbox else source.outbox
        listed = {u.key: u.name for u in roster or []}
        packs: dict[str, ReturnPack] = {}
        unreadable, tables = [], []
        for raw in source.entries:
            entry = FileEntry.of(raw)
            if entry.status == "skipped":
                continue
            if entry.status != "ok":
                unreadable.append(entry)
                continue
            tables += [(entry, ev) for ev in entry.evaluations]
        replaced = superseded((n, unit_key(ev.unit), text_key(ev.project), ev.kind, ev.year,
                               entry.modified) for n, (entry, ev) in enumerate(tables))
        for n, (entry, ev) in enumerate(tables):
            kept = tables[replaced[n]] if n in replaced else None
            _add_table(packs, entry, ev, box, kept)
        for entry in unreadable:
            _add_unreadable(packs, listed, entry)
        return sorted(packs.values(), key=lambda p: (p.unit == UNKNOWN_UNIT, unit_key(p.unit)))
    finally:
        if source.opened is not None:
            source.opened.close()


def _add_table(packs: dict, entry: FileEntry, ev: TableEntry, box, kept=None) -> None:
    """A table's problems into its unit's pack; a table another submission replaces (`kept`:
    the (entry, table) counted instead) brings only the 重复报送 warning, as in 问题清单."""
    name = unit_name(ev.unit) or UNKNOWN_UNIT
    pack = packs.setdefault(unit_key(name) or UNKNOWN_UNIT, ReturnPack(name))
    pack.tables += 1
    path, annotated = entry_file(entry, box)
    shown = legible(os.path.basename(path) if path else Path(entry.label).name)
    if path and (path, annotated) not in pack.sources:
        pack.sources.append((path, annotated))
    if kept is not None:
        kept_entry, kept_ev = kept
        pack.warnings.append(Problem(shown, ev.sheet, None, title("duplicate-submission"),
                                     duplicate_text(name, ev.project, ev.kind, ev.year,
                                                    entry.modified, kept_entry.label,
                                                    kept_ev.sheet, kept_entry.modified)))
        return
    for flag in ev.flags:
        problem = Problem(shown, flag.sheet or ev.sheet, flag.cell, flag.title or flag.code or "",
                          flag.detail or flag.message or "")
        if flag.severity == "error":
            pack.errors.append(problem)
        elif flag.severity == "warning":
            pack.warnings.append(problem)


def _add_unreadable(packs: dict, roster: dict[str, str], entry: FileEntry) -> None:
    """An unreadable file goes to the unit named in its path (on the roster or among the units
    whose tables were read), else to 未能识别单位的文件."""
    names = {**roster, **{k: p.unit for k, p in packs.items() if k != UNKNOWN_UNIT}}
    key = named_in_path(names, legible(entry.label))
    pack = packs.setdefault(key or UNKNOWN_UNIT, ReturnPack(names[key] if key else UNKNOWN_UNIT))
    err = entry.error or {}
    pack.errors.append(Problem(legible(Path(entry.label).name), None, None, "文件无法读取",
                               err.get("message") or "文件无法读取，请重新保存后报送。"))


def _folder_names(packs: list[ReturnPack], taken: set[str] = frozenset()) -> dict[str, str]:
    """A file-system-safe folder name per unit (two units never share one, nor one of `taken`)."""
    names, used = {}, set(taken)
    for pack in packs:
        base = _UNSAFE.sub("_", pack.unit).strip(" .") or UNKNOWN_UNIT
        name, n = base, 2
        while name.casefold() in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name.casefold())
        names[pack.unit] = name
    return names


def _write_pack(pack: ReturnPack, district: str, deadline: str | None) -> None:
    """Build the folder under a temporary name, then swap it in for the old one."""
    final = pack.folder
    partial = final.with_name(f".{final.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        for path, annotated in pack.sources:
            if os.path.isfile(path):
                target = _free_name(partial, os.path.basename(path))
                shutil.copy2(path, partial / target)
                pack.files.append(legible(target))
        from xlsproc.district.notice import write_notice
        write_notice(pack, partial / NOTICE, district, deadline)
        old = final.with_name(f".{final.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            os.replace(final, old)
        os.replace(partial, final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _free_name(folder: Path, name: str) -> str:
    stem, suffix = os.path.splitext(name)
    candidate, n = name, 2
    while (folder / candidate).exists():
        candidate, n = f"{stem}_{n}{suffix}", n + 1
    return candidate


def _forget_old(return_dir: Path, current: set[str]) -> None:
    """Remove the folders an earlier run wrote for units that now have nothing to fix; record
    the current ones. Folders xlsproc did not write are never touched."""
    ledger = return_dir / LEDGER
    before = _ledger(return_dir)
    for name in sorted(before - current):
        folder = return_dir / name
        if folder.is_dir() and folder.parent == return_dir:
            shutil.rmtree(folder)
    write_text_atomic(ledger, json.dumps(sorted(current), ensure_ascii=False, indent=1))


def _ledger(return_dir: Path) -> set[str]:
    """The folders an earlier run wrote in RETURN_DIR."""
    try:
        return set(json.loads((return_dir / LEDGER).read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        return set()
