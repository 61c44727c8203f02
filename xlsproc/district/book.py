"""District consolidation: one workbook for the whole district, every figure traceable to its cell.

results-json entries (a list, a results.json, an OUTBOX folder or the results store) → a staging
SQLite file (flat memory whatever the number of workbooks; it also does the sorting) → one
xlsxwriter workbook in constant_memory mode:

  汇总      one row per unit (department), a district total row per year
  项目      one row per project table
  指标明细  one row per indicator (long format, for filters and pivot tables)
  问题清单  every flag, errors first, then by unit: what goes back to whom
  图表      native charts: grades, 执行率 by unit, total score distribution
  同比      this year against last year (when last year's results are known)

Links: 汇总 holds real hyperlinks (external file + '#'Sheet'!A1' location) to each unit's annotated
copy. The long sheets hold =HYPERLINK(address cell, "H22") formulas over a 链接地址 text column:
Excel stores at most 65,530 real hyperlinks per sheet and xlsxwriter keeps every one in memory until
the file is closed, while a district's indicators run past that. Link targets are paths relative to
the consolidation workbook's folder: the annotated copy (OUTBOX/output), else the original file.

Text taken from workbooks is always written with write_string: an officer's '=…' stays text.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from xlsproc.district.rows import Rows
from xlsproc.district.sheets import (Book, charts_sheet, indicators_sheet, issues_sheet,
                                     projects_sheet, roster_sheet, summary_sheet, yoy_sheet)
from xlsproc.district.roster import RosterStatus, RosterTally, load_roster
from xlsproc.district.sources import DUPLICATE, Stage, fill_stage, open_source
from xlsproc.store import Store


def consolidate(entries, out_path: str | Path, *, outbox: str | Path | None = None,
                history: Store | Iterable[dict] | None = None, year: int | None = None,
                district: str = "全区", rules=None, roster=None) -> dict:
    """Write the district workbook to `out_path`; returns a summary of what went in.

    entries: results-json entries (a list), a results.json path, an OUTBOX folder (its
      xlsproc.sqlite if present, else its results.json), a .sqlite store path, or a Store. A store
      gives its latest year unless `year` is given; a list gives what it holds (`year` filters).
    outbox: the folder `output` paths are relative to (default: the results.json's folder, or
      the outbox each stored run recorded).
    history: earlier years' entries (a Store or a list) for the 同比 sheet; a store source is its
      own history.
    roster: the units that must submit (a roster file's path, or load_roster's list): adds the
      报送情况 sheet; the summary's "roster" is the RosterStatus.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tally = _tally(roster)
    source = open_source(entries, year)
    try:
        if tally is not None:
            source.entries = tally.watch(source.entries)
        with tempfile.TemporaryDirectory(prefix="xlsproc-consolidate-") as tmp:
            stage = Stage(tmp)
            try:
                fill_stage(stage, source, outbox, history)
                if tally is not None:
                    tally.left_out(source.left_out_units)
                return _write(stage, out_path, tmp, district, rules,
                              tally.status() if tally is not None else None, source.left_out)
            finally:
                stage.close()
    finally:
        if source.opened is not None:
            source.opened.close()


def other_years_note(left_out: dict) -> str | None:
    """'另有 2023 年度 3 张、2022 年度 1 张自评表未计入本年度汇总（可用 --year 汇总该年度）'."""
    counts = {y: n for y, n in left_out.items() if n}
    if not counts:
        return None
    parts = [f"{y} 年度 {counts[y]} 张" for y in sorted((y for y in counts if y is not None),
                                                       reverse=True)]
    if None in counts:
        parts.append(f"年度不详的 {counts[None]} 张")
    return f"另有 {'、'.join(parts)}自评表未计入本年度汇总（可用 --year 汇总该年度）"


def _tally(roster) -> RosterTally | None:
    if roster is None:
        return None
    if isinstance(roster, (str, Path)):
        roster = load_roster(roster)
    return RosterTally(roster)


def _write(stage: Stage, out_path: Path, tmp: str, district: str, rules,
           roster: RosterStatus | None = None, left_out: dict | None = None) -> dict:
    years = [y for (y,) in stage.query("SELECT DISTINCT year FROM t WHERE role = 0 ORDER BY year")]
    label = "、".join(f"{y}" for y in years if y) + ("年度" if any(years) else "")
    unreadable = stage.query(
        "SELECT count(*) FROM f WHERE sheet IS NULL AND rank = 0").fetchone()[0]
    duplicates = stage.query(f"SELECT count(*) FROM t WHERE role = {DUPLICATE}").fetchone()[0]
    rows = Rows(stage, os.path.abspath(out_path.parent), rules)
    partial = out_path.with_name(f".{out_path.stem}.partial{out_path.suffix or '.xlsx'}")
    book = Book(partial, tmp)
    try:
        other_years = other_years_note(left_out or {})
        units = summary_sheet(book, rows, district, label, unreadable, duplicates, other_years)
        if roster is not None:
            roster_sheet(book, roster, district, label)
        summary = {
            "path": str(out_path), "units": len(units),
            "projects": projects_sheet(book, rows, district, label),
            "indicators": indicators_sheet(book, rows, district, label),
            "flags": issues_sheet(book, rows, district, label),
        }
        charts_sheet(book, stage, units, max((y for y in years if y), default=None),
                      rows.rules.grade_names)
        summary["yoy_tables"] = yoy_sheet(book, rows, district)
        book.close()
        os.replace(partial, out_path)
    except BaseException:
        book.abandon()
        raise
    finally:
        if partial.exists():
            partial.unlink()
    tables = stage.query("SELECT count(*) FROM t WHERE role = 0").fetchone()[0]
    return {**summary, "tables": tables, "unreadable": unreadable, "years": years,
            "duplicates": duplicates, "roster": roster, "other_years": other_years}
