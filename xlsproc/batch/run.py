"""A folder (or a file) in, annotated copies and results.json out. Never writes into INBOX.

Work is done in worker processes (batch.WorkerPool): a corrupt, hostile or hanging file costs
only itself. The run is incremental and survives being killed at any moment:

    OUTBOX/<relpath>                 annotated copies, mirroring INBOX (.xls → .xlsx)
    OUTBOX/results.json              one entry per file now in INBOX (results-json.md)
    OUTBOX/隔离清单.txt               the files that could not be read, with reasons
    OUTBOX/.xlsproc/manifest.json    per input: size, mtime, sha256, what became of it
    OUTBOX/.xlsproc/entries/*.json   each file's results entry; results.json is assembled from them
    OUTBOX/.xlsproc/tmp/             staging (wiped at the start of every run)

Every file is written under a temporary name and renamed into place; an input is recorded in the
manifest only after its output and entry are in place, so a rerun redoes exactly what is missing.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection, Iterable, Iterator

from xlsproc import __version__
from xlsproc.batch.pool import CRASHED, FAILED, TIMEOUT, WorkerPool
from xlsproc.fileio import atomic_text, sha256, write_text_atomic
from xlsproc.errors import detail as error_detail, file_error, os_file_error, os_reason
from xlsproc.read.grid import DEFAULT_MAX_BYTES, is_lock_file
from xlsproc.model import XlsprocError
from xlsproc.rules import Rules, load_rules

# Files a unit may have sent as its workbook. Those we cannot read (.ods, .csv …) are reported
# with what to do rather than silently passed over.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xltx", ".xltm", ".xlsb", ".et", ".ett",
                        ".ods", ".csv")
STATE = ".xlsproc"
RESULTS = "results.json"
QUARANTINE = "隔离清单.txt"
DEFAULT_TIMEOUT = 120.0
MANIFEST_FORMAT = 1
CHUNK = 64                  # files per worker task: scoring is done per chunk (see work)
STORE_BATCH = 128           # store rows (~20 KB each) written in one transaction at most
SAVE_EVERY = 2.0            # seconds between manifest saves (and store transactions), at least
KEEP_BYTES = 2 << 20        # a workbook up to this size is read once for scoring and copying,
KEPT_PER_CHUNK = 64 << 20   # as long as a chunk holds no more than this
LOCKED = "output-locked"
UNREADABLE = "inbox-unreadable"
RETRY_CODES = (TIMEOUT, CRASHED, FAILED, LOCKED)   # failures not of the file: retried next run
STORE_ROW = "store_row"     # a worker's record carries its entry for the store under this key
WORKER_MODULES = ("xlsproc.write.annotate", "xlsproc.read.reader", "xlsproc.write.results", "xlsproc.score.scoring",
                  "xlsproc.store")
GROUP_SYNC = hasattr(os, "sync")     # POSIX: one os.sync() before each manifest save


def file_json(*args, **kwargs) -> dict:
    from xlsproc.write.results import file_json as make   # imports scoring → pandas: workers only
    return make(*args, **kwargs)


# --- which files, and where their copies go ---------------------------------------------------

def discover(inbox: Path, outbox: Path | None = None, include_locks: bool = True) -> list[Path]:
    """Every workbook below INBOX, sorted; hidden folders and OUTBOX are not searched.

    Lock files (~$name.xlsx) are included unless include_locks=False: they are reported as skipped.
    """
    if inbox.is_file():
        return [inbox]
    skip = outbox.resolve() if outbox else None
    found = []
    for dirpath, dirnames, filenames in os.walk(inbox, onerror=_unreadable):
        here = Path(dirpath)
        if skip is not None and here.resolve() == skip:
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if _is_workbook_name(name) and (include_locks or not is_lock_file(Path(name))):
                found.append(here / name)
    return sorted(found, key=lambda p: relative(p, inbox).as_posix())


def _unreadable(exc: OSError) -> None:
    """A folder that cannot be listed stops the run: its files must not count as removed."""
    raise file_error(UNREADABLE, path=exc.filename, reason=os_reason(exc))


def _is_workbook_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in SPREADSHEET_SUFFIXES


def output_name(rel: Path) -> Path:
    """Where a file's annotated copy goes below OUTBOX (.xls → .xlsx, templates → workbooks)."""
    suffix = rel.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return rel
    if suffix == ".xltm":
        return rel.with_suffix(".xlsm")
    return rel.with_suffix(".xlsx")          # .xls, .xltx, .xlsb, .et …: written as .xlsx


