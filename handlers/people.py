"""Who is who: the names of users, for the audit log and /roles.

A user's Telegram name (first and last) is kept when they introduce themselves with /start in
a private chat (handlers.start), and, by an outer middleware here, whenever an admin, editor
or coordinator writes or presses a button in a private chat, since what staff do is audited.
The store writes a name only when it is new or changed, so an ordinary message costs no write;
nobody's name is kept from groups and channels, and /stop forgets it.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message, TelegramObject

from infra.settings import Settings
from storage.repositories import Storage
from storage.roles import Role


class RememberNames(BaseMiddleware):
    """Staff's names, as they write to the bot in private."""

    def __init__(self, store: Storage, settings: Settings) -> None:
        self._store = store
        self._settings = settings

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat = None
        if isinstance(event, Message):
            chat = event.chat
        elif isinstance(event, CallbackQuery) and event.message is not None:
            chat = event.message.chat
        user = getattr(event, "from_user", None)
        private = chat is not None and chat.type == ChatType.PRIVATE
        if private and user is not None and await self._is_staff(user.id):
            await self._store.people.seen(user.id, user.full_name)
        return await handler(event, data)

    async def _is_staff(self, user_id: int) -> bool:
        if self._settings.is_admin(user_id):
            return True
        # Roles are cached in memory once read (storage.roles.RolesRepo).
        for role in Role:
            if await self._store.roles.regions(user_id, role):
                return True
        return False

    def setup(self, dispatcher: Dispatcher) -> None:
        dispatcher.message.outer_middleware(self)
        dispatcher.callback_query.outer_middleware(self)


def person(user_id: int, names: dict[int, str]) -> str:
    """A user as the audit log shows them, escaped for HTML: «Олена Петренко (3001)», or the
    id alone when the bot has not seen the user."""
    name = names.get(user_id)
    return f"{html.escape(name)} ({user_id})" if name else str(user_id)


async def names_of(store: Storage, user_ids: Iterable[int]) -> dict[int, str]:
    return await store.people.names(user_ids)
