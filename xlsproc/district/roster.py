"""The roster: which units must submit, and who has not.

A roster is an .xlsx (or .xls, .ods, WPS .et) or .csv list with a column 单位名称 (optional: 项目名称, 联系人; the
accepted spellings are in roster.toml). One row per unit, or one row per project a unit must
submit. Units are matched the way consolidation matches them (`unit_key`: budget codes like
'219001-' stripped, spaces and full-width forms ignored; a bracketed addition on one side,
'某区教育局（本级）', when it names no other roster unit); a file that could not be read is
attributed to the roster unit whose name appears in its path (a folder per unit is common).

Public API (the CLI, the district workbook and the web server call these):

    roster = load_roster("名单.xlsx")              # list[RosterUnit]
    status = roster_status(roster, entries)       # RosterStatus
    status.missing                                # units that sent nothing
"""
from __future__ import annotations

import csv
import io
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from xlsproc.district.sources import superseded
from xlsproc.fileio import legible
from xlsproc.model import FileEntry, XlsprocError
from xlsproc.score.history import text_key, unit_key, unit_name

HEADER_ROWS = 10                  # the header row is looked for among a roster's first rows


@lru_cache(maxsize=1)
def _config() -> dict:
    text = resources.files("xlsproc.district").joinpath("roster.toml").read_text("utf-8")
    return tomllib.loads(text)


class RosterError(XlsprocError):
    """A roster that cannot be used; the message says what to do, in Chinese."""


def _error(key: str, **fields) -> RosterError:
    return RosterError("roster-" + key, _config()["messages"][key].format(**fields))


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError):
        from xlsproc.errors import os_reason
        return os_reason(exc)
    return "文件已损坏或格式不对"


@dataclass(frozen=True)
class RosterUnit:
    name: str                                  # as written on the roster, code stripped
    key: str                                   # unit_key: what submissions are matched by
    projects: tuple[str, ...] = ()             # projects the roster expects (may be none)
    contact: str | None = None


@dataclass
class UnitStatus:
    """One unit: what it submitted, read against the roster."""
    unit: str
    key: str
    on_roster: bool
    contact: str | None = None
    files: list[str] = field(default_factory=list)      # files submitted (relative paths)
    tables: int = 0                                     # tables read
    errors: int = 0                                     # error flags + unreadable files
    warnings: int = 0
    unreadable: int = 0
    expected: tuple[str, ...] = ()                      # projects the roster lists
    projects: list[str] = field(default_factory=list)   # projects submitted
    other_years: dict = field(default_factory=dict)     # {year: tables} left out of this year's

    @property
    def submitted(self) -> bool:
        return bool(self.files)

    @property
    def missing_projects(self) -> list[str]:
        """Roster projects no submitted table is: the same name, or one name within the other
        ('社区老年助餐服务' / '2024年社区老年助餐服务项目')."""
        got = [k for k in map(text_key, self.projects) if k]
        return [p for p in self.expected
                if not any(text_key(p) in k or k in text_key(p) for k in got)]

    @property
    def other_years_text(self) -> str | None:
        """'另有 2023 年度的表 2 张' for a unit whose tables are all of other years (sent by mistake,
        or recorded in an earlier year's run: the words say only what the results hold)."""
        if self.submitted or not self.other_years:
            return None
        years = sorted(self.other_years, key=lambda y: (y is None, -(y or 0)))
        parts = "、".join(f"{y} 年度的表 {self.other_years[y]} 张" if y is not None
                         else f"年度不详的表 {self.other_years[y]} 张" for y in years)
        return f"另有 {parts}"

    @property
    def state(self) -> str:
        """已报送 | 未报送 | 有错误 (Chinese, as the 报送情况 sheet and the console show it)."""
        labels = _config()["states"]
        if not self.submitted:
            return labels["missing"]
        if self.errors:
            return labels["errors"]
        return labels["submitted"]


@dataclass
class RosterStatus:
    units: list[UnitStatus]                   # every roster unit, in roster order
    unlisted: list[UnitStatus]                # submitted without being on the roster

    @property
    def missing(self) -> list[UnitStatus]:
        return [u for u in self.units if not u.submitted]

    @property
    def with_errors(self) -> list[UnitStatus]:
        return [u for u in self.units if u.submitted and u.errors]

    @property
    def submitted(self) -> list[UnitStatus]:
        return [u for u in self.units if u.submitted]

    def summary(self) -> str:
        """One Chinese line for the console, naming the units that sent nothing."""
        text = (f"报送情况：名单 {len(self.units)} 个单位，已报送 {len(self.submitted)} 个"
                f"（其中有错误 {len(self.with_errors)} 个），未报送 {len(self.missing)} 个")
        if self.missing:
            text += "：" + "、".join(u.unit + (f"（{u.other_years_text}）" if u.other_years_text
                                               else "") for u in self.missing)
        if self.unlisted:
            text += f"；名单外报送 {len(self.unlisted)} 个：" + "、".join(u.unit for u in self.unlisted)
        return text + "。"


