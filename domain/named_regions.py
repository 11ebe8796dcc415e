"""Regions named in free text: "Чернігів, Київська область", "Львів і Київ", "Вся Україна Львів".

What /subscribe, /unsubscribe, /push and /grant read from their arguments; pure, so that it is
tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from domain.regions import City, Region, RegionMatch, match_region

# Words people put between names: "Львів і Київ", "Lviv and Kyiv".
_CONNECTORS = frozenset({"і", "й", "та", "и", "and", "&", "+"})
_SEPARATORS = re.compile(r"[,;\n]+")
_MAX_QUERY = 512  # characters of an argument looked at
_MAX_WORDS = 40  # words of an argument looked at (each costs a lookup or two)


@dataclass(frozen=True, slots=True)
class NotFound:
    query: str
    suggestions: tuple[Region, ...]


@dataclass(frozen=True, slots=True)
class NamedRegions:
    """What an argument like "Чернігів, Київська область" named."""

    regions: tuple[Region, ...]  # in the order named, each once
    not_found: tuple[NotFound, ...]
    # Regions named by a city that is not their centre («Кривий Ріг»), to say which oblast
    # that is; each city once, in the order named.
    cities: tuple[City, ...] = ()


def parse_regions(text: str) -> NamedRegions:
    """Regions named in free text: parts split on commas and semicolons, then words.

    A part that names one region as a whole ("Київська область", "у Чернігові") is that
    region; otherwise its words are read as names in a row, two-word names first
    ("Львів Київ", "Вся Україна Львів", "Чернігів Київська область").
    """
    regions: dict[str, Region] = {}
    not_found: list[NotFound] = []
    cities: dict[City, None] = {}
    budget = _MAX_WORDS
    for part in _SEPARATORS.split(text[:_MAX_QUERY]):
        words = part.split()[:budget]
        if not words:
            continue
        budget -= len(words)
        found, missing, by_city = _read_part(words)
        regions.update((region.code, region) for region in found if region.code not in regions)
        not_found.extend(missing)
        cities.update(dict.fromkeys(by_city))
        if budget <= 0:
            break
    return NamedRegions(tuple(regions.values()), tuple(not_found), tuple(cities))


def _read_part(words: Sequence[str]) -> tuple[list[Region], list[NotFound], list[City]]:
    found: list[Region] = []
    missing: list[NotFound] = []
    cities: list[City] = []
    if len(words) > 1:
        found, missing, cities = _read_words(words)
        # Several names, or a name and words that look like mistyped names ("Черні Львів"):
        # the matcher would read the whole part as the one name it is sure of.
        if found and (len(found) > 1 or missing) and all(m.suggestions for m in missing):
            return found, missing, cities
    text = " ".join(words)
    whole = match_region(text)
    if whole.region is not None:
        return [whole.region], [], [whole.city] if whole.city else []
    if not found:
        return [], [NotFound(text, whole.suggestions)], []
    return found, missing, cities


def _read_words(words: Sequence[str]) -> tuple[list[Region], list[NotFound], list[City]]:
    """Names one after another: at each word a two-word name first, then a one-word one."""
    found: list[Region] = []
    missing: list[NotFound] = []
    cities: list[City] = []
    unknown: list[str] = []
    matches: dict[str, RegionMatch] = {}

    def match(text: str) -> RegionMatch:
        if text not in matches:
            matches[text] = match_region(text)
        return matches[text]

    def one_name(word: str, following: str) -> Region | None:
        """The region two words name together, unless it is one word's name beside another
        word that is no name: "Житомир Суми" is two names, "Черні Львів" a typo and Lviv."""
        if following.casefold() in _CONNECTORS:
            return None
        first, second = match(word).region, match(following).region
        if first is not None and second is not None:
            return None
        region = match(f"{word} {following}").region
        if region is None:
            return None
        if first is None and region == second and region not in match(word).suggestions:
            return None  # "Черні Львів" (but "Вся Україна" is one name)
        typo = match(following).suggestions
        if second is None and region == first and typo and region not in typo:
            return None  # "Київ Черні" (but "Lviv oblast" is one name)
        return region

    def flush() -> None:
        if unknown:
            text = " ".join(unknown)
            missing.append(NotFound(text, match(text).suggestions))
            unknown.clear()

    index = 0
    while index < len(words):
        word = words[index]
        if word.casefold() in _CONNECTORS:
            flush()
            index += 1
            continue
        region, size = None, 1
        if index + 1 < len(words):
            region, size = one_name(word, words[index + 1]), 2
        if region is None:
            region, size = match(word).region, 1
        if region is None:
            unknown.append(word)
            index += 1
            continue
        flush()
        found.append(region)
        city = match(" ".join(words[index : index + size])).city
        if city is not None:
            cities.append(city)
        index += size
    flush()
    # A word that only resembles a region named beside it is part of that name
    # ("Автономна Республіка Крим"), not a typo to report.
    named = set(found)
    return found, [m for m in missing if not named.intersection(m.suggestions)], cities
