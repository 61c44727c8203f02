"""Tables standing side by side on one sheet: the column ranges each is read in.

Two project tables pasted next to each other, their indicator headers in one row or not (the
right one's title may have a line more, its header standing a few rows lower). Each range is read
as a sheet of its own (Grid.band), cell addresses staying those of the sheet. An ordinary table
with notes or 偏差原因 columns at its right is one range: a neighbour needs its own labels,
年度指标值 … 实际完成值 and 分值 or 得分, and when its header stands lower a name of its own above
it (a title, 项目名称 / 部门名称): a 填表示例 box is none.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from xlsproc.read import layout

LABEL_ROLES = ("block", "level1", "level2", "name")
POINT_ROLES = ("weight", "score")
# Roles that end a header's run of columns: a neighbour's labels, or an indicator's data (产出指标).
STOP_ROLES = LABEL_ROLES + ("category",)
# How far below the first indicator header a neighbour's header may stand (a title of a few
# lines more, a 填报说明 line): rows, at most.
NEIGHBOUR_ROWS_BELOW = 12

HeaderCells = Callable[[int], "tuple[tuple[int, str], ...]"]


def column_bands(sheet, r: int, header_cells: HeaderCells) -> list[tuple[int, int]]:
    """Column ranges [lo, hi) of the tables side by side, the first indicator header at row `r`;
    one range, the whole sheet, for the usual single table."""
    cells = _roles(header_cells(r))
    tables = _same_row_tables(sheet, cells, r)
    more = _neighbours_lower(sheet, r, tables, header_cells) if tables else []
    if more:
        tables = sorted(tables + more)
    if len(tables) < 2:
        return [(0, sheet.cols)]
    starts = [0] + [_gap_end(sheet, (left[3], right[3]), left[1] + 1, right[0])
                    for left, right in zip(tables, tables[1:])]
    return list(zip(starts, starts[1:] + [sheet.cols]))


@lru_cache(maxsize=4096)
def _roles(cells: tuple[tuple[int, str], ...]) -> tuple[tuple[int, str | None], ...]:
    """Each cell's role (forms from one template repeat their rows: kept per process)."""
    return tuple((c, layout.role_of(text, "indicators")) for c, text in cells)


def _same_row_tables(sheet, cells, r: int) -> list[tuple[int, int, int, int]]:
    """(first label, 实际完成值, last column, row) of the tables in the header row: a second
    年度指标值 … 实际完成值 whose own 一级指标 / 三级指标 (or 绩效指标) labels stand right of the first
    table's 实际完成值, with its own 分值 or 得分, is a table beside the first."""
    targets = [c for c, role in cells if role == "target"]
    actual = next((c for c, role in cells if targets and c > targets[0] and role == "actual"), None)
    if actual is None:
        return []
    first = min((c for c, role in cells if c < targets[0] and role in LABEL_ROLES), default=targets[0])
    tables = [(first, actual, actual, r)]
    for t in targets[1:]:
        labels = [c for c, role in cells if actual < c < t and role in LABEL_ROLES]
        if not labels:
            continue                    # another target column of the same table
        following = next((c for c, role in cells if c > t and role == "actual"), None)
        if following is None:
            break
        after = next((x for x in targets if x > t), sheet.cols)
        if not any(t < c < after and role in POINT_ROLES for c, role in cells):
            continue                    # 指标名称 | 指标值说明 | 完成值说明 at the right: notes, no table
        tables.append((labels[0], following, following, r))
        actual = following
    return tables


def _neighbours_lower(sheet, r: int, tables, header_cells: HeaderCells) -> list[tuple[int, int, int, int]]:
    """Tables whose headers stand a few rows below the first one's, in columns none of the
    tables found takes (right of its 实际完成值, or left of its labels when the left table's title
    is the longer), each naming itself above its header (no 填表示例 box)."""
    found = list(tables)
    for below in range(r + 1, min(sheet.rows, r + 1 + NEIGHBOUR_ROWS_BELOW)):
        for lo, act, last in _tables_in(_roles(header_cells(below))):
            left_end = max((t_last + 1 for _, _, t_last, _ in found if t_last < lo), default=0)
            if all(last < t_lo or lo > t_last for t_lo, _, t_last, _ in found) \
                    and _names_itself(sheet, below, left_end, last):
                found.append((lo, act, last, below))
    return found[len(tables):]


def _names_itself(sheet, header: int, lo: int, hi: int) -> bool:
    """A table of its own names itself above its header, in its columns [lo, hi] (from the end of
    the table at its left): a title or 项目名称 / 部门名称 (labels.toml [title], [meta]). A 填表示例
    box with 分值 beside one table names nothing: no second table (nor does the left table's title
    merged across the whole sheet)."""
    words = _own_names()
    return any(lo <= c <= hi and lo <= sheet.origin_of(r, c)[1] and any(w in lab.text for w in words)
               for r in range(header) for c, lab in sheet.text_cells(r))


@lru_cache(maxsize=1)
def _own_names() -> tuple[str, ...]:
    names = [w for role in ("project", "department") for w in layout.synonyms("meta", role)]
    names += [w for role in ("project", "department", "generic") for w in layout.synonyms("title", role)]
    return tuple(names)


def _tables_in(cells) -> list[tuple[int, int, int]]:
    """(first label, actual, last column) of each whole indicator header in one row: labels, then
    年度指标值, 实际完成值, and 分值 or 得分, in header columns next to each other (a blank column,
    or a text no header label, ends it: what stands further right may be a neighbour's)."""
    found, lo = [], -1
    for n, (t, role) in enumerate(cells):
        if role != "target" or t <= lo:
            continue
        labels = _labels_before(cells, lo, t)
        actual, last = None, t
        for c, role in cells[n + 1:]:
            if c != last + 1 or role is None or role in STOP_ROLES or role == "target" and actual:
                break
            if role == "actual" and actual is None:
                actual = c
            last = c
        points = any(labels and labels[0] < c <= last and role in POINT_ROLES for c, role in cells)
        if labels and actual is not None and points:
            found.append((labels[0], actual, last))
            lo = last
    return found


def _labels_before(cells, lo: int, t: int) -> list[int]:
    """The label columns (绩效指标, 一级指标 … 三级指标) straight before a 年度指标值 at `t`: the run
    of label cells, right of `lo`, that no other text interrupts (a neighbour's data may stand
    further left in the row)."""
    run = []
    for c, role in reversed([(c, role) for c, role in cells if lo < c < t]):
        if role in LABEL_ROLES:
            run.insert(0, c)
        elif role not in POINT_ROLES:          # (三级指标 | 分值 | 年度指标值 … in some forms)
            break
    return run


def _gap_end(sheet, rows: tuple[int, ...], lo: int, hi: int) -> int:
    """Where the right range starts: after the last column in [lo, hi) blank in every header
    row, else at `hi`."""
    blank = [c for c in range(lo, hi) if all(sheet.raw(r, c) in ("", None) for r in rows)]
    return blank[-1] + 1 if blank else hi
