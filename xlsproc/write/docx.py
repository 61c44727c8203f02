"""The 自评报告 as a Word document (.docx), in the usual 公文 look.

A4 (GB/T 9704 margins), title 宋体 二号 bold centred, section headings (一、) 黑体 三号, sub-headings
(（一）/1.) 楷体 三号, body 仿宋 三号 with a two-character first-line indent, 1.5 line spacing, page
numbers in the footer. Fonts are named (East Asian and Latin names set on every run and on the
styles), never embedded: Word and WPS use the ones installed. The 【…】 prompts the officer must
fill are highlighted so none is missed.

    write_docx(results, path)        one document: every table's report, a page each
    write_reports(results, copy)     process --docx: one document per table next to the copy
"""
from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from xlsproc.fileio import write_bytes_atomic
from xlsproc.score.result import EvaluationResult
from xlsproc.write import report

LATIN_FONT = "Times New Roman"
# level → (East Asian font, size in points, bold, alignment)
LOOK = {0: ("宋体", 22, True, WD_ALIGN_PARAGRAPH.CENTER),       # 二号
        1: ("黑体", 16, False, WD_ALIGN_PARAGRAPH.LEFT),        # 三号
        2: ("楷体", 16, False, WD_ALIGN_PARAGRAPH.LEFT),
        3: ("仿宋", 16, False, WD_ALIGN_PARAGRAPH.JUSTIFY)}
NOTE_LOOK = ("仿宋", 12, False, WD_ALIGN_PARAGRAPH.LEFT)        # 小四
LINE_SPACING = 1.5
REPORT_SUFFIX = "自评报告"
_PROMPT = re.compile(r"(【[^】]*】)")


def write_docx(results: EvaluationResult | Iterable[EvaluationResult], path: Path) -> Path:
    """Write the report(s) of one workbook's tables to `path` (atomically); returns path."""
    results = [results] if isinstance(results, EvaluationResult) else list(results)
    doc = _document()
    for n, res in enumerate(results):
        if n:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        for p in report.paragraphs(res):
            _paragraph(doc, p.text, LOOK[p.level], indent=p.level == 3)
    _paragraph(doc, report.NOTE, NOTE_LOOK, indent=False)
    _save(doc, Path(path))
    return Path(path)


def report_paths(copy: Path, results: list[EvaluationResult]) -> list[Path]:
    """Where process --docx puts the reports of a copy's tables: `<copy>_自评报告.docx`, or for a
    workbook of several tables `<copy>_自评报告_<n>_<sheet>.docx`."""
    copy = Path(copy)
    if len(results) == 1:
        return [copy.with_name(f"{copy.stem}_{REPORT_SUFFIX}.docx")]
    return [copy.with_name(f"{copy.stem}_{REPORT_SUFFIX}_{n}_{_safe(r.evaluation.sheet)}.docx")
            for n, r in enumerate(results, 1)]


def write_reports(results: list[EvaluationResult], copy: Path) -> list[Path]:
    """One document per table next to the annotated copy; earlier reports of that copy go."""
    remove_reports(copy)
    return [write_docx(res, path) for res, path in zip(results, report_paths(copy, results))]


def remove_reports(copy: Path) -> None:
    """Delete the reports written next to `copy` (its file left INBOX, or has other tables now)."""
    copy = Path(copy)
    single = f"{copy.stem}_{REPORT_SUFFIX}.docx"
    several = re.compile(re.escape(f"{copy.stem}_{REPORT_SUFFIX}_") + r"\d+_.*\.docx$")
    try:
        names = os.listdir(copy.parent)
    except OSError:
        return
    for name in names:
        if name == single or several.match(name):
            try:
                (copy.parent / name).unlink()
            except (FileNotFoundError, PermissionError):     # gone already / open in Word
                pass


def _safe(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("._") or "表"


# --- the document --------------------------------------------------------------------------

def _document():
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    _set_font(normal.font, normal.element, *LOOK[3][:3])
    normal.paragraph_format.line_spacing = LINE_SPACING
    _page_number(section.footer.paragraphs[0])
    doc.core_properties.author = "xlsproc"
    doc.core_properties.title = "绩效自评报告"
    return doc


def _paragraph(doc, text: str, look, indent: bool) -> None:
    font, size, bold, align = look
    para = doc.add_paragraph()
    fmt = para.paragraph_format
    fmt.alignment = align
    fmt.line_spacing = LINE_SPACING
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(2 * size)                   # two characters
    else:
        fmt.keep_with_next = True                              # a heading stays with its text
    if look is LOOK[0]:
        fmt.space_after = Pt(size)
    for piece in _PROMPT.split(text):
        if not piece:
            continue
        run = para.add_run(piece)
        _set_font(run.font, run._element, font, size, bold)
        if _PROMPT.fullmatch(piece):
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _set_font(font, element, east_asian: str, size: float, bold: bool) -> None:
    """Name the font for Latin and East Asian text alike (python-docx sets only the Latin one)."""
    font.name = LATIN_FONT
    font.size = Pt(size)
    font.bold = bold
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _page_number(para) -> None:
    """"- 1 -" centred: the page number field as 公文 print it."""
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.add_run("- ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    para._p.append(field)
    para._p.append(para.add_run(" -")._r)


def _save(doc, path: Path) -> None:
    """Saved under a temporary name in the same folder and renamed: never half a document."""
    buffer = io.BytesIO()
    doc.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, buffer.getvalue())
