"""Editing a member from its card: name, contact and notes (the bot asks for the new text,
then whether to change it), and the event the member took part in (chosen from the latest
events, then confirmed). The change itself is made by "Yes, change" (handlers.members.changes),
checked again and audited.
"""

from __future__ import annotations

import re
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from handlers.filters import Access
from handlers.members import pending
from handlers.members.csv_codec import MAX_NAME, MAX_TEXT, normalize
from handlers.members.keyboards import MemberCb, confirm_keyboard, events_keyboard
from handlers.members.texts import (
    event_question,
    field_prompt,
    field_question,
    member_label,
    refusal,
)
from handlers.news import stale
from handlers.subscriptions.steps import edit_message
from infra.settings import Settings
from storage.members import Member
from storage.repositories import Storage

EVENTS_OFFERED = 8
_EDIT_KEY = "member_edit"  # {"member": id, "field": "name"|"contact"|"notes"}
# Control characters have no place in a member's record (tab and newline in notes do).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
CLEAR = "-"  # sent instead of a contact or notes: clears them


class MemberEdit(StatesGroup):
    value = State()  # waiting for the new name, contact or notes


def current(member: Member, field: str) -> str:
    return {"name": member.name, "contact": member.contact, "notes": member.notes}[field]


def cleaned(field: str, text: str) -> str:
    """What is kept of a typed value: names and contacts on one line, notes as written."""
    if field == "notes":
        return "\n".join(_CONTROL.sub("", line).rstrip() for line in text.strip().splitlines())
    return " ".join(_CONTROL.sub(" ", text).split())


async def on_edit(
    callback: CallbackQuery,
    callback_data: MemberCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    state: FSMContext,
    i18n: I18n,
    access: Access,
) -> None:
    """ "✏️ Name", "✏️ Contact", "✏️ Notes" on a card: ask for the new text."""
    member = await store.members.get(callback_data.member_id)
    if member is None or callback.message is None:
        stale(callback_answer, _("This member is no longer in the list."))
        return
    if not access.can_coordinate(member.region_code):
        stale(callback_answer, refusal())
        return
    field = callback_data.field.value
    await pending.drop(state)
    await state.set_state(MemberEdit.value)
    await state.update_data({_EDIT_KEY: {"member": member.id, "field": field}})
    await bot.send_message(
        callback.message.chat.id, field_prompt(member, field, i18n.current_locale)
    )


async def on_edit_value(
    message: Message, store: Storage, state: FSMContext, i18n: I18n, access: Access
) -> None:
    """The new name, contact or notes: checked, then asked about."""
    editing = (await state.get_data()).get(_EDIT_KEY)
    member = (
        await store.members.get(int(editing.get("member", 0)))
        if isinstance(editing, dict)
        else None
    )
    if member is None or not isinstance(editing, dict):
        await state.set_state(None)
        await message.answer(_("This member is no longer in the list."))
        return
    if not access.can_coordinate(member.region_code):
        await state.set_state(None)
        await message.answer(refusal())
        return
    field = str(editing.get("field"))
    typed = message.text or ""
    value = "" if field != "name" and typed.strip() == CLEAR else cleaned(field, typed)
    problem = await value_problem(field, value, member, store)
    if problem:
        await message.answer(problem + " " + _("Send another, or /cancel."))
        return
    await state.set_state(None)
    await state.update_data({_EDIT_KEY: None})
    if value == current(member, field):
        await message.answer(_("It is the same as now; nothing was changed."))
        return
    await pending.keep(
        state,
        {
            "kind": "field",
            "member": member.id,
            "field": field,
            "before": current(member, field),
            "after": value,
        },
    )
    await message.answer(
        field_question(member, field, value, i18n.current_locale),
        reply_markup=confirm_keyboard(member.id, on_card=False),
    )


