"""The sandbox's state: users, chats and members, and everything reset() forgets."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import itertools
import logging
from typing import Any

from aiohttp import web

from sandbox.feed import SampleFeed
from sandbox.limits import FloodControl, RateLimits
from sandbox.records import (
    CHAT_TYPES,
    FAULT_KINDS,
    JSON,
    MEMBER_STATUSES,
    SANDBOX_TOKEN,
    ChatFault,
    Handler,
    SentMessage,
    _ApiError,
    _bad,
    _GatewayError,
)

log = logging.getLogger(__name__)


class SandboxState:
    """What the fake Telegram knows: users, chats, messages, updates, counters."""

    def __init__(
        self,
        token: str = SANDBOX_TOKEN,
        *,
        limits: RateLimits | None = None,
        bot_id: int = 123456,
        bot_username: str = "visnyk_sandbox_bot",
        bot_name: str = "Visnyk",
        feed_interval: float = 60.0,
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
        self.feed = SampleFeed(feed_interval)  # served at /feeds/sample.xml
        self.in_flight = 0  # Bot API requests being handled, but for long polls waiting
        self._released = asyncio.Event()  # what "hold" faults wait for
        self.held = 0  # requests a "hold" fault keeps waiting now
        self._activity = 0  # counts every change quiet() watches: requests, updates
        self._methods: dict[str, tuple[str, Handler]] = {}  # the API, name -> handler
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

    def release(self, *, later_too: bool = True) -> None:
        """Let every request a "hold" fault keeps go on, and those it keeps later too (or,
        `later_too=False`, only those held now: later ones are held until the next release)."""
        released = self._released
        if not later_too:
            self._released = asyncio.Event()
        released.set()

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
        elif kind == "hold":
            self.held += 1
            self._notify()  # a test may wait for the request to be held
            try:
                await self._released.wait()
            finally:
                self.held -= 1
        elif kind == "blocked":
            raise _ApiError(403, "Forbidden: bot was blocked by the user" + fault.detail)
        elif kind == "deactivated":
            raise _ApiError(403, "Forbidden: user is deactivated" + fault.detail)
        elif kind == "kicked":
            raise _ApiError(403, "Forbidden: bot was kicked from the group chat" + fault.detail)
        elif kind == "not_found":
            raise _bad("chat not found" + fault.detail)
        elif kind == "migrate":
            target = fault.migrate_to_chat_id or int(f"-100{abs(chat_id)}")
            raise _ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": target},
            )
        elif kind == "server_error":
            raise _ApiError(500, "Internal Server Error" + fault.detail)
        elif kind == "bad_gateway":
            raise _GatewayError
        elif kind == "flood":
            retry_after = max(1, int(fault.retry_after))
            raise _ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        else:
            raise ValueError(f"unknown fault kind {kind!r}")
