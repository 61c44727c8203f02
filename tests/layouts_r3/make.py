"""The third round of unseen layouts: 15 workbooks (20 tables) by a reviewer who read only the
specs; results computed by hand into expected.json. Found and fixed: "90%-95%" read as 90% and -95%;
note rows inside the indicator block read as indicators; a 总分 typed as text at the top; "3个工作日内"
read as "at least"; 财政拨款/其他资金 then 基本支出/项目支出 without group labels. Rewrite with
    .venv/bin/python tests/layouts_r3/make.py
"""
import os
import shutil
import sys
import zipfile

import openpyxl
import xlwt

sys.path.insert(0, os.path.dirname(__file__))
from grid import Sheet, render_openpyxl, render_xlwt  # noqa: E402
from builder import T, expect, I, write_round  # noqa: E402

OUT = os.path.dirname(os.path.abspath(__file__))
EXPECTED = {}

IC = dict(l0=1, l1=2, l2=3, name=4, target=5, actual=6, weight=7, score=8, reason=9)
IH = dict(l1="一级指标", l2="二级指标", name="三级指标", target="年度指标值", actual="实际完成值",
          weight="分值", score="得分", reason="偏差原因分析及改进措施")
FC = dict(blk=1, lab=(2, 3), init=4, annual=5, exec=6, weight=7, rate=8, score=9)
FH = dict(init="年初预算数", annual="全年预算数", exec="全年执行数", weight="分值", rate="执行率", score="得分")

P, B, S = "产出指标", "效益指标", "满意度指标"
SL = "服务对象满意度指标"


def save_xlsx(name, sheets):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sh in sheets:
        render_openpyxl(wb, sh)
    wb.save(os.path.join(OUT, name))


def project_table(sh, t, *, title, year_line, name, unit, impl, funds, goals, inds, exec_w,
                  total_disp, ic=IC, ih=IH, fc=FC, fh=FH, fund_blk="项目资金\n（万元）",
                  l0="绩效指标", last=9, header2=None):
    t.row((1, last, title))
    if year_line:
        t.row((1, last, year_line))
    t.row((1, "项目名称"), (2, last, name))
    t.row((1, "主管部门"), (2, 5, unit), (6, "实施单位"), (7, last, impl))
    t.funds(fund_blk, fc, dict(fh, lab=""), funds)
    t.goals("年度总体目标", 1, 2, 5, 6, last, goals[0], goals[1])
    t.indicators(ic, ih, inds, l0_label=l0, header2=header2, last_col=last)
    t.row((1, ic["weight"] - 1, "总分"), (ic["weight"], 100), (ic["score"], total_disp))


def fund_rows(total, parts, weight, rate, score):
    """total=(init, annual, exec); parts=[(label, init, annual, exec)]"""
    rows = [dict(label="年度资金总额", init=total[0], annual=total[1], exec=total[2],
                 weight=weight, rate=rate, score=score)]
    for lab, a, b, c in parts:
        rows.append(dict(label=lab, init=a, annual=b, exec=c, weight="—", score="—"))
    return rows


# =========================================================================== 01
def case01():
    fn = "01_部门整体_退役军人事务局_25项指标_年度主要任务.xlsx"
    sh = Sheet("部门整体支出绩效自评表")
    t = T(sh)
    t.row((1, 9, "部门整体支出绩效自评表"))
    t.row((1, 9, "（2024年度）"))
    t.row((1, "部门名称"), (2, 9, "武汉市洪山区退役军人事务局"))
    t.tasks("年度主要任务", 1, 2, (3, 5), [6, 7, 8], ["总额", "财政拨款", "其他资金"], [
        ("优抚对象抚恤补助", "落实重点优抚对象抚恤和生活补助政策，按季度足额发放", 1286.40, 1286.40, 0),
        ("退役军人就业创业服务", "组织退役军人适应性培训和技能培训，搭建就业对接平台", 85.00, 85.00, 0),
        ("双拥共建", "开展八一、春节走访慰问和双拥共建活动", 42.00, 42.00, 0),
        ("机关运行保障", "保障机关人员工资福利和日常运转", 612.35, 602.35, 10.00),
    ], sub_header=("预算金额（万元）", 6, 8))
    t.funds("部门整体支出\n（万元）", FC, dict(FH, lab=""), [
        dict(label="年度资金总额", init=1980.00, annual=2025.75, exec=1968.42, weight=20,
             rate="97.17%", score=19.43),
        dict(label="按收入性质分：财政拨款", init=1970.00, annual=2015.75, exec=1958.42),
        dict(label="其他资金", init=10.00, annual=10.00, exec=10.00),
        dict(label="按支出性质分：基本支出", init=600.00, annual=612.35, exec=605.12),
        dict(label="项目支出", init=1380.00, annual=1413.40, exec=1363.30),
    ])
    t.goals("年度总体目标", 1, 2, 5, 6, 9,
            "落实优抚安置政策，抚恤补助足额及时发放；开展退役军人就业创业培训；推进服务站规范化建设；营造拥军优属社会氛围。",
            "全年发放抚恤补助3268人，走访慰问526户，开展培训4期186人次，建成规范化服务站28个，各项任务基本完成。")
    inds = [
        I(P, "数量指标", "优抚对象抚恤补助发放人数", "≥3200人", "3268人", 5, 5, ("q", 3268 / 3200)),
        I(P, "数量指标", "走访慰问退役军人及家庭", "不少于500户", "526户", 3, 3, ("q", 526 / 500)),
        I(P, "数量指标", "退役军人就业技能培训", "4期、200人次", "4期、186人次", 4, 3.72,
          ("q", 186 / 200), "部分学员已提前实现就业，未参加后续培训", pos=False),
        I(P, "数量指标", "组织双拥共建活动", "10场以上", "11场", 3, 3, ("q", 1.1)),
        I(P, "数量指标", "光荣牌悬挂户数", "约1500户", "1512户", 3, 3, ("q", 1512 / 1500)),
        I(P, "数量指标", "退役军人服务站规范化建设", "近30个", "28个", 3, 2.8, ("q", 28 / 30),
          "2个社区服务站场地调整，顺延至2025年上半年"),
        I(P, "质量指标", "抚恤补助发放准确率", "100%", "100%", 3, 3, ("q", 1)),
        I(P, "质量指标", "退役军人档案数字化合格率", "≥ 98 %", "99.2%", 3, 3, ("q", 99.2 / 98)),
        I(P, "质量指标", "信访事项按期办结率", "95%以上", "96.5%", 3, 3, ("q", 96.5 / 95)),
        I(P, "质量指标", "就业推荐成功率", "不低于60%", "58%", 3, 2.9, ("q", 58 / 60),
          "部分退役军人就业意向变化，下一步加强岗位精准对接"),
        I(P, "时效指标", "抚恤金发放及时性", "每季度首月15日前", "按时发放", 3, 3, ("ql", "ok")),
        I(P, "时效指标", "信访件办理时限", "≤15个工作日", "12个工作日", 2, 2, ("q", 1)),
        I(P, "时效指标", "年度重点任务完成时间", "2024年12月31日前", "2024年12月20日", 2, 2, ("ql", "ok")),
        I(P, "成本指标", "机关运行成本", "≤612.35万元", "605.12万元", 3, 3, ("q", 1)),
        I(P, "成本指标", "公务接待费", "较上年下降", "下降12%", 2, 2, ("manual", None)),
        I(B, "社会效益指标", "退役军人权益保障水平", "有效提升", "有效提升", 4, 4, ("ql", "ok")),
        I(B, "社会效益指标", "拥军优属社会氛围", "明显增强", "明显增强", 4, 4, ("ql", "ok")),
        I(B, "社会效益指标", "退役军人就业率", "≥90%", "92.3%", 4, 4, ("q", 92.3 / 90)),
        I(B, "社会效益指标", "涉军信访积案化解率", "95%以上", "基本完成", 3, 2.2, ("ql", "part"),
          "2件积案已进入司法程序，待判决后化解", flags=["actual-not-numeric"]),
        I(B, "经济效益指标", "带动退役军人创业", "超50人", "63人", 3, 3, ("q", 63 / 50)),
        I(B, "可持续影响指标", "退役军人服务保障体系", "长效运行", "持续完善", 4, 4, ("ql", "ok")),
        I(B, "可持续影响指标", "数字化管理平台运行", "全年正常运行", "正常运行", 3, 3, ("ql", "ok")),
        I(S, SL, "优抚对象满意度", "≥95%", "98.50%", 4, 4, ("q", 98.5 / 95)),
        I(S, SL, "退役军人满意度", "≥90%", "0.965", 3, 3, ("q", 96.5 / 90)),
        I(S, SL, "社会公众满意度", "90%", "93%", 3, 3, ("q", 93 / 90)),
    ]
    t.indicators(IC, IH, inds, l0_label="年度绩效指标")
    t.row((1, 6, "总分"), (7, 100), (8, 98.05))
    save_xlsx(fn, [sh])
    EXPECTED[fn] = [expect(sh.name, "department", "武汉市洪山区退役军人事务局", None, 2024,
                           2025.75, 1968.42, 20, inds, reported_total=98.05,
                           not_flags=["fund-rows-sum", "weights-sum", "score-mismatch",
                                      "total-mismatch", "execution-rate-mismatch",
                                      "deviation-reason-missing", "budget-missing"],
                           ambiguous=["funds split twice (财政拨款+其他资金 = 基本支出+项目支出 = total); a reader summing all 4 component rows would see 2x total",
                                      "年度主要任务 block holds amounts (总额 column sums to 2025.75) above the funds block",
                                      "'0.965' actual for '≥90%' target read as 96.5%",
                                      "'超50人' read as ≥/> 50; completion 1.26 -> over-completion",
                                      "'4期、200人次' compound: min(1, 0.93)"])]


