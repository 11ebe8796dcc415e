"""Reading the news: /latest [N], /region [name], and the buttons that lead there."""

from __future__ import annotations

import html

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.formatting import Pages, trim
from domain.regions import ALL_UKRAINE, Region, get_region, match_region
from domain.search import parse_search, query_groups
from handlers.keyboards import (
    MenuAction,
    MenuCb,
    RegionAction,
    RegionCb,
    regions_keyboard,
    suggestions_keyboard,
)
from infra.sending import SendText
from storage.models import Item
from storage.repositories import Storage

DEFAULT_LATEST = 5
MAX_LATEST = 20
REGION_LATEST = 10


async def send_items(
    bot: Bot,
    chat_id: int,
    items: list[Item],
    *,
    header: str,
    empty: str,
    pages: Pages,
    lang: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """The items as one message, or several when they do not fit in one."""
    if not items:
        await bot(SendText(chat_id=chat_id, text=empty, reply_markup=reply_markup))
        return
    messages = pages.render(items, header, lang)
    for number, text in enumerate(messages, start=1):
        markup = reply_markup if number == len(messages) else None
        await bot(SendText(chat_id=chat_id, text=text, reply_markup=markup))


def parse_count(args: str | None) -> int | None:
    """N for /latest: absent means the default; anything but 1..20 is None (an error)."""
    if args is None or not args.strip():
        return DEFAULT_LATEST
    word = args.split()[0]
    if len(args.split()) != 1 or not word.isdecimal() or len(word) > 3:
        return None
    count = int(word)
    return count if 1 <= count <= MAX_LATEST else None


async def show_latest(
    bot: Bot, chat_id: int, count: int, store: Storage, pages: Pages, lang: str
) -> None:
    """The newest items of the chat's regions and national ones; of every region when the
    chat has no subscriptions or is subscribed to all Ukraine."""
    subscribed = await store.subscriptions.regions_of(chat_id)
    codes: set[str] | None = None
    if not subscribed:
        header, empty = _("Latest news"), _("No news yet. Check back a little later.")
    elif ALL_UKRAINE in subscribed:
        header, empty = (
            _("Latest news of all Ukraine"),
            _("No news yet. Check back a little later."),
        )
    else:
        codes = subscribed | {ALL_UKRAINE}
        header, empty = (
            _("Latest news of your regions"),
            _("No news of your regions yet. Check back a little later."),
        )
    items = await store.items.latest(count, codes)
    await send_items(
        bot,
        chat_id,
        items,
        header="📰 <b>" + html.escape(header) + "</b>",
        empty=empty,
        pages=pages,
        lang=lang,
    )


async def show_region(
    bot: Bot, chat_id: int, region: Region, store: Storage, pages: Pages, lang: str
) -> None:
    # "All Ukraine" reads everything; a region reads its own items.
    codes = None if region.code == ALL_UKRAINE else {region.code}
    items = await store.items.latest(REGION_LATEST, codes)
    name = html.escape(region.short(lang))
    await send_items(
        bot,
        chat_id,
        items,
        header="📍 <b>" + _("{region}: latest news").format(region=name) + "</b>",
        empty=_("No news for {region} yet.").format(region=name),
        pages=pages,
        lang=lang,
    )


async def cmd_latest(
    message: Message,
    command: CommandObject,
    bot: Bot,
    store: Storage,
    pages: Pages,
    i18n: I18n,
) -> None:
    """/latest [N]: the N newest items."""
    count = parse_count(command.args)
    if count is None:
        await message.answer(
            _("Please give a number from 1 to {max}, for example: /latest 10").format(
                max=MAX_LATEST
            )
        )
        return
    await show_latest(bot, message.chat.id, count, store, pages, i18n.current_locale)


async def cmd_region(
    message: Message,
    command: CommandObject,
    bot: Bot,
    store: Storage,
    pages: Pages,
    i18n: I18n,
) -> None:
    """/region [name]: a keyboard of regions, or the named region's news."""
    lang = i18n.current_locale
    if not command.args or not command.args.strip():
        await message.answer(_("Choose a region:"), reply_markup=regions_keyboard(lang))
        return
    await answer_region_query(message, command.args, bot, store, pages, lang)


async def answer_region_query(
    message: Message, query: str, bot: Bot, store: Storage, pages: Pages, lang: str
) -> None:
    match = match_region(query)
    if match.region is not None:
        await show_region(bot, message.chat.id, match.region, store, pages, lang)
        return
    shown = html.escape(" ".join(query.split())[:64])
    if match.suggestions:
        text = _("Region “{query}” not found. Did you mean one of these?").format(query=shown)
    else:
        text = _("Region “{query}” not found. Choose from the list:").format(query=shown)
    await message.answer(text, reply_markup=suggestions_keyboard(lang, match.suggestions))


async def on_region_button(
    callback: CallbackQuery,
    callback_data: RegionCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    pages: Pages,
    i18n: I18n,
) -> None:
    """A region button: that region's news."""
    region = get_region(callback_data.code)
    if region is None or callback.message is None:
        stale(callback_answer, _("This button is out of date. Try /region."))
        return
    await show_region(bot, callback.message.chat.id, region, store, pages, i18n.current_locale)


async def on_menu_button(
    callback: CallbackQuery,
    callback_data: MenuCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    pages: Pages,
    i18n: I18n,
) -> None:
    """The /start menu: regions keyboard or latest news."""
    if callback.message is None:
        stale(callback_answer, _("This button is out of date. Try /start."))
        return
    lang = i18n.current_locale
    chat_id = callback.message.chat.id
    if callback_data.action is MenuAction.REGIONS:
        await bot.send_message(chat_id, _("Choose a region:"), reply_markup=regions_keyboard(lang))
    else:
        await show_latest(bot, chat_id, DEFAULT_LATEST, store, pages, lang)


SEARCH_RESULTS = 10


async def cmd_search(
    message: Message,
    command: CommandObject,
    bot: Bot,
    store: Storage,
    pages: Pages,
    i18n: I18n,
) -> None:
    """/search <words>: the newest items with every word in the title or summary."""
    query = " ".join((command.args or "").split())[:200]
    if not query:
        await message.answer(
            _("Send the words to look for after the command, for example: /search податки")
        )
        return
    search = parse_search(query)
    items = await store.items.search(
        query_groups(search),
        SEARCH_RESULTS,
        region_code=search.region.code if search.region else None,
    )
    shown = html.escape(trim(query, 64))
    await send_items(
        bot,
        message.chat.id,
        items,
        header="🔎 <b>" + _("Found for “{query}”").format(query=shown) + "</b>",
        empty=_("Nothing found for “{query}”. Try other words or fewer of them.").format(
            query=shown
        ),
        pages=pages,
        lang=i18n.current_locale,
    )


def stale(callback_answer: CallbackAnswer, text: str) -> None:
    """Answer a button press with an alert (the middleware sends it once the handler returns)."""
    callback_answer.text = text
    callback_answer.show_alert = True


def router() -> Router:
    news = Router(name=__name__)
    news.message.register(cmd_latest, Command("latest"))
    news.message.register(cmd_region, Command("region"))
    news.channel_post.register(cmd_latest, Command("latest"))
    news.channel_post.register(cmd_region, Command("region"))
    news.message.register(cmd_search, Command("search"))
    news.channel_post.register(cmd_search, Command("search"))
    news.callback_query.register(on_region_button, RegionCb.filter(F.action == RegionAction.SHOW))
    news.callback_query.register(on_menu_button, MenuCb.filter())
    return news
