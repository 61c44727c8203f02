#!/usr/bin/env python3
"""The second round of unseen layouts: 20 workbooks written by an independent reviewer who had
read only the specs (not xlsproc's code, tests or samples), with results computed by hand in
expected.json. Two of them found bugs (满分 as the weight header; a 年度资金总额 row of amounts
typed as text taken for a sub-header), fixed since.

    .venv/bin/python tests/layouts_r2/make_layouts.py     # rewrites the workbooks beside it
"""
import os
import openpyxl
from openpyxl.styles import Alignment
import xlwt

OUT = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- writers
class F(str):
    """A real formula.  Plain strings that start with '=' (e.g. a target typed as '=100%') are written
    as literal text, as an officer's cell holding the text =100% would be."""


class XW:
    """openpyxl sheet writer, 1-based rows/cols."""

    def __init__(self, ws):
        self.ws = ws

    def set(self, r, c, v, fmt=None):
        if v is None:
            return
        cell = self.ws.cell(row=r, column=c, value=v)
        if isinstance(v, str) and v.startswith("=") and not isinstance(v, F):
            cell.data_type = "s"
        if isinstance(v, str) and "\n" in v:
            cell.alignment = Alignment(wrap_text=True)
        if fmt:
            cell.number_format = fmt

    def merge(self, r1, c1, r2, c2, v=None, fmt=None):
        self.set(r1, c1, v, fmt)
        if (r1, c1) != (r2, c2):
            self.ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


class XLW:
    """xlwt sheet writer, 1-based rows/cols."""

    def __init__(self, ws):
        self.ws = ws

    def set(self, r, c, v, fmt=None):
        if v is None:
            return
        if fmt:
            st = xlwt.XFStyle()
            st.num_format_str = fmt
            self.ws.write(r - 1, c - 1, v, st)
        else:
            self.ws.write(r - 1, c - 1, v)

    def merge(self, r1, c1, r2, c2, v=None, fmt=None):
        if (r1, c1) == (r2, c2):
            self.set(r1, c1, v, fmt)
        else:
            self.ws.write_merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1, "" if v is None else v)


def write_indicators(w, r0, c_l1, rows, cols, merge_levels=True):
    """rows: list of dicts with l1,l2,name,target,actual,weight,score,reason.
    cols: dict field -> column.  l1/l2 merged over consecutive equal values."""
    n = len(rows)
    for i, row in enumerate(rows):
        r = r0 + i
        for f, c in cols.items():
            if f in ("l1", "l2"):
                continue
            w.set(r, c, row.get(f))
    for lvl in ("l1", "l2"):
        if lvl not in cols:
            continue
        c = cols[lvl]
        i = 0
        while i < n:
            j = i
            key = rows[i][lvl] if lvl == "l1" else (rows[i]["l1"], rows[i][lvl])
            while j + 1 < n and (rows[j + 1][lvl] if lvl == "l1" else (rows[j + 1]["l1"], rows[j + 1][lvl])) == key:
                j += 1
            if merge_levels:
                w.merge(r0 + i, c, r0 + j, c, rows[i][lvl])
            else:
                w.set(r0 + i, c, rows[i][lvl])
            i = j + 1
    return r0 + n


def I(l1, l2, name, target, actual, weight, score=None, reason=None, **kw):
    d = dict(l1=l1, l2=l2, name=name, target=target, actual=actual, weight=weight, score=score, reason=reason)
    d.update(kw)
    return d


def national_project(w, r, c, meta, funds, inds, total, goal=("完成年度目标", "已完成年度目标")):
    """National 2020 project layout with its top-left at (r, c).  Returns next free row.
    funds: list of (label, initial, annual, executed, weight, rate, score)."""
    C = lambda k: c + k  # noqa: E731
    w.merge(r, C(0), r, C(8), "项目支出绩效自评表")
    w.merge(r + 1, C(0), r + 1, C(8), meta["year_line"])
    w.set(r + 2, C(0), "项目名称")
    w.merge(r + 2, C(1), r + 2, C(8), meta["project"])
    w.set(r + 3, C(0), "主管部门")
    w.merge(r + 3, C(1), r + 3, C(4), meta["dept"])
    w.set(r + 3, C(5), "实施单位")
    w.merge(r + 3, C(6), r + 3, C(8), meta["impl"])
    fr = r + 4
    w.merge(fr, C(0), fr + len(funds), C(0), "项目资金\n（万元）")
    for k, h in enumerate(["", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]):
        if h:
            w.set(fr, C(1 + k), h)
    for i, f in enumerate(funds):
        for k, v in enumerate(f):
            w.set(fr + 1 + i, C(1 + k), v)
    gr = fr + len(funds) + 1
    w.merge(gr, C(0), gr + 1, C(0), "年度总体目标")
    w.merge(gr, C(1), gr, C(4), "预期目标")
    w.merge(gr, C(5), gr, C(8), "实际完成情况")
    w.merge(gr + 1, C(1), gr + 1, C(4), goal[0])
    w.merge(gr + 1, C(5), gr + 1, C(8), goal[1])
    hr = gr + 2
    w.merge(hr, C(0), hr + len(inds), C(0), "绩效指标")
    for k, h in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                           "偏差原因分析及改进措施"]):
        w.set(hr, C(1 + k), h)
    cols = dict(l1=C(1), l2=C(2), name=C(3), target=C(4), actual=C(5), weight=C(6), score=C(7), reason=C(8))
    nr = write_indicators(w, hr + 1, C(1), inds, cols)
    w.merge(nr, C(0), nr, C(5), "总分")
    w.set(nr, C(6), 100)
    w.set(nr, C(7), total)
    return nr + 1


def save_xlsx(wb, name):
    p = os.path.join(OUT, name)
    wb.save(p)
    return p


# ================================================================ case 01
def c01():
    """Wuhan department table from the seed: 填表说明 sheet first, real one named Sheet1 starting at B3
    under 附件3, 执行情况(20分)/年度绩效指标(80分), spaced / line-broken labels, 一级 with (N分)."""
    wb = openpyxl.Workbook()
    s0 = wb.active
    s0.title = "填表说明"
    for i, t in enumerate([
        "填表说明",
        "1. 全年预算数、实际执行数以万元为单位，保留两位小数。",
        "2. 执行情况分值20分，得分=分值×执行率；年度绩效指标分值80分。",
        "3. 年度指标值、实际完成值请填写具体数值及单位；得分保留两位小数。",
        "4. 偏差原因分析及改进措施：未完成指标必须填写。",
    ], 1):
        s0.cell(row=i, column=1, value=t)
    ws = wb.create_sheet("Sheet1")
    w = XW(ws)
    w.set(1, 1, "附件3")
    w.merge(3, 2, 3, 10, "2024年度部门整体支出绩效自评表")
    w.set(4, 2, "部门名称")
    w.merge(4, 3, 4, 10, "共青团武汉市洪山区委员会")
    w.merge(5, 2, 8, 2, "执行情况\n（20分）")
    for k, h in enumerate(["", "年初预算数", "全年预算数", "实际执行数", "分值", "执行率", "得分"]):
        if h:
            w.set(5, 3 + k, h)
    w.set(6, 3, "年度资金总额：")
    for k, v in enumerate([340.5, 344.18, 342.03, 20, "99.38%", 19.88]):
        w.set(6, 4 + k, v)
    w.set(7, 3, "其中：财政拨款")
    for k, v in enumerate([340.5, 344.18, 342.03, "—", None, "—"]):
        w.set(7, 4 + k, v)
    w.set(8, 3, "其他资金")
    for k, v in enumerate([0, 0, 0, "—", None, "—"]):
        w.set(8, 4 + k, v)
    w.merge(9, 2, 10, 2, "年度\n总体\n目标")
    w.merge(9, 3, 9, 6, "预期目标")
    w.merge(9, 7, 9, 10, "实际完成情况")
    w.merge(10, 3, 10, 6, "组织创业就业培训、开展暑期托管、志愿服务、青年主题活动……")
    w.merge(10, 7, 10, 10, "已完成全年绩效目标。")
    inds = [
        I("产出指标（60分）", "数量指标", "组织创业就业培训", "5场、120人次", "5场、120人次", 10, 10),
        I("产出指标（60分）", "数量指标", "新增青创贷款申报数", "不少于300个", "616个", 10, 10),
        I("产出指标（60分）", "数量指标", "暑期托管活动", "600场", "1000余节次", 10, 10),
        I("产出指标（60分）", "数量指标", "青年主题活动和青少年心理辅导活动", "不少于10场", "28场", 10, 10),
        I("产出指标（60分）", "质量指标", "培训团干部人数", "不少于50人", "54人", 10, 10),
        I("产出指标（60分）", "质量指标", "“洪山共青团”微信公众号办刊期数", "200期以上", "303期", 10, 10),
        I("效益指标（20分）", "社会效益指标", "志愿服务总时长", "8万小时以上", "8万小时", 10, 10),
        I("效益指标（20分）", "社会效益指标", "“青创贷”审批金额", "不低于上一年度", "3659.5万元", 10, 10),
    ]
    w.merge(11, 2, 11 + len(inds), 2, "年度绩效指标\n（80分）")
    for k, h in enumerate(["一级指标", "二级指标", "三 级 指 标", "年度\n指标值", "实际\n完成值", "分 值", "得 分",
                           "偏差原因分析及改进措施"]):
        w.set(11, 3 + k, h)
    cols = dict(l1=3, l2=4, name=5, target=6, actual=7, weight=8, score=9, reason=10)
    nr = write_indicators(w, 12, 3, inds, cols)
    w.merge(nr, 2, nr, 7, "总分")
    w.set(nr, 8, 100)
    w.set(nr, 9, 99.88)
    return save_xlsx(wb, "c01_hongshan_dept_B3_instructions.xlsx")


