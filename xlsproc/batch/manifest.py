"""OUTBOX/.xlsproc/manifest.json: per input its size, mtime, sha256 and what became of it;
and the plan of a run (which files to redo). An input is recorded in the manifest only after its
output and entry are in place, so a rerun redoes exactly what is missing.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Callable, Collection

from xlsproc.batch.outputs import (LOCKED, STATE, assign_outputs, discover, relative,
                                   remove_output, root_of)
from xlsproc.batch.entries import Sizes
from xlsproc.batch.pool import CRASHED, FAILED, TIMEOUT
from xlsproc.fileio import dumps, sha256, write_text_atomic
from xlsproc.rules import Rules, shown_grade


MANIFEST_FORMAT = 2          # 2: entries in journals (entries.py), not one file each
SAVE_EVERY = 2.0            # seconds between manifest saves (and store transactions), at least
# Failures not of the file's bytes: retried next run (once there is room on the disk, Excel has let
# go of the file, …) — its size and mtime need not change for it to be worth reading again.
RETRY_CODES = (TIMEOUT, CRASHED, FAILED, LOCKED, "disk-full", "file-unreadable", "file-not-found")
GROUP_SYNC = hasattr(os, "sync")     # POSIX: one os.sync() before each manifest save


@dataclass(slots=True)
class Record:
    """What the manifest keeps of a file: enough to skip it and to summarise it.
    Changed after it is made only where noted (by the store recording and the freshness check)."""

    rel: str                     # below INBOX, with /
    key: str                     # where its entry is: <journal>:<offset>:<length> (entries.py)
    path: str                    # the file as results.json names it
    size: int
    mtime_ns: int                # updated when a file was touched but not changed
    sha256: str | None
    status: str                  # ok / error / skipped (results-json.md)
    output: str | None           # its annotated copy below OUTBOX
    error: dict | None           # results.json's error: code, message …
    retry: bool = False          # redo next run (a failure not of the file, an entry lost)
    tables: int = 0
    grades: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    stored: bool = True          # in the results store (False until the recorder has it)
    copy: dict | None = None     # results.json's copy: what to know about the annotated copy

    def to_json(self) -> dict:
        """Its fields as the manifest writes them (shallow: its dicts hold only JSON values and
        are encoded at once — dataclasses.asdict deep-copied them, ~0.2 ms per file per save)."""
        return {name: getattr(self, name) for name in _RECORD_FIELDS}

    def __getitem__(self, name: str):
        """Read-only `record["rel"]` for code written against the dict records (xlsproc.serve)."""
        if name not in _RECORD_FIELDS:
            raise KeyError(name)
        return getattr(self, name)

    @classmethod
    def from_json(cls, data: dict) -> Record:
        return cls(**{k: data[k] for k in _RECORD_FIELDS if k in data})


_RECORD_FIELDS = tuple(f.name for f in fields(Record))


def make_record(rel: str, key: str, st: os.stat_result | None, entry: dict) -> Record:
    grades: Counter = Counter()
    flags: Counter = Counter()
    for ev in entry["evaluations"]:
        grades[shown_grade(ev["grade"])] += 1        # a withheld grade (null) counts as 待定
        flags.update(ev["flag_counts"])
    size, mtime = (st.st_size, st.st_mtime_ns) if st is not None else (-1, -1)
    return Record(rel, key, entry["path"], size, mtime, entry["sha256"],
                  entry["status"], entry.get("output"), entry["error"],
                  retry=(entry["error"] or {}).get("code") in RETRY_CODES,
                  tables=len(entry["evaluations"]), grades=dict(grades), flags=dict(flags),
                  copy=entry.get("copy"))


# --- the manifest -------------------------------------------------------------------------

def rules_hash(rules: Rules) -> str:
    text = json.dumps(rules, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Manifest:
    """OUTBOX/.xlsproc/manifest.json: records valid for one xlsproc version and rule profile."""

    def __init__(self, outbox: Path, header: dict):
        self.path = outbox / STATE / "manifest.json"
        self.header = header
        self.records: dict[str, Record] = {}
        self.results_fp: str | None = None
        self.unforgotten: list[str] = []   # rels that left INBOX but may still be in the store
        self.departed = False              # their entries are still in a journal (entries.sweep)
        self._saved_at = 0.0
        self._cost = 0.0
        self._unsynced = False
        self.before_save: Callable[[], None] | None = None    # e.g. the store catching up

    @classmethod
    def load(cls, outbox: Path, header: dict) -> Manifest:
        manifest = cls(outbox, header)
        try:
            data = json.loads(manifest.path.read_text("utf-8"))
        except (OSError, ValueError):
            return manifest
        if not isinstance(data, dict):
            return manifest
        files = data.get("files") if isinstance(data.get("files"), list) else []
        unforgotten = [r for r in data.get("forget") or [] if isinstance(r, str)]
        if data.get("header") == header:
            try:
                records = [Record.from_json(r) for r in files]
                manifest.results_fp = data.get("results")
            except TypeError:                    # a record lacking a field: start afresh
                records = []
            manifest.records = {r.rel: r for r in records}
        if not manifest.records:
            # Records of another version or rule profile are not reused, but the files they
            # describe may have left INBOX since: the store must still forget those.
            unforgotten += [r["rel"] for r in files if isinstance(r, dict)
                            and isinstance(r.get("rel"), str)]
        manifest.unforgotten = list(dict.fromkeys(unforgotten))
        manifest.departed = data.get("departed") is True
        return manifest

    def put(self, record: Record) -> None:
        self.records[record.rel] = record
        self._unsynced = True
        self.save(throttle=True)

    def save(self, throttle: bool = False) -> None:
        """Throttled saves cost at most ~2% of the run, however large the manifest grows (a
        killed run redoes at most the last SAVE_EVERY seconds, or 2% of its time, of work).

        The copies and entries it is about to vouch for were written without fsync: one
        os.sync() first puts them on disk before the manifest says they are done."""
        now = time.monotonic()
        if throttle and now - self._saved_at < max(SAVE_EVERY, 50 * self._cost):
            return
        if self.before_save:
            self.before_save()
        if self._unsynced and GROUP_SYNC:
            os.sync()
        self._unsynced = False
        data = {"header": self.header, "results": self.results_fp,
                "files": [r.to_json() for r in sorted(self.records.values(), key=lambda r: r.rel)]}
        if self.unforgotten:
            data["forget"] = self.unforgotten
        if self.departed:
            data["departed"] = True
        write_text_atomic(self.path, dumps(data))
        self._saved_at = time.monotonic()
        self._cost = self._saved_at - now


# --- planning a run -------------------------------------------------------------------------

@dataclass
class Plan:
    current: list[str]                   # every file results.json will describe, in order
    outputs: dict[str, str]              # rel → output rel
    keep: dict[str, Record]                # rel → record reused as it is
    todo: list[str]                      # rels to process now
    removed: list[str] = field(default_factory=list)   # rels that left INBOX


def make_plan(inbox: Path, outbox: Path, manifest: Manifest, force: bool,
              only: Collection[str] | None = None, include_locks: bool = True) -> Plan:
    """Which files to process: new, changed (size/mtime, then sha256), or with missing outputs.

    only: when given, files outside it are held: an old record stays, a new file waits.
    """
    rels = [relative(p, inbox).as_posix() for p in discover(inbox, outbox, include_locks)]
    outputs = assign_outputs(rels)
    root = root_of(inbox)
    held = set() if only is None else {r for r in rels if r not in only}
    entries = Sizes(outbox)
    keep, todo = {}, []
    for rel in rels:
        rec = manifest.records.get(rel)
        if rel in held:
            if rec:
                keep[rel] = rec
        elif not force and rec and _fresh(rec, root / rel, outputs.get(rel), outbox, entries):
            keep[rel] = rec
        else:
            todo.append(rel)
    current = [r for r in rels if r in keep or r not in held]
    now = set(current)
    removed = [r for r in manifest.records if r not in now]
    return Plan(current, outputs, keep, todo, removed)


def _fresh(rec: Record, path: Path, out: str | None, outbox: Path, entries: Sizes) -> bool:
    """A record still describes the file: same bytes, and its copy and entry are in place."""
    if rec.retry:
        return False
    try:
        st = path.stat()
    except OSError:
        return False
    if rec.status == "ok" and rec.output is not None \
            and (rec.output != out or not (outbox / out).is_file()):   # (None: no copy made)
        return False
    if not entries.holds(rec.key):
        return False
    if (st.st_size, st.st_mtime_ns) == (rec.size, rec.mtime_ns):
        return True
    if st.st_size == rec.size and rec.sha256 and sha256(path) == rec.sha256:
        rec.mtime_ns = st.st_mtime_ns           # touched, not changed
        return True
    return False


def forget_stale(plan: Plan, manifest: Manifest, outbox: Path) -> None:
    """Drop records not kept; delete copies of files that left INBOX (or renamed). Their entries
    go when the journals are compacted (entries.sweep: `manifest.departed` until then)."""
    claimed = {os.path.normcase(plan.outputs[r]) for r in plan.current if r in plan.outputs}
    for rel in [r for r in manifest.records if r not in plan.keep]:
        out = manifest.records.pop(rel).output
        if out and os.path.normcase(out) not in claimed:
            remove_output(outbox, out)
    manifest.departed |= bool(plan.removed)     # said in this save: a run killed before its
    manifest.save()                             # sweep leaves the next one to compact
