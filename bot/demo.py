"""The offline demo: the sandbox, the bot against it with everything `python -m bot` runs (the
delivery worker, feed polling, reminders, digests), demo data, and a chat in the terminal.

You type as a Telegram user and see what the bot does, as text, in every chat: your own
answers, and the messages and edits other users get (marked with whom they went to). Typing a
button's number presses it; `/demo` lists the terminal's own commands (bot.terminal). Works
with a pipe too: each input is echoed, answers printed, and the demo exits at end of input.
Logs go to a file named at start, not into the transcript.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.app import Services, Ticks
from bot.demo_data import DEMO_ITEMS, DEMO_MEMBERS, DEMO_NETWORK_NOTE
from bot.factory import build_bot, build_pacer, open_storage, poll
from bot.terminal import (
    DEMO_CHANNEL_ID,
    DEMO_CHANNEL_TITLE,
    DEMO_GROUP_ID,
    DEMO_GROUP_TITLE,
    InputAssembler,
    Terminal,
)
from infra.in_hand import UpdatesInHand
from infra.settings import Settings
from sandbox import SANDBOX_TOKEN, BotAPISandbox, RateLimits
from storage.members import NETWORK_NOTE
from storage.models import ChatType
from storage.repositories import Storage

DEMO_ADMIN_ID = 1000
DEMO_USER_ID = 2001  # Олена, subscribed to Chernihiv oblast
DEMO_USER_NAME = "Олена"
DEMO_REGION = "UA-74"
# The sandbox's sample feed gets a new headline this often; the demo polls it twice as often.
SAMPLE_FEED_SECONDS = 60.0
# How long the terminal waits for the bot to be done before it shows what there is.
SETTLE_TIMEOUT = 20.0
# A copy due this soon is still part of the answer being waited for.
COPY_HORIZON = 3.0


async def load_demo_data(
    store: Storage, *, sample_feed_url: str | None = None, poll_seconds: int = 30
) -> None:
    """The source document's items, its network's members, a subscriber, and the sandbox's
    sample feed as a source; once: a demo database that has them keeps them."""
    if await store.items.count() == 0:
        await store.items.add_many(DEMO_ITEMS)
        await store.chats.upsert(DEMO_USER_ID, ChatType.PRIVATE, None, "uk")
        await store.subscriptions.add(DEMO_USER_ID, [DEMO_REGION])
    await load_demo_members(store)
    if sample_feed_url is not None:
        await store.sources.upsert(sample_feed_url, DEMO_REGION, poll_seconds)


async def load_demo_members(store: Storage) -> None:
    """The network's members named in the source document, once; nobody is granted anything
    (the demo admin may act as a coordinator anyway)."""
    if await store.members.count() == 0:
        await store.members.apply(DEMO_MEMBERS, by=DEMO_ADMIN_ID)
        await store.members.set_note(NETWORK_NOTE, DEMO_NETWORK_NOTE)


def demo_settings(settings: Settings, sandbox: BotAPISandbox, database: Path) -> Settings:
    return settings.model_copy(
        update={
            "bot_token": SecretStr(SANDBOX_TOKEN),
            "telegram_api_url": sandbox.base_url,
            "database_path": database,
            "admin_ids": settings.admin_ids | {DEMO_ADMIN_ID},
            "webhook_url": None,
            # The sample feed is on loopback, which real deployments refuse to fetch.
            "feeds_allow_private": True,
        }
    )


def log_to_file(path: Path) -> None:
    """Every log line goes to `path`; none reaches the transcript."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.INFO)


def stage_sandbox(sandbox: BotAPISandbox) -> None:
    """The demo's people and places: the subscriber, the admin, a group and a channel (the
    bot joins them when you first go there)."""
    sandbox.add_user(DEMO_USER_ID, first_name=DEMO_USER_NAME, language_code="uk")
    sandbox.add_user(DEMO_ADMIN_ID, first_name="Адмін", language_code="uk")
    sandbox.add_chat(DEMO_GROUP_ID, type="supergroup", title=DEMO_GROUP_TITLE)
    sandbox.add_chat(DEMO_CHANNEL_ID, type="channel", title=DEMO_CHANNEL_TITLE)


async def read_lines(queue: asyncio.Queue[str | None]) -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        await queue.put(line or None)
        if not line:
            return


