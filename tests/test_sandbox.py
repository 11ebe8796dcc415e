"""The Bot API sandbox, through the real aiogram client: it must answer like Telegram."""

from __future__ import annotations

import asyncio
import contextlib
import html
import sys
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from sandbox.html import HTMLParseError, parse_telegram_html, parse_with_entities, utf16_len
from sandbox.records import JSON, _render
from sandbox.server import SANDBOX_TOKEN, BotAPISandbox, ChatFault, RateLimits

USER = 501
GROUP = -1001234567890


def make_bot(sandbox: BotAPISandbox, token: str = SANDBOX_TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox.base_url)))


async def close_bot(bot: Bot) -> None:
    """Close the bot's HTTP session.

    AiohttpSession.close() then sleeps 0.25 s for TLS connections to wind down; loopback HTTP
    has none, so the tests close the aiohttp session underneath and keep that time.
    """
    session = bot.session
    assert isinstance(session, AiohttpSession)
    if session._session is not None:
        await session._session.close()


@pytest.fixture
async def bot(sandbox: BotAPISandbox) -> AsyncIterator[Bot]:
    bot = make_bot(sandbox)
    yield bot
    await close_bot(bot)


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data)] for text, data in buttons
        ]
    )


# ---------------------------------------------------------------------- parse_telegram_html


def test_html_plain_text_and_entities() -> None:
    source = (
        '<b>bold <i>both</i></b> <a href="https://e.com/?a=1&amp;b=2">link</a> '
        '<tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span> <u>u</u><s>s</s> '
        '<pre><code class="language-python">x = 1</code></pre> <blockquote expandable>q'
        "</blockquote> <code>c</code> &lt;tag&gt; &amp; &quot;q&quot; &#65;&#x42;"
    )
    plain, entities = parse_with_entities(source)
    assert plain == 'bold both link s t us x = 1 q c <tag> & "q" AB'
    kinds = {entity.type for entity in entities}
    assert kinds >= {"bold", "italic", "text_link", "spoiler", "pre", "code"}
    assert "expandable_blockquote" in kinds
    link = next(entity for entity in entities if entity.type == "text_link")
    assert link.extra == {"url": "https://e.com/?a=1&b=2"}
    pre = next(entity for entity in entities if entity.type == "pre")
    assert pre.extra == {"language": "python"}
    assert parse_telegram_html("no markup at all") == "no markup at all"
    assert parse_telegram_html("<B>case</B> <EM>x</EM>") == "case x"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<script>alert(1)</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("fish & chips", "Can't find end of the entity starting at byte offset 5"),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;"'),
        ("line<br>break", 'Unsupported start tag "br"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<a>x</a>", 'Tag "a" must have attribute "href"'),
        ("<b class=x/>y</b>", "Unexpected end of name token"),
        ("ї <b", "Unclosed start tag at byte offset 3"),  # offsets count UTF-8 bytes
    ],
)
def test_html_errors_are_telegrams(source: str, message: str) -> None:
    with pytest.raises(HTMLParseError) as caught:
        parse_telegram_html(source)
    assert caught.value.description.startswith("can't parse entities: ")
    assert message in caught.value.description


def test_utf16_len() -> None:
    assert utf16_len("😀") == 2
    assert utf16_len("abc") == 3
    assert utf16_len("їжак") == 4
    assert utf16_len("a😀b") == 4


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "b", "i", "u"]),
            st.text(alphabet="aї😀🕒 \n", max_size=6),
        ),
        max_size=12,
    )
)
def test_entity_offsets_count_utf16_units(runs: list[tuple[str, str]]) -> None:
    """Telegram's offsets are UTF-16 units: an emoji before an entity counts twice."""
    body = "".join(
        f"<{tag}>{html.escape(text)}</{tag}>" if tag else html.escape(text) for tag, text in runs
    )
    source = f"\n 😀{body}.\n"  # the message's ends are trimmed, the emoji stays
    plain, entities = _render(source, "HTML")
    assert plain == parse_telegram_html(source).strip()
    units = plain.encode("utf-16-le")
    shown = [
        units[2 * entity["offset"] : 2 * (entity["offset"] + entity["length"])].decode("utf-16-le")
        for entity in entities
    ]
    assert shown == [text for tag, text in runs if tag and text]
    # The same text again (the sandbox remembers renderings) gives equal, separate entities.
    again = _render(source, "HTML")[1]
    assert again == entities and all(a is not b for a, b in zip(again, entities, strict=True))


