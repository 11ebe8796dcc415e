"""Changing a member's status (the card's status buttons, /suspend <№> [reason]), and the
buttons that every change of a member ends with: "Yes, change", back to the card, Cancel.

Nothing changes at the first press or command: the bot says what will happen and asks (the
change waits in handlers.members.pending). Every change checks the member's region again when
it is made, so crafted callback data cannot reach another region, and is audited.
"""

from __future__ import annotations

import html
from typing import Any

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.formatting import trim
from handlers.filters import Access
from handlers.members import pending
from handlers.members.csv_codec import MAX_TEXT
from handlers.members.edits import apply_event, apply_field
from handlers.members.keyboards import MemberCb, confirm_keyboard
from handlers.members.pending import today
from handlers.members.queries import card
from handlers.members.texts import day, refusal, region_label, status_label, status_question
from handlers.news import stale
from handlers.subscriptions.steps import edit_message
from infra.settings import Settings
from storage.members import Member, MemberStatus
from storage.repositories import Storage


def gone() -> str:
    return _("This member is no longer in the list.")


async def on_set_status(
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
    """A status button on a member's card: the card asks what will happen, in place."""
    member = await store.members.get(callback_data.member_id)
    if member is None:
        stale(callback_answer, gone())
        return
    if not access.can_coordinate(member.region_code):
        stale(callback_answer, refusal())
        return
    status = callback_data.status
    if status is member.status:
        callback_answer.text = _("The status is already this: {status}.").format(
            status=status_label(status)
        )
        return
    if callback.message is None:
        stale(callback_answer, _("This button is out of date. Try /members."))
        return
    await pending.keep(state, status_change(member, status, "", on_card=True))
    question = status_question(member, status, today(settings), "", i18n.current_locale)
    await edit_message(bot, callback.message, confirm_keyboard(member.id, on_card=True), question)


def status_change(
    member: Member, status: MemberStatus, reason: str, *, on_card: bool
) -> dict[str, Any]:
    return {
        "kind": "status",
        "member": member.id,
        "before": member.status.value,
        "status": status.value,
        "reason": reason,
        "on_card": on_card,
    }


async def cmd_suspend(
    message: Message,
    command: CommandObject,
    store: Storage,
    state: FSMContext,
    i18n: I18n,
    access: Access,
    settings: Settings,
) -> None:
    """/suspend <id> [reason]: asks whether to suspend a member of your regions."""
    words = (command.args or "").split(maxsplit=1)
    number = words[0].lstrip("№#") if words else ""
    if not number.isdecimal() or len(number) > 12:
        await message.answer(html.escape(_("Usage: /suspend <number> [reason]")))
        return
    member = await store.members.get(int(number))
    if member is None:
        await message.answer(_("There is no member №{id}.").format(id=int(number)))
        return
    if not access.can_coordinate(member.region_code):
        await message.answer(refusal())
        return
    if member.status is MemberStatus.SUSPENDED:
        await message.answer(
            _("Member {name} is already suspended, as of {since}.").format(
                name=html.escape(member.name), since=day(member.since)
            )
        )
        return
    reason = trim(words[1].strip(), MAX_TEXT) if len(words) > 1 else ""
    await pending.keep(state, status_change(member, MemberStatus.SUSPENDED, reason, on_card=False))
    question = status_question(
        member, MemberStatus.SUSPENDED, today(settings), reason, i18n.current_locale
    )
    await message.answer(question, reply_markup=confirm_keyboard(member.id, on_card=False))


async def apply_status(
    change: dict[str, Any], member: Member, access: Access, store: Storage, settings: Settings
) -> Member | None:
    """The status asked about, unless the member's status changed since; audited."""
    status = MemberStatus(change["status"])
    before = MemberStatus(change["before"])
    reason = str(change.get("reason") or "")
    changed = await store.members.set_status(
        member.id, status, today(settings), access.user_id, reason=reason, expected=before
    )
    if changed is not None:
        await store.audit.log(
            access.user_id,
            "member_status",
            data={
                "member": member.id,
                "name": member.name,
                "region": member.region_code,
                "before": before.value,
                "after": status.value,
                "reason": reason,
            },
        )
    return changed


async def on_confirm(
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
    """ "Yes, change": the pending change of this member, checked again and made."""
    change = await pending.take(state, callback_data.member_id)
    if change is None or callback.message is None:
        stale(callback_answer, _("This button is out of date. Look at the card again: /member"))
        return
    member = await store.members.get(callback_data.member_id)
    if member is None:
        stale(callback_answer, gone())
        return
    if not access.can_coordinate(member.region_code):
        stale(callback_answer, refusal())
        return
    kind = change.get("kind")
    changed: Member | None = None
    if kind == "status":
        changed = await apply_status(change, member, access, store, settings)
    elif kind == "field":
        changed = await apply_field(change, member, access, store)
    elif kind == "event":
        changed = await apply_event(change, member, access, store)
    if changed is None:
        stale(
            callback_answer,
            _("The member was changed meanwhile, so I changed nothing. Look at the card again."),
        )
        return
    lang = i18n.current_locale
    if kind == "status" and not change.get("on_card"):  # /suspend
        text = _("⏸ Suspended: {name} ({region}), as of {since}.").format(
            name=html.escape(changed.name),
            region=region_label(changed.region_code, lang),
            since=day(changed.since),
        )
        await edit_message(bot, callback.message, None, text)
        return
    callback_answer.text = _("Done: changed.")
    text, markup = await card(store, changed, access, lang, settings)
    await edit_message(bot, callback.message, markup, text)


async def on_back(
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
    """Cancel under a question asked on a card: nothing changes, the card comes back."""
    await pending.drop(state)
    member = await store.members.get(callback_data.member_id)
    if member is None or callback.message is None:
        stale(callback_answer, gone())
        return
    callback_answer.text = _("Nothing was changed.")
    text, markup = await card(store, member, access, i18n.current_locale, settings)
    await edit_message(bot, callback.message, markup, text)


async def on_cancel(callback: CallbackQuery, bot: Bot, state: FSMContext) -> None:
    """Cancel under /admit's or /suspend's question, or under a new name or text."""
    await pending.drop(state)
    if callback.message is not None:
        await edit_message(bot, callback.message, None, _("Cancelled; nothing was changed."))
