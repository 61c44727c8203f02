#!/usr/bin/env python3
"""Independent review of xlsproc: write 25 evaluation workbooks laid out the way provincial
finance departments and district officers lay them out (NOT the repo's samples), and
expected.json with what a careful finance officer computes BY HAND (shared/spec/scoring.md).

    .venv/bin/python tests/layouts/make_layouts.py   # rewrites the workbooks here + expected.json
    (tests/test_unseen_layouts.py compares xlsproc.check with expected.json)

The layout code decides only WHERE things go. Every expected number below is a literal worked
out by hand (arithmetic in the comment next to it); nothing here calls xlsproc.
"""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from openpyxl.utils import column_index_from_string as ci, get_column_letter as cl

OUT = Path(__file__).parent
OUT.mkdir(exist_ok=True)
EXPECTED: dict[str, dict] = {}


# ----------------------------------------------------------------------------- helpers

def put(ws, r: int, col: str, values: list, fmt: dict | None = None) -> None:
    """Write values left to right starting at column `col` of row r (None = leave empty)."""
    c0 = ci(col)
    for i, v in enumerate(values):
        if v is None:
            continue
        cell = ws.cell(row=r, column=c0 + i, value=v)
        if fmt and i in fmt:
            cell.number_format = fmt[i]


def merge(ws, *ranges: str) -> None:
    for rng in ranges:
        ws.merge_cells(rng)


def ind_rows(ws, r0: int, col: str, rows: list[list], vmerge_cols=(0, 1)) -> int:
    """Indicator rows; runs of the same 一级/二级 text are written once and merged down
    (officers' usual layout). Returns the next free row."""
    c0 = ci(col)
    for i, row in enumerate(rows):
        put(ws, r0 + i, col, row)
    for k in vmerge_cols:
        start = 0
        for i in range(1, len(rows) + 1):
            same = i < len(rows) and rows[start][k] is not None and rows[i][k] == rows[start][k]
            if not same:
                if i - start > 1 and rows[start][k] is not None:
                    for j in range(start + 1, i):
                        ws.cell(row=r0 + j, column=c0 + k).value = None
                    letter = cl(c0 + k)
                    ws.merge_cells(f"{letter}{r0 + start}:{letter}{r0 + i - 1}")
                start = i
    return r0 + len(rows)


def ev(sheet, kind, annual, executed, rate, exec_weight, exec_score, indicator_score, total,
       grade, reported_total=None, flags=(), n_indicators=None, weights_total=100, **extra):
    d = dict(sheet=sheet, kind=kind, annual=annual, executed=executed, rate=rate,
             exec_weight=exec_weight, exec_score=exec_score, indicator_score=indicator_score,
             total=total, grade=grade, reported_total=reported_total, flags=sorted(set(flags)),
             n_indicators=n_indicators, weights_total=weights_total)
    d.update(extra)
    return d


def expect(name: str, layout: str, evaluations: list[dict], notes: str = "") -> None:
    EXPECTED[name] = {"layout": layout, "evaluations": evaluations, "notes": notes}


def save(wb, name: str) -> None:
    wb.save(OUT / name)


NATIONAL_HEAD = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                 "偏差原因分析及改进措施"]
FUNDS_HEAD = ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]


# ============================================================================ 01 广东
def f01():
    name = "01_广东_2022_项目_分值列在指标值前.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "项目自评表"
    put(ws, 1, "A", ["2022年度项目支出绩效自评表"]); merge(ws, "A1:I1")
    put(ws, 2, "A", ["填报单位（盖章）：广州市某区人力资源和社会保障局"]); merge(ws, "A2:F2")
    put(ws, 2, "H", ["单位：万元"]); merge(ws, "H2:I2")
    put(ws, 3, "A", ["项目名称", "职业技能提升培训补贴项目"]); merge(ws, "B3:I3")
    put(ws, 4, "A", ["主管部门", "广州市某区人力资源和社会保障局", None, None, None, "实施单位",
                     "某区职业技能培训指导中心"]); merge(ws, "B4:E4", "G4:I4")
    put(ws, 5, "A", ["项目资金（万元）", None, *FUNDS_HEAD])
    put(ws, 6, "A", [None, "年度资金总额", 180, 200, 186.5, 10, "93.25%", 9.33])
    put(ws, 7, "A", [None, "其中：当年财政拨款", 180, 180, 170, "—", None, "—"])
    put(ws, 8, "A", [None, "上年结转资金", 0, 20, 16.5, "—", None, "—"])
    put(ws, 9, "A", [None, "其他资金", 0, 0, 0, "—", None, "—"])
    merge(ws, "A5:A9")
    put(ws, 10, "A", ["年度总体目标", "预期目标", None, None, None, "实际完成情况"]); merge(ws, "B10:E10", "F10:I10")
    put(ws, 11, "A", [None, "全年开展职业技能培训不少于1200人次，培训合格率95%以上。", None, None, None,
                      "全年开展培训1350人次，合格率97%。"]); merge(ws, "A10:A11", "B11:E11", "F11:I11")
    put(ws, 12, "A", ["绩效指标", "一级指标", "二级指标", "三级指标", "分值", "年度指标值", "实际完成值",
                      "得分", "偏差原因分析及改进措施"])
    ind_rows(ws, 13, "B", [
        ["产出指标（50分）", "数量指标", "培训人次", 20, "≥1200人次", "1350人次", 20],
        ["产出指标（50分）", "质量指标", "培训合格率", 15, "≥95%", "97%", 15],
        ["产出指标（50分）", "时效指标", "培训按期完成率", 15, "100%", "100%", 15],
        ["效益指标（30分）", "社会效益指标", "群众就业技能知晓度", 30, "有效提升", "明显提升", 28,
         "部分宣传活动受天气影响，下一步加强线上宣传"],
        ["满意度指标（10分）", "服务对象满意度指标", "参训学员满意度", 10, "≥90%", "92%", 10],
    ])
    merge(ws, "A12:A17")
    put(ws, 18, "A", ["总  分", None, None, None, 100, None, None, 97.33]); merge(ws, "A18:D18")
    put(ws, 19, "A", ["填表人：李某某    联系电话：020-12345678    填报日期：2023年3月10日"]); merge(ws, "A19:I19")
    save(wb, name)
    # rate 186.5/200 = 0.9325; exec 10*0.9325 = 9.325 -> 9.33; indicators 20+15+15+28+10 = 88
    # total 9.33+88 = 97.33 优; qualitative 28 in 达成 band [24,30]; reason written.
    expect(name, "Guangdong 2022: 分值 column BEFORE 年度指标值, 一级 '产出指标（50分）' merged, 总  分 with spaces, "
                 "填报单位/单位：万元 line, 填表人 footer",
           [ev("项目自评表", "project", 200, 186.5, 0.9325, 10, 9.33, 88, 97.33, "优", 97.33, [], 5)])


# ============================================================================ 02 浙江
def f02():
    name = "02_浙江_2023_项目_指标方向正向反向.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "Sheet1"
    put(ws, 1, "A", ["项目支出绩效自评表"]); merge(ws, "A1:I1")
    put(ws, 2, "A", ["（2023年度）"]); merge(ws, "A2:I2")
    put(ws, 3, "A", ["项目名称", "城乡饮用水水质监测能力建设"]); merge(ws, "B3:I3")
    put(ws, 4, "A", ["主管部门", "杭州市某区水利局", None, None, "实施单位", "某区水务服务中心"])
    merge(ws, "B4:D4", "F4:I4")
    put(ws, 5, "A", ["项目资金（万元）", None, *FUNDS_HEAD])
    put(ws, 6, "A", [None, "资金总额", 450, 500, 480, 10, "96%", 9.6])
    put(ws, 7, "A", [None, "其中：上级补助", 200, 200, 200])
    put(ws, 8, "A", [None, "本级安排", 250, 300, 280])
    put(ws, 9, "A", [None, "其他资金", 0, 0, 0]); merge(ws, "A5:A9")
    put(ws, 10, "A", ["年度总体目标", "新建30个水质监测点并投入运行。"]); merge(ws, "B10:I10")
    put(ws, 11, "A", ["一级指标", "二级指标", "三级指标", "指标方向", "年初目标值", "全年实际值", "分值",
                      "得分", "未完成原因和改进措施"])
    ind_rows(ws, 12, "A", [
        ["产出指标", "数量指标", "新建水质监测点", "正向", "30个", "32个", 15, 15],
        ["产出指标", "质量指标", "监测点验收合格率", "正向", "100%", "100%", 15, 15],
        ["产出指标", "成本指标", "单点建设成本", "反向", "80万元", "85万元", 10, 9.41,
         "受材料价格上涨影响单点成本超出预期，下一步优化采购方式"],
        ["产出指标", "时效指标", "项目完成时间", "正向", "2023年11月底前", "2023年11月20日完成", 10, 10],
        ["效益指标", "社会效益指标", "水质监测覆盖率", "正向", "90%", "93%", 20, 20],
        ["效益指标", "可持续影响指标", "水质监测长效机制", "正向", "健全", "已建立并运行", 10, 10],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "正向", "90%", "95%", 10, 10],
    ])
    put(ws, 19, "A", ["总分", None, None, None, None, None, 100, 99.01]); merge(ws, "A19:F19")
    save(wb, name)
    # 反向 cost: 10 * 80/85 = 9.4118 -> 9.41; indicators 15+15+9.41+10+20+10+10 = 89.41
    # exec 480/500 = 0.96 -> 9.6; total 99.01 优
    expect(name, "Zhejiang 2023: 指标方向 column holding 正向/反向 (words, not ≥/≤), 年初目标值/全年实际值, "
                 "未完成原因和改进措施, funds 其中：上级补助 + 本级安排 + 其他资金, Sheet1",
           [ev("Sheet1", "project", 500, 480, 0.96, 10, 9.6, 89.41, 99.01, "优", 99.01, [], 7)])


