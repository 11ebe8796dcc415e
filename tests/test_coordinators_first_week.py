"""What coordinators complained about in their first week (issue 14, "Coordinators"), end to
end: every status change asks first; /members buttons say whose card they open; a card edits
a member's name, contact and notes and notes the event it took part in, each confirmed and
audited."""

from __future__ import annotations

from datetime import UTC, date, datetime

from handlers.members.keyboards import MemberAction, MemberCb
from storage.events import NewEvent
from storage.members import Member, MemberFields, MemberStatus
from storage.models import ItemKind, NewItem
from storage.repositories import Storage
from storage.roles import Role
from tests.client import ADMIN_ID, BotClient

LVIV = "UA-46"
COORDINATOR = 701


async def add(store: Storage, name: str, region: str = LVIV, contact: str = "") -> Member:
    fields = MemberFields(
        name=name,
        region_code=region,
        status=MemberStatus.ADMITTED,
        since=date(2025, 5, 24),
        contact=contact,
    )
    return await store.members.add(fields, by=ADMIN_ID)


async def coordinator(client: BotClient, store: Storage) -> BotClient:
    await store.roles.grant(COORDINATOR, Role.COORDINATOR, {LVIV}, by=ADMIN_ID)
    return client.as_user(COORDINATOR)


def current(user: BotClient, message_id: int) -> str:
    [message] = [m for m in user.sandbox.sent(user.chat_id) if m.message_id == message_id]
    return message.plain_text


async def press(user: BotClient, message_id: int, label: str) -> dict[str, object]:
    [message] = [m for m in user.sandbox.sent(user.chat_id) if m.message_id == message_id]
    return await user.click_data(message, message.button(label)["callback_data"])


async def audited(store: Storage, action: str) -> int:
    return [entry.action for entry in await store.audit.recent(100)].count(action)


async def test_every_status_change_says_what_will_happen_and_asks(
    client: BotClient, store: Storage
) -> None:
    member = await add(store, "ГО «Відкрите місто»")
    user = await coordinator(client, store)
    [card] = await user.send(f"/member {member.id}")
    await press(user, card.message_id, "призупинено")
    question = current(user, card.message_id)
    assert question.startswith("❓ Змінити статус учасника?")
    assert f"Учасник: ГО «Відкрите місто» (№{member.id}, Львівщина)" in question
    assert "Статус: ✅ прийнято → ⏸ призупинено, від " in question
    assert (await store.members.get(member.id)) == member  # nothing yet
    answered = await press(user, card.message_id, "Скасувати")
    assert answered.get("text") == "Нічого не змінено."
    assert current(user, card.message_id).startswith("👥 ГО «Відкрите місто»")  # the card again
    assert (await store.members.get(member.id)) == member

    await press(user, card.message_id, "членство припинено")
    answered = await press(user, card.message_id, "Так, змінити")
    assert answered.get("text") == "Готово: змінено."
    changed = await store.members.get(member.id)
    assert changed is not None and changed.status is MemberStatus.LEFT
    assert "Статус: 🚪 членство припинено від" in current(user, card.message_id)
    # A confirmation with nothing pending (an old question's button) changes nothing.
    await press(user, card.message_id, "на розгляді")
    await press(user, card.message_id, "Скасувати")
    confirm = MemberCb(action=MemberAction.CONFIRM, member_id=member.id).pack()
    answered = await user.click_data(card, confirm)
    assert "застаріла" in str(answered.get("text"))
    assert (await store.members.get(member.id)).status is MemberStatus.LEFT  # type: ignore[union-attr]

    # /suspend asks too, with the reason; Cancel changes nothing.
    [question] = await user.send(f"/suspend {member.id} не звітує")
    assert "Статус: 🚪 членство припинено → ⏸ призупинено" in question.plain_text
    assert "Причина: не звітує" in question.plain_text
    await press(user, question.message_id, "Скасувати")
    assert current(user, question.message_id) == "Скасовано, нічого не змінено."
    assert (await store.members.get(member.id)).status is MemberStatus.LEFT  # type: ignore[union-attr]
    [question] = await user.send(f"/suspend {member.id} не звітує")
    await press(user, question.message_id, "Так, змінити")
    assert current(user, question.message_id).startswith("⏸ Призупинено: ГО «Відкрите місто»")
    history = await store.members.history(member.id)
    assert [change.status for change in history][-1] is MemberStatus.SUSPENDED
    assert history[-1].reason == "не звітує"
    assert await audited(store, "member_status") == 2

    # The audit log says it in words.
    [roles] = await client.as_user(ADMIN_ID).send("/roles")
    assert (
        f"Змінено статус: ГО «Відкрите місто» (№{member.id}, Львівщина) — 🚪 членство "
        "припинено → ⏸ призупинено (не звітує)" in roles.plain_text
    )


async def test_members_buttons_carry_names(client: BotClient, store: Storage) -> None:
    short = await add(store, "ГО «Відкрите місто»")
    long = await add(store, "Громадська організація «Львівська асоціація прозорості влади»")
    user = await coordinator(client, store)
    [listing] = await user.send("/members")
    labels = [str(button["text"]) for row in listing.buttons for button in row]
    assert f"№{short.id} ГО «Відкрите місто»" in labels
    [shortened] = [label for label in labels if label.startswith(f"№{long.id} ")]
    assert shortened.startswith(f"№{long.id} Громадська") and shortened.endswith("…")
    assert len(shortened) <= 40
    [card] = await user.click(listing, "Відкрите місто")
    assert card.plain_text.startswith("👥 ГО «Відкрите місто»")


