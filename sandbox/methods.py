"""The Bot API methods that act: commands and settings, sending, editing, deleting, copying,
files, chats and members."""

from __future__ import annotations

import logging
import time

from sandbox.records import (
    _BOT_COMMAND_NAME,
    _NOT_MODIFIED,
    CALLBACK_ANSWER_LIMIT,
    CAPTION_LIMIT,
    JSON,
    TEXT_LIMIT,
    SentMessage,
    Upload,
    _bad,
    _check_markup,
    _inline_rows,
    _member,
    _required_int,
    _str_param,
)
from sandbox.updates import UpdateMethods

log = logging.getLogger(__name__)


class BotMethods(UpdateMethods):
    """The methods aiogram calls, as Telegram answers them."""

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope")
        scope_type = "default"
        if isinstance(scope, dict):
            scope_type = str(scope.get("type") or "default")
            # Scopes of one chat (or one member of it) are told apart by their ids:
            # ("chat:501", "en"), ("chat_member:-100500:501", "").
            if scope_type in ("chat", "chat_administrators", "chat_member"):
                if "chat_id" not in scope:
                    raise _bad("can't parse BotCommandScope JSON object")
                chat_id = scope["chat_id"]
                if isinstance(chat_id, int) and chat_id not in self._chats:
                    raise _bad("chat not found")
                scope_type += f":{chat_id}"
                if scope_type.startswith("chat_member:"):
                    scope_type += f":{scope.get('user_id')}"
        elif scope not in (None, ""):
            raise _bad("can't parse BotCommandScope JSON object")
        return scope_type, _str_param(params, "language_code")

    async def _set_my_commands(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            name = command.get("command")
            if not isinstance(name, str) or not _BOT_COMMAND_NAME.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self.commands[key] = [dict(command) for command in commands]
        else:
            self.commands.pop(key, None)
        self._notify()
        return True

    async def _delete_my_commands(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        self.commands.pop(self._commands_key(params), None)
        self._notify()
        return True

    async def _get_my_commands(self, params: JSON, uploads: dict[str, Upload]) -> list[JSON]:
        return self.commands.get(self._commands_key(params), [])

    def _set_text_setting(self, params: JSON, name: str, limit: int) -> bool:
        value = _str_param(params, name)
        if len(value) > limit:
            raise _bad(f"{name.upper()}_INVALID")
        self._descriptions[(name, _str_param(params, "language_code"))] = value
        return True

    def _get_text_setting(self, params: JSON, name: str) -> JSON:
        language = _str_param(params, "language_code")
        value = self._descriptions.get((name, language))
        if value is None:
            value = self._descriptions.get((name, ""), "")
        if name == "name" and not value:
            value = self.bot_name
        return {name: value}

    async def _set_my_description(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        return self._set_text_setting(params, "description", 512)

    async def _get_my_description(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return self._get_text_setting(params, "description")

    async def _set_my_short_description(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        return self._set_text_setting(params, "short_description", 120)

    async def _get_my_short_description(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return self._get_text_setting(params, "short_description")

    async def _set_my_name(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        return self._set_text_setting(params, "name", 64)

    async def _get_my_name(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return self._get_text_setting(params, "name")

    async def _send_message(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id, _ = await self._gate(params, limited=True)
        plain, entities = self._text(params, "text", TEXT_LIMIT, "message is too long")
        if not plain:
            raise _bad("message text is empty")
        markup = _check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat_id, params)
        message = self._store(
            chat_id,
            "sendMessage",
            params,
            text=_str_param(params, "text"),
            plain=plain,
            entities=entities,
            markup=markup,
            reply_to=reply_to,
        )
        return self._message_object(message)

    async def _send_file(self, params: JSON, uploads: dict[str, Upload], kind: str) -> JSON:
        chat_id, _ = await self._gate(params, limited=True)
        plain, entities = self._text(
            params, "caption", CAPTION_LIMIT, "message caption is too long"
        )
        markup = _check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat_id, params)
        extra: JSON
        if kind == "photo":
            record = self._input_file(params, uploads, "photo", "photos")
            extra = {"photo": self._photo_object(record)}
            method = "sendPhoto"
        else:
            record = self._input_file(params, uploads, "document", "documents")
            extra = {"document": self._document_object(record)}
            method = "sendDocument"
        message = self._store(
            chat_id,
            method,
            params,
            text=_str_param(params, "caption"),
            plain=plain,
            entities=entities,
            markup=markup,
            reply_to=reply_to,
            document=(record["file_name"], record["content"]),
            extra=extra,
        )
        return self._message_object(message)

    async def _send_document(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return await self._send_file(params, uploads, "document")

    async def _send_photo(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return await self._send_file(params, uploads, "photo")

    async def _edit_message_text(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id, _ = await self._gate(params, limited=True)
        message = self._bot_message(chat_id, params, "message to edit not found")
        if message.extra is not None and ("document" in message.extra or "photo" in message.extra):
            raise _bad("there is no text in the message to edit")
        plain, entities = self._text(params, "text", TEXT_LIMIT, "message is too long")
        if not plain:
            raise _bad("message text is empty")
        markup = _check_markup(params.get("reply_markup"))
        return self._apply_edit(
            message, params, _str_param(params, "text"), plain, entities, markup
        )

    async def _edit_message_caption(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id, _ = await self._gate(params, limited=True)
        message = self._bot_message(chat_id, params, "message to edit not found")
        if message.extra is None or not ("document" in message.extra or "photo" in message.extra):
            raise _bad("there is no caption in the message to edit")
        plain, entities = self._text(
            params, "caption", CAPTION_LIMIT, "message caption is too long"
        )
        markup = _check_markup(params.get("reply_markup"))
        return self._apply_edit(
            message, params, _str_param(params, "caption"), plain, entities, markup
        )

    def _apply_edit(
        self,
        message: SentMessage,
        params: JSON,
        text: str,
        plain: str,
        entities: list[JSON],
        markup: JSON | None,
    ) -> JSON:
        if (
            plain == message.plain_text
            and entities == message.entities
            and _inline_rows(markup) == _inline_rows(message.reply_markup)
        ):
            raise _bad(_NOT_MODIFIED)
        message.text = text
        message.parse_mode = params.get("parse_mode") or None
        message._plain = plain
        message.entities = entities
        message.reply_markup = markup  # an edit without reply_markup drops the keyboard
        message.edits += 1
        message.edit_date = int(time.time())
        self._notify()
        return self._message_object(message)

    async def _edit_message_reply_markup(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id, _ = await self._gate(params, limited=True)
        message = self._bot_message(chat_id, params, "message to edit not found")
        markup = _check_markup(params.get("reply_markup"))
        if _inline_rows(markup) == _inline_rows(message.reply_markup):
            raise _bad(_NOT_MODIFIED)
        message.reply_markup = markup
        message.edits += 1
        message.edit_date = int(time.time())
        self._notify()
        return self._message_object(message)

    def _delete_one(self, chat_id: int, message_id: int) -> bool:
        message = self._bot_messages.get(chat_id, {}).get(message_id)
        if message is not None and not message.deleted:
            message.deleted = True
            return True
        user_messages = self._user_messages.get(chat_id)
        if user_messages is not None and message_id in user_messages:
            del user_messages[message_id]
            return True
        return False

    async def _delete_message(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        chat_id, _ = await self._gate(params, limited=False)
        message_id = _required_int(params, "message_id", "message identifier is not specified")
        if not self._delete_one(chat_id, message_id):
            raise _bad("message to delete not found")
        self._notify()
        return True

    async def _delete_messages(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        chat_id, _ = await self._gate(params, limited=False)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad("message_ids must be a list of 1-100 message identifiers")
        for message_id in ids:
            self._delete_one(chat_id, int(message_id))
        self._notify()
        return True

    async def _answer_callback_query(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        query_id = _str_param(params, "callback_query_id")
        if query_id not in self._open_queries:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        if len(_str_param(params, "text")) > CALLBACK_ANSWER_LIMIT:
            raise _bad("MESSAGE_TOO_LONG")
        self._open_queries.discard(query_id)
        self.callback_answers.append(params)
        self._notify()
        return True

    def _source_message(self, params: JSON, missing: str) -> tuple[int, JSON, SentMessage | None]:
        """The message copyMessage/forwardMessage takes: its chat, object and bot record."""
        from_chat_id = self._resolve_chat_id(params.get("from_chat_id"), "from_chat_id")
        message_id = _required_int(params, "message_id", "message identifier is not specified")
        bot_message = self._bot_messages.get(from_chat_id, {}).get(message_id)
        if bot_message is not None and not bot_message.deleted:
            return from_chat_id, self._message_object(bot_message), bot_message
        user_message = self._user_messages.get(from_chat_id, {}).get(message_id)
        if user_message is None:
            raise _bad(missing)
        return from_chat_id, user_message, None

    def _copy_content(
        self, source: JSON, bot_source: SentMessage | None
    ) -> tuple[str, str | None, str, list[JSON], tuple[str, bytes] | None, JSON | None]:
        """text, parse mode, plain text, entities, document and extra of a copied message."""
        if bot_source is not None:
            return (
                bot_source.text,
                bot_source.parse_mode,
                bot_source.plain_text,
                list(bot_source.entities),
                bot_source.document,
                dict(bot_source.extra) if bot_source.extra else None,
            )
        extra: JSON | None = None
        document: tuple[str, bytes] | None = None
        for kind in ("document", "photo"):
            if kind in source:
                extra = {kind: source[kind]}
                obj = source[kind][-1] if kind == "photo" else source[kind]
                record = self._files.get(obj["file_id"])
                if record is not None:
                    document = (record["file_name"], record["content"])
        text = str(source.get("text") or source.get("caption") or "")
        entities = list(source.get("entities") or source.get("caption_entities") or [])
        return text, None, text, entities, document, extra

    async def _copy_message(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id, _ = await self._gate(params, limited=True)
        _, source, bot_source = self._source_message(params, "message to copy not found")
        text, parse_mode, plain, entities, document, extra = self._copy_content(source, bot_source)
        if "caption" in params:
            plain, entities = self._text(
                params, "caption", CAPTION_LIMIT, "message caption is too long"
            )
            text, parse_mode = _str_param(params, "caption"), params.get("parse_mode") or None
        markup = _check_markup(params.get("reply_markup"))
        message = self._store(
            chat_id,
            "copyMessage",
            params,
            text=text,
            plain=plain,
            entities=entities,
            markup=markup,
            reply_to=self._reply_target(chat_id, params),
            document=document,
            extra=extra,
        )
        message.parse_mode = parse_mode
        return {"message_id": message.message_id}

    async def _forward_message(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id, _ = await self._gate(params, limited=True)
        from_chat_id, source, bot_source = self._source_message(
            params, "message to forward not found"
        )
        text, parse_mode, plain, entities, document, extra = self._copy_content(source, bot_source)
        origin_chat = self._chats.get(from_chat_id, {})
        origin: JSON
        if origin_chat.get("type") == "channel":
            origin = {
                "type": "channel",
                "chat": origin_chat,
                "message_id": source["message_id"],
                "date": source["date"],
            }
        else:
            sender = source.get("from") or self._bot_user
            origin = {"type": "user", "sender_user": sender, "date": source["date"]}
        extra = {**(extra or {}), "forward_origin": origin}
        message = self._store(
            chat_id,
            "forwardMessage",
            params,
            text=text,
            plain=plain,
            entities=entities,
            markup=None,
            document=document,
            extra=extra,
        )
        message.parse_mode = parse_mode
        return self._message_object(message)

    async def _get_file(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        record = self._files.get(_str_param(params, "file_id"))
        if record is None:
            raise _bad("invalid file_id")
        return {
            "file_id": record["file_id"],
            "file_unique_id": record["file_unique_id"],
            "file_size": record["file_size"],
            "file_path": record["file_path"],
        }

    async def _get_chat(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat = self._known_chat(self._resolve_chat_id(params.get("chat_id")))
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _status(self, chat_id: int, user_id: int) -> str:
        return self._members.get(chat_id, {}).get(user_id, "member")

    async def _get_chat_member(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        self._known_chat(chat_id)
        user_id = _required_int(params, "user_id", "user not found")
        return _member(self._user(user_id), self._status(chat_id, user_id))

    async def _get_chat_administrators(
        self, params: JSON, uploads: dict[str, Upload]
    ) -> list[JSON]:
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        chat = self._known_chat(chat_id)
        if chat["type"] == "private":
            raise _bad("there are no administrators in the private chat")
        return [
            _member(self._user(user_id), status)
            for user_id, status in self._members.get(chat_id, {}).items()
            if status in ("creator", "administrator")
        ]

    async def _get_chat_member_count(self, params: JSON, uploads: dict[str, Upload]) -> int:
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        chat = self._known_chat(chat_id)
        if chat["type"] == "private":
            return 2
        members = self._members.get(chat_id, {})
        count = sum(
            1
            for status in members.values()
            if status in ("creator", "administrator", "member", "restricted")
        )
        if self.bot_id not in members:
            count += 1
        return max(1, count)

    async def _send_chat_action(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        await self._gate(params, limited=False)
        return True

    async def _get_chat_menu_button(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return {"type": "default"}