def assign_outputs(rels: Iterable[str]) -> dict[str, str]:
    """rel → output rel, unique: a.xls next to a.xlsx gets a_xls.xlsx instead of overwriting it."""
    rels = [r for r in rels if not is_lock_file(Path(r))]
    kept = {os.path.normcase(r) for r in rels if output_name(Path(r)).as_posix() == r}
    out, taken = {}, set(kept)
    for rel in rels:
        name = output_name(Path(rel)).as_posix()
        if name != rel and os.path.normcase(name) in taken:
            p = Path(rel)
            name = p.with_name(f"{p.stem}_{p.suffix[1:]}{output_name(p).suffix}").as_posix()
        taken.add(os.path.normcase(name))
        out[rel] = name
    return out


def relative(path: Path, inbox: Path) -> Path:
    return Path(path.name) if inbox.is_file() else path.relative_to(inbox)


def root_of(inbox: Path) -> Path:
    return inbox.parent if inbox.is_file() else inbox


def check_paths(inbox: Path, outbox: Path) -> None:
    inbox_r, outbox_r = inbox.resolve(), outbox.resolve()
    if inbox_r == outbox_r or (inbox.is_file() and outbox_r == inbox_r.parent):
        raise XlsprocError("usage", f"输出目录 {outbox} 与输入相同：xlsproc 从不写入输入目录，请另选输出目录（-o）。")
    if inbox.is_dir() and outbox_r in inbox_r.parents:
        raise XlsprocError("usage", f"收件目录 {inbox} 位于输出目录 {outbox} 之内：输出可能覆盖收件文件，请另选输出目录（-o）。")
    if outbox.exists() and not outbox.is_dir():
        raise XlsprocError("usage", f"输出位置 {outbox} 是一个文件，不是目录，请另选输出目录（-o）。")


# --- one file, in a worker ------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """What every worker needs; sent once per worker (picklable for spawn)."""

    root: str              # INBOX as given (its parent when INBOX is one file)
    outbox: str
    rules: Rules
    max_bytes: int = DEFAULT_MAX_BYTES
    db: str | None = None  # the results store: last year's figures for relative targets
    up_to_run: int | None = None   # …as recorded up to this run (the store as the batch began)


Task = tuple[str, "str | None", str]          # (relpath, output relpath, entry key)


@dataclass
class _Read:
    """A workbook read and waiting to be scored with the rest of its chunk."""

    task: Task
    path: Path
    st: os.stat_result
    digest: str
    evaluations: list
    data: bytes | None          # the bytes read and scored, kept for the copy unless large


def work(chunk: list[Task] | None, ctx: Context,
         before_file: Callable[[Task], None] | None = None) -> Iterator[tuple]:
    """A worker's chunk handler (batch.WorkerPool events): read each workbook, score all their
    tables in one pass (pandas costs per call, not per row: ~4× cheaper than file by file),
    then write each copy and entry. Each result is the file's manifest record.

    chunk=None warms the worker up. before_file(task) runs first for each file (tests use it
    to inject crashes and hangs).
    """
    if chunk is None:
        for name in WORKER_MODULES:                          # load once per worker
            importlib.import_module(name)
        return
    read: list[tuple[int, _Read]] = []
    kept = 0                                  # bytes held for the copies (KEPT_PER_CHUNK at most)
    for i, task in enumerate(chunk):
        yield ("begin", i)
        event = _stage(i, lambda: _read_stage(task, ctx, before_file))
        if event[0] == "done" and isinstance(event[2], _Read):
            item = event[2]
            if item.data is not None:
                if kept + len(item.data) > KEPT_PER_CHUNK:
                    item.data = None          # the copy reads the file again instead
                else:
                    kept += len(item.data)
            read.append((i, item))
        else:
            yield event
    if not read:
        return
    yield ("begin", None)
    scored = _score_all([r for _, r in read], ctx.rules, last_year_lookup(ctx.db, ctx.up_to_run))
    for (i, item), item_results in zip(read, scored):
        yield ("begin", i)
        yield _stage(i, lambda: _write_stage(item, item_results, ctx))


