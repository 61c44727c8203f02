#!/usr/bin/env python3
"""Write `功能齐全_2024_项目.xlsx`: one project table carrying every workbook feature an annotated
copy must keep.

    .venv/bin/python samples/make_rich_sample.py

The table (national layout, 社区老年助餐服务, 2024) has two real problems for the checker:
  * 新建社区助餐点: ≥5个 → 4个, 得分 8 of 10, and no 偏差原因 (deviation-reason-missing, I14);
  * 总分 typed as 98.4 while 9.4 + 88 = 97.4 (total-mismatch, H21).
Rate 197.4 ÷ 210 = 0.94 → 执行得分 10 × 0.94 = 9.4; indicators 15+8+10+5+10+15+15+10 = 88.

Features: merged cells, 宋体 fonts (bold, sizes), borders, fills, column widths and row heights,
number formats (0.00, 0.00%), list data validation, conditional formatting (formula rule and a
data bar), two officer's comments, external and internal hyperlinks, a PNG image (made here, no
Pillow), a chart, a text box, sparklines, print setup (A4 landscape, margins, header/footer,
print titles, print area), defined names (global and sheet-local), a second sheet 附表, and
formulas with cached values. Deterministic: fixed document dates (xlsxwriter fixes zip times).
"""
from __future__ import annotations

import io
import math
import struct
import zlib
from datetime import datetime
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
OUT = HERE / "功能齐全_2024_项目.xlsx"
MAIN = "项目支出绩效自评表"
ANNEX = "附表"
CREATED = datetime(2025, 3, 10, 9, 30, 0)
OFFICER = "王敏"

FUNDS = [  # label, 年初预算数, 全年预算数, 全年执行数
    ("年度资金总额", 200, 210, 197.4),
    ("其中：当年财政拨款", 200, 190, 180),
    ("上年结转资金", "—", 20, 17.4),
    ("其他资金", "—", "—", "—"),
]
INDICATORS = [  # 一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因
    ("产出指标", "数量指标", "助餐服务人次", "≥30000人次", "31250人次", 15, 15, None),
    ("产出指标", "数量指标", "新建社区助餐点", "≥5个", "4个", 10, 8, None),
    ("产出指标", "质量指标", "食品安全抽检合格率", "100%", "100%", 10, 10, None),
    ("产出指标", "时效指标", "补贴资金发放及时性", "按季度发放", "按时完成", 5, 5, None),
    ("产出指标", "成本指标", "每餐补贴标准", "≤5元", "5元", 10, 10, None),
    ("效益指标", "社会效益指标", "惠及老年人数", "≥1200人", "1260人", 15, 15, None),
    ("效益指标", "可持续影响指标", "助餐服务长效机制", "逐步建立", "达成预期指标", 15, 15, None),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", "95.6%", 10, 10, None),
]
REPORTED_TOTAL = 98.4                      # wrong on purpose: 9.4 + 88 = 97.4
QUARTERS = [("当年财政拨款", (40, 45, 46, 49)), ("上年结转资金", (6, 5, 4, 2.4))]
GOAL = ("在辖区新建社区助餐点不少于5个，全年提供助餐服务不少于30000人次，惠及老年人不少于1200人，"
        "每餐补贴不超过5元，服务对象满意度不低于90%。")
DONE = ("全年提供助餐服务31250人次，惠及老年人1260人；新建社区助餐点4个，另1个因选址调整顺延至"
        "2025年一季度；食品安全抽检全部合格，服务对象满意度95.6%。")


# --- a PNG without Pillow ------------------------------------------------------------------

def seal_png(size: int = 96) -> bytes:
    """A red seal ring with a dot (RGBA), encoded by hand: signature, IHDR, IDAT, IEND."""
    rows = []
    c = (size - 1) / 2
    for y in range(size):
        row = bytearray(b"\x00")                           # filter type: none
        for x in range(size):
            d = math.hypot(x - c, y - c)
            on = size * 0.40 <= d <= size * 0.47 or d <= size * 0.10
            row += bytes((200, 30, 30, 255) if on else (255, 255, 255, 0))
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + _chunk(b"IEND", b""))


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


# --- formats -------------------------------------------------------------------------------

def formats(wb) -> dict:
    base = {"font_name": "宋体", "font_size": 11, "border": 1, "valign": "vcenter", "text_wrap": True}
    specs = {
        "title": {**base, "font_size": 18, "bold": True, "align": "center", "border": 0},
        "sub": {**base, "font_size": 11, "align": "center", "border": 0},
        "label": {**base, "bold": True, "align": "center", "bg_color": "#D9E1F2"},
        "left": {**base, "bold": True, "bg_color": "#F2F2F2"},
        "text": base,
        "center": {**base, "align": "center"},
        "amount": {**base, "num_format": "0.00"},
        "rate": {**base, "align": "center", "num_format": "0.00%"},
        "score": {**base, "align": "center", "num_format": "0.00"},
        "total": {**base, "align": "center", "num_format": "0.00", "bold": True, "bg_color": "#FFF2CC"},
        "plain": {**base, "border": 0},
        "link": {**base, "border": 0, "font_color": "#0563C1", "underline": 1},
        "bad": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    }
    return {k: wb.add_format(v) for k, v in specs.items()}


