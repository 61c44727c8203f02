"""styles.xml: fonts / fills / borders / cell formats appended, identical ones reused.
"""
from __future__ import annotations

import functools
import re

from xlsproc.ooxml.markup import (
    _TAG, _by_content, _children, _element_span, _insert_in_order, _open_tag_re, _prefix, _root_content,
    _set_attr)
from xlsproc.ooxml.package import _Package
from xlsproc.ooxml.workbook import _Workbook

# Child element order of CT_Stylesheet.
STYLES_ORDER = (
    "numFmts fonts fills borders cellStyleXfs cellXfs cellStyles dxfs tableStyles colors extLst"
).split()


# ---------------------------------------------------------------------------
# styles.xml: append fonts / fills / borders / xfs, reusing identical ones


_THIN = '<{p}{side} style="thin"><{p}color indexed="64"/></{p}{side}>'


_SECTION_ITEM = {"fonts": "font", "fills": "fill", "borders": "border", "cellXfs": "xf"}


def _flat_children(xml: str, start: int, end: int, p: str, item: str | None) -> list[str] | None:
    """The <p:item> children of xml[start:end] when that is all it holds (besides
    whitespace) and they do not nest; None otherwise (then _children is used)."""
    if item is None or xml.find("<!", start, end) >= 0 or xml.find("<?", start, end) >= 0:
        return None
    opening, closing, tag = f"<{p}{item}", f"</{p}{item}>", _open_tag_re(p, item)
    items, pos, find = [], start, xml.find
    while (at := find(opening, pos, end)) >= 0:
        m = tag.match(xml, at, end)
        if m is None or xml[pos:at].strip():
            return None
        if m.group(1):  # self-closing
            stop = m.end()
        else:
            close = find(closing, m.end(), end)
            if close < 0 or find(opening, m.end(), close) >= 0:
                return None
            stop = close + len(closing)
        items.append(xml[at:stop])
        pos = stop
    return None if xml[pos:end].strip() else items


# A self-closing tag is the same with or without a space before "/>" (`<xf … />` from Python's
# ElementTree, `<xf …/>` from Excel and from us): items are found again by this key, or every
# round trip through such a writer would append a copy of the style it restores.
_SPACE_BEFORE_END = re.compile(r"\s+/>")


def _key(item: str) -> str:
    return _SPACE_BEFORE_END.sub("/>", item)


class _Section:
    """The children of one styles.xml section, parsed once; appended items kept apart."""

    __slots__ = ("items", "index", "added")

    def __init__(self, items: list[str], index: dict[str, int]):
        self.items = items
        self.index = index  # _key(item) → its first index
        self.added: list[str] = []


@_by_content
def _section_items(p: str, local: str, content: str) -> tuple[tuple[str, ...], dict[str, int]]:
    """The children of a styles.xml section (its content) and the first index of each."""
    items = _flat_children(content, 0, len(content), p, _SECTION_ITEM.get(local))
    if items is None:
        items = [content[s:e] for _, s, e in _children(content, 0, len(content))]
    index: dict[str, int] = {}
    for i, item in enumerate(items):
        index.setdefault(_key(item), i)
    return tuple(items), index


