"""The second round of unseen layouts (tests/layouts_r2/make_layouts.py): 20 workbooks from an
independent reviewer who read only the specs, each checked against figures computed by hand —
kind, unit, project, year, funds, execution score, every indicator's score, totals, grade — and
the flags the reviewer expected (and those that must not appear)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import xlsproc

HERE = Path(__file__).parent / "layouts_r2"
EXPECTED = json.loads((HERE / "expected.json").read_text("utf-8"))
NUMBERS = ("annual", "executed", "exec_weight", "exec_score", "indicator_score", "total")


def near(a, b, tol=0.005) -> bool:
    return (a is None and b is None) or (a is not None and b is not None
                                         and abs(float(a) - float(b)) <= tol)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_unseen_layout_round_two(name):
    [entry] = xlsproc.check(HERE / name)
    assert entry["status"] == "ok", entry["error"]
    got_all = entry["evaluations"]
    assert len(got_all) == len(EXPECTED[name])
    for want, got in zip(EXPECTED[name], got_all):
        where = f"{name} [{want['sheet']}]"
        b = got["budget"] or {}
        found = {"annual": b.get("annual"), "executed": b.get("executed"),
                 "exec_weight": b.get("weight"), "exec_score": b.get("score"),
                 "indicator_score": got["indicator_score"], "total": got["total_score"]}
        for key in ("sheet", "kind", "unit", "project", "year", "grade"):
            assert got[key] == want[key], f"{where} {key}"
        for key in NUMBERS:
            assert near(found[key], want[key]), f"{where} {key}: {found[key]} ≠ {want[key]}"
        assert near(b.get("rate"), want["rate"], 1e-4), f"{where} rate"
        scores = [i["score"] for i in got["indicators"]]
        assert len(scores) == want["n_indicators"], where
        for n, (score, expected) in enumerate(zip(scores, want["indicator_scores"])):
            assert expected is None or near(score, expected), f"{where} indicator {n + 1}"
        codes = {f["code"] for f in got["flags"]}
        assert set(want["flags"]) <= codes, f"{where} missing {set(want['flags']) - codes}"
        assert not set(want["not_flags"]) & codes, f"{where} unexpected {set(want['not_flags']) & codes}"