MARKUP_PIECES = st.sampled_from(
    [*"<>&;#x/ab =\"'\n", "<b>", "</b>", "<i>", "</i>", "&amp;", "&#", "<a href=", "<pre>"]
)


@given(st.text() | st.lists(MARKUP_PIECES).map("".join))
def test_html_parser_fails_only_with_html_parse_error(text: str) -> None:
    with contextlib.suppress(HTMLParseError):
        plain, entities = parse_with_entities(text)
        assert all(0 <= e.start < e.end <= len(plain) for e in entities)


@given(st.text())
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    assert parse_telegram_html(html.escape(text, quote=False)) == text
    assert parse_telegram_html(html.escape(text, quote=True)) == text


# ---------------------------------------------------------------------- basic methods


async def test_get_me_and_unknown_method_and_wrong_token(sandbox: BotAPISandbox, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "visnyk_sandbox_bot", True)
    intruder = make_bot(sandbox, "654321:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await intruder.get_me()
    finally:
        await close_bot(intruder)
    async with aiohttp.ClientSession(sandbox.base_url) as http:
        async with http.post(f"/bot{SANDBOX_TOKEN}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        # Method names are case-insensitive; JSON bodies are accepted too.
        async with http.post(
            f"/bot{SANDBOX_TOKEN}/SENDMESSAGE", json={"chat_id": 7, "text": "hi"}
        ) as resp:
            body = await resp.json()
            assert body["ok"] is True and body["result"]["text"] == "hi"
    assert sandbox.calls["getMe"] == 2 and sandbox.calls["sendMessage"] == 1
    assert sandbox.errors[401] == 1 and sandbox.errors[404] == 1


async def test_send_message_is_stored(sandbox: BotAPISandbox, bot: Bot) -> None:
    sent = await bot.send_message(
        USER,
        "<b>Новини</b> &amp; 😀 <i>тут</i>",
        parse_mode="HTML",
        reply_markup=keyboard(("Так ✅", "yes"), ("Ні", "no")),
    )
    assert sent.chat.id == USER and sent.from_user is not None and sent.from_user.is_bot
    assert sent.text == "Новини & 😀 тут"
    assert sent.html_text == "<b>Новини</b> &amp; 😀 <i>тут</i>"  # entities round-trip
    [stored] = sandbox.sent(USER)
    assert stored.message_id == sent.message_id == 1
    assert stored.text == "<b>Новини</b> &amp; 😀 <i>тут</i>"
    assert stored.plain_text == "Новини & 😀 тут"
    assert stored.parse_mode == "HTML"
    assert [button["text"] for row in stored.buttons for button in row] == ["Так ✅", "Ні"]
    assert stored.button("Так")["callback_data"] == "yes"
    with pytest.raises(LookupError, match="Так ✅"):
        stored.button("Maybe")
    assert sandbox.sent_total == 1 and sandbox.delivered_counts() == {USER: 1}
    assert sandbox.last_message_id(USER) == 1


@pytest.mark.parametrize("text", ["<script>x</script>", "a < b", "<b>unclosed", "R&D"])
async def test_invalid_html_is_rejected(bot: Bot, text: str) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, text, parse_mode="HTML")


async def test_text_validation(sandbox: BotAPISandbox, bot: Bot) -> None:
    for empty in ("", "   \n", "<b> </b>"):
        with pytest.raises(TelegramBadRequest, match="message text is empty"):
            await bot.send_message(USER, empty, parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "😀" * 2049)  # 4098 UTF-16 units
    await bot.send_message(USER, "x" * 4096)
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "k", reply_markup=keyboard(("long", "x" * 65)))
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(-42, "nobody here")
    assert len(sandbox.sent(USER)) == 2


