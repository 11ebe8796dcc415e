"""Router-level dependencies: objects built with a router tree, handed to its handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.types import TelegramObject


class Provide(BaseMiddleware):
    """Puts the given values into the handler data, so handlers name them as parameters."""

    def __init__(self, **values: Any) -> None:
        self._values = values

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data.update(self._values)
        return await handler(event, data)


def provide(router: Router, **values: Any) -> None:
    """Make `values` dependencies of the router's message, post and button handlers."""
    middleware = Provide(**values)
    for observer in (router.message, router.channel_post, router.callback_query):
        observer.middleware(middleware)
