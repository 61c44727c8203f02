"""The bureau's round trip: an annotated copy, corrected by the officer and sent back, comes out
clean where it was fixed, with her own formatting, comments and sheets — over any number of rounds
(issue 10 §1); her own 审核结果 / 自评报告 sheets are hers (issue 12 #3); a 代填 list is trusted
only in a copy xlsproc can verify it made (issue 12 #5)."""
from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

import xlsproc
from builders import Ind, Layout, Table, build
from conftest import SAMPLES
from lo import recalculate, require_soffice
from xlsproc.batch.run import process
from xlsproc.write import marks
from xlsproc.write.annotate import FILL, annotate

SHEET = "项目支出绩效自评表"
HER_FILL = "FFF2F2F2"
HER_NOTE = "张会计：数据来自统计年报"
HER_OTHER_NOTE = "张会计：口径同上年"


def _table() -> Table:
    """Twelve indicators; the twelfth (row 23) scores 12 for a weight of 10 (should be 9.44)."""
    inds = [Ind("产出指标", "数量指标", f"活动{i}", "≥10场", "10场", w, w) for i, w in
            enumerate([10, 10, 10, 5, 5, 10, 5, 5, 10], 1)]
    inds.append(Ind("效益指标", "社会效益指标", "服务人次", "≥100人次", "250人次", 5, 5))  # over-completion
    inds.append(Ind("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 5, None))    # blank score
    inds.append(Ind("满意度指标", "服务对象满意度指标", "回访率", "≥125个", "118个", 10, 12,
                    "部分对象联系不上"))
    return Table(indicators=inds, total=98.94)


def _her_workbook(path: Path) -> Path:
    """The officer's workbook: her fill and bold on H23, her notes on F21 (flagged) and D23."""
    build(_table(), Layout(), path)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    assert ws["H23"].value == 12 and ws["F21"].value == "250人次"
    ws["H23"].fill = PatternFill("solid", fgColor=HER_FILL)
    ws["H23"].font = Font(bold=True)
    ws["F21"].comment = Comment(HER_NOTE, "张会计")
    ws["D23"].comment = Comment(HER_OTHER_NOTE, "张会计")
    wb.save(path)
    return path


def _annotate(src: Path, dst: Path) -> Path:
    annotate(src, dst, xlsproc.evaluate(src), "default")
    return dst


def _comments(path: Path, sheet: str = SHEET) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)[sheet]
    return {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}


def _visible(wb) -> list[str]:
    return [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]


def _fill(cell) -> str | None:
    return cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type == "solid" else None


def _styles_count(path: Path) -> tuple[int, int]:
    """(fills, cellXfs) declared in styles.xml."""
    import re
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/styles.xml").decode()
    return (int(re.search(r'<fills count="(\d+)"', xml).group(1)),
            int(re.search(r'<cellXfs count="(\d+)"', xml).group(1)))


def _officer_edits(copy: Path, to: Path, h23=None) -> Path:
    """She opens the copy, (maybe) corrects H23, saves: openpyxl rewrites the whole package."""
    wb = openpyxl.load_workbook(copy)
    if h23 is not None:
        wb[SHEET]["H23"] = h23
    wb.save(to)
    return to


def test_the_issue_example_a_fixed_cell_comes_back_clean(tmp_path):
    """Process a folder; fix H23 in the annotated copy; process it again: H23 has no mark and her
    own fill and bold; the other cells carry one current comment each; no comment is added."""
    inbox, out1, out2 = tmp_path / "in", tmp_path / "out1", tmp_path / "out2"
    inbox.mkdir()
    _her_workbook(inbox / "表.xlsx")
    process(inbox, out1, jobs=1)
    first = out1 / "表.xlsx"
    before = _comments(first)
    assert "得分 12 超过该项分值 10" in before["H23"]
    assert _fill(openpyxl.load_workbook(first)[SHEET]["H23"]) == FILL["error"]

    again = tmp_path / "in2"
    again.mkdir()
    _officer_edits(first, again / "表.xlsx", h23=9.44)
    process(again, out2, jobs=1)
    second = out2 / "表.xlsx"
    after = _comments(second)
    cell = openpyxl.load_workbook(second)[SHEET]["H23"]
    assert cell.value == 9.44 and "H23" not in after
    assert _fill(cell) == HER_FILL and cell.font.bold
    assert set(after) - {"B11"} == set(before) - {"H23"}   # (B11: which score we filled)
    for ref, text in after.items():                     # one current comment, nothing repeated
        lines = [line for line in text.split("\n") if line]
        assert len(lines) == len(set(lines)), f"{ref} repeats itself: {text}"
        if ref not in ("B11", "H22"):       # (H22: our score, unchanged: B11 says we filled it)
            assert text == before[ref], ref
    assert after["H22"].startswith("【xlsproc 计算填入】") and "xlsproc 代填" in after["B11"]
    assert after["F21"].startswith(HER_NOTE) and after["F21"].count("【警告】超额完成") == 1
    assert after["D23"] == HER_OTHER_NOTE


@pytest.mark.parametrize("rewrite", ["openpyxl", "libreoffice"])
def test_five_rounds_nothing_accumulates(tmp_path, rewrite):
    """Round 1 as submitted; she fixes H23; then she saves the copy unchanged, round after round
    (openpyxl, or LibreOffice opening and saving it as Excel/WPS would): comments, fills, styles
    and sheets stay the same from round 2 on, her notes and her formatting stay hers."""
    if rewrite == "libreoffice":
        require_soffice()
    src = _her_workbook(tmp_path / "r0.xlsx")
    seen = []
    for n in range(1, 6):
        copy = _annotate(src, tmp_path / f"copy{n}.xlsx")
        wb = openpyxl.load_workbook(copy)
        comments = _comments(copy)
        fills = sorted((c.coordinate, _fill(c)) for row in wb[SHEET].iter_rows() for c in row
                       if _fill(c) is not None)
        seen.append((len(comments), fills, wb.sheetnames, comments))
        assert _visible(wb) == [SHEET, "审核结果", "自评报告"] and len(wb.sheetnames) == len(seen[0][2])
        assert comments["D23"] == HER_OTHER_NOTE and comments["F21"].startswith(HER_NOTE)
        assert comments["F21"].count("【警告】超额完成") == 1
        if n > 1:                           # the record survived her save: H22 is still ours
            assert "xlsproc 代填" in comments["B11"] and "H22" in comments["B11"]
            assert "H23" not in comments and wb[SHEET]["H23"].font.bold
            assert _fill(wb[SHEET]["H23"]) == HER_FILL
            assert seen[-1] == seen[1], f"round {n} differs from round 2"
        if n > 3:                                   # (a rewrite settles its styles by round 3)
            assert _styles_count(copy) == styles, f"round {n}: styles grew"
        styles = _styles_count(copy)
        edited = _officer_edits(copy, tmp_path / f"edit{n}.xlsx", h23=9.44 if n == 1 else None)
        if rewrite == "libreoffice":
            edited = recalculate(edited, tmp_path / f"lo{n}")
        src = edited
    assert "H23" in seen[0][3]                            # round 1 flagged it


def _sheet_values(path: Path, name: str) -> list:
    return [list(r) for r in openpyxl.load_workbook(path)[name].iter_rows(values_only=True)]


def test_her_own_review_and_report_sheets_are_kept(tmp_path):
    """Issue 12 #3: her sheets 审核结果 and 自评报告 stay hers, in every round; ours are named apart."""
    src = _her_workbook(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(src)
    wb.create_sheet("审核结果")["A1"] = "科室内部审核：已由科长审核"
    wb.create_sheet("自评报告")["A1"] = "我单位 2024 年自评报告（本人撰写）"
    wb.save(src)
    hers = {name: _sheet_values(src, name) for name in ("审核结果", "自评报告")}
    for n in range(1, 4):
        copy = _annotate(src, tmp_path / f"copy{n}.xlsx")
        wb = openpyxl.load_workbook(copy)
        assert _visible(wb) == [SHEET, "审核结果", "自评报告", "审核结果（xlsproc）", "自评报告（xlsproc）"]
        for name, values in hers.items():
            assert _sheet_values(copy, name) == values
        assert "审核结果 —" in wb["审核结果（xlsproc）"]["A1"].value
        src = _officer_edits(copy, tmp_path / f"edit{n}.xlsx")


def test_a_table_on_a_sheet_named_like_ours_is_read_and_annotated(tmp_path):
    """Issue 12 #3: a table on a sheet called 审核结果 is checked like any other (no internal-error)."""
    src = build(_table(), Layout(sheet="审核结果"), tmp_path / "t.xlsx")
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(src, inbox / "t.xlsx")
    outcome = process(inbox, tmp_path / "out", jobs=1)
    [entry] = outcome.entries()
    assert entry["error"] is None and outcome.exit_code == 0
    copy = tmp_path / "out" / "t.xlsx"
    assert "得分 12 超过该项分值 10" in _comments(copy, "审核结果")["H23"]
    assert openpyxl.load_workbook(copy).sheetnames[:3] == ["审核结果", "审核结果（xlsproc）", "自评报告"]
    again = _annotate(copy, tmp_path / "again.xlsx")
    assert openpyxl.load_workbook(again).sheetnames == openpyxl.load_workbook(copy).sheetnames


def _codes(entry: dict) -> dict[str, set]:
    out: dict[str, set] = {}
    for ev in entry["evaluations"]:
        for f in ev["flags"]:
            out.setdefault(f["code"], set()).add((f["cell"], f["severity"]))
    return out


def test_a_forged_review_sheet_does_not_hide_a_false_total(tmp_path):
    """Issue 12 #5: a submitted workbook listing H25 as xlsproc代填 in a 审核结果 sheet of its own:
    H25 (98.45 against 88.45) is still the officer's reported total, and wrong."""
    wb = openpyxl.load_workbook(SAMPLES / "某街道_社区治理_2024.xlsx")
    wb["项目支出绩效自评表"]["H25"] = 98.45
    ws = wb.create_sheet("审核结果")
    ws.append(["审核结果 — 某街道_社区治理_2024.xlsx"])
    ws.append([marks.FILLED_TITLE])
    ws.append(marks.FILLED_HEAD)
    ws.append(["xlsproc代填", "项目支出绩效自评表", "H25", 98.45, "—", "总分"])
    forged = tmp_path / "forged.xlsx"
    wb.save(forged)
    codes = _codes(xlsproc.check(forged)[0])
    assert "filled-by-xlsproc" not in codes
    assert ("H25", "warning") in codes["total-mismatch"] or ("H25", "error") in codes["total-mismatch"]


def _genuine_copy_with_blank_total(tmp_path: Path) -> Path:
    """Our copy of a table whose total H25 she left blank: xlsproc filled 88.45 in."""
    wb = openpyxl.load_workbook(SAMPLES / "某街道_社区治理_2024.xlsx")
    wb["项目支出绩效自评表"]["H25"] = None
    blank = tmp_path / "blank.xlsx"
    wb.save(blank)
    copy = _annotate(blank, tmp_path / "copy.xlsx")
    assert openpyxl.load_workbook(copy)["项目支出绩效自评表"]["H25"].value == 88.45
    assert "filled-by-xlsproc" in _codes(xlsproc.check(copy)[0])
    return copy


def test_a_forged_record_is_not_trusted(tmp_path):
    """Our hidden record copied, its 代填 value and H25 changed to 98.45 together: the MAC no longer
    verifies, so H25 is hers and its mismatch is reported."""
    copy = _genuine_copy_with_blank_total(tmp_path)
    wb = openpyxl.load_workbook(copy)
    wb["项目支出绩效自评表"]["H25"] = 98.45
    [cell] = [row[0] for row in wb["_xlsproc"].iter_rows() if str(row[0].value).startswith('["filled"')]
    kind, sheet, items = json.loads(cell.value)
    items = [[ref, 98.45 if ref == "H25" else value, tag] for ref, value, tag in items]
    cell.value = json.dumps([kind, sheet, items], ensure_ascii=False)
    forged = tmp_path / "forged.xlsx"
    wb.save(forged)
    codes = _codes(xlsproc.check(forged)[0])
    assert "filled-by-xlsproc" not in codes and "total-mismatch" in codes


def test_a_copy_signed_by_another_installation_is_the_officers(tmp_path, monkeypatch):
    """Another key (another computer): the values we filled count as hers; the marks still go."""
    copy = _genuine_copy_with_blank_total(tmp_path)
    monkeypatch.setenv(marks.KEY_ENV, str(tmp_path / "other.key"))
    [entry] = xlsproc.check(copy)
    assert "filled-by-xlsproc" not in _codes(entry)
    again = _annotate(copy, tmp_path / "again.xlsx")
    assert openpyxl.load_workbook(again).sheetnames.count("审核结果") == 1
    for ref, text in _comments(again, "项目支出绩效自评表").items():
        lines = [line for line in text.split("\n") if line]
        assert len(lines) == len(set(lines)), f"{ref} repeats itself: {text}"


def test_a_copy_saved_as_xls_comes_back_once(tmp_path):
    """She saves our copy in the old .xls format: our 审核结果 / 自评报告 of the last round are not
    carried into the new copy beside the new ones, her own 审核结果 is, and the score we filled
    is still ours."""
    require_soffice()
    from lo import convert
    src = _her_workbook(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(src)
    wb.create_sheet("审核结果")["A1"] = "科室内部审核：已由科长审核"
    wb.save(src)
    copy = _annotate(src, tmp_path / "copy.xlsx")
    [old] = convert([copy], tmp_path / "xls", "xls")
    codes = {f["code"] for ev in xlsproc.check(old)[0]["evaluations"] for f in ev["flags"]}
    assert "filled-by-xlsproc" in codes and "score-missing" not in codes
    again = _annotate(old, tmp_path / "again.xlsx")
    assert _visible(openpyxl.load_workbook(again)) == [SHEET, "审核结果", "审核结果（xlsproc）", "自评报告"]
    assert _sheet_values(again, "审核结果") == [["科室内部审核：已由科长审核"]]


def test_a_surgical_edit_gets_back_her_exact_style(tmp_path):
    """When her program keeps styles.xml as it is, H23 gets back the very style index it had."""
    from xlsproc.ooxml.patch import CellPatch, patch_xlsx
    src = _her_workbook(tmp_path / "t.xlsx")
    with zipfile.ZipFile(src) as zf:
        original = re.search(r'<c r="H23" s="(\d+)"', zf.read("xl/worksheets/sheet1.xml").decode()).group(1)
    copy = _annotate(src, tmp_path / "copy.xlsx")
    fixed = tmp_path / "fixed.xlsx"
    patch_xlsx(copy, fixed, [CellPatch(SHEET, "H23", value=9.44)])
    again = _annotate(fixed, tmp_path / "again.xlsx")
    with zipfile.ZipFile(again) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert re.search(r'<c r="H23" s="(\d+)"', xml).group(1) == original
    assert "H23" not in _comments(again)


def test_without_a_key_copies_are_made_and_none_is_trusted(tmp_path, monkeypatch):
    """A key that cannot be made (its folder is a file): copies are still written, unsigned, and
    the scores they filled count as the officer's."""
    (tmp_path / "not-a-folder").write_text("x")
    monkeypatch.setenv(marks.KEY_ENV, str(tmp_path / "not-a-folder" / "copy.key"))
    assert marks.installation_key() is None
    copy = _annotate(_her_workbook(tmp_path / "t.xlsx"), tmp_path / "copy.xlsx")
    codes = {f["code"] for ev in xlsproc.check(copy)[0]["evaluations"] for f in ev["flags"]}
    assert "filled-by-xlsproc" not in codes
    again = _annotate(copy, tmp_path / "again.xlsx")                 # its marks still go
    assert _visible(openpyxl.load_workbook(again)) == [SHEET, "审核结果", "自评报告"]


def test_the_key_is_made_once_and_private(tmp_path, monkeypatch):
    path = tmp_path / "cfg" / "copy.key"
    monkeypatch.setenv(marks.KEY_ENV, str(path))
    key = marks.installation_key()
    assert key and len(key) == marks.KEY_BYTES and path.read_bytes() == key
    assert path.stat().st_mode & 0o077 == 0 and [p.name for p in path.parent.iterdir()] == ["copy.key"]


def test_rows_inserted_above_our_marks(tmp_path):
    """She inserts a row above the indicators: our notes moved with their cells and are still
    found (no stale or repeated note), and a score of hers that moved to where we once filled
    the same number is not taken for ours."""
    copy = _annotate(_her_workbook(tmp_path / "t.xlsx"), tmp_path / "copy.xlsx")
    wb = openpyxl.load_workbook(copy)
    assert wb[SHEET]["H21"].value == 5 and wb[SHEET]["H22"].value == 5   # hers; ours (filled)
    wb[SHEET].insert_rows(12)
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    codes = {f["code"] for ev in xlsproc.check(edited)[0]["evaluations"] for f in ev["flags"]}
    assert "filled-by-xlsproc" not in codes         # H22 is her 服务人次 score now
    again = _annotate(edited, tmp_path / "again.xlsx")
    comments = _comments(again)
    for ref, text in comments.items():
        lines = [line for line in text.split("\n") if line]
        assert len(lines) == len(set(lines)), f"{ref} repeats itself: {text}"
    assert comments["D24"] == HER_OTHER_NOTE and comments["F22"].count("【警告】超额完成") == 1
    assert "【xlsproc 计算填入】" not in comments.get("H23", "")           # our old fill's note went
    assert "得分 12 超过该项分值 10" in comments["H24"]


def test_a_forged_record_beside_ours_does_not_hide_ours(tmp_path):
    """A visible sheet of hers that looks like our record (not signed by us) sits before ours: it
    is kept as hers, and ours is found."""
    src = _her_workbook(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(src)
    fake = wb.create_sheet("_xlsproc")
    fake.append([marks.RECORD_MAGIC, marks.RECORD_VERSION, "0" * 16, "0" * 64])
    fake.append(['["sheet","项目支出绩效自评表","review"]'])
    wb.save(src)
    copy = _annotate(src, tmp_path / "copy.xlsx")
    codes = {f["code"] for ev in xlsproc.check(copy)[0]["evaluations"] for f in ev["flags"]}
    assert "filled-by-xlsproc" in codes
    again = _annotate(copy, tmp_path / "again.xlsx")
    for made in (copy, again):                                            # hers, kept
        assert _visible(openpyxl.load_workbook(made)) == [SHEET, "_xlsproc", "审核结果", "自评报告"]
    assert "得分 12 超过该项分值 10" in _comments(again)["H23"] and _comments(again)["H23"].count("【错误】") == 1


def test_styles_written_with_a_space_before_the_slash_are_found_again(tmp_path):
    """Python's ElementTree (openpyxl without lxml) writes `<xf … />`; we write `<xf …/>`. The
    style restored to her cell is the same either way: found again, not appended once more."""
    from xlsproc.ooxml.patch import CellPatch, patch_xlsx
    plain = _her_workbook(tmp_path / "t.xlsx")
    spaced = tmp_path / "spaced.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(spaced, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/styles.xml":
                data = re.sub(rb"(?<! )/>", b" />", data)
            zout.writestr(info, data)
    with zipfile.ZipFile(spaced) as zf:
        assert b'xfId="0" />' in zf.read("xl/styles.xml")
        original = re.search(r'<c r="H23" s="(\d+)"', zf.read("xl/worksheets/sheet1.xml").decode()).group(1)
    counts = {}
    for src in (plain, spaced):
        copy = _annotate(src, tmp_path / f"copy_{src.name}")
        fixed = tmp_path / f"fixed_{src.name}"
        patch_xlsx(copy, fixed, [CellPatch(SHEET, "H23", value=9.44)])
        again = _annotate(fixed, tmp_path / f"again_{src.name}")
        with zipfile.ZipFile(again) as zf:
            xml = zf.read("xl/worksheets/sheet1.xml").decode()
        assert re.search(r'<c r="H23" s="(\d+)"', xml).group(1) == original, src.name
        third = _annotate(again, tmp_path / f"third_{src.name}")
        assert _styles_count(third) == _styles_count(again), src.name      # nothing piles up
        counts[src.name] = _styles_count(again)
    assert counts["spaced.xlsx"] == counts["t.xlsx"]