# =========================================================================== 02
def case02():
    fn = "02_部门整体_文旅局_小计行_空行_备注列_说明行.xlsx"
    sh = Sheet("部门整体绩效自评表")
    ic = dict(IC, note=10)
    ih = dict(IH, note="备注")
    fc = dict(blk=1, lab=(2, 4), init=5, annual=6, exec=7, weight=8, rate=9, score=10)
    t = T(sh)
    t.row((1, 10, "2024年度部门整体支出绩效自评表"))
    t.row((1, "部门名称"), (2, 6, "武汉市洪山区文化和旅游局"), (7, "填报日期"), (8, 10, "2025年3月15日"))
    t.funds("部门预算资金（万元）", fc, dict(init="年初预算数", annual="全年预算数", exec="实际执行数",
                                      weight="分值", rate="执行率", score="得分", lab=""), [
        dict(label="年度资金总额", init=1500.00, annual=1560.80, exec=1392.56, weight=20,
             rate="89.22%", score=17.84),
        dict(grp="按收入性质分", label="一般公共预算", init=1280.00, annual=1320.80, exec=1188.36),
        dict(grp="按收入性质分", label="政府性基金预算", init=180.00, annual=200.00, exec=172.20),
        dict(grp="按收入性质分", label="单位资金", init=40.00, annual=40.00, exec=32.00),
        dict(grp="按支出性质分", label="基本支出", init=840.00, annual=860.30, exec=851.10),
        dict(grp="按支出性质分", label="项目支出", init=660.00, annual=700.50, exec=541.46),
    ], grp_col=True)
    t.goals("年度总体目标", 1, 2, 6, 7, 10,
            "举办文化惠民演出200场以上，新增藏书2万册，做好非遗保护传承，规范旅游市场秩序。",
            "全年举办惠民演出236场，新增藏书2.3万册，开展非遗活动33场，检查旅游经营单位1286家次。")
    inds = [
        I(P, "数量指标", "组织文化惠民演出", "≥200场", "236场", 5, 5, ("q", 236 / 200), note="含线上演出18场"),
        I(P, "数量指标", "公共图书馆新增藏书", "不少于2万册", "2.3万册", 5, 5, ("q", 2.3 / 2)),
        I(P, "数量指标", "非遗项目保护传承活动", "30场以上", "33场", 4, 4, ("q", 1.1)),
        I(P, "数量指标", "文旅消费季活动", "6场", "6场", 4, 4, ("q", 1)),
        I(P, "数量指标", "旅游市场执法检查", "≥1200家次", "1,286家次", 4, 4, ("q", 1286 / 1200)),
        I(P, "质量指标", "演出活动安全责任事故", "0起", "0起", 4, 4, ("q", 1), flags=["target-zero"]),
        I(P, "质量指标", "文物安全巡查覆盖率", "100%", "100%", 4, 4, ("q", 1)),
        I(P, "质量指标", "图书借阅服务达标率", "≥95%", "97%", 4, 4, ("q", 97 / 95)),
        I(P, "时效指标", "惠民演出完成时间", "12月底前", "12月完成", 3, 3, ("ql", "ok")),
        I(P, "时效指标", "旅游投诉处理时限", "3个工作日内", "2个工作日", 3, 3, ("q", 1), pos=False),
        I(P, "成本指标", "单场演出平均成本", "≤3.5万元", "3.42万元", 3, 3, ("q", 1), pos=False),
        dict(type="sub", label="小计", w=43, s=43),
        dict(type="blank"),
        I(B, "社会效益指标", "群众文化获得感", "显著提升", "显著提升", 4, 4, ("ql", "ok")),
        I(B, "社会效益指标", "公共文化设施免费开放率", "100%", "100%", 4, 4, ("q", 1)),
        dict(type="note", l1=B, text="注：下列2项指标于2024年7月经区财政局批复调整，按调整后指标值填报"),
        I(B, "社会效益指标", "全区接待游客人次", "较上年增长5%", "增长7.2%", 4, 4, ("manual", None)),
        I(B, "社会效益指标", "旅游综合收入", "超过45亿元", "43.6亿元", 4, 3.88, ("q", 43.6 / 45),
          "受极端天气及周边城市分流影响，下一步加强文旅宣传推介"),
        I(B, "经济效益指标", "带动文旅消费", "不少于1.2亿元", "1.35亿元", 4, 4, ("q", 1.35 / 1.2)),
        I(B, "可持续影响指标", "非遗传承人队伍", "稳定", "稳定", 4, 4, ("ql", "ok")),
        I(B, "可持续影响指标", "文化志愿服务长效机制", "建立健全", "基本建立", 3, 2.2, ("ql", "part"),
          "制度文件待区政府审议印发"),
        dict(type="sub", label="小计", w=27, s=26.08),
        dict(type="blank"),
        I(S, SL, "群众满意度", "≥90%", "95.6%", 4, 4, ("q", 95.6 / 90), note="第三方调查"),
        I(S, SL, "游客满意度", "≥ 90 %", "92.00%", 2, 2, ("q", 92 / 90)),
        I(S, SL, "演出观众满意度", "95%以上", "96%", 2, 2, ("q", 96 / 95)),
        I(S, SL, "图书馆读者满意度", "不低于95%", "94%", 2, 1.98, ("q", 94 / 95), "部分场馆空调设备老化，已列入2025年维修计划"),
        dict(type="sub", label="小计", w=10, s=9.98),
    ]
    t.indicators(ic, ih, inds, l0_label="年度绩效指标", last_col=10)
    t.row((1, 6, "总分"), (7, 100), (8, 10, 96.90))
    sh.freeze = "A8"
    save_xlsx(fn, [sh])
    EXPECTED[fn] = [expect(sh.name, "department", "武汉市洪山区文化和旅游局", None, 2024,
                           1560.80, 1392.56, 20, inds, reported_total=96.90,
                           not_flags=["fund-rows-sum", "weights-sum", "score-mismatch", "total-mismatch",
                                      "placeholder-left", "execution-rate-mismatch", "deviation-reason-missing"],
                           ambiguous=["小计 rows (weight/score sums) must not be indicators; counting them doubles weights",
                                      "funds block has a merged group column 按收入性质分/按支出性质分 (3 + 2 component rows)",
                                      "'3个工作日内' read as reverse (≤3); a positive reading gives 2/3*3 = 2",
                                      "total value merged over H:J (score + 偏差原因 + 备注 columns)",
                                      "low-execution-rate severity warning (no reason text written for funds)"])]


# =========================================================================== 03
def case03():
    fn = "03_部门整体_青菱街道_总分在表头_得分带分字.xlsx"
    sh = Sheet("整体支出自评")
    t = T(sh)
    t.row((1, 9, "部门整体支出绩效自评表（2024年度）"))
    t.row((1, 3, "填报单位（盖章）：武汉市洪山区青菱街道办事处"), (5, "自评总分"), (6, "94.50"),
          (7, "自评等级"), (8, "优"))
    t.row((1, "单位名称"), (2, 9, "武汉市洪山区青菱街道办事处"))
    t.funds("年度预算\n（万元）", FC, dict(init="年初预算数", annual="全年预算数", exec="实际执行数",
                                      weight="分值", rate="执行率", score="得分", lab=""), [
        dict(label="年度资金总额", init="3,000.00", annual="3,286.50", exec="2,826.39", weight="20分",
             rate="86%", score="17.2分"),
        dict(label="其中：财政拨款", init="2,850.00", annual="3,100.00", exec="2,700.00"),
        dict(label="其他资金", init="150.00", annual="186.50", exec="126.39"),
    ])
    t.goals("年度总体目标", 1, 2, 5, 6, 9,
            "完成辖区道路清扫保洁120万平方米，开工改造老旧小区8个，做好困难群众救助和安全生产工作。",
            "完成清扫保洁120万平方米，8个老旧小区全部开工，其中6个完工；临时救助285人次。")
    inds = [
        I(P, "数量指标", "辖区道路清扫保洁面积", "≥120万平方米", "120万平方米", 5, 5, ("q", 1), sd="5分"),
        I(P, "数量指标", "开工老旧小区改造", "8个", "8个", 5, 5, ("q", 1), sd="5分"),
        I(P, "数量指标", "社区网格员培训", "不少于4期", "4期", 3.5, 3.5, ("q", 1), sd="3.5分"),
        I(P, "数量指标", "困难群众临时救助", "≥300人次", "285人次", 4, 3.8, ("q", 0.95),
          "实际申请人数减少，救助做到应救尽救", sd="3.8分"),
        I(P, "数量指标", "消防安全检查", "1000家次以上", "1,120家次", 3.5, 3.5, ("q", 1.12), sd="3.5分"),
        I(P, "质量指标", "生活垃圾分类准确率", "≥85%", "86.4%", 4, 4, ("q", 86.4 / 85), sd="4分"),
        I(P, "质量指标", "改造工程验收合格率", "100%", "100%", 4, 4, ("q", 1), sd="4分"),
        I(P, "质量指标", "救助资金发放准确率", "100%", "100%", 3, 3, ("q", 1), sd="3分"),
        I(P, "时效指标", "老旧小区改造完工时间", "2024年11月30日前", "未完成（原因见说明）", 4, 2,
          ("ql", "fail"), "2个小区因燃气管网迁改延期至2025年3月完工", sd="2分"),
        I(P, "时效指标", "救助审批时限", "＜3天", "2天", 2.5, 2.5, ("q", 1), sd="2.5分", pos=False),
        I(P, "成本指标", "保洁作业单价", "≤12元/平方米", "11.6元/平方米", 2.5, 2.5, ("q", 1), sd="2.5分", pos=False),
        I(B, "社会效益指标", "辖区人居环境", "明显改善", "明显改善", 5, 5, ("ql", "ok"), sd="5分"),
        I(B, "社会效益指标", "群众急难愁盼问题解决率", "≥90%", "91.2%", 5, 5, ("q", 91.2 / 90), sd="5分"),
        I(B, "社会效益指标", "安全生产责任事故", "0起", "0起", 4, 4, ("q", 1), sd="4分", flags=["target-zero"]),
        I(B, "生态效益指标", "空气质量优良天数", "不低于上一年度", "287天（上年281天）", 4, 4, ("manual", None), sd="4分"),
        I(B, "可持续影响指标", "网格化治理机制", "长效运行", "基本完成", 4, 3.5, ("ql", "part"),
          "部分社区网格员配备不足", sd="3.5分"),
        I(B, "可持续影响指标", "社区服务阵地运行", "良好", "良好", 3, 3, ("ql", "ok"), sd="3分"),
        I(S, SL, "辖区居民满意度", "≥90%", "93.5%", 6, 6, ("q", 93.5 / 90), sd="6分"),
        I(S, SL, "救助对象满意度", "≥95%", "0.97", 4, 4, ("q", 97 / 95), sd="4分"),
        I(S, SL, "辖区商户满意度", "90%-95%", "92%", 4, 4, ("q", 1), sd="4分"),
    ]
    t.indicators(IC, IH, inds, l0_label="年度绩效指标")
    t.row((1, 9, "说明：老旧小区改造项目延期情况已报区住更局备案。"))
    sh.widths = {1: 10, 4: 24, 9: 30}
    save_xlsx(fn, [sh])
    EXPECTED[fn] = [expect(sh.name, "department", "武汉市洪山区青菱街道办事处", None, 2024,
                           3286.50, 2826.39, 20, inds, reported_total=94.50,
                           not_flags=["fund-rows-sum", "weights-sum", "execution-rate-mismatch",
                                      "actual-not-numeric", "score-over-weight"],
                           ambiguous=["总分 only at the top (F2 '94.50' next to 自评总分); no 总分 row at the bottom",
                                      "officer's 3.5 for a 基本完成 row (w=4) is above the 部分达成 band top 3.19 -> qualitative-band; officer's total 94.50 vs computed 94.19 -> total-mismatch only if the top total is read",
                                      "'90%-95%' range target with actual 92% (inside the range) scored full",
                                      "'0.97' actual for a '≥95%' target read as 97%",
                                      "date target '2024年11月30日前' is qualitative; '未完成（原因见说明）' -> 未达成, officer's 2 stands (band [0,2.39])",
                                      "weights/scores typed as text '20分', '3.5分'; amounts '3,286.50' text"])]


