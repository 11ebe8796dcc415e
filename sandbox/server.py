"""A fake Telegram Bot API server on aiohttp: tests, benchmarks and the offline demo talk to it.

The real aiogram client, unpatched, reaches it over loopback:

    sandbox = BotAPISandbox()
    await sandbox.start()
    api = TelegramAPIServer.from_base(sandbox.base_url)
    bot = Bot(SANDBOX_TOKEN, session=AiohttpSession(api=api))

It answers like Telegram (same JSON shapes, same error descriptions and codes), validates what
Telegram validates (HTML entities, lengths, keyboards), enforces Telegram's flood limits when
asked to, and injects per-chat faults (blocked users, migrated groups, 5xx, floods, delays).
Tests drive it with `send_message`, `click`, ... and observe what the bot did with `sent`,
`wait_for`, `callback_answers`, `commands`, `calls` and `errors`.

Standalone (benchmarks run it in its own process):

    python -m sandbox.server --port 8081 [--limits on|lenient|off] [--token TOKEN]

prints `SANDBOX READY http://127.0.0.1:8081` and serves until SIGTERM/SIGINT; control endpoints
live under /sandbox/ (see `BotAPISandbox._control_routes`).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import collections
import contextlib
import contextvars
import dataclasses
import functools
import itertools
import json
import logging
import mimetypes
import re
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import aiohttp
from aiohttp import web

from sandbox.html import HTMLParseError, parse_telegram_html, parse_with_entities, utf16_len
from sandbox.limits import FloodControl, RateLimits, TooFastError

__all__ = [
    "SANDBOX_TOKEN",
    "BotAPISandbox",
    "ChatFault",
    "RateLimits",
    "SentMessage",
    "main",
]

log = logging.getLogger(__name__)

_ARRIVAL: contextvars.ContextVar[float] = contextvars.ContextVar("arrival")

SANDBOX_TOKEN = "123456:SANDBOX-token"

TEXT_LIMIT = 4096  # UTF-16 code units, after entities are parsed
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
CALLBACK_ANSWER_LIMIT = 200

JSON = dict[str, Any]
Upload = tuple[str, bytes, str]  # file name, content, content type
Handler = Callable[[JSON, dict[str, Upload]], Awaitable[Any]]

FaultKind = Literal[
    "blocked", "deactivated", "kicked", "not_found", "migrate", "server_error", "delay", "flood"
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
CHAT_TYPES = ("private", "group", "supergroup", "channel")

# Parameters aiogram sends as JSON strings inside form data.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "commands",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "allowed_updates",
        "entities",
        "caption_entities",
        "media",
        "menu_button",
        "message_ids",
    }
)
# Telegram sends these update types only when asked to by name.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # two UTF-16 code units each
_BOT_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


@dataclass
class ChatFault:
    """What goes wrong when the bot acts in one chat (set with `BotAPISandbox.set_fault`)."""

    kind: FaultKind
    migrate_to_chat_id: int | None = None  # for "migrate" (default: -100<chat id>)
    delay: float = 0.0  # for "delay": sleep, then answer normally
    retry_after: int = 1  # for "flood": a forced 429
    times: int | None = None  # None: every call; n: the next n calls only


@dataclass
class SentMessage:
    """A message the bot put in a chat, kept up to date with edits and deletes."""

    message_id: int
    chat_id: int
    text: str  # as sent (HTML source for parse_mode=HTML); the caption for documents/photos
    parse_mode: str | None
    reply_markup: dict[str, Any] | None  # the parsed JSON
    date: int
    edits: int = 0
    deleted: bool = False
    document: tuple[str, bytes] | None = None  # (file name, content) of sendDocument/sendPhoto
    method: str = "sendMessage"
    params: dict[str, Any] = field(default_factory=dict)  # all params as received (decoded)
    entities: list[dict[str, Any]] = field(default_factory=list)  # as Telegram reports them
    edit_date: int | None = None
    reply_to_message_id: int | None = None
    # More fields of the Message as Telegram shows it: "document", "photo", "forward_origin".
    extra: dict[str, Any] | None = None
    _plain: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def plain_text(self) -> str:
        """The text (or caption) as the user sees it: HTML removed and entities decoded."""
        if self._plain is None:
            text = self.text
            if self.parse_mode and self.parse_mode.lower() == "html":
                text = parse_telegram_html(text)
            self._plain = text.strip()
        return self._plain

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard's rows ([] without one)."""
        rows = (self.reply_markup or {}).get("inline_keyboard")
        return rows if isinstance(rows, list) else []

    def button(self, label_substring: str) -> dict[str, Any]:
        """The first inline button whose text contains `label_substring`."""
        for row in self.buttons:
            for button in row:
                if label_substring in str(button.get("text", "")):
                    return button
        labels = [str(button.get("text")) for row in self.buttons for button in row]
        raise LookupError(
            f"no button containing {label_substring!r} in message {self.message_id} "
            f"of chat {self.chat_id}; buttons: {labels}"
        )


