"""Items held for chats (digest mode, quiet hours) go out as bundles: a scheduler job.

A chat in digest mode gets, once a day at its time, a digest of what was held for it; a chat
whose quiet hours hold items gets them, when the quiet hours end, as one short list rather than
a burst. Both are messages in the outbox like any other (crash-safe, paced, reported); a bundle
is made in one transaction with its deliveries, and never twice for the same chat and day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from datetime import time as clock_time
from typing import Literal

from infra.log_context import log_fields
from storage.chat_settings import Held
from storage.db import TRANSIENT_ERRORS
from storage.repositories import Storage

log = logging.getLogger(__name__)

BundleKind = Literal["digest", "morning"]
# (what is held, which bundle, when) -> the messages, in the chat's language.
BundleRenderer = Callable[[Held, BundleKind, datetime], list[str]]


async def send_bundles(
    store: Storage,
    render: BundleRenderer,
    *,
    now: datetime,
    on_published: Callable[[], None] | None = None,
) -> int:
    """Bundle what is held for each chat whose time has come; returns how many messages were
    made. `now` is in the bot's time zone. Never raises: one chat's trouble is logged and the
    others go on (the next run tries that chat again)."""
    made = 0
    try:
        chats = await store.chat_settings.chats_holding()
    except TRANSIENT_ERRORS as exc:
        log.warning("bundles: the database failed (%s); next time", exc)
        return 0
    for chat_id in chats:
        with log_fields(chat_id=chat_id):
            try:
                made += await _bundle_chat(store, render, chat_id, now)
            except TRANSIENT_ERRORS as exc:
                log.warning("bundles: chat %s: the database failed (%s); next time", chat_id, exc)
            except Exception:
                log.exception("bundles: chat %s failed", chat_id)
    if made and on_published is not None:
        on_published()
    return made


async def _bundle_chat(store: Storage, render: BundleRenderer, chat_id: int, now: datetime) -> int:
    settings = await store.chat_settings.get(chat_id)
    today = now.date().isoformat()
    if settings.digest_at is not None:
        if settings.last_digest_day == today or now.time() < clock_time.fromisoformat(
            settings.digest_at
        ):
            return 0
        held = await store.chat_settings.held(chat_id)
        parts = render(held, "digest", now) if held.items else []
        return await store.chat_settings.bundle(held, "digest", today, parts, digest=True)
    if settings.holds(now) is not None:
        return 0  # still quiet
    # Quiet hours are over (or the chat left digest mode): what was held, as one list.
    held = await store.chat_settings.held(chat_id)
    parts = render(held, "morning", now) if held.items else []
    key = f"{today} {now:%H:%M}"
    made = await store.chat_settings.bundle(held, "morning", key, parts, digest=False)
    if made:
        log.info(
            "bundles: chat %s gets %d held items in %d messages", chat_id, len(held.items), made
        )
    return made
