"""Realistic 项目支出绩效自评表 workbooks for the benchmark, N of them, fast.

One template is built with openpyxl, every variable cell holding a sentinel: numbers are
900000 + k (a <v> in the sheet XML), texts are ⟦k⟧ (a shared string). A variant is the
template's zip with those sentinels replaced by seeded random values: a regex pass over two
XML parts, no openpyxl per file. ~45 rows, ~65 merged ranges, formulas with cached values.
"""
from __future__ import annotations

import random
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

SENTINEL = 900000
COLS = 10                       # A..J

UNITS = ["教育局", "卫生健康局", "民政局", "司法局", "文化和旅游局", "农业农村局", "城市管理局",
         "住房和城乡建设局", "人力资源和社会保障局", "生态环境分局", "街道办事处", "团委"]
DISTRICTS = ["洪山区", "江岸区", "武昌区", "青山区", "汉阳区", "江汉区", "硚口区", "东西湖区"]
PROJECTS = ["居家养老服务补贴", "青少年成长关爱服务", "社区治理创新", "学生资助补助经费",
            "公共法律服务体系建设", "基本公共卫生服务", "农村人居环境整治", "老旧小区改造",
            "就业创业培训补贴", "非遗保护传承", "河湖长制管护", "校园安全设施改造"]
REASONS = ["受疫情后续影响，部分活动延期至下年度开展，将加强计划管理。",
           "项目招标延迟，资金未能按期支付，已督促实施单位加快进度。",
           "实际需求低于预期，下年度将据实调整指标值。", ""]
QUAL_ACTUAL = ["达成年度指标", "效果明显", "基本达成", "有效提升", "部分达成", "达成预期指标"]


@dataclass
class Ind:
    l1: str
    l2: str
    name: str
    kind: str          # positive | reverse | qualitative
    unit: str
    weight: float


def indicators() -> list[Ind]:
    """30 indicators: 产出 50 (16), 效益 30 (10), 满意度 10 (4); with 执行 10 they sum to 100."""
    P, E, S = "产出指标", "效益指标", "满意度指标"
    out = [Ind(P, "数量指标", f"开展{x}", "positive", u, 3) for x, u in
           [("培训活动", "场"), ("入户走访", "户"), ("宣传活动", "次"), ("服务对象", "人次"),
            ("志愿服务", "小时"), ("发放补贴", "人"), ("设施维护", "处"), ("专题讲座", "场")]]
    out += [Ind(P, "质量指标", f"{x}合格率", "positive", "%", 3) for x in ("服务", "验收", "资料")]
    out += [Ind(P, "时效指标", "资金拨付及时率", "positive", "%", 4),
            Ind(P, "时效指标", "项目按期完成", "qualitative", "", 4)]
    out += [Ind(P, "成本指标", f"{x}成本", "reverse", "万元", 3) for x in ("人均服务", "单场活动", "设备采购")]
    out += [Ind(E, "社会效益指标", f"{x}", "qualitative", "", 3) for x in
            ("群众获得感", "服务覆盖面", "社会认可度", "基层治理水平")]
    out += [Ind(E, "经济效益指标", "带动就业人数", "positive", "人", 3),
            Ind(E, "生态效益指标", "垃圾分类覆盖率", "positive", "%", 3),
            Ind(E, "可持续影响指标", "长效机制建设", "qualitative", "", 3)]
    out += [Ind(E, "可持续影响指标", f"{x}", "positive", u, 3) for x, u in
            [("常态化服务站点", "个"), ("培育社会组织", "家"), ("建立工作台账", "本")]]
    out += [Ind(S, "服务对象满意度指标", f"{x}满意度", "positive", "%", 2.5) for x in
            ("服务对象", "群众", "家长", "参与单位")]
    return out


class Template:
    """Where each sentinel sits and what kind of value it takes."""

    def __init__(self):
        self.slots: list[tuple[str, str]] = []   # (name, "num" | "str")

    def num(self, name: str) -> int:
        self.slots.append((name, "num"))
        return SENTINEL + len(self.slots) - 1

    def text(self, name: str) -> str:
        self.slots.append((name, "str"))
        return f"⟦{len(self.slots) - 1}⟧"