# ============================================================================ 03 江苏
def f03():
    name = "03_江苏_2022_项目_资金合计行在下.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "表3-1"
    put(ws, 1, "A", ["2022年度项目支出绩效自评表"]); merge(ws, "A1:H1")
    put(ws, 2, "A", ["项目名称", "老旧小区改造项目"]); merge(ws, "B2:H2")
    put(ws, 3, "A", ["主管部门", "南京市某区住房和城乡建设局", None, None, "实施单位", "某区房屋管理所"])
    merge(ws, "B3:D3", "F3:H3")
    put(ws, 4, "A", ["项目资金（万元）", "资金来源", *FUNDS_HEAD])
    put(ws, 5, "A", [None, "财政拨款", 120, 150, 141])
    put(ws, 6, "A", [None, "上年结转", 0, 10, 10])
    put(ws, 7, "A", [None, "其他资金", 0, 0, 0])
    put(ws, 8, "A", [None, "合计", 120, 160, 151, 10, "94.38%", 9.44]); merge(ws, "A4:A8")
    put(ws, 9, "A", ["年度总体目标", "完成200户老旧小区改造。"]); merge(ws, "B9:H9")
    put(ws, 10, "A", NATIONAL_HEAD)
    ind_rows(ws, 11, "A", [
        ["产出指标", "数量指标", "改造老旧小区户数", "≥200户", "210户", 30, 30],
        ["产出指标", "质量指标", "工程验收合格率", "100%", "100%", 20, 20],
        ["效益指标", "社会效益指标", "居民居住条件", "明显改善", "明显改善", 30, 30],
        ["满意度指标", "服务对象满意度指标", "居民满意度", "≥85%", "88%", 10, 10],
    ])
    put(ws, 15, "A", ["合计", None, None, None, None, 100, 99.44]); merge(ws, "A15:E15")
    save(wb, name)
    # A = 150+10+0 = 160 (合计 row), B = 141+10+0 = 151; 151/160 = 0.94375 -> 9.4375 -> 9.44
    expect(name, "Jiangsu-style funds block: components first, total row labelled 合计 at the BOTTOM; "
                 "indicator total row also 合计; sheet 表3-1",
           [ev("表3-1", "project", 160, 151, 0.94375, 10, 9.44, 90, 99.44, "优", 99.44, [], 4)])


# ============================================================================ 04 湖北 部门整体
def f04():
    name = "04_湖北_2023_部门整体_收入支出性质分组行.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "部门整体支出绩效自评表"
    put(ws, 1, "A", ["部门整体支出绩效自评表"]); merge(ws, "A1:I1")
    put(ws, 2, "A", ["（2023年度）"]); merge(ws, "A2:I2")
    put(ws, 3, "A", ["部门（单位）名称", None, "武汉市某区文化和旅游局"]); merge(ws, "A3:B3", "C3:I3")
    put(ws, 4, "A", ["部门预算资金（万元）", None, None, "年初预算数", "全年预算数", "实际执行数", "分值",
                     "执行率", "得分"])
    put(ws, 5, "A", [None, "年度资金总额", None, 1000, 1200, 1150.5, 20, "95.88%", 19.18]); merge(ws, "B5:C5")
    put(ws, 6, "A", [None, "按收入性质分："]); merge(ws, "B6:C6")
    put(ws, 7, "A", [None, None, "一般公共预算", 900, 1050, 1010.5])
    put(ws, 8, "A", [None, None, "政府性基金预算", 0, 50, 40])
    put(ws, 9, "A", [None, None, "国有资本经营预算", "/", "/", "/"])
    put(ws, 10, "A", [None, None, "财政专户管理资金", 0, 0, 0])
    put(ws, 11, "A", [None, None, "单位资金", 100, 100, 100])
    put(ws, 12, "A", [None, "按支出性质分："]); merge(ws, "B12:C12")
    put(ws, 13, "A", [None, None, "基本支出", 600, 620, 618])
    put(ws, 14, "A", [None, None, "项目支出", 400, 580, 532.5]); merge(ws, "A4:A14")
    put(ws, 15, "A", ["年度总体目标", "丰富群众文化生活，完成公共文化服务体系建设任务。"]); merge(ws, "B15:I15")
    put(ws, 16, "A", NATIONAL_HEAD)
    ind_rows(ws, 17, "A", [
        ["产出指标", "数量指标", "举办公共文化活动场次", "≥50场", "56场", 20, 20],
        ["产出指标", "质量指标", "文化惠民项目验收合格率", "100%", "100%", 15, 15],
        ["产出指标", "时效指标", "资金拨付及时率", "≥95%", "93%", 15, 14.68, "个别项目审批流程延后，下一步提前谋划"],
        ["效益指标", "社会效益指标", "群众文化获得感", "显著增强", "显著增强", 20, 19, "部分偏远社区覆盖不足"],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "96.5%", 10, 10],
    ])
    put(ws, 22, "A", ["总分", None, None, None, None, 100, 97.86]); merge(ws, "A22:E22")
    save(wb, name)
    # 1150.5/1200 = 0.95875 -> 20*0.95875 = 19.175 -> 19.18 (half-up); reported 95.88% ok
    # 15*93/95 = 14.684 -> 14.68; 19 in 达成 band [16,20]; sum 20+15+14.68+19+10 = 78.68; total 97.86
    expect(name, "Hubei department table: 部门（单位）名称, funds split 按收入性质分/按支出性质分 on their OWN label rows "
                 "(no amounts) with components below, '/' for 国有资本经营预算",
           [ev("部门整体支出绩效自评表", "department", 1200, 1150.5, 0.95875, 20, 19.18, 78.68, 97.86, "优",
               97.86, [], 5, weights_total=100)])


# ============================================================================ 05 中央式 部门整体 with 年度主要任务
def f05():
    name = "05_中央式_2021_部门整体_年度主要任务表在资金前.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "部门整体自评"
    put(ws, 1, "A", ["部门整体支出绩效自评表"]); merge(ws, "A1:H1")
    put(ws, 2, "A", ["（2021年度）"]); merge(ws, "A2:H2")
    put(ws, 3, "A", ["部门（单位）名称", "某区文化和旅游局"]); merge(ws, "B3:H3")
    put(ws, 4, "A", ["年度主要任务", "任务名称", "主要内容", None, "预算数（万元）", "执行数（万元）"])
    merge(ws, "C4:D4")
    put(ws, 5, "A", [None, "公共文化服务", "开展送戏下乡、公益演出等", None, 300, 290]); merge(ws, "C5:D5")
    put(ws, 6, "A", [None, "文物保护利用", "不可移动文物修缮", None, 200, 180]); merge(ws, "C6:D6")
    put(ws, 7, "A", [None, "文旅融合推广", "举办文旅推介活动", None, 100, 95]); merge(ws, "C7:D7")
    put(ws, 8, "A", [None, "金额合计", None, None, 600, 565]); merge(ws, "A4:A8", "B8:D8")
    put(ws, 9, "A", ["年度部门预算资金（万元）", None, *FUNDS_HEAD])
    put(ws, 10, "A", [None, "年度资金总额", 650, 700, 661.5, 20, "94.5%", 18.9])
    put(ws, 11, "A", [None, "其中：财政拨款", 650, 680, 645])
    put(ws, 12, "A", [None, "其他资金", 0, 20, 16.5]); merge(ws, "A9:A12")
    put(ws, 13, "A", ["年度总体目标", "完成公共文化服务、文物保护、文旅推广三项主要任务。"]); merge(ws, "B13:H13")
    put(ws, 14, "A", NATIONAL_HEAD)
    ind_rows(ws, 15, "A", [
        ["产出指标", "数量指标", "公益演出场次", "≥120场", "126场", 25, 25],
        ["产出指标", "质量指标", "文物完好率", "100%", "100%", 15, 15],
        ["产出指标", "时效指标", "重点任务按期完成率", "100%", "100%", 10, 10],
        ["效益指标", "社会效益指标", "公共文化服务参与人次", "较上年增长5%", "增长6.2%", 20, 20],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "93%", 10, 10],
    ])
    put(ws, 20, "A", ["总分", None, None, None, None, 100, 98.9]); merge(ws, "A20:E20")
    save(wb, name)
    # funds: 661.5/700 = 0.945 -> 20*0.945 = 18.9; indicators 80 (relative one kept at 20, manual-review)
    expect(name, "Central-style department table: a 年度主要任务 block (任务名称|主要内容|预算数|执行数) ABOVE the "
                 "年度部门预算资金 block",
           [ev("部门整体自评", "department", 700, 661.5, 0.945, 20, 18.9, 80, 98.9, "优", 98.9,
               ["manual-review"], 5)])


