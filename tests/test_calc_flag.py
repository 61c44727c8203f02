"""fullCalcOnLoad over the bureau's round trip.

A copy in which xlsproc writes a value (a score she left blank) sets <calcPr fullCalcOnLoad="1">
so that Excel and WPS recalculate her formulas on opening.  The review found the next round did
not take it back: her own fullCalcOnLoad="0", a calcPr without the attribute or no calcPr at all
stayed "1" for good, also when the new round writes no value.  Now the copy's record says what
her calcPr was and the next round puts it back exactly (unless it writes a value again); a record
made by an older xlsproc, which does not say, leaves the flag as it is.  The same round trip
also left her workbook without names with an empty <definedNames></definedNames> (the name of
our 审核结果's autofilter taken out again): that element goes, and her own empty <definedNames />
comes back as she wrote it.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

import xlsproc
from conftest import SAMPLES
from lo import require_soffice, to_pdf
from producers import _rewrite
from xlsproc.write import annotate as annotate_module
from xlsproc.write import marks
from xlsproc.write.annotate import annotate

SEED = SAMPLES / "洪山区团委_2024_部门整体.xlsx"
PART = "xl/worksheets/sheet1.xml"
SEED_CALC = '<calcPr calcId="124519" fullCalcOnLoad="1" />'      # as the seed has it
H5 = re.compile(r'<c r="H5"(?=[\s>/])[^>]*?(?:/>|>.*?</c>)', re.S)

# Her calcPr (as she wrote it, byte for byte) → the variants the review named.
HERS = {
    "no attribute": '<calcPr calcId="124519" />',
    "0": '<calcPr calcId="124519" fullCalcOnLoad="0"/>',
    "false": "<calcPr fullCalcOnLoad='false' calcId=\"124519\"></calcPr>",
    "1": SEED_CALC,
    "absent": "",
}


def _calc(data: bytes) -> list[str]:
    return re.findall(r"<calcPr\b[^>]*>(?:</calcPr>)?", data.decode())


def _workbook_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/workbook.xml")


def _her_workbook(tmp_path: Path, calc: str, h5: str | None = None, names: str = "<definedNames />") -> Path:
    """The seed with her calcPr and H5 (the 资金执行 score) blank, or typed by her; her empty
    definedNames as the seed writes it (`names`; "": none, as Excel writes a workbook without
    names)."""
    def edit(part, data):
        if part == "xl/workbook.xml":
            xml = data.decode()
            assert SEED_CALC in xml and "<definedNames />" in xml
            return xml.replace(SEED_CALC, calc).replace("<definedNames />", names).encode()
        if part == PART:
            xml, n = re.subn(r'<c r="H5" s="8" t="n"><v>19\.88</v></c>', _h5(h5, 'r="H5" s="8"'),
                             data.decode())
            assert n == 1
            return xml.encode()
        return data
    return _rewrite(SEED, tmp_path / f"hers-{h5 or 'blank'}.xlsx", edit)


def _h5(value: str | None, attrs: str) -> str:
    return f"<c {attrs}/>" if value is None else f"<c {attrs}><v>{value}</v></c>"


def _types_h5(copy: Path, to: Path, value: str) -> Path:
    """She types her own score into H5 of our copy (where we had written ours); nothing else
    changes, workbook.xml included."""
    def edit(part, data):
        if part != PART:
            return data
        xml = data.decode()
        cell = H5.search(xml)
        attrs = re.search(r'\ss="\d+"', cell.group(0))
        return (xml[:cell.start()] + _h5(value, 'r="H5"' + (attrs.group(0) if attrs else ""))
                + xml[cell.end():]).encode()
    return _rewrite(copy, to, edit)


def _annotate(src: Path, dst: Path) -> Path:
    annotate(src, dst, xlsproc.evaluate(src), "default")
    return dst


def _wrote_h5(copy: Path) -> bool:
    """Whether the copy's record says xlsproc filled H5."""
    return any(ref == "H5" for _, ref in marks.filled_cells(copy))


