"""Grid → Evaluation: find one evaluation table per sheet by its labels, wherever it sits.

Nothing here knows a cell address in advance. A sheet is searched for the indicator header row
(年度指标值 + 实际完成值 + 一级指标/三级指标), the funds header row (全年预算数 + 全年执行数),
the meta labels (项目名称, 部门名称 …) and the 总分 row; every synonym comes from labels.toml.
Merged cells are forward-filled; every value keeps the address of its top-left cell.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from xlsproc.read import layout, rowkinds, sidebyside
from xlsproc.write import marks
from xlsproc.read.grid import Grid, as_percent_text, clean_value, read_grids
from xlsproc.read.layout import Label
from xlsproc.model import (EMPTY, Cell, CellRef, Evaluation, FundRow, Funds, IndicatorRow,
                    XlsprocError, indicator_row)
from xlsproc.read.values import parse_value

MAX_LABEL_LEN = 24          # longer text is prose, not a header label
MAX_HEADER_ROW = 300        # an evaluation table's header is near the top; a 50,000-row list is not one
MAX_INDICATOR_ROWS = 1000   # indicators below the header, at most
MAX_FUNDS_BELOW = 40        # rows of a money block that follows the indicators, at most
_YEAR = re.compile(r"(20\d{2})\s*年")
_YEAR_ANY = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_new_tuple = tuple.__new__


class Sheet:
    """A grid with merged cells filled, normalised labels cached, and Cell construction.

    What is kept per cell is kept in row lists indexed by column, not in dicts keyed by
    (row, col): the reader asks for hundreds of cells of every sheet, and an index costs no
    tuple to build and hash."""

    def __init__(self, grid: Grid):
        self.grid = grid
        self.rows = rows = len(grid.raw)
        self.cols = cols = max(map(len, grid.raw), default=0)
        # Every row padded to full width, merged cells holding their top-left value (as read:
        # numbers are cleaned as Cells are made); and for each cell of a merged range but its
        # top-left one, that top-left cell (None elsewhere).
        self.filled = filled = [list(row) if len(row) == cols else list(row) + [""] * (cols - len(row))
                                for row in grid.raw]
        self._origin: list[list[tuple[int, int] | None]] = [[None] * cols for _ in range(rows)]
        for r0, c0, r1, c1 in grid.merged:
            if r0 >= rows or c0 >= cols:
                continue
            if r1 >= rows:                              # (a range may reach past the values)
                r1 = rows - 1
            if c1 >= cols:
                c1 = cols - 1
            at, row, origin = (r0, c0), filled[r0], self._origin[r0]
            top = row[c0]
            for c in range(c0 + 1, c1 + 1):           # the top row, right of the top-left cell
                origin[c] = at
                row[c] = top
            for r in range(r0 + 1, r1 + 1):           # the rows below
                row, origin = filled[r], self._origin[r]
                for c in range(c0, c1 + 1):
                    origin[c] = at
                    row[c] = top
        self._cells: list[list[Cell | None]] = [[None] * cols for _ in range(rows)]  # made, at origins
        self._row_labels: dict[int, list[tuple[int, Label]]] = {}
        self._header_cells: dict[int, tuple[tuple[int, str], ...]] = {}
        self._tops: set[tuple[int, int]] | None = None      # top-left cells of merged ranges
        self.file_name = os.path.basename(grid.file)       # Path(grid.file).name, faster
        self._formula_rows = {r for r, _ in grid.formulas} | {r for r, _ in grid.no_cache}

    def raw(self, r: int, c: int) -> Any:
        """The value at (r, c) as read (see Grid.raw): for its text; Cells hold clean numbers."""
        if r < self.rows and c < self.cols:
            return self.filled[r][c]
        return ""

    def origin_of(self, r: int, c: int) -> tuple[int, int]:
        """The top-left cell of the merged range holding (r, c), or (r, c) itself."""
        if r < self.rows and c < self.cols:
            return self._origin[r][c] or (r, c)
        return r, c

    def cell(self, r: int, c: int | None) -> Cell:
        """The Cell at (r, c): a merged range's cells are all its top-left one, made once."""
        if c is None or r is None:
            return EMPTY
        inside = r < self.rows and c < self.cols
        if inside:
            at = self._origin[r][c]
            if at is not None:
                r, c = at
            found = self._cells[r][c]
            if found is not None:
                return found
            value = self.filled[r][c]
            if type(value) is float:
                value = clean_value(value)
        else:
            value = ""                                  # beyond the values: blank
        formula, cached = False, True
        if r in self._formula_rows:
            formula, cached = (r, c) in self.grid.formulas, (r, c) not in self.grid.no_cache
        # Cell and CellRef are NamedTuples: built with tuple.__new__, in half the time of their
        # own keyword-taking constructors (the reader makes one per value read).
        found = _new_tuple(Cell, (None if value == "" else value,
                                  _new_tuple(CellRef, (self.file_name, self.grid.sheet, r, c)),
                                  formula, cached))
        if inside:
            self._cells[r][c] = found
        return found

    def span_end(self, r: int, c: int) -> int:
        """The last column of the merged range holding (r, c), or c itself."""
        if r < self.rows and c < self.cols and self._origin[r][c] is None \
                and (r, c) not in self._top_lefts():
            return c                            # a cell of the grid in no merged range
        for r0, c0, r1, c1 in self.grid.merged:
            if r0 <= r <= r1 and c0 <= c <= c1:
                return c1
        return c

    def _top_lefts(self) -> set[tuple[int, int]]:
        if self._tops is None:
            self._tops = {(r0, c0) for r0, c0, _, _ in self.grid.merged}
        return self._tops

    def is_continuation(self, r: int, c: int) -> bool:
        """True when (r, c) lies in a merged range that starts on an earlier row."""
        if r < self.rows and c < self.cols:
            at = self._origin[r][c]
            return at is not None and at[0] < r
        return False

    def own_values(self, r: int) -> list[Any]:
        """A row's values without those of ranges merged down from above ('' there)."""
        return ["" if self.is_continuation(r, c) else v for c, v in enumerate(self.filled[r])]

    def text_cells(self, r: int) -> list[tuple[int, Label]]:
        """(col, Label) for each non-blank label cell of a row, left to right (cached per row)."""
        found = self._row_labels.get(r)
        if found is None:
            found = self._row_labels[r] = _labels_of(self.filled[r]) if r < self.rows else []
        return found


