"""Updates per second through the whole stack, as a ratio to an echo handler.

The sandbox runs in its own process (as Telegram would be); this process runs the bot built by
the production factory over a store of 10,000 items. Each phase pushes the same number of user
messages into the sandbox and times until every answer has arrived there:

- echo: a bare dispatcher whose one handler echoes the text (the baseline);
- /latest and /region Чернігів: the real bot.

Both poll as `python -m bot` does (`bot.factory.poll`: at most UPDATES_CONCURRENCY updates in
hand), after the same start-up step (`freeze_startup_objects`).

Prints updates/s for each and the ratios; the target is >= 0.6 of the echo rate.

What is measured is the code's cost, so Telegram's limits are off in the sandbox, and the bot's
own pace (30 messages a second in all, one a second per chat) and per-user throttle are lifted
to match; they are measured by bench/broadcast.py and bench/flood.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiogram import Dispatcher, Router
from aiogram.types import Message

from bot.factory import build_bot, build_dispatcher, freeze_startup_objects, open_storage, poll
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


async def measure(
    http: aiohttp.ClientSession,
    url: str,
    dispatcher: Dispatcher,
    settings: Settings,
    text: str,
    count: int,
) -> float:
    """Updates/s: `count` messages from USERS users, answered one message each."""
    bot = build_bot(settings, token=SANDBOX_TOKEN, pacer=Pacer(UNPACED))
    polling = asyncio.create_task(
        poll(dispatcher, bot, settings, handle_signals=False, polling_timeout=1)
    )
    try:
        await asyncio.sleep(0.5)
        before = await sent_total(http, url)
        messages = [
            {"chat_id": 10_000 + n % USERS, "user_id": 10_000 + n % USERS, "text": text}
            for n in range(count)
        ]
        started = time.perf_counter()
        async with http.post(f"{url}/sandbox/updates", json={"messages": messages}) as response:
            response.raise_for_status()
        while await sent_total(http, url) - before < count:
            if time.perf_counter() - started > 120:
                raise TimeoutError(f"{text!r}: answers did not arrive")
            await asyncio.sleep(0.02)
        return count / (time.perf_counter() - started)
    finally:
        await dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        await bot.session.close()


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
    args = parser.parse_args()
    rates: dict[str, list[float]] = {name: [] for name in ("echo", *COMMANDS)}
    process, url = await start_sandbox()
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                telegram_api_url=url,
                database_path=Path(folder) / "bench.db",
                throttle_burst=10_000,
                throttle_rate=10_000,
            )
            store = await open_storage(settings)
            await fill_store(store)
            # Each dispatcher is built once and polls in every round, as one process would.
            echo = echo_dispatcher()
            dispatcher = build_dispatcher(settings, store)
            async with aiohttp.ClientSession() as http:
                # Warm up each phase once, then settle the heap as `python -m bot` does before
                # it polls; then rounds that interleave the phases, so that the machine's noise
                # falls on all of them alike, and the median of each is compared.
                await measure(http, url, echo, settings, "echo", 300)
                for text in COMMANDS:
                    await measure(http, url, dispatcher, settings, text, 300)
                freeze_startup_objects()
                for _ in range(args.rounds):
                    rates["echo"].append(
                        await measure(http, url, echo, settings, "echo", args.updates)
                    )
                    for text in COMMANDS:
                        rates[text].append(
                            await measure(http, url, dispatcher, settings, text, args.updates)
                        )
            await store.db.close()
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)
    baseline = statistics.median(rates["echo"])
    print(f"items in store: {ITEMS}, updates per phase: {args.updates}, rounds: {args.rounds}")
    print(f"{'echo (baseline)':18s} {baseline:8.0f} updates/s  runs: {runs(rates['echo'])}")
    for text in COMMANDS:
        rate = statistics.median(rates[text])
        ratio = rate / baseline
        verdict = "ok" if ratio >= TARGET else "BELOW TARGET"
        print(
            f"{text:18s} {rate:8.0f} updates/s  runs: {runs(rates[text])}  "
            f"ratio {ratio:.2f} (target >= {TARGET:.2f}) {verdict}"
        )


def runs(values: list[float]) -> str:
    return ", ".join(f"{value:.0f}" for value in values)


if __name__ == "__main__":
    asyncio.run(main())
