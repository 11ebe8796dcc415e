"""Telegram's flood limits as the sandbox enforces them, and what it measured of the bot's pace.

Two readings of Telegram's documented limits ("about 30 messages per second", "one message per
second in a chat", "20 messages per minute in a group"):

- **strict** (the default): the overall limits are sliding windows. No 1-second window may hold
  more than `overall_per_second` messages sent without `allow_paid_broadcast`, nor more than
  `paid_per_second` messages in all, counted when each request arrives. A group holds at most
  `per_group_per_minute` messages in any 60 seconds. A private chat (or channel) takes a burst of
  `per_chat_burst`, then `per_chat_per_second`. Every sending method counts: answers, copies,
  edits, files.
- **lenient**: token buckets whose burst equals the rate, so a second can hold up to twice the
  rate; the sandbox's earlier model, kept for comparison.

Whatever the mode, every accepted send is recorded, and `busiest_second()` reports the largest
number that any 1-second window held, as a strict Telegram would count it.
"""

from __future__ import annotations

import bisect
import collections
import math
from dataclasses import dataclass
from typing import Any

WINDOW = 1.0
GROUP_WINDOW = 60.0


@dataclass
class RateLimits:
    """Telegram's flood limits; a call over any of them gets 429 with `retry_after`."""

    enabled: bool = True
    strict: bool = True  # sliding windows (see the module's docstring); False: token buckets
    overall_per_second: float = 30.0  # messages without allow_paid_broadcast
    per_chat_per_second: float = 1.0  # per private chat / channel, after the burst
    per_chat_burst: int = 3  # Telegram tolerates short bursts in one chat
    per_group_per_minute: int = 20  # groups and supergroups
    paid_per_second: float = 1000.0  # all messages, with allow_paid_broadcast=true


class TooFastError(Exception):
    """A send over a limit; `retry_after` whole seconds, as Telegram gives them."""

    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.retry_after = max(1, math.ceil(wait))


class FloodControl:
    """Decides whether a send may go now, and remembers when each accepted send arrived."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._buckets: dict[Any, list[float]] = {}  # lenient, and private chats when strict
        self._free: collections.deque[float] = collections.deque()  # unpaid sends, last second
        self._all: collections.deque[float] = collections.deque()  # all sends, last second
        self._groups: dict[int, collections.deque[float]] = {}  # the last minute, per group
        self.accepted: list[tuple[float, bool]] = []  # (arrival, paid) of every accepted send
        self.arrivals: dict[int, list[float]] = {}  # chat -> when its accepted sends arrived

    def take(self, chat_id: int, chat_type: str, paid: bool, now: float) -> None:
        """Count a send arriving at `now` (time.monotonic()), or raise TooFastError."""
        if self.limits.enabled:
            if self.limits.strict:
                self._take_strict(chat_id, chat_type, paid, now)
            else:
                self._take_lenient(chat_id, chat_type, paid, now)
        self.accepted.append((now, paid))
        self.arrivals.setdefault(chat_id, []).append(now)

    # --- strict --------------------------------------------------------------------------

    def _take_strict(self, chat_id: int, chat_type: str, paid: bool, now: float) -> None:
        limits = self.limits
        wait = 0.0
        windows: list[collections.deque[float]] = [self._all]
        wait = max(wait, _window_wait(self._all, limits.paid_per_second, WINDOW, now))
        if not paid:
            windows.append(self._free)
            wait = max(wait, _window_wait(self._free, limits.overall_per_second, WINDOW, now))
        bucket: list[float] | None = None
        if chat_type in ("group", "supergroup"):
            group = self._groups.setdefault(chat_id, collections.deque())
            windows.append(group)
            wait = max(wait, _window_wait(group, limits.per_group_per_minute, GROUP_WINDOW, now))
        else:
            bucket, bucket_wait = self._bucket(
                chat_id, limits.per_chat_burst, limits.per_chat_per_second, now
            )
            wait = max(wait, bucket_wait)
        if wait > 0:
            raise TooFastError(wait)
        for window in windows:
            window.append(now)
        if bucket is not None:
            bucket[0] -= 1

    # --- lenient -------------------------------------------------------------------------

    def _take_lenient(self, chat_id: int, chat_type: str, paid: bool, now: float) -> None:
        limits = self.limits
        overall = limits.paid_per_second if paid else limits.overall_per_second
        if chat_type in ("group", "supergroup"):
            per_chat = (chat_id, limits.per_group_per_minute, limits.per_group_per_minute / 60)
        else:
            per_chat = (chat_id, limits.per_chat_burst, limits.per_chat_per_second)
        wait = 0.0
        buckets = []
        for key, capacity, rate in (("paid" if paid else "all", overall, overall), per_chat):
            bucket, bucket_wait = self._bucket(key, capacity, rate, now)
            wait = max(wait, bucket_wait)
            buckets.append(bucket)
        if wait > 0:
            raise TooFastError(wait)
        for bucket in buckets:
            bucket[0] -= 1

    def _bucket(
        self, key: Any, capacity: float, rate: float, now: float
    ) -> tuple[list[float], float]:
        """The bucket refilled to `now`, and how long until it holds a token."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = [float(capacity), now]
        else:
            bucket[0] = min(float(capacity), bucket[0] + (now - bucket[1]) * rate)
            bucket[1] = now
        if bucket[0] >= 1:
            return bucket, 0.0
        return bucket, (1 - bucket[0]) / rate if rate > 0 else 3600.0

    # --- what was measured ---------------------------------------------------------------

    def busiest_second(self, *, paid: bool | None = None) -> int:
        """The most accepted sends in any 1-second window (None: all; False: unpaid only)."""
        times = [at for at, was_paid in self.accepted if paid is None or was_paid == paid]
        return busiest(times, WINDOW)


def busiest(times: list[float], window: float) -> int:
    """The most of `times` (ascending) inside any half-open window [t, t + window)."""
    most = 0
    for start, at in enumerate(times):
        end = bisect.bisect_left(times, at + window, lo=start)
        most = max(most, end - start)
    return most


def _window_wait(window: collections.deque[float], limit: float, span: float, now: float) -> float:
    """Drop what left the window (t - span, t]; how long until one more fits (0: now)."""
    while window and window[0] <= now - span:
        window.popleft()
    allowed = max(1, math.floor(limit))
    if len(window) < allowed:
        return 0.0
    return window[len(window) - allowed] + span - now
