"""workbook.xml: the sheet list, adding / replacing sheets, defined names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from xlsproc.refs import col_letter as _col_letters, parse_range as _parse_range
from xlsproc.ooxml.markup import (
    _Q, _attr, _attrs, _by_content, _element_span, _ensure_ns, _esc, _esc_attr, _insert_in_order, _ns_prefix,
    _prefix, _root_content, _set_attr)
from xlsproc.ooxml.package import (NS_REL, REL_WORKSHEET, PartReader, _ContentTypes, _Package, _Rels, _parse_rels,
                                   office_document)


def internal_location(sheet: str, ref: str) -> str:
    """"'Sheet name'!H22" — the quoted form hyperlinks and defined names need."""
    return "'" + sheet.replace("'", "''") + "'!" + ref


# Child element order of CT_Workbook.
WORKBOOK_ORDER = (
    "fileVersion fileSharing workbookPr workbookProtection bookViews sheets functionGroups "
    "externalReferences definedNames calcPr oleSize customWorkbookViews pivotCaches smartTagPr "
    "smartTagTypes webPublishing fileRecoveryPr webPublishObjects extLst"
).split()


# <calcPr fullCalcOnLoad>: set by a copy that writes a value, taken back by the next round

_FULL_CALC_ATTR = re.compile(r"""\sfullCalcOnLoad\s*=\s*("[^"]*"|'[^']*')""")


def full_calc_on_load(tag: str) -> bool:
    """Whether a <calcPr> start tag asks for every formula to be recalculated on opening."""
    return (_attr(tag, "fullCalcOnLoad") or "").strip() in ("1", "true")


def _flagged(tag: str) -> str:
    """Her <calcPr> start tag as recalc_on_load writes it."""
    return _set_attr(tag, "fullCalcOnLoad", "1")


def _added_calc(p: str) -> str:
    """The calcPr recalc_on_load adds to a workbook that has none."""
    return f'<{p}calcPr fullCalcOnLoad="1"/>'


def _without_full_calc(tag: str) -> str:
    return _FULL_CALC_ATTR.sub("", tag, count=1)


def _is_start_tag(text: object, p: str) -> bool:
    """Whether `text` is one <calcPr> start tag (what a record may put back into workbook.xml)."""
    return isinstance(text, str) and len(text) < 2000 and \
        re.fullmatch(rf"<{re.escape(p)}calcPr(?=[\s/>])[^<>]*>", text) is not None


# ---------------------------------------------------------------------------
# Workbook: sheet list, adding / replacing sheets, defined names


@dataclass(frozen=True)
class _SheetInfo:
    name: str
    sheet_id: int
    rid: str
    part: str | None
    index: int
    is_worksheet: bool


@_by_content
def _read_sheets(part: str, rels_xml: str, xml: str) -> tuple[_SheetInfo, ...]:
    """The <sheet> entries of workbook.xml (at `part`, with relationships `rels_xml`)."""
    p = _prefix(xml, "workbook")
    r = _ns_prefix(xml, NS_REL) or "r"
    rels = _parse_rels(part, rels_xml) if rels_xml else ()
    sheets = []
    for i, m in enumerate(re.finditer(rf"<{p}sheet(?=[\s/>]){_Q}/?>", xml, re.S)):
        attrs = _attrs(m.group(0))
        rid = attrs.get(f"{r}:id")
        rel = next((x for x in rels if x["Id"] == rid), {})
        sheets.append(_SheetInfo(attrs.get("name"), int(attrs.get("sheetId") or 0), rid,
                                 rel.get("part"), i, (rel.get("Type") or "").endswith("/worksheet")))
    return tuple(sheets)


@dataclass(frozen=True)
class WorkbookParts:
    """Where a reader finds a workbook's parts."""

    workbook: str                 # the workbook part (xl/workbook.xml in nearly every file)
    binary: bool                  # .xlsb: no XML to read
    xml: str = ""                 # the workbook part's text (XML workbooks)
    styles: str | None = None     # the styles part (its zip member name; None: none present)
    sheets: dict[str, str] = field(default_factory=dict)  # worksheet name → its part (member name)


