"""Nothing the bot sends is over Telegram's limits on size: long stored texts and long inputs
reach users as messages the sandbox (which refuses what Telegram refuses) accepts."""

from __future__ import annotations

import collections
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.factory import build_bot
from domain.fitting import CAPTION_LIMIT, ELLIPSIS, TEXT_LIMIT
from handlers.members.csv_codec import MAX_NAME, MAX_TEXT
from infra.sending import SendText
from infra.settings import Settings
from sandbox import SANDBOX_TOKEN, BotAPISandbox
from sandbox.html import parse_telegram_html, utf16_len
from storage.members import MemberFields, MemberStatus
from storage.models import ItemKind, NewItem
from storage.repositories import Storage
from tests.client import ADMIN_ID, USER_ID, BotClient
from tests.feed_server import Feed, FeedServer, rss
from tests.test_members import import_file, press, text_of

FAILURE = "Something went wrong"
LVIV = "UA-46"


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    yield server
    await server.stop()


def no_failures(user: BotClient) -> None:
    texts = [message.plain_text for message in user.sandbox.sent(user.chat_id)]
    assert not [text for text in texts if FAILURE in text]
    assert all(utf16_len(text) <= TEXT_LIMIT for text in texts)


# ----------------------------------------------------------------------------- the session


async def test_the_session_splits_long_messages_and_cuts_edits_and_captions(
    sandbox: BotAPISandbox, settings: Settings
) -> None:
    sandbox.add_user(USER_ID, first_name="Reader", language_code="uk")
    bot = build_bot(
        settings.model_copy(update={"telegram_api_url": sandbox.base_url}), token=SANDBOX_TOKEN
    )
    try:
        lines = [f"<b>№{n}</b> ГО «Люди &amp; місто» — <i>рядок {n}</i> 😀" for n in range(300)]
        text = "\n".join(lines)
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="▶️", callback_data="next")]]
        )
        sent = await bot.send_message(USER_ID, text, reply_markup=keyboard)
        messages = sandbox.sent(USER_ID)
        assert len(messages) == 3
        assert sent.message_id == messages[-1].message_id  # the one with the keyboard
        assert [bool(message.buttons) for message in messages] == [False, False, True]
        # Split at line boundaries: together they are the whole text, line for line.
        assert "\n".join(m.plain_text for m in messages) == parse_telegram_html(text)

        # Pages and broadcast copies go as SendText: the same.
        copy = await bot(SendText(chat_id=USER_ID, text=text))
        assert len(sandbox.sent(USER_ID)) == 6 and copy.message_id == messages[-1].message_id + 3

        # An edit cannot become two messages: it is cut, and says so.
        await bot.edit_message_text(
            text, chat_id=USER_ID, message_id=sent.message_id, reply_markup=keyboard
        )
        [edited] = [m for m in sandbox.sent(USER_ID) if m.message_id == sent.message_id]
        assert edited.plain_text.endswith(ELLIPSIS) and edited.buttons
        assert edited.plain_text.startswith("№0 ГО «Люди & місто» — рядок 0")

        document = BufferedInputFile(b"id,name\r\n", filename="members.csv")
        await bot.send_document(USER_ID, document, caption="<b>" + "підпис " * 400 + "</b>")
        caption = sandbox.sent(USER_ID)[-1]
        assert caption.document is not None and caption.plain_text.endswith(ELLIPSIS)
        assert utf16_len(caption.plain_text) <= CAPTION_LIMIT
        assert sandbox.errors == collections.Counter()
    finally:
        await bot.session.close()


# ----------------------------------------------------------------------------- stored texts


async def test_a_member_with_a_long_history_gets_a_card_with_the_latest_changes(
    client: BotClient, store: Storage
) -> None:
    fields = MemberFields(
        name="ГО «Довга історія»",
        region_code=LVIV,
        status=MemberStatus.CANDIDATE,
        since=date(2024, 1, 1),
    )
    member = await store.members.add(fields, by=ADMIN_ID)
    for number in range(60):
        status = (MemberStatus.SUSPENDED, MemberStatus.ADMITTED)[number % 2]
        reason = f"причина {number}: " + "довге пояснення " * 60
        await store.members.set_status(
            member.id, status, date(2025, 1, 1), ADMIN_ID, reason=reason
        )
    admin = client.as_user(ADMIN_ID, language="en")
    [card] = await admin.send(f"/member {member.id}")
    assert card.plain_text.startswith("👥 ГО «Довга історія»")
    assert "причина 59" in card.plain_text and "Older changes not shown" in card.plain_text
    assert card.button("suspended")  # the buttons stay with the card
    # A status button redraws the card in place, with the change just made.
    await press(admin, card.message_id, "suspended")
    assert "⏸ suspended (recorded" in text_of(admin, card.message_id).splitlines()[-1]
    no_failures(admin)


