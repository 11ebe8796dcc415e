"""Events: editors announce them (/announce, a flow that survives restarts); everyone lists
the upcoming ones (/events).

Access is checked at every step of /announce, the last one included, so a region chosen with
crafted callback data, or a role revoked mid-flow, announces nothing.
"""

from __future__ import annotations

import contextlib
import html
import time
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, StateFilter, or_f
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from domain.dates import DateError, event_html, format_when, parse_when
from domain.formatting import item_message, trim
from domain.named_regions import NotFound
from domain.regions import ALL_UKRAINE, get_region, match_region
from handlers.filters import Access, HasRole
from handlers.news import stale
from handlers.subscriptions import not_found_line
from infra.settings import Settings
from jobs.delivery import DeliveryWorker
from jobs.reminders import DEFAULT_OFFSETS
from storage.events import Event, NewEvent
from storage.models import Item, ItemKind, NewItem, from_timestamp
from storage.repositories import Storage
from storage.roles import Role

TITLE_LIMIT = 200
PLACE_LIMIT = 200
DESCRIPTION_LIMIT = 2000
EVENTS_SHOWN = 10


class AnnounceFlow(StatesGroup):
    region = State()
    title = State()
    when = State()
    place = State()
    description = State()
    preview = State()


class AnnounceAction(StrEnum):
    REGION = "region"
    SKIP = "skip"  # no description
    SEND = "send"
    CANCEL = "cancel"


class AnnounceCb(CallbackData, prefix="an"):
    action: AnnounceAction
    code: str = ""


class EventAction(StrEnum):
    SHOW = "show"  # the full announcement of a listed event


class EventCb(CallbackData, prefix="ev"):
    action: EventAction
    event_id: int


# ----------------------------------------------------------------------------- keyboards


def _cancel_button(builder: InlineKeyboardBuilder) -> None:
    builder.button(text=_("Cancel"), callback_data=AnnounceCb(action=AnnounceAction.CANCEL))


def regions_keyboard(access: Access, lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in access.editable_regions():
        region = get_region(code)
        if region is not None:
            builder.button(
                text=region.short(lang),
                callback_data=AnnounceCb(action=AnnounceAction.REGION, code=code),
            )
    _cancel_button(builder)
    builder.adjust(2)
    return builder.as_markup()


def cancel_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    _cancel_button(builder)
    return builder.as_markup()


def skip_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Skip"), callback_data=AnnounceCb(action=AnnounceAction.SKIP))
    _cancel_button(builder)
    builder.adjust(2)
    return builder.as_markup()


def confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="✅ " + _("Send"), callback_data=AnnounceCb(action=AnnounceAction.SEND))
    _cancel_button(builder)
    builder.adjust(2)
    return builder.as_markup()


# ----------------------------------------------------------------------------- texts


def when_question() -> str:
    return _(
        "When is it? Kyiv time, for example: <code>23.05.2026 10:00</code>, "
        "<code>23.05.2026</code> (all day) or <code>23–24.05.2026</code>."
    )


def date_problem(reason: str) -> str:
    if reason == "past":
        return _("This time has already passed.")
    if reason == "impossible":
        return _("There is no such date or time.")
    return _("I could not read this date.")


def too_long(limit: int) -> str:
    return _("That is too long: {limit} characters at most.").format(limit=limit)


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


# ----------------------------------------------------------------------------- shared steps