# ============================================================================ 06 安徽 池州
def f06():
    name = "06_安徽_2022_项目_总额行为零用分项.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "Sheet1"
    put(ws, 1, "A", ["附件："])
    put(ws, 2, "A", ["项目支出绩效自评表"]); merge(ws, "A2:I2")
    put(ws, 3, "A", ["（2022年度）"]); merge(ws, "A3:I3")
    put(ws, 4, "A", ["项目名称", "委托业务项目"]); merge(ws, "B4:I4")
    put(ws, 5, "A", ["主管部门", "219-池州市贵池区棠溪镇人民政府", None, None, "实施单位",
                     "219001-池州市贵池区棠溪镇人民政府"]); merge(ws, "B5:D5", "F5:I5")
    put(ws, 6, "A", ["项目资金\n（万元）", None, *FUNDS_HEAD])
    put(ws, 7, "A", [None, "年度资金总额：", 0, 0, 0, 10, 0, 0])
    put(ws, 8, "A", [None, "其中：本年财政拨款", 90, 90, 89.974])
    put(ws, 9, "A", [None, "上年结转资金"])
    put(ws, 10, "A", [None, "其他资金"]); merge(ws, "A6:A10")
    put(ws, 11, "A", ["年度总体目标", "预期目标", None, None, None, "实际完成情况"]); merge(ws, "B11:E11", "F11:I11")
    put(ws, 12, "A", [None, "本项目共申请预算资金90万元。", None, None, None, "本项目共完成预算资金89.97万元。"])
    merge(ws, "A11:A12", "B12:E12", "F12:I12")
    put(ws, 13, "A", ["绩效指标", *NATIONAL_HEAD])
    ind_rows(ws, 14, "B", [
        ["产出指标(50分)", "数量指标", "基建工程委托业务项目数量", "≥50个", 50, 8, 8],
        ["产出指标(50分)", "质量指标", "委托业务报告合格率", "≥100百分比", 100, 8, 8],
        ["产出指标(50分)", "质量指标", "经费支出合规性", "严格执行相关制度规定", "达成预期指标", 8, 8],
        ["产出指标(50分)", "时效指标", "提交报告及时性", "在项目计划完成时间内完成", "达成预期指标", 8, 8],
        ["产出指标(50分)", "成本指标", "项目总成本", "≤90万元", 90, 8, 8],
        ["产出指标(50分)", "成本指标", "单项业务成本", "符合相关规定", "达成预期指标", 10, 10],
        ["效益指标(30分)", "社会效益指标", "对维护基建市场公平的影响程度", "效果明显", "达成预期指标", 10, 10],
        ["效益指标(30分)", "生态效益指标", "对控制基建项目成本影响程度", "效果明显", "达成预期指标", 10, 10],
        ["效益指标(30分)", "可持续影响指标", "对推动基建项目“四项制度”健全和落实的持续性影响", "效果明显",
         "达成预期指标", 10, 10],
        ["效益指标(30分)", "经济效益指标", None, None, None, None, None],
        ["满意度指标(10分)", "服务对象满意度指标", "公众满意度", "≥95%", "98%", 10, 10],
    ])
    merge(ws, "A13:A24")
    put(ws, 25, "A", ["总分", None, None, None, None, None, 100, 90]); merge(ws, "A25:F25")
    save(wb, name)
    # total row 0/0/0 -> use components: A = 90, B = 89.974; rate 0.99971 -> 10*0.99971 = 9.997 -> 10
    # reported 执行率 0 and 得分 0 -> mismatch; indicators 50+30+10 = 90; total 100; reported 90
    expect(name, "Anhui (池州 real file): 年度资金总额 row holds 0/0/0 from unfilled formulas while 其中：本年财政拨款 "
                 "holds the money; codes in names; '≥100百分比'; 一级 '产出指标(50分)'",
           [ev("Sheet1", "project", 90, 89.974, 0.999711, 10, 10.0, 90, 100, "优", 90,
               ["fund-rows-sum", "execution-rate-mismatch", "score-mismatch", "total-mismatch"], 10)])


# ============================================================================ 07 山东 执行率 as an indicator row
def f07():
    name = "07_山东_2023_项目_预算执行作为指标行.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "项目1"
    put(ws, 1, "A", ["项目支出绩效自评表"]); merge(ws, "A1:H1")
    put(ws, 2, "A", ["（2023年度）"]); merge(ws, "A2:H2")
    put(ws, 3, "A", ["项目名称", "职业技能培训项目"]); merge(ws, "B3:H3")
    put(ws, 4, "A", ["主管部门", "济南市某区人力资源和社会保障局", None, None, "实施单位", "某区就业服务中心"])
    put(ws, 5, "A", ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "执行率"])
    put(ws, 6, "A", [None, "年度资金总额", 80, 80, 72.8, "91%"])
    put(ws, 7, "A", [None, "其中：财政拨款", 80, 80, 72.8])
    put(ws, 8, "A", [None, "其他资金", 0, 0, 0]); merge(ws, "A5:A8")
    put(ws, 9, "A", ["年度总体目标", "完成500人职业技能培训。"]); merge(ws, "B9:H9")
    put(ws, 10, "A", NATIONAL_HEAD)
    ind_rows(ws, 11, "A", [
        ["预算执行（10分）", "资金执行", "项目预算执行率", "100%", "91%", 10, 9.1, "部分培训班次延期至次年"],
        ["产出指标（40分）", "数量指标", "完成培训人数", "≥500人", "520人", 20, 20],
        ["产出指标（40分）", "质量指标", "培训考核合格率", "≥90%", "95%", 20, 20],
        ["效益指标（40分）", "社会效益指标", "培训后就业率", "≥70%", "65%", 40, 37.14, "受就业市场影响，下一步加强就业推荐"],
        ["满意度指标（10分）", "服务对象满意度指标", "学员满意度", "≥90%", "96%", 10, 10],
    ])
    put(ws, 16, "A", ["总分", None, None, None, None, 100, 96.24]); merge(ws, "A16:E16")
    save(wb, name)
    # execution item is the first indicator row: weight 10, rate 72.8/80 = 0.91 -> 9.1
    # 40*65/70 = 37.1429 -> 37.14; indicators 20+20+37.14+10 = 87.14; total 96.24
    expect(name, "Shandong-style: budget execution listed as the first indicator row, 一级 '预算执行（10分）' / "
                 "二级 '资金执行' / 三级 '项目预算执行率' (no exact 预算执行率 label); funds block has no 分值/得分",
           [ev("项目1", "project", 80, 72.8, 0.91, 10, 9.1, 87.14, 96.24, "优", 96.24, [], 4)])


# ============================================================================ 08 江西 no funds block
def f08():
    name = "08_江西_2022_项目_无资金表仅执行率指标行.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "Sheet1"
    put(ws, 1, "A", ["2022年度项目支出绩效自评表"]); merge(ws, "A1:H1")
    put(ws, 2, "A", ["项目名称", "农村公路养护项目"]); merge(ws, "B2:H2")
    put(ws, 3, "A", ["主管部门", "南昌市某县交通运输局", None, None, "实施单位", "某县公路管理站"])
    put(ws, 4, "A", ["年度总体目标", "完成农村公路养护12公里，养护工程合格率100%。"]); merge(ws, "B4:H4")
    put(ws, 5, "A", NATIONAL_HEAD)
    put(ws, 6, "A", ["预算执行率", None, None, "100%", "97.5%", 10, 9.75, "部分工程款按合同约定次年支付"])
    merge(ws, "A6:C6")
    ind_rows(ws, 7, "A", [
        ["产出指标", "数量指标", "养护农村公路里程", "≥12公里", "12.5公里", 30, 30],
        ["产出指标", "质量指标", "养护工程验收合格率", "100%", "100%", 20, 20],
        ["效益指标", "社会效益指标", "群众出行条件", "有效改善", "有效改善", 30, 30],
        ["满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥90%", "91%", 10, 10],
    ])
    put(ws, 11, "A", ["总分", None, None, None, None, 100, 99.75]); merge(ws, "A11:E11")
    save(wb, name)
    # execution only as the 预算执行率 row: rate 0.975, weight 10 -> 9.75; indicators 90; total 99.75
    expect(name, "Jiangxi-style: NO funds block at all; 预算执行率 is a row of the indicator table (100% / 97.5%, 10分)",
           [ev("Sheet1", "project", None, None, 0.975, 10, 9.75, 90, 99.75, "优", 99.75, [], 4)],
           notes="No amounts: the rate comes from the row itself. At the least the table must not be scored out "
                 "of 90 with a weights-sum error and the execution row silently dropped.")


# ============================================================================ 09 重庆 部门整体
def f09():
    name = "09_重庆_2022_部门整体_得分系数列.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "部门整体绩效自评表"
    put(ws, 1, "A", ["部门整体绩效自评表"]); merge(ws, "A1:K1")
    put(ws, 2, "A", ["（2022年度）"]); merge(ws, "A2:K2")
    put(ws, 3, "A", ["主管部门", "重庆市某区融媒体中心", None, None, "财政处室", "文化科", None, "自评总分（分）",
                     94.87]); merge(ws, "B3:D3", "F3:G3", "I3:K3")
    put(ws, 4, "A", ["部门联系人", "张某", None, None, "联系电话", "023-12345678"]); merge(ws, "B4:D4", "F4:K4")
    put(ws, 5, "A", ["部门预算执行情况（万元）", "年初预算数", "全年（调整）预算数", "全年执行数", "执行率（%）",
                     "执行率权重", "执行率得分（分）"])
    put(ws, 6, "A", [None, 1200, 1350, 1026, "76%", 10, 7.6]); merge(ws, "A5:A6")
    put(ws, 7, "A", ["当年绩效目标", "年初绩效目标", None, None, "全年（调整）绩效目标", None, None,
                     "全年目标实际完成情况"]); merge(ws, "B7:D7", "E7:G7", "H7:K7")
    put(ws, 8, "A", [None, "保障融媒体中心正常运转，做好新闻宣传。", None, None, "无", None, None,
                     "较好完成了新闻宣传和思想文化领域建设任务。"]); merge(ws, "A7:A8", "B8:D8", "E8:G8", "H8:K8")
    put(ws, 9, "A", ["绩效指标", "指标名称", "计量单位", "指标性质", "年初指标值", "调整指标值", "全年完成值",
                     "得分系数（%）", "指标权重（分）", "指标得分（分）", "是否核心指标"])
    rows = [
        ["财政供养人员控制率", "%", "定量指标", "≤100%", None, "92%", "100%", 10, 10, "否"],
        ["政府采购执行率", "%", "定量指标", "100%", None, "72.74%", "72.74%", 10, 7.27, "是"],
        ["管理制度健全性", None, "定性指标", "健全", None, "健全", "100%", 10, 10, "否"],
        ["播发稿件数量", "篇", "定量指标", 2200, 2500, 2859, "100%", 20, 20, "是"],
        ["组织宣传活动次数", "次", "定量指标", 40, None, 43, "100%", 20, 20, "是"],
        ["公共服务满意度", "%", "定量指标", "≥90%", None, "95%", "100%", 20, 20, "否"],
    ]
    for i, row in enumerate(rows):
        put(ws, 10 + i, "B", row)
    merge(ws, "A9:A15")
    put(ws, 16, "A", ["填表人：王某", None, None, None, "填报日期：2023年4月6日"])
    save(wb, name)
    # exec: 1026/1350 = 0.76; weight 10 (执行率权重), score 7.6 (matches 执行率得分)
    # indicators: 10 + 10*0.7274 = 7.274 -> 7.27 + 10 + 20 (2859 vs 调整 2500) + 20 + 20 = 87.27
    # total 7.6 + 87.27 = 94.87 优 (reported at the top, 自评总分（分）); rate < 90% -> low-execution-rate
    # no 偏差原因 column at all -> 政府采购执行率 below weight with blank reason (spec: deviation-reason-missing)
    expect(name, "Chongqing department form (real layout): 执行率（%）| 执行率权重 | 执行率得分（分）; indicators "
                 "指标名称|计量单位|指标性质|年初指标值|调整指标值|全年完成值|得分系数（%）|指标权重（分）|指标得分（分）|是否核心指标; "
                 "no 一级 column; 自评总分 at the TOP",
           [ev("部门整体绩效自评表", "department", 1350, 1026, 0.76, 10, 7.6, 87.27, 94.87, "优", 94.87,
               ["low-execution-rate", "deviation-reason-missing"], 6)],
           notes="With both 年初指标值 and 调整指标值, the adjusted one is the target of record "
                 "(2859/2500 = 1.14, no over-completion; against 2200 it would be 1.30).")


