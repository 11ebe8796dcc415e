"""Feed sources: what to poll, when, and how it went."""

from __future__ import annotations

import time

from storage.db import Database, Row
from storage.models import Source

_COLUMNS = (
    "id, url, region_code, title, poll_seconds, enabled, etag, last_modified, polls, "
    "last_polled_at, last_success_at, last_error, failures, next_poll_at, last_new, last_pushed, "
    "last_new_at, error_kind"
)


def _source(row: Row) -> Source:
    return Source(
        id=row["id"],
        url=row["url"],
        region_code=row["region_code"],
        title=row["title"],
        poll_seconds=row["poll_seconds"],
        enabled=bool(row["enabled"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        polls=row["polls"],
        last_polled_at=row["last_polled_at"],
        last_success_at=row["last_success_at"],
        last_error=row["last_error"],
        failures=row["failures"],
        next_poll_at=row["next_poll_at"],
        last_new=row["last_new"],
        last_pushed=row["last_pushed"],
        last_new_at=row["last_new_at"],
        error_kind=row["error_kind"],
    )


class SourcesRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert(self, url: str, region_code: str, poll_seconds: int) -> tuple[Source, bool]:
        """Add a source, or update the region and interval of the one with this URL.

        Returns the source and whether it is new."""
        now = int(time.time())
        existing = await self.by_url(url)
        await self._db.execute(
            "INSERT INTO sources (url, region_code, poll_seconds, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (url) DO UPDATE SET region_code = excluded.region_code, "
            "poll_seconds = excluded.poll_seconds, enabled = 1",
            (url, region_code, poll_seconds, now),
        )
        source = await self.by_url(url)
        assert source is not None
        return source, existing is None

    async def add(self, url: str, region_code: str, poll_seconds: int) -> tuple[Source, bool]:
        """Add a source; one with this URL is left as it is. Returns the source and whether
        it is new."""
        added = await self._db.execute_count(
            "INSERT INTO sources (url, region_code, poll_seconds, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (url) DO NOTHING",
            (url, region_code, poll_seconds, int(time.time())),
        )
        source = await self.by_url(url)
        assert source is not None
        return source, added > 0

    async def move(self, source_id: int, region_code: str) -> Source | None:
        """Put a source in another region (what it stored before stays where it was)."""
        changed = await self._db.execute_count(
            "UPDATE sources SET region_code = ? WHERE id = ?", (region_code, source_id)
        )
        return await self.get(source_id) if changed else None

    async def by_url(self, url: str) -> Source | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM sources WHERE url = ?", (url,))
        return _source(row) if row else None

    async def get(self, source_id: int) -> Source | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM sources WHERE id = ?", (source_id,))
        return _source(row) if row else None

    async def all(self) -> list[Source]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM sources ORDER BY id")
        return [_source(row) for row in rows]

    async def due(self, now: float) -> list[Source]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM sources WHERE enabled = 1 AND next_poll_at <= ? "
            "ORDER BY next_poll_at, id",
            (now,),
        )
        return [_source(row) for row in rows]

    async def delete(self, source_id: int) -> bool:
        return await self._db.execute_count("DELETE FROM sources WHERE id = ?", (source_id,)) > 0

    async def newest_entry_at(self, source_id: int) -> float | None:
        """When the newest item stored from this source was published."""
        row = await self._db.fetchone(
            "SELECT max(published_at) FROM items WHERE source_id = ?", (source_id,)
        )
        return float(row[0]) if row and row[0] is not None else None

    async def succeeded(
        self,
        source_id: int,
        *,
        title: str | None,
        etag: str | None,
        last_modified: str | None,
        next_poll_at: float,
        new_items: int = 0,
        pushed_items: int = 0,
    ) -> None:
        """A poll that worked (a 304 included): health reset, validators kept for next time;
        when it stored new items, how many it pushed."""
        now = time.time()
        stored = new_items > 0  # a poll that stored nothing keeps the figures of the last one
        await self._db.execute(
            "UPDATE sources SET title = coalesce(?, title), etag = ?, last_modified = ?, "
            "polls = polls + 1, last_polled_at = ?, last_success_at = ?, last_error = NULL, "
            "error_kind = NULL, "
            "failures = 0, next_poll_at = ?, "
            "last_new = CASE WHEN ? THEN ? ELSE last_new END, "
            "last_pushed = CASE WHEN ? THEN ? ELSE last_pushed END, "
            "last_new_at = CASE WHEN ? THEN ? ELSE last_new_at END WHERE id = ?",
            (
                *(title, etag, last_modified, now, now, next_poll_at),
                *(stored, new_items, stored, pushed_items, stored, now, source_id),
            ),
        )

    async def failed(
        self, source_id: int, error: str, next_poll_at: float, kind: str = "connection"
    ) -> None:
        """A poll that failed: `error` in technical words (kept for diagnosis), `kind` the
        reason /sources words in each reader's language (see jobs.ingest.FetchError)."""
        now = time.time()
        await self._db.execute(
            "UPDATE sources SET last_polled_at = ?, last_error = ?, error_kind = ?, "
            "failures = failures + 1, next_poll_at = ? WHERE id = ?",
            (now, error[:500], kind[:80], next_poll_at, source_id),
        )
