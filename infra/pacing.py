"""Telegram's flood limits, kept by the bot itself: one `Pacer` per process paces every message
the bot sends, answers to users and broadcast copies alike, since they share the token's budget.

Telegram may count strictly: no sliding second may hold more than the rate (30 messages, or
1000 with paid broadcasts), one message a second per chat with a short burst, and 20 a minute
per group. So the pacer promises, in the code and not by luck:

- **overall**: no second, as Telegram counts it, holds more than `floor(rate)` sends. Telegram
  counts a send when it arrives, which is some time between our start of it and its answer;
  so a send stays in the window from its start until a second after its answer (`sending`
  marks both ends), and a new one may start only while fewer than `floor(rate)` are in it.
  That holds whatever the network or a busy event loop does to the timing, at the cost of one
  round trip a second. Sends are also spread evenly (GCRA, one every `1 / rate` seconds), with
  a small tolerance so that a late wake-up is caught up rather than lost: the window is the
  hard bound, the spacing keeps bursts away.
- **messages without `allow_paid_broadcast`** (answers to users are never paid) keep to the free
  rate even when paid broadcasts raise the overall one.
- **per chat**: one send every `chat_interval` after a burst of `chat_burst` (private chats and
  channels), one every `group_interval` in groups (no burst: 20 in any minute).
- **lanes**: answers to users go before broadcast copies whenever both wait.

A 429 costs what it must: the chat it named waits `retry_after`; everyone waits only on evidence
that the whole bot is flooded (429s from `flood_chats` different chats within a second).

Nothing here knows aiogram; `PacingMiddleware` (bot/retry.py) applies it to a bot's session and
the delivery worker calls it directly.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import IntEnum


class Lane(IntEnum):
    """Who waits for the next slot; a lower value goes first."""

    ANSWER = 0  # answers to users
    BROADCAST = 1  # the outbox, and edits or deletions of delivered copies


@dataclass(frozen=True, slots=True)
class PaceLimits:
    rate: float = 30.0  # messages per second in all
    free_rate: float | None = None  # messages without allow_paid_broadcast (None: `rate`)
    tolerance: float = 3.0  # sends a late sender may catch up on the even spacing...
    catch_up: float = 0.05  # ...or this many seconds' worth, whichever is more
    chat_interval: float = 1.05  # private chats and channels: about one a second...
    chat_burst: int = 3  # ...after a short burst
    group_interval: float = 3.05  # groups: 20 a minute, spread
    flood_chats: int = 3  # 429s from this many chats within a second pause everyone

    @property
    def free(self) -> float:
        return self.rate if self.free_rate is None else min(self.rate, self.free_rate)


class _Budget:
    """At most `limit` sends in any `window` seconds, each counted from its start until
    `window` after its answer, and spread `1 / rate` apart (GCRA)."""

    def __init__(self, rate: float, tolerance: float, catch_up: float) -> None:
        self.window = 1.0  # Telegram's second: no margin needed, since a send stays in it
        self.limit = max(1, math.floor(rate))
        self.interval = 1.0 / rate
        self.tolerance = min(max(tolerance * self.interval, catch_up), self.window)
        self.in_flight = 0
        self._answered: collections.deque[float] = collections.deque()  # in the last window
        self._tat = 0.0  # theoretical arrival time of the next send

    def ready_at(self, now: float) -> float:
        """When the next send may start (math.inf: when one in flight is answered)."""
        at = max(now, self._tat - self.tolerance)
        answered = self._answered
        while answered and answered[0] <= now - self.window:
            answered.popleft()
        excess = self.in_flight + len(answered) - self.limit + 1
        if excess > 0:
            if excess > len(answered):
                return math.inf
            at = max(at, answered[excess - 1] + self.window)
        return at

    def start(self, now: float) -> None:
        self.in_flight += 1
        self._tat = max(self._tat, now) + self.interval

    def answered(self, now: float) -> None:
        self.in_flight -= 1
        self._answered.append(now)


class ChatBusyError(Exception):
    """The chat may not get another message for `delay` seconds, longer than allowed."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"the chat is busy for {delay:.1f} s")
        self.delay = delay


@dataclass(slots=True)
class _Waiter:
    future: asyncio.Future[None]
    paid: bool


