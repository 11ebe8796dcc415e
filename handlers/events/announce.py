"""/announce: an editor's event, from its region to the announcement and its reminders.

A flow that survives restarts; access is checked at every step, the last one included, so a
region chosen with crafted callback data, or a role revoked mid-flow, announces nothing.
"""

from __future__ import annotations

import contextlib
import html
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.dates import DateError, event_html, format_when, parse_when
from domain.formatting import item_message, trim
from domain.regions import Region, get_region
from handlers.events.keyboards import (
    AnnounceCb,
    cancel_keyboard,
    confirm_keyboard,
    regions_keyboard,
    skip_keyboard,
)
from handlers.events.texts import (
    announced_text,
    date_problem,
    reminders_promise,
    too_long,
    when_question,
)
from handlers.filters import Access
from handlers.news import callback_chat, stale
from handlers.region_step import city_line, not_a_region, read_region
from infra.settings import Settings
from jobs.delivery import DeliveryWorker
from jobs.reminders import DEFAULT_OFFSETS
from storage.events import NewEvent
from storage.models import Item, ItemKind, NewItem, from_timestamp
from storage.repositories import Storage

TITLE_LIMIT = 200
PLACE_LIMIT = 200
DESCRIPTION_LIMIT = 2000


class AnnounceFlow(StatesGroup):
    region = State()
    title = State()
    when = State()
    place = State()
    description = State()
    preview = State()


def announcement(data: dict[str, Any], settings: Settings) -> tuple[NewEvent, str]:
    """The event in the flow's data, and its announcement's HTML."""
    event = NewEvent(
        region_code=data["region_code"],
        title=data["title"],
        starts_at=from_timestamp(data["starts_at"]),
        ends_at=from_timestamp(data["ends_at"]) if data.get("ends_at") else None,
        all_day=bool(data["all_day"]),
        place=data.get("place", ""),
        description=data.get("description", ""),
        created_by=0,
    )
    return event, event_html(event, settings.tz)


async def drop_keyboard(bot: Bot, message: Any) -> None:
    """Take the buttons off a message whose step is done (a failed edit changes nothing)."""
    if message is not None:
        await drop_keyboard_of(bot, message.chat.id, message.message_id)


async def drop_keyboard_of(bot: Bot, chat_id: int, message_id: int) -> None:
    with contextlib.suppress(TelegramBadRequest):
        await bot.edit_message_reply_markup(
            chat_id=chat_id, message_id=message_id, reply_markup=None
        )


async def allowed(state: FSMContext, access: Access) -> dict[str, Any] | None:
    """The flow's data while the user may still announce to its region; None (flow ended)
    otherwise."""
    data = await state.get_data()
    code = data.get("region_code")
    if isinstance(code, str) and access.can_edit(code):
        return data
    await state.clear()
    return None


async def refuse(message: Message) -> None:
    await message.answer("⛔ " + _("You cannot announce events in this region."))


async def show_preview(
    message: Message, state: FSMContext, settings: Settings, i18n: I18n, access: Access
) -> None:
    data = await state.get_data()
    event, body = announcement(data, settings)
    item = Item(
        id=0,
        region_code=event.region_code,
        kind=ItemKind.EVENT,
        title=event.title,
        summary="",
        url=None,
        source_name="",
        published_at=datetime.now(UTC),
        author_id=access.user_id,
        body_html=body,
    )
    await state.set_state(AnnounceFlow.preview)
    await message.answer("👀 " + _("This is how subscribers will see the announcement:"))
    await message.answer(
        item_message(item, settings.tz, i18n.current_locale), reply_markup=confirm_keyboard()
    )


async def cmd_announce(
    message: Message, bot: Bot, state: FSMContext, access: Access, i18n: I18n
) -> None:
    """/announce: start a new event's announcement with its region."""
    await state.clear()
    await ask_region(message, bot, state, access, i18n.current_locale)


