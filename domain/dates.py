"""Dates of events as editors type them, and as readers see them (pure: no I/O, no aiogram).

Accepted, in the bot's time zone: `23.05.2026 10:00`, `23.05.2026 10:00–12:00`, `23.05.2026`
(all day), and all-day ranges `23–24.05.2026`, `23.05–24.05.2026`, `23.05.2026–24.05.2026`
(an en dash, em dash or hyphen, spaces around it or not).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)

_DASH = r"\s*[-‐‑‒–—−]\s*"
_DAY = r"(\d{1,2})"
_MONTH = r"(\d{1,2})"
_YEAR = r"(\d{4})"
_TIME = r"(\d{1,2}):(\d{2})"
_PATTERNS = {
    "moment": re.compile(
        rf"{_DAY}\.{_MONTH}\.{_YEAR}(?:\s+{_TIME}(?:{_DASH}{_TIME})?)?", re.ASCII
    ),
    "days": re.compile(rf"{_DAY}{_DASH}{_DAY}\.{_MONTH}\.{_YEAR}", re.ASCII),
    "months": re.compile(rf"{_DAY}\.{_MONTH}{_DASH}{_DAY}\.{_MONTH}\.{_YEAR}", re.ASCII),
    "dates": re.compile(rf"{_DAY}\.{_MONTH}\.{_YEAR}{_DASH}{_DAY}\.{_MONTH}\.{_YEAR}", re.ASCII),
}
_MAX_TEXT = 64


class DateError(ValueError):
    """Why a text is not a usable date: `reason` is "format", "impossible" or "past"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class When:
    """An event's time, aware and in UTC. All-day events start at local midnight; a range
    ends at the local midnight after its last day (exclusive); `ends_at` is None for one
    moment or one day."""

    starts_at: datetime
    ends_at: datetime | None
    all_day: bool


def _day(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError("impossible") from None


def _local(day: date, tz: ZoneInfo, hour: int = 0, minute: int = 0) -> datetime:
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise DateError("impossible")
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(UTC)


def _after(day: date, tz: ZoneInfo) -> datetime:
    try:
        return _local(day + DAY, tz)
    except OverflowError:
        raise DateError("impossible") from None


def _days(first: date, last: date, tz: ZoneInfo) -> When:
    if last < first:
        raise DateError("impossible")
    if last == first:
        return When(_local(first, tz), None, all_day=True)
    return When(_local(first, tz), _after(last, tz), all_day=True)


def _read(text: str, tz: ZoneInfo) -> When:
    if match := _PATTERNS["moment"].fullmatch(text):
        day_s, month_s, year_s, hour, minute, end_hour, end_minute = match.groups()
        day = _day(int(year_s), int(month_s), int(day_s))
        if hour is None:
            return When(_local(day, tz), None, all_day=True)
        starts_at = _local(day, tz, int(hour), int(minute))
        if end_hour is None:
            return When(starts_at, None, all_day=False)
        ends_at = _local(day, tz, int(end_hour), int(end_minute))
        if ends_at <= starts_at:
            raise DateError("impossible")
        return When(starts_at, ends_at, all_day=False)
    if match := _PATTERNS["days"].fullmatch(text):
        first_day, last_day, month, year = (int(part) for part in match.groups())
        return _days(_day(year, month, first_day), _day(year, month, last_day), tz)
    if match := _PATTERNS["months"].fullmatch(text):
        first_day, first_month, last_day, last_month, year = (int(p) for p in match.groups())
        last = _day(year, last_month, last_day)
        # "28.12–03.01.2027": the first day is in the year before.
        first_year = year - 1 if (first_month, first_day) > (last_month, last_day) else year
        return _days(_day(first_year, first_month, first_day), last, tz)
    if match := _PATTERNS["dates"].fullmatch(text):
        d1, m1, y1, d2, m2, y2 = (int(part) for part in match.groups())
        return _days(_day(y1, m1, d1), _day(y2, m2, d2), tz)
    raise DateError("format")


def ends_of(when: When) -> datetime:
    """When the event is over: its end, or a day after an all-day start, or two hours after
    a start time (for listings, which drop past events)."""
    if when.ends_at is not None:
        return when.ends_at
    return when.starts_at + (DAY if when.all_day else timedelta(hours=2))


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> When:
    """The event time `text` names, in `tz`; DateError when it is malformed, impossible
    (31.02, 25:00, a range ending before it starts) or already over (an all-day event of
    today still counts)."""
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > _MAX_TEXT:
        raise DateError("format")
    try:
        when = _read(cleaned, tz)
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, DateError):
            raise
        raise DateError("impossible") from None
    over = ends_of(when) if when.all_day else when.starts_at
    if over <= now:
        raise DateError("past")
    return when


def format_when(starts_at: datetime, ends_at: datetime | None, all_day: bool, tz: ZoneInfo) -> str:
    """`23.05.2026 10:00`, `23.05.2026 10:00–12:00`, `23.05.2026`, `23–24.05.2026`, …"""
    start = starts_at.astimezone(tz)
    if all_day:
        if ends_at is None:
            return start.strftime("%d.%m.%Y")
        last = (ends_at.astimezone(tz) - DAY).date()
        if last <= start.date():
            return start.strftime("%d.%m.%Y")
        if (last.year, last.month) == (start.year, start.month):
            return f"{start:%d}–{last:%d.%m.%Y}"
        if last.year == start.year:
            return f"{start:%d.%m}–{last:%d.%m.%Y}"
        return f"{start:%d.%m.%Y}–{last:%d.%m.%Y}"
    if ends_at is None:
        return start.strftime("%d.%m.%Y %H:%M")
    end = ends_at.astimezone(tz)
    if end.date() == start.date():
        return f"{start:%d.%m.%Y %H:%M}–{end:%H:%M}"
    return f"{start:%d.%m.%Y %H:%M} – {end:%d.%m.%Y %H:%M}"


class EventFields(Protocol):
    """What an event's text is made of (storage's Event and NewEvent both have it)."""

    @property
    def title(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime | None: ...
    @property
    def all_day(self) -> bool: ...
    @property
    def place(self) -> str: ...
    @property
    def description(self) -> str: ...


def event_html(event: EventFields, tz: ZoneInfo) -> str:
    """An event as Telegram HTML (what its announcement and reminders carry): the title in
    bold, the time in `tz`, the place and the description, all escaped. Symbols rather than
    words, since one stored text goes to readers of every language."""
    lines = [f"🗓 <b>{html.escape(event.title)}</b>"]
    lines.append("🕒 " + format_when(event.starts_at, event.ends_at, event.all_day, tz))
    if event.place:
        lines.append("📍 " + html.escape(event.place))
    if event.description:
        lines += ["", html.escape(event.description)]
    return "\n".join(lines)
