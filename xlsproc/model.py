"""The typed model every stage shares: cells keep their origin, results are plain data.

Dataflow: file → grid → reader → model (this module) → scoring → results → writer / consolidate.
Nothing here knows about openpyxl, calamine or pandas.
"""
from __future__ import annotations

from dataclasses import dataclass, field
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
