"""Event dates as editors type them: what is accepted, what is refused and why."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.dates import DateError, When, format_when, parse_when

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
        ("завтра", "format"),
        ("23.05", "format"),
        ("23/05/2026", "format"),
        ("23.05.26", "format"),
        ("23.05.2026 10", "format"),
        ("2026-05-23", "format"),
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