# ================================================================ case 02
def c02():
    """Department table, Sichuan/Chengdu district, funds split 按收入性质分 / 按支出性质分 (each group sums to
    the total), no 年初预算数 column, execution weight 10 on the total row, qualitative score outside band."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "部门整体支出绩效自评表"
    w = XW(ws)
    w.merge(1, 1, 1, 9, "部门整体支出绩效自评表")
    w.merge(2, 1, 2, 9, "（2023年度）")
    w.set(3, 1, "部门名称")
    w.merge(3, 2, 3, 9, "成都市武侯区政务服务管理和网络理政办公室")
    funds = [
        ("年度资金总额", 1250.60, 1180.35, 10, "94.38%", 9.44),
        ("按收入性质分：", None, None, None, None, None),
        ("一般公共预算", 1100.60, 1050.35, None, None, None),
        ("政府性基金预算", 100.00, 90.00, None, None, None),
        ("国有资本经营预算", 0, 0, None, None, None),
        ("财政专户管理资金", 0, 0, None, None, None),
        ("单位资金", 50.00, 40.00, None, None, None),
        ("按支出性质分：", None, None, None, None, None),
        ("基本支出", 850.60, 845.35, None, None, None),
        ("项目支出", 400.00, 335.00, None, None, None),
    ]
    w.merge(4, 1, 4 + len(funds), 1, "部门预算资金\n（万元）")
    for k, h in enumerate(["项目", "全年预算数", "全年执行数", "分值", "执行率", "得分"]):
        w.set(4, 2 + k, h)
    for i, f in enumerate(funds):
        for k, v in enumerate(f):
            w.set(5 + i, 2 + k, v, "0.00" if isinstance(v, float) else None)
    gr = 5 + len(funds)  # 15
    w.merge(gr, 1, gr + 1, 1, "年度总体目标")
    w.merge(gr, 2, gr, 5, "预期目标")
    w.merge(gr, 6, gr, 9, "实际完成情况")
    w.merge(gr + 1, 2, gr + 1, 5, "优化营商环境，提升政务服务效能")
    w.merge(gr + 1, 6, gr + 1, 9, "基本完成年度目标")
    hr = gr + 2
    inds = [
        I("产出指标", "数量指标", "办理行政审批服务事项", "≥1200件", "1140件", 20, 19,
          "业务量回落，申请量低于预期"),
        I("产出指标", "质量指标", "审批事项按时办结率", "=100%", "98%", 15, 14.7, "个别事项因材料补正超期"),
        I("产出指标", "时效指标", "年度部门预算公开", "2023年3月底前完成", "按时完成", 10, 10),
        I("产出指标", "成本指标", "公用经费支出", "≤85万元", "82.6万元", 15, 15),
        I("效益指标", "社会效益指标", "群众办事便利度", "有效提升", "基本实现", 10, 9, "部分事项尚未实现全程网办"),
        I("效益指标", "可持续影响指标", "政务服务信息系统运行", "稳定运行", "系统全年稳定运行", 10, 10),
        I("满意度指标", "服务对象满意度指标", "办事群众满意度", "≥90%", "93%", 10, 10),
    ]
    w.merge(hr, 1, hr + len(inds), 1, "绩效指标")
    for k, h in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                           "偏差原因分析及改进措施"]):
        w.set(hr, 2 + k, h)
    nr = write_indicators(w, hr + 1, 2, inds,
                          dict(l1=2, l2=3, name=4, target=5, actual=6, weight=7, score=8, reason=9))
    w.merge(nr, 1, nr, 6, "总分")
    w.set(nr, 7, 100)
    w.set(nr, 8, 97.14)
    return save_xlsx(wb, "c02_dept_split_income_expense.xlsx")


# ================================================================ case 03
def c03():
    """Sichuan 2023 部门预算项目支出绩效自评表: 指标性质 / 度量单位 columns, 预算执行情况(10分) block with
    年初预算 / 调整后预算数 / 预算执行数 / 预算执行率 / 权重, rows 总额 / 其中:财政资金 ..., 合计 row and
    评价结论 / 存在问题 / 改进措施 rows at the bottom."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目支出绩效自评表"
    w = XW(ws)
    w.merge(1, 1, 1, 11, "部门预算项目支出绩效自评表")
    w.merge(2, 1, 2, 11, "（2023年度）")
    w.set(3, 1, "项目名称")
    w.merge(3, 2, 3, 11, "2023年农村义务教育学生营养改善计划")
    w.set(4, 1, "主管部门")
    w.merge(4, 2, 4, 5, "蒲江县教育局")
    w.set(4, 6, "实施单位")
    w.merge(4, 7, 4, 11, "蒲江县教育局")
    w.merge(5, 1, 10, 1, "预算执行情况(10分)")
    for k, h in enumerate(["", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分"]):
        if h:
            w.set(5, 2 + k, h)
    w.merge(5, 9, 5, 11, "原因")
    funds = [
        ("总额", 800, 760, 684, "90%", 10, 9),
        ("其中:财政资金", 740, 700, 630, None, None, None),
        ("财政专户管理资金", 0, 0, 0, None, None, None),
        ("单位资金", 0, 0, 0, None, None, None),
        ("其他资金", 60, 60, 54, None, None, None),
    ]
    for i, f in enumerate(funds):
        for k, v in enumerate(f):
            w.set(6 + i, 2 + k, v)
        w.merge(6 + i, 9, 6 + i, 11, None)
    w.merge(11, 1, 12, 1, "年度总体目标")
    w.merge(11, 2, 11, 6, "预期目标")
    w.merge(11, 7, 11, 11, "实际完成情况")
    w.merge(12, 2, 12, 6, "保障农村义务教育学生营养膳食补助")
    w.merge(12, 7, 12, 11, "基本完成")
    inds = [
        I("产出指标", "数量指标", "受益学生人数", "12000", "12350", 20, 20, op="≥", unit="人"),
        I("产出指标", "数量指标", "供餐天数", "180", "176", 10, 9.78, "学校调整校历，实际在校天数减少", op="≥", unit="天"),
        I("产出指标", "质量指标", "食品安全事故发生数", "0", "0", 10, 10, op="≤", unit="起"),
        I("产出指标", "时效指标", "资金拨付及时率", "95", "100", 10, 10, op="≥", unit="%"),
        I("产出指标", "成本指标", "生均每天补助标准", "5", "5", 10, 10, op="=", unit="元"),
        I("效益指标", "社会效益指标", "学生营养健康状况", "有效改善", "有效改善", 10, 10, op="定性", unit=None),
        I("效益指标", "可持续影响指标", "营养改善长效机制", "健全", "部分达成", 10, 7, "部分学校食堂管理制度有待完善",
          op="定性", unit=None),
        I("满意度指标", "服务对象满意度指标", "学生家长满意度", "90", "95", 10, 10, op="≥", unit="%"),
    ]
    hr = 13
    w.merge(hr, 1, hr + len(inds), 1, "绩效指标")
    for k, h in enumerate(["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重",
                           "得分", "未完成原因分析"]):
        w.set(hr, 2 + k, h)
    nr = write_indicators(w, hr + 1, 2, inds, dict(l1=2, l2=3, name=4, op=5, target=6, unit=7, actual=8,
                                                   weight=9, score=10, reason=11))
    w.merge(nr, 1, nr, 8, "合计")
    w.set(nr, 9, 100)
    w.set(nr, 10, 95.78)
    for k, (a, b) in enumerate([("评价结论", "优"), ("存在问题", "部分学校供餐天数不足，食堂管理制度有待完善。"),
                                ("改进措施", "加强资金监管，完善食堂管理制度。")]):
        w.set(nr + 1 + k, 1, a)
        w.merge(nr + 1 + k, 2, nr + 1 + k, 11, b)
    return save_xlsx(wb, "c03_sichuan_operator_unit_columns.xlsx")


# ================================================================ case 04
def c04():
    """Legacy BIFF .xls (xlwt), sheet Sheet1, national layout; money and indicator values typed with
    full-width digits / ％ / ， as an IME in full-width mode produces."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    w = XLW(ws)
    meta = dict(year_line="（2024年度）", project="社区居家养老服务补贴", dept="樊城区民政局",
                impl="樊城区养老服务指导中心")
    funds = [
        ("年度资金总额", "１５０．００", "１６２．５０", "１５８．３０", 10, "97.42%", 9.74),
        ("其中：当年财政拨款", 150, 150, 146.3, "—", None, "—"),
        ("上年结转资金", 0, 12.5, 12.0, "—", None, "—"),
        ("其他资金", 0, 0, 0, "—", None, "—"),
    ]
    inds = [
        I("产出指标", "数量指标", "服务老年人数", "≥１２００人次", "１，３２０人次", 20, 20),
        I("产出指标", "数量指标", "上门服务次数", "不少于5000次", "4,800次", 10, 9.6, "部分老人住院，服务暂停"),
        I("产出指标", "质量指标", "服务合格率", "≥９５％", "９８％", 10, 10),
        I("产出指标", "时效指标", "补贴发放及时性", "按月发放", "按月足额发放", 10, 10),
        I("效益指标", "社会效益指标", "老年人生活质量", "有效提升", "明显提升", 20, 18, None),
        I("效益指标", "可持续影响指标", "居家养老服务长效机制", "长期", "长期", 10, 10),
        I("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", "96.5%", 10, 10),
    ]
    national_project(w, 1, 1, meta, funds, inds, 97.34)
    p = os.path.join(OUT, "c04_legacy_biff_fullwidth.xls")
    wb.save(p)
    return p


# ================================================================ case 05
def c05():
    """Two project tables stacked on ONE sheet, separated by a 注 / 填报人 note block and blank rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目自评表"
    w = XW(ws)
    metaA = dict(year_line="（2024年度）", project="2024年城乡环境综合整治", dept="青山区城市管理执法局",
                 impl="青山区环境卫生服务中心")
    fundsA = [
        ("年度资金总额", 200, 200, 200, 10, "100%", 10),
        ("其中：当年财政拨款", 200, 200, 200, "—", None, "—"),
        ("上年结转资金", 0, 0, 0, "—", None, "—"),
        ("其他资金", 0, 0, 0, "—", None, "—"),
    ]
    indsA = [
        I("产出指标", "数量指标", "生活垃圾清运量", "≥3000吨", "3650吨", 30, 30),
        I("产出指标", "质量指标", "道路清扫保洁达标率", "≥95%", "96%", 20, 20),
        I("效益指标", "生态效益指标", "城乡人居环境", "明显改善", "明显改善", 20, 20),
        I("满意度指标", "服务对象满意度指标", "居民满意度", "≥85%", "88%", 20, 20),
    ]
    r = national_project(w, 1, 1, metaA, fundsA, indsA, 100)
    w.merge(r, 1, r, 9, "注：1.金额单位为万元。2.本表由项目实施单位填报，主管部门审核。")
    w.merge(r + 1, 1, r + 1, 9, "填报人：王某某        联系电话：027-86xxxxxx        审核人：李某某")
    metaB = dict(year_line="（2024年度）", project="2024年老旧小区加装电梯补助", dept="青山区住房保障和房屋管理局",
                 impl="青山区住房保障和房屋管理局")
    fundsB = [
        ("年度资金总额", 100, 120, 84, 10, "70%", 7),
        ("其中：当年财政拨款", 100, 100, 74, "—", None, "—"),
        ("上年结转资金", 0, 20, 10, "—", None, "—"),
        ("其他资金", 0, 0, 0, "—", None, "—"),
    ]
    indsB = [
        I("产出指标", "数量指标", "加装电梯数量", "≥20部", "14部", 40, 28, "部分小区居民意见未统一，项目延后"),
        I("产出指标", "时效指标", "项目完工时间", "2024年12月底前完成", "部分完工", 20, 15, "6部电梯尚在施工"),
        I("效益指标", "社会效益指标", "居民出行便利程度", "有效提升", "有效提升", 20, 20),
        I("满意度指标", "服务对象满意度指标", "居民满意度", "≥90%", "92%", 10, 10),
    ]
    r = national_project(w, r + 4, 1, metaB, fundsB, indsB, 80)
    w.merge(r, 1, r, 9, "注：1.金额单位为万元。2.本表由项目实施单位填报，主管部门审核。")
    return save_xlsx(wb, "c05_two_projects_one_sheet.xlsx")


# ================================================================ case 06
def c06():
    """One workbook: 填表说明 sheet, department sheet (no 分值 column in the funds block, 一级 weights in
    labels, a blank actual), one project sheet, and a HIDDEN 下拉选项 list sheet."""
    wb = openpyxl.Workbook()
    s0 = wb.active
    s0.title = "填表说明"
    for i, t in enumerate(["填表说明：", "一、部门整体支出绩效自评表：执行情况20分，按执行率计分；",
                           "二、项目支出绩效自评表：预算执行率10分，产出50分，效益30分，满意度10分；",
                           "三、得分、总分保留两位小数。"], 1):
        s0.cell(row=i, column=1, value=t)
    # --- department sheet
    ws = wb.create_sheet("部门整体")
    w = XW(ws)
    w.merge(1, 1, 1, 9, "江夏区司法局2024年度部门整体支出绩效自评表")
    w.set(2, 1, "部门名称")
    w.merge(2, 2, 2, 9, "江夏区司法局")
    w.merge(3, 1, 6, 1, "年度预算\n（万元）")
    for k, h in enumerate(["", "年初预算数", "全年预算数", "全年执行数", "执行率", "得分"]):
        if h:
            w.set(3, 2 + k, h)
    for i, f in enumerate([("年度资金总额", 520, 560, 532, "95%", 19),
                           ("其中：财政拨款", 500, 540, 514, None, None),
                           ("其他资金", 20, 20, 18, None, None)]):
        for k, v in enumerate(f):
            w.set(4 + i, 2 + k, v)
    w.merge(7, 1, 8, 1, "年度总体目标")
    w.merge(7, 2, 7, 5, "预期目标")
    w.merge(7, 6, 7, 9, "实际完成情况")
    w.merge(8, 2, 8, 5, "推进法治政府建设，做好法律援助、人民调解、社区矫正工作")
    w.merge(8, 6, 8, 9, "基本完成")
    inds = [
        I("产出指标（50分）", "数量指标", "法律援助案件办理数", "≥800件", "812件", 15, 15),
        I("产出指标（50分）", "数量指标", "人民调解案件数", "≥3000件", "2700件", 15, 13.5, "矛盾纠纷总量下降"),
        I("产出指标（50分）", "质量指标", "社区矫正对象再犯罪率", "≤0.2%", "0.1%", 10, 10),
        I("产出指标（50分）", "时效指标", "普法任务完成时限", "按期完成", "按期完成", 10, 10),
        I("效益指标（20分）", "社会效益指标", "普法宣传覆盖率", "≥95%", "97%", 10, 10),
        I("效益指标（20分）", "社会效益指标", "法治营商环境", "持续优化", "达成年度指标", 10, 10),
        I("满意度指标（10分）", "服务对象满意度指标", "群众满意度", "≥90%", None, 10, None, None),
    ]
    w.merge(9, 1, 9 + len(inds), 1, "绩效指标")
    for k, h in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                           "偏差原因分析及改进措施"]):
        w.set(9, 2 + k, h)
    nr = write_indicators(w, 10, 2, inds, dict(l1=2, l2=3, name=4, target=5, actual=6, weight=7, score=8,
                                               reason=9))
    w.merge(nr, 1, nr, 6, "总分")
    w.set(nr, 7, 100)
    w.set(nr, 8, 87.5)
    # --- project sheet
    ws2 = wb.create_sheet("项目1-法律援助")
    meta = dict(year_line="（2024年度）", project="2024年法律援助专项经费", dept="江夏区司法局",
                impl="江夏区法律援助中心")
    funds = [("年度资金总额", 80, 80, 80, 10, "100%", 10),
             ("其中：当年财政拨款", 80, 80, 80, "—", None, "—"),
             ("上年结转资金", 0, 0, 0, "—", None, "—"),
             ("其他资金", 0, 0, 0, "—", None, "—")]
    inds2 = [
        I("产出指标", "数量指标", "法律援助案件数", "≥300件", "320件", 30, 30),
        I("产出指标", "质量指标", "案件质量评查合格率", "≥95%", "100%", 20, 20),
        I("效益指标", "社会效益指标", "受援人合法权益", "有效维护", "有效维护", 30, 28, "个别案件执行难度大"),
        I("满意度指标", "服务对象满意度指标", "受援人满意度", "≥90%", "95%", 10, 10),
    ]
    national_project(XW(ws2), 1, 1, meta, funds, inds2, 98)
    # --- hidden list sheet
    s3 = wb.create_sheet("下拉选项")
    for r, row in enumerate([("完成情况", "等级", "指标性质", "分值"), ("达成", "优", "≥", 10),
                             ("部分达成", "良", "≤", 20), ("未达成", "中", "=", 30), (None, "差", "定性", None)], 1):
        for c, v in enumerate(row, 1):
            if v is not None:
                s3.cell(row=r, column=c, value=v)
    s3.sheet_state = "hidden"
    return save_xlsx(wb, "c06_dept_plus_project_hidden_sheet.xlsx")


