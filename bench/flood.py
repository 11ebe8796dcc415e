"""Another user's answer while one user floods the bot, as a ratio to the same answer in calm.

The sandbox runs in its own process with Telegram's limits read strictly; this process runs the
bot built by the production factory and settings (throttle, pacing, UPDATES_CONCURRENCY), as
`python -m bot` would. Phases:

- calm: a user sends /help, repeatedly; how long until the answer arrives (the baseline);
- flood: one user sends commands without pause (BATCH at once, every BATCH_EVERY seconds, for as
  long as the phase lasts), and meanwhile another user sends /help as in the calm phase; how
  long each answer took.

Prints the median and the worst answer time of each phase, and the worst under the flood as a
ratio to the calm median. Target: the worst answer under the flood within 1 s. Also prints what
the flooder got (answers and notices) and the sandbox's 429 count (target 0).

Both phases leave PROBE_EVERY between the probe user's messages, so that its own chat's pace
(Telegram's one message a second) is the same in both.

Usage: python bench/flood.py [--probes N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bot.factory import (
    build_bot,
    build_dispatcher,
    build_pacer,
    freeze_startup_objects,
    open_storage,
    poll,
)
from infra.settings import Settings
from sandbox import SANDBOX_TOKEN

ROOT = Path(__file__).resolve().parent.parent
FLOODER = 700_001
PROBE_USER = 700_002
PROBE_EVERY = 1.1
BATCH = 50
BATCH_EVERY = 0.1
TARGET = 1.0  # seconds, the worst answer under the flood


async def start_sandbox() -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "sandbox", "--port", "0", "--limits", "on"),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = (await process.stdout.readline()).decode()
    if not line.startswith("SANDBOX READY"):
        process.kill()
        raise RuntimeError(f"sandbox did not start: {line!r}")
    return process, line.split()[-1]


async def control(
    http: aiohttp.ClientSession, url: str, method: str, path: str, body: object = None
) -> Any:
    async with http.request(method, f"{url}/sandbox/{path}", json=body) as response:
        response.raise_for_status()
        return await response.json()


async def received(http: aiohttp.ClientSession, url: str, chat_id: int) -> int:
    stats = await control(http, url, "GET", "stats")
    return int(stats["sent_by_chat"].get(str(chat_id), 0))


async def ask(http: aiohttp.ClientSession, url: str, user_id: int, text: str) -> None:
    message = {"chat_id": user_id, "user_id": user_id, "text": text}
    await control(http, url, "POST", "updates", {"messages": [message]})


async def probe(http: aiohttp.ClientSession, url: str) -> float:
    """Seconds from a /help sent to its answer in the sandbox."""
    before = await received(http, url, PROBE_USER)
    started = time.perf_counter()
    await ask(http, url, PROBE_USER, "/help")
    while await received(http, url, PROBE_USER) <= before:
        if time.perf_counter() - started > 30:
            raise TimeoutError("the probe's /help was not answered within 30 s")
        await asyncio.sleep(0.005)
    return time.perf_counter() - started


async def flood(http: aiohttp.ClientSession, url: str, stop: asyncio.Event) -> int:
    """Commands from one user until `stop`; how many were sent."""
    messages = [{"chat_id": FLOODER, "user_id": FLOODER, "text": "/latest"}] * BATCH
    sent = 0
    while not stop.is_set():
        await control(http, url, "POST", "updates", {"messages": messages})
        sent += BATCH
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), BATCH_EVERY)
    return sent


async def run(args: argparse.Namespace) -> bool:
    process, url = await start_sandbox()
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                telegram_api_url=url,
                database_path=Path(folder) / "flood.db",
            )
            store = await open_storage(settings)
            pacer = build_pacer(settings)
            bot = build_bot(settings, token=SANDBOX_TOKEN, pacer=pacer)
            dispatcher = build_dispatcher(settings, store, pacer=pacer)
            freeze_startup_objects()
            polling = asyncio.create_task(
                poll(dispatcher, bot, settings, handle_signals=False, polling_timeout=1)
            )
            try:
                async with aiohttp.ClientSession() as http:
                    await probe(http, url)  # warm up
                    calm = []
                    for _ in range(args.probes):
                        await asyncio.sleep(PROBE_EVERY)
                        calm.append(await probe(http, url))
                    await control(http, url, "POST", "reset")
                    stop = asyncio.Event()
                    flooding = asyncio.create_task(flood(http, url, stop))
                    under_flood = []
                    for _ in range(args.probes):
                        await asyncio.sleep(PROBE_EVERY)
                        under_flood.append(await probe(http, url))
                    stop.set()
                    flood_size = await flooding
                    await asyncio.sleep(3)
                    flooder_got = await received(http, url, FLOODER)
                    stats = await control(http, url, "GET", "stats")
            finally:
                await dispatcher.stop_polling()
                with contextlib.suppress(asyncio.CancelledError):
                    await polling
                await bot.session.close()
                await dispatcher["feeds"].close()
                await store.db.close()
    finally:
        process.terminate()
        await process.wait()
    calm_median = statistics.median(calm)
    worst = max(under_flood)
    floods = int(stats["errors"].get("429", 0))
    print(
        f"flood benchmark: one user sends {flood_size} commands, {BATCH} every {BATCH_EVERY} s; "
        f"another sends /help {args.probes} times"
    )
    print(f"  calm:         median {calm_median * 1000:6.1f} ms, worst {max(calm) * 1000:6.1f} ms")
    print(
        f"  under flood:  median {statistics.median(under_flood) * 1000:6.1f} ms, "
        f"worst {worst * 1000:6.1f} ms = {worst / calm_median:.1f}x calm  "
        + ("ok" if worst <= TARGET else "BELOW TARGET")
        + f" (target <= {TARGET:.0f} s)"
    )
    print(f"  the flooder got {flooder_got} messages for {flood_size} commands")
    print(f"  429 answers: {floods} " + ("ok" if floods == 0 else "BELOW TARGET") + " (target 0)")
    return worst <= TARGET and floods == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probes", type=int, default=12, help="answers timed in each phase")
    args = parser.parse_args()
    ok = asyncio.run(run(args))
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
