"""/reschedule: an announced event's new date or place, edited into every copy of its
announcement and of the reminders published of it; the reminders move with it. It names the
announcement's number, as /correct does, and previews before it changes anything."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.dates import DateError, event_html, format_when, parse_when
from domain.formatting import SUMMARY_LIMIT, item_message, trim
from handlers.editors.copies import Spreading, spread_correction
from handlers.editors.keyboards import EditorAction, EditorCb, confirm_keyboard
from handlers.editors.steps import announced_event, close_keyboard, when_of
from handlers.editors.texts import item_label, stale_text
from handlers.events.announce import PLACE_LIMIT
from handlers.events.texts import date_problem, reminders_promise, too_long, when_question
from handlers.filters import Access
from handlers.news import callback_chat, stale
from infra.background import BackgroundJobs
from infra.pacing import Pacer
from infra.settings import Settings
from jobs.delivery import DeliveryWorker
from jobs.reminders import DEFAULT_OFFSETS
from storage.events import Event, EventDetails
from storage.models import from_timestamp
from storage.repositories import Storage


class RescheduleFlow(StatesGroup):
    when = State()
    place = State()
    confirm = State()


async def cmd_reschedule(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    access: Access,
    store: Storage,
    settings: Settings,
) -> None:
    """/reschedule <id>: a new date or place for an announced event."""
    await state.clear()
    usage = _("Usage: /reschedule <announcement number>, for example: /reschedule 42")
    found = await announced_event(message, command, store, access, usage)
    if found is None:
        return
    item, event = found
    await state.set_state(RescheduleFlow.when)
    await state.set_data({"item_id": item.id})
    now = _("Now: {when}").format(when=when_of(event, settings))
    if event.place:
        now += ", " + html.escape(event.place)
    await message.answer(
        "🗓 "
        + _("Rescheduling the event {label}.").format(label=item_label(item))
        + "\n"
        + now
        + ".\n\n"
        + when_question(),
        reply_markup=confirm_keyboard(EditorAction.KEEP_DATE, "➡️ " + _("Keep the date"), item.id),
    )


async def on_reschedule_when(
    message: Message, state: FSMContext, access: Access, store: Storage, settings: Settings
) -> None:
    """The new date, as /announce reads dates."""
    event = await _event_in_flow(message, state, store, access)
    if event is None:
        return
    try:
        when = parse_when(message.text or "", datetime.now(UTC), settings.tz)
    except DateError as error:
        await message.answer(
            "⚠️ " + date_problem(error.reason) + "\n" + when_question(),
            reply_markup=confirm_keyboard(
                EditorAction.KEEP_DATE, "➡️ " + _("Keep the date"), event.item_id
            ),
        )
        return
    await state.update_data(
        starts_at=int(when.starts_at.timestamp()),
        ends_at=int(when.ends_at.timestamp()) if when.ends_at else None,
        all_day=when.all_day,
    )
    shown = format_when(when.starts_at, when.ends_at, when.all_day, settings.tz)
    await _ask_place(message, state, event, _("When: {when}.").format(when=shown))


async def on_keep_date(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    bot: Bot,
    state: FSMContext,
    access: Access,
    store: Storage,
) -> None:
    """ "Keep the date": on to the place."""
    message = callback.message
    if not isinstance(message, Message):
        stale(callback_answer, stale_text())
        return
    event = await _event_in_flow(message, state, store, access)
    if event is None:
        return
    await close_keyboard(bot, message)
    await _ask_place(message, state, event, _("The date stays."))


async def _ask_place(message: Message, state: FSMContext, event: Event, lead: str) -> None:
    await state.set_state(RescheduleFlow.place)
    now = (
        _("Now: {place}.").format(place=html.escape(event.place))
        if event.place
        else _("No place is given now.")
    )
    await message.answer(
        lead + "\n" + _("Where does it take place? Send the new place, or keep it.") + " " + now,
        reply_markup=confirm_keyboard(
            EditorAction.KEEP_PLACE, "➡️ " + _("Keep the place"), event.item_id
        ),
    )


async def on_reschedule_place(
    message: Message,
    state: FSMContext,
    access: Access,
    store: Storage,
    settings: Settings,
    i18n: I18n,
) -> None:
    """The new place: then the preview."""
    event = await _event_in_flow(message, state, store, access)
    if event is None:
        return
    place = " ".join((message.text or "").split())
    if len(place) > PLACE_LIMIT:
        await message.answer(too_long(PLACE_LIMIT))
        return
    await state.update_data(place=place)
    await _preview(message, state, event, store, settings, i18n)


async def on_keep_place(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    bot: Bot,
    state: FSMContext,
    access: Access,
    store: Storage,
    settings: Settings,
    i18n: I18n,
) -> None:
    """ "Keep the place": the preview."""
    message = callback.message
    if not isinstance(message, Message):
        stale(callback_answer, stale_text())
        return
    event = await _event_in_flow(message, state, store, access)
    if event is None:
        return
    await close_keyboard(bot, message)
    await _preview(message, state, event, store, settings, i18n)


def _details(event: Event, data: dict[str, Any]) -> EventDetails:
    """The event with the flow's new date and place (those not given stay)."""
    details = EventDetails(
        event.title,
        event.starts_at,
        event.ends_at,
        event.all_day,
        event.place,
        event.description,
    )
    if isinstance(data.get("starts_at"), int):
        ends_at = data.get("ends_at")
        details = replace(
            details,
            starts_at=from_timestamp(data["starts_at"]),
            ends_at=from_timestamp(ends_at) if isinstance(ends_at, int) else None,
            all_day=bool(data.get("all_day")),
        )
    if isinstance(data.get("place"), str):
        details = replace(details, place=data["place"])
    return details


