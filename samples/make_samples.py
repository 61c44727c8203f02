#!/usr/bin/env python3
"""Write the sample workbooks (绩效自评表) used by the tests and the demo, and `planted.toml`.

    .venv/bin/python samples/make_samples.py

Deterministic: fixed content, fixed document dates, fixed zip timestamps, and a seeded
"random" source for the encrypted sample, so two runs give byte-identical files.

Each sample is laid out the way a different officer would do it (merged cells, inserted rows,
label synonyms, numbers typed as text, a Sichuan variant, a legacy .xls ...). The reader must find
everything by label. What a correct checker must report for each table is written to
`planted.toml`; every score there was worked out by hand from docs `scoring.md` (the arithmetic
is in the comments). The layout code below only decides *where* things go; it never scores.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, ROUND_HALF_UP
from pathlib import Path
from typing import Any

import openpyxl
import xlwt
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad"
FIXED_DT = datetime(2025, 3, 20, 9, 0, 0)
ZIP_DT = (2025, 3, 20, 9, 0, 0)
DASH = "—"


def ref(r: int, c: int) -> str:
    """1-based row/col → 'B3'."""
    return f"{get_column_letter(c)}{r}"


# ----------------------------------------------------------------------------------------------
# Formulas: openpyxl writes no cached value; we inject one afterwards when `cached` is given.
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class F:
    text: str                 # '=E6/D6'
    cached: float | None      # None: leave the formula without a cached value


# ----------------------------------------------------------------------------------------------
# Two back ends with the same tiny interface: put(r, c, value, style, r2, c2), width, height.
# ----------------------------------------------------------------------------------------------
@dataclass
class Theme:
    font: str = "宋体"
    size: int = 10
    title_size: int = 16
    header_bold: bool = True
    header_fill: str | None = None
    border: str = "thin"
    money_fmt: str = "0.00"


class XlsxBackend:
    def __init__(self, ws, theme: Theme):
        self.ws = ws
        self.t = theme
        self.cache: dict[str, float] = {}       # A1 ref → cached value to inject
        self.nocache: list[str] = []            # formulas deliberately left without a value
        side = Side(style=theme.border)
        self.border = Border(left=side, right=side, top=side, bottom=side)
        fill = PatternFill("solid", fgColor=theme.header_fill) if theme.header_fill else None
        body = Font(name=theme.font, size=theme.size)
        self.styles = {
            "title": (Font(name=theme.font, size=theme.title_size, bold=True),
                      Alignment(horizontal="center", vertical="center"), None, None, "General"),
            "sub": (Font(name=theme.font, size=theme.size + 1),
                    Alignment(horizontal="center", vertical="center"), None, None, "General"),
            "note": (Font(name=theme.font, size=theme.size),
                     Alignment(horizontal="left", vertical="center"), None, None, "General"),
            "head": (Font(name=theme.font, size=theme.size, bold=theme.header_bold),
                     Alignment(horizontal="center", vertical="center", wrap_text=True),
                     self.border, fill, "General"),
            "label": (Font(name=theme.font, size=theme.size, bold=theme.header_bold),
                      Alignment(horizontal="center", vertical="center", wrap_text=True),
                      self.border, None, "General"),
            "center": (body, Alignment(horizontal="center", vertical="center", wrap_text=True),
                       self.border, None, "General"),
            "text": (body, Alignment(horizontal="left", vertical="center", wrap_text=True),
                     self.border, None, "General"),
            "money": (body, Alignment(horizontal="right", vertical="center"),
                      self.border, None, theme.money_fmt),
            "num": (body, Alignment(horizontal="center", vertical="center"),
                    self.border, None, "General"),
            "score": (body, Alignment(horizontal="center", vertical="center"),
                      self.border, None, "0.00"),
            "pct": (body, Alignment(horizontal="center", vertical="center"),
                    self.border, None, "0.00%"),
        }

    def put(self, r, c, v, st="center", r2=None, c2=None):
        r2 = r2 or r
        c2 = c2 or c
        if (r2, c2) != (r, c):
            self.ws.merge_cells(start_row=r, start_column=c, end_row=r2, end_column=c2)
        font, align, border, fill, fmt = self.styles[st]
        for rr in range(r, r2 + 1):
            for cc in range(c, c2 + 1):
                cell = self.ws.cell(rr, cc)
                cell.font = font
                cell.alignment = align
                if border is not None:
                    cell.border = border
                if fill is not None:
                    cell.fill = fill
                cell.number_format = fmt
        if isinstance(v, F):
            self.ws.cell(r, c).value = v.text
            if v.cached is None:
                self.nocache.append(ref(r, c))
            else:
                self.cache[ref(r, c)] = v.cached
        elif v is not None and v != "":
            self.ws.cell(r, c).value = v
        return ref(r, c)

    def width(self, c, w):
        self.ws.column_dimensions[get_column_letter(c)].width = w

    def height(self, r, h):
        self.ws.row_dimensions[r].height = h


class XlsBackend:
    """xlwt (BIFF8). Same interface; formulas are not used here."""

    def __init__(self, ws, theme: Theme):
        self.ws = ws
        self.t = theme
        self.cache: dict[str, float] = {}
        self.nocache: list[str] = []
        base = f"font: name {theme.font}, height {theme.size * 20}"
        borders = "borders: left thin, right thin, top thin, bottom thin"
        cen = "align: wrap on, vert centre, horiz centre"
        self.styles = {
            "title": xlwt.easyxf(f"font: name {theme.font}, height {theme.title_size * 20}, bold on; "
                                 "align: vert centre, horiz centre"),
            "sub": xlwt.easyxf(f"{base}; align: vert centre, horiz centre"),
            "note": xlwt.easyxf(f"{base}; align: vert centre, horiz left"),
            "head": xlwt.easyxf(f"{base}, bold on; {cen}; {borders}"),
            "label": xlwt.easyxf(f"{base}, bold on; {cen}; {borders}"),
            "center": xlwt.easyxf(f"{base}; {cen}; {borders}"),
            "text": xlwt.easyxf(f"{base}; align: wrap on, vert centre, horiz left; {borders}"),
            "money": xlwt.easyxf(f"{base}; align: vert centre, horiz right; {borders}",
                                 num_format_str="#,##0.00"),
            "num": xlwt.easyxf(f"{base}; {cen}; {borders}"),
            "score": xlwt.easyxf(f"{base}; {cen}; {borders}", num_format_str="0.00"),
            "pct": xlwt.easyxf(f"{base}; {cen}; {borders}", num_format_str="0.00%"),
        }

    def put(self, r, c, v, st="center", r2=None, c2=None):
        r2 = r2 or r
        c2 = c2 or c
        if isinstance(v, F):
            raise ValueError("no formulas in the .xls sample")
        v = "" if v is None else v
        if (r2, c2) != (r, c):
            self.ws.write_merge(r - 1, r2 - 1, c - 1, c2 - 1, v, self.styles[st])
        else:
            self.ws.write(r - 1, c - 1, v, self.styles[st])
        return ref(r, c)

    def width(self, c, w):
        self.ws.col(c - 1).width = int(256 * w)

    def height(self, r, h):
        row = self.ws.row(r - 1)
        row.height_mismatch = True
        row.height = int(h * 20)


# ----------------------------------------------------------------------------------------------
# The data: one indicator row with what the hand computation expects of it.
# ----------------------------------------------------------------------------------------------
@dataclass
class Ind:
    l1: str
    l2: str
    name: str
    target: Any
    actual: Any
    weight: Any
    reported: Any
    reason: str = ""
    kind: str | None = None          # expected kind (None: an ignored placeholder row)
    completion: float | None = None  # expected completion, 6 decimals
    grade: str | None = None         # qualitative grade
    score: float | None = None       # expected score (2 decimals, half-up)
    calc: str = ""                   # the hand arithmetic
    flags: tuple = ()                # (code, column key[, "optional"])
    op: str | None = None            # Sichuan 指标性质
    unit: str | None = None          # Sichuan 度量单位
    ignored: bool = False            # placeholder row without weight: not an indicator
    inserted: bool = False           # an inserted row: its 二级 cell is left blank, unmerged
    placed: dict = field(default_factory=dict)
    row: int = 0


def ind(l1, l2, name, target, actual, weight, reported, reason="", **kw) -> Ind:
    return Ind(l1, l2, name, target, actual, weight, reported, reason, **kw)


def ph(l1, l2, name, fill="", **kw) -> Ind:
    """A template placeholder row with no weight (must be ignored)."""
    return Ind(l1, l2, name, fill, fill, fill if fill else None, fill if fill else None,
               fill, ignored=True, **kw)


@dataclass
class Table:
    sheet: str
    kind: str
    unit: str
    project: str | None
    year: int | None
    initial: float | None
    annual: float
    executed: float
    rate: float
    exec_weight: float
    exec_score: float
    reported_rate: Any
    reported_exec_score: Any
    inds: list[Ind]
    indicator_score: float
    total: float
    reported_total: Any
    grade: str
    calc: list[str]                  # arithmetic and notes for the table (comments)
    table_flags: list = field(default_factory=list)   # (code, cell-key or literal cell or None, opt, note)
    cells: dict = field(default_factory=dict)          # filled by the layout: 'exec', 'rate', 'total', l1 cells
    ignored_rows: list = field(default_factory=list)
    impl: str | None = None          # 实施单位 as written, when the form has one

    def check(self):
        """Consistency of the hand arithmetic (not a scoring implementation)."""
        real = [i for i in self.inds if not i.ignored]
        s = sum(Decimal(str(i.score)) for i in real)
        assert s == Decimal(str(self.indicator_score)), (self.sheet, s, self.indicator_score)
        t = Decimal(str(self.exec_score)) + s
        assert t == Decimal(str(self.total)), (self.sheet, t, self.total)
        g = "优" if t >= 90 else "良" if t >= 80 else "中" if t >= 60 else "差"
        assert g == self.grade, (self.sheet, g)
        for i in real:
            if isinstance(i.weight, (int, float)) and i.score is not None:
                assert i.score <= i.weight + 1e-9, (self.sheet, i.name)


# ----------------------------------------------------------------------------------------------
# Layout helpers
# ----------------------------------------------------------------------------------------------
def funds_block(b, r0, sec, rowlab, cols, rows, *, sec_rows_extra=0):
    """sec = (c1, c2, text) merged down over header + rows; rowlab = (c1, c2, header text);
    cols = [(key, label, c1, c2)]; rows = [dict(label=..., total=bool, key=value...)].
    Returns (next row, {key: ref} of the total row)."""
    last = r0 + len(rows) + sec_rows_extra
    b.put(r0, sec[0], sec[2], "label", last, sec[1])
    b.put(r0, rowlab[0], rowlab[2], "head", r0, rowlab[1])
    for key, label, c1, c2 in cols:
        b.put(r0, c1, label, "head", r0, c2)
    total_cells = {}
    for k, row in enumerate(rows):
        r = r0 + 1 + k
        b.put(r, rowlab[0], row["label"], "text" if not row.get("total") else "label", r, rowlab[1])
        for key, label, c1, c2 in cols:
            v = row.get(key, "")
            if isinstance(v, F):
                st = "pct" if key == "rate" else "score"
            elif isinstance(v, (int, float)):
                st = {"rate": "pct", "weight": "num", "score": "score"}.get(key, "money")
            else:
                st = "center"
            cell = b.put(r, c1, v, st, r, c2)
            if row.get("total"):
                total_cells[key] = cell
        total_cells.setdefault("_row", None)
        if row.get("total"):
            total_cells["_row"] = r
    return r0 + 1 + len(rows), total_cells


def goal_block(b, r0, lab, expect, actual, c_lab, c_e, c_a, c_end, *, heads=("预期目标", "实际完成情况"),
               height=90):
    """年度总体目标: label merged over two rows, a header row, then the two texts."""
    b.put(r0, c_lab[0], lab, "label", r0 + 1, c_lab[1])
    b.put(r0, c_e[0], heads[0], "head", r0, c_e[1])
    b.put(r0, c_a, heads[1], "head", r0, c_end)
    b.put(r0 + 1, c_e[0], expect, "text", r0 + 1, c_e[1])
    b.put(r0 + 1, c_a, actual, "text", r0 + 1, c_end)
    b.height(r0 + 1, height)
    return r0 + 2


def indicator_block(b, r0, cols, inds, *, sec=None, l1_text=None, merge_l1=True, merge_l2=True,
                    row_h=None):
    """Header row at r0, indicator rows below. cols = [(key, label, c1, c2)] with keys among
    l1 l2 name op target unit actual weight score reason. sec = (c1, c2, text) merged down.
    Fills ind.placed / ind.row. Returns (next row, {level1: label cell})."""
    l1_text = l1_text or {}
    colmap = {key: (c1, c2) for key, _, c1, c2 in cols}
    for key, label, c1, c2 in cols:
        b.put(r0, c1, label, "head", r0, c2)
    first = r0 + 1
    for k, it in enumerate(inds):
        r = first + k
        it.row = r
        for key, (c1, c2) in colmap.items():
            if key in ("l1", "l2"):
                continue
            v = {"name": it.name, "op": it.op, "target": it.target, "unit": it.unit,
                 "actual": it.actual, "weight": it.weight, "score": it.reported,
                 "reason": it.reason}[key]
            if key in ("weight",) and isinstance(v, (int, float)):
                st = "num"
            elif key == "score" and isinstance(v, (int, float)):
                st = "score"
            elif key in ("name", "reason"):
                st = "text"
            else:
                st = "center"
            it.placed[key] = b.put(r, c1, v, st, r, c2)
        if row_h:
            b.height(r, row_h)
    # 一级 / 二级 columns: runs of equal text
    l1_cells = {}
    c1, c2 = colmap["l1"]
    k = 0
    while k < len(inds):
        j = k
        while j + 1 < len(inds) and inds[j + 1].l1 == inds[k].l1:
            j += 1
        text = l1_text.get(inds[k].l1, inds[k].l1)
        if merge_l1:
            cell = b.put(first + k, c1, text, "center", first + j, c2)
        else:
            cell = None
            for m in range(k, j + 1):
                cm = b.put(first + m, c1, text, "center", first + m, c2)
                cell = cell or cm
        l1_cells[inds[k].l1] = cell
        for m in range(k, j + 1):
            inds[m].placed["l1"] = cell if merge_l1 else ref(first + m, c1)
        k = j + 1
    c1, c2 = colmap["l2"]
    k = 0
    while k < len(inds):
        if inds[k].inserted:
            b.put(first + k, c1, None, "center", first + k, c2)
            inds[k].placed["l2"] = ref(first + k, c1)
            k += 1
            continue
        j = k
        while (j + 1 < len(inds) and inds[j + 1].l2 == inds[k].l2 and inds[j + 1].l1 == inds[k].l1
               and not inds[j + 1].inserted):
            j += 1
        if merge_l2:
            cell = b.put(first + k, c1, inds[k].l2, "center", first + j, c2)
            for m in range(k, j + 1):
                inds[m].placed["l2"] = cell
        else:
            for m in range(k, j + 1):
                inds[m].placed["l2"] = b.put(first + m, c1, inds[m].l2, "center", first + m, c2)
        k = j + 1
    last = first + len(inds) - 1
    if sec:
        b.put(r0, sec[0], sec[2], "label", last, sec[1])
    return last + 1, l1_cells


# ----------------------------------------------------------------------------------------------
# 1. 洪山区团委 2024 部门整体 (the seed)
# ----------------------------------------------------------------------------------------------
HS_EXPECT = ("1.组织创业就业培训5场、120人次，新增青创贷款申报不少于300个；提供实习岗位10个，开展大学生实习实践"
             "不少于100人次。2.以辖区20个社区为依托，开展暑期免费托管活动600场，服务青少年15000人次以上。"
             "3.推动社区与高校结对共建，开展青年志愿服务活动1000场，全年志愿服务总时长8万小时以上。"
             "4.开展青年主题活动和青少年心理辅导活动不少于10场。5.开展示范性宣讲活动不少于5场。"
             "6.举办全区团干部培训班，培训团干部不少于50人。7.普及好、运用好“青年大学习”网上主题团课，"
             "“洪山共青团”微信公众号全年办刊200期以上。8.提档升级青年人才之家·洪山驿站服务功能，"
             "“青创贷”审批金额不低于上一年度，引导更多青年人才留在洪山。")
HS_ACTUAL = ("1.组织创业培训5场、培训120人次；新增青创贷申报616个，放款3659.5万元；提供实习岗位42个，开展大学生"
             "实习实践200人次。2.开办9家“周末学堂”和32个“暑假学堂”，开展课程活动1000余节次，服务青少年46800人次。"
             "3.全年开展志愿服务活动2800余场，服务总时长8万小时。4.累计开展青年主题活动和青少年心理辅导活动28场。"
             "5.开展主题教育实践活动及宣讲40场次，覆盖团员青年1580人次。6.举办“青马工程”综合班，培训团干部54人。"
             "7.“洪山共青团”微信公众号全年累计发文303期。8.洪山驿站累计接待入住349余人；青创贷审核通过106笔，"
             "放款3659.5万元。已完成全年绩效目标。")


def hongshan_table() -> Table:
    P, E, S = "产出指标", "效益指标", "满意度指标"
    Q = "数量指标"
    oc = ("over-completion", "actual")
    inds = [
        ind(P, Q, "组织创业就业培训", "5场、120人次", "5场、120人次", 5, 5,
            kind="compound", completion=1.0, score=5.0,
            calc="compound: 5/5=1, 120/120=1 → min 1 → 5×1 = 5.00"),
        ind(P, Q, "新增青创贷款申报数", "不少于300个", "616个", 5, 5,
            kind="positive", completion=2.053333, score=5.0, flags=(oc,),
            calc="616/300 = 2.053333 → 5×min(2.05,1) = 5.00; ≥1.2 → over-completion"),
        ind(P, Q, "提供大学生实习岗位", "10个", "42个", 4, 4,
            kind="positive", completion=4.2, score=4.0, flags=(oc,),
            calc="bare number → positive; 42/10 = 4.2 → 4.00; over-completion"),
        ind(P, Q, "开展大学生实习实践", "不少于100人次", "200人次", 4, 4,
            kind="positive", completion=2.0, score=4.0, flags=(oc,),
            calc="200/100 = 2.0 → 4.00; over-completion"),
        ind(P, Q, "开展暑期免费托管活动", "600场", "1000余节次", 5, 5,
            kind="positive", completion=1.666667, score=5.0, flags=(("unit-mismatch", "actual"), oc),
            calc="余 → 1000; 1000/600 = 1.666667 → 5.00; 场 ≠ 节次 → unit-mismatch; over-completion"),
        ind(P, Q, "服务青少年人次", "15000人次以上", "46800人次", 5, 5,
            kind="positive", completion=3.12, score=5.0, flags=(oc,),
            calc="以上 → ≥; 46800/15000 = 3.12 → 5.00; over-completion"),
        ind(P, Q, "开展青年志愿服务活动", "1000场", "2800余场", 4, 4,
            kind="positive", completion=2.8, score=4.0, flags=(oc,),
            calc="2800/1000 = 2.8 → 4.00; over-completion"),
        ind(P, Q, "志愿服务总时长", "8万小时以上", "8万小时", 4, 4,
            kind="positive", completion=1.0, score=4.0,
            calc="8万小时 = 80000 小时 both sides; 80000/80000 = 1 → 4.00"),
        ind(P, Q, "开展青年主题活动和青少年心理辅导活动", "不少于10场", "28场", 4, 4,
            kind="positive", completion=2.8, score=4.0, flags=(oc,),
            calc="28/10 = 2.8 → 4.00; over-completion"),
        ind(P, Q, "开展示范性宣讲活动", "不少于5场", "40场", 4, 4,
            kind="positive", completion=8.0, score=4.0, flags=(oc,),
            calc="40/5 = 8 → 4.00; over-completion"),
        ind(P, Q, "培训团干部人数", "不少于50人", "54人", 4, 4,
            kind="positive", completion=1.08, score=4.0,
            calc="54/50 = 1.08 → 4.00 (< 1.2: no over-completion)"),
        ind(P, Q, "“洪山共青团”微信公众号办刊期数", "200期以上", "303期", 4, 4,
            kind="positive", completion=1.515, score=4.0, flags=(oc,),
            calc="303/200 = 1.515 → 4.00; over-completion"),
        ind(P, "质量指标", "“青年大学习”网上主题团课", "普及好、运用好", "达成年度指标", 4, 4,
            kind="qualitative", grade="达成", score=4.0,
            calc="no quantity in target → qualitative; 达成 band [3.2, 4]; reported 4 stands"),
        ind(E, "社会效益指标", "“青创贷”审批金额", "不低于上一年度", "3659.5万元", 6, 6,
            kind="manual", score=6.0, flags=(("manual-review", "target"),),
            calc="relative target → manual: officer's 6 capped at 6 → 6.00; manual-review (info)"),
        ind(E, "社会效益指标", "青少年理想信念教育", "有效加强", "效果明显", 4, 4,
            kind="qualitative", grade="达成", score=4.0,
            calc="qualitative 达成, reported 4 in [3.2, 4] → 4.00"),
        ind(E, "可持续影响指标", "青年人才之家·洪山驿站服务功能", "提档升级",
            "完成提档升级，累计接待入住349余人", 5, 5,
            kind="qualitative", grade="达成", score=5.0,
            calc="target has no quantity → qualitative; actual non-blank, no 未/部分/基本 → 达成; 5 in [4, 5]"),
        ind(E, "可持续影响指标", "引导青年人才留在洪山", "效果明显", "达成预期指标", 4, 4,
            kind="qualitative", grade="达成", score=4.0, calc="达成; 4 in [3.2, 4] → 4.00"),
        ind(S, "服务对象满意度指标", "青少年和家长满意度", "满意", "受到青少年和家长一致好评", 5, 5,
            kind="qualitative", grade="达成", score=5.0, calc="达成; 5 in [4, 5] → 5.00"),
    ]
    return Table(
        sheet="部门整体支出绩效自评表", kind="department", unit="共青团武汉市洪山区委员会", project=None,
        year=2024, initial=340.5, annual=344.18, executed=342.03, rate=0.993753,
        exec_weight=20, exec_score=19.88, reported_rate=0.9938, reported_exec_score=19.88,
        inds=inds, indicator_score=80.0, total=99.88, reported_total=99.88, grade="优",
        calc=["rate = 342.03 / 344.18 = 0.99375327 → 0.993753 (reported 0.9938 shown as 99.38%: "
              "99.375327% at 2 decimals = 99.38 → no mismatch)",
              "execution = 20 × 0.99375327 = 19.8750654 → 19.88 (weight 20 from the 分值 cell)",
              "funds: 330.18 + 14.00 = 344.18, 328.03 + 14.00 = 342.03, 326.50 + 14.00 = 340.50 → consistent",
              "indicators: 18 rows, weights 5+5+4+4+5+5+4+4+4+4+4+4 (数量 52) + 4 + 6+4+5+4 + 5 = 80; "
              "every score = its weight → 80.00",
              "total = 19.88 + 80.00 = 99.88 → 优; reported 99.88 → no total-mismatch; "
              "weights 20 + 80 = 100"],
    )


def write_hongshan(path: Path) -> Table:
    t = hongshan_table()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = t.sheet
    b = XlsxBackend(ws, Theme(size=11, title_size=18))
    for c, w in zip(range(1, 9), (14, 16, 30, 16, 22, 9, 9, 26)):
        b.width(c, w)
    b.put(1, 1, "部门整体支出绩效自评表", "title", 1, 8)
    b.height(1, 32)
    b.put(2, 1, "（2024年度）", "sub", 2, 8)
    b.put(3, 1, "部门名称", "label")
    b.put(3, 2, t.unit, "text", 3, 8)
    nxt, tot = funds_block(
        b, 4, (1, 1, "部门预算资金（万元）"), (2, 2, ""),
        [("initial", "年初预算数", 3, 3), ("annual", "全年预算数", 4, 4), ("executed", "实际执行数", 5, 5),
         ("weight", "分值", 6, 6), ("rate", "执行率", 7, 7), ("score", "得分", 8, 8)],
        [dict(label="年度资金总额", total=True, initial=340.5, annual=344.18, executed=342.03,
              weight=20, rate=0.9938, score=19.88),
         dict(label="其中：财政拨款", initial=326.5, annual=330.18, executed=328.03,
              weight=DASH, rate=DASH, score=DASH),
         dict(label="其他资金", initial=14.0, annual=14.0, executed=14.0, weight=DASH, rate=DASH,
              score=DASH)])
    t.cells.update(exec=tot["executed"], rate=tot["rate"])
    nxt = goal_block(b, nxt, "年度总体目标", HS_EXPECT, HS_ACTUAL, (1, 1), (2, 4), 5, 8, height=150)
    nxt, l1 = indicator_block(
        b, nxt,
        [("l1", "一级指标", 1, 1), ("l2", "二级指标", 2, 2), ("name", "三级指标", 3, 3),
         ("target", "年度指标值", 4, 4), ("actual", "实际完成值", 5, 5), ("weight", "分值", 6, 6),
         ("score", "得分", 7, 7), ("reason", "偏差原因分析及改进措施", 8, 8)],
        t.inds, row_h=30)
    t.cells.update(l1)
    b.put(nxt, 1, "总分", "label", nxt, 5)
    b.put(nxt, 6, 100, "num")
    t.cells["total"] = b.put(nxt, 7, 99.88, "score")
    b.put(nxt, 8, None, "center")
    ws.freeze_panes = None
    save_xlsx(wb, path, {0: b})
    return t


# ----------------------------------------------------------------------------------------------
# 2. 某区民政局 居家养老服务补贴 (clean national layout, formulas with cached values)
# ----------------------------------------------------------------------------------------------
def minzheng_table() -> Table:
    P, E, S = "产出指标", "效益指标", "满意度指标"
    inds = [
        ind(P, "数量指标", "享受居家养老服务补贴老年人数", "≥3000人", "2950人", 10, 9.83,
            "部分补贴对象去世或迁出辖区，补贴名单动态调整；下一步加强对象动态核查，合理测算年度指标。",
            kind="positive", completion=0.983333, score=9.83,
            calc="2950/3000 = 0.983333 → 10×0.983333 = 9.8333 → 9.83 (reason given: no deviation flag)"),
        ind(P, "数量指标", "上门助餐、助洁等服务次数", "≥36000人次", "37200人次", 10, 10,
            kind="positive", completion=1.033333, score=10.0, calc="37200/36000 = 1.033333 → 10.00"),
        ind(P, "质量指标", "补贴资金发放准确率", "100%", "100%", 10, 10,
            kind="positive", completion=1.0, score=10.0, calc="bare number → positive; 100/100 = 1 → 10.00"),
        ind(P, "时效指标", "补贴资金发放及时性", "按季度及时发放", "按时发放", 10, 10,
            kind="qualitative", grade="达成", score=10.0,
            calc="no quantity → qualitative; 达成, 10 in [8, 10] → 10.00"),
        ind(P, "成本指标", "人均月补贴标准", "≤200元", "200元", 10, 10,
            kind="reverse", completion=1.0, score=10.0, calc="reverse: 200 ≤ 200 → 1 → 10.00"),
        ph(E, "经济效益指标", "/", "/"),
        ind(E, "社会效益指标", "失能、高龄困难老年人居家养老服务覆盖率", "≥95%", "96.5%", 15, 15,
            kind="positive", completion=1.015789, score=15.0, calc="96.5/95 = 1.015789 → 15.00"),
        ph(E, "生态效益指标", "/", "/"),
        ind(E, "可持续影响指标", "居家养老服务体系建设", "持续完善", "达成预期指标", 15, 15,
            kind="qualitative", grade="达成", score=15.0, calc="达成; 15 in [12, 15] → 15.00"),
        ind(S, "服务对象满意度指标", "服务对象满意度", "≥90%", "93.2%", 10, 10,
            kind="positive", completion=1.035556, score=10.0, calc="93.2/90 = 1.035556 → 10.00"),
    ]
    return Table(
        sheet="项目支出绩效自评表", kind="project", unit="219001-某区民政局", project="居家养老服务补贴",
        impl="219003-某区养老服务指导中心",
        year=2024, initial=500.0, annual=480.0, executed=470.4, rate=0.98, exec_weight=10,
        exec_score=9.8, reported_rate=0.98, reported_exec_score=9.8, inds=inds,
        indicator_score=89.83, total=99.63, reported_total=99.63, grade="优",
        calc=["rate = 470.40 / 480.00 = 0.98; execution = 10 × 0.98 = 9.80",
              "funds: 全年 450 + 30 + — = 480 ✓; 执行 440.40 + 30 + — = 470.40 ✓",
              "执行率, 得分 and both 总分 cells are formulas WITH cached values (no formula-no-cache)",
              "indicators 9.83 + 10 + 10 + 10 + 10 + 15 + 15 + 10 = 89.83; weights 10 + 50 + 30 + 10 = 100",
              "the two '/' rows (经济效益指标, 生态效益指标) are template placeholders without weight: ignored",
              "total = 9.80 + 89.83 = 99.63 → 优; reported (formula cache) 99.63 → no flag",
              "unit: 主管部门 as written; 实施单位 is 219003-某区养老服务指导中心"],
    )


def write_minzheng(path: Path) -> Table:
    t = minzheng_table()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = t.sheet
    b = XlsxBackend(ws, Theme(size=10, title_size=16, header_fill="D9D9D9", money_fmt="#,##0.00"))
    for c, w in zip(range(1, 10), (8, 11, 13, 28, 13, 13, 8, 10, 30)):
        b.width(c, w)
    b.put(1, 1, "项目支出绩效自评表", "title", 1, 9)
    b.height(1, 30)
    b.put(2, 1, "（2024年度）", "sub", 2, 9)
    b.put(3, 1, "项目名称", "label", 3, 2)
    b.put(3, 3, t.project, "text", 3, 9)
    b.put(4, 1, "主管部门", "label", 4, 2)
    b.put(4, 3, t.unit, "text", 4, 5)
    b.put(4, 6, "实施单位", "label", 4, 7)
    b.put(4, 8, t.impl, "text", 4, 9)
    # rows 5..9: total row is 6 → E6 全年预算, F6 全年执行, G6 分值, H6 执行率, I6 得分
    nxt, tot = funds_block(
        b, 5, (1, 1, "项目资金\n（万元）"), (2, 3, ""),
        [("initial", "年初预算数", 4, 4), ("annual", "全年预算数", 5, 5), ("executed", "全年执行数", 6, 6),
         ("weight", "分值", 7, 7), ("rate", "执行率", 8, 8), ("score", "得分", 9, 9)],
        [dict(label="年度资金总额", total=True, initial=500.0, annual=480.0, executed=470.4, weight=10,
              rate=F("=IF(E6=0,0,F6/E6)", 0.98), score=F("=ROUND(G6*MIN(H6,1),2)", 9.8)),
         dict(label="其中：当年财政拨款", initial=500.0, annual=450.0, executed=440.4, weight=DASH, rate="",
              score=DASH),
         dict(label="上年结转资金", initial=DASH, annual=30.0, executed=30.0, weight=DASH, rate="",
              score=DASH),
         dict(label="其他资金", initial=DASH, annual=DASH, executed=DASH, weight=DASH, rate="",
              score=DASH)])
    assert tot["_row"] == 6
    t.cells.update(exec=tot["executed"], rate=tot["rate"])
    nxt = goal_block(b, nxt, "年度总体目标",
                     "为辖区经济困难的高龄、失能、独居老年人提供居家养老服务补贴，全年补贴老年人不少于3000人，"
                     "提供上门助餐、助洁等服务不少于36000人次，补贴资金按季度及时足额发放，服务对象满意度不低于90%。",
                     "全年为2950名老年人发放居家养老服务补贴，提供上门服务37200人次，补贴资金按季度及时足额发放，"
                     "服务对象满意度93.2%。",
                     (1, 1), (2, 5), 6, 9, height=75)
    hdr = nxt
    nxt, l1 = indicator_block(
        b, nxt,
        [("l1", "一级指标", 2, 2), ("l2", "二级指标", 3, 3), ("name", "三级指标", 4, 4),
         ("target", "年度指标值", 5, 5), ("actual", "实际完成值", 6, 6), ("weight", "分值", 7, 7),
         ("score", "得分", 8, 8), ("reason", "偏差原因分析及改进措施", 9, 9)],
        t.inds, sec=(1, 1, "绩效指标"), row_h=28)
    t.cells.update(l1)
    first, last = hdr + 1, nxt - 1
    b.put(nxt, 1, "总分", "label", nxt, 6)
    b.put(nxt, 7, F(f"=G6+SUM(G{first}:G{last})", 100), "num")
    t.cells["total"] = b.put(nxt, 8, F(f"=I6+SUM(H{first}:H{last})", 99.63), "score")
    b.put(nxt, 9, None, "center")
    t.ignored_rows = [i.row for i in t.inds if i.ignored]
    save_xlsx(wb, path, {0: b})
    return t


# ----------------------------------------------------------------------------------------------
# 3a. 某街道 青少年服务 — the faults at indicator level, a wrong 总分
# ----------------------------------------------------------------------------------------------
def jiedao_youth_table() -> Table:
    P, E, S = "产出指标", "效益指标", "满意度指标"
    Q = "数量指标"
    inds = [
        ind(P, Q, "组织青少年创业就业培训", "5场、120人次", "4场、120人次", 5, 4,
            "受活动场地改造影响，1场培训顺延至2025年1月举办。",
            kind="compound", completion=0.8, score=4.0,
            calc="compound: 4/5 = 0.8, 120/120 = 1 → min 0.8 → 5×0.8 = 4.00; reason given"),
        ind(P, Q, "暑期托管活动", "600场", "1000余节次", 5, 5,
            kind="positive", completion=1.666667, score=5.0,
            flags=(("unit-mismatch", "actual"), ("over-completion", "actual")),
            calc="1000/600 = 1.666667 → 5.00; 场 ≠ 节次 → unit-mismatch; ≥1.2 → over-completion"),
        ind(P, Q, "服务青少年人次", "≥3000人次", "2700人次", 5, 4.5,
            "暑期两周高温停课，部分活动取消；下一步合理安排活动时间。",
            kind="positive", completion=0.9, score=4.5,
            calc="2700/3000 = 0.9 → 4.50 (unmet, reason written: no flag)"),
        ind(P, Q, "开展志愿服务活动场次", "不少于24场", "18场", 5, 3.75, "",
            kind="positive", completion=0.75, score=3.75,
            flags=(("deviation-reason-missing", "reason"),),
            calc="18/24 = 0.75 → 3.75 < 5 and 偏差原因 blank → deviation-reason-missing"),
        ind(P, Q, "覆盖社区数", "10个", "10个", 5, 4.5,
            kind="positive", completion=1.0, score=5.0, flags=(("score-mismatch", "score"),),
            calc="10/10 = 1 → 5.00; reported 4.5 differs by 0.5 > 0.1 → score-mismatch"),
        ind(P, Q, "心理辅导活动场次", "≥8场", "12场", 5, 6,
            kind="positive", completion=1.5, score=5.0, inserted=True,
            flags=(("over-completion", "actual"), ("score-over-weight", "score"),
                   ("score-mismatch", "score", "optional")),
            calc="inserted row (二级 blank, forward-fill 数量指标); 12/8 = 1.5 → 5.00; over-completion; "
                 "reported 6 > 分值 5 → score-over-weight; |6-5| = 1 > 0.1 → score-mismatch by the letter "
                 "(optional: a checker may treat it as part of score-over-weight)"),
        ind(P, "质量指标", "活动参与率", "≥90%", "92%", 5, None,
            kind="positive", completion=1.022222, score=5.0, flags=(("score-missing", "score"),),
            calc="92/90 = 1.022222 → 5.00; 得分 blank → score-missing (the computed 5.00 counts)"),
        ind(P, "质量指标", "信息报送差错率", "≤5%", "8%", 5, 3.13,
            "部分社区信息员更替，数据核对不及时；下一步建立双人复核制度。",
            kind="reverse", completion=0.625, score=3.13,
            calc="reverse, 8 > 5 → 5/8 = 0.625 → 5×0.625 = 3.125 → 3.13 (half-up! banker's rounding "
                 "would give 3.12)"),
        ind(P, "时效指标", "项目完成时限", "2024年12月底前完成", "按期完成", 5, 5,
            kind="qualitative", grade="达成", score=5.0,
            calc="deadline target → qualitative; 按期完成 → 达成; 5 in [4, 5] → 5.00"),
        ind(P, "成本指标", "活动经费支出", "≤30万元", "28.6万元", 5, 5,
            kind="reverse", completion=1.0, score=5.0, calc="reverse, 28.6 ≤ 30 → 1 → 5.00"),
        ind(E, "社会效益指标", "青少年综合素质", "有效提升", "部分达成", 10, 9,
            "部分活动受天气影响未能按计划开展，下一步丰富活动形式。",
            kind="qualitative", grade="部分达成", score=7.99,
            flags=(("qualitative-band", "score"), ("score-mismatch", "score", "optional")),
            calc="部分达成 band [6, 8); reported 9 outside → qualitative-band; nearest inside = 0.8×10−0.01 "
                 "= 7.99; |9−7.99| = 1.01 > 0.1 → score-mismatch by the letter (optional: qualitative-band "
                 "already says it); reason written"),
        ind(E, "社会效益指标", "青少年活动参与人次", "不低于上一年度", "3200人次", 10, 10,
            kind="manual", score=10.0, flags=(("manual-review", "target"),),
            calc="relative target → manual; reported 10 ≤ 10 stands → 10.00; manual-review"),
        ind(E, "可持续影响指标", "青少年服务阵地运行数量", "≥5个", "完成", 5, 5,
            kind="qualitative", grade="达成", score=5.0, flags=(("actual-not-numeric", "actual"),),
            calc="numeric target, actual 完成 → actual-not-numeric; scored as qualitative: 达成, 5 in "
                 "[4, 5] → 5.00. kind reported as qualitative (ambiguous: a checker may keep "
                 "'positive' as the kind)"),
        ind(E, "可持续影响指标", "青少年参与社区治理人数", "≥200人", None, 5, 0,
            "相关数据尚未统计完毕。",
            kind="positive", completion=None, score=0.0, flags=(("actual-missing", "actual"),),
            calc="actual blank → score 0, actual-missing; reported 0 = computed; reason written so no "
                 "deviation-reason-missing"),
        ind(S, "服务对象满意度指标", "家长满意度", "≥90%", "95%", 5, 5,
            kind="positive", completion=1.055556, score=5.0, calc="95/90 = 1.055556 → 5.00"),
        ind(S, "服务对象满意度指标", "有效投诉次数", "0次", "0次", 5, 5,
            kind="positive", completion=1.0, score=5.0, flags=(("target-zero", "target"),),
            calc="bare 0 → positive; zero target → target-zero, completion 1 (B = 0 ≥ 0) → 5.00"),
    ]
    return Table(
        sheet="项目支出绩效自评表", kind="project", unit="401001-某区洪福街道办事处",
        project="青少年成长关爱服务项目", impl="某区洪福街道团工委", year=2024, initial=45.0, annual=45.0, executed=43.2, rate=0.96,
        exec_weight=10, exec_score=9.6, reported_rate="96%", reported_exec_score=9.6, inds=inds,
        indicator_score=78.37, total=87.97, reported_total=92, grade="良",
        table_flags=[("total-mismatch", "total", False, "computed 87.97, reported 92: |92−87.97| = 4.03 > 0.1")],
        calc=["rate = 43.20 / 45.00 = 0.96 → execution 10 × 0.96 = 9.60; reported '96%' ✓",
              "funds: 当年财政拨款 45.00 / 43.20, others — → components = total ✓",
              "产出: 4.00 + 5 + 4.50 + 3.75 + 5 + 5 + 5 + 3.13 + 5 + 5 = 45.38 (weights 10×5 = 50 = 产出指标(50分))",
              "效益: 7.99 + 10 + 5 + 0 = 22.99 (weights 10+10+5+5 = 30 = 效益指标（30分）)",
              "满意度: 5 + 5 = 10 (weights 10 = 满意度指标(10分))",
              "indicators = 45.38 + 22.99 + 10 = 78.37; weights 10 + 50 + 30 + 10 = 100",
              "total = 9.60 + 78.37 = 87.97 → 良; reported 92 → total-mismatch",
              "layout: an empty row was inserted between the funds block and 年度总体目标; the 心理辅导 row "
              "was inserted below the 数量指标 merge (its 二级 cell is blank)"],
    )


def national_header(b, t, ncols, *, title="项目支出绩效自评表", year="（2024年度）", impl=None, extra=None,
                    lab_span=(1, 2)):
    b.put(1, 1, title, "title", 1, ncols)
    b.height(1, 30)
    b.put(2, 1, year, "sub", 2, ncols)
    r = 3
    if extra:
        b.put(r, 1, extra, "note", r, ncols)
        r += 1
    b.put(r, lab_span[0], "项目名称", "label", r, lab_span[1])
    b.put(r, lab_span[1] + 1, t.project, "text", r, ncols)
    r += 1
    mid = lab_span[1] + 1 + (ncols - lab_span[1]) // 2
    b.put(r, lab_span[0], "主管部门", "label", r, lab_span[1])
    b.put(r, lab_span[1] + 1, t.unit, "text", r, mid - 1)
    b.put(r, mid, "实施单位", "label", r, mid + 1)
    b.put(r, mid + 2, impl or t.unit, "text", r, ncols)
    return r + 1


def write_jiedao_youth(path: Path) -> Table:
    t = jiedao_youth_table()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = t.sheet
    b = XlsxBackend(ws, Theme(size=10, title_size=16, header_bold=False))
    for c, w in zip(range(1, 10), (6, 15, 12, 26, 18, 14, 7, 8, 32)):
        b.width(c, w)
    r = national_header(b, t, 9, impl=t.impl)
    nxt, tot = funds_block(
        b, r, (1, 2, "项目资金\n（万元）"), (3, 3, ""),
        [("initial", "年初预算数", 4, 4), ("annual", "全年预算数", 5, 5), ("executed", "全年执行数", 6, 6),
         ("weight", "分值", 7, 7), ("rate", "执行率", 8, 8), ("score", "得分", 9, 9)],
        [dict(label="年度资金总额", total=True, initial=45.0, annual=45.0, executed=43.2, weight=10,
              rate="96%", score=9.6),
         dict(label="其中：当年财政拨款", initial=45.0, annual=45.0, executed=43.2, weight=DASH, rate=DASH,
              score=DASH),
         dict(label="上年结转资金", initial=DASH, annual=DASH, executed=DASH, weight=DASH, rate=DASH,
              score=DASH),
         dict(label="其他资金", initial=DASH, annual=DASH, executed=DASH, weight=DASH, rate=DASH,
              score=DASH)])
    t.cells.update(exec=tot["executed"], rate=tot["rate"])
    nxt += 1  # an inserted, empty row
    nxt = goal_block(b, nxt, "年度总体目标",
                     "围绕辖区青少年成长需求，开展创业就业培训5场、120人次，暑期托管活动600场，服务青少年不少于3000人次，"
                     "开展志愿服务活动不少于24场，项目于2024年12月底前完成。",
                     "开展创业就业培训4场、120人次，暑期托管课程1000余节次，服务青少年2700人次，开展志愿服务活动18场，"
                     "项目按期完成。",
                     (1, 2), (3, 5), 6, 9, height=60)
    nxt, l1 = indicator_block(
        b, nxt,
        [("l1", "一级指标", 2, 2), ("l2", "二级指标", 3, 3), ("name", "三级指标", 4, 4),
         ("target", "年度指标值", 5, 5), ("actual", "实际完成值", 6, 6), ("weight", "分值", 7, 7),
         ("score", "得分", 8, 8), ("reason", "偏差原因分析及改进措施", 9, 9)],
        t.inds, sec=(1, 1, "绩效\n指标"),
        l1_text={"产出指标": "产出指标(50分)", "效益指标": "效益指标（30分）", "满意度指标": "满意度指标(10分)"},
        row_h=30)
    t.cells.update(l1)
    b.put(nxt, 1, "总分", "label", nxt, 6)
    b.put(nxt, 7, 100, "num")
    t.cells["total"] = b.put(nxt, 8, 92, "score")
    b.put(nxt, 9, None, "center")
    save_xlsx(wb, path, {0: b})
    return t


# ----------------------------------------------------------------------------------------------
# 3b. 某街道 社区治理 — funds faults, placeholders, weights, a formula without cache
# ----------------------------------------------------------------------------------------------
def jiedao_governance_table() -> Table:
    P, E, S = "产出指标", "效益指标", "满意度指标"
    inds = [
        ind(P, "数量指标", "社区议事协商会议次数", "≥12次", "12次", 10, 10,
            kind="positive", completion=1.0, score=10.0, calc="12/12 = 1 → 10.00"),
        ind(P, "数量指标", "指标1：", "≥95%", "96%", 5, 5,
            kind="positive", completion=1.010526, score=5.0, flags=(("placeholder-left", "name"),),
            calc="template name 指标1： left with a weight → placeholder-left; kept and scored as an "
                 "indicator: 96/95 = 1.010526 → 5.00 (AMBIGUOUS: scoring.md only says 'flag'; we read it as "
                 "'still an indicator'. Dropping it would give 产出 40, indicators 76.25, total 83.45 and a "
                 "total-mismatch)"),
        ph(P, "数量指标", "指标2："),
        ind(P, "质量指标", "矛盾纠纷调解成功率", "≥95%", "97%", 10, 10,
            kind="positive", completion=1.021053, score=10.0, calc="97/95 = 1.021053 → 10.00"),
        ph(P, "质量指标", "……"),
        ind(P, "时效指标", "议事事项办结时限", "2024年12月底前完成", "按时完成", 10, 10,
            kind="qualitative", grade="达成", score=10.0, calc="deadline → qualitative 达成 → 10.00"),
        ind(P, "成本指标", "社区治理项目支出", "≤80万元", "57.6万元", 10, 10,
            kind="reverse", completion=1.0, score=10.0, calc="reverse 57.6 ≤ 80 → 1 → 10.00"),
        ind(E, "社会效益指标", "居民参与社区治理活动人次", "≥2000人次", "1500人次", 15, 11.25,
            "部分社区活动阵地改造，活动暂停两个月；下一步错峰安排活动。",
            kind="positive", completion=0.75, score=11.25, calc="1500/2000 = 0.75 → 15×0.75 = 11.25; reason"),
        ph(E, "生态效益指标", "/", "/"),
        ind(E, "可持续影响指标", "社区居民自治机制", "有效运行", "达成年度指标", 15, 15,
            kind="qualitative", grade="达成", score=15.0, calc="达成 → 15.00"),
        ind(S, "服务对象满意度指标", "居民满意度", "≥90%", "92.5%", 10, 10,
            kind="positive", completion=1.027778, score=10.0, calc="92.5/90 = 1.027778 → 10.00"),
    ]
    return Table(
        sheet="项目支出绩效自评表", kind="project", unit="401001-某区洪福街道办事处",
        project="社区治理创新项目", impl="401001-某区洪福街道办事处", year=2024, initial=60.0, annual=80.0, executed=57.6, rate=0.72,
        exec_weight=10, exec_score=7.2, reported_rate="75%", reported_exec_score=7.2, inds=inds,
        indicator_score=81.25, total=88.45, reported_total=88.45, grade="良",
        table_flags=[
            ("fund-rows-sum", "exec", False, "执行: 45.60 + 10.00 = 55.60 ≠ total 57.60 (diff 2.00 > 0.01); "
                                             "total row kept"),
            ("execution-rate-mismatch", "rate", False, "computed 72%, reported '75%' (0 decimals: 72 ≠ 75)"),
            ("low-execution-rate", "rate", False, "0.72 < 0.90, no reason anywhere → warning"),
            ("level1-weight-mismatch", "产出指标", False, "产出指标(50分) but 10+5+10+10+10 = 45"),
            ("weights-sum", None, False, "10 + 45 + 30 + 10 = 95 ≠ 100 (table-level: cell not fixed by "
                                         "the spec)"),
            ("formula-no-cache", "weight_total", False, "总分 row 分值 =SUM formula written by openpyxl "
                                                        "without a cached value"),
        ],
        calc=["rate = 57.60 / 80.00 = 0.72 → execution 10 × 0.72 = 7.20 (reported 得分 7.2 equals it)",
              "funds: 全年 60 + 20 = 80 ✓ but 执行 45.60 + 10.00 = 55.60 ≠ 57.60 → fund-rows-sum, total kept",
              "reported 执行率 '75%' vs 72% → execution-rate-mismatch; 0.72 < 0.90 → low-execution-rate",
              "indicators: 10 + 5 + 10 + 10 + 10 + 11.25 + 15 + 10 = 81.25",
              "placeholders 指标2： / …… / '/' have no weight → ignored (not indicators, no flags)",
              "total = 7.20 + 81.25 = 88.45 → 良; reported 88.45 → no total-mismatch",
              "the reported 总分 得分 is a plain number; only the 总分 分值 cell is a formula (no cache)",
              "a '填报单位（盖章）' line sits under the year: it is not the unit (主管部门 is)"],
    )


def write_jiedao_governance(path: Path) -> Table:
    t = jiedao_governance_table()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = t.sheet
    b = XlsxBackend(ws, Theme(size=9, title_size=15, header_fill="F2F2F2"))
    for c, w in zip(range(1, 10), (7, 14, 13, 24, 18, 14, 7, 8, 30)):
        b.width(c, w)
    r = national_header(b, t, 9, extra="填报单位（盖章）：某区洪福街道办事处　　　　　　　　填报日期：2025年3月18日")
    nxt, tot = funds_block(
        b, r, (1, 1, "项目资金（万元）"), (2, 3, ""),
        [("initial", "年初预算数", 4, 4), ("annual", "全年预算数", 5, 5), ("executed", "全年执行数", 6, 6),
         ("weight", "分值", 7, 7), ("rate", "执行率", 8, 8), ("score", "得分", 9, 9)],
        [dict(label="年度资金总额", total=True, initial=60.0, annual=80.0, executed=57.6, weight=10,
              rate="75%", score=7.2),
         dict(label="其中：当年财政拨款", initial=60.0, annual=60.0, executed=45.6, weight=DASH, rate=DASH,
              score=DASH),
         dict(label="上年结转资金", initial=DASH, annual=20.0, executed=10.0, weight=DASH, rate=DASH,
              score=DASH),
         dict(label="其他资金", initial=DASH, annual=DASH, executed=DASH, weight=DASH, rate=DASH,
              score=DASH)])
    t.cells.update(exec=tot["executed"], rate=tot["rate"])
    fund_weight = tot["weight"]
    nxt = goal_block(b, nxt, "年度总体目标",
                     "完善社区议事协商机制，全年召开议事协商会议不少于12次，矛盾纠纷调解成功率不低于95%，"
                     "居民参与社区治理活动不少于2000人次。",
                     "召开议事协商会议12次，矛盾纠纷调解成功率97%，居民参与社区治理活动1500人次；"
                     "受阵地改造影响预算执行偏低。",
                     (1, 1), (2, 5), 6, 9, height=55)
    hdr = nxt
    nxt, l1 = indicator_block(
        b, nxt,
        [("l1", "一级指标", 2, 2), ("l2", "二级指标", 3, 3), ("name", "三级指标", 4, 4),
         ("target", "年度指标值", 5, 5), ("actual", "实际完成值", 6, 6), ("weight", "分值", 7, 7),
         ("score", "得分", 8, 8), ("reason", "偏差原因分析及改进措施", 9, 9)],
        t.inds, sec=(1, 1, "绩 效 指 标"),
        l1_text={"产出指标": "产出指标(50分)", "效益指标": "效益指标（30分）", "满意度指标": "满意度指标(10分)"},
        row_h=26)
    t.cells.update(l1)
    b.put(nxt, 1, "总分", "label", nxt, 6)
    t.cells["weight_total"] = b.put(nxt, 7, F(f"={fund_weight}+SUM(G{hdr + 1}:G{nxt - 1})", None), "num")
    t.cells["total"] = b.put(nxt, 8, 88.45, "score")
    b.put(nxt, 9, None, "center")
    t.ignored_rows = [i.row for i in t.inds if i.ignored]
    save_xlsx(wb, path, {0: b})
    return t


# ----------------------------------------------------------------------------------------------
# 4. 四川格式 2023 (Sheet1, 附件3, column B / row 3, operator and unit columns, text numbers)
# ----------------------------------------------------------------------------------------------
def sichuan_table() -> Table:
    P, E, S = "产出指标", "效益指标", "满意度指标"
    inds = [
        ind(P, "数量指标", "农村户用卫生厕所改造", "１２０", "126", 10, 10, op="≥", unit="户",
            kind="positive", completion=1.05, score=10.0,
            calc="full-width １２０ = 120; ≥ from 指标性质; 126/120 = 1.05 → 10.00"),
        ind(P, "数量指标", "村庄清洁行动覆盖行政村", "24", "24", 10, 10, op="=", unit="个",
            kind="equal", completion=1.0, score=10.0, calc="= → equal, as positive: 24/24 = 1 → 10.00"),
        ind(P, "数量指标", "垃圾分类收集容器配置", "2,400", "2,530", 10, 10, op="≥", unit="个",
            kind="positive", completion=1.054167, score=10.0, calc="thousands: 2530/2400 = 1.054167 → 10.00"),
        ind(P, "质量指标", "改厕验收合格率", "95", "98.5", 10, 10, op="≥", unit="%",
            kind="positive", completion=1.036842, score=10.0, calc="98.5/95 = 1.036842 → 10.00"),
        ind(P, "时效指标", "项目完工时间", "2023年11月底前", "按期完工", 5, 5, op="定性", unit="/",
            kind="qualitative", grade="达成", score=5.0, calc="定性 → qualitative; 达成; 5 in [4, 5]"),
        ind(P, "成本指标", "户厕改造户均补助", "1500", "1500", 5, 5, op="≤", unit="元/户",
            kind="reverse", completion=1.0, score=5.0, calc="≤ → reverse; 1500 ≤ 1500 → 1 → 5.00"),
        ind(E, "社会效益指标", "农村卫生厕所普及率", "85", "82.3", 10, 9.68,
            "部分偏远农户居住分散、改厕意愿不强，下一步加强宣传引导。", op="≥", unit="%",
            kind="positive", completion=0.968235, score=9.68,
            calc="82.3/85 = 0.968235 → 10×0.968235 = 9.68235 → 9.68; reason written"),
        ind(E, "生态效益指标", "农村生活垃圾无害化处理率", "90", "91", 10, 10, op="≥", unit="%",
            kind="positive", completion=1.011111, score=10.0, calc="91/90 = 1.011111 → 10.00"),
        ind(E, "可持续影响指标", "长效管护机制", "健全", "基本健全", 10, 7.5,
            "村级管护经费保障机制尚在完善。", op="定性", unit="/",
            kind="qualitative", grade="部分达成", score=7.5,
            calc="基本 → 部分达成, band [6, 8); reported 7.5 inside → 7.50; reason written"),
        ind(S, "服务对象满意度指标", "受益群众满意度", "90", "92", 10, 10, op="≥", unit="%",
            kind="positive", completion=1.022222, score=10.0, calc="92/90 = 1.022222 → 10.00"),
    ]
    return Table(
        sheet="Sheet1", kind="project", unit="某县农业农村局", project="2023年农村人居环境整治提升专项资金",
        impl="某县农村能源发展中心",
        year=2023, initial=1000.0, annual=1024.0, executed=998.4, rate=0.975, exec_weight=10,
        exec_score=9.75, reported_rate="97.50%", reported_exec_score=9.75, inds=inds,
        indicator_score=87.18, total=96.93, reported_total=96.93, grade="优",
        calc=["全年 = 调整后预算数（A） typed as text '1,024.00'; rate = 998.40 / 1024.00 = 0.975 → 9.75",
              "funds: 调整后 1,000.00 + 0 + 24 + 0 = 1024 ✓; 执行 974.40 + 0 + 24 + 0 = 998.40 ✓",
              "indicators: 10+10+10+10+5+5 (产出 50) + 9.68 + 10 + 7.5 (效益 27.18) + 10 = 87.18",
              "total = 9.75 + 87.18 = 96.93 → 优; reported 96.93",
              "the funds label 预算执行情况(10分) carries the execution weight; the 权重 cell holds 10 too",
              "unit: 主管部门: as written (实施单位: 某县农村能源发展中心)"],
    )


def write_sichuan(path: Path) -> Table:
    t = sichuan_table()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    b = XlsxBackend(ws, Theme(size=10, title_size=14))
    b.put(1, 1, "附件3", "note")
    for c, w in zip(range(1, 13), (6, 11, 9, 12, 24, 7, 14, 9, 12, 7, 8, 26)):
        b.width(c, w)
    b.put(3, 2, "部门预算项目支出绩效自评表", "title", 3, 12)
    b.height(3, 28)
    b.put(4, 2, "（2023年度）", "sub", 4, 12)
    b.put(5, 2, "项目名称:", "label", 5, 3)
    b.put(5, 4, t.project, "text", 5, 12)
    b.put(6, 2, "主管部门:", "label", 6, 3)
    b.put(6, 4, t.unit, "text", 6, 7)
    b.put(6, 8, "实施单位:", "label", 6, 9)
    b.put(6, 10, t.impl, "text", 6, 12)
    nxt, tot = funds_block(
        b, 7, (2, 2, "预算执行情况(10分)"), (3, 4, "资金来源"),
        [("initial", "年初预算", 5, 5), ("annual", "调整后预算数（A）", 6, 6),
         ("executed", "预算执行数（B）", 7, 7), ("rate", "预算执行率\n（B/A）", 8, 8),
         ("weight", "权重", 9, 9), ("score", "得分", 10, 10), ("reason", "原因", 11, 12)],
        [dict(label="总额", total=True, initial=1000.0, annual="1,024.00", executed=998.4, rate="97.50%",
              weight=10, score=9.75, reason=""),
         dict(label="其中:财政资金", initial=1000.0, annual="1,000.00", executed=974.4, rate="", weight="",
              score="", reason=""),
         dict(label="财政专户管理资金", initial=0, annual=0, executed=0, rate="", weight="", score="",
              reason=""),
         dict(label="单位资金", initial=0, annual=24.0, executed=24.0, rate="", weight="", score="", reason=""),
         dict(label="其他资金", initial=0, annual=0, executed=0, rate="", weight="", score="", reason="")])
    b.height(7, 32)
    t.cells.update(exec=tot["executed"], rate=tot["rate"])
    nxt = goal_block(b, nxt, "年度\n总体目标",
                     "完成农村户用卫生厕所改造120户，配置垃圾分类收集容器2400个，改厕验收合格率不低于95%，"
                     "2023年11月底前完工，农村卫生厕所普及率达到85%。",
                     "完成改厕126户，配置收集容器2530个，验收合格率98.5%，项目按期完工；农村卫生厕所普及率82.3%。",
                     (2, 2), (3, 7), 8, 12, heads=("预期目标", "实际完成目标"), height=55)
    nxt, l1 = indicator_block(
        b, nxt,
        [("l1", "一级\n指标", 3, 3), ("l2", "二级\n指标", 4, 4), ("name", "三级指标", 5, 5),
         ("op", "指标\n性质", 6, 6), ("target", "指标值", 7, 7), ("unit", "度量\n单位", 8, 8),
         ("actual", "完成值", 9, 9), ("weight", "权重", 10, 10), ("score", "得分", 11, 11),
         ("reason", "未完成\n原因分析", 12, 12)],
        t.inds, sec=(2, 2, "绩 效 指 标"), row_h=26)
    t.cells.update(l1)
    b.put(nxt, 2, "总  分", "label", nxt, 9)
    b.put(nxt, 10, 100, "num")
    t.cells["total"] = b.put(nxt, 11, 96.93, "score")
    b.put(nxt, 12, None, "center")
    for k, (lab, text) in enumerate([
            ("评价结论", "该项目2023年度自评得分96.93分，自评等级为“优”。"),
            ("存在问题", "个别偏远村组农户改厕意愿不强，长效管护机制尚不健全。"),
            ("改进措施", "加强政策宣传和技术指导，落实村级管护责任和经费保障。")]):
        b.put(nxt + 1 + k, 2, lab, "label")
        b.put(nxt + 1 + k, 3, text, "text", nxt + 1 + k, 12)
        b.height(nxt + 1 + k, 30)
    save_xlsx(wb, path, {0: b})
    return t


# ----------------------------------------------------------------------------------------------
# 5. 某区教育局 多表: 填表说明 + 部门整体 + two projects, label synonyms
# ----------------------------------------------------------------------------------------------
def edu_dept_table() -> Table:
    P, E, S = "产出指标", "效益指标", "满意度指标"
    inds = [
        ind(P, "数量指标", "学前教育毛入园率", "≥95%", "96.8%", 10, 10,
            kind="positive", completion=1.018947, score=10.0, calc="96.8/95 = 1.018947 → 10.00"),
        ind(P, "数量指标", "义务教育巩固率", "≥99%", "99.6%", 10, 10,
            kind="positive", completion=1.006061, score=10.0, calc="99.6/99 = 1.006061 → 10.00"),
        ind(P, "数量指标", "新建改扩建学校数", "≥3所", "3所", 10, 10,
            kind="positive", completion=1.0, score=10.0, calc="3/3 = 1 → 10.00"),
        ind(P, "质量指标", "中小学教师培训覆盖率", "100%", "100%", 10, 10,
            kind="positive", completion=1.0, score=10.0, calc="100/100 = 1 → 10.00"),
        ind(P, "时效指标", "学生资助资金发放", "2024年12月底前完成", "按时完成", 5, 5,
            kind="qualitative", grade="达成", score=5.0, calc="deadline → qualitative 达成 → 5.00"),
        ind(P, "成本指标", "校舍维修单位造价", "≤1800元/平方米", "1750元/平方米", 5, 5,
            kind="reverse", completion=1.0, score=5.0, calc="reverse 1750 ≤ 1800 → 1 → 5.00"),
        ind(E, "社会效益指标", "义务教育优质均衡发展", "有效推进", "基本实现", 10, 7.5,
            "部分老旧学校办学条件仍需改善，下一步加大薄弱学校改造力度。",
            kind="qualitative", grade="部分达成", score=7.5,
            calc="基本 → 部分达成 band [6, 8); 7.5 inside → 7.50; reason written"),
        ind(E, "可持续影响指标", "教育信息化水平", "持续提升", "达成年度指标", 10, 10,
            kind="qualitative", grade="达成", score=10.0, calc="达成 → 10.00"),
        ind(S, "服务对象满意度指标", "家长满意度", "≥90%", "93%", 10, 10,
            kind="positive", completion=1.033333, score=10.0, calc="93/90 = 1.033333 → 10.00"),
    ]
    return Table(
        sheet="部门整体支出绩效自评表", kind="department", unit="305001-某区教育局", project=None, year=2024,
        initial=12000.0, annual=12580.6, executed=12106.35, rate=0.962303, exec_weight=20,
        exec_score=19.25, reported_rate="96.23%", reported_exec_score=19.25, inds=inds,
        indicator_score=77.5, total=96.75, reported_total=96.75, grade="优",
        calc=["rate = 12106.35 / 12580.60 = 0.96230307 → 0.962303; 20 × 0.96230307 = 19.2460614 → 19.25",
              "TWO component groups, each adding up to the total on its own (no fund-rows-sum): "
              "按收入性质分 11800.60 + 500 + — + 200 + 80 = 12580.60, 11360.35 + 470 + — + 196 + 80 = 12106.35; "
              "按支出性质分 8600 + 3980.60 = 12580.60, 8580.12 + 3526.23 = 12106.35. A checker that adds all "
              "eight component rows would wrongly get 2× the total.",
              "indicators 10+10+10+10+5+5+7.5+10+10 = 77.50; weights 20 + 80 = 100",
              "total = 19.25 + 77.50 = 96.75 → 优",
              "labels: 单位名称, 年度预算（万元）, 全年(调整)预算数, 预算执行数, 权重, 实际得分, 指标名称, 指标值, 完成值, "
              "偏差原因及改进措施"],
    )


def edu_p1_table() -> Table:
    P, E, S = "产出指标", "效益指标", "满意度指标"
    inds = [
        ind(P, "数量指标", "资助家庭经济困难学生人次", "≥4500人次", "4732人次", 15, 15,
            kind="positive", completion=1.051556, score=15.0, calc="4732/4500 = 1.051556 → 15.00"),
        ind(P, "质量指标", "资助对象认定准确率", "100%", "100%", 15, 15,
            kind="positive", completion=1.0, score=15.0, calc="1 → 15.00"),
        ind(P, "时效指标", "资助资金发放及时率", "100%", "100%", 10, 10,
            kind="positive", completion=1.0, score=10.0, calc="1 → 10.00"),
        ind(P, "成本指标", "普通高中国家助学金标准", "2000元/生·年", "2000元/生·年", 10, 10,
            kind="positive", completion=1.0, score=10.0,
            calc="bare number → positive (no operator; a cost standard); 2000/2000 = 1 → 10.00"),
        ind(E, "社会效益指标", "家庭经济困难学生就学保障", "有效保障", "达成年度指标", 15, 15,
            kind="qualitative", grade="达成", score=15.0, calc="达成 → 15.00"),
        ind(E, "可持续影响指标", "资助政策知晓率", "≥95%", "98%", 15, 15,
            kind="positive", completion=1.031579, score=15.0, calc="98/95 = 1.031579 → 15.00"),
        ind(S, "服务对象满意度指标", "受助学生满意度", "≥95%", "97%", 10, 10,
            kind="positive", completion=1.021053, score=10.0, calc="97/95 = 1.021053 → 10.00"),
    ]
    return Table(
        sheet="学生资助补助经费", kind="project", unit="305001-某区教育局", project="学生资助补助经费",
        impl="305002-某区学生资助管理中心",
        year=2024, initial=860.0, annual=920.0, executed=920.0, rate=1.0, exec_weight=10, exec_score=10.0,
        reported_rate="100.00%", reported_exec_score=10, inds=inds, indicator_score=90.0, total=100.0,
        reported_total=100, grade="优",
        calc=["rate = 920 / 920 = 1 → 10.00 (not > 1: no over-execution)",
              "funds: 860 + 60 = 920 ✓ both columns",
              "indicators 15+15+10+10+15+15+10 = 90; total 100.00 → 优",
              "labels: 全年(调整)预算数, 预算执行数, 年度总体目标完成情况, 指标值 / 完成值; unit = 主管部门 "
              "(实施单位 305002-某区学生资助管理中心)"],
    )


def edu_p2_table() -> Table:
    P, E, S = "产出指标", "效益指标", "满意度指标"
    inds = [
        ind(P, "数量指标", "安全设施改造学校数", "≥12所", "10所", 20, 16.67,
            "2所学校因校区整体规划调整，改造延至2025年实施。",
            kind="positive", completion=0.833333, score=16.67,
            calc="10/12 = 0.833333 → 20×0.833333 = 16.6667 → 16.67; reason"),
        ind(P, "质量指标", "改造工程验收合格率", "100%", "100%", 15, 15,
            kind="positive", completion=1.0, score=15.0, calc="1 → 15.00"),
        ind(P, "时效指标", "项目完成时间", "2024年12月底前完成", "基本按期完成", 5, 3.5,
            "2所学校改造延期。",
            kind="qualitative", grade="部分达成", score=3.5,
            calc="deadline → qualitative; 基本 → 部分达成 band [3, 4); 3.5 inside → 3.50; reason"),
        ind(P, "成本指标", "单所学校平均改造成本", "≤25万元", "24.69万元", 10, 10,
            kind="reverse", completion=1.0, score=10.0, calc="reverse 24.69 ≤ 25 → 1 → 10.00"),
        ind(E, "社会效益指标", "校园安全事故发生率", "较上年下降", "较上年下降15%", 15, 15,
            kind="manual", score=15.0, flags=(("manual-review", "target"),),
            calc="relative (较上年) → manual; 15 stands → 15.00; manual-review"),
        ind(E, "可持续影响指标", "校园安防设施长效运行", "有效保障", "达成年度指标", 15, 15,
            kind="qualitative", grade="达成", score=15.0, calc="达成 → 15.00"),
        ind(S, "服务对象满意度指标", "师生及家长满意度", "≥90%", "94%", 10, 10,
            kind="positive", completion=1.044444, score=10.0, calc="94/90 = 1.044444 → 10.00"),
    ]
    return Table(
        sheet="校园安全改造", kind="project", unit="305001-某区教育局", project="中小学校园安全设施改造",
        year=2024, initial=300.0, annual=300.0, executed=246.9, rate=0.823, exec_weight=10, exec_score=8.23,
        reported_rate="82.30%", reported_exec_score=8.23, inds=inds, indicator_score=85.17, total=93.4,
        reported_total=93.4, grade="优",
        table_flags=[("low-execution-rate", "rate", False, "0.823 < 0.90 and the form has no reason cell")],
        calc=["rate = 246.90 / 300.00 = 0.823 → 10 × 0.823 = 8.23; reported '82.30%' ✓",
              "funds: 当年财政拨款 300 / 246.90, others — ✓",
              "indicators 16.67 + 15 + 3.5 + 10 + 15 + 15 + 10 = 85.17",
              "total = 8.23 + 85.17 = 93.40 → 优",
              "labels: 预算单位 (no 主管部门), 权重, 实际得分, 偏差原因及改进措施"],
    )


EDU_NOTES = [
    "填表说明",
    "1. 本表金额单位为万元，保留两位小数；执行率按“全年执行数÷全年预算数”计算。",
    "2. 部门整体支出绩效自评表中，预算执行率权重为20分，年度绩效指标权重为80分；项目支出绩效自评表中，"
    "预算执行率权重为10分，产出指标50分、效益指标30分、满意度指标10分。",
    "3. 年度指标值、实际完成值应与批复的绩效目标表一致；定性指标按“达成年度指标”“部分达成年度指标”"
    "“未达成年度指标”分档评分。",
    "4. 未完成年度指标的，须在偏差原因分析及改进措施栏说明原因。",
    "5. 本说明页不需填写，请勿删除。",
]


def write_edu(path: Path) -> list[Table]:
    wb = openpyxl.Workbook()
    ws0 = wb.active
    ws0.title = "填表说明"
    ws0.column_dimensions["A"].width = 100
    for k, line in enumerate(EDU_NOTES, start=1):
        c = ws0.cell(k, 1, line)
        c.font = Font(name="宋体", size=12 if k == 1 else 11, bold=(k == 1))
        c.alignment = Alignment(wrap_text=True, vertical="top")
    backends = {}

    # --- 部门整体 -----------------------------------------------------------------
    d = edu_dept_table()
    ws = wb.create_sheet(d.sheet)
    b = XlsxBackend(ws, Theme(size=11, title_size=16))
    backends[1] = b
    for c, w in zip(range(1, 9), (15, 20, 24, 16, 16, 8, 9, 28)):
        b.width(c, w)
    b.put(1, 1, "部门整体支出绩效自评表", "title", 1, 8)
    b.put(2, 1, "（2024年度）", "sub", 2, 8)
    b.put(3, 1, "单位名称", "label")
    b.put(3, 2, d.unit, "text", 3, 8)
    A = 4
    rows = [dict(label="年度资金总额", total=True, initial=12000.0, annual=12580.6, executed=12106.35,
                 weight=20, rate="96.23%", score=19.25),
            dict(label="按收入性质分："),
            dict(label="其中：一般公共预算", initial=11300.0, annual=11800.6, executed=11360.35),
            dict(label="　　　政府性基金预算", initial=450.0, annual=500.0, executed=470.0),
            dict(label="　　　国有资本经营预算", initial=DASH, annual=DASH, executed=DASH),
            dict(label="　　　财政专户管理资金", initial=200.0, annual=200.0, executed=196.0),
            dict(label="　　　单位资金", initial=50.0, annual=80.0, executed=80.0),
            dict(label="按支出性质分："),
            dict(label="其中：基本支出", initial=8500.0, annual=8600.0, executed=8580.12),
            dict(label="　　　项目支出", initial=3500.0, annual=3980.6, executed=3526.23)]
    for row in rows[1:]:
        for k in ("weight", "rate", "score"):
            row.setdefault(k, DASH if "initial" in row else "")
    nxt, tot = funds_block(
        b, A, (1, 1, "年度预算\n（万元）"), (2, 2, ""),
        [("initial", "年初预算数", 3, 3), ("annual", "全年(调整)预算数", 4, 4), ("executed", "预算执行数", 5, 5),
         ("weight", "权重", 6, 6), ("rate", "执行率", 7, 7), ("score", "实际得分", 8, 8)], rows)
    d.cells.update(exec=tot["executed"], rate=tot["rate"])
    nxt = goal_block(b, nxt, "年度总体目标",
                     "巩固提升学前教育普及水平，学前教育毛入园率不低于95%，义务教育巩固率不低于99%；新建改扩建学校3所；"
                     "完成中小学教师全员培训；推进义务教育优质均衡发展。",
                     "学前教育毛入园率96.8%，义务教育巩固率99.6%，新建改扩建学校3所，教师培训全覆盖；"
                     "义务教育优质均衡发展基本实现。",
                     (1, 1), (2, 4), 5, 8, height=60)
    nxt, l1 = indicator_block(
        b, nxt,
        [("l1", "一级指标", 1, 1), ("l2", "二级指标", 2, 2), ("name", "指标名称", 3, 3),
         ("target", "指标值", 4, 4), ("actual", "完成值", 5, 5), ("weight", "权重", 6, 6),
         ("score", "实际得分", 7, 7), ("reason", "偏差原因及改进措施", 8, 8)], d.inds, row_h=26)
    d.cells.update(l1)
    b.put(nxt, 1, "总分", "label", nxt, 5)
    b.put(nxt, 6, 100, "num")
    d.cells["total"] = b.put(nxt, 7, 96.75, "score")
    b.put(nxt, 8, None, "center")

    # --- 项目1 学生资助 ----------------------------------------------------------
    p1 = edu_p1_table()
    ws = wb.create_sheet(p1.sheet)
    b = XlsxBackend(ws, Theme(size=10, title_size=16, header_fill="DDEBF7"))
    backends[2] = b
    for c, w in zip(range(1, 10), (7, 12, 13, 26, 15, 15, 8, 9, 26)):
        b.width(c, w)
    r = national_header(b, p1, 9, impl=p1.impl)
    nxt, tot = funds_block(
        b, r, (1, 1, "项目资金\n（万元）"), (2, 3, ""),
        [("initial", "年初预算数", 4, 4), ("annual", "全年(调整)预算数", 5, 5), ("executed", "预算执行数", 6, 6),
         ("weight", "分值", 7, 7), ("rate", "执行率", 8, 8), ("score", "得分", 9, 9)],
        [dict(label="年度资金总额", total=True, initial=860.0, annual=920.0, executed=920.0, weight=10,
              rate="100.00%", score=10),
         dict(label="其中：当年财政拨款", initial=860.0, annual=860.0, executed=860.0, weight=DASH,
              rate=DASH, score=DASH),
         dict(label="上年结转资金", initial=0, annual=60.0, executed=60.0, weight=DASH, rate=DASH, score=DASH),
         dict(label="其他资金", initial=DASH, annual=DASH, executed=DASH, weight=DASH, rate=DASH, score=DASH)])
    p1.cells.update(exec=tot["executed"], rate=tot["rate"])
    nxt = goal_block(b, nxt, "年度总体目标完成情况",
                     "落实学前教育至高中阶段家庭经济困难学生资助政策，全年资助不少于4500人次，资助资金及时足额发放。",
                     "全年资助家庭经济困难学生4732人次，资助资金全部按时足额发放，无因贫失学辍学情况。",
                     (1, 1), (2, 5), 6, 9, height=45)
    nxt, l1 = indicator_block(
        b, nxt,
        [("l1", "一级指标", 2, 2), ("l2", "二级指标", 3, 3), ("name", "三级指标", 4, 4),
         ("target", "指标值", 5, 5), ("actual", "完成值", 6, 6), ("weight", "分值", 7, 7),
         ("score", "得分", 8, 8), ("reason", "偏差原因分析及改进措施", 9, 9)],
        p1.inds, sec=(1, 1, "绩效指标"), row_h=24)
    p1.cells.update(l1)
    b.put(nxt, 1, "总分", "label", nxt, 6)
    b.put(nxt, 7, 100, "num")
    p1.cells["total"] = b.put(nxt, 8, 100, "score")
    b.put(nxt, 9, None, "center")

    # --- 项目2 校园安全 (预算单位, 权重/实际得分, no left section column) -------------
    p2 = edu_p2_table()
    ws = wb.create_sheet(p2.sheet)
    b = XlsxBackend(ws, Theme(size=10, title_size=15))
    backends[3] = b
    for c, w in zip(range(1, 9), (14, 14, 26, 18, 16, 8, 9, 26)):
        b.width(c, w)
    b.put(1, 1, "项目支出绩效自评表", "title", 1, 8)
    b.put(2, 1, "（2024年度）", "sub", 2, 8)
    b.put(3, 1, "项目名称", "label")
    b.put(3, 2, p2.project, "text", 3, 8)
    b.put(4, 1, "预算单位", "label")
    b.put(4, 2, p2.unit, "text", 4, 8)
    nxt, tot = funds_block(
        b, 5, (1, 1, "项目资金（万元）"), (2, 2, ""),
        [("initial", "年初预算数", 3, 3), ("annual", "全年预算数", 4, 4), ("executed", "全年执行数", 5, 5),
         ("weight", "权重", 6, 6), ("rate", "执行率", 7, 7), ("score", "实际得分", 8, 8)],
        [dict(label="年度资金总额", total=True, initial=300.0, annual=300.0, executed=246.9, weight=10,
              rate="82.30%", score=8.23),
         dict(label="其中：当年财政拨款", initial=300.0, annual=300.0, executed=246.9, weight=DASH, rate=DASH,
              score=DASH),
         dict(label="上年结转资金", initial=DASH, annual=DASH, executed=DASH, weight=DASH, rate=DASH,
              score=DASH),
         dict(label="其他资金", initial=DASH, annual=DASH, executed=DASH, weight=DASH, rate=DASH, score=DASH)])
    p2.cells.update(exec=tot["executed"], rate=tot["rate"])
    nxt = goal_block(b, nxt, "年度总体目标",
                     "完成12所中小学校园安全设施改造，工程验收合格率100%，2024年12月底前完成。",
                     "完成10所学校改造并全部验收合格，2所学校因规划调整延至2025年实施。",
                     (1, 1), (2, 4), 5, 8, height=45)
    nxt, l1 = indicator_block(
        b, nxt,
        [("l1", "一级指标", 1, 1), ("l2", "二级指标", 2, 2), ("name", "三级指标", 3, 3),
         ("target", "年度指标值", 4, 4), ("actual", "实际完成值", 5, 5), ("weight", "权重", 6, 6),
         ("score", "实际得分", 7, 7), ("reason", "偏差原因及改进措施", 8, 8)], p2.inds, row_h=24)
    p2.cells.update(l1)
    b.put(nxt, 1, "总分", "label", nxt, 5)
    b.put(nxt, 6, 100, "num")
    p2.cells["total"] = b.put(nxt, 7, 93.4, "score")
    b.put(nxt, 8, None, "center")
    save_xlsx(wb, path, backends)
    return [d, p1, p2]


# ----------------------------------------------------------------------------------------------
# 6. 某区卫健委 .xls (xlwt, BIFF8)
# ----------------------------------------------------------------------------------------------
def weijian_table() -> Table:
    P, E, S = "产出指标", "效益指标", "满意度指标"
    Q = "数量指标"
    inds = [
        ind(P, Q, "居民电子健康档案建档率", "≥90%", "91.2%", 10, 10,
            kind="positive", completion=1.013333, score=10.0, calc="91.2/90 = 1.013333 → 10.00"),
        ind(P, Q, "65岁及以上老年人健康管理率", "≥70%", "72.5%", 10, 10,
            kind="positive", completion=1.035714, score=10.0, calc="72.5/70 = 1.035714 → 10.00"),
        ind(P, Q, "高血压患者规范管理率", "≥65%", "61.3%", 10, 9.43,
            "部分患者流动性大、随访依从性差；下一步加强家庭医生签约随访。",
            kind="positive", completion=0.943077, score=9.43,
            calc="61.3/65 = 0.943077 → 10×0.943077 = 9.43077 → 9.43; reason"),
        ind(P, "质量指标", "适龄儿童国家免疫规划疫苗接种率", "≥95%", "98.6%", 10, 10,
            kind="positive", completion=1.037895, score=10.0, calc="98.6/95 = 1.037895 → 10.00"),
        ind(P, "时效指标", "补助资金拨付及时性", "2024年12月底前拨付到位", "按时拨付到位", 5, 5,
            kind="qualitative", grade="达成", score=5.0, calc="deadline → qualitative 达成 → 5.00"),
        ind(P, "成本指标", "人均基本公共卫生服务经费补助标准", "94元/人", "94元/人", 5, 5,
            kind="positive", completion=1.0, score=5.0, calc="bare number → positive; 94/94 = 1 → 5.00"),
        ind(E, "社会效益指标", "城乡居民公共卫生服务差距", "不断缩小", "达成预期指标", 15, 15,
            kind="qualitative", grade="达成", score=15.0, calc="达成 → 15.00"),
        ind(E, "可持续影响指标", "基本公共卫生服务水平", "逐步提高", "达成预期指标", 15, 15,
            kind="qualitative", grade="达成", score=15.0, calc="达成 → 15.00"),
        ind(S, "服务对象满意度指标", "居民综合满意度", "≥85%", "88.3%", 10, 10,
            kind="positive", completion=1.038824, score=10.0, calc="88.3/85 = 1.038824 → 10.00"),
    ]
    return Table(
        sheet="项目支出绩效自评表", kind="project", unit="210001-某区卫生健康委员会", project="基本公共卫生服务项目",
        impl="210003-某区疾病预防控制中心",
        year=2024, initial=1200.0, annual=1256.8, executed=1230.5, rate=0.979074, exec_weight=10,
        exec_score=9.79, reported_rate=0.9791, reported_exec_score=9.79, inds=inds,
        indicator_score=89.43, total=99.22, reported_total=99.22, grade="优",
        calc=["rate = 1230.50 / 1256.80 = 0.97907384 → 0.979074; 10 × 0.97907384 = 9.79",
              "reported 0.9791 (number, 0.00%): 97.907% at 2 decimals = 97.91 ✓",
              "funds: 全年 1200 + 56.80 = 1256.80 ✓; 执行 1180.50 + 50.00 = 1230.50 ✓",
              "indicators 10 + 10 + 9.43 + 10 + 5 + 5 + 15 + 15 + 10 = 89.43",
              "total = 9.79 + 89.43 = 99.22 → 优",
              "unit = 主管部门 (实施单位 210003-某区疾病预防控制中心)"],
    )


def write_weijian(path: Path) -> Table:
    t = weijian_table()
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(t.sheet)
    b = XlsBackend(ws, Theme(size=10, title_size=16))
    for c, w in zip(range(1, 10), (7, 11, 13, 30, 20, 14, 7, 8, 30)):
        b.width(c, w)
    r = national_header(b, t, 9, impl=t.impl)
    nxt, tot = funds_block(
        b, r, (1, 1, "项目资金（万元）"), (2, 3, ""),
        [("initial", "年初预算数", 4, 4), ("annual", "全年预算数", 5, 5), ("executed", "全年执行数", 6, 6),
         ("weight", "分值", 7, 7), ("rate", "执行率", 8, 8), ("score", "得分", 9, 9)],
        [dict(label="年度资金总额", total=True, initial=1200.0, annual=1256.8, executed=1230.5, weight=10,
              rate=0.9791, score=9.79),
         dict(label="其中：当年财政拨款", initial=1200.0, annual=1200.0, executed=1180.5, weight=DASH,
              rate=DASH, score=DASH),
         dict(label="上年结转资金", initial=DASH, annual=56.8, executed=50.0, weight=DASH, rate=DASH,
              score=DASH),
         dict(label="其他资金", initial=DASH, annual=DASH, executed=DASH, weight=DASH, rate=DASH, score=DASH)])
    t.cells.update(exec=tot["executed"], rate=tot["rate"])
    nxt = goal_block(b, nxt, "年度总体目标",
                     "为辖区常住居民免费提供基本公共卫生服务，居民电子健康档案建档率不低于90%，老年人健康管理率不低于70%，"
                     "高血压患者规范管理率不低于65%。",
                     "居民电子健康档案建档率91.2%，老年人健康管理率72.5%，高血压患者规范管理率61.3%，"
                     "适龄儿童免疫规划疫苗接种率98.6%。",
                     (1, 1), (2, 5), 6, 9, height=60)
    nxt, l1 = indicator_block(
        b, nxt,
        [("l1", "一级指标", 2, 2), ("l2", "二级指标", 3, 3), ("name", "三级指标", 4, 4),
         ("target", "年度指标值", 5, 5), ("actual", "实际完成值", 6, 6), ("weight", "分值", 7, 7),
         ("score", "得分", 8, 8), ("reason", "偏差原因分析及改进措施", 9, 9)],
        t.inds, sec=(1, 1, "绩效指标"), row_h=28)
    t.cells.update(l1)
    b.put(nxt, 1, "总分", "label", nxt, 6)
    b.put(nxt, 7, 100, "num")
    t.cells["total"] = b.put(nxt, 8, 99.22, "score")
    b.put(nxt, 9, None, "center")
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    return t


# ----------------------------------------------------------------------------------------------
# 7. 某区司法局 .xlsm (letters in labels, 一级/二级 repeated instead of merged)
# ----------------------------------------------------------------------------------------------
def sifa_table() -> Table:
    P, E, S = "产出指标", "效益指标", "满意度指标"
    Q = "数量指标"
    inds = [
        ind(P, Q, "提供法律咨询服务人次", "≥8000人次", "9,216人次", 10, 10,
            kind="positive", completion=1.152, score=10.0, calc="9216/8000 = 1.152 → 10.00 (< 1.2)"),
        ind(P, Q, "办理法律援助案件数", "≥600件", "745件", 10, 10,
            kind="positive", completion=1.241667, score=10.0, flags=(("over-completion", "actual"),),
            calc="745/600 = 1.241667 → 10.00; ≥ 1.2 → over-completion"),
        ind(P, Q, "调解矛盾纠纷案件数", "≥1500件", "1,688件", 10, 10,
            kind="positive", completion=1.125333, score=10.0, calc="1688/1500 = 1.125333 → 10.00"),
        ind(P, "质量指标", "法律援助案件结案率", "≥98%", "99.2%", 10, 10,
            kind="positive", completion=1.012245, score=10.0, calc="99.2/98 = 1.012245 → 10.00"),
        ind(P, "时效指标", "法律援助申请审查时限", "≤7个工作日", "5个工作日", 5, 5,
            kind="reverse", completion=1.0, score=5.0, calc="reverse 5 ≤ 7 → 1 → 5.00"),
        ind(P, "成本指标", "法律援助案件平均办案补贴", "≤1500元/件", "1420元/件", 5, 5,
            kind="reverse", completion=1.0, score=5.0, calc="reverse 1420 ≤ 1500 → 1 → 5.00"),
        ind(E, "社会效益指标", "群众法治意识", "明显增强", "效果明显", 15, 15,
            kind="qualitative", grade="达成", score=15.0, calc="达成 → 15.00"),
        ind(E, "可持续影响指标", "公共法律服务实体平台覆盖率", "100%", "100%", 15, 15,
            kind="positive", completion=1.0, score=15.0, calc="1 → 15.00"),
        ind(S, "服务对象满意度指标", "受援群众满意度", "≥95%", "96.7%", 10, 10,
            kind="positive", completion=1.017895, score=10.0, calc="96.7/95 = 1.017895 → 10.00"),
    ]
    return Table(
        sheet="项目支出绩效自评表", kind="project", unit="214001-某区司法局", project="公共法律服务体系建设经费",
        impl="214001-某区司法局",
        year=2024, initial=150.0, annual=150.0, executed=149.85, rate=0.999, exec_weight=10, exec_score=9.99,
        reported_rate="100%", reported_exec_score=9.99, inds=inds, indicator_score=90.0, total=99.99,
        reported_total=99.99, grade="优",
        calc=["rate = 149.85 / 150.00 = 0.999 → 10 × 0.999 = 9.99",
              "reported '100%' has 0 decimals: 99.9% rounds to 100 → no execution-rate-mismatch",
              "funds: 其中:本年财政拨款 150 / 149.85, others — ✓",
              "indicators 10+10+10+10+5+5+15+15+10 = 90; total 99.99 → 优",
              "总分 得分 is a formula with a cached value 99.99",
              "labels: 全年预算数（A）, 全年执行数（B）, 执行率（B/A）, 年度指标值（A）, 实际完成值（B）, "
              "年度资金总额：, 其中:本年财政拨款; 一级/二级 repeated on every row (no merges)"],
    )


def write_sifa(path: Path) -> Table:
    t = sifa_table()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = t.sheet
    b = XlsxBackend(ws, Theme(size=11, title_size=16, header_fill="DDEBF7", money_fmt="#,##0.00"))
    for c, w in zip(range(1, 9), (13, 16, 28, 17, 17, 9, 9, 26)):
        b.width(c, w)
    b.put(1, 1, "项目支出绩效自评表", "title", 1, 8)
    b.put(2, 1, "（2024年度）", "sub", 2, 8)
    b.put(3, 1, "项目名称", "label")
    b.put(3, 2, t.project, "text", 3, 8)
    b.put(4, 1, "主管部门", "label")
    b.put(4, 2, t.unit, "text", 4, 4)
    b.put(4, 5, "实施单位", "label")
    b.put(4, 6, t.impl, "text", 4, 8)
    nxt, tot = funds_block(
        b, 5, (1, 1, "项目资金\n（万元）"), (2, 2, ""),
        [("initial", "年初预算数", 3, 3), ("annual", "全年预算数（A）", 4, 4), ("executed", "全年执行数（B）", 5, 5),
         ("weight", "分值", 6, 6), ("rate", "执行率（B/A）", 7, 7), ("score", "得分", 8, 8)],
        [dict(label="年度资金总额：", total=True, initial=150.0, annual=150.0, executed=149.85, weight=10,
              rate="100%", score=9.99),
         dict(label="其中:本年财政拨款", initial=150.0, annual=150.0, executed=149.85, weight=DASH, rate=DASH,
              score=DASH),
         dict(label="上年结转资金", initial=DASH, annual=DASH, executed=DASH, weight=DASH, rate=DASH,
              score=DASH),
         dict(label="其他资金", initial=DASH, annual=DASH, executed=DASH, weight=DASH, rate=DASH, score=DASH)])
    t.cells.update(exec=tot["executed"], rate=tot["rate"])
    nxt = goal_block(b, nxt, "年度总体目标",
                     "健全覆盖城乡的公共法律服务体系，全年提供法律咨询不少于8000人次，办理法律援助案件不少于600件，"
                     "调解矛盾纠纷不少于1500件。",
                     "提供法律咨询9216人次，办理法律援助案件745件，调解矛盾纠纷1688件，受援群众满意度96.7%。",
                     (1, 1), (2, 4), 5, 8, height=50)
    hdr = nxt
    nxt, l1 = indicator_block(
        b, nxt,
        [("l1", "一级指标", 1, 1), ("l2", "二级指标", 2, 2), ("name", "三级指标", 3, 3),
         ("target", "年度指标值（A）", 4, 4), ("actual", "实际完成值（B）", 5, 5), ("weight", "分值", 6, 6),
         ("score", "得分", 7, 7), ("reason", "偏差原因分析及改进措施", 8, 8)],
        t.inds, merge_l1=False, merge_l2=False, row_h=24)
    t.cells.update(l1)
    b.put(nxt, 1, "总分", "label", nxt, 5)
    b.put(nxt, 6, 100, "num")
    t.cells["total"] = b.put(nxt, 7, F(f"=H{tot['_row']}+SUM(G{hdr + 1}:G{nxt - 1})", 99.99), "score")
    b.put(nxt, 8, None, "center")
    save_xlsx(wb, path, {0: b}, macro=True)
    return t


# ----------------------------------------------------------------------------------------------
# Saving .xlsx deterministically (+ cached values, + macro-enabled content type)
# ----------------------------------------------------------------------------------------------
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def fmt_cached(v: float) -> str:
    v = float(f"{v:.15g}")
    return str(int(v)) if v.is_integer() else repr(v)


def save_xlsx(wb, path: Path, backends: dict, macro: bool = False):
    wb.properties.creator = "Administrator"
    wb.properties.lastModifiedBy = "Administrator"
    wb.properties.created = FIXED_DT
    wb.properties.modified = FIXED_DT
    buf = io.BytesIO()
    wb.save(buf)
    sheet_cache = {f"xl/worksheets/sheet{i + 1}.xml": b.cache for i, b in backends.items()}
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename in sheet_cache and sheet_cache[info.filename]:
                text = data.decode("utf-8")
                for cell, val in sheet_cache[info.filename].items():
                    pat = re.compile(rf'(<c r="{cell}"[^>]*>)(<f>.*?</f>)<v\s*/>')
                    text, n = pat.subn(lambda m: f"{m.group(1)}{m.group(2)}<v>{fmt_cached(val)}</v>", text)
                    assert n == 1, (path, cell)
                data = text.encode("utf-8")
            elif info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*", r"\g<1>2025-03-20T09:00:00Z", text)
                data = text.encode("utf-8")
            elif info.filename == "[Content_Types].xml" and macro:
                text = data.decode("utf-8")
                assert XLSX_MAIN in text
                data = text.replace(XLSX_MAIN, XLSM_MAIN).encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DT)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    path.write_bytes(out.getvalue())


def zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=ZIP_DT)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            z.writestr(zi, data)
    return out.getvalue()


# ----------------------------------------------------------------------------------------------
# 8. Bad files
# ----------------------------------------------------------------------------------------------
CT_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          f'<Override PartName="/xl/workbook.xml" ContentType="{XLSX_MAIN}"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
          '</Types>')
RELS_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>')
WB_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
          '<sheets><sheet name="项目支出绩效自评表" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
BOMB_SIZE = 150 * 1024 * 1024     # uncompressed worksheet part: 150 MiB (> the 100 MiB default limit)


def write_zip_bomb(path: Path):
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>项目支出绩效自评表</t></is></c></row>').encode()
    tail = b"</sheetData></worksheet>"
    pad = BOMB_SIZE - len(head) - len(tail)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in (("[Content_Types].xml", CT_XML), ("_rels/.rels", RELS_XML),
                           ("xl/workbook.xml", WB_XML), ("xl/_rels/workbook.xml.rels", WB_RELS)):
            zi = zipfile.ZipInfo(name, date_time=ZIP_DT)
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
        zi = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=ZIP_DT)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.file_size = BOMB_SIZE
        with z.open(zi, "w") as f:
            f.write(head)
            chunk = b" " * (1 << 20)
            while pad > 0:
                n = min(pad, len(chunk))
                f.write(chunk[:n])
                pad -= n
            f.write(tail)


def encrypt_deterministic(plain: bytes, password: str) -> bytes:
    """msoffcrypto-tool agile encryption with its random source replaced by a seeded one."""
    import msoffcrypto
    from msoffcrypto.format.ooxml import OOXMLFile
    from msoffcrypto.method import ecma376_agile

    counter = [0]

    def seeded(sz):
        out = b""
        while len(out) < sz:
            counter[0] += 1
            out += hashlib.sha256(f"xlsproc-samples-{counter[0]}".encode()).digest()
        return out[:sz]

    from msoffcrypto.method.container import ecma376_encrypted

    class FixedNow(datetime):
        @classmethod
        def now(cls, tz=None):
            return FIXED_DT

    orig = ecma376_agile._random_buffer, ecma376_encrypted.datetime
    ecma376_agile._random_buffer = seeded                 # salts and keys
    ecma376_encrypted.datetime = FixedNow                 # OLE directory timestamps
    try:
        out = io.BytesIO()
        OOXMLFile(io.BytesIO(plain)).encrypt(password, out)
    finally:
        ecma376_agile._random_buffer, ecma376_encrypted.datetime = orig
    _ = msoffcrypto  # imported for clarity: the package is msoffcrypto-tool
    return out.getvalue()


def lock_file_bytes(user: str = "Administrator") -> bytes:
    """An Excel owner file (~$name.xlsx): 165 bytes, user name in ANSI then UTF-16, space padded."""
    n = len(user)
    data = bytes([n]) + user.encode("ascii").ljust(53, b" ")
    data += bytes([n, 0]) + user.encode("utf-16-le")
    while len(data) < 165:
        data += b"\x20\x00"
    return data[:165]


def staff_list(path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "在职人员名单"
    ws.append(["序号", "姓名", "性别", "职务", "所在科室", "联系电话"])
    people = [("王某某", "男", "科长", "办公室"), ("李某某", "女", "科员", "财务科"), ("张某某", "男", "副科长", "政策法规科"),
              ("刘某某", "女", "科员", "办公室"), ("陈某某", "男", "科员", "综合科")]
    for k, (name, sex, post, dept) in enumerate(people, start=1):
        ws.append([k, name, sex, post, dept, f"027-8765{4320 + k}"])
    for row in ws.iter_rows():
        for c in row:
            c.font = Font(name="宋体", size=11, bold=c.row == 1)
    for col, w in zip("ABCDEF", (6, 10, 6, 10, 14, 16)):
        ws.column_dimensions[col].width = w
    save_xlsx(wb, path, {})


HTML_XLS = """<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><meta name="ProgId" content="Excel.Sheet">
<!--[if gte mso 9]><xml><x:ExcelWorkbook><x:ExcelWorksheets><x:ExcelWorksheet><x:Name>项目支出绩效自评表</x:Name></x:ExcelWorksheet></x:ExcelWorksheets></x:ExcelWorkbook></xml><![endif]-->
</head>
<body>
<table border="1">
<tr><td colspan="9" align="center"><b>项目支出绩效自评表</b></td></tr>
<tr><td colspan="9" align="center">（2024年度）</td></tr>
<tr><td colspan="2">项目名称</td><td colspan="7">城市社区综合服务设施运营补助</td></tr>
<tr><td colspan="2">主管部门</td><td colspan="3">219001-某区民政局</td><td colspan="2">实施单位</td><td colspan="2">219001-某区民政局</td></tr>
<tr><td rowspan="2">项目资金（万元）</td><td></td><td>年初预算数</td><td>全年预算数</td><td>全年执行数</td><td>分值</td><td>执行率</td><td>得分</td><td></td></tr>
<tr><td>年度资金总额</td><td>120.00</td><td>120.00</td><td>118.20</td><td>10</td><td>98.50%</td><td>9.85</td><td></td></tr>
<tr><td>绩效指标</td><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>年度指标值</td><td>实际完成值</td><td>分值</td><td>得分</td><td>偏差原因分析及改进措施</td></tr>
<tr><td></td><td>产出指标</td><td>数量指标</td><td>补助社区数</td><td>≥30个</td><td>30个</td><td>50</td><td>50</td><td></td></tr>
</table>
</body>
</html>
"""


def write_bad(good_xlsx: Path):
    BAD.mkdir(exist_ok=True)
    data = good_xlsx.read_bytes()
    (BAD / "损坏文件.xlsx").write_bytes(data[: len(data) * 3 // 5])
    (BAD / "加密文件.xlsx").write_bytes(encrypt_deterministic(data, "123456"))
    (BAD / "网页另存.xls").write_bytes(HTML_XLS.encode("utf-8"))
    sio = io.StringIO()
    w = csv.writer(sio, lineterminator="\r\n")
    w.writerow(["项目名称", "主管部门", "全年预算数", "全年执行数", "执行率", "自评得分"])
    w.writerow(["居家养老服务补贴", "219001-某区民政局", "480.00", "470.40", "98.00%", "99.63"])
    w.writerow(["城市社区综合服务设施运营补助", "219001-某区民政局", "120.00", "118.20", "98.50%", "96.10"])
    (BAD / "导出数据.xls").write_bytes(sio.getvalue().encode("gbk"))
    (BAD / "空文件.xlsx").write_bytes(b"")
    write_zip_bomb(BAD / "压缩炸弹.xlsx")
    staff_list(BAD / "无评价表.xlsx")
    (BAD / "~$洪山区团委_2024_部门整体.xlsx").write_bytes(lock_file_bytes())


BAD_EXPECT = [
    ("bad/损坏文件.xlsx", "error", "file-corrupt",
     "the first 60% of a valid .xlsx: PK header, no central directory"),
    ("bad/加密文件.xlsx", "error", "file-encrypted",
     "an OLE2 EncryptedPackage (msoffcrypto-tool, agile, password 123456); decrypts to 某区民政局 sample"),
    ("bad/网页另存.xls", "error", "file-unsupported", "HTML <table> saved with an .xls name"),
    ("bad/导出数据.xls", "error", "file-unsupported",
     "GBK CSV text with an .xls name (AMBIGUOUS: not named in the spec; 'not a spreadsheet' → unsupported)"),
    ("bad/空文件.xlsx", "error", "file-corrupt",
     "0 bytes (AMBIGUOUS: the spec does not name it; an .xlsx that is not a zip reads as corrupt)"),
    ("bad/压缩炸弹.xlsx", "error", "file-too-large",
     "valid zip; xl/worksheets/sheet1.xml declares and inflates to 150 MiB > 100 MiB: refuse before parsing"),
    ("bad/无评价表.xlsx", "error", "no-evaluation-found", "a staff list: no evaluation table"),
    ("bad/~$洪山区团委_2024_部门整体.xlsx", "skipped", None, "Excel lock file, 165 bytes: skipped, not an error"),
]


# ----------------------------------------------------------------------------------------------
# planted.toml
# ----------------------------------------------------------------------------------------------
def q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def num(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    return q(str(v))


SEVERITY = {   # scoring.md flag catalogue (low-execution-rate is info only when a reason is written: never here)
    "fund-rows-sum": "error", "budget-missing": "error", "execution-rate-mismatch": "warning",
    "low-execution-rate": "warning", "over-execution": "warning", "score-over-weight": "error",
    "score-mismatch": "warning", "score-missing": "warning", "total-mismatch": "warning",
    "weights-sum": "error", "level1-weight-mismatch": "warning", "deviation-reason-missing": "error",
    "over-completion": "warning", "actual-missing": "error", "actual-not-numeric": "warning",
    "unit-mismatch": "warning", "target-zero": "warning", "qualitative-band": "warning",
    "manual-review": "info", "placeholder-left": "warning", "category-missing": "warning",
    "formula-no-cache": "warning",
}


def flag_note(code: str, it: Ind) -> str:
    if code == "over-completion":
        return f"row {it.row}: {it.actual} / {it.target} = {it.completion:.6f} ≥ 1.2"
    if code == "unit-mismatch":
        return f"row {it.row}: {it.target} vs {it.actual}"
    if code == "manual-review":
        return f"row {it.row}: relative target {it.target}; officer's {it.reported} kept"
    if code == "deviation-reason-missing":
        return f"row {it.row}: computed {it.score:.2f} < 分值 {it.weight} and 偏差原因 blank"
    if code == "score-mismatch":
        return f"row {it.row}: reported {it.reported} vs computed {it.score:.2f}, differs by more than 0.1"
    if code == "score-over-weight":
        return f"row {it.row}: reported {it.reported} > 分值 {it.weight}"
    if code == "score-missing":
        return f"row {it.row}: 得分 blank (computed {it.score:.2f} still counts)"
    if code == "qualitative-band":
        return f"row {it.row}: {it.grade}, reported {it.reported} outside its band → {it.score:.2f}"
    if code == "actual-not-numeric":
        return f"row {it.row}: numeric target {it.target}, actual {it.actual}"
    if code == "actual-missing":
        return f"row {it.row}: 实际完成值 blank → score 0"
    if code == "target-zero":
        return f"row {it.row}: target {it.target}"
    if code == "placeholder-left":
        return f"row {it.row}: template name {it.name} carries 分值 {it.weight}"
    return f"row {it.row}"


def table_toml(t: Table) -> list[str]:
    real = [i for i in t.inds if not i.ignored]
    L = ["", "[[files.tables]]"]
    for line in t.calc:
        L.append(f"# {line}")
    L += [f"sheet = {q(t.sheet)}", f"kind = {q(t.kind)}", f"unit = {q(t.unit)}"]
    if t.impl is not None:
        L.append(f"implementing_unit = {q(t.impl)}  # 实施单位; a checker may report this as unit instead")
    if t.project is not None:
        L.append(f"project = {q(t.project)}")
    else:
        L.append("# project: none (department table → null)")
    if t.year is not None:
        L.append(f"year = {t.year}")
    if t.initial is not None:
        L.append(f"budget_initial = {num(t.initial)}")
    L += [f"budget_annual = {num(t.annual)}", f"budget_executed = {num(t.executed)}",
          f"budget_cell = {q(t.cells['exec'])}  # total row's 全年执行数 cell",
          f"rate = {t.rate:.6f}",
          f"reported_rate = {num(t.reported_rate)}  # as written in {t.cells['rate']}",
          f"execution_weight = {num(t.exec_weight)}",
          f"execution_score = {t.exec_score:.2f}",
          f"reported_execution_score = {num(t.reported_exec_score)}",
          f"indicator_count = {len(real)}",
          f"indicator_weight_sum = {num(sum(i.weight for i in real))}",
          f"indicator_score = {t.indicator_score:.2f}",
          f"total_score = {t.total:.2f}",
          f"reported_total = {num(t.reported_total)}  # {t.cells['total']}",
          f"grade = {q(t.grade)}"]
    if t.ignored_rows:
        L.append(f"ignored_rows = {t.ignored_rows}  # placeholder rows without weight: not indicators")
    flags = []
    for it in real:
        for f in it.flags:
            code, key = f[0], f[1]
            opt = len(f) > 2 and f[2] == "optional"
            flags.append((code, it.placed[key], it.name, opt, flag_note(code, it)))
    for code, where, opt, note in t.table_flags:
        cell = None if where is None else t.cells.get(where, where)
        flags.append((code, cell, None, opt, note))
    L.append("flags = [")
    for code, cell, name, opt, note in flags:
        parts = [f"code = {q(code)}", f"severity = {q(SEVERITY[code])}"]
        if cell:
            parts.append(f"cell = {q(cell)}")
        if name:
            parts.append(f"indicator = {q(name)}")
        if opt:
            parts.append("optional = true")
        L.append(f"  {{ {', '.join(parts)} }},  # {note}")
    L.append("]")
    for it in real:
        L.append("")
        L.append("[[files.tables.indicators]]")
        L.append(f"# {it.calc}")
        L += [f"row = {it.row}", f"level1 = {q(it.l1)}", f"level2 = {q(it.l2)}", f"name = {q(it.name)}"]
        if it.op is not None:
            L.append(f"op = {q(it.op)}")
        L.append(f"target = {q('' if it.target is None else str(it.target))}")
        L.append(f"actual = {q('' if it.actual is None else str(it.actual))}")
        L.append(f"kind = {q(it.kind)}")
        if it.completion is not None:
            L.append(f"completion = {it.completion:.6f}")
        if it.grade:
            L.append(f"grade = {q(it.grade)}")
        L.append(f"weight = {num(it.weight)}")
        if it.reported is not None:
            L.append(f"reported_score = {num(it.reported)}")
        L.append(f"score = {it.score:.2f}")
    return L


HEADER = """\
# planted.toml — what a correct `xlsproc check` must report for every sample in this folder.
# Written by samples/make_samples.py; every number was worked out by hand from docs scoring.md
# (default profile) and the arithmetic is in the comments. Do not edit by hand: edit the script.
#
# Conventions
#   file           path relative to samples/
#   status         ok | error | skipped  (as in results-json.md); error = the file-level code
#   cells          Excel A1 addresses on the table's sheet; for merged cells the top-left cell
#   row            1-based sheet row of an indicator
#   rate           B / A as a fraction, 6 decimals (compare with a 1e-6 tolerance)
#   scores         rounded half-up to 2 decimals (19.875 → 19.88)
#   reported_*     as written in the sheet (text stays text)
#   unit           部门名称 / 单位名称 / 主管部门 / 预算单位 value as written (project tables: 主管部门)
#   flags          the exact set of (code, cell) a checker must report for the table:
#                  required unless `optional = true` (the rules read literally fire it, but a checker
#                  may reasonably fold it into another flag on the same cell). A flag without `cell`
#                  is table-level: any cell, or none, is accepted. `indicator` = the 三级指标 text.
#   flag cells     实际完成值 for actual-missing / actual-not-numeric / over-completion / unit-mismatch;
#                  得分 for score-* and qualitative-band; 偏差原因 for deviation-reason-missing;
#                  年度指标值 for target-zero / manual-review; 三级指标 for placeholder-left;
#                  the total row's 全年执行数 for fund-rows-sum; 执行率 for execution-rate-mismatch and
#                  low-execution-rate; the 总分 得分 cell for total-mismatch; the 一级 label cell for
#                  level1-weight-mismatch; the formula's own cell for formula-no-cache.
#
# Readings of scoring.md chosen where it is not explicit (each repeated where it matters):
#   * a placeholder row (指标1：) WITH a weight stays an indicator and is scored, besides the flag;
#   * an actual like 完成 against a numeric target is scored as qualitative → kind "qualitative";
#   * score-mismatch next to score-over-weight / qualitative-band on the same cell is optional;
#   * the 10 / 20 execution weight comes from the 分值/权重 cell of the total row (present everywhere);
#   * 0-byte .xlsx → file-corrupt; CSV named .xls → file-unsupported.
"""


RICH_PLANTED = """
[[files]]
# written by make_rich_sample.py; worked out by hand:
# rate = 197.4 / 210 = 0.94 → execution 10 × 0.94 = 9.40; reported 94% ✓
# indicators 15 + 10×4/5 = 8 + 10 + 5 + 10 + … = 88.00 (新建社区助餐点 4 of ≥5 → 8, no reason → deviation-reason-missing)
# total = 9.40 + 88.00 = 97.40 → 优; reported 98.4 → total-mismatch
file = "功能齐全_2024_项目.xlsx"
status = "ok"
table_count = 1

