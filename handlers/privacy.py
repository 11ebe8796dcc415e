"""/stop: leave, and have the bot forget the chat.

What the bot keeps about a chat is its type, title and language, its subscriptions, and its
deliveries (pending ones, and for sent ones the message id, which corrections use). /stop
asks once, with buttons, then deletes all of it. In groups and channels only the chat's admins
may do it, as with subscriptions. Anything the chat does later (/start, /subscribe) starts
afresh.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from handlers.deps import provide
from handlers.permissions import AdminCheck
from handlers.subscriptions.steps import edit_message, may_change, pressed_by_admin
from storage.repositories import Storage


class StopAction(StrEnum):
    CONFIRM = "confirm"
    KEEP = "keep"


class StopCb(CallbackData, prefix="stop"):
    action: StopAction


def confirm_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text="🗑 " + _("Yes, delete"),
                    callback_data=StopCb(action=StopAction.CONFIRM).pack(),
                ),
                InlineKeyboardButton(
                    text=_("No, keep"), callback_data=StopCb(action=StopAction.KEEP).pack()
                ),
            ]
        ]
    )


async def cmd_stop(message: Message, bot: Bot, admin_check: AdminCheck) -> None:
    """/stop: what it will delete, and the buttons to confirm or keep."""
    if not await may_change(message, bot, admin_check):
        return
    text = "\n".join(
        [
            "🛑 <b>" + _("Stop and delete this chat's data?") + "</b>",
            "",
            _(
                "The chat will be unsubscribed from every region, and Visnyk will delete what "
                "it keeps about it: its subscriptions, language, news waiting to be sent and "
                "the record of what was sent here."
            ),
            _("Messages already in the chat stay; the bot can no longer correct or remove them."),
        ]
    )
    await message.answer(text, reply_markup=confirm_keyboard())


async def on_stop_button(
    callback: CallbackQuery,
    callback_data: StopCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    state: FSMContext,
    admin_check: AdminCheck,
) -> None:
    """ "Yes, delete" or "No, keep" under /stop's question."""
    message = await pressed_by_admin(callback, callback_answer, bot, admin_check)
    if message is None:
        return
    if callback_data.action is StopAction.KEEP:
        await edit_message(
            bot, message, None, _("Nothing was deleted. Your subscriptions: /subscriptions")
        )
        return
    await state.clear()  # an unfinished conversation of the presser's, in this chat
    forgotten = await store.subscriptions.forget_chat(message.chat.id)
    store.chat_settings.forget(message.chat.id)
    text = "✅ " + _("Done: this chat is unsubscribed and its data deleted.")
    if not forgotten:
        text = "✅ " + _("Visnyk kept nothing about this chat.")
    await edit_message(bot, message, None, text + " " + _("To come back: /start"))
    callback_answer.text = _("Deleted.")


def router(admin_check: AdminCheck) -> Router:
    privacy = Router(name=__name__)
    provide(privacy, admin_check=admin_check)
    for observer in (privacy.message, privacy.channel_post):
        observer.register(cmd_stop, Command("stop"))
    privacy.callback_query.register(on_stop_button, StopCb.filter())
    return privacy
