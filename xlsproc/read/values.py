"""Indicator targets (年度指标值) and actuals (实际完成值) as officers type them.

'≥300个' → Value(kind='number', op='>=', parts=(Quantity(300.0, '个'),)). Pure functions,
stdlib only; the vocabulary (operator words, blank tokens, cue words, units) is data in
values.toml.
parse_value never raises: what it cannot read becomes 'qualitative', and the caller, which knows
the cell, decides what that means.
"""
from __future__ import annotations

from functools import lru_cache

import calendar
import datetime as _dt
import decimal
import math
import numbers
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from xlsproc.textwidth import memo_short_texts

KINDS = ("blank", "number", "compound", "qualitative", "deadline", "relative")
OPS = (">=", ">", "<=", "<", "=")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _load_vocabulary() -> dict:
    with open(Path(__file__).with_name("values.toml"), "rb") as fh:
        return tomllib.load(fh)


_VOCAB = _load_vocabulary()

# One character → the relation sign it stands for (═ → =, ≧ → ≥), applied before NFKC.
LOOKALIKES = str.maketrans({ch: sign for sign, chars in _VOCAB["lookalikes"].items() for ch in chars})

BLANK_TOKENS = frozenset(_nfkc(t).casefold() for t in _VOCAB["blank"]["tokens"])
BLANK_CHARS = frozenset(_nfkc(_VOCAB["blank"]["chars"]))
OPERATOR_WORDS = {_nfkc(w): op for op, words in _VOCAB["operators"].items() for w in words}
COLUMN_WORDS = {_nfkc(w): op for op, words in _VOCAB["operator_column"].items()
                if op != "qualitative" for w in words}
COLUMN_QUALITATIVE = frozenset(_nfkc(w) for w in _VOCAB["operator_column"]["qualitative"])
MULTIPLIERS = {_nfkc(k): float(v) for k, v in _VOCAB["numbers"]["multipliers"].items()}
APPROX_WORDS = tuple(_nfkc(w) for w in _VOCAB["numbers"]["approx"])
RANGE_CONNECTORS = frozenset(_nfkc(w) for w in _VOCAB["numbers"]["range_connectors"])
SUFFIX_OPERATORS = {_nfkc(w): op for op, words in _VOCAB["suffix_operators"].items() for w in words}
RELATIVE_WORDS = tuple(_nfkc(w) for w in _VOCAB["relative"]["words"])
RELATIVE_PATTERNS = tuple(re.compile(p) for p in _VOCAB["relative"]["patterns"])
DEADLINE_WORDS = tuple(_nfkc(w) for w in _VOCAB["deadline"]["words"])
# Longest first, so that a prefix match prefers '人次' to '人' and '个月' to '个'.
KNOWN_UNITS = tuple(sorted({_nfkc(u) for u in _VOCAB["units"]["known"]}, key=len, reverse=True))
UNIT_ALIASES = {_nfkc(k): _nfkc(v) for k, v in _VOCAB["units"]["aliases"].items()}
UNIT_SCALE = {_nfkc(k): (_nfkc(base), float(factor)) for k, (base, factor) in _VOCAB["units"]["scale"].items()}
UNIT_STOP_WORDS = tuple(_nfkc(w) for w in _VOCAB["units"]["stop_words"])
MAX_UNIT_LENGTH = int(_VOCAB["units"]["max_length"])
NONE_WORDS = frozenset(_nfkc(w) for w in _VOCAB["none"]["words"])
NONE_TARGET_PREFIXES = tuple(_nfkc(w) for w in _VOCAB["none"]["target_prefixes"])
ACTUAL_WORDS = tuple(_nfkc(w) for w in _VOCAB["several_quantities"]["actual"])
OTHER_WORDS = tuple(_nfkc(w) for w in _VOCAB["several_quantities"]["other"])
PERIODS_PER_YEAR = {_nfkc(k): float(v) for k, v in _VOCAB["periods"]["per_year"].items()}
PERIOD_UNITS = frozenset(_nfkc(u) for u in _VOCAB["periods"]["units"])
PERIOD_MAX_FILLER = int(_VOCAB["periods"]["max_filler"])

if not set(OPERATOR_WORDS.values()) | set(SUFFIX_OPERATORS.values()) | set(COLUMN_WORDS.values()) \
        <= set(OPS):
    raise ValueError("values.toml: an operator outside OPS")
if not all(KNOWN_UNITS):
    raise ValueError("values.toml: an empty known unit")

# The known units by their first character, each group longest first as in KNOWN_UNITS: a prefix
# match tries only the units that can match (an uncached parse tried all 115 in turn).
_UNITS_BY_FIRST: dict[str, tuple[str, ...]] = {}
for _unit in KNOWN_UNITS:
    _UNITS_BY_FIRST[_unit[0]] = _UNITS_BY_FIRST.get(_unit[0], ()) + (_unit,)
del _unit


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_OP_RE = re.compile(_alternation(OPERATOR_WORDS))
_STOP_RE = re.compile(_alternation(set(UNIT_STOP_WORDS) | set(OPERATOR_WORDS)))
_QUANTITY_RE = re.compile(
    r"(?P<sign>(?<![\w.%‰])-(?=\.?\d))?"
    r"(?<![\d.A-Za-z])(?P<num>\d+(?:,\d{3}(?!\d))*(?:\.\d+)?|\.\d+)(?P<exp>[eE][-+]?\d+)?"
    rf"\s*(?P<mult>{_alternation(MULTIPLIERS)})?(?P<approx>{_alternation(APPROX_WORDS)})?\s*"
    rf"(?P<unit>(?:[%‰]|[A-Za-z]+[23]?(?:/[A-Za-z]+[23]?)?|[{_CJK}]+(?:/[{_CJK}]+)*)?)"
)
_DATE_RE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}(?!\d)"
    r"|(?<!\d)(?:19|20)\d{2}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?)?"
    r"|(?<![\d.])\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?"
    r"|(?<![\d.])\d{1,2}\s*[日号](?=\s*(?:前|之前|以前))"
    r"|(?<!\d)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
)
# Control characters separate like spaces; format characters (zero-width space, BOM) vanish.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FORMAT_RE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# '99。38%': the Chinese full stop typed as a decimal point.
_IDEOGRAPHIC_POINT_RE = re.compile(r"(?<=\d)。(?=\d)")


class _NotFinite(ValueError):
    """A number overflowed to infinity ('1e400'): the value is not a quantity."""


@dataclass(frozen=True)
class Quantity:
    """One number with its normalised unit: '8万小时' → Quantity(80000.0, '小时')."""

    number: float
    unit: str | None


@dataclass(frozen=True)
class Value:
    """A parsed target or actual. `parts` holds its quantities, in the order written."""

    text: str
    kind: str
    op: str | None
    parts: tuple[Quantity, ...]

    @property
    def number(self) -> float | None:
        return self.parts[0].number if self.parts else None

    @property
    def unit(self) -> str | None:
        return self.parts[0].unit if self.parts else None


@dataclass(frozen=True)
class _Token:
    """A quantity found in the text, with where it sits and what it looked like before 万."""

    quantity: Quantity
    start: int
    end: int
    base: float
    mult: str | None


# ---------------------------------------------------------------------------- public API


def parse_value(raw: object) -> Value:
    """Parse one cell value. Never raises: the last resort is a 'qualitative' Value."""
    if type(raw) is str:
        return _parse_str(raw)      # texts repeat across a district's workbooks: parse each once
    return _parse_safely(raw)


@lru_cache(maxsize=32768)
def _parse_str(raw: str) -> Value:
    return _parse_safely(raw)


def _parse_safely(raw: object) -> Value:
    try:
        return _parse(raw)
    except Exception:  # noqa: BLE001 - the contract is total; an odd object must not stop a batch
        return Value(_safe_text(raw), "qualitative", None, ())


def is_blank(raw: object) -> bool:
    """True for None, '', '/', '—', '无', NULL, NaN and the like."""
    return parse_value(raw).kind == "blank"


def column_operator(raw: object) -> str | None:
    """What an 指标性质 / 指标方向 column says: one of OPS, 'qualitative' (定性), or None.

    The same normalisation as targets ('═' and '﹦' are '=', '≧' is '≥'), so a relation means
    the same in either place."""
    if raw is None:
        return None
    norm = _normalise(str(raw)).strip()
    norm = "".join(norm.split())
    if not norm:
        return None
    if norm in COLUMN_QUALITATIVE:
        return "qualitative"
    if norm in COLUMN_WORDS:
        return COLUMN_WORDS[norm]
    found = _OP_RE.fullmatch(norm)
    return OPERATOR_WORDS[found.group()] if found else None


