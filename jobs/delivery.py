"""The delivery worker: drains the outbox within Telegram's limits, whatever Telegram answers.

One worker per database (a lease row in SQLite), woken at once when items are published and
polling for rows other processes created. Each delivery is claimed ('sending') before its
request goes out and recorded after, in batches; a delivery keeps its slot until its outcome is
written, so after a crash at most `max_in_flight` messages can go out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
import random
import re
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendPhoto
from aiogram.types import LinkPreviewOptions

from infra.log_context import bind
from infra.pacing import Lane, PaceLimits, Pacer
from infra.sending import SendText
from infra.session import JsonAiohttpSession
from jobs.editing import correct_copies, retract_copies
from storage.db import TRANSIENT_ERRORS
from storage.models import ChatType, Delivery, DeliveryResult, DeliveryStatus, Item
from storage.repositories import Storage

log = logging.getLogger(__name__)

LEASE_NAME = "delivery"
ERROR_LIMIT = 500  # characters of Telegram's answer kept with a delivery (its error column)
# A busy or failing database: the step that failed is tried again after a pause, never the
# end of delivery.
_TRANSIENT = TRANSIENT_ERRORS
_FIRST_PAUSE = 0.5
_LAST_PAUSE = 10.0
_LEASE_MARGIN = 1.0  # seconds before the lease may expire: no new sends after that
T = TypeVar("T")
PAID_RATE = 1000.0
_TAG = re.compile(r"<[^>]*>")

Renderer = Callable[[Item, str], str]  # (item, language) -> HTML message
Notice = Callable[[str], str]  # language -> HTML of the notice that replaces a retracted copy


@dataclass(frozen=True, slots=True)
class DeliveryLimits:
    """Telegram's limits and the worker's own bounds."""

    overall_per_second: float = 30.0
    paid_broadcast: bool = False
    # A little over Telegram's figures, so that network jitter never lands two messages
    # inside Telegram's window.
    chat_interval: float = 1.05  # private chats and channels: one message a second...
    chat_burst: int = 3  # ...after a short burst (1: none, Telegram at its strictest)
    group_interval: float = 3.05  # groups: 20 a minute
    max_attempts: int = 5  # for 5xx and network errors
    backoff_base: float = 2.0
    backoff_cap: float = 300.0
    lease_ttl: float = 15.0
    flush_interval: float = 0.05

    @property
    def rate(self) -> float:
        return PAID_RATE if self.paid_broadcast else self.overall_per_second

    def pace(self) -> PaceLimits:
        """The pacer's limits: paid copies may go at 1000/s, everything else at the rate."""
        return PaceLimits(
            rate=self.rate,
            free_rate=self.overall_per_second if self.paid_broadcast else None,
            chat_interval=self.chat_interval,
            chat_burst=self.chat_burst,
            group_interval=self.group_interval,
        )

    @property
    def max_in_flight(self) -> int:
        """Claimed but not yet recorded: what a kill can send twice (`in_flight_bound`)."""
        return in_flight_bound(self.rate)


def in_flight_bound(rate: float) -> int:
    """Copies claimed but not yet recorded at `rate` a second: about half a second's worth (15
    at 30/s), at least 1, at most 200. (Not the property's body: mutation testing reaches
    plain functions only.)"""
    return max(1, min(200, round(rate / 2)))


@dataclass
class DeliveryStats:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0  # the item was retracted or deleted, or a digest's bundle went away
    retried: int = 0
    plain_text_fallbacks: int = 0
    rate_limited: int = 0