async def test_edit_and_delete(sandbox: BotAPISandbox, bot: Bot) -> None:
    sent = await bot.send_message(USER, "one", reply_markup=keyboard(("A", "a")))
    [stored] = sandbox.sent(USER)
    edited = await bot.edit_message_text(
        "<b>two</b>",
        chat_id=USER,
        message_id=sent.message_id,
        parse_mode="HTML",
        reply_markup=keyboard(("B", "b")),
    )
    assert isinstance(edited, Message) and edited.text == "two" and edited.edit_date
    assert (stored.plain_text, stored.edits, stored.buttons[0][0]["text"]) == ("two", 1, "B")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<b>two</b>",
            chat_id=USER,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard(("B", "b")),
        )
    await bot.edit_message_reply_markup(
        chat_id=USER, message_id=sent.message_id, reply_markup=keyboard(("C", "c"))
    )
    assert stored.button("C") and stored.edits == 2
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=USER, message_id=sent.message_id, reply_markup=keyboard(("C", "c"))
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=99)
    assert await bot.delete_message(USER, sent.message_id) is True
    assert stored.deleted and sandbox.sent(USER) == []
    assert sandbox.sent(USER, include_deleted=True) == [stored]
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("again", chat_id=USER, message_id=sent.message_id)


async def test_callback_queries(sandbox: BotAPISandbox, bot: Bot) -> None:
    await bot.send_message(USER, "menu", reply_markup=keyboard(("Latest news", "m:latest")))
    [menu] = sandbox.sent(USER)
    update = sandbox.press(menu, "Latest")
    query = update["callback_query"]
    assert query["data"] == "m:latest" and query["from"]["id"] == USER
    assert query["message"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Latest news"
    with pytest.raises(LookupError):
        sandbox.press(menu, "Nope")
    assert await bot.answer_callback_query(query["id"], text="Done") is True
    assert sandbox.callback_answers == [{"callback_query_id": query["id"], "text": "Done"}]
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query["id"])


async def test_long_polling(sandbox: BotAPISandbox, bot: Bot) -> None:
    assert await bot.get_updates(timeout=0) == []
    started = time.monotonic()
    polling = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    sandbox.send_message(USER, "/start")
    updates = await asyncio.wait_for(polling, 2)
    assert time.monotonic() - started < 1.0
    [update] = updates
    assert update.message is not None and update.message.text == "/start"
    assert update.message.entities is not None
    assert update.message.entities[0].type == "bot_command"
    # Not confirmed yet: delivered again; confirmed with offset: gone.
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update.update_id]
    sandbox.send_message(USER, "second")
    later = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert [u.message.text for u in later if u.message] == ["second"]
    assert await bot.get_updates(offset=later[-1].update_id + 1, timeout=0) == []
    # A long poll with nothing to deliver waits its timeout, then answers [].
    started = time.monotonic()
    assert await bot.get_updates(offset=later[-1].update_id + 1, timeout=1) == []
    assert 0.9 < time.monotonic() - started < 2


async def test_allowed_updates(sandbox: BotAPISandbox, bot: Bot) -> None:
    sandbox.my_chat_member(USER, user_id=USER, old_status="member", new_status="member")
    sandbox.send_message(USER, "hello")
    updates = await bot.get_updates(timeout=0, allowed_updates=["message"])
    assert [u.event_type for u in updates] == ["message"]