class Demo:
    """The running demo: the sandbox, the bot's services and the terminal."""

    def __init__(
        self, sandbox: BotAPISandbox, services: Services, out: TextIO, *, interactive: bool
    ) -> None:
        self.sandbox = sandbox
        self.interactive = interactive
        self.services = services
        self.in_hand: UpdatesInHand = services.dispatcher["in_hand"]
        self.terminal = Terminal(
            sandbox,
            self.settle,
            out,
            user_id=DEMO_USER_ID,
            names={DEMO_USER_ID: DEMO_USER_NAME, DEMO_ADMIN_ID: "Адмін"},
        )

    async def settle(self) -> None:
        """Until the bot is done: no update pending, no request in flight or held by the
        sandbox, nothing waiting for the pacer, no copy out or due within seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        while (left := deadline - loop.time()) > 0:
            if not await self.sandbox.quiet(settle=0.1, timeout=left):
                break
            if not await self._bot_busy():
                return
            await asyncio.sleep(0.05)
        self.terminal.note("(the bot is still busy; here is what it has done so far)")

    async def _bot_busy(self) -> bool:
        services = self.services
        if (
            self.in_hand.count
            or services.pacer.active
            or services.delivery.busy
            or services.background.running
        ):
            return True
        due = await services.store.outbox.next_due_at()
        return due is not None and due <= time.time() + COPY_HORIZON

    async def watch(self) -> None:
        """Show what arrives between inputs: feed items, reminders, digests."""
        while True:
            with contextlib.suppress(TimeoutError):
                await self.sandbox.wait_until(self.terminal.changed, timeout=3600)
            if await self.terminal.show_arrivals() and self.interactive:
                print(self.terminal.prompt(), end="", flush=True, file=self.terminal.out)
            await asyncio.sleep(0.2)

    async def wait(self, seconds: float) -> None:
        """/wait: time passes; what arrives meanwhile is shown."""
        await asyncio.sleep(seconds)
        await self.terminal.show_arrivals()


async def run_demo(
    settings: Settings,
    *,
    database: str | None = None,
    log_file: str | None = None,
    sample_feed_seconds: float = SAMPLE_FEED_SECONDS,
) -> int:
    interactive = sys.stdin.isatty()
    out = sys.stdout
    with contextlib.ExitStack() as cleanup:
        if database is None:
            folder = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="visnyk-demo-"))
            database = str(Path(folder) / "demo.db")
        log_path = Path(log_file) if log_file else default_log_path()
        log_to_file(log_path)
        limits = RateLimits()  # Telegram's limits, strictly
        async with BotAPISandbox(limits=limits, feed_interval=sample_feed_seconds) as sandbox:
            config = demo_settings(settings, sandbox, Path(database))
            stage_sandbox(sandbox)
            store = await open_storage(config)
            poll_seconds = max(1, round(sample_feed_seconds / 2))
            await load_demo_data(
                store, sample_feed_url=sandbox.sample_feed_url, poll_seconds=poll_seconds
            )
            pacer = build_pacer(config)
            ticks = Ticks(feeds=min(5, poll_seconds), reminders=10, bundles=10)
            services = Services(config, store, build_bot(config, pacer=pacer), pacer, ticks)
            demo = Demo(sandbox, services, out, interactive=interactive)
            services.start()
            polling = asyncio.create_task(
                poll(
                    services.dispatcher,
                    services.bot,
                    config,
                    handle_signals=False,
                    polling_timeout=1,
                )
            )
            watcher = asyncio.create_task(demo.watch())
            print_banner(out, sandbox, log_path, interactive)
            queue: asyncio.Queue[str | None] = asyncio.Queue()
            reader = asyncio.create_task(read_lines(queue))
            assembler = InputAssembler()
            try:
                while True:
                    if interactive:
                        prompt = "... " if assembler.pending else demo.terminal.prompt()
                        print(prompt, end="", flush=True, file=out)
                    line = await queue.get()
                    text = assembler.finish() if line is None else assembler.feed(line)
                    if line is not None and not interactive:
                        print(f"> {line.rstrip()}", file=out, flush=True)
                    if text is not None:
                        await dispatch(demo, text)
                    if line is None:
                        break
            except KeyboardInterrupt:
                pass
            finally:
                reader.cancel()
                watcher.cancel()
                await services.dispatcher.stop_polling()
                with contextlib.suppress(asyncio.CancelledError):
                    await polling
                await services.close()
    return 0


async def dispatch(demo: Demo, text: str) -> None:
    word, _, rest = text.strip().partition(" ")
    if word == "/wait":
        try:
            seconds = float(rest)
        except ValueError:
            demo.terminal.note("usage: /wait SECONDS")
            return
        await demo.wait(max(0.0, min(seconds, 600.0)))
        return
    await demo.terminal.handle(text)


def default_log_path() -> Path:
    return Path(tempfile.gettempdir()) / f"visnyk-demo-{time.strftime('%Y%m%d-%H%M%S')}.log"


def print_banner(out: TextIO, sandbox: BotAPISandbox, log_path: Path, interactive: bool) -> None:
    lines = [
        f"Visnyk offline demo: Bot API sandbox at {sandbox.base_url}; logs in {log_path}",
        f"You are {DEMO_USER_NAME} (user {DEMO_USER_ID}), subscribed to Chernihiv oblast. "
        f"The admin is user {DEMO_ADMIN_ID} (/as {DEMO_ADMIN_ID}).",
        "Type a button's number to press it. Try /start, /latest, /region Чернігів, /settings;",
        f"as the admin: /grant 3001 editor Чернігів, then /as 3001 and /push. "
        f"A sample feed brings a headline every {sandbox.feed_interval:g} s. /demo: more.",
    ]
    if interactive:
        lines.append("Ctrl-D to quit.")
    print("\n".join(lines) + "\n", file=out, flush=True)