# ================================================================ case 07
def c07():
    """Project table: indicator header split over two rows with merged group cells (绩效指标 / 指标完成情况),
    分值 column moved before the targets, an empty spacer column, labels 预期指标值 / 实际值 / 自评得分,
    satisfaction actual as numeric 0.94 formatted 0%, 执行率 as 0.97 formatted 0.00%."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目自评"
    w = XW(ws)
    w.merge(1, 1, 1, 9, "项目支出绩效自评表（2024年度）")
    w.merge(2, 1, 2, 9, "填报单位（盖章）：罗田县教育和体育局                填报日期：2025年3月12日")
    w.set(3, 1, "项目名称")
    w.merge(3, 2, 3, 9, "2024年中小学校舍维修改造")
    w.set(4, 1, "主管部门")
    w.merge(4, 2, 4, 5, "罗田县教育和体育局")
    w.set(4, 6, "实施单位")
    w.merge(4, 7, 4, 9, "罗田县教育和体育局")
    w.merge(5, 1, 9, 1, "项目资金\n（万元）")
    for k, h in enumerate(["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]):
        w.set(5, 4 + k, h)  # column C left empty (spacer)
    funds = [("年度资金总额", 300, 300, 291, 10, 0.97, 9.7),
             ("其中：当年财政拨款", 300, 300, 291, None, None, None),
             ("上年结转资金", 0, 0, 0, None, None, None),
             ("其他资金", 0, 0, 0, None, None, None)]
    for i, f in enumerate(funds):
        w.set(6 + i, 2, f[0])
        for k, v in enumerate(f[1:]):
            w.set(6 + i, 4 + k, v, "0.00%" if k == 4 else None)
    w.merge(10, 1, 11, 1, "年度总体目标")
    w.merge(10, 2, 10, 5, "预期目标")
    w.merge(10, 6, 10, 9, "实际完成情况")
    w.merge(11, 2, 11, 5, "完成15所学校校舍维修改造")
    w.merge(11, 6, 11, 9, "已完成")
    w.merge(12, 1, 12, 3, "绩效指标")
    w.merge(12, 4, 13, 4, "分值")
    w.merge(12, 5, 12, 6, "指标完成情况")
    w.merge(12, 7, 13, 7, "自评得分")
    w.merge(12, 9, 13, 9, "偏差原因分析及改进措施")
    for c, h in [(1, "一级指标"), (2, "二级指标"), (3, "三级指标"), (5, "预期指标值"), (6, "实际值")]:
        w.set(13, c, h)
    inds = [
        I("产出指标", "数量指标", "维修改造校舍面积", "≥12000平方米", "12500平方米", 20, 20),
        I("产出指标", "数量指标", "维修学校数量", "15所", "15所", 10, 10),
        I("产出指标", "质量指标", "工程验收合格率", "100%", "100%", 10, 10),
        I("产出指标", "成本指标", "单位面积改造成本", "控制在250元/平方米以内", "232元/平方米", 10, 10),
        I("效益指标", "社会效益指标", "校园安全隐患消除", "有效消除", "基本消除", 20, 16, "2所学校附属设施待下年度改造"),
        I("效益指标", "可持续影响指标", "校舍使用年限延长", "≥10年", "10年", 10, 10),
        I("满意度指标", "服务对象满意度指标", "师生满意度", "≥90%", 0.94, 10, 10),
    ]
    nr = write_indicators(w, 14, 1, inds, dict(l1=1, l2=2, name=3, weight=4, target=5, actual=6, score=7,
                                               reason=9))
    ws.cell(row=20, column=6).number_format = "0%"
    w.merge(nr, 1, nr, 3, "总分")
    w.set(nr, 4, 100)
    w.set(nr, 7, 95.7)
    return save_xlsx(wb, "c07_split_header_moved_weight_col.xlsx")


# ================================================================ case 08
def c08():
    """Project table written by a program: 执行率, 得分 and 合计 are formulas with NO cached values;
    indicator weights sum to 85 (+10 execution = 95); 合计 row instead of 总分."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目支出绩效自评表"
    w = XW(ws)
    meta = dict(year_line="（2024年度）", project="2024年公共文化服务体系建设", dept="黄陂区文化和旅游局",
                impl="黄陂区文化馆")
    funds = [("年度资金总额", 50, 50, 46.5, 10, F("=E6/D6"), F("=ROUND(F6*MIN(G6,1),2)")),
             ("其中：当年财政拨款", 50, 50, 46.5, "—", None, "—"),
             ("上年结转资金", 0, 0, 0, "—", None, "—"),
             ("其他资金", 0, 0, 0, "—", None, "—")]
    inds = [
        I("产出指标", "数量指标", "文化惠民演出场次", "≥120场", "126场", 20, F("=G13")),
        I("产出指标", "数量指标", "图书馆新增藏书", "≥1万册", "1.15万册", 15, F("=G14")),
        I("产出指标", "质量指标", "演出节目审查合格率", "100%", "100%", 10, F("=G15")),
        I("效益指标", "社会效益指标", "群众文化生活", "不断丰富", "达成预期指标", 15, 15),
        I("效益指标", "社会效益指标", "公共文化设施免费开放率", "免费开放率100%", "100%", 15, F("=G17")),
        I("满意度指标", "服务对象满意度指标", "群众满意度", "≥85%", "91%", 10, F("=G18")),
    ]
    nr = national_project(w, 1, 1, meta, funds, inds, F("=H6+SUM(H13:H18)")) - 1
    # replace the 总分 label by 合计 and the weight by a formula
    ws.cell(row=nr, column=1).value = "合计"
    ws.cell(row=nr, column=7).value = F("=F6+SUM(G13:G18)")
    assert ws.cell(row=13, column=4).value == "文化惠民演出场次", ws.cell(row=13, column=4).value
    return save_xlsx(wb, "c08_formulas_no_cache_weights95.xlsx")


