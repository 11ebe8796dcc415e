"""A local feed server for ingestion tests: feeds, validators, and misbehaving endpoints;
and names for local servers, since nothing in tests may reach DNS or the internet."""

from __future__ import annotations

import asyncio
import collections
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

FIXED_DATE = datetime(2025, 11, 12, 13, 28, tzinfo=UTC)
# (guid, title, link), published at FIXED_DATE, or (guid, title, link, published).
Entry = tuple[str, str, str] | tuple[str, str, str, datetime]


@dataclass
class Feed:
    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200


def rss(title: str, items: Sequence[Entry], *, link: str = "https://example.org/") -> bytes:
    """RSS 2.0 with (guid, title, link[, published]) items, in the order given."""
    entries = "".join(
        f"<item><guid>{guid}</guid><title>{item_title}</title><link>{item_link}</link>"
        f"<description>Опис: {item_title}</description>"
        f"<pubDate>{format_datetime(published[0] if published else FIXED_DATE)}</pubDate></item>"
        for guid, item_title, item_link, *published in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>{link}</link>{entries}</channel></rss>"
    ).encode()


@dataclass
class FeedServer:
    """Feeds by path, on `host` (a loopback address); /go?to=URL redirects there."""

    host: str = "127.0.0.1"
    feeds: dict[str, Feed] = field(default_factory=dict)
    hits: collections.Counter[str] = field(default_factory=collections.Counter)
    conditional: collections.Counter[str] = field(default_factory=collections.Counter)
    user_agents: list[str] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _port: int = 0

    @property
    def port(self) -> int:
        return self._port

    def url(self, path: str, *, host: str | None = None) -> str:
        """The URL of `path`, by the server's address or by a name (see HostsResolver)."""
        return f"http://{host or self.host}:{self._port}{path}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/loop", self._loop)
        app.router.add_get("/huge", self._huge)
        app.router.add_get("/go", self._go)
        app.router.add_get("/{path:.*}", self._feed)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server
        assert server is not None
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _feed(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] += 1
        self.user_agents.append(request.headers.get("User-Agent", ""))
        feed = self.feeds.get(path)
        if feed is None:
            return web.Response(status=404, text="not found")
        if feed.status != 200:
            return web.Response(status=feed.status, text="server trouble")
        if (feed.etag and request.headers.get("If-None-Match") == feed.etag) or (
            feed.last_modified and request.headers.get("If-Modified-Since") == feed.last_modified
        ):
            self.conditional[path] += 1
            return web.Response(status=304)
        headers = {"Content-Type": feed.content_type}
        if feed.etag:
            headers["ETag"] = feed.etag
        if feed.last_modified:
            headers["Last-Modified"] = feed.last_modified
        return web.Response(body=feed.body, headers=headers)

    async def _slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(10)
        return web.Response(text="late")

    async def _loop(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async def _go(self, request: web.Request) -> web.Response:
        self.hits["/go"] += 1
        raise web.HTTPFound(request.query["to"])

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        chunk = b"<!-- " + b"x" * (1024 * 1024) + b" -->"
        try:
            for _ in range(30):  # 30 MB, without a Content-Length
                await response.write(chunk)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response


class HostsResolver(AbstractResolver):
    """DNS for tests: the names given, each with its addresses; any other name fails."""

    def __init__(self, hosts: dict[str, list[str]]) -> None:
        self.hosts = hosts

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = self.hosts.get(host)
        if not addresses:
            raise OSError(f"{host}: no such name in the test's hosts")
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        pass
