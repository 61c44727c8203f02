"""The roster (报送名单): who submitted, who sent nothing, who submitted with errors, who
submitted without being on the roster — read from real processed samples."""
from __future__ import annotations

import json

import openpyxl
import pytest

from conftest import SAMPLES
from xlsproc.batch.run import process
from xlsproc.district.roster import RosterError, load_roster, roster_status
from xlsproc.score.history import unit_key, unit_name


@pytest.fixture(scope="module")
def entries(tmp_path_factory):
    outbox = tmp_path_factory.mktemp("outbox")
    process(SAMPLES, outbox)
    return json.loads((outbox / "results.json").read_text("utf-8"))


def write_roster(path, rows, head=("单位名称", "项目名称", "联系人")):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2024年度绩效自评报送名单"])           # a title above the header
    ws.append(list(head))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


ROSTER = [("219001-某区民政局", "社区老年助餐服务", "张三"),
          ("219001-某区民政局", "居家养老服务补贴", None),
          ("219001-某区民政局", "养老机构运营补贴", None),       # never submitted
          ("某区洪福街道办事处", None, "李四"),
          ("某区 教育局", None, None),
          ("某区财政局", None, "王五")]                         # sent nothing


def test_load_roster_merges_a_units_rows_and_strips_codes(tmp_path):
    roster = load_roster(write_roster(tmp_path / "名单.xlsx", ROSTER))
    assert [u.name for u in roster] == ["某区民政局", "某区洪福街道办事处", "某区 教育局", "某区财政局"]
    assert roster[0].projects == ("社区老年助餐服务", "居家养老服务补贴", "养老机构运营补贴")
    assert roster[0].contact == "张三" and roster[3].contact == "王五"


def test_roster_status_against_the_samples(tmp_path, entries):
    status = roster_status(load_roster(write_roster(tmp_path / "名单.xlsx", ROSTER)), entries)
    by_name = {u.unit: u for u in status.units}
    civil = by_name["某区民政局"]
    assert sorted(civil.files) == ["功能齐全_2024_项目.xlsx", "某区民政局_2024_居家养老服务补贴.xlsx"]
    assert civil.tables == 2 and civil.errors == 1 and civil.state == "有错误"
    assert civil.missing_projects == ["养老机构运营补贴"]
    street = by_name["某区洪福街道办事处"]
    assert street.tables == 2 and street.errors == 5 and street.warnings == 14
    assert by_name["某区 教育局"].tables == 3 and by_name["某区 教育局"].state == "已报送"
    assert [u.unit for u in status.missing] == ["某区财政局"]
    assert by_name["某区财政局"].state == "未报送" and not by_name["某区财政局"].files
    assert [u.unit for u in status.unlisted] == sorted(
        ["某县农业农村局", "某区卫生健康委员会", "某区司法局", "共青团武汉市洪山区委员会"],
        key=lambda n: n)
    line = status.summary()
    assert "未报送 1 个：某区财政局" in line and "名单外报送 4 个" in line


def test_an_unreadable_file_counts_for_the_unit_named_in_its_path(entries):
    from xlsproc.district.roster import RosterUnit
    broken = {"file": "损坏文件.xlsx", "relpath": "某区财政局/损坏文件.xlsx", "status": "error",
              "error": {"code": "file-corrupt", "message": "文件无法打开"}, "evaluations": []}
    status = roster_status([RosterUnit("某区财政局", "某区财政局")], [*entries, broken])
    [unit] = status.units
    assert unit.files == ["某区财政局/损坏文件.xlsx"] and unit.unreadable == 1
    assert unit.state == "有错误" and not status.missing


def test_csv_roster_in_gbk_and_utf8(tmp_path, entries):
    text = "序号,单位名称,联系人\n1,某区财政局,王五\n2,共青团武汉市洪山区委员会,\n"
    for encoding in ("gb18030", "utf-8-sig", "utf-8"):
        path = tmp_path / f"名单_{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        roster = load_roster(path)
        assert [u.name for u in roster] == ["某区财政局", "共青团武汉市洪山区委员会"]
        status = roster_status(roster, entries)
        assert [u.unit for u in status.missing] == ["某区财政局"]
        assert status.units[1].tables == 1 and status.units[1].warnings == 10


