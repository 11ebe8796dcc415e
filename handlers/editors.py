"""Editors: /push a breaking item, /correct and /retract what went out, /report on delivery.

Each change is a short guided flow (aiogram FSM, kept in the database, so it survives a restart)
that ends in a preview and a confirmation button. Rights are checked at every step, the last
button included: callback data and flow data come from outside and prove nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject, StateFilter, or_f
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram.utils.text_decorations import HtmlDecoration

from domain.formatting import (
    MESSAGE_LIMIT,
    TITLE_LIMIT,
    item_message,
    retraction_notice,
    trim,
    utf16_len,
)
from domain.named_regions import parse_regions
from domain.regions import get_region
from handlers.filters import Access, HasRole
from handlers.news import stale
from infra.background import BackgroundJobs
from infra.i18n import LOCALES
from infra.pacing import Pacer
from infra.settings import Settings
from jobs.delivery import DeliveryWorker
from jobs.editing import correct_copies, retract_copies
from storage.editorial import ItemReport
from storage.models import CopyChange, DeliveryStatus, Item, ItemKind, NewItem
from storage.repositories import Storage
from storage.roles import Role

log = logging.getLogger(__name__)

COMMANDS = ("push", "correct", "retract", "report", "cancel")
PROGRESS_INTERVAL = 2.0  # seconds between looks at a push's deliveries
PROGRESS_LIMIT = 3600.0  # stop following a push after this long (the report is one command away)
SETTLE_INTERVAL = 0.25  # seconds between looks at copies that were in flight at a change
SETTLE_LIMIT = 120.0  # the report comes after this long at most, settled or not
# Room for the parts of a subscriber's message around the editor's text (mark, time, hashtag).
_FRAME = 200


class PushFlow(StatesGroup):
    region = State()
    text = State()
    confirm = State()


class CorrectFlow(StatesGroup):
    text = State()
    confirm = State()


class RetractFlow(StatesGroup):
    confirm = State()


FLOWS = (PushFlow, CorrectFlow, RetractFlow)


class EditorAction(StrEnum):
    REGION = "region"  # /push: the region chosen
    SEND = "send"  # /push: publish the previewed item
    CORRECT = "correct"  # /correct: apply the previewed text
    RETRACT = "retract"  # /retract: confirmed
    CANCEL = "cancel"  # any flow, any step


class EditorCb(CallbackData, prefix="ed"):
    action: EditorAction
    code: str = ""
    item_id: int = 0


# ----------------------------------------------------------------------------- background work


# ----------------------------------------------------------------------------- texts


def number(value: int) -> str:
    """1 200: thousands apart, as Ukrainian writes them (a no-break space)."""
    return f"{value:,}".replace(",", "\u00a0")


def region_name(code: str, lang: str) -> str:
    region = get_region(code)
    return html.escape(region.short(lang) if region else code)


def item_label(item: Item) -> str:
    return f"№\u00a0{item.id} «{html.escape(trim(item.title, 80))}»"


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 120:
        return _("{seconds} s").format(seconds=seconds)
    return _("{minutes} min {seconds} s").format(minutes=seconds // 60, seconds=seconds % 60)


def progress_text(item_id: int, counts: dict[DeliveryStatus, int]) -> str:
    total = sum(counts.values())
    return "\n".join(
        [
            "📤 " + _("Item № {id} is on its way.").format(id=item_id),
            _("Sent {sent} of {total}").format(
                sent=number(counts[DeliveryStatus.SENT]), total=number(total)
            ),
        ]
    )


def report_text(item: Item, report: ItemReport, lang: str) -> str:
    """The /report answer: what became of every copy, and how long it took."""
    lines = [
        "📊 <b>" + _("Report on item {label}").format(label=item_label(item)) + "</b>",
        region_name(item.region_code, lang)
        + (" · " + html.escape(_("Breaking")) if item.is_breaking else ""),
        "",
        _("Total: {count}").format(count=number(report.total)),
        "✅ " + _("Delivered: {count}").format(count=number(report.delivered)),
        "⏳ " + _("Pending: {count}").format(count=number(report.pending)),
        "⚠️ " + _("Failed: {count}").format(count=number(report.failed)),
    ]
    lines += [
        f"    • {html.escape(trim(reason, 120) or '—')}: {number(count)}"
        for reason, count in report.failures
    ]
    lines.append(
        "🚫 "
        + _("Skipped (chat blocked the bot or is gone, or cancelled): {count}").format(
            count=number(report.skipped)
        )
    )
    removed = sum(
        report.changes.get(change, 0)
        for change in (CopyChange.DELETED, CopyChange.REPLACED, CopyChange.GONE)
    )
    if removed:
        lines.append(
            "🗑 " + _("Removed after the retraction: {count}").format(count=number(removed))
        )
    if report.first_sent_at is not None and report.last_sent_at is not None:
        lines += [
            "",
            "⏱ "
            + _("First to last copy: {span}; from publication to the last copy: {total}").format(
                span=duration(report.last_sent_at - report.first_sent_at),
                total=duration(report.last_sent_at - report.created_at),
            ),
        ]
    return "\n".join(lines)


def cancel_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="✖️ " + _("Cancel"), callback_data=EditorCb(action=EditorAction.CANCEL))
    return builder.as_markup()


def confirm_keyboard(action: EditorAction, label: str, item_id: int = 0) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=label, callback_data=EditorCb(action=action, item_id=item_id))
    builder.button(text="✖️ " + _("Cancel"), callback_data=EditorCb(action=EditorAction.CANCEL))
    builder.adjust(2)
    return builder.as_markup()


def push_regions_keyboard(access: Access, lang: str) -> InlineKeyboardMarkup:
    """The regions this editor may publish to ("All Ukraine" on its own row), then Cancel."""
    builder = InlineKeyboardBuilder()
    codes = access.editable_regions()
    national = [code for code in codes if (region := get_region(code)) and region.is_national]
    for code in [*national, *(code for code in codes if code not in national)]:
        region = get_region(code)
        if region is not None:
            builder.button(
                text=region.short(lang),
                callback_data=EditorCb(action=EditorAction.REGION, code=code),
            )
    builder.button(text="✖️ " + _("Cancel"), callback_data=EditorCb(action=EditorAction.CANCEL))
    others = len(codes) - len(national)
    builder.adjust(*([1] * len(national)), *([2] * (others // 2)), *([1] * (others % 2)), 1)
    return builder.as_markup()


def text_prompt(region_code: str, lang: str) -> str:
    return "\n".join(
        [
            "✍️ " + _("Breaking news for {region}.").format(region=region_name(region_code, lang)),
            _(
                "Send the text as one message; the first line becomes the headline. "
                "Bold, italics and links are kept."
            ),
        ]
    )


def refusal_for(region_code: str, lang: str) -> str:
    return _("You cannot publish to {region}.").format(region=region_name(region_code, lang))


def stale_text() -> str:
    return _("This button is out of date. Start again with the command.")


# ----------------------------------------------------------------------------- shared steps


async def edit_or_ignore(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Edit a bot message; "not modified" and a vanished message are fine, nothing raises."""
    try:
        await bot.edit_message_text(
            text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            log.info("could not edit message %s in %s: %s", message_id, chat_id, exc.message)
    except TelegramAPIError as exc:
        log.info("could not edit message %s in %s: %s", message_id, chat_id, exc)


async def close_keyboard(bot: Bot, message: MaybeInaccessibleMessageUnion | None) -> None:
    """Take the buttons off a message once they have been used."""
    if message is None:
        return
    with contextlib.suppress(TelegramAPIError):
        await bot.edit_message_reply_markup(
            chat_id=message.chat.id, message_id=message.message_id, reply_markup=None
        )


def draft(message: Message) -> tuple[str, str] | None:
    """(headline, body HTML) from an editor's message, or None when it has no usable text."""
    text = message.text or ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    # Telegram's entities (bold, links…) become HTML; the text between them is escaped.
    return trim(lines[0], TITLE_LIMIT), _HTML.unparse(text, message.entities)


class _EscapingHtml(HtmlDecoration):
    """aiogram's HTML, with the attributes escaped too: a link's "&" or a crafted '"' in a
    URL or a code block's language would otherwise break the HTML (aiogram leaves them)."""

    def link(self, value: str, link: str) -> str:
        return super().link(value, html.escape(link))

    def pre_language(self, value: str, language: str) -> str:
        return super().pre_language(value, html.escape(language))


_HTML = _EscapingHtml()


def too_long(preview: str) -> bool:
    return utf16_len(preview) > MESSAGE_LIMIT - _FRAME


def renders(item: Item, settings: Settings, i18n: I18n) -> dict[str, str]:
    """The item in every language, as the delivery worker renders it."""
    texts = {}
    for locale in LOCALES:
        with i18n.use_locale(locale):
            texts[locale] = item_message(item, settings.tz, locale)
    return texts


def copy_sender(bot: Bot, delivery: DeliveryWorker | None) -> Bot:
    """Edits of delivered copies go through the worker's bot (unpaced: jobs.editing paces
    them) when it runs here."""
    return delivery.bot if delivery is not None else bot


async def editable_item(
    message: Message, command: CommandObject, store: Storage, access: Access, usage: str
) -> Item | None:
    """The item a command names, if it exists and this editor may change it; else answers."""
    argument = (command.args or "").strip().lstrip("№#").strip()
    if not argument.isdecimal() or len(argument) > 12:
        await message.answer(html.escape(usage))
        return None
    item = await store.items.get(int(argument))
    if item is None:
        await message.answer(_("There is no item № {id}.").format(id=int(argument)))
        return None
    if not access.can_edit(item.region_code):
        await message.answer(_("This item is not from your regions."))
        return None
    return item


async def live_item(
    message: Message, command: CommandObject, store: Storage, access: Access, usage: str
) -> Item | None:
    """`editable_item`, refusing one that was retracted (it can be neither corrected nor
    retracted again)."""
    item = await editable_item(message, command, store, access, usage)
    if item is not None and await store.editorial.is_retracted(item.id):
        await message.answer(_("Item № {id} was retracted.").format(id=item.id))
        return None
    return item


# ----------------------------------------------------------------------------- /push


async def cmd_push(
    message: Message, command: CommandObject, state: FSMContext, access: Access, i18n: I18n
) -> None:
    """/push [region]: start a breaking item; without a region, a keyboard of the editor's."""
    lang = i18n.current_locale
    await state.clear()
    args = (command.args or "").strip()
    if args:
        named = parse_regions(args)
        if len(named.regions) == 1 and not named.not_found:
            code = named.regions[0].code
            if access.can_edit(code):
                await state.set_state(PushFlow.text)
                await state.set_data({"region_code": code})
                await message.answer(text_prompt(code, lang), reply_markup=cancel_keyboard())
                return
            await message.answer(refusal_for(code, lang))
        else:
            await message.answer(_("Name one region, or choose it below."))
    await state.set_state(PushFlow.region)
    await message.answer(
        "🔴 <b>" + _("Breaking news") + "</b>\n" + _("Which region is it for?"),
        reply_markup=push_regions_keyboard(access, lang),
    )


async def on_push_region(
    callback: CallbackQuery,
    callback_data: EditorCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    state: FSMContext,
    access: Access,
    i18n: I18n,
) -> None:
    """A region on the /push keyboard."""
    lang = i18n.current_locale
    code = callback_data.code
    if get_region(code) is None or not access.can_edit(code):
        stale(callback_answer, refusal_for(code, lang) if get_region(code) else stale_text())
        return
    await state.set_state(PushFlow.text)
    await state.set_data({"region_code": code})
    if callback.message is not None:
        await edit_or_ignore(
            bot,
            callback.message.chat.id,
            callback.message.message_id,
            text_prompt(code, lang),
            cancel_keyboard(),
        )


async def on_push_text(
    message: Message, state: FSMContext, access: Access, settings: Settings, i18n: I18n
) -> None:
    """The editor's text for /push: a preview exactly as subscribers will get it."""
    lang = i18n.current_locale
    code = (await state.get_data()).get("region_code", "")
    if not access.can_edit(code):
        await state.clear()
        await message.answer(refusal_for(code, lang))
        return
    parts = draft(message)
    if parts is None:
        await message.answer(_("The text is empty. Send the news as a text message."))
        return
    title, body_html = parts
    item = Item(
        id=0,
        region_code=code,
        kind=ItemKind.BREAKING,
        title=title,
        summary="",
        url=None,
        source_name="",
        published_at=datetime.now(UTC),  # what subscribers will see, give or take a minute
        author_id=access.user_id,
        body_html=body_html,
    )
    preview = item_message(item, settings.tz, lang)
    if too_long(preview):
        await message.answer(_("The text is too long for one message. Please shorten it."))
        return
    await state.update_data(title=title, body_html=body_html)
    await state.set_state(PushFlow.confirm)
    await message.answer(
        "👁 "
        + _("This is how subscribers in {region} will see it:").format(
            region=region_name(code, lang)
        )
    )
    await message.answer(
        preview, reply_markup=confirm_keyboard(EditorAction.SEND, "📤 " + _("Send"))
    )


async def on_not_text(message: Message) -> None:
    """A photo, sticker or file where a flow waits for text."""
    await message.answer(
        _(
            "Please send the text as a plain message (photos and files are not supported yet), "
            "or /cancel."
        )
    )


async def on_push_send(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    bot: Bot,
    state: FSMContext,
    access: Access,
    store: Storage,
    delivery: DeliveryWorker | None,
    jobs: BackgroundJobs,
    i18n: I18n,
) -> None:
    """ "Send" under the preview: publish, and follow the delivery in one message."""
    lang = i18n.current_locale
    data = await state.get_data()
    code, title, body_html = data.get("region_code", ""), data.get("title"), data.get("body_html")
    if not access.can_edit(code):  # rights may have changed since the flow began
        await state.clear()
        stale(callback_answer, refusal_for(code, lang))
        return
    if not title or not body_html or callback.message is None:
        await state.clear()
        stale(callback_answer, stale_text())
        return
    await state.clear()  # before publishing: a second press finds no flow to finish
    await close_keyboard(bot, callback.message)
    published = await store.outbox.publish(
        NewItem(
            code,
            title,
            datetime.now(UTC),
            kind=ItemKind.BREAKING,
            author_id=access.user_id,
            body_html=body_html,
        )
    )
    if delivery is not None:
        delivery.wake()
    await store.audit.log(
        access.user_id, "push", item_id=published.item_id, details=f"{code} {title[:200]}"
    )
    callback_answer.text = _("Sent.")
    counts = await store.outbox.counts(published.item_id)
    status = await bot.send_message(
        callback.message.chat.id, progress_text(published.item_id, counts)
    )
    jobs.start(
        follow_delivery(bot, status.chat.id, status.message_id, published.item_id, store, lang)
    )


async def follow_delivery(
    bot: Bot, chat_id: int, message_id: int, item_id: int, store: Storage, lang: str
) -> None:
    """Edit the editor's status message as copies go out; end with the report."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PROGRESS_LIMIT
    shown: tuple[int, int] | None = None
    while loop.time() < deadline:
        await asyncio.sleep(PROGRESS_INTERVAL)
        counts = await store.outbox.counts(item_id)
        if counts[DeliveryStatus.PENDING] + counts[DeliveryStatus.SENDING] == 0:
            break
        figures = (counts[DeliveryStatus.SENT], sum(counts.values()))
        if figures != shown:
            shown = figures
            await edit_or_ignore(bot, chat_id, message_id, progress_text(item_id, counts))
    item = await store.items.get(item_id)
    report = await store.editorial.report(item_id)
    if item is not None and report is not None:
        await edit_or_ignore(bot, chat_id, message_id, report_text(item, report, lang))


# ----------------------------------------------------------------------------- /correct


async def cmd_correct(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    access: Access,
    store: Storage,
) -> None:
    """/correct <id>: new text for an item; every delivered copy is edited in place."""
    await state.clear()
    usage = _("Usage: /correct <item number>, for example: /correct 42")
    item = await live_item(message, command, store, access, usage)
    if item is None:
        return
    await state.set_state(CorrectFlow.text)
    await state.set_data({"item_id": item.id})
    await message.answer(
        "✏️ "
        + _("Correcting item {label}.").format(label=item_label(item))
        + "\n"
        + _("Send the new text as one message; the first line becomes the headline."),
        reply_markup=cancel_keyboard(),
    )


async def on_correct_text(
    message: Message,
    state: FSMContext,
    access: Access,
    store: Storage,
    settings: Settings,
    i18n: I18n,
) -> None:
    """The corrected text: a preview of the item as it will read everywhere."""
    item_id = int((await state.get_data()).get("item_id", 0))
    item = await store.items.get(item_id)
    if item is None or not access.can_edit(item.region_code):
        await state.clear()
        await message.answer(_("This item is not from your regions."))
        return
    parts = draft(message)
    if parts is None:
        await message.answer(_("The text is empty. Send the news as a text message."))
        return
    title, body_html = parts
    corrected = _corrected(item, title, body_html)
    preview = item_message(corrected, settings.tz, i18n.current_locale)
    if too_long(preview):
        await message.answer(_("The text is too long for one message. Please shorten it."))
        return
    await state.update_data(title=title, body_html=body_html)
    await state.set_state(CorrectFlow.confirm)
    await message.answer("👁 " + _("The corrected item will read:"))
    await message.answer(
        preview,
        reply_markup=confirm_keyboard(EditorAction.CORRECT, "✏️ " + _("Correct"), item.id),
    )


def _corrected(item: Item, title: str, body_html: str) -> Item:
    return replace(item, title=title, body_html=body_html)


async def on_correct_apply(
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
    """ "Correct" under the preview: store the text, then edit every delivered copy."""
    data = await state.get_data()
    item_id = int(data.get("item_id", 0))
    title, body_html = data.get("title"), data.get("body_html")
    item = await store.items.get(item_id)
    if item is None or not title or not body_html or callback_data.item_id != item_id:
        await state.clear()
        stale(callback_answer, stale_text())
        return
    if not access.can_edit(item.region_code):
        await state.clear()
        stale(callback_answer, _("This item is not from your regions."))
        return
    await state.clear()
    await close_keyboard(bot, callback.message)
    revision = await store.editorial.correct(item_id, title, body_html, access.user_id)
    if revision is None:
        await bot.send_message(
            callback.from_user.id, _("Item № {id} was retracted.").format(id=item_id)
        )
        return
    if delivery is not None:
        delivery.forget_item(item_id)
    callback_answer.text = _("Saved.")
    texts = renders(_corrected(item, title, body_html), settings, i18n)
    # Copies not sent yet go out corrected; those in flight now are corrected by the delivery
    # worker as soon as their message ids are known; these are the ones Telegram holds.
    in_flight = await store.editorial.in_flight([item_id])
    copies = await store.editorial.claim_copies(item_ids=[item_id], below_revision=revision)
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    status = await bot.send_message(
        chat_id,
        _("Item № {id} is corrected; delivered copies to edit: {count}…").format(
            id=item_id, count=number(len(copies) + len(in_flight))
        ),
    )
    sender = copy_sender(bot, delivery)

    async def edit_all() -> None:
        edited = await correct_copies(sender, copies, texts, pacer)
        await store.editorial.record_changes(
            [(copy.delivery_id, change, None if change else revision) for copy, change in edited]
        )
        await settled(lambda: store.editorial.unsettled(in_flight, revision=revision))
        current, older = await store.editorial.revision_counts(item_id, revision)
        await edit_or_ignore(
            bot, chat_id, status.message_id, _corrected_text(item_id, current, older)
        )

    jobs.start(edit_all())


async def settled(unsettled: Callable[[], Awaitable[int]]) -> None:
    """Until copies that were in flight at an editor's change have been dealt with (or a
    while has passed: the report then says what is known)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_LIMIT
    while loop.time() < deadline:
        if not await unsettled():
            return
        await asyncio.sleep(SETTLE_INTERVAL)  # the store is the only one that knows