# =========================================================================== 04
def p04(name, funds, goals, inds, total_disp):
    sh = Sheet(name)
    t = T(sh)
    project_table(sh, t, title="项目支出绩效自评表", year_line="（2024年度）", name=name,
                  unit="武汉市洪山区民政局", impl="武汉市洪山区民政局", funds=funds, goals=goals,
                  inds=inds, exec_w=10, total_disp=total_disp)
    return sh


def case04():
    fn = "04_项目_民政局_汇总表加三个项目表.xlsx"
    summ = Sheet("汇总")
    t = T(summ)
    t.row((1, 8, "武汉市洪山区民政局2024年度项目支出绩效自评汇总表"))
    t.row((1, "序号"), (2, "项目名称"), (3, "主管部门"), (4, "全年预算数（万元）"), (5, "全年执行数（万元）"),
          (6, "执行率"), (7, "自评得分"), (8, "自评等级"))
    t.row((1, 1), (2, "社区养老服务补贴"), (3, "武汉市洪山区民政局"), (4, 520.00), (5, 508.30), (6, "97.75%"), (7, 99.78), (8, "优"))
    t.row((1, 2), (2, "困难群众救助"), (3, "武汉市洪山区民政局"), (4, 1350.00), (5, 1350.00), (6, "100%"), (7, 99.35), (8, "优"))
    t.row((1, 3), (2, "残疾人两项补贴"), (3, "武汉市洪山区民政局"), (4, 286.40), (5, 247.10), (6, "86.28%"), (7, 95.13), (8, "优"))
    t.row((1, 3, "合计"), (4, 2156.40), (5, 2105.40), (6, "97.63%"))
    summ.widths = {2: 22, 3: 22, 4: 14, 5: 14}

    i1 = [
        I(P, "数量指标", "居家养老服务人数", "≥1500人", "1623人", 15, 15, ("q", 1623 / 1500)),
        I(P, "数量指标", "社区养老服务站点运营数量", "24个", "24个", 10, 10, ("q", 1)),
        I(P, "质量指标", "服务质量抽查合格率", "≥95%", "96.8%", 10, 10, ("q", 96.8 / 95)),
        I(P, "时效指标", "补贴资金拨付时间", "按季度拨付", "按季度拨付", 5, 5, ("ql", "ok")),
        I(P, "成本指标", "人均服务补贴标准", "≤3000元/人", "3000元/人", 10, 10, ("q", 1), pos=False),
        I(B, "社会效益指标", "老年人生活质量", "有效改善", "有效改善", 15, 15, ("ql", "ok")),
        I(B, "可持续影响指标", "社区养老服务体系", "持续完善", "持续完善", 15, 15, ("ql", "ok")),
        I(S, SL, "服务对象满意度", "≥90%", "94.2%", 10, 10, ("q", 94.2 / 90)),
    ]
    s1 = p04("社区养老服务补贴", fund_rows((480, 520.00, 508.30), [("其中：当年财政拨款", 480, 520.00, 508.30),
                                                             ("上年结转资金", 0, 0, 0), ("其他资金", 0, 0, 0)],
                                         10, "97.75%", 9.78),
             ("为1500名以上居家老人提供助餐、助洁等服务，运营24个社区养老服务站点。",
              "全年服务居家老人1623人，24个站点正常运营。"), i1, 99.78)
    i2 = [
        I(P, "数量指标", "城乡低保保障人数", "约2100人", "2036人", 20, 19.39, ("q", 2036 / 2100), "动态调整退出68人"),
        I(P, "数量指标", "临时救助人次", "≥500人次", "612人次", 10, 10, ("q", 612 / 500)),
        I(P, "质量指标", "救助资金社会化发放率", "100%", "100%", 10, 10, ("q", 1)),
        I(P, "时效指标", "救助资金发放时限", "每月10日前", "按时发放", 10, 10, ("ql", "ok")),
        I(B, "社会效益指标", "困难群众基本生活", "有效保障", "有效保障", 20, 20, ("ql", "ok")),
        I(B, "社会效益指标", "应保尽保率", "100%", "99.6%", 10, 9.96, ("q", 0.996), "部分对象家庭经济状况核对中"),
        I(S, SL, "救助对象满意度", "≥95%", "97%", 10, 10, ("q", 97 / 95)),
    ]
    s2 = p04("困难群众救助", fund_rows((1350, "1,350.00", "1,350.00"), [("其中：当年财政拨款", 1200, 1200, 1200),
                                                                 ("上年结转资金", 150, 150, 150), ("其他资金", "/", "/", "/")],
                                     10, "100%", 10),
             ("保障城乡低保对象基本生活，及时实施临时救助。", "全年保障低保对象2036人，临时救助612人次。"), i2, 99.35)
    i3 = [
        I(P, "数量指标", "困难残疾人生活补贴发放人数", "≥1800人", "1765人", 20, 19.61, ("q", 1765 / 1800), "部分对象自然减员"),
        I(P, "数量指标", "重度残疾人护理补贴发放人数", "≥1600人", "1588人", 15, 14.89, ("q", 1588 / 1600), "部分对象自然减员"),
        I(P, "质量指标", "补贴发放准确率", "100%", "100%", 10, 10, ("q", 1)),
        I(P, "时效指标", "补贴按月发放", "按月足额发放", "已完成", 5, 5, ("ql", "ok")),
        I(B, "社会效益指标", "残疾人生活水平", "稳步提高", "稳步提高", 30, 27, ("ql", "ok"), "部分重度残疾人家庭仍较困难"),
        I(S, SL, "残疾人及家属满意度", "≥90%", "92%", 10, 10, ("q", 92 / 90)),
    ]
    s3 = p04("残疾人两项补贴", fund_rows((300, 286.40, 247.10), [("其中：当年财政拨款", 300, 286.40, 247.10),
                                                          ("上年结转资金", 0, 0, 0), ("其他资金", 0, 0, 0)],
                                       10, "86.28%", 8.63),
             ("按月足额发放困难残疾人生活补贴和重度残疾人护理补贴。", "全年发放生活补贴1765人、护理补贴1588人。"), i3, 95.13)
    save_xlsx(fn, [summ, s1, s2, s3])
    amb = ["the 汇总 sheet lists projects with 项目名称/全年预算数/执行率/自评得分 columns; it is not an evaluation"]
    EXPECTED[fn] = [
        expect("社区养老服务补贴", "project", "武汉市洪山区民政局", "社区养老服务补贴", 2024, 520.00, 508.30, 10, i1,
               reported_total=99.78, not_flags=["execution-rate-mismatch", "score-mismatch", "total-mismatch"],
               ambiguous=amb + ["exec score 10*0.9775 = 9.775 -> 9.78 (half-up; binary float gives 9.77)"]),
        expect("困难群众救助", "project", "武汉市洪山区民政局", "困难群众救助", 2024, 1350.00, 1350.00, 10, i2,
               reported_total=99.35, not_flags=["fund-rows-sum", "score-mismatch", "total-mismatch"], ambiguous=amb),
        expect("残疾人两项补贴", "project", "武汉市洪山区民政局", "残疾人两项补贴", 2024, 286.40, 247.10, 10, i3,
               reported_total=95.13, not_flags=["score-mismatch", "total-mismatch", "execution-rate-mismatch"], ambiguous=amb),
    ]