def _labels_of(row: list[Any]) -> list[tuple[int, Label]]:
    limit = 4 * MAX_LABEL_LEN
    normalize = layout._normalize           # layout.normalize(value) for a str, minus a call
    return [(c, lab) for c, value in enumerate(row)
            if type(value) is str and value and len(value) <= limit and (lab := normalize(value)).text]


# --- header rows ---------------------------------------------------------------------------

def _roles(sheet: Sheet, r: int, section: str) -> dict[str, int]:
    """Role → leftmost column for the header labels of one row. An exact synonym anywhere in the
    row beats a merely contained one (指标得分 is the score, not 得分系数)."""
    return dict(_shared_roles(sheet, r, section))


def _shared_roles(sheet: Sheet, r: int, section: str) -> dict[str, int]:
    """_roles without the copy, for a caller that only looks: the dict is shared, never change it."""
    return _roles_of(_header_cells(sheet, r), section)


@lru_cache(maxsize=8192)
def _roles_of(cells: tuple[tuple[int, str], ...], section: str) -> dict[str, int]:
    """_roles for one row's (col, label) cells (forms from one template repeat their headers)."""
    found: dict[str, int] = {}
    exact = set()
    for c, text in cells:
        role = layout.role_of(text, section, False)
        if role:
            exact.add(text)
            if role not in found:
                found[role] = c
    taken = set(found.values())
    for c, text in cells:
        if c in taken or text in exact:       # (an exact synonym's role is found already)
            continue
        role = layout.role_of(text, section, True)
        if role and role not in found:
            found[role] = c
    found.pop("ignore", None)
    return found


def _indicator_header(sheet: Sheet, start: int = 0) -> tuple[int, dict[str, int]] | None:
    for r in range(start, min(sheet.rows, start + MAX_HEADER_ROW)):
        roles = _shared_roles(sheet, r, "indicators")
        if "target" in roles and "actual" in roles:
            if "level1" in roles or "name" in roles:
                roles = dict(roles)
                roles.pop("block", None)
                return r, roles
            below = _level_columns_below(sheet, r)
            if below:
                return r, {**{k: v for k, v in roles.items() if k != "block"}, **below}
    return None


def _level_columns_below(sheet: Sheet, r: int) -> dict[str, int]:
    """A two-row header whose upper row holds 绩效指标 (merged over the level columns), 年度指标值,
    实际完成值 … and whose lower row names 一级指标 | 二级指标 | 三级指标: the lower row's level
    columns (none when the row below is no such sub-header)."""
    if r + 1 >= sheet.rows or _has_number(sheet, r + 1):
        return {}
    below = {k: v for k, v in _shared_roles(sheet, r + 1, "indicators").items()
             if k in ("level1", "level2", "name")}
    return below if "level1" in below or "name" in below else {}


def _merge_second_header_row(sheet: Sheet, r: int, roles: dict[str, int]) -> int:
    """Two-row headers (年度指标值 over 指标性质|指标值|度量单位): take the sub-labels too."""
    if r + 1 >= sheet.rows:
        return r + 1
    below = {k: v for k, v in _roles(sheet, r + 1, "indicators").items()
             if k in INDICATOR_COLUMNS}
    fresh = {k: v for k, v in below.items() if k not in roles or v != roles[k]}
    if len(below) >= 2 and not _has_number(sheet, r + 1):
        roles.update(fresh)
        return r + 2
    return r + 1


# Header roles that name a column (a sub-header row must have two of them); block and row
# labels such as 项目资金 (merged down beside the header) or 年度资金总额 do not count.
FUNDS_COLUMNS = ("initial", "annual", "executed", "weight", "rate", "score", "reason")
INDICATOR_COLUMNS = ("level1", "level2", "name", "op", "target", "unit", "actual", "weight",
                     "score", "target_adjusted", "reason")


def _has_number(sheet: Sheet, r: int) -> bool:
    """A row holding an amount (_is_amount; a nan or inf, cleaned to '', is none)."""
    return any(_is_amount(clean_value(sheet.raw(r, c))) for c in range(sheet.cols))


def _funds_header(sheet: Sheet, stop: int, start: int = 0) -> tuple[int, dict[str, int]] | None:
    """The header row of the money block above the indicators: the candidate with the most
    funds roles (a 年度主要任务 block with 预算数 | 执行数 has fewer than the real one).
    A sub-header row below it (预算数 merged over 年初预算 | 全年预算) refines the columns."""
    best = None
    for r in range(start, stop):
        roles = _shared_roles(sheet, r, "funds")
        if "annual" in roles and "executed" in roles and (best is None or len(roles) > len(best[1])):
            best = (r, roles)
    if best is None:
        return None
    r, roles = best
    below = _shared_roles(sheet, r + 1, "funds") if r + 1 < stop else {}
    below = {k: v for k, v in below.items() if k in FUNDS_COLUMNS}
    if len(below) >= 2 and not _has_number(sheet, r + 1):
        return r + 1, {**roles, **below}
    return r, dict(roles)