def _stage(i: int, step: Callable) -> tuple:
    try:
        return ("done", i, step())
    except Exception as exc:       # noqa: BLE001 — a bug costs this file only
        return ("failed", i, f"{type(exc).__name__}: {str(exc)[:300]}")


def _read_stage(task: Task, ctx: Context, before_file) -> dict | _Read:
    """A record when the file is finished here (lock file, refused, unreadable), else _Read."""
    from xlsproc.read.reader import read_workbook
    if before_file:
        before_file(task)
    rel, out, key = task
    path = Path(ctx.root) / rel
    try:
        st = path.stat()
        if is_lock_file(path):
            return _save(task, st, file_json(path, status="skipped", digest=sha256(path)), ctx)
        if st.st_size > ctx.max_bytes:
            return _save(task, st, _error_entry(path, _too_large(st.st_size, ctx), None, ctx, out), ctx)
        with open(path, "rb") as fh:          # one read: hashed here, parsed from memory
            data = fh.read()
        digest = hashlib.sha256(data).hexdigest()
        try:
            return _Read(task, path, st, digest, read_workbook(path, data=data),
                         data if len(data) <= KEEP_BYTES else None)
        except XlsprocError as exc:
            return _save(task, st, _error_entry(path, exc, digest, ctx, out), ctx)
    except (FileNotFoundError, NotADirectoryError):
        return {"rel": rel, "status": "vanished"}
    except PermissionError as exc:
        return _save(task, path.stat(), _error_entry(path, os_file_error(exc), None, ctx, out), ctx)


def _too_large(size: int, ctx: Context) -> XlsprocError:
    return file_error("file-too-large", size=_mib(size), limit=_mib(ctx.max_bytes))


def _score_all(items: list[_Read], rules: Rules, last_year=None) -> list:
    """Every item's results, scored together; file by file if that fails (an error is kept)."""
    from xlsproc.score.scoring import score
    try:
        scored = iter(score([ev for it in items for ev in it.evaluations], rules, last_year))
        return [[next(scored) for _ in it.evaluations] for it in items]
    except Exception:               # noqa: BLE001 — find out which file it was
        return [_score_alone(it, rules, last_year) for it in items]


def _score_alone(item: _Read, rules: Rules, last_year=None):
    from xlsproc.score.scoring import score
    try:
        return score(item.evaluations, rules, last_year)
    except Exception as exc:        # noqa: BLE001
        return exc


_STORES: dict = {}


def last_year_lookup(db: str | None, up_to_run: int | None = None):
    """`last_year(evaluation, indicator)` backed by the results store, or None without one.
    Asked only for relative targets (不低于上一年度); one connection per worker and store.
    Only runs up to `up_to_run` count: what this batch records meanwhile must not change how
    its own files are scored (that would depend on timing and on --jobs)."""
    if not db or not Path(db).is_file():
        return None
    from xlsproc.store import Store, StoreError
    try:
        store = _STORES.get(db) or _STORES.setdefault(db, Store(db))
    except StoreError:
        return None                 # the parent reports a store it cannot use

    def last_year(ev, ind) -> float | None:
        project = ev.project.text or None if ev.kind == "project" else None
        found = store.last_year_value(ev.unit.text or None, project, ev.year, ind.name.text,
                                      up_to_run)
        return None if found is None else found[1]
    return last_year


def _write_stage(item: _Read, results, ctx: Context) -> dict:
    if isinstance(results, Exception):
        raise results
    _, out, _ = item.task
    try:
        _write_copy(item.path, out, results, ctx, item.data)
    except XlsprocError as exc:
        return _save(item.task, item.st, _error_entry(item.path, exc, item.digest, ctx, out), ctx)
    entry = file_json(item.path, results, digest=item.digest)
    entry["output"] = out
    return _save(item.task, item.st, entry, ctx)


