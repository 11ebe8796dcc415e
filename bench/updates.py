"""Updates per second through the whole stack, as a ratio to an echo handler.

The sandbox runs in its own process (as Telegram would be); this process runs the bot built by
the production factory over a store of 10,000 items. Each phase pushes the same number of user
messages into the sandbox and times until every answer has arrived there:

- echo: a bare dispatcher whose one handler echoes the text (the baseline);
- /latest and /region Чернігів: the real bot.

Both poll as `python -m bot` does (`bot.factory.poll`: at most UPDATES_CONCURRENCY updates in
hand), after the same start-up step (`freeze_startup_objects`).

Prints updates/s for each and the ratios; the target is >= 0.6 of the echo rate.

A fourth phase runs `/latest` with Prometheus metrics on (as with METRICS_PORT set: every
update counted and timed, and the database's gauges read and the exposition rendered once a
second, more often than Prometheus would scrape); its cost is the share of `/latest`'s rate
it loses, and the target is at most 5 %. It is judged by the bot's CPU time per update (its
rate is the inverse of that while it is bound by its one core; the wall-clock rate, printed
too, also moves with whatever else the machine runs).

What is measured is the code's cost, so Telegram's limits are off in the sandbox, and the bot's
own pace (30 messages a second in all, one a second per chat) and per-user throttle are lifted
to match; they are measured by bench/broadcast.py and bench/flood.py.

With --database-url postgresql://user@host:port/db the store is a new database on that
PostgreSQL server (dropped afterwards) instead of SQLite's file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiogram import Dispatcher, Router
from aiogram.types import Chat, Message, TelegramObject, Update, User
from databases import engine_line, fresh_database  # bench/databases.py, beside this script

from bot.factory import build_bot, build_dispatcher, freeze_startup_objects, open_storage, poll
from bot.metrics import Metrics, UpdateMetrics
from domain.regions import REGIONS
from infra.pacing import PaceLimits, Pacer
from infra.settings import Settings
from sandbox import SANDBOX_TOKEN
from storage.models import NewItem
from storage.repositories import Storage

ROOT = Path(__file__).resolve().parent.parent

ITEMS = 10_000
USERS = 500
COMMANDS = ("/latest", "/region Чернігів")
TARGET = 0.6
METRICS_PHASE = "/latest, metrics on"
METRICS_TARGET = 0.05  # at most this share of /latest's rate lost to instrumentation
UNPACED = PaceLimits(rate=100_000, chat_interval=0.0, group_interval=0.0)


async def start_sandbox() -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "sandbox", "--port", "0", "--limits", "off"),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = (await process.stdout.readline()).decode()
    if not line.startswith("SANDBOX READY"):
        process.kill()
        raise RuntimeError(f"sandbox did not start: {line!r}")
    return process, line.split()[-1]


async def fill_store(store: Storage) -> None:
    rng = random.Random(7)
    codes = [region.code for region in REGIONS]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    items = [
        NewItem(
            region_code="UA-74" if n % 10 == 0 else rng.choice(codes),
            title=f"Новина номер {n}: "
            + " ".join(rng.choice(["громада", "область", "рада"]) for _ in range(8)),
            url=f"https://example.org/news/{n}",
            source_name="Обласна адміністрація",
            published_at=start + timedelta(minutes=n),
        )
        for n in range(ITEMS)
    ]
    await store.items.add_many(items)


async def sent_total(http: aiohttp.ClientSession, url: str) -> int:
    async with http.get(f"{url}/sandbox/stats") as response:
        stats = await response.json()
    return int(stats["sent_total"])


async def scrape_every_second(metrics: Metrics, store: Storage) -> None:
    """What a (very eager) Prometheus costs: a refresh and an exposition each second."""
    while True:
        await metrics.refresh(store, max_age=0)
        metrics.exposition()
        await asyncio.sleep(1.0)


async def measure(
    http: aiohttp.ClientSession,
    url: str,
    dispatcher: Dispatcher,
    settings: Settings,
    text: str,
    count: int,
    metrics: tuple[Metrics, Storage] | None = None,
) -> tuple[float, float]:
    """(updates/s, this process's CPU µs per update): `count` messages from USERS users,
    answered one message each. The CPU time is the bot's alone (the sandbox runs in a
    process of its own), and varies less than the rate with what else the machine runs."""
    bot = build_bot(settings, token=SANDBOX_TOKEN, pacer=Pacer(UNPACED))
    polling = asyncio.create_task(
        poll(dispatcher, bot, settings, handle_signals=False, polling_timeout=1)
    )
    scraping = asyncio.create_task(scrape_every_second(*metrics)) if metrics else None
    try:
        await asyncio.sleep(0.5)
        before = await sent_total(http, url)
        messages = [
            {"chat_id": 10_000 + n % USERS, "user_id": 10_000 + n % USERS, "text": text}
            for n in range(count)
        ]
        started = time.perf_counter()
        cpu_started = time.process_time()
        async with http.post(f"{url}/sandbox/updates", json={"messages": messages}) as response:
            response.raise_for_status()
        while await sent_total(http, url) - before < count:
            if time.perf_counter() - started > 120:
                raise TimeoutError(f"{text!r}: answers did not arrive")
            await asyncio.sleep(0.02)
        rate = count / (time.perf_counter() - started)
        return rate, (time.process_time() - cpu_started) / count * 1e6
    finally:
        if scraping is not None:
            scraping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await scraping
        await dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        await bot.session.close()


async def middleware_cost(count: int = 20_000) -> float:
    """µs the metrics middleware adds to one update, around a handler that does nothing:
    the instrumentation alone, free of the noise the whole stack's timing carries."""
    metrics = Metrics()
    middleware = UpdateMetrics(metrics)
    update = Update(
        update_id=1,
        message=Message(
            message_id=1,
            date=datetime.now(UTC),
            chat=Chat(id=1, type="private"),
            from_user=User(id=1, is_bot=False, first_name="Bench"),
            text="/latest",
        ),
    )

    async def handler(event: TelegramObject, data: dict[str, Any]) -> None:
        return None

    data: dict[str, Any] = {}
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(count):
            await handler(update, data)
        bare = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(count):
            await middleware(handler, update, data)
        best = min(best, (time.perf_counter() - started - bare) / count * 1e6)
    return best


