"""A test's Telegram user: sends text, presses buttons, and sees what the bot answered."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from bot.factory import build_bot, build_dispatcher, build_pacer, poll
from infra.in_hand import UpdatesInHand
from infra.pacing import PaceLimits, Pacer
from infra.settings import Settings
from jobs.delivery import DeliveryWorker
from jobs.ingest import FeedClient
from sandbox import SANDBOX_TOKEN, BotAPISandbox, SentMessage
from storage.repositories import Storage

USER_ID = 501
ADMIN_ID = 900
# Against a sandbox without Telegram's limits, answers are not held to them either: tests
# that are about the limits turn the sandbox's on, and then the bot keeps the real pace.
UNPACED = PaceLimits(rate=1000, chat_interval=0.0, group_interval=0.0)


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll `condition`: for state that changes without the bot sending anything (a lease,
    a counter), where the sandbox's wait_until would not wake."""
    for _ in range(int(timeout / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise TimeoutError(f"condition not met within {timeout} s")


async def outcome(sandbox: BotAPISandbox, status: SentMessage, timeout: float = 5.0) -> str:
    """The text of an editor's status message once it tells how the work ended (✅, or ⚠️
    when it broke off): a test then checks the numbers at once, instead of waiting for the
    right ones."""
    await sandbox.wait_until(lambda: status.plain_text.startswith(("✅", "⚠️")), timeout=timeout)
    return status.plain_text


@dataclass
class BotClient:
    sandbox: BotAPISandbox
    user_id: int = USER_ID
    chat_id: int = USER_ID
    in_hand: UpdatesInHand | None = None  # the bot's count of updates being handled

    def as_user(
        self, user_id: int, *, chat_id: int | None = None, language: str | None = "uk"
    ) -> BotClient:
        self.sandbox.add_user(user_id, first_name=f"User{user_id}", language_code=language)
        chat = chat_id if chat_id is not None else user_id
        return BotClient(self.sandbox, user_id, chat, self.in_hand)

    async def settled(self, timeout: float = 10.0) -> bool:
        """Wait until the bot is done with what this client gave it: every update taken and
        none in the bot's hands (a handler awaits its answers, so they are all out), for a
        moment. Copies the delivery worker sends meanwhile do not count. Without the bot's
        count, the whole sandbox must be quiet. False when that did not happen in `timeout`."""
        if self.in_hand is None:
            return await self.sandbox.quiet(settle=0.05, timeout=timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        calm_since: float | None = None
        while (now := loop.time()) < deadline:
            if self.in_hand.count or self.sandbox.pending_updates:
                calm_since = None
            elif calm_since is None:
                calm_since = now
            elif now - calm_since >= 0.03:
                return True
            await asyncio.sleep(0.005)
        return False

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

    async def silence(self, text: str) -> None:
        """Send a message and assert the bot answers nothing, once it is done with it."""
        since = self.sandbox.last_message_id(self.chat_id)
        self.sandbox.send_message(self.chat_id, text, user_id=self.user_id)
        assert await self.settled(), f"the bot was still busy after {text!r}"
        new = [m for m in self.sandbox.sent(self.chat_id) if m.message_id > since]
        assert not new, f"expected no answer to {text!r}, got {[m.plain_text for m in new]}"

    async def _answers(self, since: int, expect: int, timeout: float) -> list[SentMessage]:
        await self.sandbox.wait_for(self.chat_id, expect, since=since, timeout=timeout)
        await self.settled(timeout)  # the rest of the answer (busy after that: what there is)
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
        yield BotClient(sandbox, in_hand=dispatcher["in_hand"])
    finally:
        with contextlib.suppress(RuntimeError):
            await dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(polling, timeout=5)
        await dispatcher["feeds"].close()
        await bot.session.close()