# ============================================================================ 10 河南 two-row header, value+unit
def f10():
    name = "10_河南_2023_项目_两行表头数值单位分列.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "项目支出绩效自评表"
    put(ws, 1, "A", ["项目支出绩效自评表"]); merge(ws, "A1:J1")
    put(ws, 2, "A", ["（2023年度）"]); merge(ws, "A2:J2")
    put(ws, 3, "A", ["项目名称", "城区绿化提升工程"]); merge(ws, "B3:J3")
    put(ws, 4, "A", ["主管部门", "郑州市某区园林局", None, None, "实施单位", "某区园林绿化中心"])
    put(ws, 5, "A", ["项目资金（万元）", None, *FUNDS_HEAD])
    put(ws, 6, "A", [None, "年度资金总额", 300, 300, 300, 10, "100%", 10])
    put(ws, 7, "A", [None, "其中：当年财政拨款", 300, 300, 300])
    put(ws, 8, "A", [None, "上年结转资金", 0, 0, 0])
    put(ws, 9, "A", [None, "其他资金", 0, 0, 0]); merge(ws, "A5:A9")
    put(ws, 10, "A", ["年度总体目标", "新增绿化面积5万平方米。"]); merge(ws, "B10:J10")
    put(ws, 11, "A", ["一级指标", "二级指标", "三级指标", "年度指标值", None, "实际完成值", None, "分值", "得分",
                      "偏差原因分析及改进措施"])
    put(ws, 12, "A", [None, None, None, "数值", "单位", "数值", "单位"])
    merge(ws, "A11:A12", "B11:B12", "C11:C12", "D11:E11", "F11:G11", "H11:H12", "I11:I12", "J11:J12")
    ind_rows(ws, 13, "A", [
        ["产出指标", "数量指标", "新增绿化面积", "≥5", "万平方米", 5.2, "万平方米", 20, 20],
        ["产出指标", "质量指标", "苗木成活率", "≥95", "%", 97, "%", 20, 20],
        ["产出指标", "时效指标", "工程完工时间", "2023年10月底前", None, "2023年10月", None, 10, 10],
        ["效益指标", "生态效益指标", "空气质量优良天数", "≥280", "天", 265, "天", 30, 28.39, "受区域气象条件影响"],
        ["满意度指标", "服务对象满意度指标", "周边居民满意度", "≥90", "%", 94, "%", 10, 10],
    ])
    put(ws, 18, "A", ["总分", None, None, None, None, None, None, 100, 98.39]); merge(ws, "A18:G18")
    save(wb, name)
    # 30*265/280 = 28.393 -> 28.39; indicators 20+20+10+28.39+10 = 88.39; exec 10; total 98.39
    expect(name, "Henan: header over two rows, 年度指标值 and 实际完成值 each merged over '数值 | 单位' sub-columns",
           [ev("项目支出绩效自评表", "project", 300, 300, 1.0, 10, 10, 88.39, 98.39, "优", 98.39, [], 5)])


# ============================================================================ 11 湖南 得分 before 指标值, text scores
def f11():
    name = "11_湖南_2021_项目_得分列在前_分数带分字.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "表3-2"
    put(ws, 1, "A", ["项目支出绩效自评表（2021年度）"]); merge(ws, "A1:H1")
    put(ws, 2, "A", ["项目名称", "义务教育阶段学生资助"]); merge(ws, "B2:H2")
    put(ws, 3, "A", ["主管部门", "长沙市某区教育局", None, None, "实施单位", "某区学生资助管理中心"])
    put(ws, 4, "A", ["项目资金（万元）", None, *FUNDS_HEAD])
    put(ws, 5, "A", [None, "年度资金总额", 520, 520, 518.96, "10分", 0.998, "9.98分"], fmt={6: "0.0%"})
    put(ws, 6, "A", [None, "其中：当年财政拨款", 520, 520, 518.96])
    put(ws, 7, "A", [None, "上年结转资金", 0, 0, 0])
    put(ws, 8, "A", [None, "其他资金", 0, 0, 0]); merge(ws, "A4:A8")
    put(ws, 9, "A", ["年度总体目标", "资助家庭经济困难学生1000人以上。"]); merge(ws, "B9:H9")
    put(ws, 10, "A", ["一级指标", "二级指标", "三级指标", "指标权重", "得分", "年度指标值", "实际完成值", "未完成原因分析"])
    ind_rows(ws, 11, "A", [
        ["产出指标", "数量指标", "资助学生人数", "30分", "30分", "≥1000人", "1086人"],
        ["产出指标", "质量指标", "资助资金发放准确率", "20分", "20分", "100%", 1],
        ["产出指标", "时效指标", "资助资金发放及时率", "10分", "10分", 0.95, "96%"],
        ["效益指标", "社会效益指标", "适龄儿童入学率", "20分", "20分", "≥98%", 100],
        ["满意度指标", "服务对象满意度指标", "学生家长满意度", "10分", "10分", "≥90%", 0.93],
    ])
    ws["G12"].number_format = "0%"; ws["F13"].number_format = "0%"; ws["G15"].number_format = "0%"
    put(ws, 16, "A", ["总  分", None, None, "100分", "99.98分"]); merge(ws, "A16:C16")
    save(wb, name)
    # 518.96/520 = 0.998 -> 9.98; all indicators complete: 0.95 (a %-formatted cell) vs '96%' is 96/95,
    # 1 (=100%) vs 100%, 100 vs ≥98%, 0.93 (=93%) vs ≥90%; total 99.98
    expect(name, "Hunan 2021: 指标权重 | 得分 BEFORE 年度指标值 | 实际完成值; weights and scores typed '30分'; "
                 "percentages as '96%', 1, 100, 0.93 and a %-formatted target cell 0.95",
           [ev("表3-2", "project", 520, 518.96, 0.998, 10, 9.98, 90, 99.98, "优", 99.98, [], 5)])


