import json
import os
from decimal import Decimal
from grid import Sheet, rhu, exp_indicator


class T:
    """Row-cursor builder for one evaluation table on a Sheet."""

    def __init__(self, sh, row=1):
        self.sh = sh
        self.r = row

    def row(self, *items, skip=1):
        """items: (c1, c2, value) merged horizontally, or (c, value)."""
        for it in items:
            if len(it) == 2:
                self.sh.put(self.r, it[0], it[1])
            else:
                self.sh.merge(self.r, it[0], self.r, it[1], it[2])
        self.r += skip

    def blank(self, n=1):
        self.r += n

    def funds(self, blk_label, fc, headers, rows, grp_col=None):
        """fc: dict blk, lab=(c1,c2), init, annual, exec, weight, rate, score (any may be missing).
        headers: dict key->label. rows: list of dicts with label, grp (optional) and values."""
        sh = self.sh
        top = self.r
        sh.merge(top, fc["lab"][0], top, fc["lab"][1], headers.get("lab"))
        for k in ("init", "annual", "exec", "weight", "rate", "score", "reason"):
            if k in fc and k in headers:
                sh.put(top, fc[k], headers[k])
        r = top + 1
        grp_runs = []
        for row in rows:
            if grp_col is not None and row.get("grp"):
                sh.merge(r, fc["lab"][0] + 1, r, fc["lab"][1], row["label"])
                if grp_runs and grp_runs[-1][0] == row["grp"]:
                    grp_runs[-1][2] = r
                else:
                    grp_runs.append([row["grp"], r, r])
            else:
                sh.merge(r, fc["lab"][0], r, fc["lab"][1], row["label"])
            for k in ("init", "annual", "exec", "weight", "rate", "score", "reason"):
                if k in fc and row.get(k) is not None:
                    sh.put(r, fc[k], row[k])
            r += 1
        for g, r1, r2 in grp_runs:
            sh.merge(r1, fc["lab"][0], r2, fc["lab"][0], g)
        sh.merge(top, fc["blk"], r - 1, fc["blk"], blk_label)
        self.funds_total_row = top + 1
        self.r = r

    def goals(self, label, c_blk, c_a1, c_a2, c_b1, c_b2, target, actual):
        sh = self.sh
        sh.merge(self.r, c_blk, self.r + 1, c_blk, label)
        sh.merge(self.r, c_a1, self.r, c_a2, "预期目标")
        sh.merge(self.r, c_b1, self.r, c_b2, "实际完成情况")
        sh.merge(self.r + 1, c_a1, self.r + 1, c_a2, target)
        sh.merge(self.r + 1, c_b1, self.r + 1, c_b2, actual)
        self.r += 2

    def tasks(self, label, c_blk, c_name, c_desc, amount_cols, amount_headers, tasks, sub_header=None):
        """年度主要任务 block. amount_cols: list of columns; amount_headers: labels.
        sub_header: (label, c1, c2) a spanning '预算金额（万元）' header above amount headers."""
        sh = self.sh
        top = self.r
        if sub_header:
            sh.merge(top, c_name, top + 1, c_name, "任务名称")
            sh.merge(top, c_desc[0], top + 1, c_desc[1], "主要内容")
            sh.merge(top, sub_header[1], top, sub_header[2], sub_header[0])
            for c, h in zip(amount_cols, amount_headers):
                sh.put(top + 1, c, h)
            r = top + 2
        else:
            sh.put(top, c_name, "任务名称")
            sh.merge(top, c_desc[0], top, c_desc[1], "主要内容")
            for c, h in zip(amount_cols, amount_headers):
                sh.put(top, c, h)
            r = top + 1
        for t in tasks:
            sh.put(r, c_name, t[0])
            sh.merge(r, c_desc[0], r, c_desc[1], t[1])
            for c, v in zip(amount_cols, t[2:]):
                sh.put(r, c, v)
            r += 1
        sh.merge(top, c_blk, r - 1, c_blk, label)
        self.r = r

    def indicators(self, ic, headers, items, l0_label=None, header2=None, last_col=None):
        """ic: dict of column keys -> col: l0 l1 l2 name target actual weight score reason note seq
        plus extra keys. headers: key -> header label. header2: (row1 dict key->(label, c1, c2,
        rowspan)) for a two-row header, given as list of (r_off, c1, r_off2, c2, label)."""
        sh = self.sh
        last = last_col or max(ic.values())
        top = self.r
        if header2:
            for ro1, c1, ro2, c2, lab in header2:
                sh.merge(top + ro1, c1, top + ro2, c2, lab)
            r = top + 2
        else:
            for k, lab in headers.items():
                if k in ic:
                    sh.put(top, ic[k], lab)
            r = top + 1
        rows = []  # (row, item)
        for it in items:
            t = it.get("type", "ind")
            if t == "blank":
                r += 1
                continue
            if t == "ind" or t == "ph":
                for k in ("seq", "target", "actual", "reason", "note"):
                    if k in ic and it.get(k) is not None:
                        sh.put(r, ic[k], it[k])
                if "weight" in ic:
                    sh.put(r, ic["weight"], it.get("wd", it.get("w")))
                if "score" in ic:
                    sh.put(r, ic["score"], it.get("sd", it.get("s")))
                for k, v in it.get("extra", {}).items():
                    sh.put(r, ic[k], v)
                if it.get("merge23"):
                    sh.merge(r, ic["l2"], r, ic["name"], it["name"])
                else:
                    sh.put(r, ic["name"], it.get("name"))
                it["_row"] = r
            elif t == "sub":
                sh.merge(r, ic["l1"], r, ic["name"], it.get("label", "小计"))
                sh.put(r, ic["weight"], it["w"])
                sh.put(r, ic["score"], it["s"])
            elif t == "note":
                sh.merge(r, ic["l2"], r, last, it["text"])
            rows.append((r, it))
            r += 1
        # merge l1 / l2 runs
        def runs(key, allowed):
            out = []
            for rr, it in rows:
                t = it.get("type", "ind")
                if t not in allowed or (key == "l2" and it.get("merge23")):
                    out.append(None)
                    continue
                v = it.get(key)
                if out and out[-1] and out[-1][0] == v and out[-1][2] == rr - 1:
                    out[-1][2] = rr
                else:
                    out.append([v, rr, rr])
            return [o for o in out if o]
        for v, r1, r2 in runs("l1", ("ind", "ph", "note")):
            sh.merge(r1, ic["l1"], r2, ic["l1"], v)
        for v, r1, r2 in runs("l2", ("ind", "ph")):
            sh.merge(r1, ic["l2"], r2, ic["l2"], v)
        if l0_label and "l0" in ic:
            sh.merge(top, ic["l0"], r - 1, ic["l0"], l0_label)
        self.ind_top = top
        self.r = r


