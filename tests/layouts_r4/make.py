"""The fourth round of unseen layouts: tables made in the image of real published 项目支出绩效自评表
(issue 11, "Misreads on real tables"; the real tables themselves stay unseen). Results computed by
hand (the arithmetic of tests/layouts_r3/grid.py) into expected.json. What each one pins down:

  01  a county school's table: money in 元 (项目资金（元）, a line 部门：…　单位：元 above the table),
      the title 绩效目标自评表, look-alike relation signs in the targets (═100%, ﹦100%, ≧, ⩾, ⩽,
      ＜, ＞), a total row holding 0 as 年初预算数 while its components hold amounts
  02  the same look-alikes in an 指标性质 column (＝ ═ ﹦ ≧ ≦ ＞ ＜ ⩾ ⩽) beside bare targets
  03  a water bureau's table: targets written into the indicator names (指标1:年度资金支付完成率100%)
      with 年度指标值 blank, and template rows of slashes (指标1:/ | / | /) with no 分值
  04  a table whose weights add up to 110, with an actual left blank under a full reported score

Rewrite with
    .venv/bin/python tests/layouts_r4/make.py
"""
import os
import sys

OUT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(OUT, "..", "layouts_r3"))
from grid import Sheet, render_openpyxl  # noqa: E402
from builder import T, I, expect, write_round  # noqa: E402
from make import B, FC, FH, IC, IH, P, S, SL, fund_rows  # noqa: E402  (round 3's layout)

import openpyxl  # noqa: E402

EXPECTED = {}


def save_xlsx(name, sheets):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sh in sheets:
        render_openpyxl(wb, sh)
    wb.save(os.path.join(OUT, name))


def head(t, *, title, year_line, lines=(), name, unit, impl, last=9):
    t.row((1, last, title))
    t.row((1, last, year_line))
    for line in lines:
        t.row((1, last, line))
    t.row((1, "项目名称"), (2, last, name))
    t.row((1, "主管部门"), (2, 5, unit), (6, "实施单位"), (7, last, impl))


# =========================================================================== 01
def case01():
    fn = "01_项目_县第一中学_元_等号变体_部门行.xlsx"
    sh = Sheet("Sheet1")
    t = T(sh)
    head(t, title="绩效目标自评表", year_line="（2023年度）",
         lines=["部门：某县第一中学　　　　　　　　　　　　单位：元"],
         name="家庭经济困难学生资助", unit="某县教育局", impl="某县第一中学")
    # 年初预算数: the total row holds 0, its components 1,200,000 + 50,000: taken from them.
    t.funds("项目资金\n（元）", FC, dict(FH, lab=""), fund_rows(
        (0, 1286400.00, 1268950.50),
        [("其中：当年财政拨款", 1200000.00, 1236400.00, 1218950.50),
         ("上年结转资金", 50000.00, 50000.00, 50000.00), ("其他资金", 0, 0, 0)],
        10, "98.64%", 9.86))
    t.goals("年度总体目标", 1, 2, 5, 6, 9, "按标准资助家庭经济困难学生不少于350人，资金足额及时发放。",
            "资助学生362人，资金全部发放到位。")
    inds = [
        I(P, "数量指标", "资助学生人数", "≧350人", "362人", 10, 10, ("q", 362 / 350)),
        I(P, "数量指标", "资助资金发放到位率", "═100%", "100%", 10, 10, ("q", 1)),
        I(P, "质量指标", "资助对象认定准确率", "﹦100%", "98%", 10, 9.8, ("q", 0.98),
          "2名学生家庭情况变化未及时复核，下学期起每学期复核一次"),
        I(P, "时效指标", "资金发放及时率", "⩾95%", "100%", 10, 10, ("q", 100 / 95)),
        I(P, "成本指标", "生均资助标准", "⩽2000元", "1950元", 10, 10, ("q", 1), pos=False),
        I(B, "社会效益指标", "家庭经济困难学生辍学率", "＜1%", "0.5%", 15, 15, ("q", 1), pos=False),
        I(B, "可持续影响指标", "资助政策知晓率", "＞90%", "96%", 15, 15, ("q", 96 / 90)),
        I(S, SL, "受助学生满意度", "≧90%", "95%", 10, 10, ("q", 95 / 90)),
    ]
    t.indicators(IC, IH, inds, l0_label="绩效指标")
    t.row((1, 6, "总分"), (7, 100), (8, 99.66))
    save_xlsx(fn, [sh])
    EXPECTED[fn] = [expect(
        sh.name, "project", "某县第一中学", "家庭经济困难学生资助", 2023, 1286400.00, 1268950.50, 10,
        inds, reported_total=99.66, flags=["fund-rows-sum"],
        not_flags=["score-mismatch", "total-mismatch", "execution-rate-mismatch",
                   "deviation-reason-missing", "over-completion", "weights-sum"],
        extra={"title": "绩效目标自评表", "money_unit": "元", "initial": 1250000.0,
               "supervisor": "某县教育局",
               "kinds": ["positive", "equal", "equal", "positive", "reverse", "reverse", "positive",
                         "positive"],
               "messages_contain": ["总额行为 0 而分项合计为 1250000 元，已按分项合计计算"]},
        ambiguous=["'部门：某县第一中学' above the table is the reporting unit: it names the table, not 主管部门",
               "money in 元: scored as it stands (rate 1268950.5 / 1286400 = 0.986435 → 9.86)",
               "'═100%' and '﹦100%' are '=100%' (equal kind, scored as positive: 98/100 → 9.8)",
               "年初预算数 total 0, components 1200000 + 50000 → initial 1250000, fund-rows-sum says '为 0'"])]