# --- funds ---------------------------------------------------------------------------------

def _read_funds(sheet: Sheet, header: int, roles: dict[str, int], stop: int) -> Funds:
    first_amount = min(roles[k] for k in ("initial", "annual", "executed") if k in roles)
    block_texts = {lab.text for _, lab in sheet.text_cells(header) if _is_fund_block(lab.text)}
    # 预算执行情况(10分), or the weight in a column's own header: 执行率(15分), 得分(15分)
    block_weight = next((lab.weight for _, lab in sheet.text_cells(header) if lab.weight and (
        _is_fund_block(lab.text) or layout.role_of(lab.text, "funds") in ("rate", "score", "weight"))), None)
    rows: list[FundRow] = []
    group, group_text = 0, None
    for r in range(header + 1, stop):
        if any(_ends_funds(lab.text) for _, lab in sheet.text_cells(r)):
            break
        if rowkinds.is_numbering_row(sheet.own_values(r)):
            continue                     # 栏次 | 1 | 2 | 3 under the header
        label_col, label, row_group = _row_label(sheet, r, first_amount, block_texts)
        if label and layout.role_of(label, "funds", allow_contains=False) in ("annual", "executed"):
            continue                     # a repeated header row
        if row_group and row_group != group_text:
            group, group_text = group + 1, row_group
        amounts = [sheet.cell(r, roles.get(k)) for k in ("initial", "annual", "executed")]
        if not label or label == row_group:
            if all(a.blank for a in amounts):
                if rows and not row_group:
                    break
                continue
        is_total = bool(label) and layout.matches(label, "funds", "total_row", allow_contains=True) \
            and not label.startswith("其中")
        rows.append(FundRow(sheet.cell(r, label_col), *amounts, is_total=is_total,
                            group=_component_group(rows, label, group)))
    rows = _ensure_total(rows)
    total_row = next((x for x in rows if x.is_total), None)
    tr = total_row.annual.ref.row if total_row and total_row.annual.ref else header + 1
    return Funds(rows=tuple(rows),
                 weight=sheet.cell(tr, roles.get("weight")),
                 rate=sheet.cell(tr, roles.get("rate")),
                 score=sheet.cell(tr, roles.get("score")),
                 reason=sheet.cell(tr, roles.get("reason")),
                 block_weight=block_weight)


def _component_group(rows: list[FundRow], label: str, group: int) -> int:
    """A 其中 row after another component is that component's part, not the total's: group -1."""
    if label.startswith("其中") and rows:
        prev = rows[-1]
        if not prev.is_total and prev.group == group:
            return -1
    return group


def _ensure_total(rows: list[FundRow]) -> list[FundRow]:
    """With no 年度资金总额 label, the first row (unless a 其中 row) is the total."""
    if rows and not any(x.is_total for x in rows) and not rows[0].label.text.startswith("其中"):
        first = rows[0]
        rows[0] = FundRow(first.label, first.initial, first.annual, first.executed, True, first.group)
    return rows


@lru_cache(maxsize=16384)
def _is_fund_block(text: str) -> bool:
    return (layout.matches(text, "funds", "block", allow_contains=True)
            and not layout.matches(text, "funds", "total_row", allow_contains=True))


def _row_label(sheet: Sheet, r: int, first_amount: int, block_texts: set[str]):
    """(col, label, group label) of a funds row: the rightmost label left of the amounts that is
    not the block's own label, and any 按收入性质分-style group label on the row."""
    col, label, group = None, "", None
    for c, lab in sheet.text_cells(r):
        if c >= first_amount:
            break
        text = lab.text
        if text in block_texts or _is_fund_block(text):
            continue
        if layout.matches(text, "funds", "group_row", allow_contains=True):
            group = text
            if label:
                continue
        col, label = c, text
    return col, label, group


@lru_cache(maxsize=16384)
def _ends_funds(label: str) -> bool:
    return bool(label) and (
        layout.matches(label, "anchors", "goals", allow_contains=False)
        or layout.role_of(label, "indicators", allow_contains=False) in ("level1", "name", "block")
        or (layout.matches(label, "anchors", "total", allow_contains=False)
            and not layout.matches(label, "funds", "total_row")))     # 合计 in the block is its total


# --- indicators ----------------------------------------------------------------------------

@dataclass
class _Block:
    header: int
    start: int
    end: int
    roles: dict[str, int]

    def spans(self, sheet: Sheet) -> dict[str, int]:
        """Roles whose header is merged across several columns: role → last column."""
        out = {}
        for role in ("name", "target", "actual"):
            if role in self.roles:
                c = self.roles[role]
                end = max(sheet.span_end(r, c) for r in range(self.header, self.start))
                if end > c:
                    out[role] = end
        return out


def _joined(sheet: Sheet, r: int, c: int, end: int) -> Cell:
    """Under a header merged across columns (年度指标值 over ≥ | 300 | 个), join the pieces."""
    first = sheet.cell(r, c)
    seen, texts = set(), []
    for cc in range(c, end + 1):
        key = sheet.origin_of(r, cc)
        piece = sheet.cell(r, cc)
        if key not in seen and not piece.blank:
            seen.add(key)
            texts.append(piece.text)
    if len(texts) <= 1:
        return first if not first.blank or not texts else sheet.cell(r, next(
            cc for cc in range(c, end + 1) if not sheet.cell(r, cc).blank))
    return Cell("".join(texts), first.ref, first.formula, first.cached)


