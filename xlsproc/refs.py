"""A1 cell references — the one implementation every stage uses.

Rows and columns are 0-based everywhere in xlsproc: (0, 0) is A1. Conversions are cached: the
batch names the same few hundred cells of every workbook again and again.
"""
from __future__ import annotations

import functools
import re

MAX_ROW, MAX_COL = 1_048_576, 16_384

_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")


@functools.lru_cache(maxsize=1 << 12)
def col_letter(col: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters, col = "", col + 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@functools.lru_cache(maxsize=1 << 12)
def col_index(letters: str) -> int:
    """Column letters → 0-based index ('H' → 7)."""
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col - 1


@functools.lru_cache(maxsize=1 << 14)
def cell_name(row: int, col: int) -> str:
    """0-based (row, col) → 'H22'."""
    return f"{col_letter(col)}{row + 1}"


@functools.lru_cache(maxsize=1 << 14)
def parse_cell(ref: str) -> tuple[int, int]:
    """'H22' or '$H$22' → 0-based (row, col); ValueError (in Chinese) for anything else."""
    m = _CELL.fullmatch(ref.strip())
    if not m:
        raise ValueError(f"不是有效的单元格地址：{ref!r}")
    row, col = int(m.group(2)), col_index(m.group(1)) + 1
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        raise ValueError(f"单元格地址超出范围：{ref!r}")
    return row - 1, col - 1


def parse_cell_name(ref: str) -> tuple[int, int]:
    """Lenient: the letters and digits of *ref* wherever they stand ('h 22' → (21, 7))."""
    try:
        return parse_cell(ref)
    except ValueError:
        letters = "".join(ch for ch in ref if ch.isalpha())
        digits = "".join(ch for ch in ref if ch.isdigit())
        return int(digits) - 1, col_index(letters)


@functools.lru_cache(maxsize=1 << 12)
def parse_range(rng: str) -> tuple[int, int, int, int]:
    """'B3:A1' → 0-based (r1, c1, r2, c2), normalised so r1 ≤ r2 and c1 ≤ c2."""
    first, _, last = rng.partition(":")
    r1, c1 = parse_cell(first)
    r2, c2 = parse_cell(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def range_name(r1: int, c1: int, r2: int, c2: int) -> str:
    """0-based corners → 'A1:B3'."""
    return f"{cell_name(r1, c1)}:{cell_name(r2, c2)}"
