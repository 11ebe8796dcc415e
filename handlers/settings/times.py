"""Times and ranges of hours as people type them, and as callback data carries them."""

from __future__ import annotations

import re

_TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
_RANGE = re.compile(rf"\s*{_TIME.pattern}\s*[-–—]\s*{_TIME.pattern}\s*")


def parse_time(text: str) -> str | None:
    """'8:30', '08.30', '08:30' -> '08:30'; None for anything else."""
    match = _TIME.fullmatch(text.strip())
    return f"{int(match[1]):02d}:{match[2]}" if match else None


def parse_range(text: str) -> tuple[str, str] | None:
    """'22:00-7:30', '22.00 – 07.30' -> ('22:00', '07:30'); None for anything else, or for an
    empty range."""
    match = _RANGE.fullmatch(text)
    if match is None:
        return None
    start = f"{int(match[1]):02d}:{match[2]}"
    end = f"{int(match[3]):02d}:{match[4]}"
    return None if start == end else (start, end)


def packed(value: str) -> str:
    """A time or range in callback data, where ':' separates fields: '07:00' -> '0700'."""
    return value.replace(":", "")


def unpacked(value: str) -> str:
    """'0700' -> '07:00', '2200-0800' -> '22:00-08:00'."""
    return re.sub(r"(\d\d)(\d\d)", r"\1:\2", value)
