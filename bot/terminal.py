"""The demo's terminal: you type as a Telegram user, and see what the bot does, as text.

`Terminal` acts through the sandbox (bot.demo wires it to a running bot) and prints every
message the bot sends or edits, in any chat, once it has settled. Pure parts, the input
assembler and the chat places, are testable without a bot.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sandbox import BotAPISandbox, SentMessage

DEMO_GROUP_ID = -1001000000001
DEMO_CHANNEL_ID = -1001000000002
DEMO_GROUP_TITLE = "Демо-група"
DEMO_CHANNEL_TITLE = "Демо-канал"
_MAX_FILE_BYTES = 20 * 1024 * 1024  # what a bot may download from Telegram

DEMO_HELP = """\
The demo's own commands (everything else goes to the bot as you typed it):
  /as <user_id> [uk|en]     be another user, in your private chat with the bot
  /group [member|admin]     talk in the demo group (the bot is a member)
  /channel                  post in the demo channel (you and the bot are its admins)
  /private                  back to your private chat
  /file PATH [caption]      send a file; a command right after it answers the file
  /wait SECONDS             let time pass and show what arrives (feeds, reminders)
  <number>                  press that button of the last message shown
  a line ending in \\        continues on the next line; \"\"\" ... \"\"\" is a block
  /demo                     this list"""


class InputAssembler:
    """Joins typed lines into inputs: a line ending in a backslash continues on the next one,
    and a block opened by a line starting with three double quotes runs to the line that ends
    with them. `feed` returns an input once it is complete."""

    QUOTES = '"""'

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._block = False

    @property
    def pending(self) -> bool:
        return self._block or bool(self._parts)

    def feed(self, line: str) -> str | None:
        line = line.rstrip("\r\n")
        if self._block:
            if line.rstrip().endswith(self.QUOTES):
                last = line.rstrip()[: -len(self.QUOTES)]
                if last:  # quotes on a line of their own add no empty line
                    self._parts.append(last)
                return self._take()
            self._parts.append(line)
            return None
        if not self._parts and line.lstrip().startswith(self.QUOTES):
            rest = line.lstrip()[len(self.QUOTES) :]
            if rest.rstrip().endswith(self.QUOTES):  # """one line"""
                return rest.rstrip()[: -len(self.QUOTES)]
            self._block = True
            if rest:
                self._parts.append(rest)
            return None
        if line.endswith("\\") and not line.endswith("\\\\"):
            self._parts.append(line[:-1])
            return None
        self._parts.append(line)
        return self._take()

    def finish(self) -> str | None:
        """End of input: what was still open, as it stands."""
        return self._take() if self.pending else None

    def _take(self) -> str:
        text = "\n".join(self._parts)
        self._parts = []
        self._block = False
        return text


@dataclass
class Place:
    """Where the person at the terminal is talking: a private chat, the group or the channel."""

    chat_id: int
    title: str
    kind: str = "private"  # private | group | channel
    status: str = "member"  # in the group: member | administrator


@dataclass
class _Shown:
    edits: int
    text: str
    deleted: bool = False


