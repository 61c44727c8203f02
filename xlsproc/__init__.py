"""xlsproc — reads, scores and checks budget-performance self-evaluation workbooks (绩效自评表).

Library use::

    import xlsproc
    for entry in xlsproc.check("某街道_青少年服务_2024.xlsx"):
        for ev in entry["evaluations"]:
            print(ev["sheet"], ev["total_score"], ev["grade"], len(ev["flags"]))
"""
from __future__ import annotations

TYPE_CHECKING = False     # typing.TYPE_CHECKING without importing typing (see _LAZY)
if TYPE_CHECKING:
    from pathlib import Path

    from xlsproc.model import Evaluation, Flag, XlsprocError
    from xlsproc.rules import Rules, RulesError, load_rules

__version__ = "0.1.0"

# The public names below are imported when first used (PEP 562): importing any xlsproc module
# imports this package first, and the command line's first steps (xlsproc.launch) must not pay
# for the model and the rule profiles before its worker has started.
_LAZY = {"Evaluation": "xlsproc.model", "Flag": "xlsproc.model", "XlsprocError": "xlsproc.model",
         "Rules": "xlsproc.rules", "RulesError": "xlsproc.rules", "load_rules": "xlsproc.rules"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'xlsproc' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def evaluate(path: str | Path, rules: Rules | None = None, last_year=None):
    """Read and score one workbook: a list of scoring.EvaluationResult (raises XlsprocError).

    `last_year(evaluation, indicator) -> float | None` scores relative targets against last
    year's actual (see scoring.score)."""
    from xlsproc.read.reader import read_workbook
    from xlsproc.rules import load_rules
    from xlsproc.score.scoring import score
    return score(read_workbook(path), rules or load_rules(), last_year)


def evaluate_many(paths, rules: Rules | None = None, last_year=None) -> list:
    """Read many workbooks, then score all their tables in one pass (much cheaper per file).

    Returns, in order, one item per path: its list of EvaluationResult, or the XlsprocError
    that stopped it. Lock files are not special here; callers skip them first.
    """
    from xlsproc.model import XlsprocError
    from xlsproc.read.reader import read_workbook
    from xlsproc.rules import load_rules
    from xlsproc.score.scoring import score
    read: list = []
    for path in paths:
        try:
            read.append(read_workbook(path))
        except XlsprocError as exc:
            read.append(exc)
    flat = [ev for item in read if not isinstance(item, XlsprocError) for ev in item]
    scored = iter(score(flat, rules or load_rules(), last_year))
    return [item if isinstance(item, XlsprocError) else [next(scored) for _ in item]
            for item in read]


def check_file(path: str | Path, rules: Rules | None = None) -> dict:
    """One workbook → its results-json entry; never raises for a bad workbook."""
    return check_files([path], rules)[0]


def check_files(paths, rules: Rules | None = None) -> list[dict]:
    """Workbooks (paths; one path is one workbook) → their results-json entries, in order;
    never raises for a bad workbook.

    Their tables are scored in one pass (pandas costs per call, not per table: several times
    cheaper per file), by the scorer process where there is one (batch/scorer.py); if that
    fails, file by file, so that a file that cannot be scored costs only its own entry."""
    import os
    from pathlib import Path

    from xlsproc.batch.scorer import score_each
    from xlsproc.rules import load_rules
    from xlsproc.write.results import file_json
    rules = rules or load_rules()
    paths = [Path(paths)] if isinstance(paths, (str, os.PathLike)) else [Path(p) for p in paths]
    read = [_read_for_check(p) for p in paths]      # an entry already, or the file's tables
    tables = [r for r in read if isinstance(r, list)]
    scored = iter(score_each(tables, rules))
    entries = []
    for path, item in zip(paths, read):
        if isinstance(item, dict):
            entries.append(item)
            continue
        results = next(scored)
        if isinstance(results, Exception):          # a bug of ours costs this file only
            from xlsproc.errors import file_error
            detail = f"{type(results).__name__}: {results}"
            entries.append(file_json(path, error=file_error("internal-error", detail=detail)))
        else:
            entries.append(file_json(path, results))
    return entries


def _read_for_check(path: Path):
    """The workbook's tables (a list of Evaluation), or its results-json entry when it cannot
    be read: skipped (a lock file), refused unread, or the reason it could not be read."""
    from xlsproc.model import XlsprocError
    from xlsproc.read.grid import is_lock_file
    from xlsproc.read.reader import read_workbook
    from xlsproc.write.results import file_json
    if is_lock_file(path):
        return file_json(path, status="skipped")
    refused = _not_a_file(path) or _too_large(path)
    if refused is not None:
        entry = file_json(path, error=refused, digest="")   # never read: not even hashed
        entry["sha256"] = None
        return entry
    try:
        return read_workbook(path)
    except XlsprocError as exc:
        return file_json(path, error=exc)
    except OSError as exc:
        from xlsproc.errors import os_file_error
        return file_json(path, error=os_file_error(exc))
    except Exception as exc:           # a bug of ours must cost this file only, never the batch
        from xlsproc.errors import file_error
        return file_json(path, error=file_error("internal-error", detail=f"{type(exc).__name__}: {exc}"))
    except BaseException as exc:       # a Rust panic in calamine (pyo3's PanicException)
        if type(exc).__name__ != "PanicException":
            raise
        from xlsproc.errors import file_error
        return file_json(path, error=file_error("file-corrupt", detail="读取组件无法解析该文件的结构"))


def _not_a_file(path: Path) -> XlsprocError | None:
    """A FIFO or device is never opened (a FIFO blocks, /dev/zero never ends)."""
    from xlsproc.fileio import file_kind
    try:
        kind = file_kind(path.stat().st_mode)
    except OSError:
        return None
    if kind is None or kind == "文件夹":          # a folder: file-unreadable, as before
        return None
    from xlsproc.errors import file_error
    return file_error("file-not-regular", kind=kind)


def _too_large(path: Path) -> XlsprocError | None:
    """A file over the size limit is refused before it is read (as `process` does): a 20 GB
    file would otherwise be read whole into memory."""
    from xlsproc.read.grid import DEFAULT_MAX_BYTES
    try:
        size = path.stat().st_size
    except OSError:
        return None
    if size <= DEFAULT_MAX_BYTES:
        return None
    from xlsproc.errors import file_error
    mib = lambda n: f"{n / 1024 / 1024:.1f} MiB"      # noqa: E731
    return file_error("file-too-large", size=mib(size), limit=mib(DEFAULT_MAX_BYTES))


def check(*paths: str | Path, rules: str | Path | Rules | None = None) -> list[dict]:
    """Check workbooks; one results-json entry per file, in order."""
    from xlsproc.rules import Rules, load_rules
    if not isinstance(rules, Rules):
        rules = load_rules(rules)
    return check_files(paths, rules)


__all__ = ["check", "check_file", "check_files", "evaluate", "evaluate_many", "load_rules", "Rules", "RulesError",
           "Evaluation", "Flag", "XlsprocError"]
