"""Rule profiles: every weight, threshold and severity is data (TOML), validated on load.

A user profile must have the same keys as `default.toml`, with values of the same type.
A bad profile raises RulesError naming the key, in Chinese.
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from xlsproc.model import SEVERITIES


# The grade while it is withheld (the weights do not add up to the full score: results say null).
GRADE_PENDING = "待定"


def shown_grade(grade: str | None) -> str:
    """A grade as tables, reports and the console show it: 待定 while withheld."""
    return grade or GRADE_PENDING


class RulesError(ValueError):
    """A rule profile that cannot be used; the message names the file and key."""


class Rules(dict):
    """A validated profile: nested dicts, read as rules['indicators']['over_completion']."""

    @property
    def name(self) -> str:
        return self["profile"]["name"]

    def severity(self, code: str) -> str:
        return self["severity"][code]

    @property
    def grade_names(self) -> tuple[str, ...]:
        """The grades, best first (优, 良, 中, 差 in the default profile)."""
        return tuple(grade for grade, _ in self["grades"]["thresholds"])

    def grade(self, total: float) -> str:
        for grade, lowest in self["grades"]["thresholds"]:
            if total >= lowest:
                return grade
        return self["grades"]["thresholds"][-1][0]


@lru_cache(maxsize=None)
def _default_text() -> str:
    return resources.files(__package__).joinpath("default.toml").read_text("utf-8")


RULES_MAX_BYTES = 1 << 20          # a rules profile is a few KB


def load_rules(path: str | Path | None = None) -> Rules:
    """The default profile, or a user's profile checked key by key against it."""
    default = tomllib.loads(_default_text())
    if path is None:
        return Rules(default)
    where = str(path)
    from xlsproc.fileio import NotRegularFile, read_regular
    try:
        raw = read_regular(Path(path), RULES_MAX_BYTES)    # a FIFO or /dev/zero: never read
        if len(raw) > RULES_MAX_BYTES:
            raise RulesError(f"规则文件 {where} 超过 {RULES_MAX_BYTES // 1024} KB，不像是规则文件，请检查路径。")
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise RulesError(f"规则文件 {where} 不存在，请检查路径。") from None
    except NotRegularFile as exc:
        raise RulesError(f"规则文件 {where} 是{exc.kind}，不是文件，请检查路径。") from None
    except IsADirectoryError:
        raise RulesError(f"规则文件 {where} 是文件夹，不是文件，请检查路径。") from None
    except OSError as exc:
        from xlsproc.errors import os_reason
        raise RulesError(f"规则文件 {where} 无法读取（{os_reason(exc)}），请检查路径。") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"规则文件 {where} 不是有效的 TOML：{exc}。请对照默认规则文件修改。") from None
    if isinstance(data.get("severity"), dict):
        # A flag added by a later xlsproc keeps its default severity in an older profile.
        data["severity"] = {**default["severity"], **data["severity"]}
    if isinstance(data.get("qualitative"), dict):
        # A key added by a later xlsproc keeps its default in an older profile.
        data["qualitative"] = {"negation_words": default["qualitative"]["negation_words"],
                               **data["qualitative"]}
    _check_like(default, data, where, "")
    _check_values(data, where)
    return Rules(data)


def _check_like(expected: dict, got: Any, where: str, prefix: str) -> None:
    if not isinstance(got, dict):
        raise RulesError(f"规则文件 {where} 中 {prefix.rstrip('.')} 应为一个表（[节]）。")
    for key, want in expected.items():
        name = f"{prefix}{key}"
        if key not in got:
            raise RulesError(f"规则文件 {where} 缺少键 {name}，请参照默认规则补上。")
        value = got[key]
        if isinstance(want, dict):
            _check_like(want, value, where, name + ".")
        elif not _same_type(want, value):
            raise RulesError(f"规则文件 {where} 中 {name} = {value!r} 类型不对，应为{_type_name(want)}。")
    for key in got:
        if key not in expected:
            raise RulesError(f"规则文件 {where} 中有未知的键 {prefix}{key}，请检查拼写。")


def _same_type(want: Any, value: Any) -> bool:
    if isinstance(want, bool) or isinstance(value, bool):
        return isinstance(want, bool) and isinstance(value, bool)
    if isinstance(want, (int, float)):
        return isinstance(value, (int, float))
    return isinstance(value, type(want))


def _type_name(want: Any) -> str:
    if isinstance(want, (int, float)):
        return "数字"
    if isinstance(want, str):
        return "文字"
    if isinstance(want, list):
        return "列表"
    return type(want).__name__


def _check_values(data: dict, where: str) -> None:
    for code, sev in data["severity"].items():
        if sev not in SEVERITIES:
            raise RulesError(f"规则文件 {where} 中 severity.{code} = {sev!r}，应为 error、warning 或 info。")
    for i, item in enumerate(data["grades"]["thresholds"]):
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                and isinstance(item[1], (int, float))):
            raise RulesError(f"规则文件 {where} 中 grades.thresholds[{i}] 应为 [\"等级\", 最低分]。")
    for key in ("band_met", "band_partial", "band_unmet"):
        band = data["qualitative"][key]
        if len(band) != 2 or not all(isinstance(x, (int, float)) for x in band) or band[0] > band[1]:
            raise RulesError(f"规则文件 {where} 中 qualitative.{key} 应为 [下限, 上限]（权重的比例）。")
