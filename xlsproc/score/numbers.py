"""Numbers as a finance officer writes them: the one half-up rounding every score, rate and
mean goes through (shared/spec/scoring.md)."""
from __future__ import annotations

import math


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
