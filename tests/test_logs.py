"""Logs: the real bot at DEBUG, through a start-up that cannot reach Telegram, errors of every
kind and a broadcast, never shows its token; JSON lines carry the ids they are about."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.factory import open_storage
from bot.logs import JsonFormatter, Redactor, TextFormatter
from infra.log_context import log_fields
from infra.settings import Settings
from sandbox import BotAPISandbox, ChatFault
from storage.lemmas import index_terms
from storage.models import ChatType, ItemKind, NewItem
from tests.client import ADMIN_ID
from tests.feed_server import FeedServer
from tests.test_entrypoint import free_port, start_bot

# Shaped like @BotFather's: the bot's id, a colon, 35 characters.
TOKEN = "7283941056:AAF3kqZ_x9-TokenThatMustNeverShow42"
SECRET_HALF = TOKEN.split(":", 1)[1]
READERS = (9101, 9102, 9103, 9104, 9105, 9106)
BLOCKED, FLAKY, FLOODED, VANISHED = READERS[:4]


async def read_lines(stream: asyncio.StreamReader, into: list[str]) -> None:
    while line := await stream.readline():
        into.append(line.decode())


async def wait_for_line(lines: list[str], text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in line for line in lines):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no line with {text!r} in {''.join(lines)[-3000:]}")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_the_token_never_appears_at_debug_through_errors_and_a_broadcast(
    tmp_path: Path, log_format: str
) -> None:
    database = tmp_path / "visnyk.db"
    store = await open_storage(Settings(_env_file=None, database_path=database))  # type: ignore[call-arg]
    for chat_id in READERS:
        await store.chats.upsert(chat_id, ChatType.PRIVATE, None, "uk")
        await store.subscriptions.add(chat_id, ["UA-74"])
    feeds = FeedServer()  # it serves no feed: the source's poll fails
    await feeds.start()
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[source]]\nurl = "{feeds.url("/gone.xml")}"\nregion = "UA-74"\n')
    port = free_port()
    sandbox = BotAPISandbox(token=TOKEN)
    # Telegram is out of reach at first: the start-up waits, and says so.
    process = await start_bot(
        None,
        database,
        tmp_path,
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=f"http://127.0.0.1:{port}",
        LOG_LEVEL="DEBUG",
        LOG_FORMAT=log_format,
        SOURCES_FILE=str(sources),
        FEEDS_ALLOW_PRIVATE="true",
    )
    assert process.stdout is not None and process.stderr is not None
    out: list[str] = []
    err: list[str] = []
    readers = [
        asyncio.create_task(read_lines(process.stdout, out)),
        asyncio.create_task(read_lines(process.stderr, err)),
    ]
    try:
        await wait_for_line(err, "cannot reach Telegram")
        await sandbox.start(port=port)
        for chat_id in (*READERS, ADMIN_ID):
            sandbox.add_user(chat_id, first_name=f"User{chat_id}", language_code="uk")
        sandbox.set_fault(BLOCKED, ChatFault("blocked"))
        sandbox.set_fault(FLAKY, ChatFault("server_error", times=2))
        sandbox.set_fault(FLOODED, ChatFault("flood", retry_after=1, times=1))
        sandbox.set_fault(VANISHED, ChatFault("not_found"))
        sandbox.send_message(ADMIN_ID, "/grant 555 editor", user_id=ADMIN_ID)
        await sandbox.wait_for(ADMIN_ID, 1, timeout=30)
        await store.outbox.publish(
            NewItem("UA-74", "Тривога", datetime.now(UTC), kind=ItemKind.BREAKING)
        )
        reached = (READERS[4], READERS[5], FLAKY, FLOODED)
        await sandbox.wait_until(lambda: all(sandbox.sent(chat) for chat in reached), timeout=60)
        await wait_for_line(err, "is gone")  # the blocked and vanished readers
        # At last a traceback: a row that kills the delivery worker (it is restarted).
        with sqlite3.connect(database) as raw:
            # Items are indexed by triggers that call the storage layer's search_terms.
            raw.create_function("search_terms", 1, index_terms, deterministic=True)
            raw.execute("PRAGMA ignore_check_constraints = ON")
            raw.execute(
                "INSERT INTO chats (id, type, language, active, created_at, updated_at) "
                "VALUES (-5, 'hovercraft', 'uk', 1, 0, 0)"
            )
            item_id = raw.execute(
                "INSERT INTO items (region_code, kind, title, published_at, created_at) "
                "VALUES ('UA-74', 'news', 'x', 0, 0)"
            ).lastrowid
            raw.execute(
                "INSERT INTO deliveries (item_id, chat_id, created_at) VALUES (?, -5, 0)",
                (item_id,),
            )
        await wait_for_line(err, "delivery died")
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=20)
        await asyncio.gather(*readers)
        await sandbox.stop()
        await feeds.stop()
        await store.db.close()
    log = "".join(out) + "".join(err)
    assert TOKEN not in log and SECRET_HALF not in log
    # What the log went through, so that the absence above means something.
    for said in ("cannot reach Telegram", "DEBUG", "is gone", "flood", "delivery died"):
        assert said in log, said
    assert ("Traceback" in log) if log_format == "text" else ('"exception": "Traceback' in log)

    if log_format == "json":
        records = [json.loads(line) for line in err]
        assert all({"time", "level", "logger", "message"} <= set(record) for record in records)
        context = {
            record["message"]: record.get("context", {})
            for record in records
            if record["logger"] in ("jobs.delivery", "jobs.ingest", "visnyk.audit")
        }
        [gone] = [
            fields for message, fields in context.items() if f"chat {BLOCKED} is gone" in message
        ]
        assert gone["chat_id"] == BLOCKED and gone["item_id"] >= 1 and gone["delivery_id"] >= 1
        [poll] = [
            fields for message, fields in context.items() if message.startswith("source 1 (")
        ]
        assert poll["source_id"] == 1
        [grant] = [fields for message, fields in context.items() if message.endswith(": grant")]
        assert grant["user_id"] == ADMIN_ID and grant["chat_id"] == ADMIN_ID
        assert grant["update_id"] >= 1


def test_the_redactor_scrubs_messages_arguments_and_tracebacks() -> None:
    redact = Redactor([TOKEN])
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "GET %s failed", (f"/bot{TOKEN}/getMe",), None
    )
    try:
        raise ConnectionError(f"https://api.telegram.org/bot{TOKEN}/sendMessage")
    except ConnectionError:
        record.exc_info = sys.exc_info()
    with log_fields(chat_id=5):
        lines = [TextFormatter(redact).format(record), JsonFormatter(redact).format(record)]
    for line in lines:
        assert TOKEN not in line and SECRET_HALF not in line
        assert "/bot<BOT_TOKEN>/getMe" in line
    document = json.loads(lines[1])
    assert document["context"] == {"chat_id": 5}
    assert "/bot<BOT_TOKEN>/sendMessage" in document["exception"]
    # Any other token-shaped text goes too; the secret half alone as well.
    assert redact("98765:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi") == "<BOT_TOKEN>"
    assert redact(f"key={SECRET_HALF}") == "key=<BOT_TOKEN>"
