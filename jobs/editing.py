"""Changing copies already delivered: corrections edit them, retractions delete them.

Plain functions over a list of copies; each call waits its turn at a shared limiter (the
delivery worker's, so that edits and new messages together stay within Telegram's rate) and
never raises: a copy that cannot be changed is counted, and the rest go on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import partial

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramRetryAfter
from aiolimiter import AsyncLimiter

from storage.editorial import DeliveredCopy

log = logging.getLogger(__name__)

# Telegram lets bots delete their messages for 48 hours; older ones can only be edited.
DELETE_WINDOW = 48 * 3600 - 60
_MAX_RETRY_AFTER = 60.0  # a longer flood wait is not waited out here: the copy is counted failed
# Answers that mean the copy is already as wanted, or gone: nothing to do.
_HARMLESS = ("message is not modified", "message to edit not found", "message to delete not found")


@dataclass
class EditStats:
    edited: int = 0
    deleted: int = 0
    unchanged: int = 0  # already so, or deleted by the user
    failed: int = 0


class _Outcome(Enum):
    DONE = "done"
    HARMLESS = "harmless"
    CANNOT_DELETE = "cannot delete"
    FAILED = "failed"


async def _call(limiter: AsyncLimiter, request: Callable[[], Awaitable[object]]) -> _Outcome:
    """One request at the limiter's pace; a 429 waits its retry_after once."""
    for attempt in range(2):
        await limiter.acquire()
        try:
            await request()
        except TelegramRetryAfter as exc:
            if attempt == 0 and exc.retry_after <= _MAX_RETRY_AFTER:
                await asyncio.sleep(exc.retry_after)
                continue
            return _Outcome.FAILED
        except TelegramBadRequest as exc:
            description = exc.message.lower()
            if any(harmless in description for harmless in _HARMLESS):
                return _Outcome.HARMLESS
            if "can't be deleted" in description:
                return _Outcome.CANNOT_DELETE
            log.info("could not change a copy: %s", exc.message)
            return _Outcome.FAILED
        except TelegramAPIError as exc:  # blocked, network, server errors: count and go on
            log.info("could not change a copy: %s", exc)
            return _Outcome.FAILED
        return _Outcome.DONE
    return _Outcome.FAILED


async def correct_copies(
    bot: Bot, copies: Sequence[DeliveredCopy], texts: Mapping[str, str], limiter: AsyncLimiter
) -> EditStats:
    """Edit every copy in place to the text for its language (`texts`: language -> HTML)."""
    stats = EditStats()
    for copy in copies:
        outcome = await _call(limiter, _edit(bot, copy, texts[copy.language]))
        _count(stats, outcome, edited=True)
    return stats


async def retract_copies(
    bot: Bot,
    copies: Sequence[DeliveredCopy],
    notices: Mapping[str, str],
    limiter: AsyncLimiter,
    now: float | None = None,
) -> EditStats:
    """Delete the copies Telegram still lets the bot delete; replace older ones with a notice."""
    stats = EditStats()
    moment = time.time() if now is None else now
    for copy in copies:
        if moment - copy.sent_at < DELETE_WINDOW:
            outcome = await _call(
                limiter, partial(bot.delete_message, copy.chat_id, copy.message_id)
            )
            if outcome is not _Outcome.CANNOT_DELETE:
                _count(stats, outcome, edited=False)
                continue
        outcome = await _call(limiter, _edit(bot, copy, notices[copy.language]))
        _count(stats, outcome, edited=True)
    return stats


def _edit(bot: Bot, copy: DeliveredCopy, text: str) -> Callable[[], Awaitable[object]]:
    """The edit of one copy in place, ready to call through the limiter."""
    return partial(
        bot.edit_message_text,
        text=text,
        chat_id=copy.chat_id,
        message_id=copy.message_id,
        parse_mode="HTML",
    )


def _count(stats: EditStats, outcome: _Outcome, *, edited: bool) -> None:
    if outcome is _Outcome.DONE:
        if edited:
            stats.edited += 1
        else:
            stats.deleted += 1
    elif outcome is _Outcome.HARMLESS:
        stats.unchanged += 1
    else:
        stats.failed += 1
