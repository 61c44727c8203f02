"""Return packs: a folder per unit with something to fix — its annotated copies and a one-page
问题通知单 — and nothing for a unit with nothing to fix."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import openpyxl
import pytest

import lo
from conftest import SAMPLES
from xlsproc.batch.run import process
from xlsproc.district.returns import NOTICE, write_return_packs
from xlsproc.district.roster import RosterUnit, roster_status


@pytest.fixture(scope="module")
def outbox(tmp_path_factory):
    out = tmp_path_factory.mktemp("outbox")
    process(SAMPLES, out)
    return out


def notice_rows(path):
    ws = openpyxl.load_workbook(path).active
    return [[v for v in row] for row in ws.iter_rows(values_only=True)]


def test_a_pack_per_unit_with_errors_or_warnings(tmp_path, outbox):
    packs = write_return_packs(outbox, tmp_path / "退回")
    folders = sorted(p.name for p in (tmp_path / "退回").iterdir() if p.is_dir())
    assert "某区洪福街道办事处" in folders and "某区民政局" in folders
    assert "某区卫生健康委员会" not in folders                 # nothing to fix: no folder
    street = next(p for p in packs if p.unit == "某区洪福街道办事处")
    assert sorted(street.files) == ["某街道_社区治理_2024.xlsx", "某街道_青少年服务_2024.xlsx"]
    for name in street.files:                                 # the annotated copies, as written
        assert (street.folder / name).read_bytes() == (outbox / name).read_bytes()
    results = json.loads((outbox / "results.json").read_text("utf-8"))
    flags = [f for e in results if e["file"].startswith("某街道_")
             for ev in e["evaluations"] for f in ev["flags"]]
    assert len(street.errors) == sum(f["severity"] == "error" for f in flags) == 5
    assert len(street.warnings) == sum(f["severity"] == "warning" for f in flags) == 14
    rows = notice_rows(street.notice)
    assert rows[0][0] == "某区洪福街道办事处：预算绩效自评表问题通知单"
    text = [" | ".join(str(v) for v in r if v is not None) for r in rows]
    first_error = next(f for f in flags if f["severity"] == "error")
    line = next(t for t in text if f"| {first_error['cell']} |" in t and first_error["detail"] in t)
    assert line.startswith("1 | 某街道_") and first_error["title"] in line
    assert any(t.startswith("一、必须修改（错误，5 处）") for t in text)
    assert any(t.startswith("二、请核实（警告，14 处") for t in text)


def test_unreadable_files_go_to_the_unit_named_in_their_path(tmp_path, outbox):
    packs = write_return_packs(outbox, tmp_path / "退回", roster=[RosterUnit("损坏", "损坏")])
    named = next(p for p in packs if p.unit == "损坏")          # bad/损坏文件.xlsx
    assert [e.file for e in named.errors] == ["损坏文件.xlsx"] and named.errors[0].title == "文件无法读取"
    unknown = next(p for p in packs if p.unit == "未能识别单位的文件")
    assert len(unknown.errors) == 6 and not unknown.files


def test_a_unit_fixed_since_loses_its_folder_and_other_folders_stay(tmp_path, outbox):
    results = json.loads((outbox / "results.json").read_text("utf-8"))
    target = tmp_path / "退回"
    write_return_packs(results, target, outbox=outbox)
    mine = target / "我的说明"                                   # the bureau's own folder
    mine.mkdir()
    (mine / "备忘.txt").write_text("留着", "utf-8")
    fixed = [e for e in results if not e["file"].startswith("某街道_")]
    packs = write_return_packs(fixed, target, outbox=outbox)
    assert not (target / "某区洪福街道办事处").exists()
    assert (mine / "备忘.txt").read_text("utf-8") == "留着"
    assert {p.folder.name for p in packs} <= {p.name for p in target.iterdir()}
    assert not [p for p in target.iterdir() if p.name.endswith((".partial", ".old"))]


def test_the_notice_prints_on_one_a4_page(tmp_path, outbox):
    lo.require_soffice()
    packs = write_return_packs(outbox, tmp_path / "退回")
    notices = [p.notice for p in packs]
    copies = []
    for n, notice in enumerate(notices):               # unique names for one soffice run
        copies.append(shutil.copy(notice, tmp_path / f"notice{n}.xlsx"))
    pdfs = lo.to_pdf_many(copies, tmp_path / "pdf")
    for pack, pdf in zip(packs, pdfs):
        data = pdf.read_bytes()
        pages = re.findall(rb"/Type\s*/Page[^s]", data)
        assert len(pages) == 1, (pack.unit, len(pages))
        box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", data)
        assert sorted(round(float(v)) for v in box.groups()) == [595, 842]     # A4
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                                  text=True).stdout
            assert f"{pack.unit}：预算绩效自评表问题通知单" in text
            assert all(e.cell in text for e in pack.errors if e.cell)


def test_cli_return_dir(tmp_path, outbox):
    from typer.testing import CliRunner

    from xlsproc.cli import app
    runner = CliRunner()
    result = runner.invoke(app, ["consolidate", str(outbox), "-o", str(tmp_path / "汇总.xlsx"),
                                 "--return-dir", str(tmp_path / "退回")])
    assert result.exit_code == 0, result.output
    assert "某区洪福街道办事处/：必须修改 5 处、请核实 14 处" in result.output
    assert (tmp_path / "退回" / "某区洪福街道办事处" / NOTICE).is_file()
    alone = runner.invoke(app, ["process", str(SAMPLES), "-o", str(tmp_path / "o"),
                                "--return-dir", str(tmp_path / "退回")])
    assert alone.exit_code == 2 and "--consolidate" in alone.output


def _word_heights(pdf) -> list[float]:
    """Heights (pt) of the words pdftotext finds in the body of a PDF: the printed font size."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    return [float(y2) - float(y1) for y1, y2 in
            re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', html)]


