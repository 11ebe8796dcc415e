"""The network's members, for coordinators and admins.

Queries: /network, /members [region], /member <name|id>. Changes (a coordinator only in their
regions, admins everywhere): /admit <region> <name>, /suspend <id> [reason], the status buttons
of a member's card, /export_members and /import_members. Every change checks the member's
region again when it is made, so crafted callback data cannot reach another region.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from rapidfuzz import fuzz, process

from domain.fitting import TEXT_LIMIT, plain_length
from domain.formatting import pack, trim
from domain.regions import (
    ALL_UKRAINE,
    Region,
    exact_region,
    get_region,
    match_region,
    only_oblast_markers,
)
from handlers.filters import Access, HasRole
from handlers.members_csv import MAX_NAME, MAX_TEXT, export_csv, normalize, read_import
from handlers.news import stale
from handlers.subscriptions import edit_message
from infra.settings import Settings
from storage.members import NETWORK_NOTE, Member, MemberChange, MemberFields, MemberStatus
from storage.repositories import Storage
from storage.roles import Role

PAGE_SIZE = 10
_MAX_CSV_BYTES = 1_000_000
_MAX_ERRORS_SHOWN = 40
_ADMIT_KEY = "member_admit"  # the pending /admit in the user's FSM data
_MAX_REGION_WORDS = 4  # «у м. Івано-Франківську», «Автономна Республіка Крим»
_NOTICE_ROOM = 100  # for the line saying how many older changes a card leaves out
_NAME_LEAD = ",;:—– \t\n"  # "Lviv, Name", "Львів — Назва": not part of the name
_STATUS_ICONS = {
    MemberStatus.CANDIDATE: "🕓",
    MemberStatus.ADMITTED: "✅",
    MemberStatus.SUSPENDED: "⏸",
    MemberStatus.LEFT: "🚪",
}


class MemberAction(StrEnum):
    PAGE = "page"  # a page of /members
    SHOW = "show"  # a member's card
    SET = "set"  # a status button on the card
    ADMIT = "admit"  # confirm the pending /admit
    CANCEL = "cancel"  # drop the pending /admit


class MemberCb(CallbackData, prefix="mb"):
    action: MemberAction
    member_id: int = 0
    page: int = 0
    scope: str = ""  # /members: "" the user's regions, "UA" all, or a region code
    status: MemberStatus = MemberStatus.ADMITTED


class AdmitReadingCb(CallbackData, prefix="mr"):
    """One reading of an /admit that can be read several ways: the region takes `words`."""

    words: int


# ----------------------------------------------------------------------------- texts


def status_label(status: MemberStatus) -> str:
    labels = {
        MemberStatus.CANDIDATE: _("candidate"),
        MemberStatus.ADMITTED: _("admitted"),
        MemberStatus.SUSPENDED: _("suspended"),
        MemberStatus.LEFT: _("left"),
    }
    return f"{_STATUS_ICONS[status]} {labels[status]}"


def day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "—"


def region_label(code: str, lang: str) -> str:
    region = get_region(code)
    return html.escape(region.short(lang) if region else code)


def refusal() -> str:
    return _("You can change members only in your regions.")


def find_members(query: str, members: Sequence[Member]) -> list[Member]:
    """Members whose names match `query` loosely: exact first, then close (typos, parts)."""
    key = normalize(query)
    if not key:
        return []
    exact = [member for member in members if normalize(member.name) == key]
    if exact:
        return exact
    choices = {member.id: normalize(member.name) for member in members}
    found = process.extract(key, choices, scorer=fuzz.WRatio, limit=8, score_cutoff=75)
    if not found:
        return []
    best = found[0][1]
    by_id = {member.id: member for member in members}
    return [by_id[member_id] for _name, score, member_id in found if score >= best - 8]


def member_line(member: Member) -> str:
    since = " " + _("since {date}").format(date=day(member.since)) if member.since else ""
    return f"№{member.id} · {html.escape(member.name)} — {status_label(member.status)}{since}"


def network_text(
    summary_lines: list[str],
    note: str | None,
) -> str:
    lines = summary_lines
    if note:
        lines += ["", "ℹ️ " + html.escape(note)]
    lines += ["", _("Counted from the members recorded in the bot.")]
    return "\n".join(lines)


def card(
    member: Member, history: Sequence[MemberChange], access: Access, lang: str, settings: Settings
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A member's card: status, since when, where, contact (for its coordinators), history."""
    lines = [
        f"👥 <b>{html.escape(member.name)}</b> (№{member.id})",
        _("Region: {region}").format(region=region_label(member.region_code, lang)),
        (
            _("Status: {status}, since {since}").format(
                status=status_label(member.status), since=day(member.since)
            )
            if member.since
            else _("Status: {status} (date unknown)").format(status=status_label(member.status))
        ),
    ]
    if member.event_note:
        lines.append(_("Where: {event}").format(event=html.escape(member.event_note)))
    may_change = access.can_coordinate(member.region_code)
    if member.contact and may_change:
        lines.append(_("Contact: {contact}").format(contact=html.escape(member.contact)))
    if member.notes:
        lines.append(_("Notes: {notes}").format(notes=html.escape(member.notes)))
    if history:
        lines += ["", "<b>" + _("History") + "</b>"]
        lines += newest_that_fit(lines, [history_line(change, settings) for change in history])
    markup = None
    if may_change:
        builder = InlineKeyboardBuilder()
        for status in MemberStatus:
            if status is not member.status:
                builder.button(
                    text="→ " + status_label(status),
                    callback_data=MemberCb(
                        action=MemberAction.SET, member_id=member.id, status=status
                    ),
                )
        builder.adjust(2)
        markup = builder.as_markup()
    return "\n".join(lines), markup


