"""Changing copies already delivered: corrections edit them, retractions delete them.

Plain functions over a list of copies; each call waits its turn at the process's pacer (in the
broadcast lane, after the chat's own pace, so that edits, copies and answers together stay
within Telegram's limits) and never raises: a copy that cannot be changed is counted, and the
rest go on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from enum import Enum
from functools import partial

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramRetryAfter

from infra.pacing import Lane, Pacer
from storage.editorial import DeliveredCopy
from storage.models import CopyChange

log = logging.getLogger(__name__)

# Telegram lets bots delete their messages for 48 hours; older ones can only be edited.
DELETE_WINDOW = 48 * 3600 - 60
_MAX_RETRY_AFTER = 60.0  # a longer flood wait is not waited out here: the copy is counted failed
# Answers that mean the copy is already as wanted, or gone: nothing to do.
_HARMLESS = ("message is not modified", "message to edit not found", "message to delete not found")


class _Outcome(Enum):
    DONE = "done"
    HARMLESS = "harmless"
    CANNOT_DELETE = "cannot delete"
    FAILED = "failed"


async def _call(
    pacer: Pacer, chat_id: int, request: Callable[[], Awaitable[object]], *, counted: bool = True
) -> _Outcome:
    """One request at the pacer's pace (`counted`: Telegram counts it as a message); a 429
    waits its retry_after once."""
    group = chat_id < 0  # a group's pace, the stricter, for groups and channels alike
    for attempt in range(2):
        try:
            async with pacer.turn(Lane.BROADCAST, chat_id, group=group, counted=counted):
                await request()
        except TelegramRetryAfter as exc:
            pacer.flooded(chat_id, exc.retry_after, group=group)
            if attempt == 0 and exc.retry_after <= _MAX_RETRY_AFTER:
                continue  # the chat's pace now holds the wait
            return _Outcome.FAILED
        except TelegramBadRequest as exc:
            description = exc.message.lower()
            if any(harmless in description for harmless in _HARMLESS):
                return _Outcome.HARMLESS
            if "can't be deleted" in description:
                return _Outcome.CANNOT_DELETE
            log.info(
                "chat %s: could not change a copy: %s", chat_id, exc.message, extra=_of(chat_id)
            )
            return _Outcome.FAILED
        except TelegramAPIError as exc:  # blocked, network, server errors: count and go on
            log.info("chat %s: could not change a copy: %s", chat_id, exc, extra=_of(chat_id))
            return _Outcome.FAILED
        return _Outcome.DONE
    return _Outcome.FAILED


def _of(chat_id: int) -> dict[str, object]:
    return {"chat_id": chat_id}


Changed = list[tuple[DeliveredCopy, CopyChange | None]]


async def correct_copies(
    bot: Bot, copies: Sequence[DeliveredCopy], texts: Mapping[str, str], pacer: Pacer
) -> Changed:
    """Edit every copy in place to the text for its language (`texts`: language -> HTML):
    each with None (it reads so now, or was deleted in the chat) or FAILED."""
    changed: Changed = []
    for copy in copies:
        outcome = await _call(pacer, copy.chat_id, _edit(bot, copy, texts[copy.language]))
        failed = outcome in (_Outcome.FAILED, _Outcome.CANNOT_DELETE)
        changed.append((copy, CopyChange.FAILED if failed else None))
    return changed


async def retract_copies(
    bot: Bot,
    copies: Sequence[DeliveredCopy],
    notices: Mapping[str, str],
    pacer: Pacer,
    now: float | None = None,
) -> Changed:
    """Delete the copies Telegram still lets the bot delete; replace older ones with a notice.
    Each copy comes back with DELETED, REPLACED, GONE (deleted in the chat already) or
    FAILED."""
    changed: Changed = []
    moment = time.time() if now is None else now
    for copy in copies:
        if moment - copy.sent_at < DELETE_WINDOW:
            outcome = await _call(
                pacer,
                copy.chat_id,
                partial(bot.delete_message, copy.chat_id, copy.message_id),
                counted=False,  # a deletion puts nothing in the chat
            )
            if outcome is not _Outcome.CANNOT_DELETE:
                changed.append((copy, _REMOVED[outcome]))
                continue
        outcome = await _call(pacer, copy.chat_id, _edit(bot, copy, notices[copy.language]))
        changed.append(
            (copy, CopyChange.REPLACED if outcome is _Outcome.DONE else _REMOVED[outcome])
        )
    return changed


def _edit(bot: Bot, copy: DeliveredCopy, text: str) -> Callable[[], Awaitable[object]]:
    """The edit of one copy in place (a photo's caption, or a message's text), ready to call
    through the limiter."""
    if copy.caption:
        return partial(
            bot.edit_message_caption,
            caption=text,
            chat_id=copy.chat_id,
            message_id=copy.message_id,
            parse_mode="HTML",
        )
    return partial(
        bot.edit_message_text,
        text=text,
        chat_id=copy.chat_id,
        message_id=copy.message_id,
        parse_mode="HTML",
    )


_REMOVED = {
    _Outcome.DONE: CopyChange.DELETED,
    _Outcome.HARMLESS: CopyChange.GONE,
    _Outcome.CANNOT_DELETE: CopyChange.FAILED,
    _Outcome.FAILED: CopyChange.FAILED,
}
