"""Feed ingestion: poll due sources, store clean de-duplicated items, push what is new.

`poll_due_sources` is the scheduler's job; `poll_source` also serves /addsource. Neither lets an
exception out: a failing feed backs off exponentially (capped) and shows its error in /sources.

A feed cannot flood readers: of what a poll finds new, at most `push_limit` entries are pushed,
newest first, and none older than `push_max_age` or than the newest entry already stored from
that source; the rest is stored (searchable, in /latest) without deliveries. Nor can a feed
reach private addresses (see jobs.addresses), unless `allow_private`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp.abc import AbstractResolver

from infra.log_context import log_fields
from jobs.addresses import PRIVATE_ADDRESS, AddressGuard, BlockedAddressError
from jobs.parsing import FeedError, ParsedFeed, canonical_url, normalise_title, parse_feed
from storage.models import NewItem, Source
from storage.repositories import Storage

log = logging.getLogger(__name__)

USER_AGENT = "VisnykBot/0.1 (regional news for Telegram; +https://github.com/visnyk/visnyk)"


@dataclass(frozen=True, slots=True)
class IngestConfig:
    default_poll_seconds: int = 300
    timeout: float = 20.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    concurrency: int = 8
    max_backoff: float = 3600.0
    user_agent: str = USER_AGENT
    push_limit: int = 5  # new entries pushed per source and poll, newest first
    push_max_age: float = 48 * 3600.0  # seconds; older entries are stored without pushing
    allow_private: bool = False  # fetch from loopback, private, link-local… addresses too


class FetchError(Exception):
    """The feed could not be fetched; the message says why, for /sources."""


class PrivateAddressError(FetchError):
    """The feed's address, or one it redirected to, is not public (see jobs.addresses)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    status: int  # 200, or 304 (not modified)
    body: bytes
    etag: str | None
    last_modified: str | None
    content_type: str | None
    url: str  # after redirects


@dataclass(frozen=True, slots=True)
class PollReport:
    source_id: int
    ok: bool
    not_modified: bool = False
    title: str = ""
    entries: int = 0
    new: int = 0
    pushed: int = 0  # of the new entries, those pushed to subscribers (if any)
    error: str | None = None
    warning: str | None = None
    refused: bool = False  # the fetch was refused: a private address


@dataclass
class IngestStats:
    reports: list[PollReport] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(report.new for report in self.reports)


class FeedClient:
    """The ingest settings and the HTTP session for feeds, opened on first use.

    `resolver` replaces aiohttp's DNS resolver and `guard` the default AddressGuard (tests give
    names to local servers with them); with `config.allow_private` nothing is refused."""

    def __init__(
        self,
        config: IngestConfig | None = None,
        *,
        resolver: AbstractResolver | None = None,
        guard: AddressGuard | None = None,
    ) -> None:
        self.config = config or IngestConfig()
        self._resolver = resolver
        self._guard = None if self.config.allow_private else (guard or AddressGuard())
        self._http: aiohttp.ClientSession | None = None

    def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = new_session(self.config, resolver=self._resolver, guard=self._guard)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None


def new_session(
    config: IngestConfig,
    *,
    resolver: AbstractResolver | None = None,
    guard: AddressGuard | None = None,
) -> aiohttp.ClientSession:
    """An HTTP client for feeds; with a `guard`, every connection it makes (each redirect
    included) is to an address the guard allows."""
    return aiohttp.ClientSession(
        headers={
            "User-Agent": config.user_agent,
            "Accept": "application/rss+xml, "
            "application/atom+xml, application/rdf+xml, application/xml, text/xml, */*",
        },
        timeout=aiohttp.ClientTimeout(total=config.timeout),
        connector=aiohttp.TCPConnector(
            limit=config.concurrency * 2, resolver=resolver, socket_factory=guard
        ),
    )


async def fetch(
    http: aiohttp.ClientSession,
    url: str,
    config: IngestConfig,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET with conditional headers, a redirect limit and a size cap."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with http.get(url, headers=headers, max_redirects=config.max_redirects) as response:
            if response.status == 304:
                return Fetched(304, b"", etag, last_modified, None, str(response.url))
            if response.status >= 400:
                raise FetchError(f"HTTP {response.status} {response.reason or ''}".strip())
            declared = response.content_length
            if declared is not None and declared > config.max_bytes:
                raise FetchError(f"response too large ({declared} bytes)")
            chunks = []
            size = 0
            async for chunk in response.content.iter_chunked(64 * 1024):
                size += len(chunk)
                if size > config.max_bytes:
                    raise FetchError(f"response too large (over {config.max_bytes} bytes)")
                chunks.append(chunk)
            return Fetched(
                response.status,
                b"".join(chunks),
                response.headers.get("ETag"),
                response.headers.get("Last-Modified"),
                response.headers.get("Content-Type"),
                str(response.url),
            )
    except aiohttp.TooManyRedirects:
        raise FetchError(f"too many redirects (more than {config.max_redirects})") from None
    except TimeoutError:
        raise FetchError(f"timed out after {config.timeout:g} s") from None
    except aiohttp.InvalidURL:
        raise FetchError("invalid URL") from None
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.os_error, BlockedAddressError):
            refused = exc.os_error
            log.info("refused to fetch %s: %s is a %s address", url, refused.address, refused.kind)
            raise PrivateAddressError(f"{PRIVATE_ADDRESS} ({refused.shown})") from None
        raise FetchError(f"{type(exc).__name__}: {exc}") from None
    except aiohttp.ClientError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from None


