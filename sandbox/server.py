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

    python -m sandbox --port 8081 [--limits on|lenient|off] [--token TOKEN]

prints `SANDBOX READY http://127.0.0.1:8081` and serves until SIGTERM/SIGINT; control endpoints
live under /sandbox/ (see `BotAPISandbox._control_routes`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import Any

from sandbox.http import Served
from sandbox.limits import RateLimits
from sandbox.records import (
    SANDBOX_TOKEN,
    ChatFault,
    Handler,
    SentMessage,
)

__all__ = [
    "SANDBOX_TOKEN",
    "BotAPISandbox",
    "ChatFault",
    "RateLimits",
    "SentMessage",
    "main",
]


class BotAPISandbox(Served):
    """The fake Bot API: an aiohttp server plus the state tests drive and observe."""

    def __init__(self, token: str = SANDBOX_TOKEN, **options: Any) -> None:
        super().__init__(token, **options)
        self._methods = self._method_table()

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
        prog="python -m sandbox",
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
