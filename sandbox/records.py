"""What the sandbox is made of: its constants, the records of what the bot sent (`SentMessage`),
faults (`ChatFault`), and the checks every method shares (parameters, markup, entities)."""

from __future__ import annotations

import bisect
import contextvars
import functools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from sandbox.html import HTMLParseError, parse_telegram_html, parse_with_entities, utf16_len

_ARRIVAL: contextvars.ContextVar[float] = contextvars.ContextVar("arrival")

SANDBOX_TOKEN = "123456:SANDBOX-token"

TEXT_LIMIT = 4096  # UTF-16 code units, after entities are parsed
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
CALLBACK_ANSWER_LIMIT = 200

JSON = dict[str, Any]
Upload = tuple[str, bytes, str]  # file name, content, content type
Handler = Callable[[JSON, dict[str, Upload]], Awaitable[Any]]

FaultKind = Literal[
    "blocked",
    "deactivated",
    "kicked",
    "not_found",
    "migrate",
    "server_error",
    "delay",
    "flood",
    "hold",
    "bad_gateway",  # a proxy's HTML page with a 502, as Telegram's front serves now and then
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
CHAT_TYPES = ("private", "group", "supergroup", "channel")

# Parameters aiogram sends as JSON strings inside form data.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "commands",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "allowed_updates",
        "entities",
        "caption_entities",
        "media",
        "menu_button",
        "message_ids",
    }
)
# Telegram sends these update types only when asked to by name.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # two UTF-16 code units each
_BOT_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


@dataclass
class ChatFault:
    """What goes wrong when the bot acts in one chat (set with `BotAPISandbox.set_fault`)."""

    kind: FaultKind
    migrate_to_chat_id: int | None = None  # for "migrate" (default: -100<chat id>)
    delay: float = 0.0  # for "delay": sleep, then answer normally
    # "hold": answer normally once the test calls `release()`: a request in flight for as long
    # as the test needs, however slow the machine
    retry_after: int = 1  # for "flood": a forced 429
    times: int | None = None  # None: every call; n: the next n calls only
    detail: str = ""  # added to the error's description (Telegram's answers vary in length)


@dataclass
class SentMessage:
    """A message the bot put in a chat, kept up to date with edits and deletes."""

    message_id: int
    chat_id: int
    text: str  # as sent (HTML source for parse_mode=HTML); the caption for documents/photos
    parse_mode: str | None
    reply_markup: dict[str, Any] | None  # the parsed JSON
    date: int
    edits: int = 0
    deleted: bool = False
    document: tuple[str, bytes] | None = None  # (file name, content) of sendDocument/sendPhoto
    method: str = "sendMessage"
    params: dict[str, Any] = field(default_factory=dict)  # all params as received (decoded)
    entities: list[dict[str, Any]] = field(default_factory=list)  # as Telegram reports them
    edit_date: int | None = None
    reply_to_message_id: int | None = None
    # More fields of the Message as Telegram shows it: "document", "photo", "forward_origin".
    extra: dict[str, Any] | None = None
    arrived: float = 0.0  # time.monotonic() when its request arrived (as flood limits count)
    _plain: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def plain_text(self) -> str:
        """The text (or caption) as the user sees it: HTML removed and entities decoded."""
        if self._plain is None:
            text = self.text
            if self.parse_mode and self.parse_mode.lower() == "html":
                text = parse_telegram_html(text)
            self._plain = text.strip()
        return self._plain

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard's rows ([] without one)."""
        rows = (self.reply_markup or {}).get("inline_keyboard")
        return rows if isinstance(rows, list) else []

    def button(self, label_substring: str) -> dict[str, Any]:
        """The first inline button whose text contains `label_substring`."""
        for row in self.buttons:
            for button in row:
                if label_substring in str(button.get("text", "")):
                    return button
        labels = [str(button.get("text")) for row in self.buttons for button in row]
        raise LookupError(
            f"no button containing {label_substring!r} in message {self.message_id} "
            f"of chat {self.chat_id}; buttons: {labels}"
        )


class _ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