async def value_problem(field: str, value: str, member: Member, store: Storage) -> str:
    """Why a typed value cannot be kept ("" when it can)."""
    if field == "name":
        if not value:
            return _("A member needs a name.")
        if len(value) > MAX_NAME:
            return _("The name is too long (at most {limit} characters).").format(limit=MAX_NAME)
        for other in await store.members.all([member.region_code]):
            if other.id != member.id and normalize(other.name) == normalize(value):
                return _("Another member of this region has this name: №{id}.").format(id=other.id)
        return ""
    if len(value) > MAX_TEXT:
        return _("The text is too long (at most {limit} characters).").format(limit=MAX_TEXT)
    return ""


async def cmd_cancel_edit(message: Message, state: FSMContext) -> None:
    """/cancel while the bot waits for a member's new name or text."""
    await state.set_state(None)
    await state.update_data({_EDIT_KEY: None})
    await message.answer(_("Cancelled; nothing was changed."))


async def apply_field(
    change: dict[str, Any], member: Member, access: Access, store: Storage
) -> Member | None:
    """The new name, contact or notes, unless the field changed since it was asked; audited."""
    field, before, after = str(change["field"]), str(change["before"]), str(change["after"])
    changed = await store.members.edit(member.id, field, before, after)
    if changed is not None:
        await store.audit.log(
            access.user_id,
            "member_edit",
            data={
                "member": member.id,
                "name": changed.name,
                "region": member.region_code,
                "field": field,
                "before": before,
                "after": after,
            },
        )
    return changed


async def on_events(
    callback: CallbackQuery,
    callback_data: MemberCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    state: FSMContext,
    i18n: I18n,
    access: Access,
    settings: Settings,
) -> None:
    """ "🗓 Event" on a card: the latest events to choose from, in place of the card."""
    member = await store.members.get(callback_data.member_id)
    if member is None or callback.message is None:
        stale(callback_answer, _("This member is no longer in the list."))
        return
    if not access.can_coordinate(member.region_code):
        stale(callback_answer, refusal())
        return
    events = await store.events.latest(EVENTS_OFFERED)
    if not events and member.event_id is None:
        stale(callback_answer, _("There are no events yet: editors announce them with /announce."))
        return
    await pending.drop(state)
    text = (
        "🗓 <b>"
        + _("Which event did the member take part in?")
        + "</b>\n"
        + (member_label(member, i18n.current_locale))
    )
    await edit_message(bot, callback.message, events_keyboard(member, events, settings), text)


async def on_event(
    callback: CallbackQuery,
    callback_data: MemberCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    state: FSMContext,
    i18n: I18n,
    access: Access,
    settings: Settings,
) -> None:
    """An event chosen (or "No event"): asked about, in place."""
    member = await store.members.get(callback_data.member_id)
    if member is None or callback.message is None:
        stale(callback_answer, _("This member is no longer in the list."))
        return
    if not access.can_coordinate(member.region_code):
        stale(callback_answer, refusal())
        return
    chosen = await store.events.get(callback_data.event_id) if callback_data.event_id else None
    if callback_data.event_id and (chosen is None or chosen.cancelled):
        stale(callback_answer, _("This event is no longer available."))
        return
    if (chosen.id if chosen else None) == member.event_id:
        callback_answer.text = _("The card says so already.")
        return
    linked = await store.events.get(member.event_id) if member.event_id else None
    await pending.keep(
        state,
        {
            "kind": "event",
            "member": member.id,
            "before": member.event_id or 0,
            "event": chosen.id if chosen else 0,
            "title": chosen.title if chosen else (linked.title if linked else ""),
            "on_card": True,
        },
    )
    question = event_question(member, chosen, linked, settings, i18n.current_locale)
    await edit_message(bot, callback.message, confirm_keyboard(member.id, on_card=True), question)


async def apply_event(
    change: dict[str, Any], member: Member, access: Access, store: Storage
) -> Member | None:
    """The event noted (or removed), unless the card's event changed since; audited."""
    before = int(change.get("before") or 0) or None
    event_id = int(change.get("event") or 0) or None
    changed = await store.members.link_event(member.id, event_id, before)
    if changed is not None:
        await store.audit.log(
            access.user_id,
            "member_event",
            data={
                "member": member.id,
                "name": member.name,
                "region": member.region_code,
                "event": event_id or 0,
                "title": str(change.get("title") or ""),
            },
        )
    return changed
