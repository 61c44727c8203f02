"""The flag catalogue (catalogue.toml): stable codes, Chinese titles and message templates."""
from __future__ import annotations

import errno
import tomllib
from functools import lru_cache
from importlib import resources

from xlsproc.model import Flag, XlsprocError

# The three severities, as a finance officer reads them, most urgent first.
SEVERITY_CN = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITY_CN)}


@lru_cache(maxsize=None)
def catalogue() -> dict[str, dict[str, str]]:
    return tomllib.loads(resources.files("xlsproc").joinpath("catalogue.toml").read_text("utf-8"))


@lru_cache(maxsize=None)
def file_codes() -> frozenset[str]:
    """Codes of problems with a whole file (it yields no evaluation): `scope = "file"`."""
    return frozenset(code for code, entry in catalogue().items() if entry.get("scope") == "file")


def title(code: str) -> str:
    return catalogue()[code]["title"]


def detail(code: str, **fields) -> str:
    return catalogue()[code]["message"].format(**fields)


def filled_detail(code: str, **fields) -> str:
    """The text for a flag whose cell xlsproc has filled in the copy (its `filled` template)."""
    return catalogue()[code]["filled"].format(**fields)


def make_flag(code: str, severity: str, sheet: str, cell: str | None,
              indicator: str | None = None, **fields) -> Flag:
    text = detail(code, **fields)
    where = f"{sheet} › {cell}" if cell else sheet
    return Flag(code=code, severity=severity, sheet=sheet, cell=cell, indicator=indicator,
                message=f"{where}：{text}", detail=text, title=title(code))


def file_error(code: str, **fields) -> XlsprocError:
    """A file-level error with its catalogue message (the caller adds the file name)."""
    assert code in file_codes(), code
    return XlsprocError(code, detail(code, **fields))


# What the operating system said, as an officer reads it (the English strerror otherwise).
OS_REASONS = {errno.ENOENT: "文件或文件夹不存在", errno.ENOTDIR: "路径中有一段不是文件夹",
              errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.EISDIR: "这是一个文件夹",
              errno.ENOSPC: "磁盘空间不足", errno.EROFS: "只读文件系统",
              errno.EBUSY: "正被其他程序占用", errno.EIO: "磁盘读写错误",
              errno.EEXIST: "已有同名的文件或文件夹",
              errno.ENAMETOOLONG: "路径太长（文件夹层数过多或名称过长），请把它移到较浅的文件夹"}


def os_reason(exc: OSError) -> str:
    return OS_REASONS.get(exc.errno, exc.strerror or "系统拒绝")


def os_file_error(exc: OSError) -> XlsprocError:
    """A file that could not be opened: gone, or not readable."""
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return file_error("file-not-found")
    return file_error("file-unreadable", reason=os_reason(exc))
