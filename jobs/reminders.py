"""Reminders of announced events: a new item for the event's region when one is due."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from domain.dates import event_html
from storage.db import TRANSIENT_ERRORS
from storage.events import Reminder
from storage.models import ItemKind, NewItem
from storage.repositories import Storage

log = logging.getLogger(__name__)

# Seconds before an event's start: a day and an hour.
DEFAULT_OFFSETS = (86_400, 3_600)


def reminder_item(reminder: Reminder, tz: ZoneInfo, now: datetime) -> NewItem:
    event = reminder.event
    return NewItem(
        region_code=event.region_code,
        title=event.title,
        published_at=now,
        kind=ItemKind.EVENT,
        author_id=event.created_by,
        body_html=event_html(event, tz),
        reminder=True,  # "Reminder" is added in each reader's language
    )


async def send_due_reminders(
    store: Storage,
    *,
    tz: ZoneInfo,
    now: datetime | None = None,
    on_published: Callable[[], None] | None = None,
    limit: int = 100,
) -> int:
    """Publish every due reminder (each marked sent in its item's transaction); returns how
    many were published. Never raises: a scheduler job that raised would only be logged."""
    moment = now or datetime.now(UTC)
    published = 0
    try:
        for reminder in await store.events.due_reminders(moment.timestamp(), limit):
            try:
                result = await store.events.send_reminder(
                    reminder.id, reminder_item(reminder, tz, moment)
                )
            except TRANSIENT_ERRORS as exc:
                log.warning("reminders: the database failed (%s); next time", exc)
                break
            except Exception:
                log.exception(
                    "reminder %d of event %d failed",
                    reminder.id,
                    reminder.event.id,
                    extra={"reminder_id": reminder.id, "event_id": reminder.event.id},
                )
                continue
            if result is not None:
                published += 1
    except TRANSIENT_ERRORS as exc:
        log.warning("reminders: could not read the due ones (%s); next time", exc)
    except Exception:
        log.exception("reminders: could not read the due ones")
    if published and on_published is not None:
        try:
            on_published()
        except Exception:
            log.exception("reminders: waking the delivery worker failed")
    if published:
        log.info("reminders: %d published", published)
    return published
