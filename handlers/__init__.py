"""The bot's routers, composed in one explicit order."""

from __future__ import annotations

from aiogram import Router

from handlers import errors, fallback, news, restricted, start


def build_router() -> Router:
    """A fresh router tree (a router can belong to only one dispatcher)."""
    root = Router(name="handlers")
    root.include_routers(
        errors.router(),  # exceptions from any handler below
        start.router(),  # /start, /help
        news.router(),  # /latest, /region and their buttons
        restricted.router(),  # privileged commands and those still to come
        fallback.router(),  # last: whatever nobody else took, in private chats
    )
    return root
