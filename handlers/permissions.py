"""Who may change a chat's subscriptions: anyone in a private chat, only admins elsewhere.

Telegram is asked (getChatMember) and its answer kept briefly, so that a burst of button
presses costs one request. The cache lives in an `AdminCheck` built with the router tree and
handed to handlers as the `admin_check` dependency, never in a module global.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aiogram import Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, User

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR})


class AdminCheck:
    """Answers "may this user change this chat?", asking Telegram at most once per TTL.

    A "yes" is kept for `ttl` seconds; a "no" for less (`refusal_ttl`), so that someone
    promoted a moment ago is not refused for long.
    """

    def __init__(
        self,
        *,
        ttl: float = 60.0,
        refusal_ttl: float = 10.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._refusal_ttl = refusal_ttl
        self._max_entries = max_entries
        self._clock = clock
        self._answers: dict[tuple[int, int], tuple[float, bool]] = {}  # -> (expires, admin)

    def __len__(self) -> int:
        """How many answers are kept: never more than `max_entries`."""
        return len(self._answers)

    async def may_change(
        self, bot: Bot, chat: Chat, user: User | None, sender_chat: Chat | None = None
    ) -> bool:
        """True in private chats, for posts on behalf of the chat itself, and for its admins."""
        if chat.type == ChatType.PRIVATE:
            return True
        # An anonymous group admin, or a channel post: the chat speaks for itself.
        if sender_chat is not None and sender_chat.id == chat.id:
            return True
        if user is None or user.is_bot:
            return False
        return await self.is_admin(bot, chat.id, user.id)

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        key = (chat_id, user_id)
        now = self._clock()
        cached = self._answers.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramAPIError as exc:
            # Not cached: the next press asks again.
            log.warning("getChatMember %s/%s failed: %s", chat_id, user_id, exc)
            return False
        admin = member.status in ADMIN_STATUSES
        self._remember(key, admin, now)
        return admin

    def _remember(self, key: tuple[int, int], admin: bool, now: float) -> None:
        if len(self._answers) >= self._max_entries:
            self._answers = {k: v for k, v in self._answers.items() if v[0] > now}
            if len(self._answers) >= self._max_entries:
                self._answers.clear()
        self._answers[key] = (now + (self._ttl if admin else self._refusal_ttl), admin)
