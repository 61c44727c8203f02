"""The command line, run in-process: output, JSON shape and exit codes."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from builders import Layout, build, standard_table
from xlsproc.cli import app

runner = CliRunner()

SPEC_FILE_KEYS = {"file", "sha256", "status", "error", "evaluations"}
SPEC_EVAL_KEYS = {"sheet", "kind", "unit", "project", "year", "budget", "indicators",
                  "indicator_score", "total_score", "reported_total", "grade", "flags"}
SPEC_BUDGET_KEYS = {"initial", "annual", "executed", "rate", "reported_rate", "weight", "score",
                    "reported_score", "cell"}
SPEC_INDICATOR_KEYS = {"level1", "level2", "name", "target", "actual", "kind", "completion",
                       "weight", "score", "reported_score", "reason", "row"}
SPEC_FLAG_KEYS = {"code", "severity", "sheet", "cell", "indicator", "message"}


def test_every_command_has_help():
    for command in ("check", "process", "report"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "示例" in result.output


def test_check_json_has_the_spec_keys(tmp_path):
    wb = build(standard_table(), Layout(), tmp_path / "a.xlsx")
    result = runner.invoke(app, ["check", "--json", str(wb)])
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)
    assert SPEC_FILE_KEYS <= entry.keys()
    [ev] = entry["evaluations"]
    assert SPEC_EVAL_KEYS <= ev.keys()
    assert SPEC_BUDGET_KEYS <= ev["budget"].keys()
    assert all(SPEC_INDICATOR_KEYS <= i.keys() for i in ev["indicators"])
    assert ev["budget"]["cell"] == "E6"          # the total row's 全年执行数


def test_check_human_output_names_cells(tmp_path):
    table = standard_table(total=90)
    wb = build(table, Layout(), tmp_path / "某街道_青少年服务_2024.xlsx")
    result = runner.invoke(app, ["check", str(wb)])
    assert result.exit_code == 0
    assert "执行率" in result.output and "97.5" in result.output and "优" in result.output
    assert "警告：某街道_青少年服务_2024.xlsx › 项目支出绩效自评表 › H18：填报总分 90" in result.output


def test_bad_file_exit_1_and_batch_goes_on(tmp_path):
    good = build(standard_table(), Layout(), tmp_path / "good.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    result = runner.invoke(app, ["check", "--json", str(bad), str(good)])
    assert result.exit_code == 1
    entries = json.loads(result.stdout)
    assert [e["status"] for e in entries] == ["error", "ok"]
    assert entries[0]["error"]["code"] == "file-corrupt"
    assert "损坏" in entries[0]["error"]["message"]


def test_a_missing_file_is_reported_and_the_rest_is_checked(tmp_path):
    good = build(standard_table(), Layout(), tmp_path / "good.xlsx")
    result = runner.invoke(app, ["check", "--json", str(tmp_path / "没有这个文件.xlsx"), str(good)])
    assert result.exit_code == 1
    entries = json.loads(result.stdout)
    assert [e["status"] for e in entries] == ["error", "ok"]
    assert entries[0]["error"]["code"] == "file-not-found"
    assert "找不到该文件" in entries[0]["error"]["message"]


def test_bad_rules_is_a_usage_error(tmp_path):
    wb = build(standard_table(), Layout(), tmp_path / "a.xlsx")
    rules = tmp_path / "r.toml"
    rules.write_text("[profile]\nname = 'x'\n", encoding="utf-8")
    result = runner.invoke(app, ["check", "--rules", str(rules), str(wb)])
    assert result.exit_code == 2
    assert "规则错误" in result.output and "description" in result.output


def test_report_prints_the_narrative(tmp_path):
    wb = build(standard_table(), Layout(), tmp_path / "a.xlsx")
    result = runner.invoke(app, ["report", str(wb)])
    assert result.exit_code == 0
    out = result.stdout
    assert "综合得分97.5分" in out and "执行情况得分9.5分" in out and "年度绩效指标得分88分" in out
    assert "全年预算数100万元，实际执行数95万元，执行率95%" in out
    missed = [line for line in out.splitlines() if line.strip().startswith("未完成：")]
    assert len(missed) == 1 and "服务青少年人次" in missed[0] and "暑期活动因天气取消两场" in missed[0]


def test_evaluate_many_equals_one_by_one():
    import xlsproc
    from conftest import SAMPLES
    paths = sorted(SAMPLES.rglob("*.xls*"))
    together = xlsproc.evaluate_many(paths)
    for path, got in zip(paths, together):
        try:
            alone = xlsproc.evaluate(path)
        except xlsproc.XlsprocError as exc:
            assert isinstance(got, xlsproc.XlsprocError) and got.code == exc.code
            continue
        assert [(r.total_score, r.grade, [f.message for f in r.flags]) for r in got] == \
               [(r.total_score, r.grade, [f.message for f in r.flags]) for r in alone]


def test_check_a_folder_checks_the_workbooks_in_it():
    from conftest import SAMPLES
    result = runner.invoke(app, ["check", "--json", str(SAMPLES / "bad")])
    assert result.exit_code == 1
    entries = json.loads(result.stdout)
    assert len(entries) == 8
    assert {e["status"] for e in entries} == {"error", "skipped"}


def test_help_and_usage_errors_speak_chinese():
    helped = runner.invoke(app, ["process", "--help"])
    assert helped.exit_code == 0
    for chinese in ("用法：", "参数", "选项", "[必填]", "显示本帮助并退出。"):
        assert chinese in helped.output, chinese
    for english in ("Usage:", "Arguments", "Options", "Show this message"):
        assert english not in helped.output, english
    cases = {("process",): "缺少参数 'inbox'。",
             ("process", "收件", "-o", "出", "--jobs", "0"): "的值无效：应不小于 1",
             ("process", "收件", "-o", "出", "--bogus"): "没有选项 --bogus",
             ("frob",): "没有命令 frob。",
             ("process", "收件", "-o", "出", "--jobs", "abc"): "的值无效：应为整数",
             ("process", "收件", "-o", "出", "--timeout", "abc"): "的值无效：应为数字",
             ("process", "收件", "-o", "出", "--force=yes"): "选项 --force 后面不能带值。",
             ("template", "project", "-o", "t.xlsx", "多余"): "多余的参数：多余"}
    for args, chinese in cases.items():
        result = runner.invoke(app, list(args))
        assert result.exit_code == 2, args
        assert chinese in result.output, (args, result.output)
        assert "Error" not in result.output and "Missing" not in result.output
        assert "Input should" not in result.output and "does not take" not in result.output
