"""HTML for Telegram: items, lists of items, and answers that fit in one message.

Everything from outside (titles, summaries, names, URLs) is escaped here, once.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _

from domain.fitting import cut_text, plain_length
from domain.regions import get_region
from storage.models import Item

MESSAGE_LIMIT = 4096  # Telegram's limit, in UTF-16 code units of the text
TITLE_LIMIT = 300
_TAG = re.compile(r"<[^>]*>")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def trim(text: str, limit: int) -> str:
    """Cut plain text to `limit` characters at a word boundary, marking the cut with '…'."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:—-") + "…"


def safe_url(url: str | None) -> str | None:
    """Only http(s) links become anchors; anything else is shown as plain text."""
    if url and url.startswith(("http://", "https://")) and len(url) <= 2048:
        return url
    return None


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def item_block(item: Item, tz: ZoneInfo, lang: str, *, title_limit: int = TITLE_LIMIT) -> str:
    """One item in a list: time and region, linked title, source."""
    region = get_region(item.region_code)
    region_name = region.short(lang) if region else item.region_code
    head = f"🕒 {local_time(item.published_at, tz)} · {html.escape(region_name)}"
    if item.is_breaking:
        head = "🔴 <b>" + html.escape(_("Breaking")) + "</b> · " + head
    title = html.escape(trim(item.title, title_limit))
    if item.reminder:
        title = "⏰ " + html.escape(_("Reminder")) + ": " + title
    if item.cancellation:
        title = "❌ " + html.escape(_("Cancelled")) + ": " + title
    url = safe_url(item.url)
    # A link already stands out; only a title without one is set in bold.
    title_line = f'<a href="{html.escape(url)}">{title}</a>' if url else f"<b>{title}</b>"
    lines = [head, title_line]
    if item.source_name:
        lines.append(f"<i>{html.escape(trim(item.source_name, 100))}</i>")
    return "\n".join(lines)


def pack(blocks: Iterable[str], *, header: str = "", limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join blocks into as few messages as fit the limit, never cutting a block in two.

    Blocks must be complete HTML; one longer than the limit alone is an error of the caller
    (item blocks are bounded by TITLE_LIMIT), and is replaced by a trimmed plain-text copy.
    """
    separator = "\n\n"
    messages: list[str] = []
    current = header
    for raw_block in blocks:
        block = raw_block
        if utf16_len(block) > limit:
            block = html.escape(trim(html.unescape(_TAG.sub("", block)), limit // 2))
        candidate = f"{current}{separator}{block}" if current else block
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        messages.append(current)
        current = block
    if current:
        messages.append(current)
    return messages


class Pages:
    """Rendered pages of items, reused while the items stay the same.

    Between two feed polls thousands of readers ask for the same few pages (the newest items
    of all Ukraine, of a region), and rendering a page costs more than the rest of the answer.
    A page is keyed by its items themselves (frozen, so a corrected title is a new key), its
    header and language; pages of items that are gone simply stop being asked for.
    """

    SIZE = 512

    def __init__(self, tz: ZoneInfo) -> None:
        self._tz = tz
        self._pages: dict[tuple[tuple[Item, ...], str, str], list[str]] = {}

    def page(self, items: Sequence[Item], header: str, footer: str, lang: str) -> str:
        """The items as one message, between a header and a footer: a page that is edited in
        place must fit in one, so long titles are cut shorter until it does."""
        key = (tuple(items), header + "\0" + footer, lang)
        pages = self._pages.get(key)
        if pages is None:
            if len(self._pages) >= self.SIZE:
                self._pages.clear()
            pages = self._pages[key] = [page_text(items, header, footer, self._tz, lang)]
        return pages[0]

    def render(self, items: Sequence[Item], header: str, lang: str) -> list[str]:
        """The items as messages that each fit Telegram's limit, the header on the first."""
        key = (tuple(items), header, lang)
        pages = self._pages.get(key)
        if pages is None:
            if len(self._pages) >= self.SIZE:
                self._pages.clear()
            blocks = [item_block(item, self._tz, lang) for item in items]
            pages = self._pages[key] = pack(blocks, header=header)
        return pages


PAGE_TITLE_LIMITS = (TITLE_LIMIT, 160, 100, 60)


def page_text(items: Sequence[Item], header: str, footer: str, tz: ZoneInfo, lang: str) -> str:
    """Header, items and footer in one message of at most MESSAGE_LIMIT characters (as the
    reader sees them), titles cut shorter when the items would not fit otherwise."""
    text = ""
    for title_limit in PAGE_TITLE_LIMITS:
        blocks = [item_block(item, tz, lang, title_limit=title_limit) for item in items]
        text = "\n\n".join([header, *blocks, footer])
        if plain_length(text) <= MESSAGE_LIMIT:
            return text
    return cut_text(text, MESSAGE_LIMIT)


def bundle_messages(items: Sequence[Item], tz: ZoneInfo, lang: str, title: str) -> list[str]:
    """Several items in as few messages as fit (a digest, the list after quiet hours):
    grouped by region, the region of the newest item first, newest first within each;
    split between items, never inside one, each message numbered when there are several."""
    groups: dict[str, list[Item]] = {}
    for item in sorted(items, key=lambda item: (item.published_at, item.id), reverse=True):
        groups.setdefault(item.region_code, []).append(item)
    blocks: list[str] = []
    for code, group in groups.items():
        region = get_region(code)
        name = html.escape(region.short(lang) if region else code)
        for index, item in enumerate(group):
            block = item_block(item, tz, lang)
            blocks.append(f"📍 <b>{name}</b>\n\n{block}" if index == 0 else block)
    # Room for the "k/n" line added below.
    messages = pack(blocks, header=f"<b>{html.escape(title)}</b>", limit=MESSAGE_LIMIT - 24)
    if len(messages) > 1:
        messages = [
            f"{message}\n\n<i>{number}/{len(messages)}</i>"
            for number, message in enumerate(messages, start=1)
        ]
    return messages


SUMMARY_LIMIT = 600


def retraction_notice() -> str:
    """What a retracted copy too old to delete is replaced with (in the current locale)."""
    return "<i>" + html.escape(_("This news item was retracted by the editors.")) + "</i>"


def item_message(item: Item, tz: ZoneInfo, lang: str) -> str:
    """An item as subscribers get it: linked bold title, summary, source and time, hashtag."""
    region = get_region(item.region_code)
    if item.body_html:
        # An editor's own formatting, produced by aiogram from Telegram's entities.
        lines = [item.body_html]
    else:
        title = html.escape(trim(item.title, TITLE_LIMIT))
        url = safe_url(item.url)
        lines = [f'<b><a href="{html.escape(url)}">{title}</a></b>' if url else f"<b>{title}</b>"]
        if item.summary.strip():
            lines += ["", html.escape(trim(item.summary, SUMMARY_LIMIT))]
    if item.is_breaking:
        lines[0] = "🔴 <b>" + html.escape(_("Breaking")) + ":</b> " + lines[0]
    if item.reminder:
        lines.insert(0, "⏰ <b>" + html.escape(_("Reminder")) + "</b>")
    if item.cancellation:
        lines.insert(0, "❌ <b>" + html.escape(_("The event is cancelled")) + "</b>")
    footer = [local_time(item.published_at, tz)]
    if item.source_name:
        footer.insert(0, html.escape(trim(item.source_name, 100)))
    lines += ["", "<i>" + " · ".join(footer) + "</i>"]
    if region is not None:
        lines.append("#" + region.hashtag(lang))
    return "\n".join(lines)
