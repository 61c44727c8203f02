"""The typed model every stage shares: cells keep their origin, results are plain data.

Dataflow: file → grid → reader → model (this module) → scoring → results → writer / consolidate.
Nothing here knows about openpyxl, calamine or pandas.
"""
from __future__ import annotations

import functools
from dataclasses import MISSING, dataclass, field
from typing import Any, NamedTuple

SEVERITIES = ("error", "warning", "info")


from xlsproc.refs import cell_name, col_letter, parse_cell_name  # noqa: F401 (re-exported)


class CellRef(NamedTuple):
    """Where a value came from: file, sheet and 0-based row/col of the (top-left) cell.

    A NamedTuple rather than a dataclass: the reader makes one per value read, and a tuple is
    built in a third of the time of a frozen dataclass."""

    file: str
    sheet: str
    row: int
    col: int

    @property
    def cell(self) -> str:
        return cell_name(self.row, self.col)

    def __str__(self) -> str:
        return f"{self.file} › {self.sheet} › {self.cell}"


class Cell(NamedTuple):
    """One read value with its origin. `value` is what the spreadsheet holds (number or text)."""

    value: Any
    ref: CellRef | None
    formula: bool = False      # the cell holds a formula
    cached: bool = True        # False: a formula with no cached result

    @property
    def blank(self) -> bool:
        value = self.value
        return value is None or (isinstance(value, str) and not value.strip())

    @property
    def text(self) -> str:
        value = self.value
        if type(value) is str:                 # the common case first
            return value.strip()
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()


EMPTY = Cell(None, None)


@dataclass(frozen=True)
class FundRow:
    label: Cell
    initial: Cell
    annual: Cell
    executed: Cell
    is_total: bool
    group: int = 0           # components in different groups (按收入性质分 / 按支出性质分) each sum to the total


@dataclass(frozen=True)
class Funds:
    """The 项目资金 / 部门预算资金 block. Columns may be EMPTY where the form has none."""

    rows: tuple[FundRow, ...]
    weight: Cell             # 分值 / 权重 on the total row
    rate: Cell               # reported 执行率
    score: Cell              # reported 得分
    reason: Cell = EMPTY     # 原因 / 偏差原因 on the funds block, if any
    block_weight: float | None = None   # 预算执行情况(10分): a weight in the block label

    @property
    def total(self) -> FundRow | None:
        return next((r for r in self.rows if r.is_total), None)

    @property
    def components(self) -> tuple[FundRow, ...]:
        return tuple(r for r in self.rows if not r.is_total)


@dataclass(frozen=True)
class IndicatorRow:
    level1: Cell
    level2: Cell
    name: Cell
    target: Cell
    actual: Cell
    weight: Cell
    score: Cell
    reason: Cell
    row: int                  # 0-based sheet row
    op_hint: str | None = None          # from an 指标性质 column ('≥', '定性' …)
    unit_hint: str | None = None        # from a 度量单位 column
    placeholder: bool = False           # 指标1: / …… / / rows


_INDICATOR_FIELDS = frozenset(IndicatorRow.__dataclass_fields__)


def indicator_row(**values: Any) -> IndicatorRow:
    """IndicatorRow(**values) with every field given, in half the time: a frozen
    dataclass's __init__ sets each field through object.__setattr__, and the reader makes one
    IndicatorRow per indicator of every workbook. The result is an ordinary IndicatorRow."""
    if values.keys() != _INDICATOR_FIELDS:
        raise TypeError(f"indicator_row needs exactly the fields {sorted(_INDICATOR_FIELDS)}")
    row = object.__new__(IndicatorRow)
    row.__dict__.update(values)
    return row


