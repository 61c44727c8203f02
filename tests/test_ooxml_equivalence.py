"""Equivalent sheet XML reads the same and gets a correct copy (or a clean Chinese refusal).

The samples' worksheet parts are rewritten into XML that means the same — the main namespace
under a prefix, prefixed and unprefixed elements mixed, single quotes, spaces around '=',
attributes in another order, pretty-printing, comments (holding text that looks like cells),
CDATA, character references (in text: calamine refuses some sheets with references in
attribute values — test_ooxml_mis_edit covers those for our own layer), rows and cells without
r= — and then:
  * reading gives the same results-json entry as the original (xlsproc.check_file);
  * patching gives a copy that verification accepts and that reads, cell for cell, like the
    copy patched from the original — or patch_xlsx refuses with a Chinese ValueError.
"""
from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

import xlsproc
from conftest import SAMPLES
from xlsproc.ooxml.package import PartReader
from xlsproc.ooxml.patch import patch_xlsx
from xlsproc.ooxml.workbook import workbook_parts
from xlsproc.read.grid import read_grids
from xlsproc.refs import parse_cell
from xlsproc.write.annotate import cell_patches

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XLSX = sorted(p for p in SAMPLES.glob("*") if p.suffix in (".xlsx", ".xlsm"))
TRANSFORMS = ("prefix", "mixed", "quotes", "spaces", "order", "pretty", "comments", "cdata", "charrefs",
              "no_r")
_TOKEN = re.compile(r"(<[^>]*>)")
_ATTR = re.compile(r"""([\w:.\-]+)\s*=\s*("[^"]*"|'[^']*')""")
_NAME = re.compile(r"</?([\w:.\-]+)")
_ENTITY = re.compile(r"&[^;]*;")


def rewrite(xml: str, chosen: set[str], rng: random.Random) -> str:
    """An XML document that means what `xml` (a worksheet part written the usual way) means."""
    tokens = [t for t in _TOKEN.split(xml) if t]
    out: list[str] = []
    stack: list[str] = []            # local names of open elements
    prefix_rows = False              # inside a row written with x: ('mixed')
    last_row, last_col = 0, -1
    cell_ref = ""
    for token in tokens:
        if not token.startswith("<"):
            out.append(_text(token, stack, chosen, rng))
            continue
        if token.startswith(("<?", "<!")):
            out.append(token)
            continue
        closing, selfclose = token.startswith("</"), token.endswith("/>")
        name = _NAME.match(token).group(1)
        local = name.split(":")[-1]
        attrs = [] if closing else [(k, v[1:-1]) for k, v in _ATTR.findall(token)]
        if not closing and local == "row" and stack[-1:] == ["sheetData"]:
            prefix_rows = "mixed" in chosen and rng.random() < 0.5
            num = int(dict(attrs).get("r", last_row + 1))
            if "no_r" in chosen and num == last_row + 1 and rng.random() < 0.5:
                attrs = [(k, v) for k, v in attrs if k != "r"]
            last_row, last_col = num, -1
        if not closing and local == "c" and stack[-1:] == ["row"]:
            cell_ref = dict(attrs)["r"]
            row, col = parse_cell(cell_ref)
            if "no_r" in chosen and col == last_col + 1 and rng.random() < 0.5:
                attrs = [(k, v) for k, v in attrs if k != "r"]
            last_col = col
        element_prefix = "x:" if "prefix" in chosen or (prefix_rows and ("row" in stack or local == "row")) else ""
        if not closing and local == "worksheet":
            attrs = _root_attrs(attrs, chosen)
        new_name = element_prefix + local if ":" not in name else name
        if closing:
            text = f"</{new_name}>"
        else:
            text = "<" + new_name + "".join(_attr(k, v, chosen, rng) for k, v in _ordered(attrs, chosen, rng))
            text += ("/>" if selfclose else ">")
        if "pretty" in chosen and local in ("row", "c") and not closing and stack[-1:] in (["sheetData"], ["row"]):
            out.append("\n" + "  " * len(stack))
        if "comments" in chosen and not closing and local in ("row", "c") and rng.random() < 0.2:
            out.append('<!-- <c r="A1"><f>1/0</f></c> <row r="1"> -->')
        out.append(text)
        if "comments" in chosen and local == "c" and (closing or selfclose) and rng.random() < 0.5:
            out.append(f'<!-- <c r="{cell_ref}"/> -->')        # the cell again, after the real one
        if local == "row" and (closing or selfclose):
            prefix_rows = False
        if not closing and not selfclose:
            stack.append(local)
        elif closing:
            stack.pop()
    return "".join(out)


def _root_attrs(attrs: list, chosen: set[str]) -> list:
    if "prefix" in chosen:
        return [("xmlns:x", v) if k == "xmlns" and v == MAIN else (k, v) for k, v in attrs]
    if "mixed" in chosen:
        return attrs + [("xmlns:x", MAIN)]
    return attrs


