"""One place for errors: log them, tell the user something went wrong, never go silent."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, bot: Bot) -> None:
    """Any exception a handler raised."""
    update = event.update
    if isinstance(event.exception, TelegramRetryAfter):
        # The chat is flooded (one user sending too fast, or Telegram's flood control): an
        # answer there would be refused too. One line, and the update is done.
        log.info("update %s: answer dropped: %s", update.update_id, event.exception.message)
        return
    log.exception(
        "update %s failed: %r", update.update_id, event.exception, exc_info=event.exception
    )
    text = _("Something went wrong on our side. Please try again in a minute.")
    try:
        if update.message is not None:
            await bot.send_message(update.message.chat.id, text)
        elif update.callback_query is not None and update.callback_query.message is not None:
            await bot.send_message(update.callback_query.message.chat.id, text)
    except TelegramAPIError:
        log.warning("could not tell the user about the error in update %s", update.update_id)


def router() -> Router:
    errors = Router(name=__name__)
    errors.errors.register(on_error)
    return errors