@dataclass(frozen=True)
class Evaluation:
    """One evaluation table as read from one sheet."""

    file: str
    sheet: str
    kind: str                              # department | project
    title: str
    unit: Cell
    project: Cell
    year: int | None
    funds: Funds | None
    indicators: tuple[IndicatorRow, ...]
    total: Cell                            # reported 总分
    level1_weights: dict[str, tuple[float, Cell]] = field(default_factory=dict)
    formula_no_cache: tuple[tuple[CellRef, str], ...] = ()     # (where, formula text)
    goal_expected: Cell = EMPTY            # 年度总体目标: 预期目标
    goal_actual: Cell = EMPTY              # 年度总体目标: 实际完成情况
    supervisor: Cell = EMPTY               # 主管部门
    implementer: Cell = EMPTY              # 实施单位
    header_cell: CellRef | None = None     # the indicator header (一级指标) cell, for table-level flags
    indicator_columns: frozenset[str] | None = None  # roles of the indicator header (None: unknown)
    filled_by_xlsproc: tuple[str, ...] = ()  # cells still holding what xlsproc filled in (marks.py)
    money_unit: str = "万元"                 # 万元 | 元: as the table's header says (results-json.md)
    hidden_rows: frozenset[int] = frozenset()  # rows of its indicators the officer hid (0-based)


@dataclass(frozen=True)
class Flag:
    code: str
    severity: str
    sheet: str
    cell: str | None
    indicator: str | None
    message: str        # names the sheet and cell: "项目支出绩效自评表 › H22：得分 12 超过该项分值 10，请核实。"
    detail: str         # the same without the location, for a comment on the cell itself
    title: str = ""     # short Chinese name of the rule

    def as_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "sheet": self.sheet,
                "cell": self.cell, "indicator": self.indicator, "message": self.message,
                "detail": self.detail, "title": self.title}