[[files.tables]]
sheet = "项目支出绩效自评表"
kind = "project"
unit = "219001-某区民政局"
project = "社区老年助餐服务"
year = 2024
budget_annual = 210.0
budget_executed = 197.4
budget_cell = "F6"
rate = 0.94
execution_weight = 10
execution_score = 9.4
indicator_count = 8
indicator_score = 88.0
total_score = 97.4
reported_total = 98.4
grade = "优"
flags = [
  { code = "deviation-reason-missing", severity = "error", cell = "I14", indicator = "新建社区助餐点" },
  { code = "total-mismatch", severity = "warning", cell = "H21" },
]
"""


def planted(entries: list[tuple[str, list[Table]]]) -> str:
    L = [HEADER]
    for fname, tables in entries:
        L += ["", "[[files]]", f"file = {q(fname)}", 'status = "ok"', f"table_count = {len(tables)}"]
        if fname.startswith("某区教育局"):
            L.append('# the sheet 填表说明 holds text only and must be ignored (no table, no error)')
        for t in tables:
            L += table_toml(t)
    L.append(RICH_PLANTED)
    for fname, status, code, note in BAD_EXPECT:
        L += ["", "[[files]]", f"# {note}", f"file = {q(fname)}", f"status = {q(status)}"]
        if code:
            L.append(f"error = {q(code)}")
    return "\n".join(L) + "\n"


README = """\
# samples — 样例工作簿