def _stripped_workbook_xml(copy: Path) -> bytes:
    """workbook.xml of her workbook as the next round sees it, our marks taken off."""
    with zipfile.ZipFile(copy) as zf:
        tables = {res.evaluation.sheet for res in xlsproc.evaluate(copy)}
        source, _ = marks.officer_workbook(zf, tables)
        return source.read("xl/workbook.xml")


@pytest.mark.parametrize("names", ["<definedNames />", ""], ids=["empty names", "no names"])
@pytest.mark.parametrize("calc", list(HERS.values()), ids=list(HERS))
def test_her_calc_setting_comes_back_when_we_write_no_value(tmp_path, calc, names):
    """Her workbook (H5 blank) → our copy writes H5 and sets fullCalcOnLoad → she leaves it
    (round 2 writes it again: the flag stays) → she types her own H5 → round 3 writes no value:
    her workbook.xml exactly, and the copy's workbook.xml is what a first copy of her workbook
    with that H5 would have.  (Our 审核结果 has an autofilter: its name goes into her definedNames
    and comes out again.)"""
    hers = _her_workbook(tmp_path, calc, names=names)
    copy1 = _annotate(hers, tmp_path / "copy1.xlsx")
    assert _wrote_h5(copy1) and _calc(_workbook_xml(copy1))[0].count('fullCalcOnLoad="1"') == 1

    copy2 = _annotate(copy1, tmp_path / "copy2.xlsx")      # unchanged: H5 is still ours
    assert _wrote_h5(copy2) and 'fullCalcOnLoad="1"' in _calc(_workbook_xml(copy2))[0]
    assert _workbook_xml(copy2) == _workbook_xml(copy1)

    resubmitted = _types_h5(copy2, tmp_path / "resubmitted.xlsx", "19.5")
    assert _stripped_workbook_xml(resubmitted) == _workbook_xml(hers)
    copy3 = _annotate(resubmitted, tmp_path / "copy3.xlsx")
    assert not _wrote_h5(copy3)
    assert _calc(_workbook_xml(copy3)) == ([calc] if calc else [])
    fresh = _annotate(_her_workbook(tmp_path, calc, h5="19.5", names=names), tmp_path / "fresh.xlsx")
    assert _workbook_xml(copy3) == _workbook_xml(fresh)

    # And once more: a copy that wrote no value, sent back as it is, changes nothing.
    assert _stripped_workbook_xml(copy3) == _workbook_xml(hers)


def test_a_record_of_an_older_xlsproc_leaves_the_flag_as_it_is(tmp_path, monkeypatch):
    """A copy signed by an xlsproc that did not record her calcPr: the flag stays "1" (there is
    no knowing whether it was hers); the record is still trusted and our marks still go."""
    hers = _her_workbook(tmp_path, HERS["no attribute"])
    real = annotate_module.patch_xlsx

    def older(*args, workbook_before=None, **kwargs):          # an xlsproc without the calc entry
        return real(*args, **kwargs)
    monkeypatch.setattr(annotate_module, "patch_xlsx", older)
    copy1 = _annotate(hers, tmp_path / "copy1.xlsx")
    monkeypatch.undo()
    assert _wrote_h5(copy1)                             # signed and trusted
    resubmitted = _types_h5(copy1, tmp_path / "resubmitted.xlsx", "19.5")
    stripped = _stripped_workbook_xml(resubmitted)
    assert _calc(stripped) == ['<calcPr calcId="124519" fullCalcOnLoad="1"/>']
    assert "_xlsproc" not in stripped.decode() and "审核结果" not in stripped.decode()
    copy2 = _annotate(resubmitted, tmp_path / "copy2.xlsx")
    assert not _wrote_h5(copy2) and _calc(_workbook_xml(copy2)) == ['<calcPr calcId="124519" fullCalcOnLoad="1"/>']


