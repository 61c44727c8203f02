"""The district outputs refreshed after a batch: the workbook, and the return packs.

`Refresher` is what `watch --consolidate` calls after each change (and what `process
--consolidate` does once): the district workbook is rewritten from OUTBOX (its results store,
else results.json), and, with a return folder, every unit's pack; a failure (the workbook open in
Excel) is reported and the next change tries again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xlsproc.district.roster import RosterUnit


@dataclass
class Refreshed:
    summary: dict | None = None             # consolidate()'s summary
    packs: list | None = None               # write_return_packs()'s packs (None: no return dir)
    error: str | None = None                # what went wrong, in Chinese


@dataclass
class Refresher:
    outbox: Path
    workbook: Path
    roster: list[RosterUnit] | None = None
    return_dir: Path | None = None
    rules: object = None
    district: str = "全区"
    year: int | None = None
    history: list[Refreshed] = field(default_factory=list)

    def __call__(self, outcome=None) -> Refreshed | None:
        """Refresh after a batch that changed something (every time without an outcome); a
        failure is kept in the result, not raised (watch goes on)."""
        if outcome is not None and not (outcome.processed or outcome.removed):
            return None
        from xlsproc.model import XlsprocError
        try:
            done = self.refresh()
        except XlsprocError as exc:
            done = Refreshed(error=exc.message)
        except OSError as exc:
            from xlsproc.errors import os_reason
            name = getattr(exc, "filename", None) or self.workbook
            done = Refreshed(error=f"无法写入 {name}（{os_reason(exc)}），请关闭正在使用它的程序；"
                                   "下次变更时将重试。")
        self.history.append(done)
        return done

    def refresh(self) -> Refreshed:
        """Write the workbook (and the packs); raises XlsprocError or OSError."""
        from xlsproc.district.book import consolidate
        from xlsproc.district.returns import write_return_packs
        summary = consolidate(self.outbox, self.workbook, year=self.year, district=self.district,
                              rules=self.rules, roster=self.roster)
        packs = None
        if self.return_dir is not None:
            packs = write_return_packs(self.outbox, self.return_dir, year=self.year,
                                       roster=self.roster, district=self.district)
        return Refreshed(summary, packs)
