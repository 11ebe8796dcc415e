"""Request middlewares for the bot that answers users: it keeps Telegram's pace, and survives
brief server trouble.

- `PacingMiddleware` sends every message through the process's `Pacer` (bot/pacing.py), in the
  answers' lane, after the chat's own pace. A wait longer than a handler should hold its update
  (a flooded chat, or one user's backlog) is not waited: the answer is dropped with
  `ChatFloodedError`, which the error router logs in one line, so that one noisy chat cannot hold
  the updates of everyone else.
- `RetryMiddleware` retries a 5xx or network error after a short backoff.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from infra.pacing import ChatBusyError, Lane, Pacer

log = logging.getLogger(__name__)

# Every method that puts a message in a chat or changes one: Telegram counts them all.
PACED_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendAudio",
        "sendVoice",
        "sendVideoNote",
        "sendSticker",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
    }
)


class ChatFloodedError(TelegramRetryAfter):
    """An answer not sent: its chat may not get another message for `retry_after` seconds,
    longer than a handler may wait."""


def is_group(chat_id: int | str) -> bool:
    """Groups, supergroups and channels have negative ids (or an @username); an answer there
    keeps to a group's pace, the stricter one."""
    return isinstance(chat_id, str) or chat_id < 0


class PacingMiddleware(BaseRequestMiddleware):
    def __init__(
        self,
        pacer: Pacer,
        *,
        lane: Lane = Lane.ANSWER,
        max_wait: float = 3.0,
        attempts: int = 3,
    ) -> None:
        self.pacer = pacer
        self.lane = lane
        self.max_wait = max_wait  # the longest a send waits for its chat, 429s included
        self.attempts = attempts  # sends of one request that Telegram answered 429

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if method.__api_method__ not in PACED_METHODS:
            return await self._unpaced(make_request, bot, method)
        chat_id: int | str | None = getattr(method, "chat_id", None)  # None: inline messages
        group = chat_id is not None and is_group(chat_id)
        paid = bool(getattr(method, "allow_paid_broadcast", False))
        for attempt in range(1, self.attempts + 1):
            try:
                async with self.pacer.turn(
                    self.lane, chat_id, group=group, paid=paid, max_wait=self.max_wait
                ):
                    return await make_request(bot, method)
            except ChatBusyError as exc:
                raise ChatFloodedError(
                    method=method,
                    message=f"chat {chat_id} is busy; answer dropped",
                    retry_after=max(1, math.ceil(exc.delay)),
                ) from None
            except TelegramRetryAfter as exc:
                everyone = self.pacer.flooded(chat_id, exc.retry_after, group=group)
                log.info(
                    "%s: flood control (%s), %ss",
                    method.__api_method__,
                    "everyone waits" if everyone else f"chat {chat_id} waits",
                    exc.retry_after,
                )
                if attempt == self.attempts or exc.retry_after > self.max_wait:
                    raise
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _unpaced(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        """A method Telegram does not count as a message; a short 429 is waited out."""
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts or exc.retry_after > self.max_wait:
                    raise
                await asyncio.sleep(exc.retry_after)
        raise AssertionError("unreachable")  # the loop returns or raises


class RetryMiddleware(BaseRequestMiddleware):
    def __init__(self, *, attempts: int = 4, backoff: float = 0.5) -> None:
        self.attempts = attempts
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
            except (TelegramServerError, TelegramNetworkError) as exc:
                if attempt == self.attempts:
                    raise
                delay = self.backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
                log.info("%s: %s, retrying in %.1fs", method.__api_method__, exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises
