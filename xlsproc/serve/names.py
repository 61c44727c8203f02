"""What a request may name: units (folders below INBOX) and uploaded file names; the Chinese
refusals (messages.toml). Nothing a browser sends becomes a path without passing through here."""
from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

from xlsproc.batch.run import SPREADSHEET_SUFFIXES
from xlsproc.read.grid import is_lock_file

MAX_NAME = 120          # characters of a file name (many file systems allow 255 bytes)
MAX_UNIT = 60
# Names the server keeps for itself directly below OUTBOX (see service.Service).
RESERVED_UNITS = {"退回修改", "全区绩效自评汇总.xlsx"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FORBIDDEN = set('<>:"|?*')         # Windows forbids these; a share may be read from Windows
_WINDOWS_DEVICES = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)


@lru_cache(maxsize=None)
def messages() -> dict[str, dict]:
    text = resources.files("xlsproc.serve").joinpath("messages.toml").read_text("utf-8")
    return tomllib.loads(text)


class Refusal(Exception):
    """A request refused, with its HTTP status and the Chinese reason an officer reads."""

    def __init__(self, code: str, **fields):
        entry = messages()[code]
        self.code = code
        self.status = int(entry["status"])
        self.message = entry["message"].format(**fields)
        super().__init__(self.message)


def clean_unit(raw: str | None) -> str:
    """The unit's folder name below INBOX, or Refusal. NFKC, spaces trimmed; no separators,
    no '..', no control characters, no leading dot (hidden folders are not searched)."""
    unit = unicodedata.normalize("NFKC", raw or "").strip()
    if not unit:
        raise Refusal("unit-required")
    why = _name_problem(unit, MAX_UNIT)
    if why is None and unit in RESERVED_UNITS:
        why = "与系统使用的文件夹同名"
    if why:
        raise Refusal("bad-unit", unit=_shown(unit), why=why)
    return unit


def clean_filename(raw: str | None) -> str:
    """An uploaded file's own name, or Refusal. Browsers send the base name, but a hand-made
    request may send 'C:\\x\\..\\a.xlsx' or '../../a.xlsx': only the last part is kept, and that
    must itself be a plain workbook name."""
    name = unicodedata.normalize("NFKC", raw or "").replace("\\", "/").split("/")[-1].strip()
    if not name:
        raise Refusal("no-file")
    why = _name_problem(name, MAX_NAME)
    if why:
        raise Refusal("bad-name", name=_shown(name), why=why)
    suffix = os.path.splitext(name)[1].lower()
    if suffix not in SPREADSHEET_SUFFIXES or suffix == os.path.splitext(name)[0]:
        raise Refusal("bad-suffix", name=_shown(name), suffix=suffix or "（无）")
    if is_lock_file(Path(name)):
        raise Refusal("lock-file", name=_shown(name))
    return name


def _name_problem(name: str, limit: int) -> str | None:
    if len(name) > limit:
        return f"超过 {limit} 个字"
    if _CONTROL.search(name):
        return "含有控制字符"
    if "/" in name or "\\" in name:
        return "含有路径分隔符（/ 或 \\）"
    if name in (".", "..") or name.startswith("."):
        return "以“.”开头"
    if set(name) & _FORBIDDEN:
        return "含有 < > : \" | ? * 等字符"
    if _WINDOWS_DEVICES.match(name) or name.endswith((".", " ")):
        return "是 Windows 保留的名称"
    return None


def size_text(n: int) -> str:
    """A size limit as the refusals show it: 100 MiB, 4 KiB."""
    return f"{n / 1024 / 1024:.0f} MiB" if n >= 1 << 20 else f"{n / 1024:.0f} KiB"


def _shown(text: str) -> str:
    """A name as echoed back in a message: printable, bounded."""
    text = _CONTROL.sub("�", text)
    return text if len(text) <= 80 else text[:77] + "…"