由 `make_samples.py` 生成（`make samples` 或 `.venv/bin/python samples/make_samples.py`），内容与字节均固定；
每个表应得的结果（执行率、得分、等级、问题清单及所在单元格）见 `planted.toml`，计算过程写在注释里。
Generated by `make_samples.py` (deterministic); expected results per table in `planted.toml`.

| 文件 file | 说明 what it shows |
|---|---|
| `洪山区团委_2024_部门整体.xlsx` | 种子报告的部门整体自评表（武汉：执行情况20分+年度绩效指标80分），99.88分/优；8个目标拆成18个指标，多处超额完成（616/300、46800/15000…）、一处单位不一致、一处“不低于上一年度”人工复核 — the seed's department table |
| `某区民政局_2024_居家养老服务补贴.xlsx` | 标准全国版项目表，执行率/得分/总分为带缓存值的公式，“/”占位行，无问题 — clean national layout, formulas with cached values |
| `某街道_青少年服务_2024.xlsx` | 指标层面的问题全家福：未完成有/无原因、反向指标、复合指标、定性档次越界、时限、相对目标、实际值空白/非数字、单位不一致、得分超分值/不符/空白、目标为0、总分不符；一级带分值“产出指标(50分)”，有插入行 — indicator-level faults |
| `某街道_社区治理_2024.xlsx` | 资金与结构问题：分项资金不等于合计、执行率低于90%且填报执行率不符、“指标1：”占位行带分值、一级分值与明细不符、权重合计95、无缓存值的公式、“填报单位（盖章）”行 — funds/structure faults |
| `四川格式_2023_项目自评.xlsx` | 四川2023版：Sheet1、A1“附件3”、表从B3开始、指标性质/度量单位分列、标签含空格换行和（A）（B/A）、全角数字与千分位文本、评价结论/存在问题/改进措施 — Sichuan variant |
| `某区教育局_2024_多表.xlsx` | 一个文件四个表页：填表说明（应忽略）、部门整体（资金按收入性质、支出性质两组分列）、两个项目表；标签同义词 — several tables, label synonyms |
| `某区卫健委_2024_项目.xls` | 旧版 BIFF .xls（xlwt），全国版，合并单元格 — legacy .xls |
| `某区司法局_2024_项目.xlsm` | 启用宏的工作簿（无VBA），标签带（A）（B）、“年度资金总额：”、一级/二级逐行重复不合并，“100%”对99.9% — macro-enabled workbook |
| `功能齐全_2024_项目.xlsx` | 由 `make_rich_sample.py` 生成：带图片、图表、文本框、迷你图、条件格式、数据有效性、批注、超链接、定义名称、打印设置等全部“不能丢”的内容，批注副本必须一样不少；两处问题（未填偏差原因、总分不符）— every feature an annotated copy must keep |
| `bad/损坏文件.xlsx` | 截断的 xlsx → file-corrupt |
| `bad/加密文件.xlsx` | 密码 123456 加密 → file-encrypted |
| `bad/网页另存.xls` | HTML 表格另存为 .xls → file-unsupported |
| `bad/导出数据.xls` | GBK 编码 CSV 文本另存为 .xls → file-unsupported |
| `bad/空文件.xlsx` | 0 字节 → file-corrupt |
| `bad/压缩炸弹.xlsx` | 工作表解压后 150 MiB（磁盘约 150 KB）→ file-too-large |
| `bad/无评价表.xlsx` | 人员名单，无自评表 → no-evaluation-found |
| `bad/~$洪山区团委_2024_部门整体.xlsx` | Excel 锁文件（165字节）→ skipped |
"""


def main():
    BAD.mkdir(exist_ok=True)
    entries: list[tuple[str, list[Table]]] = []
    jobs = [
        ("洪山区团委_2024_部门整体.xlsx", write_hongshan),
        ("某区民政局_2024_居家养老服务补贴.xlsx", write_minzheng),
        ("某街道_青少年服务_2024.xlsx", write_jiedao_youth),
        ("某街道_社区治理_2024.xlsx", write_jiedao_governance),
        ("四川格式_2023_项目自评.xlsx", write_sichuan),
        ("某区教育局_2024_多表.xlsx", write_edu),
        ("某区卫健委_2024_项目.xls", write_weijian),
        ("某区司法局_2024_项目.xlsm", write_sifa),
    ]
    for fname, fn in jobs:
        res = fn(HERE / fname)
        tables = res if isinstance(res, list) else [res]
        for t in tables:
            t.check()
        entries.append((fname, tables))
    write_bad(HERE / "某区民政局_2024_居家养老服务补贴.xlsx")
    import make_rich_sample
    make_rich_sample.main()
    (HERE / "planted.toml").write_text(planted(entries), encoding="utf-8")
    (HERE / "README.md").write_text(README, encoding="utf-8")
    total = sum(p.stat().st_size for p in HERE.rglob("*") if p.is_file())
    print(f"wrote {len(jobs)} good files, {len(BAD_EXPECT)} bad files, planted.toml; samples/ = {total} bytes")


if __name__ == "__main__":
    main()