# --- the main sheet ------------------------------------------------------------------------

def write_head(ws, f) -> None:
    ws.set_row(0, 30)
    ws.merge_range("A1:I1", "项目支出绩效自评表", f["title"])
    ws.merge_range("A2:I2", "（2024年度）", f["sub"])
    ws.merge_range("A3:B3", "项目名称", f["label"])
    ws.merge_range("C3:I3", "社区老年助餐服务", f["text"])
    ws.merge_range("A4:B4", "主管部门", f["label"])
    ws.merge_range("C4:E4", "219001-某区民政局", f["text"])
    ws.merge_range("F4:G4", "实施单位", f["label"])
    ws.merge_range("H4:I4", "219005-某区社区服务中心", f["text"])


def write_funds(ws, f) -> None:
    ws.merge_range("A5:A9", "项目资金\n（万元）", f["label"])
    ws.merge_range("B5:C5", "", f["label"])
    for col, text in zip("DEFGHI", ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")):
        ws.write(f"{col}5", text, f["label"])
    for r, (label, initial, annual, executed) in enumerate(FUNDS, 6):
        ws.merge_range(f"B{r}:C{r}", label, f["left"])
        for col, v in zip("DEF", (initial, annual, executed)):
            ws.write(f"{col}{r}", v, f["amount"] if isinstance(v, (int, float)) else f["center"])
        if r > 6:
            for col in "GHI":
                ws.write(f"{col}{r}", "—", f["center"])
    rate = FUNDS[0][3] / FUNDS[0][2]
    ws.write_number("G6", 10, f["center"])
    ws.write_formula("H6", '=IF(E6>0,F6/E6,"")', f["rate"], round(rate, 10))
    ws.write_formula("I6", "=ROUND(G6*MIN(H6,1),2)", f["score"], round(10 * rate, 2))


def write_goals(ws, f) -> None:
    ws.merge_range("A10:A11", "年度总体目标", f["label"])
    ws.merge_range("B10:E10", "预期目标", f["label"])
    ws.merge_range("F10:I10", "实际完成情况", f["label"])
    ws.merge_range("B11:E11", GOAL, f["text"])
    ws.merge_range("F11:I11", DONE, f["text"])
    ws.set_row(10, 66)


def write_indicators(ws, f) -> None:
    last = 12 + len(INDICATORS)
    ws.merge_range(f"A12:A{last}", "绩效指标", f["label"])
    heads = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
             "偏差原因分析及改进措施")
    ws.write_row("B12", heads, f["label"])
    ws.set_row(11, 30)
    for r, ind in enumerate(INDICATORS, 13):
        ws.write_row(f"D{r}", ind[2:5], f["text"])
        ws.write_number(f"G{r}", ind[5], f["center"])
        ws.write_number(f"H{r}", ind[6], f["score"])
        ws.write(f"I{r}", ind[7], f["text"])
        ws.set_row(r - 1, 24)
    for col, index in (("B", 0), ("C", 1)):
        merge_runs(ws, col, [ind[index] for ind in INDICATORS], 13, f["center"])
    weights = sum(ind[5] for ind in INDICATORS) + 10
    ws.merge_range(f"A{last + 1}:F{last + 1}", "总分", f["label"])
    ws.write_formula(f"G{last + 1}", f"=G6+SUM(G13:G{last})", f["center"], weights)
    ws.write_number(f"H{last + 1}", REPORTED_TOTAL, f["total"])
    ws.write_blank(f"I{last + 1}", None, f["text"])


def merge_runs(ws, col: str, values: list[str], first: int, fmt) -> None:
    """Merge each run of equal values down a column (一级/二级 categories)."""
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            top, bottom = first + start, first + i - 1
            if top == bottom:
                ws.write(f"{col}{top}", values[start], fmt)
            else:
                ws.merge_range(f"{col}{top}:{col}{bottom}", values[start], fmt)
            start = i


def write_validation_and_formats(ws, f) -> None:
    last = 12 + len(INDICATORS)
    ws.data_validation(f"B13:B{last}", {"validate": "list", "source": ["产出指标", "效益指标", "满意度指标"]})
    ws.data_validation(f"C13:C{last}", {"validate": "list", "source": [
        "数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标", "生态效益指标",
        "可持续影响指标", "服务对象满意度指标"]})
    ws.data_validation(f"G13:G{last}", {"validate": "decimal", "criteria": "between",
                                        "minimum": 0, "maximum": 100})
    ws.conditional_format(f"H13:H{last}", {"type": "formula", "criteria": "=H13<G13", "format": f["bad"]})