@pytest.mark.parametrize("content, words", [
    (None, "找不到报送名单"),
    ("名称,联系人\n某局,张三\n", "没有“单位名称”列"),
    ("单位名称,联系人\n,张三\n", "没有任何单位"),
])
def test_roster_errors_say_what_to_do(tmp_path, content, words):
    path = tmp_path / "名单.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(RosterError) as info:
        load_roster(path)
    assert words in info.value.message


def test_a_roster_that_is_not_a_spreadsheet(tmp_path):
    path = tmp_path / "名单.docx"
    path.write_bytes(b"PK")
    with pytest.raises(RosterError, match="不是表格文件"):
        load_roster(path)
    broken = tmp_path / "名单.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(RosterError, match="无法读取"):
        load_roster(broken)


# --- the 报送情况 sheet and the console ---------------------------------------------------------

def sheet_rows(path, name):
    ws = openpyxl.load_workbook(path)[name]
    return [list(r) for r in ws.iter_rows(min_row=3, values_only=True)]


def test_the_district_workbook_gets_a_roster_sheet(tmp_path, entries):
    from xlsproc.district.book import consolidate
    roster = load_roster(write_roster(tmp_path / "名单.xlsx", ROSTER))
    summary = consolidate(entries, tmp_path / "汇总.xlsx", roster=roster)
    assert [u.unit for u in summary["roster"].missing] == ["某区财政局"]
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    assert wb.sheetnames[:2] == ["汇总", "报送情况"]
    head, *rows = sheet_rows(tmp_path / "汇总.xlsx", "报送情况")
    assert head[:3] == ["序号", "单位", "报送情况"]
    table = {r[1]: dict(zip(head, r)) for r in rows if r[1]}
    assert table["某区财政局"]["报送情况"] == "未报送" and table["某区财政局"]["联系人"] == "王五"
    assert table["某区民政局"]["报送情况"] == "有错误" and table["某区民政局"]["自评表数"] == 2
    assert table["某区民政局"]["未报送的项目"] == "养老机构运营补贴"
    assert table["某区 教育局"]["报送情况"] == "已报送"
    assert table["共青团武汉市洪山区委员会"]["报送情况"] == "已报送"     # submitted, not listed
    names = [r[1] or r[0] for r in rows]
    assert names.index("名单外报送的单位（4 个）") < names.index("共青团武汉市洪山区委员会")
    without = consolidate(entries, tmp_path / "无名单.xlsx")
    assert without["roster"] is None
    assert "报送情况" not in openpyxl.load_workbook(tmp_path / "无名单.xlsx").sheetnames


def test_cli_names_the_units_that_sent_nothing(tmp_path):
    from typer.testing import CliRunner

    from xlsproc.cli import app
    roster = write_roster(tmp_path / "名单.xlsx", ROSTER)
    runner = CliRunner()
    result = runner.invoke(app, ["process", str(SAMPLES), "-o", str(tmp_path / "out"), "-q",
                                 "--consolidate", str(tmp_path / "汇总.xlsx"),
                                 "--roster", str(roster)])
    assert result.exit_code == 1, result.output          # samples/bad: unreadable files
    assert "未报送 1 个：某区财政局" in result.output
    assert "报送情况" in openpyxl.load_workbook(tmp_path / "汇总.xlsx").sheetnames
    again = runner.invoke(app, ["consolidate", str(tmp_path / "out"), "-o",
                                str(tmp_path / "再次.xlsx"), "--roster", str(roster)])
    assert again.exit_code == 0 and "未报送 1 个：某区财政局" in again.output
    bad = runner.invoke(app, ["consolidate", str(tmp_path / "out"), "-o", str(tmp_path / "x.xlsx"),
                              "--roster", str(tmp_path / "没有.csv")])
    assert bad.exit_code == 2 and "找不到报送名单" in bad.output
    alone = runner.invoke(app, ["process", str(SAMPLES), "-o", str(tmp_path / "out"),
                                "--roster", str(roster)])
    assert alone.exit_code == 2 and "--consolidate" in alone.output