@dataclass
class Terminal:
    """What the person at the terminal sees and can press.

    `settle` waits until the bot is done (bot.demo: the sandbox quiet, nothing paced, no copy
    due); only then are messages printed and buttons numbered, so a typed number presses a
    button that is on screen.
    """

    sandbox: BotAPISandbox
    settle: Callable[[], Awaitable[None]]
    out: TextIO
    user_id: int
    names: dict[int, str] = field(default_factory=dict)
    place: Place = field(init=False)
    buttons: list[tuple[SentMessage, str, str]] = field(default_factory=list)
    shown: dict[tuple[int, int], _Shown] = field(default_factory=dict)
    answers_shown: int = 0
    # chat -> (message id, name) of the file just sent there: a command next answers it
    last_file: dict[int, tuple[int, str]] = field(default_factory=dict)
    bot_added: set[int] = field(default_factory=set)  # the group and channel, once there
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self.place = self._private()

    # --- input -------------------------------------------------------------------------------

    async def handle(self, text: str) -> None:
        """One complete input: a demo command, a button number, or a message to the bot."""
        if not text.strip():
            return
        async with self.lock:
            acted = self._act(text)
            if acted:
                await self.settle()
            self._show_new()

    def _act(self, text: str) -> bool:
        """Do what the input says; False when nothing went to the bot."""
        stripped = text.strip()
        word, _, rest = stripped.partition(" ")
        local = {
            "/as": self._switch_user,
            "/group": self._enter_group,
            "/channel": self._enter_channel,
            "/private": self._leave,
            "/file": self._send_file,
            "/demo": self._help,
        }.get(word.lower())
        if local is not None:
            return local(rest.strip())
        if stripped.isdecimal() and self.buttons:
            return self._press(int(stripped))
        reply_to = None
        file = self.last_file.pop(self.place.chat_id, None)
        if file is not None and word.startswith("/"):
            reply_to = file[0]
            self.note(f"(sent as a reply to your file {file[1]})")
        self._send(text, reply_to=reply_to)
        return True

    def _send(
        self, text: str, *, reply_to: int | None = None, document: tuple[str, bytes] | None = None
    ) -> None:
        if self.place.kind == "channel":
            self.sandbox.channel_post(self.place.chat_id, text)
            return
        self.sandbox.send_message(
            self.place.chat_id,
            text,
            user_id=self.user_id,
            reply_to_message_id=reply_to,
            document=document,
        )

    def _press(self, number: int) -> bool:
        if not 1 <= number <= len(self.buttons):
            self.note(f"(no button {number}; there are {len(self.buttons)})")
            return False
        message, label, data = self.buttons[number - 1]
        if message.deleted:
            self.note(f"(button «{label}» is gone with its message)")
            return False
        if not data:
            self.note(f"(button «{label}» opens a link, nothing to press here)")
            return False
        self.sandbox.click(message, data, user_id=self.user_id)
        return True

    def _switch_user(self, rest: str) -> bool:
        words = rest.split()
        if not words or not words[0].isdecimal() or int(words[0]) <= 0:
            self.note("usage: /as <user_id> [uk|en]")
            return False
        language = words[1].lower() if len(words) > 1 else "uk"
        if language not in ("uk", "en"):
            self.note("the language is uk or en")
            return False
        self.user_id = int(words[0])
        name = self.names.setdefault(self.user_id, f"User {self.user_id}")
        self.sandbox.add_user(self.user_id, first_name=name, language_code=language)
        self.place = self._private()
        self.buttons = []
        self.note(f"(you are now {name}, user {self.user_id}, language {language})")
        return False

    def _enter_group(self, rest: str) -> bool:
        role = rest.lower() or "member"
        status = {"member": "member", "admin": "administrator"}.get(role)
        if status is None:
            self.note("usage: /group [member|admin]")
            return False
        self.sandbox.set_member(DEMO_GROUP_ID, self.user_id, status)
        self.place = Place(DEMO_GROUP_ID, DEMO_GROUP_TITLE, "group", status)
        self.buttons = []
        self.note(f"(you write in «{DEMO_GROUP_TITLE}» as {role}; /private to leave)")
        return self._add_bot(DEMO_GROUP_ID)

    def _enter_channel(self, rest: str) -> bool:
        if rest:
            self.note("usage: /channel")
            return False
        self.sandbox.set_member(DEMO_CHANNEL_ID, self.user_id, "administrator")
        self.place = Place(DEMO_CHANNEL_ID, DEMO_CHANNEL_TITLE, "channel", "administrator")
        self.buttons = []
        self.note(
            f"(you post in «{DEMO_CHANNEL_TITLE}» as the channel; try /subscribe Чернігів, "
            "then /private)"
        )
        return self._add_bot(DEMO_CHANNEL_ID)

    def _add_bot(self, chat_id: int) -> bool:
        """The first time there: you add the bot as an administrator, as Telegram users do."""
        if chat_id in self.bot_added:
            return False
        self.bot_added.add(chat_id)
        self.sandbox.my_chat_member(
            chat_id, user_id=self.user_id, old_status="left", new_status="administrator"
        )
        return True

    def _leave(self, rest: str) -> bool:
        self.place = self._private()
        self.buttons = []
        self.note(f"(back in your private chat, user {self.user_id})")
        return False

    def _send_file(self, rest: str) -> bool:
        if self.place.kind == "channel":
            self.note("(files in the channel are not part of the demo; /private first)")
            return False
        try:
            words = shlex.split(rest)
        except ValueError as exc:
            self.note(f"(cannot read the path: {exc})")
            return False
        if not words:
            self.note("usage: /file PATH [caption]")
            return False
        path = Path(words[0]).expanduser()
        try:
            size = path.stat().st_size
            if size > _MAX_FILE_BYTES:
                self.note(f"({path} is {size} bytes; a bot downloads at most 20 MB)")
                return False
            content = path.read_bytes()
        except OSError as exc:
            self.note(f"(cannot read {path}: {exc.strerror or exc})")
            return False
        caption = rest[len(rest.split(maxsplit=1)[0]) :].strip() if len(words) > 1 else ""
        self._send(caption, document=(path.name, content))
        sent = self.sandbox.last_message_id(self.place.chat_id)
        self.last_file[self.place.chat_id] = (sent, path.name)
        self.note(f"(sent {path.name}, {len(content)} bytes)")
        return True

    def _help(self, rest: str) -> bool:
        print(DEMO_HELP, file=self.out)
        return False

    def _private(self) -> Place:
        return Place(self.user_id, self.names.get(self.user_id, f"User {self.user_id}"))

    # --- output ------------------------------------------------------------------------------

    async def show_arrivals(self) -> bool:
        """Print what came while nobody typed (feeds, reminders, digests), once it settled;
        whether there was anything."""
        async with self.lock:
            if not self.changed():
                return False
            await self.settle()
            self._show_new()
            return True

    def prompt(self) -> str:
        if self.place.kind == "private":
            return f"{self.place.title} ({self.user_id})> "
        role = "admin" if self.place.status == "administrator" else self.place.kind
        return f"{self.names.get(self.user_id, self.user_id)} in {self.place.title} ({role})> "

    def _chats(self) -> list[int]:
        chats = [self.place.chat_id]
        chats += sorted(chat for chat in self.sandbox.delivered_counts() if chat not in chats)
        return chats

    def changed(self) -> bool:
        if len(self.sandbox.callback_answers) != self.answers_shown:
            return True
        for chat in self._chats():
            for message in self.sandbox.sent(chat, include_deleted=True):
                if self._state(message) != self.shown.get((chat, message.message_id)):
                    return True
        return False

    @staticmethod
    def _state(message: SentMessage) -> _Shown:
        if message.deleted:
            return _Shown(-1, "", deleted=True)
        return _Shown(message.edits, message.text)

    def _show_new(self) -> None:
        answers = self.sandbox.callback_answers
        for answer in answers[self.answers_shown :]:
            if answer.get("text"):
                mark = "alert" if answer.get("show_alert") else "toast"
                self.note(f"[{mark}] {answer['text']}")
        self.answers_shown = len(answers)
        changes: list[tuple[int, SentMessage, _Shown | None]] = []
        for chat in self._chats():
            for message in self.sandbox.sent(chat, include_deleted=True):
                key = (chat, message.message_id)
                state, before = self._state(message), self.shown.get(key)
                if state != before:
                    self.shown[key] = state
                    changes.append((chat, message, before))
        here = self.place.chat_id
        numbered = {message.message_id for message, _label, _data in self.buttons}
        if any(
            chat == here and (message.buttons or message.message_id in numbered)
            for chat, message, _before in changes
        ):
            self.buttons = []  # a new set of buttons on screen, or the old ones changed
        for chat, message, before in changes:
            if message.deleted:
                if before is not None:
                    where = self._whose(chat)
                    where = f" (to {where})" if where else ""
                    self.note(f"[message {message.message_id}{where} deleted]")
                continue
            self._print_message(message, chat, edited=before is not None, pressable=chat == here)

    def _whose(self, chat: int) -> str:
        """Whom a message in `chat` went to: "" for the chat at the terminal."""
        if chat == self.place.chat_id:
            return ""
        if chat == DEMO_GROUP_ID:
            return DEMO_GROUP_TITLE
        if chat == DEMO_CHANNEL_ID:
            return DEMO_CHANNEL_TITLE
        return f"{self.names.get(chat, f'User {chat}')} ({chat})"

    def _print_message(
        self, message: SentMessage, chat: int, *, edited: bool, pressable: bool
    ) -> None:
        where = self._whose(chat)
        label = "bot"
        if where:
            label += " → " + where
        if edited:
            label += f" (edited message {message.message_id})"
        body = message.plain_text
        if message.document:
            name, content = message.document
            body = f"[file {name}, {len(content)} bytes]" + (f"\n{body}" if body else "")
        lines = [f"{label}:"] + [f"  {line}" for line in body.splitlines() or [""]]
        for row in message.buttons:
            cells = []
            for button in row:
                text = str(button.get("text", ""))
                if pressable:
                    self.buttons.append((message, text, str(button.get("callback_data", ""))))
                    cells.append(f"[{len(self.buttons)}] {text}")
                else:
                    cells.append(f"[{text}]")
            lines.append("  " + "   ".join(cells))
        print("\n".join(lines) + "\n", file=self.out, flush=True)

    def note(self, text: str) -> None:
        print(f"  {text}", file=self.out, flush=True)