# ================================================================ case 09
def c09():
    """Table starting at E12 under 附件3 and a notice that names 2025; WPS quirks: full-width spaces in
    labels (项　目　名　称), NBSP, letters in labels (A)(B)(B/A), money as text with trailing blank."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    w = XW(ws)
    w.set(2, 5, "附件3")
    w.merge(4, 5, 4, 13, "根据《房县财政局关于做好2025年预算绩效管理工作的通知》要求填报")
    c = 5
    r = 12
    w.merge(r, c, r, c + 8, "项目支出绩效自评表")
    w.merge(r + 1, c, r + 1, c + 8, "（2024年度）")
    w.set(r + 2, c, "项\u3000目\u3000名\u3000称")
    w.merge(r + 2, c + 1, r + 2, c + 8, "2024年农村饮水安全巩固提升工程")
    w.set(r + 3, c, "主\u3000管\u3000部\u3000门")
    w.merge(r + 3, c + 1, r + 3, c + 4, "房县水利和湖泊局")
    w.set(r + 3, c + 5, "实施单位")
    w.merge(r + 3, c + 6, r + 3, c + 8, "房县农村供水管理站")
    fr = r + 4  # 16
    w.merge(fr, c, fr + 3, c, "项目资金\n（万元）")
    for k, h in enumerate(["年初预算数", "全年预算数（A）", "全年执行数（B）", "分\u00a0值", "执行率（B/A）", "得分"]):
        w.set(fr, c + 2 + k, h)
    rows = [("年度资金总额：", 500, "480.00 ", "465.6", 10, "97%", 9.7),
            ("其中:当年财政拨款", 450, 430, 418, None, None, None),
            ("上年结转资金", 50, 50, 47.6, None, None, None)]
    for i, f in enumerate(rows):
        w.set(fr + 1 + i, c + 1, f[0])
        for k, v in enumerate(f[1:]):
            w.set(fr + 1 + i, c + 2 + k, v)
    gr = fr + 4  # 20
    w.merge(gr, c, gr + 1, c, "年度总体目标")
    w.merge(gr, c + 1, gr, c + 4, "预期目标")
    w.merge(gr, c + 5, gr, c + 8, "实际完成情况")
    w.merge(gr + 1, c + 1, gr + 1, c + 4, "巩固提升农村供水保障水平")
    w.merge(gr + 1, c + 5, gr + 1, c + 8, "全面完成")
    hr = gr + 2  # 22
    inds = [
        I("产出指标", "数量指标", "新建改造供水管网", "≥50公里", "52.3公里", 20, 20),
        I("产出指标", "数量指标", "受益人口", "≥3.5万人", "3.62万人", 15, 15),
        I("产出指标", "质量指标", "水质达标率", "≥95%", "\u300096.2%\u3000", 15, 15),
        I("产出指标", "时效指标", "工程完工时间", "2024年11月30日前", "2024年11月25日完工", 10, 10),
        I("效益指标", "社会效益指标", "农村自来水普及率", "≥92%", "93.5%", 10, 10),
        I("效益指标", "可持续影响指标", "农村供水保障水平", "不低于上年", "较上年提高2个百分点", 10, 10),
        I("满意度指标", "服务对象满意度指标", "受益群众满意度", "≥90%", "95%\u00a0", 10, 10),
    ]
    w.merge(hr, c, hr + len(inds), c, "绩\u3000效\u3000指\u3000标")
    for k, h in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值（A）", "实际完成值\n（B）", "分\u00a0值",
                           "得分", "偏差原因分析及改进措施"]):
        w.set(hr, c + 1 + k, h)
    nr = write_indicators(w, hr + 1, c + 1, inds, dict(l1=c + 1, l2=c + 2, name=c + 3, target=c + 4,
                                                       actual=c + 5, weight=c + 6, score=c + 7, reason=c + 8))
    w.merge(nr, c, nr, c + 5, "总\u3000分")
    w.set(nr, c + 6, 100)
    w.set(nr, c + 7, 99.7)
    return save_xlsx(wb, "c09_far_origin_wps_quirks.xlsx")


# ================================================================ case 10
def c10():
    """Anhui-style department table: 单位名称 with a code prefix, 年度预算 block with 全年(调整)预算数 /
    预算执行数 / 指标权重 / 实际得分, 当年绩效目标, 指标名称 / 年初目标值 / 全年完成值 / 未完成原因分析;
    compound target partly met, reverse target missed, relative target, low execution rate."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "整体支出绩效自评表"
    w = XW(ws)
    w.merge(1, 1, 1, 9, "2023年度部门整体支出绩效自评表")
    w.set(2, 1, "单位名称")
    w.merge(2, 2, 2, 9, "219001-池州市贵池区棠溪镇人民政府")
    w.merge(3, 1, 6, 1, "年度预算\n（万元）")
    for k, h in enumerate(["年初预算数", "全年(调整)预算数", "预算执行数", "指标权重", "执行率", "实际得分"]):
        w.set(3, 3 + k, h)
    for i, f in enumerate([("年度资金总额", 2100.00, 2456.80, 2199.00, 10, "89.51%", 8.95),
                           ("其中:财政拨款", 2000.00, 2356.80, 2120.00, None, None, None),
                           ("其他资金", 100.00, 100.00, 79.00, None, None, None)]):
        w.set(4 + i, 2, f[0])
        for k, v in enumerate(f[1:]):
            w.set(4 + i, 3 + k, v)
    w.set(7, 1, "当年绩效目标")
    w.merge(7, 2, 7, 9, "改善农村人居环境，保障基层运转，提升群众安全感和满意度。")
    inds = [
        I("产出指标", "数量指标", "农村人居环境整治", "4次、12个村", "4次、10个村", 20, 16.67, "2个村因征迁暂缓整治"),
        I("产出指标", "数量指标", "农村公路养护里程", "≥35公里", "38公里", 15, 15),
        I("产出指标", "质量指标", "突发公共卫生事件处置率", "=100%", "100%", 10, 10),
        I("产出指标", "成本指标", "“三公”经费支出", "不超过18万元", "19.8万元", 10, 9.09, "公务用车维修费用增加"),
        I("效益指标", "经济效益指标", "村集体经济收入", "较上年增长", "增长12%", 10, 8, "部分村集体产业收益未达预期"),
        I("效益指标", "社会效益指标", "群众安全感", "≥95%", "96%", 15, 15),
        I("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", 10, 10),
    ]
    w.merge(8, 1, 8 + len(inds), 1, "绩效指标")
    for k, h in enumerate(["一级指标", "二级指标", "指标名称", "年初目标值", "全年完成值", "指标权重", "实际得分",
                           "未完成原因分析"]):
        w.set(8, 2 + k, h)
    nr = write_indicators(w, 9, 2, inds, dict(l1=2, l2=3, name=4, target=5, actual=6, weight=7, score=8,
                                              reason=9))
    w.merge(nr, 1, nr, 6, "总分")
    w.set(nr, 7, 100)
    w.set(nr, 8, 92.71)
    return save_xlsx(wb, "c10_anhui_dept_label_synonyms.xlsx")


