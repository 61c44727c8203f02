"""Tables standing side by side on one sheet: the column ranges each is read in.

Two project tables pasted next to each other, their indicator headers in one row or not (the
right one's title may have a line more, its header standing a few rows lower). Each range is read
as a sheet of its own (Grid.band), cell addresses staying those of the sheet. An ordinary table
with notes or 偏差原因 columns at its right is one range: a neighbour needs its own labels,
年度指标值 … 实际完成值 and 分值 or 得分.
"""
from __future__ import annotations

from collections.abc import Callable

from xlsproc.read import layout

LABEL_ROLES = ("block", "level1", "level2", "name")
POINT_ROLES = ("weight", "score")
# How far below the first indicator header a neighbour's header may stand (a title of a few
# lines more, a 填报说明 line): rows, at most.
NEIGHBOUR_ROWS_BELOW = 12

HeaderCells = Callable[[int], "tuple[tuple[int, str], ...]"]


def column_bands(sheet, r: int, header_cells: HeaderCells) -> list[tuple[int, int]]:
    """Column ranges [lo, hi) of the tables side by side, the first indicator header at row `r`;
    one range, the whole sheet, for the usual single table."""
    cells = _roles(header_cells(r))
    starts = _same_row_starts(sheet, r, cells)
    if len(starts) == 1:
        starts = _neighbour_lower(sheet, r, cells, header_cells) or starts
    return list(zip(starts, starts[1:] + [sheet.cols]))


def _roles(cells) -> list[tuple[int, str | None]]:
    return [(c, layout.role_of(text, "indicators")) for c, text in cells]


def _same_row_starts(sheet, r: int, cells) -> list[int]:
    """The header row holds a second 年度指标值 … 实际完成值 whose own 一级指标 / 三级指标 (or
    绩效指标) labels stand right of the first table's 实际完成值, and its own 分值 or 得分."""
    targets = [c for c, role in cells if role == "target"]
    actual = next((c for c, role in cells if targets and c > targets[0] and role == "actual"), None)
    if actual is None:
        return [0]
    starts = [0]
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
        blank = [c for c in range(actual + 1, labels[0]) if sheet.raw(r, c) in ("", None)]
        starts.append(blank[-1] + 1 if blank else labels[0])
        actual = following
    return starts


def _tables_in(cells) -> list[tuple[int, int, int]]:
    """(first label, actual, last column) of each whole indicator header in one row: labels, then
    年度指标值, 实际完成值, and 分值 or 得分 before the next 年度指标值; its last column is the last of
    the header columns next to each other from 分值 / 得分 on (what stands further right may be a
    neighbour's data)."""
    found, lo = [], -1
    targets = [c for c, role in cells if role == "target"]
    for n, t in enumerate(targets):
        after = targets[n + 1] if n + 1 < len(targets) else None
        labels = [c for c, role in cells if lo < c < t and role in LABEL_ROLES]
        actual = next((c for c, role in cells if c > t and role == "actual"
                       and (after is None or c < after)), None)
        if not labels or actual is None:
            continue
        points = [c for c, role in cells if c > actual and role in POINT_ROLES
                  and (after is None or c < after)]
        if not points:
            continue
        last = max(points)
        for c, role in cells:           # 偏差原因, 备注 … straight after 分值 / 得分
            if c == last + 1 and role is not None and role not in LABEL_ROLES + ("category",):
                last = c
        found.append((labels[0], actual, last))
        lo = last
    return found


def _neighbour_lower(sheet, r: int, cells, header_cells: HeaderCells) -> list[int] | None:
    """A neighbour whose header stands a few rows below the first one's, right of its 实际完成值
    or left of its labels (the left table's title being the longer): the two ranges' starts."""
    targets = [c for c, role in cells if role == "target"]
    if not targets:
        return None
    actual = next((c for c, role in cells if c > targets[0] and role == "actual"), None)
    first = min((c for c, role in cells if c < targets[0] and role in LABEL_ROLES), default=targets[0])
    if actual is None:
        return None
    for below in range(r + 1, min(sheet.rows, r + 1 + NEIGHBOUR_ROWS_BELOW)):
        for lo, _, last in _tables_in(_roles(header_cells(below))):
            if lo > actual:                         # to the right: its range starts after a gap
                return [0, _gap_end(sheet, (r, below), actual + 1, lo)]
            if last < first:                        # to the left: the first table's starts after
                return [0, _gap_end(sheet, (r, below), last + 1, first)]
    return None


def _gap_end(sheet, rows: tuple[int, ...], lo: int, hi: int) -> int:
    """Where the right range starts: after the last column in [lo, hi) blank in every header
    row, else at `hi`."""
    blank = [c for c in range(lo, hi) if all(sheet.raw(r, c) in ("", None) for r in rows)]
    return blank[-1] + 1 if blank else hi
