"""Event dates as editors type them: what is accepted, what is refused and why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.dates import MONTH_NAMES, DateError, When, format_when, parse_when

KYIV = ZoneInfo("Europe/Kyiv")
NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)  # 12:00 in Kyiv (summer time, UTC+3)


def kyiv(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=KYIV).astimezone(UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("23.05.2026 10:00", When(kyiv(2026, 5, 23, 10, 0), None, all_day=False)),
        ("  23.05.2026   9:05 ", When(kyiv(2026, 5, 23, 9, 5), None, all_day=False)),
        (
            "23.05.2026 10:00–12:30",
            When(kyiv(2026, 5, 23, 10, 0), kyiv(2026, 5, 23, 12, 30), all_day=False),
        ),
        ("23.05.2026", When(kyiv(2026, 5, 23), None, all_day=True)),
        ("20.05.2026", When(kyiv(2026, 5, 20), None, all_day=True)),  # today: still on
        ("1.6.2026", When(kyiv(2026, 6, 1), None, all_day=True)),
        ("23–24.05.2026", When(kyiv(2026, 5, 23), kyiv(2026, 5, 25), all_day=True)),
        ("23-24.05.2026", When(kyiv(2026, 5, 23), kyiv(2026, 5, 25), all_day=True)),
        ("23 — 24.05.2026", When(kyiv(2026, 5, 23), kyiv(2026, 5, 25), all_day=True)),
        ("23.05–24.05.2026", When(kyiv(2026, 5, 23), kyiv(2026, 5, 25), all_day=True)),
        ("30.05-02.06.2026", When(kyiv(2026, 5, 30), kyiv(2026, 6, 3), all_day=True)),
        ("28.12–03.01.2027", When(kyiv(2026, 12, 28), kyiv(2027, 1, 4), all_day=True)),
        ("23.05.2026–24.05.2026", When(kyiv(2026, 5, 23), kyiv(2026, 5, 25), all_day=True)),
        ("23.05.2026 - 24.05.2026", When(kyiv(2026, 5, 23), kyiv(2026, 5, 25), all_day=True)),
        ("19–21.05.2026", When(kyiv(2026, 5, 19), kyiv(2026, 5, 22), all_day=True)),  # ongoing
        ("23.05.2026–23.05.2026", When(kyiv(2026, 5, 23), None, all_day=True)),
        ("25.10.2026 03:30", When(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), None, False)),
        # As people type them (issue 14):
        ("2027-05-23 10:00", When(kyiv(2027, 5, 23, 10, 0), None, all_day=False)),
        ("23/05/2027 10:00", When(kyiv(2027, 5, 23, 10, 0), None, all_day=False)),
        ("23.05 10:00", When(kyiv(2026, 5, 23, 10, 0), None, all_day=False)),  # this year
        ("19.05 10:00", When(kyiv(2027, 5, 19, 10, 0), None, all_day=False)),  # past: next
        ("20.05 11:00", When(kyiv(2027, 5, 20, 11, 0), None, all_day=False)),  # an hour ago
        ("20.05 13:00", When(kyiv(2026, 5, 20, 13, 0), None, all_day=False)),  # in an hour
        ("23.05.2027 10.00", When(kyiv(2027, 5, 23, 10, 0), None, all_day=False)),
        ("23.05.2027, 10:00", When(kyiv(2027, 5, 23, 10, 0), None, all_day=False)),
        ("23 травня 2027 10:00", When(kyiv(2027, 5, 23, 10, 0), None, all_day=False)),
        ("23 Травня 2027 р. о 10:00", When(kyiv(2027, 5, 23, 10, 0), None, all_day=False)),
        ("23 травня 2027 року, 10:00", When(kyiv(2027, 5, 23, 10, 0), None, all_day=False)),
        ("23 травня 10:00", When(kyiv(2026, 5, 23, 10, 0), None, all_day=False)),
        ("1 січня", When(kyiv(2027, 1, 1), None, all_day=True)),
        ("завтра 10:00", When(kyiv(2026, 5, 21, 10, 0), None, all_day=False)),
        ("Завтра о 9.30", When(kyiv(2026, 5, 21, 9, 30), None, all_day=False)),
        ("завтра", When(kyiv(2026, 5, 21), None, all_day=True)),
        ("сьогодні 18:00–20:00", When(kyiv(2026, 5, 20, 18), kyiv(2026, 5, 20, 20), False)),
        ("післязавтра 10:00", When(kyiv(2026, 5, 22, 10, 0), None, all_day=False)),
        ("23–24 травня", When(kyiv(2026, 5, 23), kyiv(2026, 5, 25), all_day=True)),
        ("23-24 травня 2027", When(kyiv(2027, 5, 23), kyiv(2027, 5, 25), all_day=True)),
        ("23 травня – 2 червня", When(kyiv(2026, 5, 23), kyiv(2026, 6, 3), all_day=True)),
        ("30 грудня – 2 січня", When(kyiv(2026, 12, 30), kyiv(2027, 1, 3), all_day=True)),
        ("18–19 травня", When(kyiv(2027, 5, 18), kyiv(2027, 5, 20), all_day=True)),
        ("23–24.05", When(kyiv(2026, 5, 23), kyiv(2026, 5, 25), all_day=True)),
        ("23.05", When(kyiv(2026, 5, 23), None, all_day=True)),
        ("2026-05-23", When(kyiv(2026, 5, 23), None, all_day=True)),
        ("23/05/2026", When(kyiv(2026, 5, 23), None, all_day=True)),
    ],
)
def test_valid_dates(text: str, expected: When) -> None:
    assert parse_when(text, NOW, KYIV) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("20.05.2026 11:59", "past"),
        ("19.05.2026", "past"),
        ("01.01.2020 10:00", "past"),
        ("18–19.05.2026", "past"),
        ("31.02.2026", "impossible"),
        ("31.04.2026 10:00", "impossible"),
        ("23.05.2026 25:00", "impossible"),
        ("23.05.2026 10:60", "impossible"),
        ("23.13.2026", "impossible"),
        ("00.05.2026", "impossible"),
        ("24–23.05.2026", "impossible"),
        ("24.05.2026–23.05.2026", "impossible"),
        ("23.05.2026 12:00–10:00", "impossible"),
        ("23.05.2026 24:00", "impossible"),
        ("", "format"),
        ("23.05.26", "format"),
        ("23.05.2026 10", "format"),
        ("23 травн 10:00", "format"),
        ("вчора 10:00", "format"),
        ("2026-5-23x", "format"),
        ("23.05.2026 10:00 12:00", "format"),
        ("31 лютого", "impossible"),
        ("сьогодні 11:00", "past"),
        ("2026-05-19 10:00", "past"),
        ("19 травня 2026", "past"),
        ("٢٣.٠٥.٢٠٢٦", "format"),
        ("23.05.2026 10:00 " + "x" * 100, "format"),
    ],
)
def test_invalid_dates(text: str, reason: str) -> None:
    with pytest.raises(DateError) as raised:
        parse_when(text, NOW, KYIV)
    assert raised.value.reason == reason


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("23.05.2026 10:00", "23.05.2026 10:00"),
        ("23.05.2026 10:00-12:30", "23.05.2026 10:00–12:30"),
        ("23.05.2026", "23.05.2026"),
        ("23-24.05.2026", "23–24.05.2026"),
        ("30.05.2026-02.06.2026", "30.05–02.06.2026"),
        ("28.12–03.01.2027", "28.12.2026–03.01.2027"),
    ],
)
def test_dates_as_readers_see_them(text: str, shown: str) -> None:
    when = parse_when(text, NOW, KYIV)
    assert format_when(when.starts_at, when.ends_at, when.all_day, KYIV) == shown


_PIECES = st.sampled_from(
    ["0", "1", "9", "12", "23", "29", "31", "99", "2026", "9999", "0000", ".", ":", " ", "-", "–"]
)


@given(st.one_of(st.text(max_size=40), st.lists(_PIECES, max_size=14).map("".join)))
def test_never_raises_anything_but_date_error(text: str) -> None:
    try:
        when = parse_when(text, NOW, KYIV)
    except DateError as error:
        assert error.reason in {"past", "impossible", "format"}
    else:
        assert when.starts_at.tzinfo is not None
        assert when.ends_at is None or when.ends_at > when.starts_at
        format_when(when.starts_at, when.ends_at, when.all_day, KYIV)


# Each form an editor may type, for a moment in Kyiv time; the yearless ones name the next
# such day, so a moment within a year from now parses back to itself.
_FORMS = (
    "{d:02}.{m:02}.{y} {H:02}:{M:02}",
    "{d}.{m}.{y} {H}.{M:02}",
    "{d:02}.{m:02}.{y}, {H:02}:{M:02}",
    "{d:02}/{m:02}/{y} {H:02}:{M:02}",
    "{y}-{m:02}-{d:02} {H:02}:{M:02}",
    "{d} {month} {y} {H:02}:{M:02}",
    "{d} {month} {y} року о {H:02}:{M:02}",
)
_YEARLESS_FORMS = (
    "{d:02}.{m:02} {H:02}:{M:02}",
    "{d} {month} {H:02}:{M:02}",
    "{d} {month}, о {H}:{M:02}",
)


@given(
    st.datetimes(min_value=datetime(2026, 5, 21), max_value=datetime(2099, 12, 31)),
    st.sampled_from(_FORMS),
)
def test_any_future_moment_parses_back_from_each_form(moment: datetime, form: str) -> None:
    text = _render(moment, form)
    expected = moment.replace(second=0, microsecond=0, fold=0, tzinfo=KYIV).astimezone(UTC)
    assert parse_when(text, NOW, KYIV) == When(expected, None, all_day=False)


@given(
    st.datetimes(min_value=datetime(2026, 5, 21), max_value=datetime(2027, 5, 19, 23, 59)),
    st.sampled_from(_YEARLESS_FORMS),
)
def test_a_moment_within_a_year_parses_back_without_its_year(moment: datetime, form: str) -> None:
    text = _render(moment, form)
    expected = moment.replace(second=0, microsecond=0, fold=0, tzinfo=KYIV).astimezone(UTC)
    assert parse_when(text, NOW, KYIV) == When(expected, None, all_day=False)


@given(
    st.dates(min_value=date(2026, 5, 21), max_value=date(2099, 12, 1)),
    st.integers(min_value=1, max_value=40),
)
def test_any_future_range_parses_back(first: date, length: int) -> None:
    last = first + timedelta(days=length)
    expected = When(
        kyiv(first.year, first.month, first.day),
        kyiv(*(last + timedelta(days=1)).timetuple()[:3]),
        True,
    )
    texts = [
        f"{first:%d.%m.%Y}–{last:%d.%m.%Y}",
        f"{_named(first)} {first.year} – {_named(last)} {last.year}",
    ]
    if first.year == last.year:
        texts.append(f"{first:%d.%m}–{last:%d.%m.%Y}")
        if first.month == last.month:
            texts.append(f"{first.day}–{last.day} {MONTH_NAMES[first.month][0]} {first.year}")
            texts.append(f"{first:%d}-{last:%d.%m.%Y}")
    for text in texts:
        assert parse_when(text, NOW, KYIV) == expected, text


def _named(day: date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month][0]}"


def _render(moment: datetime, form: str) -> str:
    return form.format(
        d=moment.day,
        m=moment.month,
        y=moment.year,
        H=moment.hour,
        M=moment.minute,
        month=MONTH_NAMES[moment.month][0],
    )
