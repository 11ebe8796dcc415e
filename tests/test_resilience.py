"""Telegram's own trouble (flood control, server errors) never leaves a user without an answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox.server import BotAPISandbox, ChatFault, RateLimits
from bot.settings import Settings
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
