"""Numbers as a finance officer writes them: the one half-up rounding every score, rate and
mean goes through (shared/spec/scoring.md)."""
from __future__ import annotations

import functools
import math

from xlsproc.model import Cell
from xlsproc.read.values import parse_value


def round_half_up(x: float | None, places: int = 2) -> float | None:
    """19.875 → 19.88, 2.805 → 2.81: half away from zero, as a finance officer rounds.

    Binary noise is forgiven (2.805 is stored as 2.80499999…, ×100 it is 280.49999999999997): a
    scaled value within 5e-7 below the half rounds up, as if rounded to 6 places first. Same
    results as Decimal's ROUND_HALF_UP on the written number (tests/test_rounding.py), at a
    fraction of the cost of round(…, 6) (this runs for every score and figure in a message)."""
    if x is None or x != x:
        return None
    scale = 10.0 ** places
    scaled = math.floor(abs(x) * scale + _HALF_UP) / scale
    return -scaled if x < 0 and scaled else scaled


_HALF_UP = 0.5 + 5e-7


@functools.lru_cache(maxsize=1 << 13)
def fmt(x: float | None, places: int = 2) -> str:
    """A number as a finance officer writes it: 10, 9.44, 344.18 (no trailing zeros).
    Memoised: every explanation and message formats the same weights and scores again (equal
    numbers — 3 and 3.0, -0.0 and 0.0 — are written alike, so sharing their text is safe)."""
    if x is None or x != x:
        return "—"
    rounded = round_half_up(x, places)
    if rounded.is_integer():
        return str(int(rounded))
    return f"{rounded:.{places}f}".rstrip("0")


def pct(rate: float | None, places: int = 2) -> str:
    return "—" if rate is None else f"{fmt(rate * 100, places)}%"


def as_number(cell: Cell) -> float | None:
    """A cell's numeric value (numbers typed as text included), or None."""
    if type(cell.value) is float:     # the usual case first (asked ~6 times per indicator)
        return cell.value
    if cell.blank:
        return None
    if isinstance(cell.value, bool):
        return None
    if isinstance(cell.value, (int, float)):
        return float(cell.value)
    value = parse_value(cell.value)
    if value.kind == "number" and value.op is None:
        return value.number
    return None