def target_in_name(name: object) -> Value | None:
    """The target an indicator's name ends in ('年度资金支付完成率100%', '培训人次≥120人次'), for a
    row whose 年度指标值 is blank; None when the name ends in no quantity with a unit or an
    operator. Text before it must be a name ('指标1:' is no name)."""
    if type(name) is not str or not name.strip():
        return None
    norm = _normalise(name).rstrip()
    rest, _ = _remove_dates(norm)
    matches = list(_QUANTITY_RE.finditer(rest))
    if not matches:
        return None
    last = _token(matches[-1])
    after = rest[last.end:].strip()
    if after and not (_OP_RE.fullmatch(after) or after in SUFFIX_OPERATORS):
        return None                     # the name goes on after the number ('以上' may follow)
    start = last.start
    op = next((m for m in _OP_RE.finditer(rest[:start]) if not rest[m.end():start].strip()), None)
    if op is not None:
        start = op.start()
    head = rest[:start].rstrip(" :")
    if len(head) < 2 or head[-1].isdigit() or head.endswith("第") or layout_placeholder(head):
        return None
    value = parse_value(norm[start:])
    if value.kind != "number" or not (value.op or value.unit):
        return None
    return value


def nothing_happened(target: Value, actual: Value) -> tuple[Value, Value] | None:
    """(target, actual) re-read when the actual says nothing happened (无, 没有) where the target
    asks that nothing happen (values.toml [none]): 无 | 无 → ≤ 0 | 0; 0起 | 无 → 0起 | 0;
    无重大安全事故 | 无 → a qualitative actual (met). None when that is not the case: 无 against
    ≥120人次 stays a blank actual."""
    if not _is_none_word(actual.text):
        return None
    zero = Value(actual.text, "number", None, (Quantity(0.0, None),))
    if _is_none_word(target.text):
        return Value(target.text, "number", "<=", (Quantity(0.0, None),)), zero
    if target.kind == "number" and target.number == 0 and target.op in (None, "<=", "="):
        return target, zero
    if target.kind == "qualitative" and _normalise(target.text).strip().startswith(NONE_TARGET_PREFIXES):
        return target, Value(actual.text, "qualitative", None, ())
    return None


_PIECES_RE = re.compile(r"[、，,；;（）()\[\]【】]")


def the_actual_among(text: str, fits) -> Quantity | None:
    """Which of several quantities `fits` (all in the target's unit) an actual's text names as
    the actual (values.toml [several_quantities]); None when the text does not tell."""
    marked, plain = [], []
    for piece in _PIECES_RE.split(_normalise(text)):
        value = parse_value(piece) if piece.strip() else None
        if value is None or value.kind != "number" or len(value.parts) != 1 or value.parts[0] not in fits:
            continue
        if any(w in piece for w in ACTUAL_WORDS):
            marked.append(value.parts[0])
        elif not any(w in piece for w in OTHER_WORDS):
            plain.append(value.parts[0])
    for found in (marked, plain):
        if len(set(found)) == 1:
            return found[0]
        if found:
            return None
    return None


def finished_late(target: str, actual: object, year: int | None) -> tuple[str, str] | None:
    """(done, deadline) as 'YYYY-MM-DD' when a time-limit target ('2024年8月31日前', '12月底前')
    and its actual ('2024年10月15日', a date cell) both name a date and the actual one is later;
    None otherwise. A month alone is its last day in a deadline, its first in an actual. The
    deadline is the latest date the target names ('9月启动，12月底前完成', '2024年9月-12月': 12月)."""
    limit = _latest_date_in(_normalise(target), year)
    if limit is None:
        return None
    text = actual.isoformat() if isinstance(actual, (_dt.date, _dt.datetime)) else str(actual or "")
    done = _date_in(_normalise(text), limit.year, end=False)
    if done is None or done <= limit:
        return None
    return done.isoformat(), limit.isoformat()


_YMD_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[年\-/.]\s*(\d{1,2})(?:\s*[月\-/.]\s*(\d{1,2}))?")
_YEAR_END_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(?:底|末)")
_MD_RE = re.compile(r"(?<![\d.])(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?")


def _latest_date_in(norm: str, year: int | None) -> _dt.date | None:
    """The latest date a deadline names, each date taken at its end ('2024年9月-12月' → 12-31)."""
    found, rest = [], norm
    while rest:
        date = _date_in(rest, year, end=True)
        if date is None:
            break
        found.append(date)
        year = date.year                    # '2024年9月-12月': 12月 is of that year too
        rest = rest[_date_end(rest) or len(rest):]
    return max(found, default=None)


def _date_end(norm: str) -> int | None:
    """Where the first date _date_in finds in `norm` ends."""
    ends = [m.end() for m in (_YMD_RE.search(norm), _YEAR_END_RE.search(norm), _MD_RE.search(norm)) if m]
    return min(ends) if ends else None


def _date_in(norm: str, year: int | None, end: bool) -> _dt.date | None:
    found = _YMD_RE.search(norm)
    if found:
        y, m, d = int(found[1]), int(found[2]), found[3] and int(found[3])
    elif (found := _YEAR_END_RE.search(norm)) is not None:
        y, m, d = int(found[1]), 12, 31
    elif (found := _MD_RE.search(norm)) is not None and year is not None:
        y, m, d = year, int(found[1]), found[2] and int(found[2])
    else:
        return None
    if not 1 <= m <= 12:
        return None
    last = calendar.monthrange(y, m)[1]
    try:
        return _dt.date(y, m, d if d else (last if end else 1))
    except ValueError:
        return None


@memo_short_texts(4096, max_chars=64)
def _is_none_word(text: str) -> bool:
    """无, 没有 (values.toml [none]); asked of every indicator's actual (actuals repeat)."""
    return "".join(_normalise(text).split()) in NONE_WORDS


def layout_placeholder(head: str) -> bool:
    """'指标1' before the number: a template's numbering, not a name."""
    return bool(_PLACEHOLDER_HEAD.fullmatch(head))


_PLACEHOLDER_HEAD = re.compile(r"指标\s*\d*")


@lru_cache(maxsize=4096)
def units_compatible(a: str | None, b: str | None) -> bool:
    """Whether a target and an actual measure the same thing. A missing unit is no mismatch;
    units of one measure (万元 and 元) are none either (unit_factor converts them)."""
    ua, ub = _normalise_unit(a), _normalise_unit(b)
    return ua is None or ub is None or ua.casefold() == ub.casefold() or unit_factor(ua, ub) is not None


@lru_cache(maxsize=4096)
def unit_factor(unit: str | None, into: str | None) -> float | None:
    """What a number in `unit` is multiplied by to be in `into` (元 into 万元: 0.0001), when the
    two are different units of one measure (values.toml [units.scale]); None otherwise."""
    a, b = UNIT_SCALE.get(_normalise_unit(unit) or ""), UNIT_SCALE.get(_normalise_unit(into) or "")
    if a is None or b is None or a[0] != b[0] or a == b:
        return None
    return a[1] / b[1]


@dataclass(frozen=True)
class Period:
    """The period a frequency is written per ('1次/月': 月) and how many of it a year holds."""

    word: str
    per_year: float


def period_of(value: Value) -> Period | None:
    """The period of a frequency target or actual ('1次/月', '每季度开展1次', '≥1次/月', '月均2场'):
    the whole cell, operators aside, is one count per period (values.toml [periods]); None for
    anything else ('12次', '3000元/月', '每月按时完成，共12次')."""
    if value.kind != "number" or len(value.parts) != 1:
        return None
    if value.unit is not None and value.unit not in PERIOD_UNITS:
        return None
    core = "".join(_OP_RE.sub("", _normalise(value.text)).split())
    for pattern in _FREQUENCY_RES:
        found = pattern.fullmatch(core)
        if found:
            word = found["p"]
            return Period(word, PERIODS_PER_YEAR[word])
    return None


_PERIOD_ALT = _alternation(PERIODS_PER_YEAR)
_FREQ_NUMBER = r"\d+(?:\.\d+)?"
_FREQ_UNIT = rf"[{_CJK}]{{0,3}}"
_FREQUENCY_RES = (
    re.compile(rf"每个?(?P<p>{_PERIOD_ALT})[{_CJK}]{{0,{PERIOD_MAX_FILLER}}}?{_FREQ_NUMBER}{_FREQ_UNIT}"),
    re.compile(rf"{_FREQ_NUMBER}{_FREQ_UNIT}/(?P<p>{_PERIOD_ALT})"),
    re.compile(rf"(?P<p>{_PERIOD_ALT})均{_FREQ_NUMBER}{_FREQ_UNIT}"),
)