async def ask_region(
    message: Message, bot: Bot, state: FSMContext, access: Access, lang: str, lead: str = ""
) -> None:
    """The region question with the editor's regions as buttons (`lead`: said first); an
    earlier one loses its buttons."""
    question_id = (await state.get_data()).get("question_id")
    if isinstance(question_id, int):
        await drop_keyboard_of(bot, message.chat.id, question_id)
    await state.set_state(AnnounceFlow.region)
    question = await message.answer(
        (lead + "\n\n" if lead else "")
        + "🗓 <b>"
        + _("New event")
        + "</b>\n"
        + _("Choose the region to announce it in, or type its name:"),
        reply_markup=regions_keyboard(access, lang),
    )
    await state.set_data({"question_id": question.message_id})


async def region_chosen(
    bot: Bot, chat_id: int, state: FSMContext, region: Region, lang: str, city: str = ""
) -> None:
    """On to the title, in the chosen region."""
    await state.update_data(region_code=region.code)
    await state.set_state(AnnounceFlow.title)
    await bot.send_message(
        chat_id,
        (city + "\n" if city else "")
        + _("Region: {region}.").format(region=html.escape(region.short(lang)))
        + "\n"
        + _("What is the event called? Send its title."),
        reply_markup=cancel_keyboard(),
    )


async def on_region(
    callback: CallbackQuery,
    callback_data: AnnounceCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    state: FSMContext,
    access: Access,
    i18n: I18n,
) -> None:
    """A region pressed: only one this editor may publish to."""
    region = get_region(callback_data.code)
    if region is None or not access.can_edit(region.code):
        stale(callback_answer, _("You cannot announce events in this region."))
        return
    await drop_keyboard(bot, callback.message)
    chat_id = callback.from_user.id if callback.message is None else callback.message.chat.id
    await region_chosen(bot, chat_id, state, region, i18n.current_locale)


async def on_region_text(
    message: Message, bot: Bot, state: FSMContext, access: Access, i18n: I18n
) -> None:
    """A region's name typed at the region question: as if its button was pressed, or the
    question again."""
    lang = i18n.current_locale
    text = message.text or ""
    typed = read_region(text, access)
    if typed.region is None:
        await ask_region(message, bot, state, access, lang, not_a_region(text))
        return
    if not typed.allowed:
        refusal = "⛔ " + _("You cannot announce events in {region}.").format(
            region=html.escape(typed.region.short(lang))
        )
        await ask_region(message, bot, state, access, lang, refusal)
        return
    question_id = (await state.get_data()).get("question_id")
    if isinstance(question_id, int):
        await drop_keyboard_of(bot, message.chat.id, question_id)
    await region_chosen(bot, message.chat.id, state, typed.region, lang, city_line(typed, lang))


async def on_title(message: Message, state: FSMContext, access: Access) -> None:
    if await allowed(state, access) is None:
        await refuse(message)
        return
    title = " ".join((message.text or "").split())
    if not title:
        await message.answer(_("What is the event called? Send its title."))
        return
    if len(title) > TITLE_LIMIT:
        await message.answer(too_long(TITLE_LIMIT))
        return
    await state.update_data(title=title)
    await state.set_state(AnnounceFlow.when)
    await message.answer(when_question(), reply_markup=cancel_keyboard())


async def on_when(message: Message, state: FSMContext, access: Access, settings: Settings) -> None:
    if await allowed(state, access) is None:
        await refuse(message)
        return
    try:
        when = parse_when(message.text or "", datetime.now(UTC), settings.tz)
    except DateError as error:
        await message.answer(
            "⚠️ " + date_problem(error.reason) + "\n" + when_question(),
            reply_markup=cancel_keyboard(),
        )
        return
    await state.update_data(
        starts_at=int(when.starts_at.timestamp()),
        ends_at=int(when.ends_at.timestamp()) if when.ends_at else None,
        all_day=when.all_day,
    )
    await state.set_state(AnnounceFlow.place)
    shown = format_when(when.starts_at, when.ends_at, when.all_day, settings.tz)
    await message.answer(
        _("When: {when}.").format(when=shown)
        + "\n"
        + _("Where does it take place? Send the address or the place."),
        reply_markup=cancel_keyboard(),
    )


