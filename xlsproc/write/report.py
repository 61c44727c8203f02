"""The narrative self-evaluation report (绩效自评报告) drafted from computed facts, as departments
publish it (the seed report's order):

一、绩效自评得分 → 二、绩效目标完成情况 (（一）执行率情况, （二）总体目标, （三）指标 grouped by
一级指标: completed ones in one compact sentence with their figures, unfinished ones each with its
actual and the officer's 偏差原因) → 三、存在的问题和原因 (about the work: unfinished targets,
low execution, over-completion) → 四、下一步拟改进措施 (derived from those problems).

Every figure comes from an EvaluationResult. What we cannot know is left as a bracketed prompt
for the officer (【请说明…】) — never an instruction about the form: problems with the form itself
are listed in the 审核结果 sheet, not here. Prose follows 公文 habit: no spaces between Chinese
and figures ("2024年", "99.88分").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from xlsproc.read import layout
from xlsproc.score.history import unit_name
from xlsproc.score.numbers import fmt, pct
from xlsproc.score.result import EvaluationResult, IndicatorResult

NOTE = "（本报告由xlsproc根据自评表数据自动起草，【】中的内容请填表人补充，核对无误后使用。）"
OTHER_CATEGORY = "其他指标"
NUMERALS = "一二三四五六七八九十"
_MEASURE = re.compile(r"[；;。，,]?\s*(?:下一步|下步|今后|改进措施[:：]?)")


@dataclass(frozen=True)
class Paragraph:
    text: str
    level: int = 3          # 0 title, 1 section heading (一、), 2 sub-heading (（一）/1.), 3 body


@dataclass
class Facts:
    """What the report says about one table, sorted once: every section reads from here."""

    groups: dict[str, list[IndicatorResult]]      # 一级指标 → its indicators, in sheet order
    done: list[IndicatorResult]
    missed: list[IndicatorResult]
    pending: list[IndicatorResult]                # relative targets awaiting last year's figure
    over: list[IndicatorResult]                   # over-completion, as the rules flagged it
    low_rate: bool                                # execution rate below the rules' threshold
    rate_reason: str = ""                         # the officer's reason on the funds block


def facts(res: EvaluationResult) -> Facts:
    goals = [i for i in res.indicators if not i.row.placeholder]
    groups: dict[str, list[IndicatorResult]] = {}
    for ind in goals:
        groups.setdefault(category(ind), []).append(ind)
    flagged = {(f.code, f.cell) for f in res.flags}
    over = [i for i in goals if i.row.actual.ref is not None
            and ("over-completion", i.row.actual.ref.cell) in flagged]
    funds = res.evaluation.funds
    done, missed, pending = _by_outcome(goals)
    return Facts(groups=groups, done=done, missed=missed, pending=pending, over=over,
                 low_rate=any(f.code == "low-execution-rate" for f in res.flags),
                 rate_reason=funds.reason.text if funds is not None else "")


def category(ind: IndicatorResult) -> str:
    """The 一级指标 as prose names it: 产出指标(50分) → 产出指标."""
    return layout.normalize(ind.row.level1.text).text or OTHER_CATEGORY


def completed(i: IndicatorResult) -> bool:
    return i.weight is not None and i.score >= i.weight - 0.005


def _by_outcome(inds: list[IndicatorResult]) -> tuple[list, list, list]:
    """(done, missed, pending) in the given order: completed (pending when the target is
    relative to last year's figure, kind "manual") or not."""
    done, missed, pending = [], [], []
    for i in inds:
        if not completed(i):
            missed.append(i)
        elif i.kind == "manual":
            pending.append(i)
        else:
            done.append(i)
    return done, missed, pending


def paragraphs(res: EvaluationResult) -> list[Paragraph]:
    f = facts(res)
    who, year, scope = subject(res), _year(res), _scope(res)
    out = [Paragraph(f"{who}{year}{scope}绩效自评报告", 0)]
    out += [Paragraph(f"一、{scope}绩效自评得分", 1), Paragraph(_score_sentence(res, who, year, scope))]
    out.append(Paragraph(f"二、{scope}绩效目标完成情况", 1))
    out += _achievements(res, f, who)
    found = issues(res, f)
    out.append(Paragraph("三、存在的问题和原因", 1))
    out += [Paragraph(t) for t in _problems(res, found, year)]
    out.append(Paragraph("四、下一步拟改进措施", 1))
    out += [Paragraph(t) for t in _measures(found)]
    return out


def text(res: EvaluationResult) -> str:
    """The report as plain text, one paragraph a line (what `xlsproc report` prints)."""
    lines = [("" if p.level < 3 else "    ") + p.text for p in paragraphs(res)]
    return "\n".join(lines) + "\n"


# --- 一、得分 ------------------------------------------------------------------------------

def subject(res: EvaluationResult) -> str:
    """Who the report is about, as prose writes it: budget codes (401001-) dropped."""
    ev = res.evaluation
    unit = unit_name(ev.unit.text) if not ev.unit.blank else ""
    if ev.kind == "project" and not ev.project.blank:
        return f"{unit}“{ev.project.text}”" if unit else f"“{ev.project.text}”"
    return unit or ev.sheet


def _year(res: EvaluationResult) -> str:
    return f"{res.evaluation.year}年度" if res.evaluation.year else ""


def _scope(res: EvaluationResult) -> str:
    return "部门整体" if res.evaluation.kind == "department" else "项目"


def _score_sentence(res: EvaluationResult, who: str, year: str, scope: str) -> str:
    b = res.budget
    execution = f"{fmt(b.score)}分（分值{fmt(b.weight)}分）" if b else "【请填写】分"
    weights = sum(i.weight for i in res.indicators if i.weight is not None)
    return (f"{who}{year}{scope}绩效自评综合得分{fmt(res.total_score)}分，{'评价等级待定' if res.grade is None else f'评价等级为“{res.grade}”'}。"
            f"其中执行情况得分{execution}，年度绩效指标得分{fmt(res.indicator_score)}分"
            f"（分值{fmt(weights)}分）。")


# --- 二、完成情况 --------------------------------------------------------------------------

def _achievements(res: EvaluationResult, f: Facts, who: str) -> list[Paragraph]:
    out = [Paragraph("（一）预算执行情况", 2), Paragraph(_execution_sentence(res, who))]
    ev = res.evaluation
    n = 1
    if not ev.goal_expected.blank or not ev.goal_actual.blank:
        n += 1
        out += [Paragraph(f"（{NUMERALS[n - 1]}）年度总体目标完成情况", 2),
                Paragraph(f"年度总体目标：{_sentence(ev.goal_expected.text or '【请填写年度总体目标】')}"),
                Paragraph(f"实际完成情况：{_sentence(ev.goal_actual.text or '【请说明实际完成情况】')}")]
    n += 1
    out.append(Paragraph(f"（{NUMERALS[n - 1]}）绩效指标完成情况", 2))
    out.append(Paragraph(_indicator_overview(f)))
    for k, (name, inds) in enumerate(f.groups.items(), 1):
        out.append(Paragraph(f"{k}.{name}", 2))
        out += [Paragraph(t) for t in _group_texts(inds)]
    return out


def _execution_sentence(res: EvaluationResult, who: str) -> str:
    b, unit = res.budget, res.evaluation.money_unit
    if b is None or b.rate is None:
        return f"{who}全年预算数【请填写】{unit}，实际执行数【请填写】{unit}，执行率【请填写】。"
    if b.annual is None:
        return f"{who}预算执行率{pct(b.rate)}。"
    return (f"{who}全年预算数{fmt(b.annual)}{unit}，实际执行数{fmt(b.executed)}{unit}，"
            f"执行率{pct(b.rate)}。")


def _indicator_overview(f: Facts) -> str:
    total = len(f.done) + len(f.missed) + len(f.pending)
    if not total:
        return "本表未设置绩效指标。【请说明年度绩效指标设置情况】"
    parts = [f"已完成{len(f.done)}项"]
    if f.missed:
        parts.append(f"未完成{len(f.missed)}项")
    if f.pending:
        parts.append(f"{len(f.pending)}项以上年为基准、待与上年实际数据核对")
    if not f.missed and not f.pending:
        return f"共设置绩效指标{total}项，全部完成。"
    return f"共设置绩效指标{total}项，其中" + "，".join(parts) + "。"


def _group_texts(inds: list[IndicatorResult]) -> list[str]:
    done, missed, pending = _by_outcome(inds)
    out = []
    if done:
        lead = "全部完成" if len(done) == len(inds) else f"完成{len(done)}项"
        out.append(f"共{len(inds)}项，{lead}：" + "；".join(_figure(i) for i in done) + "。")
    elif missed or pending:
        out.append(f"共{len(inds)}项，均未完成。" if len(missed) == len(inds) else f"共{len(inds)}项。")
    for i in pending:
        out.append(f"{i.name}：年度指标值“{i.row.target.text}”以上年为基准，本年实际完成"
                   f"{i.row.actual.text or '【请填写】'}，需与上年实际数据核对后确认是否完成。")
    for i in missed:
        out.append(_missed_text(i))
    return out


def _figure(i: IndicatorResult) -> str:
    """One completed target as a clause: 新增青创贷款申报数616个（年度指标值≥300个）."""
    actual, target = i.row.actual.text, i.row.target.text
    if i.kind == "qualitative":
        return f"{i.name}（{_clause(actual)}）" if actual else i.name
    return f"{i.name}{_clause(actual)}（年度指标值{target}）" if target else f"{i.name}{_clause(actual)}"


def _missed_text(i: IndicatorResult) -> str:
    actual = i.row.actual.text
    did = _did(i)
    rate = f"，完成率{pct(i.completion, 0)}" if i.completion is not None and actual \
        and i.kind in ("positive", "compound", "equal") else ""
    return (f"未完成：{i.name}，年度指标值{i.row.target.text or '—'}，{did}{rate}，"
            f"得分{fmt(i.score)}分（分值{fmt(i.weight)}分）。偏差原因：{_reason(i)}")


def _did(i: IndicatorResult) -> str:
    actual = _clause(i.row.actual.text)
    if not actual:
        return "实际完成情况【请说明】"
    return f"完成情况为“{actual}”" if i.kind == "qualitative" else f"实际完成{actual}"


def quoted(name: str) -> str:
    """“name”, its own quotation marks turned into inner ones: “‘青创贷’审批金额”."""
    return "“" + name.replace("“", "‘").replace("”", "’") + "”"


def _reason(i: IndicatorResult) -> str:
    cause = cause_of(i.row.reason.text)
    return _sentence(cause) if cause else "【请说明未完成的原因】"


def cause_of(reason: str) -> str:
    """The cause part of a 偏差原因分析及改进措施 text (what precedes its 下一步… measure)."""
    return _cause_and_measure(reason)[0]


def _cause_and_measure(reason: str) -> tuple[str, str]:
    """(the cause, the measure after it — 下一步… — or '') of a text, from one split."""
    if not reason:
        return "", ""
    parts = _MEASURE.split(reason.strip(), maxsplit=1)
    return parts[0].strip("；;，, "), parts[1].strip("；;，,。 ") if len(parts) == 2 else ""


def _clause(text: str) -> str:
    return text.strip().rstrip("。；;，,")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith(("。", "！", "】", "；")) else text + "。"


# --- 三、问题 ------------------------------------------------------------------------------

def issues(res: EvaluationResult, f: Facts) -> list[tuple[str, str]]:
    """(problem with its cause, measure) about the work: unfinished targets, low execution,
    over-completion, relative targets awaiting last year's figure."""
    items = []
    for i in f.missed:
        cause, measure = _cause_and_measure(i.row.reason.text)
        measure = measure or "【请说明拟采取的改进措施】"
        items.append((f"{quoted(i.name)}未完成年度指标值（年度指标值{i.row.target.text or '—'}，"
                      f"{_did(i)}）。原因：{_sentence(cause) if cause else '【请说明未完成的原因】'}",
                      f"针对{quoted(i.name)}未完成的问题，{measure}"))
    if f.low_rate and res.budget is not None:
        reason = _sentence(res.evaluation.funds.reason.text) if f.rate_reason else "【请说明预算执行率偏低的原因】"
        items.append((f"预算执行率偏低，全年执行率{pct(res.budget.rate)}。原因：{reason}",
                      "加强预算执行进度管理，【请说明加快预算执行、提高资金使用效益的具体措施】。"))
    if f.over:
        examples = "；".join(f"{quoted(i.name)}实际完成{_clause(i.row.actual.text)}，为年度指标值"
                            f"{i.row.target.text}的{fmt(i.completion)}倍" for i in f.over[:3])
        more = f"等{len(f.over)}项指标" if len(f.over) > 3 else ""
        causes = [cause for cause in (cause_of(i.row.reason.text) for i in f.over) if cause]
        cause = _sentence("；".join(causes)) if causes else "【请说明超额完成的原因，以及年初指标值是否设定偏低】"
        items.append((f"部分绩效指标大幅超额完成（{examples}{more}），年初绩效目标设定可能偏低。原因：{cause}",
                      "科学合理设定绩效目标，参考上年实际完成情况确定年度指标值，"
                      "【请说明下一年度绩效目标的调整安排】。"))
    for i in f.pending:
        items.append((f"{quoted(i.name)}以上年为基准，完成情况需与上年实际数据核对后确认。",
                      f"补充{quoted(i.name)}的上年实际数据，【请说明核对结果】。"))
    return items


def _problems(res: EvaluationResult, items: list[tuple[str, str]], year: str) -> list[str]:
    if not items:
        return [f"{year}各项绩效指标均已完成，预算执行率{pct(res.budget.rate)}，未发现需要说明的问题。"
                "【如有其他问题，请补充说明】" if res.budget and res.budget.rate is not None else
                f"{year}各项绩效指标均已完成。【如有其他问题，请补充说明】"]
    if len(items) == 1:
        return [items[0][0]]
    return [f"{_ordinal(n)}是{text}" for n, (text, _) in enumerate(items, 1)]


def _ordinal(n: int) -> str:
    return NUMERALS[n - 1] if n <= len(NUMERALS) else str(n)


# --- 四、措施 ------------------------------------------------------------------------------

def _measures(items: list[tuple[str, str]]) -> list[str]:
    measures = [m for _, m in items]
    if not measures:
        return ["继续加强预算执行和绩效目标管理，将绩效评价结果应用于下一年度预算编制。"
                "【请结合本单位实际补充具体措施】"]
    if len(measures) == 1:
        return [_sentence(measures[0])]
    return [f"{_ordinal(n)}是{_sentence(m)}" for n, m in enumerate(measures, 1)]