async def test_a_webhook_gets_updates_with_its_secret_and_again_after_a_failure(
    sandbox: BotAPISandbox, bot: Bot
) -> None:
    """Like Telegram: while a webhook is set, updates are posted to it (with the secret, only
    the kinds asked for), an update the webhook failed comes again, and getUpdates conflicts."""
    received: list[tuple[str, JSON]] = []
    answers = iter([500, 200, 200])

    async def webhook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), await request.json())
        )
        return web.json_response({}, status=next(answers))

    app = web.Application()
    app.router.add_post("/hook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        with pytest.raises(TelegramBadRequest, match="HTTPS URL must be provided"):
            await bot.set_webhook("http://example.org/hook")
        await bot.set_webhook(
            f"http://127.0.0.1:{port}/hook", secret_token="abc", allowed_updates=["message"]
        )
        sandbox.my_chat_member(USER, user_id=USER, old_status="member", new_status="member")
        sandbox.send_message(USER, "first")
        sandbox.send_message(USER, "second")
        await sandbox.wait_until(lambda: len(sandbox.webhook_answers) == 3)
        texts = [update["message"]["text"] for _, update in received]
        assert sorted(texts) == ["first", "first", "second"]  # the failed one came again
        assert {secret for secret, _ in received} == {"abc"}
        assert sorted(sandbox.webhook_answers) == [200, 200, 500]
        with pytest.raises(TelegramConflictError):
            await bot.get_updates(timeout=0)
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook") and info.pending_update_count == 0
        await bot.delete_webhook()
        sandbox.send_message(USER, "polled")
        [update] = await bot.get_updates(timeout=0)
        assert update.message is not None and update.message.text == "polled"
    finally:
        await runner.cleanup()


# ---------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("fault", "error", "match"),
    [
        (ChatFault("blocked"), TelegramForbiddenError, "bot was blocked by the user"),
        (ChatFault("deactivated"), TelegramForbiddenError, "user is deactivated"),
        (ChatFault("kicked"), TelegramForbiddenError, "bot was kicked from the group chat"),
        (ChatFault("not_found"), TelegramBadRequest, "chat not found"),
        (ChatFault("server_error"), TelegramServerError, "Internal Server Error"),
    ],
)
async def test_faults(
    sandbox: BotAPISandbox, bot: Bot, fault: ChatFault, error: type[Exception], match: str
) -> None:
    sandbox.set_fault(USER, ChatFault(fault.kind, times=1))
    with pytest.raises(error, match=match):
        await bot.send_message(USER, "x")
    await bot.send_message(USER, "cleared after one call")
    sandbox.set_fault(USER, fault)
    for _ in range(2):
        with pytest.raises(error, match=match):
            await bot.send_message(USER, "x")
    sandbox.clear_faults()
    await bot.send_message(USER, "cleared")
    assert len(sandbox.sent(USER)) == 2


async def test_a_bad_gateway_is_a_proxys_page_not_a_bot_api_answer(
    sandbox: BotAPISandbox, bot: Bot
) -> None:
    sandbox.set_fault(USER, ChatFault("bad_gateway", times=1))
    with pytest.raises(ClientDecodeError, match="<title>502 Bad Gateway</title>"):
        await bot.send_message(USER, "x")  # aiogram's own session reads no JSON in it
    assert sandbox.errors[502] == 1
    await bot.send_message(USER, "cleared after one call")
    assert len(sandbox.sent(USER)) == 1


