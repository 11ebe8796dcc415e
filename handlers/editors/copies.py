"""A correction that reaches every copy: /correct, and /reschedule (an event's announcement
and the reminders published of it read anew, each in its own copies)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from aiogram import Bot
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from handlers.editors.steps import copy_sender, edit_or_ignore, settled
from handlers.editors.texts import corrected_text, number, renders, unfinished_text
from infra.background import BackgroundJobs
from infra.pacing import Pacer
from infra.settings import Settings
from jobs.delivery import DeliveryWorker
from jobs.editing import correct_copies
from storage.repositories import Storage


@dataclass(frozen=True, slots=True)
class Spreading:
    """What spreading a change to the copies takes: the handler's dependencies."""

    bot: Bot
    store: Storage
    delivery: DeliveryWorker | None
    pacer: Pacer
    jobs: BackgroundJobs
    settings: Settings
    i18n: I18n


async def spread_correction(
    spreading: Spreading, chat_id: int, revisions: dict[int, int], *, footer: str = ""
) -> None:
    """Edit every delivered copy of the items (`revisions`: item id -> the revision stored
    now, the one the editor changed first) to read as they do now. The editor is told how
    many copies there are, then (in the same message) how it went, and `footer`."""
    store, delivery = spreading.store, spreading.delivery
    head = next(iter(revisions))
    texts: dict[int, dict[str, str]] = {}
    for item_id in revisions:
        if delivery is not None:
            delivery.forget_item(item_id)
        item = await store.items.get(item_id)
        if item is not None:
            texts[item_id] = renders(item, spreading.settings, spreading.i18n)
    # Copies not sent yet go out corrected; those in flight now are corrected by the delivery
    # worker as soon as their message ids are known; these are the ones Telegram holds.
    in_flight = {item_id: await store.editorial.in_flight([item_id]) for item_id in texts}
    claimed = {
        item_id: await store.editorial.claim_copies(
            item_ids=[item_id], below_revision=revisions[item_id]
        )
        for item_id in texts
    }
    count = sum(len(copies) for copies in claimed.values())
    count += sum(len(ids) for ids in in_flight.values())
    status = await spreading.bot.send_message(
        chat_id,
        _("Item № {id} is corrected; delivered copies to edit: {count}…").format(
            id=head, count=number(count)
        ),
    )
    sender = copy_sender(spreading.bot, delivery)

    async def edit_all() -> None:
        current = older = 0
        for item_id, copies in claimed.items():
            revision = revisions[item_id]
            edited = await correct_copies(sender, copies, texts[item_id], spreading.pacer)
            await store.editorial.record_changes(
                [(copy.delivery_id, fault, None if fault else revision) for copy, fault in edited]
            )
        for item_id, ids in in_flight.items():
            revision = revisions[item_id]
            await settled(partial(store.editorial.unsettled, ids, revision=revision))
            shown, behind = await store.editorial.revision_counts(item_id, revision)
            current, older = current + shown, older + behind
        text = corrected_text(head, current, older) + (f"\n{footer}" if footer else "")
        await edit_or_ignore(spreading.bot, chat_id, status.message_id, text)

    unfinished = unfinished_text(head)
    spreading.jobs.start(
        edit_all(),
        failed=partial(edit_or_ignore, spreading.bot, chat_id, status.message_id, unfinished),
    )
