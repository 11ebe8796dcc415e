"""A test's Telegram user: sends text, presses buttons, and sees what the bot answered."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from bot.factory import build_bot, build_dispatcher, build_pacer, poll
from infra.pacing import PaceLimits, Pacer
from infra.settings import Settings
from jobs.delivery import DeliveryWorker
from jobs.ingest import FeedClient
from sandbox import SANDBOX_TOKEN, BotAPISandbox, SentMessage
from storage.repositories import Storage

USER_ID = 501
ADMIN_ID = 900
SETTLE = 0.1  # after the first answer, how long to wait for the rest of it
# Against a sandbox without Telegram's limits, answers are not held to them either: tests
# that are about the limits turn the sandbox's on, and then the bot keeps the real pace.
UNPACED = PaceLimits(rate=1000, chat_interval=0.0, group_interval=0.0)


@dataclass
class BotClient:
    sandbox: BotAPISandbox
    user_id: int = USER_ID
    chat_id: int = USER_ID

    def as_user(
        self, user_id: int, *, chat_id: int | None = None, language: str | None = "uk"
    ) -> BotClient:
        self.sandbox.add_user(user_id, first_name=f"User{user_id}", language_code=language)
        return BotClient(self.sandbox, user_id, chat_id if chat_id is not None else user_id)

    async def send(self, text: str, *, expect: int = 1, timeout: float = 5.0) -> list[SentMessage]:
        """Send a message and return the bot's answers (at least `expect` of them)."""
        since = self.sandbox.last_message_id(self.chat_id)
        self.sandbox.send_message(self.chat_id, text, user_id=self.user_id)
        return await self._answers(since, expect, timeout)

    async def click(
        self, message: SentMessage, label: str, *, expect: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Press the inline button whose text contains `label`; return new messages."""
        since = self.sandbox.last_message_id(self.chat_id)
        self.sandbox.press(message, label, user_id=self.user_id)
        return await self._answers(since, expect, timeout)

    async def click_data(self, message: SentMessage, data: str) -> dict[str, object]:
        """Send arbitrary callback data (as a crafted client could); return the query's answer."""
        answered = len(self.sandbox.callback_answers)
        update = self.sandbox.click(message, data, user_id=self.user_id)
        query_id = update["callback_query"]["id"]
        for _ in range(100):
            for answer in self.sandbox.callback_answers[answered:]:
                if answer.get("callback_query_id") == query_id:
                    return answer
            await asyncio.sleep(0.02)
        raise TimeoutError(f"callback {data!r} was not answered")

    async def silence(self, text: str, *, wait: float = 0.4) -> None:
        """Send a message and assert the bot answers nothing."""
        since = self.sandbox.last_message_id(self.chat_id)
        self.sandbox.send_message(self.chat_id, text, user_id=self.user_id)
        await asyncio.sleep(wait)
        new = [m for m in self.sandbox.sent(self.chat_id) if m.message_id > since]
        assert not new, f"expected no answer to {text!r}, got {[m.plain_text for m in new]}"

    async def _answers(self, since: int, expect: int, timeout: float) -> list[SentMessage]:
        await self.sandbox.wait_for(self.chat_id, expect, since=since, timeout=timeout)
        await asyncio.sleep(SETTLE)
        return [m for m in self.sandbox.sent(self.chat_id) if m.message_id > since]


@contextlib.asynccontextmanager
async def running_bot(
    sandbox: BotAPISandbox,
    settings: Settings,
    store: Storage,
    *,
    delivery: DeliveryWorker | None = None,
    feeds: FeedClient | None = None,
) -> AsyncIterator[BotClient]:
    """The bot, built by the same factory as production, polling the sandbox (with
    `delivery`, handlers wake that worker when they publish; with `feeds`, /addsource
    fetches through that client)."""
    bot_settings = settings.model_copy(update={"telegram_api_url": sandbox.base_url})
    if delivery is not None:
        pacer = delivery.pacer
    elif sandbox.limits.enabled:
        pacer = build_pacer(bot_settings)
    else:
        pacer = Pacer(UNPACED)
    bot = build_bot(bot_settings, token=SANDBOX_TOKEN, pacer=pacer)
    dispatcher = build_dispatcher(bot_settings, store, delivery=delivery, pacer=pacer, feeds=feeds)
    polling = asyncio.create_task(
        poll(dispatcher, bot, bot_settings, handle_signals=False, polling_timeout=1)
    )
    try:
        yield BotClient(sandbox)
    finally:
        with contextlib.suppress(RuntimeError):
            await dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(polling, timeout=5)
        await dispatcher["feeds"].close()
        await bot.session.close()