# ---------------------------------------------------------------------------- dispatch


def _parse(raw: object) -> Value:
    if raw is None:
        return Value("", "blank", None, ())
    if isinstance(raw, bool):
        return Value(str(raw), "qualitative", None, ())
    if isinstance(raw, (_dt.date, _dt.time)):
        return _parse_date(raw)
    if isinstance(raw, (numbers.Real, decimal.Decimal)):
        return _parse_number(raw)
    if isinstance(raw, (bytes, bytearray, memoryview)):
        return _parse_text(bytes(raw).decode("utf-8", "replace"))
    if isinstance(raw, str):
        return _parse_text(raw)
    return _parse_other(raw)


def _safe_text(raw: object) -> str:
    try:
        return "" if raw is None else str(raw).strip()
    except Exception:  # noqa: BLE001 - a __str__ that raises
        return ""


def _parse_date(raw: object) -> Value:
    text = _safe_text(raw)
    if _is_blank_text(text):  # pandas NaT is a datetime whose str() is 'NaT'
        return Value("", "blank", None, ())
    return Value(text, "deadline", None, ())


def _parse_other(raw: object) -> Value:
    """An object of no cell type (a list, pandas.NA, numpy.bool_): blank or qualitative, never a
    quantity, since its str() is not something an officer typed."""
    text = _safe_text(raw)
    return Value(text, "blank" if _is_blank_text(_normalise(text)) else "qualitative", None, ())


def _parse_number(raw: numbers.Real | decimal.Decimal) -> Value:
    try:
        number = float(raw)
    except (OverflowError, ValueError, TypeError, ArithmeticError):
        return Value(_safe_text(raw), "qualitative", None, ())
    if math.isnan(number):
        return Value("", "blank", None, ())
    if math.isinf(number):
        return Value(_safe_text(raw), "qualitative", None, ())
    text = str(int(number)) if isinstance(raw, float) and number.is_integer() else _safe_text(raw)
    return Value(text, "number", None, (Quantity(number, None),))


# ---------------------------------------------------------------------------- text


def _parse_text(raw: str) -> Value:
    text = raw.strip()
    norm = _normalise(text)
    if _is_blank_text(norm):
        return Value(text, "blank", None, ())
    try:
        return _classify(text, norm)
    except _NotFinite:
        return Value(text, "qualitative", None, ())


def _classify(text: str, norm: str) -> Value:
    op = _find_op(norm)
    rest, dated = _remove_dates(norm)
    parts, ranged, suffix_op = _quantities(rest)
    if ranged:
        op = ">="
    op = op or suffix_op
    if _has_relative_cue(norm):
        return Value(text, "relative", op, parts)
    if not parts:
        if dated or any(w in norm for w in DEADLINE_WORDS):
            return Value(text, "deadline", None, ())
        # A cell holding only an operator ('≥' in a 指标性质 column) keeps it.
        only_op = op is not None and not _OP_RE.sub("", norm).strip()
        return Value(text, "qualitative", op if only_op else None, ())
    return Value(text, "number" if len(parts) == 1 else "compound", op, parts)


def _normalise(text: str) -> str:
    text = _nfkc(text.translate(LOOKALIKES)).replace("\u2212", "-")
    text = _FORMAT_RE.sub("", _CONTROL_RE.sub(" ", text))
    return _IDEOGRAPHIC_POINT_RE.sub(".", text)


def _is_blank_text(norm: str) -> bool:
    s = norm.strip()
    if not s or s.casefold() in BLANK_TOKENS:
        return True
    return all(c in BLANK_CHARS or c.isspace() for c in s)


def _find_op(norm: str) -> str | None:
    """The first operator written; with several ('≥5场、≤3次') the first one governs."""
    m = _OP_RE.search(norm)
    return OPERATOR_WORDS[m.group()] if m else None