def test_a_long_notice_stays_legible(tmp_path):
    """A unit with 60 problems: the notice is not squeezed onto one page at 4 pt — it keeps the
    page width and runs onto more A4 pages at its own size; a short one stays on one page."""
    lo.require_soffice()
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext 未安装")
    from xlsproc.district.notice import write_notice
    from xlsproc.district.returns import Problem, ReturnPack
    what = "实际完成值为年度指标值的 2.05 倍，请说明原因（年初指标值是否设定偏低）。"
    long_pack = ReturnPack("某区教育局", files=["某区教育局_2024_多表.xlsx"],
                           errors=[Problem("某区教育局_2024_多表.xlsx", "项目支出绩效自评表",
                                           f"H{n}", "得分超过分值", "得分 6 超过该项分值 5，请核实。")
                                   for n in range(10, 30)],
                           warnings=[Problem("某区教育局_2024_多表.xlsx", "项目支出绩效自评表",
                                             f"E{n}", "超额完成", what) for n in range(10, 50)])
    short_pack = ReturnPack("某区司法局", files=["a.xlsx"], warnings=long_pack.warnings[:3])
    paths = [write_notice(long_pack, tmp_path / "long.xlsx"),
             write_notice(short_pack, tmp_path / "short.xlsx")]
    long_pdf, short_pdf = lo.to_pdf_many(paths, tmp_path / "pdf")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", long_pdf.read_bytes()))
    assert pages >= 2
    heights = sorted(_word_heights(long_pdf))
    assert heights[len(heights) // 2] >= 9, heights[len(heights) // 2]   # 10 pt text, not 4 pt
    text = subprocess.run(["pdftotext", "-layout", str(long_pdf), "-"], capture_output=True,
                          text=True).stdout
    assert "E49" in text and "H29" in text
    assert len(re.findall(rb"/Type\s*/Page[^s]", short_pdf.read_bytes())) == 1


def test_a_renamed_resubmission_replaces_the_old_copy_in_packs_and_roster(tmp_path):
    """The unit sends its corrected workbook under a new name; the old one stays in the inbox.
    The district workbook counts the one saved last and lists the other as 重复报送: the return
    pack and 报送情况 must say the same — not ask to fix the errors of the copy set aside."""
    from test_consolidate import make_entry
    from xlsproc.district.book import consolidate
    from xlsproc.district.returns import collect_packs
    old = make_entry("某区文化馆", "社区文化活动", 2024, 95, relpath="某区文化馆_2024_项目.xlsx")
    old["modified"] = "2025-03-01T09:00:00"
    old["evaluations"][0]["flags"] = [{
        "code": "score-over-weight", "severity": "error", "sheet": "项目支出绩效自评表",
        "cell": "G10", "title": "得分超过分值", "message": "得分 45 超过该项分值 40，请核实。"}]
    old["evaluations"][0]["flag_counts"] = {"error": 1, "warning": 0, "info": 0}
    new = make_entry("某区文化馆", "社区文化活动", 2024, 95, relpath="某区文化馆_2024_项目_修改后.xlsx")
    new["modified"] = "2025-03-20T16:30:00"
    other = make_entry("某街道", "社区治理", 2024, 90)
    other["evaluations"][0]["flags"] = old["evaluations"][0]["flags"]
    other["evaluations"][0]["flag_counts"] = {"error": 1, "warning": 0, "info": 0}
    for entries in ([old, new, other], [new, old, other]):          # whatever the order
        packs = {p.unit: p for p in collect_packs(entries)}
        pack = packs["某区文化馆"]
        assert not pack.errors, pack.errors
        [warning] = pack.warnings
        assert warning.title == "重复报送" and warning.file == "某区文化馆_2024_项目.xlsx"
        assert "某区文化馆_2024_项目_修改后.xlsx" in warning.what
        assert [p.cell for p in packs["某街道"].errors] == ["G10"]     # a real error stays
        roster = [RosterUnit("某区文化馆", "某区文化馆"), RosterUnit("某街道", "某街道")]
        status = consolidate(entries, tmp_path / "汇总.xlsx", roster=roster)["roster"]
        culture = status.units[0]
        assert (culture.errors, culture.warnings, culture.state) == (0, 1, "已报送")
        assert status.units[1].state == "有错误"
        served = roster_status(roster, entries)          # the web server's way: the same
        assert (served.units[0].errors, served.units[0].warnings) == (0, 1)


def test_the_notice_is_signed_by_the_bureau(tmp_path):
    """Signed '洪山区财政局绩效科' with --district 洪山区; without a district name, '财政局绩效科' —
    not '全区财政局绩效科', which no bureau is called."""
    from xlsproc.district.notice import write_notice
    from xlsproc.district.returns import Problem, ReturnPack
    pack = ReturnPack("某区司法局", files=["a.xlsx"],
                      warnings=[Problem("a.xlsx", "表", "E9", "超额完成", "请说明原因。")])
    signed = {}
    for district in ("洪山区", "全区"):
        rows = notice_rows(write_notice(pack, tmp_path / f"{district}.xlsx", district))
        signed[district] = next(r[0] for r in rows if r[0] and "绩效科" in str(r[0]))
    assert signed["洪山区"].startswith("洪山区财政局绩效科")
    assert signed["全区"].startswith("财政局绩效科")
