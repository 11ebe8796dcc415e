"""Reading what coordinators type: a member by a loose name, and /admit's region and name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from domain.regions import Region, exact_region, only_oblast_markers
from handlers.members.csv_codec import normalize
from storage.members import Member

_MAX_REGION_WORDS = 4  # «у м. Івано-Франківську», «Автономна Республіка Крим»
_NAME_LEAD = ",;:—– \t\n"  # "Lviv, Name", "Львів — Назва": not part of the name


def find_members(query: str, members: Sequence[Member]) -> list[Member]:
    """Members whose names match `query` loosely: exact first, then close (typos, parts)."""
    key = normalize(query)
    if not key:
        return []
    exact = [member for member in members if normalize(member.name) == key]
    if exact:
        return exact
    choices = {member.id: normalize(member.name) for member in members}
    found = process.extract(key, choices, scorer=fuzz.WRatio, limit=8, score_cutoff=75)
    if not found:
        return []
    best = found[0][1]
    by_id = {member.id: member for member in members}
    return [by_id[member_id] for _name, score, member_id in found if score >= best - 8]


@dataclass(frozen=True, slots=True)
class AdmitReading:
    """One way to read "/admit <region> <name>": the region is the first `words` words."""

    words: int
    region: Region
    name: str


def admit_readings(args: str) -> list[AdmitReading]:
    """The ways to read `args` as a region named exactly, then the member's name.

    The region is read strictly (`exact_region`): «Львів ГО «Місто, Люди»» is Lviv and the
    whole name, never a region found inside the name. Words that only say "oblast" belong to
    the region («Київ область ГО …» is Kyiv oblast), and "all Ukraine" counts only when
    nothing else does. More than one reading left means the text is ambiguous: «Львів Місто
    людей» is Lviv and «Місто людей», or «Львів, місто» and «людей».
    """
    spans = [match.span() for match in re.finditer(r"\S+", args)]
    readings: list[AdmitReading] = []
    for words in range(1, min(_MAX_REGION_WORDS, len(spans) - 1) + 1):
        region = exact_region(args[: spans[words - 1][1]])
        name = args[spans[words][0] :].lstrip(_NAME_LEAD).strip()
        if region is None or not name:
            continue
        readings = [
            reading
            for reading in readings
            if not only_oblast_markers(args[spans[reading.words][0] : spans[words - 1][1]])
            and (reading.region, reading.name) != (region, name)
        ]
        readings.append(AdmitReading(words, region, name))
    regional = [reading for reading in readings if not reading.region.is_national]
    return regional or readings