async def test_migrate_flood_and_delay_faults(sandbox: BotAPISandbox, bot: Bot) -> None:
    sandbox.add_chat(-5, type="group", title="Old group")
    sandbox.set_fault(-5, ChatFault("migrate", migrate_to_chat_id=GROUP))
    with pytest.raises(TelegramMigrateToChat) as migrated:
        await bot.send_message(-5, "x")
    assert migrated.value.migrate_to_chat_id == GROUP
    assert "group chat was upgraded to a supergroup chat" in migrated.value.message

    sandbox.set_fault(USER, ChatFault("flood", retry_after=7, times=1))
    with pytest.raises(TelegramRetryAfter) as flood:
        await bot.send_message(USER, "x")
    assert flood.value.retry_after == 7
    assert "Too Many Requests: retry after 7" in flood.value.message
    await bot.send_message(USER, "fine again")

    sandbox.set_fault(USER, ChatFault("delay", delay=0.3, times=1))
    started = time.monotonic()
    await bot.send_message(USER, "slow")
    assert time.monotonic() - started >= 0.3
    assert [m.plain_text for m in sandbox.sent(USER)] == ["fine again", "slow"]
    assert sandbox.errors == {400: 1, 429: 1}


async def test_a_hold_fault_keeps_a_request_until_released(
    sandbox: BotAPISandbox, bot: Bot
) -> None:
    sandbox.set_fault(USER, ChatFault("hold", times=1))
    held = asyncio.create_task(bot.send_message(USER, "held"))
    await sandbox.wait_until(lambda: sandbox.held == 1)
    assert sandbox.sent(USER) == [] and not held.done()
    assert await sandbox.quiet(settle=0.05, timeout=1)  # the test holds it, not the bot
    sandbox.release()
    message = await asyncio.wait_for(held, 5)
    assert [m.message_id for m in sandbox.sent(USER)] == [message.message_id]
    assert sandbox.held == 0


async def test_blocked_through_my_chat_member(sandbox: BotAPISandbox, bot: Bot) -> None:
    update = sandbox.my_chat_member(USER, user_id=USER, old_status="member", new_status="kicked")
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(USER, "x")
    sandbox.my_chat_member(USER, user_id=USER, old_status="kicked", new_status="member")
    await bot.send_message(USER, "welcome back")


# ---------------------------------------------------------------------- rate limits


async def test_rate_limit_per_private_chat() -> None:
    async with BotAPISandbox(limits=RateLimits()) as sandbox:
        bot = make_bot(sandbox)
        try:
            for i in range(3):
                await bot.send_message(USER, f"burst {i}")
            with pytest.raises(TelegramRetryAfter) as flood:
                await bot.send_message(USER, "4th")
            assert flood.value.retry_after == 1
            await bot.send_message(USER + 1, "another chat is fine")
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(USER, "5th")
        finally:
            await close_bot(bot)
        assert len(sandbox.sent(USER)) == 3 and sandbox.errors[429] == 2


async def test_strict_limits_count_every_send_in_a_sliding_second() -> None:
    """30 sends spread over 0.6 s fill the second: a 31st is refused until the first leaves
    the window, though a token bucket would have refilled by then. Edits count too."""
    async with BotAPISandbox(limits=RateLimits()) as sandbox:
        bot = make_bot(sandbox)
        try:
            first = await bot.send_message(1000, "0")
            for i in range(1, 29):
                await bot.send_message(1000 + i, str(i))
                await asyncio.sleep(0.02)
            await bot.edit_message_text("0, edited", chat_id=1000, message_id=first.message_id)
            with pytest.raises(TelegramRetryAfter) as flood:
                await bot.send_message(2000, "31st")
            assert flood.value.retry_after == 1
            await asyncio.sleep(1.0)
            await bot.send_message(2000, "a second later")
        finally:
            await close_bot(bot)
        busiest = sandbox.stats()["busiest_second"]
        assert busiest == {"all": 30, "unpaid": 30}


async def test_lenient_limits_let_a_second_hold_more() -> None:
    async with BotAPISandbox(limits=RateLimits(strict=False)) as sandbox:
        bot = make_bot(sandbox)
        try:
            for i in range(30):
                await bot.send_message(1000 + i, str(i))
            await asyncio.sleep(0.5)  # the bucket refills 15
            for i in range(10):
                await bot.send_message(1100 + i, str(i))
        finally:
            await close_bot(bot)
        assert sandbox.errors[429] == 0
        assert sandbox.stats()["busiest_second"]["all"] == 40


