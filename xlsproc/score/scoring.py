"""Model → scores and flags, driven by a rule profile (rules/default.toml, shared/spec/scoring.md).

Indicators of every evaluation handed in are scored together in one pandas frame (one row per
indicator, one more frame for the parts of compound targets: score/indicators.py); the per-table
figures (budget execution: score/budget.py; totals, weights and the other checks: score/flags.py)
are small and computed per table. Scores are rounded half-up to two decimals (score/numbers.py)
only when a score is produced.
"""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from math import isnan

import pandas as pd

from xlsproc.model import Evaluation
from xlsproc.rules import Rules, load_rules
from xlsproc.score.budget import BudgetResult, score_budget
from xlsproc.score.flags import FlagSink, indicator_flags, ordered, table_flags, total_flags
from xlsproc.score.indicators import LastYear, formula_of, indicator_frame, score_indicators
from xlsproc.score.numbers import as_number, fmt, pct, round_half_up
from xlsproc.score.result import EvaluationResult, IndicatorResult

__all__ = ["score", "EvaluationResult", "BudgetResult", "IndicatorResult", "fmt", "pct",
           "as_number", "round_half_up"]


# --- everything together -------------------------------------------------------------------

def score(evaluations: list[Evaluation], rules: Rules | None = None,
          last_year: LastYear | None = None) -> list[EvaluationResult]:
    """Score every evaluation (of one workbook or a whole batch) in one indicator frame.

    `last_year(evaluation, indicator)` returns last year's actual for a relative target
    (不低于上一年度), e.g. from the results store; without it those stay for manual review.
    """
    rules = rules or load_rules()
    frame, parts = indicator_frame(evaluations, last_year)
    scored = score_indicators(frame, parts, rules)
    by_eval: dict[int, list] = {}
    for row in _rows(scored):            # one pass, no per-table sub-frames
        by_eval.setdefault(row.e, []).append(row)
    return [_evaluation_result(ev, by_eval.get(n, ()), rules) for n, ev in enumerate(evaluations)]


def _rows(frame: pd.DataFrame) -> Iterator:
    """The frame's rows as named tuples of plain Python values (column by column: many times
    cheaper than itertuples, and no Arrow-backed strings handed out one at a time)."""
    row = namedtuple("ScoredRow", frame.columns)
    return map(row._make, zip(*(frame[c].tolist() for c in frame.columns)))


def _evaluation_result(ev: Evaluation, rows, rules: Rules) -> EvaluationResult:
    sink = FlagSink(ev, rules)
    budget = score_budget(ev, sink, rules)
    results = []
    for row in rows:
        ind = ev.indicators[row.i]
        formula = formula_of(row, ind)
        indicator_flags(sink, row, ind, rules, formula)
        results.append(IndicatorResult(
            row=ind, kind=row.kind, weight=None if isnan(row.w) else row.w,
            completion=None if isnan(row.completion) else float(row.completion),
            score=row.score, reported_score=None if isnan(row.rep) else row.rep,
            formula=formula, grade=row.grade if isinstance(row.grade, str) else None))
    table_flags(ev, sink, budget, results, rules)
    indicator_score = round_half_up(sum(r.score for r in results)) or 0.0
    total = round_half_up((budget.score if budget else 0.0) + indicator_score)
    reported_total = as_number(ev.total)
    total_flags(ev, sink, budget, indicator_score, total, reported_total, rules)
    # A 110-point table cannot be graded on a 100-point scale: the grade waits for the weights.
    withheld = any(f.code == "weights-sum" for f in sink.flags)
    return EvaluationResult(ev, budget, results, indicator_score, total, reported_total,
                            None if withheld else rules.grade(total), ordered(sink.flags))
