"""Start-up: reach Telegram before anything else begins, and say calmly what is wrong.

A token Telegram rejects is a configuration error: one line naming BOT_TOKEN, exit status 2
(the entry point prints SettingsError that way). Telegram out of reach (the network, a 5xx, a
429, an answer that is not the Bot API's) is waited out: one warning line per attempt, waits
doubling up to a cap, until Telegram answers or SIGINT/SIGTERM says stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator

from aiogram import Bot
from aiogram.exceptions import (
    AiogramError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import GetMe
from aiogram.types import User

from infra.settings import SettingsError

log = logging.getLogger(__name__)

FIRST_WAIT_SECONDS = 1.0
MAX_WAIT_SECONDS = 60.0
ATTEMPT_TIMEOUT_SECONDS = 15


async def reach_telegram(bot: Bot, api_url: str) -> User | None:
    """The bot's own user, once Telegram answers getMe; None when SIGINT or SIGTERM came
    first. Raises SettingsError when Telegram rejects the token."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = {}  # signal: the handler it had before, given back afterwards
    for number in (signal.SIGINT, signal.SIGTERM):
        # Not on every platform, nor outside the main thread; the default stop then applies.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            previous = signal.getsignal(number)
            loop.add_signal_handler(number, stop.set)
            handled[number] = previous
    attempts = asyncio.ensure_future(_get_me(bot, api_url))
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({attempts, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for number, previous in handled.items():
            loop.remove_signal_handler(number)
            if previous is not None:
                signal.signal(number, previous)
        for task in (attempts, stopped):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if attempts.cancelled():
        log.warning("stopped before Telegram could be reached")
        return None
    return attempts.result()


def waits() -> Iterator[float]:
    """Seconds between attempts: doubling from the first, then the cap for ever."""
    wait = FIRST_WAIT_SECONDS
    while True:
        yield wait
        wait = min(wait * 2, MAX_WAIT_SECONDS)


async def _get_me(bot: Bot, api_url: str) -> User:
    backoff = waits()
    while True:
        try:
            # Through the session itself: the bot's retry middleware would add waits and lines
            # of its own to each attempt.
            return await bot.session.make_request(bot, GetMe(), ATTEMPT_TIMEOUT_SECONDS)
        except (TelegramUnauthorizedError, TelegramNotFound) as exc:
            raise SettingsError(
                f"BOT_TOKEN: {api_url} rejected the token ({exc.message}); "
                "check it with @BotFather"
            ) from None
        except TelegramRetryAfter as exc:
            pause = min(float(exc.retry_after), MAX_WAIT_SECONDS)
            reason = f"flood control, retry after {exc.retry_after} s"
        except AiogramError as exc:  # network errors, 5xx, answers that are not the Bot API's
            pause = next(backoff)
            reason = f"{type(exc).__name__}: {exc}"
        reason = " ".join(reason.replace(bot.token, "<BOT_TOKEN>").split())[:300]
        log.warning(
            "cannot reach Telegram at %s (%s); trying again in %g s", api_url, reason, pause
        )
        await asyncio.sleep(pause)