def _indicator_end(sheet: Sheet, start: int, roles: dict[str, int]) -> tuple[int, int | None]:
    """(first row after the indicators, the 总分 row or None). A 总分/合计 label anywhere left of
    the 分值/得分 columns closes the table; so does a closing row (评价结论, 填表人：王某)."""
    numbers = [roles[k] for k in ("weight", "score") if k in roles]
    limit = min(numbers) if numbers else sheet.cols
    # Closing rows start at the left; a 偏差原因 text such as “改进措施：…” must not end the table.
    label_cols = min(roles.get(k, sheet.cols) for k in ("name", "level2", "level1")) + 1
    last = min(sheet.rows, start + MAX_INDICATOR_ROWS)
    width = max(limit, label_cols)          # no label right of both can end the table
    for r in range(start, last):
        for c, value in enumerate(sheet.filled[r][:width]):
            if type(value) is str and value:
                flags = _end_flags(value)
                if flags:
                    total, closing = flags
                    if c < limit and total and not rowkinds.typed_in(sheet, r, roles, ("target", "actual")):
                        return r, r         # (综合评分 | ≥90分 | 92分 is an indicator so named)
                    if c < label_cols and closing:
                        return r, None
        if _is_funds_header_row(sheet, r):
            return r, None                  # the money block follows the indicators
    return last, None


def _next_table_row(sheet: Sheet, lo: int, hi: int) -> int | None:
    """The first row in [lo, hi) with a table's title or a 项目名称 / 部门名称 / 主管部门 label."""
    for r in range(lo, hi):
        kind, title = _title_kind(sheet, r + 1, r)
        if kind or title or set(_meta(sheet, r + 1, r)) & {"project", "department", "reporting", "supervisor"}:
            return r
    return None


def _is_funds_header_row(sheet: Sheet, r: int) -> bool:
    """全年预算数 and 全年执行数 written out as such on one row (not merely contained). Asked of
    every row below the indicator header: judged from the raw texts (as text_cells labels them),
    one cached answer per text, without labelling the row."""
    roles = {_funds_role(value) for value in sheet.filled[r] if type(value) is str and value}
    return "annual" in roles and "executed" in roles


@lru_cache(maxsize=16384)
def _funds_role(raw: str) -> str | None:
    """The money-block role a cell's raw text names exactly, judged by its label (text_cells)."""
    if len(raw) > 4 * MAX_LABEL_LEN:
        return None
    text = layout.normalize(raw).text
    return layout.role_of(text, "funds", False) if text else None


@lru_cache(maxsize=16384)
def _end_flags(raw: str) -> tuple[bool, bool] | None:
    """(a 总分 label, a closing label) for a cell's raw text (judged by the label text_cells
    would make of it), None for neither. Asked of every cell below the indicator header."""
    if len(raw) > 4 * MAX_LABEL_LEN:
        return None
    text = layout.normalize(raw).text
    if not text or len(text) > 4 * MAX_LABEL_LEN:
        return None
    total, closing = layout.matches(text, "anchors", "total"), _is_closing(text)
    return (total, closing) if total or closing else None


def _is_closing(text: str) -> bool:
    if layout.matches(text, "anchors", "closing"):
        return True
    head = text.split(":", 1)[0]
    return head != text and layout.matches(head, "anchors", "closing")


@lru_cache(maxsize=16384)
def _special_kind(raw: str) -> str | None:
    """'execution' for a 预算执行率 row inside the indicator table, 'subtotal' for 小计 rows."""
    text = layout.normalize(raw).text
    if not text:
        return None
    if layout.matches(text, "indicators", "execution_row") or any(
            w in text for w in layout.labels()["indicators"]["execution_row_contains"]):
        return "execution"
    if layout.matches(text, "indicators", "subtotal"):
        return "subtotal"
    return None


@lru_cache(maxsize=4096)
def _is_note(text: str) -> bool:
    """注：… 说明：… — an explanation row inside the indicator block, not an indicator."""
    plain = text.strip()
    return any(plain.startswith(p) and plain[len(p):len(p) + 1] in ("：", ":")
               for p in layout.synonyms("notes", "prefixes"))


