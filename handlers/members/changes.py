"""Changing members: the status buttons of a card, /admit <region> <name>, /suspend <№>.

Every change checks the member's region again when it is made, so crafted callback data
cannot reach another region.
"""

from __future__ import annotations

import html
from datetime import date, datetime

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.formatting import trim
from domain.regions import get_region, match_region
from handlers.filters import Access
from handlers.members.csv_codec import MAX_NAME, MAX_TEXT, normalize
from handlers.members.keyboards import AdmitReadingCb, MemberCb, admit_keyboard, readings_keyboard
from handlers.members.names import AdmitReading, admit_readings
from handlers.members.queries import card
from handlers.members.texts import day, not_found, refusal, region_label, status_label
from handlers.news import stale
from handlers.subscriptions.steps import edit_message
from infra.settings import Settings
from storage.members import Member, MemberFields, MemberStatus
from storage.repositories import Storage

_ADMIT_KEY = "member_admit"  # the pending /admit in the user's FSM data


def today(settings: Settings) -> date:
    return datetime.now(settings.tz).date()


async def on_set_status(
    callback: CallbackQuery,
    callback_data: MemberCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    i18n: I18n,
    access: Access,
    settings: Settings,
) -> None:
    """A status button on a member's card: change it (if the member's region is yours)."""
    member = await store.members.get(callback_data.member_id)
    if member is None:
        stale(callback_answer, _("This member is no longer in the list."))
        return
    if not access.can_coordinate(member.region_code):
        stale(callback_answer, refusal())
        return
    status = callback_data.status
    if status is member.status:
        callback_answer.text = _("The status is already “{status}”.").format(
            status=status_label(status)
        )
        return
    changed = await store.members.set_status(member.id, status, today(settings), access.user_id)
    if changed is None:
        stale(callback_answer, _("This member is no longer in the list."))
        return
    await store.audit.log(
        access.user_id,
        "member_status",
        details=f"member {member.id} ({member.region_code}): {member.status} -> {status}",
    )
    callback_answer.text = _("Status changed: {status}.").format(status=status_label(status))
    if callback.message is not None:
        history = await store.members.history(member.id)
        text, markup = card(changed, history, access, i18n.current_locale, settings)
        await edit_message(bot, callback.message, markup, text)


