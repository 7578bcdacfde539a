"""The Chinese edition's typography, normalised on the resolved page (after glue and references).

Translators write the words; the spacing between Chinese and Latin letters or digits, and
the width of punctuation, are set here, so a number or link inserted at build time is spaced
like typed text ("表 5 涵盖", not "表5涵盖"); so are the cells of the tables the analyses
paste as HTML. The spacing rules are the maintained ``pangu`` library's; the punctuation rules
(``locales/zh_CN/STYLE.md``) are ours. Code, math, charts and URLs are left alone.
"""

from __future__ import annotations

import html
import re
from difflib import SequenceMatcher

import pangu
from docutils import nodes

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
FULL_WIDTH_PUNCT = "，。；：！？、）》」』】"
ROMAN = "\u2160-\u217f"  # Ⅰ Ⅱ Ⅲ: trial phases, written tight in Chinese ("Ⅰ期", "进入Ⅱ期")

_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
# before pangu (which would space a half-width mark instead): half-width punctuation in
# Chinese text becomes full-width, after a Chinese character or before one ("6 h, 共")
_FULL_WIDTH = [
    re.compile(rf"(?<=[{CJK}])[ ]*([,;:!?])[ ]*(?=[{CJK}\d{{“(（])"),
    re.compile(rf"(?<=[A-Za-z0-9%)\]])[ ]*([,;:!?])[ ]*(?=[{CJK}])"),
]
# after pangu
_TIDY = [
    # no space after full-width punctuation, none before it ("。 然后" -> "。然后")
    (re.compile(rf"(?<=[{FULL_WIDTH_PUNCT}])[ \t]+"), ""),
    (re.compile(rf"[ \t]+(?=[{FULL_WIDTH_PUNCT}])"), ""),
    (re.compile(r"(?<=[（《「『【“])[ \t]+"), ""),
    # Chinese quotation marks are full-width: no space between them and Chinese text
    (re.compile(rf"(?<=[{CJK}])[ \t]+(?=“)|(?<=”)[ \t]+(?=[{CJK}])|[ \t]+(?=”)"), ""),
    # a soft line break between Chinese characters is no space in Chinese
    (re.compile(rf"(?<=[{CJK}{FULL_WIDTH_PUNCT}])\n(?=[{CJK}])"), ""),
    # Roman-numeral phases stay tight to Chinese on either side
    (re.compile(rf"(?<=[{CJK}])[ ]+(?=[{ROMAN}])|(?<=[{ROMAN}])[ ]+(?=[{CJK}])"), ""),
]
_TIGHT_HYPHEN = re.compile(rf"(?<=[{CJK}])-(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])-(?=[{CJK}])")
_HIDDEN_HYPHEN = "\ue0ff"  # private use: neither Chinese nor Latin to pangu
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$|^\S+@\S+\.\S+$", re.I)


def normalise_text(text: str) -> str:
    """``text`` with CJK–Latin spacing (pangu) and the edition's punctuation rules applied."""
    if not re.search(f"[{CJK}]", text):
        return text
    for pattern in _FULL_WIDTH:
        text = pattern.sub(lambda m: _HALF_TO_FULL[m.group(1)], text)
    # a tight hyphen between Chinese and Latin joins one name (血管生成素-2, 2,3-双加氧酶);
    # pangu would read it as a minus and space it, so it is hidden from pangu
    text = _TIGHT_HYPHEN.sub(_HIDDEN_HYPHEN, text)
    text = pangu.space_text(text).replace(_HIDDEN_HYPHEN, "-")
    for pattern, replacement in _TIDY:
        text = pattern.sub(replacement, text)
    return text


_SKIP = (
    nodes.FixedTextElement,  # literal blocks, math blocks, comments
    nodes.literal,
    nodes.math,
    nodes.raw,
    nodes.Invisible,
)


def _skipped(node: nodes.Node) -> bool:
    while node is not None:
        if isinstance(node, _SKIP):
            return True
        if isinstance(node, nodes.Element) and (
            "cell_input" in node.get("classes", []) or "cell_output" in node.get("classes", [])
        ):
            return True
        node = node.parent
    return False


