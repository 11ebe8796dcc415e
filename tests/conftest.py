"""Fixtures: a Bot API sandbox, a migrated temporary database, and the real bot between them.

The suite runs on SQLite; with VISNYK_TEST_DATABASE=postgres (the Makefile's second leg) every
test's database is a fresh PostgreSQL one instead, made from a migrated template in a
throwaway cluster (tests/postgres.py) that lives as long as the run.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.factory import open_storage
from infra.settings import Settings
from sandbox import BotAPISandbox
from storage.db import Database
from storage.repositories import Storage
from tests.client import ADMIN_ID, BotClient, running_bot
from tests.postgres import Cluster

ON_POSTGRES = os.environ.get("VISNYK_TEST_DATABASE") == "postgres"
_TEMPLATE = "visnyk_template"
_NAMES = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster for the run, with a migrated template database."""
    cluster = Cluster().start()
    try:

        async def migrate() -> None:
            database = await Database.open(cluster.create_database(_TEMPLATE))
            await database.close()

        asyncio.run(migrate())
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database of its own for one test."""
    name = f"test_{os.getpid()}_{next(_NAMES)}"
    url = postgres_cluster.create_database(name, template=_TEMPLATE)
    try:
        yield url
    finally:
        postgres_cluster.drop_database(name)


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    url = request.getfixturevalue("postgres_url") if ON_POSTGRES else None
    # _env_file=None: a developer's own .env must not change what the tests see.
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
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
