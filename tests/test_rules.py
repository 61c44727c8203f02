"""Rule profiles: the default is the spec; a user's profile changes results; bad ones are named."""
from __future__ import annotations

from pathlib import Path

import pytest

import xlsproc
from builders import Ind, Layout, build, standard_table
from xlsproc.rules import RulesError, load_rules

DEFAULT = Path(xlsproc.__file__).parent / "rules" / "default.toml"


def test_default_profile_holds_the_spec_numbers():
    rules = load_rules()
    assert rules["execution"]["low_rate"] == 0.9
    assert rules["indicators"]["over_completion"] == 1.2
    assert [rules.grade(x) for x in (90, 89.99, 80, 60, 59.99)] == ["优", "良", "良", "中", "差"]


def test_user_profile_changes_the_threshold(tmp_path):
    table = standard_table()
    table.indicators[2] = Ind("产出指标", "质量指标", "活动覆盖社区数", "≥10个", "12个", 10, 10)
    wb = build(table, Layout(), tmp_path / "t.xlsx")
    codes = lambda entry: {f["code"] for f in entry["evaluations"][0]["flags"]}
    assert "over-completion" in codes(xlsproc.check(wb)[0])
    custom = tmp_path / "宽松.toml"
    custom.write_text(DEFAULT.read_text("utf-8").replace("over_completion = 1.2", "over_completion = 1.5"),
                      encoding="utf-8")
    assert "over-completion" not in codes(xlsproc.check(wb, rules=custom)[0])


@pytest.mark.parametrize("edit, key", [
    (("over_completion = 1.2", ""), "indicators.over_completion"),
    (("low_rate = 0.90", 'low_rate = "九成"'), "execution.low_rate"),
    (('fund-rows-sum = "error"', 'fund-rows-sum = "fatal"'), "severity.fund-rows-sum"),
    (("[grades]", "[grades]\nextra = 1"), "grades.extra"),
])
def test_bad_profile_names_the_key(tmp_path, edit, key):
    bad = tmp_path / "bad.toml"
    bad.write_text(DEFAULT.read_text("utf-8").replace(*edit), encoding="utf-8")
    with pytest.raises(RulesError) as exc:
        load_rules(bad)
    assert key in str(exc.value)
    assert str(bad) in str(exc.value)


def test_not_toml_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("这不是 = = toml", encoding="utf-8")
    with pytest.raises(RulesError, match="不是有效的 TOML"):
        load_rules(bad)


def test_a_profile_written_before_a_flag_existed_still_loads(tmp_path):
    """A district's profile from an older xlsproc lacks the severities of newer flags: they keep
    their defaults instead of refusing the whole profile; a misspelt code is still refused."""
    text = DEFAULT.read_text("utf-8")
    older = "\n".join(line for line in text.splitlines()
                      if not line.startswith(("weight-column-missing", "filled-by-xlsproc")))
    custom = tmp_path / "旧规则.toml"
    custom.write_text(older.replace('weights-sum = "error"', 'weights-sum = "warning"'), "utf-8")
    rules = load_rules(custom)
    assert rules.severity("weights-sum") == "warning"
    assert rules.severity("weight-column-missing") == "error"
    typo = older.replace('weights-sum = "error"', 'weights-sum = "error"\nweight-sum = "error"')
    custom.write_text(typo, "utf-8")
    with pytest.raises(RulesError, match="未知的键 severity.weight-sum"):
        load_rules(custom)
