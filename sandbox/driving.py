"""Acting as users (messages, clicks, membership changes), observing what the bot did, and
injecting faults."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from sandbox.messages import MessageStore
from sandbox.records import (
    JSON,
    MEMBER_STATUSES,
    SentMessage,
    _command_entities,
    _member,
)

log = logging.getLogger(__name__)


class Driving(MessageStore):
    """The side tests see: users act, the bot's messages are observed, faults are set."""

    # ------------------------------------------------------------------ driving (updates)

    def enqueue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update for getUpdates (an update_id is assigned when missing)."""
        update_id = update.get("update_id")
        if update_id is None:
            update_id = update["update_id"] = self._next_update_id
        # Ids keep increasing, past explicit ones too.
        self._next_update_id = max(self._next_update_id, int(update_id) + 1)
        self._updates.append(update)
        self._activity += 1
        self._wake_pollers()
        return update

    def _push(self, kind: str, payload: JSON) -> JSON:
        return self.enqueue_update({"update_id": self._next_update_id, kind: payload})

    def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        reply_to_message_id: int | None = None,
        document: tuple[str, bytes] | None = None,
        photo: tuple[str, bytes] | None = None,
    ) -> dict[str, Any]:
        """A user writes `text` in a chat; with `document` or `photo` ((file name, content)):
        a file or a photo with that caption. The photo's file_id is then one the bot may
        send again (`sendPhoto`)."""
        chat = self._ensure_chat(chat_id)
        if user_id is None:
            if chat["type"] != "private":
                raise ValueError(f"user_id is required for a message in {chat['type']} {chat_id}")
            user_id = chat_id
        target: JSON | None = None
        if reply_to_message_id is not None:
            target = self._any_message(chat_id, reply_to_message_id)
            if target is None:
                raise LookupError(f"no message {reply_to_message_id} in chat {chat_id}")
        message_id = self._next_message_id(chat_id)
        message: JSON = {
            "message_id": message_id,
            "from": self._user(user_id),
            "chat": chat,
            "date": int(time.time()),
        }
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        entities = _command_entities(text)
        if document is not None or photo is not None:
            if photo is not None:
                name, content = photo
                record = self._register_file(name, content, None, "photos")
                message["photo"] = self._photo_object(record)
            else:
                assert document is not None
                name, content = document
                record = self._register_file(name, content, None, "documents")
                message["document"] = self._document_object(record)
            if text:
                message["caption"] = text
                if entities:
                    message["caption_entities"] = entities
        else:
            message["text"] = text
            if entities:
                message["entities"] = entities
        if target is not None:
            message["reply_to_message"] = target
        self._user_messages.setdefault(chat_id, {})[message_id] = message
        return self._push("message", message)

    def channel_post(self, chat_id: int, text: str) -> dict[str, Any]:
        """A post in a channel the bot is in (no "from", "sender_chat" is the channel)."""
        chat = self._ensure_chat(chat_id, "channel")
        message_id = self._next_message_id(chat_id)
        message: JSON = {
            "message_id": message_id,
            "sender_chat": chat,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        entities = _command_entities(text)
        if entities:
            message["entities"] = entities
        self._user_messages.setdefault(chat_id, {})[message_id] = message
        return self._push("channel_post", message)

    def click(
        self, message: SentMessage, callback_data: str, *, user_id: int | None = None
    ) -> dict[str, Any]:
        """A user presses a button of a bot message that sends `callback_data`."""
        if message.deleted:
            raise ValueError(f"message {message.message_id} of chat {message.chat_id} is deleted")
        if user_id is None:
            if message.chat_id <= 0:
                raise ValueError("user_id is required to click in a group or channel")
            user_id = message.chat_id
        query_id = str(8_000_000_000_000_000 + next(self._query_ids))
        self._open_queries.add(query_id)
        query: JSON = {
            "id": query_id,
            "from": self._user(user_id),
            "message": self._message_object(message),
            "chat_instance": str(abs(message.chat_id) * 7919 + 104729),
            "data": callback_data,
        }
        return self._push("callback_query", query)

    def press(
        self, message: SentMessage, label: str, *, user_id: int | None = None
    ) -> dict[str, Any]:
        """Click the inline button whose text contains `label` (LookupError without one)."""
        button = message.button(label)
        data = button.get("callback_data")
        if not isinstance(data, str):
            raise LookupError(f"button {button.get('text')!r} has no callback_data: {button}")
        return self.click(message, data, user_id=user_id)

    def my_chat_member(
        self, chat_id: int, *, user_id: int, old_status: str, new_status: str
    ) -> dict[str, Any]:
        """The bot's membership changes (a user blocks it: new_status="kicked" in private)."""
        chat = self._ensure_chat(chat_id)
        self.set_member(chat_id, self.bot_id, new_status)
        if old_status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}, not {old_status!r}")
        change: JSON = {
            "chat": chat,
            "from": self._user(user_id),
            "date": int(time.time()),
            "old_chat_member": _member(self._bot_user, old_status),
            "new_chat_member": _member(self._bot_user, new_status),
        }
        return self._push("my_chat_member", change)

    # ------------------------------------------------------------------ observing

    def sent(self, chat_id: int, *, include_deleted: bool = False) -> list[SentMessage]:
        """What the bot sent to a chat, in order."""
        messages = self._bot_messages.get(chat_id)
        if not messages:
            return []
        if include_deleted:
            return list(messages.values())
        return [message for message in messages.values() if not message.deleted]

    def _sent_since(self, chat_id: int, since: int) -> list[SentMessage]:
        messages = self._bot_messages.get(chat_id)
        if not messages:
            return []
        found: list[SentMessage] = []
        for message in reversed(messages.values()):
            if message.message_id <= since:
                break
            found.append(message)
        found.reverse()
        return found

    async def wait_for(
        self, chat_id: int, count: int = 1, *, since: int = 0, timeout: float = 5.0
    ) -> list[SentMessage]:
        """At least `count` bot messages in a chat with message_id > since (deleted included)."""
        try:
            await self.wait_until(
                lambda: len(self._sent_since(chat_id, since)) >= count, timeout=timeout
            )
        except TimeoutError:
            got = self._sent_since(chat_id, since)
            errors = dict(self.errors)
            raise TimeoutError(
                f"chat {chat_id}: waited {timeout}s for {count} bot message(s) after "
                f"message_id {since}, got {len(got)}: {[m.plain_text[:200] for m in got]}"
                + (f"; error answers so far: {errors}" if errors else "")
            ) from None
        return self._sent_since(chat_id, since)

    async def wait_until(self, predicate: Callable[[], bool], *, timeout: float = 5.0) -> None:
        """Wait until `predicate()` holds; it is checked whenever the bot changes something."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            if self._changed_event is None:
                self._changed_event = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed_event.wait(), remaining)

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by the bot (a later getUpdates, or the webhook's answer)."""
        return len(self._updates)

    async def quiet(self, settle: float = 0.05, timeout: float = 10.0) -> bool:
        """Wait until the bot is done with what it was given: every update confirmed (a
        getUpdates asked past it, or the webhook answered it), no request in flight (long
        polls waiting, and requests a "hold" fault keeps for the test, aside), and nothing of
        that changed for `settle` seconds. False when that did not happen within `timeout`.

        What the bot does without a request out (a handler reading its database, a timer)
        the sandbox cannot see: `settle` covers short gaps, and callers that know more of
        the bot wait for that too (the demo does).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        step = min(0.01, settle / 5) if settle > 0 else 0.005
        seen, since = -1, loop.time()
        while True:
            now = loop.time()
            busy = self.in_flight > self.held or bool(self._updates)
            if busy or self._activity != seen:
                seen, since = self._activity, now
            elif now - since >= settle:
                return True
            if now >= deadline:
                return False
            await asyncio.sleep(step)

    def last_message_id(self, chat_id: int) -> int:
        """The highest message id in a chat so far (0 if none): the `since` of wait_for."""
        return self._last_id.get(chat_id, 0)

    def arrivals(self, chat_id: int) -> list[float]:
        """When each send to a chat that counts against the limits arrived (time.monotonic(),
        edits included, deletions not), since the limits were last set."""
        return list(self._flood.arrivals.get(chat_id, ()))

    def delivered_counts(self) -> dict[int, int]:
        """chat id -> how many messages the bot sent there (deleted ones included)."""
        return dict(self._sent_by_chat)

    def stats(self) -> dict[str, Any]:
        """Counters as GET /sandbox/stats reports them (times are time.monotonic())."""
        return {
            "calls": dict(self.calls),
            "errors": {str(code): count for code, count in self.errors.items()},
            "sent_total": self.sent_total,
            "sent_by_chat": {str(chat): count for chat, count in self._sent_by_chat.items()},
            "first_send_at": self.first_send_at,
            "last_send_at": self.last_send_at,
            "now": time.monotonic(),
            "pending_updates": len(self._updates),
            # The most accepted sends any 1-second window held, as a strict Telegram counts.
            "busiest_second": {
                "all": self._flood.busiest_second(),
                "unpaid": self._flood.busiest_second(paid=False),
            },
            "callback_answers": len(self.callback_answers),
        }
