"""Dates of events as editors type them, and as readers see them (pure: no I/O, no aiogram).

Read by a small grammar, in the bot's time zone (case, spaces and the kind of dash do not
matter):

    when     := days | date [at time [dash time]]
    date     := D.M[.YYYY] | D/M[/YYYY] | YYYY-MM-DD | D month [YYYY [р.|року]]
              | сьогодні | завтра | післязавтра
    days     := D dash D (.M[.YYYY] | month [YYYY])  |  date dash date       (all day)
    at       := spaces or a comma, then «о», «об» or «at» if you like
    time     := H:MM | H.MM
    month    := a Ukrainian month name, in the genitive (травня) or the nominative (травень)

A date without a year is this year's, or next year's when this year's is over.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)

# Month names as people type them: the genitive of a date («23 травня») and the nominative.
MONTH_NAMES: dict[int, tuple[str, str]] = {
    1: ("січня", "січень"),
    2: ("лютого", "лютий"),
    3: ("березня", "березень"),
    4: ("квітня", "квітень"),
    5: ("травня", "травень"),
    6: ("червня", "червень"),
    7: ("липня", "липень"),
    8: ("серпня", "серпень"),
    9: ("вересня", "вересень"),
    10: ("жовтня", "жовтень"),
    11: ("листопада", "листопад"),
    12: ("грудня", "грудень"),
}
_MONTHS = {name: month for month, names in MONTH_NAMES.items() for name in names}
_RELATIVE = {"сьогодні": 0, "завтра": 1, "післязавтра": 2}
_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUM = "[0-9]"  # ASCII digits only: "٢٣" is no date
_DASH = re.compile(r"\s*[-‐‑‒–—−]\s*")
_ISO = re.compile(rf"({_NUM}{{4}})-({_NUM}{{1,2}})-({_NUM}{{1,2}})(?!{_NUM})")
_NUMERIC = re.compile(rf"({_NUM}{{1,2}})([./])({_NUM}{{1,2}})(?:\2({_NUM}{{4}}))?(?![0-9])")
_NAMED = re.compile(
    rf"({_NUM}{{1,2}})\s*({_MONTH_WORD})(?:\s*({_NUM}{{4}})(?:\s*(?:року|р\.?))?)?(?![0-9а-яіїєґ])"
)
_RELATIVE_WORD = re.compile(r"(післязавтра|сьогодні|завтра)(?![а-яіїєґ])")
_FIRST_DAY = re.compile(rf"({_NUM}{{1,2}})(?![0-9./])")  # «23» of «23–24 травня»
_LAST_DAY = re.compile(rf"({_NUM}{{1,2}})(?![0-9])")
_MONTH_TAIL = re.compile(
    rf"(?:\.({_NUM}{{1,2}})(?:\.({_NUM}{{4}}))?(?![0-9])"
    rf"|\s*({_MONTH_WORD})(?:\s*({_NUM}{{4}})(?:\s*(?:року|р\.?))?)?(?![0-9а-яіїєґ]))"
)
_AT = re.compile(r"(?:\s*,\s*|\s+)(?:(?:об|о|at)\s+)?")
_TIME = re.compile(rf"({_NUM}{{1,2}})[:.]({_NUM}{{2}})(?![0-9])")
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


@dataclass(frozen=True, slots=True)
class _Date:
    """A day as typed: the year may be left out."""

    day: int
    month: int
    year: int | None


@dataclass(frozen=True, slots=True)
class _Moment:
    date: _Date
    start: tuple[int, int] | None  # (hour, minute); None: all day
    end: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class _Days:
    first: _Date
    last: _Date


class _Reader:
    """The text and how far it has been read; each rule moves on or leaves it where it was."""

    def __init__(self, text: str, today: date) -> None:
        self.text = text
        self.pos = 0
        self.today = today

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        match = pattern.match(self.text, self.pos)
        if match is not None:
            self.pos = match.end()
        return match

    @property
    def done(self) -> bool:
        return self.pos == len(self.text)

    # --- the rules -----------------------------------------------------------------------

    def date(self) -> _Date | None:
        if match := self.take(_ISO):
            iso_year, iso_month, iso_day = (int(part) for part in match.groups())
            return _Date(iso_day, iso_month, iso_year)
        if match := self.take(_NAMED):
            day, name, year = match.groups()
            return _Date(int(day), _MONTHS[name], int(year) if year else None)
        if match := self.take(_NUMERIC):
            day, _separator, month, year = match.groups()
            return _Date(int(day), int(month), int(year) if year else None)
        if match := self.take(_RELATIVE_WORD):
            when = self.today + _RELATIVE[match.group(1)] * DAY
            return _Date(when.day, when.month, when.year)
        return None

    def time(self) -> tuple[int, int] | None:
        match = self.take(_TIME)
        return (int(match.group(1)), int(match.group(2))) if match else None

    def moment(self) -> _Moment | None:
        day = self.date()
        if day is None:
            return None
        before_time = self.pos
        if self.take(_AT) and (start := self.time()) is not None:
            before_end = self.pos
            if self.take(_DASH) and (end := self.time()) is not None:
                return _Moment(day, start, end)
            self.pos = before_end
            return _Moment(day, start, None)
        self.pos = before_time
        return _Moment(day, None, None)

    def days(self) -> _Days | None:
        """`23–24.05[.2026]`, `23–24 травня [2026]`, or two dates with a dash between."""
        start = self.pos
        if (first_day := self.take(_FIRST_DAY)) and self.take(_DASH):
            last_day = self.take(_LAST_DAY)
            tail = self.take(_MONTH_TAIL) if last_day else None
            if last_day and tail:
                number, year, name, named_year = tail.groups()
                month = int(number) if number else _MONTHS[name]
                year_text = year or named_year
                year_value = int(year_text) if year_text else None
                return _Days(
                    _Date(int(first_day.group(1)), month, year_value),
                    _Date(int(last_day.group(1)), month, year_value),
                )
        self.pos = start
        first = self.date()
        if first is not None and self.take(_DASH) and (last := self.date()) is not None:
            return _Days(first, last)
        self.pos = start
        return None


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


def _moment(spec: _Moment, year: int, tz: ZoneInfo) -> When:
    day = _day(year, spec.date.month, spec.date.day)
    if spec.start is None:
        return When(_local(day, tz), None, all_day=True)
    starts_at = _local(day, tz, *spec.start)
    if spec.end is None:
        return When(starts_at, None, all_day=False)
    ends_at = _local(day, tz, *spec.end)
    if ends_at <= starts_at:
        raise DateError("impossible")
    return When(starts_at, ends_at, all_day=False)


def _range(spec: _Days, year: int | None, tz: ZoneInfo) -> When:
    """All days from the first to the last. Without a year on one end, the range does not
    run backwards: «28.12–03.01.2027» starts in 2026. `year`: the last day's, when neither
    end has one."""
    first, last = spec.first, spec.last
    order = (first.month, first.day) > (last.month, last.day)  # crosses a new year
    if last.year is None and first.year is None:
        assert year is not None
        last_year, first_year = year, year - order
    elif last.year is None:
        assert first.year is not None
        first_year, last_year = first.year, first.year + order
    elif first.year is None:
        last_year, first_year = last.year, last.year - order
    else:
        first_year, last_year = first.year, last.year
    return _days(
        _day(first_year, first.month, first.day), _day(last_year, last.month, last.day), tz
    )


def _over(when: When) -> datetime:
    """When an event stops being announceable: its start, or for all-day ones their end."""
    return ends_of(when) if when.all_day else when.starts_at


def _read(text: str, now: datetime, tz: ZoneInfo) -> When:
    reader = _Reader(text.lower(), now.astimezone(tz).date())
    days = reader.days()
    if days is None or not reader.done:
        reader.pos = 0
        moment = reader.moment()
        if moment is None or not reader.done:
            raise DateError("format")
        if moment.date.year is not None:
            return _moment(moment, moment.date.year, tz)
        # No year: this year's, or next year's when this year's is over.
        this_year = now.astimezone(tz).year
        when = _moment(moment, this_year, tz)
        return when if _over(when) > now else _moment(moment, this_year + 1, tz)
    if days.first.year is not None or days.last.year is not None:
        return _range(days, None, tz)
    this_year = now.astimezone(tz).year
    when = _range(days, this_year, tz)
    return when if _over(when) > now else _range(days, this_year + 1, tz)


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
        when = _read(cleaned, now, tz)
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, DateError):
            raise
        raise DateError("impossible") from None
    if _over(when) <= now:
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
