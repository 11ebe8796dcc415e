"""How many updates the bot is handling right now: an outer middleware that counts them.

The demo and the tests wait until this is 0 (and the sandbox is quiet) to know the bot is done
answering; nothing else in the bot reads it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import TelegramObject


class UpdatesInHand:
    def __init__(self) -> None:
        self.count = 0

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        self.count += 1
        try:
            return await handler(event, data)
        finally:
            self.count -= 1
