"""How the sandbox keeps the bot's messages: chats resolved, limits applied, messages stored
and rendered as Telegram shows them, files registered."""

from __future__ import annotations

import logging
import mimetypes
import time
from typing import Any

from sandbox.html import utf16_len
from sandbox.limits import TooFastError
from sandbox.records import (
    _ARRIVAL,
    JSON,
    SentMessage,
    Upload,
    _ApiError,
    _bad,
    _bool_param,
    _inline_rows,
    _int_param,
    _render,
    _required_int,
    _str_param,
)
from sandbox.state import SandboxState

log = logging.getLogger(__name__)


class MessageStore(SandboxState):
    """What every method that posts or changes a message shares."""

    def _resolve_chat_id(self, value: Any, name: str = "chat_id") -> int:
        if value is None or value == "":
            raise _bad(f"{name} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        if text.startswith("@"):
            chat_id = self._usernames.get(text[1:].lower())
            if chat_id is None:
                raise _bad("chat not found")
            return chat_id
        try:
            return int(text)
        except ValueError:
            raise _bad("chat not found") from None

    def _known_chat(self, chat_id: int) -> JSON:
        chat = self._chats.get(chat_id)
        if chat is not None:
            return chat
        if chat_id > 0:  # any user may have started the bot
            return self.add_chat(chat_id)
        raise _bad("chat not found")

    async def _gate(self, params: JSON, *, limited: bool) -> tuple[int, JSON]:
        """Faults, the chat, the bot's membership and the flood limits of a chat method."""
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        fault = self._faults.get(chat_id)
        if fault is not None:
            await self._apply_fault(chat_id, fault)
        chat = self._known_chat(chat_id)
        members = self._members.get(chat_id)
        if members is not None:
            status = members.get(self.bot_id)
            if status in ("kicked", "left"):
                raise self._not_member(chat, status)
        if limited:
            self._take_rate(chat_id, chat, _bool_param(params, "allow_paid_broadcast"))
        return chat_id, chat

    @staticmethod
    def _not_member(chat: JSON, status: str) -> _ApiError:
        if chat["type"] == "private":
            return _ApiError(403, "Forbidden: bot was blocked by the user")
        kind = "channel" if chat["type"] == "channel" else "group"
        if status == "kicked":
            return _ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        return _ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")

    def _take_rate(self, chat_id: int, chat: JSON, paid: bool) -> None:
        """Count the send in every limit it draws on, or 429 and nothing counted."""
        try:
            self._flood.take(chat_id, chat["type"], paid, _ARRIVAL.get(time.monotonic()))
        except TooFastError as exc:
            retry_after = exc.retry_after
            raise _ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            ) from None

    def _text(self, params: JSON, name: str, limit: int, too_long: str) -> tuple[str, list[JSON]]:
        plain, entities = _render(_str_param(params, name), params.get("parse_mode") or None)
        if utf16_len(plain) > limit:
            raise _bad(too_long)
        return plain, entities

    def _reply_target(self, chat_id: int, params: JSON) -> int | None:
        reply = params.get("reply_parameters")
        allow_missing = _bool_param(params, "allow_sending_without_reply")
        if isinstance(reply, dict) and reply.get("message_id") is not None:
            message_id = int(reply["message_id"])
            if reply.get("chat_id") not in (None, chat_id):
                return None  # a reply into another chat: not tracked
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
        else:
            found = _int_param(params, "reply_to_message_id")
            if found is None:
                return None
            message_id = found
        if self._any_message(chat_id, message_id) is None:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        return message_id

    def _any_message(self, chat_id: int, message_id: int) -> JSON | None:
        """A message of a chat as Telegram shows it, whoever sent it (None if gone)."""
        bot_message = self._bot_messages.get(chat_id, {}).get(message_id)
        if bot_message is not None:
            if bot_message.deleted:
                return None
            return self._message_object(bot_message, with_reply=False)
        message = self._user_messages.get(chat_id, {}).get(message_id)
        if message is not None and "reply_to_message" in message:
            # Telegram nests one level only.
            message = {key: value for key, value in message.items() if key != "reply_to_message"}
        return message

    def _store(
        self,
        chat_id: int,
        method: str,
        params: JSON,
        *,
        text: str,
        plain: str,
        entities: list[JSON],
        markup: JSON | None,
        reply_to: int | None = None,
        document: tuple[str, bytes] | None = None,
        extra: JSON | None = None,
    ) -> SentMessage:
        message = SentMessage(
            message_id=self._next_message_id(chat_id),
            chat_id=chat_id,
            text=text,
            parse_mode=params.get("parse_mode") or None,
            reply_markup=markup,
            date=int(time.time()),
            document=document,
            method=method,
            params=params,
            entities=entities,
            reply_to_message_id=reply_to,
            extra=extra,
            arrived=_ARRIVAL.get(time.monotonic()),
        )
        message._plain = plain
        chat_messages = self._bot_messages.get(chat_id)
        if chat_messages is None:
            chat_messages = self._bot_messages[chat_id] = {}
        chat_messages[message.message_id] = message
        self.sent_total += 1
        self._sent_by_chat[chat_id] += 1
        now = time.monotonic()
        if self.first_send_at is None:
            self.first_send_at = now
        self.last_send_at = now
        self._notify()
        return message

    def _message_object(self, message: SentMessage, *, with_reply: bool = True) -> JSON:
        """A bot message as Telegram returns it (current text, markup and edit date)."""
        chat = self._chats[message.chat_id]
        result: JSON = {"message_id": message.message_id}
        if chat["type"] == "channel":
            result["sender_chat"] = chat
        else:
            result["from"] = self._bot_user
        result["chat"] = chat
        result["date"] = message.date
        plain = message.plain_text
        if message.extra is not None:
            result.update(message.extra)
        if message.extra is not None and ("document" in message.extra or "photo" in message.extra):
            if plain:
                result["caption"] = plain
                if message.entities:
                    result["caption_entities"] = message.entities
        else:
            result["text"] = plain
            if message.entities:
                result["entities"] = message.entities
        rows = _inline_rows(message.reply_markup)
        if rows:
            result["reply_markup"] = {"inline_keyboard": rows}
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if with_reply and message.reply_to_message_id is not None:
            target = self._any_message(message.chat_id, message.reply_to_message_id)
            if target is not None:
                result["reply_to_message"] = target
        return result

    def _bot_message(self, chat_id: int, params: JSON, missing: str) -> SentMessage:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")  # inline messages are not simulated
        message_id = _required_int(params, "message_id", "message identifier is not specified")
        message = self._bot_messages.get(chat_id, {}).get(message_id)
        if message is None or message.deleted:
            if message_id in self._user_messages.get(chat_id, {}):
                raise _bad("message can't be edited")
            raise _bad(missing)
        return message

    def _register_file(self, name: str, content: bytes, mime: str | None, folder: str) -> JSON:
        number = next(self._file_ids)
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        suffix = "." + name.rsplit(".", 1)[1] if "." in name else ""
        record: JSON = {
            "file_id": f"BQACAgIAAxkBAAI{number:08d}{self.bot_id}",
            "file_unique_id": f"AgAD{number:06d}",
            "file_size": len(content),
            "file_path": f"{folder}/file_{number}{suffix}",
            "file_name": name,
            "mime_type": mime,
            "content": content,
        }
        self._files[record["file_id"]] = record
        self._file_paths[record["file_path"]] = record
        return record

    @staticmethod
    def _document_object(record: JSON) -> JSON:
        return {
            "file_id": record["file_id"],
            "file_unique_id": record["file_unique_id"],
            "file_name": record["file_name"],
            "mime_type": record["mime_type"],
            "file_size": record["file_size"],
        }

    @staticmethod
    def _photo_object(record: JSON) -> list[JSON]:
        return [
            {
                "file_id": record["file_id"],
                "file_unique_id": record["file_unique_id"],
                "width": 800,
                "height": 600,
                "file_size": record["file_size"],
            }
        ]

    def _input_file(
        self, params: JSON, uploads: dict[str, Upload], name: str, folder: str
    ) -> JSON:
        """The file record of a document/photo parameter: an upload, a file_id or a URL."""
        value = params.get(name)
        upload: Upload | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value[len("attach://") :])
            if upload is None:
                raise _bad(f"there is no {name} in the request")
        elif name in uploads:
            upload = uploads[name]
        if upload is not None:
            file_name, content, mime = upload
            record = self._register_file(file_name, content, mime, folder)
            params[name] = f"upload:{file_name}"
            return record
        if not isinstance(value, str) or not value:
            raise _bad(f"there is no {name} in the request")
        known = self._files.get(value)
        if known is not None:
            return known
        if value.startswith(("http://", "https://")):
            file_name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
            return self._register_file(file_name, b"", None, folder)
        raise _bad("wrong file identifier/HTTP URL specified")