async def test_strict_paid_sends_leave_unpaid_ones_at_thirty() -> None:
    async with BotAPISandbox(limits=RateLimits()) as sandbox:
        bot = make_bot(sandbox)
        try:
            await asyncio.gather(
                *(
                    bot.send_message(3000 + i, "paid", allow_paid_broadcast=True)
                    for i in range(100)
                )
            )
            results = await asyncio.gather(
                *(bot.send_message(4000 + i, "unpaid") for i in range(35)),
                return_exceptions=True,
            )
        finally:
            await close_bot(bot)
        assert sum(isinstance(result, TelegramRetryAfter) for result in results) == 5
        stats = sandbox.stats()
        # All 130 within one second on an idle machine; spread wider on a loaded one.
        assert stats["sent_total"] == 130 and stats["busiest_second"]["all"] <= 130
        assert stats["busiest_second"]["unpaid"] == 30


async def test_strict_group_holds_twenty_in_any_minute() -> None:
    async with BotAPISandbox(limits=RateLimits(per_group_per_minute=3)) as sandbox:
        sandbox.add_chat(GROUP, type="supergroup", title="Громада")
        bot = make_bot(sandbox)
        try:
            for i in range(3):
                await bot.send_message(GROUP, f"group {i}")
            with pytest.raises(TelegramRetryAfter) as flood:
                await bot.send_message(GROUP, "4th")
            assert 59 <= flood.value.retry_after <= 60
        finally:
            await close_bot(bot)


async def test_rate_limit_per_group_and_overall() -> None:
    async with BotAPISandbox(limits=RateLimits()) as sandbox:
        sandbox.add_chat(GROUP, type="supergroup", title="Громада")
        bot = make_bot(sandbox)
        try:
            for i in range(20):
                await bot.send_message(GROUP, f"group {i}")
            with pytest.raises(TelegramRetryAfter) as flood:
                await bot.send_message(GROUP, "21st")
            assert flood.value.retry_after >= 2  # the group refills at 20 a minute

            sandbox.reset()
            results = await asyncio.gather(
                *(bot.send_message(1000 + i, "broadcast") for i in range(40)),
                return_exceptions=True,
            )
            refused = [r for r in results if isinstance(r, TelegramRetryAfter)]
            assert sum(isinstance(r, Message) for r in results) >= 30
            assert 0 < len(refused) <= 10
            paid = await bot.send_message(5000, "paid", allow_paid_broadcast=True)
            assert paid.message_id == 1
        finally:
            await close_bot(bot)


# ---------------------------------------------------------------------- commands, files, chats


async def test_set_my_commands_per_language(sandbox: BotAPISandbox, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Головне меню")])
    await bot.set_my_commands(
        [BotCommand(command="start", description="Main menu")], language_code="en"
    )
    await bot.set_my_commands(
        [BotCommand(command="help", description="Help")], scope=BotCommandScopeAllPrivateChats()
    )
    assert sandbox.commands[("default", "")] == [
        {"command": "start", "description": "Головне меню"}
    ]
    assert sandbox.commands[("default", "en")][0]["description"] == "Main menu"
    assert sandbox.commands[("all_private_chats", "")][0]["command"] == "help"
    [command] = await bot.get_my_commands(language_code="en")
    assert command.description == "Main menu"
    await bot.delete_my_commands(language_code="en")
    assert ("default", "en") not in sandbox.commands
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Name", description="x")])


async def test_commands_of_one_chat(sandbox: BotAPISandbox, bot: Bot) -> None:
    sandbox.add_chat(501)
    mine = [BotCommand(command="push", description="Push")]
    await bot.set_my_commands(mine, scope=BotCommandScopeChat(chat_id=501), language_code="en")
    assert sandbox.commands[("chat:501", "en")] == [{"command": "push", "description": "Push"}]
    [command] = await bot.get_my_commands(
        scope=BotCommandScopeChat(chat_id=501), language_code="en"
    )
    assert command.command == "push"
    assert await bot.get_my_commands(scope=BotCommandScopeChat(chat_id=501)) == []
    await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=501), language_code="en")
    assert ("chat:501", "en") not in sandbox.commands
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.set_my_commands(mine, scope=BotCommandScopeChat(chat_id=404))