async def on_place(message: Message, state: FSMContext, access: Access) -> None:
    if await allowed(state, access) is None:
        await refuse(message)
        return
    place = " ".join((message.text or "").split())
    if len(place) > PLACE_LIMIT:
        await message.answer(too_long(PLACE_LIMIT))
        return
    await state.update_data(place=place)
    await state.set_state(AnnounceFlow.description)
    await message.answer(_("Add a description, or press “Skip”."), reply_markup=skip_keyboard())


async def on_description(
    message: Message, state: FSMContext, access: Access, settings: Settings, i18n: I18n
) -> None:
    if await allowed(state, access) is None:
        await refuse(message)
        return
    description = (message.text or "").strip()
    if len(description) > DESCRIPTION_LIMIT:
        await message.answer(too_long(DESCRIPTION_LIMIT))
        return
    await state.update_data(description=description)
    await show_preview(message, state, settings, i18n, access)


async def on_skip(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    bot: Bot,
    state: FSMContext,
    access: Access,
    settings: Settings,
    i18n: I18n,
) -> None:
    message = callback.message
    if not isinstance(message, Message):
        stale(callback_answer, _("This button is out of date."))
        return
    if await allowed(state, access) is None:
        stale(callback_answer, _("You cannot announce events in this region."))
        return
    await drop_keyboard(bot, message)
    await state.update_data(description="")
    await show_preview(message, state, settings, i18n, access)


async def on_send(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    bot: Bot,
    state: FSMContext,
    access: Access,
    settings: Settings,
    store: Storage,
    delivery: DeliveryWorker | None,
) -> None:
    """ "Send" under the preview: store the announcement, its event and reminders, deliver."""
    data = await allowed(state, access)
    if data is None:
        stale(callback_answer, _("You cannot announce events in this region."))
        return
    if not {"title", "starts_at", "all_day"} <= data.keys():
        await state.clear()
        stale(callback_answer, _("This button is out of date."))
        return
    # Once only: a second press of "Send" finds the flow over.
    await state.clear()
    event, body = announcement(data, settings)
    event = replace(event, created_by=access.user_id)
    item = NewItem(
        region_code=event.region_code,
        title=event.title,
        published_at=datetime.now(UTC),
        summary=trim(event.description, 600),
        kind=ItemKind.EVENT,
        author_id=access.user_id,
        body_html=body,
    )
    event_id, published = await store.events.create(event, item, DEFAULT_OFFSETS, now=time.time())
    if delivery is not None:
        delivery.wake()
    await drop_keyboard(bot, callback.message)
    planned = [offset for offset, _due, _sent in await store.events.reminders(event_id)]
    chat_id = callback_chat(callback)
    await bot.send_message(
        chat_id,
        "✅ "
        + announced_text(published.item_id, published.deliveries)
        + "\n"
        + reminders_promise(planned, event.starts_at <= datetime.now(UTC)),
    )


async def on_cancel_button(
    callback: CallbackQuery, bot: Bot, state: FSMContext, callback_answer: CallbackAnswer
) -> None:
    await state.clear()
    await drop_keyboard(bot, callback.message)
    chat_id = callback_chat(callback)
    await bot.send_message(chat_id, _("The announcement is cancelled."))


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    """/cancel inside /announce (other flows have their own)."""
    await state.clear()
    await message.answer(_("The announcement is cancelled."))


async def on_not_text(message: Message) -> None:
    await message.answer(_("Please send text, or /cancel."))


async def on_preview_text(message: Message) -> None:
    await message.answer(_("Press “Send” or “Cancel” under the preview."))


async def on_stale(callback_answer: CallbackAnswer) -> None:
    """A flow's button from a step that is over."""
    stale(callback_answer, _("This button is out of date."))
