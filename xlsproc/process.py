"""A folder (or a file) in, annotated copies and results.json out. Never writes into INBOX."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .grid import is_lock_file
from .model import XlsprocError
from .results import file_json, sha256
from .rules import Rules, load_rules

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xltx", ".xltm")


def discover(inbox: Path, outbox: Path | None = None) -> list[Path]:
    """Every workbook below INBOX (lock files included: they are reported as skipped)."""
    if inbox.is_file():
        return [inbox]
    skip = outbox.resolve() if outbox else None
    found = []
    for path in sorted(inbox.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in SPREADSHEET_SUFFIXES:
            continue
        if skip and (skip == path.resolve().parent or skip in path.resolve().parents):
            continue
        found.append(path)
    return found


def output_name(rel: Path) -> Path:
    """Where a file's annotated copy goes below OUTBOX (.xls → .xlsx, templates → workbooks)."""
    suffix = rel.suffix.lower()
    if suffix in (".xls", ".xltx"):
        return rel.with_suffix(".xlsx")
    if suffix == ".xltm":
        return rel.with_suffix(".xlsm")
    return rel


def relative(path: Path, inbox: Path) -> Path:
    return Path(path.name) if inbox.is_file() else path.relative_to(inbox)


def process_file(path: Path, inbox: Path, outbox: Path, rules: Rules) -> dict:
    """Check one workbook and write its annotated copy; a results-json entry with `output`."""
    from . import evaluate
    from .annotate import annotate
    rel = relative(path, inbox)
    if is_lock_file(path):
        entry = file_json(path, status="skipped")
    else:
        digest = sha256(path)
        try:
            results = evaluate(path, rules)
            out = outbox / output_name(rel)
            annotate(path, out, results, rules.name)
            entry = file_json(path, results, digest=digest)
            entry["output"] = str(output_name(rel))
        except XlsprocError as exc:
            entry = file_json(path, error=exc, digest=digest)
    entry["relpath"] = str(rel)
    return entry


def check_paths(inbox: Path, outbox: Path) -> None:
    inbox_r, outbox_r = inbox.resolve(), outbox.resolve()
    if inbox_r == outbox_r or (inbox.is_file() and outbox_r == inbox_r.parent):
        raise XlsprocError("usage", f"输出目录 {outbox} 与输入相同：xlsproc 从不写入输入目录，请另选输出目录（-o）。")


def process(inbox: str | Path, outbox: str | Path, rules: Rules | None = None) -> list[dict]:
    """Process every workbook below INBOX into OUTBOX; returns and writes results.json."""
    inbox, outbox = Path(inbox), Path(outbox)
    check_paths(inbox, outbox)
    rules = rules or load_rules()
    outbox.mkdir(parents=True, exist_ok=True)
    entries = [process_file(p, inbox, outbox, rules) for p in discover(inbox, outbox)]
    write_json_atomic(outbox / "results.json", entries)
    return entries


def write_json_atomic(path: Path, data) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