# --- loading ----------------------------------------------------------------------------------

def load_roster(path: str | Path) -> list[RosterUnit]:
    """The units of a roster file (.xlsx/.xlsm, .xls/.xlsb/.ods/.et or .csv), in the order they first appear; rows of
    one unit (one per project) are merged, and a project row whose unit cell is blank (merged
    over the unit's projects) is the unit's above. Raises RosterError with a Chinese message."""
    path = Path(path)
    if not path.is_file():
        raise _error("not-found", path=path)
    rows = _read_rows(path)
    head_at, columns = _header(rows, path)
    units: dict[str, dict] = {}
    last = None                       # a project row under its unit's (merged or blank) cell
    for row in rows[head_at + 1:]:
        name = _cell(row, columns["unit"])
        if not name and last and _cell(row, columns.get("project")):
            name = last
        if not name or _not_a_unit(name):
            last = None
            continue
        last = name
        key = unit_key(name)
        unit = units.setdefault(key, {"name": unit_name(name), "projects": [], "contact": None})
        project = _cell(row, columns.get("project"))
        if project and project not in unit["projects"]:
            unit["projects"].append(project)
        unit["contact"] = unit["contact"] or _cell(row, columns.get("contact"))
    if not units:
        raise _error("empty", name=path.name)
    return [RosterUnit(u["name"], key, tuple(u["projects"]), u["contact"])
            for key, u in units.items()]


def _read_rows(path: Path) -> list[list]:
    suffix = path.suffix.lower()
    try:
        if suffix in TEXT_LISTS:
            return _text_rows(_decode(path.read_bytes()))
        if suffix in (".xlsx", ".xlsm"):
            return _xlsx_rows(path)
        if suffix in OTHER_SPREADSHEETS:
            return _calamine_rows(path)
    except (OSError, ValueError, KeyError) as exc:
        raise _error("unreadable", name=path.name, reason=_reason(exc)) from exc
    raise _error("wrong-format", name=path.name)


TEXT_LISTS = (".csv", ".txt", ".tsv")    # .txt: Excel's 'Unicode 文本' (UTF-16, tabs)
SEPARATORS = (",", "\t", ";", "，")


def _text_rows(text: str) -> list[list]:
    """Rows of a text list, with the separator its 单位名称 header is found with (else ',')."""
    tried = [list(csv.reader(io.StringIO(text), delimiter=sep)) for sep in SEPARATORS]
    return next((rows for rows in tried if _find_header(rows) is not None), tried[0])


OTHER_SPREADSHEETS = (".xls", ".xlsb", ".ods", ".et")    # read by calamine, as workbooks are


def _calamine_rows(path: Path) -> list[list]:
    import python_calamine as calamine
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
        sheets = [book.get_sheet_by_name(name).to_python() for name in book.sheet_names]
    except Exception as exc:             # calamine's own errors (and panics) on a damaged file
        raise ValueError(str(exc)) from exc
    return _roster_sheet(sheets)


def _roster_sheet(sheets: list[list[list]]) -> list[list]:
    """The rows of the first sheet that has a 单位名称 header (else of the first sheet)."""
    return next((rows for rows in sheets if _find_header(rows) is not None),
                sheets[0] if sheets else [])


