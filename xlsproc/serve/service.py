"""The work behind the pages: uploads into INBOX, the batch pipeline over them, the district's
outputs after each change. No web code here (app.py is the web side).

An upload is written under a hidden staging folder of INBOX (INBOX/.xlsproc-upload/, which the
batch never searches), then renamed into INBOX/<单位>/<name> under a name no other file has: a
file is never overwritten, never executed (mode 0644), and the batch sees it whole or not at all.
One processor thread runs the batch (xlsproc.batch.run.process, one worker pool kept for the
server's life, like `watch`): uploads that arrive while it works are taken together in its next
run. After each run:
  - an upload that could not be read leaves INBOX (its reason is the answer; nothing is kept);
  - an upload sent without a unit moves to the folder of the unit its tables name;
  - a readable upload replaces the earlier files in its unit's folder whose tables (unit, kind,
    project, year) it all covers — a corrected workbook replaces the one it corrects;
then the batch runs once more for those changes, and the district workbook and the return packs
are rebuilt (OUTBOX/全区绩效自评汇总.xlsx, OUTBOX/退回修改/<单位>/). The server holds the batch's
OUTBOX lock (batch.outputs.outbox_lock) for its whole life, as watch does.
"""
from __future__ import annotations

import inspect
import os
import re
import secrets
import shutil
import threading
import time
from collections import deque
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from xlsproc.batch.outputs import outbox_lock
from xlsproc.batch.pool import WorkerPool
from xlsproc.batch.run import (CHUNK, DEFAULT_TIMEOUT, WORKER_MODULES, Outcome, check_paths, process,
                               work)
from xlsproc.read.grid import DEFAULT_MAX_BYTES
from xlsproc.rules import Rules, load_rules
from xlsproc.score.history import text_key, unit_key, unit_name
from xlsproc.serve.names import Refusal, clean_unit, size_text
from xlsproc.district.refresh import Refresher
from xlsproc.district.roster import RosterStatus, load_roster, roster_status

STAGING = ".xlsproc-upload"
NO_UNIT = "未注明单位"
DISTRICT = "全区绩效自评汇总.xlsx"
PACKS = "退回修改"
REPORT = "自评报告"          # write.docx.REPORT_SUFFIX: the batch's name for its Word reports
RECENT = 200                # uploads remembered for the bureau's page


@dataclass
class Upload:
    """One workbook received: where it went and what became of it."""

    id: str
    name: str                   # the name the officer's file had
    unit: str | None            # the unit chosen (None: to be read from the workbook)
    rel: str                    # INBOX-relative path, as processed last
    at: float = field(default_factory=time.time)
    entry: dict | None = None   # its results-json entry once processed
    replaced: list[str] = field(default_factory=list)   # earlier files it replaced
    replaced_by: str | None = None
    future: Future = field(default_factory=Future, repr=False)

    @property
    def output(self) -> str | None:
        return (self.entry or {}).get("output") if self.replaced_by is None else None


_RUNS = threading.Lock()        # one batch run (or district refresh) at a time in this server