def _read_indicators(sheet: Sheet, block: _Block):
    """(indicators, 一级 weights, the 预算执行率 row's cells if the table lists it as a row)."""
    roles = block.roles
    execution: dict[str, Cell] = {}
    name_col = roles.get("name", roles.get("level2", roles.get("level1")))
    out: list[IndicatorRow] = []
    level1_weights: dict[str, tuple[float, Cell]] = {}
    last1, last2, last1_text = EMPTY, EMPTY, ""
    spans = block.spans(sheet)
    items = list(roles.items())
    merged_down = [(role, roles[role]) for role in ("weight", "score") if role in roles]
    # A row with none of these filled in is no indicator (a role without a column counts as blank).
    filled_in = [k for k in ("name", "target", "actual", "weight", "score") if k in roles]
    cols = [roles[k] for k in filled_in]     # (merged ranges are rectangles: the ends suffice)
    note_span = (min(cols), max(cols)) if len(set(cols)) > 1 else None
    cell, is_continuation = sheet.cell, sheet.is_continuation
    for r in range(block.start, block.end):
        if name_col is not None and is_continuation(r, name_col):
            continue
        get = {k: cell(r, c) for k, c in items}
        for role, end in spans.items():
            get[role] = _joined(sheet, r, roles[role], end)
        adjusted = get.get("target_adjusted")
        if adjusted is not None and not adjusted.blank:     # 调整指标值 replaces 年初指标值
            get["target"] = adjusted
        for role, c in merged_down:           # merged down over two rows: counts on the first only
            if is_continuation(r, c):
                get[role] = EMPTY
        for k in filled_in:
            if not get[k].blank:
                break
        else:
            continue                            # nothing filled in: no indicator
        if note_span and sheet.origin_of(r, note_span[0]) == sheet.origin_of(r, note_span[1]):
            group = cell(*sheet.origin_of(r, note_span[0]))
            if rowkinds.is_category_title(group.text):  # 一、产出指标（50分）: the 一级 of the rows below
                last1, last1_text, last2 = group, group.text, EMPTY
                lab1 = layout.normalize(group.text)
                if lab1.weight is not None:
                    level1_weights.setdefault(lab1.text, (lab1.weight, group))
            continue                            # one cell merged across the row: a note
        name = get.get("name", EMPTY)
        if _is_note(name.text) and all(get.get(k, EMPTY).blank for k in ("target", "actual", "weight")):
            continue                            # 注：… / 说明：… written in the name column
        header_again, special, placeholder, named_placeholder = _name_facts(name.text)
        if header_again:
            continue
        l1 = get.get("level1", EMPTY)
        l2 = get.get("level2", EMPTY)
        level_kind = _special_kind(l2.text) or _special_kind(l1.text)
        if level_kind == "subtotal" or name.blank or parse_value(name.text).kind == "blank" \
                or rowkinds.is_execution_formula(name.text):
            # a named row is what its name says (结转结余率 under 二级 预算执行 is no rate), unless the
            # name is only '—' or '/' or the rate's formula (全年执行数/全年预算数 under 二级 预算执行率);
            # 小计 in a level column makes the row a subtotal whatever its name (产出指标小计)
            special = special or level_kind
        if special == "execution":
            execution = get
            continue
        if special == "subtotal":
            continue
        new_group = False
        if l1 is not last1 and not l1.blank:      # (a 一级 merged down is one Cell on every row)
            l1_text = l1.text
            new_group = l1_text != last1_text
            last1, last1_text = l1, l1_text
            lab1 = layout.normalize(l1_text)
            if lab1.weight is not None and lab1.text not in level1_weights:
                level1_weights[lab1.text] = (lab1.weight, l1)
        if not l2.blank:
            last2 = l2
        elif new_group:
            last2 = EMPTY
        target, actual = get.get("target", EMPTY), get.get("actual", EMPTY)
        op, unit = get.get("op"), get.get("unit")
        out.append(indicator_row(
            level1=last1, level2=last2, name=name, target=target, actual=actual,
            weight=get.get("weight", EMPTY), score=get.get("score", EMPTY),
            reason=get.get("reason", EMPTY), row=r,
            op_hint=(op.text or None) if op is not None else None,
            unit_hint=(unit.text or None) if unit is not None else None,
            placeholder=placeholder and target.blank and actual.blank or named_placeholder
            or _template_marks(target, actual, get.get("weight", EMPTY))))
    return tuple(out), level1_weights, execution


def _template_marks(target: Cell, actual: Cell, weight: Cell) -> bool:
    """Target and actual only a template's '/' or '—', no weight: a placeholder row whatever its
    name says (scoring.md), not an indicator whose actual is missing."""
    if target.blank and actual.blank:
        return False                    # nothing written at all: judged by its name
    return all(cell.blank or parse_value(cell.value).kind == "blank"
               for cell in (target, actual, weight))


@lru_cache(maxsize=16384)
def _name_facts(raw: str) -> tuple[bool, str | None, bool, bool]:
    """What an indicator row's name says: (the header repeated, _special_kind, a placeholder
    such as 指标1: or a blank, a placeholder that is not blank)."""
    return _header_again(raw), _special_kind(raw), layout.is_placeholder(raw), _named_placeholder(raw)


def _named_placeholder(raw: str) -> bool:
    text = layout.normalize(raw).text
    return bool(text) and layout.is_placeholder(text)


def _header_again(raw: str) -> bool:
    text = layout.normalize(raw).text
    return bool(text) and layout.role_of(text, "indicators", allow_contains=False) == "name"


# --- meta ----------------------------------------------------------------------------------

def _meta(sheet: Sheet, stop: int, start: int = 0) -> dict[str, Cell]:
    """项目名称 / 部门名称 / 主管部门 / 实施单位 / 年度: the value right of each label."""
    found: dict[str, Cell] = {}
    for r in range(start, min(stop, sheet.rows)):
        for c, lab in sheet.text_cells(r):
            role, inline = _meta_role(lab.text)
            if not role or role in found:
                continue
            if inline:
                found[role] = Cell(inline, sheet.cell(r, c).ref)
            elif role == "reporting" and not _ends_in_colon(sheet.raw(*sheet.origin_of(r, c))):
                continue            # a bare 部门 is a column header (年度主要任务), not 部门：XX中学
            else:
                value = _value_right_of(sheet, r, c)
                if value is not None:
                    found[role] = value
    return found


def _ends_in_colon(raw: Any) -> bool:
    return isinstance(raw, str) and raw.rstrip().endswith((":", "："))


@lru_cache(maxsize=16384)
def _meta_role(text: str) -> tuple[str | None, str]:
    role = layout.role_of(text, "meta", allow_contains=False)
    if role or ":" not in text:
        return role, ""
    for role, syns in layout.labels()["meta"].items():
        for syn in syns:
            if text.startswith(syn + ":") and len(text) > len(syn) + 1:
                return role, _cut_inline(text[len(syn) + 1:])
    return None, ""


def _cut_inline(value: str) -> str:
    """An inline value ends where the next label on the same line begins."""
    stops = layout.labels()["inline"]["stop"]
    cut = min((i for i in (value.find(w) for w in stops) if i > 0), default=len(value))
    return value[:cut].rstrip(":;,、 ")


