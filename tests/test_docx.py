"""The Word 自评报告: read back with python-docx (text, sections, fonts, page) and, where
LibreOffice Writer is installed, printed to PDF."""
from __future__ import annotations

import re

import docx
import pytest
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Pt
from typer.testing import CliRunner

import xlsproc
from conftest import SAMPLES
from xlsproc.cli import app
from xlsproc.write import report
from xlsproc.write.docx import report_paths, write_docx

runner = CliRunner()
SHORTFALL = SAMPLES / "某街道_社区治理_2024.xlsx"


def _east_asian(run) -> str | None:
    fonts = run._element.rPr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


@pytest.fixture(scope="module")
def shortfall_doc(tmp_path_factory):
    path = tmp_path_factory.mktemp("docx") / "报告.docx"
    result = runner.invoke(app, ["report", str(SHORTFALL), "--docx", str(path)])
    assert result.exit_code == 0, result.output
    return docx.Document(str(path))


def test_the_word_report_has_the_four_sections_and_the_same_text(shortfall_doc):
    texts = [p.text for p in shortfall_doc.paragraphs if p.text]
    heads = [t for t in texts if t[:2] in ("一、", "二、", "三、", "四、")]
    assert [h[:2] for h in heads] == ["一、", "二、", "三、", "四、"]
    [res] = xlsproc.evaluate(SHORTFALL)
    assert texts[:-1] == [p.text for p in report.paragraphs(res)]      # the note ends it
    assert "偏差原因：部分社区活动阵地改造，活动暂停两个月。" in "".join(texts)


def test_the_word_report_looks_like_a_gongwen(shortfall_doc):
    section = shortfall_doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)     # A4
    paras = [p for p in shortfall_doc.paragraphs if p.text]
    title, heading = paras[0], next(p for p in paras if p.text.startswith("一、"))
    body = next(p for p in paras if p.text.startswith("某区洪福街道办事处“社区治理创新项目”全年"))
    assert {(_east_asian(r), r.font.size) for r in title.runs} == {("宋体", Pt(22))}     # 二号
    assert {(_east_asian(r), r.font.size) for r in heading.runs} == {("黑体", Pt(16))}   # 三号
    assert {(_east_asian(r), r.font.size) for r in body.runs} == {("仿宋", Pt(16))}
    assert all(p.paragraph_format.line_spacing == 1.5 for p in paras)
    assert body.paragraph_format.first_line_indent == Pt(32)
    styles = shortfall_doc.styles.element.xml
    assert 'w:eastAsia="仿宋"' in styles                                  # named on Normal too
    package = shortfall_doc.part.package
    assert not [p for p in package.parts if "obfuscatedFont" in p.content_type
                or str(p.partname).startswith("/word/fonts/")]                  # not embedded


def test_prompts_are_highlighted(shortfall_doc):
    runs = [r for p in shortfall_doc.paragraphs for r in p.runs]
    prompts = [r for r in runs if r.text.startswith("【")]
    assert any("请说明预算执行率偏低的原因" in r.text for r in prompts)
    assert all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in prompts)
    assert not any(r.font.highlight_color for r in runs if "【" not in r.text)


def test_a_workbook_of_three_tables_gets_three_reports_one_per_table(tmp_path):
    results = xlsproc.evaluate(SAMPLES / "某区教育局_2024_多表.xlsx")
    copy = tmp_path / "某区教育局_2024_多表.xlsx"
    paths = report_paths(copy, results)
    assert len(paths) == 3 and len(set(paths)) == 3
    whole = write_docx(results, tmp_path / "全部.docx")
    titles = [p.text for p in docx.Document(str(whole)).paragraphs if p.text.endswith("绩效自评报告")]
    assert len(titles) == 3


def test_process_docx_writes_one_report_per_table_next_to_its_copy(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("某街道_社区治理_2024.xlsx", "某区教育局_2024_多表.xlsx"):
        (inbox / name).write_bytes((SAMPLES / name).read_bytes())
    out = tmp_path / "out"
    result = runner.invoke(app, ["process", str(inbox), "-o", str(out), "--docx", "-q", "-j", "1"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.glob("*.docx"))
    assert written == ["某区教育局_2024_多表_自评报告_1_部门整体支出绩效自评表.docx",
                       "某区教育局_2024_多表_自评报告_2_学生资助补助经费.docx",
                       "某区教育局_2024_多表_自评报告_3_校园安全改造.docx",
                       "某街道_社区治理_2024_自评报告.docx"]
    text = [p.text for p in docx.Document(str(out / written[-1])).paragraphs]
    assert "三、存在的问题和原因" in text
    (inbox / "某区教育局_2024_多表.xlsx").unlink()                  # it leaves INBOX: its reports go
    result = runner.invoke(app, ["process", str(inbox), "-o", str(out), "--docx", "-q", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.docx")) == ["某街道_社区治理_2024_自评报告.docx"]


def test_report_docx_refuses_another_suffix(tmp_path):
    result = runner.invoke(app, ["report", str(SHORTFALL), "--docx", str(tmp_path / "a.doc")])
    assert result.exit_code == 2 and ".docx" in result.output
    assert not (tmp_path / "a.doc").exists()


def test_the_word_report_prints_whole_on_a4(tmp_path):
    """Printed by LibreOffice Writer: A4 pages, every paragraph found whole, nothing overprinted."""
    import lo
    lo.require_writer()
    results = xlsproc.evaluate(SAMPLES / "洪山区团委_2024_部门整体.xlsx") + xlsproc.evaluate(SHORTFALL)
    path = write_docx(results, tmp_path / "报告.docx")
    [pdf] = lo.convert([path], tmp_path / "pdf", "pdf")
    assert set(lo.page_sizes(pdf)) == {(595, 842)}
    printed = lo.pdf_text(pdf) + "\n" + lo.pdf_text(pdf, layout=True)
    printed = re.sub(r"-\d+-", "", printed)          # the page numbers between a paragraph's pages
    texts = [p.text for r in results for p in report.paragraphs(r)]
    cut = [t for t in texts if lo.squeeze(t) not in printed]
    assert not cut, cut[:3]
    for page in lo.pdf_words(pdf):
        assert not lo.overlapping_words(page)


def test_an_outbox_processed_with_docx_keeps_its_reports_and_is_not_redone(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / SHORTFALL.name).write_bytes(SHORTFALL.read_bytes())
    out = tmp_path / "out"
    first = runner.invoke(app, ["process", str(inbox), "-o", str(out), "--docx", "-q", "-j", "1"])
    assert first.exit_code == 0 and "本次处理 1 个" in first.output
    again = runner.invoke(app, ["process", str(inbox), "-o", str(out), "-q", "-j", "1"])
    assert again.exit_code == 0 and "本次处理 0 个，沿用未变更的结果 1 个" in again.output
    (inbox / "第二份.xlsx").write_bytes(SHORTFALL.read_bytes())       # a new file: its report too
    runner.invoke(app, ["process", str(inbox), "-o", str(out), "-q", "-j", "1"])
    assert sorted(p.name for p in out.glob("*.docx")) == sorted(["第二份_自评报告.docx",
                                                                 "某街道_社区治理_2024_自评报告.docx"])
