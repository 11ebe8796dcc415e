"""Broadcast throughput and outbox cost, each as a ratio to its limit.

The sandbox runs in its own process with Telegram's flood limits on, read strictly (every send
counted in sliding 1-second windows, as Telegram may count);
this process runs the production delivery worker (`build_delivery`, a bot without retries) over
a fresh temporary database per phase, and the sandbox is reset before each phase:

- limit: N subscribers (default 3,000) at the default 30 msg/s. Rate = (N - 1) / (last send -
  first send) by the sandbox's clock, as a ratio to 30 (target >= 0.97); the most sends any
  1-second window held (target <= 30); and the number of 429 answers (target 0).
  Cross-checked: the outbox has N sent and the sandbox counted one message in each of N chats.
- paid: N subscribers (default 20,000) in paid-broadcast mode (limit 1000 msg/s): the ratio to
  1000 (target >= 0.97), the busiest second (target <= 1000), this process's CPU seconds per
  1,000 messages (time.process_time(), all threads, from the publish to the last outcome
  recorded), and 429 answers.
- outbox: the `publish` call for an item with N subscribers (default 100,000): seconds (target
  under 2 s) and peak RSS. The store is filled here; the publish runs in a fresh child process
  (this script, `--child outbox`) that opens it, so that ru_maxrss there belongs to that phase
  alone (the bot's imports, the open, the publish); VmRSS just before the publish gives the
  increase during it.

Usage: python bench/broadcast.py [--phase all|limit|paid|outbox] [--subscribers N]
                                [--database-url postgresql://user@host:port/db]

With --database-url, each phase's store is a new database on that PostgreSQL server instead
of SQLite's file (dropped afterwards); the first line says which engine the figures are of.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import ctypes
import gc
import json
import os
import resource
import signal
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from databases import engine_line, fresh_database  # bench/databases.py, beside this script

from bot.factory import build_bot, build_delivery, freeze_startup_objects, open_storage
from infra.settings import Settings
from jobs.delivery import PAID_RATE, DeliveryLimits
from sandbox import SANDBOX_TOKEN
from storage.models import DeliveryStatus, NewItem
from storage.repositories import Storage

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve()

REGION = "UA-74"
FIRST_CHAT = 500_000_000  # private chat ids: positive, clear of the tests' and the demo's
CHUNK = 10_000  # subscriptions per subscribe_many call (keeps the setup's memory small)

DEFAULT_SUBSCRIBERS = {"limit": 3_000, "paid": 20_000, "outbox": 100_000}
LIMIT_TARGET = 0.97  # of 30 msg/s
PAID_TARGET = 0.97  # of 1000 msg/s
OUTBOX_SECONDS = 2.0  # for 100,000 subscribers; in proportion above that (1,000,000: 20 s)


@dataclass
class Figure:
    name: str
    value: str
    detail: str
    ok: bool | None  # None: no target, reported for information ("-")

    def line(self) -> str:
        verdict = {True: "ok", False: "BELOW TARGET", None: "-"}[self.ok]
        return f"  {self.name:26s} {self.value:>10s}  {verdict:12s}  {self.detail}"


# --- processes ---------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """In the sandbox's process before exec: SIGTERM when this process dies, even by kill -9."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux; elsewhere a no-op)


async def start_sandbox() -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "sandbox", "--port", "0", "--limits", "on"),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    assert process.stdout is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
    except BaseException:
        await stop_process(process)
        raise
    if not line.startswith("SANDBOX READY"):
        await stop_process(process)
        raise RuntimeError(f"sandbox did not start: {line!r}")
    return process, line.split()[-1]


async def stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), timeout=10)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


def cpu_seconds_of(pid: int) -> float | None:
    """User + system CPU seconds of another process (Linux /proc), None where unknown."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm_status_kib(field: str) -> int | None:
    """VmRSS (now) or VmHWM (peak) of this process from /proc/self/status, in KiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Start VmHWM afresh (Linux: `5` into /proc/self/clear_refs); False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def max_rss_kib() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS counts bytes


# --- the store ---------------------------------------------------------------------------------


