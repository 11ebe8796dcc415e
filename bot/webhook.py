"""The webhook's request handler: aiogram's, calm under garbage.

aiogram's SimpleRequestHandler compares the secret header with `secrets.compare_digest` on
strings, which raises TypeError for non-ASCII text (a 500 and a traceback for anyone who sends
one), and lets a body that is not an update raise out of the request (a 500 and a traceback).
Here a wrong secret of any kind is a 401, and a malformed body with the right secret (not
JSON, not an update, wrong types, integers beyond 64 bits, no kind of update aiogram knows) is
answered 200 with one warning line that repeats nothing of what was sent.

Why 200 and not 400: only Telegram knows the secret, and Telegram repeats an update answered
with anything but 2xx, again and again, while the updates behind it wait. The same bytes would
fail the same way every time, so the update is acknowledged and dropped, and the warning says
so.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

log = logging.getLogger(__name__)


class WebhookHandler(SimpleRequestHandler):
    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        if not self.secret_token:
            return True
        # Bytes: compare_digest refuses strings with non-ASCII characters. aiohttp decodes
        # header bytes with surrogateescape, so this gives back exactly what was sent.
        sent = telegram_secret_token.encode("utf-8", "surrogateescape")
        return hmac.compare_digest(sent, self.secret_token.encode())

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            document = await request.json(loads=bot.session.json_loads)
            if _oversized_integer(document):
                # Telegram's integers fit in 64 bits; SQLite's do too, and no larger one
                # should get as far as a handler.
                raise ValueError("an integer beyond 64 bits")
            update = Update.model_validate(document, context={"bot": bot})
            update.event_type  # noqa: B018 (raises UpdateTypeLookupError for no known kind)
        # Not JSON, not UTF-8 (or an unknown charset), nested too deep, not an update, or an
        # update of no kind this aiogram knows.
        except (ValueError, LookupError, RecursionError) as exc:
            log.warning(
                "dropped a malformed update (%s bytes): %s",
                request.content_length,
                _reason(exc),
            )
            return web.json_response({})
        result: TelegramMethod[Any] | None = await self.dispatcher.feed_webhook_update(
            bot, update, **self.data
        )
        return web.Response(body=self._build_response_writer(bot=bot, result=result))


_INT64 = range(-(2**63), 2**63)


def _oversized_integer(document: object) -> bool:
    """Whether the parsed JSON holds an integer that does not fit in 64 bits."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, int) and value not in _INT64:
            return True
    return False


def _reason(exc: Exception) -> str:
    """What was wrong, in one line and without the values sent (they may be private)."""
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "update"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"{where}: {error['msg']}{more}"
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
