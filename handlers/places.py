"""Where a typed place is: a city that is not a regional centre names its oblast, and the
answer says so in a line of its own («Кривий Ріг — це Дніпропетровщина.»), wherever a region
is read from text (/region, plain text, /subscribe, /unsubscribe, /admit, /addsource…)."""

from __future__ import annotations

import html
from collections.abc import Iterable

from aiogram.utils.i18n import gettext as _

from domain.regions import City, get_region


def city_line(city: City, lang: str) -> str:
    """«Кривий Ріг — це Дніпропетровщина.», "Kryvyi Rih is in Dnipropetrovsk Oblast."."""
    region = get_region(city.region_code)
    if region is None:
        return ""
    # English readers get the full name: "Dnipropetrovsk" alone would read as the city.
    where = region.name(lang) if lang.startswith("en") else region.short(lang)
    return "📍 " + _("{city} is in {region}.").format(
        city=html.escape(city.name(lang)), region=html.escape(where)
    )


def city_lines(cities: Iterable[City | None], lang: str) -> list[str]:
    """A line for each city named (none for regions named otherwise)."""
    return [line for city in cities if city is not None and (line := city_line(city, lang))]
