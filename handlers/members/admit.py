"""/admit <region> <name>: admit a new member as of today, or move one to admitted, after a
question; the region is read strictly, and a text that reads two ways gets a choice."""

from __future__ import annotations

import html

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.regions import get_region, match_region
from handlers.filters import Access
from handlers.members.csv_codec import MAX_NAME, normalize
from handlers.members.keyboards import AdmitReadingCb, admit_keyboard, readings_keyboard
from handlers.members.names import AdmitReading, admit_readings
from handlers.members.pending import ADMIT_KEY, today
from handlers.members.texts import admit_question_text, day, not_found, refusal
from handlers.news import stale
from handlers.places import city_lines
from handlers.subscriptions.steps import edit_message
from infra.settings import Settings
from storage.members import Member, MemberFields, MemberStatus
from storage.repositories import Storage


async def admit_question(
    reading: AdmitReading,
    store: Storage,
    state: FSMContext,
    access: Access,
    lang: str,
    settings: Settings,
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
        return _("Member {name} ({region}) is already admitted, as of {since}.").format(
            name=html.escape(existing[0].name), region=place, since=day(existing[0].since)
        ), None
    member_id = existing[0].id if existing else 0
    await state.update_data({ADMIT_KEY: {"region": region.code, "name": name, "id": member_id}})
    question = admit_question_text(
        existing[0] if existing else None, name, region, today(settings), lang
    )
    return question, admit_keyboard()


def with_city(text: str, reading: AdmitReading, lang: str) -> str:
    """The answer to /admit, after a line saying which oblast a typed city is in."""
    return "\n".join([*city_lines([reading.city], lang), text])


async def cmd_admit(
    message: Message,
    command: CommandObject,
    store: Storage,
    state: FSMContext,
    i18n: I18n,
    access: Access,
    settings: Settings,
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
        await state.update_data({ADMIT_KEY: {"args": args}})
        await message.answer(
            _("Where does the region end and the name begin?"),
            reply_markup=readings_keyboard(readings, lang),
        )
        return
    text, markup = await admit_question(readings[0], store, state, access, lang, settings)
    await message.answer(with_city(text, readings[0], lang), reply_markup=markup)


async def on_reading(
    callback: CallbackQuery,
    callback_data: AdmitReadingCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    state: FSMContext,
    i18n: I18n,
    access: Access,
    settings: Settings,
) -> None:
    """A reading chosen under an ambiguous /admit: ask about that one."""
    pending = (await state.get_data()).get(ADMIT_KEY)
    args = pending.get("args") if isinstance(pending, dict) else None
    chosen = [
        reading
        for reading in admit_readings(args if isinstance(args, str) else "")
        if reading.words == callback_data.words
    ]
    if not chosen or callback.message is None:
        stale(callback_answer, _("This button is out of date. Try /admit again."))
        return
    lang = i18n.current_locale
    text, markup = await admit_question(chosen[0], store, state, access, lang, settings)
    await edit_message(bot, callback.message, markup, with_city(text, chosen[0], lang))


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
    pending = (await state.get_data()).get(ADMIT_KEY)
    await state.update_data({ADMIT_KEY: None})
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
        access.user_id,
        "member_admit",
        data={"member": member.id, "name": member.name, "region": region.code},
    )
    text = _("✅ Admitted: {name} ({region}), №{id}, since {since}.").format(
        name=html.escape(member.name),
        region=html.escape(region.short(i18n.current_locale)),
        id=member.id,
        since=day(member.since),
    )
    await edit_message(bot, callback.message, None, text)
