"""aiogram's FSM storage in the bot's SQLite database: a flow survives a restart."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey

from storage.db import Database


class SQLiteStorage(BaseStorage):
    """State and data per key in `fsm_states`; data must be JSON (it is: our flows store
    plain values)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._keys = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = state.state if isinstance(state, State) else state
        await self._db.execute(
            "INSERT INTO fsm_states (key, state) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET state = excluded.state",
            (self._keys.build(key), name),
        )

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._db.fetchone(
            "SELECT state FROM fsm_states WHERE key = ?", (self._keys.build(key),)
        )
        return str(row[0]) if row and row[0] is not None else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._db.execute(
            "INSERT INTO fsm_states (key, data) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET data = excluded.data",
            (self._keys.build(key), json.dumps(dict(data), ensure_ascii=False)),
        )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._db.fetchone(
            "SELECT data FROM fsm_states WHERE key = ?", (self._keys.build(key),)
        )
        if row is None:
            return {}
        loaded = json.loads(row[0])
        return loaded if isinstance(loaded, dict) else {}

    async def close(self) -> None:
        """The database belongs to the application, which closes it."""
