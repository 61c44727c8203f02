"""Stand-in for xlsproc.district.returns (issue 10 §3, written by wt-core) with the same name:
`write_return_packs(entries, outbox, dest) -> dict[unit, folder]`. When the district module
lands, serve imports it instead (service.py, one line) and this goes.

For each unit with at least one error or warning, DEST/<单位>/ holds its annotated copies and a
问题通知单.xlsx (必须修改 = errors, 请核实 = warnings; file, sheet, cell, what to do). A unit with
nothing to fix gets no folder. DEST is rebuilt whole and swapped in: readers never see half."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from xlsproc.score.history import unit_name

NOTICE = "问题通知单.xlsx"
SECTIONS = (("error", "必须修改"), ("warning", "请核实"))


def write_return_packs(entries, outbox: str | Path, dest: str | Path) -> dict[str, Path]:
    outbox, dest = Path(outbox), Path(dest)
    units: dict[str, list[dict]] = {}
    for entry in entries:
        if entry.get("status") != "ok":
            continue
        flagged = [ev for ev in entry["evaluations"]
                   if any((ev.get("flag_counts") or {}).get(s) for s, _ in SECTIONS)]
        if flagged:
            unit = _unit_of(entry, flagged[0])
            units.setdefault(unit, []).append(entry)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-packs-", dir=dest.parent))
    made = {}
    try:
        for unit, unit_entries in units.items():
            folder = staging / unit
            folder.mkdir()
            for entry in unit_entries:
                if entry.get("output") and (outbox / entry["output"]).is_file():
                    shutil.copy2(outbox / entry["output"], folder / Path(entry["output"]).name)
            _notice(folder / NOTICE, unit, unit_entries)
            made[unit] = dest / unit
        old = dest.with_name(f".old-{dest.name}-{os.getpid()}")
        if dest.exists():
            os.replace(dest, old)
        os.replace(staging, dest)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return made


def _unit_of(entry: dict, ev: dict) -> str:
    """The unit the table names (as the roster status and consolidation count it), else the
    folder it was uploaded into."""
    rel = entry.get("relpath") or ""
    folder = rel.split("/")[0] if "/" in rel else ""
    name = unit_name(ev.get("unit") or folder or "") or "未注明单位"
    return name.replace("/", "／").lstrip(".") or "未注明单位"


def _notice(path: Path, unit: str, entries: list[dict]) -> None:
    import xlsxwriter
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("问题通知单")
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    body = book.add_format({"border": 1, "text_wrap": True, "valign": "top", "font_size": 10})
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 7)
    ws.set_column(3, 3, 52)
    ws.write(0, 0, f"{unit}：绩效自评表问题通知单", title)
    row = 2
    for severity, label in SECTIONS:
        items = [(e["file"], f) for e in entries for ev in e["evaluations"] for f in ev["flags"]
                 if f["severity"] == severity]
        ws.write(row, 0, f"{label}（{len(items)} 项）", title)
        row += 1
        ws.write_row(row, 0, ["文件", "工作表", "单元格", "问题及处理"], head)
        row += 1
        for file, flag in items:
            ws.write_row(row, 0, [file, flag["sheet"], flag.get("cell") or "",
                                  flag.get("detail") or flag["message"]], body)
            row += 1
        row += 1
    book.close()