async def test_send_document_and_download(sandbox: BotAPISandbox, bot: Bot) -> None:
    sent = await bot.send_document(
        USER,
        BufferedInputFile(b"id,name\n1,a\n", "members.csv"),
        caption="<b>Export</b>",
        parse_mode="HTML",
    )
    assert sent.document is not None and sent.document.file_name == "members.csv"
    assert sent.caption == "Export"
    [stored] = sandbox.sent(USER)
    assert stored.document == ("members.csv", b"id,name\n1,a\n")
    assert stored.method == "sendDocument" and stored.plain_text == "Export"
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(USER, BufferedInputFile(b"x", "x.txt"), caption="c" * 1025)

    update = sandbox.send_message(USER, "", document=("notes.txt", "привіт".encode()))
    document = update["message"]["document"]
    assert "caption" not in update["message"]
    downloaded = await bot.download(document["file_id"])
    assert downloaded is not None and downloaded.read() == "привіт".encode()
    file = await bot.get_file(sent.document.file_id)
    assert file.file_path is not None
    again = await bot.download_file(file.file_path)
    assert again is not None and again.read() == b"id,name\n1,a\n"


async def test_chat_information(sandbox: BotAPISandbox, bot: Bot) -> None:
    sandbox.add_user(USER, first_name="Олена", username="olena")
    sandbox.add_chat(GROUP, type="supergroup", title="Громада", username="hromada")
    sandbox.set_member(GROUP, USER, "creator")
    sandbox.set_member(GROUP, 777, "administrator")
    sandbox.set_member(GROUP, 778, "kicked")
    chat = await bot.get_chat(USER)
    assert (chat.type, chat.first_name, chat.username) == ("private", "Олена", "olena")
    group = await bot.get_chat("@hromada")
    assert (group.id, group.title) == (GROUP, "Громада")
    member = await bot.get_chat_member(GROUP, USER)
    assert member.status == "creator" and member.user.first_name == "Олена"
    assert (await bot.get_chat_member(GROUP, 778)).status == "kicked"
    assert (await bot.get_chat_member(GROUP, 999)).status == "member"
    admins = await bot.get_chat_administrators(GROUP)
    assert {admin.user.id for admin in admins} == {USER, 777}
    assert await bot.get_chat_member_count(GROUP) == 3
    assert await bot.send_chat_action(USER, "typing") is True
    copied = await bot.copy_message(
        USER,
        from_chat_id=USER,
        message_id=(await bot.send_message(USER, "<i>original</i>", parse_mode="HTML")).message_id,
    )
    assert sandbox.sent(USER)[-1].message_id == copied.message_id
    assert sandbox.sent(USER)[-1].plain_text == "original"


async def test_channel_posts_and_wait_for(sandbox: BotAPISandbox, bot: Bot) -> None:
    update = sandbox.channel_post(-100777, "news")
    post = update["channel_post"]
    assert "from" not in post and post["chat"]["type"] == "channel"
    [parsed] = await bot.get_updates(timeout=0)
    assert parsed.channel_post is not None and parsed.channel_post.text == "news"
    since = sandbox.last_message_id(USER)

    async def later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(USER, "a")
        await bot.send_message(USER, "b")

    task = asyncio.create_task(later())
    messages = await sandbox.wait_for(USER, 2, since=since, timeout=2)
    await task
    assert [m.plain_text for m in messages] == ["a", "b"]
    with pytest.raises(TimeoutError, match=f"chat {USER}"):
        await sandbox.wait_for(USER, 3, since=since, timeout=0.05)


