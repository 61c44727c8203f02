"""XML string helpers: the tag scanner, attribute reading and writing, escaping, element
spans and schema-ordered insertion (no re-serialisation), and the by-content memo of parses.
"""
from __future__ import annotations

import functools
import html
import re


# ---------------------------------------------------------------------------
# Small XML string helpers (no re-serialisation)

# Attribute text up to the tag's closing '>' or '/>' (quoted values may hold '>' or '/>').
# Possessive: it never backtracks, so it is fast and cannot blow up on broken markup.
_Q = r"""(?:[^>"'/]++|/(?!>)|"[^"]*+"|'[^']*+')*+"""
_TAG = re.compile(
    r"<(/?)([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)(" + _Q + r")(/?)>"
    r"|<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>",
    re.S,
)
_BAD_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE_LOOKALIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_NEEDS_X_ESCAPE = re.compile("_x|[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(text: str) -> str:
    """Escape element text; Excel's _xHHHH_ escapes for characters XML can't hold."""
    if "&" not in text and "<" not in text and ">" not in text and "_x" not in text \
            and (text.isprintable() or text.lstrip("\u3000").isprintable()):
        return text     # nothing to escape (printable but for the full-width spaces that indent
                        # a paragraph): told without searching the text, ten times cheaper
    return _esc_text(_x_escape(text))


def _x_escape(text: str) -> str:
    """Excel's _xHHHH_ escapes for characters XML cannot hold (and for a literal '_xHHHH_')."""
    if ("_x" in text or not text.isprintable()) and _NEEDS_X_ESCAPE.search(text):
        text = _ESCAPE_LOOKALIKE.sub(r"_x005F_\1", text)
        text = _BAD_XML_CHARS.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text


def _esc_text(text: str) -> str:
    """Escape text for an element's content (formulas, and text already _x_escape'd)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unescape(text: str) -> str:
    """Text or an attribute value as an XML parser reads it (entities, character references)."""
    return html.unescape(text) if "&" in text else text


@functools.lru_cache(maxsize=4096)
def _esc_attr(text: str) -> str:
    text = _BAD_XML_CHARS.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


@functools.lru_cache(maxsize=256)
def _attr_re(name: str) -> re.Pattern:
    return re.compile(r"\s" + re.escape(name) + r"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@functools.lru_cache(maxsize=256)
def _set_attr_re(name: str) -> re.Pattern:
    return re.compile(r"(\s" + re.escape(name) + r"""\s*=\s*)("[^"]*"|'[^']*')""")


_R_ATTR = _attr_re("r")


def _attr_value(m: re.Match | None) -> str | None:
    """The unescaped value of an attribute match (double- or single-quoted)."""
    if not m:
        return None
    value = m.group(1)
    if value is None:
        value = m.group(2)
    return _unescape(value)


def _attr_r(tag: str) -> str | None:
    """_attr(tag, "r"), with its pattern compiled once (the hottest attribute)."""
    return _attr_value(_R_ATTR.search(tag))


def _attr(tag: str, name: str) -> str | None:
    return _attr_value(_attr_re(name).search(tag))


