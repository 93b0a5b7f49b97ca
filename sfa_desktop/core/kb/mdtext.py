"""Markdown as plain reading text, for places that cannot show rich text: snippets, the terminal, and the
call sheet's script excerpts and talking points.

This is not a Markdown renderer (the window uses Qt's, see ``ui/kb_view``): it reads the block structure
(headings, paragraphs, list items, quotes, code) line by line and removes inline syntax (emphasis, code
marks, links and images keep their text; raw HTML tags are dropped).  Any text is accepted, broken
Markdown included; nothing here raises on input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?(.*)$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_TABLE_DIVIDER = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_TARGET = r"\((?:[^()]|\([^()]*\))*\)"  # a link target, with one level of parentheses inside
_IMAGE = re.compile(r"!\[([^\]]*)\]" + _TARGET)
_LINK = re.compile(r"\[([^\]]+)\]" + _TARGET)
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")
_CODE = re.compile(r"`+([^`]*)`+")


@dataclass(frozen=True)
class Block:
    """One block of a Markdown text: ``heading`` (with ``level``), ``paragraph``, ``item``, ``quote`` or
    ``code``; ``text`` is plain (inline syntax removed; code is kept as written)."""

    kind: str
    text: str
    level: int = 0


def inline_text(markdown: str) -> str:
    """One line of Markdown as plain text: images and links keep their text, emphasis and code marks and
    HTML tags go (a script or style element goes whole)."""
    text_ = _SCRIPT.sub("", markdown)
    text_ = _IMAGE.sub(lambda m: m.group(1), text_)
    text_ = _LINK.sub(lambda m: m.group(1), text_)
    text_ = _REF_LINK.sub(lambda m: m.group(1), text_)
    text_ = _AUTOLINK.sub(lambda m: m.group(1), text_)
    text_ = _TAG.sub("", text_)
    text_ = _CODE.sub(lambda m: m.group(1), text_)
    for _ in range(3):  # nested emphasis: ***both***
        text_ = _EMPHASIS.sub(lambda m: m.group(2), text_)
    return " ".join(text_.replace("\\", "").split())


def blocks(markdown: str) -> list[Block]:
    """The blocks of a Markdown text, in order.  Lines of one paragraph are joined; an unclosed code
    fence runs to the end (as Markdown readers do)."""
    result: list[Block] = []
    paragraph: list[str] = []
    code: list[str] | None = None

    def end_paragraph() -> None:
        if paragraph:
            joined = inline_text(" ".join(paragraph))
            if joined:
                result.append(Block("paragraph", joined))
            paragraph.clear()

    for line in _SCRIPT.sub("", markdown.replace("\r\n", "\n").replace("\r", "\n")).split("\n"):
        if code is not None:
            if _FENCE.match(line):
                result.append(Block("code", "\n".join(code)))
                code = None
            else:
                code.append(line)
            continue
        if _FENCE.match(line):
            end_paragraph()
            code = []
            continue
        if not line.strip() or _RULE.match(line) or _TABLE_DIVIDER.match(line):
            end_paragraph()
            continue
        heading = _HEADING.match(line)
        bullet = _BULLET.match(line)
        quote = _QUOTE.match(line)
        if heading:
            end_paragraph()
            result.append(Block("heading", inline_text(heading.group(2)), len(heading.group(1))))
        elif bullet:
            end_paragraph()
            item = inline_text(bullet.group(1))
            if item:
                result.append(Block("item", item))
        elif quote:
            end_paragraph()
            said = inline_text(quote.group(1))
            if said:
                result.append(Block("quote", said))
        elif line.lstrip().startswith("|"):
            end_paragraph()
            cells = [inline_text(c) for c in line.strip().strip("|").split("|")]
            row = " · ".join(c for c in cells if c)
            if row:
                result.append(Block("paragraph", row))
        else:
            paragraph.append(line.strip())
    end_paragraph()
    if code and "".join(code).strip():
        result.append(Block("code", "\n".join(code).rstrip("\n")))
    return result


def plain_text(markdown: str) -> str:
    """The whole text as plain paragraphs separated by blank lines; list items start with a bullet."""
    parts = []
    for block in blocks(markdown):
        parts.append(f"• {block.text}" if block.kind == "item" else block.text)
    return "\n\n".join(parts)


def excerpt(markdown: str, limit: int = 400) -> list[Block]:
    """The first blocks of a text, up to about ``limit`` characters; the last one cut at a word and
    ended with an ellipsis when the text goes on."""
    chosen: list[Block] = []
    used = 0
    for block in blocks(markdown):
        if used >= limit:
            break
        room = limit - used
        if len(block.text) > room:
            cut = block.text[:room].rsplit(" ", 1)[0] if " " in block.text[:room] else block.text[:room]
            chosen.append(Block(block.kind, cut.rstrip(" ,;:") + "…", block.level))
            break
        chosen.append(block)
        used += len(block.text)
    return chosen


_POINT_HEADINGS = ("talking point", "key point", "say this", "key message", "what to say", "in short")


def key_points(markdown: str, count: int = 3) -> list[str]:
    """Up to ``count`` talking points of an article: the items under a heading such as "Talking points"
    or "Key points"; else its first list items; else the sentences of its first paragraph."""
    found = blocks(markdown)
    for number, block in enumerate(found):
        if block.kind == "heading" and any(h in block.text.lower() for h in _POINT_HEADINGS):
            items = []
            for after in found[number + 1 :]:
                if after.kind == "heading":
                    break
                if after.kind in ("item", "paragraph", "quote"):
                    items.append(after.text)
            if items:
                return items[:count]
    items = [b.text for b in found if b.kind == "item"]
    if items:
        return items[:count]
    for block in found:
        if block.kind == "paragraph":
            sentences = re.split(r"(?<=[.!?])\s+", block.text)
            return [s for s in sentences if s][:count]
    return []