def _xlsx_rows(path: Path) -> list[list]:
    import warnings
    import zipfile

    import openpyxl
    with warnings.catch_warnings():        # openpyxl's English notes on parts it drops
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except zipfile.BadZipFile as exc:
            raise ValueError("not a zip") from exc
        try:
            sheets = [[list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets]
        finally:
            wb.close()
    return _roster_sheet(sheets)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (Excel's Chinese CSV)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _find_header(rows: list[list]) -> tuple[int, dict[str, int]] | None:
    names = _config()["columns"]
    for r, row in enumerate(rows[:HEADER_ROWS]):
        cells = [text_key(v) for v in row]
        columns = {}
        for role, spellings in names.items():
            wanted = {text_key(s) for s in spellings}
            hit = next((c for c, v in enumerate(cells) if v in wanted), None)
            if hit is not None:
                columns[role] = hit
        if "unit" in columns:
            return r, columns
    return None


def _header(rows: list[list], path: Path) -> tuple[int, dict[str, int]]:
    found = _find_header(rows)
    if found is None:
        raise _error("no-unit-column", name=path.name, rows=HEADER_ROWS)
    return found


def _not_a_unit(name: str) -> bool:
    """A total row, a note or the header repeated: not a unit that must submit."""
    key = text_key(name)
    words = _config()["not-units"]
    if key in {text_key(s) for s in _config()["columns"]["unit"]}:
        return True
    if any(re.fullmatch(re.escape(w) + r"(?:[:(\d].*)?", key) for w in words["totals"]):
        return True
    return any(key.startswith(w + ":") for w in words["notes"])


def _cell(row: list, col: int | None) -> str | None:
    if col is None or col >= len(row) or row[col] is None:
        return None
    text = str(row[col]).strip()
    return text or None


# --- status -----------------------------------------------------------------------------------

class RosterTally:
    """Reads entries one by one (consolidation streams them past) and answers roster_status."""

    def __init__(self, roster: Iterable[RosterUnit]):
        self.roster = list(roster)
        self.units: dict[str, UnitStatus] = {
            u.key: UnitStatus(u.name, u.key, True, u.contact, expected=u.projects)
            for u in self.roster}
        self.unlisted: dict[str, UnitStatus] = {}
        self.tables: list[tuple] = []        # each table read, for the resubmissions rule
        # '某区教育局(本级)' on the roster → its key without the addition, when that is no other
        # roster unit and only one roster unit has it
        bare = Counter(_bare(k) for k in self.units)
        self.aliases = {_bare(k): k for k in self.units
                        if _bare(k) != k and _bare(k) not in self.units and bare[_bare(k)] == 1}

    def add(self, entry: dict | FileEntry) -> FileEntry:
        entry = FileEntry.of(entry)
        if entry.status == "skipped":
            return entry
        path = legible(entry.relpath or entry.file or entry.path or "")   # a GBK folder name
        if entry.status != "ok" or not entry.evaluations:
            unit = self._by_path(path)
            if unit is not None and entry.status != "ok":
                _add_file(unit, path)
                unit.unreadable += 1
                unit.errors += 1
            return entry
        for ev in entry.evaluations:
            unit = self._unit(ev.unit)
            if unit is None:
                continue
            _add_file(unit, path)
            unit.tables += 1
            if ev.kind == "project" and ev.project:
                unit.projects.append(ev.project)
            counts = ev.counts()
            unit.errors += counts["error"]
            unit.warnings += counts["warning"]
            self.tables.append((len(self.tables), unit_key(ev.unit), text_key(ev.project),
                                ev.kind, ev.year, entry.modified, unit, counts["error"],
                                counts["warning"]))
        return entry

    def watch(self, entries: Iterable[dict | FileEntry]) -> Iterator[FileEntry]:
        """The entries, typed, each counted as it passes (consolidation reads them once)."""
        for entry in entries:
            yield self.add(entry)

    def _unit(self, name) -> UnitStatus | None:
        key = unit_key(name)
        if not key:
            return None
        listed = self._listed(key)
        if listed is not None:
            return self.units[listed]
        return self.unlisted.setdefault(key, UnitStatus(unit_name(name), key, False))

    def _listed(self, key: str) -> str | None:
        """The roster key a unit key stands for: the same, or the same but for a bracketed
        addition on one side ('某区教育局(本级)' / '某区教育局')."""
        for candidate in (key, _bare(key)):
            if candidate in self.units:
                return candidate
            if candidate in self.aliases:
                return self.aliases[candidate]
        return None

    def _by_path(self, path: str) -> UnitStatus | None:
        key = named_in_path(self.units, path)
        return None if key is None else self.units[key]

    def left_out(self, by_unit: dict) -> None:
        """Tables of other years the year filter left out, per unit key: a roster unit that sent
        only those is told apart from one that sent nothing."""
        for key, years in by_unit.items():
            listed = self._listed(key)
            if listed is not None:
                unit = self.units[listed]
                unit.other_years = dict(Counter(unit.other_years) + Counter(years))

    def _set_aside(self) -> None:
        """Tables another submission replaces (a resubmission under a new name): their problems
        no longer count, one 重复报送 warning does — as the district workbook's 问题清单 says."""
        for n in superseded(t[:6] for t in self.tables):
            unit, errors, warnings = self.tables[n][6:]
            unit.errors -= errors
            unit.warnings += 1 - warnings
        self.tables = []

    def status(self) -> RosterStatus:
        self._set_aside()
        unlisted = sorted(self.unlisted.values(), key=lambda u: u.key)
        return RosterStatus([self.units[u.key] for u in self.roster], unlisted)


_ADDITION = re.compile(r"\([^()]*\)$")


def _bare(key: str) -> str:
    """A unit key without a trailing bracketed addition ('某区教育局(本级)' → '某区教育局')."""
    return _ADDITION.sub("", key) or key


def named_in_path(keys: Iterable[str], path: str) -> str | None:
    """The unit key that appears in a file's path (a folder per unit; the longest key wins)."""
    where = text_key(path)
    hits = [key for key in keys if key and key in where]
    return max(hits, key=len) if hits else None


def _add_file(unit: UnitStatus, path: str) -> None:
    if path not in unit.files:
        unit.files.append(path)


def roster_status(roster: Iterable[RosterUnit], entries: Iterable[dict]) -> RosterStatus:
    """Every roster unit with what it submitted (files, tables, errors, warnings, projects),
    and the units that submitted without being on the roster."""
    tally = RosterTally(roster)
    for entry in entries:
        tally.add(entry)
    return tally.status()