class XlsprocError(Exception):
    """A file-level problem: the file yields no evaluation. `code` is a stable catalogue code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# --- results entries --------------------------------------------------------------------------
# A results-json entry (shared/spec/results-json.md) as the stages after the batch read it: the
# results store, consolidation, the roster, the return packs. write/results.py writes the JSON;
# `FileEntry.of(json)` reads it back typed, and `to_json()` gives the same dict again (keys a
# reader does not know are kept in `extra`, so nothing is lost on the way).

_BOOKKEEPING = ("extra", "keys")


def _typed(cls, data: dict, nested: dict | None = None):
    """cls(**known keys, extra=the others, keys=their order), made as indicator_row makes an
    IndicatorRow: a frozen dataclass's __init__ sets each field through object.__setattr__, and
    reading an entry back makes one record per indicator and flag (~40 per file)."""
    names, defaults = _fields_of(cls)
    if data.keys() <= names:                   # (the usual case: no key unknown to this version)
        values, extra = {**defaults, **data}, {}
    else:
        values = {**defaults, **{k: v for k, v in data.items() if k in names}}
        extra = {k: v for k, v in data.items() if k not in names}
    for k, read in (nested or {}).items():
        if values[k] is not None:
            values[k] = read(values[k])
    values["extra"], values["keys"] = extra, tuple(data)
    record = object.__new__(cls)
    record.__dict__.update(values)
    return record


@functools.cache
def _fields_of(cls) -> tuple[frozenset, dict]:
    """(the JSON keys a record class knows, their defaults): each has a plain default."""
    fields = {n: f for n, f in cls.__dataclass_fields__.items() if n not in _BOOKKEEPING}
    if any(f.default is MISSING for f in fields.values()):
        raise TypeError(f"{cls.__name__}: every JSON field needs a plain default")
    return frozenset(fields), {n: f.default for n, f in fields.items()}


def _plain(record) -> dict:
    """The JSON object again: the keys it was read with, in their order (a record made in code:
    every field, optional ones only when set)."""
    keys = record.keys or [n for n in record.__dataclass_fields__ if n not in _BOOKKEEPING and
                           (getattr(record, n) is not None or n not in record._optional)]
    out = {}
    for name in keys:
        if name in record.extra:
            out[name] = record.extra[name]
            continue
        value = getattr(record, name)
        if name in record._lists:
            value = [v.to_json() if hasattr(v, "to_json") else v for v in value]
        out[name] = value
    return out


class _Json:
    """of(json) reads a results-json object into the record; to_json() writes it back."""
    _optional: tuple[str, ...] = ()         # keys left out when None (a record made in code)
    _lists: tuple[str, ...] = ()            # tuples written as JSON lists
    _nested: dict = {}                      # key → how to read its value

    @classmethod
    def of(cls, data):
        if isinstance(data, cls):
            return data
        return _typed(cls, data, cls._nested)

    def to_json(self) -> dict:
        return _plain(self)


@dataclass(frozen=True)
class FlagEntry(_Json):
    code: str | None = None
    severity: str | None = None
    sheet: str | None = None
    cell: str | None = None
    indicator: str | None = None
    message: str | None = None
    detail: str | None = None
    title: str | None = None
    extra: dict = field(default_factory=dict, compare=False, repr=False)
    keys: tuple = field(default=(), compare=False, repr=False)
    _optional = ("detail", "title")


@dataclass(frozen=True)
class IndicatorEntry(_Json):
    level1: str | None = None
    level2: str | None = None
    name: str | None = None
    target: Any = None
    actual: Any = None
    unit: str | None = None
    op: str | None = None
    kind: str | None = None
    completion: float | None = None
    weight: float | None = None
    score: float | None = None
    reported_score: float | None = None
    grade: str | None = None
    reason: str | None = None
    row: int | None = None                 # sheet row, 1-based
    cells: dict | None = None
    formula: str | None = None
    extra: dict = field(default_factory=dict, compare=False, repr=False)
    keys: tuple = field(default=(), compare=False, repr=False)
    _optional = ("unit", "op", "grade", "cells", "formula")


@dataclass(frozen=True)
class TableEntry(_Json):
    """One evaluation table of a results entry."""
    sheet: str | None = None
    kind: str | None = None                # department | project
    title: str | None = None
    unit: str | None = None
    unit_cell: str | None = None
    supervisor: str | None = None
    implementer: str | None = None
    project: str | None = None
    year: int | None = None
    budget: dict | None = None
    indicators: tuple[IndicatorEntry, ...] = ()
    indicator_score: float | None = None
    total_score: float | None = None
    reported_total: float | None = None
    total_cell: str | None = None
    grade: str | None = None
    flag_counts: dict | None = None
    flags: tuple[FlagEntry, ...] = ()
    money_unit: str | None = None          # 万元 | 元 (None: 万元)
    extra: dict = field(default_factory=dict, compare=False, repr=False)
    keys: tuple = field(default=(), compare=False, repr=False)
    _optional = ("title", "unit_cell", "supervisor", "implementer", "total_cell", "flag_counts",
                 "money_unit")
    _lists = ("indicators", "flags")
    _nested = {"indicators": lambda xs: tuple(IndicatorEntry.of(x) for x in xs),
               "flags": lambda xs: tuple(FlagEntry.of(x) for x in xs)}

    def counts(self) -> dict[str, int]:
        """Flags per severity (flag_counts when the entry carries them)."""
        counts = dict(self.flag_counts or {})
        if not counts:
            for flag in self.flags:
                counts[flag.severity] = counts.get(flag.severity, 0) + 1
        return {k: counts.get(k, 0) for k in SEVERITIES}


@dataclass(frozen=True)
class FileEntry(_Json):
    """One file's results entry: what it is, whether it was read, and its tables."""
    file: str | None = None
    path: str | None = None
    sha256: str | None = None
    modified: str | None = None            # when the file was last saved (local time)
    status: str | None = None              # ok | error | skipped
    error: dict | None = None              # {"code", "message"} when status is error
    evaluations: tuple[TableEntry, ...] = ()
    output: str | None = None              # the annotated copy, relative to the OUTBOX
    relpath: str | None = None             # the file, relative to the INBOX
    inbox: str | None = None               # added by the results store: where its run read
    outbox: str | None = None              # … and wrote
    copy: dict | None = None               # {"code", "title", "message"}: a copy that keeps
                                           # less than the original, or none could be made
    copy_sheets: dict | None = None        # {"review": 审核结果…, "report": 自评报告…} in the copy
    extra: dict = field(default_factory=dict, compare=False, repr=False)
    keys: tuple = field(default=(), compare=False, repr=False)
    _optional = ("modified", "output", "relpath", "inbox", "outbox", "copy", "copy_sheets")
    _lists = ("evaluations",)
    _nested = {"evaluations": lambda xs: tuple(TableEntry.of(x) for x in xs)}

    @property
    def label(self) -> str:
        """How the file is named to people: its path in the INBOX."""
        return self.relpath or self.file or ""
