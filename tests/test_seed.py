"""The golden test of the project's origin: 洪山区团委 2024 (shared/seed)."""
from __future__ import annotations

from typer.testing import CliRunner

from conftest import SAMPLES
from xlsproc.cli import app

SEED = SAMPLES / "洪山区团委_2024_部门整体.xlsx"


def test_seed_figures_on_the_command_line():
    result = CliRunner().invoke(app, ["check", str(SEED)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    row = lambda label: next(l.split() for l in lines if l.strip().startswith(label))
    assert row("执行率")[1:] == ["99.38%", "99.38%"]
    assert row("执行得分")[1:] == ["19.88", "19.88"]
    assert row("指标得分")[1:] == ["80", "80"]
    assert row("总分")[1:] == ["99.88", "99.88"]
    assert row("等级")[1] == "优"


def test_seed_over_completion_on_the_far_exceeded_indicators():
    import xlsproc
    [ev] = xlsproc.check(SEED)[0]["evaluations"]
    over = {f["indicator"]: f for f in ev["flags"] if f["code"] == "over-completion"}
    loans = over["新增青创贷款申报数"]
    assert "2.05 倍" in loans["message"]
    children = over["服务青少年人次"]
    assert "3.12 倍" in children["message"]
    targets = {i["name"]: (i["target"], i["actual"]) for i in ev["indicators"]}
    assert targets["新增青创贷款申报数"] == ("不少于300个", "616个")
    assert targets["服务青少年人次"] == ("15000人次以上", "46800人次")
