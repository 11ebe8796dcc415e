"""What admins complained about in their first week (issue 14, "Admins"), end to end: roles
and an audit log that record only real changes, in words and names; one feed never added
twice nor moved silently; /sources that says what is wrong in sentences; one Cancel button."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from infra.settings import Settings
from jobs.ingest import FeedClient, IngestConfig
from sandbox import BotAPISandbox, SentMessage
from storage.repositories import Storage
from storage.roles import Role
from tests.client import ADMIN_ID, BotClient, running_bot
from tests.feed_server import Feed, FeedServer, HostsResolver, rss

OLENA = 3001


def labels(message: SentMessage) -> list[str]:
    return [str(button["text"]) for row in message.buttons for button in row]


async def audited(store: Storage, action: str) -> int:
    return [entry.action for entry in await store.audit.recent(100)].count(action)


async def test_roles_change_only_when_something_changes_and_say_what(
    client: BotClient, store: Storage
) -> None:
    client.sandbox.add_user(OLENA, first_name="Олена", last_name="Коваль", language_code="uk")
    olena = BotClient(client.sandbox, OLENA, OLENA)
    await olena.send("/start")  # the bot has seen her: it knows her name
    admin = client.as_user(ADMIN_ID)
    who = f"Олена Коваль ({OLENA})"

    [granted] = await admin.send(f"/grant {OLENA} editor Чернігів")
    assert granted.plain_text == f"✅ Користувач {who} тепер редактор регіону Чернігівщина."
    [again] = await admin.send(f"/grant {OLENA} editor Чернігівщина")
    assert again.plain_text == (
        f"Користувач {who} уже редактор регіону Чернігівщина. Нічого не змінено."
    )
    assert await audited(store, "grant") == 1
    [more] = await admin.send(f"/grant {OLENA} editor Київщина")
    assert "тепер редактор регіонів Київщина, Чернігівщина." in more.plain_text
    [everywhere] = await admin.send(f"/grant {OLENA} coordinator")
    assert "тепер координатор усіх регіонів." in everywhere.plain_text
    [covered] = await admin.send(f"/grant {OLENA} coordinator Львів")
    assert "уже координатор усіх регіонів. Нічого не змінено." in covered.plain_text
    assert await audited(store, "grant") == 3

    # Nobody's roles: nothing to revoke, nothing logged.
    [nothing] = await admin.send("/revoke 9999")
    assert nothing.plain_text == "Користувач 9999 не має жодної ролі. Нічого не змінено."
    [no_such] = await admin.send("/revoke 9999 editor")
    assert "не має ролі «редактор»" in no_such.plain_text
    assert await audited(store, "revoke") == 0

    [one] = await admin.send(f"/revoke {OLENA} coordinator")
    assert one.plain_text == f"✅ Готово: користувач {who} більше не координатор усіх регіонів."
    await admin.send(f"/grant {OLENA} coordinator Львів")
    [both] = await admin.send(f"/revoke {OLENA}")
    assert both.plain_text == "\n".join(
        [
            f"✅ Готово: користувач {who} більше не має цих ролей:",
            "• редактор регіонів Київщина, Чернігівщина",
            "• координатор регіону Львівщина",
        ]
    )
    assert await store.roles.all() == []
    assert await audited(store, "revoke") == 2

    # The audit log in words: names and regions, not ids and codes.
    await admin.send(f"/grant {OLENA} editor Чернігів")
    [roles] = await admin.send("/roles")
    text = roles.plain_text
    assert f"{who} — редактор регіону Чернігівщина" in text
    assert f"User{ADMIN_ID} ({ADMIN_ID}) · Надано роль: {who} — редактор регіону Чернігівщина" in (
        text
    )
    assert (
        f"Знято ролі: {who} — редактор регіонів Київщина, Чернігівщина; координатор регіону "
        "Львівщина" in text
    )
    assert "UA-74" not in text and "to 3001" not in text
    english = client.as_user(ADMIN_ID, language="en")
    [roles] = await english.send("/roles")
    assert f"Role given: {who} — editor of Chernihiv" in roles.plain_text
    assert f"Role taken: {who} — coordinator of all regions" in roles.plain_text

    # /stop in her private chat forgets her name with the chat.
    [question] = await olena.send("/stop")
    await olena.click(question, "Так, видалити", expect=0)
    await client.sandbox.wait_until(lambda: "видалено" in client.sandbox.sent(OLENA)[-1].text)
    assert await store.people.names([OLENA]) == {}
    await store.roles.grant(OLENA, Role.COORDINATOR, {"UA-46"}, by=ADMIN_ID)
    [roles] = await english.send("/roles")
    assert f"\n{OLENA} — editor of Chernihiv; coordinator of Lviv\n" in roles.plain_text


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    yield server
    await server.stop()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_feed_is_added_once_moved_on_purpose_and_its_errors_read_as_sentences(
    sandbox: BotAPISandbox, settings: Settings, store: Storage, feeds: FeedServer
) -> None:
    feeds.feeds["/rss"] = Feed(rss("Чернігівська ОВА", [("g1", "Новина", "https://x.example/1")]))
    feeds.feeds["/page"] = Feed(b"<html><body>Hello</body></html>", content_type="text/html")
    feeds.feeds["/text"] = Feed(b"just words, no feed", content_type="text/plain")
    client_feeds = FeedClient(
        IngestConfig(timeout=0.5, allow_private=True),
        resolver=HostsResolver({"feeds.test": ["127.0.0.1"]}),
    )
    async with running_bot(sandbox, settings, store, feeds=client_feeds) as client:
        admin = client.as_user(ADMIN_ID)
        url = feeds.url("/rss", host="feeds.test")
        [added] = await admin.send(f"/addsource {url} Чернігів")
        assert "Джерело №1 «Чернігівська ОВА» додано" in added.plain_text
        for region in ("Чернігів", "Київ"):
            [twice] = await admin.send(f"/addsource {url} {region}")
            assert twice.plain_text == (
                f"Джерело №1 вже є: {url} (Чернігівщина). Нічого не змінено. "
                "Перенести його в інший регіон: /movesource 1 <регіон>"
            )
        [source] = await store.sources.all()
        assert source.region_code == "UA-74"
        assert await audited(store, "source_add") == 1

        [moved] = await admin.send("/movesource 1 Бровари")
        assert moved.plain_text.startswith("📍 Бровари — це Київщина.\n✅ Джерело №1 перенесено")
        assert "Чернігівщина → Київщина" in moved.plain_text
        assert (await store.sources.all())[0].region_code == "UA-32"
        [same] = await admin.send("/movesource 1 Київщина")
        assert same.plain_text == "Джерело №1 вже в регіоні Київщина. Нічого не змінено."
        [missing] = await admin.send("/movesource 9 Київ")
        assert "Джерела №9 немає" in missing.plain_text
        [usage] = await admin.send("/movesource")
        assert "/movesource <номер> <регіон>" in usage.plain_text
        assert await audited(store, "source_move") == 1

        failing = {
            "http://nowhere.test/rss": "Сайту з такою адресою не знайдено (DNS).",
            f"http://127.0.0.1:{closed_port()}/rss": "Сайт відмовив у зʼєднанні.",
            feeds.url("/slow"): "Сайт не відповів вчасно.",
            feeds.url("/missing"): "Сайт відповів помилкою HTTP 404 (такої сторінки немає).",
            feeds.url("/page"): "За цією адресою вебсторінка, а не новини у форматі RSS чи Atom.",
            feeds.url("/text"): "За цією адресою немає новин у форматі RSS чи Atom.",
        }
        for number, (address, sentence) in enumerate(failing.items(), start=2):
            [answer] = await admin.send(f"/addsource {address} Львів")
            assert answer.plain_text.startswith(
                f"Джерело №{number} додано, але отримати його поки не вдалося. {sentence} "
            ), address
        answers = await admin.send("/sources")
        listing = "\n".join(answer.plain_text for answer in answers)
        for address, sentence in failing.items():
            assert listing.count(address) == 1, address  # no title: the address, once
            assert sentence in listing
        assert listing.count(url) == 1  # a title and the address
        for raw in ("ClientConnector", "Not Found", "timed out", "Connect call", "HTML page"):
            assert raw not in listing, raw
        assert "Невдач поспіль: 1" in listing
        english = client.as_user(ADMIN_ID, language="en")
        answers = await english.send("/sources")
        listing = "\n".join(answer.plain_text for answer in answers)
        assert "The site refused the connection." in listing
        assert "The site's address could not be found (DNS)." in listing

        admin = client.as_user(ADMIN_ID)  # in Ukrainian again
        [removed] = await admin.send("/delsource 2")
        assert "№2" in removed.plain_text
        [roles] = await admin.send("/roles")
        assert "Видалено джерело №2: http://nowhere.test/rss" in roles.plain_text
        assert "Перенесено джерело №1: " + url + " — Чернігівщина → Київщина" in roles.plain_text


async def test_every_cancel_button_reads_the_same(client: BotClient, store: Storage) -> None:
    admin = client.as_user(ADMIN_ID)
    [push] = await admin.send("/push")
    [announce] = await admin.send("/announce")
    [admit] = await admin.send("/admit Львів ГО «Нова»")
    answers = (push, announce, admit)
    cancels = {label for answer in answers for label in labels(answer) if "Скасувати" in label}
    assert cancels == {"✖️ Скасувати"}
    # /announce names the region as everything else does.
    [region] = await admin.click(announce, "Чернігівщина")
    assert region.plain_text.startswith("Регіон: Чернігівщина.")
