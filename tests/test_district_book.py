"""The district workbook as a bureau uses it (issue 10 §4): no table silently left out, one
link per file, Chinese problem titles with the code last, one 一级指标 category however it is
written, money kept in 元 summed in 万元."""
from __future__ import annotations

import csv

import openpyxl

from test_consolidate import HEAD_ROW, data_rows, link, make_entry, values
from xlsproc.district.book import consolidate
from xlsproc.district.export import export_tables
from xlsproc.district.rows import INDICATORS, ISSUES, SUMMARY
from xlsproc.store import Store


def texts(ws) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_other_years_are_named_in_the_summary(tmp_path):
    entries = [make_entry("某局", None, 2024, 90), make_entry("某局", None, 2023, 88),
               make_entry("某街道", "甲", 2023, 80), make_entry("某街道", "乙", 2023, 82),
               make_entry("某街道", "丙", 2022, 70), make_entry("某街道", "丁", None, 70)]
    note = "另有 2023 年度 3 张、2022 年度 1 张、年度不详的 1 张自评表未计入本年度汇总（可用 --year 汇总该年度）"
    with Store(tmp_path / "xlsproc.sqlite") as store:       # a store gives its latest year
        store.record(entries)
        summary = consolidate(store, tmp_path / "汇总.xlsx")
    assert summary["years"] == [2024] and summary["other_years"] == note
    assert note + "。" in texts(openpyxl.load_workbook(tmp_path / "汇总.xlsx")[SUMMARY])
    chosen = consolidate(entries, tmp_path / "2023.xlsx", year=2023)      # a list, --year
    assert chosen["other_years"] == ("另有 2024 年度 1 张、2022 年度 1 张、年度不详的 1 张"
                                     "自评表未计入本年度汇总（可用 --year 汇总该年度）")
    everything = consolidate(entries, tmp_path / "全部.xlsx")               # nothing left out
    assert everything["other_years"] is None
    assert not any("未计入本年度" in t for t in texts(openpyxl.load_workbook(tmp_path / "全部.xlsx")[SUMMARY]))


def test_a_unit_with_two_workbooks_links_to_both(tmp_path):
    entries = [make_entry("某街道", "社区治理", 2024, 80), make_entry("某街道", "青少年服务", 2024, 90),
               make_entry("某局", None, 2024, 95)]
    for e in entries:                          # the annotated copies the links open
        (tmp_path / e["relpath"]).write_bytes(b"x")
    consolidate(entries, tmp_path / "汇总.xlsx", outbox=tmp_path)
    ws = openpyxl.load_workbook(tmp_path / "汇总.xlsx")[SUMMARY]
    rows = data_rows(ws)
    street = [r for r in rows if r["单位"].value == "某街道"]
    assert len(street) == 2 and street[0]["自评表数"].value == 2 and street[1]["自评表数"].value is None
    targets = sorted(link(ws, r["批注副本"])[1].partition("#")[0] for r in street)
    assert targets == sorted(e["relpath"] for e in entries[:2])
    assert all((tmp_path / t).is_file() for t in targets)
    assert len([r for r in rows if r["单位"].value == "某局"]) == 1


def flagged_entry(money_unit=None, level1="产出指标(50分)"):
    entry = make_entry("某街道", "社区治理", 2024, 80, annual=800000.0, executed=760000.0)
    ev = entry["evaluations"][0]
    if money_unit:
        ev["money_unit"] = money_unit
    ev["indicators"][0]["level1"] = level1
    ev["indicators"][1]["level1"] = "产 出 指 标（50 分）"
    ev["indicators"][2]["level1"] = "一、产出指标"
    ev["flags"] = [{"code": "score-over-weight", "severity": "error", "sheet": ev["sheet"],
                    "cell": "H10", "indicator": "指标1", "title": "得分超过分值",
                    "detail": "得分 6 超过该项分值 5，请核实。", "message": "…"}]
    ev["flag_counts"] = {"error": 1, "warning": 0, "info": 0}
    return entry