def amt(x):
    return Decimal(str(x))


def expect(sheet, kind, unit, project, year, annual, executed, exec_weight, inds,
           flags=(), not_flags=(), ambiguous=(), reported_total=None, extra=None):
    real = [i for i in inds if i.get("type", "ind") == "ind"]
    scores, fl = [], set(flags)
    for i in real:
        s, f = exp_indicator(i)
        scores.append(s)
        fl |= f
    rate_d = amt(executed) / amt(annual)
    rate = float(rate_d)
    exec_score = rhu(Decimal(str(exec_weight)) * min(rate_d, Decimal(1)))
    ind_score = rhu(sum(Decimal(str(s)) for s in scores))
    total = rhu(Decimal(str(exec_score)) + Decimal(str(ind_score)))
    if rate < 0.9:
        fl.add("low-execution-rate")
    if reported_total is not None and abs(reported_total - total) > 0.1 + 1e-9:
        fl.add("total-mismatch")
    grade = "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"
    wsum = exec_weight + sum(Decimal(str(i["w"])) for i in real)
    if abs(float(wsum) - 100) > 1e-9:       # the total stands, the grade waits (scoring.md)
        fl.add("weights-sum")
        grade = None
    d = {"sheet": sheet, "kind": kind, "unit": unit, "project": project, "year": year,
         "annual": float(annual), "executed": float(executed), "rate": round(rate, 6),
         "exec_weight": exec_weight, "exec_score": exec_score,
         "indicator_scores": scores, "n_indicators": len(real),
         "indicator_weights": [i["w"] for i in real],
         "indicator_names": [i["name"] for i in real],
         "indicator_score": ind_score, "total": total, "grade": grade,
         "flags": sorted(fl), "not_flags": sorted(set(not_flags) - fl),
         "ambiguous": list(ambiguous)}
    if extra:
        d.update(extra)
    return d


def I(l1, l2, name, target, actual, w, s, exp, reason=None, **kw):
    d = dict(type="ind", l1=l1, l2=l2, name=name, target=target, actual=actual, w=w, s=s,
             exp=exp, reason=reason)
    d.update(kw)
    return d


def write_round(out, cases, expected):
    """Rewrite a round's workbooks (case functions filling `expected`) and its expected.json."""
    for f in os.listdir(out):
        if f[:2].isdigit() and f.endswith((".xlsx", ".xls", ".xlsm")):
            os.remove(os.path.join(out, f))
    for case in cases:
        case()
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as fh:
        json.dump(expected, fh, ensure_ascii=False, indent=1)
    for fn, evs in expected.items():
        for e in evs:
            print(f"{fn[:40]:40s} {e['sheet'][:12]:12s} n={e['n_indicators']:2d} rate={e['rate']:.6f} "
                  f"exec={e['exec_score']:5.2f} ind={e['indicator_score']:6.2f} total={e['total']:6.2f} {e['grade']} {e['flags']}")