def backoff(source: Source, config: IngestConfig) -> float:
    """Seconds until the next try after `source.failures + 1` failures in a row."""
    return float(min(config.max_backoff, source.poll_seconds * 2 ** min(source.failures, 20)))


def to_items(feed: ParsedFeed, source: Source, tz: ZoneInfo) -> list[NewItem]:
    name = feed.title or urlsplit(source.url).hostname or source.url
    return [
        NewItem(
            region_code=source.region_code,
            title=entry.title,
            summary=entry.summary,
            url=entry.url,
            source_name=name[:100],
            published_at=entry.published_at,
            source_id=source.id,
            guid=entry.guid[:500],
            canonical_url=entry.url,
            title_key=normalise_title(entry.title),
            day=entry.published_at.astimezone(tz).date().isoformat(),
        )
        for entry in feed.entries
    ]


async def poll_source(
    source: Source,
    *,
    http: aiohttp.ClientSession,
    store: Storage,
    config: IngestConfig,
    tz: ZoneInfo,
) -> PollReport:
    """Fetch, parse and store one source; push a few of the new entries (see push_flags)."""
    with log_fields(source_id=source.id):  # every line about this poll names its source
        return await _poll_source(source, http=http, store=store, config=config, tz=tz)


async def _poll_source(
    source: Source,
    *,
    http: aiohttp.ClientSession,
    store: Storage,
    config: IngestConfig,
    tz: ZoneInfo,
) -> PollReport:
    now = time.time()
    try:
        fetched = await fetch(
            http, source.url, config, etag=source.etag, last_modified=source.last_modified
        )
        if fetched.status == 304:
            await store.sources.succeeded(
                source.id,
                title=None,
                etag=source.etag,
                last_modified=source.last_modified,
                next_poll_at=now + source.poll_seconds,
            )
            return PollReport(source.id, ok=True, not_modified=True, title=source.title)
        # Parsing a large feed takes a while: off the event loop, so the bot keeps answering.
        feed = await asyncio.to_thread(
            parse_feed,
            fetched.body,
            base_url=fetched.url,
            fetched_at=datetime.now(UTC),
            content_type=fetched.content_type,
        )
    except (FetchError, FeedError) as exc:
        error = str(exc) or type(exc).__name__
        await store.sources.failed(source.id, error, now + backoff(source, config))
        log.warning("source %s (%s): %s", source.id, source.url, error)
        return PollReport(
            source.id, ok=False, error=error, refused=isinstance(exc, PrivateAddressError)
        )
    if feed.warning:
        log.warning("source %s (%s) is malformed: %s", source.id, source.url, feed.warning)
    # Newest first: the entries pushed are the newest ones, and their deliveries are queued
    # (and so sent) in that order. The sort is stable, so equal dates keep the feed's order.
    items = sorted(to_items(feed, source, tz), key=lambda item: item.published_at, reverse=True)
    push = await push_flags(items, source, store, config, now)
    results = await store.outbox.publish_many(items, push=push, push_limit=config.push_limit)
    new = pushed = 0
    for result, flagged in zip(results, push, strict=True):
        # publish_many's rule: the first push_limit flagged items that are new get pushed.
        if result is not None:
            new += 1
            if flagged and pushed < config.push_limit:
                pushed += 1
    await store.sources.succeeded(
        source.id,
        title=feed.title or None,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        next_poll_at=now + source.poll_seconds,
        new_items=new,
        pushed_items=pushed,
    )
    if new > pushed and source.polls > 0:
        log.info(
            "source %s (%s): %d new entries, %d pushed, the rest stored silently",
            source.id,
            source.url,
            new,
            pushed,
        )
    return PollReport(
        source.id,
        ok=True,
        title=feed.title,
        entries=len(feed.entries),
        new=new,
        pushed=pushed,
        warning=feed.warning,
    )


async def push_flags(
    items: Sequence[NewItem], source: Source, store: Storage, config: IngestConfig, now: float
) -> list[bool]:
    """Which entries may be pushed (publish_many caps them at `push_limit`): none on a
    source's first poll (its backlog), and never one older than `push_max_age` or than the
    newest entry already stored from the source (a feed re-dated, re-ordered, or back after
    an outage)."""
    if source.polls == 0:
        return [False] * len(items)
    oldest = now - config.push_max_age
    newest_seen = await store.sources.newest_entry_at(source.id)
    if newest_seen is not None:
        oldest = max(oldest, newest_seen)
    return [item.published_at.timestamp() >= oldest for item in items]


async def poll_due_sources(
    *,
    http: aiohttp.ClientSession,
    store: Storage,
    config: IngestConfig,
    tz: ZoneInfo,
    on_published: Callable[[], None] | None = None,
) -> IngestStats:
    """The scheduler's job: every due source, a few at a time. Never raises."""
    stats = IngestStats()
    try:
        sources = await store.sources.due(time.time())
    except Exception:
        log.exception("could not read the due sources")
        return stats
    limit = asyncio.Semaphore(config.concurrency)

    async def one(source: Source) -> None:
        async with limit:
            try:
                report = await poll_source(source, http=http, store=store, config=config, tz=tz)
            except Exception as exc:  # a bug must not stop the other feeds, or the next run
                log.exception(
                    "polling source %s failed", source.id, extra={"source_id": source.id}
                )
                report = PollReport(source.id, ok=False, error=f"internal error: {exc!r}")
            stats.reports.append(report)

    await asyncio.gather(*(one(source) for source in sources))
    if on_published is not None and any(report.pushed for report in stats.reports):
        on_published()
    return stats


def canonical_source_url(url: str) -> str | None:
    """A source URL as stored: absolute http(s), tracking parameters removed."""
    return canonical_url(url.strip())