def test_problem_titles_in_chinese_and_the_code_last(tmp_path):
    consolidate([flagged_entry()], tmp_path / "汇总.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    for name, code_head in ((INDICATORS, "问题代码"), (ISSUES, "代码")):
        ws = wb[name]
        heads = [c.value for c in ws[HEAD_ROW]]
        assert heads[-1] == code_head, name
        row = next(values(r) for r in data_rows(ws) if r[code_head].value)
        assert row[code_head] == "score-over-weight" and row["问题"] == "得分超过分值", name
        assert ws.print_area and f"${openpyxl.utils.get_column_letter(len(heads))}$" not in \
            str(ws.print_area), "代码和链接地址列不打印"


def test_level1_is_one_category_however_written(tmp_path):
    consolidate([flagged_entry()], tmp_path / "汇总.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "汇总.xlsx")[INDICATORS]
    assert {r["一级指标"].value for r in data_rows(ws)} == {"产出指标"}


def test_money_in_yuan_is_summed_in_wanyuan(tmp_path):
    yuan = flagged_entry("元")
    wan = make_entry("某局", None, 2024, 90, annual=100.0, executed=90.0)
    wan["evaluations"][0]["money_unit"] = "万元"
    summary = consolidate([yuan, wan], tmp_path / "汇总.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "汇总.xlsx")[SUMMARY]
    rows = {r["单位"].value: values(r) for r in data_rows(ws)}
    assert (rows["某街道"]["全年预算数（万元）"], rows["某街道"]["全年执行数（万元）"]) == (80, 76)
    total = next(values(dict(zip([c.value for c in ws[HEAD_ROW]], cells)))
                 for cells in ws.iter_rows() if str(cells[0].value).startswith("全区合计"))
    assert (total["全年预算数（万元）"], total["全年执行数（万元）"]) == (180, 166)
    assert rows["某街道"]["执行率"] == 0.95 and summary["units"] == 2
    export_tables([yuan], tmp_path / "csv")
    with open(tmp_path / "csv" / "汇总.csv", encoding="utf-8-sig", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert (float(row["全年预算数（万元）"]), float(row["全年执行数（万元）"])) == (80, 76)


def test_a_withheld_grade_stays_withheld_in_the_district_workbook(tmp_path):
    """A table whose weights do not add up to 100 has its grade withheld (待定): the 项目 sheet says
    待定, the unit's grade (from its projects' mean) is withheld too, and the grade chart counts it."""
    withheld = make_entry("某县司法局", "普法宣传教育", 2024, 100)
    withheld["evaluations"][0]["grade"] = None
    entries = [withheld, make_entry("某街道", "社区治理", 2024, 92),
               make_entry("某街道", "青少年服务", 2024, 88), make_entry("某局", None, 2024, 95)]
    street = make_entry("某街道", "养老", 2024, 96)
    street["evaluations"][0]["grade"] = None
    entries.append(street)
    out = tmp_path / "汇总.xlsx"
    consolidate(entries, out)
    wb = openpyxl.load_workbook(out)
    units = {}
    for r in data_rows(wb[SUMMARY]):                 # a unit's first row (then its other files)
        units.setdefault(r["单位"].value, values(r))
    assert units["某县司法局"]["等级"] == "待定" and units["某县司法局"]["项目平均分"] is None
    assert units["某街道"]["等级"] == "待定"
    assert units["某局"]["等级"] == "优"
    projects = {r["项目名称"].value: values(r) for r in data_rows(wb["项目"])}
    assert projects["普法宣传教育"]["等级"] == "待定" and projects["普法宣传教育"]["总分"] == 100
    assert projects["社区治理"]["等级"] == "优"
    charts = {r[0]: r[1:] for r in wb["图表"].iter_rows(min_row=3, max_row=8, values_only=True)}
    assert charts["待定"] == (0, 2)


def test_a_target_taken_from_the_name_is_shown_in_the_indicator_sheet(tmp_path):
    """年度指标值 blank, the name ends in the target ('指标1:年度资金支付完成率100%'): the scorer took
    the target from the name, so 指标明细 shows it (saying where it came from), not a blank beside
    a completion rate. A blank target with no quantity in the name stays blank."""
    entry = make_entry("某县水务局", "农村饮水安全", 2022, 95)
    first, second = entry["evaluations"][0]["indicators"][:2]
    first.update(name="指标1:年度资金支付完成率100%", target=None, actual="94.63%", completion=0.9463)
    second.update(name="受益人口", target=None, actual="3.35万人", kind="qualitative",
                  completion=None)
    consolidate([entry], tmp_path / "汇总.xlsx")
    rows = {r["三级指标"].value: values(r)
            for r in data_rows(openpyxl.load_workbook(tmp_path / "汇总.xlsx")[INDICATORS])}
    assert rows["指标1:年度资金支付完成率100%"]["年度指标值"] == "100%（取自指标名称）"
    assert rows["受益人口"]["年度指标值"] is None
    assert rows["指标3"]["年度指标值"] == "≥30个"


def _total_row(ws) -> dict:
    """The 全区合计 row of 汇总 (after the units and one blank row)."""
    for r in range(HEAD_ROW + 1, ws.max_row + 1):
        if str(ws.cell(r, 1).value or "").startswith("全区合计"):
            return values(dict(zip([c.value for c in ws[HEAD_ROW]], ws[r])))
    raise AssertionError("no 全区合计 row")


def test_withheld_totals_stay_out_of_every_mean_and_ranking(tmp_path):
    """A table whose grade is withheld (weights ≠ 100, 待定) has a total that is not comparable:
    项目平均分, the 全区合计 means and the ranking leave it out, and a line under the table
    counts such tables apart, naming unit and table."""
    street_bad = make_entry("某街道", "养老", 2024, 40)
    street_bad["evaluations"][0]["grade"] = None
    bureau = make_entry("某县司法局", None, 2024, 100)        # department table, withheld
    bureau["evaluations"][0]["grade"] = None
    entries = [make_entry("某街道", "社区治理", 2024, 92), make_entry("某街道", "青少年服务", 2024, 88),
               street_bad, bureau, make_entry("某局", None, 2024, 80),
               make_entry("某局", "信息化", 2024, 90)]
    out = tmp_path / "汇总.xlsx"
    consolidate(entries, out)
    ws = openpyxl.load_workbook(out)[SUMMARY]
    order = []
    units = {}
    for r in data_rows(ws):
        if r["单位"].value not in units:
            order.append(r["单位"].value)
            units[r["单位"].value] = values(r)
    assert units["某街道"]["项目平均分"] == 90            # (92 + 88) / 2, not (92 + 88 + 40) / 3
    assert units["某街道"]["等级"] == "待定"
    assert order == ["某街道", "某局", "某县司法局"]        # the withheld 100 ranks last, not first
    total = _total_row(ws)
    assert total["部门整体总分"] == 80                    # 某局 only: 司法局's withheld 100 left out
    assert total["项目平均分"] == 90                      # means of 某街道 (90) and 某局 (90)
    text = "\n".join(texts(ws))
    assert "另有 2 张自评表等级待定" in text
    assert "某街道（养老）" in text and "某县司法局（部门整体）" in text
    assert "不计入项目平均分" in str(ws["A2"].value)
    projects = [r["项目名称"].value for r in data_rows(openpyxl.load_workbook(out)["项目"])
                if r["单位"].value == "某街道"]
    assert projects == ["社区治理", "青少年服务", "养老"]


def test_the_summary_links_to_our_review_sheet_beside_hers(tmp_path):
    """The officer keeps a sheet of her own named 审核结果: ours in the copy is 审核结果（xlsproc）.
    results.json says so (copy_sheets), and 汇总's link opens ours, not hers."""
    import json
    import shutil
    from conftest import SAMPLES
    from test_consolidate import resolve
    from xlsproc.process import process
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    hers = inbox / "团委.xlsx"
    wb = openpyxl.load_workbook(SAMPLES / "洪山区团委_2024_部门整体.xlsx")
    wb.create_sheet("审核结果")["A1"] = "科室内部审核意见：已核"
    wb.save(hers)
    shutil.copy(SAMPLES / "某街道_社区治理_2024.xlsx", inbox / "街道.xlsx")
    outbox = tmp_path / "out"
    process(inbox, outbox, jobs=1)
    entries = {e["file"]: e for e in json.loads((outbox / "results.json").read_text("utf-8"))}
    assert entries["团委.xlsx"]["copy_sheets"] == {"review": "审核结果（xlsproc）", "report": "自评报告"}
    assert entries["街道.xlsx"]["copy_sheets"] == {"review": "审核结果", "report": "自评报告"}
    for source in (outbox, [entries["团委.xlsx"], entries["街道.xlsx"]]):   # its store, or the entries
        consolidate(source, tmp_path / "汇总.xlsx", outbox=outbox)
        ws = openpyxl.load_workbook(tmp_path / "汇总.xlsx")[SUMMARY]
        opened = {}
        for r in data_rows(ws):
            path, sheet, _ = resolve(tmp_path, link(ws, r["批注副本"])[1])
            opened[path.name] = sheet
            assert sheet in openpyxl.load_workbook(path).sheetnames
        assert opened == {"团委.xlsx": "审核结果（xlsproc）", "街道.xlsx": "审核结果"}
    copy = openpyxl.load_workbook(outbox / "团委.xlsx")
    assert copy["审核结果"]["A1"].value == "科室内部审核意见：已核"      # hers, kept
    assert str(copy["审核结果（xlsproc）"]["A1"].value).startswith("审核结果")


def test_a_copy_problem_is_listed_in_the_issue_sheet(tmp_path):
    """results.json's `copy` (no copy could be made, or one of values only) is a 问题清单 line
    under the file's unit, in Chinese, linking to the file the bureau can open; a whole copy
    adds no line."""
    failed = make_entry("某街道", "社区治理", 2024, 92)
    failed["output"] = None
    failed["copy"] = {"code": "copy-failed", "title": "批注副本未输出",
                      "message": "生成批注副本时出错（RuntimeError: x），未输出副本；得分和问题已照常记入审核结果。"}
    values_only = make_entry("某局", None, 2024, 95, relpath="某局.xls")
    values_only["copy"] = {"code": "copy-values-only", "title": "副本未保留原格式",
                           "message": "本文件是旧版 Excel（.xls），本机未安装 LibreOffice，批注副本（.xlsx）只保留了数值。"}
    whole = make_entry("某区民政局", None, 2024, 90)
    whole["copy"] = None
    consolidate([failed, values_only, whole], tmp_path / "汇总.xlsx", outbox=tmp_path)
    ws = openpyxl.load_workbook(tmp_path / "汇总.xlsx")[ISSUES]
    rows = {r["代码"].value: values(r) for r in data_rows(ws)}
    assert set(rows) == {"copy-failed", "copy-values-only"}
    assert rows["copy-failed"]["单位"] == "某街道" and rows["copy-failed"]["项目"] == "社区治理"
    assert rows["copy-failed"]["问题"] == "批注副本未输出" and rows["copy-failed"]["严重程度"] == "警告"
    assert "未输出副本" in rows["copy-failed"]["说明"]
    assert rows["copy-values-only"]["单位"] == "某局" and "只保留了数值" in rows["copy-values-only"]["说明"]
    assert link(ws, data_rows(ws)[0]["单元格"])[0] == "打开文件"
