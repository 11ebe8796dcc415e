"""Looking at the network: /network, /members [region], /member <name|№>, and their buttons."""

from __future__ import annotations

import html
from collections.abc import Sequence

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.formatting import pack, trim
from domain.regions import ALL_UKRAINE, get_region, match_region
from handlers.filters import Access
from handlers.members.keyboards import MemberCb, card_keyboard, choice_keyboard, page_keyboard
from handlers.members.names import find_members
from handlers.members.texts import card_text, network_text, not_found, page_text
from handlers.news import stale
from handlers.subscriptions.steps import edit_message
from infra.settings import Settings
from storage.members import NETWORK_NOTE, Member, MemberChange
from storage.repositories import Storage

PAGE_SIZE = 10


async def cmd_network(message: Message, store: Storage, i18n: I18n) -> None:
    """/network: regions with admitted members, members by status and region, latest admissions."""
    summary = await store.members.summary()
    note = await store.members.note(NETWORK_NOTE)
    for part in pack([network_text(summary, note, i18n.current_locale)]):
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
    text = page_text(members, total, regions, page, pages, lang)
    return text, page_keyboard(members, scope, page, pages) if members else None


def card(
    member: Member, history: Sequence[MemberChange], access: Access, lang: str, settings: Settings
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A member's card, with status buttons for its coordinators."""
    markup = card_keyboard(member) if access.can_coordinate(member.region_code) else None
    return card_text(member, history, access, lang, settings), markup
