"""/events [region]: the upcoming and ongoing events, and each one's announcement."""

from __future__ import annotations

import html
import time

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.formatting import item_message
from domain.named_regions import NotFound
from domain.regions import ALL_UKRAINE, match_region
from handlers.events.keyboards import EventCb, events_keyboard
from handlers.events.texts import event_block
from handlers.news import stale
from handlers.subscriptions.texts import not_found_line
from infra.settings import Settings
from storage.repositories import Storage

EVENTS_SHOWN = 10


async def cmd_events(
    message: Message, command: CommandObject, store: Storage, settings: Settings, i18n: I18n
) -> None:
    """/events [region]: upcoming and ongoing events, soonest first."""
    lang = i18n.current_locale
    query = (command.args or "").strip()
    codes: set[str] | None
    if query:
        match = match_region(query)
        if match.region is None:
            await message.answer(not_found_line(NotFound(query, match.suggestions), lang))
            return
        codes = None if match.region.is_national else {match.region.code, ALL_UKRAINE}
        header = _("Upcoming events: {region}").format(
            region=html.escape(match.region.short(lang))
        )
    else:
        subscribed = await store.subscriptions.regions_of(message.chat.id)
        codes = None if not subscribed or ALL_UKRAINE in subscribed else subscribed | {ALL_UKRAINE}
        header = _("Upcoming events") if codes is None else _("Upcoming events of your regions")
    events = await store.events.upcoming(codes, time.time(), EVENTS_SHOWN)
    if not events:
        await message.answer("🗓 " + _("No upcoming events yet."))
        return
    blocks = [event_block(n, event, settings, lang) for n, event in enumerate(events, start=1)]
    await message.answer(
        "\n\n".join(["🗓 <b>" + header + "</b>", *blocks]), reply_markup=events_keyboard(events)
    )


async def on_show(
    callback: CallbackQuery,
    callback_data: EventCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    settings: Settings,
    i18n: I18n,
) -> None:
    """An event's button under /events (or crafted callback data): its announcement, as
    subscribers got it, while it is neither cancelled nor retracted."""
    event = await store.events.get(callback_data.event_id)
    item = await store.items.visible(event.item_id) if event and not event.cancelled else None
    if item is None or callback.message is None:
        stale(callback_answer, _("This event is no longer available."))
        return
    await bot.send_message(
        callback.message.chat.id, item_message(item, settings.tz, i18n.current_locale)
    )
