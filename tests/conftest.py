"""Fixtures: a Bot API sandbox, a migrated temporary database, and the real bot between them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.factory import build_bot, build_dispatcher, open_storage
from bot.sandbox.server import SANDBOX_TOKEN, BotAPISandbox
from bot.settings import Settings
from storage.repositories import Storage
from tests.client import ADMIN_ID, BotClient


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # _env_file=None: a developer's own .env must not change what the tests see.
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_path=tmp_path / "visnyk.db",
        admin_ids=frozenset({ADMIN_ID}),
    )


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Storage]:
    storage = await open_storage(settings)
    yield storage
    await storage.db.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[BotAPISandbox]:
    async with BotAPISandbox() as server:
        yield server


@pytest.fixture
async def client(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> AsyncIterator[BotClient]:
    """The bot, built by the same factory as production, polling the sandbox."""
    bot_settings = settings.model_copy(update={"telegram_api_url": sandbox.base_url})
    bot = build_bot(bot_settings, token=SANDBOX_TOKEN)
    dispatcher = build_dispatcher(bot_settings, store)
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1)
    )
    try:
        yield BotClient(sandbox)
    finally:
        with contextlib.suppress(RuntimeError):
            await dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(polling, timeout=5)
        await bot.session.close()
