"""Texts that fit Telegram's limits on size: split into messages, or cut with "…".

Telegram refuses a message text over 4,096 characters and a caption over 1,024, counted in
UTF-16 code units of the text as the reader sees it: after HTML parsing, so tags cost nothing
and `&amp;` costs one. `split_text` breaks a text into parts that each fit, at a line boundary
where it can (else at a space, else anywhere), and `cut_text` keeps what fits of it and ends it
with "…". Both know Telegram's HTML: they never cut inside a tag or an entity, and close the
tags open at a cut (a split reopens them at the start of the next part, so a bold paragraph
stays bold across messages).

A pure module: no aiogram, no I/O. `infra.fitting_middleware` applies it to everything the bot
sends; callers that want their own message boundaries may call it themselves.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from dataclasses import dataclass

__all__ = ["CAPTION_LIMIT", "ELLIPSIS", "TEXT_LIMIT", "cut_text", "plain_length", "split_text"]

TEXT_LIMIT = 4096  # a message's text
CAPTION_LIMIT = 1024  # a document's or a photo's caption
ELLIPSIS = "…"

# A tag (start or end) or an entity of Telegram's HTML; everything else is text.
_MARKUP = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:[\s/][^>]*)?>"
    r"|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]{1,8}|#[xX][0-9A-Fa-f]{1,8});"
)
# A start tag immediately closed: what a cut right after it leaves behind.
_EMPTY_PAIR = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)(?:\s[^>]*)?></\1\s*>")


@dataclass(frozen=True, slots=True)
class _Tag:
    raw: str
    name: str
    closing: bool


# One piece of the text: a tag, or one character as written (a letter, or an entity).
_Atom = _Tag | str


def _units(char: str) -> int:
    """UTF-16 code units of one character (two outside the Basic Multilingual Plane)."""
    return 2 if ord(char) > 0xFFFF else 1


def _utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _atoms(text: str, is_html: bool) -> tuple[list[_Atom], str]:
    """The text as tags and written characters, and the plain text the reader sees."""
    if not is_html:
        return list(text), text
    atoms: list[_Atom] = []
    plain: list[str] = []
    position = 0
    for match in _MARKUP.finditer(text):
        chunk = text[position : match.start()]
        atoms.extend(chunk)
        plain.append(chunk)
        raw = match.group()
        if raw.startswith("<"):
            atoms.append(_Tag(raw, match.group(2).lower(), bool(match.group(1))))
        else:
            decoded = html.unescape(raw)
            if len(decoded) == 1:
                atoms.append(raw)
                plain.append(decoded)
            else:  # not an entity Telegram knows: it is refused anyway; count it as written
                atoms.extend(raw)
                plain.append(raw)
        position = match.end()
    chunk = text[position:]
    atoms.extend(chunk)
    plain.append(chunk)
    return atoms, "".join(plain)


def plain_length(text: str, *, is_html: bool = True) -> int:
    """The length Telegram measures: UTF-16 code units of the text after HTML parsing."""
    if not is_html or ("<" not in text and "&" not in text):
        return _utf16_len(text)
    return _utf16_len(_atoms(text, is_html)[1])


def _prefix_units(plain: str) -> list[int]:
    prefix = [0]
    total = 0
    for char in plain:
        total += _units(char)
        prefix.append(total)
    return prefix


def _cut_points(plain: str, limit: int) -> list[tuple[int, bool]]:
    """Where to cut `plain` into parts of at most `limit` units: (index, drop), the part
    ending before plain[index], and plain[index] (a newline or a space) dropped or not."""
    prefix = _prefix_units(plain)
    cuts: list[tuple[int, bool]] = []
    start = 0
    while prefix[-1] - prefix[start] > limit:
        # The longest run from `start` that fits: plain[start:end].
        end = max(start + 1, bisect_right(prefix, prefix[start] + limit) - 1)
        newline = plain.rfind("\n", start + 1, end + 1)
        space = plain.rfind(" ", start + 1 + (end - start) // 2, end + 1)
        if newline > start:
            cuts.append((newline, True))
            start = newline + 1
        elif space > start:
            cuts.append((space, True))
            start = space + 1
        else:
            cuts.append((end, False))
            start = end
    return cuts


def _close(stack: list[_Tag]) -> str:
    return "".join(f"</{tag.name}>" for tag in reversed(stack))


def _render(atoms: list[_Atom], cuts: list[tuple[int, bool]], *, ellipsis: bool) -> list[str]:
    """The parts between `cuts`, each with its open tags closed and reopened after it; with
    `ellipsis`, only the first part, ending in "…"."""
    cut_at = dict(cuts)
    parts: list[str] = []
    current: list[str] = []
    stack: list[_Tag] = []
    index = 0  # of the next character of the plain text
    for atom in atoms:
        if isinstance(atom, _Tag):
            current.append(atom.raw)
            if not atom.closing:
                stack.append(atom)
            elif stack and stack[-1].name == atom.name:
                stack.pop()
            else:  # mismatched: Telegram refuses it whole; keep the stack as sane as we can
                for depth in range(len(stack) - 1, -1, -1):
                    if stack[depth].name == atom.name:
                        del stack[depth:]
                        break
            continue
        if index in cut_at:
            if ellipsis:
                current.append(ELLIPSIS)
            parts.append("".join(current) + _close(stack))
            if ellipsis:
                return [_tidy(parts[0])]
            current = [tag.raw for tag in stack]
            if cut_at[index]:
                index += 1
                continue
        current.append(atom)
        index += 1
    parts.append("".join(current))
    return [_tidy(part) for part in parts]


def _tidy(part: str) -> str:
    """Without the empty pairs of tags a cut next to a tag leaves."""
    while True:
        tidied = _EMPTY_PAIR.sub("", part)
        if tidied == part:
            return part
        part = tidied


def split_text(text: str, limit: int = TEXT_LIMIT, *, is_html: bool = True) -> list[str]:
    """`text` as parts that each fit in `limit` (in Telegram's measure), in order.

    Cut at the last line break that fits, else at a space in the second half of a part, else
    where the limit falls; the line break or space cut at is dropped, and parts that would show
    nothing but spaces are left out. A text that fits is returned as it is, alone.
    """
    if _utf16_len(text) <= limit:  # tags and entities only add: the written length bounds it
        return [text]
    atoms, plain = _atoms(text, is_html)
    cuts = _cut_points(plain, limit)
    if not cuts:
        return [text]
    parts = _render(atoms, cuts, ellipsis=False)
    visible = [part for part in parts if _atoms(part, is_html)[1].strip()]
    return visible or parts[:1]


def cut_text(text: str, limit: int = TEXT_LIMIT, *, is_html: bool = True) -> str:
    """`text` cut to fit in `limit` (in Telegram's measure), ending in "…" when it was cut.

    Cut at the last space or line break in the second half of what fits, else where the limit
    falls.
    """
    if _utf16_len(text) <= limit:
        return text
    atoms, plain = _atoms(text, is_html)
    budget = limit - _utf16_len(ELLIPSIS)
    prefix = _prefix_units(plain)
    if prefix[-1] <= limit:
        return text
    end = bisect_right(prefix, budget) - 1
    boundary = max(plain.rfind(" ", end // 2, end + 1), plain.rfind("\n", end // 2, end + 1))
    cut = (boundary, True) if boundary > 0 else (end, False)
    return _render(atoms, [cut], ellipsis=True)[0]
