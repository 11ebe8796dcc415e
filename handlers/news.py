"""Reading the news: /latest [N], /region [name], and the buttons that lead there."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from domain.formatting import Pages, trim
from domain.regions import ALL_UKRAINE, City, Region, get_region, match_region
from domain.search import (
    SearchQuery,
    pack_words,
    parse_search,
    query_groups,
    unpack_words,
)
from handlers.keyboards import (
    MenuAction,
    MenuCb,
    PageCb,
    PageKind,
    RegionAction,
    RegionCb,
    fits,
    page_keyboard,
    regions_keyboard,
    suggestions_keyboard,
)
from handlers.places import city_line
from infra.sending import SendText
from storage.models import Item
from storage.repositories import Storage

DEFAULT_LATEST = 5
MAX_LATEST = 20
REGION_LATEST = 10
SEARCH_RESULTS = 10
# /latest and /region page through this many newest items.
WINDOW = 100


@dataclass(frozen=True, slots=True)
class Answer:
    """A page of news as it is sent, or edited in place by a page button."""

    text: str
    markup: InlineKeyboardMarkup | None = None


def page_footer(page: int, pages: int) -> str:
    if pages <= 1:
        return ""
    return "<i>" + _("Page {page} of {pages}").format(page=page, pages=pages) + "</i>"


def paged(
    window: Sequence[Item],
    where: PageCb,
    size: int,
    header: str,
    empty: str,
    pages: Pages,
    lang: str,
    subscribe: Region | None = None,
) -> Answer:
    """Page `where.page` of `window`, `size` items a page (the last page if it is past it)."""
    if not window:
        return Answer(empty, page_keyboard(where, 1, subscribe, lang))
    count = math.ceil(len(window) / size)
    page = min(max(where.page, 1), count)
    items = window[(page - 1) * size : page * size]
    text = pages.page(items, header, page_footer(page, count), lang)
    markup = page_keyboard(where.model_copy(update={"page": page}), count, subscribe, lang)
    return Answer(text, markup)


def parse_count(args: str | None) -> int | None:
    """N for /latest: absent means the default; more than 20 means 20 (the caller says so);
    anything but a positive number is None (an error)."""
    if args is None or not args.strip():
        return DEFAULT_LATEST
    word = args.split()[0].strip("№#")
    if len(args.split()) != 1 or not word.isdecimal():
        return None
    if len(word) > 3:  # no int() of a thousand digits
        return MAX_LATEST + 1
    count = int(word)
    return count if count >= 1 else None


async def latest_answer(
    where: PageCb, chat_id: int, store: Storage, pages: Pages, lang: str
) -> Answer:
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
    window = await store.items.latest(WINDOW, codes)
    size = min(max(where.size, 1), MAX_LATEST) if where.size else DEFAULT_LATEST
    return paged(window, where, size, "📰 <b>" + html.escape(header) + "</b>", empty, pages, lang)


async def region_answer(
    where: PageCb,
    region: Region,
    chat_id: int,
    store: Storage,
    pages: Pages,
    lang: str,
    city: City | None = None,
) -> Answer:
    """A region's news ("All Ukraine" reads everything), and a way to subscribe to it; named
    by a city, a line first says which oblast that is."""
    codes = None if region.code == ALL_UKRAINE else {region.code}
    window = await store.items.latest(WINDOW, codes)
    subscribed = await store.subscriptions.regions_of(chat_id)
    covered = region.code in subscribed or ALL_UKRAINE in subscribed
    name = html.escape(region.short(lang))
    named = city_line(city, lang) + "\n" if city is not None else ""
    return paged(
        window,
        where,
        REGION_LATEST,
        named + "📍 <b>" + _("{region}: latest news").format(region=name) + "</b>",
        named + _("No news for {region} yet.").format(region=name),
        pages,
        lang,
        # In a group or channel only admins may subscribe it: the news are for reading there.
        subscribe=None if covered or chat_id < 0 else region,
    )


async def search_answer(
    where: PageCb, query: SearchQuery, store: Storage, pages: Pages, lang: str, shown: str
) -> Answer:
    """A page of what /search found, best first; `shown` is the query as the header says it."""
    groups = query_groups(query)
    region_code = query.region.code if query.region else None
    page = max(where.page, 1)
    items, total = await store.items.search_page(
        groups, SEARCH_RESULTS, offset=(page - 1) * SEARCH_RESULTS, region_code=region_code
    )
    count = math.ceil(total / SEARCH_RESULTS)
    if not items and count:  # past the last page (items retracted meanwhile)
        page = count
        items, total = await store.items.search_page(
            groups, SEARCH_RESULTS, offset=(page - 1) * SEARCH_RESULTS, region_code=region_code
        )
    escaped = html.escape(trim(shown, 64))
    if not items:
        return Answer(
            _("Nothing found for “{query}”. Try other words or fewer of them.").format(
                query=escaped
            )
        )
    header = "🔎 <b>" + _("Found for “{query}”").format(query=escaped) + "</b>"
    text = pages.page(items, header, page_footer(page, count), lang)
    markup = page_keyboard(where.model_copy(update={"page": page}), count) if where.words else None
    return Answer(text, markup)


async def send_answer(bot: Bot, chat_id: int, answer: Answer) -> None:
    await bot(SendText(chat_id=chat_id, text=answer.text, reply_markup=answer.markup))


async def show_latest(
    bot: Bot, chat_id: int, count: int, store: Storage, pages: Pages, lang: str, note: str = ""
) -> None:
    where = PageCb(kind=PageKind.LATEST, page=1, size=0 if count == DEFAULT_LATEST else count)
    answer = await latest_answer(where, chat_id, store, pages, lang)
    if note:
        answer = Answer(note + "\n\n" + answer.text, answer.markup)
    await send_answer(bot, chat_id, answer)


async def show_region(
    bot: Bot,
    chat_id: int,
    region: Region,
    store: Storage,
    pages: Pages,
    lang: str,
    city: City | None = None,
) -> None:
    where = PageCb(kind=PageKind.REGION, page=1, region=region.code)
    answer = await region_answer(where, region, chat_id, store, pages, lang, city)
    await send_answer(bot, chat_id, answer)


async def cmd_latest(
    message: Message,
    command: CommandObject,
    bot: Bot,
    store: Storage,
    pages: Pages,
    i18n: I18n,
) -> None:
    """/latest [N]: the N newest items (20 at most, and past 20 it says so), and buttons to
    the next N."""
    count = parse_count(command.args)
    if count is None:
        await message.answer(
            _("Please give a number from 1 to {max}, for example: /latest 10").format(
                max=MAX_LATEST
            )
        )
        return
    note = ""
    if count > MAX_LATEST:
        count = MAX_LATEST
        note = ngettext(
            "I show at most {max} item at a time.", "I show at most {max} items at a time.", count
        ).format(max=count)
    await show_latest(bot, message.chat.id, count, store, pages, i18n.current_locale, note)


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
        await show_region(bot, message.chat.id, match.region, store, pages, lang, match.city)
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


def search_page_cb(query: SearchQuery) -> tuple[SearchQuery, PageCb | None]:
    """The words of `query` that fit in a page button (all of them, as a rule), and the
    button's data for page 1; None when not even one word fits."""
    region = query.region.code if query.region else ""
    for count in range(len(query.words), 0, -1):
        where = PageCb(
            kind=PageKind.SEARCH, page=1, region=region, words=pack_words(query.words[:count])
        )
        if fits(where):
            return SearchQuery(query.words[:count], query.region), where
    return query, None