def test_total_note_and_repeated_header_rows_are_not_units(tmp_path):
    """A roster as offices keep it: a 合计 row under the list, notes, the header repeated (a list
    printed over two pages). None of them is a unit that 'sent nothing'."""
    rows = [("某区财政局", None, "王五"),
            ("单位名称", "项目名称", "联系人"),
            ("共青团武汉市洪山区委员会", None, None),
            ("合计：2个单位", None, None),
            ("总计", None, None),
            ("注：请于3月31日前报送。", None, None),
            ("说明:名单按预算代码排列", None, None)]
    roster = load_roster(write_roster(tmp_path / "名单.xlsx", rows))
    assert [u.name for u in roster] == ["某区财政局", "共青团武汉市洪山区委员会"]
    csv_path = tmp_path / "名单.csv"
    csv_path.write_text("单位名称,联系人\n某区财政局,王五\n合  计,\n小计（2个）,\n", encoding="utf-8")
    assert [u.name for u in load_roster(csv_path)] == ["某区财政局"]


def test_a_unit_that_sent_only_another_years_table_is_told_apart(tmp_path):
    """A folder mixing years is summarised for the latest; a roster unit whose only table is of
    another year did send something: 报送情况 and the console say what came, not just 未报送."""
    from test_consolidate import make_entry
    from xlsproc.district.book import consolidate
    from xlsproc.district.roster import RosterUnit
    from xlsproc.store import Store
    roster = [RosterUnit(n, n) for n in ("某区民政局", "某县第一中学", "某区财政局")]
    entries = [make_entry("219001-某区民政局", "养老", 2024, 95),
               make_entry("某县第一中学", "资助", 2023, 96), make_entry("某县第一中学", None, 2023, 92)]
    with Store(tmp_path / "xlsproc.sqlite") as store:
        store.record(entries)
    for source, year in ((entries, 2024), (tmp_path / "xlsproc.sqlite", None)):
        status = consolidate(source, tmp_path / "汇总.xlsx", roster=roster, year=year)["roster"]
        assert [u.unit for u in status.missing] == ["某县第一中学", "某区财政局"]
        school = status.missing[0]
        assert school.other_years == {2023: 2} and not school.files
        line = status.summary()
        assert "未报送 2 个：某县第一中学（另有 2023 年度的表 2 张）、某区财政局。" in line, line
        table = {r[1]: r for r in sheet_rows(tmp_path / "汇总.xlsx", "报送情况")[1:] if r[1]}
        assert table["某县第一中学"][2] == "未报送"
        assert "2023 年度" in table["某县第一中学"][10] and table["某区财政局"][10] is None


def test_a_bracketed_addition_on_either_side_still_matches(tmp_path):
    """'共青团武汉市洪山区委员会（团区委）' on the roster is the unit whose tables say
    '共青团武汉市洪山区委员会'; a table's '某区教育局（本级）' is the roster's 某区教育局. Two roster
    units that differ only by the addition keep their own rows."""
    from test_consolidate import make_entry
    from xlsproc.district.roster import RosterUnit
    names = ["共青团武汉市洪山区委员会（团区委）", "某区教育局", "某区卫健委（本级）", "某区卫健委（机关）"]
    roster = [RosterUnit(unit_name(n), unit_key(n)) for n in names]
    entries = [make_entry("共青团武汉市洪山区委员会", None, 2024, 95),
               make_entry("305001-某区教育局(本级)", "资助", 2024, 92),
               make_entry("某区卫健委(机关)", "公卫", 2024, 90),
               make_entry("某区卫健委", "疾控", 2024, 90)]
    status = roster_status(roster, entries)
    by_name = {u.unit: u for u in status.units}
    assert by_name["共青团武汉市洪山区委员会(团区委)"].tables == 1
    assert by_name["某区教育局"].tables == 1
    assert by_name["某区卫健委(机关)"].tables == 1 and by_name["某区卫健委(本级)"].tables == 0
    assert [u.unit for u in status.unlisted] == ["某区卫健委"]