# ================================================================ case 11
def c11():
    """Project table with money in 元 (header 项目资金（元）, #,##0.00 numbers), reported 执行率 typed as the
    bare number 95 (wrong: computed 93%), an actual stored as 0.99 with 0% format, 96％ full-width %."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "临时救助"
    w = XW(ws)
    meta = dict(year_line="（2024年度）", project="2024年困难群众临时救助资金", dept="襄州区民政局",
                impl="襄州区社会救助服务中心")
    funds = [("年度资金总额", 1200000, 1256000, 1168080, 10, 95, 9.3),
             ("其中：当年财政拨款", 1200000, 1200000, 1120000, "—", None, "—"),
             ("上年结转资金", 0, 56000, 48080, "—", None, "—"),
             ("其他资金", 0, 0, 0, "—", None, "—")]
    inds = [
        I("产出指标", "数量指标", "临时救助人次", "≥800人次", "756人次", 30, 28.35, "申请人数少于预期"),
        I("产出指标", "质量指标", "救助对象认定准确率", "≥98%", 0.99, 20, 20),
        I("产出指标", "时效指标", "救助审批时限", "审批时限≤10个工作日", "平均7个工作日", 10, 10),
        I("效益指标", "社会效益指标", "困难群众基本生活", "得到保障", "达成", 20, 20),
        I("满意度指标", "服务对象满意度指标", "救助对象满意度", "≥90%", "96％", 10, 10),
    ]
    national_project(w, 1, 1, meta, funds, inds, 97.65)
    ws.cell(row=5, column=1).value = "项目资金\n（元）"
    for r in range(6, 10):
        for c in range(3, 6):
            ws.cell(row=r, column=c).number_format = "#,##0.00"
    assert ws.cell(row=14, column=4).value == "救助对象认定准确率"
    ws.cell(row=14, column=6).number_format = "0%"
    return save_xlsx(wb, "c11_money_in_yuan_pct_formats.xlsx")


# ================================================================ case 12
def c12():
    """National template left half-filled: 一级 merged over 8 rows, 二级 over 3, placeholder rows
    (指标3：, ……, rows of /), one placeholder 指标1： carrying a weight of 5 with / in target and actual."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "高标准农田"
    w = XW(ws)
    meta = dict(year_line="（2024年度）", project="2024年高标准农田建设项目", dept="枣阳市农业农村局",
                impl="枣阳市农田建设服务中心")
    funds = [("年度资金总额", 1800, 1800, 1710, 10, "95%", 9.5),
             ("其中：当年财政拨款", 1500, 1500, 1440, "—", None, "—"),
             ("上年结转资金", 300, 300, 270, "—", None, "—"),
             ("其他资金", 0, 0, 0, "—", None, "—")]
    inds = [
        I("产出指标", "数量指标", "建设高标准农田面积", "≥2万亩", "2.05万亩", 20, 20),
        I("产出指标", "数量指标", "新建灌排渠道", "≥45公里", "40.5公里", 20, 18, "部分渠段因用地调整未实施"),
        I("产出指标", "数量指标", "指标3：", None, None, None, None),
        I("产出指标", "质量指标", "工程验收合格率", "100%", "100%", 10, 10),
        I("产出指标", "时效指标", "/", "/", "/", "/", "/", "/"),
        I("产出指标", "成本指标", "亩均投资", "≤3000元/亩", "2950元/亩", 10, 10),
        I("产出指标", "成本指标", "……", None, None, None, None),
        I("效益指标", "经济效益指标", "粮食亩产提高", "≥50公斤", "58公斤", 10, 10),
        I("效益指标", "社会效益指标", "指标1：", "/", "/", 5, None),
        I("效益指标", "生态效益指标", "/", "/", "/", "/", "/", "/"),
        I("效益指标", "可持续影响指标", "工程管护机制", "建立健全", "已建立", 10, 10),
        I("满意度指标", "服务对象满意度指标", "受益农户满意度", "≥90%", "93%", 10, 10),
        I("满意度指标", "服务对象满意度指标", "……", None, None, None, None),
    ]
    national_project(w, 1, 1, meta, funds, inds, 97.5)
    return save_xlsx(wb, "c12_placeholders_long_merges.xlsx")


