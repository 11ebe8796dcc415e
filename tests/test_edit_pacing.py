"""Edits keep Telegram's pace as sends do: per chat (a burst of three, then one a second) and
per group (one every three seconds, so never 20 in a minute), against a sandbox that counts
every edit strictly."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta

from infra.settings import Settings
from jobs.delivery import DeliveryLimits
from jobs.reminders import send_due_reminders
from sandbox import BotAPISandbox, RateLimits
from storage.models import ChatType
from storage.repositories import Storage
from tests.client import ADMIN_ID, running_bot
from tests.test_delivery import delivering, subscribe
from tests.test_events import KYIV, LVIV, announce

GROUP, PRIVATE = -100777, 11
MINUTE = 60


async def test_many_edits_to_one_group_keep_its_pace(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """An event's announcement and three reminders went to a group and a private chat two
    days ago: retracting it replaces all eight copies with a notice (too old to delete), four
    edits to each chat at once. None is refused, and the group's come three seconds apart."""
    sandbox.add_chat(GROUP, type="supergroup", title="Громада")
    await subscribe(store, GROUP, LVIV, kind=ChatType.SUPERGROUP)
    await subscribe(store, PRIVATE, LVIV)
    starts_at = datetime.now(UTC) + timedelta(days=2)
    event_id = await announce(store, "Концерт", starts_at, offsets=(86_400, 3_600, 600))
    async with delivering(sandbox, settings, store) as running:  # Telegram's limits off
        for before in (timedelta(hours=23), timedelta(minutes=50), timedelta(minutes=5)):
            await send_due_reminders(
                store, tz=KYIV, now=starts_at - before, on_published=running.worker.wake
            )
            await running.settled()
    assert len(sandbox.sent(GROUP)) == len(sandbox.sent(PRIVATE)) == 4
    await store.db.execute("UPDATE deliveries SET sent_at = ?", (time.time() - 49 * 3600,))
    event = await store.events.get(event_id)
    assert event is not None

    sandbox.limits = RateLimits()  # strict from now on: every edit counted
    async with (
        delivering(sandbox, settings, store, DeliveryLimits()) as running,
        running_bot(sandbox, settings, store, delivery=running.worker) as client,
    ):
        admin = client.as_user(ADMIN_ID, language="en")
        [confirm] = await admin.send(f"/retract {event.item_id}")
        [status] = await admin.click(confirm, "Retract")
        await sandbox.wait_until(
            lambda: "Copies replaced with a notice: 8" in status.plain_text, timeout=30
        )
    assert sandbox.errors[429] == 0
    for chat in (GROUP, PRIVATE):
        assert all("відкликала" in copy.plain_text for copy in sandbox.sent(chat))
    edits = sandbox.arrivals(GROUP)
    assert len(edits) == 4
    assert min(later - earlier for earlier, later in itertools.pairwise(edits)) >= 3.0
    assert len(sandbox.arrivals(PRIVATE)) == 4
