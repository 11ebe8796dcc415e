"""Telegram's HTML parse mode, strictly: plain text and entities, or the error Telegram gives.

The rules follow the Bot API's "HTML style" (the parser of TDLib): the supported tags only,
properly nested and closed, attribute values quoted or name tokens. One deliberate difference:
Telegram keeps a stray `&` as text, this parser rejects it, so that text which was not escaped
with `html.escape` fails in tests instead of slipping through by luck.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Entity", "HTMLParseError", "parse_telegram_html", "parse_with_entities", "utf16_len"]

_PREFIX = "can't parse entities: "

# Tag name -> the MessageEntity type it produces.
_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_BAD_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#[0-9]{1,8}|#[xX][0-9A-Fa-f]{1,8});)")
_SPACES = " \t\n\r\v\f"
_TAG_NAME = re.compile(r"[^ \t\n\r\v\f>]*")
_ATTR_NAME = re.compile(r"[^ \t\n\r\v\f=>]*")
_SKIP_SPACES = re.compile(r"[ \t\n\r\v\f]*")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_ENTITY = re.compile(r"&(?:([A-Za-z]+)|#([0-9]{1,8})|#[xX]([0-9A-Fa-f]{1,8}));")


class HTMLParseError(ValueError):
    """Text Telegram would refuse; `description` is Telegram's text after "Bad Request: "."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(slots=True)
class Entity:
    """A formatting entity over the plain text, in Python string indices (not UTF-16)."""

    type: str
    start: int
    end: int
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Open:
    tag: str
    type: str
    start: int
    extra: dict[str, str]


def utf16_len(s: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    if s.isascii():
        return len(s)
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def _match_end(pattern: re.Pattern[str], text: str, i: int) -> int:
    """Where a match of `pattern` (which may be empty) at text[i] ends."""
    match = pattern.match(text, i)
    return i if match is None else match.end()


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _at(text: str, index: int) -> str:
    return f"at byte offset {_byte_offset(text, index)}"


def _error(message: str) -> HTMLParseError:
    return HTMLParseError(_PREFIX + message)


def _decode_entity(text: str, i: int) -> tuple[str, int]:
    """The character of the entity at text[i] == "&" and the index after it."""
    match = _ENTITY.match(text, i)
    if match is not None:
        name, decimal, hexadecimal = match.groups()
        if name is not None:
            char = _NAMED_ENTITIES.get(name)
            if char is not None:
                return char, match.end()
            raise _error(f'Unsupported HTML entity "{match.group()}" {_at(text, i)}')
        code = int(decimal) if decimal is not None else int(hexadecimal, 16)
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), match.end()
        raise _error(f"Invalid character reference {_at(text, i)}")
    raise _error(f"Can't find end of the entity starting {_at(text, i)}")


def _decode_value(text: str, start: int, end: int) -> str:
    """An attribute value text[start:end] with its entities decoded."""
    value = text[start:end]
    if "&" not in value:
        return value
    parts: list[str] = []
    pos = start
    while True:
        amp = text.find("&", pos, end)
        if amp < 0:
            parts.append(text[pos:end])
            return "".join(parts)
        parts.append(text[pos:amp])
        char, pos = _decode_entity(text, amp)
        parts.append(char)