_ATTRS_RE = re.compile(r"""\s([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attrs(tag: str) -> dict[str, str]:
    """All attributes of an opening tag (as _attr reads them, in one pass)."""
    out: dict[str, str] = {}
    for name, double, single in _ATTRS_RE.findall(tag):
        if name not in out:
            value = double or single
            out[name] = _unescape(value)
    return out


def _set_attr(tag: str, name: str, value: str) -> str:
    """Set an attribute in an opening tag ('<c r="A1">' or '<c r="A1"/>')."""
    new = f'"{value}"' if value.isalnum() else f'"{_esc_attr(value)}"'
    m = _set_attr_re(name).search(tag)
    if m:
        return tag[:m.start(2)] + new + tag[m.end(2):]
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f"{tag[:end].rstrip()} {name}={new}{tag[end:]}"


@functools.lru_cache(maxsize=16)
def _root_re(root: str) -> re.Pattern:
    return re.compile(r"<([A-Za-z_][\w.\-]*:)?" + root + r"[\s>/]")


def _prefix(xml: str, root: str) -> str:
    """The namespace prefix ('' or 'x:') the document uses for its root element."""
    m = _root_re(root).search(xml)
    if not m:
        raise ValueError(f"XML 中找不到根元素 <{root}>")
    return m.group(1) or ""


@functools.lru_cache(maxsize=64)
def _ns_prefix_re(uri: str) -> re.Pattern:
    return re.compile(r'xmlns:([\w.\-]+)\s*=\s*["\']' + re.escape(uri) + r'["\']')


def _ns_prefix(xml: str, uri: str) -> str | None:
    m = _ns_prefix_re(uri).search(xml)
    return m.group(1) if m else None


@functools.lru_cache(maxsize=256)
def _open_tag_re(p: str, local: str) -> re.Pattern:
    return re.compile(rf"<{p}{local}(?=[\s/>]){_Q}(/?)>", re.S)


def _open_tag(xml: str, p: str, local: str, start: int = 0) -> re.Match | None:
    return _open_tag_re(p, local).search(xml, start)


def _element_span(xml: str, p: str, local: str, start: int = 0) -> tuple[int, int, int, int] | None:
    """(start, content_start, content_end, end) of the first <p:local> element, or None."""
    m = _open_tag(xml, p, local, start)
    if not m:
        return None
    if m.group(1):
        return m.start(), m.end(), m.end(), m.end()
    close = f"</{p}{local}>"
    end = xml.index(close, m.end())
    return m.start(), m.end(), end, end + len(close)


def _children(xml: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """Top-level elements in xml[start:end] as (local name, start, end)."""
    out, depth, cur = [], 0, None
    for m in _TAG.finditer(xml, start, end):
        closing, name, _, selfclose = m.groups()
        if name is None:
            continue
        if closing:
            depth -= 1
            if depth == 0:
                out.append((cur[0], cur[1], m.end()))
        elif depth == 0:
            local = name.rsplit(":", 1)[-1]
            if selfclose:
                out.append((local, m.start(), m.end()))
            else:
                cur, depth = (local, m.start()), 1
        elif not selfclose:
            depth += 1
    return out


def _order_name(xml: str, local: str, start: int, end: int, order: list[str]) -> str:
    """For mc:AlternateContent the order is that of the first known element inside."""
    if local != "AlternateContent":
        return local
    for m in _TAG.finditer(xml, start + 1, end):
        if m.group(2) and m.group(2).rsplit(":", 1)[-1] in order:
            return m.group(2).rsplit(":", 1)[-1]
    return local


def _insert_in_order(xml: str, start: int, end: int, order: list[str], local: str, element: str,
                     p: str | None = None) -> str:
    """Insert element among the children in xml[start:end] at the place the schema wants."""
    later = set(order[order.index(local) + 1:])
    region = xml[start:end] if p is not None else ""
    if p is not None and not any(word in region for word in _NESTING) and not _foreign_re(p).search(region):
        # All elements carry the root's prefix, and each of these names occurs only as a
        # child of the root (those that can be nested deeper sit inside extLst /
        # mc:AlternateContent / customSheetView): the first one found is the first later child.
        m = _later_re(p, tuple(sorted(later - {"extLst"}))).search(xml, start, end)
        at = m.start() if m else end
        return xml[:at] + element + xml[at:]
    for name, s, e in _children(xml, start, end):
        if _order_name(xml, name, s, e, order) in later:
            return xml[:s] + element + xml[s:]
    return xml[:end] + element + xml[end:]


_NESTING = ("AlternateContent", "extLst", "customSheetView", "<!", "<?")


@functools.lru_cache(maxsize=16)
def _foreign_re(p: str) -> re.Pattern:
    """A tag with another prefix than p."""
    if not p:
        return re.compile(r"</?[A-Za-z_][\w.\-]*:")
    return re.compile(r"</?(?!" + re.escape(p) + r")[A-Za-z_]")


@functools.lru_cache(maxsize=64)
def _later_re(p: str, names: tuple[str, ...]) -> re.Pattern:
    return re.compile("<" + re.escape(p) + "(?:" + "|".join(map(re.escape, names)) + r")(?=[\s/>])")


def _root_content(xml: str, p: str, root: str) -> tuple[int, int]:
    """(content start, content end) of the root element."""
    m = _open_tag(xml, p, root)
    return m.end(), xml.rindex(f"</{p}{root}>")


def _ensure_ns(xml: str, root: str, prefix: str, uri: str) -> tuple[str, str]:
    """Make sure the root declares uri; returns (xml, prefix actually bound to it)."""
    m = _open_tag(xml, _prefix(xml, root), root)
    tag = m.group(0)
    bound = _ns_prefix(tag, uri)  # only a declaration on the root is in scope everywhere
    if bound:
        return xml, bound
    cut = len(tag) - (2 if tag.endswith("/>") else 1)
    return xml[:m.start()] + f'{tag[:cut]} xmlns:{prefix}="{uri}"{tag[cut:]}' + xml[m.end():], prefix


def _plain_text(fragment: str) -> str:
    return _unescape(re.sub(r"<[^>]*>", "", fragment))


def _by_content(func):
    """Memoise func(*texts), a pure parse of part names and texts (str or bytes), for texts up
    to _MEMO_LIMIT characters in all.  Workbooks made from one template share relationship,
    content-type, workbook and style parts (and often a sheet's merged ranges), so a batch
    parses each distinct one once.  The result is shared: callers copy what they change."""
    cached = functools.lru_cache(maxsize=64)(func)

    @functools.wraps(func)
    def parse(*args: str | bytes):
        return cached(*args) if sum(map(len, args)) <= _MEMO_LIMIT else func(*args)

    parse.cache_clear = cached.cache_clear
    return parse


_MEMO_LIMIT = 1 << 14


# ---------------------------------------------------------------------------
# Plain XML: what string searches read exactly as an XML parser does


@functools.lru_cache(maxsize=16)
def _plain_res(kind: type, root: str) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    def pattern(text: str) -> re.Pattern:
        return re.compile(text.encode() if kind is bytes else text)

    return (pattern(r"<([A-Za-z_][\w.\-]*:)?" + root + r"(?=[\s/>])" + _Q + ">"),
            pattern(r"""\sxmlns(?::([\w.\-]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')"""),
            pattern(r"<[!?]"))


def _plain_prefix(xml: str | bytes, root: str) -> str | bytes | None:
    """The prefix ('' or 'x:', bytes for bytes) of the document's elements when string
    searches for elements with that prefix read it exactly; None otherwise.  Exactly: the root's
    namespace is declared once, on the root, for the root's own prefix — so no other prefix is
    bound to it and there are no <x:c> among the <c> — and after the root's opening tag there
    are no comments, CDATA sections or processing instructions (whose text may look like
    elements).  Attribute quoting, spacing and references are left to _attr / _attrs."""
    root_re, xmlns_re, decl_re = _plain_res(type(xml), root)
    found = root_re.search(xml, 0, 8192)
    if found is None:
        return None
    prefix = found.group(1)
    want = prefix[:-1] if prefix else None
    main = None
    for m in xmlns_re.finditer(found.group(0)):
        if m.group(1) == want:
            main = m.group(2) if m.group(2) is not None else m.group(3)
    if not main or xml.count(main) != 1:
        return None
    end = found.end()
    bang, query = ("!", "?") if isinstance(xml, str) else (b"!", b"?")
    # '!' and '?' are rare in sheet XML: looking for them first is far faster than for '<!'.
    if (xml.find(bang, end) >= 0 or xml.find(query, end) >= 0) and decl_re.search(xml, end) is not None:
        return None
    return prefix or xml[:0]
