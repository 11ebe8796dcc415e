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
from handlers.editors.drafts import draft, photo_of
from handlers.editors.keyboards import (
    EditorAction,
    EditorCb,
    cancel_keyboard,
    confirm_keyboard,
    push_regions_keyboard,
)
from handlers.editors.steps import (
    close_keyboard,
    close_keyboard_of,
    draft_problem,
    drop_preview,
    edit_or_ignore,
    not_a_draft,
    send_preview,
)
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
from handlers.region_step import TypedRegion, city_line, not_a_region, read_region
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
    message: Message,
    command: CommandObject,
    bot: Bot,
    state: FSMContext,
    access: Access,
    i18n: I18n,
) -> None:
    """/push [region]: start a breaking item; without a region, a keyboard of the editor's."""
    lang = i18n.current_locale
    await state.clear()
    args = (command.args or "").strip()
    if not args:
        await ask_region(message, bot, state, access, lang)
        return
    typed = read_region(args, access)
    if typed.region is None:
        named = parse_regions(args)
        lead = _("Name one region, or choose it below.") if named.regions else not_a_region(args)
        await ask_region(message, bot, state, access, lang, lead)
        return
    await take_region(message, bot, state, access, typed, lang)


async def ask_region(
    message: Message, bot: Bot, state: FSMContext, access: Access, lang: str, lead: str = ""
) -> None:
    """The region question with the editor's regions as buttons (`lead`: said first); an
    earlier one loses its buttons."""
    await close_question(message, bot, state)
    await state.set_state(PushFlow.region)
    question = await message.answer(
        (lead + "\n\n" if lead else "")
        + "🔴 <b>"
        + _("Breaking news")
        + "</b>\n"
        + _("Which region is it for? Choose it below or type its name."),
        reply_markup=push_regions_keyboard(access, lang),
    )
    await state.set_data({"question_id": question.message_id})


async def take_region(
    message: Message,
    bot: Bot,
    state: FSMContext,
    access: Access,
    typed: TypedRegion,
    lang: str,
) -> None:
    """A region typed (with /push or at its question): on to the text, or the question again
    when the editor may not publish there."""
    assert typed.region is not None
    code = typed.region.code
    if not typed.allowed:
        await ask_region(message, bot, state, access, lang, refusal_for(code, lang))
        return
    await close_question(message, bot, state)
    await state.set_state(PushFlow.text)
    await state.set_data({"region_code": code})
    city = city_line(typed, lang)
    await message.answer(
        (city + "\n" if city else "") + text_prompt(code, lang), reply_markup=cancel_keyboard()
    )


async def close_question(message: Message, bot: Bot, state: FSMContext) -> None:
    """The buttons off the region question the flow asked last, if any."""
    question_id = (await state.get_data()).get("question_id")
    if isinstance(question_id, int):
        await close_keyboard_of(bot, message.chat.id, question_id)


async def on_push_region_text(
    message: Message, bot: Bot, state: FSMContext, access: Access, i18n: I18n
) -> None:
    """A region's name typed at the /push region question."""
    lang = i18n.current_locale
    text = message.text or ""
    typed = read_region(text, access)
    if typed.region is None:
        await ask_region(message, bot, state, access, lang, not_a_region(text))
        return
    await take_region(message, bot, state, access, typed, lang)


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
    message: Message,
    bot: Bot,
    state: FSMContext,
    access: Access,
    settings: Settings,
    i18n: I18n,
) -> None:
    """The editor's news for /push, a text or a photo with its caption: a preview exactly as
    subscribers will get it. At the preview, new news replaces the draft."""
    lang = i18n.current_locale
    data = await state.get_data()
    code = data.get("region_code", "")
    if not access.can_edit(code):
        await state.clear()
        await message.answer(refusal_for(code, lang))
        return
    photo = photo_of(message)
    parts = draft(message)
    if parts is None:
        await message.answer(
            _("Add a caption to the photo: its first line becomes the headline.")
            if photo
            else _("The text is empty. Send the news as a text message.")
        )
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
        photo=photo,
    )
    problem = draft_problem(item, settings, i18n)
    if problem is not None:
        await message.answer(problem)
        return
    replacing = await state.get_state() == PushFlow.confirm.state
    await drop_preview(bot, message.chat.id, data)
    await state.update_data(title=title, body_html=body_html, photo=photo)
    await state.set_state(PushFlow.confirm)
    region = region_name(code, lang)
    await message.answer(
        "👁 "
        + (
            _("The new text replaces the draft. This is how subscribers in {region} will see it:")
            if replacing
            else _(
                "This is how subscribers in {region} will see it. Press “Send” under it, or "
                "send a new text to replace the draft:"
            )
        ).format(region=region)
    )
    shown = await send_preview(
        message,
        item,
        item_message(item, settings.tz, lang),
        confirm_keyboard(EditorAction.SEND, "📤 " + _("Send")),
    )
    await state.update_data(preview_id=shown.message_id)


async def on_push_not_draft(message: Message) -> None:
    """Neither a button nor a new text at the /push preview."""
    await not_a_draft(message, _("Send"))


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
    photo = data.get("photo")
    published = await store.outbox.publish(
        NewItem(
            code,
            title,
            datetime.now(UTC),
            kind=ItemKind.BREAKING,
            author_id=access.user_id,
            body_html=body_html,
            photo=photo if isinstance(photo, str) else None,
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