# ================================================================ case 13
def c13():
    """Three-row indicator header (绩效指标 banner / groups 目标与完成情况 & 评分 / leaf labels 年度目标值,
    全年实际完成值, 满分, 自评得分); 一级 weights in labels, 产出 says 50 but its rows sum 45; over-execution;
    relative target with a number; blank actual scored full by the officer; 总分 reported 100."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "能力提升项目"
    w = XW(ws)
    w.merge(1, 1, 1, 8, "2024年度项目支出绩效自评表")
    w.set(2, 1, "项目名称")
    w.merge(2, 2, 2, 8, "2024年基层医疗卫生机构能力提升")
    w.set(3, 1, "主管部门")
    w.merge(3, 2, 3, 4, "孝南区卫生健康局")
    w.set(3, 5, "实施单位")
    w.merge(3, 6, 3, 8, "孝南区疾病预防控制中心")
    w.merge(4, 1, 6, 1, "项目资金（万元）")
    for k, h in enumerate(["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]):
        w.set(4, 3 + k, h)
    for i, f in enumerate([("年度资金总额", 230, 236.5, 240, 10, "101.48%", 10),
                           ("其中：当年财政拨款", 230, 236.5, 240, None, None, None)]):
        w.set(5 + i, 2, f[0])
        for k, v in enumerate(f[1:]):
            w.set(5 + i, 3 + k, v)
    w.set(7, 1, "年度总体目标")
    w.merge(7, 2, 7, 8, "培训基层医务人员，购置设备，提升基层服务能力")
    w.merge(8, 1, 8, 8, "绩效指标")
    w.merge(9, 1, 10, 1, "一级指标")
    w.merge(9, 2, 10, 2, "二级指标")
    w.merge(9, 3, 10, 3, "三级指标")
    w.merge(9, 4, 9, 5, "目标与完成情况")
    w.merge(9, 6, 9, 7, "评分")
    w.merge(9, 8, 10, 8, "偏差原因分析及改进措施")
    for c, h in [(4, "年度目标值"), (5, "全年实际完成值"), (6, "满分"), (7, "自评得分")]:
        w.set(10, c, h)
    inds = [
        I("产出指标（50分）", "数量指标", "培训基层医务人员", "≥500人次", "520人次", 15, 15),
        I("产出指标（50分）", "数量指标", "购置医疗设备", "≥30台（套）", "30台（套）", 10, 10),
        I("产出指标（50分）", "质量指标", "设备验收合格率", "100%", "100%", 10, 10),
        I("产出指标（50分）", "成本指标", "设备采购成本", "控制在180万元以内", "176.3万元", 10, 10),
        I("效益指标（30分）", "社会效益指标", "基层诊疗人次增长率", "较上年增长5%", "增长6.2%", 15, 15),
        I("效益指标（30分）", "可持续影响指标", "基层服务能力持续提升", "长期", None, 15, 15),
        I("满意度指标（15分）", "服务对象满意度指标", "患者满意度", "≥90%满意度", "95%", 15, 15),
    ]
    nr = write_indicators(w, 11, 1, inds, dict(l1=1, l2=2, name=3, target=4, actual=5, weight=6, score=7,
                                               reason=8))
    w.merge(nr, 1, nr, 5, "总分")
    w.set(nr, 6, 100)
    w.set(nr, 7, 100)
    return save_xlsx(wb, "c13_three_row_header_manfen.xlsx")


# ================================================================ case 14
def c14():
    """Wuhan-style department table without a 二级指标 column (一级 | 指标名称 | 年初目标值 | 完成值 | 权重 | 得分 |
    原因); funds block lists its components first and the 合计 row LAST; 1,000 / ８万小时 / 349余人 /
    2800余场."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2024年部门整体绩效自评"
    w = XW(ws)
    w.merge(1, 1, 1, 8, "部门整体支出绩效自评表")
    w.merge(2, 1, 2, 8, "（2024年度）")
    w.set(3, 1, "部门名称")
    w.merge(3, 2, 3, 8, "武汉市青山区体育局")
    w.merge(4, 1, 7, 1, "执行情况（20分）")
    for k, h in enumerate(["资金来源", "年初预算数", "全年预算数", "实际执行数", "分值", "执行率", "得分"]):
        w.set(4, 2 + k, h)
    for i, f in enumerate([("一般公共预算", 400.00, 410.20, 395.70, None, None, None),
                           ("政府性基金预算", 60.00, 60.00, 52.00, None, None, None),
                           ("合计", 460.00, 470.20, 447.70, 20, "95.21%", 19.04)]):
        for k, v in enumerate(f):
            w.set(5 + i, 2 + k, v)
    inds = [
        I("产出指标", None, "全民健身活动场次", "不少于1,000场", "1,024场", 15, 15),
        I("产出指标", None, "健身指导服务时长", "８万小时", "8.3万小时", 10, 10),
        I("产出指标", None, "青少年体育培训人数", "≥300人", "349余人", 10, 10),
        I("产出指标", None, "群众体育赛事活动", "≥2000场", "2800余场", 10, 10),
        I("产出指标", None, "体育设施维护", "按期完成", "按期完成", 10, 10),
        I("效益指标", None, "人均体育场地面积", "≥2.6平方米", "2.5平方米", 10, 9.62, "新建场地尚未验收"),
        I("效益指标", None, "经常参加体育锻炼人数比例", "≥40%", "38.4%", 10, 9.6, "老年群体参与率偏低"),
        I("满意度指标", None, "群众满意度", "≥90%", "94%", 5, 5),
    ]
    w.merge(8, 1, 8 + len(inds), 1, "年度绩效指标（80分）")
    for k, h in enumerate(["一级指标", "指标名称", "年初目标值", "完成值", "权重", "得分", "原因"]):
        w.set(8, 2 + k, h)
    nr = write_indicators(w, 9, 2, inds, dict(l1=2, name=3, target=4, actual=5, weight=6, score=7, reason=8))
    w.merge(nr, 1, nr, 5, "总分")
    w.set(nr, 6, 100)
    w.set(nr, 7, 98.26)
    return save_xlsx(wb, "c14_dept_no_level2_total_last.xlsx")