def settings_for(database: dict[str, Any], url: str = "http://127.0.0.1:9") -> Settings:
    """Settings over `database` (bench/databases.py: SQLite's file, or a PostgreSQL URL)."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_api_url=url,
        **database,
    )


async def add_subscribers(store: Storage, count: int) -> list[int]:
    """`count` private chats, each subscribed to REGION (setup, not measured: on PostgreSQL
    made by the server itself, a row at a time over the wire would take minutes)."""
    chat_ids = range(FIRST_CHAT, FIRST_CHAT + count)
    now = int(time.time())
    if store.db.dialect == "postgres":
        last = FIRST_CHAT + count - 1
        async with store.db.transaction() as connection:
            await connection.execute(
                "INSERT INTO chats (id, type, title, language, active, created_at, updated_at) "
                "SELECT n, 'private', NULL, 'uk', 1, ?, ? FROM generate_series(?, ?) AS n",
                (now, now, FIRST_CHAT, last),
            )
            await connection.execute(
                "INSERT INTO subscriptions (chat_id, region_code, created_at) "
                "SELECT n, ?, ? FROM generate_series(?, ?) AS n",
                (REGION, now, FIRST_CHAT, last),
            )
        await store.db.execute("ANALYZE")
        return list(chat_ids)
    rows: Iterable[tuple[int, int, int]] = ((chat_id, now, now) for chat_id in chat_ids)
    async with store.db.transaction() as connection:
        await connection.executemany(
            "INSERT INTO chats (id, type, title, language, active, created_at, updated_at) "
            "VALUES (?, 'private', NULL, 'uk', 1, ?, ?)",
            rows,
        )
    for start in range(0, count, CHUNK):
        await store.subscriptions.subscribe_many(chat_ids[start : start + CHUNK], REGION)
    return list(chat_ids)


def news_item() -> NewItem:
    return NewItem(
        region_code=REGION,
        title="У Чернігові відкрили новий пункт незламності біля обласної лікарні",
        summary="Пункт працюватиме цілодобово: тепло, зв'язок, вода та зарядка пристроїв.",
        url="https://example.org/news/broadcast",
        source_name="Чернігівська обласна військова адміністрація",
        published_at=datetime.now(UTC),
    )


# --- broadcast phases --------------------------------------------------------------------------


@dataclass
class Broadcast:
    subscribers: int
    published: int  # deliveries the outbox got
    counts: dict[DeliveryStatus, int]
    stats: dict[str, Any]  # the sandbox's, after the broadcast
    wall: float  # seconds from the publish to the last outcome recorded
    bot_cpu: float  # this process's CPU seconds over `wall`
    sandbox_cpu: float | None
    round_trip: float  # seconds a copy counted in the pacer's window, on average, before its +1 s

    @property
    def rate(self) -> float:
        first, last = self.stats["first_send_at"], self.stats["last_send_at"]
        if first is None or last is None or last <= first:
            return 0.0
        return (self.stats["sent_total"] - 1) / (last - first)

    @property
    def busiest_second(self) -> int:
        return int(self.stats["busiest_second"]["all"])

    @property
    def floods(self) -> int:
        return int(self.stats["errors"].get("429", 0))

    @property
    def all_delivered(self) -> bool:
        by_chat = self.stats["sent_by_chat"]
        return (
            self.published == self.subscribers
            and self.counts[DeliveryStatus.SENT] == self.subscribers
            and self.stats["sent_total"] == self.subscribers
            and len(by_chat) == self.subscribers
            and all(count == 1 for count in by_chat.values())
        )

    def check_line(self) -> str:
        counts = ", ".join(f"{status.value} {n}" for status, n in self.counts.items() if n)
        return (
            f"  cross-check: outbox {counts or 'empty'}; sandbox sent {self.stats['sent_total']} "
            f"to {len(self.stats['sent_by_chat'])} chats, sendMessage calls "
            f"{self.stats['calls'].get('sendMessage', 0)}: "
            + ("all delivered once" if self.all_delivered else "MISMATCH")
        )

    def cpu_line(self) -> str:
        sandbox = (
            f"sandbox {self.sandbox_cpu:.1f} s ({self.sandbox_cpu / self.wall:.0%} of a core)"
            if self.sandbox_cpu is not None
            else "sandbox CPU unknown"
        )
        return (
            f"  CPU over {self.wall:.1f} s: bot {self.bot_cpu:.1f} s "
            f"({self.bot_cpu / self.wall:.0%} of a core), {sandbox}; a copy's round trip "
            f"{self.round_trip * 1000:.0f} ms on average (the pace is at most "
            f"rate / (1 s + round trip))"
        )


async def sandbox_call(
    http: aiohttp.ClientSession, url: str, method: str, path: str, body: object = None
) -> Any:
    async with http.request(method, f"{url}/sandbox/{path}", json=body) as response:
        response.raise_for_status()
        return await response.json()


async def broadcast(
    http: aiohttp.ClientSession,
    sandbox: asyncio.subprocess.Process,
    url: str,
    subscribers: int,
    limits: DeliveryLimits,
    profile: str | None,
    server_url: str | None,
) -> Broadcast:
    """Reset the sandbox; a fresh store of `subscribers`; publish one item; wait until sent."""
    await sandbox_call(http, url, "POST", "reset")
    await sandbox_call(http, url, "POST", "limits", {"enabled": True})
    with fresh_database(server_url) as database:
        settings = settings_for(database, url)
        store = await open_storage(settings)
        bot = build_bot(settings, token=SANDBOX_TOKEN, retry=False)
        try:
            await add_subscribers(store, subscribers)
            worker = build_delivery(settings, store, bot, limits=limits)
            task = asyncio.create_task(worker.run())
            try:
                deadline = time.monotonic() + 15
                while not worker.holding_lease:
                    if task.done() or time.monotonic() > deadline:
                        raise RuntimeError("the delivery worker did not take the lease")
                    await asyncio.sleep(0.01)
                freeze_startup_objects()  # as `python -m bot` does before it serves
                profiler = cProfile.Profile() if profile else None
                sandbox_before = cpu_seconds_of(sandbox.pid)
                cpu_before, wall_before = time.process_time(), time.perf_counter()
                if profiler is not None:
                    profiler.enable()
                published = await store.outbox.publish(news_item())
                worker.wake()
                expected = published.deliveries / limits.rate
                deadline = time.monotonic() + 3 * expected + 60
                while True:
                    stats = worker.stats
                    if stats.sent + stats.failed + stats.skipped >= published.deliveries:
                        counts = await store.outbox.counts(published.item_id)
                        if counts[DeliveryStatus.PENDING] == counts[DeliveryStatus.SENDING] == 0:
                            break
                    if task.done():
                        raise RuntimeError("the delivery worker stopped during the broadcast")
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"the broadcast did not finish: {worker.stats}")
                    await asyncio.sleep(0.05)
                if profiler is not None:
                    profiler.disable()
                    profiler.dump_stats(profile)
                wall = time.perf_counter() - wall_before
                bot_cpu = time.process_time() - cpu_before
                sandbox_after = cpu_seconds_of(sandbox.pid)
            finally:
                await worker.stop(timeout=2)
                try:
                    await asyncio.wait_for(task, timeout=10)
                except TimeoutError:  # wait_for has cancelled it; say so, don't mask the cause
                    print("  (the delivery worker did not stop within 10 s)", file=sys.stderr)
            sandbox_stats = await sandbox_call(http, url, "GET", "stats")
        finally:
            await bot.session.close()
            await store.db.close()
    sandbox_cpu = (
        sandbox_after - sandbox_before
        if sandbox_before is not None and sandbox_after is not None
        else None
    )
    return Broadcast(
        subscribers,
        published.deliveries,
        counts,
        sandbox_stats,
        wall,
        bot_cpu,
        sandbox_cpu,
        worker.pacer.turn_seconds / max(1, worker.pacer.turns),
    )


def busiest_figure(result: Broadcast, limit: float) -> Figure:
    return Figure(
        "busiest 1-second window",
        str(result.busiest_second),
        f"sends (target <= {limit:.0f})",
        result.busiest_second <= limit,
    )


def limit_figures(result: Broadcast, limit: float) -> list[Figure]:
    ratio = result.rate / limit
    return [
        Figure(
            f"rate / {limit:.0f} msg/s",
            f"{ratio:.3f}",
            f"{result.rate:.2f} msg/s (target >= {LIMIT_TARGET})",
            ratio >= LIMIT_TARGET and result.all_delivered,
        ),
        busiest_figure(result, limit),
        Figure("429 answers", str(result.floods), "(target 0)", result.floods == 0),
    ]


def paid_figures(result: Broadcast) -> list[Figure]:
    ratio = result.rate / PAID_RATE
    per_thousand = result.bot_cpu / result.subscribers * 1000
    return [
        Figure(
            f"rate / {PAID_RATE:.0f} msg/s",
            f"{ratio:.3f}",
            f"{result.rate:.0f} msg/s (target >= {PAID_TARGET})",
            ratio >= PAID_TARGET and result.all_delivered,
        ),
        busiest_figure(result, PAID_RATE),
        Figure(
            "bot CPU per 1,000 messages",
            f"{per_thousand:.3f} s",
            f"{result.bot_cpu:.2f} s for {result.subscribers}",
            None,
        ),
        Figure("429 answers", str(result.floods), "(target 0)", result.floods == 0),
    ]


# --- the outbox phase --------------------------------------------------------------------------


async def outbox_child(database: str, subscribers: int) -> dict[str, Any]:
    """In a fresh process, over a store already holding the subscribers: one timed publish."""
    target = (
        {"database_url": database}
        if database.startswith("postgresql://")
        else {"database_path": Path(database)}
    )
    store = await open_storage(settings_for(target))
    try:
        gc.collect()
        peak_before = max_rss_kib()  # the imports' and the open's
        rss_before = vm_status_kib("VmRSS")
        reset = reset_peak_rss()
        started = time.perf_counter()
        published = await store.outbox.publish(news_item())
        seconds = time.perf_counter() - started
        peak_after = max(peak_before, max_rss_kib())
        publish_peak = vm_status_kib("VmHWM") if reset else None
        counts = await store.outbox.counts(published.item_id)
    finally:
        await store.db.close()
    return {
        "subscribers": subscribers,
        "deliveries": published.deliveries,
        "pending": counts[DeliveryStatus.PENDING],
        "seconds": seconds,
        "rss_before_kib": rss_before,
        "publish_peak_kib": publish_peak,  # None: the peak could not be reset
        "peak_before_kib": peak_before,
        "peak_kib": peak_after,
    }


async def run_outbox_phase(subscribers: int, server_url: str | None) -> dict[str, Any]:
    """A fresh store of `subscribers` made here, then the publish in a child process."""
    with fresh_database(server_url) as database:
        settings = settings_for(database)
        store = await open_storage(settings)
        try:
            await add_subscribers(store, subscribers)
        finally:
            await store.db.close()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SCRIPT),
            *("--child", "outbox", "--database", str(settings.database_target)),
            *("--subscribers", str(subscribers)),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            output, _ = await asyncio.wait_for(process.communicate(), timeout=600)
        finally:
            await stop_process(process)
    if process.returncode != 0:
        raise RuntimeError(f"the outbox phase failed (exit status {process.returncode})")
    return dict(json.loads(output.decode().strip().splitlines()[-1]))


def outbox_figures(result: dict[str, Any]) -> list[Figure]:
    seconds = float(result["seconds"])
    limit = OUTBOX_SECONDS * max(1.0, result["subscribers"] / 100_000)
    complete = result["deliveries"] == result["pending"] == result["subscribers"]
    peak, peak_before = result["peak_kib"], result["peak_before_kib"]
    rss_before, publish_peak = result["rss_before_kib"], result["publish_peak_kib"]
    if rss_before and publish_peak:
        during = (
            f"during publish {publish_peak / 1024:.1f} MiB, "
            f"+{(publish_peak - rss_before) / 1024:.1f} MiB over {rss_before / 1024:.1f}"
        )
    elif rss_before:  # no way to reset the peak: an upper bound
        during = f"+{(peak - rss_before) / 1024:.1f} MiB at most over {rss_before / 1024:.1f}"
    else:
        during = "RSS before publish unknown"
    where = "publish" if peak > peak_before else "imports/open"
    return [
        Figure(
            f"publish / {limit:.0f} s",
            f"{seconds / limit:.3f}",
            f"{seconds:.3f} s for {result['deliveries']} deliveries (target < 1)",
            seconds < limit and complete,
        ),
        Figure(
            "peak RSS of the process",
            f"{peak / 1024:.1f} MiB",
            f"reached in {where}; {during}",
            None,
        ),
    ]


# --- main --------------------------------------------------------------------------------------


def print_phase(title: str, figures: Sequence[Figure], extra: Sequence[str] = ()) -> None:
    print(title)
    for figure in figures:
        print(figure.line())
    for line in extra:
        print(line)
    sys.stdout.flush()


async def run(args: argparse.Namespace) -> bool:
    phases = ("limit", "paid", "outbox") if args.phase == "all" else (args.phase,)
    counts = {
        phase: args.subscribers or DEFAULT_SUBSCRIBERS[phase] for phase in DEFAULT_SUBSCRIBERS
    }
    print(
        "broadcast benchmark: sandbox in its own process with Telegram's limits read strictly, "
        f"the "
        f"delivery worker here; {os.cpu_count()} CPUs; phases: {', '.join(phases)}"
    )
    print(engine_line(args.database_url))
    sys.stdout.flush()
    figures: list[Figure] = []
    process: asyncio.subprocess.Process | None = None
    try:
        if "limit" in phases or "paid" in phases:
            process, url = await start_sandbox()
            async with aiohttp.ClientSession() as http:
                if "limit" in phases:
                    limits = DeliveryLimits()
                    result = await broadcast(
                        http,
                        process,
                        url,
                        counts["limit"],
                        limits,
                        profile_path(args, "limit"),
                        args.database_url,
                    )
                    found = limit_figures(result, limits.rate)
                    print_phase(
                        f"limit: {counts['limit']} subscribers, DeliveryLimits() "
                        f"({limits.rate:.0f} msg/s)",
                        found,
                        (result.cpu_line(), result.check_line()),
                    )
                    figures += found
                if "paid" in phases:
                    result = await broadcast(
                        http,
                        process,
                        url,
                        counts["paid"],
                        DeliveryLimits(paid_broadcast=True),
                        profile_path(args, "paid"),
                        args.database_url,
                    )
                    found = paid_figures(result)
                    print_phase(
                        f"paid: {counts['paid']} subscribers, DeliveryLimits(paid_broadcast=True) "
                        f"({PAID_RATE:.0f} msg/s)",
                        found,
                        (result.cpu_line(), result.check_line()),
                    )
                    figures += found
        if "outbox" in phases:
            found = outbox_figures(await run_outbox_phase(counts["outbox"], args.database_url))
            print_phase(
                f"outbox: publish one item to {counts['outbox']} subscribers "
                "(a fresh child process)",
                found,
            )
            figures += found
    finally:
        if process is not None:
            await stop_process(process)
    missed = [figure.name for figure in figures if figure.ok is False]
    print("all targets met" if not missed else f"BELOW TARGET: {', '.join(missed)}")
    return not missed


def profile_path(args: argparse.Namespace, phase: str) -> str | None:
    return f"{args.profile}-{phase}.prof" if args.profile else None


async def main_async(args: argparse.Namespace) -> None:
    if args.child == "outbox":
        subscribers = args.subscribers or DEFAULT_SUBSCRIBERS["outbox"]
        print(json.dumps(await outbox_child(args.database, subscribers)))
        return
    # SIGTERM as well as Ctrl-C unwinds through the finally that stops the sandbox.
    task = asyncio.current_task()
    assert task is not None
    with contextlib.suppress(NotImplementedError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    await run(args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phase", choices=("all", "limit", "paid", "outbox"), default="all")
    parser.add_argument(
        "--subscribers",
        type=int,
        default=0,
        help="subscribers in every phase run (defaults: 3,000 / 20,000 / 100,000)",
    )
    parser.add_argument(
        "--profile",
        metavar="PREFIX",
        help="cProfile this process during each broadcast into PREFIX-<phase>.prof "
        "(slows it down)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="a PostgreSQL server (postgresql://user@host:port/db): each phase's store is a new "
        "database there, dropped afterwards; without it, SQLite",
    )
    parser.add_argument("--child", choices=("outbox",), help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)  # the child's store
    args = parser.parse_args()
    if args.subscribers < 0:
        parser.error("--subscribers must not be negative (0: the defaults)")
    try:
        asyncio.run(main_async(args))
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except asyncio.CancelledError:  # SIGTERM, after the sandbox was stopped
        raise SystemExit(143) from None


if __name__ == "__main__":
    main()
