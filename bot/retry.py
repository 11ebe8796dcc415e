"""Answers to users survive Telegram's flood control and brief server trouble.

A request middleware on the bot's session: a 429 with a short `retry_after` is waited out and
the call repeated; a 5xx or network error is retried after a short backoff. Long waits are not
hidden: the error reaches the caller (the delivery worker schedules those itself).
"""

from __future__ import annotations

import asyncio
import logging
import random

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

log = logging.getLogger(__name__)


class RetryMiddleware(BaseRequestMiddleware):
    def __init__(
        self, *, attempts: int = 4, max_flood_wait: float = 10.0, backoff: float = 0.5
    ) -> None:
        self.attempts = attempts
        self.max_flood_wait = max_flood_wait
        self.backoff = backoff

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts or exc.retry_after > self.max_flood_wait:
                    raise
                log.info(
                    "%s: flood control, retrying in %ss", method.__api_method__, exc.retry_after
                )
                await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if attempt == self.attempts:
                    raise
                delay = self.backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
                log.info("%s: %s, retrying in %.1fs", method.__api_method__, exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises
