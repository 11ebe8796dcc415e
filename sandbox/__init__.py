"""A fake Telegram Bot API: an aiohttp server that any aiogram project can test against.

The real aiogram client, unpatched, talks to it over loopback:

    async with BotAPISandbox() as sandbox:
        bot = Bot(SANDBOX_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(
            sandbox.base_url)))

It answers like Telegram (the same JSON shapes, error descriptions and codes), validates what
Telegram validates (HTML entities, lengths, keyboards, callback data), enforces Telegram's flood
limits (`RateLimits`; strict sliding windows by default) and injects per-chat faults
(`ChatFault`: blocked users, migrated groups, 5xx, floods, delays, holds).

The public surface, all a test needs:

- `BotAPISandbox(token=SANDBOX_TOKEN, *, limits=None, feed_interval=60.0)`: `start()`/`stop()`
  or `async with`; `base_url`.
  - acting as users: `add_user`, `add_chat`, `set_member`, `send_message`, `channel_post`,
    `click` (any callback data), `press` (a button by its label), `my_chat_member`,
    `enqueue_update`;
  - observing the bot: `sent(chat_id)` -> `SentMessage`s, `wait_for`, `wait_until`,
    `last_message_id`, `delivered_counts`, `arrivals`, `stats()`, `callback_answers`,
    `commands`, `calls`, `errors`;
  - knowing when the bot is done: `quiet(settle, timeout)` (every update taken, no request
    in flight, for `settle` seconds), `in_flight`, `pending_updates`;
  - a sample RSS feed that gains a headline every `feed_interval` seconds:
    `sample_feed_url` (ETag and Last-Modified answered with 304);
  - faults and limits: `set_fault`, `clear_faults`, `release` and `held` (for "hold"
    faults), `limits`, `reset`.
- `SentMessage`: what the bot sent to a chat (`text`, `plain_text`, `buttons`, `edits`,
  `deleted`, ...).
- `ChatFault`, `RateLimits`, `SANDBOX_TOKEN`.

Standalone (benchmarks run it in its own process): `python -m sandbox --port 8081
[--limits on|lenient|off]` prints `SANDBOX READY <url>`; control endpoints live under
/sandbox/.

Inside, one class per concern, each built on the one before: `state` (users, chats, faults),
`messages` (how messages are stored and rendered), `driving` (acting as users, observing),
`updates` (getUpdates, webhooks), `methods` (the Bot API methods), `http` (serving, control
endpoints), `server` (the method table, the standalone process); `records`, `html`, `limits`
and `feed` hold what they share.
"""

from sandbox.limits import RateLimits
from sandbox.server import SANDBOX_TOKEN, BotAPISandbox, ChatFault, SentMessage

__all__ = ["SANDBOX_TOKEN", "BotAPISandbox", "ChatFault", "RateLimits", "SentMessage"]