async def test_a_card_edits_name_contact_and_notes_each_confirmed_and_audited(
    client: BotClient, store: Storage
) -> None:
    member = await add(store, "ГО «Відкрите місто»", contact="+380 00 000 0000")
    await add(store, "ГО «Сусіди»")
    user = await coordinator(client, store)
    [card] = await user.send(f"/member {member.id}")

    [prompt] = await user.click(card, "✏️ Назва")
    assert "Назва зараз: ГО «Відкрите місто»" in prompt.plain_text
    [refused] = await user.send("го сусіди")
    assert "Таку назву вже має інший учасник цього регіону" in refused.plain_text
    [question] = await user.send("  ГО «Відкрите   місто Львова»  ")
    assert "Назва після зміни: ГО «Відкрите місто Львова»" in question.plain_text
    assert (await store.members.get(member.id)) == member  # nothing yet
    await press(user, question.message_id, "Так, змінити")
    renamed = await store.members.get(member.id)
    assert renamed is not None and renamed.name == "ГО «Відкрите місто Львова»"
    assert current(user, question.message_id).startswith("👥 ГО «Відкрите місто Львова»")

    # A contact cleared with "-", after a /cancel that changed nothing.
    [prompt] = await user.click(card, "✏️ Контакт")
    [cancelled] = await user.send("/cancel")
    assert cancelled.plain_text == "Скасовано, нічого не змінено."
    [listing] = await user.send("/members")  # commands work again, text is text again
    assert "Відкрите місто Львова" in listing.plain_text
    await user.click(card, "✏️ Контакт")
    [question] = await user.send("-")
    assert "Контакт після зміни: —" in question.plain_text
    await press(user, question.message_id, "Так, змінити")
    cleared = await store.members.get(member.id)
    assert cleared is not None and cleared.contact == ""

    # Notes keep their lines; the same text again changes nothing.
    await user.click(card, "✏️ Примітки")
    [question] = await user.send("Звітує щокварталу.\nКонтакт через мережу.")
    await press(user, question.message_id, "Так, змінити")
    noted = await store.members.get(member.id)
    assert noted is not None and noted.notes == "Звітує щокварталу.\nКонтакт через мережу."
    await user.click(card, "✏️ Примітки")
    [same] = await user.send("Звітує щокварталу.\nКонтакт через мережу.")
    assert "нічого не змінено" in same.plain_text
    assert await audited(store, "member_edit") == 3

    # A question answered after someone else changed the field changes nothing.
    await user.click(card, "✏️ Назва")
    [question] = await user.send("ГО «Третя назва»")
    await store.members.edit(member.id, "name", "ГО «Відкрите місто Львова»", "ГО «Інша»")
    answered = await press(user, question.message_id, "Так, змінити")
    assert "тим часом змінено" in str(answered.get("text"))
    assert (await store.members.get(member.id)).name == "ГО «Інша»"  # type: ignore[union-attr]

    [roles] = await client.as_user(ADMIN_ID).send("/roles")
    assert (
        f"Змінено назву: ГО «Відкрите місто Львова» (№{member.id}, Львівщина) — "
        "«ГО „Відкрите місто“» → «ГО „Відкрите місто Львова“»" in roles.plain_text
    )


async def test_a_coordinator_notes_the_event_a_member_took_part_in(
    client: BotClient, store: Storage
) -> None:
    starts = datetime(2025, 5, 22, 21, tzinfo=UTC)  # 23 May, Kyiv time
    event = NewEvent(
        "UA-74", "Конференція з е-демократії", starts, None, True, "Чернігів", "", ADMIN_ID
    )
    item = NewItem("UA-74", event.title, starts, kind=ItemKind.EVENT, body_html="<b>x</b>")
    event_id, _published = await store.events.create(event, item, ())
    member = await add(store, "Представники Львівської області")
    user = await coordinator(client, store)
    [card] = await user.send(f"/member {member.id}")
    await press(user, card.message_id, "Подія")
    assert "Участь у якій події записати?" in current(user, card.message_id)
    await press(user, card.message_id, "Конференція з е-демократії")
    question = current(user, card.message_id)
    assert question.startswith("❓ Записати участь учасника в цій події?")
    assert "Подія: Конференція з е-демократії (23.05.2025, Чернігів)" in question
    await press(user, card.message_id, "Так, змінити")
    linked = await store.members.get(member.id)
    assert linked is not None and linked.event_id == event_id
    assert "Подія: Конференція з е-демократії (23.05.2025, Чернігів)" in current(
        user, card.message_id
    )
    assert await audited(store, "member_event") == 1
    # The event stays through a status change.
    await press(user, card.message_id, "призупинено")
    await press(user, card.message_id, "Так, змінити")
    suspended = await store.members.get(member.id)
    assert suspended is not None and suspended.event_id == event_id

    # And it can be taken off the card again.
    await press(user, card.message_id, "Подія")
    await press(user, card.message_id, "Без події")
    assert current(user, card.message_id).startswith("❓ Прибрати подію з картки?")
    await press(user, card.message_id, "Так, змінити")
    unlinked = await store.members.get(member.id)
    assert unlinked is not None and unlinked.event_id is None
    [roles] = await client.as_user(ADMIN_ID).send("/roles")
    assert "Записано участь у події: Представники Львівської області" in roles.plain_text