# =========================================================================== 02
def case02():
    fn = "02_项目_县实验小学_指标性质列等号变体.xlsx"
    sh = Sheet("项目支出绩效自评表")
    ic = dict(l0=1, l1=2, l2=3, name=4, op=5, target=6, actual=7, weight=8, score=9, reason=10)
    ih = dict(IH, op="指标性质")
    fc = dict(blk=1, lab=(2, 4), init=5, annual=6, exec=7, weight=8, rate=9, score=10)
    t = T(sh)
    head(t, title="项目支出绩效自评表", year_line="（2023年度）", name="农村义务教育学生营养改善计划",
         unit="某县教育局", impl="某县实验小学", last=10)
    t.funds("项目资金\n（万元）", fc, dict(FH, lab=""), fund_rows(
        (80, 80, 78.4), [("其中：当年财政拨款", 80, 80, 78.4), ("上年结转资金", None, None, None),
                         ("其他资金", None, None, None)], 10, "98%", 9.8))
    t.goals("年度总体目标", 1, 2, 6, 7, 10, "为在校学生提供营养午餐，食品安全零事故。",
            "全年供餐200天，受益学生1250人，未发生食品安全事故。")
    inds = [
        I(P, "数量指标", "受益学生人数", 1200, 1250, 10, 10, ("q", 1250 / 1200), extra={"op": "≧"}),
        I(P, "数量指标", "供餐天数", 200, 200, 10, 10, ("q", 1), extra={"op": "═"}),
        I(P, "质量指标", "食品安全抽检合格率", "100%", "100%", 10, 10, ("q", 1), extra={"op": "﹦"}),
        I(P, "时效指标", "资金拨付及时率", "100%", "100%", 10, 10, ("q", 1), extra={"op": "＝"}),
        I(P, "成本指标", "生均每日补助", "5元", "5元", 10, 10, ("q", 1), pos=False, extra={"op": "≦"}),
        I(B, "社会效益指标", "学生营养不良率", "3%", "2.6%", 10, 10, ("q", 1), pos=False, extra={"op": "⩽"}),
        I(B, "社会效益指标", "食品安全事故", "1起", "0起", 10, 10, ("q", 1), pos=False, extra={"op": "＜"}),
        I(B, "可持续影响指标", "学校食堂覆盖率", "95%", "100%", 10, 10, ("q", 100 / 95), extra={"op": "＞"}),
        I(S, SL, "家长满意度", "90%", "94%", 10, 10, ("q", 94 / 90), extra={"op": "⩾"}),
    ]
    t.indicators(ic, ih, inds, l0_label="绩效指标", last_col=10)
    t.row((1, 7, "总分"), (8, 100), (9, 99.8))
    save_xlsx(fn, [sh])
    EXPECTED[fn] = [expect(
        sh.name, "project", "某县教育局", "农村义务教育学生营养改善计划", 2023, 80, 78.4, 10, inds,
        reported_total=99.8,
        not_flags=["score-mismatch", "total-mismatch", "deviation-reason-missing", "weights-sum",
                   "over-completion"],
        extra={"money_unit": "万元",
               "kinds": ["positive", "equal", "equal", "equal", "reverse", "reverse", "reverse",
                         "positive", "positive"]},
        ambiguous=["指标性质 holds look-alikes: ≦ ⩽ ＜ make the bare target reverse (2.6% against ⩽3% is met;"
               " read as positive it would score 10 × 2.6/3 = 8.67)"])]


