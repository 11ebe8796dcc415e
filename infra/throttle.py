"""One user cannot starve the others: a few commands a second each, the rest dropped.

An outer middleware on messages and button presses. Each user (or, for channel posts, each
chat) has a bucket of `burst` updates that refills at `rate` a second; an update that finds it
empty is dropped at once, before any handler, so that a flood costs the bot almost nothing and
holds no update slot. The flooder hears about it once: one short message (at most one a
`notice_every` seconds), or a toast under the button, which Telegram does not count as a
message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ThrottleMiddleware(BaseMiddleware):
    _FORGET_AFTER = 100_000  # users remembered before the idle ones are forgotten

    def __init__(self, *, burst: int = 5, rate: float = 1.0, notice_every: float = 30.0) -> None:
        self.burst = burst
        self.rate = rate
        self.notice_every = notice_every
        self._buckets: dict[int, list[float]] = {}  # who -> [tokens, when counted]
        self._told: dict[int, float] = {}  # who -> when last told to slow down
        self.dropped = 0

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        who = _sender(event)
        if who is None or self._allow(who, time.monotonic()):
            return await handler(event, data)
        self.dropped += 1
        await self._slow_down(event, who, data["bot"])
        return None

    def _allow(self, who: int, now: float) -> bool:
        bucket = self._buckets.get(who)
        if bucket is None:
            if len(self._buckets) >= self._FORGET_AFTER:
                self._forget_idle(now)
            bucket = self._buckets[who] = [float(self.burst), now]
        else:
            bucket[0] = min(float(self.burst), bucket[0] + (now - bucket[1]) * self.rate)
            bucket[1] = now
        if bucket[0] < 1:
            return False
        bucket[0] -= 1
        return True

    def _forget_idle(self, now: float) -> None:
        """Buckets that would be full again carry nothing worth keeping."""
        full_after = self.burst / self.rate
        self._buckets = {
            who: bucket for who, bucket in self._buckets.items() if now - bucket[1] < full_after
        }
        self._told = {who: at for who, at in self._told.items() if now - at < self.notice_every}

    async def _slow_down(self, event: TelegramObject, who: int, bot: Bot) -> None:
        text = _("Too many messages in a row. Wait a few seconds, then I will answer again.")
        try:
            if isinstance(event, CallbackQuery):
                await event.answer(text)
                return
            now = time.monotonic()
            if (
                not isinstance(event, Message)
                or now - self._told.get(who, -1e9) < self.notice_every
            ):
                return
            self._told[who] = now
            await bot.send_message(event.chat.id, text)
        except TelegramAPIError as exc:  # the chat is flooded already: nothing more to say
            log.info("could not tell %s to slow down: %s", who, exc)


def _sender(event: TelegramObject) -> int | None:
    """Whose update this is: the user, or the chat that posted it (channels)."""
    if isinstance(event, CallbackQuery):
        return event.from_user.id
    if isinstance(event, Message):
        if event.from_user is not None:
            return event.from_user.id
        return event.chat.id
    return None
