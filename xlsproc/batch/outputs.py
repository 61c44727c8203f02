"""Where things go in OUTBOX and how results are written: which INBOX files are work, the
output name of each, the state and staging folders, results.json and the quarantine list.

    OUTBOX/<relpath>                 annotated copies, mirroring INBOX (.xls → .xlsx)
    OUTBOX/results.json              one entry per file now in INBOX (results-json.md)
    OUTBOX/隔离清单.txt               the files that could not be read, with reasons
    OUTBOX/.xlsproc/entries/*.jsonl  each file's results entry (batch/entries.py); results.json is
                                     assembled from them
    OUTBOX/.xlsproc/tmp/             staging (wiped at the start of every run)
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterable, Iterator

from xlsproc.errors import file_error, os_reason
from xlsproc.fileio import atomic_text, dumps, file_kind, shown, write_text_atomic
from xlsproc.model import XlsprocError
from xlsproc.read.grid import is_lock_file

if TYPE_CHECKING:
    from xlsproc.batch.manifest import Record


# Files a unit may have sent as its workbook. Those we cannot read (.ods, .csv …) are reported
# with what to do rather than silently passed over.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xltx", ".xltm", ".xlsb", ".et", ".ett",
                        ".ods", ".csv")
STATE = ".xlsproc"
RESULTS = "results.json"
QUARANTINE = "隔离清单.txt"
LOCKED = "output-locked"
WORKER_LOG = "worker.log"   # in OUTBOX/.xlsproc: what workers' libraries print (panics …)
UNREADABLE = "inbox-unreadable"


# --- which files, and where their copies go ---------------------------------------------------

def discover(inbox: Path, outbox: Path | None = None, include_locks: bool = True) -> list[Path]:
    """Every workbook below INBOX, sorted; hidden folders, OUTBOX and the output folders of other
    runs left inside INBOX are not searched.

    Lock files (~$name.xlsx) are included unless include_locks=False: they are reported as skipped.
    """
    if inbox.is_file():
        return [inbox]
    skip = outbox.resolve() if outbox else None
    found = []
    for dirpath, dirnames, filenames in os.walk(inbox, onerror=_unreadable):
        here = Path(dirpath)
        if skip is not None and _resolved(here) == skip:
            dirnames[:] = []
            continue
        deep = [d for d in dirnames if len(os.fsencode(here / d)) >= PATH_MAX]
        links = [d for d in dirnames if d not in deep and os.path.islink(here / d)]
        found += [here / d for d in deep + links]   # listed, with why they are not read
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in deep
                       and d not in links and not _ours(here / d)]
        for name in filenames:
            if _is_workbook_name(name) and (include_locks or not is_lock_file(Path(name))):
                found.append(here / name)
    return sorted(found, key=lambda p: relative(p, inbox).as_posix())


PATH_MAX = 4000     # bytes: a folder deeper than this cannot be listed (Linux allows 4096)


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except OSError:
        return None


def _ours(folder: Path) -> bool:
    """An OUTBOX or a return folder xlsproc wrote (another run's, left inside INBOX): its
    annotated copies are not submissions — read again they would count twice in the district."""
    try:
        return ((folder / STATE / "manifest.json").is_file()
                or (folder / ".xlsproc-packs.json").is_file())
    except OSError:
        return False


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
            base, suffix, n = f"{p.stem}_{p.suffix[1:]}", output_name(p).suffix, 2
            name = p.with_name(base + suffix).as_posix()
            while os.path.normcase(name) in taken:     # a_xls.xlsx is someone's input too
                name, n = p.with_name(f"{base}_{n}{suffix}").as_posix(), n + 1
        taken.add(os.path.normcase(name))
        out[rel] = name
    return out


# Our own names at the top of OUTBOX: an INBOX folder of the same name cannot have its copies there.
OWN_NAMES = (RESULTS, QUARANTINE, STATE, "xlsproc.sqlite", "xlsproc.sqlite-wal",
             "xlsproc.sqlite-shm")
NAME_MAX = 255                      # bytes in one file name (ext4, NTFS: 255 UTF-16 units)


def entry_problem(path: Path, root: Path) -> XlsprocError | None:
    """Why a name found in INBOX is not read: a link leading out of INBOX, a broken or looping
    link, or not a regular file (a FIFO blocks `open`; /dev/zero never ends). Never opens it."""
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            try:
                target = path.resolve(strict=True)
            except FileNotFoundError:
                return file_error("link-broken", reason="指向的文件不存在")
            except (OSError, RuntimeError):
                return file_error("link-broken", reason="循环链接")
            if target.is_dir():      # never followed: it may lead anywhere, or round again
                return file_error("link-folder", target=shown(str(target)))
            base = root.resolve()
            if target != base and base not in target.parents:
                return file_error("link-outside-inbox", target=shown(str(target)))
            st = target.stat()
    except OSError:
        return None                  # gone or unreadable: the reader says so
    kind = file_kind(st.st_mode)
    return None if kind is None else file_error("file-not-regular", kind=kind)


def output_problem(out: str | None) -> XlsprocError | None:
    """Why a file's annotated copy cannot go to OUTBOX/out: a folder of INBOX named like one of
    our own files (results.json …), or a name too long for the file system."""
    if not out:
        return None
    parts = out.split("/")
    if len(parts) > 1 and os.path.normcase(parts[0]) in {os.path.normcase(n) for n in OWN_NAMES}:
        return file_error("output-name-conflict",
                          reason=f"它所在的文件夹“{shown(parts[0])}”与 xlsproc 写在输出目录中的"
                                 f"“{parts[0]}”同名")
    long = next((p for p in parts if len(os.fsencode(p)) > NAME_MAX), None)
    if long is not None:
        return file_error("output-name-conflict",
                          reason=f"批注副本的文件名“{shown(long)}”超过系统允许的 {NAME_MAX} 字节")
    return None


def relative(path: Path, inbox: Path) -> Path:
    return Path(path.name) if inbox.is_file() else path.relative_to(inbox)


def root_of(inbox: Path) -> Path:
    return inbox.parent if inbox.is_file() else inbox


def check_paths(inbox: Path, outbox: Path, db: Path | None = None) -> None:
    inbox_r, outbox_r = inbox.resolve(), outbox.resolve()
    if db is not None:
        db_r = Path(db).resolve()
        base = inbox_r.parent if inbox.is_file() else inbox_r
        if db_r == inbox_r or (inbox.is_dir() and base in db_r.parents):
            raise XlsprocError("usage", f"结果库 {db} 位于收件目录 {inbox} 之内（或就是收件文件）："
                               "xlsproc 从不写入收件目录，请把结果库（--db）放在别处。")
    if inbox_r == outbox_r or (inbox.is_file() and outbox_r == inbox_r.parent):
        raise XlsprocError("usage", f"输出目录 {outbox} 与输入相同：xlsproc 从不写入输入目录，请另选输出目录（-o）。")
    if inbox.is_dir() and outbox_r in inbox_r.parents:
        raise XlsprocError("usage", f"收件目录 {inbox} 位于输出目录 {outbox} 之内：输出可能覆盖收件文件，请另选输出目录（-o）。")
    if outbox.exists() and not outbox.is_dir():
        raise XlsprocError("usage", f"输出位置 {outbox} 是一个文件，不是目录，请另选输出目录（-o）。")


def remove_output(outbox: Path, out: str | None) -> None:
    if out:
        try:
            (outbox / out).unlink()
        except OSError:              # gone already, open in Excel, a folder, a name too long
            pass
        if out.endswith((".xlsx", ".xlsm")):
            from xlsproc.write.docx import remove_reports
            remove_reports(outbox / out)


_HELD: dict[str, list] = {}            # OUTBOX → [lock file, depth]: reentrant in one process


@contextmanager
def outbox_lock(outbox: Path) -> Iterator[None]:
    """One run per OUTBOX at a time (two would wipe each other's staging): an exclusive lock on
    OUTBOX/.xlsproc/lock, released when the run ends or its process dies. A second run is
    refused in Chinese. Reentrant within a process (watch holds it across its runs)."""
    state = Path(outbox) / STATE
    state.mkdir(parents=True, exist_ok=True)
    key = os.path.normcase(str(state.resolve()))
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    fh = open(state / "lock", "a+b")
    try:
        if not _try_lock(fh):
            try:
                fh.seek(0)
                who = fh.read(40).decode("ascii", "replace").strip()
            except OSError:            # Windows: the locked byte cannot be read
                who = ""
            raise XlsprocError("outbox-busy", f"另一个 xlsproc 正在处理输出目录 {outbox}"
                               f"{f'（进程 {who}）' if who else ''}，请等它结束后再运行；"
                               "两个运行同时写入同一输出目录会相互破坏。")
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()).encode())
        fh.flush()
        _HELD[key] = [fh, 1]
        try:
            yield
        finally:
            del _HELD[key]
    finally:
        fh.close()                     # closing releases the lock


def _try_lock(fh) -> bool:
    try:
        if os.name == "nt":
            import msvcrt
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl              # a POSIX record lock: held by this process only, so
            fcntl.lockf(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)   # forked workers lack it
        return True
    except OSError:
        return False


def _prepare(outbox: Path) -> None:
    """OUTBOX's state folders, rid of what a killed run left half-written."""
    state = outbox / STATE
    shutil.rmtree(state / "tmp", ignore_errors=True)
    (state / "entries").mkdir(parents=True, exist_ok=True)
    leftovers = [*outbox.glob(".tmp-*"), *state.glob(".tmp-*")]
    for stale in leftovers:
        stale.unlink(missing_ok=True)


# --- results.json and the quarantine list ---------------------------------------------------

def results_fingerprint(header: dict, records: list[Record]) -> str:
    digest = hashlib.sha256(json.dumps(header, sort_keys=True).encode())
    for r in records:
        digest.update(f"{r.rel}\0{r.key}\0{r.size}\0{r.mtime_ns}\0{r.sha256}\0"
                      f"{r.status}\0{r.path}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def write_results(outbox: Path, records: list[Record], root: Path) -> None:
    """Assemble results.json from the entries, streaming: memory does not grow with N.

    One entry per line: a JSON array that line-oriented tools (grep, diff) can also read."""
    from xlsproc.batch.entries import Reader
    with atomic_text(outbox / RESULTS) as fh, Reader(outbox) as reader:
        fh.write("[")
        for i, rec in enumerate(records):
            text = _entry_text(reader, rec, str(root / rec.rel))
            fh.write(("," if i else "") + "\n" + text)
        fh.write("\n]\n" if records else "]\n")


def _entry_text(reader, rec: Record, path: str) -> str:
    """A file's entry as one line of JSON (`reader`: an entries.Reader). One found missing or
    damaged (a power cut, a hand in OUTBOX) is replaced by a stub from the manifest, and the
    file is redone next run."""
    try:        # (bytes decoded: read_text's newline translation cost the parent ~25 us a file)
        text = (reader.read(rec.key) or b"").decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if not (text.startswith("{") and text.endswith("}") and "\n" not in text and "\r" not in text
            and _names(text, rec.rel)):
        rec.retry = True
        text = dumps(_stub(rec, path))
    if rec.path != path:             # INBOX given under another name than last time
        entry = json.loads(text)
        entry["path"] = path
        text = dumps(entry)
    return text


def _names(text: str, rel: str) -> bool:
    """The entry is the record's file's (a key edited by hand may point at another's)."""
    from xlsproc.store import compact_json
    return f'"relpath":{compact_json(rel)}' in text


def _stub(rec: Record, path: str) -> dict:
    return {"file": Path(rec.rel).name, "path": path, "sha256": rec.sha256,
            "status": rec.status, "error": rec.error, "evaluations": [],
            "relpath": rec.rel, "output": rec.output}


def write_quarantine(outbox: Path, records: list[Record], root: Path) -> None:
    """隔离清单.txt: the files that could not be read. Inputs are listed, never moved."""
    path = outbox / QUARANTINE
    bad = [r for r in records if r.status == "error"]
    if not bad:
        remove_output(outbox, QUARANTINE)
        return
    lines = [f"隔离清单：以下 {len(bad)} 个文件无法读取，未生成批注副本（原文件未移动、未修改）。",
             f"收件目录：{shown(str(root))}", ""]
    for r in bad:
        lines += [shown(r.rel), f"    原因：{shown(r.error['message'])}（{r.error['code']}）"]
    write_text_atomic(path, "\n".join(lines) + "\n")


# --- outputs of consolidation must not land on inputs or on other outputs ------------------------

OWN_FILES = (RESULTS, QUARANTINE, "xlsproc.sqlite", "xlsproc.sqlite-wal", "xlsproc.sqlite-shm")
EXPORT_TABLES = ("汇总", "项目", "指标明细")     # district.book's CSV/Parquet export names


def check_district_targets(source: Path, output: Path | None, csv: Path | None = None,
                           parquet: Path | None = None, inboxes: Iterable[Path] = (),
                           returns: Path | None = None) -> None:
    """Refuse (usage error, in Chinese) a district workbook or CSV/Parquet export that would land
    inside an INBOX, on an annotated copy or one of xlsproc's own files, or on another target.
    INBOXes and copies are those of `inboxes` and of the runs recorded in `source` (an OUTBOX,
    its results.json, or a results store)."""
    roots, taken = _protected(source)
    roots += [Path(p).resolve() for p in inboxes]
    targets: list[tuple[Path, str]] = []
    if output is not None:
        targets.append((output, "汇总工作簿"))
    for folder, suffix, what in ((csv, ".csv", "CSV 导出"), (parquet, ".parquet", "Parquet 导出")):
        if folder is not None:
            targets += [(folder / f"{name}{suffix}", what) for name in EXPORT_TABLES]
    if returns is not None:
        targets.append((returns, "退回材料目录"))
    seen: dict[str, Path] = {}
    for target, what in targets:
        where = target.resolve()
        inbox = next((r for r in roots if where == r or r in where.parents), None)
        if inbox is not None:
            raise XlsprocError("usage", f"{what} {target} 位于收件目录 {inbox} 之内（或就是收件文件）："
                               "xlsproc 从不写入收件目录，请另选位置。")
        clash = taken.get(os.path.normcase(str(where)))
        if clash is not None:
            raise XlsprocError("usage", f"{what} {target} 会覆盖{clash}，请另选文件名或位置。")
        if os.path.normcase(str(where)) in seen:
            raise XlsprocError("usage", f"{what} {target} 与另一个输出同名，请另选文件名或位置。")
        seen[os.path.normcase(str(where))] = target


def _protected(source: Path) -> tuple[list[Path], dict[str, str]]:
    """(INBOX roots, {normcased path: what it is}) of the runs behind `source`."""
    outboxes, roots = [], []
    source = Path(source)
    if source.suffix.lower() in (".sqlite", ".db", ".sqlite3") and not source.is_dir():
        db = source
    else:
        outboxes.append(source if source.is_dir() else source.parent)
        db = outboxes[0] / "xlsproc.sqlite"
    runs = _store_runs(db) if db.is_file() else []
    roots += [Path(r["inbox"]) for r in runs if r.get("inbox")]
    outboxes += [Path(r["outbox"]) for r in runs if r.get("outbox")]
    taken = {os.path.normcase(str(source.resolve())): f"结果来源 {source}"}
    for outbox in dict.fromkeys(o.resolve() for o in outboxes):
        for name in OWN_FILES:
            taken[os.path.normcase(str(outbox / name))] = f" xlsproc 自己的文件 {outbox / name}"
        for rec in _manifest_files(outbox):
            if rec.get("output"):
                taken[os.path.normcase(str(outbox / rec["output"]))] = \
                    f" {rec.get('rel')} 的批注副本 {outbox / rec['output']}"
            path, rel = rec.get("path") or "", rec.get("rel") or ""
            if path:
                roots.append(Path(path))             # the input itself
            if "/" in rel and path.endswith(rel):     # …and the INBOX folder above it
                roots.append(Path(path[:len(path) - len(rel)]))
    return [r.resolve() for r in dict.fromkeys(roots)], taken


def _manifest_files(outbox: Path) -> list[dict]:
    try:
        data = json.loads((outbox / STATE / "manifest.json").read_text("utf-8"))
        return [r for r in data.get("files", []) if isinstance(r, dict)]
    except (OSError, ValueError, AttributeError):
        return []


def _store_runs(db: Path) -> list[dict]:
    import sqlite3
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return [json.loads(info) for (info,) in con.execute("SELECT info FROM runs")]
        finally:
            con.close()
    except (sqlite3.Error, ValueError):
        return []