# ---------------------------------------------------------------------- a whole dispatcher


async def test_dispatcher_polls_the_sandbox(sandbox: BotAPISandbox, bot: Bot) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(
            "Привіт, <b>світ</b>!", parse_mode="HTML", reply_markup=keyboard(("Далі", "next"))
        )

    @router.callback_query(F.data == "next")
    async def next_page(query: CallbackQuery) -> None:
        await query.answer("ok")
        assert isinstance(query.message, Message)
        await query.message.edit_text("Сторінка 2")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    try:
        sandbox.add_user(USER, first_name="Олена")
        sandbox.send_message(USER, "/start")
        [greeting] = await sandbox.wait_for(USER, since=1, timeout=3)
        assert greeting.plain_text == "Привіт, світ!"
        sandbox.press(greeting, "Далі")
        await sandbox.wait_until(lambda: greeting.edits == 1, timeout=3)
        assert greeting.plain_text == "Сторінка 2" and greeting.buttons == []
        assert sandbox.callback_answers[0]["text"] == "ok"
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 3)


# ---------------------------------------------------------------------- replies, photos, control


async def test_replies_and_photos(sandbox: BotAPISandbox, bot: Bot) -> None:
    question = sandbox.send_message(USER, "питання")["message"]
    answer = await bot.send_message(
        USER, "відповідь", reply_parameters=ReplyParameters(message_id=question["message_id"])
    )
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "питання"
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(USER, "x", reply_parameters=ReplyParameters(message_id=999))
    photo = await bot.send_photo(USER, BufferedInputFile(b"\x89PNG", "map.png"), caption="Мапа")
    assert photo.photo and photo.caption == "Мапа"
    stored = sandbox.sent(USER)[-1]
    assert (stored.method, stored.document) == ("sendPhoto", ("map.png", b"\x89PNG"))
    reply = sandbox.send_message(USER, "дякую", reply_to_message_id=answer.message_id)
    assert reply["message"]["reply_to_message"]["text"] == "відповідь"


async def test_control_endpoints(sandbox: BotAPISandbox, bot: Bot) -> None:
    async with aiohttp.ClientSession(sandbox.base_url) as http:
        messages = [{"chat_id": 10 + i, "text": f"/start {i}"} for i in range(3)]
        async with http.post("/sandbox/updates", json={"messages": messages}) as resp:
            assert (await resp.json())["result"]["queued"] == 3
        updates = await bot.get_updates(timeout=0)
        assert [u.message.text for u in updates if u.message] == [
            "/start 0",
            "/start 1",
            "/start 2",
        ]
        async with http.post("/sandbox/faults", json={"chat_id": 10, "kind": "blocked"}) as resp:
            assert resp.status == 200
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(10, "x")
        async with http.post("/sandbox/faults", json={"chat_id": 10, "kind": "bogus"}) as resp:
            assert resp.status == 400
        await bot.send_message(11, "hello")
        async with http.get("/sandbox/stats") as resp:
            stats = await resp.json()
        assert stats["sent_total"] == 1 and stats["sent_by_chat"] == {"11": 1}
        assert stats["errors"] == {"403": 1} and stats["calls"]["sendMessage"] == 2
        async with http.post("/sandbox/limits", json={"enabled": True}) as resp:
            assert (await resp.json())["result"]["enabled"] is True
        async with http.post("/sandbox/reset") as resp:
            assert resp.status == 200
    assert sandbox.sent_total == 0 and sandbox.limits.enabled


async def test_standalone_process() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox",
        "--port",
        "0",
        "--limits",
        "off",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        assert line.startswith("SANDBOX READY http://127.0.0.1:")
        base_url = line.split()[-1]
        bot = Bot(SANDBOX_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
        try:
            assert (await bot.send_message(USER, "<b>hi</b>", parse_mode="HTML")).text == "hi"
        finally:
            await close_bot(bot)
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 5) == 0
