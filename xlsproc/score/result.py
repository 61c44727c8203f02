"""What scoring hands the writers: a table's, its budget execution's and an indicator's results.

Kept apart from scoring.py and indicators.py, which compute them with pandas, so that a process
that only writes (reads the workbook, writes its copy and entry) never imports pandas — e.g.
the early worker, which unpickles them from the scorer process (batch/scorer.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from xlsproc.model import Evaluation, Flag, IndicatorRow
from xlsproc.rules import shown_grade


@dataclass
class BudgetResult:
    initial: float | None
    annual: float | None
    executed: float | None
    rate: float | None
    reported_rate: float | None
    weight: float
    score: float
    reported_score: float | None
    cell: str | None
    formula: str = ""
    used_components: bool = False


@dataclass
class IndicatorResult:
    row: IndicatorRow
    kind: str
    completion: float | None
    weight: float | None
    score: float
    reported_score: float | None
    formula: str
    grade: str | None = None          # qualitative grade, when scored as such

    @property
    def name(self) -> str:
        return self.row.name.text


@dataclass
class EvaluationResult:
    evaluation: Evaluation
    budget: BudgetResult | None
    indicators: list[IndicatorResult]
    indicator_score: float
    total_score: float
    reported_total: float | None
    grade: str | None               # None while weights-sum stands: shown as 待定
    flags: list[Flag] = field(default_factory=list)

    @property
    def grade_shown(self) -> str:
        return shown_grade(self.grade)
