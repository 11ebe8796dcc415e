"""Telegram's own trouble (flood control, server errors) never leaves a user without an answer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from aiogram import Dispatcher, Router
from aiogram.types import Message

from bot.factory import build_bot, poll
from infra.settings import Settings
from sandbox import SANDBOX_TOKEN, BotAPISandbox, ChatFault, RateLimits
from storage.repositories import Storage
from tests.client import USER_ID, running_bot


@pytest.fixture
async def limited(settings: Settings, store: Storage) -> AsyncIterator[BotAPISandbox]:
    """The bot against a sandbox that enforces Telegram's limits."""
    async with (
        BotAPISandbox(limits=RateLimits(per_chat_burst=1)) as sandbox,
        running_bot(sandbox, settings, store),
    ):
        yield sandbox


async def test_a_burst_of_commands_in_one_chat_is_answered_in_full(
    limited: BotAPISandbox,
) -> None:
    for _ in range(3):
        limited.send_message(USER_ID, "/help", user_id=USER_ID)
    answers = await limited.wait_for(USER_ID, 3, timeout=10)
    assert len(answers) == 3
    assert limited.errors[429] >= 1  # the sandbox did push back, and the bot waited it out
    assert all("/latest" in answer.plain_text for answer in answers)


async def test_a_server_error_is_retried(limited: BotAPISandbox) -> None:
    limited.set_fault(USER_ID, ChatFault("server_error", times=2))
    limited.send_message(USER_ID, "/start", user_id=USER_ID)
    [answer] = await limited.wait_for(USER_ID, 1, timeout=10)
    assert "Вісник" in answer.plain_text
    assert limited.errors[500] == 2


async def test_a_burst_is_handled_a_bounded_number_at_a_time(
    sandbox: BotAPISandbox, settings: Settings
) -> None:
    """UPDATES_CONCURRENCY updates are in hand at once; the rest of a burst waits its turn,
    and every one is answered."""
    in_hand = 0
    most = 0
    router = Router()

    @router.message()
    async def slow_echo(message: Message) -> None:
        nonlocal in_hand, most
        in_hand += 1
        most = max(most, in_hand)
        await asyncio.sleep(0.05)
        in_hand -= 1
        await message.answer(message.text or "?")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bounded = settings.model_copy(
        update={"telegram_api_url": sandbox.base_url, "updates_concurrency": 3}
    )
    bot = build_bot(bounded, token=SANDBOX_TOKEN)
    for n in range(12):
        sandbox.send_message(USER_ID + n, f"burst {n}", user_id=USER_ID + n)
    polling = asyncio.create_task(
        poll(dispatcher, bot, bounded, handle_signals=False, polling_timeout=1)
    )
    try:
        for n in range(12):
            [answer] = await sandbox.wait_for(USER_ID + n, 1, timeout=10)
            assert answer.text == f"burst {n}"
        assert most == 3
    finally:
        await dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        await bot.session.close()
