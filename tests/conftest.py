"""Fixtures: a Bot API sandbox, a migrated temporary database, and the real bot between them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.factory import open_storage
from infra.settings import Settings
from sandbox import BotAPISandbox
from storage.repositories import Storage
from tests.client import ADMIN_ID, BotClient, running_bot


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # _env_file=None: a developer's own .env must not change what the tests see.
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_path=tmp_path / "visnyk.db",
        admin_ids=frozenset({ADMIN_ID}),
        # Tests send as fast as the bot answers; the throttle has tests of its own.
        throttle_burst=10_000,
        throttle_rate=10_000,
        feeds_allow_private=True,  # the test feed servers listen on 127.0.0.1
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
    async with running_bot(sandbox, settings, store) as bot_client:
        yield bot_client