# ================================================================ case 15
def c15():
    """Legacy .xls with a 说明 sheet first; funds labels 调整后预算数 / 执行数 next to 年初预算数; 执行率, every
    得分 and 总分 left blank (officer did not score); qualitative actuals 部分… / 未完成; Ⅳ类 target."""
    wb = xlwt.Workbook(encoding="utf-8")
    s0 = wb.add_sheet("说明")
    for i, t in enumerate(["填表说明：", "1.执行率=执行数/调整后预算数；", "2.得分由财政局复核后填写。"]):
        s0.write(i, 0, t)
    ws = wb.add_sheet("Sheet1")
    w = XLW(ws)
    w.merge(1, 1, 1, 9, "项目支出绩效自评表")
    w.merge(2, 1, 2, 9, "2023年度")
    w.set(3, 1, "项目名称")
    w.merge(3, 2, 3, 9, "2023年镇村河道长效管护")
    w.set(4, 1, "主管部门")
    w.merge(4, 2, 4, 5, "汉川市马口镇人民政府")
    w.set(4, 6, "实施单位")
    w.merge(4, 7, 4, 9, "汉川市马口镇水利服务中心")
    w.merge(5, 1, 8, 1, "项目资金（万元）")
    for k, h in enumerate(["年初预算数", "调整后预算数", "执行数", "分值", "执行率", "得分"]):
        w.set(5, 3 + k, h)
    for i, f in enumerate([("年度资金总额", 60, 66.8, 63.46, 10, None, None),
                           ("其中：财政拨款", 60, 66.8, 63.46, None, None, None),
                           ("其他资金", 0, 0, 0, None, None, None)]):
        w.set(6 + i, 2, f[0])
        for k, v in enumerate(f[1:]):
            w.set(6 + i, 3 + k, v)
    w.merge(9, 1, 10, 1, "年度总体目标")
    w.merge(9, 2, 9, 5, "预期目标")
    w.merge(9, 6, 9, 9, "实际完成情况")
    w.merge(10, 2, 10, 5, "镇村河道保洁全覆盖")
    w.merge(10, 6, 10, 9, "基本完成")
    inds = [
        I("产出指标", "数量指标", "保洁河道长度", "≥85公里", "85公里", 20, None),
        I("产出指标", "质量指标", "河面漂浮物清理", "及时清理", "部分河段清理不及时", 15, None,
          "汛期垃圾量大，部分河段清理滞后"),
        I("产出指标", "时效指标", "河道整治工程完工", "2023年12月底前完成", "未完成", 10, None, "受汛期影响工期顺延"),
        I("产出指标", "成本指标", "保洁单价", "≤7000元/公里", "6800元/公里", 10, None),
        I("效益指标", "生态效益指标", "河道水质", "稳定达到Ⅳ类", "达到Ⅳ类", 15, None),
        I("效益指标", "可持续影响指标", "长效管护机制", "有效运行", "有效运行", 10, None),
        I("满意度指标", "服务对象满意度指标", "沿河群众满意度", "≥90%", "91%", 10, None),
    ]
    w.merge(11, 1, 11 + len(inds), 1, "绩效指标")
    for k, h in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                           "偏差原因分析及改进措施"]):
        w.set(11, 2 + k, h)
    nr = write_indicators(w, 12, 2, inds, dict(l1=2, l2=3, name=4, target=5, actual=6, weight=7, score=8,
                                               reason=9))
    w.merge(nr, 1, nr, 6, "总分")
    w.set(nr, 7, 100)
    p = os.path.join(OUT, "c15_legacy_xls_unscored.xls")
    wb.save(p)
    return p


# ================================================================ extra probes (beyond the 15)
import datetime
import re
import shutil
import zipfile


def inject_cache(path, values):
    """Give formula cells cached values, as Excel does when it saves (values: {sheet_xml: {cell: v}})."""
    tmp = path + ".tmp"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in values:
                xml = data.decode("utf-8")
                for ref, v in values[item.filename].items():
                    xml, n = re.subn(r'(<c r="%s"[^>]*><f>[^<]*</f>)<v ?/>' % ref, r"\g<1><v>%s</v>" % v, xml)
                    assert n == 1, (ref, n)
                data = xml.encode("utf-8")
            zout.writestr(item, data)
    shutil.move(tmp, path)


