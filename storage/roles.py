"""Roles (editor, coordinator; per region or all) and the audit log of privileged actions."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from storage.audit import log_action
from storage.db import Database

ALL_REGIONS = "UA"


class Role(StrEnum):
    EDITOR = "editor"
    COORDINATOR = "coordinator"


@dataclass(frozen=True, slots=True)
class Grant:
    user_id: int
    role: Role
    region_code: str  # "UA": all regions
    granted_by: int
    granted_at: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: int
    user_id: int
    action: str
    item_id: int | None
    details: str
    # The facts, for wording the entry in each reader's language ({} in entries from before).
    data: Mapping[str, Any] = field(default_factory=dict)


def _data(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def data_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


class RolesRepo:
    """Grants of roles. A user's roles are read for many updates (every filter that asks
    "is this an editor?"), so they are cached per user and role until a grant or revoke
    through this repository, here or (PostgreSQL) in another process (storage.db)."""

    _CACHE_SIZE = 50_000

    def __init__(self, db: Database) -> None:
        self._db = db
        self._regions: dict[tuple[int, Role], frozenset[str]] = {}
        db.on_change("roles", lambda key: self._forget(int(key)) if key else self._regions.clear())

    def _forget(self, user_id: int) -> None:
        for role in Role:
            self._regions.pop((user_id, role), None)

    @asynccontextmanager
    async def _changing(self, user_id: int) -> AsyncIterator[None]:
        """Around a write: forget the user's cached grants before and after it (committed or
        not), so that no read made during the transaction stays cached."""
        self._forget(user_id)
        try:
            yield
        finally:
            self._forget(user_id)
            self._db.broadcast("roles", str(user_id))

    async def grant(self, user_id: int, role: Role, regions: Iterable[str], by: int) -> set[str]:
        """Give `role` for `regions` ("UA" for all); returns the regions newly granted. A region
        the user has already, or any once they have all regions, changes nothing, and only a
        real change is audited."""
        wanted = set(regions) or {ALL_REGIONS}
        now = int(time.time())
        async with self._changing(user_id), self._db.transaction() as connection:
            cursor = await connection.execute(
                "SELECT region_code FROM roles WHERE user_id = ? AND role = ?",
                (user_id, role.value),
            )
            before = {row[0] for row in await cursor.fetchall()}
            await cursor.close()
            added = set() if ALL_REGIONS in before else wanted - before
            if not added:
                return added
            await connection.executemany(
                "INSERT INTO roles (user_id, role, region_code, granted_by, granted_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(user_id, role.value, code, by, now) for code in sorted(added)],
            )
            data = {"user": user_id, "role": role.value, "regions": sorted(added)}
            await connection.execute(
                "INSERT INTO audit_log (at, user_id, action, data, details) "
                "VALUES (?, ?, 'grant', ?, '')",
                (now, by, data_json(data)),
            )
        log_action(by, "grant")
        return added

    async def revoke(self, user_id: int, role: Role | None, by: int) -> dict[Role, set[str]]:
        """Take a role (or every role) away; returns the grants removed, by role (empty: the
        user had none of them, and nothing is audited)."""
        now = int(time.time())
        roles = [role.value] if role is not None else [r.value for r in Role]
        marks = ", ".join("?" * len(roles))
        async with self._changing(user_id), self._db.transaction() as connection:
            cursor = await connection.execute(
                f"DELETE FROM roles WHERE user_id = ? AND role IN ({marks}) "
                "RETURNING role, region_code",
                (user_id, *roles),
            )
            removed: dict[Role, set[str]] = {}
            for row in await cursor.fetchall():
                removed.setdefault(Role(row[0]), set()).add(row[1])
            await cursor.close()
            if removed:
                data = {
                    "user": user_id,
                    "roles": {r.value: sorted(codes) for r, codes in sorted(removed.items())},
                }
                await connection.execute(
                    "INSERT INTO audit_log (at, user_id, action, data, details) "
                    "VALUES (?, ?, 'revoke', ?, '')",
                    (now, by, data_json(data)),
                )
        if removed:
            log_action(by, "revoke")
        return removed

    async def regions(self, user_id: int, role: Role) -> frozenset[str]:
        """The user's regions for `role` ("UA" among them means all); empty: no such role."""
        cached = self._regions.get((user_id, role))
        if cached is None:
            rows = await self._db.fetchall(
                "SELECT region_code FROM roles WHERE user_id = ? AND role = ?",
                (user_id, role.value),
            )
            cached = frozenset(row[0] for row in rows)
            if len(self._regions) >= self._CACHE_SIZE:
                self._regions.clear()
            self._regions[(user_id, role)] = cached
        return cached

    async def all(self) -> list[Grant]:
        rows = await self._db.fetchall(
            "SELECT user_id, role, region_code, granted_by, granted_at FROM roles "
            "ORDER BY user_id, role, region_code"
        )
        return [Grant(row[0], Role(row[1]), row[2], row[3], row[4]) for row in rows]


class AuditRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def log(
        self,
        user_id: int,
        action: str,
        *,
        item_id: int | None = None,
        details: str = "",
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """One privileged action; `data` holds its facts for wording it in each language."""
        await self._db.execute(
            "INSERT INTO audit_log (at, user_id, action, item_id, details, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (int(time.time()), user_id, action, item_id, details[:1000], data_json(data or {})),
        )
        log_action(user_id, action, item_id=item_id)

    async def recent(self, limit: int = 20, item_id: int | None = None) -> list[AuditEntry]:
        where, params = ("WHERE item_id = ?", (item_id, limit)) if item_id else ("", (limit,))
        rows = await self._db.fetchall(
            f"SELECT id, at, user_id, action, item_id, details, data FROM audit_log {where} "
            "ORDER BY id DESC LIMIT ?",
            params,
        )
        return [
            AuditEntry(row[0], row[1], row[2], row[3], row[4], row[5], _data(row[6]))
            for row in rows
        ]


class PeopleRepo:
    """The names of users the bot has seen in private chats, for the audit log and /roles.

    A name is written only when it is new or changed; the ones written are remembered for the
    life of the process (up to a bound), so an ordinary message costs no write."""

    _CACHE_SIZE = 10_000

    def __init__(self, db: Database) -> None:
        self._db = db
        self._known: dict[int, str] = {}

    async def seen(self, user_id: int, name: str) -> None:
        name = " ".join(name.split())[:128]
        if not name or self._known.get(user_id) == name:
            return
        await self._db.execute(
            "INSERT INTO people (user_id, name, seen_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, seen_at = excluded.seen_at",
            (user_id, name, int(time.time())),
        )
        if len(self._known) >= self._CACHE_SIZE:
            self._known.clear()
        self._known[user_id] = name

    async def names(self, user_ids: Iterable[int]) -> dict[int, str]:
        """The known names of these users."""
        ids = sorted(set(user_ids))
        found: dict[int, str] = {}
        for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters
            chunk = tuple(ids[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            rows = await self._db.fetchall(
                f"SELECT user_id, name FROM people WHERE user_id IN ({marks})", chunk
            )
            found.update((row[0], row[1]) for row in rows)
        return found

    def forget(self, user_id: int) -> None:
        """After /stop deleted the name: write it again when the user comes back."""
        self._known.pop(user_id, None)
