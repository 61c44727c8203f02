"""A folder (or a file) in, annotated copies and results.json out. Never writes into INBOX.

Work is done in worker processes (batch.WorkerPool): a corrupt, hostile or hanging file costs
only itself. The run is incremental and survives being killed at any moment:

    OUTBOX/<relpath>                 annotated copies, mirroring INBOX (.xls → .xlsx)
    OUTBOX/results.json              one entry per file now in INBOX (results-json.md)
    OUTBOX/隔离清单.txt               the files that could not be read, with reasons
    OUTBOX/.xlsproc/manifest.json    per input: size, mtime, sha256, what became of it
    OUTBOX/.xlsproc/entries/*.jsonl  each file's results entry, appended to the run's journal as
                                     it arrives; results.json is assembled from them (entries.py)
    OUTBOX/.xlsproc/tmp/             staging (wiped at the start of every run)

Every file is written under a temporary name and renamed into place; an input is recorded in the
manifest only after its output and entry are in place, so a rerun redoes exactly what is missing.
"""
from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection, Iterator

from xlsproc import __version__
from xlsproc.batch.manifest import *  # noqa: F401,F403  (the old names keep working)
from xlsproc.batch.manifest import (GROUP_SYNC, MANIFEST_FORMAT, Manifest, Plan, Record, forget_stale,
                                    make_plan, rules_hash)
from xlsproc.batch.outputs import *  # noqa: F401,F403
from xlsproc.batch import entries
from xlsproc.batch.outputs import (RESULTS, STATE, _entry_text, _prepare, check_paths,
                                   outbox_lock, root_of, results_fingerprint, write_quarantine, write_results)
from xlsproc.batch.pool import WorkerPool
from xlsproc.batch.recorder import *  # noqa: F401,F403
from xlsproc.batch.recorder import StoreRecorder, default_store
from xlsproc.batch.worker import *  # noqa: F401,F403
from xlsproc.batch.years import rework, table_keys
from xlsproc.batch.worker import (CHUNK, WORKER_MODULES, Context, failure_record,
                                  work)
from xlsproc.rules import Rules, load_rules

DEFAULT_TIMEOUT = 120.0


# --- the outcome of a run -------------------------------------------------------------------