def build_template(path: Path) -> Template:
    import openpyxl
    from openpyxl.styles import Alignment, Border, Font, Side
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目支出绩效自评表"
    t = Template()
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")

    def put(r, c, v, r2=None, c2=None, bold=False):
        cell = ws.cell(r, c, v)
        cell.border, cell.alignment = box, wrap
        if bold:
            cell.font = Font(bold=True)
        if r2 or c2:
            ws.merge_cells(start_row=r, start_column=c, end_row=r2 or r, end_column=c2 or c)
        return cell

    for c, w in enumerate((12, 12, 16, 22, 14, 14, 8, 10, 16, 16), 1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = w
    ws.cell(1, 1, "项目支出绩效自评表").font = Font(bold=True, size=16)
    ws.merge_cells("A1:J1")
    ws.cell(2, 1, "（2024年度）")
    ws.merge_cells("A2:J2")
    put(3, 1, "项目名称", bold=True)
    put(3, 2, t.text("project"), 3, 10)
    put(4, 1, "主管部门", bold=True)
    put(4, 2, t.text("unit"), 4, 5)
    put(4, 6, "实施单位", bold=True)
    put(4, 7, t.text("implementer"), 4, 10)
    _funds(put, t)
    _goals(put, t)
    last = _indicator_rows(put, t, ws)
    put(last, 1, "总分", last, 6, bold=True)
    put(last, 7, 100)
    put(last, 8, f"=SUM(H13:H{last - 1})+I6")
    t.num("total_cached")
    put(last, 9, None, last, 10)
    ws.cell(last + 1, 1, "填表人：")
    ws.cell(last + 1, 2, t.text("filler"))
    ws.cell(last + 1, 6, "联系电话：")
    ws.cell(last + 1, 7, t.text("phone"))
    ws.merge_cells(start_row=last + 1, start_column=7, end_row=last + 1, end_column=8)
    ws.cell(last + 2, 1, "填报日期：2025年3月")
    ws.merge_cells(start_row=last + 2, start_column=1, end_row=last + 2, end_column=3)
    wb.save(path)
    return t


def _funds(put, t: Template) -> None:
    put(5, 1, "项目资金（万元）", 9, 1, bold=True)
    put(5, 2, None, 5, 3)
    for c, head in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), 4):
        put(5, c, head, bold=True)
    put(5, 10, "偏差原因", bold=True)
    for r, label in enumerate(("年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"), 6):
        put(r, 2, label, r, 3)
        for c, key in ((4, "initial"), (5, "annual"), (6, "executed")):
            put(r, c, t.num(f"{key}{r}"))
        if r == 6:
            put(r, 7, 10)
            put(r, 8, "=F6/E6")
            t.num("rate_cached")
            put(r, 9, t.num("exec_score"))
            put(r, 10, t.text("funds_reason"))
        else:
            for c in (7, 8, 9, 10):
                put(r, c, "—")
    put(9, 2, "（单位：万元）", 9, 3)
    for c in range(4, 11):
        put(9, c, None)


def _goals(put, t: Template) -> None:
    put(10, 1, "年度总体目标", 11, 1, bold=True)
    put(10, 2, "预期目标", 10, 5, bold=True)
    put(10, 6, "实际完成情况", 10, 10, bold=True)
    put(11, 2, t.text("goal_expected"), 11, 5)
    put(11, 6, t.text("goal_actual"), 11, 10)


def _indicator_rows(put, t: Template, ws) -> int:
    heads = ("绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
             "偏差原因分析及改进措施")
    for c, head in enumerate(heads, 1):
        put(12, c, head, bold=True)
    ws.merge_cells("I12:J12")
    inds = indicators()
    first = r = 13
    spans: dict[str, list[int]] = {}
    for i, ind in enumerate(inds):
        spans.setdefault("1" + ind.l1, []).append(r)
        spans.setdefault("2" + ind.l1 + ind.l2, []).append(r)
        put(r, 2, ind.l1)
        put(r, 3, ind.l2)
        put(r, 4, ind.name)
        put(r, 5, t.text(f"target{i}"))
        put(r, 6, t.text(f"actual{i}"))
        put(r, 7, ind.weight)
        put(r, 8, t.num(f"score{i}"))
        put(r, 9, t.text(f"reason{i}"), r, 10)
        r += 1
    ws.merge_cells(start_row=first, start_column=1, end_row=r - 1, end_column=1)
    for key, rows in spans.items():
        col = 2 if key[0] == "1" else 3
        if len(rows) > 1:
            ws.merge_cells(start_row=rows[0], start_column=col, end_row=rows[-1], end_column=col)
    return r