def _ordered(attrs: list, chosen: set[str], rng: random.Random) -> list:
    if "order" in chosen:
        attrs = list(attrs)
        rng.shuffle(attrs)
    return attrs


def _attr(name: str, value: str, chosen: set[str], rng: random.Random) -> str:
    eq = " = " if "spaces" in chosen and rng.random() < 0.5 else "="
    if "quotes" in chosen and "'" not in value and rng.random() < 0.5:
        return f" {name}{eq}'{value}'"
    return f' {name}{eq}"{value}"'


def _text(text: str, stack: list[str], chosen: set[str], rng: random.Random) -> str:
    if stack[-1:] in (["t"], ["f"]) and text:
        if "cdata" in chosen and "&" not in text and "]]>" not in text and rng.random() < 0.5:
            return f"<![CDATA[{text}]]>"
        if "charrefs" in chosen and rng.random() < 0.5:
            i = rng.randrange(len(text))
            inside_entity = any(m.start() <= i < m.end() for m in _ENTITY.finditer(text))
            if not inside_entity:            # "&amp;" must stay whole: "&&#x61;mp;" is no XML
                return text[:i] + f"&#x{ord(text[i]):X};" + text[i + 1:]
    return text


def _variant(src: Path, dst: Path, chosen: set[str], seed: int) -> None:
    rng = random.Random(seed)
    with zipfile.ZipFile(src) as zf:
        sheets = set(workbook_parts(PartReader(zf.namelist(), zf.read)).sheets.values())
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
            for info in zf.infolist():
                data = zf.read(info)
                if info.filename in sheets:
                    data = rewrite(data.decode(), chosen, rng).encode()
                zo.writestr(info, data)


def _entry(path: Path) -> dict:
    entry = xlsproc.check_file(path)
    return {k: v for k, v in entry.items() if k not in ("file", "path", "sha256", "modified")}


def _values(path: Path) -> dict:
    return {g.sheet: g.raw for g in read_grids(path)}


_ORIGINALS: dict[Path, tuple] = {}


def _original(src: Path, tmp: Path) -> tuple:
    """(results entry, patches, values of the patched copy) of a sample, computed once."""
    if src not in _ORIGINALS:
        patches = [p for res in xlsproc.evaluate(src) for p in cell_patches(res)]
        out = tmp / f"original_{src.stem}{src.suffix}"
        assert patch_xlsx(src, out, patches, verify=True) == []
        _ORIGINALS[src] = (_entry(src), patches, _values(out))
    return _ORIGINALS[src]


def test_the_rewrite_changes_the_xml_and_keeps_its_meaning():
    """The rewriter itself: every transform changes the text; ElementTree reads the same cells."""
    from xml.etree import ElementTree as ET
    with zipfile.ZipFile(SAMPLES / "某街道_社区治理_2024.xlsx") as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()

    def cells(text: str) -> list:
        root = ET.fromstring(text.encode())
        out = []
        for row in root.iter(f"{{{MAIN}}}row"):
            for c in row.iter(f"{{{MAIN}}}c"):
                out.append(("".join(c.itertext()), c.get("s"), c.get("t")))
        return out

    for name in TRANSFORMS:
        changed = rewrite(xml, {name}, random.Random(1))
        assert changed != xml, name
        assert cells(changed) == cells(xml), name
    assert '<x:c ' in rewrite(xml, {"mixed"}, random.Random(1)) and '<c ' in rewrite(xml, {"mixed"}, random.Random(1))


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_each_rewrite_alone_on_every_sample(tmp_path_factory, transform):
    for index in range(len(XLSX)):
        _check(tmp_path_factory, {transform}, 7, index)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=st.sets(st.sampled_from(TRANSFORMS), min_size=1, max_size=4), seed=st.integers(0, 2 ** 16),
       index=st.integers(0, len(XLSX) - 1))
@example(chosen={"charrefs", "comments", "mixed"}, seed=0,   # a charref once cut "&amp;" in two
         index=[p.name for p in XLSX].index("功能齐全_2024_项目.xlsx"))
def test_equivalent_xml_reads_the_same_and_patches_correctly(tmp_path_factory, chosen, seed, index):
    _check(tmp_path_factory, chosen, seed, index)


def _check(tmp_path_factory, chosen: set[str], seed: int, index: int) -> None:
    src = XLSX[index]
    tmp = tmp_path_factory.mktemp("equivalent")
    entry, patches, patched_values = _original(src, tmp_path_factory.getbasetemp())
    variant = tmp / f"variant{src.suffix}"
    _variant(src, variant, chosen, seed)
    assert _entry(variant) == entry, sorted(chosen)
    out = tmp / f"out{src.suffix}"
    try:
        problems = patch_xlsx(variant, out, patches, verify=True)
    except ValueError as exc:                        # a clean refusal: in Chinese, no copy
        assert re.search("[\u4e00-\u9fff]", str(exc)), exc
        assert not out.exists()
        return
    assert problems == [], (sorted(chosen), problems)
    assert _values(out) == patched_values, sorted(chosen)