async def drop_keyboard(bot: Bot, message: Any) -> None:
    """Take the buttons off a message whose step is done (a failed edit changes nothing)."""
    if message is None:
        return
    with contextlib.suppress(TelegramBadRequest):
        await bot.edit_message_reply_markup(
            chat_id=message.chat.id, message_id=message.message_id, reply_markup=None
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


# ----------------------------------------------------------------------------- /announce


async def cmd_announce(message: Message, state: FSMContext, access: Access, i18n: I18n) -> None:
    """/announce: start a new event's announcement with its region."""
    await state.clear()
    await state.set_state(AnnounceFlow.region)
    await message.answer(
        "🗓 <b>" + _("New event") + "</b>\n" + _("Choose the region to announce it in:"),
        reply_markup=regions_keyboard(access, i18n.current_locale),
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
    await state.update_data(region_code=region.code)
    await state.set_state(AnnounceFlow.title)
    await drop_keyboard(bot, callback.message)
    await bot.send_message(
        callback.from_user.id if callback.message is None else callback.message.chat.id,
        _("Region: {region}.").format(region=html.escape(region.name(i18n.current_locale)))
        + "\n"
        + _("What is the event called? Send its title."),
        reply_markup=cancel_keyboard(),
    )


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
    _event_id, published = await store.events.create(event, item, DEFAULT_OFFSETS, now=time.time())
    if delivery is not None:
        delivery.wake()
    await drop_keyboard(bot, callback.message)
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    await bot.send_message(
        chat_id,
        "✅ "
        + _(
            "Announced. Chats to receive it: {count}. Reminders will follow a day and an hour "
            "before the start."
        ).format(count=published.deliveries),
    )


async def on_cancel_button(
    callback: CallbackQuery, bot: Bot, state: FSMContext, callback_answer: CallbackAnswer
) -> None:
    await state.clear()
    await drop_keyboard(bot, callback.message)
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    await bot.send_message(chat_id, _("The announcement is cancelled."))


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    """/cancel inside /announce (other flows have their own)."""
    await state.clear()
    await message.answer(_("The announcement is cancelled."))


async def on_not_text(message: Message) -> None:
    await message.answer(_("Please send text, or /cancel."))


async def on_region_text(message: Message) -> None:
    await message.answer(_("Choose the region with the buttons above, or /cancel."))


async def on_preview_text(message: Message) -> None:
    await message.answer(_("Press “Send” or “Cancel” under the preview."))


# ----------------------------------------------------------------------------- /events


def event_block(number: int, event: Event, settings: Settings, lang: str) -> str:
    region = get_region(event.region_code)
    when = format_when(event.starts_at, event.ends_at, event.all_day, settings.tz)
    head = f"{number}. <b>{html.escape(trim(event.title, 120))}</b>"
    lines = [head, f"🕒 {when}" + (f" · {html.escape(region.short(lang))}" if region else "")]
    if event.place:
        lines.append("📍 " + html.escape(trim(event.place, 120)))
    return "\n".join(lines)


def events_keyboard(events: list[Event]) -> InlineKeyboardMarkup | None:
    if not events:
        return None
    builder = InlineKeyboardBuilder()
    for number, event in enumerate(events, start=1):
        builder.button(
            text=f"📄 {number}. {trim(event.title, 40)}",
            callback_data=EventCb(action=EventAction.SHOW, event_id=event.id),
        )
    builder.adjust(1)
    return builder.as_markup()


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


def router() -> Router:
    events = Router(name=__name__)
    events.message.register(cmd_events, Command("events"))
    events.callback_query.register(on_show, EventCb.filter(F.action == EventAction.SHOW))
    in_flow = StateFilter(AnnounceFlow)
    # Leaving needs no role: someone whose role was revoked mid-flow can still get out.
    events.message.register(cmd_cancel, Command("cancel"), in_flow)
    events.callback_query.register(
        on_cancel_button, AnnounceCb.filter(F.action == AnnounceAction.CANCEL), in_flow
    )

    announce = Router(name=f"{__name__}.announce")
    # Cheap filters first: only /announce and its flow cost a look at the roles. Others fall
    # through to handlers.restricted's refusal.
    announce.message.filter(or_f(Command("announce"), in_flow), HasRole(Role.EDITOR))
    announce.callback_query.filter(AnnounceCb.filter(), HasRole(Role.EDITOR))
    messages = announce.message
    messages.register(cmd_announce, Command("announce"))
    text = (F.text, ~F.text.startswith("/"))
    messages.register(on_title, AnnounceFlow.title, *text)
    messages.register(on_when, AnnounceFlow.when, *text)
    messages.register(on_place, AnnounceFlow.place, *text)
    messages.register(on_description, AnnounceFlow.description, *text)
    messages.register(on_region_text, AnnounceFlow.region, *text)
    messages.register(on_preview_text, AnnounceFlow.preview, *text)
    messages.register(
        on_not_text,
        StateFilter(
            AnnounceFlow.title, AnnounceFlow.when, AnnounceFlow.place, AnnounceFlow.description
        ),
        ~F.text,
    )
    buttons = announce.callback_query
    action = AnnounceCb.filter
    buttons.register(on_region, action(F.action == AnnounceAction.REGION), AnnounceFlow.region)
    buttons.register(on_skip, action(F.action == AnnounceAction.SKIP), AnnounceFlow.description)
    buttons.register(on_send, action(F.action == AnnounceAction.SEND), AnnounceFlow.preview)
    buttons.register(on_stale)
    events.include_router(announce)
    return events


async def on_stale(callback_answer: CallbackAnswer) -> None:
    """A flow's button from a step that is over."""
    stale(callback_answer, _("This button is out of date."))
