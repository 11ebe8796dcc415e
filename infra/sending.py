"""sendMessage for text the bot does not read back: pages of headlines and broadcast copies.

aiogram's `SendMessage` returns Telegram's whole `Message`, validated down to every entity;
for a page of ten linked headlines that is some twenty models (about 10 µs each here), the
largest single cost of answering /region. The bot needs only the id of what it sent (to edit
or delete it later), so `SendText` asks Telegram the same thing and validates just that:
Telegram's `MessageId` type is the whole result; the rest of the answer stays plain values,
unchecked.
"""

from __future__ import annotations

from aiogram.client.default import Default
from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup, LinkPreviewOptions, MessageId


class SendText(TelegramMethod[MessageId]):
    """`sendMessage` with the fields the bot sets; Telegram's defaults for the rest."""

    __returning__ = MessageId
    __api_method__ = "sendMessage"

    chat_id: int | str
    text: str
    parse_mode: str | Default | None = Default("parse_mode")
    link_preview_options: LinkPreviewOptions | Default | None = Default("link_preview")
    disable_notification: bool | None = None
    allow_paid_broadcast: bool | None = None
    reply_markup: InlineKeyboardMarkup | None = None