# --- values for one variant ------------------------------------------------------------------

def variant_values(i: int) -> dict[str, object]:
    rng = random.Random(i)
    v: dict[str, object] = {}
    district, unit = rng.choice(DISTRICTS), rng.choice(UNITS)
    project = rng.choice(PROJECTS)
    v["project"] = f"{district}{project}项目"
    v["unit"] = f"{district}{unit}"
    v["implementer"] = f"{district}{unit}{rng.choice(['', '下属中心', '服务站'])}"
    v["filler"] = rng.choice(["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊"])
    v["phone"] = f"027-{rng.randint(80000000, 89999999)}"
    v["goal_expected"] = f"按计划完成{project}各项任务，服务群众{rng.randint(500, 20000)}人次，提升服务质量。"
    v["goal_actual"] = f"全年完成{project}主要任务，服务群众{rng.randint(500, 20000)}人次，群众满意度较高。"
    quality = rng.choices([1.0, 0.85, 0.6], weights=[70, 20, 10])[0]   # → 优 / 良 / 中、差
    rate = _budget(v, rng, quality)
    total = v["exec_score"]
    for k, ind in enumerate(indicators()):
        total += _indicator(v, k, ind, rng, quality)
    v["total_cached"] = round(total, 2)
    v["funds_reason"] = rng.choice(REASONS) if rate < 0.9 else ""
    return v


def _budget(v: dict, rng: random.Random, quality: float) -> float:
    annual = round(rng.uniform(20, 3000), 2)
    rate = min(1.0, rng.triangular(0.7, 1.02, 0.98) * quality)
    executed = round(annual * rate, 2)
    shares = (round(annual * rng.uniform(0.6, 0.9), 2),)
    carry = round((annual - shares[0]) * rng.uniform(0.3, 0.7), 2)
    parts_a = [shares[0], carry, round(annual - shares[0] - carry, 2)]
    parts_e = [round(executed * p / annual, 2) for p in parts_a[:2]]
    parts_e.append(round(executed - sum(parts_e), 2))
    if rng.random() < 0.05:
        parts_e[1] = round(parts_e[1] + rng.uniform(1, 5), 2)       # fund-rows-sum
    initial = round(annual * rng.uniform(0.85, 1.0), 2)
    for r, (a, e) in enumerate(zip([annual] + parts_a, [executed] + parts_e), 6):
        v[f"annual{r}"], v[f"executed{r}"] = a, e
        v[f"initial{r}"] = initial if r == 6 else round(a * initial / annual, 2)
    real = executed / annual
    v["rate_cached"] = round(real, 6)
    v["exec_score"] = round(10 * min(real, 1) + (0.5 if rng.random() < 0.05 else 0), 2)
    return real


def _indicator(v: dict, k: int, ind: Ind, rng: random.Random, quality: float) -> float:
    w = ind.weight
    if ind.kind == "qualitative":
        actual = rng.choice(QUAL_ACTUAL if quality == 1.0 else QUAL_ACTUAL + ["未达成"] * 3)
        v[f"target{k}"] = rng.choice(["有效提升", "效果明显", "按期完成", "达到预期"])
        v[f"actual{k}"] = actual
        share = {"基本达成": 0.7, "部分达成": 0.7, "未达成": 0.3}.get(actual, 1.0)
        score = round(w * share, 2)
        v[f"score{k}"], v[f"reason{k}"] = score, "" if score == w else rng.choice(REASONS)
        return score
    if ind.unit == "%":
        target = rng.choice([85, 90, 95, 98, 100])
        actual = round(min(100.0, target * rng.uniform(0.9, 1.08) * quality), 1)
    else:
        target = rng.choice([5, 10, 20, 50, 100, 200, 500, 1200, 3000])
        actual = round(target * rng.uniform(0.75, 1.6) * quality) if ind.kind == "positive" else \
            round(target * rng.uniform(0.8, 1.15) / quality, 2)
    op = ("≤" if ind.kind == "reverse" else rng.choice(["≥", "不少于", "≥", ""]))
    v[f"target{k}"] = f"{op}{target}{ind.unit}"
    v[f"actual{k}"] = f"{actual:g}{ind.unit}"
    if ind.kind == "reverse":
        completion = 1.0 if actual <= target else target / actual
    else:
        completion = actual / target
    score = round(w * min(completion, 1.0), 2)
    if rng.random() < 0.04:
        score = round(score + 0.5, 2)                                 # score-mismatch
    v[f"score{k}"] = score
    v[f"reason{k}"] = rng.choice(REASONS) if completion < 1 else ""
    return score