def _depth(node: nodes.Node, block: nodes.Node) -> int:
    depth = 0
    while node is not None and node is not block:
        depth, node = depth + 1, node.parent
    return depth


def normalise_block(block: nodes.Element) -> None:
    """Normalise the running text of one block, across its inline elements.

    The block's text nodes are read as one string (a glued number or a link is its own
    node, so the space it needs lies at a node boundary); the changes are then given back
    node by node, a space at a boundary going to the outer of the two nodes (outside a
    link, not inside its underline).
    """
    texts = [
        t
        for t in block.findall(nodes.Text)
        if not _skipped(t.parent) and not _URL.match(t.astext().strip())
    ]
    if not texts:
        return
    joined = "".join(t.astext() for t in texts)
    result = normalise_text(joined)
    if result == joined:
        return
    owner = [i for i, t in enumerate(texts) for _ in t.astext()]
    pieces = [""] * len(texts)
    matcher = SequenceMatcher(None, joined, result, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for offset in range(i2 - i1):
                pieces[owner[i1 + offset]] += result[j1 + offset]
            continue
        if tag in ("replace", "insert"):
            before = owner[i1 - 1] if i1 > 0 else None
            after = owner[i1] if i1 < len(owner) else None
            if tag == "replace":
                target = owner[i1]
            elif before is None or after is None:
                target = before if after is None else after
            else:  # at a boundary, the node nearer the block (outside a link or a glued value)
                deeper = _depth(texts[after], block) < _depth(texts[before], block)
                target = after if deeper else before
            pieces[target] += result[j1:j2]
        # "delete": the characters are dropped
    for text, piece in zip(texts, pieces, strict=True):
        if piece != text.astext():
            text.parent.replace(text, nodes.Text(piece))


_CJK_END = re.compile(rf"[{CJK}]$")
_CJK_START = re.compile(rf"^[{CJK}]")


def space_around_code(block: nodes.Element) -> None:
    """Inline code is Latin text the spacing pass does not read: a Chinese character touching
    it gets the same space as before any Latin word ("见 data/datapackage.json")."""
    for code in list(block.findall(nodes.literal)):
        parent = code.parent
        if parent is None:
            continue
        at = parent.index(code)
        before = parent[at - 1] if at > 0 else None
        after = parent[at + 1] if at + 1 < len(parent) else None
        if isinstance(before, nodes.Text) and _CJK_END.search(before.astext()):
            parent.replace(before, nodes.Text(before.astext() + " "))
        if isinstance(after, nodes.Text) and _CJK_START.search(after.astext()):
            parent.replace(after, nodes.Text(" " + after.astext()))


def _blocks(doctree: nodes.Node):
    for node in doctree.findall(nodes.TextElement):
        if isinstance(node, _SKIP) or isinstance(node.parent, nodes.TextElement):
            continue
        if not _skipped(node):
            yield node


_TAG = re.compile(r"(<[^>]*>)")


def normalise_html_table(markup: str) -> str:
    """A table the analyses pasted as HTML: the text between its tags, cell by cell."""
    parts = _TAG.split(markup)
    for i in range(0, len(parts), 2):  # even parts are text, odd ones tags
        if re.search(f"[{CJK}]", parts[i]):
            text = normalise_text(html.unescape(parts[i]))
            parts[i] = html.escape(text, quote=False)
    return "".join(parts)


def _normalise_raw_tables(doctree) -> None:
    for raw in list(doctree.findall(nodes.raw)):
        markup = raw.astext()
        if "html" not in raw.get("format", "").split() or "<table" not in markup:
            continue
        if re.search(r"<(script|style|pre|code|math)\b", markup):  # charts and code stay whole
            continue
        new = normalise_html_table(markup)
        if new != markup:
            raw.replace(raw[0], nodes.Text(new))


def normalise_doctree(app, doctree, docname: str) -> None:
    if not (app.config.language or "").startswith("zh"):
        return
    for block in list(_blocks(doctree)):
        normalise_block(block)
        space_around_code(block)
    _normalise_raw_tables(doctree)


def register(app) -> None:
    app.connect("doctree-resolved", normalise_doctree)