# =========================================================================== 03
def case03():
    fn = "03_项目_县水务局_指标名含目标值_斜杠模板行.xlsx"
    sh = Sheet("项目支出绩效自评表")
    t = T(sh)
    head(t, title="项目支出绩效自评表", year_line="（2022年度）", name="农村饮水安全工程维修养护",
         unit="某县水务局", impl="某县农村供水管理站")
    t.funds("项目资金\n（万元）", FC, dict(FH, lab=""), fund_rows(
        (120, 135.6, 128.32), [("其中：当年财政拨款", 120, 135.6, 128.32), ("上年结转资金", None, None, None),
                               ("其他资金", None, None, None)], 10, "94.63%", 9.46))
    t.goals("年度总体目标", 1, 2, 5, 6, 9, "完成农村供水管网及设施维修养护，保障农村饮水安全。",
            "维修管网22.5公里，新建蓄水池2座，水质检测合格率98%。")
    slash = dict(type="ph", name="指标1:/", target="/", actual="/")
    inds = [
        I(P, "数量指标", "指标1:年度资金支付完成率100%", None, "94.63%", 10, 9.46, ("q", 0.9463),
          "部分工程尾款待竣工审计后支付"),
        I(P, "数量指标", "指标2:维修管网长度≥20公里", None, "22.5公里", 10, 10, ("q", 22.5 / 20)),
        I(P, "数量指标", "指标3:新建蓄水池2座", None, "2座", 10, 10, ("q", 1)),
        I(P, "质量指标", "指标1:水质检测合格率达到95%以上", None, "98%", 10, 10, ("q", 98 / 95)),
        dict(slash, l1=P, l2="时效指标"),
        dict(slash, l1=P, l2="成本指标"),
        dict(slash, l1=B, l2="经济效益指标"),
        I(B, "社会效益指标", "指标1:受益人口≥3.2万人", None, "3.35万人", 20, 20, ("q", 33500 / 32000)),
        dict(slash, l1=B, l2="生态效益指标"),
        I(B, "可持续影响指标", "供水设施完好率", "≥90%", "93%", 20, 20, ("q", 93 / 90)),
        I(S, SL, "指标1:受益群众满意度≥90%", None, "92%", 10, 10, ("q", 92 / 90)),
    ]
    t.indicators(IC, IH, inds, l0_label="绩效指标")
    t.row((1, 6, "总分"), (7, 100), (8, 98.92))
    save_xlsx(fn, [sh])
    EXPECTED[fn] = [expect(
        sh.name, "project", "某县水务局", "农村饮水安全工程维修养护", 2022, 135.6, 128.32, 10, inds,
        reported_total=98.92,
        not_flags=["actual-missing", "placeholder-left", "score-mismatch", "total-mismatch",
                   "deviation-reason-missing", "weights-sum", "actual-not-numeric"],
        extra={"money_unit": "万元",
               "kinds": ["positive"] * 7,
               "formula_contains": [[0, "取指标名称中的“100%”为年度指标值"],
                                    [1, "取指标名称中的“≥20公里”为年度指标值"],
                                    [3, "取指标名称中的“达到95%以上”为年度指标值"]]},
        ambiguous=["年度指标值 blank, the name ends in the target: '…完成率100%' → 100%, 94.63/100 → 9.46",
               "'受益人口≥3.2万人' against '3.35万人': 万 multiplies both → 33500/32000",
               "'指标1:/ | / | /' rows carry no 分值: template rows, not indicators (no actual-missing)"])]


# =========================================================================== 04
def case04():
    fn = "04_项目_司法局_分值合计110_实际值缺失.xlsx"
    sh = Sheet("项目支出绩效自评表")
    t = T(sh)
    head(t, title="项目支出绩效自评表", year_line="（2023年度）", name="普法宣传教育",
         unit="某县司法局", impl="某县司法局")
    t.funds("项目资金\n（万元）", FC, dict(FH, lab=""), fund_rows(
        (50, 50, 50), [("其中：当年财政拨款", 50, 50, 50), ("上年结转资金", None, None, None),
                       ("其他资金", None, None, None)], 10, "100%", 10))
    t.goals("年度总体目标", 1, 2, 5, 6, 9, "开展普法培训不少于500人次，发放宣传资料2000份以上。",
            "培训620人次，发放资料2100份。")
    inds = [
        I(P, "数量指标", "普法培训人次", "≥500人次", "620人次", 20, 20, ("q", 620 / 500)),
        I(P, "数量指标", "发放宣传资料", "≥2000份", "2100份", 20, 20, ("q", 2100 / 2000)),
        I(P, "质量指标", "培训考核合格率", "≥95%", "97%", 10, 10, ("q", 97 / 95)),
        I(P, "时效指标", "项目完成时间", "2023年12月底前", "按期完成", 10, 10, ("ql", "ok")),
        I(P, "成本指标", "人均培训成本", "≤300元", "285元", 10, 10, ("q", 1), pos=False),
        I(B, "社会效益指标", "群众法律意识", "有效提升", "有效提升", 10, 10, ("ql", "ok")),
        # actual left blank, the officer's full 10 kept and no 偏差原因: actual-missing alone
        I(B, "可持续影响指标", "普法长效机制建立", "≥3项", None, 10, 10, ("missing", None)),
        I(S, SL, "群众满意度", "≥90%", "93%", 10, 10, ("q", 93 / 90)),
    ]
    t.indicators(IC, IH, inds, l0_label="绩效指标")
    t.row((1, 6, "总分"), (7, 110), (8, 110))
    save_xlsx(fn, [sh])
    EXPECTED[fn] = [expect(
        sh.name, "project", "某县司法局", "普法宣传教育", 2023, 50, 50, 10, inds, reported_total=110,
        not_flags=["score-mismatch", "deviation-reason-missing"],
        extra={"money_unit": "万元"},
        ambiguous=["weights 10 + 100 = 110: total kept (10 + 90 = 100), grade withheld (null, 待定)",
               "one root cause per row: the blank actual gives actual-missing alone; the reported 10 "
               "vs computed 0 and the missing reason follow from it; total-mismatch (110 vs 100) stands"])]


def main():
    write_round(OUT, (case01, case02, case03, case04), EXPECTED)


if __name__ == "__main__":
    main()
