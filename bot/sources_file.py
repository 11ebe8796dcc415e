"""SOURCES_FILE: feed sources configured without chatting, loaded at start-up idempotently.

[[source]]
url = "https://example.org/rss"
region = "Чернігів"      # any name the bot understands, or an ISO code (UA-74)
interval = 600           # seconds between polls; optional (FEED_POLL_SECONDS)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from domain.regions import match_region
from infra.settings import SettingsError
from jobs.ingest import canonical_source_url
from storage.repositories import Storage

MIN_INTERVAL = 60


@dataclass(frozen=True, slots=True)
class SourceSpec:
    url: str
    region_code: str
    poll_seconds: int


def read_sources_file(path: Path, default_poll_seconds: int) -> list[SourceSpec]:
    """Parse and check the whole file; any problem is one SettingsError naming the entry."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"SOURCES_FILE: {path} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"SOURCES_FILE: {path}: {exc}") from None
    entries = document.get("source", [])
    if not isinstance(entries, list):
        raise SettingsError(f"SOURCES_FILE: {path}: expected [[source]] tables")
    specs = []
    for number, entry in enumerate(entries, start=1):
        where = f"SOURCES_FILE: {path}: source {number}"
        if not isinstance(entry, dict):
            raise SettingsError(f"{where}: expected a table")
        url = canonical_source_url(str(entry.get("url", "")))
        if url is None:
            raise SettingsError(f"{where}: 'url' must be an http(s) address")
        match = match_region(str(entry.get("region", "")))
        if match.region is None:
            raise SettingsError(f"{where}: unknown region {entry.get('region')!r}")
        interval = entry.get("interval", default_poll_seconds)
        if not isinstance(interval, int) or isinstance(interval, bool) or interval < MIN_INTERVAL:
            raise SettingsError(
                f"{where}: 'interval' must be whole seconds, at least {MIN_INTERVAL}"
            )
        specs.append(SourceSpec(url, match.region.code, interval))
    return specs


async def load_sources(store: Storage, specs: list[SourceSpec]) -> int:
    """Add or update each source; returns how many were new."""
    new = 0
    for spec in specs:
        _source, created = await store.sources.upsert(
            spec.url, spec.region_code, spec.poll_seconds
        )
        new += created
    return new
