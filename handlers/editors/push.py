"""/push: a breaking item, from the region to the report on its delivery."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.formatting import item_message
from domain.named_regions import parse_regions
from domain.regions import get_region
from handlers.editors.drafts import draft, too_long
from handlers.editors.keyboards import (
    EditorAction,
    EditorCb,
    cancel_keyboard,
    confirm_keyboard,
    push_regions_keyboard,
)
from handlers.editors.steps import close_keyboard, edit_or_ignore
from handlers.editors.texts import (
    progress_text,
    refusal_for,
    region_name,
    report_text,
    stale_text,
    text_prompt,
)
from handlers.filters import Access
from handlers.news import stale
from infra.background import BackgroundJobs
from infra.settings import Settings
from jobs.delivery import DeliveryWorker
from storage.models import DeliveryStatus, Item, ItemKind, NewItem
from storage.repositories import Storage

PROGRESS_INTERVAL = 2.0  # seconds between looks at a push's deliveries
PROGRESS_LIMIT = 3600.0  # stop following a push after this long (the report is one command away)


class PushFlow(StatesGroup):
    region = State()
    text = State()
    confirm = State()


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
