"""Label normalisation and matching, driven by labels.toml.

The reader asks questions such as "which role does this header cell play in the indicator
block?"; the answers come from the synonym lists in labels.toml, never from literals in code.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_WS = re.compile(r"[\s\u3000\u00a0]+")
# (A) (B/A) (A-B) (%) (万元) (元) and similar notes inside brackets
_NOTE = re.compile(r"\((?:[A-Za-z](?:\s*[/+\-*×÷]\s*[A-Za-z])*|%|分|万元|元|盖章|公章|单位:?万元|金额单位:?万元|\d+%?)\)")
_WEIGHT = re.compile(r"\((\d+(?:\.\d+)?)分\)")
_TRAIL = re.compile(r"[:：]+$")


@dataclass(frozen=True)
class Label:
    """A normalised label and the weight it carried, e.g. 产出指标(50分) → ('产出指标', 50.0)."""

    text: str
    weight: float | None


def normalize(raw: object) -> Label:
    """Normalise a label cell: width, whitespace, letter markers, weight note, trailing colon."""
    if raw is None:
        return Label("", None)
    return _normalize(str(raw))


@lru_cache(maxsize=65536)
def _normalize(text: str) -> Label:
    # Each step is skipped when a plain test shows it has nothing to do: most cells read are
    # values, not labels, and meet this function once.
    text = unicodedata.normalize("NFKC", text)
    if " " in text or not text.isprintable():    # every \s but the space is unprintable
        text = _WS.sub("", text)
    text = text.replace("【", "(").replace("】", ")")
    weight = None
    if "(" in text:
        found = _WEIGHT.search(text)
        if found:
            weight = float(found.group(1))
            text = _WEIGHT.sub("", text)
        text = _NOTE.sub("", text)
    if text.endswith((":", "：")):
        text = _TRAIL.sub("", text)
    return Label(text, weight)


@lru_cache(maxsize=None)
def labels() -> dict:
    """The synonym tables, with every synonym normalised the same way as cells are."""
    raw = tomllib.loads(resources.files("xlsproc.read").joinpath("labels.toml").read_text("utf-8"))
    out: dict = {}
    for section, roles in raw.items():
        if section == "placeholder":
            out[section] = [re.compile(p) for p in roles["patterns"]]
            continue
        if section == "money_unit":         # matched on texts whose notes are kept
            out[section] = {unit: tuple(_plain(s) for s in syns) for unit, syns in roles.items()}
            continue
        out[section] = {role: tuple(normalize(s).text for s in syns) for role, syns in roles.items()}
    return out


@lru_cache(maxsize=65536)
def role_of(text: str, section: str, allow_contains: bool = True) -> str | None:
    """The role a normalised label plays in a section: exact synonym first, then longest contained."""
    if not text:
        return None
    role = _exact_roles(section).get(text)
    if role or not allow_contains or not _any_synonym(section).search(text):
        return role
    head = text.split("(", 1)[0]
    if head != text and head in _exact_roles(section):
        # 得分(B/A×分值), 得分(执行率×分值): the words before the bracket name the column; the
        # bracket explains it (and may hold other roles' words, such as 分值 or 指标值)
        return _exact_roles(section)[head]
    roles = labels()[section]
    best, best_len = None, 0
    for role, syns in roles.items():
        for syn in syns:
            if len(syn) > best_len and syn in text:
                best, best_len = role, len(syn)
    return best


@lru_cache(maxsize=None)
def _exact_roles(section: str) -> dict[str, str]:
    """Synonym → role for a section; a synonym listed under two roles belongs to the first."""
    out: dict[str, str] = {}
    for role, syns in labels()[section].items():
        for syn in syns:
            out.setdefault(syn, role)
    return out


@lru_cache(maxsize=None)
def _any_synonym(section: str) -> re.Pattern:
    """One pattern for all synonyms of a section: most texts contain none, and one search says so."""
    syns = {syn for role in labels()[section].values() for syn in role if syn}
    return re.compile("|".join(re.escape(syn) for syn in sorted(syns, key=len, reverse=True)))


@lru_cache(maxsize=None)
def synonyms(section: str, role: str) -> frozenset[str]:
    """A role's normalised synonyms: `text in synonyms(…)` is matches(text, …) for a hot loop."""
    return frozenset(labels()[section][role])


@lru_cache(maxsize=65536)
def matches(text: str, section: str, role: str, allow_contains: bool = False) -> bool:
    """Does a normalised label equal (or contain) one of a role's synonyms?"""
    syns = labels()[section][role]
    if text in syns:
        return True
    return allow_contains and any(s in text for s in syns)


def _plain(raw: str) -> str:
    """Width and whitespace normalised, nothing dropped: （元） stays (元)."""
    return _WS.sub("", unicodedata.normalize("NFKC", raw))


@lru_cache(maxsize=16384)
def money_unit(raw: str) -> str | None:
    """The money unit a cell's text declares ('项目资金（元）', '单位：万元'), or None."""
    text = _plain(raw)
    for unit, marks in labels()["money_unit"].items():
        if any(mark in text for mark in marks):
            return unit
    return None


def is_placeholder(text: str) -> bool:
    """A template's placeholder indicator name: 指标1:, ……, /, blank."""
    text = normalize(text).text
    return not text or any(p.search(text) for p in labels()["placeholder"])
