"""The same workbook as other producers write it: package-level transforms of a seed .xlsx.

Each function takes a transitional .xlsx (written by openpyxl in tests/builders.py) and writes
the variant a real program produces: Excel's "Strict Open XML Spreadsheet", a template saved
as .xltx/.xltm, parts encoded as UTF-16. The mappings here are the tests' own (written from
ECMA-376 Part 1 §A and Part 4), independent of the code under test.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

# Transitional namespace → Strict namespace (ECMA-376 Part 1, 5th ed., Annex A).
STRICT = {
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main":
        "http://purl.oclc.org/ooxml/spreadsheetml/main",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships":
        "http://purl.oclc.org/ooxml/officeDocument/relationships",
    "http://schemas.openxmlformats.org/drawingml/2006/main":
        "http://purl.oclc.org/ooxml/drawingml/main",
    "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing":
        "http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing",
    "http://schemas.openxmlformats.org/drawingml/2006/chart":
        "http://purl.oclc.org/ooxml/drawingml/chart",
    "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties":
        "http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
    "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes":
        "http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes",
}
TRANSITIONAL_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_RELS = {
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties":
        "http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties",
}


def _rewrite(src: Path, dst: Path, edit) -> Path:
    """dst = src with every member's bytes passed through edit(name, bytes)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, edit(info.filename, zin.read(info)))
    return dst


def to_strict(src: Path, dst: Path) -> Path:
    """Excel's Strict Open XML: purl.oclc.org namespaces and relationship types,
    conformance="strict" on the workbook (content types are unchanged)."""
    def edit(name: str, data: bytes) -> bytes:
        if not name.endswith((".xml", ".rels", ".vml")):
            return data
        text = data.decode("utf-8")
        for old, new in STRICT_RELS.items():
            text = text.replace(old, new)
        for old, new in STRICT.items():
            text = text.replace(old + "/", new + "/").replace(f'"{old}"', f'"{new}"')
        if name == "xl/workbook.xml":
            # Excel declares the relationships namespace on the root, once for all sheets
            # (openpyxl does too without lxml; with lxml it declares it on each <sheet>)
            root = re.search(r"<workbook\b[^>]*>", text).group()
            declared = "" if "xmlns:r=" in root else f' xmlns:r="{STRICT[TRANSITIONAL_R]}"'
            text = text.replace(root, root.replace("<workbook", '<workbook conformance="strict"'
                                                   + declared, 1), 1)
            text = text.replace(f' xmlns:r="{STRICT[TRANSITIONAL_R]}" name=', " name=")
        return text.encode("utf-8")
    return _rewrite(src, dst, edit)


TEMPLATE_TYPES = {
    ".xltx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"),
    ".xltm": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
              "application/vnd.ms-excel.template.macroEnabled.main+xml"),
}


def to_template(src: Path, dst: Path) -> Path:
    """Saved as a template (.xltx/.xltm by dst's suffix): the workbook part's content type."""
    old, new = TEMPLATE_TYPES[dst.suffix.lower()]

    def edit(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            assert old.encode() in data
            return data.replace(old.encode(), new.encode())
        return data
    return _rewrite(src, dst, edit)


def to_utf16(src: Path, dst: Path, parts: tuple[str, ...] | None = None, bom: bool = True) -> Path:
    """XML parts re-encoded as UTF-16 (LE with BOM, declaration saying so): all, or `parts`."""
    def edit(name: str, data: bytes) -> bytes:
        if not name.endswith((".xml", ".rels")) or (parts is not None and name not in parts):
            return data
        text = data.decode("utf-8")
        text = re.sub(r'encoding="[Uu][Tt][Ff]-8"', 'encoding="UTF-16"', text, count=1)
        if not text.startswith("<?xml"):
            text = '<?xml version="1.0" encoding="UTF-16" standalone="yes"?>\n' + text
        return (b"\xff\xfe" if bom else b"") + text.encode("utf-16-le")
    return _rewrite(src, dst, edit)


# --- formatting, and the same table as a legacy .xls -------------------------------------------

# Fills from the default BIFF8 palette (xlwt colour index → RGB), so both files hold one colour.
PALETTE = {"FFFF00": 0x0D, "CCFFCC": 0x2A}
WIDTHS = {"A": 12.0, "B": 16.0, "C": 14.0, "D": 30.0}


def formatted(src: Path, dst: Path) -> Path:
    """The seed with what offices format: a fill on the header rows, thin borders round the table,
    percentages shown as such, wider columns."""
    import openpyxl
    from openpyxl.styles import Border, PatternFill, Side
    wb = openpyxl.load_workbook(src)
    ws = wb.active
    thin = Side(style="thin")
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if cell.value == "95%":                 # the reported rate, typed as a number
                cell.value = 0.95
                cell.number_format = "0%"
            if isinstance(cell.value, str) and cell.value in ("年度指标值", "实际完成值", "全年预算数"):
                cell.fill = PatternFill("solid", fgColor="FFFF00")
    ws["A1"].fill = PatternFill("solid", fgColor="CCFFCC")
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    wb.save(dst)
    return dst


def to_xls(src: Path, dst: Path, extra: dict[tuple[int, int], object] | None = None) -> Path:
    """The same sheet written by xlwt as .xls: values, merges, fills, borders, number formats
    and column widths as in src; `extra` (0-based row, column) → value adds cells to the first."""
    import openpyxl
    import xlwt
    wb = openpyxl.load_workbook(src)
    out = xlwt.Workbook(encoding="utf-8")
    for ws in wb:
        sheet = out.add_sheet(ws.title)
        merged = {(r.min_row, r.min_col): r for r in ws.merged_cells.ranges}
        hidden = {(r, c) for m in ws.merged_cells.ranges for r in range(m.min_row, m.max_row + 1)
                  for c in range(m.min_col, m.max_col + 1)} - set(merged)
        styles: dict = {}
        for row in ws.iter_rows():
            for cell in row:
                if (cell.row, cell.column) in hidden:
                    continue
                style = _xlwt_style(cell, styles)
                at = (cell.row, cell.column)
                value = "" if cell.value is None else cell.value
                if at in merged:
                    m = merged[at]
                    sheet.write_merge(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1,
                                      value, style)
                else:
                    sheet.write(cell.row - 1, cell.column - 1, value, style)
        for (r, c), value in (extra or {}).items() if ws is wb.worksheets[0] else ():
            sheet.write(r, c, value)
        for col, dim in ws.column_dimensions.items():
            if dim.width:
                sheet.col(openpyxl.utils.column_index_from_string(col) - 1).width = int(dim.width * 256)
    out.save(str(dst))
    return dst


def _xlwt_style(cell, cache: dict):
    import xlwt
    rgb = cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else None
    border = cell.border.left.style == "thin"
    key = (rgb, border, cell.number_format)
    if key not in cache:
        style = xlwt.XFStyle()
        if rgb:
            style.pattern.pattern = xlwt.Pattern.SOLID_PATTERN
            style.pattern.pattern_fore_colour = PALETTE[rgb]
        if border:
            for side in ("left", "right", "top", "bottom"):
                setattr(style.borders, side, xlwt.Borders.THIN)
        style.num_format_str = cell.number_format
        cache[key] = style
    return cache[key]