def history_line(change: MemberChange, settings: Settings) -> str:
    when = datetime.fromtimestamp(change.changed_at, settings.tz).strftime("%d.%m.%Y")
    extra = " — ".join(
        html.escape(trim(text, 200)) for text in (change.event_note, change.reason) if text
    )
    return (
        f"{day(change.since)} · {status_label(change.status)}"
        + (f" — {extra}" if extra else "")
        + " "
        + _("(recorded {when} by {user})").format(when=when, user=change.changed_by)
    )


def newest_that_fit(head: Sequence[str], entries: Sequence[str]) -> list[str]:
    """The newest of `entries` (oldest first) that fit in one message after `head`, with a
    line saying how many older ones were left out: a card with its buttons stays one message,
    and its latest change (the one just made, after a status button) shows."""
    room = TEXT_LIMIT - plain_length("\n".join(head))
    sizes = [plain_length(entry) + 1 for entry in entries]  # each on its own line
    if sum(sizes) <= room:
        return list(entries)
    room -= _NOTICE_ROOM
    kept = 0
    while kept < len(entries) and sizes[-1 - kept] <= room:
        room -= sizes[-1 - kept]
        kept += 1
    notice = "… " + _("Older changes not shown: {count}").format(count=len(entries) - kept)
    return [notice, *entries[len(entries) - kept :]]


