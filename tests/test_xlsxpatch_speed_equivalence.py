"""The fast paths of xlsxpatch give what the straightforward code gives.

Writing a copy in place (atomic=False), opening the source once (source=), the per-process
caches keyed by content, the one-pass row/cell scans, the row-height pruning and the shortcuts
in verification must not change a single byte of a copy, nor what verification reports.
"""
from __future__ import annotations

import importlib
import os
import random
import re
import stat
import zipfile
from collections import Counter
from pathlib import Path

import pytest

import xlsproc
from conftest import SAMPLES
from xlsproc.write.annotate import annotate
import xlsproc.ooxml.package as ooxml_package
from xlsproc.ooxml.patch import CellPatch, NewSheet, _collect, patch_xlsx
from xlsproc.ooxml.markup import _MEMO_LIMIT, _attr, _by_content
from xlsproc.ooxml.package import (NS_MAIN, XML_DECL, _ContentTypes, _Package, _ZipWriter, _content_types,
                                   _parse_rels, _write_package)
from xlsproc.ooxml.workbook import _Workbook, _read_sheets
from xlsproc.ooxml.styles import _LazyStyles, _Styles, _section_items
from xlsproc.ooxml.sheet import _SheetXml, _merge_index
from xlsproc.ooxml.comments import _Note, _merge_comments
from xlsproc.ooxml.newsheet import _WRAPPING, _merged_spans, _render_sheet
from xlsproc.textwidth import text_width as _text_width
from xlsproc.ooxml.verify import _TOP_NAMES, _alternation, _multiset_split
from xlsproc.refs import cell_name

OOXML_MODULES = [importlib.import_module(f"xlsproc.ooxml.{name}") for name in
                 ("markup", "package", "workbook", "styles", "sheet", "comments", "newsheet", "verify", "patch")]
XLSX_SAMPLES = sorted(p for p in SAMPLES.glob("*") if p.suffix.lower() in (".xlsx", ".xlsm"))


def _clear_caches() -> None:
    """Forget everything memoised by content, so the next patch computes it all again."""
    for value in (v for module in OOXML_MODULES for v in vars(module).values()):
        clear = getattr(value, "cache_clear", None)
        if callable(clear):
            clear()


