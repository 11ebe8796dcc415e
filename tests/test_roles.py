"""Roles: admins grant and revoke; nobody raises their own rights; every action is audited."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.factory import open_storage
from bot.fsm_storage import SQLiteStorage
from handlers.filters import access_of
from infra.settings import Settings
from storage.repositories import Storage
from storage.roles import Role
from tests.client import ADMIN_ID, BotClient

EDITOR = 4242


async def test_admin_grants_lists_and_revokes(
    client: BotClient, store: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="visnyk.audit")
    admin = client.as_user(ADMIN_ID)
    [granted] = await admin.send(f"/grant {EDITOR} editor Львів, Херсонщина")
    assert (
        f"Користувач {EDITOR} тепер редактор регіонів Львівщина, Херсонщина." in granted.plain_text
    )
    assert await store.roles.regions(EDITOR, Role.EDITOR) == {"UA-46", "UA-65"}
    [everywhere] = await admin.send("/grant 77 coordinator")
    assert "Користувач 77 тепер координатор усіх регіонів." in everywhere.plain_text
    assert await store.roles.regions(77, Role.COORDINATOR) == {"UA"}
    [already] = await admin.send("/grant 77 coordinator Херсон")  # all regions hold Kherson
    assert "Нічого не змінено" in already.plain_text, already.plain_text
    assert await store.roles.regions(77, Role.COORDINATOR) == {"UA"}

    [listing] = await admin.send("/roles")
    assert f"{EDITOR} — редактор регіонів Львівщина, Херсонщина" in listing.plain_text
    assert "77 — координатор усіх регіонів" in listing.plain_text
    assert f"Адміністратори (ADMIN_IDS): User{ADMIN_ID} ({ADMIN_ID})" in listing.plain_text
    given = f"User{ADMIN_ID} ({ADMIN_ID}) · Надано роль: {EDITOR} — редактор регіонів Львівщина"
    assert given + ", Херсонщина" in listing.plain_text  # the audit log

    [revoked] = await admin.send(f"/revoke {EDITOR} editor")
    assert (
        f"Готово: користувач {EDITOR} більше не редактор регіонів Львівщина, Херсонщина."
        in revoked.plain_text
    )
    assert await store.roles.regions(EDITOR, Role.EDITOR) == frozenset()
    [nothing] = await admin.send(f"/revoke {EDITOR}")
    assert f"Користувач {EDITOR} не має жодної ролі. Нічого не змінено." in nothing.plain_text
    actions = [entry.action for entry in await store.audit.recent(10)]
    assert actions.count("grant") == 2 and actions.count("revoke") == 1
    logged = [(getattr(r, "user_id", None), getattr(r, "action", None)) for r in caplog.records]
    assert logged.count((ADMIN_ID, "revoke")) == 1  # the operators' log has it too
    assert logged.count((ADMIN_ID, "grant")) == 2
    [after] = await admin.send("/roles")
    revoke_line = next(line for line in after.plain_text.splitlines() if "Знято роль" in line)
    taken = f"Знято роль: {EDITOR} — редактор регіонів Львівщина, Херсонщина"
    assert f"User{ADMIN_ID} ({ADMIN_ID}) · {taken}" in revoke_line


async def test_wrong_arguments_and_own_rights(client: BotClient, store: Storage) -> None:
    admin = client.as_user(ADMIN_ID)
    for wrong in ("/grant", "/grant abc editor", "/grant 5 boss", "/revoke", "/revoke 5 boss"):
        [answer] = await admin.send(wrong)
        assert "Як користуватися" in answer.plain_text, wrong
    [unknown] = await admin.send("/grant 5 editor Атлантида")
    assert "Невідомі регіони: «Атлантида»" in unknown.plain_text
    [own] = await admin.send(f"/grant {ADMIN_ID} editor")
    assert "Власні права змінювати не можна" in own.plain_text
    assert await store.roles.all() == []


async def test_only_admins_manage_roles(client: BotClient, store: Storage) -> None:
    await store.roles.grant(EDITOR, Role.EDITOR, {"UA"}, by=ADMIN_ID)
    editor = client.as_user(EDITOR)
    for command in (f"/grant {EDITOR} coordinator", "/roles", f"/revoke {ADMIN_ID}"):
        [answer] = await editor.send(command)
        assert answer.plain_text == "Ця команда вам недоступна.", command
    assert await store.roles.regions(EDITOR, Role.COORDINATOR) == frozenset()


async def test_access_rules(store: Storage, settings: Settings) -> None:
    await store.roles.grant(1, Role.EDITOR, {"UA-46"}, by=ADMIN_ID)
    await store.roles.grant(2, Role.EDITOR, {"UA"}, by=ADMIN_ID)
    lviv, everywhere = await access_of(1, store, settings), await access_of(2, store, settings)
    admin, citizen = (
        await access_of(ADMIN_ID, store, settings),
        await access_of(3, store, settings),
    )
    assert lviv.can_edit("UA-46") and not lviv.can_edit("UA-65") and not lviv.can_edit("UA")
    assert lviv.editable_regions() == ["UA-46"]
    assert everywhere.can_edit("UA") and everywhere.can_edit("UA-65")
    assert everywhere.editable_regions()[0] == "UA" and len(everywhere.editable_regions()) == 28
    assert admin.can_edit("UA") and admin.can_coordinate("UA-74")
    assert not citizen.is_editor and not citizen.is_coordinator and not lviv.is_coordinator
    await store.roles.grant(4, Role.COORDINATOR, {"UA-46"}, by=ADMIN_ID)
    await store.roles.grant(5, Role.COORDINATOR, {"UA"}, by=ADMIN_ID)
    local, national = await access_of(4, store, settings), await access_of(5, store, settings)
    assert local.can_coordinate("UA-46") and not local.can_coordinate("UA-65")
    assert not local.can_coordinate("UA") and local.coordinated_regions() == ["UA-46"]
    assert national.can_coordinate("UA") and national.can_coordinate("UA-65")
    assert admin.can_coordinate("UA") and not everywhere.can_coordinate("UA")


async def test_conversation_state_survives_a_restart(settings: Settings, tmp_path: Path) -> None:
    key = StorageKey(bot_id=1, chat_id=2, user_id=3)
    store = await open_storage(settings)
    fsm = SQLiteStorage(store.db)
    await fsm.set_state(key, "Push:text")
    await fsm.set_data(key, {"region": "UA-46", "text": "Привіт <b>світ</b>"})
    await store.db.close()
    reopened = await open_storage(settings)
    try:
        fsm = SQLiteStorage(reopened.db)
        assert await fsm.get_state(key) == "Push:text"
        assert await fsm.get_data(key) == {"region": "UA-46", "text": "Привіт <b>світ</b>"}
        await fsm.set_state(key, None)
        assert await fsm.get_state(key) is None
        assert await fsm.get_data(StorageKey(bot_id=1, chat_id=9, user_id=9)) == {}
    finally:
        await reopened.db.close()


async def test_cached_roles_follow_grants_and_revokes(store: Storage) -> None:
    """Roles are read from memory once read; a grant or revoke is seen at once."""
    assert await store.roles.regions(5, Role.EDITOR) == frozenset()
    await store.roles.grant(5, Role.EDITOR, {"UA-46"}, by=ADMIN_ID)
    assert await store.roles.regions(5, Role.EDITOR) == {"UA-46"}
    await store.roles.grant(5, Role.EDITOR, {"UA-74"}, by=ADMIN_ID)
    assert await store.roles.regions(5, Role.EDITOR) == {"UA-46", "UA-74"}
    await store.roles.grant(5, Role.COORDINATOR, set(), by=ADMIN_ID)
    assert await store.roles.regions(5, Role.COORDINATOR) == {"UA"}
    assert await store.roles.revoke(5, Role.EDITOR, by=ADMIN_ID) == {
        Role.EDITOR: {"UA-46", "UA-74"}
    }
    assert await store.roles.regions(5, Role.EDITOR) == frozenset()
    assert await store.roles.regions(5, Role.COORDINATOR) == {"UA"}
