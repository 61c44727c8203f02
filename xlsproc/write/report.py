"""The narrative self-evaluation report (自评报告) drafted from computed facts, in the seed's order.

一、绩效自评得分 → 二、绩效目标完成情况 (1. 执行率情况, 2. 完成的绩效目标, 3. 未完成的绩效目标)
→ 三、存在的问题和原因 → 四、下一步拟改进措施. Every figure comes from an EvaluationResult;
the officer edits the draft, so what we cannot know is left as a marked prompt.
"""
from __future__ import annotations

from dataclasses import dataclass

from xlsproc.score.history import unit_name
from xlsproc.score.scoring import EvaluationResult, IndicatorResult, fmt, pct

PROMPT_REASON = "【未填写偏差原因，请补充未完成原因及改进措施】"
PROMPT_MEASURES = ("【请填表人根据上述问题填写下一步改进措施，例如：科学设定绩效目标、"
                   "加强预算执行进度管理、完善绩效监控与结果应用等】")
NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Paragraph:
    text: str
    level: int = 0          # 0 title, 1 section heading, 2 sub-heading, 3 body


def paragraphs(res: EvaluationResult) -> list[Paragraph]:
    ev = res.evaluation
    who = _subject(res)
    scope = "部门整体" if ev.kind == "department" else "项目"
    year = f"{ev.year} 年" if ev.year else ""
    out = [Paragraph(f"{who}{year}{scope}绩效自评报告", 0)]
    out.append(Paragraph(f"一、{scope}绩效自评得分", 1))
    out.append(Paragraph(_score_sentence(res, who, year, scope), 3))
    out.append(Paragraph(f"二、{scope}绩效目标完成情况", 1))
    out.append(Paragraph("1. 执行率情况", 2))
    out.append(Paragraph(_execution_sentence(res, who), 3))
    goals = [i for i in res.indicators if not i.row.placeholder]
    done = [i for i in goals if _completed(i) and i.kind != "manual"]
    pending = [i for i in goals if _completed(i) and i.kind == "manual"]
    missed = [i for i in goals if not _completed(i)]
    out.append(Paragraph("2. 完成的绩效目标", 2))
    out.extend(_list_or_none([_done_text(i) for i in done] + [_pending_text(i) for i in pending]))
    out.append(Paragraph("3. 未完成的绩效目标", 2))
    out.extend(_list_or_none([_missed_text(i) for i in missed]))
    out.append(Paragraph("三、存在的问题和原因", 1))
    out.extend(Paragraph(t, 3) for t in _problems(res))
    out.append(Paragraph("四、下一步拟改进措施", 1))
    out.append(Paragraph(PROMPT_MEASURES, 3))
    return out


def text(res: EvaluationResult) -> str:
    """The report as plain text, one paragraph a line (what `xlsproc report` prints)."""
    lines = []
    for p in paragraphs(res):
        lines.append(("" if p.level < 3 else "    ") + p.text)
    return "\n".join(lines) + "\n"


def _subject(res: EvaluationResult) -> str:
    """Who the report is about, as prose writes it: budget codes (401001-) dropped."""
    ev = res.evaluation
    unit = unit_name(ev.unit.text) if not ev.unit.blank else ""
    if ev.kind == "project" and not ev.project.blank:
        return f"{unit}“{ev.project.text}”" if unit else f"“{ev.project.text}”"
    return unit or ev.sheet


def _score_sentence(res: EvaluationResult, who: str, year: str, scope: str) -> str:
    b = res.budget
    execution = fmt(b.score) if b else "—"
    return (f"{who}{year}{scope}绩效自评综合得分 {fmt(res.total_score)} 分（{res.grade_shown}），"
            f"其中执行情况得分 {execution} 分，年度绩效指标得分 {fmt(res.indicator_score)} 分。")


def _execution_sentence(res: EvaluationResult, who: str) -> str:
    b = res.budget
    if b is None or b.annual is None:
        return f"{who}未填写全年预算数，无法计算执行率。"
    unit = res.evaluation.money_unit
    return (f"{who}全年预算数 {fmt(b.annual)} {unit}，实际执行数 {fmt(b.executed)} {unit}，"
            f"执行率 {pct(b.rate)}。")


def _completed(i: IndicatorResult) -> bool:
    return i.weight is not None and i.score >= i.weight - 0.005


def _done_text(i: IndicatorResult) -> str:
    target = i.row.target.text or "—"
    return f"绩效目标：{i.name}，年度指标值 {target}；完成情况：{i.row.actual.text or '—'}，已完成。"


def _pending_text(i: IndicatorResult) -> str:
    return (f"绩效目标：{i.name}，年度指标值 {i.row.target.text or '—'}；完成情况：{i.row.actual.text or '—'}。"
            "该目标以上年为基准，需与上年实际数据核对后确认是否完成。")


def _missed_text(i: IndicatorResult) -> str:
    reason = i.row.reason.text or PROMPT_REASON
    return (f"绩效目标：{i.name}，年度指标值 {i.row.target.text or '—'}；完成情况："
            f"{i.row.actual.text or '未填写'}，得分 {fmt(i.score)} 分（分值 {fmt(i.weight)} 分）。"
            f"偏差原因：{reason}")


def _list_or_none(texts: list[str]) -> list[Paragraph]:
    return [Paragraph(t, 3) for t in _numbered(texts)] or [Paragraph("无", 3)]


def _numbered(items) -> list[str]:
    return [f"({n}){t}" for n, t in enumerate(items, 1)]


def _problems(res: EvaluationResult) -> list[str]:
    serious = [f for f in res.flags if f.severity in ("error", "warning")]
    if not serious:
        return ["经核查，各项绩效指标已完成，自评表未发现需要说明的问题。"]
    lead = "自评表审核发现以下问题，请逐项说明原因或修改后重新提交："
    seen, lines = set(), []
    for f in serious:
        key = (f.code, f.indicator)
        if key in seen:
            continue
        seen.add(key)
        subject = f"“{f.indicator}”" if f.indicator else ""
        lines.append(f"{subject}{f.title}：{f.detail}")
    return [lead] + _numbered(lines)
