"""/stats: what an admin sees, from what the store holds; refused to everyone else."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from storage.models import ChatType, DeliveryResult, DeliveryStatus, ItemKind, NewItem
from storage.repositories import Storage
from tests.client import ADMIN_ID, BotClient


async def test_stats_count_what_the_store_holds(client: BotClient, store: Storage) -> None:
    for chat_id, kind in (
        (11, ChatType.PRIVATE),
        (12, ChatType.PRIVATE),
        (-13, ChatType.SUPERGROUP),
        (-14, ChatType.CHANNEL),
        (15, ChatType.PRIVATE),
    ):
        await store.chats.upsert(chat_id, kind, None, "uk")
    await store.subscriptions.add(11, ["UA-74", "UA-46"])
    await store.subscriptions.add(12, ["UA-74"])
    await store.subscriptions.add(-13, ["UA-74"])
    await store.subscriptions.add(15, ["UA-46"])
    await store.outbox.skip_chat(15, "blocked")  # blocked the bot: no longer a reader
    now = datetime.now(UTC)
    await store.items.add_many([NewItem("UA-74", "Давня новина", now - timedelta(days=3))])
    # Published now: three deliveries wait (chats 11, 12 and the group).
    await store.outbox.publish(NewItem("UA-74", "Тривога", now, kind=ItemKind.BREAKING))
    feed, _ = await store.sources.upsert("https://example.org/rss", "UA-74", 300)
    await store.sources.upsert("https://example.org/other", "UA-46", 300)
    await store.sources.failed(feed.id, "HTTP 500", now.timestamp() + 60)

    [answer] = await client.as_user(ADMIN_ID).send("/stats")
    text = answer.plain_text
    assert "📊 Статистика" in text
    assert "Чати: особистих 2, груп 1, каналів 1" in text
    assert "Ще 1 заблокували бота або вилучили його." in text
    assert "Підписки: 4" in text
    assert "   Чернігівщина: 3\n   Львівщина: 1" in text
    assert "Новин за добу: 1 (термінових: 1); усього збережено: 2" in text
    assert "Джерел стрічок: 2, зараз з помилками: 1" in text
    assert "Чекають надсилання: 3" in text


async def test_stats_are_for_admins_only(client: BotClient) -> None:
    [answer] = await client.send("/stats")
    assert answer.plain_text == "Ця команда вам недоступна."


async def test_stats_come_with_a_picture_of_the_day_and_the_top_regions(
    client: BotClient, store: Storage
) -> None:
    for chat_id, regions in ((21, ["UA-74"]), (22, ["UA-74", "UA-46"]), (23, ["UA-46"])):
        await store.chats.upsert(chat_id, ChatType.PRIVATE, None, "uk")
        await store.subscriptions.add(chat_id, regions)
    published = await store.outbox.publish(NewItem("UA-74", "Тривога", datetime.now(UTC)))
    assert published.deliveries == 2
    [first, _second] = await store.outbox.due(10, time.time())
    await store.outbox.record(
        [DeliveryResult(first.id, DeliveryStatus.SENT, 1, message_id=5, sent_at=time.time())]
    )

    # Drawing imports matplotlib the first time (and may build its font cache).
    [answer] = await client.as_user(ADMIN_ID).send("/stats", timeout=60)
    assert answer.method == "sendPhoto"
    assert answer.plain_text.startswith("📊 Статистика")  # the text is the caption
    assert "Чернігівщина: 2" in answer.plain_text
    assert answer.document is not None
    name, png = answer.document
    assert name == "stats.png" and png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as picture:
        picture.load()  # decodes every pixel: a truncated or corrupt file raises
        assert picture.size == (1000, 900)
        colours = {colour for _count, colour in picture.convert("RGB").getcolors(1_000_000)}
    assert (46, 125, 50) in colours  # a bar of sent messages
    assert (30, 136, 229) in colours  # waiting ones, and the regions' bars
    # Nothing is drawn in the text only: the pixels are the chart's.
    assert len(colours) > 50


def test_matplotlib_is_imported_only_when_stats_draws() -> None:
    """Starting the bot does not pay for matplotlib; only /stats does."""
    probe = (
        "import sys, bot.__main__, bot.app, bot.factory, handlers; "
        "from handlers import stats_chart; "
        "print(sorted(name for name in sys.modules if name.startswith('matplotlib')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.stdout.strip() == "[]"
