"""Stage 3 — results out: results-json entries, the annotated copy, the 自评报告, templates."""


def profile_label(name: str) -> str:
    """A rule profile as the officer reads it: 默认规则, or 规则“某区2025”."""
    return "默认规则" if name == "default" else f"规则“{name}”"
