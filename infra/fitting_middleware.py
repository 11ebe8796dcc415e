"""Nothing the bot sends is over Telegram's limits on size.

A request middleware on the bot's session (`build_bot` adds it first, so that each part of a
split message goes through the others, retries included), applying `domain.fitting`:

- `sendMessage` (aiogram's `SendMessage` and our `SendText` alike): a text over 4,096 goes as
  several messages, split at line boundaries; the keyboard is on the last, a reply on the
  first, and the caller gets the last one back (the one with the buttons, the one to edit);
- `editMessageText`: cut with "…" (an edit cannot become two messages);
- captions: cut with "…" to 1,024; a callback query's answer to 200.

Whatever the caller wrote, Telegram would refuse it whole ("message is too long"); here it is
delivered, and a log line names the method, since a text that long usually means a list that
should have been paged. Texts with explicit entities or another parse mode than HTML are left
alone (the bot sends neither); parts of a split are at most `max_parts`, the last one cut.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from domain.fitting import CAPTION_LIMIT, TEXT_LIMIT, cut_text, split_text

log = logging.getLogger(__name__)

CALLBACK_ANSWER_LIMIT = 200
_REPLY_FIELDS = ("reply_parameters", "reply_to_message_id")


class FitMiddleware(BaseRequestMiddleware):
    def __init__(self, *, max_parts: int = 10) -> None:
        self.max_parts = max_parts

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        if name == "sendMessage":
            is_html = _is_html(bot, method, "entities")
            text = getattr(method, "text", None)
            if is_html is not None and isinstance(text, str):
                parts = self._split(text, is_html)
                if len(parts) > 1:
                    log.info("%s: a text of %d parts", name, len(parts))
                    return await self._send_parts(make_request, bot, method, parts)
        elif name == "editMessageText":
            method = _cut(bot, method, "text", "entities", TEXT_LIMIT)
        elif name == "answerCallbackQuery":
            text = getattr(method, "text", None)
            if isinstance(text, str):
                fitted = cut_text(text, CALLBACK_ANSWER_LIMIT, is_html=False)
                if fitted != text:
                    method = method.model_copy(update={"text": fitted})
        elif isinstance(getattr(method, "caption", None), str):
            method = _cut(bot, method, "caption", "caption_entities", CAPTION_LIMIT)
        return await make_request(bot, method)

    def _split(self, text: str, is_html: bool) -> list[str]:
        parts = split_text(text, TEXT_LIMIT, is_html=is_html)
        if len(parts) > self.max_parts:
            rest = "\n".join(parts[self.max_parts - 1 :])
            parts = [*parts[: self.max_parts - 1], cut_text(rest, TEXT_LIMIT, is_html=is_html)]
        return parts

    async def _send_parts(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
        parts: list[str],
    ) -> Response[TelegramType]:
        last = len(parts) - 1
        response: Response[TelegramType] | None = None
        for number, part in enumerate(parts):
            update: dict[str, Any] = {"text": part}
            if number > 0:  # a reply is the first part's
                update.update({field: None for field in _REPLY_FIELDS if hasattr(method, field)})
            if number < last:  # the keyboard goes under the whole text
                update["reply_markup"] = None
            response = await make_request(bot, method.model_copy(update=update))
        assert response is not None
        return response


def _is_html(bot: Bot, method: TelegramMethod[Any], entities: str) -> bool | None:
    """True: HTML; False: plain text; None: not ours to touch (entities, Markdown)."""
    if getattr(method, entities, None):
        return None
    mode = getattr(method, "parse_mode", None)
    if isinstance(mode, Default):
        mode = bot.default[mode.name]
    if mode is None:
        return False
    # aiogram's ParseMode is a str Enum whose str() is "ParseMode.HTML": compare its value.
    return True if str(getattr(mode, "value", mode)).lower() == "html" else None


def _cut(
    bot: Bot, method: TelegramMethod[TelegramType], field: str, entities: str, limit: int
) -> TelegramMethod[TelegramType]:
    text = getattr(method, field, None)
    is_html = _is_html(bot, method, entities)
    if not isinstance(text, str) or is_html is None:
        return method
    fitted = cut_text(text, limit, is_html=is_html)
    if fitted == text:
        return method
    log.info("%s: %s cut to %d characters", method.__api_method__, field, limit)
    return method.model_copy(update={field: fitted})
