"""The flag catalogue (catalogue.toml): stable codes, Chinese titles and message templates."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

from .model import Flag, XlsprocError

FILE_CODES = ("file-corrupt", "file-encrypted", "file-unsupported", "file-too-large",
              "no-evaluation-found", "internal-error", "file-timeout", "worker-crashed",
              "output-locked", "inbox-unreadable")


@lru_cache(maxsize=None)
def catalogue() -> dict[str, dict[str, str]]:
    return tomllib.loads(resources.files("xlsproc").joinpath("catalogue.toml").read_text("utf-8"))


def title(code: str) -> str:
    return catalogue()[code]["title"]


def detail(code: str, **fields) -> str:
    return catalogue()[code]["message"].format(**fields)


def make_flag(code: str, severity: str, sheet: str, cell: str | None,
              indicator: str | None = None, **fields) -> Flag:
    text = detail(code, **fields)
    where = f"{sheet} › {cell}" if cell else sheet
    return Flag(code=code, severity=severity, sheet=sheet, cell=cell, indicator=indicator,
                message=f"{where}：{text}", detail=text, title=title(code))


def file_error(code: str, **fields) -> XlsprocError:
    """A file-level error with its catalogue message (the caller adds the file name)."""
    assert code in FILE_CODES, code
    return XlsprocError(code, detail(code, **fields))