# =========================================================================== 05
def case05():
    fn = "05_附表1部门整体_附表2项目_机关事务中心.xlsx"
    d = Sheet("附表1")
    ic = {k: v + 1 for k, v in IC.items()}
    fc = dict(blk=2, lab=(3, 4), init=5, annual=6, exec=7, weight=8, rate=9, score=10)
    t = T(d)
    t.row((1, "附表1"))
    t.row((2, 10, "部门整体支出绩效自评表"))
    t.row((2, 10, "（2024年度）"))
    t.row((2, "预算单位"), (3, 10, "武汉市洪山区机关事务服务中心"))
    t.funds("年度预算（万元）", fc, dict(init="年初预算数", annual="全年(调整)预算数", exec="预算执行数",
                                   weight="分值", rate="执行率", score="得分", lab=""), [
        dict(label="年度资金总额：", init=850.00, annual=865.20, exec=861.75, weight=20, rate="99.6%", score=19.92),
        dict(label="其中:财政拨款", init=825.00, annual=840.20, exec=836.75),
        dict(label="其他资金", init=25.00, annual=25.00, exec=25.00),
    ])
    t.goals("年度总体目标", 2, 3, 6, 7, 10, "保障机关办公用房、公务用车、食堂等后勤服务，推进公共机构节能。",
            "全年保障办公用房3.2万平方米，公务用车1350车次，未发生食品安全事故。")
    di = [
        I(P, "数量指标", "保障机关办公用房面积", "3.2万平方米", "3.2万平方米", 10, 10, ("q", 1)),
        I(P, "数量指标", "公务用车保障", "≥1200车次", "1350车次", 10, 10, ("q", 1350 / 1200)),
        I(P, "质量指标", "设施设备完好率", "≥98%", "98.6%", 10, 10, ("q", 98.6 / 98)),
        I(P, "质量指标", "食堂食品安全事故", "0起", "0起", 10, 10, ("q", 1), flags=["target-zero"]),
        I(P, "时效指标", "维修响应时间", "≤2小时", "1.5小时", 5, 5, ("q", 1), pos=False),
        I(P, "成本指标", "公共机构能耗支出", "控制在预算以内", "控制在预算以内", 5, 5, ("ql", "ok")),
        I(B, "生态效益指标", "节能降耗", "单位面积能耗较上年下降2%", "下降2.3%", 10, 10, ("manual", None)),
        I(B, "社会效益指标", "机关运行保障水平", "稳步提升", "稳步提升", 10, 10, ("ql", "ok")),
        I(S, SL, "机关干部职工满意度", "≥ 95 %", "96.20%", 10, 10, ("q", 96.2 / 95)),
    ]
    t.indicators(ic, {k: v for k, v in IH.items()}, di, l0_label="年度绩效指标")
    t.row((2, 7, "总分"), (8, 100), (9, 99.92))
    t.blank()
    t.row((2, 5, "填表人：王某某"), (6, 8, "联系电话：027-8xxxxxxx"))

    p = Sheet("附表2")
    t = T(p)
    t.row((1, "附表2"))
    pi = [
        I(P, "数量指标", "保障就餐人数", "每日≥600人", "每日650人", 20, 20, ("q", 650 / 600)),
        I(P, "质量指标", "食材抽检合格率", "100%", "100%", 15, 15, ("q", 1)),
        I(P, "成本指标", "食材采购成本", "≤176万元", "172.6万元", 15, 15, ("q", 1), pos=False),
        I(B, "社会效益指标", "干部职工就餐保障", "良好", "良好", 30, 30, ("ql", "ok")),
        I(S, SL, "就餐人员满意度", "≥90%", "88%", 10, 9.78, ("q", 88 / 90), "菜品种类偏少，已增加特色窗口"),
    ]
    project_table(p, t, title="项目支出绩效自评表", year_line="（2024年度）", name="机关食堂运行经费",
                  unit="武汉市洪山区机关事务服务中心", impl="武汉市洪山区机关事务服务中心",
                  funds=fund_rows((180, 180.00, 176.40), [("其中：当年财政拨款", 180, 180.00, 176.40),
                                                         ("上年结转资金", "", "", ""), ("其他资金", "", "", "")],
                                  10, "98%", 9.8),
                  goals=("保障机关食堂正常运行，每日就餐600人以上，食品安全零事故。", "每日就餐约650人，全年无食品安全事故。"),
                  inds=pi, exec_w=10, total_disp=99.58)
    note = Sheet("填报说明")
    t = T(note)
    for line in ["填报说明：", "1. 附表1为部门整体支出绩效自评表，附表2为项目支出绩效自评表。",
                 "2. 金额单位为万元，保留两位小数。", "3. 得分保留两位小数，总分100分。"]:
        t.row((1, line))
    save_xlsx(fn, [note, d, p])
    EXPECTED[fn] = [
        expect("附表1", "department", "武汉市洪山区机关事务服务中心", None, 2024, 865.20, 861.75, 20, di,
               reported_total=99.92, not_flags=["execution-rate-mismatch", "fund-rows-sum", "score-mismatch"],
               ambiguous=["table starts at B2 under an '附表1' note; unit label 预算单位; funds label 年度预算; 全年(调整)预算数/预算执行数 headers",
                          "reported 执行率 '99.6%' vs computed 99.6013% -> fine at 1 decimal",
                          "'单位面积能耗较上年下降2%' -> relative (较上年) -> manual"]),
        expect("附表2", "project", "武汉市洪山区机关事务服务中心", "机关食堂运行经费", 2024, 180.00, 176.40, 10, pi,
               reported_total=99.58, not_flags=["fund-rows-sum", "category-missing", "score-mismatch"],
               ambiguous=["'每日≥600人' operator in the middle of the cell"]),
    ]


# =========================================================================== 06
def case06():
    fn = "06_项目_教育局_Sheet1复制两次.xlsx"
    sheets, exp = [], []
    unit = "武汉市洪山区教育局"
    # Sheet1
    i1 = [
        I(P, "数量指标", "资助家庭经济困难学生", "≥4500人次", "4,862人次", 20, 20, ("q", 4862 / 4500)),
        I(P, "质量指标", "资助资金发放准确率", "100%", "100%", 10, 10, ("q", 1)),
        I(P, "时效指标", "资助资金发放时间", "2024年12月31日前", "2024年11月完成", 10, 10, ("ql", "ok")),
        I(P, "成本指标", "生均资助标准", "按政策标准执行", "已完成", 10, 10, ("ql", "ok")),
        I(B, "社会效益指标", "困难学生因贫失学辍学人数", "0人", "0人", 15, 15, ("q", 1), flags=["target-zero"]),
        I(B, "可持续影响指标", "资助政策知晓率", "≥95%", "97.3%", 15, 15, ("q", 97.3 / 95)),
        I(S, SL, "学生及家长满意度", "≥95%", "98.50%", 10, 10, ("q", 98.5 / 95)),
    ]
    s = Sheet("Sheet1")
    project_table(s, T(s), title="项目支出绩效自评表", year_line="（2024年度）", name="学生资助资金",
                  unit=unit, impl="武汉市洪山区学生资助管理中心",
                  funds=fund_rows((900, 965.00, 965.00), [("其中：当年财政拨款", 800, 800, 800),
                                                         ("上年结转资金", 100, 165, 165), ("其他资金", 0, 0, 0)],
                                  10, "100%", 10),
                  goals=("资助家庭经济困难学生4500人次以上，确保不因贫失学。", "全年资助4862人次，无因贫失学辍学。"),
                  inds=i1, exec_w=10, total_disp=100)
    sheets.append(s)
    exp.append(expect("Sheet1", "project", unit, "学生资助资金", 2024, 965.00, 965.00, 10, i1, reported_total=100,
                      not_flags=["fund-rows-sum", "score-mismatch"]))
    # Sheet1 (2)
    i2 = [
        I(P, "数量指标", "校园安保人员配备", "不少于260人", "262人", 15, 15, ("q", 262 / 260)),
        I(P, "数量指标", "视频监控系统改造学校", "35所", "18所", 15, 7.71, ("q", 18 / 35),
          "17所学校因校舍维修同步施工，改造顺延至2025年暑期"),
        I(P, "质量指标", "安全隐患整改率", "100%", "100%", 10, 10, ("q", 1)),
        I(P, "时效指标", "项目完成时限", "12月底前", "未完成（原因见说明）", 10, 4, ("ql", "fail"),
          "同上，部分学校改造顺延"),
        I(P, "成本指标", "校园安全事件发生率", "≤1%", "0.3%", 10, 10, ("q", 1), pos=False),
        I(B, "社会效益指标", "校园安全保障水平", "显著提升", "基本完成", 20, 14, ("ql", "part"), "改造未全部完成"),
        I(S, SL, "家长满意度", "95%以上", "96.4%", 10, 10, ("q", 96.4 / 95)),
    ]
    s = Sheet("Sheet1 (2)")
    project_table(s, T(s), title="项目支出绩效自评表", year_line="（2024年度）", name="中小学校园安全保障",
                  unit=unit, impl="武汉市洪山区教育局",
                  funds=fund_rows((1240, "1,240.00", "768.80"), [("其中：当年财政拨款", 1240, "1,240.00", "768.80"),
                                                                 ("上年结转资金", 0, 0, 0), ("其他资金", 0, 0, 0)],
                                  10, "62%", 6.2),
                  goals=("配齐校园安保人员，完成35所学校视频监控系统改造。", "安保人员配备262人，完成18所学校监控改造。"),
                  inds=i2, exec_w=10, total_disp=76.91)
    sheets.append(s)
    exp.append(expect("Sheet1 (2)", "project", unit, "中小学校园安全保障", 2024, 1240.00, 768.80, 10, i2,
                      reported_total=76.91, not_flags=["fund-rows-sum", "score-mismatch", "qualitative-band",
                                                       "execution-rate-mismatch"]))
    # Sheet1 (3): officer inserted a 填报单位/填报日期 line at the top
    i3 = [
        I(P, "数量指标", "教师培训人次", "≥3000人次", "3,215人次", 20, 20, ("q", 3215 / 3000)),
        I(P, "数量指标", "开设培训课程", "约120门", "126门", 10, 10, ("q", 1.05)),
        I(P, "质量指标", "培训考核合格率", "≥95%", "98.5", 10, 10, ("q", 98.5 / 95)),
        I(P, "成本指标", "人均培训成本", "≤700元", "643元", 10, 10, ("q", 1), pos=False),
        I(B, "社会效益指标", "教师专业能力", "有效提升", "有效提升", 20, 20, ("ql", "ok")),
        I(B, "可持续影响指标", "培训成果转化", "达到", "达到", 10, 10, ("ql", "ok")),
        I(S, SL, "参训教师满意度", "≥90%", "95.1%", 10, 10, ("q", 95.1 / 90)),
    ]
    s = Sheet("Sheet1 (3)")
    t = T(s)
    t.row((1, 5, "填报单位（盖章）：武汉市洪山区教育局"), (6, 9, "填报日期：2025年3月10日"))
    project_table(s, t, title="项目支出绩效自评表", year_line="（2024年度）", name="教师培训经费",
                  unit=unit, impl="武汉市洪山区教师发展中心",
                  funds=fund_rows((200, 210.00, 206.85), [("其中：当年财政拨款", 200, 210.00, 206.85),
                                                         ("上年结转资金", 0, 0, 0), ("其他资金", 0, 0, 0)],
                                  10, "98.5%", 9.85),
                  goals=("组织全区教师培训3000人次以上。", "全年培训3215人次，开设课程126门。"),
                  inds=i3, exec_w=10, total_disp=99.85)
    sheets.append(s)
    exp.append(expect("Sheet1 (3)", "project", unit, "教师培训经费", 2024, 210.00, 206.85, 10, i3, reported_total=99.85,
                      not_flags=["score-mismatch", "actual-not-numeric", "unit-mismatch"],
                      ambiguous=["year must be 2024 (（2024年度）), not 2025 from 填报日期",
                                 "target '达到' (operator word, no number) is qualitative"]))
    save_xlsx(fn, sheets)
    EXPECTED[fn] = exp