def test_a_unit_cell_merged_over_its_project_rows(tmp_path):
    """Offices merge the unit's cell over its projects' rows (and leave it blank under the first
    in a .csv): every project stays the unit's, so the one never submitted is named."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单位名称", "项目名称", "联系人"])
    ws.append(["219001-某区民政局", "居家养老服务补贴", "张三"])
    ws.append([None, "社区老年助餐服务", None])
    ws.append([None, "养老机构运营补贴", None])
    ws.merge_cells("A2:A4")
    ws.merge_cells("C2:C4")
    ws.append(["某区财政局", None, None])
    ws.append([None, None, None])
    wb.save(tmp_path / "名单.xlsx")
    roster = load_roster(tmp_path / "名单.xlsx")
    assert [(u.name, u.projects) for u in roster] == [
        ("某区民政局", ("居家养老服务补贴", "社区老年助餐服务", "养老机构运营补贴")), ("某区财政局", ())]
    csv_path = tmp_path / "名单.csv"
    csv_path.write_text("单位名称,项目名称\n某区民政局,居家养老服务补贴\n,养老机构运营补贴\n",
                        encoding="utf-8")
    assert load_roster(csv_path)[0].projects == ("居家养老服务补贴", "养老机构运营补贴")


def test_a_project_written_a_little_differently_is_not_missing():
    """The roster's 社区老年助餐服务 is the table's '2024年社区老年助餐服务项目'; a project the unit
    did not send is still named."""
    from test_consolidate import make_entry
    from xlsproc.district.roster import RosterUnit
    unit = RosterUnit("某区民政局", "某区民政局",
                      ("社区老年助餐服务", "居家养老服务补贴项目", "养老机构运营补贴"))
    entries = [make_entry("某区民政局", "2024年社区老年助餐服务项目", 2024, 95),
               make_entry("某区民政局", "居家养老服务补贴", 2024, 95)]
    [status] = roster_status([unit], entries).units
    assert status.missing_projects == ["养老机构运营补贴"]


def test_a_roster_saved_as_xls(tmp_path):
    """Many offices keep the roster as an old .xls (WPS and Excel 2003): read it as it is."""
    import xlwt
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("名单")
    ws.write(0, 0, "2024年度报送名单")
    for c, head in enumerate(("序号", "单位名称", "项目名称")):
        ws.write(1, c, head)
    for r, row in enumerate([(1, "219001-某区民政局", "居家养老服务补贴"), (2, "某区财政局", "")], 2):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    book.save(str(tmp_path / "名单.xls"))
    roster = load_roster(tmp_path / "名单.xls")
    assert [(u.name, u.projects) for u in roster] == [("某区民政局", ("居家养老服务补贴",)),
                                                      ("某区财政局", ())]
    broken = tmp_path / "坏名单.xls"
    broken.write_bytes(b"\xd0\xcf\x11\xe0 not really")
    with pytest.raises(RosterError, match="无法读取"):
        load_roster(broken)


def test_reading_a_roster_prints_no_library_warnings(recwarn):
    """openpyxl's English warnings (extensions it drops) must not reach the officer's console."""
    with pytest.raises(RosterError, match="没有“单位名称”列"):
        load_roster(SAMPLES / "功能齐全_2024_项目.xlsx")          # sparklines: openpyxl warns
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)], \
        [str(w.message) for w in recwarn]


@pytest.mark.parametrize("sep, encoding", [("\t", "utf-16"), (";", "utf-8"), ("，", "gb18030")])
def test_a_csv_roster_with_another_separator(tmp_path, sep, encoding):
    """Excel's 'Unicode 文本' (UTF-16, tabs), a European-style ';' list, full-width commas typed by
    hand: the 单位名称 column is still found."""
    text = "\n".join(sep.join(row) for row in [["序号", "单位名称", "联系人"], ["1", "某区财政局", "王五"]])
    path = tmp_path / "名单.csv"
    path.write_bytes(text.encode(encoding))
    [unit] = load_roster(path)
    assert (unit.name, unit.contact) == ("某区财政局", "王五")