def echo_dispatcher() -> Dispatcher:
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=2000, help="updates per phase")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of all phases")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="a PostgreSQL server (postgresql://user@host:port/db): the store is a new "
        "database there, dropped afterwards; without it, SQLite",
    )
    args = parser.parse_args()
    print(engine_line(args.database_url))
    rates: dict[str, list[float]] = {name: [] for name in ("echo", *COMMANDS, METRICS_PHASE)}
    cpu: dict[str, list[float]] = {name: [] for name in rates}

    def record(name: str, measured: tuple[float, float]) -> None:
        rates[name].append(measured[0])
        cpu[name].append(measured[1])

    process, url = await start_sandbox()
    try:
        with fresh_database(args.database_url) as database:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                telegram_api_url=url,
                **database,
                throttle_burst=10_000,
                throttle_rate=10_000,
            )
            store = await open_storage(settings)
            await fill_store(store)
            # Each dispatcher is built once and polls in every round, as one process would.
            echo = echo_dispatcher()
            dispatcher = build_dispatcher(settings, store)
            metrics = Metrics()
            instrumented = build_dispatcher(settings, store, metrics=metrics)
            scraped = (metrics, store)
            async with aiohttp.ClientSession() as http:
                # Warm up each phase once, then settle the heap as `python -m bot` does before
                # it polls; then rounds that interleave the phases, so that the machine's noise
                # falls on all of them alike, and the median of each is compared. /latest with
                # and without metrics run back to back, and are compared round by round too.
                await measure(http, url, echo, settings, "echo", 300)
                for text in COMMANDS:
                    await measure(http, url, dispatcher, settings, text, 300)
                await measure(http, url, instrumented, settings, "/latest", 300, scraped)
                freeze_startup_objects()
                for round_number in range(args.rounds):
                    record("echo", await measure(http, url, echo, settings, "echo", args.updates))
                    # /latest with and without metrics, back to back, taking turns at going
                    # first: a machine growing busier during a round favours neither.
                    phases = [*reversed(COMMANDS), METRICS_PHASE]  # /latest next to it
                    if round_number % 2:
                        phases.reverse()
                    for phase in phases:
                        if phase == METRICS_PHASE:
                            measured = await measure(
                                http, url, instrumented, settings, "/latest", args.updates, scraped
                            )
                        else:
                            measured = await measure(
                                http, url, dispatcher, settings, phase, args.updates
                            )
                        record(phase, measured)
                counted = metrics.registry.get_sample_value(
                    "visnyk_updates_total", {"type": "message", "outcome": "handled"}
                )
            await store.db.close()
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)
    baseline = statistics.median(rates["echo"])
    print(f"items in store: {ITEMS}, updates per phase: {args.updates}, rounds: {args.rounds}")
    print(
        f"{'echo (baseline)':20s} {baseline:6.0f} updates/s  runs: {runs(rates['echo'])}  "
        f"CPU {statistics.median(cpu['echo']):5.0f} µs/update"
    )
    for text in COMMANDS:
        rate = statistics.median(rates[text])
        ratio = rate / baseline
        verdict = "ok" if ratio >= TARGET else "BELOW TARGET"
        print(
            f"{text:20s} {rate:6.0f} updates/s  runs: {runs(rates[text])}  "
            f"CPU {statistics.median(cpu[text]):5.0f} µs/update  "
            f"ratio {ratio:.2f} (target >= {TARGET:.2f}) {verdict}"
        )
    # The cost of metrics: what /latest loses with them on, by rate and by CPU per update,
    # each the median of the rounds' own comparisons (the two phases ran back to back).
    lost_rate = statistics.median(
        1 - on / off for on, off in zip(rates[METRICS_PHASE], rates["/latest"], strict=True)
    )
    more_cpu = statistics.median(
        on / off - 1 for on, off in zip(cpu[METRICS_PHASE], cpu["/latest"], strict=True)
    )
    # Judged by CPU: the bot is bound by its one core, so its rate is the inverse of its CPU
    # per update, and the wall-clock rate also carries whatever else the machine runs.
    verdict = "ok" if more_cpu <= METRICS_TARGET else "ABOVE TARGET"
    print(
        f"{METRICS_PHASE:20s} {statistics.median(rates[METRICS_PHASE]):6.0f} updates/s  "
        f"runs: {runs(rates[METRICS_PHASE])}  "
        f"CPU {statistics.median(cpu[METRICS_PHASE]):5.0f} µs/update"
    )
    print(
        f"{'cost of metrics':20s} {lost_rate:+.1%} of /latest's rate, {more_cpu:+.1%} CPU per "
        f"update (target <= {METRICS_TARGET:.0%}) {verdict}; {counted or 0:.0f} updates counted"
    )
    alone = await middleware_cost()
    share = alone / statistics.median(cpu["/latest"])
    print(
        f"{'metrics middleware':20s} {alone:.1f} µs per update, alone: {share:.1%} of /latest's "
        "CPU per update"
    )


def runs(values: list[float]) -> str:
    return ", ".join(f"{value:.0f}" for value in values)


if __name__ == "__main__":
    asyncio.run(main())