def _value_right_of(sheet: Sheet, r: int, c: int) -> Cell | None:
    here = sheet.origin_of(r, c)
    for cc in range(c + 1, sheet.cols):
        if sheet.origin_of(r, cc) == here:
            continue
        cell = sheet.cell(r, cc)
        if cell.blank:
            continue
        if _meta_role(layout.normalize(cell.text).text)[0]:
            return None
        return cell
    return None


def _title_kind(sheet: Sheet, stop: int, start: int = 0) -> tuple[str | None, str]:
    """(kind, title text) of the table's title; a title that names no kind (绩效目标自评表)
    gives (None, its text) unless a more specific one stands above the table too."""
    generic = ""
    for r in range(start, min(stop, sheet.rows)):
        for _, lab in sheet.text_cells(r):
            for kind in ("department", "project"):
                if layout.matches(lab.text, "title", kind, allow_contains=True):
                    return kind, sheet.raw(*_origin_of(sheet, r, lab))
            if not generic and layout.matches(lab.text, "title", "generic", allow_contains=True):
                generic = sheet.raw(*_origin_of(sheet, r, lab))
    return None, generic


def _money_unit(sheet: Sheet, top: int, header: int, funds_header: int | None) -> str:
    """万元 or 元: what the funds block says (项目资金（元）), else a line above the table
    (单位：元), else 万元."""
    first = funds_header if funds_header is not None else header
    for rows in (range(first, header), range(top, first)):
        for r in rows:
            for c in range(sheet.cols):
                value = sheet.filled[r][c] if r < sheet.rows else ""
                if type(value) is str and value and len(value) <= 4 * MAX_LABEL_LEN:
                    unit = layout.money_unit(value)
                    if unit:
                        return unit
    return "万元"


def _origin_of(sheet: Sheet, r: int, lab: Label) -> tuple[int, int]:
    for c, other in sheet.text_cells(r):
        if other is lab:
            return sheet.origin_of(r, c)
    return r, 0


def _year(sheet: Sheet, stop: int, meta: dict[str, Cell], title: str, start: int = 0) -> int | None:
    if "year" in meta:
        found = _YEAR_ANY.search(meta["year"].text)
        if found:
            return int(found.group(1))
    for r in range(start, min(stop, sheet.rows)):
        for c in range(sheet.cols):
            value = sheet.raw(r, c)
            if isinstance(value, str) and len(value) < 60:
                found = _YEAR.search(value)
                if found and ("年度" in value or value.strip().startswith(("(", "（"))):
                    return int(found.group(1))
    found = _YEAR_ANY.search(title) or _YEAR_ANY.search(sheet.file_name)
    return int(found.group(1)) if found else None


def _goals(sheet: Sheet, stop: int, start: int = 0) -> tuple[Cell, Cell]:
    goals = layout.synonyms("anchors", "goals")
    for r in range(start, min(stop, sheet.rows)):
        for c, lab in sheet.text_cells(r):
            if lab.text in goals:
                return _goal_texts(sheet, r, c)
    return EMPTY, EMPTY


def _goal_texts(sheet: Sheet, r: int, c: int) -> tuple[Cell, Cell]:
    heads = {}
    for cc, lab in sheet.text_cells(r):
        for role in ("goals_expected", "goals_actual"):
            if cc > c and role not in heads and layout.matches(lab.text, "anchors", role):
                heads[role] = cc
    if len(heads) == 2 and r + 1 < sheet.rows:
        return sheet.cell(r + 1, heads["goals_expected"]), sheet.cell(r + 1, heads["goals_actual"])
    seen, texts = set(), []
    for cc in range(c + 1, sheet.cols):
        key = sheet.origin_of(r, cc)
        cell = sheet.cell(r, cc)
        if key in seen or cell.blank:
            continue
        seen.add(key)
        texts.append(cell)
    texts += [EMPTY, EMPTY]
    return texts[0], texts[1]


# --- one sheet, one file -------------------------------------------------------------------

def read_sheet(grid: Grid) -> list[Evaluation]:
    """The evaluation tables of one sheet, top to bottom (usually one; none when it holds none).
    A second table pasted under the first is read from the row after the first one ends."""
    sheet = Sheet(grid)
    bands = _column_bands(sheet)
    if len(bands) > 1:                  # tables side by side: each read in its own columns
        return [ev for lo, hi in bands for ev in _read_tables(Sheet(grid.band(lo, hi)))]
    return _read_tables(sheet)


def _read_tables(sheet: Sheet) -> list[Evaluation]:
    tables, start = [], 0
    while start < sheet.rows:
        found = _indicator_header(sheet, start)
        if found is None:
            break
        ev, end = _read_table(sheet, start, *found)
        if not _is_example(sheet, start, found[0], ev):
            tables.append(ev)
        start = end + 1
    return tables


def _column_bands(sheet: Sheet) -> list[tuple[int, int]]:
    """Column ranges [lo, hi) of tables standing side by side (read/sidebyside.py); one range,
    the whole sheet, for the usual single table."""
    found = _indicator_header(sheet)
    if found is None:
        return [(0, sheet.cols)]
    return sidebyside.column_bands(sheet, found[0], lambda r: _header_cells(sheet, r))


def _header_cells(sheet: Sheet, r: int) -> tuple[tuple[int, str], ...]:
    """A row's (column, label) cells, labels being short texts."""
    cells = sheet._header_cells.get(r)
    if cells is None:
        cells = sheet._header_cells[r] = tuple(
            [(c, lab.text) for c, lab in sheet.text_cells(r) if len(lab.text) <= MAX_LABEL_LEN])
    return cells


