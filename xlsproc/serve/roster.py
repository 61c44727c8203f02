"""Stand-in for xlsproc.district.roster (issue 10 §2, written by wt-core) with the same names:
`load_roster(path) -> list[RosterUnit]`, `roster_status(roster, entries) -> RosterStatus`.
When the district module lands, serve imports it instead (service.py, one line) and this goes.

A roster is an .xlsx or .csv with a column 单位名称 (optional: 项目名称, 联系人). Units are matched
as consolidation matches them (score.history.unit_key: budget codes like 219001- stripped)."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from xlsproc.model import XlsprocError
from xlsproc.score.history import unit_key, unit_name

UNIT_HEADS = ("单位名称", "单位", "部门名称", "预算单位")


@dataclass(frozen=True)
class RosterUnit:
    name: str
    project: str | None = None
    contact: str | None = None


@dataclass
class UnitStatus:
    unit: str
    files: list[str] = field(default_factory=list)
    tables: int = 0
    errors: int = 0
    warnings: int = 0


@dataclass
class RosterStatus:
    submitted: list[UnitStatus]          # roster units with at least one table
    missing: list[RosterUnit]            # roster units with none
    with_errors: list[UnitStatus]        # submitted units whose tables have errors
    unlisted: list[UnitStatus]           # units that submitted without being on the roster


def load_roster(path: str | Path) -> list[RosterUnit]:
    path = Path(path)
    try:
        rows = _csv_rows(path) if path.suffix.lower() == ".csv" else _xlsx_rows(path)
    except OSError as exc:
        raise XlsprocError("usage", f"无法读取应报单位名单 {path}（{exc.strerror or exc}），请检查路径。")
    for i, row in enumerate(rows):
        heads = [str(c or "").strip() for c in row]
        col = next((heads.index(h) for h in UNIT_HEADS if h in heads), None)
        if col is None:
            continue
        proj = heads.index("项目名称") if "项目名称" in heads else None
        contact = heads.index("联系人") if "联系人" in heads else None
        units, seen = [], set()
        for r in rows[i + 1:]:
            name = unit_name(_cell(r, col))
            if name and unit_key(name) not in seen:
                seen.add(unit_key(name))
                units.append(RosterUnit(name, _cell(r, proj) or None, _cell(r, contact) or None))
        return units
    raise XlsprocError("usage", f"应报单位名单 {path} 中找不到“单位名称”列，请在第一行写上列名“单位名称”。")


def _cell(row, col: int | None) -> str:
    if col is None or col >= len(row) or row[col] is None:
        return ""
    return str(row[col]).strip()


def _csv_rows(path: Path) -> list[list]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return list(csv.reader(data.decode(encoding).splitlines()))
        except UnicodeDecodeError:
            continue
    return []


def _xlsx_rows(path: Path) -> list[list]:
    from openpyxl import load_workbook
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except OSError:
        raise
    except Exception as exc:            # noqa: BLE001 — not a workbook openpyxl can read
        raise XlsprocError("usage", f"应报单位名单 {path} 无法打开（{type(exc).__name__}），"
                                    "请另存为 .xlsx 或 .csv。") from None
    try:
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


def roster_status(roster: list[RosterUnit], entries) -> RosterStatus:
    """Who submitted, who did not, who has errors, who is not on the roster. An entry counts for
    the units its tables name; one whose tables name no roster unit counts for the folder it was
    uploaded into (INBOX/<单位>/…), when that is a roster unit."""
    listed = {unit_key(u.name): u for u in roster}
    found: dict[str, UnitStatus] = {}
    for entry in entries:
        if entry.get("status") != "ok":
            continue
        folder = (entry.get("relpath") or "").split("/")[0] if "/" in (entry.get("relpath") or "") else ""
        for ev in entry.get("evaluations") or []:
            key = unit_key(ev.get("unit") or "")
            if key not in listed and unit_key(folder) in listed:
                key = unit_key(folder)
            if not key:
                key = unit_key(folder)
            if not key:
                continue
            name = listed[key].name if key in listed else unit_name(ev.get("unit") or folder)
            status = found.setdefault(key, UnitStatus(name))
            if entry.get("relpath", entry.get("file")) not in status.files:
                status.files.append(entry.get("relpath", entry.get("file")))
            status.tables += 1
            counts = ev.get("flag_counts") or {}
            status.errors += counts.get("error", 0)
            status.warnings += counts.get("warning", 0)
    submitted = [found[k] for k in listed if k in found]
    return RosterStatus(submitted=submitted,
                        missing=[u for k, u in listed.items() if k not in found],
                        with_errors=[s for s in submitted if s.errors],
                        unlisted=[s for k, s in found.items() if k not in listed])