async def cmd_search(
    message: Message,
    command: CommandObject,
    bot: Bot,
    store: Storage,
    pages: Pages,
    i18n: I18n,
) -> None:
    """/search [region:] <words>: items with every word in some form, the best first."""
    typed = " ".join((command.args or "").split())[:200]
    query = parse_search(typed)
    if not typed or not query.words:
        await message.answer(
            _("Send the words to look for after the command, for example: /search податки")
        )
        return
    # The words the page buttons carry are the words searched, so every page agrees.
    query, where = search_page_cb(query)
    answer = await search_answer(
        where or PageCb(kind=PageKind.SEARCH, page=1),
        query,
        store,
        pages,
        i18n.current_locale,
        shown=typed,
    )
    await send_answer(bot, message.chat.id, answer)


async def on_page_button(
    callback: CallbackQuery,
    callback_data: PageCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    pages: Pages,
    i18n: I18n,
) -> None:
    """◀️ or ▶️ under a page of news: that page, in place of this one."""
    message = callback.message
    if message is None or not isinstance(message, Message):
        stale(callback_answer, _("This button is out of date. Try /latest."))
        return
    lang = i18n.current_locale
    chat_id = message.chat.id
    if callback_data.kind is PageKind.LATEST:
        answer = await latest_answer(callback_data, chat_id, store, pages, lang)
    elif callback_data.kind is PageKind.REGION:
        region = get_region(callback_data.region)
        if region is None:
            stale(callback_answer, _("This button is out of date. Try /region."))
            return
        answer = await region_answer(callback_data, region, chat_id, store, pages, lang)
    else:
        region = get_region(callback_data.region) if callback_data.region else None
        query = SearchQuery(unpack_words(callback_data.words), region)
        if not query.words or (callback_data.region and region is None):
            stale(callback_answer, _("This button is out of date. Try /search."))
            return
        shown = query.text if region is None else f"{region.short(lang)}: {query.text}"
        answer = await search_answer(callback_data, query, store, pages, lang, shown)
    try:
        await bot.edit_message_text(
            text=answer.text,
            chat_id=chat_id,
            message_id=message.message_id,
            reply_markup=answer.markup,
        )
    except TelegramBadRequest as exc:
        # Two quick presses may both arrive at the same page.
        if "message is not modified" not in exc.message:
            raise


def stale(callback_answer: CallbackAnswer, text: str) -> None:
    """Answer a button press with an alert (the middleware sends it once the handler returns)."""
    callback_answer.text = text
    callback_answer.show_alert = True


def callback_chat(callback: CallbackQuery) -> int:
    """The chat a button was pressed in (the presser's own, for an inline message's)."""
    return callback.message.chat.id if callback.message else callback.from_user.id


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
    news.callback_query.register(on_page_button, PageCb.filter())
    return news
