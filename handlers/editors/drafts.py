"""An editor's message as an item: its headline, and its text as HTML with the formatting
kept (a photo's caption is its text); whether the item it makes still fits in one message, or
in a photo's caption."""

from __future__ import annotations

import html
from collections.abc import Iterable

from aiogram.types import Message
from aiogram.utils.i18n import ngettext
from aiogram.utils.text_decorations import HtmlDecoration

from domain.fitting import CAPTION_LIMIT, plain_length
from domain.formatting import MESSAGE_LIMIT, TITLE_LIMIT, trim, utf16_len

# Room for the parts of a subscriber's message around the editor's text (mark, time, hashtag).
_FRAME = 200


def draft(message: Message) -> tuple[str, str] | None:
    """(headline, body HTML) from an editor's message (or a photo's caption), or None when it
    has no usable text."""
    text = message.text or message.caption or ""
    entities = message.entities if message.text is not None else message.caption_entities
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    # Telegram's entities (bold, links…) become HTML; the text between them is escaped.
    return trim(lines[0], TITLE_LIMIT), _HTML.unparse(text, entities)


def photo_of(message: Message) -> str | None:
    """The file id of the message's photo (its largest size), if it is one."""
    return message.photo[-1].file_id if message.photo else None


def caption_problem(texts: Iterable[str]) -> str | None:
    """What is wrong with these texts (the item in each language) as a photo's caption:
    None when every one fits."""
    longest = max((plain_length(text) for text in texts), default=0)
    if longest <= CAPTION_LIMIT:
        return None
    return ngettext(
        "A photo's caption may be 1,024 characters long at most, and this one would have "
        "{count} character. Shorten the text, or send it without the photo.",
        "A photo's caption may be 1,024 characters long at most, and this one would have "
        "{count} characters. Shorten the text, or send it without the photo.",
        longest,
    ).format(count=f"{longest:,}".replace(",", "\u00a0"))


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