def workbook_parts(reader: PartReader) -> WorkbookParts | None:
    """The workbook, its styles and worksheet parts, found as _Workbook finds them (package
    relationships → workbook → its relationships); None when the package is not a workbook.
    ValueError when workbook.xml has no <workbook> root."""
    found = reader.workbook()
    if found is None:
        return None
    part, binary = found
    if binary:
        return WorkbookParts(part, True)
    xml = reader.text(part)
    rels_xml = reader.rels_text(part)
    styles = next((r.get("part") for r in _parse_rels(part, rels_xml) if (r["Type"] or "").endswith("/styles")),
                  None) if rels_xml else None
    sheets = {s.name: reader.name(s.part) for s in _read_sheets(part, rels_xml, xml)
              if s.is_worksheet and s.part and reader.name(s.part) and s.name is not None}
    return WorkbookParts(part, False, xml, styles and reader.name(styles), sheets)


class _Workbook:
    def __init__(self, pkg: _Package):
        self.pkg = pkg
        part = office_document(_Rels(pkg, "").items)
        if part is None:
            raise ValueError("不是 Excel 工作簿：缺少 officeDocument 关系")
        self.part = part
        self.xml = pkg.text(self.part)
        self.p = _prefix(self.xml, "workbook")
        self.rels = _Rels(pkg, self.part)
        self.dirty = False
        self.sheets = list(_read_sheets(self.part, self.rels.xml or "", self.xml))

    def clone(self, pkg: _Package) -> "_Workbook":
        """This workbook as _Workbook(pkg) would read it when pkg holds the same parts."""
        other = type(self).__new__(type(self))
        other.pkg, other.part, other.xml, other.p, other.dirty = pkg, self.part, self.xml, self.p, self.dirty
        other.rels = self.rels.clone(pkg)
        other.sheets = list(self.sheets)
        return other

    def sheet(self, name: str) -> _SheetInfo | None:
        """The sheet of that name: written exactly so, else the one sheet whose name differs
        only in case (Excel's comparison).  A workbook some program wrote with both "Table" and
        "TABLE" must not have the edit of one land in the other."""
        exact = next((s for s in self.sheets if s.name == name), None)
        if exact is not None:
            return exact
        folded = [s for s in self.sheets if s.name.lower() == name.lower()]
        return folded[0] if len(folded) == 1 else None

    def worksheet(self, name: str) -> _SheetInfo:
        info = self.sheet(name)
        if info is None:
            names = "、".join(s.name for s in self.sheets)
            raise KeyError(f"工作簿中没有工作表“{name}”（现有：{names}）")
        if not info.is_worksheet or not info.part:
            raise ValueError(f"“{name}”不是普通工作表，不能修改")
        if not self.pkg.has(info.part):
            stored = info.part.replace("/", "\\")
            how = f"（压缩包中存为 {stored}，路径用了反斜杠，不符合 Excel 文件格式）" \
                if self.pkg.has(stored) else ""
            raise ValueError(f"工作表“{name}”的数据部件 {info.part} 在压缩包中找不到{how}")
        return info

    def add_sheet(self, name: str, part: str, state: str | None = None) -> _SheetInfo:
        rid = self.rels.add(REL_WORKSHEET, part)
        self.xml, r = _ensure_ns(self.xml, "workbook", "r", NS_REL)
        sheet_id = max((s.sheet_id for s in self.sheets), default=0) + 1
        shown = f' state="{state}"' if state else ""
        element = f'<{self.p}sheet name="{_esc_attr(name)}" sheetId="{sheet_id}"{shown} {r}:id="{rid}"/>'
        cut = self.xml.index(f"</{self.p}sheets>")
        self.xml, self.dirty = self.xml[:cut] + element + self.xml[cut:], True
        info = _SheetInfo(name, sheet_id, rid, part, len(self.sheets), True)
        self.sheets.append(info)
        return info

    def set_filter_name(self, info: _SheetInfo, ref: str | None) -> None:
        """Keep the hidden _xlnm._FilterDatabase name in step with a sheet's autofilter."""
        p = self.p
        pat = re.compile(rf"<{p}definedName(?=[\s>]){_Q}>.*?</{p}definedName>|<{p}definedName(?=[\s/]){_Q}/>", re.S)

        def is_ours(tag: str) -> bool:
            return _attr(tag, "name") == "_xlnm._FilterDatabase" and _attr(tag, "localSheetId") == str(info.index)

        xml = pat.sub(lambda m: "" if is_ours(m.group(0)) else m.group(0), self.xml)
        if ref:
            r1, c1, r2, c2 = _parse_range(ref)
            text = internal_location(info.name, f"${_col_letters(c1)}${r1 + 1}:${_col_letters(c2)}${r2 + 1}")
            element = (f'<{p}definedName name="_xlnm._FilterDatabase" localSheetId="{info.index}" '
                       f'hidden="1">{_esc(text)}</{p}definedName>')
            xml = self._add_defined_name(xml, element)
        self.xml, self.dirty = xml, self.dirty or xml != self.xml

    def _add_defined_name(self, xml: str, element: str) -> str:
        span = _element_span(xml, self.p, "definedNames")
        if span and span[1] != span[3]:
            return xml[:span[2]] + element + xml[span[2]:]
        if span:  # <definedNames/>
            return xml[:span[0]] + f"<{self.p}definedNames>{element}</{self.p}definedNames>" + xml[span[3]:]
        start, end = _root_content(xml, self.p, "workbook")
        block = f"<{self.p}definedNames>{element}</{self.p}definedNames>"
        return _insert_in_order(xml, start, end, WORKBOOK_ORDER, "definedNames", block, self.p)

    def recalc_on_load(self) -> tuple[str | None] | None:
        """Have Excel and WPS recalculate every formula when the copy is opened
        (<calcPr fullCalcOnLoad="1"/>): a formula of hers that uses a cell we wrote a value
        into (her total over the scores we filled in) keeps the result cached before, so
        without this the copy would show our scores beside a total that leaves them out.
        Returns what it changed, for restore_calc: (her <calcPr> start tag,) or (None,) when
        she had no calcPr; None when she asked for it herself (nothing changed)."""
        p, xml = self.p, self.xml
        span = _element_span(xml, p, "calcPr")
        if span is not None:
            tag = xml[span[0]:span[1]]
            if full_calc_on_load(tag):
                return None
            xml = xml[:span[0]] + _flagged(tag) + xml[span[1]:]
            before = (tag,)
        else:
            start, end = _root_content(xml, p, "workbook")
            xml = _insert_in_order(xml, start, end, WORKBOOK_ORDER, "calcPr", _added_calc(p), p)
            before = (None,)
        self.xml, self.dirty = xml, True
        return before

    def restore_calc(self, before: str | None) -> None:
        """Undo recalc_on_load of an earlier round (`before`: her <calcPr> start tag then, None:
        she had none): the element as she wrote it when ours is still exactly as we made it,
        else (a program rewrote the workbook since) only our fullCalcOnLoad taken back.  A flag
        that is no longer set, or a calcPr she removed, is hers and stays."""
        p, xml = self.p, self.xml
        span = _element_span(xml, p, "calcPr")
        if span is None:
            return
        tag = xml[span[0]:span[1]]
        if not full_calc_on_load(tag):
            return
        if before is None:
            if xml[span[0]:span[3]] == _added_calc(p):
                xml = xml[:span[0]] + xml[span[3]:]
            else:
                xml = xml[:span[0]] + _without_full_calc(tag) + xml[span[1]:]
        elif _is_start_tag(before, p) and not full_calc_on_load(before) and _flagged(before) == tag:
            xml = xml[:span[0]] + before + xml[span[1]:]
        else:
            value = _attr(before, "fullCalcOnLoad")
            value = value.strip() if isinstance(value, str) else None
            restored = _set_attr(tag, "fullCalcOnLoad", value) if value in ("0", "false") \
                else _without_full_calc(tag)
            xml = xml[:span[0]] + restored + xml[span[1]:]
        self.xml, self.dirty = xml, self.dirty or xml != self.xml

    def closed_names(self) -> str | None:
        """Her <definedNames/> when she wrote it self-closed (empty), else None."""
        span = _element_span(self.xml, self.p, "definedNames")
        return self.xml[span[0]:span[3]] if span is not None and span[1] == span[3] else None

    def restore_names(self, closed: str, had_names: bool) -> None:
        """Put back her empty <definedNames/> (closed_names of an earlier round) where taking our
        sheets' names off left no definedNames (`had_names`: there was one before that)."""
        p, xml = self.p, self.xml
        if not had_names or _element_span(xml, p, "definedNames") is not None or not (
                isinstance(closed, str) and re.fullmatch(rf"<{re.escape(p)}definedNames\s*/>", closed)):
            return
        start, end = _root_content(xml, p, "workbook")
        self.xml = _insert_in_order(xml, start, end, WORKBOOK_ORDER, "definedNames", closed, p)
        self.dirty = True

    def drop_calc_chain(self, ct: _ContentTypes) -> None:
        for rel in self.rels.by_type("/calcChain"):
            self.rels.remove(rel["Id"])
            if rel.get("part"):
                self.pkg.remove(rel["part"])
                ct.remove_override(rel["part"])

    def save(self) -> None:
        if self.dirty:
            self.pkg.put(self.part, self.xml)
        self.rels.save()
