"""The offline demo: the sandbox, the bot against it, demo data, and a chat in the terminal.

You type as a Telegram user and see the bot's answers as text, with numbered buttons; typing a
button's number presses it. `/as <user_id> [en|uk]` switches user. Works with a pipe too:
each input line is echoed, answers printed, and the demo exits at end of input.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bot.demo_data import DEMO_ITEMS, DEMO_MEMBERS, DEMO_NETWORK_NOTE
from bot.factory import build_bot, build_delivery, build_dispatcher, open_storage, poll
from infra.settings import Settings
from sandbox import SANDBOX_TOKEN, BotAPISandbox, RateLimits, SentMessage
from storage.members import NETWORK_NOTE
from storage.repositories import Storage

DEMO_ADMIN_ID = 1000
DEMO_USER_ID = 2001
QUIET_SECONDS = 0.25  # an answer is complete once the bot has been quiet this long
ANSWER_TIMEOUT = 5.0


@dataclass
class Terminal:
    """What the person at the terminal sees and can press."""

    sandbox: BotAPISandbox
    user_id: int = DEMO_USER_ID
    buttons: list[tuple[SentMessage, str, str]] = field(default_factory=list)
    # (chat id, message id) -> (edits, text) of what was printed
    seen: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict)
    alerts_seen: int = 0

    def snapshot(self) -> tuple[int, int, int]:
        messages = self.sandbox.sent(self.user_id, include_deleted=True)
        edits = sum(message.edits for message in messages)
        return len(messages), edits, len(self.sandbox.callback_answers)

    async def wait_quiet(self) -> None:
        """Wait for the bot's answer: something changes, then nothing for a moment."""
        before = self.snapshot()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ANSWER_TIMEOUT
        changed_at: float | None = None
        last = before
        while loop.time() < deadline:
            await asyncio.sleep(0.05)
            now = self.snapshot()
            if now != last:
                changed_at, last = loop.time(), now
            elif changed_at is not None and loop.time() - changed_at >= QUIET_SECONDS:
                return
        if last == before:
            print("  (no answer)")

    def show_new(self) -> None:
        for message in self.sandbox.sent(self.user_id, include_deleted=True):
            state = (message.edits, message.text)
            key = (message.chat_id, message.message_id)
            previous = self.seen.get(key)
            if previous == state and not message.deleted:
                continue
            if message.deleted:
                if previous is not None and previous[0] >= 0:
                    print(f"  [message {message.message_id} deleted]")
                    self.seen[key] = (-1, "")
                continue
            self.seen[key] = state
            self.print_message(message, edited=previous is not None)
        answers = self.sandbox.callback_answers
        for answer in answers[self.alerts_seen :]:
            if answer.get("text"):
                print(f"  (!) {answer['text']}")
        self.alerts_seen = len(answers)

    def print_message(self, message: SentMessage, *, edited: bool) -> None:
        label = "bot (edited)" if edited else "bot"
        body = message.plain_text
        if message.document:
            body = f"[file {message.document[0]}, {len(message.document[1])} bytes]\n{body}"
        print(f"{label}:")
        for line in body.splitlines() or [""]:
            print(f"  {line}")
        if message.buttons:
            self.buttons = []
            for row in message.buttons:
                cells = []
                for button in row:
                    self.buttons.append((message, button["text"], button.get("callback_data", "")))
                    cells.append(f"[{len(self.buttons)}] {button['text']}")
                print("  " + "   ".join(cells))
        print()

    async def handle(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        if line.startswith("/as"):
            self.switch_user(line.split()[1:])
            return
        if line.isdecimal() and self.buttons:
            number = int(line)
            if not 1 <= number <= len(self.buttons):
                print(f"  (no button {number}; there are {len(self.buttons)})")
                return
            message, _label, data = self.buttons[number - 1]
            self.sandbox.click(message, data, user_id=self.user_id)
        else:
            self.sandbox.send_message(self.user_id, line, user_id=self.user_id)
        await self.wait_quiet()
        self.show_new()

    def switch_user(self, words: list[str]) -> None:
        if not words or not words[0].lstrip("-").isdecimal() or int(words[0]) <= 0:
            print("  usage: /as <user_id> [uk|en]")
            return
        language = words[1] if len(words) > 1 else "uk"
        self.user_id = int(words[0])
        self.sandbox.add_user(
            self.user_id, first_name=f"User {self.user_id}", language_code=language
        )
        self.buttons = []
        print(f"  (you are now user {self.user_id}, language {language})")


async def load_demo_data(store: Storage) -> None:
    """The source document's items, once: a demo database that has items keeps them."""
    if await store.items.count() == 0:
        await store.items.add_many(DEMO_ITEMS)
    await load_demo_members(store)


async def load_demo_members(store: Storage) -> None:
    """The network's members named in the source document, once; nobody is granted anything
    (the demo admin may act as a coordinator anyway)."""
    if await store.members.count() == 0:
        await store.members.apply(DEMO_MEMBERS, by=DEMO_ADMIN_ID)
        await store.members.set_note(NETWORK_NOTE, DEMO_NETWORK_NOTE)


async def read_lines(queue: asyncio.Queue[str | None]) -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            await queue.put(None)
            return
        await queue.put(line)


async def run_demo(settings: Settings, *, database: str | None = None) -> int:
    interactive = sys.stdin.isatty()
    with contextlib.ExitStack() as cleanup:
        if database is None:
            folder = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="visnyk-demo-"))
            database = str(Path(folder) / "demo.db")
        async with BotAPISandbox(limits=RateLimits()) as sandbox:
            demo_settings = settings.model_copy(
                update={
                    "telegram_api_url": sandbox.base_url,
                    "database_path": Path(database),
                    "admin_ids": settings.admin_ids | {DEMO_ADMIN_ID},
                }
            )
            store = await open_storage(demo_settings)
            await load_demo_data(store)
            bot = build_bot(demo_settings, token=SANDBOX_TOKEN)
            delivery_bot = build_bot(demo_settings, token=SANDBOX_TOKEN, retry=False)
            delivery = build_delivery(demo_settings, store, delivery_bot)
            worker = asyncio.create_task(delivery.run())
            dispatcher = build_dispatcher(demo_settings, store, delivery=delivery)
            polling = asyncio.create_task(
                poll(dispatcher, bot, demo_settings, handle_signals=False, polling_timeout=1)
            )
            terminal = Terminal(sandbox)
            sandbox.add_user(DEMO_USER_ID, first_name="Олена", language_code="uk")
            sandbox.add_user(DEMO_ADMIN_ID, first_name="Admin", language_code="uk")
            print(f"Visnyk offline demo: Bot API sandbox at {sandbox.base_url}")
            print(
                f"You are user {DEMO_USER_ID}. Admin id: {DEMO_ADMIN_ID} (switch: /as "
                f"{DEMO_ADMIN_ID}; English: /as {DEMO_USER_ID} en). Type a button's number to "
                "press it. Try /start, /latest, /region Чернігів."
            )
            if interactive:
                print("Ctrl-D to quit.\n")
            queue: asyncio.Queue[str | None] = asyncio.Queue()
            reader = asyncio.create_task(read_lines(queue))
            try:
                while (line := await queue.get()) is not None:
                    if not interactive:
                        print(f"> {line.rstrip()}")
                    await terminal.handle(line)
                    if interactive:
                        print("you> ", end="", flush=True)
            except KeyboardInterrupt:
                pass
            finally:
                reader.cancel()
                await dispatcher.stop_polling()
                with contextlib.suppress(asyncio.CancelledError):
                    await polling
                await delivery.stop(timeout=2)
                await asyncio.wait_for(worker, timeout=5)
                await dispatcher["feeds"].close()
                await bot.session.close()
                await delivery_bot.session.close()
                await store.db.close()
    return 0
