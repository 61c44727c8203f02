"""How wide a text prints, in character units: the one measure of width for every sheet we
write (the 审核结果 and 自评报告 sheets, row heights of new sheets, the district workbook's
columns). East Asian wide and full-width characters count 2, everything else 1.
"""
from __future__ import annotations

import functools
import math
import re

# East Asian wide (W) and full-width (F) characters (Unicode's EastAsianWidth) as ranges — exact for
# CJK, kana, hangul and full-width forms; a few emoji and enclosed signs counted wide: row heights
# err on the tall side. One regular-expression pass counts them (a unicodedata call per character
# cost ~1 ms per copy): it removes runs of wide characters, which costs far less per character
# than finding each one.
_WIDE = re.compile("[\u1100-\u115f\u231a\u231b\u2329\u232a\u23e9-\u23ec\u23f0\u23f3"
                   "\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693\u26a1\u26aa\u26ab"
                   "\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5\u26fa"
                   "\u26fd\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757"
                   "\u2795-\u2797\u27b0\u27bf\u2b1b\u2b1c\u2b50\u2b55\u2e80-\u303e"
                   "\u3041-\u33ff\u3400-\u4dbf\u4e00-\ua4cf\ua960-\ua97f\uac00-\ud7a3"
                   "\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6"
                   "\U00016fe0-\U0001b2ff\U0001f004\U0001f0cf\U0001f18e\U0001f191-\U0001f19a"
                   "\U0001f200-\U0001f64f\U0001f680-\U0001f6ff\U0001f900-\U0001f9ff"
                   "\U00020000-\U0003fffd]+")


# Texts are measured once per process up to this many characters (a paragraph is measured when
# split and again when fitted; 审核结果's texts repeat from copy to copy): the memos hold their
# texts, and a workbook's cells may hold 32,767 characters each (8,192 of those held ~0.5 GB in
# a long serve or watch worker). A longer text is measured again, at a cost in proportion.
MEMO_CHARS = 2000


def memo_short_texts(maxsize: int, max_chars: int = MEMO_CHARS):
    """f(text, *rest) remembered per process for texts up to max_chars (see MEMO_CHARS); a
    longer text is computed again."""
    def wrap(f):
        memo = functools.lru_cache(maxsize=maxsize)(f)

        @functools.wraps(f)
        def call(text: str, *rest):
            return (memo if len(text) <= max_chars else f)(text, *rest)
        call.cache_info, call.cache_clear = memo.cache_info, memo.cache_clear
        return call
    return wrap


@memo_short_texts(4096)
def text_width(text: str) -> int:
    """Width in character units: East Asian wide and full-width characters count 2."""
    if text.isascii():
        return len(text)
    return 2 * len(text) - len(_WIDE.sub("", text))


def wrapped_lines(text: str, per_line: float) -> int:
    """Lines a text takes wrapped at per_line units (at least 1 a paragraph)."""
    if "\n" not in text:                 # (most texts: one paragraph)
        if 2 * len(text) <= per_line:       # at most 2 units a character: one line
            return 1
        return max(1, math.ceil(text_width(text) / per_line))
    return sum(max(1, math.ceil(text_width(part) / per_line)) for part in text.split("\n"))
