"""An editor's message as an item: its headline, and its text as HTML with the formatting
kept; whether the item it makes still fits in one message."""

from __future__ import annotations

import html

from aiogram.types import Message
from aiogram.utils.text_decorations import HtmlDecoration

from domain.formatting import MESSAGE_LIMIT, TITLE_LIMIT, trim, utf16_len

# Room for the parts of a subscriber's message around the editor's text (mark, time, hashtag).
_FRAME = 200


def draft(message: Message) -> tuple[str, str] | None:
    """(headline, body HTML) from an editor's message, or None when it has no usable text."""
    text = message.text or ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    # Telegram's entities (bold, links…) become HTML; the text between them is escaped.
    return trim(lines[0], TITLE_LIMIT), _HTML.unparse(text, message.entities)


class _EscapingHtml(HtmlDecoration):
    """aiogram's HTML, with the attributes escaped too: a link's "&" or a crafted '"' in a
    URL or a code block's language would otherwise break the HTML (aiogram leaves them)."""

    def link(self, value: str, link: str) -> str:
        return super().link(value, html.escape(link))

    def pre_language(self, value: str, language: str) -> str:
        return super().pre_language(value, html.escape(language))


_HTML = _EscapingHtml()


def too_long(preview: str) -> bool:
    return utf16_len(preview) > MESSAGE_LIMIT - _FRAME
