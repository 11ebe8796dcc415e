"""Roles (editor, coordinator; per region or all) and the audit log of privileged actions."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum

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


class RolesRepo:
    """Grants of roles. A user's roles are read for many updates (every filter that asks
    "is this an editor?"), so they are cached per user and role until a grant or revoke
    through this repository; the bot's process is its database's only writer (see README)."""

    _CACHE_SIZE = 50_000

    def __init__(self, db: Database) -> None:
        self._db = db
        self._regions: dict[tuple[int, Role], frozenset[str]] = {}

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

    async def grant(self, user_id: int, role: Role, regions: Iterable[str], by: int) -> set[str]:
        """Give `role` for `regions` ("UA" for all); returns the regions newly granted."""
        wanted = set(regions) or {ALL_REGIONS}
        now = int(time.time())
        async with self._changing(user_id), self._db.transaction() as connection:
            cursor = await connection.execute(
                "SELECT region_code FROM roles WHERE user_id = ? AND role = ?",
                (user_id, role.value),
            )
            before = {row[0] for row in await cursor.fetchall()}
            await cursor.close()
            added = wanted - before
            await connection.executemany(
                "INSERT INTO roles (user_id, role, region_code, granted_by, granted_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(user_id, role.value, code, by, now) for code in sorted(added)],
            )
            await connection.execute(
                "INSERT INTO audit_log (at, user_id, action, details) VALUES (?, ?, 'grant', ?)",
                (now, by, f"{role.value} {','.join(sorted(wanted))} to {user_id}"),
            )
        log_action(by, "grant")
        return added

    async def revoke(self, user_id: int, role: Role | None, by: int) -> int:
        """Take a role (or every role) away; returns how many grants were removed."""
        now = int(time.time())
        async with self._changing(user_id), self._db.transaction() as connection:
            if role is None:
                cursor = await connection.execute(
                    "DELETE FROM roles WHERE user_id = ?", (user_id,)
                )
            else:
                cursor = await connection.execute(
                    "DELETE FROM roles WHERE user_id = ? AND role = ?", (user_id, role.value)
                )
            removed = cursor.rowcount
            await cursor.close()
            await connection.execute(
                "INSERT INTO audit_log (at, user_id, action, details) VALUES (?, ?, 'revoke', ?)",
                (now, by, f"{role.value if role else 'all roles'} from {user_id}"),
            )
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
        self, user_id: int, action: str, *, item_id: int | None = None, details: str = ""
    ) -> None:
        await self._db.execute(
            "INSERT INTO audit_log (at, user_id, action, item_id, details) VALUES (?, ?, ?, ?, ?)",
            (int(time.time()), user_id, action, item_id, details[:1000]),
        )
        log_action(user_id, action, item_id=item_id)

    async def recent(self, limit: int = 20, item_id: int | None = None) -> list[AuditEntry]:
        where, params = ("WHERE item_id = ?", (item_id, limit)) if item_id else ("", (limit,))
        rows = await self._db.fetchall(
            f"SELECT id, at, user_id, action, item_id, details FROM audit_log {where} "
            "ORDER BY id DESC LIMIT ?",
            params,
        )
        return [AuditEntry(row[0], row[1], row[2], row[3], row[4], row[5]) for row in rows]