def x16():
    """Rounding ties: execution score 10 x 770/800 = 9.625 -> 9.63 half-up (Python round gives 9.62);
    reported 执行率 96.3% for 96.25% (1 decimal, half-up -> 96.3: no mismatch); total 98.525 -> 98.53."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目支出绩效自评表"
    meta = dict(year_line="（2024年度）", project="2024年社区教育培训", dept="东西湖区教育局", impl="东西湖区社区学院")
    funds = [("年度资金总额", 800, 800, 770, 10, "96.3%", 9.63),
             ("其中：当年财政拨款", 800, 800, 770, "—", None, "—"),
             ("上年结转资金", 0, 0, 0, "—", None, "—"),
             ("其他资金", 0, 0, 0, "—", None, "—")]
    inds = [
        I("产出指标", "数量指标", "开展培训场次", "≥40场", "38场", 10, 9.5, "部分培训合并举办"),
        I("产出指标", "数量指标", "培训人数", "≥800人", "800人", 10, 10),
        I("产出指标", "质量指标", "培训课时", "≥400课时", "392课时", 30, 29.4, "个别课程调整"),
        I("效益指标", "社会效益指标", "居民终身学习氛围", "有效提升", "有效提升", 25, 25),
        I("满意度指标", "服务对象满意度指标", "学员满意度", "≥90%", "95%", 15, 15),
    ]
    national_project(XW(ws), 1, 1, meta, funds, inds, 98.53)
    return save_xlsx(wb, "x16_rounding_ties_half_up.xlsx")


def x17():
    """Saved by Excel: formulas WITH cached values (执行率, 得分, 总分), and a target typed as =100% in Excel,
    i.e. a formula whose cached value is 1 shown as 100%. One indicator tie 5 x 37/40 = 4.625 -> 4.63."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目支出绩效自评表"
    w = XW(ws)
    meta = dict(year_line="（2024年度）", project="2024年农村危房改造", dept="蔡甸区住房和城市更新局",
                impl="蔡甸区住房和城市更新局")
    funds = [("年度资金总额", 120, 120, 114, 10, F("=E6/D6"), F("=ROUND(F6*MIN(G6,1),2)")),
             ("其中：当年财政拨款", 120, 120, 114, "—", None, "—"),
             ("上年结转资金", 0, 0, 0, "—", None, "—"),
             ("其他资金", 0, 0, 0, "—", None, "—")]
    inds = [
        I("产出指标", "数量指标", "危房改造户数", "≥200户", "185户", 20, F("=ROUND(G13*MIN(185/200,1),2)"),
          "部分农户自愿放弃改造"),
        I("产出指标", "数量指标", "政策宣传场次", "≥40场", "37场", 5, F("=ROUND(G14*MIN(37/40,1),2)"), "疫情防控期间部分场次取消"),
        I("产出指标", "质量指标", "竣工验收合格率", F("=100%"), "100%", 15, F("=G15")),
        I("效益指标", "社会效益指标", "农户住房安全保障", "有效提升", "有效提升", 25, 25),
        I("满意度指标", "服务对象满意度指标", "改造户满意度", "≥90%", "94%", 25, F("=G17")),
    ]
    national_project(w, 1, 1, meta, funds, inds, F("=H6+SUM(H13:H17)"))
    ws["G6"].number_format = "0.00%"
    ws["E15"].number_format = "0%"
    p = save_xlsx(wb, "x17_excel_saved_cached_formulas.xlsx")
    inject_cache(p, {"xl/worksheets/sheet1.xml": {"G6": "0.95", "H6": "9.5", "H13": "18.5", "H14": "4.63",
                                                  "E15": "1", "H15": "15", "H17": "25", "H18": "97.63"}})
    return p


def x18():
    """Everything typed as text with units: money '56.00万元', weights '20分', scores '9.5分', rate '95.00％';
    一级/二级 NOT merged, written once with blanks below, numbered (一、产出指标 / 1.数量指标)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    w = XW(ws)
    meta = dict(year_line="（2024年度）", project="2024年新型职业农民培训", dept="新洲区农业农村局",
                impl="新洲区农业技术推广中心")
    funds = [("年度资金总额", "50万元", "56.00万元", "53.2万元", "10分", "95.00％", "9.5分"),
             ("其中：当年财政拨款", "50万元", "50万元", "48万元", "—", None, "—"),
             ("上年结转资金", "0", "6万元", "5.2万元", "—", None, "—"),
             ("其他资金", "0", "0", "0", "—", None, "—")]
    inds = [
        I("一、产出指标", "1.数量指标", "培训农民人次", "≥500人次", "526人次", "20分", "20分"),
        I("", "", "发放技术资料", "≥2000份", "2000份", "10分", "10分"),
        I("", "2.质量指标", "培训考核合格率", "≥90%", "92%", "10分", "10分"),
        I("", "3.时效指标", "培训完成时间", "2024年10月底前", "2024年10月完成", "10分", "10分"),
        I("二、效益指标", "1.社会效益指标", "农民种植技术水平", "明显提高", "基本达到", "20分", "14分", "部分农户仍需跟踪指导"),
        I("", "2.可持续影响指标", "技术推广长效机制", "建立", "已建立", "10分", "10分"),
        I("三、满意度指标", "1.服务对象满意度指标", "参训农民满意度", "≥90%", "96%", "10分", "10分"),
    ]
    national_project(w, 1, 1, meta, funds, [dict(d, l1=None, l2=None) for d in inds], "93.5分")
    # un-merge the level columns: levels only where the officer typed them, blanks below
    for rng in list(ws.merged_cells.ranges):
        if rng.min_col in (2, 3) and rng.min_row >= 13:
            ws.unmerge_cells(str(rng))
    for i, d in enumerate(inds):
        for k, c in (("l1", 2), ("l2", 3)):
            ws.cell(row=13 + i, column=c).value = d[k] or None
    return save_xlsx(wb, "x18_text_units_unmerged_levels.xlsx")


def x19():
    """年度资金总额 row left blank, components filled (spec: use their sums, flag fund-rows-sum); a 时效 target
    and actual stored as real Excel dates (late by 20 days, officer 16/20); no 满意度 category."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "文物修缮"
    w = XW(ws)
    meta = dict(year_line="（2024年度）", project="2024年不可移动文物保护修缮", dept="江岸区文化和旅游局",
                impl="江岸区文物管理所")
    funds = [("年度资金总额", None, None, None, 10, None, None),
             ("其中：当年财政拨款", 100, 100, 92, "—", None, "—"),
             ("上年结转资金", 0, 20, 18, "—", None, "—"),
             ("其他资金", 0, 0, 0, "—", None, "—")]
    inds = [
        I("产出指标", "数量指标", "修缮文物点", "≥6处", "6处", 30, 30),
        I("产出指标", "质量指标", "修缮工程验收合格率", "100%", "100%", 20, 20),
        I("产出指标", "时效指标", "修缮工程完工时间", datetime.datetime(2024, 11, 30), datetime.datetime(2024, 12, 20),
          20, 16, "受雨季影响延期20天"),
        I("效益指标", "社会效益指标", "文物保护状况", "有效改善", "有效改善", 20, 20),
    ]
    national_project(w, 1, 1, meta, funds, inds, 95.17)
    ws["E15"].number_format = "yyyy/m/d"
    ws["F15"].number_format = "yyyy/m/d"
    assert ws["D15"].value == "修缮工程完工时间"
    return save_xlsx(wb, "x19_blank_total_row_dates_no_satisfaction.xlsx")


def x20():
    """Department table whose 执行情况 分值 is typed '10分' (text), low execution (85%) WITH a reason written
    in a 偏差原因 column of the funds block (spec: low-execution-rate becomes info)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "部门整体"
    w = XW(ws)
    w.merge(1, 1, 1, 9, "2024年度部门整体支出绩效自评表")
    w.set(2, 1, "部门名称")
    w.merge(2, 2, 2, 9, "硚口区档案馆")
    w.merge(3, 1, 6, 1, "部门预算资金（万元）")
    for k, h in enumerate(["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", "偏差原因"]):
        w.set(3, 3 + k, h)
    for i, f in enumerate([("年度资金总额", 280, 300, 255, "10分", "85%", 8.5, "部分项目资金因政府采购流程延后支付"),
                           ("其中：财政拨款", 280, 300, 255, None, None, None, None),
                           ("其他资金", 0, 0, 0, None, None, None, None)]):
        w.set(4 + i, 2, f[0])
        for k, v in enumerate(f[1:]):
            w.set(4 + i, 3 + k, v)
    inds = [
        I("产出指标", "数量指标", "馆藏档案数字化", "≥50万页", "52万页", 30, 30),
        I("产出指标", "质量指标", "数字化成果质检合格率", "≥98%", "99.2%", 20, 20),
        I("效益指标", "社会效益指标", "档案利用服务水平", "有效提升", "有效提升", 20, 20),
        I("满意度指标", "服务对象满意度指标", "查档群众满意度", "≥90%", "97%", 20, 20),
    ]
    w.merge(7, 1, 7 + len(inds), 1, "绩效指标")
    for k, h in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                           "偏差原因分析及改进措施"]):
        w.set(7, 2 + k, h)
    nr = write_indicators(w, 8, 2, inds, dict(l1=2, l2=3, name=4, target=5, actual=6, weight=7, score=8, reason=9))
    w.merge(nr, 1, nr, 6, "总分")
    w.set(nr, 7, 100)
    w.set(nr, 8, 98.5)
    return save_xlsx(wb, "x20_dept_weight_text_low_rate_with_reason.xlsx")


if __name__ == "__main__":
    for f in [c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12, c13, c14, c15,
              x16, x17, x18, x19, x20]:
        print(f())