@dataclass
class Outcome:
    outbox: Path
    records: list[Record]                  # one per file in INBOX, in results.json order
    processed: list[str]                 # rels processed in this run
    removed: list[str]                   # rels whose outputs were removed (left INBOX)
    root: Path = Path(".")               # INBOX (its folder when INBOX is one file)
    seconds: float = 0.0
    tables: dict = field(default_factory=dict)   # rel → the store keys of its dated tables

    @property
    def results_path(self) -> Path:
        return self.outbox / RESULTS

    @property
    def failed(self) -> list[Record]:
        return [r for r in self.records if r.status == "error"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def entries(self) -> list[dict]:
        """The whole results.json (loads every entry: mind memory for very large batches)."""
        return json.loads(self.results_path.read_text("utf-8"))

    def iter_entries(self) -> Iterator[dict]:
        """The results.json entries one at a time (flat memory for large batches)."""
        return map(self.entry, self.records)

    def entry(self, rec: Record) -> dict:
        """The results entry of one of this run's records."""
        with entries.Reader(self.outbox) as reader:
            return json.loads(_entry_text(reader, rec, str(self.root / rec.rel)))

    def totals(self) -> dict:
        ok = [r for r in self.records if r.status == "ok"]
        grades: Counter = Counter()
        flags: Counter = Counter({"error": 0, "warning": 0, "info": 0})
        for r in ok:
            grades.update(r.grades)
            flags.update(r.flags)
        return {"files": len(self.records), "ok": len(ok), "failed": len(self.failed),
                "skipped": sum(1 for r in self.records if r.status == "skipped"),
                "tables": sum(r.tables for r in ok), "grades": dict(grades),
                "flags": dict(flags)}


# --- the run ------------------------------------------------------------------------------

def process(inbox: str | Path, outbox: str | Path, rules: Rules | None = None, *,
            jobs: int | None = None, force: bool = False, timeout: float | None = DEFAULT_TIMEOUT,
            progress: Callable[[int, int], None] | None = None,
            on_record: Callable[[Record], None] | None = None,
            start_method: str | None = None, handler: Callable = work,
            pool: WorkerPool | None = None, only: Collection[str] | None = None,
            include_locks: bool = True, db: str | Path | None = None,
            years_pass: bool = True, docx: bool = False) -> Outcome:
    """Process the new and changed workbooks below INBOX into OUTBOX; results.json for all.

    jobs: worker processes (default: all cores); timeout: seconds per file; force: redo all.
    progress(done, total) and on_record(record) are called in this process as files finish.
    handler: the chunk handler run in workers (default `work`; tests pass
    functools.partial(work, before_file=...) to inject crashes and hangs).
    pool: a WorkerPool to reuse (watch mode); only: process no rel outside it (watch mode:
    the settled files), keeping the old results of the others.
    db: the results store (default OUTBOX/xlsproc.sqlite): this run's results are recorded in
    it, and its earlier years score relative targets (不低于上一年度).
    years_pass: score again, once, the files whose relative targets rely on a last-year table
    of this same batch (batch/years.py).
    docx: also write each table's 自评报告 as a Word document next to its copy (switching it on
    redoes every file once; an OUTBOX processed with it keeps getting the reports).
    """
    started = time.monotonic()
    inbox, outbox = Path(inbox), Path(outbox)
    check_paths(inbox, outbox, db)
    rules = rules or load_rules()
    with outbox_lock(outbox):          # a second run on this OUTBOX is refused, not interleaved
        outcome = _process(inbox, outbox, rules, started, jobs, force, timeout, progress,
                           on_record, start_method, handler, pool, only, include_locks, db, docx)
        again = _years_pass(outcome, db) if years_pass else []
        if again:               # later years' relative targets against this batch's earlier years
            second = _process(inbox, outbox, rules, started, jobs, True, timeout, None,
                              on_record, start_method, handler, pool, again, include_locks, db, docx)
            outcome = Outcome(outbox, second.records, outcome.processed, outcome.removed,
                              outcome.root, time.monotonic() - started)
        return outcome


def _years_pass(outcome: Outcome, db: str | Path | None) -> list[str]:
    if not outcome.processed:
        return []
    return rework(outcome, Path(db) if db else default_store(outcome.outbox))


def _made_with_docx(outbox: Path, header: dict) -> bool:
    """An OUTBOX once processed with docx keeps its Word reports coming (its manifest says so):
    a later run without --docx — or the CLI after the web service — redoes nothing."""
    try:
        data = json.loads(Manifest(outbox, header).path.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("header") == {**header, "docx": True}


def _process(inbox: Path, outbox: Path, rules: Rules, started: float, jobs, force, timeout,
             progress, on_record, start_method, handler, pool, only, include_locks, db,
             docx: bool = False) -> Outcome:
    _prepare(outbox)
    header = {"format": MANIFEST_FORMAT, "xlsproc": __version__, "rules": rules_hash(rules)}
    docx = docx or _made_with_docx(outbox, header)
    header = {**header, "docx": True} if docx else header
    manifest = Manifest.load(outbox, header)
    plan = make_plan(inbox, outbox, manifest, force, only, include_locks)
    db = Path(db) if db else default_store(outbox)
    recorder = StoreRecorder(db, {"inbox": str(inbox.resolve()), "outbox": str(outbox.resolve()),
                                  "rules": rules.name, "version": __version__}, manifest)
    recorder.forget(plan.removed, outbox, manifest, plan.current)   # before the manifest lets go of them
    forget_stale(plan, manifest, outbox)
    ctx = Context(str(root_of(inbox)), str(outbox), rules,
                  db=str(db) if recorder.up_to_run else None, up_to_run=recorder.up_to_run,
                  docx=docx)
    journal = entries.Journal(outbox)

    def before_save() -> None:          # what the manifest is about to vouch for, recorded
        if not GROUP_SYNC:              # (with os.sync, Manifest.save syncs everything)
            journal.sync()
        recorder.flush()
    manifest.before_save = before_save
    try:
        processed, tables = _run(plan, manifest, ctx, pool, handler, jobs, timeout,
                                 start_method, progress, on_record, recorder, journal)
        records = [manifest.records[r] for r in plan.current if r in manifest.records]
        _finish(outbox, manifest, records, root_of(inbox), bool(processed or plan.removed))
        entries.sweep(outbox, manifest)
        outcome = Outcome(outbox, records, processed, plan.removed, root_of(inbox),
                          time.monotonic() - started, tables)
        recorder.catch_up(outcome, manifest)
    finally:
        manifest.before_save = None
        journal.close()
        recorder.close()
    return outcome


def _run(plan: Plan, manifest: Manifest, ctx: Context, pool: WorkerPool | None,
         handler: Callable, jobs, timeout, start_method, progress, on_record,
         recorder: StoreRecorder, journal: entries.Journal) -> tuple[list[str], dict]:
    """Runs the plan's files in the pool: the rels processed, and the store keys of their
    dated tables (for the years pass)."""
    processed: list[str] = []
    tables: dict[str, tuple] = {}
    tasks = [(rel, plan.outputs.get(rel)) for rel in plan.todo]
    finished = [0]
    if progress:
        progress(0, len(tasks))
    if not tasks:
        return processed, tables

    def record(done: tuple[Record, object] | None) -> None:
        finished[0] += 1
        if done is not None:                 # None: the file left INBOX meanwhile
            rec, row = done
            rec.key = journal.add(row.entry_text())
            recorder.add(rec, row)
            manifest.put(rec)
            processed.append(rec.rel)
            tables[rec.rel] = table_keys(row)
            if on_record:
                on_record(rec)
        if progress:
            progress(finished[0], len(tasks))

    def on_done(task, done):
        record(done)

    def on_failed(task, code, detail):
        record(failure_record(task, code, detail, ctx, timeout))

    own = pool is None
    pool = pool or WorkerPool(handler, ctx, jobs, timeout, start_method, chunk=CHUNK,
                              preload=WORKER_MODULES)
    pool.set_context(ctx)        # a pool kept across runs (watch) works in this run's context
    try:
        pool.run(tasks, on_done, on_failed)
    finally:
        if own:
            pool.close()
            shutil.rmtree(Path(ctx.outbox) / STATE / "tmp", ignore_errors=True)
        manifest.save()
    return processed, tables


def _finish(outbox: Path, manifest: Manifest, records: list[Record], root: Path,
            changed: bool) -> None:
    fp = results_fingerprint(manifest.header, records)
    if not changed and fp == manifest.results_fp and (outbox / RESULTS).is_file():
        return
    write_results(outbox, records, root)
    write_quarantine(outbox, records, root)
    manifest.results_fp = fp
    manifest.save()
