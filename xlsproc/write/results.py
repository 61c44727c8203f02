"""Results as the JSON of shared/spec/results-json.md (add fields freely, rename none)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from xlsproc.model import Cell, XlsprocError, cell_name
from xlsproc.fileio import sha256
from xlsproc.score.result import EvaluationResult


def _text(cell: Cell) -> str | None:
    value = cell.value
    if type(value) is str:                  # the usual case, without Cell's two properties
        return value.strip() or None
    return None if cell.blank else cell.text


def _ref(cell: Cell) -> str | None:
    ref = cell.ref
    return None if ref is None else cell_name(ref.row, ref.col)     # (= ref.cell)


def evaluation_json(res: EvaluationResult) -> dict:
    ev = res.evaluation
    return {
        "sheet": ev.sheet,
        "kind": ev.kind,
        "title": ev.title or None,
        "unit": _text(ev.unit),
        "unit_cell": _ref(ev.unit),
        "supervisor": _text(ev.supervisor),
        "implementer": _text(ev.implementer),
        "project": _text(ev.project) if ev.kind == "project" else None,
        "year": ev.year,
        "budget": _budget_json(res),
        "indicators": [_indicator_json(i) for i in res.indicators],
        "indicator_score": res.indicator_score,
        "total_score": res.total_score,
        "reported_total": res.reported_total,
        "total_cell": _ref(ev.total),
        "grade": res.grade,
        "money_unit": ev.money_unit,
        "flag_counts": _counts(res),
        "flags": [f.as_dict() for f in res.flags],
    }


def _counts(res: EvaluationResult) -> dict:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in res.flags:
        counts[f.severity] += 1
    return counts


def _budget_json(res: EvaluationResult) -> dict | None:
    b = res.budget
    if b is None:
        return None
    funds = res.evaluation.funds
    return {
        "initial": b.initial, "annual": b.annual, "executed": b.executed,
        "rate": None if b.rate is None else round(b.rate, 6),
        "reported_rate": b.reported_rate,
        "weight": b.weight, "score": b.score, "reported_score": b.reported_score,
        "cell": b.cell,
        "annual_cell": _ref(funds.total.annual) if funds.total else None,
        "rate_cell": _ref(funds.rate),
        "score_cell": _ref(funds.score), "formula": b.formula,
        "from_components": b.used_components,
    }


def _indicator_json(r) -> dict:
    row = r.row
    name, target, actual, reason = row.name, row.target, row.actual, row.reason
    return {
        "level1": _text(row.level1), "level2": _text(row.level2), "name": _text(name),
        "target": _text(target), "actual": _text(actual),
        "unit": row.unit_hint, "op": row.op_hint,
        "kind": r.kind,
        "completion": None if r.completion is None else round(r.completion, 6),
        "weight": r.weight, "score": r.score, "reported_score": r.reported_score,
        "grade": r.grade,
        "reason": _text(reason),
        "row": row.row + 1,
        "cells": {"name": _ref(name), "target": _ref(target), "actual": _ref(actual),
                  "weight": _ref(row.weight), "score": _ref(row.score), "reason": _ref(reason)},
        "formula": r.formula,
    }


def file_json(path: Path, results: list[EvaluationResult] | None = None,
              error: XlsprocError | None = None, status: str | None = None,
              digest: str | None = None) -> dict:
    return {
        "file": path.name,
        "path": str(path),
        "sha256": digest if digest is not None else (sha256(path) if path.is_file() else None),
        "modified": modified(path),
        "status": status or ("error" if error else "ok"),
        "error": {"code": error.code, "message": error.message} if error else None,
        "evaluations": [evaluation_json(r) for r in (results or [])],
    }


def modified(path: Path) -> str | None:
    """When the file was last saved, local time to the second (which of two submissions of the
    same table is the later one); None when it cannot be told."""
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return None
    return datetime.fromtimestamp(stamp).isoformat(timespec="seconds")
