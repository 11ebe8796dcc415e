"""The change a coordinator was asked to confirm, kept in their conversation data until they
press "Yes, change" or cancel.

One change is pending at a time: a confirmation whose member is not the pending one's (an
older question's button) changes nothing. What the member looked like when asked is kept
too, so that a change made meanwhile by someone else is not overwritten.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiogram.fsm.context import FSMContext

from infra.settings import Settings

PENDING_KEY = "member_change"  # {"kind": "status"|"field"|"event", "member": id, "before": …}
ADMIT_KEY = "member_admit"  # the pending /admit


def today(settings: Settings) -> date:
    return datetime.now(settings.tz).date()


async def keep(state: FSMContext, change: dict[str, Any]) -> None:
    await state.update_data({PENDING_KEY: change})


async def take(state: FSMContext, member_id: int) -> dict[str, Any] | None:
    """The pending change of this member, no longer pending; None if there is none."""
    change = (await state.get_data()).get(PENDING_KEY)
    await state.update_data({PENDING_KEY: None})
    if not isinstance(change, dict) or change.get("member") != member_id:
        return None
    return change


async def drop(state: FSMContext) -> None:
    await state.update_data({PENDING_KEY: None, ADMIT_KEY: None})