def test_a_flag_rewritten_by_a_program_is_taken_back_by_its_attribute(tmp_path):
    """Excel, WPS or LibreOffice may rewrite calcPr (another attribute order, a calcId added):
    then only our fullCalcOnLoad goes and her value comes back; a flag she set to "0" herself
    since, or a calcPr she removed, stays as she left it."""
    from xlsproc.ooxml.package import _Package
    from xlsproc.ooxml.workbook import _Workbook

    def restored(workbook_xml: str, before: str | None) -> str:
        buf = io.BytesIO()
        with zipfile.ZipFile(SEED) as zin, zipfile.ZipFile(buf, "w") as zout:
            for info in zin.infolist():
                data = zin.read(info)
                zout.writestr(info.filename, workbook_xml.encode() if info.filename == "xl/workbook.xml" else data)
        wb = _Workbook(_Package(zipfile.ZipFile(buf)))
        wb.restore_calc(before)
        return "".join(_calc(wb.xml.encode()))

    with zipfile.ZipFile(SEED) as zf:
        seed = zf.read("xl/workbook.xml").decode()
    rewritten = seed.replace(SEED_CALC, '<calcPr fullCalcOnLoad="1" calcId="191029"/>')
    assert restored(rewritten, '<calcPr calcId="124519" />') == '<calcPr calcId="191029"/>'
    assert restored(rewritten, '<calcPr calcId="124519" fullCalcOnLoad="0"/>') == \
        '<calcPr fullCalcOnLoad="0" calcId="191029"/>'
    assert restored(rewritten, None) == '<calcPr calcId="191029"/>'
    assert restored(seed.replace(SEED_CALC, '<calcPr calcId="9" fullCalcOnLoad="0"/>'), None) == \
        '<calcPr calcId="9" fullCalcOnLoad="0"/>'
    assert restored(seed.replace(SEED_CALC, ""), None) == ""
    # A record can put back only a calcPr tag: anything else takes our flag off and no more.
    forged = '<calcPr calcId="124519"/><definedName name="x">1</definedName>'
    assert restored(seed.replace(SEED_CALC, '<calcPr calcId="124519" fullCalcOnLoad="1"/>'), forged) == \
        '<calcPr calcId="124519"/>'


def test_the_round_tripped_copy_opens_in_libreoffice(tmp_path):
    """The copy of the last round of the first test (her calcPr without the attribute) and the
    one where her calcPr was absent open and print in LibreOffice."""
    require_soffice()
    outs = []
    for name in ("no attribute", "absent"):
        folder = tmp_path / name.replace(" ", "-")
        folder.mkdir()
        copy1 = _annotate(_her_workbook(folder, HERS[name]), folder / "copy1.xlsx")
        resubmitted = _types_h5(copy1, folder / "resubmitted.xlsx", "19.5")
        copy2 = _annotate(resubmitted, folder / "copy2.xlsx")
        assert _calc(_workbook_xml(copy2)) == ([HERS[name]] if HERS[name] else [])
        outs.append(to_pdf(copy2, folder / "pdf"))
    for pdf in outs:
        assert pdf.stat().st_size > 1000


def test_only_an_empty_defined_names_element_is_put_back(tmp_path):
    """The record's names row puts back her <definedNames/> only where taking our names off left
    none; anything else it says is ignored."""
    from xlsproc.ooxml.package import _Package
    from xlsproc.ooxml.workbook import _Workbook

    with zipfile.ZipFile(SEED) as zf:
        wb = _Workbook(_Package(zf))
    seed = wb.xml
    without = seed.replace("<definedNames />", "")
    for xml, closed, had, expected in [
            (without, "<definedNames />", True, seed),
            (without, "<definedNames />", False, without),          # she had none: stays so
            (seed, "<definedNames />", True, seed),                 # still there: not twice
            (without, '<definedNames><definedName name="x">A1</definedName></definedNames>', True, without)]:
        wb.xml = xml
        wb.restore_names(closed, had)
        assert wb.xml == expected
