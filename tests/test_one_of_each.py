"""One of each: grade names come from the rule profile, file-level codes from the catalogue's
`scope`, severities and half-up rounding from one place each."""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

import xlsproc
from conftest import SAMPLES
from xlsproc import errors
from xlsproc.cli import app
from xlsproc.score.numbers import round_half_up

DEFAULT = Path(xlsproc.__file__).parent / "rules" / "default.toml"
LETTERS = 'thresholds = [["甲", 95], ["乙", 85], ["丙", 0]]'


def test_file_level_codes_are_the_catalogues_file_scope():
    codes = errors.file_codes()
    assert {"file-corrupt", "file-encrypted", "no-evaluation-found"} <= codes
    assert "score-mismatch" not in codes and "duplicate-submission" not in codes
    for entry in xlsproc.check(*sorted((SAMPLES / "bad").glob("*.xls*"))):
        if entry["status"] == "error":
            assert entry["error"]["code"] in codes


def test_severity_names_and_ranks():
    assert list(errors.SEVERITY_CN.values()) == ["错误", "警告", "提示"]
    assert sorted(errors.SEVERITY_RANK, key=errors.SEVERITY_RANK.get) == ["error", "warning", "info"]


def test_the_district_mean_rounds_half_up_like_every_score():
    from xlsproc.district.rows import _mean
    assert _mean([80.0, 80.01, 80.005]) == round_half_up((80.0 + 80.01 + 80.005) / 3)
    assert _mean([2.805]) == 2.81 and _mean([]) is None


def test_grade_names_follow_the_profile(tmp_path):
    profile = tmp_path / "三档.toml"
    text = DEFAULT.read_text("utf-8")
    start = text.index("thresholds = ")
    profile.write_text(text[:start] + LETTERS + text[text.index("\n", start):], "utf-8")
    result = CliRunner().invoke(app, ["process", str(SAMPLES), "-o", str(tmp_path / "out"), "-q",
                                      "--rules", str(profile),
                                      "--consolidate", str(tmp_path / "汇总.xlsx")])
    assert "等级：甲 " in result.output and "丙 " in result.output and "优" not in result.output
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    charts = [r[0] for r in wb["图表"].iter_rows(min_row=4, max_row=6, max_col=1, values_only=True)]
    assert charts == ["甲", "乙", "丙"]
    results = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    assert {ev["grade"] for e in results for ev in e["evaluations"]} <= {"甲", "乙", "丙", None}