def write_footer_rows(ws, f) -> None:
    ws.merge_range("A23:I23", "填表人：王敏    联系电话：027-87654321    填报日期：2025年3月10日", f["plain"])
    ws.merge_range("A24:I24", "", f["plain"])
    ws.write_url("A24", "https://www.mof.gov.cn/gkml/caizhengwengao/", f["link"],
                 string="政策依据：财政部《项目支出绩效评价管理办法》（财预〔2020〕10号）")
    ws.merge_range("A25:I25", "", f["plain"])
    ws.write_url("A25", f"internal:'{ANNEX}'!A1", f["link"], string="季度资金执行明细见附表")
    ws.write_comment("H21", "总分已与财务科核对。——王敏", {"author": OFFICER})
    ws.write_comment("F14", "第5个助餐点因选址调整，顺延至2025年一季度建成。", {"author": OFFICER})
    ws.insert_textbox("A26", "说明：本表数据截至2024年12月31日，资金数据来自单位会计核算系统。",
                      {"width": 520, "height": 48, "font": {"name": "宋体", "size": 10},
                       "line": {"color": "#7F7F7F"}})
    ws.insert_image("H22", "seal.png", {"image_data": io.BytesIO(seal_png()), "x_offset": 30,
                                        "y_offset": 2, "object_position": 3})


def write_main(wb, f) -> None:
    ws = wb.add_worksheet(MAIN)
    for col, width in zip("ABCDEFGHI", (9, 12, 16, 24, 14, 14, 8, 10, 28)):
        ws.set_column(f"{col}:{col}", width)
    write_head(ws, f)
    write_funds(ws, f)
    write_goals(ws, f)
    write_indicators(ws, f)
    write_validation_and_formats(ws, f)
    write_footer_rows(ws, f)
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=0.6, right=0.6, top=0.8, bottom=0.8)
    ws.set_header('&C&"宋体,Bold"社区老年助餐服务项目支出绩效自评表')
    ws.set_footer("&L某区社区服务中心&R第 &P 页，共 &N 页")
    ws.repeat_rows(11)
    ws.print_area("A1:I29")
    ws.fit_to_pages(1, 0)
    ws.activate()


# --- 附表 ----------------------------------------------------------------------------------

def write_annex(wb, f) -> None:
    ws = wb.add_worksheet(ANNEX)
    ws.set_column("A:A", 16)
    ws.set_column("B:G", 11)
    ws.set_row(0, 30)
    ws.merge_range("A1:G1", "季度资金执行明细（万元）", f["title"])
    ws.write_row("A2", ("资金来源", "一季度", "二季度", "三季度", "四季度", "合计", "趋势"), f["label"])
    for r, (label, values) in enumerate(QUARTERS, 3):
        ws.write(f"A{r}", label, f["left"])
        ws.write_row(f"B{r}", values, f["amount"])
        ws.write_formula(f"F{r}", f"=SUM(B{r}:E{r})", f["amount"], round(sum(values), 2))
    ws.write("A5", "合计", f["left"])
    sums = [round(sum(values[i] for _, values in QUARTERS), 2) for i in range(4)]
    for col, cached in zip("BCDEF", sums + [round(sum(sums), 2)]):
        ws.write_formula(f"{col}5", f"=SUM({col}3:{col}4)", f["amount"], cached)
    for r in (3, 4, 5):
        ws.add_sparkline(f"G{r}", {"range": f"'{ANNEX}'!B{r}:E{r}", "markers": True})
    ws.conditional_format("B3:E4", {"type": "data_bar", "bar_color": "#63BE7B"})
    ws.insert_chart("A7", annex_chart(wb), {"x_scale": 1.1, "y_scale": 0.9})
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def annex_chart(wb):
    chart = wb.add_chart({"type": "column"})
    for r in (3, 4):
        chart.add_series({"name": [ANNEX, r - 1, 0], "categories": [ANNEX, 1, 1, 1, 4],
                          "values": [ANNEX, r - 1, 1, r - 1, 4]})
    chart.set_title({"name": "季度支出（万元）", "name_font": {"name": "宋体", "size": 12}})
    chart.set_legend({"position": "bottom"})
    return chart


def main(path: Path = OUT) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"title": "社区老年助餐服务项目支出绩效自评表", "author": OFFICER,
                       "company": "某区社区服务中心", "created": CREATED})
    f = formats(wb)
    write_main(wb, f)
    write_annex(wb, f)
    wb.define_name("项目执行率", f"='{MAIN}'!$H$6")
    wb.define_name(f"'{ANNEX}'!季度支出", f"='{ANNEX}'!$B$3:$E$4")
    wb.close()
    return path


if __name__ == "__main__":
    print(main())