class _GatewayError(Exception):
    """Not the Bot API's answer: the page of a proxy in front of it."""


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _error_body(code: int, description: str, parameters: JSON | None = None) -> JSON:
    body: JSON = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def _int_param(params: JSON, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _bad(f"{name} must be a number")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise _bad(f"{name} must be a number") from None


def _required_int(params: JSON, name: str, description: str | None = None) -> int:
    value = _int_param(params, name)
    if value is None:
        raise _bad(description or f"{name} is empty")
    return value


def _float_param(params: JSON, name: str) -> float | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _bad(f"{name} must be a number") from None


def _bool_param(params: JSON, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _str_param(params: JSON, name: str) -> str:
    value = params.get(name)
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _render(text: str, parse_mode: str | None) -> tuple[str, list[JSON]]:
    """What Telegram makes of a text: the trimmed plain text and its entities (UTF-16)."""
    plain, entities = _rendered(text, parse_mode)
    return plain, [dict(entity) for entity in entities]


@functools.lru_cache(maxsize=1024)
def _rendered(text: str, parse_mode: str | None) -> tuple[str, tuple[JSON, ...]]:
    """`_render`, remembered: benchmarks send one page to thousands of chats, and Telegram's
    parsing is not what they measure. Refusals raise, so they are never remembered."""
    if parse_mode and parse_mode.lower() == "html" and ("<" in text or "&" in text):
        try:
            plain, found = parse_with_entities(text)
        except HTMLParseError as exc:
            raise _bad(exc.description) from None
    else:
        plain, found = text, []
    stripped = plain.strip()
    if not found:
        return stripped, ()
    lead = len(plain) - len(plain.lstrip())
    size = len(stripped)
    # UTF-16 offset of index i: i plus the characters outside the BMP before it.
    astral = [match.start() for match in _ASTRAL.finditer(stripped)]
    entities: list[JSON] = []
    for entity in found:
        start = max(0, entity.start - lead)
        end = min(size, entity.end - lead)
        if end <= start:
            continue
        offset = start + bisect.bisect_left(astral, start)
        length = end + bisect.bisect_left(astral, end) - offset
        item: JSON = {"type": entity.type, "offset": offset, "length": length}
        item.update(entity.extra)
        entities.append(item)
    return stripped, tuple(entities)


def _command_entities(text: str) -> list[JSON]:
    """The bot_command entity Telegram adds to a text starting with a command."""
    match = _COMMAND.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]


def _check_markup(value: Any) -> JSON | None:
    """reply_markup as Telegram checks it (inline keyboards in detail, the others loosely)."""
    if value is None or value == "":
        return None
    if not isinstance(value, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        rows = value["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                _check_button(button)
        return value
    if any(key in value for key in ("keyboard", "remove_keyboard", "force_reply")):
        return value
    raise _bad("can't parse reply keyboard markup JSON object")


def _check_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not text.strip():
        raise _bad("BUTTON_TEXT_INVALID")
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if not actions:
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise _bad(
            "can't parse inline keyboard button: exactly one of the optional fields "
            f"must be used, found {', '.join(actions)}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not _plausible_url(url):
            raise _bad("BUTTON_URL_INVALID")


def _plausible_url(url: str) -> bool:
    if not url or any(char.isspace() for char in url):
        return False
    if url.startswith(("http://", "https://", "tg://")):
        return len(url.split("://", 1)[1]) > 0
    return "://" not in url and "." in url


def _inline_rows(markup: JSON | None) -> Any:
    if not markup:
        return None
    return markup.get("inline_keyboard") or None


def _member(user: JSON, status: str) -> JSON:
    """A ChatMember object of `status` with every field aiogram requires."""
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=True,
            can_edit_stories=True,
            can_delete_stories=True,
            can_send_welcome_messages=True,
            can_pin_messages=True,
        )
    elif status == "restricted":
        member.update(
            is_member=True,
            can_send_messages=False,
            can_send_audios=False,
            can_send_documents=False,
            can_send_photos=False,
            can_send_videos=False,
            can_send_video_notes=False,
            can_send_voice_notes=False,
            can_send_polls=False,
            can_send_other_messages=False,
            can_add_web_page_previews=False,
            can_react_to_messages=False,
            can_edit_tag=False,
            can_change_info=False,
            can_invite_users=False,
            can_pin_messages=False,
            can_manage_topics=False,
            until_date=0,
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member
