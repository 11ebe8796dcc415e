"""The network's members: who belongs, where, with which status since when, and its history."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from storage.db import Connection, Database, Row

# The network_notes key shown under /network: what is known of the network as a whole. The
# note is data, not a text of the bot's, so gettext cannot translate it: a note per language
# is kept beside it as "network.en" (Ukrainian, the default, is the key itself).
NETWORK_NOTE = "network"


class MemberStatus(StrEnum):
    CANDIDATE = "candidate"
    ADMITTED = "admitted"
    SUSPENDED = "suspended"
    LEFT = "left"


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    name: str
    region_code: str
    status: MemberStatus
    since: date | None  # the latest status change; None when the date is not known
    event_note: str  # where that change happened, in words
    event_id: int | None
    contact: str
    notes: str


@dataclass(frozen=True, slots=True)
class MemberChange:
    id: int
    member_id: int
    status: MemberStatus
    since: date | None
    event_note: str
    reason: str
    changed_by: int
    changed_at: int


@dataclass(frozen=True, slots=True)
class MemberFields:
    """A member as written (a new one when `id` is None): an /admit, or one row of an import."""

    name: str
    region_code: str
    status: MemberStatus
    since: date | None
    id: int | None = None
    event_note: str = ""
    event_id: int | None = None
    contact: str = ""
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Admission:
    member: Member
    since: date | None
    event_note: str


@dataclass(frozen=True, slots=True)
class NetworkSummary:
    by_status: dict[MemberStatus, int]
    by_region: dict[str, dict[MemberStatus, int]]
    admitted_regions: int  # regions with at least one admitted member
    latest_admissions: list[Admission]


_COLUMNS = "id, name, region_code, status, since, event_note, event_id, contact, notes"


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _member(row: Row) -> Member:
    return Member(
        id=row["id"],
        name=row["name"],
        region_code=row["region_code"],
        status=MemberStatus(row["status"]),
        since=_date(row["since"]),
        event_note=row["event_note"],
        event_id=row["event_id"],
        contact=row["contact"],
        notes=row["notes"],
    )


async def _insert(connection: Connection, fields: MemberFields, by: int, now: int) -> int:
    cursor = await connection.execute(
        "INSERT INTO members (name, region_code, status, since, event_note, event_id, contact, "
        "notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            fields.name,
            fields.region_code,
            fields.status.value,
            _iso(fields.since),
            fields.event_note,
            fields.event_id,
            fields.contact,
            fields.notes,
            now,
            now,
        ),
    )
    row = await cursor.fetchone()
    member_id = int(row[0])
    await cursor.close()
    await _record(connection, member_id, fields.status, fields.since, fields.event_note, "", by)
    return member_id


async def _record(
    connection: Connection,
    member_id: int,
    status: MemberStatus,
    since: date | None,
    event_note: str,
    reason: str,
    by: int,
    event_id: int | None = None,
) -> None:
    await connection.execute(
        "INSERT INTO member_history (member_id, status, since, event_note, event_id, reason, "
        "changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (member_id, status.value, _iso(since), event_note, event_id, reason, by, int(time.time())),
    )


class MembersRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, fields: MemberFields, by: int) -> Member:
        """A new member with its first history entry, in one transaction."""
        now = int(time.time())
        async with self._db.transaction() as connection:
            member_id = await _insert(connection, fields, by, now)
        member = await self.get(member_id)
        assert member is not None
        return member

    async def set_status(
        self,
        member_id: int,
        status: MemberStatus,
        since: date | None,
        by: int,
        *,
        reason: str = "",
        event_note: str = "",
        expected: MemberStatus | None = None,
    ) -> Member | None:
        """Move a member to `status` and keep the change in its history; None: no such member
        (or, with `expected`, one whose status is no longer that: changed meanwhile). The event
        the member took part in (`event_id`) stays."""
        now = int(time.time())
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "UPDATE members SET status = ?, since = ?, event_note = ?, updated_at = ? "
                "WHERE id = ? AND status = coalesce(?, status)",
                (
                    status.value,
                    _iso(since),
                    event_note,
                    now,
                    member_id,
                    expected.value if expected else None,
                ),
            )
            changed = cursor.rowcount
            await cursor.close()
            if changed == 0:
                return None
            await _record(connection, member_id, status, since, event_note, reason, by)
        return await self.get(member_id)

    async def edit(self, member_id: int, field: str, before: str, after: str) -> Member | None:
        """Change a member's name, contact or notes from `before` to `after`; None when there
        is no such member or the field no longer reads `before` (changed meanwhile)."""
        column = {"name": "name", "contact": "contact", "notes": "notes"}[field]
        changed = await self._db.execute_count(
            f"UPDATE members SET {column} = ?, updated_at = ? WHERE id = ? AND {column} = ?",
            (after, int(time.time()), member_id, before),
        )
        return await self.get(member_id) if changed else None

    async def link_event(
        self, member_id: int, event_id: int | None, before: int | None
    ) -> Member | None:
        """Note the event the member took part in (None: none); None when there is no such
        member or its event is no longer `before` (changed meanwhile)."""
        changed = await self._db.execute_count(
            "UPDATE members SET event_id = ?, updated_at = ? "
            "WHERE id = ? AND event_id IS NOT DISTINCT FROM ?",
            (event_id, int(time.time()), member_id, before),
        )
        return await self.get(member_id) if changed else None

    async def get(self, member_id: int) -> Member | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM members WHERE id = ?", (member_id,))
        return _member(row) if row else None

    async def all(self, regions: Collection[str] | None = None) -> list[Member]:
        """Every member (of `regions` when given), by region then name."""
        if regions is None:
            rows = await self._db.fetchall(
                f"SELECT {_COLUMNS} FROM members ORDER BY region_code, lower(name), id"
            )
        else:
            codes = sorted(regions)
            marks = ", ".join("?" * len(codes))
            rows = await self._db.fetchall(
                f"SELECT {_COLUMNS} FROM members WHERE region_code IN ({marks}) "
                "ORDER BY region_code, lower(name), id",
                tuple(codes),
            )
        return [_member(row) for row in rows]

    async def page(
        self, regions: Collection[str] | None, offset: int, limit: int
    ) -> tuple[list[Member], int]:
        """One page of members (of `regions`, or all) and how many there are in all."""
        where = ""
        params: tuple[str, ...] = ()
        if regions is not None:
            codes = tuple(sorted(regions))
            if not codes:
                return [], 0
            where, params = f"WHERE region_code IN ({', '.join('?' * len(codes))})", codes
        total_row = await self._db.fetchone(f"SELECT count(*) FROM members {where}", params)
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM members {where} "
            "ORDER BY region_code, lower(name), id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [_member(row) for row in rows], int(total_row[0]) if total_row else 0

    async def history(self, member_id: int) -> list[MemberChange]:
        rows = await self._db.fetchall(
            "SELECT id, member_id, status, since, event_note, reason, changed_by, changed_at "
            "FROM member_history WHERE member_id = ? ORDER BY id",
            (member_id,),
        )
        return [
            MemberChange(
                row["id"],
                row["member_id"],
                MemberStatus(row["status"]),
                _date(row["since"]),
                row["event_note"],
                row["reason"],
                row["changed_by"],
                row["changed_at"],
            )
            for row in rows
        ]

    async def count(self) -> int:
        row = await self._db.fetchone("SELECT count(*) FROM members")
        return int(row[0]) if row else 0

    async def summary(self, latest: int = 5) -> NetworkSummary:
        rows = await self._db.fetchall(
            "SELECT region_code, status, count(*) AS n FROM members GROUP BY region_code, status"
        )
        by_status: Counter[MemberStatus] = Counter()
        by_region: dict[str, dict[MemberStatus, int]] = {}
        for row in rows:
            status = MemberStatus(row["status"])
            by_status[status] += row["n"]
            by_region.setdefault(row["region_code"], {})[status] = row["n"]
        admitted = sum(1 for counts in by_region.values() if counts.get(MemberStatus.ADMITTED))
        history = await self._db.fetchall(
            "SELECT h.member_id, h.since, h.event_note FROM member_history AS h "
            "JOIN members AS m ON m.id = h.member_id "
            "WHERE h.status = 'admitted' AND m.status = 'admitted' "
            "ORDER BY h.since IS NULL, h.since DESC, h.id DESC LIMIT ?",
            (latest,),
        )
        admissions = []
        for row in history:
            member = await self.get(row["member_id"])
            if member is not None:
                admissions.append(Admission(member, _date(row["since"]), row["event_note"]))
        return NetworkSummary(dict(by_status), by_region, admitted, admissions)

    async def apply(self, rows: Sequence[MemberFields], by: int) -> tuple[int, int]:
        """Write rows (an import) all together or not at all: new ones are added, existing ones
        updated, a status or date change kept in the history. Returns (added, updated).

        Raises LookupError, before anything is kept, when a row names an id that is not there.
        """
        now = int(time.time())
        added = updated = 0
        async with self._db.transaction() as connection:
            for fields in rows:
                if fields.id is None:
                    await _insert(connection, fields, by, now)
                    added += 1
                    continue
                cursor = await connection.execute(
                    f"SELECT {_COLUMNS} FROM members WHERE id = ?", (fields.id,)
                )
                row = await cursor.fetchone()
                await cursor.close()
                if row is None:
                    raise LookupError(fields.id)
                before = _member(row)
                after = Member(
                    id=before.id,
                    name=fields.name,
                    region_code=fields.region_code,
                    status=fields.status,
                    since=fields.since,
                    event_note=fields.event_note,
                    event_id=before.event_id,
                    contact=fields.contact,
                    notes=fields.notes,
                )
                if after == before:
                    continue
                await connection.execute(
                    "UPDATE members SET name = ?, region_code = ?, status = ?, since = ?, "
                    "event_note = ?, contact = ?, notes = ?, updated_at = ? WHERE id = ?",
                    (
                        after.name,
                        after.region_code,
                        after.status.value,
                        _iso(after.since),
                        after.event_note,
                        after.contact,
                        after.notes,
                        now,
                        after.id,
                    ),
                )
                if (after.status, after.since) != (before.status, before.since):
                    await _record(
                        connection, after.id, after.status, after.since, after.event_note, "", by
                    )
                updated += 1
        return added, updated

    async def note(self, key: str, lang: str | None = None) -> str | None:
        """A note about the network: the one for `lang` (kept as "key.lang") when there is one,
        else the note itself (Ukrainian, the default language)."""
        keys = [f"{key}.{lang}", key] if lang else [key]
        for wanted in keys:
            row = await self._db.fetchone(
                "SELECT value FROM network_notes WHERE key = ?", (wanted,)
            )
            if row is not None:
                return str(row[0])
        return None

    async def set_note(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO network_notes (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