def _corrected_text(item_id: int, current: int, older: int) -> str:
    lines = [
        "✅ " + _("Item № {id} is corrected.").format(id=item_id),
        _("Copies with the corrected text: {count}").format(count=number(current)),
    ]
    if older:
        lines.append(_("Could not edit: {count}").format(count=number(older)))
    return "\n".join(lines)


# ----------------------------------------------------------------------------- /retract


async def cmd_retract(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    access: Access,
    store: Storage,
) -> None:
    """/retract <id>: after a confirmation, take an item back from everywhere."""
    await state.clear()
    usage = _("Usage: /retract <item number>, for example: /retract 42")
    item = await live_item(message, command, store, access, usage)
    if item is None:
        return
    await state.set_state(RetractFlow.confirm)
    await state.set_data({"item_id": item.id})
    await message.answer(
        "⚠️ "
        + _("Retract item {label}?").format(label=item_label(item))
        + "\n"
        + _(
            "Delivered copies will be deleted (older than 48 hours: replaced with a notice), "
            "copies not sent yet will not go out, and the item leaves /latest and /region."
        ),
        reply_markup=confirm_keyboard(EditorAction.RETRACT, "🗑 " + _("Retract"), item.id),
    )


async def on_retract_confirm(
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
    """ "Retract" confirmed: hide the item, cancel what is pending, delete what went out."""
    item_id = int((await state.get_data()).get("item_id", 0))
    item = await store.items.get(item_id)
    if item is None or callback_data.item_id != item_id:
        await state.clear()
        stale(callback_answer, stale_text())
        return
    if not access.can_edit(item.region_code):
        await state.clear()
        stale(callback_answer, _("This item is not from your regions."))
        return
    await state.clear()
    await close_keyboard(bot, callback.message)
    await store.items.retract(item_id)
    cancelled = await store.editorial.cancel_pending(item_id)
    if delivery is not None:
        delivery.forget_item(item_id)
    await store.audit.log(access.user_id, "retract", item_id=item_id, details=item.title[:200])
    callback_answer.text = _("Retracted.")
    notices = {}
    for locale in LOCALES:
        with i18n.use_locale(locale):
            notices[locale] = retraction_notice()
    # Copies in flight now are removed by the delivery worker as soon as their message ids
    # are known; these are the ones Telegram holds (of the event's reminders too).
    family = await store.editorial.family(item_id)
    in_flight = await store.editorial.in_flight(family)
    copies = await store.editorial.claim_copies(item_ids=family)
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    status = await bot.send_message(
        chat_id,
        _("Item № {id} is retracted; delivered copies to remove: {count}…").format(
            id=item_id, count=number(len(copies) + len(in_flight))
        ),
    )
    sender = copy_sender(bot, delivery)

    async def remove_all() -> None:
        removed = await retract_copies(sender, copies, notices, pacer, time.time())
        await store.editorial.record_changes(
            [(copy.delivery_id, change, None) for copy, change in removed]
        )
        await settled(lambda: store.editorial.unsettled(in_flight, retracted=True))
        changes = await store.editorial.changes(family)
        lines = [
            "✅ " + _("Item № {id} is retracted.").format(id=item_id),
            _("Copies deleted: {count}").format(
                count=number(changes.get(CopyChange.DELETED, 0) + changes.get(CopyChange.GONE, 0))
            ),
            _("Copies replaced with a notice: {count}").format(
                count=number(changes.get(CopyChange.REPLACED, 0))
            ),
            _("Copies not sent, cancelled: {count}").format(count=number(cancelled)),
        ]
        failed = changes.get(CopyChange.FAILED, 0) + changes.get(CopyChange.PENDING, 0)
        if failed:
            lines.append(_("Could not remove: {count}").format(count=number(failed)))
        await edit_or_ignore(bot, chat_id, status.message_id, "\n".join(lines))

    jobs.start(remove_all())


# ----------------------------------------------------------------------------- /report, /cancel


async def cmd_report(
    message: Message, command: CommandObject, access: Access, store: Storage, i18n: I18n
) -> None:
    """/report <id>: delivered, pending, failed (by reason), skipped, and timing."""
    usage = _("Usage: /report <item number>, for example: /report 42")
    item = await editable_item(message, command, store, access, usage)
    if item is None:
        return
    report = await store.editorial.report(item.id)
    if report is None:
        await message.answer(_("There is no item № {id}.").format(id=item.id))
        return
    await message.answer(report_text(item, report, i18n.current_locale))


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    """/cancel inside an editor's flow."""
    await state.clear()
    await message.answer(_("Cancelled; nothing was published or changed."))


async def on_cancel(
    callback: CallbackQuery, callback_answer: CallbackAnswer, bot: Bot, state: FSMContext
) -> None:
    """ "Cancel" at any step."""
    await state.clear()
    callback_answer.text = _("Cancelled.")
    if callback.message is not None:
        await edit_or_ignore(
            bot,
            callback.message.chat.id,
            callback.message.message_id,
            _("Cancelled; nothing was published or changed."),
        )


async def on_stale(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """A flow's button pressed when that flow is no longer at that step."""
    stale(callback_answer, stale_text())


def router() -> Router:
    editors = Router(name=__name__)
    in_flow = StateFilter(*FLOWS)
    # Cheap filters first: only the editors' commands and flows cost a look at the roles.
    editors.message.filter(or_f(Command(*COMMANDS), in_flow), HasRole(Role.EDITOR))
    editors.callback_query.filter(EditorCb.filter(), HasRole(Role.EDITOR))

    messages = editors.message
    messages.register(cmd_cancel, Command("cancel"), in_flow)
    messages.register(cmd_push, Command("push"))
    messages.register(cmd_correct, Command("correct"))
    messages.register(cmd_retract, Command("retract"))
    messages.register(cmd_report, Command("report"))
    not_command = ~F.text.startswith("/")
    messages.register(on_push_text, PushFlow.text, F.text, not_command)
    messages.register(on_correct_text, CorrectFlow.text, F.text, not_command)
    messages.register(on_not_text, StateFilter(PushFlow.text, CorrectFlow.text), ~F.text)

    buttons = editors.callback_query
    action = EditorCb.filter
    buttons.register(on_cancel, action(F.action == EditorAction.CANCEL))
    buttons.register(on_push_region, action(F.action == EditorAction.REGION), PushFlow.region)
    buttons.register(on_push_send, action(F.action == EditorAction.SEND), PushFlow.confirm)
    buttons.register(
        on_correct_apply, action(F.action == EditorAction.CORRECT), CorrectFlow.confirm
    )
    buttons.register(
        on_retract_confirm, action(F.action == EditorAction.RETRACT), RetractFlow.confirm
    )
    buttons.register(on_stale)
    return editors