async def _preview(
    message: Message,
    state: FSMContext,
    event: Event,
    store: Storage,
    settings: Settings,
    i18n: I18n,
) -> None:
    details = _details(event, await state.get_data())
    if details == _details(event, {}):
        await state.clear()
        await message.answer(_("The date and place are as they were: nothing to change."))
        return
    item = await store.items.get(event.item_id)
    if item is None:
        await state.clear()
        await message.answer(stale_text())
        return
    await state.set_state(RescheduleFlow.confirm)
    preview = replace(item, body_html=event_html(details, settings.tz))
    await message.answer("👁 " + _("The announcement will read:"))
    await message.answer(
        item_message(preview, settings.tz, i18n.current_locale),
        reply_markup=confirm_keyboard(
            EditorAction.RESCHEDULE, "🗓 " + _("Reschedule"), event.item_id
        ),
    )


async def on_reschedule_apply(
    callback: CallbackQuery,
    callback_data: EditorCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    state: FSMContext,
    access: Access,
    store: Storage,
    settings: Settings,
    delivery: DeliveryWorker | None,
    pacer: Pacer,
    jobs: BackgroundJobs,
    i18n: I18n,
) -> None:
    """ "Reschedule" under the preview: the event moves, its reminders with it, and every
    copy of its announcement and reminders is edited."""
    data = await state.get_data()
    item_id = int(data.get("item_id", 0))
    event = await store.events.of_item(item_id)
    if event is None or event.cancelled or callback_data.item_id != item_id:
        await state.clear()
        stale(callback_answer, stale_text())
        return
    if not access.can_edit(event.region_code):
        await state.clear()
        stale(callback_answer, _("This item is not from your regions."))
        return
    await state.clear()
    await close_keyboard(bot, callback.message)
    details = _details(event, data)
    revisions = await store.events.revise(
        event.id,
        details,
        event_html(details, settings.tz),
        summary=trim(details.description, SUMMARY_LIMIT),
        editor=access.user_id,
        action="reschedule",
        offsets=DEFAULT_OFFSETS,
    )
    chat_id = callback_chat(callback)
    if not revisions:
        await bot.send_message(chat_id, stale_text())
        return
    callback_answer.text = _("Saved.")
    planned = [offset for offset, _due, sent in await store.events.reminders(event.id) if not sent]
    started = details.starts_at <= datetime.now(UTC)
    spreading = Spreading(bot, store, delivery, pacer, jobs, settings, i18n)
    footer = (
        "🗓 "
        + _("The event is rescheduled to {when}.").format(when=when_of(details, settings))
        + "\n"
        + reminders_promise(planned, started)
    )
    await spread_correction(spreading, chat_id, revisions, footer=footer)


async def _event_in_flow(
    message: Message, state: FSMContext, store: Storage, access: Access
) -> Event | None:
    """The flow's event while it is live and this editor's; otherwise the flow ends, said."""
    item_id = int((await state.get_data()).get("item_id", 0))
    event = await store.events.of_item(item_id)
    if event is None or event.cancelled:
        await state.clear()
        await message.answer(stale_text())
        return None
    if not access.can_edit(event.region_code):
        await state.clear()
        await message.answer(_("This item is not from your regions."))
        return None
    return event


async def on_reschedule_confirm_text(message: Message) -> None:
    """Text at the /reschedule preview."""
    await message.answer(_("Press “{button}” or “Cancel” above.").format(button=_("Reschedule")))