# =========================================================================== 07
def case07():
    fn = "07_项目_城管局_指标值写法大全.xlsx"
    sh = Sheet("项目支出绩效自评表")
    inds = [
        I(P, "数量指标", "道路维修面积", "超12万平方米", "12.6万平方米", 8, 8, ("q", 1.05)),
        I(P, "数量指标", "人行道修复面积", "约3.5万平方米", "3.42万平方米", 6, 5.86, ("q", 3.42 / 3.5),
          "部分路段与地铁施工交叉，顺延至2025年"),
        I(P, "数量指标", "检查井盖整治", "近800座", "812座", 4, 4, ("q", 812 / 800)),
        I(P, "质量指标", "维修工程验收合格率", "≥95%", "98.5", 5, 5, ("q", 98.5 / 95)),
        I(P, "质量指标", "城市道路完好率", "≥ 95 %", "0.965", 5, 5, ("q", 96.5 / 95)),
        I(P, "质量指标", "路面平整度达标率", "不低于95%", "98.50%", 4, 4, ("q", 98.5 / 95)),
        I(P, "质量指标", "道路巡查覆盖率", "95%以上", "93%", 4, 3.92, ("q", 93 / 95), "雨季部分路段巡查频次不足"),
        I(P, "质量指标", "维修返修率", "≤5%", "3.2%", 4, 4, ("q", 1), pos=False),
        I(P, "时效指标", "坑槽修补响应时间", "＜3天", "4天", 4, 3, ("q", 0.75), "汛期集中报修，处置能力不足", pos=False),
        I(P, "时效指标", "市民投诉办结时限", "3个工作日内", "2个工作日", 3, 3, ("q", 1), pos=False),
        I(P, "成本指标", "沥青路面维修单价", "≤220元/平方米", "214元/平方米", 3, 3, ("q", 1), pos=False),
        I(B, "社会效益指标", "主次干道维修计划完成率", "100%完成", "100%", 10, 10, ("q", 1)),
        I(B, "社会效益指标", "因道路原因引发的交通事故", "较上年下降", "下降15%", 10, 10, ("manual", None)),
        I(B, "可持续影响指标", "道路使用寿命", "延长2年以上", "延长2年", 10, 10, ("q", 1)),
        I(S, SL, "市民满意度", "≥90%", "91.5%", 10, 10, ("q", 91.5 / 90)),
    ]
    project_table(sh, T(sh), title="2024年度项目支出绩效自评表", year_line=None, name="城市道路维修养护",
                  unit="武汉市洪山区城市管理执法局", impl="洪山区市政设施维护中心",
                  funds=fund_rows((2500, "2,680.00", "2,652.30"), [("其中：当年财政拨款", 2500, 2680, 2652.30),
                                                                  ("上年结转资金", 0, 0, 0), ("其他资金", 0, 0, 0)],
                                  10, "0.9897", 9.9),
                  goals=("完成城市道路维修12万平方米以上，道路完好率95%以上。", "完成道路维修12.6万平方米，道路完好率96.5%。"),
                  inds=inds, exec_w=10, total_disp=98.68)
    save_xlsx(fn, [sh])
    EXPECTED[fn] = [expect(sh.name, "project", "武汉市洪山区城市管理执法局", "城市道路维修养护", 2024,
                           2680.00, 2652.30, 10, inds, reported_total=98.68,
                           not_flags=["execution-rate-mismatch", "score-mismatch", "total-mismatch",
                                      "over-completion", "unit-mismatch", "actual-not-numeric"],
                           ambiguous=["'＜3天' full-width < must be reverse: 3/4 -> 3 (positive reading gives 4 and over-completion 1.33)",
                                      "'3个工作日内' (内, not 以内) read as reverse",
                                      "'0.965' actual for '≥ 95 %' read as 96.5%; '98.5' bare for '≥95%' is 98.5%",
                                      "'100%完成' read as 100% positive", "reported 执行率 '0.9897' fraction vs 98.9664% -> fine",
                                      "'超12万平方米' 超 -> > or bare number; completion 1.05 either way"])]


# =========================================================================== 08
def case08():
    fn = "08_项目_文化馆_定性指标与等级.xlsx"
    sh = Sheet("项目自评表")
    inds = [
        I(P, "数量指标", "开展群众文化活动", "≥120场", "96场", 10, 8, ("q", 0.8), "文化馆场馆维修停业两个月"),
        I(P, "数量指标", "文化活动中心开放", "是", "是", 5, 5, ("ql", "ok")),
        I(P, "质量指标", "活动质量", "良好", "良好", 10, 9, ("ql", "ok")),
        I(P, "质量指标", "场馆设施安全检查", "达到", "已完成", 5, 5, ("ql", "ok")),
        I(P, "时效指标", "活动开展时间", "按期完成", "按期完成", 5, 5, ("ql", "ok")),
        I(P, "时效指标", "年度工作完成时间", "2024年12月31日前", "2024年12月31日前完成", 5, 5, ("ql", "ok")),
        I(P, "成本指标", "活动经费使用率", "90%-95%", "93%", 10, 10, ("q", 1)),
        I(B, "社会效益指标", "群众文化参与度", "明显提高", "基本完成", 10, 9, ("ql", "part"), "部分活动参与人数不及预期"),
        I(B, "社会效益指标", "文化品牌影响力", "12月底前形成品牌", "未完成（原因见说明）", 10, 7, ("ql", "fail"),
          "品牌评审推迟至2025年"),
        I(B, "可持续影响指标", "长效运营机制", "建立", "已建立", 10, 10, ("ql", "ok")),
        I(S, SL, "群众满意度", "≥90%", "良好", 10, 8, ("ql", "ok"), "问卷尚未统计完毕，按良好自评",
          flags=["actual-not-numeric"]),
    ]
    project_table(sh, T(sh), title="项目支出绩效自评表", year_line="（2024年度）", name="社区文化活动中心运营",
                  unit="武汉市洪山区文化和旅游局", impl="武汉市洪山区文化馆",
                  funds=fund_rows((150, 150.00, 150.00), [("其中：当年财政拨款", 150, 150, 150),
                                                         ("上年结转资金", "/", "/", "/"), ("其他资金", "/", "/", "/")],
                                  10, "100%", 10),
                  goals=("开展群众文化活动120场以上，形成社区文化品牌。", "开展活动96场，品牌创建工作推迟。"),
                  inds=inds, exec_w=10, total_disp=91)
    t = T(sh, sh_r := max(r for r, c in sh.cells) + 1)
    t.row((1, "自评等级"), (2, 9, "优"))
    save_xlsx(fn, [sh])
    EXPECTED[fn] = [expect(sh.name, "project", "武汉市洪山区文化和旅游局", "社区文化活动中心运营", 2024,
                           150.00, 150.00, 10, inds, reported_total=91,
                           not_flags=["fund-rows-sum", "execution-rate-mismatch", "manual-review"],
                           ambiguous=["'90%-95%' range with 93% inside -> full score assumed",
                                      "'活动质量' 良好/良好 officer 9 (<10) with no reason -> deviation-reason-missing (score stays 9, in band)",
                                      "'12月底前形成品牌' date-ish target -> qualitative; 未完成 -> 未达成, 7 clamps to 5.99",
                                      "officer total 91 (优) vs computed 88.98 (良)"])]