async def test_a_feed_titled_in_5000_characters_is_stored_short_and_listed(
    client: BotClient, store: Storage, feeds: FeedServer
) -> None:
    title = "Новини громади " * 340  # 5,100 characters
    feeds.feeds["/long"] = Feed(rss(title, [("g1", "Подія", "https://example.org/1")]))
    admin = client.as_user(ADMIN_ID, language="en")
    [added] = await admin.send(f"/addsource {feeds.url('/long')} Львів")
    assert "is added: 1 items found" in added.plain_text
    [source] = await store.sources.all()
    assert source.title is not None and len(source.title) <= 300
    assert source.title.endswith(ELLIPSIS)
    [listing] = await admin.send("/sources")
    assert "Новини громади" in listing.plain_text
    # An item's title is capped however it is stored (an editor's, an event's, a feed's).
    await store.items.add(
        NewItem(
            region_code=LVIV,
            title="Заголовок " * 500,
            published_at=datetime.now(UTC),
            kind=ItemKind.NEWS,
        )
    )
    stored = max(await store.items.latest(5), key=lambda item: item.id)
    assert len(stored.title) <= 300 and stored.title.endswith(ELLIPSIS)
    await admin.send("/latest")
    no_failures(admin)


# ----------------------------------------------------------------------------- any command

# Words, HTML's special characters, line breaks and characters of two UTF-16 units.
_PIECES = st.sampled_from(
    ["Львів", "громада", "&amp;", "<b>", "</i>", "&", "«", "\n", " ", "😀", "🇺🇦", "ї", "UA-46"]
)
LONG_INPUT = st.tuples(st.lists(_PIECES, min_size=1, max_size=12), st.integers(300, 4000)).map(
    lambda pair: "".join(pair[0]) * (pair[1] // len("".join(pair[0])) + 1)
)
COMMANDS = (
    "/member {}",
    "/members {}",
    "/search {}",
    "/region {}",
    "/latest {}",
    "/events {}",
    "/subscribe {}",
    "/unsubscribe {}",
    "/admit Львів {}",
    "/admit {}",
    "/suspend 1 {}",
    "/grant {}",
    "/addsource https://127.0.0.1:1/rss {}",
    "{}",  # plain text: a region's name, in a private chat
)


def fitted(text: str, room: int) -> str:
    """What a Telegram user can send: at most 4,096 UTF-16 units in one message."""
    while utf16_len(text) > room:
        text = text[: -max(1, (utf16_len(text) - room) // 2)]
    return text


def member_csv(text: str, number: int) -> bytes:
    """A file for /import_members: new member `number`, whose every text is `text`, as long
    as the import takes it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("name", "region_code", "status", "contact", "notes", "event_note"))
    long = text.strip()[:MAX_TEXT]
    name = f"{number} {text.strip()}"[:MAX_NAME]
    writer.writerow((name, LVIV, "candidate", long, long, long))
    return buffer.getvalue().encode()


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=LONG_INPUT)
@example(text="😀🇺🇦 &amp;" * 600)
async def test_long_inputs_through_every_command_get_answers_that_fit(
    client: BotClient, store: Storage, text: str
) -> None:
    admin = client.as_user(ADMIN_ID, language="en")
    # Stored through commands: a member whose texts are as long as they may be, suspended
    # with a long reason, then shown.
    before = {member.id for member in await store.members.all()}
    report = await import_file(admin, member_csv(text, len(before)))
    [member] = [member for member in await store.members.all() if member.id not in before]
    assert "1 added" in report
    await admin.send(fitted(f"/suspend {member.id} {text}", TEXT_LIMIT), timeout=10)
    await admin.send(f"/member {member.id}", timeout=10)
    await admin.send("/members Львів", timeout=10)
    for template in COMMANDS:
        await admin.send(fitted(template.format(text), TEXT_LIMIT), timeout=10)
    # An editor's text, as long as Telegram lets them send it.
    await admin.send("/push Львів", timeout=10)
    await admin.send(fitted(text, TEXT_LIMIT), timeout=10)
    await admin.send("/cancel", timeout=10)
    assert await admin.settled()  # the last parts of long answers
    no_failures(admin)
    assert admin.sandbox.errors[400] == 0
