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
from collections.abc import Callable
from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiolimiter import AsyncLimiter

from bot.sending import SendText
from storage.models import ChatType, Delivery, DeliveryResult, DeliveryStatus, Item
from storage.repositories import Storage

log = logging.getLogger(__name__)

LEASE_NAME = "delivery"
PAID_RATE = 1000.0
_TAG = re.compile(r"<[^>]*>")

Renderer = Callable[[Item, str], str]  # (item, language) -> HTML message


@dataclass(frozen=True, slots=True)
class DeliveryLimits:
    """Telegram's limits and the worker's own bounds."""

    overall_per_second: float = 30.0
    paid_broadcast: bool = False
    # A little over Telegram's figures, so that network jitter never lands two messages
    # inside Telegram's window.
    chat_interval: float = 1.05  # private chats and channels: one message a second
    group_interval: float = 3.05  # groups: 20 a minute
    max_attempts: int = 5  # for 5xx and network errors
    backoff_base: float = 2.0
    backoff_cap: float = 300.0
    lease_ttl: float = 15.0
    flush_interval: float = 0.05

    @property
    def rate(self) -> float:
        return PAID_RATE if self.paid_broadcast else self.overall_per_second

    @property
    def max_in_flight(self) -> int:
        """Claimed but not yet recorded: about half a second's worth, at least 1, at most 200."""
        return max(1, min(200, round(self.rate / 2)))


@dataclass
class DeliveryStats:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    plain_text_fallbacks: int = 0
    rate_limited: int = 0


