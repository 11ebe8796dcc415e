"""/stats: what an admin sees, from what the store holds; refused to everyone else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.models import ChatType, ItemKind, NewItem
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