def _save(task: Task, st: os.stat_result, entry: dict, ctx: Context) -> dict:
    """Write the file's entry (after its copy is in place); its manifest record, carrying the
    entry encoded for the results store (`STORE_ROW`: the parent records it and drops it)."""
    rel, _, key = task
    entry["relpath"] = rel
    record = make_record(rel, key, st, entry)
    record[STORE_ROW] = write_entry(ctx.outbox, key, entry)
    return record


def _error_entry(path: Path, error: XlsprocError, digest: str | None, ctx: Context,
                 out: str | None) -> dict:
    """An error entry; an annotated copy left from an earlier version of the file goes
    (unless it is the copy the officer has open)."""
    if error.code != LOCKED:
        remove_output(Path(ctx.outbox), out)
    entry = file_json(path, error=error, digest=digest or "")
    entry["sha256"] = digest
    return entry


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB"


def _write_copy(path: Path, out: str, results, ctx: Context, data: bytes | None) -> None:
    """annotate() into our staging folder, then one rename into place: never half a file.
    The copy is made from the bytes that were scored (`data`) when they were kept."""
    from xlsproc.write.annotate import annotate
    outbox = Path(ctx.outbox)
    staging = outbox / STATE / "tmp" / str(os.getpid())
    tmp = staging / ("copy" + Path(out).suffix)
    annotate(path, tmp, results, ctx.rules.name, fsync=not GROUP_SYNC, atomic=False, data=data)
    final = outbox / out
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(tmp, final)
    except PermissionError:
        os.unlink(tmp)
        raise file_error(LOCKED, path=final) from None


def remove_output(outbox: Path, out: str | None) -> None:
    if out:
        try:
            (outbox / out).unlink()
        except (FileNotFoundError, PermissionError):    # gone already / open in Excel
            pass


def make_record(rel: str, key: str, st: os.stat_result, entry: dict) -> dict:
    """What the manifest keeps of a file: enough to skip it and to summarise it."""
    grades: Counter = Counter()
    flags: Counter = Counter()
    for ev in entry["evaluations"]:
        grades[ev["grade"]] += 1
        flags.update(ev["flag_counts"])
    return {"rel": rel, "key": key, "path": entry["path"], "size": st.st_size,
            "mtime_ns": st.st_mtime_ns, "sha256": entry["sha256"], "status": entry["status"],
            "output": entry.get("output"), "error": entry["error"],
            "retry": (entry["error"] or {}).get("code") in RETRY_CODES,
            "tables": len(entry["evaluations"]), "grades": dict(grades), "flags": dict(flags)}


# --- writing state files atomically -----------------------------------------------------------

def entry_key(rel: str) -> str:
    return hashlib.sha256(rel.encode("utf-8")).hexdigest()[:32] + ".json"


def write_entry(outbox: Path | str, key: str, entry: dict):
    """One line of compact JSON (the C encoder: 5× faster than indent=2). No fsync per file:
    results.json is assembled from these and checks each one (_entry_text). Returns the entry
    as the results store keeps it (store.FileRow): it is encoded once, for both."""
    from xlsproc.store import file_row
    row = file_row(entry)
    folder = os.path.join(outbox, STATE, "entries")
    tmp = os.path.join(folder, f".{key}.{os.getpid()}.tmp")  # one writer per pid: no mkstemp needed
    with open(tmp, "wb") as fh:
        fh.write(row.entry_text().encode("utf-8"))
    os.replace(tmp, os.path.join(folder, key))
    return row


# --- the manifest -------------------------------------------------------------------------