class _ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _error_body(code: int, description: str, parameters: JSON | None = None) -> JSON:
    body: JSON = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def _int_param(params: JSON, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _bad(f"{name} must be a number")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise _bad(f"{name} must be a number") from None


def _required_int(params: JSON, name: str, description: str | None = None) -> int:
    value = _int_param(params, name)
    if value is None:
        raise _bad(description or f"{name} is empty")
    return value


def _float_param(params: JSON, name: str) -> float | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _bad(f"{name} must be a number") from None


def _bool_param(params: JSON, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _str_param(params: JSON, name: str) -> str:
    value = params.get(name)
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _render(text: str, parse_mode: str | None) -> tuple[str, list[JSON]]:
    """What Telegram makes of a text: the trimmed plain text and its entities (UTF-16)."""
    plain, entities = _rendered(text, parse_mode)
    return plain, [dict(entity) for entity in entities]


@functools.lru_cache(maxsize=1024)
def _rendered(text: str, parse_mode: str | None) -> tuple[str, tuple[JSON, ...]]:
    """`_render`, remembered: benchmarks send one page to thousands of chats, and Telegram's
    parsing is not what they measure. Refusals raise, so they are never remembered."""
    if parse_mode and parse_mode.lower() == "html" and ("<" in text or "&" in text):
        try:
            plain, found = parse_with_entities(text)
        except HTMLParseError as exc:
            raise _bad(exc.description) from None
    else:
        plain, found = text, []
    stripped = plain.strip()
    if not found:
        return stripped, ()
    lead = len(plain) - len(plain.lstrip())
    size = len(stripped)
    # UTF-16 offset of index i: i plus the characters outside the BMP before it.
    astral = [match.start() for match in _ASTRAL.finditer(stripped)]
    entities: list[JSON] = []
    for entity in found:
        start = max(0, entity.start - lead)
        end = min(size, entity.end - lead)
        if end <= start:
            continue
        offset = start + bisect.bisect_left(astral, start)
        length = end + bisect.bisect_left(astral, end) - offset
        item: JSON = {"type": entity.type, "offset": offset, "length": length}
        item.update(entity.extra)
        entities.append(item)
    return stripped, tuple(entities)


def _command_entities(text: str) -> list[JSON]:
    """The bot_command entity Telegram adds to a text starting with a command."""
    match = _COMMAND.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]


def _check_markup(value: Any) -> JSON | None:
    """reply_markup as Telegram checks it (inline keyboards in detail, the others loosely)."""
    if value is None or value == "":
        return None
    if not isinstance(value, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        rows = value["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                _check_button(button)
        return value
    if any(key in value for key in ("keyboard", "remove_keyboard", "force_reply")):
        return value
    raise _bad("can't parse reply keyboard markup JSON object")


def _check_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not text.strip():
        raise _bad("BUTTON_TEXT_INVALID")
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if not actions:
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise _bad(
            "can't parse inline keyboard button: exactly one of the optional fields "
            f"must be used, found {', '.join(actions)}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not _plausible_url(url):
            raise _bad("BUTTON_URL_INVALID")


def _plausible_url(url: str) -> bool:
    if not url or any(char.isspace() for char in url):
        return False
    if url.startswith(("http://", "https://", "tg://")):
        return len(url.split("://", 1)[1]) > 0
    return "://" not in url and "." in url


def _inline_rows(markup: JSON | None) -> Any:
    if not markup:
        return None
    return markup.get("inline_keyboard") or None


def _member(user: JSON, status: str) -> JSON:
    """A ChatMember object of `status` with every field aiogram requires."""
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=True,
            can_edit_stories=True,
            can_delete_stories=True,
            can_send_welcome_messages=True,
            can_pin_messages=True,
        )
    elif status == "restricted":
        member.update(
            is_member=True,
            can_send_messages=False,
            can_send_audios=False,
            can_send_documents=False,
            can_send_photos=False,
            can_send_videos=False,
            can_send_video_notes=False,
            can_send_voice_notes=False,
            can_send_polls=False,
            can_send_other_messages=False,
            can_add_web_page_previews=False,
            can_react_to_messages=False,
            can_edit_tag=False,
            can_change_info=False,
            can_invite_users=False,
            can_pin_messages=False,
            can_manage_topics=False,
            until_date=0,
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member


class BotAPISandbox:
    """The fake Bot API: an aiohttp server plus the state tests drive and observe."""

    def __init__(
        self,
        token: str = SANDBOX_TOKEN,
        *,
        limits: RateLimits | None = None,
        bot_id: int = 123456,
        bot_username: str = "visnyk_sandbox_bot",
        bot_name: str = "Visnyk",
    ) -> None:
        self.token = token
        self._limits = limits if limits is not None else RateLimits(enabled=False)
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_name = bot_name
        self._bot_user: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self._me: JSON = {
            **self._bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        # Users and chats survive reset().
        self._users: dict[int, JSON] = {}
        self._chats: dict[int, JSON] = {}
        self._usernames: dict[str, int] = {}
        self._members: dict[int, dict[int, str]] = {}
        self._last_id: dict[int, int] = {}  # chat -> highest message id (bot and users alike)
        self._next_update_id = 1
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._closing = False
        self._pusher: asyncio.Task[None] | None = None
        self._methods = self._method_table()
        self._clear()

    def _clear(self) -> None:
        """Forget everything reset() forgets."""
        self._bot_messages: dict[int, dict[int, SentMessage]] = {}
        self._user_messages: dict[int, dict[int, JSON]] = {}
        self._updates: collections.deque[JSON] = collections.deque()
        self._allowed_updates: frozenset[str] | None = None
        self._updates_event: asyncio.Event | None = None
        self._changed_event: asyncio.Event | None = None
        self._open_queries: set[str] = set()
        self._faults: dict[int, ChatFault] = {}
        self._flood = FloodControl(self.limits)
        self._files: dict[str, JSON] = {}
        self._file_paths: dict[str, JSON] = {}
        self._sent_by_chat: collections.Counter[int] = collections.Counter()
        self._webhook_url = ""
        self._webhook_secret = ""
        self._webhook_connections = 40
        self.webhook_answers: list[int] = []  # HTTP statuses the webhook answered, in order
        self._descriptions: dict[tuple[str, str], str] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.calls: collections.Counter[str] = collections.Counter()
        self.errors: collections.Counter[int] = collections.Counter()
        self.sent_total = 0
        self.first_send_at: float | None = None
        self.last_send_at: float | None = None

    @property
    def limits(self) -> RateLimits:
        return self._limits

    @limits.setter
    def limits(self, limits: RateLimits) -> None:
        """New limits, counted afresh."""
        self._limits = limits
        self._flood = FloodControl(limits)

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on host:port (port 0: a free one); `base_url` is valid afterwards."""
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/file/bot{token}/{path:.+}", self._serve_file)
        app.router.add_route("*", "/bot{token}/{method}", self._serve_api)
        for method, path, handler in self._control_routes():
            app.router.add_route(method, path, handler)
        runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=0.1, access_log=None
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self._closing = False
        bound = port
        for address in runner.addresses:
            if isinstance(address, tuple) and len(address) >= 2:
                bound = int(address[1])
                break
        shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
        self._url = f"http://{shown}:{bound}"

    async def stop(self) -> None:
        """Stop serving; long polls in flight answer at once."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing = True
        self._wake_pollers()
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None
        await runner.cleanup()

    @property
    def base_url(self) -> str:
        if self._url is None:
            raise RuntimeError("the sandbox is not started")
        return self._url

    async def __aenter__(self) -> BotAPISandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ users and chats

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "uk",
    ) -> dict[str, Any]:
        """Register (or update) a user; returns the User object."""
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        known = self._users.get(user_id)
        if known is None:
            self._users[user_id] = user
        else:  # in place: messages already built keep pointing at it
            known.clear()
            known.update(user)
            user = known
        chat = self._chats.get(user_id)
        if chat is not None and chat["type"] == "private":
            self._fill_private_chat(chat, user)
        return user

    def add_chat(
        self,
        chat_id: int,
        *,
        type: str = "private",
        title: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """Register (or update) a chat; returns the Chat object. Private chats are automatic."""
        if type not in CHAT_TYPES:
            raise ValueError(f"chat type must be one of {CHAT_TYPES}, not {type!r}")
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = {}
        else:
            old = chat.get("username")
            if old:
                self._usernames.pop(str(old).lower(), None)
            chat.clear()
        chat.update(id=chat_id, type=type)
        if type == "private":
            self._fill_private_chat(chat, self._user(chat_id))
        else:
            chat["title"] = title or f"Test {type} {abs(chat_id)}"
        if username:
            chat["username"] = username
        if chat.get("username"):
            self._usernames[str(chat["username"]).lower()] = chat_id
        return chat

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """The status getChatMember reports (the bot's own id: whether it may post there)."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}, not {status!r}")
        self._members.setdefault(chat_id, {})[user_id] = status

    def _fill_private_chat(self, chat: JSON, user: JSON) -> None:
        for key in ("first_name", "last_name", "username"):
            if key in user:
                chat[key] = user[key]
            else:
                chat.pop(key, None)
        if chat.get("username"):
            self._usernames[str(chat["username"]).lower()] = chat["id"]

    def _user(self, user_id: int) -> JSON:
        if user_id == self.bot_id:
            return self._bot_user
        user = self._users.get(user_id)
        return user if user is not None else self.add_user(user_id)

    def _ensure_chat(self, chat_id: int, default_type: str | None = None) -> JSON:
        chat = self._chats.get(chat_id)
        if chat is not None:
            return chat
        if default_type is None:
            if chat_id > 0:
                default_type = "private"
            elif str(chat_id).startswith("-100"):
                default_type = "supergroup"
            else:
                default_type = "group"
        return self.add_chat(chat_id, type=default_type)

    def _next_message_id(self, chat_id: int) -> int:
        message_id = self._last_id.get(chat_id, 0) + 1
        self._last_id[chat_id] = message_id
        return message_id

    # ------------------------------------------------------------------ driving (updates)

    def enqueue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update for getUpdates (an update_id is assigned when missing)."""
        update_id = update.get("update_id")
        if update_id is None:
            update_id = update["update_id"] = self._next_update_id
        # Ids keep increasing, past explicit ones too.
        self._next_update_id = max(self._next_update_id, int(update_id) + 1)
        self._updates.append(update)
        self._wake_pollers()
        return update

    def _push(self, kind: str, payload: JSON) -> JSON:
        return self.enqueue_update({"update_id": self._next_update_id, kind: payload})

    def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        reply_to_message_id: int | None = None,
        document: tuple[str, bytes] | None = None,
    ) -> dict[str, Any]:
        """A user writes `text` (with `document`: a file with that caption) in a chat."""
        chat = self._ensure_chat(chat_id)
        if user_id is None:
            if chat["type"] != "private":
                raise ValueError(f"user_id is required for a message in {chat['type']} {chat_id}")
            user_id = chat_id
        target: JSON | None = None
        if reply_to_message_id is not None:
            target = self._any_message(chat_id, reply_to_message_id)
            if target is None:
                raise LookupError(f"no message {reply_to_message_id} in chat {chat_id}")
        message_id = self._next_message_id(chat_id)
        message: JSON = {
            "message_id": message_id,
            "from": self._user(user_id),
            "chat": chat,
            "date": int(time.time()),
        }
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        entities = _command_entities(text)
        if document is not None:
            name, content = document
            record = self._register_file(name, content, None, "documents")
            message["document"] = self._document_object(record)
            if text:
                message["caption"] = text
                if entities:
                    message["caption_entities"] = entities
        else:
            message["text"] = text
            if entities:
                message["entities"] = entities
        if target is not None:
            message["reply_to_message"] = target
        self._user_messages.setdefault(chat_id, {})[message_id] = message
        return self._push("message", message)

    def channel_post(self, chat_id: int, text: str) -> dict[str, Any]:
        """A post in a channel the bot is in (no "from", "sender_chat" is the channel)."""
        chat = self._ensure_chat(chat_id, "channel")
        message_id = self._next_message_id(chat_id)
        message: JSON = {
            "message_id": message_id,
            "sender_chat": chat,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        entities = _command_entities(text)
        if entities:
            message["entities"] = entities
        self._user_messages.setdefault(chat_id, {})[message_id] = message
        return self._push("channel_post", message)

    def click(
        self, message: SentMessage, callback_data: str, *, user_id: int | None = None
    ) -> dict[str, Any]:
        """A user presses a button of a bot message that sends `callback_data`."""
        if message.deleted:
            raise ValueError(f"message {message.message_id} of chat {message.chat_id} is deleted")
        if user_id is None:
            if message.chat_id <= 0:
                raise ValueError("user_id is required to click in a group or channel")
            user_id = message.chat_id
        query_id = str(8_000_000_000_000_000 + next(self._query_ids))
        self._open_queries.add(query_id)
        query: JSON = {
            "id": query_id,
            "from": self._user(user_id),
            "message": self._message_object(message),
            "chat_instance": str(abs(message.chat_id) * 7919 + 104729),
            "data": callback_data,
        }
        return self._push("callback_query", query)

    def press(
        self, message: SentMessage, label: str, *, user_id: int | None = None
    ) -> dict[str, Any]:
        """Click the inline button whose text contains `label` (LookupError without one)."""
        button = message.button(label)
        data = button.get("callback_data")
        if not isinstance(data, str):
            raise LookupError(f"button {button.get('text')!r} has no callback_data: {button}")
        return self.click(message, data, user_id=user_id)

    def my_chat_member(
        self, chat_id: int, *, user_id: int, old_status: str, new_status: str
    ) -> dict[str, Any]:
        """The bot's membership changes (a user blocks it: new_status="kicked" in private)."""
        chat = self._ensure_chat(chat_id)
        self.set_member(chat_id, self.bot_id, new_status)
        if old_status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}, not {old_status!r}")
        change: JSON = {
            "chat": chat,
            "from": self._user(user_id),
            "date": int(time.time()),
            "old_chat_member": _member(self._bot_user, old_status),
            "new_chat_member": _member(self._bot_user, new_status),
        }
        return self._push("my_chat_member", change)

    # ------------------------------------------------------------------ observing

    def sent(self, chat_id: int, *, include_deleted: bool = False) -> list[SentMessage]:
        """What the bot sent to a chat, in order."""
        messages = self._bot_messages.get(chat_id)
        if not messages:
            return []
        if include_deleted:
            return list(messages.values())
        return [message for message in messages.values() if not message.deleted]

    def _sent_since(self, chat_id: int, since: int) -> list[SentMessage]:
        messages = self._bot_messages.get(chat_id)
        if not messages:
            return []
        found: list[SentMessage] = []
        for message in reversed(messages.values()):
            if message.message_id <= since:
                break
            found.append(message)
        found.reverse()
        return found

    async def wait_for(
        self, chat_id: int, count: int = 1, *, since: int = 0, timeout: float = 5.0
    ) -> list[SentMessage]:
        """At least `count` bot messages in a chat with message_id > since (deleted included)."""
        try:
            await self.wait_until(
                lambda: len(self._sent_since(chat_id, since)) >= count, timeout=timeout
            )
        except TimeoutError:
            got = self._sent_since(chat_id, since)
            errors = dict(self.errors)
            raise TimeoutError(
                f"chat {chat_id}: waited {timeout}s for {count} bot message(s) after "
                f"message_id {since}, got {len(got)}: {[m.plain_text[:200] for m in got]}"
                + (f"; error answers so far: {errors}" if errors else "")
            ) from None
        return self._sent_since(chat_id, since)

    async def wait_until(self, predicate: Callable[[], bool], *, timeout: float = 5.0) -> None:
        """Wait until `predicate()` holds; it is checked whenever the bot changes something."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            if self._changed_event is None:
                self._changed_event = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed_event.wait(), remaining)

    def last_message_id(self, chat_id: int) -> int:
        """The highest message id in a chat so far (0 if none): the `since` of wait_for."""
        return self._last_id.get(chat_id, 0)

    def delivered_counts(self) -> dict[int, int]:
        """chat id -> how many messages the bot sent there (deleted ones included)."""
        return dict(self._sent_by_chat)

    def stats(self) -> dict[str, Any]:
        """Counters as GET /sandbox/stats reports them (times are time.monotonic())."""
        return {
            "calls": dict(self.calls),
            "errors": {str(code): count for code, count in self.errors.items()},
            "sent_total": self.sent_total,
            "sent_by_chat": {str(chat): count for chat, count in self._sent_by_chat.items()},
            "first_send_at": self.first_send_at,
            "last_send_at": self.last_send_at,
            "now": time.monotonic(),
            "pending_updates": len(self._updates),
            # The most accepted sends any 1-second window held, as a strict Telegram counts.
            "busiest_second": {
                "all": self._flood.busiest_second(),
                "unpaid": self._flood.busiest_second(paid=False),
            },
            "callback_answers": len(self.callback_answers),
        }

    def _notify(self) -> None:
        """Wake wait_for/wait_until: the bot changed something."""
        event, self._changed_event = self._changed_event, None
        if event is not None:
            event.set()

    def _wake_pollers(self) -> None:
        event, self._updates_event = self._updates_event, None
        if event is not None:
            event.set()

    # ------------------------------------------------------------------ faults

    def set_fault(self, chat_id: int, fault: ChatFault) -> None:
        """Make the bot's calls for one chat fail (or stall) as `fault` says."""
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, not {fault.kind!r}")
        if fault.times is not None and fault.times <= 0:
            self._faults.pop(chat_id, None)
            return
        self._faults[chat_id] = dataclasses.replace(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def reset(self) -> None:
        """Forget messages, counters, faults and pending updates; users and chats stay.

        Message and update ids keep counting, so a bot polling across a reset stays in step.
        """
        self._wake_pollers()
        self._notify()
        self._clear()

    async def _apply_fault(self, chat_id: int, fault: ChatFault) -> None:
        if fault.times is not None:
            fault.times -= 1
            if fault.times <= 0 and self._faults.get(chat_id) is fault:
                del self._faults[chat_id]
        kind = fault.kind
        if kind == "delay":
            await asyncio.sleep(fault.delay)
        elif kind == "blocked":
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        elif kind == "deactivated":
            raise _ApiError(403, "Forbidden: user is deactivated")
        elif kind == "kicked":
            raise _ApiError(403, "Forbidden: bot was kicked from the group chat")
        elif kind == "not_found":
            raise _bad("chat not found")
        elif kind == "migrate":
            target = fault.migrate_to_chat_id or int(f"-100{abs(chat_id)}")
            raise _ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": target},
            )
        elif kind == "server_error":
            raise _ApiError(500, "Internal Server Error")
        elif kind == "flood":
            retry_after = max(1, int(fault.retry_after))
            raise _ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        else:
            raise ValueError(f"unknown fault kind {kind!r}")

    # ------------------------------------------------------------------ HTTP

    async def _serve_api(self, request: web.Request) -> web.Response:
        _ARRIVAL.set(time.monotonic())  # flood limits count a send from when it arrived
        name = request.match_info["method"]
        entry = self._methods.get(name.lower())
        self.calls[entry[0] if entry is not None else name] += 1
        try:
            if request.match_info["token"] != self.token:
                raise _ApiError(401, "Unauthorized")
            if entry is None:
                raise _ApiError(404, "Not Found")
            params, uploads = await self._read_params(request)
            result = await entry[1](params, uploads)
        except _ApiError as exc:
            return self._error_response(exc.code, exc.description, exc.parameters)
        except Exception:
            log.exception("sandbox: %s failed", name)
            return self._error_response(500, "Internal Server Error")
        return web.Response(
            body=_dumps({"ok": True, "result": result}), content_type="application/json"
        )

    def _error_response(
        self, code: int, description: str, parameters: JSON | None = None
    ) -> web.Response:
        self.errors[code] += 1
        return web.Response(
            status=code,
            body=_dumps(_error_body(code, description, parameters)),
            content_type="application/json",
        )

    async def _read_params(self, request: web.Request) -> tuple[JSON, dict[str, Upload]]:
        params: JSON = dict(request.query) if request.query_string else {}
        uploads: dict[str, Upload] = {}
        if request.body_exists:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise _bad("can't parse JSON body") from None
                if not isinstance(body, dict):
                    raise _bad("the JSON body must be an object")
                params.update(body)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        name = value.filename or key
                        uploads[key] = (name, value.file.read(), value.content_type)
                    else:
                        params[key] = value
        for key in _JSON_PARAMS.intersection(params):
            value = params[key]
            if isinstance(value, str):
                try:
                    params[key] = json.loads(value) if value else None
                except ValueError:
                    what = "reply keyboard markup" if key == "reply_markup" else key
                    raise _bad(f"can't parse {what} JSON object") from None
        return params, uploads

    async def _serve_file(self, request: web.Request) -> web.Response:
        self.calls["file"] += 1
        if request.match_info["token"] != self.token:
            return self._error_response(401, "Unauthorized")
        record = self._file_paths.get(request.match_info["path"])
        if record is None:
            return self._error_response(404, "Not Found")
        return web.Response(body=record["content"], content_type=record["mime_type"])

    # ------------------------------------------------------------------ control endpoints

    def _control_routes(self) -> list[tuple[str, str, Callable[[web.Request], Awaitable[Any]]]]:
        """JSON endpoints for a sandbox in another process.

        POST /sandbox/updates  {"messages": [{"chat_id", "text", "user_id"?}...],
                                "callbacks": [{"chat_id", "message_id", "data", "user_id"?}...],
                                "updates": [raw update...]}
        POST /sandbox/faults   {"chat_id", "kind", ...ChatFault fields} or {"clear": true}
        POST /sandbox/reset
        GET  /sandbox/stats
        GET|POST /sandbox/limits  (POST: any RateLimits fields)
        GET  /sandbox/sent?chat_id=N
        """
        return [
            ("POST", "/sandbox/updates", self._control_updates),
            ("POST", "/sandbox/faults", self._control_faults),
            ("POST", "/sandbox/reset", self._control_reset),
            ("GET", "/sandbox/stats", self._control_stats),
            ("GET", "/sandbox/limits", self._control_limits),
            ("POST", "/sandbox/limits", self._control_limits),
            ("GET", "/sandbox/sent", self._control_sent),
        ]

    @staticmethod
    def _json_response(value: Any, status: int = 200) -> web.Response:
        return web.Response(status=status, body=_dumps(value), content_type="application/json")

    async def _control_body(self, request: web.Request) -> JSON:
        if not request.body_exists:
            return {}
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        return body

    async def _control(self, request: web.Request, action: Callable[[JSON], Any]) -> web.Response:
        try:
            body = await self._control_body(request)
            result = action(body)
        except (ValueError, LookupError, TypeError, KeyError) as exc:
            return self._json_response({"ok": False, "description": str(exc)}, status=400)
        return self._json_response({"ok": True, "result": result})

    async def _control_updates(self, request: web.Request) -> web.Response:
        def enqueue(body: JSON) -> JSON:
            ids: list[int] = []
            for item in body.get("messages") or []:
                user_id = item.get("user_id")
                update = self.send_message(
                    int(item["chat_id"]),
                    str(item.get("text", "")),
                    user_id=None if user_id is None else int(user_id),
                )
                ids.append(update["update_id"])
            for item in body.get("callbacks") or []:
                chat_id = int(item["chat_id"])
                message = self._bot_messages.get(chat_id, {}).get(int(item["message_id"]))
                if message is None:
                    raise LookupError(f"no bot message {item['message_id']} in chat {chat_id}")
                user_id = item.get("user_id")
                update = self.click(
                    message,
                    str(item["data"]),
                    user_id=None if user_id is None else int(user_id),
                )
                ids.append(update["update_id"])
            for raw in body.get("updates") or []:
                ids.append(self.enqueue_update(dict(raw))["update_id"])
            return {"queued": len(ids), "update_ids": [ids[0], ids[-1]] if ids else []}

        return await self._control(request, enqueue)

    async def _control_faults(self, request: web.Request) -> web.Response:
        def fault(body: JSON) -> bool:
            if body.get("clear"):
                self.clear_faults()
                return True
            chat_id = int(body.pop("chat_id"))
            self.set_fault(chat_id, ChatFault(**body))
            return True

        return await self._control(request, fault)

    async def _control_reset(self, request: web.Request) -> web.Response:
        def reset(_: JSON) -> bool:
            self.reset()
            return True

        return await self._control(request, reset)

    async def _control_stats(self, request: web.Request) -> web.Response:
        return self._json_response(self.stats())

    async def _control_limits(self, request: web.Request) -> web.Response:
        def limits(body: JSON) -> JSON:
            if body:
                self.limits = dataclasses.replace(self.limits, **body)
            return dataclasses.asdict(self.limits)

        return await self._control(request, limits)

    async def _control_sent(self, request: web.Request) -> web.Response:
        def sent(_: JSON) -> list[JSON]:
            chat_id = int(request.query["chat_id"])
            return [
                {
                    "message_id": m.message_id,
                    "text": m.text,
                    "plain_text": m.plain_text,
                    "parse_mode": m.parse_mode,
                    "reply_markup": m.reply_markup,
                    "edits": m.edits,
                    "deleted": m.deleted,
                    "method": m.method,
                }
                for m in self.sent(chat_id, include_deleted=True)
            ]

        return await self._control(request, sent)

    # ------------------------------------------------------------------ helpers for methods

    def _method_table(self) -> dict[str, tuple[str, Handler]]:
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._ok,
            "close": self._ok,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "setMyName": self._set_my_name,
            "getMyName": self._get_my_name,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "getFile": self._get_file,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "sendChatAction": self._send_chat_action,
            "setChatMenuButton": self._ok,
            "getChatMenuButton": self._get_chat_menu_button,
        }
        return {name.lower(): (name, handler) for name, handler in handlers.items()}

    def _resolve_chat_id(self, value: Any, name: str = "chat_id") -> int:
        if value is None or value == "":
            raise _bad(f"{name} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        if text.startswith("@"):
            chat_id = self._usernames.get(text[1:].lower())
            if chat_id is None:
                raise _bad("chat not found")
            return chat_id
        try:
            return int(text)
        except ValueError:
            raise _bad("chat not found") from None

    def _known_chat(self, chat_id: int) -> JSON:
        chat = self._chats.get(chat_id)
        if chat is not None:
            return chat
        if chat_id > 0:  # any user may have started the bot
            return self.add_chat(chat_id)
        raise _bad("chat not found")

    async def _gate(self, params: JSON, *, limited: bool) -> tuple[int, JSON]:
        """Faults, the chat, the bot's membership and the flood limits of a chat method."""
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        fault = self._faults.get(chat_id)
        if fault is not None:
            await self._apply_fault(chat_id, fault)
        chat = self._known_chat(chat_id)
        members = self._members.get(chat_id)
        if members is not None:
            status = members.get(self.bot_id)
            if status in ("kicked", "left"):
                raise self._not_member(chat, status)
        if limited:
            self._take_rate(chat_id, chat, _bool_param(params, "allow_paid_broadcast"))
        return chat_id, chat

    @staticmethod
    def _not_member(chat: JSON, status: str) -> _ApiError:
        if chat["type"] == "private":
            return _ApiError(403, "Forbidden: bot was blocked by the user")
        kind = "channel" if chat["type"] == "channel" else "group"
        if status == "kicked":
            return _ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        return _ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")

    def _take_rate(self, chat_id: int, chat: JSON, paid: bool) -> None:
        """Count the send in every limit it draws on, or 429 and nothing counted."""
        try:
            self._flood.take(chat_id, chat["type"], paid, _ARRIVAL.get(time.monotonic()))
        except TooFastError as exc:
            retry_after = exc.retry_after
            raise _ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            ) from None

    def _text(self, params: JSON, name: str, limit: int, too_long: str) -> tuple[str, list[JSON]]:
        plain, entities = _render(_str_param(params, name), params.get("parse_mode") or None)
        if utf16_len(plain) > limit:
            raise _bad(too_long)
        return plain, entities

    def _reply_target(self, chat_id: int, params: JSON) -> int | None:
        reply = params.get("reply_parameters")
        allow_missing = _bool_param(params, "allow_sending_without_reply")
        if isinstance(reply, dict) and reply.get("message_id") is not None:
            message_id = int(reply["message_id"])
            if reply.get("chat_id") not in (None, chat_id):
                return None  # a reply into another chat: not tracked
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
        else:
            found = _int_param(params, "reply_to_message_id")
            if found is None:
                return None
            message_id = found
        if self._any_message(chat_id, message_id) is None:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        return message_id

    def _any_message(self, chat_id: int, message_id: int) -> JSON | None:
        """A message of a chat as Telegram shows it, whoever sent it (None if gone)."""
        bot_message = self._bot_messages.get(chat_id, {}).get(message_id)
        if bot_message is not None:
            if bot_message.deleted:
                return None
            return self._message_object(bot_message, with_reply=False)
        message = self._user_messages.get(chat_id, {}).get(message_id)
        if message is not None and "reply_to_message" in message:
            # Telegram nests one level only.
            message = {key: value for key, value in message.items() if key != "reply_to_message"}
        return message

    def _store(
        self,
        chat_id: int,
        method: str,
        params: JSON,
        *,
        text: str,
        plain: str,
        entities: list[JSON],
        markup: JSON | None,
        reply_to: int | None = None,
        document: tuple[str, bytes] | None = None,
        extra: JSON | None = None,
    ) -> SentMessage:
        message = SentMessage(
            message_id=self._next_message_id(chat_id),
            chat_id=chat_id,
            text=text,
            parse_mode=params.get("parse_mode") or None,
            reply_markup=markup,
            date=int(time.time()),
            document=document,
            method=method,
            params=params,
            entities=entities,
            reply_to_message_id=reply_to,
            extra=extra,
        )
        message._plain = plain
        chat_messages = self._bot_messages.get(chat_id)
        if chat_messages is None:
            chat_messages = self._bot_messages[chat_id] = {}
        chat_messages[message.message_id] = message
        self.sent_total += 1
        self._sent_by_chat[chat_id] += 1
        now = time.monotonic()
        if self.first_send_at is None:
            self.first_send_at = now
        self.last_send_at = now
        self._notify()
        return message

    def _message_object(self, message: SentMessage, *, with_reply: bool = True) -> JSON:
        """A bot message as Telegram returns it (current text, markup and edit date)."""
        chat = self._chats[message.chat_id]
        result: JSON = {"message_id": message.message_id}
        if chat["type"] == "channel":
            result["sender_chat"] = chat
        else:
            result["from"] = self._bot_user
        result["chat"] = chat
        result["date"] = message.date
        plain = message.plain_text
        if message.extra is not None:
            result.update(message.extra)
        if message.extra is not None and ("document" in message.extra or "photo" in message.extra):
            if plain:
                result["caption"] = plain
                if message.entities:
                    result["caption_entities"] = message.entities
        else:
            result["text"] = plain
            if message.entities:
                result["entities"] = message.entities
        rows = _inline_rows(message.reply_markup)
        if rows:
            result["reply_markup"] = {"inline_keyboard": rows}
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if with_reply and message.reply_to_message_id is not None:
            target = self._any_message(message.chat_id, message.reply_to_message_id)
            if target is not None:
                result["reply_to_message"] = target
        return result

    def _bot_message(self, chat_id: int, params: JSON, missing: str) -> SentMessage:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")  # inline messages are not simulated
        message_id = _required_int(params, "message_id", "message identifier is not specified")
        message = self._bot_messages.get(chat_id, {}).get(message_id)
        if message is None or message.deleted:
            if message_id in self._user_messages.get(chat_id, {}):
                raise _bad("message can't be edited")
            raise _bad(missing)
        return message

    def _register_file(self, name: str, content: bytes, mime: str | None, folder: str) -> JSON:
        number = next(self._file_ids)
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        suffix = "." + name.rsplit(".", 1)[1] if "." in name else ""
        record: JSON = {
            "file_id": f"BQACAgIAAxkBAAI{number:08d}{self.bot_id}",
            "file_unique_id": f"AgAD{number:06d}",
            "file_size": len(content),
            "file_path": f"{folder}/file_{number}{suffix}",
            "file_name": name,
            "mime_type": mime,
            "content": content,
        }
        self._files[record["file_id"]] = record
        self._file_paths[record["file_path"]] = record
        return record

    @staticmethod
    def _document_object(record: JSON) -> JSON:
        return {
            "file_id": record["file_id"],
            "file_unique_id": record["file_unique_id"],
            "file_name": record["file_name"],
            "mime_type": record["mime_type"],
            "file_size": record["file_size"],
        }

    @staticmethod
    def _photo_object(record: JSON) -> list[JSON]:
        return [
            {
                "file_id": record["file_id"],
                "file_unique_id": record["file_unique_id"],
                "width": 800,
                "height": 600,
                "file_size": record["file_size"],
            }
        ]

    def _input_file(
        self, params: JSON, uploads: dict[str, Upload], name: str, folder: str
    ) -> JSON:
        """The file record of a document/photo parameter: an upload, a file_id or a URL."""
        value = params.get(name)
        upload: Upload | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value[len("attach://") :])
            if upload is None:
                raise _bad(f"there is no {name} in the request")
        elif name in uploads:
            upload = uploads[name]
        if upload is not None:
            file_name, content, mime = upload
            record = self._register_file(file_name, content, mime, folder)
            params[name] = f"upload:{file_name}"
            return record
        if not isinstance(value, str) or not value:
            raise _bad(f"there is no {name} in the request")
        known = self._files.get(value)
        if known is not None:
            return known
        if value.startswith(("http://", "https://")):
            file_name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
            return self._register_file(file_name, b"", None, folder)
        raise _bad("wrong file identifier/HTTP URL specified")

    # ------------------------------------------------------------------ methods

    async def _ok(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        return True

    async def _get_me(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return self._me

    async def _get_updates(self, params: JSON, uploads: dict[str, Upload]) -> list[JSON]:
        offset = _int_param(params, "offset") or 0
        limit = min(100, max(1, _int_param(params, "limit") or 100))
        timeout = max(0.0, _float_param(params, "timeout") or 0.0)
        if self._webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._set_allowed_updates(params)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._take_updates(offset, limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                return batch
            if self._updates_event is None:
                self._updates_event = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._updates_event.wait(), remaining)

    def _set_allowed_updates(self, params: JSON) -> None:
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            if isinstance(allowed, list) and allowed:
                self._allowed_updates = frozenset(str(kind) for kind in allowed)
            elif isinstance(allowed, list) or allowed is None:
                self._allowed_updates = None

    def _allowed(self, update: JSON) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        allowed = self._allowed_updates
        if allowed is None:
            return kind not in _OPT_IN_UPDATES
        return kind in allowed

    def _take_updates(self, offset: int, limit: int) -> list[JSON]:
        queue = self._updates
        if offset > 0:
            while queue and queue[0]["update_id"] < offset:
                queue.popleft()
        elif offset < 0:
            while len(queue) > -offset:
                queue.popleft()
        while queue and not self._allowed(queue[0]):
            queue.popleft()  # never delivered: Telegram drops what the bot did not ask for
        batch: list[JSON] = []
        for update in queue:
            if self._allowed(update):
                batch.append(update)
                if len(batch) >= limit:
                    break
        return batch

    async def _set_webhook(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        url = _str_param(params, "url")
        # Telegram takes HTTPS only; the sandbox also takes plain http on loopback.
        if url and not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = _str_param(params, "secret_token")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise _bad("bad webhook: secret token contains unallowed characters")
        self._webhook_url = url
        self._webhook_secret = secret
        self._webhook_connections = min(100, max(1, _int_param(params, "max_connections") or 40))
        self._set_allowed_updates(params)
        if _bool_param(params, "drop_pending_updates"):
            self._updates.clear()
        if url and (self._pusher is None or self._pusher.done()):
            self._pusher = asyncio.create_task(self._push_updates())
        self._wake_pollers()
        return True

    async def _push_updates(self) -> None:
        """Deliver the queue to the webhook as Telegram does: a JSON POST per update with the
        secret in X-Telegram-Bot-Api-Secret-Token, at most max_connections at once; an update
        leaves the queue when answered 2xx and is tried again later otherwise."""
        in_flight: set[int] = set()
        tasks: set[asyncio.Task[None]] = set()
        async with aiohttp.ClientSession() as http:
            try:
                while self._webhook_url and not self._closing:
                    slots = self._webhook_connections - len(in_flight)
                    due = [
                        update
                        for update in self._take_updates(0, 100)
                        if update["update_id"] not in in_flight
                    ][: max(0, slots)]
                    if not due:
                        if self._updates_event is None:
                            self._updates_event = asyncio.Event()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._updates_event.wait(), 0.2)
                        continue
                    for update in due:
                        in_flight.add(update["update_id"])
                        task = asyncio.create_task(self._post_update(http, update, in_flight))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
            finally:
                for task in tasks:
                    task.cancel()

    async def _post_update(
        self, http: aiohttp.ClientSession, update: JSON, in_flight: set[int]
    ) -> None:
        headers = {"Content-Type": "application/json"}
        if self._webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook_secret
        delivered = False
        try:
            async with http.post(
                self._webhook_url,
                data=_dumps(update),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=60),
            ) as response:
                delivered = 200 <= response.status < 300
                self.webhook_answers.append(response.status)
                self._notify()
        except (aiohttp.ClientError, TimeoutError):
            pass
        try:
            if delivered:
                with contextlib.suppress(ValueError):
                    self._updates.remove(update)
                self._wake_pollers()  # the next one may go
            else:
                await asyncio.sleep(0.2)  # then tried again
        finally:
            in_flight.discard(update["update_id"])

    async def _delete_webhook(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        self._webhook_url = ""
        self._wake_pollers()  # the pusher stops
        if _bool_param(params, "drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "max_connections": self._webhook_connections,
            "pending_update_count": len(self._updates),
        }

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope")
        scope_type = "default"
        if isinstance(scope, dict):
            scope_type = str(scope.get("type") or "default")
            # Scopes of one chat (or one member of it) are told apart by their ids:
            # ("chat:501", "en"), ("chat_member:-100500:501", "").
            if scope_type in ("chat", "chat_administrators", "chat_member"):
                if "chat_id" not in scope:
                    raise _bad("can't parse BotCommandScope JSON object")
                chat_id = scope["chat_id"]
                if isinstance(chat_id, int) and chat_id not in self._chats:
                    raise _bad("chat not found")
                scope_type += f":{chat_id}"
                if scope_type.startswith("chat_member:"):
                    scope_type += f":{scope.get('user_id')}"
        elif scope not in (None, ""):
            raise _bad("can't parse BotCommandScope JSON object")
        return scope_type, _str_param(params, "language_code")

    async def _set_my_commands(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            name = command.get("command")
            if not isinstance(name, str) or not _BOT_COMMAND_NAME.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self.commands[key] = [dict(command) for command in commands]
        else:
            self.commands.pop(key, None)
        self._notify()
        return True

    async def _delete_my_commands(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        self.commands.pop(self._commands_key(params), None)
        self._notify()
        return True

    async def _get_my_commands(self, params: JSON, uploads: dict[str, Upload]) -> list[JSON]:
        return self.commands.get(self._commands_key(params), [])

    def _set_text_setting(self, params: JSON, name: str, limit: int) -> bool:
        value = _str_param(params, name)
        if len(value) > limit:
            raise _bad(f"{name.upper()}_INVALID")
        self._descriptions[(name, _str_param(params, "language_code"))] = value
        return True

    def _get_text_setting(self, params: JSON, name: str) -> JSON:
        language = _str_param(params, "language_code")
        value = self._descriptions.get((name, language))
        if value is None:
            value = self._descriptions.get((name, ""), "")
        if name == "name" and not value:
            value = self.bot_name
        return {name: value}

    async def _set_my_description(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        return self._set_text_setting(params, "description", 512)

    async def _get_my_description(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return self._get_text_setting(params, "description")

    async def _set_my_short_description(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        return self._set_text_setting(params, "short_description", 120)

    async def _get_my_short_description(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return self._get_text_setting(params, "short_description")

    async def _set_my_name(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        return self._set_text_setting(params, "name", 64)

    async def _get_my_name(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return self._get_text_setting(params, "name")

    async def _send_message(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id, _ = await self._gate(params, limited=True)
        plain, entities = self._text(params, "text", TEXT_LIMIT, "message is too long")
        if not plain:
            raise _bad("message text is empty")
        markup = _check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat_id, params)
        message = self._store(
            chat_id,
            "sendMessage",
            params,
            text=_str_param(params, "text"),
            plain=plain,
            entities=entities,
            markup=markup,
            reply_to=reply_to,
        )
        return self._message_object(message)

    async def _send_file(self, params: JSON, uploads: dict[str, Upload], kind: str) -> JSON:
        chat_id, _ = await self._gate(params, limited=True)
        plain, entities = self._text(
            params, "caption", CAPTION_LIMIT, "message caption is too long"
        )
        markup = _check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat_id, params)
        extra: JSON
        if kind == "photo":
            record = self._input_file(params, uploads, "photo", "photos")
            extra = {"photo": self._photo_object(record)}
            method = "sendPhoto"
        else:
            record = self._input_file(params, uploads, "document", "documents")
            extra = {"document": self._document_object(record)}
            method = "sendDocument"
        message = self._store(
            chat_id,
            method,
            params,
            text=_str_param(params, "caption"),
            plain=plain,
            entities=entities,
            markup=markup,
            reply_to=reply_to,
            document=(record["file_name"], record["content"]),
            extra=extra,
        )
        return self._message_object(message)

    async def _send_document(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return await self._send_file(params, uploads, "document")

    async def _send_photo(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return await self._send_file(params, uploads, "photo")

    async def _edit_message_text(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id, _ = await self._gate(params, limited=True)
        message = self._bot_message(chat_id, params, "message to edit not found")
        if message.extra is not None and ("document" in message.extra or "photo" in message.extra):
            raise _bad("there is no text in the message to edit")
        plain, entities = self._text(params, "text", TEXT_LIMIT, "message is too long")
        if not plain:
            raise _bad("message text is empty")
        markup = _check_markup(params.get("reply_markup"))
        return self._apply_edit(
            message, params, _str_param(params, "text"), plain, entities, markup
        )

    async def _edit_message_caption(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id, _ = await self._gate(params, limited=True)
        message = self._bot_message(chat_id, params, "message to edit not found")
        if message.extra is None or not ("document" in message.extra or "photo" in message.extra):
            raise _bad("there is no caption in the message to edit")
        plain, entities = self._text(
            params, "caption", CAPTION_LIMIT, "message caption is too long"
        )
        markup = _check_markup(params.get("reply_markup"))
        return self._apply_edit(
            message, params, _str_param(params, "caption"), plain, entities, markup
        )

    def _apply_edit(
        self,
        message: SentMessage,
        params: JSON,
        text: str,
        plain: str,
        entities: list[JSON],
        markup: JSON | None,
    ) -> JSON:
        if (
            plain == message.plain_text
            and entities == message.entities
            and _inline_rows(markup) == _inline_rows(message.reply_markup)
        ):
            raise _bad(_NOT_MODIFIED)
        message.text = text
        message.parse_mode = params.get("parse_mode") or None
        message._plain = plain
        message.entities = entities
        message.reply_markup = markup  # an edit without reply_markup drops the keyboard
        message.edits += 1
        message.edit_date = int(time.time())
        self._notify()
        return self._message_object(message)

    async def _edit_message_reply_markup(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id, _ = await self._gate(params, limited=True)
        message = self._bot_message(chat_id, params, "message to edit not found")
        markup = _check_markup(params.get("reply_markup"))
        if _inline_rows(markup) == _inline_rows(message.reply_markup):
            raise _bad(_NOT_MODIFIED)
        message.reply_markup = markup
        message.edits += 1
        message.edit_date = int(time.time())
        self._notify()
        return self._message_object(message)

    def _delete_one(self, chat_id: int, message_id: int) -> bool:
        message = self._bot_messages.get(chat_id, {}).get(message_id)
        if message is not None and not message.deleted:
            message.deleted = True
            return True
        user_messages = self._user_messages.get(chat_id)
        if user_messages is not None and message_id in user_messages:
            del user_messages[message_id]
            return True
        return False

    async def _delete_message(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        chat_id, _ = await self._gate(params, limited=False)
        message_id = _required_int(params, "message_id", "message identifier is not specified")
        if not self._delete_one(chat_id, message_id):
            raise _bad("message to delete not found")
        self._notify()
        return True

    async def _delete_messages(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        chat_id, _ = await self._gate(params, limited=False)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad("message_ids must be a list of 1-100 message identifiers")
        for message_id in ids:
            self._delete_one(chat_id, int(message_id))
        self._notify()
        return True

    async def _answer_callback_query(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        query_id = _str_param(params, "callback_query_id")
        if query_id not in self._open_queries:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        if len(_str_param(params, "text")) > CALLBACK_ANSWER_LIMIT:
            raise _bad("MESSAGE_TOO_LONG")
        self._open_queries.discard(query_id)
        self.callback_answers.append(params)
        self._notify()
        return True

    def _source_message(self, params: JSON, missing: str) -> tuple[int, JSON, SentMessage | None]:
        """The message copyMessage/forwardMessage takes: its chat, object and bot record."""
        from_chat_id = self._resolve_chat_id(params.get("from_chat_id"), "from_chat_id")
        message_id = _required_int(params, "message_id", "message identifier is not specified")
        bot_message = self._bot_messages.get(from_chat_id, {}).get(message_id)
        if bot_message is not None and not bot_message.deleted:
            return from_chat_id, self._message_object(bot_message), bot_message
        user_message = self._user_messages.get(from_chat_id, {}).get(message_id)
        if user_message is None:
            raise _bad(missing)
        return from_chat_id, user_message, None

    def _copy_content(
        self, source: JSON, bot_source: SentMessage | None
    ) -> tuple[str, str | None, str, list[JSON], tuple[str, bytes] | None, JSON | None]:
        """text, parse mode, plain text, entities, document and extra of a copied message."""
        if bot_source is not None:
            return (
                bot_source.text,
                bot_source.parse_mode,
                bot_source.plain_text,
                list(bot_source.entities),
                bot_source.document,
                dict(bot_source.extra) if bot_source.extra else None,
            )
        extra: JSON | None = None
        document: tuple[str, bytes] | None = None
        for kind in ("document", "photo"):
            if kind in source:
                extra = {kind: source[kind]}
                obj = source[kind][-1] if kind == "photo" else source[kind]
                record = self._files.get(obj["file_id"])
                if record is not None:
                    document = (record["file_name"], record["content"])
        text = str(source.get("text") or source.get("caption") or "")
        entities = list(source.get("entities") or source.get("caption_entities") or [])
        return text, None, text, entities, document, extra

    async def _copy_message(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id, _ = await self._gate(params, limited=True)
        _, source, bot_source = self._source_message(params, "message to copy not found")
        text, parse_mode, plain, entities, document, extra = self._copy_content(source, bot_source)
        if "caption" in params:
            plain, entities = self._text(
                params, "caption", CAPTION_LIMIT, "message caption is too long"
            )
            text, parse_mode = _str_param(params, "caption"), params.get("parse_mode") or None
        markup = _check_markup(params.get("reply_markup"))
        message = self._store(
            chat_id,
            "copyMessage",
            params,
            text=text,
            plain=plain,
            entities=entities,
            markup=markup,
            reply_to=self._reply_target(chat_id, params),
            document=document,
            extra=extra,
        )
        message.parse_mode = parse_mode
        return {"message_id": message.message_id}

    async def _forward_message(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id, _ = await self._gate(params, limited=True)
        from_chat_id, source, bot_source = self._source_message(
            params, "message to forward not found"
        )
        text, parse_mode, plain, entities, document, extra = self._copy_content(source, bot_source)
        origin_chat = self._chats.get(from_chat_id, {})
        origin: JSON
        if origin_chat.get("type") == "channel":
            origin = {
                "type": "channel",
                "chat": origin_chat,
                "message_id": source["message_id"],
                "date": source["date"],
            }
        else:
            sender = source.get("from") or self._bot_user
            origin = {"type": "user", "sender_user": sender, "date": source["date"]}
        extra = {**(extra or {}), "forward_origin": origin}
        message = self._store(
            chat_id,
            "forwardMessage",
            params,
            text=text,
            plain=plain,
            entities=entities,
            markup=None,
            document=document,
            extra=extra,
        )
        message.parse_mode = parse_mode
        return self._message_object(message)

    async def _get_file(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        record = self._files.get(_str_param(params, "file_id"))
        if record is None:
            raise _bad("invalid file_id")
        return {
            "file_id": record["file_id"],
            "file_unique_id": record["file_unique_id"],
            "file_size": record["file_size"],
            "file_path": record["file_path"],
        }

    async def _get_chat(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat = self._known_chat(self._resolve_chat_id(params.get("chat_id")))
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _status(self, chat_id: int, user_id: int) -> str:
        return self._members.get(chat_id, {}).get(user_id, "member")

    async def _get_chat_member(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        self._known_chat(chat_id)
        user_id = _required_int(params, "user_id", "user not found")
        return _member(self._user(user_id), self._status(chat_id, user_id))

    async def _get_chat_administrators(
        self, params: JSON, uploads: dict[str, Upload]
    ) -> list[JSON]:
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        chat = self._known_chat(chat_id)
        if chat["type"] == "private":
            raise _bad("there are no administrators in the private chat")
        return [
            _member(self._user(user_id), status)
            for user_id, status in self._members.get(chat_id, {}).items()
            if status in ("creator", "administrator")
        ]

    async def _get_chat_member_count(self, params: JSON, uploads: dict[str, Upload]) -> int:
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        chat = self._known_chat(chat_id)
        if chat["type"] == "private":
            return 2
        members = self._members.get(chat_id, {})
        count = sum(
            1
            for status in members.values()
            if status in ("creator", "administrator", "member", "restricted")
        )
        if self.bot_id not in members:
            count += 1
        return max(1, count)

    async def _send_chat_action(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        await self._gate(params, limited=False)
        return True

    async def _get_chat_menu_button(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return {"type": "default"}


# ---------------------------------------------------------------------- standalone process


async def serve(host: str, port: int, *, limits: RateLimits, token: str) -> None:
    """Run a sandbox until SIGTERM/SIGINT, announcing `SANDBOX READY <url>` on stdout."""
    sandbox = BotAPISandbox(token, limits=limits)
    await sandbox.start(host, port)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stopping.set)
    print(f"SANDBOX READY {sandbox.base_url}", flush=True)
    try:
        await stopping.wait()
    finally:
        await sandbox.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.server",
        description="A fake Telegram Bot API server (the Visnyk sandbox).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0: any free port")
    parser.add_argument(
        "--limits",
        choices=("on", "lenient", "off"),
        default="on",
        help="Telegram's flood limits: on (strict sliding windows), lenient (token buckets), off",
    )
    parser.add_argument("--token", default=SANDBOX_TOKEN)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        limits = RateLimits(enabled=args.limits != "off", strict=args.limits != "lenient")
        asyncio.run(serve(args.host, args.port, limits=limits, token=args.token))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
