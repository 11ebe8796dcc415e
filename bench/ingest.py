"""Feed ingestion speed: 200 feeds × 50 items served locally (in another process).

Prints the time of a first full poll cycle (fetch, parse, de-duplicate, store), of a second
cycle where every feed answers 304 Not Modified, their ratio (target: under 10 %), and items
parsed per second in the first cycle.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from aiohttp import web

from bot.factory import open_storage
from infra.settings import Settings
from jobs.ingest import FeedClient, IngestConfig, poll_due_sources

FEEDS = 200
ITEMS = 50
TARGET = 0.10


def feed_body(number: int) -> bytes:
    start = datetime(2025, 11, 12, 8, 0, tzinfo=UTC)
    items = "".join(
        f"<item><guid>feed{number}-item{n}</guid>"
        f"<title>Новина {n} стрічки {number}: громада отримала нове обладнання</title>"
        f"<link>https://feed{number}.example/news/{n}?utm_source=rss</link>"
        f"<description><![CDATA[<p>Опис новини {n}: <b>подробиці</b> &amp; коментарі "
        "представників обласної адміністрації.</p>]]></description>"
        f"<pubDate>{format_datetime(start + timedelta(minutes=n))}</pubDate></item>"
        for n in range(ITEMS)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Стрічка {number}</title><link>https://feed{number}.example/</link>"
        f"{items}</channel></rss>"
    ).encode()


def serve(port_queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    bodies = {f"/feed/{n}": feed_body(n) for n in range(FEEDS)}

    async def handle(request: web.Request) -> web.Response:
        etag = f'"{request.path}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        return web.Response(
            body=bodies[request.path],
            headers={"Content-Type": "application/rss+xml; charset=utf-8", "ETag": etag},
        )

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/feed/{n}", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_queue.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


async def run(concurrency: int) -> None:
    queue: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(queue,), daemon=True)
    server.start()
    try:
        port = queue.get(timeout=30)
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                database_path=Path(folder) / "ingest.db",
            )
            store = await open_storage(settings)
            for n in range(FEEDS):
                await store.sources.upsert(f"http://127.0.0.1:{port}/feed/{n}", "UA-74", 300)
            config = IngestConfig(concurrency=concurrency, allow_private=True)  # 127.0.0.1
            client = FeedClient(config)
            timings = []
            for _cycle in range(2):
                await store.db.execute("UPDATE sources SET next_poll_at = 0")
                started = time.perf_counter()
                stats = await poll_due_sources(
                    http=client.http(), store=store, config=config, tz=settings.tz
                )
                timings.append((time.perf_counter() - started, stats))
            await client.close()
            stored = await store.items.count()
            await store.db.close()
    finally:
        server.kill()
    (first, first_stats), (second, second_stats) = timings
    parsed = sum(report.entries for report in first_stats.reports)
    ratio = second / first
    print(f"{FEEDS} feeds x {ITEMS} items, {concurrency} fetched at a time")
    print(f"first cycle:  {first:6.2f} s  ({parsed} items parsed, {stored} stored)")
    print(f"  items parsed per second: {parsed / first:8.0f}")
    not_modified = sum(report.not_modified for report in second_stats.reports)
    print(f"second cycle: {second:6.2f} s  ({not_modified} of {FEEDS} answered 304)")
    verdict = "ok" if ratio < TARGET else "ABOVE TARGET"
    print(f"second / first: {ratio:.3f} (target < {TARGET:.2f}) {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(run(args.concurrency))


if __name__ == "__main__":
    main()
