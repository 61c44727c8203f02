"""Several years in one batch: relative targets (不低于上一年度) of a later year are scored
against the earlier years' tables of the same batch.

A batch scores every file against the results store as it was when the batch started (so that
file order and --jobs cannot matter). Once the batch is recorded, `rework` names the files to
score once more: those holding a table with a target relative to last year whose last-year table
(same unit, project, kind) was processed in this batch. process() does that second pass, once;
its result is what a second run would give, however the files were ordered or split.
"""
from __future__ import annotations

from pathlib import Path

from xlsproc.model import FileEntry
from xlsproc.score.history import relative_target, text_key, unit_key


def rework(outcome, db: str | Path) -> list[str]:
    """The rels of this outcome to process again now that this batch is in the store."""
    from xlsproc.store import Store, StoreError
    done = {rec.rel: rec for rec in outcome.records if rec.status == "ok"}
    tables = {key for rel in outcome.processed if rel in done
              for key in outcome.tables.get(rel, ())}
    if not tables or not Path(db).is_file():
        return []
    try:
        with Store(db) as store:
            candidates = set()
            for unit, project, kind, year in tables:
                candidates |= store.relpaths_of(unit, project, kind, year + 1)
    except StoreError:
        return []
    return sorted(rel for rel in candidates & done.keys()
                  if _relies_on(FileEntry.of(outcome.entry(done[rel])), tables))


def table_keys(row) -> tuple:
    """The store's keys of a file's tables with a year (a worker's store.FileRow): what
    `rework` looks up, taken as the batch goes (no entry is read again for it)."""
    return tuple(_table_key(ev.unit_key, ev.project_key, ev.kind, ev.year)
                 for ev in row.evaluations if ev.year)


def _table_key(unit: str, project: str, kind: str, year: int) -> tuple:
    """A table's key from the store's keys of its unit and project: a department table's
    project is no part of it."""
    return unit, project if kind == "project" else _NO_PROJECT, kind, year


_NO_PROJECT = text_key(None)


def _relies_on(entry: FileEntry, tables: set[tuple]) -> bool:
    """Has the entry a table with a target relative to last year, whose last year is one of
    `tables` (the store's keys)?"""
    for ev in entry.evaluations:
        if not ev.year or _table_key(unit_key(ev.unit), text_key(ev.project), ev.kind,
                                     ev.year - 1) not in tables:
            continue
        if any(relative_target(str(ind.target or ""), 1.0, ev.year) is not None
               for ind in ev.indicators):
            return True
    return False
