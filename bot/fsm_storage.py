"""aiogram's FSM storage in the bot's database: a flow survives a restart, and (PostgreSQL)
goes on in whichever process gets its next step."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey

from storage.db import Database


class SQLiteStorage(BaseStorage):
    """State and data per key in `fsm_states`; data must be JSON (it is: our flows store
    plain values).

    aiogram reads the state on every update, so on SQLite reads are served from memory once a
    key has been read or written (the bot's process is its database's only user); every write
    goes to the database first, which is what survives a restart. On PostgreSQL another
    process may have taken the conversation's last step: every read asks the database.
    """

    _CACHE_SIZE = 50_000

    def __init__(self, db: Database) -> None:
        self._db = db
        self._keys = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        self._states: dict[str, str | None] = {}
        self._data: dict[str, dict[str, Any]] = {}

    def _remember(self, cache: dict[str, Any], key: str, value: Any) -> None:
        if len(cache) >= self._CACHE_SIZE:
            cache.clear()
        cache[key] = value

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = state.state if isinstance(state, State) else state
        built = self._keys.build(key)
        await self._db.execute(
            "INSERT INTO fsm_states (key, state) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET state = excluded.state",
            (built, name),
        )
        self._remember(self._states, built, name)

    async def get_state(self, key: StorageKey) -> str | None:
        built = self._keys.build(key)
        if built in self._states and not self._db.shared:
            return self._states[built]
        row = await self._db.fetchone("SELECT state FROM fsm_states WHERE key = ?", (built,))
        state = str(row[0]) if row and row[0] is not None else None
        self._remember(self._states, built, state)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        built = self._keys.build(key)
        encoded = json.dumps(dict(data), ensure_ascii=False)
        await self._db.execute(
            "INSERT INTO fsm_states (key, data) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET data = excluded.data",
            (built, encoded),
        )
        self._remember(self._data, built, json.loads(encoded))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        built = self._keys.build(key)
        if built not in self._data or self._db.shared:
            row = await self._db.fetchone("SELECT data FROM fsm_states WHERE key = ?", (built,))
            loaded = json.loads(row[0]) if row else {}
            self._remember(self._data, built, loaded if isinstance(loaded, dict) else {})
        return copy.deepcopy(self._data[built])

    async def close(self) -> None:
        """The database belongs to the application, which closes it."""