@functools.lru_cache(maxsize=64)
def _fill_xml(p: str, argb: str) -> str:
    return (f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{argb}"/>'
            f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>')


@functools.lru_cache(maxsize=256)
def _xf_with_fill(xf: str, fill_id: int) -> str:
    """A cellXfs <xf> with its fill replaced by fill_id."""
    head = _TAG.match(xf).group(0)
    return _set_attr(_set_attr(head, "fillId", str(fill_id)), "applyFill", "1") + xf[len(head):]


@functools.lru_cache(maxsize=64)
def _font_xml(p: str, base: str, bold: bool, size: float | None, color: str | None, underline: bool) -> str:
    """The <font> base (the workbook's default font) with these changes."""
    head = _TAG.match(base).group(0)
    inner = "" if head.endswith("/>") else base[len(head):base.rindex("</")]
    drop = ["b", "u"] + (["sz"] if size else []) + (["color"] if color else [])
    inner = re.sub(rf"<{p}(?:{'|'.join(drop)})(?=[\s/>])[^>]*?(?:/>|>[^<]*</{p}\w+>)", "", inner)
    extra = (f"<{p}b/>" if bold else "") + (f"<{p}u/>" if underline else "")
    extra += (f'<{p}sz val="{size:g}"/>' if size else "") + (f'<{p}color rgb="{color}"/>' if color else "")
    return f"<{p}font>{extra}{inner}</{p}font>"


@functools.lru_cache(maxsize=16)
def _thin_border_xml(p: str) -> str:
    sides = "".join(_THIN.format(p=p, side=s) for s in ("left", "right", "top", "bottom"))
    return f"<{p}border>{sides}<{p}diagonal/></{p}border>"


@functools.lru_cache(maxsize=256)
def _xf_xml(p: str, font: int, fill: int, border: int, wrap: bool, center: bool) -> str:
    applies = "".join(f' apply{n}="1"' for n, v in (("Font", font), ("Fill", fill), ("Border", border)) if v)
    align = ""
    if wrap:
        horizontal = ' horizontal="center"' if center else ""
        align = f'<{p}alignment{horizontal} vertical="{"center" if center else "top"}" wrapText="1"/>'
        applies += ' applyAlignment="1"'
    head = f'<{p}xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"{applies}'
    return f"{head}>{align}</{p}xf>" if align else f"{head}/>"


class _Styles:
    """styles.xml: sections are parsed on first use; new items are spliced in by save()."""

    def __init__(self, pkg: _Package, wb: _Workbook):
        rel = wb.rels.by_type("/styles")
        if not rel:
            raise ValueError("工作簿缺少 styles.xml，无法设置填充色")
        self.pkg, self.part = pkg, rel[0]["part"]
        self.xml = pkg.text(self.part)
        self.p = _prefix(self.xml, "styleSheet")
        self.dirty = False
        self._cache: dict[tuple, int] = {}
        self._sections: dict[str, _Section] = {}

    def _section(self, local: str) -> tuple[int, int, int, int]:
        span = _element_span(self.xml, self.p, local)
        if span is None:
            start, end = _root_content(self.xml, self.p, "styleSheet")
            block = f'<{self.p}{local} count="0"></{self.p}{local}>'
            self.xml = _insert_in_order(self.xml, start, end, STYLES_ORDER, local, block, self.p)
        elif span[1] == span[3]:  # self-closing
            tag = self.xml[span[0]:span[3]]
            self.xml = self.xml[:span[0]] + tag[:-2] + f"></{self.p}{local}>" + self.xml[span[3]:]
        return _element_span(self.xml, self.p, local)

    def _open(self, local: str) -> _Section:
        """The section's children, parsed once (the section is created / expanded if needed)."""
        section = self._sections.get(local)
        if section is None:
            _, start, end, _ = self._section(local)
            items, index = _section_items(self.p, local, self.xml[start:end])
            section = self._sections[local] = _Section(list(items), dict(index))
        return section

    def items(self, local: str) -> list[str]:
        """The section's children, including the ones appended so far (do not modify)."""
        return self._open(local).items

    def append(self, local: str, item: str) -> int:
        """Index of item in the section, appending it unless an identical one exists."""
        section = self._open(local)
        key = _key(item)
        index = section.index.get(key)
        if index is None:
            index = section.index[key] = len(section.items)
            section.items.append(item)
            section.added.append(item)
            self.dirty = True
        return index

    def with_fill(self, xf_index: int, argb: str) -> int:
        """Index of a cellXfs entry equal to xf_index but with a solid argb fill."""
        key = ("fill", xf_index, argb)
        if key not in self._cache:
            fill_id = self.append("fills", _fill_xml(self.p, argb))
            xfs = self.items("cellXfs")
            default = f'<{self.p}xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            xf = xfs[xf_index] if xf_index < len(xfs) else (xfs[0] if xfs else default)
            self._cache[key] = self.append("cellXfs", _xf_with_fill(xf, fill_id))
        return self._cache[key]

    def _font(self, bold: bool = False, size: float | None = None, color: str | None = None,
              underline: bool = False) -> int:
        p, fonts = self.p, self.items("fonts")
        base = fonts[0] if fonts else f"<{p}font><{p}sz val=\"11\"/><{p}name val=\"宋体\"/></{p}font>"
        return self.append("fonts", _font_xml(p, base, bold, size, color, underline))

    def named(self, key: str) -> int:
        """cellXfs index for one of the NewSheet style keys."""
        if ("named", key) not in self._cache:
            self._cache[("named", key)] = self._make_named(key)
        return self._cache[("named", key)]

    def _make_named(self, key: str) -> int:
        fills = {"header": "FFD9D9D9", "error": "FFFFC7CE", "warning": "FFF8CBAD", "info": "FFDDEBF7"}
        if key not in {*fills, "wrap", "title", "link"}:
            raise ValueError(f"未知的样式名：{key!r}")
        fonts = self._cache.get(("fonts",))
        if fonts is None:  # the three fonts are appended together, on the first named style
            fonts = self._cache[("fonts",)] = {
                "header": self._font(bold=True), "title": self._font(bold=True, size=14),
                "link": self._font(color="FF0563C1", underline=True)}
        font = fonts.get(key, 0)
        fill = self.append("fills", _fill_xml(self.p, fills[key])) if key in fills else 0
        border = self.append("borders", _thin_border_xml(self.p)) if key == "header" else 0
        wrap = key in fills or key in ("wrap", "title", "link")   # top-aligned, as the row's text
        return self.append("cellXfs", _xf_xml(self.p, font, fill, border, wrap, center=key == "header"))

    def save(self) -> None:
        if not self.dirty:
            return
        xml, grown = self.xml, []
        for local, section in self._sections.items():
            if section.added:
                start, content, end, _ = _element_span(xml, self.p, local)
                grown.append((start, content, end, section))
        pieces, pos = [], 0  # the sections do not overlap: spliced in one pass, in document order
        for start, content, end, section in sorted(grown, key=lambda g: g[0]):
            tag = _set_attr(xml[start:content], "count", str(len(section.items)))
            pieces += [xml[pos:start], tag, xml[content:end], *section.added]
            pos = end
        pieces.append(xml[pos:])
        self.xml = "".join(pieces)
        self.pkg.put(self.part, self.xml)


class _LazyStyles:
    """styles.xml is parsed only when a fill or a NewSheet style is needed."""

    def __init__(self, pkg: _Package, wb: _Workbook):
        self.pkg, self.wb, self.styles = pkg, wb, None

    def get(self) -> _Styles:
        if self.styles is None:
            self.styles = _Styles(self.pkg, self.wb)
        return self.styles

    def save(self) -> None:
        if self.styles:
            self.styles.save()