# =========================================================================== 09
def case09():
    fn = "09_项目_疾控中心_实际值在指标值前_序号列_冻结窗格.xlsx"
    sh = Sheet("自评表")
    ic = dict(seq=1, l1=2, l2=3, name=4, actual=5, target=6, weight=7, score=8, reason=9)
    ih = dict(seq="序号", l1="一级指标", l2="二级指标", name="三级指标", actual="实际完成值（B）",
              target="年度指标值（A）", weight="分值", score="得分", reason="偏差原因分析及改进措施")
    fc = dict(blk=2, lab=(3, 4), init=5, annual=6, exec=7, weight=8, rate=9, score=10)
    t = T(sh)
    t.row((1, 26, "武汉市洪山区卫生健康局2024年度项目支出绩效自评表"))
    t.row((1, 3, "项目名称"), (4, 10, "公共卫生应急物资储备"))
    t.row((1, 3, "主管部门"), (4, 6, "武汉市洪山区卫生健康局"), (7, "实施单位"), (8, 10, "武汉市洪山区疾病预防控制中心"))
    t.funds("项目资金（万元）", fc, dict(init="年初预算数", annual="全年预算数（A）", exec="全年执行数（B）",
                                   weight="分值", rate="执行率（B/A）", score="得分", lab=""),
            fund_rows((400, 420.00, 398.16), [("其中：当年财政拨款", 400, 420.00, 398.16), ("上年结转资金", 0, 0, 0),
                                              ("其他资金", 0, 0, 0)], 10, "94.8%", 9.48))
    sh.put(t.funds_total_row, 1, "一")
    t.goals("年度总体目标", 2, 3, 6, 7, 10, "储备应急防护物资30种以上、医用口罩50万只。", "储备物资32种、口罩52万只。")
    inds = [
        I(P, "数量指标", "储备应急防护物资品种", "≥30种", "32种", 10, 10, ("q", 32 / 30), seq=1),
        I(P, "数量指标", "储备医用口罩", "≥50万只", "52万只", 10, 10, ("q", 1.04), seq=2),
        I(P, "质量指标", "储备物资质量合格率", "100%", "100%", 10, 10, ("q", 1), seq=3),
        I(P, "时效指标", "物资补充到位时间", "6月30日前", "6月28日到位", 10, 10, ("ql", "ok"), seq=4),
        I(P, "成本指标", "储备物资采购成本", "≤420万元", "398.16万元", 10, 10, ("q", 1), seq=5, pos=False),
        I(B, "社会效益指标", "突发公共卫生事件应急保障能力", "有效提升", "有效提升", 20, 20, ("ql", "ok"), seq=6),
        I(B, "可持续影响指标", "物资轮换更新机制", "建立", "已建立", 10, 10, ("ql", "ok"), seq=7),
        I(S, SL, "医疗机构满意度", "≥90%", "88.6%", 10, 9.84, ("q", 88.6 / 90), "部分物资调拨流程繁琐，将优化申领流程", seq=8),
    ]
    t.indicators(ic, ih, inds, last_col=9)
    t.row((1, 6, "总分"), (7, 100), (8, 99.32))
    sh.freeze = "E" + str(t.ind_top + 1)
    sh.widths = {1: 5, 4: 26, 5: 14, 6: 14, 9: 30}
    save_xlsx(fn, [sh])
    EXPECTED[fn] = [expect(sh.name, "project", "武汉市洪山区卫生健康局", "公共卫生应急物资储备", 2024, 420.00, 398.16,
                           10, inds, reported_total=99.32,
                           not_flags=["score-mismatch", "execution-rate-mismatch", "total-mismatch", "over-completion",
                                      "deviation-reason-missing", "fund-rows-sum"],
                           ambiguous=["实际完成值（B） column E comes before 年度指标值（A） column F; positional reading would score 口罩 as 50/52",
                                      "title merged A1:Z1 far wider than the table; 序号 column A holds 1..8 and '一'",
                                      "indicator block has no l0 '绩效指标' column; headers start at column A with 序号",
                                      "funds block starts in column B while indicator 一级 starts in column B too"])]


# =========================================================================== 10
def case10():
    fn = "10_项目_环卫中心_隐藏列旧值_二三级合并.xlsx"
    sh = Sheet("项目支出绩效自评表")
    ic = dict(l0=1, l1=2, l2=3, name=4, target=5, old_target=6, actual=7, old_weight=8, weight=9, score=10, reason=11)
    ih = dict(l1="一级指标", l2="二级指标", name="三级指标", target="年度指标值", old_target="调整前指标值",
              actual="实际完成值", old_weight="调整前分值", weight="分值", score="得分", reason="偏差原因分析及改进措施")
    t = T(sh)
    t.row((1, 11, "项目支出绩效自评表"))
    t.row((1, 11, "（2024年度）"))
    t.row((1, "项目名称"), (2, 11, "背街小巷环境整治"))
    t.row((1, "主管部门"), (2, 6, "武汉市洪山区城市管理执法局"), (7, "实施单位"), (8, 11, "武汉市洪山区环境卫生服务中心"))
    # funds: value columns on the visible columns D E G I J K; hidden F holds the pre-adjustment budget
    t.funds("项目资金（万元）", dict(blk=1, lab=(2, 3), init=4, annual=5, exec=7, weight=9, rate=10, score=11),
            dict(init="年初预算数", annual="全年预算数", exec="全年执行数", weight="分值", rate="执行率", score="得分", lab=""),
            [dict(label="年度资金总额", init=500, annual=560.00, exec=560.00, weight=10, rate="100%", score=10),
             dict(label="其中：当年财政拨款", init=500, annual=500.00, exec=500.00),
             dict(label="上年结转资金", init=0, annual=60.00, exec=60.00),
             dict(label="其他资金", init=0, annual=0, exec=0)])
    r0 = t.funds_total_row - 1
    for i, v in enumerate(["调整前预算数", 620.00, 560.00, 60.00, 0]):
        sh.put(r0 + i, 6, v)
    t.goals("年度总体目标", 1, 2, 5, 7, 11, "整治背街小巷45条，新增垃圾收集点120个以上。", "完成整治46条，新增垃圾收集点126个。")
    inds = [
        I(P, "数量指标", "整治背街小巷", "45条", "46条", 15, 15, ("q", 46 / 45), extra=dict(old_target="50条", old_weight=10)),
        I(P, "数量指标", "新增垃圾收集点", "≥120个", "126个", 10, 10, ("q", 1.05), extra=dict(old_target="≥150个", old_weight=10)),
        I(P, "质量指标", "整治工程验收合格率", "100%", "100%", 10, 10, ("q", 1), extra=dict(old_target="100%", old_weight=10)),
        I(P, "时效指标", "整治工程完工时间", "2024年10月底前", "10月25日完工", 5, 5, ("ql", "ok"),
          extra=dict(old_target="2024年6月底前", old_weight=10)),
        I(P, "成本指标", "每公里整治成本", "≤52万元", "49.5万元", 10, 10, ("q", 1), pos=False,
          extra=dict(old_target="≤45万元", old_weight=10)),
        I(B, "社会效益指标", "市容环境", "明显改善", "明显改善", 15, 15, ("ql", "ok"), merge23=True,
          extra=dict(old_target="明显改善", old_weight=15)),
        I(B, "社会效益指标", "居民出行便利度", "有效提升", "有效提升", 15, 15, ("ql", "ok"), merge23=True,
          extra=dict(old_target="有效提升", old_weight=15)),
        I(S, SL, "沿线居民满意度", "≥90%", "92%", 10, 10, ("q", 92 / 90), merge23=True,
          extra=dict(old_target="≥95%", old_weight=10)),
    ]
    t.indicators(ic, ih, inds, l0_label="绩效指标", last_col=11)
    t.row((1, 8, "总分"), (9, 100), (10, 100))
    sh.hidden_cols = {6, 8}
    save_xlsx(fn, [sh])
    EXPECTED[fn] = [expect(sh.name, "project", "武汉市洪山区城市管理执法局", "背街小巷环境整治", 2024, 560.00, 560.00,
                           10, inds, reported_total=100,
                           not_flags=["score-mismatch", "deviation-reason-missing", "weights-sum", "fund-rows-sum",
                                      "qualitative-band", "total-mismatch"],
                           ambiguous=["hidden columns F '调整前指标值' and H '调整前分值' hold mid-year old values; visible 年度指标值/分值 are authoritative",
                                      "效益/满意度 rows have 二级+三级 merged across C:D: name is the merged text, 二级 not given",
                                      "funds block: hidden column F holds 调整前预算数 620.00 (old); visible 全年预算数 E=560.00, 全年执行数 G=560.00",
                                      "old-value reading would give 整治背街小巷 46/50 and 每公里成本 45/49.5"])]


# =========================================================================== 11
def case11():
    fn = "11_项目_人社局_两行表头_指标值分栏.xlsx"
    sh = Sheet("就业创业补贴")
    t = T(sh)
    h2 = [(0, 2, 1, 2, "一级指标"), (0, 3, 1, 3, "二级指标"), (0, 4, 1, 4, "三级指标"),
          (0, 5, 0, 6, "指标值"), (1, 5, 1, 5, "年度指标值"), (1, 6, 1, 6, "实际完成值"),
          (0, 7, 1, 7, "分值"), (0, 8, 1, 8, "得分"), (0, 9, 1, 9, "偏差原因及改进措施")]
    inds = [
        I(P, "数量指标", "发放一次性创业补贴", "≥300户", "296户", 15, 14.8, ("q", 296 / 300), "部分申请材料不全，退回补正"),
        I(P, "数量指标", "开展职业技能培训", "5场、120人次", "6场、138人次", 10, 10, ("q", 1.15), pos=False),
        I(P, "质量指标", "补贴发放准确率", "100%", "100%", 10, 10, ("q", 1)),
        I(P, "时效指标", "补贴审核办结时限", "15个工作日内", "12个工作日", 10, 10, ("q", 1), pos=False),
        I(P, "成本指标", "补贴标准", "按政策标准", "按政策标准执行", 5, 5, ("ql", "ok")),
        I(B, "社会效益指标", "带动就业人数", "不少于900人", "1,120人", 15, 15, ("q", 1120 / 900)),
        I(B, "经济效益指标", "城镇新增就业", "约1.2万人", "1.26万人", 15, 15, ("q", 1.05)),
        I(S, SL, "补贴对象满意度", "≥90%", "96%", 10, 10, ("q", 96 / 90), merge23=True),
    ]
    project_table(sh, t, title="项目支出绩效自评表", year_line="（2024年度）", name="就业创业补贴",
                  unit="武汉市洪山区人力资源和社会保障局", impl="武汉市洪山区就业服务管理局",
                  funds=fund_rows((1000, "1,024.50", "1,003.20"), [("其中：当年财政拨款", 1000, "1,024.50", "1,003.20"),
                                                                  ("上年结转资金", 0, 0, 0), ("其他资金", 0, 0, 0)],
                                  10, "97.92%", 9.79),
                  goals=("发放创业补贴300户以上，带动就业900人以上。", "发放创业补贴296户，带动就业1120人。"),
                  inds=inds, exec_w=10, total_disp=99.59, header2=h2)
    save_xlsx(fn, [sh])
    EXPECTED[fn] = [expect(sh.name, "project", "武汉市洪山区人力资源和社会保障局", "就业创业补贴", 2024, 1024.50, 1003.20,
                           10, inds, reported_total=99.59,
                           not_flags=["score-mismatch", "execution-rate-mismatch", "total-mismatch", "unit-mismatch"],
                           ambiguous=["two-row header: '指标值' spans E:F with 年度指标值/实际完成值 underneath; other headers merged over both rows",
                                      "'5场、120人次' vs '6场、138人次' compound min(1.2, 1.15) = 1.15: no over-completion (compound kind)",
                                      "'15个工作日内' reverse (positive reading 12/15 -> 8)"])]


