"""`xlsproc check` results of every sample, compared with reviewed text dumps (tests/golden).

Regenerate after an intended change with `pytest tests/test_golden.py --update-golden` and
review the diff like code.
"""
from __future__ import annotations

import pytest

import xlsproc
from conftest import GOLDEN, SAMPLES, assert_golden

FILES = sorted(p for p in SAMPLES.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"))


def dump(entry: dict) -> str:
    """One line per figure and flag; no hashes or absolute paths."""
    lines = [f"file {entry['file']} status={entry['status']}"]
    if entry["error"]:
        lines.append(f"error {entry['error']['code']}: {entry['error']['message']}")
    for ev in entry["evaluations"]:
        lines.append(f"table {ev['sheet']} kind={ev['kind']} unit={ev['unit']} project={ev['project']} year={ev['year']}")
        b = ev["budget"] or {}
        lines.append("budget " + " ".join(f"{k}={b.get(k)}" for k in
                     ("initial", "annual", "executed", "rate", "reported_rate", "weight", "score", "reported_score", "cell")))
        for i in ev["indicators"]:
            lines.append(f"  row {i['row']} {i['level1']}/{i['level2']}/{i['name']} | {i['target']} → {i['actual']} | "
                         f"{i['kind']} c={i['completion']} w={i['weight']} score={i['score']} rep={i['reported_score']}")
        lines.append(f"scores indicators={ev['indicator_score']} total={ev['total_score']} "
                     f"reported={ev['reported_total']} grade={ev['grade']}")
        for f in ev["flags"]:
            lines.append(f"  flag {f['severity']} {f['code']} {f['cell']} [{f['indicator']}] {f['message']}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_check_matches_golden(path, update_golden):
    text = dump(xlsproc.check(path)[0])
    assert_golden(text, GOLDEN / "check" / (path.name + ".txt"), update_golden)