# ============================================================================ 12 福建 two-level, no reason column
def f12():
    name = "12_福建_2023_项目_两级指标无偏差原因列.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "Sheet1"
    put(ws, 1, "A", ["2023年度项目支出绩效自评表"]); merge(ws, "A1:F1")
    put(ws, 2, "A", ["填报单位：福州市某区教育局          填报日期：2024年2月20日          单位：万元"]); merge(ws, "A2:F2")
    put(ws, 3, "A", ["项目名称", "中小学教育信息化设备采购"]); merge(ws, "B3:F3")
    put(ws, 4, "A", ["主管部门", "福州市某区教育局", "实施单位", "某区教师进修学校"])
    put(ws, 5, "A", ["项目资金", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    put(ws, 6, "A", [None, "年度资金总额", 45, 45, 45, 10, 100, 10])
    put(ws, 7, "A", [None, "其中：财政拨款", 45, 45, 45])
    put(ws, 8, "A", [None, "其他资金", 0, 0, 0]); merge(ws, "A5:A8")
    put(ws, 9, "A", ["年度总体目标", "采购教学设备120台并投入使用。"]); merge(ws, "B9:F9")
    put(ws, 10, "A", ["一级指标", "指标名称", "指标值", "完成值", "分值", "得分"])
    rows = [
        ["产出指标", "采购教学设备数量", "≥120台", "120台", 25, 25],
        ["产出指标", "设备验收合格率", "100%", "100%", 25, 25],
        ["产出指标", "指标1："],
        ["效益指标", "教学信息化水平", "明显提升", "基本提升", 30, 22],
        ["效益指标", "/", "/", "/"],
        ["满意度指标", "师生满意度", "≥90%", "95%", 10, 10],
    ]
    for i, row in enumerate(rows):
        put(ws, 11 + i, "A", row)
    put(ws, 17, "A", ["总分", None, None, None, 100, 92])
    save(wb, name)
    # exec 10 (reported 100 = 100%); partial 22 in [18, 23.99]; indicators 25+25+22+10 = 82; total 92 优
    # no 偏差原因 column -> 教学信息化水平 below weight with blank reason -> deviation-reason-missing
    expect(name, "Fujian: two-level indicators (一级指标 | 指标名称), no 偏差原因 column, 一级 repeated per row, "
                 "placeholder 指标1： and '/' rows, 执行率 typed 100, one-cell '填报单位：…填报日期：…单位：万元' line",
           [ev("Sheet1", "project", 45, 45, 1.0, 10, 10, 82, 92, "优", 92, ["deviation-reason-missing"], 4,
               unit="福州市某区教育局")])


# ============================================================================ 13 甘肃 several projects + hidden template
def _national_project(ws, title_year, project, sup, impl, funds, indicators, total, formulas=None):
    """A plain national-layout project table; funds = (initial, annual, executed, weight, rate, score)."""
    put(ws, 1, "A", ["项目支出绩效自评表"]); merge(ws, "A1:I1")
    put(ws, 2, "A", [title_year]); merge(ws, "A2:I2")
    put(ws, 3, "A", ["项目名称", project]); merge(ws, "B3:I3")
    put(ws, 4, "A", ["主管部门", sup, None, None, "实施单位", impl]); merge(ws, "B4:D4", "F4:I4")
    put(ws, 5, "A", ["项目资金（万元）", None, *FUNDS_HEAD])
    put(ws, 6, "A", [None, "年度资金总额", *funds])
    put(ws, 7, "A", [None, "其中：当年财政拨款", *funds[:3]])
    put(ws, 8, "A", [None, "上年结转资金"]); put(ws, 9, "A", [None, "其他资金"]); merge(ws, "A5:A9")
    put(ws, 10, "A", ["年度总体目标", "预期目标", None, None, None, "实际完成情况"]); merge(ws, "B10:E10", "F10:I10")
    put(ws, 11, "A", [None, "按计划完成项目任务。", None, None, None, "已按计划完成。"])
    merge(ws, "A10:A11", "B11:E11", "F11:I11")
    put(ws, 12, "A", ["绩效指标", *NATIONAL_HEAD])
    end = ind_rows(ws, 13, "B", indicators)
    merge(ws, f"A12:A{end - 1}")
    put(ws, end, "A", ["总分", None, None, None, None, None, 100, total]); merge(ws, f"A{end}:F{end}")
    return end


def f13():
    name = "13_甘肃_2022_多项目多表页_含隐藏模板页.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "填表说明"
    put(ws, 1, "A", ["填表说明：1. 每个项目填写一张自评表；2. 金额单位为万元；3. 得分保留两位小数。"])
    s1 = wb.create_sheet("表3-1")
    _national_project(s1, "（2022年度）", "乡村学校少年宫运转经费", "兰州市某区教育局", "某区教育发展中心",
                      [100, 100, 95, 10, "95%", 9.5], [
        ["产出指标", "数量指标", "少年宫运转学校数", "≥20所", "20所", 30, 30],
        ["产出指标", "质量指标", "活动开展达标率", "≥90%", "95%", 20, 20],
        ["效益指标", "社会效益指标", "学生综合素质", "有效提升", "有效提升", 30, 30],
        ["满意度指标", "服务对象满意度指标", "学生家长满意度", "≥90%", "95%", 10, 10]], 99.5)
    s2 = wb.create_sheet("表3-2")
    _national_project(s2, "（2022年度）", "文化惠民演出", "兰州市某区文体旅游局", "某区文化馆",
                      [60, 60, 48, 10, "80%", 8], [
        ["产出指标", "数量指标", "送戏下乡场次", "≥10场", "8场", 40, 32, "受天气影响部分场次取消"],
        ["产出指标", "质量指标", "演出合格率", "100%", "100%", 10, 10],
        ["效益指标", "社会效益指标", "群众文化生活", "丰富", "丰富", 30, 30],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "88%", 10, 9.78, "部分场次时间安排不合理"]], 89.78)
    s3 = wb.create_sheet("表3-3")
    end = _national_project(s3, "（2022年度）", "农家书屋图书更新", "兰州市某区文体旅游局", "某区图书馆",
                            [30, 30, 30, 10, "=E6/D6", "=F6*MIN(G6,1)"], [
        ["产出指标", "数量指标", "更新图书册数", "≥3000册", "3200册", 40, 40],
        ["产出指标", "质量指标", "图书验收合格率", "100%", "100%", 20, 20],
        ["效益指标", "社会效益指标", "书屋阅读人次", "≥5000人次", "5600人次", 20, 20],
        ["满意度指标", "服务对象满意度指标", "读者满意度", "≥90%", "93%", 10, 10]], "=H6+SUM(H13:H16)")
    hidden = wb.create_sheet("模板（勿删）")
    _national_project(hidden, "（    年度）", None, None, None, [None] * 6, [
        ["产出指标", "数量指标", "指标1：", None, None, None, None],
        ["产出指标", "质量指标", "指标1：", None, None, None, None],
        ["效益指标", "社会效益指标", "指标1：", None, None, None, None],
        ["满意度指标", "服务对象满意度指标", "指标1：", None, None, None, None]], None)
    hidden.sheet_state = "hidden"
    save(wb, name)
    expect(name, "Gansu: 填表说明 sheet + three project sheets 表3-1/3-2/3-3 (the third with formulas never "
                 "recalculated) + a HIDDEN blank template sheet '模板（勿删）'",
           [ev("表3-1", "project", 100, 95, 0.95, 10, 9.5, 90, 99.5, "优", 99.5, [], 4),
            # 48/60 = 0.8 -> 8; 40*8/10 = 32; 10*88/90 = 9.78; 32+10+30+9.78 = 81.78; total 89.78 良
            ev("表3-2", "project", 60, 48, 0.8, 10, 8.0, 81.78, 89.78, "良", 89.78, ["low-execution-rate"], 4),
            ev("表3-3", "project", 30, 30, 1.0, 10, 10, 90, 100, "优", None, ["formula-no-cache"], 4)],
           notes="The hidden template sheet is not an evaluation (a careful officer never sees it); at most info.")


# ============================================================================ 14 two tables stacked in one sheet
def f14():
    name = "14_湖北_2024_一页两表上下排列.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "Sheet1"
    end = _national_project(ws, "（2024年度）", "社区养老服务驿站运营补贴", "武汉市某区民政局", "某街道办事处",
                            [50, 50, 50, 10, "100%", 10], [
        ["产出指标", "数量指标", "服务老人人次", "≥3000人次", "3300人次", 30, 30],
        ["产出指标", "质量指标", "服务规范达标率", "100%", "100%", 20, 20],
        ["效益指标", "社会效益指标", "老人生活质量", "有效提升", "有效提升", 30, 30],
        ["满意度指标", "服务对象满意度指标", "老人满意度", "≥90%", "94%", 10, 10]], 100)
    # second table three rows lower, same layout, pasted under the first
    base = end + 3
    rows = []
    ws2 = wb.create_sheet("tmp")
    _national_project(ws2, "（2024年度）", "社区日间照料中心建设", "武汉市某区民政局", "某街道办事处",
                      [80, 80, 70, 10, "87.5%", 8.75], [
        ["产出指标", "数量指标", "新建日间照料中心", "≥20个", "20个", 50, 50],
        ["效益指标", "社会效益指标", "社区养老服务能力", "显著提升", "显著提升", 30, 30],
        ["满意度指标", "服务对象满意度指标", "居民满意度", "≥90%", "90%", 10, 10]], 98.75)
    for row in ws2.iter_rows():
        for c in row:
            if c.value is not None:
                ws.cell(row=c.row + base - 1, column=c.column, value=c.value)
    for rng in ws2.merged_cells.ranges:
        ws.merge_cells(start_row=rng.min_row + base - 1, start_column=rng.min_col,
                       end_row=rng.max_row + base - 1, end_column=rng.max_col)
    wb.remove(ws2)
    save(wb, name)
    # T2: 70/80 = 0.875 -> 8.75, low-execution-rate; indicators 90; total 98.75
    expect(name, "Two complete project tables one under the other on one sheet (officer pasted the second below)",
           [ev("Sheet1", "project", 50, 50, 1.0, 10, 10, 90, 100, "优", 100, [], 4),
            ev("Sheet1", "project", 80, 70, 0.875, 10, 8.75, 90, 98.75, "优", 98.75, ["low-execution-rate"], 3)],
           notes="Ideal: two evaluations. Minimum: a warning that a second table was ignored.")


# ============================================================================ 15 WPS labels with spaces and line breaks
def f15():
    name = "15_WPS_2023_项目_标签空格换行_从B列开始.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "Sheet1"
    wb.create_sheet("Sheet2"); wb.create_sheet("Sheet3")
    put(ws, 1, "A", ["附件3"])
    put(ws, 2, "B", ["项 目 支 出 绩 效 自 评 表"]); merge(ws, "B2:J2")
    put(ws, 3, "B", ["（ 2023 年度）"]); merge(ws, "B3:J3")
    put(ws, 4, "B", ["项 目 名 称", "就业技能培训补贴"]); merge(ws, "C4:J4")
    put(ws, 5, "B", ["主 管 部 门", "合肥市某区人力资源和社会保障局", None, None, "实 施 单 位", "某区公共就业服务中心"])
    merge(ws, "C5:E5", "G5:J5")
    put(ws, 6, "B", ["项目资金\n（万元）", None, "年初\n预算数", "全年预算数\n（A）", "全年执行数\n（B）", "分 值",
                     "执行率\n（B/A）", "得 分"])
    put(ws, 7, "B", [None, "年度资金总额：", 88.6, 88.6, 86.2, 10, "97.29%", 9.73])
    put(ws, 8, "B", [None, "其中：当年财政拨款", 88.6, 88.6, 86.2])
    put(ws, 9, "B", [None, "上年结转资金"]); put(ws, 10, "B", [None, "其他资金"]); merge(ws, "B6:B10")
    put(ws, 11, "B", ["年度\n总体\n目标", "预期目标", None, None, None, "实际完成情况"]); merge(ws, "C11:F11", "G11:J11")
    put(ws, 12, "B", [None, "开展就业技能培训100人次以上。", None, None, None, "完成培训110人次。"])
    merge(ws, "B11:B12", "C12:F12", "G12:J12")
    put(ws, 13, "B", ["绩\n效\n指\n标", "一级\n指标", "二级\n指标", "三级指标\n（指标名称）", "指标值\n（A）",
                      "实际完成值\n（B）", "分 值", "得 分", "偏差原因分析\n及改进措施"])
    ind_rows(ws, 14, "C", [
        ["产出指标\n（50分）", "数量指标", "开展技能培训", "≥１００人次", "１１０人次", 20, 20],
        ["产出指标\n（50分）", "质量指标", "培训合格率", "≥90%", "95%", 15, 15],
        ["产出指标\n（50分）", "时效指标", "培训按时完成率", "100%", "100%", 15, 15],
        ["效益指标\n（30分）", "社会效益指标", "劳动者就业技能", "有效提升", "有效提升", 30, 30],
        ["满意度指标\n（10分）", "服务对象满意度指标", "学员满意度", "≥85%", "96%", 10, 10],
    ])
    merge(ws, "B13:B18")
    put(ws, 19, "B", ["总    分", None, None, None, None, None, 100, 99.73]); merge(ws, "B19:G19")
    save(wb, name)
    # 86.2/88.6 = 0.972912 -> 9.729 -> 9.73; reported 97.29% ok; indicators 90; total 99.73
    expect(name, "WPS-style: labels with spaces and line breaks (项 目 名 称, 年度\\n指标值, 绩\\n效\\n指\\n标), "
                 "（A）（B/A）, 三级指标（指标名称）, table from column B under 附件3, full-width digits, Sheet1/2/3",
           [ev("Sheet1", "project", 88.6, 86.2, 0.972912, 10, 9.73, 90, 99.73, "优", 99.73, [], 5)])


# ============================================================================ 16 merged 分值/得分 across two rows
def f16():
    name = "16_某县_2023_项目_分值得分跨行合并.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "项目支出绩效自评表"
    end = _national_project(ws, "（2023年度）", "城区雨污管网改造", "某县住房和城乡建设局", "某县市政工程中心",
                            [1000, 1000, 990, 10, "99%", 9.9], [
        ["产出指标", "数量指标", "改造雨污管网长度", "≥12公里", "12.3公里", 20, 20],
        ["产出指标", "质量指标", "工程验收合格率", "100%", "100%", 20, 20],
        ["产出指标", "质量指标", "管材抽检合格率", "≥98%", "99%", None, None],
        ["产出指标", "时效指标", "按期完工率", "100%", "100%", 10, 10],
        ["效益指标", "社会效益指标", "居民出行条件", "明显改善", "明显改善", 30, 30],
        ["满意度指标", "服务对象满意度指标", "居民满意度", "≥90%", "95%", 10, 10]], 99.9)
    merge(ws, "G14:G15", "H14:H15")     # one 分值 / 得分 for the two 质量指标 rows
    save(wb, name)
    # weights 20 + 20 (shared, once) + 10 + 30 + 10 = 90; all complete -> 90; exec 9.9; total 99.9
    expect(name, "分值 and 得分 merged over the two 质量指标 rows (one 20-point weight shared by two indicators)",
           [ev("项目支出绩效自评表", "project", 1000, 990, 0.99, 10, 9.9, 90, 99.9, "优", 99.9, [], 6)],
           notes="A merged weight belongs to the group once; it must not be counted on every row it covers.")


# ============================================================================ 17 云南 得分 before 实际完成值
def f17():
    name = "17_云南_2023_项目_得分列在实际完成值前.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "项目1"
    put(ws, 1, "A", ["项目支出绩效自评表"]); merge(ws, "A1:H1")
    put(ws, 2, "A", ["（2023年度）"]); merge(ws, "A2:H2")
    put(ws, 3, "A", ["项目名称", "高标准农田建设"]); merge(ws, "B3:H3")
    put(ws, 4, "A", ["主管部门", "昆明市某县农业农村局", None, None, "实施单位", "某县农田建设服务站"])
    put(ws, 5, "A", ["项目资金（万元）", None, *FUNDS_HEAD])
    put(ws, 6, "A", [None, "年度资金总额", 1800, 1800, 1782, 10, "99%", 9.9])
    put(ws, 7, "A", [None, "其中：当年财政拨款", 1800, 1800, 1782])
    put(ws, 8, "A", [None, "其他资金", 0, 0, 0]); merge(ws, "A5:A8")
    put(ws, 9, "A", ["年度总体目标", "建成高标准农田1.2万亩。"]); merge(ws, "B9:H9")
    put(ws, 10, "A", ["一级\n指标", "二级指标", "三级指标", "年度指标值", "分值", "得分", "实际完成值",
                      "偏差原因分析及改进措施"])
    ind_rows(ws, 11, "A", [
        ["产出指标", "数量指标", "建设高标准农田面积", "≥1.2万亩", 20, 20, "1.25万亩"],
        ["产出指标", "质量指标", "工程质量合格率", "100%", 15, 15, "100%"],
        ["产出指标", "成本指标", "亩均投资", "≤1500元/亩", 15, 15, "1480元/亩"],
        ["效益指标", "经济效益指标", "亩均粮食增产", "≥50公斤", 15, 12, "45公斤", "受夏季干旱影响"],
        ["效益指标", "可持续影响指标", "工程管护机制", "健全", 15, 15, "基本健全"],
        ["满意度指标", "服务对象满意度指标", "受益农户满意度", "≥90%", 10, 10, "92%"],
    ])
    put(ws, 17, "A", ["合  计", None, None, None, 100, 96.9]); merge(ws, "A17:D17")
    save(wb, name)
    # 15*45/50 = 13.5 (officer 12 -> score-mismatch); 基本健全 = 部分达成 band [9, 11.99]: 15 -> 11.99,
    # qualitative-band and no reason -> deviation-reason-missing; sum 20+15+15+13.5+11.99+10 = 85.49
    # exec 1782/1800 = 0.99 -> 9.9; total 95.39; reported 96.9 -> total-mismatch
    expect(name, "Yunnan: 分值 | 得分 placed BEFORE 实际完成值; 一级\\n指标; total row '合  计'",
           [ev("项目1", "project", 1800, 1782, 0.99, 10, 9.9, 85.49, 95.39, "优", 96.9,
               ["score-mismatch", "qualitative-band", "deviation-reason-missing", "total-mismatch"], 6)])


# ============================================================================ 18 nested 其中 (上级补助 / 本级安排)
def f18():
    name = "18_湖北_2022_项目_其中财政资金下再分上级补助本级安排.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "项目支出绩效自评表"
    put(ws, 1, "A", ["项目支出绩效自评表"]); merge(ws, "A1:I1")
    put(ws, 2, "A", ["（2022年度）"]); merge(ws, "A2:I2")
    put(ws, 3, "A", ["项目名称", "消防装备更新"]); merge(ws, "B3:I3")
    put(ws, 4, "A", ["主管部门", "宜昌市某区应急管理局", None, None, "实施单位", "某区消防救援保障中心"])
    put(ws, 5, "A", ["项目资金（万元）", None, *FUNDS_HEAD])
    put(ws, 6, "A", [None, "年度资金总额", 300, 320, 310, 10, "96.88%", 9.69])
    put(ws, 7, "A", [None, "其中：财政资金", 280, 300, 292])
    put(ws, 8, "A", [None, "　　其中：上级补助", 100, 100, 100])
    put(ws, 9, "A", [None, "　　　　　本级安排", 180, 200, 192])
    put(ws, 10, "A", [None, "其他资金", 20, 20, 18]); merge(ws, "A5:A10")
    put(ws, 11, "A", ["年度总体目标", "更新消防装备150台（套）。"]); merge(ws, "B11:I11")
    put(ws, 12, "A", ["绩效指标", *NATIONAL_HEAD])
    end = ind_rows(ws, 13, "B", [
        ["产出指标", "数量指标", "更新消防设备", "≥150台", "156台", 30, 30],
        ["产出指标", "质量指标", "设备验收合格率", "100%", "100%", 20, 20],
        ["效益指标", "社会效益指标", "火灾防控能力", "有效提升", "有效提升", 30, 30],
        ["满意度指标", "服务对象满意度指标", "消防救援人员满意度", "≥90%", "95%", 10, 10]])
    merge(ws, f"A12:A{end - 1}")
    put(ws, end, "A", ["总分", None, None, None, None, None, 100, 99.69]); merge(ws, f"A{end}:F{end}")
    save(wb, name)
    # total 320 = 财政资金 300 + 其他 20 (财政资金 300 = 上级补助 100 + 本级安排 200); 310 = 292 + 18
    # 310/320 = 0.96875 -> 9.6875 -> 9.69; indicators 90; total 99.69
    expect(name, "Funds with a nested breakdown: 其中：财政资金 / 其中：上级补助 / 本级安排 / 其他资金 "
                 "(indented with full-width spaces); the components add up",
           [ev("项目支出绩效自评表", "project", 320, 310, 0.96875, 10, 9.69, 90, 99.69, "优", 99.69, [], 4)])


# ============================================================================ 19 合计 typed in the 实际完成值 column
def f19():
    name = "19_四川_2023_项目_合计写在完成值列.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "Sheet1"
    put(ws, 1, "A", ["项目支出绩效自评表"]); merge(ws, "A1:H1")
    put(ws, 2, "A", ["（2023年度）"]); merge(ws, "A2:H2")
    put(ws, 3, "A", ["项目名称", "51000021R000000019951-基层普法宣传经费"]); merge(ws, "B3:H3")
    put(ws, 4, "A", ["主管部门", "某县司法局", None, None, "实施单位", "某县普法办"])
    put(ws, 5, "A", ["项目资金（万元）", None, *FUNDS_HEAD])
    put(ws, 6, "A", [None, "年度资金总额", 20, 20, 19.7, 10, "98.5%", 9.85])
    put(ws, 7, "A", [None, "其中：当年财政拨款", 20, 20, 19.7])
    put(ws, 8, "A", [None, "其他资金", 0, 0, 0]); merge(ws, "A5:A8")
    put(ws, 9, "A", ["年度总体目标", "开展普法宣传活动40场以上。"]); merge(ws, "B9:H9")
    put(ws, 10, "A", NATIONAL_HEAD)
    ind_rows(ws, 11, "A", [
        ["产出指标", "数量指标", "普法宣传活动场次", "≥40场", "42场", 30, 30],
        ["产出指标", "质量指标", "宣传资料发放覆盖率", "100%", "100%", 20, 20],
        ["产出指标", "时效指标", "活动完成时间", "按时完成", "按时完成", 10, 10],
        ["效益指标", "社会效益指标", "群众法治意识", "有效提升", "有效提升", 20, 20],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥95%", "93%", 10, 9.79, "部分群众对活动时间安排不满意"],
    ])
    put(ws, 16, "E", ["合计", 100, 99.64])
    save(wb, name)
    # 10*93/95 = 9.789 -> 9.79; indicators 89.79; exec 19.7/20 = 0.985 -> 9.85; total 99.64
    expect(name, "Officer typed the closing '合计' label in the 实际完成值 column, right of the blank 三级指标 cell",
           [ev("Sheet1", "project", 20, 19.7, 0.985, 10, 9.85, 89.79, 99.64, "优", 99.64, [], 5)])


# ============================================================================ 20 指标方向 symbols + 计量单位 + % cells
def f20():
    name = "20_北京_2022_项目_指标方向符号_计量单位_百分比格式.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "自评表"
    put(ws, 1, "A", ["项目支出绩效自评表"]); merge(ws, "A1:J1")
    put(ws, 2, "A", ["（2022年度）"]); merge(ws, "A2:J2")
    put(ws, 3, "A", ["项目名称", "河湖长制巡查管护"]); merge(ws, "B3:J3")
    put(ws, 4, "A", ["主管部门", "北京市某区水务局", None, None, "实施单位", "某区河长制办公室"])
    put(ws, 5, "A", ["项目资金（万元）", None, *FUNDS_HEAD])
    put(ws, 6, "A", [None, "年度资金总额", 150, 150, 147, 10, "98%", 9.8])
    put(ws, 7, "A", [None, "其中：当年财政拨款", 150, 150, 147])
    put(ws, 8, "A", [None, "其他资金", 0, 0, 0]); merge(ws, "A5:A8")
    put(ws, 9, "A", ["年度总体目标", "完成河道巡查150公里，水质达标率90%以上。"]); merge(ws, "B9:J9")
    put(ws, 10, "A", ["一级指标", "二级指标", "三级指标", "指标方向", "年度指标值", "计量单位", "实际完成值", "分值",
                      "得分", "偏差原因分析及改进措施"])
    ind_rows(ws, 11, "A", [
        ["产出指标", "数量指标", "巡查河道里程", "≥", 150, "公里", 162, 20, 20],
        ["产出指标", "质量指标", "水质监测数据差错率", "≤", 1, "%", 0.02, 15, 7.5, "监测设备老化导致数据偏差，已申请更新设备"],
        ["产出指标", "时效指标", "问题整改及时率", "≥", 95, "%", 0.97, 15, 15],
        ["效益指标", "社会效益指标", "河湖水质达标率", "≥", 90, "%", 92, 20, 20],
        ["效益指标", "可持续影响指标", "河长制长效机制", "定性", "健全", None, "健全", 10, 10],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥", 90, "%", 95, 10, 10],
    ])
    ws["G12"].number_format = "0.00%"; ws["G13"].number_format = "0%"
    put(ws, 17, "A", ["总分", None, None, None, None, None, None, 100, 92.3]); merge(ws, "A17:G17")
    save(wb, name)
    # 差错率 actual cell 0.02 shown as 2.00% vs ≤1%: 15*1/2 = 7.5; 及时率 0.97 shown as 97% vs ≥95%: full 15
    # indicators 20+7.5+15+20+10+10 = 82.5; exec 147/150 = 0.98 -> 9.8; total 92.3
    expect(name, "指标方向 holding ≥/≤/定性, 计量单位 column '%', and actual cells FORMATTED as percent (0.02 shows "
                 "2.00%, 0.97 shows 97%)",
           [ev("自评表", "project", 150, 147, 0.98, 10, 9.8, 82.5, 92.3, "优", 92.3, [], 6)])


# ============================================================================ 21 two-row funds header
def f21():
    name = "21_陕西_2023_项目_资金表头两行预算数分年初全年.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "项目支出绩效自评表"
    put(ws, 1, "A", ["项目支出绩效自评表"]); merge(ws, "A1:H1")
    put(ws, 2, "A", ["（2023年度）"]); merge(ws, "A2:H2")
    put(ws, 3, "A", ["项目名称", "基层干部能力提升培训"]); merge(ws, "B3:H3")
    put(ws, 4, "A", ["主管部门", "西安市某区委组织部", None, None, "实施单位", "某区干部教育培训中心"])
    put(ws, 5, "A", ["项目资金（万元）", None, "预算数", None, "执行数", "执行率", "分值", "得分"])
    put(ws, 6, "A", [None, None, "年初预算", "全年预算"])
    merge(ws, "C5:D5", "E5:E6", "F5:F6", "G5:G6", "H5:H6", "B5:B6")
    put(ws, 7, "A", [None, "年度资金总额", 100, 120, 114, "95%", 10, 9.5])
    put(ws, 8, "A", [None, "其中：财政拨款", 100, 120, 114])
    put(ws, 9, "A", [None, "其他资金", 0, 0, 0]); merge(ws, "A5:A9")
    put(ws, 10, "A", ["年度总体目标", "培训基层干部600人次以上。"]); merge(ws, "B10:H10")
    put(ws, 11, "A", NATIONAL_HEAD)
    ind_rows(ws, 12, "A", [
        ["产出指标", "数量指标", "培训基层干部", "≥600人次", "640人次", 30, 30],
        ["产出指标", "质量指标", "学员结业率", "≥95%", "98%", 20, 20],
        ["效益指标", "社会效益指标", "基层治理能力", "有效提升", "有效提升", 30, 30],
        ["满意度指标", "服务对象满意度指标", "学员满意度", "≥90%", "96%", 10, 10],
    ])
    put(ws, 16, "A", ["总分", None, None, None, None, 100, 99.5]); merge(ws, "A16:E16")
    save(wb, name)
    # 全年预算 120, 执行 114 -> 0.95 -> 9.5 (NOT 114/100 年初); indicators 90; total 99.5
    expect(name, "Funds header over two rows: '预算数' merged over '年初预算 | 全年预算', 执行数/执行率/分值/得分 merged down",
           [ev("项目支出绩效自评表", "project", 120, 114, 0.95, 10, 9.5, 90, 99.5, "优", 99.5, [], 4)])


# ============================================================================ 22 序号 column, spacer column, repeated header
def f22():
    name = "22_广西_2022_项目_序号列空列_跨页重复表头.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "表3"
    put(ws, 1, "C", ["附件2"])
    put(ws, 2, "C", ["2022年度项目支出绩效自评表"]); merge(ws, "C2:L2")
    put(ws, 3, "L", ["单位：万元"])
    put(ws, 4, "C", ["项目名称", None, "美丽乡村建设奖补资金"]); merge(ws, "C4:D4", "E4:L4")
    put(ws, 5, "C", ["主管部门", None, "南宁市某县农业农村局", None, None, None, "实施单位", "某县乡村振兴服务中心"])
    merge(ws, "C5:D5", "E5:H5", "J5:L5")
    put(ws, 6, "C", ["项目资金（万元）", None, *FUNDS_HEAD])
    put(ws, 7, "C", [None, "年度资金总额", 60, 66, 62.04, 10, "94%", 9.4])
    put(ws, 8, "C", [None, "其中：当年财政拨款", 60, 60, 57.04])
    put(ws, 9, "C", [None, "上年结转资金", 0, 6, 5])
    put(ws, 10, "C", [None, "其他资金", 0, 0, 0]); merge(ws, "C6:C10")
    put(ws, 11, "C", ["年度总体目标", None, "完成12个村庄环境整治。"]); merge(ws, "C11:D11", "E11:L11")
    head = ["序号", "一级指标", "二级指标", "三级指标", None, "年度指标值", "实际完成值", "分值", "得分",
            "偏差原因分析及改进措施"]
    put(ws, 12, "C", head)
    put(ws, 13, "C", [1, "产出指标", "数量指标", "完成村庄整治数量", None, "≥12个", "12个", 20, 20])
    put(ws, 14, "C", [2, "产出指标", "质量指标", "整治工程验收合格率", None, "100%", "100%", 20, 20])
    put(ws, 15, "C", head)                                   # header repeated at the top of page 2
    put(ws, 16, "C", [3, "产出指标", "时效指标", "整治任务按期完成率", None, "100%", "100%", 10, 10])
    put(ws, 17, "C", [4, "效益指标", "社会效益指标", "村容村貌改善", None, "明显改善", "基本完成改善", 30, 27,
                      "部分村庄整治未覆盖到位"])
    put(ws, 18, "C", [5, "满意度指标", "服务对象满意度指标", "村民满意度", None, "≥90%", "91%", 10, 10])
    put(ws, 19, "C", ["总分", None, None, None, None, None, None, 100, 96.4]); merge(ws, "C19:I19")
    save(wb, name)
    # 62.04/66 = 0.94 -> 9.4; 基本 -> 部分达成 band [18, 23.99], 27 -> 23.99 (qualitative-band)
    # indicators 20+20+10+23.99+10 = 83.99; total 93.39; reported 96.4 -> total-mismatch
    expect(name, "Guangxi: table from column C, 序号 column, an empty spacer column, header repeated at a page break",
           [ev("表3", "project", 66, 62.04, 0.94, 10, 9.4, 83.99, 93.39, "优", 96.4,
               ["qualitative-band", "total-mismatch"], 5)])


# ============================================================================ 23 legacy .xls with synonyms and value forms
def f23():
    import xlwt
    name = "23_天津_2023_项目_旧版xls_复合指标万余上年.xls"
    wb = xlwt.Workbook(encoding="utf-8"); ws = wb.add_sheet("Sheet1")
    def row(r, c, values):
        for i, v in enumerate(values):
            if v is not None:
                ws.write(r, c + i, v)
    ws.write_merge(0, 0, 0, 7, "天津市某区2023年度项目支出绩效自评表")
    row(1, 0, ["项目名称"]); ws.write_merge(1, 1, 1, 7, "社区志愿服务能力提升")
    row(2, 0, ["主管部门", "天津市某区民政局", None, None, "实施单位", "某区志愿服务指导中心"])
    ws.write_merge(3, 6, 0, 0, "项目资金（万元）")
    row(3, 1, [None, "年初预算数", "全年(调整)预算数", "全年执行数", "分值", "执行率", "得分"])
    row(4, 1, ["年度资金总额", 75.0, 75.0, 73.5, 10.0, "98%", 9.8])
    row(5, 1, ["其中:本年财政拨款", 75.0, 75.0, 73.5])
    row(6, 1, ["其他资金", 0.0, 0.0, 0.0])
    row(7, 0, ["年度总体目标"]); ws.write_merge(7, 7, 1, 7, "开展志愿服务活动，提升社区志愿服务能力。")
    row(8, 0, ["一级指标", "二级指标", "三级指标", "年初目标值", "全年完成值", "权重", "指标得分", "偏差原因及改进措施"])
    inds = [
        ["产出指标", "数量指标", "开展宣传活动", "5场、120人次", "6场、110人次", 20.0, 18.33, "参与人次略少于计划"],
        [None, "数量指标", "志愿服务时长", "8万小时", "8.5万小时", 10.0, 10.0],
        [None, "质量指标", "活动覆盖社区", "不少于30个", "32个", 10.0, 10.0],
        [None, "成本指标", "人均培训成本", "控制在500元/人以内", "480元/人", 10.0, 10.0],
        ["效益指标", "社会效益指标", "志愿服务参与人次", "不低于上一年度", "较上年增长12%", 20.0, 20.0],
        [None, "社会效益指标", "志愿服务节次", "600场", "1000余节次", 10.0, 10.0],
        ["满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", "98%", 10.0, 10.0],
    ]
    for i, r in enumerate(inds):
        row(9 + i, 0, r)
    row(16, 0, ["总分", None, None, None, None, 100.0, 98.13])
    wb.save(str(OUT / name))
    # compound min(6/5, 110/120) = 0.91667 -> 18.33; 85000/80000 full; 32/30 full; 480 ≤ 500 full;
    # relative kept 20 (manual-review); 1000/600 = 1.67 (over-completion + unit-mismatch 场/节次) full
    # indicators 18.33+10+10+10+20+10+10 = 88.33; exec 73.5/75 = 0.98 -> 9.8; total 98.13
    expect(name, "Legacy .xls (xlwt), 一级 not merged but written once (blank below), synonyms 年初目标值/全年完成值/"
                 "权重/指标得分/偏差原因及改进措施, compound, 万, 余, 控制在…以内, 不低于上一年度",
           [ev("Sheet1", "project", 75, 73.5, 0.98, 10, 9.8, 88.33, 98.13, "优", 98.13,
               ["manual-review", "unit-mismatch", "over-completion"], 7)])


# ============================================================================ 24 program-written file, formulas cached as 0
def f24():
    import xlsxwriter
    name = "24_系统导出_2023_项目_公式缓存为0.xlsx"
    wb = xlsxwriter.Workbook(str(OUT / name)); ws = wb.add_worksheet("项目支出绩效自评表")
    def row(r, c, values):
        for i, v in enumerate(values):
            if v is None:
                continue
            if isinstance(v, str) and v.startswith("="):
                ws.write_formula(r, c + i, v)          # xlsxwriter stores a cached value of 0
            else:
                ws.write(r, c + i, v)
    ws.merge_range(0, 0, 0, 8, "项目支出绩效自评表"); ws.merge_range(1, 0, 1, 8, "（2023年度）")
    row(2, 0, ["项目名称"]); ws.merge_range(2, 1, 2, 8, "社区卫生服务能力提升")
    row(3, 0, ["主管部门", "某区卫生健康局", None, None, "实施单位", "某社区卫生服务中心"])
    ws.merge_range(4, 0, 7, 0, "项目资金（万元）")
    row(4, 1, [None, *FUNDS_HEAD])
    row(5, 1, ["年度资金总额", 40, 40, 38, 10, "=E6/D6", "=F6*MIN(G6,1)"])
    row(6, 1, ["其中：当年财政拨款", 40, 40, 38])
    row(7, 1, ["其他资金", 0, 0, 0])
    row(8, 0, ["年度总体目标", "提升社区卫生服务能力。"])
    row(9, 0, ["绩效指标", *NATIONAL_HEAD])
    inds = [["产出指标", "数量指标", "家庭医生签约人数", "≥2000人", "2150人", 30, 30],
            ["产出指标", "质量指标", "签约服务规范率", "≥95%", "97%", 20, 20],
            ["效益指标", "社会效益指标", "居民健康管理水平", "有效提升", "有效提升", 30, 30],
            ["满意度指标", "服务对象满意度指标", "签约居民满意度", "≥90%", "94%", 10, 10]]
    for i, r in enumerate(inds):
        row(10 + i, 1, r)
    row(14, 0, ["总分", None, None, None, None, None, 100, "=H6+SUM(H11:H14)"])
    wb.close()
    # 38/40 = 0.95 -> 9.5; indicators 90; total 99.5. The three formulas hold xlsxwriter's placeholder 0
    # (workbook.xml <calcPr fullCalcOnLoad="1"/>): Excel shows 95%, 9.5 and 99.5 on opening.
    expect(name, "Written by a program (xlsxwriter): 执行率/得分/总分 formulas with a placeholder cached value 0 and "
                 "fullCalcOnLoad=1 in workbook.xml",
           [ev("项目支出绩效自评表", "project", 40, 38, 0.95, 10, 9.5, 90, 99.5, "优", None, ["formula-no-cache"], 4)],
           notes="Excel/WPS recompute on open; the 0s are not what the officer reported. Treat as no cache.")


# ============================================================================ 25 department funds '合计' at the top
def f25():
    name = "25_武汉_2023_部门整体_无标题行_资金合计在上.xlsx"
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "部门整体自评"
    put(ws, 1, "A", ["单位名称", None, "武汉市某区司法局"]); merge(ws, "A1:B1", "C1:I1")
    put(ws, 2, "A", ["年度预算（万元）", None, None, "年初预算数", "全年预算数", "实际执行数", "分值", "执行率", "得分"])
    put(ws, 3, "A", [None, "合计", None, 400, 420, 399, 20, "95%", 19]); merge(ws, "B3:C3")
    put(ws, 4, "A", [None, "其中：财政拨款", None, 400, 410, 390]); merge(ws, "B4:C4")
    put(ws, 5, "A", [None, "其他资金", None, 0, 10, 9]); merge(ws, "B5:C5", "A2:A5")
    put(ws, 6, "A", ["年度总体目标", None, "深化法治宣传教育，做好法律援助。"]); merge(ws, "A6:B6", "C6:I6")
    put(ws, 7, "A", NATIONAL_HEAD)
    ind_rows(ws, 8, "A", [
        ["产出指标", "数量指标", "开展普法宣传活动", "≥60场", "65场", 20, 20],
        ["产出指标", "质量指标", "法律援助案件结案率", "≥95%", "97%", 20, 20],
        ["效益指标", "社会效益指标", "群众法治意识", "明显增强", "明显增强", 20, 20],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", 20, 20],
    ])
    put(ws, 12, "A", ["总分", None, None, None, None, 100, 99]); merge(ws, "A12:E12")
    save(wb, name)
    # 399/420 = 0.95 -> 20*0.95 = 19; indicators 80; total 99
    expect(name, "Wuhan department table with no title row (sheet named 部门整体自评, 单位名称), funds block "
                 "'年度预算（万元）' whose total row is labelled 合计 at the TOP",
           [ev("部门整体自评", "department", 420, 399, 0.95, 20, 19, 80, 99, "优", 99, [], 4)])


if __name__ == "__main__":
    for fn in (f01, f02, f03, f04, f05, f06, f07, f08, f09, f10, f11, f12, f13, f14, f15, f16, f17,
               f18, f19, f20, f21, f22, f23, f24, f25):
        fn()
    Path(__file__).with_name("expected.json").write_text(
        json.dumps(EXPECTED, ensure_ascii=False, indent=1), "utf-8")
    print(f"{len(EXPECTED)} workbooks in {OUT}")