def choice_keyboard(members: Sequence[Member], lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for member in members:
        region = get_region(member.region_code)
        place = region.short(lang) if region else member.region_code
        builder.button(
            text=trim(f"№{member.id} {member.name} ({place})", 60),
            callback_data=MemberCb(action=MemberAction.SHOW, member_id=member.id),
        )
    builder.adjust(1)
    return builder.as_markup()


def scope_regions(scope: str, access: Access) -> list[str] | None:
    """The regions /members shows: None means all of them."""
    if scope == ALL_UKRAINE or (scope == "" and access.is_admin):
        return None
    if scope == "":
        return access.coordinated_regions()
    return [scope]


async def members_page(
    store: Storage, access: Access, scope: str, page: int, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    regions = scope_regions(scope, access)
    members, total = await store.members.page(regions, page * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if regions is None:
        title = _("Members of all regions")
    else:
        where = ", ".join(region_label(code, lang) for code in regions) or "—"
        title = _("Members: {regions}").format(regions=where)
    header = f"👥 <b>{title}</b> ({total})"
    if not members:
        return header + "\n" + _("No members recorded yet."), None
    lines = [header]
    current = ""
    for member in members:
        if member.region_code != current:
            current = member.region_code
            lines += ["", f"<b>{region_label(current, lang)}</b>"]
        lines.append(member_line(member))
    builder = InlineKeyboardBuilder()
    for member in members:
        builder.button(
            text=f"№{member.id}",
            callback_data=MemberCb(action=MemberAction.SHOW, member_id=member.id),
        )
    sizes = [5] * (len(members) // 5) + ([len(members) % 5] if len(members) % 5 else [])
    if pages > 1:
        lines += ["", _("Page {page} of {pages}").format(page=page + 1, pages=pages)]
        if page > 0:
            builder.button(
                text="◀️",
                callback_data=MemberCb(action=MemberAction.PAGE, page=page - 1, scope=scope),
            )
        if page + 1 < pages:
            builder.button(
                text="▶️",
                callback_data=MemberCb(action=MemberAction.PAGE, page=page + 1, scope=scope),
            )
        sizes.append(2)
    builder.adjust(*sizes)
    return "\n".join(lines), builder.as_markup()


def today(settings: Settings) -> date:
    return datetime.now(settings.tz).date()


# ----------------------------------------------------------------------------- queries


async def cmd_network(message: Message, store: Storage, i18n: I18n) -> None:
    """/network: regions with admitted members, members by status and region, latest admissions."""
    lang = i18n.current_locale
    summary = await store.members.summary()
    lines = [
        "🌐 <b>" + _("The network at a glance") + "</b>",
        _("Regions with admitted members: {count}").format(count=summary.admitted_regions),
        _("Members: {count}").format(count=sum(summary.by_status.values())),
    ]
    statuses = [
        f"{status_label(status)}: {summary.by_status[status]}"
        for status in MemberStatus
        if summary.by_status.get(status)
    ]
    if statuses:
        lines.append(" · ".join(statuses))
    if summary.by_region:
        lines += ["", "<b>" + _("By region") + "</b>"]
        for code in sorted(summary.by_region, key=lambda c: region_label(c, lang)):
            counts = summary.by_region[code]
            parts = " · ".join(
                f"{_STATUS_ICONS[status]} {counts[status]}"
                for status in MemberStatus
                if counts.get(status)
            )
            lines.append(f"{region_label(code, lang)}: {parts}")
    if summary.latest_admissions:
        lines += ["", "<b>" + _("Latest admissions") + "</b>"]
        for admission in summary.latest_admissions:
            member = admission.member
            where = f" — {html.escape(admission.event_note)}" if admission.event_note else ""
            when = f"{day(admission.since)} · " if admission.since else ""
            lines.append(
                f"{when}{html.escape(member.name)} "
                f"({region_label(member.region_code, lang)}){where}"
            )
    note = await store.members.note(NETWORK_NOTE)
    for part in pack([network_text(lines, note)]):
        await message.answer(part)


async def cmd_members(
    message: Message, command: CommandObject, store: Storage, i18n: I18n, access: Access
) -> None:
    """/members [region]: a region's members (default: yours; admins: all), page by page."""
    lang = i18n.current_locale
    args = (command.args or "").strip()
    scope = ""
    if args:
        matched = match_region(args)
        if matched.region is None:
            await message.answer(not_found(args, matched.suggestions, lang))
            return
        scope = matched.region.code
    text, markup = await members_page(store, access, scope, 0, lang)
    await message.answer(text, reply_markup=markup)


def not_found(query: str, suggestions: Sequence[Region], lang: str) -> str:
    text = _("Region “{query}” not found.").format(query=html.escape(trim(query, 64)))
    if suggestions:
        text += " " + _("Did you mean: {regions}?").format(
            regions=", ".join(html.escape(region.name(lang)) for region in suggestions)
        )
    return text


async def cmd_member(
    message: Message,
    command: CommandObject,
    store: Storage,
    i18n: I18n,
    access: Access,
    settings: Settings,
) -> None:
    """/member <name|id>: one member's card and history; several matches give a choice."""
    lang = i18n.current_locale
    query = (command.args or "").strip()
    if not query:
        await message.answer(html.escape(_("Usage: /member <name or number>")))
        return
    number = query.lstrip("№#")
    if number.isdecimal() and len(number) < 12:
        member = await store.members.get(int(number))
        found = [member] if member else []
    else:
        found = find_members(query[:200], await store.members.all())
    if not found:
        await message.answer(
            _("No member matches “{query}”. The list: /members").format(
                query=html.escape(trim(query, 64))
            )
        )
    elif len(found) == 1:
        text, markup = card(
            found[0], await store.members.history(found[0].id), access, lang, settings
        )
        await message.answer(text, reply_markup=markup)
    else:
        await message.answer(
            _("Several members match “{query}”. Which one?").format(
                query=html.escape(trim(query, 64))
            ),
            reply_markup=choice_keyboard(found, lang),
        )


async def on_page(
    callback: CallbackQuery,
    callback_data: MemberCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    i18n: I18n,
    access: Access,
) -> None:
    """◀️ ▶️ under /members: the page in place."""
    if callback.message is None or (
        callback_data.scope not in ("", ALL_UKRAINE) and get_region(callback_data.scope) is None
    ):
        stale(callback_answer, _("This button is out of date. Try /members."))
        return
    page = max(0, callback_data.page)
    text, markup = await members_page(
        store, access, callback_data.scope, page, i18n.current_locale
    )
    await edit_message(bot, callback.message, markup, text)


async def on_show(
    callback: CallbackQuery,
    callback_data: MemberCb,
    callback_answer: CallbackAnswer,
    store: Storage,
    i18n: I18n,
    access: Access,
    settings: Settings,
) -> None:
    """A member's button (a /members page, or a choice of /member): the card."""
    member = await store.members.get(callback_data.member_id)
    if member is None or callback.message is None:
        stale(callback_answer, _("This member is no longer in the list."))
        return
    history = await store.members.history(member.id)
    text, markup = card(member, history, access, i18n.current_locale, settings)
    await callback.message.answer(text, reply_markup=markup)


# ----------------------------------------------------------------------------- changes


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


@dataclass(frozen=True, slots=True)
class AdmitReading:
    """One way to read "/admit <region> <name>": the region is the first `words` words."""

    words: int
    region: Region
    name: str


def admit_readings(args: str) -> list[AdmitReading]:
    """The ways to read `args` as a region named exactly, then the member's name.

    The region is read strictly (`exact_region`): «Львів ГО «Місто, Люди»» is Lviv and the
    whole name, never a region found inside the name. Words that only say "oblast" belong to
    the region («Київ область ГО …» is Kyiv oblast), and "all Ukraine" counts only when
    nothing else does. More than one reading left means the text is ambiguous: «Львів Місто
    людей» is Lviv and «Місто людей», or «Львів, місто» and «людей».
    """
    spans = [match.span() for match in re.finditer(r"\S+", args)]
    readings: list[AdmitReading] = []
    for words in range(1, min(_MAX_REGION_WORDS, len(spans) - 1) + 1):
        region = exact_region(args[: spans[words - 1][1]])
        name = args[spans[words][0] :].lstrip(_NAME_LEAD).strip()
        if region is None or not name:
            continue
        readings = [
            reading
            for reading in readings
            if not only_oblast_markers(args[spans[reading.words][0] : spans[words - 1][1]])
            and (reading.region, reading.name) != (region, name)
        ]
        readings.append(AdmitReading(words, region, name))
    regional = [reading for reading in readings if not reading.region.is_national]
    return regional or readings


def readings_keyboard(readings: Sequence[AdmitReading], lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for reading in readings:
        builder.button(
            text=trim(f"{reading.region.short(lang)} · «{reading.name}»", 60),
            callback_data=AdmitReadingCb(words=reading.words),
        )
    builder.button(text="✖️ " + _("Cancel"), callback_data=MemberCb(action=MemberAction.CANCEL))
    builder.adjust(1)
    return builder.as_markup()


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
    builder = InlineKeyboardBuilder()
    builder.button(text="✅ " + _("Admit"), callback_data=MemberCb(action=MemberAction.ADMIT))
    builder.button(text="✖️ " + _("Cancel"), callback_data=MemberCb(action=MemberAction.CANCEL))
    return question, builder.as_markup()


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


# ----------------------------------------------------------------------------- bulk


async def cmd_export(message: Message, store: Storage, access: Access) -> None:
    """/export_members: a CSV of the members of your regions (admins: all)."""
    regions = None if access.is_admin else access.coordinated_regions()
    members = await store.members.all(regions)
    await message.answer_document(
        BufferedInputFile(export_csv(members), filename="members.csv"),
        caption=_(
            "Members: {count}. To change them, edit the file and send it back with "
            "/import_members as a reply to it."
        ).format(count=len(members)),
    )
    await store.audit.log(access.user_id, "members_export", details=f"{len(members)} members")


async def cmd_import(message: Message, bot: Bot, store: Storage, access: Access) -> None:
    """/import_members as a reply to a CSV (or as its caption): all rows or none."""
    document = message.document
    if document is None and message.reply_to_message is not None:
        document = message.reply_to_message.document
    if document is None:
        await message.answer(
            _("Reply with /import_members to a CSV file (like the one /export_members sends).")
        )
        return
    if document.file_size is not None and document.file_size > _MAX_CSV_BYTES:
        await message.answer(_("The file is too large (at most 1 MB)."))
        return
    downloaded = await bot.download(document.file_id)
    content = downloaded.read() if downloaded is not None else b""
    existing = {member.id: member for member in await store.members.all()}
    # A megabyte of rows takes seconds to check: in a thread, so that others get answers.
    checked = await asyncio.to_thread(read_import, content, access, existing)
    if checked is None:
        await message.answer(_("The file is not UTF-8 text; save it as CSV UTF-8 and try again."))
        return
    rows, errors = checked
    if errors:
        lines = [
            _("Row {line}: {problem}.").format(line=error.line, problem=html.escape(error.text))
            for error in errors[:_MAX_ERRORS_SHOWN]
        ]
        if len(errors) > _MAX_ERRORS_SHOWN:
            lines.append(_("…and {count} more.").format(count=len(errors) - _MAX_ERRORS_SHOWN))
        header = "❌ " + _("The file was not imported; nothing was changed. Fix these rows:")
        for part in pack(lines, header=header):
            await message.answer(part)
        return
    if not rows:
        await message.answer(_("The file has no rows; nothing was changed."))
        return
    try:
        added, updated = await store.members.apply(rows, access.user_id)
    except LookupError as missing:
        await message.answer(
            _("There is no member №{id}; nothing was changed.").format(id=missing.args[0])
        )
        return
    await store.audit.log(
        access.user_id, "members_import", details=f"{added} added, {updated} updated"
    )
    await message.answer(
        "✅ "
        + _("Imported: {added} added, {updated} updated, {same} unchanged.").format(
            added=added, updated=updated, same=len(rows) - added - updated
        )
    )


def router() -> Router:
    members = Router(name=__name__)
    # Coordinators and admins only; others fall through to handlers.restricted's refusal.
    members.message.filter(HasRole(Role.COORDINATOR))
    members.callback_query.filter(HasRole(Role.COORDINATOR))
    members.message.register(cmd_network, Command("network"))
    members.message.register(cmd_members, Command("members"))
    members.message.register(cmd_member, Command("member"))
    members.message.register(cmd_admit, Command("admit"))
    members.message.register(cmd_suspend, Command("suspend"))
    members.message.register(cmd_export, Command("export_members"))
    members.message.register(cmd_import, Command("import_members"))
    buttons = members.callback_query
    buttons.register(on_page, MemberCb.filter(F.action == MemberAction.PAGE))
    buttons.register(on_show, MemberCb.filter(F.action == MemberAction.SHOW))
    buttons.register(on_set_status, MemberCb.filter(F.action == MemberAction.SET))
    buttons.register(on_reading, AdmitReadingCb.filter())
    buttons.register(on_admit, MemberCb.filter(F.action == MemberAction.ADMIT))
    buttons.register(on_cancel, MemberCb.filter(F.action == MemberAction.CANCEL))
    return members
