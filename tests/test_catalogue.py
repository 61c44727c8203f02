"""Every code of the flag catalogue is produced by a real workbook, with its Chinese message."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import xlsproc
from builders import Ind, Layout, build, standard_table
from conftest import SAMPLES

CATALOGUE = tomllib.loads((Path(xlsproc.__file__).parent / "catalogue.toml").read_text("utf-8"))


def _codes(entry: dict) -> set[str]:
    if entry["status"] == "error":
        return {entry["error"]["code"]}
    return {f["code"] for ev in entry["evaluations"] for f in ev["flags"]}


def _flags(path: Path) -> list[dict]:
    [entry] = xlsproc.check(path)
    return [f for ev in entry["evaluations"] for f in ev["flags"]]


SYNTHETIC = {
    "over-execution": standard_table(executed=105.0, components=[("其中：当年财政拨款", 100.0, 105.0)],
                                     reported_rate="105%", exec_score=10, total=98),
    "budget-missing": standard_table(annual=None, initial=None, components=[], reported_rate=None,
                                     exec_score=None),
    "category-missing": standard_table(indicators=[
        Ind("产出指标", "数量指标", "开展活动场次", "≥20场", "20场", 50, 50),
        Ind("效益指标", "社会效益指标", "青少年参与度", "有效提升", "有效提升", 40, 40)], total=99.5),
    "finished-late": standard_table(indicators=[
        Ind("产出指标", "数量指标", "开展活动场次", "≥20场", "20场", 40, 40),
        Ind("产出指标", "时效指标", "活动完成时间", "2024年6月30日前", "2024年9月10日", 10, 10),
        Ind("效益指标", "社会效益指标", "青少年参与度", "有效提升", "有效提升", 30, 30),
        Ind("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10)], total=99.5),
    "actual-several": standard_table(indicators=[
        Ind("产出指标", "数量指标", "抽检批次", "≥1000批次", "1000批次中980批次", 40, 40),
        Ind("产出指标", "质量指标", "合格率", "≥95%", "98%", 10, 10),
        Ind("效益指标", "社会效益指标", "青少年参与度", "有效提升", "有效提升", 30, 30),
        Ind("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10)], total=99.5),
    "fund-rows-sum": standard_table(annual=None, executed=None,
                                    components=[("其中：当年财政拨款", 60.0, 57.0), ("上年结转资金", 40.0, 38.0)]),
}


@pytest.mark.parametrize("code", sorted(SYNTHETIC))
def test_synthetic_case_produces_its_code(tmp_path, code):
    path = build(SYNTHETIC[code], Layout(), tmp_path / f"{code}.xlsx")
    flags = _flags(path)
    assert code in {f["code"] for f in flags}
    flag = next(f for f in flags if f["code"] == code)
    assert flag["severity"] in ("error", "warning", "info")
    assert flag["message"] and flag["sheet"] == "项目支出绩效自评表"


def test_budget_from_components_when_total_row_is_empty(tmp_path):
    path = build(SYNTHETIC["fund-rows-sum"], Layout(), tmp_path / "a.xlsx")
    [ev] = xlsproc.check(path)[0]["evaluations"]
    assert (ev["budget"]["annual"], ev["budget"]["executed"]) == (100, 95)
    assert ev["budget"]["from_components"] is True


def test_low_execution_with_a_reason_is_only_info(tmp_path):
    table = standard_table(executed=80.0, components=[("其中：当年财政拨款", 100.0, 80.0)],
                           reported_rate="80%", exec_score=8, total=96)
    path = build(table, Layout(op_unit_columns=True), tmp_path / "a.xlsx")
    import openpyxl
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.cell(5, 10, "原因")                  # a 原因 column on the funds block, Sichuan style
    ws.cell(6, 10, "项目结余资金收回")
    wb.save(path)
    low = [f for f in _flags(path) if f["code"] == "low-execution-rate"]
    assert [f["severity"] for f in low] == ["info"]


def _without_weight_column(tmp_path, placeholder: bool = False) -> Path:
    """A standard table whose 分值 header says something no province uses for it (with a
    template's empty 指标2: row when asked)."""
    import openpyxl
    from dataclasses import replace
    table = standard_table()
    if placeholder:
        table = replace(table, indicators=table.indicators + [
            Ind("满意度指标", "服务对象满意度指标", "指标2:", "/", "/", None, None)])
    path = build(table, Layout(), tmp_path / "无分值列.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    heads = [c for row in ws.iter_rows() for c in row if c.value == "分值"]
    heads[-1].value = "档次"                   # the indicator header's; the funds block keeps its own
    wb.save(path)
    return path


def test_a_table_without_a_weight_column_says_so_once_and_keeps_reported_scores(tmp_path):
    [ev] = xlsproc.check(_without_weight_column(tmp_path))[0]["evaluations"]
    codes = [f["code"] for f in ev["flags"]]
    assert codes.count("weight-column-missing") == 1
    assert not {"weights-sum", "score-mismatch", "level1-weight-mismatch"} & set(codes)
    flag = next(f for f in ev["flags"] if f["code"] == "weight-column-missing")
    assert flag["severity"] == "error" and "分值" in flag["message"] and "年度指标值" in flag["message"]
    assert all(i["weight"] is None for i in ev["indicators"])
    assert [i["score"] for i in ev["indicators"]] == [i["reported_score"] for i in ev["indicators"]]
    assert ev["total_score"] == ev["reported_total"]


def test_a_template_row_is_no_indicator_without_a_weight_column_either(tmp_path):
    [ev] = xlsproc.check(_without_weight_column(tmp_path, placeholder=True))[0]["evaluations"]
    assert "指标2:" not in [i["name"] for i in ev["indicators"]]
    assert "actual-missing" not in {f["code"] for f in ev["flags"]}


def _bug_of_ours(tmp_path, monkeypatch) -> list[dict]:
    good = build(standard_table(), Layout(), tmp_path / "good.xlsx")
    broken = build(standard_table(), Layout(), tmp_path / "broken.xlsx")
    import xlsproc.read.reader as reader
    real = reader.read_sheet

    def explode(grid):
        if "broken" in grid.file:
            raise RuntimeError("simulated bug")
        return real(grid)

    monkeypatch.setattr(reader, "read_sheet", explode)
    entries = xlsproc.check(broken, good)
    monkeypatch.undo()
    return entries


def test_a_bug_of_ours_costs_one_file_only(tmp_path, monkeypatch):
    entries = _bug_of_ours(tmp_path, monkeypatch)
    assert [e["status"] for e in entries] == ["error", "ok"]
    assert entries[0]["error"]["code"] == "internal-error"
    assert "其余文件不受影响" in entries[0]["error"]["message"]


# Produced by the batch itself, each by its own test in test_process.py.
BATCH_CODES = {"file-timeout": "test_hanging_file_times_out_and_the_rest_is_processed",
               "worker-crashed": "test_crash_under_spawn_costs_one_file",
               "output-locked": "test_locked_output_is_reported_and_retried",
               "inbox-unreadable": "test_unreadable_inbox_stops_without_removing_anything"}


# Produced by the batch for hostile and unlucky inputs (issue 12), in test_hostile_inbox.py.
HOSTILE_CODES = {"file-not-regular": "test_6_a_fifo_and_a_link_to_dev_zero_cost_themselves_only",
                 "link-outside-inbox": "test_12_links_are_listed_and_never_followed_out_of_the_inbox",
                 "link-broken": "test_12_links_are_listed_and_never_followed_out_of_the_inbox",
                 "link-folder": "test_12_folder_links_are_listed_not_followed",
                 "output-name-conflict": "test_8_names_colliding_with_our_own_are_per_file_errors",
                 "disk-full": "test_environment_failures_have_their_own_codes_not_internal_error",
                 "package-unsupported": "test_environment_failures_have_their_own_codes_not_internal_error"}


# Produced across files by the district consolidation.
CONSOLIDATION_CODES = {"duplicate-submission": "test_a_resubmitted_table_is_counted_once_and_listed"}
# Produced when an annotated copy of ours comes back.
COPY_CODES = {"filled-by-xlsproc": "test_a_submitted_copy_says_which_scores_xlsproc_filled"}
# About the annotated copy of a file read from another producer (or one the writer failed on).
PRODUCER_CODES = {"copy-values-only": "test_libreoffice_missing_is_said_so",
                  "copy-failed": "test_a_failed_copy_keeps_the_scores",
                  "copy-incomplete": "test_a_failed_copy_keeps_the_scores"}
# Refused before a reader could run out of memory.
BOUND_CODES = {"file-sparse-sheet": "test_a_legacy_xls_with_a_far_away_value_is_refused_in_chinese"}
# A row hidden in the sheet XML (the builders write no hidden rows).
LAYOUT_CODES = {"hidden-row": "test_hidden_indicator_row_is_named"}


@pytest.mark.parametrize("module, codes", [("test_process.py", BATCH_CODES),
                                           ("test_hostile_inbox.py", HOSTILE_CODES),
                                           ("test_consolidate.py", CONSOLIDATION_CODES),
                                           ("test_annotate.py", COPY_CODES),
                                           ("test_producers.py", PRODUCER_CODES),
                                           ("test_hostile.py", BOUND_CODES),
                                           ("test_unseen_layouts_r5.py", LAYOUT_CODES)])
def test_batch_and_consolidation_codes_have_their_tests(module, codes):
    source = (Path(__file__).parent / module).read_text("utf-8")
    for code, test in codes.items():
        assert f"def {test}(" in source, code
        body = source.split(f"def {test}(")[1].split("\ndef ")[0]
        assert code in body, f"{test} does not check {code}"


def test_every_catalogue_code_is_produced(tmp_path, monkeypatch):
    produced = {_bug_of_ours(tmp_path, monkeypatch)[0]["error"]["code"]}
    produced |= _codes(xlsproc.check(tmp_path / "不存在.xlsx")[0])        # file-not-found
    produced |= _codes(xlsproc.check(tmp_path)[0])                       # a folder: file-unreadable
    produced |= _codes(xlsproc.check(_without_weight_column(tmp_path))[0])
    for path in sorted(SAMPLES.rglob("*.xls*")):
        produced |= _codes(xlsproc.check(path)[0])
    for code, table in SYNTHETIC.items():
        produced |= _codes(xlsproc.check(build(table, Layout(), tmp_path / f"{code}.xlsx"))[0])
    assert set(CATALOGUE) - produced - set(BATCH_CODES) - set(CONSOLIDATION_CODES) \
        - set(COPY_CODES) - set(HOSTILE_CODES) - set(PRODUCER_CODES) - set(BOUND_CODES) \
        - set(LAYOUT_CODES) == set()