def rules_hash(rules: Rules) -> str:
    text = json.dumps(rules, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Manifest:
    """OUTBOX/.xlsproc/manifest.json: records valid for one xlsproc version and rule profile."""

    def __init__(self, outbox: Path, header: dict):
        self.path = outbox / STATE / "manifest.json"
        self.header = header
        self.records: dict[str, dict] = {}
        self.results_fp: str | None = None
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
        if isinstance(data, dict) and data.get("header") == header:
            manifest.records = {r["rel"]: r for r in data.get("files", []) if "rel" in r}
            manifest.results_fp = data.get("results")
        return manifest

    def put(self, record: dict) -> None:
        self.records[record["rel"]] = record
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
                "files": sorted(self.records.values(), key=lambda r: r["rel"])}
        write_text_atomic(self.path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        self._saved_at = time.monotonic()
        self._cost = self._saved_at - now


# --- planning a run -------------------------------------------------------------------------

@dataclass
class Plan:
    current: list[str]                   # every file results.json will describe, in order
    outputs: dict[str, str]              # rel → output rel
    keep: dict[str, dict]                # rel → record reused as it is
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
    keep, todo = {}, []
    for rel in rels:
        rec = manifest.records.get(rel)
        if rel in held:
            if rec:
                keep[rel] = rec
        elif not force and rec and _fresh(rec, root / rel, outputs.get(rel), outbox):
            keep[rel] = rec
        else:
            todo.append(rel)
    current = [r for r in rels if r in keep or r not in held]
    now = set(current)
    removed = [r for r in manifest.records if r not in now]
    return Plan(current, outputs, keep, todo, removed)


def _fresh(rec: dict, path: Path, out: str | None, outbox: Path) -> bool:
    """A record still describes the file: same bytes, and its copy and entry are in place."""
    if rec.get("retry"):
        return False
    try:
        st = path.stat()
    except OSError:
        return False
    if rec["status"] == "ok" and (rec["output"] != out or not (outbox / out).is_file()):
        return False
    if not (outbox / STATE / "entries" / rec["key"]).is_file():
        return False
    if (st.st_size, st.st_mtime_ns) == (rec["size"], rec["mtime_ns"]):
        return True
    if st.st_size == rec["size"] and rec["sha256"] and sha256(path) == rec["sha256"]:
        rec["mtime_ns"] = st.st_mtime_ns           # touched, not changed
        return True
    return False


def forget_stale(plan: Plan, manifest: Manifest, outbox: Path) -> None:
    """Drop records not kept; delete copies and entries of files that left INBOX (or renamed)."""
    claimed = {os.path.normcase(plan.outputs[r]) for r in plan.current if r in plan.outputs}
    current = set(plan.current)
    for rel in [r for r in manifest.records if r not in plan.keep]:
        rec = manifest.records.pop(rel)
        out = rec.get("output")
        if out and os.path.normcase(out) not in claimed:
            remove_output(outbox, out)
        if rel not in current:
            remove_output(outbox / STATE / "entries", rec.get("key"))
    manifest.save()


# --- results.json and the quarantine list ---------------------------------------------------

def results_fingerprint(header: dict, records: list[dict]) -> str:
    digest = hashlib.sha256(json.dumps(header, sort_keys=True).encode())
    for r in records:
        digest.update(f"{r['rel']}\0{r['key']}\0{r['size']}\0{r['mtime_ns']}\0{r['sha256']}\0"
                      f"{r['status']}\0{r['path']}\n".encode("utf-8"))
    return digest.hexdigest()


def write_results(outbox: Path, records: list[dict], root: Path) -> None:
    """Assemble results.json from the entry files, streaming: memory does not grow with N.

    One entry per line: a JSON array that line-oriented tools (grep, diff) can also read."""
    with atomic_text(outbox / RESULTS) as fh:
        fh.write("[")
        for i, rec in enumerate(records):
            text = _entry_text(outbox, rec, str(root / rec["rel"]))
            fh.write(("," if i else "") + "\n" + text)
        fh.write("\n]\n" if records else "]\n")


def _entry_text(outbox: Path, rec: dict, path: str) -> str:
    """A file's entry as one line of JSON. One found missing or damaged (a power cut, a hand
    in OUTBOX) is replaced by a stub from the manifest, and the file is redone next run."""
    try:
        text = (outbox / STATE / "entries" / rec["key"]).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    if not (text.startswith("{") and text.endswith("}") and "\n" not in text):
        rec["retry"] = True
        text = json.dumps(_stub(rec, path), ensure_ascii=False, separators=(",", ":"))
    if rec["path"] != path:             # INBOX given under another name than last time
        entry = json.loads(text)
        entry["path"] = path
        text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    return text


def _stub(rec: dict, path: str) -> dict:
    return {"file": Path(rec["rel"]).name, "path": path, "sha256": rec["sha256"],
            "status": rec["status"], "error": rec["error"], "evaluations": [],
            "relpath": rec["rel"], "output": rec["output"]}


def write_quarantine(outbox: Path, records: list[dict], root: Path) -> None:
    """隔离清单.txt: the files that could not be read. Inputs are listed, never moved."""
    path = outbox / QUARANTINE
    bad = [r for r in records if r["status"] == "error"]
    if not bad:
        remove_output(outbox, QUARANTINE)
        return
    lines = [f"隔离清单：以下 {len(bad)} 个文件无法读取，未生成批注副本（原文件未移动、未修改）。",
             f"收件目录：{root}", ""]
    for r in bad:
        lines += [r["rel"], f"    原因：{r['error']['message']}（{r['error']['code']}）"]
    write_text_atomic(path, "\n".join(lines) + "\n")


# --- the outcome of a run -------------------------------------------------------------------

@dataclass
class Outcome:
    outbox: Path
    records: list[dict]                  # one per file in INBOX, in results.json order
    processed: list[str]                 # rels processed in this run
    removed: list[str]                   # rels whose outputs were removed (left INBOX)
    root: Path = Path(".")               # INBOX (its folder when INBOX is one file)
    seconds: float = 0.0

    @property
    def results_path(self) -> Path:
        return self.outbox / RESULTS

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.records if r["status"] == "error"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def entries(self) -> list[dict]:
        """The whole results.json (loads every entry: mind memory for very large batches)."""
        return json.loads(self.results_path.read_text("utf-8"))

    def iter_entries(self) -> Iterator[dict]:
        """The results.json entries one at a time (flat memory for large batches)."""
        return map(self.entry, self.records)

    def entry(self, rec: dict) -> dict:
        """The results entry of one of this run's records."""
        return json.loads(_entry_text(self.outbox, rec, str(self.root / rec["rel"])))

    def totals(self) -> dict:
        ok = [r for r in self.records if r["status"] == "ok"]
        grades: Counter = Counter()
        flags: Counter = Counter({"error": 0, "warning": 0, "info": 0})
        for r in ok:
            grades.update(r["grades"])
            flags.update(r["flags"])
        return {"files": len(self.records), "ok": len(ok), "failed": len(self.failed),
                "skipped": sum(1 for r in self.records if r["status"] == "skipped"),
                "tables": sum(r["tables"] for r in ok), "grades": dict(grades),
                "flags": dict(flags)}


# --- the run ------------------------------------------------------------------------------

def process(inbox: str | Path, outbox: str | Path, rules: Rules | None = None, *,
            jobs: int | None = None, force: bool = False, timeout: float | None = DEFAULT_TIMEOUT,
            progress: Callable[[int, int], None] | None = None,
            on_record: Callable[[dict], None] | None = None,
            start_method: str | None = None, handler: Callable = work,
            pool: WorkerPool | None = None, only: Collection[str] | None = None,
            include_locks: bool = True, db: str | Path | None = None) -> Outcome:
    """Process the new and changed workbooks below INBOX into OUTBOX; results.json for all.

    jobs: worker processes (default: all cores); timeout: seconds per file; force: redo all.
    progress(done, total) and on_record(record) are called in this process as files finish.
    handler: the chunk handler run in workers (default `work`; tests pass
    functools.partial(work, before_file=...) to inject crashes and hangs).
    pool: a WorkerPool to reuse (watch mode); only: process no rel outside it (watch mode:
    the settled files), keeping the old results of the others.
    db: the results store (default OUTBOX/xlsproc.sqlite): this run's results are recorded in
    it, and its earlier years score relative targets (不低于上一年度).
    """
    started = time.monotonic()
    inbox, outbox = Path(inbox), Path(outbox)
    check_paths(inbox, outbox)
    rules = rules or load_rules()
    _prepare(outbox)
    header = {"format": MANIFEST_FORMAT, "xlsproc": __version__, "rules": rules_hash(rules)}
    manifest = Manifest.load(outbox, header)
    plan = make_plan(inbox, outbox, manifest, force, only, include_locks)
    db = Path(db) if db else default_store(outbox)
    recorder = StoreRecorder(db, {"inbox": str(inbox.resolve()), "outbox": str(outbox.resolve()),
                                  "rules": rules.name, "version": __version__}, manifest)
    recorder.forget(plan.removed, outbox, manifest)   # before the manifest lets go of them
    forget_stale(plan, manifest, outbox)
    ctx = Context(str(root_of(inbox)), str(outbox), rules,
                  db=str(db) if recorder.up_to_run else None, up_to_run=recorder.up_to_run)
    manifest.before_save = recorder.flush
    try:
        processed = _run(plan, manifest, ctx, pool, handler, jobs, timeout, start_method,
                         progress, on_record, recorder)
        records = [manifest.records[r] for r in plan.current if r in manifest.records]
        _finish(outbox, manifest, records, root_of(inbox), bool(processed or plan.removed))
        outcome = Outcome(outbox, records, processed, plan.removed, root_of(inbox),
                          time.monotonic() - started)
        recorder.catch_up(outcome, manifest)
    finally:
        manifest.before_save = None
        recorder.close()
    return outcome


def default_store(outbox: Path) -> Path:
    from xlsproc.store import default_path
    return Path(default_path(outbox))


class StoreRecorder:
    """This run's results into the results store as they come in. Each file's entry arrives
    from its worker already encoded (store.FileRow) and is added in a transaction every
    STORE_BATCH files and just before each manifest save, and its manifest record is marked
    `stored`: the manifest never vouches for a file the store has not got. Files the store
    missed (it could not be written, or it was deleted) are recorded from their entries by
    `catch_up`, which also drops the files that left INBOX. A store that cannot be written stops
    the recording, not the run: its error is raised at the end, after every output is in place."""

    def __init__(self, db: Path, info: dict, manifest: Manifest):
        self.db, self.info = Path(db), info
        self.pending: list[tuple[dict, object]] = []
        self.store = None
        self.run: int | None = None
        self.error: Exception | None = None
        self.up_to_run = 0                     # the last run recorded before this one
        if not self.db.is_file() and manifest.records:
            # A store deleted (or never written): everything the manifest holds must go in.
            # Said in the manifest before the store exists again, so that a run killed after
            # its first store write still leaves the next run knowing.
            for record in manifest.records.values():
                record["stored"] = False
            manifest.save()
        self._write(lambda store: {})                      # open (create, migrate) it now
        if self.store is not None:
            self.up_to_run = self.store.last_run()

    def add(self, record: dict, row) -> None:
        record["stored"] = False
        self.pending.append((record, row))
        if len(self.pending) >= STORE_BATCH:    # memory stays flat between manifest saves
            self.flush()

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        if pending and self._write(lambda store: store.add([row for _, row in pending],
                                                           self.run, self.info)):
            for record, _ in pending:
                record["stored"] = True

    def _write(self, step) -> bool:
        import sqlite3

        from xlsproc.model import XlsprocError
        from xlsproc.store import Store, StoreError
        if self.error is not None:
            return False
        try:
            self.store = self.store or Store(self.db)
            self.run = step(self.store).get("run", self.run)
            return True
        except XlsprocError as exc:
            self.error = exc
        except (sqlite3.Error, OSError) as exc:   # locked for 30 s, disk full, a bad --db …
            reason = os_reason(exc) if isinstance(exc, OSError) else str(exc)
            self.error = StoreError(f"结果库 {self.db} 无法写入（{reason}）。批注副本和 results.json "
                                    "已全部写好；请检查结果库的位置（--db），或关闭正在使用它的程序，"
                                    "再重新运行同一命令，结果会自动补记。")
        return False

    def catch_up(self, outcome: Outcome, manifest: Manifest) -> None:
        self.flush()
        missing = [rec for rec in outcome.records
                   if rec["status"] != "skipped" and not rec.get("stored", True)]
        if missing:
            from xlsproc.store import file_row
            if self._write(lambda store: store.add((file_row(outcome.entry(r)) for r in missing),
                                                   self.run, self.info)):
                for rec in missing:
                    rec["stored"] = True
                manifest.save()
        if self.error is not None:
            self.error.outcome = outcome       # the run itself is complete: callers may report it
            raise self.error

    def forget(self, removed: list[str], outbox: Path, manifest: Manifest) -> None:
        """Files that left INBOX leave the store — done before the manifest drops their records,
        so that a run killed in between forgets them next time. A copy with the same bytes still
        in INBOX was stored as one of them: it is recorded again (catch_up)."""
        if not removed:
            return
        gone: set[str] = set()

        def drop(store) -> dict:
            gone.update(store.forget_files(removed, outbox))
            return {}
        self._write(drop)
        leaving = set(removed)
        for record in manifest.records.values():
            if record["sha256"] in gone and record["rel"] not in leaving:
                record["stored"] = False

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


def _prepare(outbox: Path) -> None:
    """OUTBOX's state folders, rid of what a killed run left half-written."""
    state = outbox / STATE
    shutil.rmtree(state / "tmp", ignore_errors=True)
    (state / "entries").mkdir(parents=True, exist_ok=True)
    leftovers = [*outbox.glob(".tmp-*"), *state.glob(".tmp-*"), *(state / "entries").glob(".*.tmp")]
    for stale in leftovers:
        stale.unlink(missing_ok=True)


def _run(plan: Plan, manifest: Manifest, ctx: Context, pool: WorkerPool | None,
         handler: Callable, jobs, timeout, start_method, progress, on_record,
         recorder: StoreRecorder) -> list[str]:
    processed: list[str] = []
    tasks = [(rel, plan.outputs.get(rel), entry_key(rel)) for rel in plan.todo]
    finished = [0]
    if progress:
        progress(0, len(tasks))
    if not tasks:
        return processed

    def record(rec: dict | None) -> None:
        finished[0] += 1
        if rec is not None:                  # None: the file left INBOX meanwhile
            recorder.add(rec, rec.pop(STORE_ROW))
            manifest.put(rec)
            processed.append(rec["rel"])
            if on_record:
                on_record(rec)
        if progress:
            progress(finished[0], len(tasks))

    def on_done(task, rec):
        record(None if rec.get("status") == "vanished" else rec)

    def on_failed(task, code, detail):
        record(failure_record(task, code, detail, ctx, timeout))

    own = pool is None
    pool = pool or WorkerPool(handler, ctx, jobs, timeout, start_method, chunk=CHUNK,
                              preload=WORKER_MODULES)
    try:
        pool.run(tasks, on_done, on_failed)
    finally:
        if own:
            pool.close()
            shutil.rmtree(Path(ctx.outbox) / STATE / "tmp", ignore_errors=True)
        manifest.save()
    return processed


def _finish(outbox: Path, manifest: Manifest, records: list[dict], root: Path,
            changed: bool) -> None:
    fp = results_fingerprint(manifest.header, records)
    if not changed and fp == manifest.results_fp and (outbox / RESULTS).is_file():
        return
    write_results(outbox, records, root)
    write_quarantine(outbox, records, root)
    manifest.results_fp = fp
    manifest.save()


# --- files the worker could not finish ------------------------------------------------------

def failure_message(code: str, detail: str | None, timeout: float | None) -> str:
    if code == TIMEOUT:
        return error_detail(TIMEOUT, timeout=f"{timeout:g}")
    if code == CRASHED:
        return error_detail(CRASHED)
    return error_detail(FAILED, detail=detail)


def failure_record(task: tuple, code: str, detail: str | None, ctx: Context,
                   timeout: float | None) -> dict | None:
    """The record of a file whose worker crashed, hung or raised; retried on the next run."""
    rel, out, key = task
    path = Path(ctx.root) / rel
    try:
        st = path.stat()
        digest = sha256(path) if st.st_size <= ctx.max_bytes else None
    except OSError:
        return None                                  # the file left INBOX meanwhile
    error = XlsprocError(code if code in (TIMEOUT, CRASHED) else FAILED,
                         failure_message(code, detail, timeout))
    return _save(task, st, _error_entry(path, error, digest, ctx, out), ctx)