# --- fast variants ---------------------------------------------------------------------------

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
_INLINE = re.compile(r'<c ([^>]*?)t="inlineStr"([^>]*)><is><t>([^<]*)</t></is></c>')
_NUM = re.compile(r"<v>(9\d{5})</v>")
# openpyxl writes ⟦ ⟧ as they are, or as character references when it writes through lxml
_STR = re.compile(r"(?:⟦|&#10214;|&#x27E6;)(\d+)(?:⟧|&#10215;|&#x27E7;)", re.I)
_EMPTY_V = re.compile(r"(<f>[^<]*</f>)<v\s*/>|(<f>[^<]*</f>)<v></v>")


class Factory:
    """The template's parts in memory; `write(i, path)` makes variant i."""

    def __init__(self, work: Path):
        work.mkdir(parents=True, exist_ok=True)
        base = work / "_template.xlsx"
        self.t = build_template(base)
        with zipfile.ZipFile(base) as zf:
            parts = {i.filename: zf.read(i) for i in zf.infolist()}
        self.parts = shared_strings(parts)
        self.names = [name for name, _ in self.t.slots]

    def write(self, i: int, path: Path, vals: dict | None = None) -> None:
        vals = vals or variant_values(i)
        names = self.names
        sheet = self.parts[SHEET].decode("utf-8")
        sheet = _NUM.sub(lambda m: f"<v>{_fmt(vals[names[int(m.group(1)) - SENTINEL]])}</v>", sheet)
        sheet = self._cached(sheet, vals)
        strings = self.parts[STRINGS].decode("utf-8")
        strings = _STR.sub(lambda m: escape(str(vals[names[int(m.group(1))]])), strings)
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for name, data in self.parts.items():
                if name == SHEET:
                    data = sheet.encode("utf-8")
                elif name == STRINGS:
                    data = strings.encode("utf-8")
                zf.writestr(name, data)

    def _cached(self, sheet: str, vals: dict) -> str:
        """openpyxl writes formulas without results: give them the cached values Excel would."""
        cached = iter([vals["rate_cached"], vals["total_cached"]])
        return _EMPTY_V.sub(lambda m: f"{m.group(1) or m.group(2)}<v>{_fmt(next(cached, 0))}</v>", sheet)


def shared_strings(parts: dict[str, bytes]) -> dict[str, bytes]:
    """openpyxl wrote inline strings; Excel and WPS write a shared-string table: do as they do."""
    table: dict[str, int] = {}

    def shared(m: re.Match) -> str:
        idx = table.setdefault(m.group(3), len(table))
        return f'<c {m.group(1)}t="s"{m.group(2)}><v>{idx}</v></c>'
    sheet = _INLINE.sub(shared, parts[SHEET].decode("utf-8"))
    items = "".join(f"<si><t>{text}</t></si>" for text in table)
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    out = dict(parts)
    out[SHEET] = sheet.encode("utf-8")
    out[STRINGS] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{ns}" '
                    f'count="{len(table)}" uniqueCount="{len(table)}">{items}</sst>').encode("utf-8")
    rel = ('<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           'sharedStrings" Target="sharedStrings.xml" Id="rId99" /></Relationships>')
    out["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", rel.encode())
    ct = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    out["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", ct.encode())
    return out


def _fmt(x) -> str:
    return f"{x:.10g}" if isinstance(x, float) else str(x)


def file_name(i: int, v: dict) -> Path:
    """区县收件/单位_项目_编号.xlsx: Chinese folder and file names."""
    folder = f"{DISTRICTS[i % len(DISTRICTS)]}收件"
    return Path(folder) / f"{v['unit']}_{str(v['project'])[:12]}_{i:05d}.xlsx"


def generate(n: int, inbox: Path) -> list[Path]:
    factory = Factory(inbox.parent)
    paths = []
    for i in range(n):
        vals = variant_values(i)
        path = inbox / file_name(i, vals)
        factory.write(i, path, vals)
        paths.append(path)
    return paths