# =========================================================================== 12 (.xls)
def case12():
    fn = "12_项目_园林局_旧版xls_分值带分字.xls"
    sh = Sheet("Sheet1")
    t = T(sh)
    ih = dict(IH, target="年度\n指标值", actual="实际\n完成值")
    inds = [
        I(P, "数量指标", "绿地养护面积", "≥350万平方米", "352万平方米", 15, 15, ("q", 352 / 350), wd="15分", sd="15分"),
        I(P, "数量指标", "补植苗木", "1.5万株", "1.38万株", 10, 9.2, ("q", 0.92), "部分补植计划调整至春季", wd="10分", sd="9.2分"),
        I(P, "质量指标", "苗木成活率", "≥95%", "96.5%", 10, 10, ("q", 96.5 / 95), wd="10分", sd="10分"),
        I(P, "时效指标", "养护作业及时率", "≥98%", "98%", 5, 5, ("q", 1), wd="5分", sd="5分"),
        I(P, "成本指标", "单位面积养护成本", "≤3.6元/平方米", "3.61元/平方米", 10, 9.97, ("q", 3.6 / 3.61),
          "人工成本上涨，下一步优化作业方式", pos=False, wd="10分", sd="9.97分"),
        I(B, "生态效益指标", "城市绿化覆盖率", "不低于上一年度", "42.3%", 15, 15, ("manual", None), wd="15分", sd="15分"),
        I(B, "社会效益指标", "市民休闲环境", "明显改善", "明显改善", 15, 14.5, ("ql", "ok"), wd="15分", sd="14.5分"),
        I(S, SL, "市民满意度", "≥90%", "91.2%", 10, 10, ("q", 91.2 / 90), wd="10分", sd="10分"),
    ]
    project_table(sh, t, title="项目支出绩效自评表", year_line="（2024年度）", name="城市绿化养护",
                  unit="219001-武汉市洪山区园林和林业局", impl="武汉市洪山区园林绿化服务中心",
                  funds=fund_rows(("1,200.00", "1,286.00", "1,270.57"),
                                  [("其中：当年财政拨款", "1,200.00", "1,286.00", "1,270.57"),
                                   ("上年结转资金", "0.00", "0.00", "0.00"), ("其他资金", "0.00", "0.00", "0.00")],
                                  "10分", "98.8%", "9.88分"),
                  goals=("养护城市绿地350万平方米以上，补植苗木1.5万株。", "养护绿地352万平方米，补植苗木1.38万株。"),
                  inds=inds, exec_w=10, total_disp="98.55", ih=ih, l0="绩 效 指 标")
    wb = xlwt.Workbook(encoding="utf-8")
    render_xlwt(wb, sh)
    wb.save(os.path.join(OUT, fn))
    EXPECTED[fn] = [expect("Sheet1", "project", "219001-武汉市洪山区园林和林业局", "城市绿化养护", 2024, 1286.00, 1270.57,
                           10, inds, reported_total=98.55,
                           not_flags=["score-mismatch", "execution-rate-mismatch", "total-mismatch", "weights-sum"],
                           ambiguous=["BIFF .xls via xlwt; every amount/weight/score is text ('1,286.00', '15分', '9.97分')",
                                      "unit carries a code '219001-' (as written); headers '年度\\n指标值', '绩 效 指 标'",
                                      "'市民休闲环境' 14.5 of 15 (in band) with no reason -> deviation-reason-missing"])]


# =========================================================================== 13 (.xlsm)
def case13():
    fn = "13_项目_大数据中心_xlsm_总额行空_一级带分值.xlsm"
    sh = Sheet("项目绩效自评")
    t = T(sh)
    P40, B40, S10 = "产出指标(40分)", "效益指标（40分）", "满意度指标(10分)"
    inds = [
        I(P40, "数量指标", "接入社区数量", "≥60个", "62个", 10, 10, ("q", 62 / 60)),
        I(P40, "数量指标", "平台功能模块", "8个", "8个", 5, 5, ("q", 1)),
        I(P40, "质量指标", "系统可用率", "≥99.5%", "99.8%", 10, 10, ("q", 99.8 / 99.5)),
        I(P40, "时效指标", "故障响应时间", "≤30分钟", "25分钟", 5, 5, ("q", 1), pos=False),
        I(P40, "成本指标", "年度运维成本", "≤300万元", "290.3万元", 10, 10, ("q", 1), pos=False),
        I(B40, "社会效益指标", "社区事务网上办理率", "≥80%", "76%", 15, 14.25, ("q", 0.95), "部分老年群体仍选择线下办理"),
        I(B40, "社会效益指标", "跨部门数据共享", "实现", "实现", 10, 10, ("ql", "ok")),
        I(B40, "可持续影响指标", "平台稳定运行", "长期", "持续运行", 10, 10, ("ql", "ok")),
        I(B40, "可持续影响指标", "数据安全事件", "0起", "0起", 5, 5, ("q", 1), flags=["target-zero"]),
        I(S10, SL, "社区工作人员满意度", "≥90%", "93%", 5, 5, ("q", 93 / 90)),
        I(S10, SL, "居民满意度", "≥85%", "88%", 5, 5, ("q", 88 / 85)),
    ]
    project_table(sh, t, title="项目支出绩效自评表", year_line="（2024年度）", name="智慧社区平台运维",
                  unit="武汉市洪山区政务服务和大数据管理局", impl="武汉市洪山区大数据中心",
                  funds=[dict(label="年度资金总额", init=300, annual=None, exec=None, weight=10, rate="96.77%", score=9.68),
                         dict(label="其中：当年财政拨款", init=260, annual=260.00, exec=251.80, weight="—", score="—"),
                         dict(label="上年结转资金", init=40, annual=40.00, exec=38.50, weight="—", score="—"),
                         dict(label="其他资金", init="/", annual="/", exec="/", weight="—", score="—")],
                  goals=("完成60个以上社区接入，系统可用率99.5%以上。", "接入社区62个，系统可用率99.8%。"),
                  inds=inds, exec_w=10, total_disp=98.93)
    path = os.path.join(OUT, fn)
    tmp = path + ".tmp.xlsx"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    render_openpyxl(wb, sh)
    wb.save(tmp)
    # rewrite the workbook content type to macro-enabled (a real .xlsm without a vbaProject part)
    with zipfile.ZipFile(tmp) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            zout.writestr(item, data)
    os.remove(tmp)
    EXPECTED[fn] = [expect(sh.name, "project", "武汉市洪山区政务服务和大数据管理局", "智慧社区平台运维", 2024, 300.00, 290.30,
                           10, inds, reported_total=98.93, flags=["fund-rows-sum"],
                           not_flags=["budget-missing", "level1-weight-mismatch", "weights-sum", "score-mismatch",
                                      "execution-rate-mismatch", "total-mismatch"],
                           ambiguous=["年度资金总额 row blank for 全年预算数/全年执行数; components 260+40 / 251.80+38.50 -> use sums, flag fund-rows-sum",
                                      "level1 labels carry weights 40/40/10 (non-default split) which match their rows",
                                      "file is a real macro-enabled package (content type macroEnabled.main) with no VBA part"])]


