"""results-json entries as the pages show them: figures formatted as the officer writes them
(99.38%, 19.88, 80), problems split into what is wrong and what to do."""
from __future__ import annotations

import re
import time

from xlsproc.score.numbers import fmt, pct

SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}
ORDER = {"error": 0, "warning": 1, "info": 2}
KIND = {"department": "部门整体", "project": "项目支出"}
_TODO = re.compile(r"[，；。,;]\s*(?=请)")


def split_advice(text: str) -> tuple[str, str]:
    """'实际完成值为 2.05 倍，请说明原因。' → ('实际完成值为 2.05 倍', '请说明原因。')."""
    parts = _TODO.split(text or "", maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (text, "")


def table_view(ev: dict) -> dict:
    budget = ev.get("budget") or {}
    flags = sorted(ev.get("flags") or [], key=lambda f: ORDER.get(f["severity"], 3))
    title = "·".join(x for x in (KIND.get(ev.get("kind"), ""), ev.get("unit"), ev.get("project"),
                                 f"{ev['year']}年度" if ev.get("year") else None) if x)
    return {
        "sheet": ev.get("sheet"), "title": title,
        "rate": pct(budget.get("rate")) if budget else "—",
        "exec_score": fmt(budget.get("score")) if budget else "—",
        "indicator_score": fmt(ev.get("indicator_score")),
        "total": fmt(ev.get("total_score")),
        "grade": ev.get("grade") or "待定",
        "counts": ev.get("flag_counts") or {},
        "flags": [_flag_view(f) for f in flags],
    }


def _flag_view(flag: dict) -> dict:
    wrong, todo = split_advice(flag.get("detail") or flag.get("message") or "")
    return {"severity": flag["severity"], "label": SEVERITY.get(flag["severity"], flag["severity"]),
            "sheet": flag.get("sheet") or "", "cell": flag.get("cell") or "",
            "title": flag.get("title") or "", "wrong": wrong, "todo": todo}


def upload_view(job, service) -> dict:
    """One upload on the department's page (or in the bureau's list of recent uploads)."""
    entry = job.entry or {}
    ok = entry.get("status") == "ok"
    reports = service.reports_for(job.output) if ok else []
    return {
        "id": job.id, "name": job.name, "unit": job.unit or "", "ok": ok,
        "stored": job.rel.split("/")[-1],
        "at": time.strftime("%m-%d %H:%M:%S", time.localtime(job.at)),
        "reason": (entry.get("error") or {}).get("message", ""),
        "tables": [table_view(ev) for ev in entry.get("evaluations") or []] if ok else [],
        # (not "copy": in a template up.copy is the dict's copy method, always true)
        "has_copy": bool(job.output and (service.outbox / job.output).is_file()),
        "copy_notice": copy_notice_view(entry) if ok else None,
        "reports": [p.name for p in reports],
        "replaced": job.replaced, "replaced_by": job.replaced_by,
        "other_units": _other_units(job.unit, entry) if ok else [],
    }


def copy_notice_view(entry: dict) -> dict | None:
    """What the officer must know about her annotated copy (results.json's `copy`): a copy
    that keeps less than her workbook, or none could be made; None when the copy is whole."""
    notice = entry.get("copy")
    if not notice:
        return None
    return {"code": notice.get("code") or "", "title": notice.get("title") or "批注副本",
            "message": notice.get("message") or ""}


def _other_units(chosen: str | None, entry: dict) -> list[str]:
    """Units the tables name that are not the unit chosen on the page (budget codes aside)."""
    from xlsproc.score.history import unit_key, unit_name
    named = {unit_name(ev["unit"]) for ev in entry.get("evaluations") or [] if ev.get("unit")}
    return sorted(u for u in named if chosen and unit_key(u) != unit_key(chosen))
