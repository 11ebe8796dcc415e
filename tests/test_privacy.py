"""/stop: asked once with buttons, then the chat is unsubscribed and forgotten."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox import SentMessage
from storage.models import ChatType, NewItem
from storage.repositories import Storage
from tests.client import USER_ID, BotClient
from tests.test_subscriptions import GROUP_ADMIN_ID, GROUP_ID, MEMBER_ID, in_group, press


async def deliveries_of(store: Storage, chat_id: int) -> int:
    row = await store.db.fetchone("SELECT count(*) FROM deliveries WHERE chat_id = ?", (chat_id,))
    return int(row[0]) if row else 0


def current(client: BotClient, message: SentMessage) -> SentMessage:
    """The message as it is now in the chat (after edits)."""
    [now] = [m for m in client.sandbox.sent(message.chat_id) if m.message_id == message.message_id]
    return now


async def test_stop_asks_first_then_forgets_the_chat(client: BotClient, store: Storage) -> None:
    await client.send("/subscribe Чернігів, Львів")
    await store.outbox.publish(
        NewItem(region_code="UA-74", title="Новина", published_at=datetime.now(UTC))
    )
    assert await deliveries_of(store, USER_ID) == 1

    # "No" keeps everything.
    [question] = await client.send("/stop")
    assert "Зупинити й видалити дані цього чату?" in question.plain_text
    await press(client, question, "Ні, залишити")
    assert "Нічого не видалено" in current(client, question).plain_text
    assert current(client, question).buttons == []
    assert await store.subscriptions.regions_of(USER_ID) == {"UA-46", "UA-74"}

    # "Yes" deletes the subscriptions, the deliveries and the chat's record.
    [question] = await client.send("/stop")
    answer = await press(client, question, "Так, видалити")
    assert answer.get("text") == "Видалено."
    assert "Готово: чат відписано, його дані видалено." in current(client, question).plain_text
    assert await store.subscriptions.regions_of(USER_ID) == set()
    assert await store.chats.get(USER_ID) is None
    assert await deliveries_of(store, USER_ID) == 0
    # The bot still answers, as to anyone new; a second /stop has nothing left to delete.
    [latest] = await client.send("/latest")
    assert "Останні новини" in latest.plain_text
    [again] = await client.send("/stop")
    await press(client, again, "Так, видалити")
    assert "нічого не зберігав" in current(client, again).plain_text


async def test_stop_in_english(client: BotClient) -> None:
    english = client.as_user(611, language="en")
    [question] = await english.send("/stop")
    assert "Stop and delete this chat's data?" in question.plain_text
    assert [b["text"] for row in question.buttons for b in row] == ["🗑 Yes, delete", "No, keep"]


async def test_only_a_groups_admins_may_stop_it(client: BotClient, store: Storage) -> None:
    await store.chats.upsert(GROUP_ID, ChatType.SUPERGROUP, "Громада", "uk")
    await store.subscriptions.add(GROUP_ID, ["UA-46"])
    member = in_group(client, MEMBER_ID)
    [refused] = await member.send("/stop")
    assert "лише його адміністратори" in refused.plain_text
    client.sandbox.set_member(GROUP_ID, GROUP_ADMIN_ID, "administrator")
    admin = in_group(client, GROUP_ADMIN_ID)
    [question] = await admin.send("/stop")
    # A member pressing the admin's question is refused; the admin's press goes through.
    refusal = await press(member, question, "Так, видалити")
    assert "лише його адміністратори" in str(refusal.get("text"))
    assert await store.subscriptions.regions_of(GROUP_ID) == {"UA-46"}
    await press(admin, question, "Так, видалити")
    assert await store.subscriptions.regions_of(GROUP_ID) == set()
    assert await store.chats.get(GROUP_ID) is None