class Pacer:
    """See the module's docstring. One per process; every request that sends goes inside
    `turn`."""

    _FORGET_AFTER = 100_000  # chats remembered before the idle ones are forgotten

    def __init__(self, limits: PaceLimits | None = None) -> None:
        self.limits = limits or PaceLimits()
        limits = self.limits
        self._all = _Budget(limits.rate, limits.tolerance, limits.catch_up)
        self._free = (
            _Budget(limits.free, limits.tolerance, limits.catch_up)
            if self.limits.free < self.limits.rate
            else None
        )
        self._lanes: dict[Lane, collections.deque[_Waiter]] = {
            lane: collections.deque() for lane in Lane
        }
        self._chats: dict[int | str, float] = {}  # chat -> its theoretical arrival time
        self._paused_until = 0.0
        self._floods: collections.deque[tuple[float, int | str]] = collections.deque()
        self._server: asyncio.Task[None] | None = None
        self._wakeup: asyncio.Future[None] | None = None
        self.granted = 0
        self.turns = 0  # requests done...
        self.turn_seconds = 0.0  # ...and how long they took in all, from their grant
        self.floods = 0  # 429 answers seen
        self.pauses = 0  # times everyone was paused
        self.active = 0  # requests inside `turn`: waiting for their turn, or out

    @staticmethod
    def now() -> float:
        return asyncio.get_running_loop().time()

    # --- the overall budget --------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def turn(
        self,
        lane: Lane,
        chat_id: int | str | None = None,
        *,
        group: bool = False,
        paid: bool = False,
        counted: bool = True,
        max_wait: float = math.inf,
    ) -> AsyncIterator[None]:
        """Around one request to `chat_id` (None: to no chat in particular): waits until the
        chat's pace and the overall budget (and the free one unless `paid`) allow it, then
        counts it in both. `counted=False`: Telegram does not count it as a message (a
        deletion), so the chat's pace ignores it. Raises `ChatBusyError` rather than wait
        longer than `max_wait` for the chat."""
        self.active += 1
        try:
            await self._wait_turn(
                lane, chat_id, group=group, paid=paid, counted=counted, max_wait=max_wait
            )
            started = self.now()
            try:
                yield
            finally:
                self._end_turn(paid, started)
                if chat_id is not None and counted:
                    self.chat_answered(chat_id, group=group)
        finally:
            self.active -= 1

    # `turn` only frames these two (mutation testing reaches undecorated functions only).

    async def _wait_turn(
        self,
        lane: Lane,
        chat_id: int | str | None,
        *,
        group: bool,
        paid: bool,
        counted: bool,
        max_wait: float,
    ) -> None:
        """Until the chat's pace and the budgets let the request go; counted in them then."""
        while True:
            if chat_id is not None and counted:
                delay = self.chat_delay(chat_id, group=group)
                if delay > max_wait:
                    raise ChatBusyError(delay)
                if delay > 0:
                    await asyncio.sleep(delay)
            await self._acquire(lane, paid)
            if chat_id is None or not counted:
                return
            if self.chat_delay(chat_id, group=group) <= 0:
                self.chat_sent(chat_id, group=group)
                return
            self._give_back(paid)  # another send to the chat took its turn meanwhile

    def _end_turn(self, paid: bool, started: float) -> None:
        """The request was answered: it stays in the window a second more (`_Budget`)."""
        self._answered(paid)
        self.turns += 1
        self.turn_seconds += self.now() - started

    async def _acquire(self, lane: Lane, paid: bool) -> None:
        loop = asyncio.get_running_loop()
        waiter = _Waiter(loop.create_future(), paid)
        self._lanes[lane].append(waiter)
        self._kick()
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                self._answered(paid)  # granted as it was cancelled: never sent
            waiter.future.cancel()  # the server skips it
            raise

    def _give_back(self, paid: bool) -> None:
        """A slot granted but not used."""
        self._all.in_flight -= 1
        if self._free is not None and not paid:
            self._free.in_flight -= 1
        self._kick()

    def _answered(self, paid: bool) -> None:
        now = self.now()
        self._all.answered(now)
        if self._free is not None and not paid:
            self._free.answered(now)
        self._kick()  # a send waiting for an answer may go

    def _kick(self) -> None:
        if not any(self._lanes.values()):
            return
        if self._server is None or self._server.done():
            self._server = asyncio.get_running_loop().create_task(self._serve())
        elif self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def _ready_at(self, paid: bool, now: float) -> float:
        at = max(now, self._paused_until, self._all.ready_at(now))
        if self._free is not None and not paid:
            at = max(at, self._free.ready_at(now))
        return at

    async def _serve(self) -> None:
        """Grant slots in lane order while anyone waits; sleep until the next is due."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            earliest = math.inf
            granted = False
            for queue in self._lanes.values():
                while queue and queue[0].future.done():  # cancelled while waiting
                    queue.popleft()
                if not queue:
                    continue
                at = self._ready_at(queue[0].paid, now)
                if at <= now:
                    waiter = queue.popleft()
                    self._all.start(now)
                    if self._free is not None and not waiter.paid:
                        self._free.start(now)
                    self.granted += 1
                    waiter.future.set_result(None)
                    granted = True
                    break
                earliest = min(earliest, at)
            if granted:
                continue
            if not any(self._lanes.values()):
                return  # nobody waits
            # Until the earliest is due, or an answer or a new waiter changes that.
            self._wakeup = loop.create_future()
            timer = loop.call_at(earliest, _resolve, self._wakeup) if earliest < math.inf else None
            try:
                await self._wakeup
            finally:
                if timer is not None:
                    timer.cancel()
                self._wakeup = None

    # --- per chat ------------------------------------------------------------------------

    def _chat_rule(self, group: bool) -> tuple[float, float]:
        """(interval, tolerance) of a chat's GCRA."""
        if group:
            return self.limits.group_interval, 0.0
        interval = self.limits.chat_interval
        return interval, interval * (max(1, self.limits.chat_burst) - 1)

    def chat_delay(self, chat_id: int | str, *, group: bool, now: float | None = None) -> float:
        """Seconds until a send to this chat keeps to its limit (0: now)."""
        moment = self.now() if now is None else now
        tat = self._chats.get(chat_id)
        if tat is None:
            return 0.0
        _interval, tolerance = self._chat_rule(group)
        return max(0.0, tat - tolerance - moment)

    def chat_sent(self, chat_id: int | str, *, group: bool, now: float | None = None) -> None:
        """A send to this chat starts now."""
        moment = self.now() if now is None else now
        interval, _tolerance = self._chat_rule(group)
        if len(self._chats) >= self._FORGET_AFTER:
            self._chats = {chat: tat for chat, tat in self._chats.items() if tat > moment}
        self._chats[chat_id] = max(self._chats.get(chat_id, 0.0), moment) + interval

    def chat_answered(self, chat_id: int | str, *, group: bool, now: float | None = None) -> None:
        """The send to this chat was answered now. Telegram may have counted it as late as
        this (a loaded machine, a slow network: the request left long after its turn), so the
        chat's next send keeps its interval from here too."""
        moment = self.now() if now is None else now
        interval, _tolerance = self._chat_rule(group)
        self._chats[chat_id] = max(self._chats.get(chat_id, 0.0), moment + interval)

    def flooded(
        self,
        chat_id: int | str | None,
        retry_after: float,
        *,
        group: bool,
        now: float | None = None,
    ) -> bool:
        """Telegram answered 429: the chat waits `retry_after`; True when everyone must too."""
        moment = self.now() if now is None else now
        self.floods += 1
        until = moment + retry_after
        if chat_id is None:  # not about one chat (an inline message, say): the bot is flooded
            self._pause(until)
            return True
        _interval, tolerance = self._chat_rule(group)
        self._chats[chat_id] = max(self._chats.get(chat_id, 0.0), until + tolerance)
        while self._floods and moment - self._floods[0][0] >= 1.0:
            self._floods.popleft()
        self._floods.append((moment, chat_id))
        if len({chat for _at, chat in self._floods}) >= self.limits.flood_chats:
            self._pause(until)
            return True
        return False

    def _pause(self, until: float) -> None:
        if until > self._paused_until:
            self._paused_until = until
            self.pauses += 1

    def paused_for(self, now: float | None = None) -> float:
        """Seconds everyone still waits after a flood (0: nobody)."""
        moment = self.now() if now is None else now
        return max(0.0, self._paused_until - moment)


def _resolve(future: asyncio.Future[None]) -> None:
    with contextlib.suppress(asyncio.InvalidStateError):
        future.set_result(None)