async def admit_question(
    reading: AdmitReading, store: Storage, state: FSMContext, access: Access, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What /admit asks about one reading (kept as the pending /admit), or why it cannot."""
    region, name = reading.region, reading.name
    if region.is_national:
        return _("A member belongs to one region; name the region."), None
    if not access.can_coordinate(region.code):
        return refusal(), None
    if len(name) > MAX_NAME:
        return _("The name is too long (at most {limit} characters).").format(limit=MAX_NAME), None
    existing = [
        member
        for member in await store.members.all([region.code])
        if normalize(member.name) == normalize(name)
    ]
    place = html.escape(region.short(lang))
    if existing and existing[0].status is MemberStatus.ADMITTED:
        return _("{name} ({region}) is already admitted, since {since}.").format(
            name=html.escape(existing[0].name), region=place, since=day(existing[0].since)
        ), None
    member_id = existing[0].id if existing else 0
    await state.update_data({_ADMIT_KEY: {"region": region.code, "name": name, "id": member_id}})
    if existing:
        question = _(
            "Admit {name} ({region}), now “{status}”, to the network as of today?"
        ).format(
            name=html.escape(existing[0].name),
            region=place,
            status=status_label(existing[0].status),
        )
    else:
        question = _("Admit a new member {name} ({region}) to the network as of today?").format(
            name=html.escape(name), region=place
        )
    return question, admit_keyboard()


async def cmd_admit(
    message: Message,
    command: CommandObject,
    store: Storage,
    state: FSMContext,
    i18n: I18n,
    access: Access,
) -> None:
    """/admit <region> <name>: a new member admitted today, or a member moved to admitted."""
    lang = i18n.current_locale
    args = (command.args or "").strip()[:500]
    words = args.split()
    if len(words) < 2:
        usage = _("Usage: /admit <region> <name>, for example: {example}")
        await message.answer(html.escape(usage.format(example="/admit Львів ГО «Відкрите місто»")))
        return
    readings = admit_readings(args)
    if not readings:
        matched = match_region(words[0])
        suggestions = (matched.region,) if matched.region else matched.suggestions
        await message.answer(not_found(words[0], suggestions, lang))
        return
    if len(readings) > 1:
        await state.update_data({_ADMIT_KEY: {"args": args}})
        await message.answer(
            _("Where does the region end and the name begin?"),
            reply_markup=readings_keyboard(readings, lang),
        )
        return
    text, markup = await admit_question(readings[0], store, state, access, lang)
    await message.answer(text, reply_markup=markup)


async def on_reading(
    callback: CallbackQuery,
    callback_data: AdmitReadingCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    state: FSMContext,
    i18n: I18n,
    access: Access,
) -> None:
    """A reading chosen under an ambiguous /admit: ask about that one."""
    pending = (await state.get_data()).get(_ADMIT_KEY)
    args = pending.get("args") if isinstance(pending, dict) else None
    chosen = [
        reading
        for reading in admit_readings(args if isinstance(args, str) else "")
        if reading.words == callback_data.words
    ]
    if not chosen or callback.message is None:
        stale(callback_answer, _("This button is out of date. Try /admit again."))
        return
    text, markup = await admit_question(chosen[0], store, state, access, i18n.current_locale)
    await edit_message(bot, callback.message, markup, text)


async def on_admit(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    state: FSMContext,
    i18n: I18n,
    access: Access,
    settings: Settings,
) -> None:
    """ "Admit" under /admit: do it, checking the region again."""
    pending = (await state.get_data()).get(_ADMIT_KEY)
    await state.update_data({_ADMIT_KEY: None})
    if not isinstance(pending, dict) or callback.message is None:
        stale(callback_answer, _("This button is out of date. Try /admit again."))
        return
    region = get_region(str(pending.get("region", "")))
    if region is None or region.is_national or not access.can_coordinate(region.code):
        stale(callback_answer, refusal())
        return
    member_id = int(pending.get("id") or 0)
    when = today(settings)
    member: Member | None
    if member_id:
        before = await store.members.get(member_id)
        if before is None or before.region_code != region.code:
            stale(callback_answer, _("This member is no longer in the list."))
            return
        member = await store.members.set_status(
            member_id, MemberStatus.ADMITTED, when, access.user_id
        )
    else:
        fields = MemberFields(
            name=str(pending.get("name", ""))[:MAX_NAME],
            region_code=region.code,
            status=MemberStatus.ADMITTED,
            since=when,
        )
        member = await store.members.add(fields, access.user_id)
    if member is None:
        stale(callback_answer, _("This member is no longer in the list."))
        return
    await store.audit.log(
        access.user_id, "member_admit", details=f"member {member.id} ({region.code}): admitted"
    )
    text = _("✅ Admitted: {name} ({region}), №{id}, since {since}.").format(
        name=html.escape(member.name),
        region=html.escape(region.short(i18n.current_locale)),
        id=member.id,
        since=day(member.since),
    )
    await edit_message(bot, callback.message, None, text)


async def on_cancel(callback: CallbackQuery, bot: Bot, state: FSMContext) -> None:
    """ "Cancel" under /admit."""
    await state.update_data({_ADMIT_KEY: None})
    if callback.message is not None:
        await edit_message(bot, callback.message, None, _("Cancelled; nothing was changed."))


async def cmd_suspend(
    message: Message,
    command: CommandObject,
    store: Storage,
    i18n: I18n,
    access: Access,
    settings: Settings,
) -> None:
    """/suspend <id> [reason]: suspend a member of your regions."""
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
            _("{name} is already suspended, since {since}.").format(
                name=html.escape(member.name), since=day(member.since)
            )
        )
        return
    reason = trim(words[1].strip(), MAX_TEXT) if len(words) > 1 else ""
    changed = await store.members.set_status(
        member.id, MemberStatus.SUSPENDED, today(settings), access.user_id, reason=reason
    )
    if changed is None:
        await message.answer(_("There is no member №{id}.").format(id=member.id))
        return
    await store.audit.log(
        access.user_id,
        "member_suspend",
        details=f"member {member.id} ({member.region_code}): {reason}",
    )
    await message.answer(
        _("⏸ Suspended: {name} ({region}), since {since}.").format(
            name=html.escape(changed.name),
            region=region_label(changed.region_code, i18n.current_locale),
            since=day(changed.since),
        )
    )