def _owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _dead_local_owner(owner: str) -> bool:
    """A lease holder on this host whose process is gone (killed, crashed)."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdecimal():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class DeliveryWorker:
    def __init__(
        self,
        bot: Bot,
        store: Storage,
        render: Renderer,
        limits: DeliveryLimits | None = None,
        pacer: Pacer | None = None,
        *,
        notice: Notice,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.bot = bot
        self.store = store
        self.render = render
        self.notice = notice
        # Now, in the bot's time zone: quiet hours and digests are read against it.
        self.clock = clock or (lambda: datetime.now(UTC))
        self.limits = limits or DeliveryLimits()
        # Shared with the bot that answers users (one budget per token); public, since
        # editors' edits and deletes of delivered copies use it too (jobs.editing).
        self.pacer = pacer or Pacer(self.limits.pace())
        self.stats = DeliveryStats()
        self.owner = _owner_id()
        self._wake = asyncio.Event()
        self._flushing = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._slots = asyncio.Semaphore(self.limits.max_in_flight)
        self._in_flight: set[int] = set()  # chat ids with a request out
        self._tasks: set[asyncio.Task[None]] = set()
        # To record; a batch being recorded stays here (holding its places) until written.
        self._results: list[tuple[DeliveryResult, Delivery]] = []
        self._catching_up: set[asyncio.Task[None]] = set()
        self._items: dict[tuple[int, int], Item | None] = {}  # (item id, revision) -> item
        self._texts: dict[tuple[int, int, str], str] = {}  # (item id, revision, language)
        self.holding_lease = False
        self._lease_until = 0.0  # time.monotonic() when the lease may have expired

    # --- control ---------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Copies out, or results not yet recorded (the next due ones: `store.outbox`)."""
        return bool(self._tasks or self._results or self._catching_up)

    def wake(self) -> None:
        """New deliveries exist: look now rather than at the next poll."""
        self._wake.set()

    async def stop(self, timeout: float = 10.0) -> None:
        """Take no new work; let requests in flight finish (bounded); record; release."""
        self._stopping.set()
        self._wake.set()
        await self._wind_down(timeout)

    async def _wind_down(self, timeout: float = 10.0) -> None:
        """Requests in flight finish (bounded) and are recorded; the lease is released."""
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        await self._flush()
        if self._catching_up:
            await asyncio.wait(set(self._catching_up), timeout=timeout)
        if self.holding_lease:
            self.holding_lease = False
            try:
                await self.store.leases.release(LEASE_NAME, self.owner)
            except _TRANSIENT as exc:  # it expires by itself
                log.warning("could not release the delivery lease: %s", exc)

    async def run(self) -> None:
        """Hold the lease and deliver until stopped. Never raises on Telegram's answers, and
        outlives a busy or failing database: a failed step is logged in one line and tried
        again after a pause. Losing the lease (another process took it while this one could
        not renew) means standing by until it is free again."""
        try:
            while await self._acquire_lease():
                await self._deliver_while_leased()
        finally:
            # Stopped, or a bug: either way what is in flight is recorded, and a supervisor
            # may call run() again.
            await self._wind_down()

    async def _deliver_while_leased(self) -> None:
        requeued = await self._retrying("re-queue", self.store.outbox.requeue_in_flight)
        if requeued:
            log.warning("re-sending %d deliveries that were in flight at the last stop", requeued)
        background = [
            asyncio.create_task(self._renew_lease(), name="delivery lease"),
            asyncio.create_task(self._flush_loop(), name="delivery records"),
        ]
        try:
            await self._deliver_loop()
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            # Whatever is in flight finishes and is recorded before the lease is sought again.
            if self._tasks:
                await asyncio.wait(set(self._tasks))
            await self._flush()

    async def _retrying(
        self, what: str, step: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any
    ) -> T:
        """`step(*args, **kwargs)` until it succeeds (or the worker stops), pausing longer
        after each failure."""
        pause = _FIRST_PAUSE
        while True:
            try:
                return await step(*args, **kwargs)
            except _TRANSIENT as exc:
                if self._stopping.is_set():
                    raise
                log.warning("delivery: %s failed (%s); again in %.1f s", what, exc, pause)
                await self._wait(pause)
                pause = min(_LAST_PAUSE, pause * 2)

    # --- the lease -------------------------------------------------------------------------

    async def _acquire_lease(self) -> bool:
        """Wait until this worker holds the lease (True), or is stopped (False)."""
        announced = False
        while not self._stopping.is_set():
            try:
                holder = await self.store.leases.holder(LEASE_NAME)
                dead = holder[0] if holder and _dead_local_owner(holder[0]) else None
                taken = await self.store.leases.acquire(
                    LEASE_NAME, self.owner, self.limits.lease_ttl, steal_from=dead
                )
            except _TRANSIENT as exc:
                log.warning("delivery: could not read the lease (%s); trying again", exc)
                holder, taken = None, False
            if taken:
                self.holding_lease = True
                self._lease_until = time.monotonic() + self.limits.lease_ttl
                log.info("delivery worker %s holds the lease", self.owner)
                return True
            if not announced and holder is not None:
                # On PostgreSQL several processes are the plan: one sends, the others stand by.
                log.log(
                    logging.INFO if self.store.db.shared else logging.WARNING,
                    "another process (%s) is delivering from this database; waiting",
                    holder[0],
                )
                announced = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.limits.lease_ttl / 3)
        return False

    async def _renew_lease(self) -> None:
        """Renew every third of the lease's life; a renewal the database refused is tried
        again a second later, and a lease another process took ends this delivery run."""
        pause = self.limits.lease_ttl / 3
        while True:
            await asyncio.sleep(pause)
            started = time.monotonic()
            try:
                renewed = await self.store.leases.acquire(
                    LEASE_NAME, self.owner, self.limits.lease_ttl
                )
            except _TRANSIENT as exc:
                log.warning("delivery: could not renew the lease (%s); trying again", exc)
                pause = _FIRST_PAUSE
                continue
            if not renewed:
                log.error("lost the delivery lease to another process; standing by")
                self.holding_lease = False
                self._wake.set()
                return
            self._lease_until = started + self.limits.lease_ttl
            pause = self.limits.lease_ttl / 3

    def _leased(self) -> bool:
        """Still the holder, with time left: no new sends once the lease may have expired."""
        return self.holding_lease and time.monotonic() < self._lease_until - _LEASE_MARGIN

    # --- the loop --------------------------------------------------------------------------

    async def _deliver_loop(self) -> None:
        pause = _FIRST_PAUSE
        while not self._stopping.is_set() and self.holding_lease:
            if not self._leased():  # the renewer is behind (a locked database): wait for it
                await self._wait(_FIRST_PAUSE)
                continue
            try:
                await self._deliver_step()
            except _TRANSIENT as exc:
                log.warning("delivery: the database failed (%s); again in %.1f s", exc, pause)
                await self._wait(pause)
                pause = min(_LAST_PAUSE, pause * 2)
            else:
                pause = _FIRST_PAUSE

    async def _deliver_step(self) -> None:
        """Claim what is due and start sending it, or wait until something is."""
        free = self._free_slots()
        # Can be below 0: a finished delivery is in `_results` one loop turn before its
        # task leaves `_tasks`. A negative LIMIT would claim every pending row at once.
        if free <= 0:
            await self._wait(self.limits.flush_interval)
            return
        now = time.time()
        due = await self.store.outbox.due(free, now)
        ready: list[Delivery] = []
        deferred: list[DeliveryResult] = []
        chats: set[int] = set()  # one copy per chat at a time: the next waits its turn
        for delivery in due:
            delay = self.pacer.chat_delay(delivery.chat_id, group=_is_group(delivery))
            if delivery.chat_id in self._in_flight or delivery.chat_id in chats:
                delay = max(delay, self._interval(delivery.chat_type))
            if delay > 0:
                deferred.append(_pending(delivery, delivery.attempts, now + delay))
            else:
                chats.add(delivery.chat_id)
                ready.append(delivery)
        if deferred:
            await self.store.outbox.defer(deferred)
        if ready:
            claimed = await self.store.outbox.claim([delivery.id for delivery in ready])
            for delivery in ready:
                if delivery.id not in claimed:
                    continue  # another sender's, for the moment they overlap
                self._in_flight.add(delivery.chat_id)
                await self._slots.acquire()
                task = asyncio.create_task(self._send(delivery))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return
        if not deferred:
            await self._wait(await self._idle_wait(now))

    def _free_slots(self) -> int:
        return self.limits.max_in_flight - len(self._tasks) - len(self._results)

    async def _idle_wait(self, now: float) -> float:
        """Until the next retry is due, or a second (rows from other processes), or a wake."""
        next_due = await self.store.outbox.next_due_at()
        if next_due is None:
            return 1.0
        return min(1.0, max(0.01, next_due - now))

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    def _interval(self, chat_type: ChatType) -> float:
        if chat_type in (ChatType.GROUP, ChatType.SUPERGROUP):
            return self.limits.group_interval
        return self.limits.chat_interval

    # --- one delivery ----------------------------------------------------------------------

    async def _send(self, delivery: Delivery) -> None:
        # A task of its own: every line about this delivery carries its ids.
        bind(
            delivery_id=delivery.id,
            item_id=delivery.item_id,
            bundle_id=delivery.bundle_id,
            chat_id=delivery.chat_id,
        )
        result: DeliveryResult
        try:
            result = await self._attempt(delivery)
        except Exception as exc:  # the worker must outlive anything one delivery does
            log.exception(
                "delivery %s to chat %s failed unexpectedly", delivery.id, delivery.chat_id
            )
            error = f"internal error: {exc!r}"[:ERROR_LIMIT]
            result = _final(delivery, DeliveryStatus.FAILED, error)
        except asyncio.CancelledError:
            # Stopped while waiting: the delivery stays pending for the next start.
            result = _pending(delivery, delivery.attempts, 0.0)
            self._results.append((result, delivery))
            raise
        if result.status is DeliveryStatus.CANCELLED:
            self.stats.cancelled += 1
        self._results.append((result, delivery))
        if len(self._results) >= self.limits.max_in_flight // 2:
            self._wake.set()

    async def _attempt(self, delivery: Delivery) -> DeliveryResult:
        chat = await self.store.chat_settings.get(delivery.chat_id)
        moment = self.clock()
        silent = False
        photo: str | None = None  # the item is a photo, its text the caption
        revision = delivery.revision  # of the item, as the copy reads
        if delivery.bundle_id is not None:  # a digest, or the list after quiet hours
            text = await self.store.chat_settings.bundle_text(delivery.bundle_id)
            if text is None:  # deleted meanwhile (a /stop), and the row with it: only counted
                return _final(delivery, DeliveryStatus.CANCELLED)
        else:
            if delivery.retracted or delivery.item_id is None:
                return _final(delivery, DeliveryStatus.CANCELLED, "item retracted")
            if not delivery.urgent:
                if chat.holds(moment) is not None:  # kept for a bundle (jobs.bundles)
                    return DeliveryResult(delivery.id, DeliveryStatus.HELD, delivery.attempts)
                silent = chat.silent(moment)
            item = await self._item(delivery.item_id, delivery.revision)
            if item is None:  # deleted meanwhile, and the row with it: only counted
                return _final(delivery, DeliveryStatus.CANCELLED)
            # Read after the row: a correction in between makes the copy newer than the row
            # said, and it needs no edit.
            revision = max(revision, item.revision)
            language = "en" if delivery.language == "en" else "uk"
            text = self._text(item, revision, language)
            photo = item.photo
        attempts = delivery.attempts + 1
        plain = False
        paid = self.limits.paid_broadcast
        while True:
            try:
                async with self.pacer.turn(
                    Lane.BROADCAST, delivery.chat_id, group=_is_group(delivery), paid=paid
                ):
                    message_id = await self._send_copy(
                        delivery.chat_id,
                        html.unescape(_TAG.sub("", text)) if plain else text,
                        parse_mode=None if plain else "HTML",
                        paid=paid,
                        silent=silent,
                        previews=chat.previews and delivery.bundle_id is None,
                        photo=photo,
                    )
            except TelegramRetryAfter as exc:
                self.stats.rate_limited += 1
                log.info(
                    "chat %s: flood control, again in %s s", delivery.chat_id, exc.retry_after
                )
                if self.pacer.flooded(
                    delivery.chat_id, exc.retry_after, group=_is_group(delivery)
                ):
                    log.warning("flood control for several chats: all wait %ss", exc.retry_after)
                return _pending(delivery, delivery.attempts, time.time() + exc.retry_after)
            except TelegramMigrateToChat as exc:
                log.info("chat %s moved to %s", delivery.chat_id, exc.migrate_to_chat_id)
                await self.store.outbox.migrate_chat(delivery.chat_id, exc.migrate_to_chat_id)
                return _pending(delivery, delivery.attempts, 0.0)
            except TelegramForbiddenError as exc:
                return await self._chat_gone(delivery, exc.message)
            except TelegramBadRequest as exc:
                description = exc.message.lower()
                if "chat not found" in description:
                    return await self._chat_gone(delivery, exc.message)
                if "can't parse entities" in description and not plain:
                    log.warning(
                        "delivery %s: Telegram rejected its HTML; sending plain text", delivery.id
                    )
                    self.stats.plain_text_fallbacks += 1
                    plain = True
                    continue
                self.stats.failed += 1
                return _final(delivery, DeliveryStatus.FAILED, exc.message[:ERROR_LIMIT], attempts)
            except (TelegramServerError, TelegramNetworkError, TimeoutError) as exc:
                return self._retry_later(delivery, attempts, str(exc))
            self.stats.sent += 1
            return DeliveryResult(
                delivery.id,
                DeliveryStatus.SENT,
                attempts,
                message_id=message_id,
                sent_at=time.time(),
                revision=revision,
            )

    async def _send_copy(
        self,
        chat_id: int,
        text: str,
        *,
        parse_mode: str | None,
        paid: bool,
        silent: bool = False,
        previews: bool = False,
        photo: str | None = None,
    ) -> int:
        """The copy's message id; the fast path when the bot's session has nothing in
        between (the worker's own bot), aiogram's otherwise. With `photo` (a file id), the
        copy is that photo with `text` as its caption."""
        if photo is not None:
            sent = await self.bot(
                SendPhoto(
                    chat_id=chat_id,
                    photo=photo,
                    caption=text,
                    parse_mode=parse_mode,
                    allow_paid_broadcast=paid or None,
                    disable_notification=silent or None,
                )
            )
            return sent.message_id
        session = self.bot.session
        if isinstance(session, JsonAiohttpSession) and not session.middleware:
            return await session.send_copy(
                self.bot,
                chat_id,
                text,
                parse_mode=parse_mode,
                paid=paid,
                silent=silent,
                previews=previews,
            )
        method = SendText(
            chat_id=chat_id,
            text=text,
            parse_mode=parse_mode,
            allow_paid_broadcast=paid or None,
            disable_notification=silent or None,
            link_preview_options=LinkPreviewOptions(is_disabled=not previews),
        )
        return (await self.bot(method)).message_id

    async def _chat_gone(self, delivery: Delivery, reason: str) -> DeliveryResult:
        reason = reason[:ERROR_LIMIT]
        skipped = await self.store.outbox.skip_chat(delivery.chat_id, reason)
        self.stats.skipped += 1 + skipped
        log.info("chat %s is gone (%s); %d pending skipped", delivery.chat_id, reason, skipped)
        return _final(delivery, DeliveryStatus.SKIPPED, reason, delivery.attempts + 1)

    def _retry_later(self, delivery: Delivery, attempts: int, reason: str) -> DeliveryResult:
        reason = reason[:ERROR_LIMIT]
        if attempts >= self.limits.max_attempts:
            self.stats.failed += 1
            return _final(delivery, DeliveryStatus.FAILED, reason, attempts)
        self.stats.retried += 1  # /metrics counts them
        retry = _pending(delivery, attempts, time.time() + backoff(attempts, self.limits))
        return replace(retry, error=reason)

    async def _item(self, item_id: int, revision: int) -> Item | None:
        """The item at `revision` or later (as read now; None: deleted)."""
        key = (item_id, revision)
        if key not in self._items:
            if len(self._items) > 1000:
                self._items.clear()
                self._texts.clear()
            item = await self.store.items.get(item_id)
            if item is None or item.revision <= revision:
                self._items[key] = item
            else:  # corrected since the row was read: the row's revision is not this
                self._items[(item_id, item.revision)] = item
            return item
        return self._items[key]

    def _text(self, item: Item, revision: int, language: str) -> str:
        key = (item.id, revision, language)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = self.render(item, language)
        return text

    def forget_item(self, item_id: int) -> None:
        """An item changed (corrected, retracted): its texts are not needed any more."""
        for key in [key for key in self._items if key[0] == item_id]:
            del self._items[key]
        for text_key in [key for key in self._texts if key[0] == item_id]:
            del self._texts[text_key]

    # --- copies whose item changed on their way ---------------------------------------------

    async def _catch_up(self, sent: list[tuple[DeliveryResult, Delivery]]) -> None:
        """Copies just recorded as sent whose item was corrected or retracted while they were
        on their way (their message ids were not known then): edited to the latest text, or
        removed, now. The editor's command does the same for the copies it saw; each copy is
        claimed in the database by whoever comes first, so none is changed twice."""
        editorial = self.store.editorial
        item_ids = {delivery.item_id for _, delivery in sent if delivery.item_id is not None}
        states = await self._retrying("read items", editorial.states, item_ids)
        retracted: list[int] = []
        stale: dict[int, list[int]] = {}
        for result, delivery in sent:
            if delivery.item_id is None:
                continue  # a bundle: made of items as they read then
            state = states.get(delivery.item_id)
            if state is None:
                continue
            if state.retracted:
                retracted.append(result.id)
            elif (result.revision or 0) < state.revision:
                stale.setdefault(delivery.item_id, []).append(result.id)
        if retracted:
            copies = await self._retrying("claim copies", editorial.claim_copies, ids=retracted)
            notices = {language: self.notice(language) for language in ("uk", "en")}
            removed = await retract_copies(self.bot, copies, notices, self.pacer)
            changes = [(copy.delivery_id, change, None) for copy, change in removed]
            await self._retrying("record copies", editorial.record_changes, changes)
            log.info("removed %d copies sent as their item was retracted", len(removed))
        for item_id, ids in stale.items():
            revision = states[item_id].revision
            claimed = await self._retrying(
                "claim copies", editorial.claim_copies, ids=ids, below_revision=revision
            )
            item = await self._retrying("read an item", self.store.items.get, item_id)
            if item is None or not claimed:
                continue
            texts = {language: self.render(item, language) for language in ("uk", "en")}
            edited = await correct_copies(self.bot, claimed, texts, self.pacer)
            fixed = [
                (copy.delivery_id, change, None if change else revision) for copy, change in edited
            ]
            await self._retrying("record copies", editorial.record_changes, fixed)
            log.info(
                "item %s: corrected %d copies sent as it was corrected",
                item_id,
                len(edited),
                extra={"item_id": item_id},
            )

    def _start_catch_up(self, sent: list[tuple[DeliveryResult, Delivery]]) -> None:
        async def catch_up() -> None:
            try:
                await self._catch_up(sent)
            except Exception:
                log.exception("could not bring %d copies up to date", len(sent))

        task = asyncio.create_task(catch_up())
        self._catching_up.add(task)
        task.add_done_callback(self._catching_up.discard)

    # --- recording -------------------------------------------------------------------------

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.limits.flush_interval)
            await self._flush()

    async def _flush(self) -> None:
        # One flush at a time: a stop's flush waits for the loop's, so that when stop()
        # returns, every answer is recorded.
        async with self._flushing:
            await self._flush_once()

    async def _flush_once(self) -> None:
        if not self._results:
            return
        # The batch stays in `_results` until it is written: its rows are still 'sending', so
        # it keeps its places in flight (a kill now would send them again), and a failed or
        # cancelled write (the stop cancels the loop's flush) leaves it for the next flush.
        # Flushes take turns, and results only ever join at the end.
        batch = self._results[:]
        try:
            await self.store.outbox.record([result for result, _delivery in batch])
        except Exception as exc:
            if isinstance(exc, _TRANSIENT):  # a busy database, say
                log.warning("could not record %d delivery results yet: %s", len(batch), exc)
            else:
                log.exception("could not record %d delivery results", len(batch))
            return
        del self._results[: len(batch)]
        for _result, delivery in batch:
            self._in_flight.discard(delivery.chat_id)
            self._slots.release()
        self._wake.set()
        # Recorded first, read after: an editor's change committed before this read is seen
        # here, and one committed after it sees these copies as sent.
        sent = [(result, delivery) for result, delivery in batch if result.message_id]
        if sent:
            self._start_catch_up(sent)


def _is_group(delivery: Delivery) -> bool:
    return delivery.chat_type in (ChatType.GROUP, ChatType.SUPERGROUP)


def backoff(attempts: int, limits: DeliveryLimits) -> float:
    """Seconds before attempt `attempts + 1`: doubling (`backoff_base`), at most
    `backoff_cap`, and spread ±50 % so that chats that failed together do not come back
    together."""
    return min(limits.backoff_cap, limits.backoff_base**attempts) * random.uniform(0.5, 1.5)


def _pending(delivery: Delivery, attempts: int, at: float) -> DeliveryResult:
    return DeliveryResult(delivery.id, DeliveryStatus.PENDING, attempts, next_attempt_at=at)


def _final(
    delivery: Delivery,
    status: DeliveryStatus,
    reason: str | None = None,
    attempts: int | None = None,
) -> DeliveryResult:
    return DeliveryResult(
        delivery.id,
        status,
        delivery.attempts if attempts is None else attempts,
        error=reason,
    )