def _sheet_name(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        names = re.findall(r'<(?:\w+:)?sheet\s[^>]*name="([^"]+)"', zf.read("xl/workbook.xml").decode())
    return names[0]


def _patches(path: Path) -> list[CellPatch]:
    sheet = _sheet_name(path)
    return [CellPatch(sheet, "B3", 1.5, fill="FFFFC7CE", comment="核对"),
            CellPatch(sheet, "D7", fill="FFFFEB9C", comment="第二条\n两行"),
            CellPatch(sheet, "Z99", "新行 <&>"),
            CellPatch(sheet, "A1", comment="标题")]


def _new_sheet() -> NewSheet:
    rng = random.Random(7)
    words = ["执行率", "“青创贷”", "99.38%", "abc", "超额完成", "—", "①", "x" * 30, "\n"]
    rows = [["标题"]] + [[f"第{i}行", "".join(rng.choice(words) for _ in range(rng.randrange(1, 40))), i * 1.5]
                         for i in range(30)]
    styles = {"A1": "title"} | {f"B{r}": "wrap" for r in range(2, 32, 2)} | {f"A{r}": "error" for r in range(3, 32, 5)}
    return NewSheet(name="审核结果", rows=rows, col_widths={0: 10, 1: 24}, merges=["B4:C4", "A1:C1"],
                    styles=styles, links={"A5": "'其它'!A1"}, freeze="A2", autofilter="A1:C31")


# ---------------------------------------------------------------------------
# Writing in place, opening once


@pytest.mark.parametrize("src", XLSX_SAMPLES, ids=[p.name for p in XLSX_SAMPLES])
def test_in_place_copy_is_the_atomic_copy(src, tmp_path):
    atomic, in_place = tmp_path / "atomic.xlsx", tmp_path / "staging" / "copy.xlsx"
    in_place.parent.mkdir()
    assert patch_xlsx(src, atomic, _patches(src), [_new_sheet()], verify=True) == []
    assert patch_xlsx(src, in_place, _patches(src), [_new_sheet()], verify=True, atomic=False) == []
    assert in_place.read_bytes() == atomic.read_bytes()
    assert os.listdir(in_place.parent) == ["copy.xlsx"]  # no temporary file
    assert stat.S_IMODE(in_place.stat().st_mode) == stat.S_IMODE(src.stat().st_mode)


def test_annotate_in_place_is_the_atomic_copy(tmp_path):
    for src in XLSX_SAMPLES[:3]:
        results = xlsproc.evaluate(src)
        annotate(src, tmp_path / "a.xlsx", results, "default")
        annotate(src, tmp_path / "b.xlsx", results, "default", fsync=False, atomic=False)
        assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes(), src.name


def test_annotate_in_place_converts_legacy_files(tmp_path):
    """A .xls goes through conversion, then is written in place like any copy."""
    src = next(p for p in SAMPLES.glob("*.xls"))
    dst = tmp_path / "staging" / "copy.xlsx"
    annotate(src, dst, xlsproc.evaluate(src), "default", fsync=False, atomic=False)
    assert os.listdir(dst.parent) == ["copy.xlsx"]
    with zipfile.ZipFile(dst) as zf:
        assert zf.testzip() is None and "xl/workbook.xml" in zf.namelist()


def test_failed_in_place_write_leaves_no_file(tmp_path, monkeypatch):
    src, dst = XLSX_SAMPLES[0], tmp_path / "copy.xlsx"

    def broken(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ooxml_package.os, "write", broken)
    with pytest.raises(OSError):
        patch_xlsx(src, dst, _patches(src), atomic=False)
    assert not dst.exists()


def test_source_opened_by_the_caller(tmp_path):
    src = XLSX_SAMPLES[0]
    patch_xlsx(src, tmp_path / "a.xlsx", _patches(src), [_new_sheet()], verify=True)
    with zipfile.ZipFile(src) as zf:
        assert patch_xlsx(src, tmp_path / "b.xlsx", _patches(src), [_new_sheet()], verify=True,
                          source=zf) == []
        assert zf.fp is not None  # still open: the caller closes it
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


# ---------------------------------------------------------------------------
# Caches keyed by content


def test_memoised_work_gives_the_same_copies(tmp_path):
    """Every sample patched with cold caches, then again after all the others warmed them."""
    cold = {}
    for src in XLSX_SAMPLES:
        _clear_caches()
        out = tmp_path / f"cold_{src.name}"
        patch_xlsx(src, out, _patches(src), [_new_sheet()])
        cold[src] = out.read_bytes()
    for _ in range(2):
        for src in XLSX_SAMPLES:
            out = tmp_path / f"warm_{src.name}"
            assert patch_xlsx(src, out, _patches(src), [_new_sheet()], verify=True) == []
            assert out.read_bytes() == cold[src], src.name


def _memoised_calls(src: Path) -> list[tuple]:
    """(memoised parse, its arguments) for the parts of src a patch parses."""
    with zipfile.ZipFile(src) as zf:
        pkg = _Package(zf)
        wb = _Workbook(pkg)
        sheet = _SheetXml(pkg.text(wb.worksheet(_sheet_name(src)).part))
        start, end = sheet.tail_span()
        calls = [(_parse_rels, (wb.part, wb.rels.xml)), (_read_sheets, (wb.part, wb.rels.xml, wb.xml)),
                 (_content_types, ("Override", "PartName", pkg.text(_ContentTypes.PATH))),
                 (_merge_index, (sheet.p, sheet.xml[start:end]))]
        styles = _Styles(pkg, wb)
        for local in ("fonts", "fills", "borders", "cellXfs"):
            _, content_start, content_end, _ = styles._section(local)
            calls.append((_section_items, (styles.p, local, styles.xml[content_start:content_end])))
    return calls


def test_shared_parse_results_are_not_changed_by_a_patch(tmp_path):
    """A memoised parse is handed to every package with that part: patching copies, never edits it."""
    for src in XLSX_SAMPLES:
        _clear_caches()
        for parse, args in _memoised_calls(src):
            parse(*args)
        patch_xlsx(src, tmp_path / "out.xlsx", _patches(src), [_new_sheet()], verify=True)
        for parse, args in _memoised_calls(src):
            assert parse(*args) == parse.__wrapped__(*args), (src.name, parse.__name__)


def test_memoised_parse_of_a_large_part_is_not_kept():
    big = "x" * (_MEMO_LIMIT + 1)
    calls = []

    @_by_content
    def parse(text: str) -> int:
        calls.append(text)
        return len(text)

    assert parse("ab") == parse("ab") == 2 and len(calls) == 1
    assert parse(big) == parse(big) and len(calls) == 3


# ---------------------------------------------------------------------------
# Scans and shortcuts against their reference


def _rows_reference(sheet: _SheetXml, data: str) -> tuple[list[int], list[int], list[int]]:
    """The row scan as it was: one opening tag at a time, the r attribute read by _attr."""
    nums, starts, ends, pos, last = [], [], [], 0, 0
    tag, close = re.compile(rf"<{sheet.p}row(?=[\s/>])([^>]*+)>"), f"</{sheet.p}row>"
    while (m := tag.search(data, pos)) is not None:
        attrs = m.group(1)
        end = m.end() if attrs.endswith("/") else data.index(close, m.end()) + len(close)
        r = _attr(attrs, "r")
        last = int(r or last + 1)
        nums.append(last)
        starts.append(m.start())
        ends.append(end)
        pos = end
    return nums, starts, ends


def test_row_scan_matches_the_reference():
    data = ('<row r="1"><c r="A1"/></row><row r="2" spans="1:3"/><row spans="1:2" r="4">'
            "<c/></row><row r='5'></row><row></row><row r=\"7\"x=\"1\"></row><row r=\"\"/>"
            '<row r="12" ht="30"><c r="B12"><v>1</v></c></row>')
    sheet = _SheetXml(f'<worksheet><sheetData>{data}</sheetData></worksheet>')
    assert sheet._rows(data) == _rows_reference(sheet, data)
    for src in XLSX_SAMPLES:
        with zipfile.ZipFile(src) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    sheet = _SheetXml(zf.read(name).decode())
                    start, end = sheet.data_span()
                    content = sheet.xml[start:end]
                    assert sheet._rows(content) == _rows_reference(sheet, content), (src.name, name)


def test_sheet_spans_follow_the_edits():
    """The spans kept across edit_cells and add_legacy_drawing are those found afresh."""
    for src in XLSX_SAMPLES:
        with zipfile.ZipFile(src) as zf:
            pkg = _Package(zf)
            wb = _Workbook(pkg)
            info = wb.worksheet(_sheet_name(src))
            sheet = _SheetXml(pkg.text(info.part))
            edits, _ = _collect(sheet, _patches(src))
            sheet.edit_cells(edits, _LazyStyles(pkg, wb))
            kept = sheet._located()[1:]
            sheet._spans = None
            assert sheet._located()[1:] == kept, src.name
            sheet.add_legacy_drawing("rId99")
            kept = sheet._located()[1:]
            sheet._spans = None
            assert sheet._located()[1:] == kept, src.name


def test_multiset_split_matches_counter():
    rng = random.Random(3)
    for _ in range(500):
        a = [bytes([rng.randrange(6)]) for _ in range(rng.randrange(8))]
        b = [bytes([rng.randrange(6)]) for _ in range(rng.randrange(8))]
        ca, cb = Counter(a), Counter(b)
        assert _multiset_split(a, b) == (list((ca - cb).elements()), list((cb - ca).elements()),
                                            list((ca & cb).elements()))


def test_alternation_matches_the_flat_pattern():
    words = _TOP_NAMES
    flat = re.compile("<(?:" + "|".join(sorted(words, key=len, reverse=True)) + r")(?=[\s/>])")
    tree = re.compile("<(?:" + _alternation(words) + r")(?=[\s/>])")
    rng = random.Random(5)
    pieces = words + [w[:-1] for w in words] + [w + "s" for w in words] + ["x", " ", "/>", ">"]
    for _ in range(300):
        text = "".join("<" + rng.choice(pieces) + rng.choice(" />x") for _ in range(20))
        assert [m.span() for m in flat.finditer(text)] == [m.span() for m in tree.finditer(text)]


def _height_reference(texts: list[tuple[str, float]]) -> float | None:
    """Row height as it was computed: every wrapped text measured."""
    if not texts:
        return None
    lines = 1
    for text, width in texts:
        per_line = max(1, int(width))
        count = sum(max(1, -(-_text_width(part) // per_line)) for part in text.split("\n"))
        lines = max(lines, count)
    return min(409.0, 15.0 * lines) if lines > 1 else None


def test_row_heights_match_the_reference():
    ns = _new_sheet()
    with zipfile.ZipFile(XLSX_SAMPLES[0]) as zf:
        pkg = _Package(zf)
        xml = _render_sheet(ns, _LazyStyles(pkg, _Workbook(pkg)))
    spans = _merged_spans(ns.merges)
    for r, row in enumerate(ns.rows):
        texts = []
        for c, value in enumerate(row):
            if ns.styles.get(cell_name(r, c)) in _WRAPPING and isinstance(value, str):
                last = spans.get((r, c), c)
                texts.append((value, sum(ns.col_widths.get(cc, 9.0) for cc in range(c, last + 1))))
        tag = re.search(rf'<row r="{r + 1}"(?: ht="([0-9.]+)")?>', xml)
        assert (float(tag.group(1)) if tag.group(1) else None) == _height_reference(texts), r + 1


def test_new_comments_part_matches_the_template_route():
    notes = {(4, 1): _Note("第一条 <&>", "xlsproc"), (0, 0): _Note("二", "经办人"),
             (2, 7): _Note("三\n\n四", "xlsproc")}
    template = (f'{XML_DECL}<comments xmlns="{NS_MAIN}"><authors></authors>'
                "<commentList></commentList></comments>")
    assert _merge_comments(None, notes) == _merge_comments(template, notes)


# ---------------------------------------------------------------------------
# Verification from memory still sees what a patch lost


def test_in_memory_verification_sees_a_lost_merge(tmp_path, monkeypatch):
    src = SAMPLES / "某街道_社区治理_2024.xlsx"
    write_package = _write_package

    def lose_a_merge(pkg):
        for name, data in pkg.changed.items():
            if name.startswith("xl/worksheets/") and b"<mergeCell " in data:
                pkg.changed[name] = re.sub(rb'<mergeCell ref="[^"]*"\s*/>', b"", data, count=1)
                break
        return write_package(pkg)

    monkeypatch.setattr(ooxml_package, "_write_package", lose_a_merge)
    lost = patch_xlsx(src, tmp_path / "out.xlsx", _patches(src), [_new_sheet()], verify=True, atomic=False)
    assert lost and all("合并单元格" in problem for problem in lost)


def test_in_memory_verification_compares_copied_members(tmp_path, monkeypatch):
    """A member copied unchanged is still compared with the source by its bytes."""
    src = XLSX_SAMPLES[0]
    add = _ZipWriter.add

    def damaged(self, name, payload, **kw):
        if name == "docProps/core.xml":
            payload = bytes([payload[0] ^ 0xFF]) + payload[1:]
        return add(self, name, payload, **kw)

    monkeypatch.setattr(_ZipWriter, "add", damaged)
    lost = patch_xlsx(src, tmp_path / "out.xlsx", _patches(src), verify=True)
    assert lost and any("docProps/core.xml" in problem for problem in lost)


def test_inflated_heads_kept_per_process_are_small():
    """normalize keeps the inflated heads of small stored parts per process; a small stored part
    can inflate to ~1,000× its size ([Content_Types].xml is read whole): one that large is
    inflated again each time, not kept (256 of them held ~1 GB in a serve or watch worker)."""
    import io
    import uuid

    from xlsproc.ooxml import normalize

    def package(filler: int) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            zf.writestr("[Content_Types].xml", f'{XML_DECL}<Types xmlns="x"><!--{uuid.uuid4()}-->'
                        + " " * filler + "</Types>")
            zf.writestr("xl/workbook.xml", f"{XML_DECL}<workbook/>")
        return buf.getvalue()

    cached = normalize._inflated_head_cached
    for filler, kept in ((100, 2), (4_000_000, 1)):      # (the head of each part, and the whole
        data = package(filler)                           #  [Content_Types].xml only when small)
        assert zipfile.ZipFile(io.BytesIO(data)).getinfo("[Content_Types].xml").compress_size \
            <= normalize._HEAD_CACHE_LIMIT
        before = cached.cache_info().currsize
        assert normalize.normalized(data) is None
        assert cached.cache_info().currsize - before <= kept