def _has_relative_cue(norm: str) -> bool:
    return (_RELATIVE_RE is not None and _RELATIVE_RE.search(norm) is not None) \
        or any(p.search(norm) for p in RELATIVE_PATTERNS)


# Any of the words, in one search (as any(w in norm for w in RELATIVE_WORDS)).
_RELATIVE_RE = re.compile(_alternation(RELATIVE_WORDS)) if RELATIVE_WORDS else None


def _remove_dates(norm: str) -> tuple[str, bool]:
    """Blank out dates ('2024年12月31日') so that their digits are not taken as quantities."""
    rest, count = _DATE_RE.subn(" ", norm)
    return rest, count > 0


# ---------------------------------------------------------------------------- quantities


def _quantities(norm: str) -> tuple[tuple[Quantity, ...], bool, str | None]:
    """The quantities in order, a range merged to its lower bound; whether one was seen; and a
    suffix operator right after the first quantity ('3个工作日内': <=)."""
    tokens = [_token(m) for m in _QUANTITY_RE.finditer(norm)]
    merged: list[_Token] = []
    ranged = False
    for tok in tokens:
        if merged and _is_range(norm, merged[-1], tok):
            merged[-1] = _range_lower(merged[-1], tok)
            ranged = True
        else:
            merged.append(tok)
    suffix = None
    if merged:
        after = norm[merged[0].end:].lstrip()
        suffix = next((op for word, op in SUFFIX_OPERATORS.items() if after.startswith(word)), None)
    return tuple(t.quantity for t in merged), ranged, suffix


def _token(m: re.Match) -> _Token:
    base = _to_float(m["num"].replace(",", "") + (m["exp"] or ""))
    if m["sign"]:
        base = -base
    run, mult = m["unit"], m["mult"]
    money = _money_unit(mult + run) if mult else None
    if money:  # '90万元': 万 belongs to the unit, the number stays
        unit_raw, number, unit = money[len(mult):], base, money
    else:
        unit_raw = _unit_prefix(run)
        number = _to_float(base * MULTIPLIERS[mult]) if mult else base
        unit = unit_raw
    # The token ends after its unit, so that the text up to the next number ('至', '、') shows.
    end = m.start("unit") + len(unit_raw)
    return _Token(Quantity(number, _normalise_unit(unit)), m.start(), end, base, mult)


def _to_float(value) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise _NotFinite(value)
    return number


def _money_unit(text: str) -> str | None:
    """A known unit starting with a multiplier that prefixes the text ('万元', '亿元')."""
    if text[:1] not in MULTIPLIERS:
        return None
    for unit in _UNITS_BY_FIRST.get(text[0], ()):
        if text.startswith(unit):
            return unit
    return None


def _unit_prefix(run: str) -> str:
    """The unit at the start of the text after a number, as written ('' for none)."""
    if not run:
        return ""
    if not _is_cjk(run[0]):  # '%', 'km', 'm2': the regex already cut it
        return run if len(run) <= MAX_UNIT_LENGTH else ""
    for unit in _UNITS_BY_FIRST.get(run[0], ()):
        if run.startswith(unit):
            return unit
    stop = _STOP_RE.search(run)
    run = run[: stop.start()] if stop else run
    # An unknown long run is prose; its first character is the measure word ('5所高校').
    return run if len(run) <= MAX_UNIT_LENGTH else run[:1]


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _normalise_unit(unit: str | None) -> str | None:
    if unit is None:
        return None
    u = _nfkc(str(unit)).strip()
    return UNIT_ALIASES.get(u, u) or None


def _is_range(norm: str, lower: _Token, upper: _Token) -> bool:
    """'30-500万元', '30~500', '30至500': a connector alone between two numbers of one unit."""
    between = norm[lower.end : upper.start].strip()
    units_agree = lower.quantity.unit is None or lower.quantity.unit == upper.quantity.unit
    return between in RANGE_CONNECTORS and units_agree


def _range_lower(lower: _Token, upper: _Token) -> _Token:
    """The lower bound, taking the upper bound's unit ('30万-500万元' is 30 万元)."""
    unit = lower.quantity.unit or upper.quantity.unit
    number = lower.quantity.number
    if lower.quantity.unit is None and lower.mult and unit and unit.startswith(lower.mult):
        number = lower.base
    return _Token(Quantity(number, unit), lower.start, upper.end, number, None)