class Service:
    def __init__(self, inbox: str | Path, outbox: str | Path, rules: Rules | None = None, *,
                 roster: str | Path | None = None, jobs: int | None = None,
                 timeout: float | None = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
                 start_method: str | None = None):
        self.inbox, self.outbox = Path(inbox), Path(outbox)
        self.inbox.mkdir(parents=True, exist_ok=True)
        check_paths(self.inbox, self.outbox)
        self.outbox.mkdir(parents=True, exist_ok=True)
        self.rules = rules or load_rules()
        self.roster = load_roster(roster) if roster else []
        self.jobs, self.timeout, self.max_bytes = jobs, timeout, max_bytes
        self.start_method = start_method
        self.district_path = self.outbox / DISTRICT
        self.packs_path = self.outbox / PACKS
        self.entries: list[dict] = []           # results.json as of the last run
        self.district_error: str | None = None
        self.packs: dict[str, str] = {}        # unit → its return pack's folder below PACKS
        self.recent: deque[Upload] = deque(maxlen=RECENT)
        self.by_id: dict[str, Upload] = {}
        self.runs = 0
        self.answered = 0           # batches whose uploads have their answers
        self.refreshed = 0          # …and whose district workbook and packs are rebuilt
        self._queue: list[Upload] = []
        self._cv = threading.Condition()
        self._names = threading.Lock()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._pool: WorkerPool | None = None
        self.ready = threading.Event()
        self._claim: ExitStack | None = None
        self._refresher = Refresher(self.outbox, self.district_path, roster=self.roster or None,
                                    return_dir=self.packs_path, rules=self.rules)

    # --- life ---------------------------------------------------------------------------------

    def claim(self) -> None:
        """Hold the batch's OUTBOX lock for the server's whole life, as watch does: a `process`,
        `watch` or second `serve` on the same OUTBOX is refused in Chinese (outbox-busy) rather
        than interleaved; this server's own runs take it again (it is reentrant)."""
        if self._claim is None:
            stack = ExitStack()
            stack.enter_context(outbox_lock(self.outbox))
            self._claim = stack

    def start(self) -> None:
        self.claim()
        shutil.rmtree(self.inbox / STAGING, ignore_errors=True)    # a killed server's leftovers
        (self.inbox / STAGING).mkdir()
        self._thread = threading.Thread(target=self._loop, name="xlsproc-serve", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        if self._thread:
            self._thread.join()
        if self._claim is not None:
            self._claim.close()
            self._claim = None

    # --- receiving ----------------------------------------------------------------------------

    def receive(self, name: str, unit: str | None, source: BinaryIO) -> Upload:
        """Copy an uploaded file into INBOX (atomically, under a name no file has) and queue it.
        `name` and `unit` have been cleaned (names.clean_filename / clean_unit)."""
        if self._stopping or self._thread is None or not self._thread.is_alive():
            raise Refusal("busy")
        tmp = self.inbox / STAGING / f"{secrets.token_hex(8)}.part"
        try:
            size = 0
            with open(tmp, "wb") as fh:
                for chunk in iter(lambda: source.read(1 << 20), b""):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise Refusal("too-large", limit=size_text(self.max_bytes))
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            rel = self._place(tmp, unit or NO_UNIT, name)
        except OSError as exc:
            from xlsproc.errors import os_reason
            raise Refusal("write-failed", reason=os_reason(exc)) from None
        finally:
            tmp.unlink(missing_ok=True)
        job = Upload(secrets.token_urlsafe(12), name, unit, rel)
        with self._cv:
            self._queue.append(job)
            self._cv.notify()
        return job

    def _place(self, tmp: Path, unit: str, name: str) -> str:
        """Rename into INBOX/<unit>/ under the first free name: name, name (2), name (3) …"""
        folder = self.inbox / unit
        stem, suffix = os.path.splitext(name)
        with self._names:
            folder.mkdir(exist_ok=True)
            taken = {p.name.casefold() for p in folder.iterdir()}
            n, candidate = 1, name
            while candidate.casefold() in taken:
                n += 1
                candidate = f"{stem} ({n}){suffix}"
            os.replace(tmp, folder / candidate)
        return f"{unit}/{candidate}"

    # --- the processor thread -----------------------------------------------------------------

    def _loop(self) -> None:
        try:
            self._pool = WorkerPool(work, None, self.jobs, self.timeout, self.start_method,
                                    chunk=CHUNK, preload=WORKER_MODULES)   # each run sets its context
            self._batch([])                     # what INBOX already holds
            self.ready.set()
            while True:
                with self._cv:
                    while not self._queue and not self._stopping:
                        self._cv.wait()
                    jobs, self._queue = self._queue, []
                if not jobs and self._stopping:
                    return
                self._batch(jobs)
        finally:
            with self._cv:                      # nobody waits for an answer that cannot come
                self._stopping = True
                left, self._queue = self._queue, []
            for job in left:
                job.future.set_exception(Refusal("busy"))
            self.ready.set()
            if self._pool is not None:
                self._pool.close()

    def _batch(self, jobs: list[Upload]) -> None:
        try:
            with _RUNS:
                self._process_uploads(jobs)
        except Exception as exc:       # noqa: BLE001 — every waiting upload gets an answer
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(exc)
            return
        batch = self.answered + 1
        for job in jobs:
            self.recent.appendleft(job)
            self.by_id[job.id] = job
        self.answered = batch
        for job in jobs:
            job.future.set_result(job)
        while len(self.by_id) > 4 * RECENT:           # downloads of long-gone uploads expire
            self.by_id.pop(next(iter(self.by_id)))
        self._refresh_district()
        self.refreshed = batch

    def _run(self) -> Outcome:
        kwargs = {"docx": True} if "docx" in inspect.signature(process).parameters else {}
        outcome = process(self.inbox, self.outbox, self.rules, pool=self._pool,
                          timeout=self.timeout, **kwargs)
        self.runs += 1
        return outcome

    def _process_uploads(self, jobs: list[Upload]) -> None:
        outcome = self._run()
        records = {r.rel: r for r in outcome.records}
        changed = False
        for i, job in enumerate(jobs):
            rec = records.get(job.rel)
            job.entry = outcome.entry(rec) if rec else None
            if job.entry is None or job.entry["status"] != "ok":
                self._remove(job.rel)                 # its reason is the answer; nothing is kept
                changed = True
                continue
            if job.unit is None:
                changed |= self._move_to_unit(job)
            changed |= self._replace_earlier(job, jobs, i, outcome)
        if changed:
            outcome = self._run()
            records = {r.rel: r for r in outcome.records}
            for job in jobs:
                if job.rel in records and job.entry and job.entry["status"] == "ok":
                    job.entry = outcome.entry(records[job.rel])
        for job in jobs:
            if job.entry is not None:
                job.entry["path"] = job.rel           # the server's own folders stay its own
        self.entries = [outcome.entry(r) for r in outcome.records]

    def _move_to_unit(self, job: Upload) -> bool:
        """An upload sent without a unit goes to the folder of the unit its tables name."""
        named = [unit_name(ev.get("unit")) for ev in job.entry["evaluations"] if ev.get("unit")]
        try:
            unit = clean_unit(named[0]) if named else None
        except Refusal:
            unit = None
        if unit is None:
            return False
        job.unit = unit
        old = self.inbox / job.rel
        job.rel = self._place(old, unit, Path(job.rel).name)
        try:
            old.parent.rmdir()                      # the last file waiting for its unit
        except OSError:
            pass
        return True

    def _replace_earlier(self, job: Upload, jobs: list[Upload], i: int, outcome: Outcome) -> bool:
        """Remove the earlier files of the job's unit folder whose tables the job's all cover
        (jobs[i] is the job; the batch's later uploads are not earlier files)."""
        keys = table_keys(job.entry)
        if not keys:
            return False
        folder = job.rel.split("/")[0] + "/"
        spare = {j.rel for j in jobs[i:]}
        gone = False
        for rec in outcome.records:
            rel = rec.rel
            if not rel.startswith(folder) or rel in spare or rec.status != "ok":
                continue
            theirs = table_keys(outcome.entry(rec))
            if theirs and theirs <= keys:
                self._remove(rel)
                job.replaced.append(Path(rel).name)
                for other in [*self.recent, *jobs[:i]]:
                    if other.rel == rel:
                        other.replaced_by = job.name
                gone = True
        return gone

    def _remove(self, rel: str) -> None:
        try:
            (self.inbox / rel).unlink()
        except FileNotFoundError:
            pass

    # --- the district's outputs ---------------------------------------------------------------

    def _refresh_district(self) -> None:
        """The district workbook and return packs, rebuilt after each change (as watch
        --consolidate does: district.refresh.Refresher)."""
        ok = any(e["status"] == "ok" and e["evaluations"] for e in self.entries)
        with _RUNS:
            if not ok:                          # nothing readable (yet, or any more)
                self.district_path.unlink(missing_ok=True)
                if self.packs:
                    from xlsproc.district.returns import write_return_packs
                    write_return_packs([], self.packs_path)     # the old packs go
                self.packs, self.district_error = {}, None
                return
            done = self._refresher()
            self._refresher.history.clear()     # a server runs for weeks: keep no history
        self.district_error = done.error
        if done.packs is not None:
            self.packs = {p.unit: p.folder.name for p in done.packs if p.folder is not None}

    # --- what the pages show --------------------------------------------------------------------

    def status(self) -> RosterStatus:
        return roster_status(self.roster, self.entries)

    def caught_up(self, answered: int) -> bool:
        """The district's outputs include every upload answered before `answered` was read."""
        return self.refreshed >= answered or self._thread is None or not self._thread.is_alive()

    def reports_for(self, output: str | None) -> list[Path]:
        """The Word 自评报告 the batch wrote next to a copy (process --docx: `<copy>_自评报告.docx`,
        or `<copy>_自评报告_<n>_<sheet>.docx` for a workbook of several tables)."""
        if not output:
            return []
        copy = self.outbox / output
        single = re.compile(re.escape(f"{copy.stem}_{REPORT}") + r"(_\d+_.*)?\.docx$")
        try:
            names = os.listdir(copy.parent)
        except OSError:
            return []
        found = [copy.parent / n for n in names if single.match(n)]
        return sorted(found, key=lambda p: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", p.name)])


def table_keys(entry: dict | None) -> set[tuple]:
    """What a workbook submits: its tables' (unit, kind, project, year), the unit and project
    compared as consolidation compares them."""
    if not entry:
        return set()
    return {(unit_key(ev.get("unit") or ""), ev.get("kind"), text_key(ev.get("project") or ""),
             ev.get("year")) for ev in entry.get("evaluations") or []}
