"""Rows of an evaluation table that are neither headers nor data, told apart by their text alone
(the words are data in labels.toml): a category title on a row of its own (一、产出指标（50分）)
and a column-numbering row under a header (栏次 | 1 | 2 | 3 | 5=3/2).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from xlsproc.read import layout
from xlsproc.read.values import parse_value

_ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．])")
# '5=3/2', '6=4×5': a column number with how the column is computed
_COMPUTED_COLUMN = re.compile(r"^\d+\s*=\s*[\d\s+\-*/×÷()]+$")


@lru_cache(maxsize=4096)
def is_category_title(raw: str) -> bool:
    """A row of its own naming an indicator category (一、产出指标（50分）, （二）效益指标)."""
    text = layout.normalize(_ENUMERATOR.sub("", raw.strip())).text
    return text in layout.synonyms("indicators", "category")


def is_numbering_row(values: list[Any]) -> bool:
    """栏次 | 甲 | 乙 | 1 | 2 | 3 | 5=3/2: the columns numbered under a header, no data. At least
    three whole numbers counting up by one from 0 or 1; anything else a numbering word, a letter
    or a computed column number."""
    numbers, words = [], layout.synonyms("numbering", "words")
    for value in values:
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            return False
        if isinstance(value, (int, float)):
            if value != int(value):
                return False
            numbers.append(int(value))
            continue
        text = layout.normalize(str(value)).text
        if text.isdigit():
            numbers.append(int(text))
        elif not (text in words or (len(text) == 1 and text.isascii() and text.isalpha())
                  or _COMPUTED_COLUMN.match(text)):
            return False
    return len(numbers) >= 3 and numbers[0] in (0, 1) and numbers == list(
        range(numbers[0], numbers[0] + len(numbers)))


@lru_cache(maxsize=4096)
def is_execution_formula(raw: str) -> bool:
    """A 三级 cell that spells the execution rate out (全年执行数/全年预算数, 实际支出÷预算数×100%):
    it names both amounts of the money block (labels.toml [funds] annual and executed)."""
    text = layout.normalize(raw).text
    return bool(text) and all(any(s in text for s in layout.synonyms("funds", role))
                              for role in ("annual", "executed"))


def typed_in(sheet: Any, r: int, roles: dict[str, int], keys: tuple[str, ...]) -> bool:
    """Each of these columns of a reader Sheet holds a value typed on row r (not merged in from
    a label, not a template's '/'): 综合评分 | ≥90分 | 92分 is an indicator, 总分 merged over them is not."""
    for k in keys:
        c = roles.get(k)
        if c is None or sheet.origin_of(r, c) != (r, c):
            return False
        cell = sheet.cell(r, c)
        if cell.blank or parse_value(cell.value).kind == "blank":
            return False
    return True
