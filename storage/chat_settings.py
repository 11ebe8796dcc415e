"""/settings: each chat's language, delivery mode, quiet hours and link previews; and the
bundles (daily digests, lists after quiet hours) made of the items held for a chat."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from datetime import time as clock_time

from storage.db import Database, Row
from storage.models import Item


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """What a chat chose; the defaults are what a chat that never opened /settings gets."""

    language: str | None = None  # "uk" or "en"; None: the user's Telegram language
    digest_at: str | None = None  # "HH:MM" (the bot's time zone); None: each item at once
    quiet_from: str | None = None  # "HH:MM"; None: no quiet hours
    quiet_to: str | None = None
    quiet_mode: str = "hold"  # "hold": ordinary items wait; "silent": they come without sound
    previews: bool = False  # link previews under pushed items
    last_digest_day: str | None = None  # "YYYY-MM-DD" of the chat's last digest

    @property
    def quiet(self) -> tuple[str, str] | None:
        if self.quiet_from is None or self.quiet_to is None:
            return None
        return self.quiet_from, self.quiet_to

    def quiet_at(self, moment: datetime) -> bool:
        """Whether `moment` (in the bot's time zone) falls in the chat's quiet hours."""
        quiet = self.quiet
        if quiet is None:
            return False
        start, end = (clock_time.fromisoformat(value) for value in quiet)
        now = moment.time().replace(second=0, microsecond=0)
        if start <= end:
            return start <= now < end
        return now >= start or now < end  # across midnight: 22:00-08:00

    def holds(self, moment: datetime) -> str | None:
        """What keeps an ordinary item from going out at `moment`: "digest", "quiet", or None."""
        if self.digest_at is not None:
            return "digest"
        if self.quiet_mode == "hold" and self.quiet_at(moment):
            return "quiet"
        return None

    def silent(self, moment: datetime) -> bool:
        return self.quiet_mode == "silent" and self.quiet_at(moment)


DEFAULT = ChatSettings()
_COLUMNS = "language, digest_at, quiet_from, quiet_to, quiet_mode, previews, last_digest_day"


@dataclass(frozen=True, slots=True)
class Held:
    """Items held for one chat, ready to be bundled."""

    chat_id: int
    language: str  # the chat's: "uk" or "en"
    settings: ChatSettings
    kept: tuple[int, ...]  # held deliveries whose items readers may still see
    dropped: tuple[int, ...]  # those of items retracted meanwhile
    items: tuple[Item, ...]  # the kept ones' items, newest first


class ChatSettingsRepo:
    """Read on every delivery and many answers, so cached per chat, written through."""

    _CACHE_SIZE = 100_000

    def __init__(
        self, db: Database, visible_items: Callable[[Sequence[int]], Awaitable[list[Item]]]
    ) -> None:
        self._db = db
        self._visible_items = visible_items  # ItemsRepo.visible_many
        self._cache: dict[int, ChatSettings] = {}
        db.on_change("settings", lambda key: self._forget_here(int(key) if key else None))

    async def get(self, chat_id: int) -> ChatSettings:
        cached = self._cache.get(chat_id)
        if cached is None:
            row = await self._db.fetchone(
                f"SELECT {_COLUMNS} FROM chat_settings WHERE chat_id = ?", (chat_id,)
            )
            cached = _settings(row) if row else DEFAULT
            if len(self._cache) >= self._CACHE_SIZE:
                self._cache.clear()
            self._cache[chat_id] = cached
        return cached

    async def update(self, chat_id: int, **changes: object) -> ChatSettings:
        """Change some settings of a chat the bot knows (chats has its row)."""
        settings = replace(await self.get(chat_id), **changes)  # type: ignore[arg-type]
        self._cache.pop(chat_id, None)
        try:
            await self._db.execute(
                f"INSERT INTO chat_settings (chat_id, {_COLUMNS}, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET "
                "language = excluded.language, digest_at = excluded.digest_at, "
                "quiet_from = excluded.quiet_from, quiet_to = excluded.quiet_to, "
                "quiet_mode = excluded.quiet_mode, previews = excluded.previews, "
                "last_digest_day = excluded.last_digest_day, updated_at = excluded.updated_at",
                (
                    chat_id,
                    settings.language,
                    settings.digest_at,
                    settings.quiet_from,
                    settings.quiet_to,
                    settings.quiet_mode,
                    int(settings.previews),
                    settings.last_digest_day,
                    int(time.time()),
                ),
            )
        finally:
            self.forget(chat_id)
        return settings

    def forget(self, chat_id: int | None = None) -> None:
        """The chat's row changed behind the cache (/stop deletes it, a migration moves it):
        here and in every other process."""
        self._forget_here(chat_id)
        self._db.broadcast("settings", "" if chat_id is None else str(chat_id))

    def _forget_here(self, chat_id: int | None) -> None:
        if chat_id is None:
            self._cache.clear()
        else:
            self._cache.pop(chat_id, None)

    # --- held items and bundles --------------------------------------------------------------

    async def chats_holding(self) -> list[int]:
        rows = await self._db.fetchall(
            "SELECT DISTINCT chat_id FROM deliveries WHERE status = 'held'"
        )
        return [int(row[0]) for row in rows]

    async def held(self, chat_id: int) -> Held:
        """What is held for the chat: the items readers may still see, newest first."""
        settings = await self.get(chat_id)
        rows = await self._db.fetchall(
            "SELECT d.id, d.item_id, c.language FROM deliveries AS d "
            "JOIN chats AS c ON c.id = d.chat_id WHERE d.chat_id = ? AND d.status = 'held'",
            (chat_id,),
        )
        items = await self._visible_items([int(row[1]) for row in rows])
        visible = {item.id for item in items}
        language = settings.language or ("en" if rows and rows[0][2] == "en" else "uk")
        return Held(
            chat_id,
            language,
            settings,
            kept=tuple(int(row[0]) for row in rows if row[1] in visible),
            dropped=tuple(int(row[0]) for row in rows if row[1] not in visible),
            items=tuple(items),
        )

    async def bundle(
        self,
        held: Held,
        kind: str,
        day: str,
        parts: Sequence[str],
        *,
        digest: bool,
    ) -> int:
        """In one transaction: the bundle's messages, a delivery for each, and the held
        deliveries marked as bundled (those of retracted items cancelled). A bundle already
        made for the chat, kind and `day` (a key: a date, or a date and time) is not made
        again. Returns how many messages."""
        now = time.time()
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "SELECT 1 FROM bundles WHERE chat_id = ? AND kind = ? AND day = ? LIMIT 1",
                (held.chat_id, kind, day),
            )
            exists = await cursor.fetchone() is not None
            await cursor.close()
            if exists:
                return 0
            first: int | None = None
            for number, body in enumerate(parts, start=1):
                cursor = await connection.execute(
                    "INSERT INTO bundles (chat_id, kind, day, part, parts, body_html, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (held.chat_id, kind, day, number, len(parts), body, now),
                )
                [bundle_id] = await cursor.fetchone()
                await cursor.close()
                if first is None:
                    first = bundle_id
                await connection.execute(
                    "INSERT INTO deliveries (bundle_id, chat_id, priority, created_at) "
                    "VALUES (?, ?, 0, ?)",
                    (bundle_id, held.chat_id, now),
                )
            await connection.executemany(
                "UPDATE deliveries SET status = 'bundled', bundled_in = ? "
                "WHERE id = ? AND status = 'held'",
                [(first, delivery_id) for delivery_id in held.kept],
            )
            await connection.executemany(
                "UPDATE deliveries SET status = 'cancelled', error = 'retracted' "
                "WHERE id = ? AND status = 'held'",
                [(delivery_id,) for delivery_id in held.dropped],
            )
            if digest:
                await connection.execute(
                    "UPDATE chat_settings SET last_digest_day = ? WHERE chat_id = ?",
                    (day, held.chat_id),
                )
        self.forget(held.chat_id)
        return len(parts)

    async def release(self, chat_id: int) -> int:
        """Held items go out one by one after all (the chat left digest mode and quiet hours
        before a bundle was made)."""
        return await self._db.execute_count(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = 0 "
            "WHERE chat_id = ? AND status = 'held'",
            (chat_id,),
        )

    async def bundle_text(self, bundle_id: int) -> str | None:
        row = await self._db.fetchone("SELECT body_html FROM bundles WHERE id = ?", (bundle_id,))
        return str(row[0]) if row else None


def _settings(row: Row) -> ChatSettings:
    values = tuple(row)
    return ChatSettings(
        language=values[0],
        digest_at=values[1],
        quiet_from=values[2],
        quiet_to=values[3],
        quiet_mode=values[4],
        previews=bool(values[5]),
        last_digest_day=values[6],
    )
