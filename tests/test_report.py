"""The 自评报告 as departments publish it: read back as text, section by section."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

import xlsproc
from builders import Layout, build, standard_table
from conftest import SAMPLES
from xlsproc.write import report

SECTIONS = ("一、", "二、", "三、", "四、")
# Words about filling in the form: they belong in 审核结果, never in 三 or 四.
FORM_WORDS = ("请核实", "请补填", "Excel", "WPS", "模板", "公式", "单元格", "占位", "重新提交",
              "请调整分值", "分项合计", "请核对", "xlsproc")
ALL_SAMPLES = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".xlsx", ".xlsm", ".xls"))


def _paragraphs(path):
    return [report.paragraphs(r) for r in xlsproc.evaluate(path)]


def _sections(paras) -> dict[str, list[str]]:
    """Section heading prefix (一、…四、) → the texts under it, headings of lower levels included."""
    out, current = {}, None
    for p in paras:
        if p.level == 1:
            current = p.text[:2]
            out[current] = []
        elif current:
            out[current].append(p.text)
    return out


@pytest.fixture(scope="module")
def shortfall():
    [paras] = _paragraphs(SAMPLES / "某街道_社区治理_2024.xlsx")
    return paras


def test_the_four_sections_in_order(shortfall):
    heads = [p.text for p in shortfall if p.level == 1]
    assert [h[:2] for h in heads] == list(SECTIONS)
    assert heads[2] == "三、存在的问题和原因" and heads[3] == "四、下一步拟改进措施"


def test_targets_are_grouped_by_level1_with_the_unfinished_one_in_its_group(shortfall):
    two = _sections(shortfall)["二、"]
    groups = [t for t in two if re.match(r"^\d\.", t)]
    assert groups == ["1.产出指标", "2.效益指标", "3.满意度指标"]        # weights "(50分)" dropped
    benefit = two[two.index("2.效益指标") + 1: two.index("3.满意度指标")]
    missed = [t for t in benefit if t.startswith("未完成：")]
    assert len(missed) == 1
    assert "居民参与社区治理活动人次" in missed[0] and "实际完成1500人次" in missed[0]
    assert "偏差原因：部分社区活动阵地改造，活动暂停两个月。" in missed[0]
    output = two[two.index("1.产出指标") + 1]
    assert output.startswith("共4项，全部完成：") and "社区议事协商会议次数12次（年度指标值≥12次）" in output
    assert "指标1" not in "".join(two)                                  # template rows are not goals


def test_problems_are_about_the_work_not_the_form(shortfall):
    sec = _sections(shortfall)
    three, four = "".join(sec["三、"]), "".join(sec["四、"])
    for word in FORM_WORDS:
        assert word not in three and word not in four, word
    assert "居民参与社区治理活动人次" in three and "部分社区活动阵地改造" in three
    assert "预算执行率偏低" in three and "【请说明预算执行率偏低的原因】" in three
    # the officer's own measure (after 下一步) becomes the measure in 四
    assert "错峰安排活动" in four and "错峰安排活动" not in three


def test_no_sentence_says_all_targets_were_met_when_one_was_not(shortfall):
    body = "".join(p.text for p in shortfall)
    assert "未完成" in body
    for claim in ("均已完成", "各项绩效指标已完成", "全部完成。"):
        overview = [p.text for p in shortfall if p.text.startswith("共设置绩效指标")]
        assert claim not in overview[0] and claim not in "".join(_sections(shortfall)["三、"])


def test_a_missing_cause_is_a_bracketed_prompt():
    [paras] = _paragraphs(SAMPLES / "某街道_青少年服务_2024.xlsx")
    sec = _sections(paras)
    three = [t for t in sec["三、"] if "开展志愿服务活动场次" in t]
    assert three and three[0].endswith("原因：【请说明未完成的原因】")
    four = [t for t in sec["四、"] if "开展志愿服务活动场次" in t]
    assert four and "【请说明拟采取的改进措施】" in four[0]


def test_seed_over_completion_is_a_problem_and_nothing_is_unfinished():
    [paras] = _paragraphs(SAMPLES / "洪山区团委_2024_部门整体.xlsx")
    sec = _sections(paras)
    assert "综合得分99.88分" in sec["一、"][0] and "执行情况得分19.88分" in sec["一、"][0]
    assert "全年预算数344.18万元，实际执行数342.03万元，执行率99.38%" in "".join(sec["二、"])
    assert not any(t.startswith("未完成：") for t in sec["二、"])
    three = "".join(sec["三、"])
    assert "超额完成" in three and "“新增青创贷款申报数”实际完成616个" in three
    assert "2.05倍" in three and "【请说明超额完成的原因" in three
    assert "“‘青创贷’审批金额”" in three                 # nested quotes, not ““青创贷”
    assert "科学合理设定绩效目标" in "".join(sec["四、"])


def test_a_table_without_problems_says_so_once(tmp_path):
    t = standard_table(indicators=[replace(i, actual=i.target.lstrip("≥"), score=i.weight, reason="")
                                   for i in standard_table().indicators], total=99.5)
    [res] = xlsproc.evaluate(build(t, Layout(), tmp_path / "clean.xlsx"))
    sec = _sections(report.paragraphs(res))
    assert sec["三、"][0].startswith("2024年度各项绩效指标均已完成")
    assert "共设置绩效指标6项，全部完成。" in sec["二、"]


@pytest.mark.parametrize("path", ALL_SAMPLES, ids=[p.name for p in ALL_SAMPLES])
def test_every_sample_report_is_consistent(path):
    for paras in _paragraphs(path):
        sec = _sections(paras)
        assert list(sec) == list(SECTIONS)
        missed = [t for t in sec["二、"] if t.startswith("未完成：")]
        overview = next(t for t in sec["二、"] if t.startswith(("共设置绩效指标", "本表未设置")))
        if missed:
            assert f"未完成{len(missed)}项" in overview
            assert "均已完成" not in "".join(sec["三、"]) and "全部完成。" not in overview
        for word in FORM_WORDS:
            assert word not in "".join(sec["三、"] + sec["四、"]), (word, path.name)
        assert all(t.strip() for t in sec["四、"])
        assert not re.search(r"[\u4e00-\u9fff] \d|\d [\u4e00-\u9fff]", "".join(p.text for p in paras))