@dataclass
class _Pacing:
    """When each chat may get its next message, and whether the whole bot must wait."""

    next_allowed: dict[int, float] = field(default_factory=dict)
    paused_until: float = 0.0
    recent_floods: list[tuple[float, int]] = field(default_factory=list)

    def ready_at(self, chat_id: int) -> float:
        return max(self.next_allowed.get(chat_id, 0.0), self.paused_until)

    def flooded(self, chat_id: int, retry_after: float, now: float) -> None:
        """A 429: that chat waits; 429s from several chats at once pause everything."""
        until = now + retry_after
        self.next_allowed[chat_id] = max(self.next_allowed.get(chat_id, 0.0), until)
        self.recent_floods = [(t, c) for t, c in self.recent_floods if now - t < 1.0]
        self.recent_floods.append((now, chat_id))
        if len({chat for _, chat in self.recent_floods}) >= 2:
            self.paused_until = max(self.paused_until, until)

    def forget_idle(self, now: float) -> None:
        if len(self.next_allowed) > 100_000:
            self.next_allowed = {c: t for c, t in self.next_allowed.items() if t > now}


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
    ) -> None:
        self.bot = bot
        self.store = store
        self.render = render
        self.limits = limits or DeliveryLimits()
        self.stats = DeliveryStats()
        self.owner = _owner_id()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._slots = asyncio.Semaphore(self.limits.max_in_flight)
        # Spread evenly in tenths of a second, so that no burst outruns Telegram's own bucket.
        # Public: editors' edits and deletes of delivered copies share it (jobs.editing).
        self.limiter = AsyncLimiter(max(1.0, self.limits.rate / 10), 0.1)
        self._pacing = _Pacing()
        self._in_flight: set[int] = set()  # chat ids with a request out
        self._tasks: set[asyncio.Task[None]] = set()
        self._results: list[tuple[DeliveryResult, int]] = []  # (result, chat id) to record
        self._items: dict[int, Item | None] = {}
        self._texts: dict[tuple[int, str], str] = {}
        self.holding_lease = False

    # --- control ---------------------------------------------------------------------------

    def wake(self) -> None:
        """New deliveries exist: look now rather than at the next poll."""
        self._wake.set()

    async def stop(self, timeout: float = 10.0) -> None:
        """Take no new work; let requests in flight finish (bounded); record; release."""
        self._stopping.set()
        self._wake.set()
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        await self._flush()
        if self.holding_lease:
            self.holding_lease = False
            await self.store.leases.release(LEASE_NAME, self.owner)

    async def run(self) -> None:
        """Hold the lease and deliver until stopped. Never raises on Telegram's answers."""
        renewer: asyncio.Task[None] | None = None
        try:
            if not await self._acquire_lease():
                return
            requeued = await self.store.outbox.requeue_in_flight()
            if requeued:
                log.warning(
                    "re-sending %d deliveries that were in flight at the last stop", requeued
                )
            renewer = asyncio.create_task(self._renew_lease())
            flusher = asyncio.create_task(self._flush_loop())
            try:
                await self._deliver_loop()
            finally:
                flusher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await flusher
        finally:
            if renewer is not None:
                renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewer
            await self.stop()

    # --- the lease -------------------------------------------------------------------------

    async def _acquire_lease(self) -> bool:
        announced = False
        while not self._stopping.is_set():
            holder = await self.store.leases.holder(LEASE_NAME)
            dead = holder[0] if holder and _dead_local_owner(holder[0]) else None
            if await self.store.leases.acquire(
                LEASE_NAME, self.owner, self.limits.lease_ttl, steal_from=dead
            ):
                self.holding_lease = True
                log.info("delivery worker %s holds the lease", self.owner)
                return True
            if not announced:
                log.warning(
                    "another process (%s) is delivering from this database; waiting",
                    holder[0] if holder else "?",
                )
                announced = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.limits.lease_ttl / 3)
        return False

    async def _renew_lease(self) -> None:
        while True:
            await asyncio.sleep(self.limits.lease_ttl / 3)
            if not await self.store.leases.acquire(LEASE_NAME, self.owner, self.limits.lease_ttl):
                log.error("lost the delivery lease; stopping delivery")
                self.holding_lease = False
                self._stopping.set()
                self._wake.set()
                return

    # --- the loop --------------------------------------------------------------------------

    async def _deliver_loop(self) -> None:
        while not self._stopping.is_set():
            free = self._free_slots()
            # Can be below 0: a finished delivery is in `_results` one loop turn before its
            # task leaves `_tasks`. A negative LIMIT would claim every pending row at once.
            if free <= 0:
                await self._wait(self.limits.flush_interval)
                continue
            now = time.time()
            due = await self.store.outbox.due(free, now)
            ready: list[Delivery] = []
            deferred: list[DeliveryResult] = []
            for delivery in due:
                ready_at = self._pacing.ready_at(delivery.chat_id)
                if delivery.chat_id in self._in_flight:
                    ready_at = max(ready_at, now + self._interval(delivery.chat_type))
                if ready_at > now:
                    deferred.append(_pending(delivery, delivery.attempts, ready_at))
                    continue
                self._in_flight.add(delivery.chat_id)
                self._pacing.next_allowed[delivery.chat_id] = now + self._interval(
                    delivery.chat_type
                )
                ready.append(delivery)
            if deferred:
                await self.store.outbox.record(deferred)
            if ready:
                await self.store.outbox.claim([delivery.id for delivery in ready])
                for delivery in ready:
                    await self._slots.acquire()
                    task = asyncio.create_task(self._send(delivery))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                continue
            if deferred:
                continue
            await self._wait(await self._idle_wait(now))
            self._pacing.forget_idle(now)

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
        result: DeliveryResult
        try:
            result = await self._attempt(delivery)
        except Exception as exc:  # the worker must outlive anything one delivery does
            log.exception(
                "delivery %s to chat %s failed unexpectedly", delivery.id, delivery.chat_id
            )
            result = _final(delivery, DeliveryStatus.FAILED, f"internal error: {exc!r}"[:500])
        except asyncio.CancelledError:
            # Stopped while waiting: the delivery stays pending for the next start.
            result = _pending(delivery, delivery.attempts, 0.0)
            self._results.append((result, delivery.chat_id))
            raise
        self._results.append((result, delivery.chat_id))
        if len(self._results) >= self.limits.max_in_flight // 2:
            self._wake.set()

    async def _attempt(self, delivery: Delivery) -> DeliveryResult:
        item = await self._item(delivery.item_id)
        if item is None:
            return _final(delivery, DeliveryStatus.CANCELLED, "item retracted")
        language = "en" if delivery.language == "en" else "uk"
        text = self._text(item, language)
        attempts = delivery.attempts + 1
        plain = False
        while True:
            await self.limiter.acquire()
            try:
                message = await self.bot(
                    SendText(
                        chat_id=delivery.chat_id,
                        text=html.unescape(_TAG.sub("", text)) if plain else text,
                        parse_mode=None if plain else "HTML",
                        allow_paid_broadcast=True if self.limits.paid_broadcast else None,
                    )
                )
            except TelegramRetryAfter as exc:
                self.stats.rate_limited += 1
                now = time.time()
                self._pacing.flooded(delivery.chat_id, exc.retry_after, now)
                return _pending(delivery, delivery.attempts, now + exc.retry_after)
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
                    log.warning("item %s: Telegram rejected its HTML; sending plain text", item.id)
                    self.stats.plain_text_fallbacks += 1
                    plain = True
                    continue
                self.stats.failed += 1
                return _final(delivery, DeliveryStatus.FAILED, exc.message[:500], attempts)
            except (TelegramServerError, TelegramNetworkError, TimeoutError) as exc:
                return self._retry_later(delivery, attempts, str(exc) or type(exc).__name__)
            self.stats.sent += 1
            return DeliveryResult(
                delivery.id,
                DeliveryStatus.SENT,
                attempts,
                message_id=message.message_id,
                sent_at=time.time(),
            )

    async def _chat_gone(self, delivery: Delivery, reason: str) -> DeliveryResult:
        skipped = await self.store.outbox.skip_chat(delivery.chat_id, reason[:200])
        self.stats.skipped += 1 + skipped
        log.info("chat %s is gone (%s); %d pending skipped", delivery.chat_id, reason, skipped)
        return _final(delivery, DeliveryStatus.SKIPPED, reason[:500], delivery.attempts + 1)

    def _retry_later(self, delivery: Delivery, attempts: int, reason: str) -> DeliveryResult:
        if attempts >= self.limits.max_attempts:
            self.stats.failed += 1
            return _final(delivery, DeliveryStatus.FAILED, reason[:500], attempts)
        self.stats.retried += 1
        delay = min(self.limits.backoff_cap, self.limits.backoff_base**attempts)
        delay *= random.uniform(0.5, 1.5)
        result = _pending(delivery, attempts, time.time() + delay)
        return DeliveryResult(
            result.id,
            result.status,
            attempts,
            error=reason[:500],
            next_attempt_at=result.next_attempt_at,
        )

    async def _item(self, item_id: int) -> Item | None:
        if item_id not in self._items:
            if len(self._items) > 1000:
                self._items.clear()
                self._texts.clear()
            item = await self.store.items.get(item_id)
            if item is not None and await self.store.editorial.is_retracted(item_id):
                item = None  # retracted: its deliveries are cancelled, not sent
            self._items[item_id] = item
        return self._items[item_id]

    def _text(self, item: Item, language: str) -> str:
        key = (item.id, language)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = self.render(item, language)
        return text

    def forget_item(self, item_id: int) -> None:
        """An item changed (corrected, retracted): render it afresh."""
        self._items.pop(item_id, None)
        for key in [key for key in self._texts if key[0] == item_id]:
            del self._texts[key]

    # --- recording -------------------------------------------------------------------------

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.limits.flush_interval)
            await self._flush()

    async def _flush(self) -> None:
        if not self._results:
            return
        batch, self._results = self._results, []
        try:
            await self.store.outbox.record([result for result, _chat in batch])
        except Exception:
            # Keep them: the next flush tries again (a busy database, say).
            log.exception("could not record %d delivery results", len(batch))
            self._results = batch + self._results
            return
        for _result, chat_id in batch:
            self._in_flight.discard(chat_id)
            self._slots.release()
        self._wake.set()


def _pending(delivery: Delivery, attempts: int, at: float) -> DeliveryResult:
    return DeliveryResult(delivery.id, DeliveryStatus.PENDING, attempts, next_attempt_at=at)


def _final(
    delivery: Delivery, status: DeliveryStatus, reason: str, attempts: int | None = None
) -> DeliveryResult:
    return DeliveryResult(
        delivery.id,
        status,
        delivery.attempts if attempts is None else attempts,
        error=reason,
    )