def _is_example(sheet: Sheet, top: int, header: int, ev: Evaluation) -> bool:
    """The example header row of a 填表说明 sheet (labels.toml [instructions]): under such a
    title, with no money block, no 项目名称 / 部门名称 and no 总分, it shows how to fill the form."""
    if ev.funds is not None or not ev.unit.blank or not ev.project.blank or ev.total.ref is not None:
        return False
    titles = layout.synonyms("instructions", "titles")
    if any(t in layout.normalize(sheet.grid.sheet).text for t in titles):
        return True
    if any(not ind.placeholder and not ind.weight.blank and _is_amount(ind.weight.value) for ind in ev.indicators):
        return False        # real indicators with weights under a line 填表说明：…: a filled-in table
    return any(t in lab.text for r in range(top, header) for _, lab in sheet.text_cells(r) for t in titles)


def _read_table(sheet: Sheet, top: int, header: int, roles: dict[str, int]) -> tuple[Evaluation, int]:
    """One table whose indicator header is at `header`; its title, meta and funds lie between
    `top` and the header. Returns the table and its last row."""
    grid = sheet.grid
    start = _merge_second_header_row(sheet, header, roles)
    if start < sheet.rows and rowkinds.is_numbering_row(sheet.own_values(start)):
        start += 1                      # 甲 | 乙 | 1 | 2 | 3 numbering the columns
    name_col = roles.get("name", roles.get("level2", roles.get("level1", 0)))
    end, total_row = _indicator_end(sheet, start, roles)
    indicators, level1_weights, execution = _read_indicators(sheet, _Block(header, start, end, roles))
    fund_header, below = _funds_header(sheet, header, top), None
    if fund_header is None and end < sheet.rows and _is_funds_header_row(sheet, end):
        last_indicator = max((i.row for i in indicators), default=start - 1)
        end, total_row, below = _money_below(sheet, top, header, last_indicator, end, total_row,
                                             roles, execution)
    if below is not None:
        fund_header, funds = below
    else:
        funds = _funds_with_execution(sheet, fund_header, header, execution, top, header)
    meta = _meta(sheet, header, top)
    kind, title = _title_kind(sheet, header, top)
    kind = kind or ("project" if "project" in meta else
                    "department" if "department" in meta or "reporting" in meta else "project")
    # The unit that filled the table in (部门：XX中学 above it) names it first.
    order = ("reporting", "supervisor", "department", "implementer") if kind == "project" \
        else ("reporting", "department", "supervisor", "implementer")
    unit = next((meta[k] for k in order if k in meta), EMPTY)
    expected, actual = _goals(sheet, header, top)
    total = sheet.cell(total_row, roles.get("score")) if total_row is not None \
        else _total_above(sheet, top, header)
    last = total_row if total_row is not None else end - 1
    no_cache = tuple((CellRef(sheet.file_name, grid.sheet, r, c), grid.formulas.get((r, c), ""))
                     for r, c in sorted(grid.no_cache) if top <= r <= last)
    ev = Evaluation(
        file=sheet.file_name, sheet=grid.sheet, kind=kind, title=str(title or ""),
        unit=unit, project=meta.get("project", EMPTY),
        year=_year(sheet, header, meta, str(title), top),
        funds=funds, indicators=indicators, total=total, level1_weights=level1_weights,
        formula_no_cache=no_cache, goal_expected=expected, goal_actual=actual,
        supervisor=meta.get("supervisor", EMPTY), implementer=meta.get("implementer", EMPTY),
        header_cell=sheet.cell(header, roles.get("level1", name_col)).ref,
        indicator_columns=frozenset(roles),
        money_unit=_money_unit(sheet, top, header, fund_header[0] if fund_header else None),
        hidden_rows=frozenset(i.row for i in indicators if i.row in grid.hidden_rows))
    return ev, last


def _money_below(sheet: Sheet, top: int, header: int, last_indicator: int, end: int,
                 total_row: int | None, roles: dict[str, int], execution: dict
                 ) -> tuple[int, int | None, tuple[tuple[int, dict[str, int]], Funds] | None]:
    """A money-block header at `end`, right below the indicators of a table with none above
    them: (end, 总分 row, (money-block header, funds) or None). The block is this table's, and
    the 总分 row may follow it; or the next table's: a title or 项目名称 stands above it (the
    table then ends there), or the next indicator header follows it with no 总分 or title
    between (money above its indicators, the usual layout)."""
    opens = _next_table_row(sheet, last_indicator + 1, end)
    if opens is not None:
        return opens, total_row, None
    following = _indicator_header(sheet, end + 1)
    # the next table: its title or 项目名称, else its indicator header
    next_top = (_next_table_row(sheet, end + 1, following[0]) if following else None) \
        or (following[0] if following else sheet.rows)
    stop = min(sheet.rows, end + MAX_FUNDS_BELOW, next_top)
    fund_header = _funds_header(sheet, stop, end)
    funds = _funds_with_execution(sheet, fund_header, stop, execution, top, header)
    if funds is None:
        return end, total_row, None
    below = max([end] + [c.ref.row + 1 for x in funds.rows
                         for c in (x.label, x.initial, x.annual, x.executed) if c.ref is not None])
    below_total = _indicator_end(sheet, below, roles)[1]
    below_total = below_total if below_total is not None and below_total < next_top else None
    if below_total is None and following and next_top == following[0]:
        return end, total_row, None
    return below, below_total, (fund_header, funds)