def _parse_attributes(text: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Attributes of the start tag `tag` from text[i]; returns them and the index of ">"."""
    n = len(text)
    attributes: dict[str, str] = {}
    while True:
        i = _match_end(_SKIP_SPACES, text, i)
        if i >= n:
            raise _error(f"Unclosed start tag {_at(text, begin)}")
        if text[i] == ">":
            return attributes, i
        name_end = _match_end(_ATTR_NAME, text, i)
        name = text[i:name_end].lower()
        if not name:
            raise _error(f'Empty attribute name in the tag "{tag}" {_at(text, begin)}')
        i = _match_end(_SKIP_SPACES, text, name_end)
        if i >= n:
            raise _error(f"Unclosed start tag {_at(text, begin)}")
        if text[i] != "=":
            if tag == "blockquote" and name == "expandable":
                attributes[name] = ""
                continue
            raise _error(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag}" {_at(text, begin)}'
            )
        i = _match_end(_SKIP_SPACES, text, i + 1)
        if i >= n:
            raise _error(f"Unclosed start tag {_at(text, begin)}")
        quote = text[i]
        if quote in "\"'":
            close = text.find(quote, i + 1)
            if close < 0:
                raise _error(f"Unclosed start tag {_at(text, begin)}")
            value = _decode_value(text, i + 1, close)
            i = close + 1
        else:
            token_end = _match_end(_NAME_TOKEN, text, i)
            if token_end >= n or (text[token_end] not in _SPACES and text[token_end] != ">"):
                raise _error(f"Unexpected end of name token {_at(text, i)}")
            value = text[i:token_end].lower()
            i = token_end
        attributes[name] = value


def _open_tag(tag: str, attributes: dict[str, str], start: int, text: str, begin: int) -> _Open:
    """The entity a start tag opens at plain-text index `start` (the tag is at text[begin])."""
    extra: dict[str, str] = {}
    kind = _TAGS[tag]
    if tag == "span" and attributes.get("class") != "tg-spoiler":
        raise _error(f'Tag "span" must have class "tg-spoiler" {_at(text, begin)}')
    if tag == "a":
        href = attributes.get("href", "")
        if not href:
            raise _error(f'Tag "a" must have attribute "href" {_at(text, begin)}')
        extra["url"] = href
    elif tag == "code":
        language = attributes.get("class", "")
        if language.startswith("language-") and len(language) > len("language-"):
            extra["language"] = language[len("language-") :]
    elif tag == "blockquote" and "expandable" in attributes:
        kind = "expandable_blockquote"
    elif tag == "tg-emoji":
        emoji_id = attributes.get("emoji-id", "")
        if not emoji_id.isdigit():
            raise _error(f"Invalid custom emoji identifier specified {_at(text, begin)}")
        extra["custom_emoji_id"] = emoji_id
    return _Open(tag, kind, start, extra)


def _decode_text(text: str, start: int, end: int) -> str:
    """Text between tags, text[start:end], with its entities decoded."""
    chunk = text[start:end]
    if "&" not in chunk:
        return chunk
    if "&#" not in chunk and _BAD_AMPERSAND.search(text, start, end) is None:
        # Every "&" starts a named entity: replacing them in turn ("&amp;" last) is exact.
        return (
            chunk.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", '"')
            .replace("&amp;", "&")
        )
    return _decode_value(text, start, end)


def parse_with_entities(text: str) -> tuple[str, list[Entity]]:
    """Plain text and entities (Python indices) of Telegram HTML, or HTMLParseError."""
    out: list[str] = []
    length = 0  # len("".join(out)), kept as we go
    stack: list[_Open] = []
    entities: list[Entity] = []
    n = len(text)
    pos = 0
    while True:
        i = text.find("<", pos)
        chunk = _decode_text(text, pos, n if i < 0 else i)
        out.append(chunk)
        length += len(chunk)
        if i < 0:
            break
        if i + 1 < n and text[i + 1] == "/":
            name_end = _match_end(_TAG_NAME, text, i + 2)
            name = text[i + 2 : name_end].lower()
            close = _match_end(_SKIP_SPACES, text, name_end)
            if close >= n or text[close] != ">":
                raise _error(f"Unclosed end tag {_at(text, i)}")
            if not stack:
                raise _error(f"Unexpected end tag {_at(text, i)}")
            opened = stack.pop()
            if name and name != opened.tag:
                raise _error(
                    f"Unmatched end tag {_at(text, i)}, "
                    f'expected "</{opened.tag}>", found "</{name}>"'
                )
            _close(opened, stack, entities, length)
            pos = close + 1
            continue
        name_end = _match_end(_TAG_NAME, text, i + 1)
        if name_end >= n:
            raise _error(f"Unclosed start tag {_at(text, i)}")
        tag = text[i + 1 : name_end].lower()
        if tag not in _TAGS:
            raise _error(f'Unsupported start tag "{tag}" {_at(text, i)}')
        attributes, close = _parse_attributes(text, name_end, tag, i)
        stack.append(_open_tag(tag, attributes, length, text, i))
        pos = close + 1
    if stack:
        raise _error(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e.start, -e.end))
    return "".join(out), entities


def _close(opened: _Open, stack: list[_Open], entities: list[Entity], end: int) -> None:
    if opened.type == "code" and stack and stack[-1].type == "pre":
        # <pre><code class="language-x">: one pre entity with a language.
        if "language" in opened.extra:
            stack[-1].extra.setdefault("language", opened.extra["language"])
        return
    if end > opened.start:
        entities.append(Entity(opened.type, opened.start, end, opened.extra))


def parse_telegram_html(text: str) -> str:
    """The plain text Telegram shows for `text` in HTML parse mode, or HTMLParseError."""
    if "<" not in text and "&" not in text:
        return text
    return parse_with_entities(text)[0]
