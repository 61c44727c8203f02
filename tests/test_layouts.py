"""The same table content, laid out the many ways officers lay it out, must score the same."""
from __future__ import annotations

import pytest

import xlsproc
from builders import Layout, build, standard_table

LAYOUTS = {
    "national": Layout(),
    "offset_under_note": Layout(row0=2, col0=1, note="附件3", sheet="Sheet1"),
    "spaced_labels": Layout(spaced=True),
    "letters_in_labels": Layout(letters=True),
    "synonyms": Layout(synonyms=True),
    "weights_in_level1": Layout(weights_in_level1=True),
    "unmerged_categories": Layout(merge_categories=False),
    "text_numbers_fullwidth": Layout(text_numbers=True),
    "sichuan_op_unit_columns": Layout(op_unit_columns=True, synonyms=True, letters=True),
    "everything": Layout(row0=3, col0=2, note="附件3", spaced=True, letters=True, synonyms=True,
                         weights_in_level1=True, text_numbers=True, sheet="Sheet1"),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_scores_the_same(tmp_path, name):
    path = build(standard_table(), LAYOUTS[name], tmp_path / f"{name}.xlsx")
    [entry] = xlsproc.check(path)
    assert entry["status"] == "ok", entry["error"]
    [ev] = entry["evaluations"]
    assert ev["kind"] == "project"
    assert ev["project"] == "青少年服务项目"
    assert ev["unit"] == "某街道办事处"
    assert ev["year"] == 2024
    b = ev["budget"]
    assert (b["annual"], b["executed"], b["weight"], b["score"]) == (100, 95, 10, 9.5)
    assert b["rate"] == pytest.approx(0.95)
    assert [i["name"] for i in ev["indicators"]] == [
        "开展活动场次", "服务青少年人次", "活动覆盖社区数", "青少年参与度", "服务机制长效运行", "家长满意度"]
    assert [i["score"] for i in ev["indicators"]] == [20, 18, 10, 20, 10, 10]
    assert [i["level1"].split("（")[0] for i in ev["indicators"]] == ["产出指标"] * 3 + ["效益指标"] * 2 + ["满意度指标"]
    assert (ev["indicator_score"], ev["total_score"], ev["grade"]) == (88, 97.5, "优")
    assert ev["flags"] == []


def test_department_table_uses_department_weight_default(tmp_path):
    table = standard_table(kind="department", name=None, exec_weight=None, exec_score=None)
    path = build(table, Layout(sheet="部门整体支出绩效自评表"), tmp_path / "dept.xlsx")
    [ev] = xlsproc.check(path)[0]["evaluations"]
    assert ev["kind"] == "department"
    assert ev["unit"] == "某街道办事处"
    assert ev["budget"]["weight"] == 20            # the department default when 分值 is blank
    assert ev["budget"]["score"] == 19             # 20 × 0.95
    codes = {f["code"] for f in ev["flags"]}
    assert "weights-sum" in codes                  # 20 + 90 ≠ 100
    assert "score-missing" in codes                # the execution 得分 was left blank
