"""The annotated copy: every flag on its cell and in 审核结果, scores filled, nothing of hers changed."""
from __future__ import annotations

import hashlib

import openpyxl
import pytest

import xlsproc
from conftest import GOLDEN, SAMPLES, assert_golden
from xlsproc.write.annotate import COMPUTED_FILL, FILL, REPORT_SHEET, REVIEW_SHEET, annotate, computed_values
from xlsproc.batch.run import output_name
from xlsproc.score.numbers import fmt

GOOD = sorted(p for p in SAMPLES.glob("*") if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"))


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    out = tmp_path_factory.mktemp("annotated")
    made = {}
    for src in GOOD:
        before = hashlib.sha256(src.read_bytes()).hexdigest()
        results = xlsproc.evaluate(src)
        dst = out / output_name(src.relative_to(SAMPLES))
        annotate(src, dst, results, "default")
        assert hashlib.sha256(src.read_bytes()).hexdigest() == before, f"{src.name} was modified"
        made[src.name] = (dst, results)
    return made


def _fill(cell) -> str | None:
    fill = cell.fill
    return fill.fgColor.rgb if fill is not None and fill.fill_type == "solid" else None


@pytest.mark.parametrize("src", GOOD, ids=[p.name for p in GOOD])
def test_every_flag_is_a_comment_and_a_review_row(copies, src):
    dst, results = copies[src.name]
    wb = openpyxl.load_workbook(dst)
    review = [[c for c in row] for row in wb[REVIEW_SHEET].iter_rows(values_only=True)]
    review_keys = {(r[6], r[2], r[3]) for r in review if r and len(r) > 6 and r[6]}
    for res in results:
        ws = wb[res.evaluation.sheet]
        for flag in res.flags:
            assert (flag.code, flag.sheet, flag.cell or "—") in review_keys, flag.message
            if not flag.cell:
                continue
            cell = ws[flag.cell]
            assert cell.comment is not None, f"{flag.cell} has no comment for {flag.code}"
            filled = {c.ref.cell for c, _, _ in computed_values(res)}
            if flag.code == "score-missing" and flag.cell in filled:
                continue                        # one state: our green fill and note (next test)
            assert flag.detail in cell.comment.text
            assert _fill(cell) in (FILL["error"], FILL["warning"], FILL["info"])


@pytest.mark.parametrize("src", GOOD, ids=[p.name for p in GOOD])
def test_a_blank_score_we_fill_is_green_with_one_message(copies, src):
    dst, results = copies[src.name]
    wb = openpyxl.load_workbook(dst)
    for res in results:
        ws = wb[res.evaluation.sheet]
        flagged = {f.cell for f in res.flags if f.code != "score-missing"}
        for cell, _, how in computed_values(res):
            c = ws[cell.ref.cell]
            assert c.comment.text.startswith("【xlsproc 计算填入】") and how in c.comment.text
            assert "请补填" not in c.comment.text and "得分未填写" not in c.comment.text
            if cell.ref.cell not in flagged:
                assert _fill(c) == COMPUTED_FILL and c.comment.text.count("【") == 1


def test_the_review_sheet_does_not_ask_to_fill_what_the_copy_filled(copies):
    """A blank score we fill (green) is listed in 审核结果 as filled, with its value — not as
    "请补填", which would contradict the cell the officer is looking at."""
    seen = 0
    for src in GOOD:
        dst, results = copies[src.name]
        ws = openpyxl.load_workbook(dst)[REVIEW_SHEET]
        rows = {(r[2], r[3]): r[5] for r in ws.iter_rows(values_only=True) if r[6] == "score-missing"}
        filled = {(res.evaluation.sheet, cell.ref.cell): value
                  for res in results for cell, value, _ in computed_values(res)}
        for flag in (f for res in results for f in res.flags if f.code == "score-missing"):
            text = rows[(flag.sheet, flag.cell)]
            if (flag.sheet, flag.cell) in filled:
                assert "请补填" not in text and "本副本已按规则填入" in text, text
                assert fmt(filled[(flag.sheet, flag.cell)]) in text
                seen += 1
            else:
                assert text == flag.detail
    assert seen, "no sample has a blank score we fill"


def test_review_links_sit_at_the_top_of_their_row_like_its_text(copies):
    """A 单元格 link bottom-aligned in a tall row printed next to the following row's text."""
    checked = 0
    for src in GOOD:
        ws = openpyxl.load_workbook(copies[src.name][0])[REVIEW_SHEET]
        for row in ws.iter_rows():
            for cell in row:
                if cell.hyperlink is not None:
                    assert cell.alignment.vertical == "top", (src.name, cell.coordinate)
                    checked += 1
    assert checked


def test_fills_and_legend_agree(copies):
    """Each severity's fill is what the 审核结果 legend says, and none is the templates' input fill."""
    from xlsproc.write.annotate import LEGEND
    from xlsproc.write.template import INPUT_FILL
    colours = {FILL["error"]: "红色为错误", FILL["warning"]: "橙色为警告", FILL["info"]: "蓝色为提示",
               COMPUTED_FILL: "绿色为 xlsproc 在空白处填入的计算值"}
    for fill, words in colours.items():
        assert words in LEGEND
        assert fill[2:] != INPUT_FILL.lstrip("#").upper()
    assert len(set(colours)) == 4
    dst, results = copies["某街道_青少年服务_2024.xlsx"]
    wb = openpyxl.load_workbook(dst)
    assert LEGEND in wb[REVIEW_SHEET]["A2"].value and "按默认规则生成" in wb[REVIEW_SHEET]["A2"].value
    seen = set()
    for res in results:
        for flag in res.flags:
            if flag.cell and flag.cell not in {c.ref.cell for c, _, _ in computed_values(res)}:
                worst = min((f for f in res.flags if f.cell == flag.cell),
                            key=lambda f: ["error", "warning", "info"].index(f.severity))
                assert _fill(wb[res.evaluation.sheet][flag.cell]) == FILL[worst.severity]
                seen.add(worst.severity)
    assert {"error", "warning"} <= seen


@pytest.mark.parametrize("src", GOOD, ids=[p.name for p in GOOD])
def test_officer_values_kept_blank_scores_filled(copies, src):
    dst, results = copies[src.name]
    wb = openpyxl.load_workbook(dst, data_only=True)
    for res in results:
        ws = wb[res.evaluation.sheet]
        for ind in res.indicators:
            cell = ws[ind.row.score.ref.cell]
            if ind.reported_score is None and ind.weight is not None and not ind.row.score.formula:
                assert cell.value == pytest.approx(ind.score)
                assert _fill(cell) in (COMPUTED_FILL, FILL["warning"])
            elif ind.reported_score is not None and not ind.row.score.formula:
                assert cell.value == pytest.approx(ind.reported_score)


def test_xls_becomes_xlsx(copies):
    dst, _ = copies["某区卫健委_2024_项目.xls"]
    assert dst.suffix == ".xlsx"
    assert REVIEW_SHEET in openpyxl.load_workbook(dst).sheetnames


def test_seed_report_sheet_states_the_seed_figures(copies):
    dst, _ = copies["洪山区团委_2024_部门整体.xlsx"]
    text = "\n".join(str(r[0]) for r in openpyxl.load_workbook(dst)[REPORT_SHEET].iter_rows(values_only=True) if r[0])
    for phrase in ("综合得分99.88分", "执行情况得分19.88分", "年度绩效指标得分80分",
                   "全年预算数344.18万元", "实际执行数342.03万元", "执行率99.38%"):
        assert phrase in text
    achieved = text.split("二、")[1].split("三、")[0]
    assert "新增青创贷款申报数616个（年度指标值不少于300个）" in achieved
    assert "未完成：" not in achieved


def _dump(dst, results) -> str:
    """Every cell we touched (value | fill | comment) and the two new sheets' values."""
    wb = openpyxl.load_workbook(dst)
    touched = sorted({(r.evaluation.sheet, f.cell) for r in results for f in r.flags if f.cell}
                     | {(r.evaluation.sheet, c.ref.cell) for r in results
                        for c, _, _ in computed_values(r)})
    lines = []
    for sheet, ref in touched:
        cell = wb[sheet][ref]
        comment = cell.comment.text.replace("\n", " / ") if cell.comment else ""
        lines.append(f"{sheet}!{ref} = {cell.value!r} | fill={_fill(cell)} | comment={comment}")
    for name in (REVIEW_SHEET, REPORT_SHEET):
        for row in wb[name].iter_rows():
            for cell in row:
                if cell.value is not None:
                    link = f" | link={cell.hyperlink.location}" if cell.hyperlink else ""
                    lines.append(f"{name}!{cell.coordinate} = {cell.value!r}{link}")
    text = "\n".join(lines) + "\n"
    return text.replace(f"xlsproc {xlsproc.__version__}", "xlsproc <version>")


@pytest.mark.parametrize("src", GOOD, ids=[p.name for p in GOOD])
def test_annotated_copy_matches_golden(copies, src, update_golden):
    dst, results = copies[src.name]
    text = _dump(dst, results)
    assert_golden(text, GOLDEN / "annotate" / (src.name + ".txt"), update_golden)


def test_an_annotated_copy_can_be_annotated_again(copies, tmp_path):
    """The officer fixes our copy and runs it again: its old 审核结果 is replaced, nothing lost."""
    first, _ = copies["某街道_青少年服务_2024.xlsx"]
    results = xlsproc.evaluate(first)
    again = tmp_path / "again.xlsx"
    annotate(first, again, results, "default")
    wb = openpyxl.load_workbook(again)
    assert wb.sheetnames.count(REVIEW_SHEET) == 1 and wb.sheetnames.count(REPORT_SHEET) == 1
    codes = {row[6] for row in wb[REVIEW_SHEET].iter_rows(values_only=True) if row and len(row) > 6}
    assert "total-mismatch" in codes


def _codes_at(entry: dict) -> dict[str, set]:
    out: dict[str, set] = {}
    for ev in entry["evaluations"]:
        for f in ev["flags"]:
            out.setdefault(f["code"], set()).add(f["cell"])
    return out


def test_a_submitted_copy_says_which_scores_xlsproc_filled(copies, tmp_path):
    """The officer submits our copy as it is: the score we filled into her blank H20 is not taken
    for hers (filled-by-xlsproc, not score-missing); once she types her own, it is hers."""
    name = "某街道_青少年服务_2024.xlsx"
    dst, _ = copies[name]
    [original] = xlsproc.check(SAMPLES / name)
    assert "H20" in _codes_at(original)["score-missing"]
    [again] = xlsproc.check(dst)
    codes = _codes_at(again)
    assert "H20" not in codes.get("score-missing", set())
    [flag] = [f for ev in again["evaluations"] for f in ev["flags"] if f["code"] == "filled-by-xlsproc"]
    assert "H20" in flag["message"] and flag["severity"] == "info"
    assert again["evaluations"][0]["total_score"] == original["evaluations"][0]["total_score"]

    resubmitted = tmp_path / "again.xlsx"                # annotated once more: still known as ours
    annotate(dst, resubmitted, xlsproc.evaluate(dst), "default")
    assert "filled-by-xlsproc" in _codes_at(xlsproc.check(resubmitted)[0])

    wb = openpyxl.load_workbook(dst)
    wb["项目支出绩效自评表"]["H20"] = 4                   # she scores it herself
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    codes = _codes_at(xlsproc.check(edited)[0])
    assert "filled-by-xlsproc" not in codes and "H20" in codes["score-mismatch"]
