"""A tiny sheet model (cells + merges) rendered to openpyxl or xlwt, and a row builder
for self-evaluation tables, plus the expectation arithmetic (spec rules, done by me)."""
from decimal import Decimal, ROUND_HALF_UP
from openpyxl.utils import get_column_letter


def rhu(x):
    if not isinstance(x, Decimal):
        x = Decimal(str(x))
    return float(x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class Sheet:
    def __init__(self, name):
        self.name = name
        self.cells = {}
        self.merges = []
        self.hidden_cols = set()
        self.freeze = None
        self.widths = {}
        self.r = 1

    def put(self, r, c, v):
        if v is None or v == "":
            return
        self.cells[(r, c)] = v

    def merge(self, r1, c1, r2, c2, v=None):
        if v is not None:
            self.put(r1, c1, v)
        if (r1, c1) != (r2, c2):
            self.merges.append((r1, c1, r2, c2))


def render_openpyxl(wb, sh):
    from openpyxl.styles import Alignment
    ws = wb.create_sheet(sh.name)
    for (r, c), v in sh.cells.items():
        cell = ws.cell(r, c, v)
        if isinstance(v, str) and len(v) > 12:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    for r1, c1, r2, c2 in sh.merges:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    for c in sh.hidden_cols:
        ws.column_dimensions[get_column_letter(c)].hidden = True
    for c, w in sh.widths.items():
        ws.column_dimensions[get_column_letter(c)].width = w
    if sh.freeze:
        ws.freeze_panes = sh.freeze
    return ws


def render_xlwt(wb, sh):
    ws = wb.add_sheet(sh.name)
    covered = set()
    for r1, c1, r2, c2 in sh.merges:
        v = sh.cells.get((r1, c1), "")
        ws.write_merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1, v)
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                covered.add((r, c))
    for (r, c), v in sh.cells.items():
        if (r, c) in covered:
            continue
        ws.write(r - 1, c - 1, v)
    for c in sh.hidden_cols:
        ws.col(c - 1).hidden = True
    for c, w in sh.widths.items():
        ws.col(c - 1).width = int(w * 256)
    return ws


# ---------------------------------------------------------------- expectations

def exp_indicator(ind):
    """ind: dict with weight, score (reported number or None), reason, exp=(kind, x), flags.
    Returns (score, flags)."""
    w = ind["w"]
    rep = ind.get("s")
    kind, x = ind["exp"]
    flags = set(ind.get("flags", []))
    if kind == "q":  # quantitative: x = completion
        score = rhu(Decimal(str(w)) * Decimal(str(min(x, 1))))
        if ind.get("pos", True) and x >= 1.2:
            flags.add("over-completion")
    elif kind == "ql":  # qualitative grade
        lo, hi = {"ok": (0.8 * w, w), "part": (0.6 * w, 0.8 * w - 0.01),
                  "fail": (0.0, 0.6 * w - 0.01)}[x]
        lo, hi = rhu(Decimal(str(lo))), rhu(Decimal(str(hi)))
        if rep is None:
            score = {"ok": w, "part": rhu(0.6 * w), "fail": 0.0}[x]
        elif lo - 1e-9 <= rep <= hi + 1e-9:
            score = rep
        else:
            flags.add("qualitative-band")
            score = lo if rep < lo else hi
    elif kind == "manual":
        score = min(rep, w)
        flags.add("manual-review")
    elif kind == "missing":
        score = 0.0
        flags.add("actual-missing")
    else:
        raise ValueError(kind)
    if rep is not None and rep > w + 1e-9:
        flags.add("score-over-weight")
    if kind == "missing":
        return score, flags   # one root cause per row: nothing that only follows from its 0
    if rep is not None and abs(rep - score) > 0.1 + 1e-9:
        flags.add("score-mismatch")
    if score < w - 1e-9 and not ind.get("reason"):
        flags.add("deviation-reason-missing")
    return score, flags
