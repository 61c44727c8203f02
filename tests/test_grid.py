"""File-level reading: formula caches, lock files, what a disguised file really is."""
from __future__ import annotations

from pathlib import Path

import pytest

from xlsproc.read.grid import is_lock_file, read_grids
from xlsproc.read.scan import _formula_cells
from xlsproc.model import XlsprocError


def test_formula_cache_states():
    xml = ('<sheetData><row r="1">'
           '<c r="A1"><f>B1/C1</f><v>0.5</v></c>'          # cached number
           '<c r="B1" t="str"><f>IF(C1&gt;0,1,"")</f><v></v></c>'   # cached empty string
           '<c r="C1"><f>SUM(D1:D9)</f><v /></c>'          # never calculated (openpyxl)
           '<c r="D1"><f>1+1</f></c>'                       # never calculated
           '</row></sheetData>')
    cells = _formula_cells(xml)
    assert {ref: cached for ref, (_, cached, _) in cells.items()} == {
        (0, 0): True, (0, 1): True, (0, 2): False, (0, 3): False}
    assert cells[(0, 1)][0] == '=IF(C1>0,1,"")'
    assert cells[(0, 0)][2] == 0.5


def test_zero_caches_of_a_program_that_cannot_calculate_are_not_results():
    from xlsproc.read.scan import _trusted_caches
    zeros = {(0, 0): ("=A1", True, 0.0), (0, 1): ("=B1", True, 0.0)}
    assert all(not c for _, c, _ in _trusted_caches(zeros, full_calc=True).values())
    assert _trusted_caches(zeros, full_calc=False) == zeros          # Excel's own zeros are real
    mixed = {(0, 0): ("=A1", True, 0.0), (0, 1): ("=B1", True, 3.0)}
    assert _trusted_caches(mixed, full_calc=True) == mixed


def test_percent_formatted_numbers_read_as_percent(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["C1"] = 0.975, 0.975, 0.02
    ws["A1"].number_format = "0.00%"
    ws["C1"].number_format = "0%"
    wb.save(tmp_path / "p.xlsx")
    [grid] = read_grids(tmp_path / "p.xlsx")
    assert grid.values[0] == ["97.5%", 0.975, "2%"]


@pytest.mark.parametrize("name, lock", [("~$a.xlsx", True), (".~lock.a.xlsx#", True), ("a.xlsx", False)])
def test_lock_files(name, lock):
    assert is_lock_file(Path(name)) is lock


@pytest.mark.parametrize("content, code, words", [
    (b"", "file-corrupt", "0 字节"),
    (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "file-unsupported", "HTML"),
    ("单位,预算\n某局,100\n".encode("gb18030"), "file-unsupported", "CSV"),
    (b"%PDF-1.4 ...", "file-unsupported", "PDF"),
    (b"PK\x03\x04" + b"\0" * 100, "file-corrupt", "损坏"),
])
def test_disguised_and_broken_files(tmp_path, content, code, words):
    path = tmp_path / "x.xls"
    path.write_bytes(content)
    with pytest.raises(XlsprocError) as exc:
        read_grids(path)
    assert exc.value.code == code
    assert words in exc.value.message


def test_a_docx_is_not_a_workbook(tmp_path):
    import zipfile
    path = tmp_path / "报告.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    with pytest.raises(XlsprocError) as exc:
        read_grids(path)
    assert exc.value.code == "file-unsupported" and "Word" in exc.value.message


def test_damaged_compressed_data_is_a_corrupt_file_not_our_bug(tmp_path):
    import zipfile
    from conftest import SAMPLES
    src = SAMPLES / "某街道_青少年服务_2024.xlsx"
    data = bytearray(src.read_bytes())
    info = zipfile.ZipFile(src).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(40, 200):
        data[start + k] ^= 0x5A
    path = tmp_path / "损坏一半.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(XlsprocError) as exc:
        read_grids(path)
    assert exc.value.code == "file-corrupt"
    assert not any("a" <= ch.lower() <= "z" for ch in exc.value.message.replace("Excel", "").replace("WPS", ""))
