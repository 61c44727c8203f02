"""25 workbooks laid out as provinces and officers lay them out, written by an independent
reviewer who never saw samples/ (tests/layouts/make_layouts.py); expected.json holds the figures a
finance officer computes by hand from scoring.md. A reader tuned to samples/ fails here."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import xlsproc

HERE = Path(__file__).parent / "layouts"
EXPECTED = json.loads((HERE / "expected.json").read_text("utf-8"))
TOL = 0.005


def near(a, b, tol=TOL) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= tol


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_unseen_layout(name):
    exp = EXPECTED[name]
    [entry] = xlsproc.check(HERE / name)
    assert entry["status"] == "ok", entry["error"]
    evs = entry["evaluations"]
    assert len(evs) == len(exp["evaluations"])
    used: set[int] = set()
    for want in exp["evaluations"]:
        idx = next(i for i, e in enumerate(evs) if e["sheet"] == want["sheet"] and i not in used)
        used.add(idx)
        got, where = evs[idx], f"{name} [{want['sheet']}]"
        b = got["budget"] or {}
        assert got["kind"] == want["kind"], where
        for key, value in (("annual", b.get("annual")), ("executed", b.get("executed"))):
            if want[key] is not None:
                assert near(want[key], value), f"{where} {key}"
        assert near(want["rate"], b.get("rate"), 1e-4), f"{where} rate"
        assert near(want["exec_weight"], b.get("weight")), f"{where} exec_weight"
        assert near(want["exec_score"], b.get("score")), f"{where} exec_score"
        assert near(want["indicator_score"], got["indicator_score"]), f"{where} indicator_score"
        assert near(want["total"], got["total_score"]), f"{where} total"
        assert got["grade"] == want["grade"], where
        assert near(want["reported_total"], got["reported_total"]), f"{where} reported_total"
        if want.get("n_indicators") is not None:
            assert len(got["indicators"]) == want["n_indicators"], where
        if "unit" in want:
            assert got["unit"] == want["unit"], where
        codes = {f["code"] for f in got["flags"]}
        assert set(want["flags"]) <= codes, f"{where} missing {set(want['flags']) - codes}"
        extra = codes - set(want["flags"]) - set(want.get("optional_flags", []))
        assert not extra, f"{where} unexpected {extra}"