def _funds_with_execution(sheet: Sheet, fund_header: tuple[int, dict[str, int]] | None,
                          stop: int, execution: dict, top: int, header: int) -> Funds | None:
    """The money block (its rows end before `stop`); a 预算执行率 row of the indicator table
    supplies what it lacks."""
    funds = _read_funds(sheet, *fund_header, stop=stop) if fund_header else None
    if funds is None or funds.total is None:
        funds = _funds_pairs(sheet, top, header) or funds
    if funds is not None and execution and funds.weight.blank:
        return replace(funds, weight=execution.get("weight", EMPTY),
                       score=execution.get("score", EMPTY) if funds.score.blank else funds.score)
    if funds is None and execution:      # no money block: the 预算执行率 row carries the rate
        return Funds(rows=(), weight=execution.get("weight", EMPTY),
                     rate=execution.get("actual", EMPTY), score=execution.get("score", EMPTY),
                     reason=execution.get("reason", EMPTY))
    return funds


PAIR_ROLES = ("initial", "annual", "executed", "weight", "rate", "score")


def _funds_pairs(sheet: Sheet, top: int, header: int) -> Funds | None:
    """A money block written as label–amount pairs, in one row (全年预算数 | 100 | 全年执行数 | 95 |
    执行率 | 95%) or down one column (全年预算数 | 100 on one row, 全年执行数 | 95 below): the
    amount is the first cell right of the label. None unless both 全年预算数 and 全年执行数 are
    found so, with a number each."""
    found: dict[str, tuple[Cell, Cell]] = {}
    for r in range(top, header):
        for c, lab in sheet.text_cells(r):
            role = layout.role_of(lab.text, "funds", allow_contains=False)
            if role not in PAIR_ROLES or role in found or sheet.origin_of(r, c) != (r, c):
                continue
            value = _value_right_of(sheet, r, c)
            if value is not None and _is_amount(value.value):
                found[role] = (sheet.cell(r, c), value)
    if "annual" not in found or "executed" not in found:
        return None
    get = {role: value for role, (_, value) in found.items()}
    total = FundRow(found["annual"][0], get.get("initial", EMPTY), get["annual"], get["executed"],
                    is_total=True)
    return Funds(rows=(total,), weight=get.get("weight", EMPTY), rate=get.get("rate", EMPTY),
                 score=get.get("score", EMPTY))


def _is_amount(value: Any) -> bool:
    """A number, or a number typed as text (95%, 344.18万元, １２０), not a label beside a label."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and bool(value) and parse_value(value).kind == "number"


def _total_above(sheet: Sheet, top: int, header: int) -> Cell:
    """Some forms put 自评总分 at the top: the first number right of a 总分 label above the table."""
    for r in range(top, header):
        for c, lab in sheet.text_cells(r):
            if layout.matches(lab.text, "anchors", "total"):
                for cc in range(c + 1, sheet.cols):
                    cell = sheet.cell(r, cc)
                    if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                        return cell
                    if isinstance(cell.value, str) and _is_plain_number(cell.value):
                        return cell                 # '94.50', '94.5分' typed as text
    return EMPTY


def _is_plain_number(text: str) -> bool:
    value = parse_value(text)
    return value.kind == "number" and value.op is None


def read_workbook(path: str | Path, data: bytes | None = None) -> list[Evaluation]:
    """Every evaluation table in a workbook; XlsprocError when the file yields none.
    `data`: the file's content when the caller has read it already (it is not read again)."""
    path = path if isinstance(path, Path) else Path(path)
    grids = read_grids(path, data=data)
    evaluations = [e for g in grids for e in read_sheet(g)]
    if not evaluations:
        from xlsproc.errors import file_error
        names = "、".join(g.sheet for g in grids) or "无工作表"
        raise file_error("no-evaluation-found", sheets=names)
    # an annotated copy of ours (it shows our 审核结果), verified as ours
    filled = marks.filled_cells(path, data) if marks.may_be_copy(g.sheet for g in grids) else {}
    if filled:
        by_name = {g.sheet: g for g in grids}
        evaluations = [_mark_filled(ev, by_name[ev.sheet], filled) for ev in evaluations]
    return evaluations


def _mark_filled(ev: Evaluation, grid: Grid, filled: dict) -> Evaluation:
    """The score cells of `ev` that still hold the value xlsproc filled into them are read as
    the blanks the officer left (with their cells kept), and listed in filled_by_xlsproc."""
    ours: list[str] = []
    tags = marks.cell_tags(ev)

    def blank_if_ours(cell: Cell) -> Cell:
        if cell.ref is None or cell.formula or (ev.sheet, cell.ref.cell) not in filled:
            return cell
        written, tag = filled[(ev.sheet, cell.ref.cell)]
        if tag is not None and tag != tags.get(cell.ref.cell):
            return cell                     # another row is here now (rows inserted above)
        now = clean_value(grid.raw[cell.ref.row][cell.ref.col])
        if written == now or (isinstance(written, (int, float)) and isinstance(now, (int, float))
                              and abs(written - now) < 1e-9) \
                or (isinstance(written, (int, float)) and now == as_percent_text(written)):   # 0.9938 → "99.38%"
            ours.append(cell.ref.cell)
            return Cell(None, cell.ref)
        return cell                         # the officer has typed her own value since

    indicators = tuple(replace(ind, score=blank_if_ours(ind.score)) for ind in ev.indicators)
    funds = ev.funds and replace(ev.funds, rate=blank_if_ours(ev.funds.rate),
                                 score=blank_if_ours(ev.funds.score))
    total = blank_if_ours(ev.total)
    if not ours:
        return ev
    return replace(ev, indicators=indicators, funds=funds, total=total,
                   filled_by_xlsproc=tuple(ours))


__all__ = ["read_workbook", "read_sheet", "XlsprocError"]
