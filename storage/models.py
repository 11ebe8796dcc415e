"""Plain values that repositories return: no aiogram, no connection, nothing mutable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class ItemKind(StrEnum):
    NEWS = "news"
    BREAKING = "breaking"
    EVENT = "event"


class ChatType(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    region_code: str
    kind: ItemKind
    title: str  # plain text, unescaped; formatting escapes it
    summary: str  # plain text
    url: str | None
    source_name: str
    published_at: datetime  # aware, UTC
    author_id: int | None = None  # the editor who pushed or announced it
    body_html: str | None = None  # an editor's formatted text, Telegram HTML (already safe)
    reminder: bool = False  # of an event; "Reminder" is added in the reader's language
    cancellation: bool = False  # of an event; "Cancelled" is added in the reader's language
    photo: str | None = None  # Telegram's file id: the item is this photo, its text the caption
    revision: int = 0  # corrections so far: a copy sent of an older one gets edited

    @property
    def is_breaking(self) -> bool:
        return self.kind is ItemKind.BREAKING


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item before it is stored."""

    region_code: str
    title: str
    published_at: datetime
    summary: str = ""
    url: str | None = None
    source_name: str = ""
    kind: ItemKind = ItemKind.NEWS
    author_id: int | None = None
    body_html: str | None = None  # Telegram HTML, e.g. aiogram's Message.html_text
    reminder: bool = False
    cancellation: bool = False  # tells that its event is cancelled
    photo: str | None = None  # Telegram's file id of the photo the text is the caption of
    event_id: int | None = None  # of a reminder or cancellation: its event (retracted with
    # its announcement)
    # From feeds, for de-duplication (see migration 0003).
    source_id: int | None = None
    guid: str | None = None
    canonical_url: str | None = None
    title_key: str | None = None
    day: str | None = None


@dataclass(frozen=True, slots=True)
class Chat:
    id: int
    type: ChatType
    title: str | None
    language: str | None
    active: bool


def to_timestamp(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return int(moment.timestamp())


def from_timestamp(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # the chat blocked the bot, left, or vanished
    CANCELLED = "cancelled"
    HELD = "held"  # kept for the chat's digest, or until its quiet hours end
    BUNDLED = "bundled"  # went out inside a digest or a list after quiet hours


class CopyChange(StrEnum):
    """What became of a sent copy after it was sent (corrected, or its item retracted)."""

    PENDING = "pending"  # being changed now, by whoever claimed it
    DELETED = "deleted"
    REPLACED = "replaced"  # by the retraction notice (too old to delete)
    GONE = "gone"  # deleted in the chat already
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One item for one chat, as the worker sees it."""

    id: int
    item_id: int | None  # None for a bundle's message
    chat_id: int
    chat_type: ChatType
    language: str | None  # the chat's /settings language, else its user's Telegram language
    priority: int
    attempts: int
    revision: int = 0  # the item's, when the delivery was read
    retracted: bool = False  # the item was retracted (when the delivery was read)
    urgent: bool = False  # breaking, or an event reminder: quiet hours and digests let it by
    bundle_id: int | None = None


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What became of one delivery attempt."""

    id: int
    status: DeliveryStatus
    attempts: int
    message_id: int | None = None
    error: str | None = None
    next_attempt_at: float = 0.0
    sent_at: float | None = None
    revision: int | None = None  # of the text sent (None: unchanged)


@dataclass(frozen=True, slots=True)
class Published:
    item_id: int
    deliveries: int


@dataclass(frozen=True, slots=True)
class Source:
    """A feed and its health."""

    id: int
    url: str
    region_code: str
    title: str
    poll_seconds: int
    enabled: bool
    etag: str | None
    last_modified: str | None
    polls: int
    last_polled_at: float | None
    last_success_at: float | None
    last_error: str | None
    failures: int
    next_poll_at: float
    # The last poll that stored new entries: how many, how many of them it pushed, and when.
    last_new: int = 0
    last_pushed: int = 0
    last_new_at: float | None = None
    error_kind: str | None = None  # why the last poll failed, in a word (jobs.ingest.FetchError)
