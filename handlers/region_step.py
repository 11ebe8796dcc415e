"""A region typed where an editor's flow asks for one (/push, /announce): read the way the
matcher reads any region's name, and checked against the editor's regions.

The flows answer with their keyboard again when the text names no region, or one the editor
may not publish to; a city that is not a regional centre gets a line saying whose it is.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from aiogram.utils.i18n import gettext as _

from domain.formatting import trim
from domain.regions import City, Region, match_region
from handlers.filters import Access

_LONGEST = 64  # longer text is not a region's name


@dataclass(frozen=True, slots=True)
class TypedRegion:
    region: Region | None  # None: the text names no region the matcher is sure of
    city: City | None  # the region was named by this city of it («Кривий Ріг»)
    allowed: bool  # the editor may publish to it


def read_region(text: str, access: Access) -> TypedRegion:
    """The region `text` names, as /region and /subscribe would read it."""
    match = match_region(text) if len(text) <= _LONGEST else None
    if match is None or match.region is None:
        return TypedRegion(None, None, False)
    return TypedRegion(match.region, match.city, access.can_edit(match.region.code))


def city_line(typed: TypedRegion, lang: str) -> str:
    """«Кривий Ріг — Дніпропетровщина» when a city named the region; empty otherwise."""
    if typed.city is None or typed.region is None:
        return ""
    return html.escape(f"{typed.city.name(lang)} — {typed.region.short(lang)}")


def not_a_region(text: str) -> str:
    return _("I do not know a region called «{text}». Choose one below.").format(
        text=html.escape(trim(" ".join(text.split()), 64))
    )