# =========================================================================== 14
def case14():
    fn = "14_部门整体_市场监管局_26项_一级分值不符_总分合并.xlsx"
    sh = Sheet("部门整体支出绩效自评表")
    t = T(sh)
    t.row((1, 9, "部门整体支出绩效自评表"))
    t.row((1, 9, "（2024年度）"))
    t.row((1, "部门（单位）名称"), (2, 9, "武汉市洪山区市场监督管理局"))
    t.tasks("年度主要任务", 1, 2, (3, 6), [7], ["预算金额（万元）"], [
        ("食品药品安全监管", "开展食品安全抽检、药品经营企业检查和特种设备检验", 356.40),
        ("市场秩序监管", "消费者投诉处理、价格监测、计量器具检定", 215.00),
        ("智慧监管平台", "建设运维智慧监管平台，推进信用监管", 191.00),
        ("机关运行", "保障人员经费和日常公用经费", "1,650.20"),
    ])
    t.funds("部门整体支出（万元）", FC, dict(FH, lab=""), [
        dict(label="年度资金总额", init="2,350.00", annual="2,412.60", exec="2,398.15", weight=20, rate="99.40%", score=19.88),
        dict(label="其中：财政拨款", init="2,318.00", annual="2,380.60", exec="2,366.15"),
        dict(label="其他资金", init="32.00", annual="32.00", exec="32.00"),
        dict(label="基本支出", init="1,620.00", annual="1,650.20", exec="1,648.90"),
        dict(label="项目支出", init="730.00", annual="762.40", exec="749.25"),
    ])
    t.goals("年度总体目标", 1, 2, 5, 6, 9, "守牢食品药品安全底线，规范市场秩序，优化营商环境。",
            "完成食品抽检4236批次、特种设备检验2712台，处理投诉9418件，未发生重大食品安全事故。")
    P45, B25, S10 = "产出指标（45分）", "效益指标（25分）", "满意度指标（10分）"
    inds = [
        I(P45, "数量指标", "食品安全抽检批次", "≥4000批次", "4,236批次", 5, 5, ("q", 4236 / 4000)),
        I(P45, "数量指标", "特种设备检验数量", "≥2600台", "2,712台", 4, 4, ("q", 2712 / 2600)),
        I(P45, "数量指标", "药品经营企业检查覆盖率", "100%覆盖", "100%", 3, 3, ("q", 1)),
        I(P45, "数量指标", "市场主体年报率", "≥92%", "93.6%", 2, 2, ("q", 93.6 / 92)),
        I(P45, "数量指标", "处理消费者投诉", "约9000件", "9,418件", 2, 2, ("q", 9418 / 9000)),
        I(P45, "数量指标", "价格监测点", "12个", "12个", 2, 2, ("q", 1)),
        I(P45, "数量指标", "计量器具检定", "不少于1.5万台件", "1.62万台件", 2, 2, ("q", 1.62 / 1.5)),
        I(P45, "质量指标", "抽检不合格食品核查处置率", "100%", "100%", 4, 4, ("q", 1)),
        I(P45, "质量指标", "投诉按时办结率", "≥ 98 %", "97.5%", 2.5, 2.49, ("q", 97.5 / 98), "节假日投诉集中，个别件超时"),
        I(P45, "质量指标", "行政处罚案件复议纠错率", "≤3%", "1.2%", 2, 2, ("q", 1), pos=False),
        I(P45, "质量指标", "检验报告准确率", "100%", "100%", 2, 2, ("q", 1)),
        I(P45, "时效指标", "投诉举报处理时限", "＜7个工作日", "5个工作日", 3, 3, ("q", 1), pos=False),
        I(P45, "时效指标", "企业开办时间", "1个工作日内", "0.5个工作日", 2, 2, ("q", 1), pos=False),
        I(P45, "时效指标", "年度抽检任务完成时间", "11月底前", "11月20日完成", 3.5, 3.5, ("ql", "ok")),
        I(P45, "成本指标", "单批次抽检成本", "≤1500元", "1,480元", 4, 4, ("q", 1), pos=False),
        I(P45, "成本指标", "公用经费支出", "控制在预算以内", "已控制在预算以内", 3, 3, ("ql", "ok")),
        I(B25, "社会效益指标", "食品安全状况", "总体稳定", "总体稳定", 4, 4, ("ql", "ok")),
        I(B25, "社会效益指标", "重大食品安全事故", "0起", "0起", 3, 3, ("q", 1), flags=["target-zero"]),
        I(B25, "社会效益指标", "市场主体数量增长", "较上年增长8%", "增长9.1%", 3, 3, ("manual", None)),
        I(B25, "社会效益指标", "营商环境", "持续优化", "持续优化", 3, 3, ("ql", "ok")),
        I(B25, "经济效益指标", "为消费者挽回经济损失", "超300万元", "286.5万元", 3, 2.87, ("q", 0.955), "部分调解案件仍在进行"),
        I(B25, "可持续影响指标", "智慧监管平台应用", "全覆盖", "基本完成", 4, 3, ("ql", "part"), "2个市场监管所平台对接未完成"),
        I(B25, "可持续影响指标", "信用监管机制", "建立健全", "建立健全", 4, 4, ("ql", "ok")),
        I(S10, SL, "企业满意度", "≥90%", "92.8%", 4, 4, ("q", 92.8 / 90)),
        I(S10, SL, "投诉人满意度", "90%以上", "0.912", 3, 3, ("q", 91.2 / 90)),
        I(S10, SL, "社会公众满意度", "不低于85%", "良好", 3, 2.6, ("ql", "ok"), "尚未开展第三方测评，按良好自评",
          flags=["actual-not-numeric"]),
    ]
    t.indicators(IC, dict(IH, name="指标名称", weight="权重", score="实际得分"), inds, l0_label="年度绩效指标")
    t.row((1, 6, "总分"), (7, 100), (8, 9, 98.34))
    t.row((1, 6, "自评等级"), (7, 9, "优"))
    sh.freeze = "E3"
    save_xlsx(fn, [sh])
    EXPECTED[fn] = [expect(sh.name, "department", "武汉市洪山区市场监督管理局", None, 2024, 2412.60, 2398.15, 20, inds,
                           reported_total=98.34, flags=["level1-weight-mismatch"],
                           not_flags=["fund-rows-sum", "weights-sum", "score-mismatch", "total-mismatch",
                                      "execution-rate-mismatch", "deviation-reason-missing"],
                           ambiguous=["一级 labels say 45/25 but rows sum to 46/24 -> level1-weight-mismatch twice; total weights still 100",
                                      "funds rows: 其中：财政拨款 + 其他资金 and 基本支出 + 项目支出 both sum to the total (no group label)",
                                      "年度主要任务 block with a single 预算金额（万元） column including '1,650.20'",
                                      "'超300万元' 286.5 -> 0.955*3 = 2.865 -> 2.87 half-up",
                                      "headers 指标名称 / 权重 / 实际得分 synonyms"])]


# =========================================================================== 15
def case15():
    fn = "15_项目_团区委_序号_占位行_说明行_评价结论.xlsx"
    sh = Sheet("青年创新创业服务")
    ic = dict(seq=1, l0=2, l1=3, l2=4, name=5, target=6, actual=7, weight=8, score=9, reason=10, note=11)
    ih = dict(seq="序号", l1="一级指标", l2="二级指标", name="三级指标", target="年度指标值", actual="实际完成值",
              weight="分值", score="得分", reason="偏差原因分析及改进措施", note="备注")
    fc = dict(blk=2, lab=(3, 5), init=6, annual=7, exec=8, weight=9, rate=10, score=11)
    t = T(sh)
    t.row((1, "附件3"))
    t.row((1, 11, "项目支出绩效自评表"))
    t.row((1, 11, "（2024年度）"))
    t.row((1, "一"), (2, "项目名称"), (3, 11, "青年创新创业服务"))
    t.row((2, "主管部门"), (3, 6, "共青团武汉市洪山区委员会"), (7, "实施单位"), (8, 11, "共青团武汉市洪山区委员会"))
    t.funds("项目资金（万元）", fc, dict(FH, lab=""),
            fund_rows((340.5, 344.18, 342.03), [("其中：当年财政拨款", 340.5, 344.18, 342.03), ("上年结转资金", "", "", ""),
                                                ("其他资金", "", "", "")], 10, "0.9938", "9.94分"))
    t.goals("年度总体目标", 2, 3, 7, 8, 11,
            "组织创业就业培训5场、120人次，新增青创贷款申报不少于300个；开展暑期托管活动600场，服务青少年15000人次以上。",
            "组织创业培训5场、培训120人次，新增青创贷申报616个；开展课程活动1000余节次，服务青少年46800人次。")
    inds = [
        I(P, "数量指标", "组织创业就业培训", "5场、120人次", "5场、120人次", 10, 10, ("q", 1), seq=1, sd="10分", pos=False),
        I(P, "数量指标", "新增青创贷款申报数", "不少于300个", "616个", 10, 10, ("q", 616 / 300), seq=2, sd="10分"),
        I(P, "数量指标", "开展暑期托管活动", "600场", "1000余节次", 10, 10, ("q", 1000 / 600), seq=3, sd="10分",
          flags=["unit-mismatch"], note="节次与场次口径不同"),
        dict(type="ph", l1=P, l2="数量指标", name="指标4:"),
        I(P, "质量指标", "培训合格率", "≥95%", "97%", 5, 5, ("q", 97 / 95), seq=4, sd="5分"),
        I(P, "时效指标", "活动按时开展率", "100%", "100%", 5, 5, ("q", 1), seq=5, sd="5分"),
        I(P, "成本指标", "人均培训成本", "≤500元", "486元", 10, 10, ("q", 1), seq=6, sd="10分", pos=False),
        dict(type="note", l1=B, text="（以下效益指标依据团区委2024年工作总结填报）"),
        I(B, "社会效益指标", "志愿服务总时长", "8万小时以上", "7.6万小时", 10, 9.5, ("q", 0.95), "部分户外活动受天气影响取消",
          seq=7, sd="9.5分"),
        I(B, "社会效益指标", "服务青少年人次", "15000人次以上", "46,800人次", 10, 10, ("q", 46800 / 15000), seq=8, sd="10分"),
        dict(type="ph", l1=B, l2="生态效益指标", name="/", target="/", actual="/"),
        I(B, "可持续影响指标", "青创贷审批金额", "不低于上一年度", "3659.5万元", 10, 10, ("manual", None), seq=9, sd="10分"),
        I(S, SL, "青年满意度", "≥90%", "95%", 10, 10, ("q", 95 / 90), seq=10, sd="10分"),
    ]
    t.indicators(ic, ih, inds, l0_label="绩效指标", last_col=11)
    t.row((2, 7, "总分"), (8, 100), (9, "99.44分"))
    t.row((2, "评价结论"), (3, 11, "项目总体完成较好，自评等级为优。"))
    t.row((2, "存在问题"), (3, 11, "部分户外活动受天气影响取消，志愿服务时长略低于目标。"))
    t.row((2, "改进措施"), (3, 11, "提前制定雨天备选方案，拓展室内志愿服务项目。"))
    save_xlsx(fn, [sh])
    EXPECTED[fn] = [expect(sh.name, "project", "共青团武汉市洪山区委员会", "青年创新创业服务", 2024, 344.18, 342.03, 10, inds,
                           reported_total=99.44,
                           not_flags=["placeholder-left", "score-mismatch", "execution-rate-mismatch", "total-mismatch",
                                      "category-missing"],
                           ambiguous=["placeholder rows '指标4:' and '/' 生态效益指标 carry no weight: not indicators, no flag",
                                      "explanation row merged across D:K inside the indicator block (一级 merged over it)",
                                      "seq column A with '一' on the 项目名称 row; table under '附件3' note",
                                      "'8万小时以上' vs '7.6万小时': 万 multiplies both sides -> 0.95",
                                      "'600场' vs '1000余节次' -> unit-mismatch, completion 1.67 -> over-completion (spec scores on the numbers)",
                                      "exec score 10*0.993753 = 9.94; reported rate '0.9938' fraction"])]


def main():
    write_round(OUT, (case01, case02, case03, case04, case05, case06, case07, case08, case09, case10,
                      case11, case12, case13, case14, case15), EXPECTED)


if __name__ == "__main__":
    main()
