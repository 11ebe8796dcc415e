"""The command menu fits the reader: citizens' commands for everyone, and an editor's,
coordinator's or admin's own in their private chat, following /grant and /revoke."""

from __future__ import annotations

from infra.settings import Settings
from sandbox import BotAPISandbox
from storage.models import ChatType
from storage.repositories import Storage
from storage.roles import Role
from tests.client import ADMIN_ID, BotClient, running_bot

EDITOR = 31337
COORDINATOR = 4242


def menu(sandbox: BotAPISandbox, scope: str, language: str = "") -> list[str]:
    return [command["command"] for command in sandbox.commands.get((scope, language), [])]


async def test_roles_get_their_menus_at_start_up(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    for user in (ADMIN_ID, COORDINATOR):
        sandbox.add_user(user, first_name=f"User{user}", language_code="uk")
        sandbox.add_chat(user)  # they wrote to the bot before
        await store.chats.upsert(user, ChatType.PRIVATE, None, "uk")
    await store.roles.grant(COORDINATOR, Role.COORDINATOR, {"UA-46"}, by=ADMIN_ID)
    async with running_bot(sandbox, settings, store):
        await sandbox.wait_until(lambda: bool(menu(sandbox, f"chat:{COORDINATOR}")))
        await sandbox.wait_until(lambda: bool(menu(sandbox, f"chat:{ADMIN_ID}", "en")))
    coordinator = menu(sandbox, f"chat:{COORDINATOR}")
    assert coordinator[:2] == ["start", "latest"] and "settings" in coordinator
    assert {"network", "members", "admit", "export_members"} <= set(coordinator)
    assert not {"push", "grant"} & set(coordinator)
    admin = menu(sandbox, f"chat:{ADMIN_ID}")
    assert {"push", "network", "grant", "revoke", "sources", "stats", "events"} <= set(admin)
    descriptions = {
        command["command"]: command["description"]
        for command in sandbox.commands[(f"chat:{ADMIN_ID}", "en")]
    }
    assert descriptions["grant"] == "Give a role"
    assert descriptions["latest"] == "Latest news"
    # Everyone else has the default menu only.
    assert "grant" not in menu(sandbox, "default")


async def test_grant_and_revoke_change_the_users_menu(client: BotClient, store: Storage) -> None:
    sandbox = client.sandbox
    editor = client.as_user(EDITOR, language="en")
    await editor.send("/start")  # the editor's private chat with the bot
    admin = client.as_user(ADMIN_ID)
    await admin.send(f"/grant {EDITOR} editor Чернігів")
    await sandbox.wait_until(lambda: "push" in menu(sandbox, f"chat:{EDITOR}"))
    granted = menu(sandbox, f"chat:{EDITOR}", "en")
    assert {"push", "announce", "correct", "retract", "report", "latest"} <= set(granted)
    assert "network" not in granted and "grant" not in granted
    await admin.send(f"/grant {EDITOR} coordinator Чернігів")
    await sandbox.wait_until(lambda: "network" in menu(sandbox, f"chat:{EDITOR}"))
    await admin.send(f"/revoke {EDITOR} editor")
    await sandbox.wait_until(lambda: "push" not in menu(sandbox, f"chat:{EDITOR}"))
    assert "network" in menu(sandbox, f"chat:{EDITOR}", "en")
    await admin.send(f"/revoke {EDITOR}")
    await sandbox.wait_until(lambda: (f"chat:{EDITOR}", "") not in sandbox.commands)
    assert (f"chat:{EDITOR}", "en") not in sandbox.commands


async def test_a_user_who_never_wrote_to_the_bot_can_still_be_granted(
    client: BotClient, store: Storage
) -> None:
    admin = client.as_user(ADMIN_ID)
    [answer] = await admin.send("/grant 777000 editor")
    assert "777000" in answer.plain_text
    assert await store.roles.regions(777000, Role.EDITOR) == frozenset({"UA"})
    assert ("chat:777000", "") not in client.sandbox.commands


async def test_an_editors_menu_speaks_the_language_chosen_in_settings(
    client: BotClient, store: Storage
) -> None:
    sandbox = client.sandbox
    editor = client.as_user(EDITOR, language="uk")
    await store.roles.grant(EDITOR, Role.EDITOR, {"UA-74"}, by=ADMIN_ID)
    [languages] = await editor.send("/settings")
    edits = languages.edits
    sandbox.press(languages, "Мова", user_id=EDITOR)
    await sandbox.wait_until(lambda: languages.edits > edits)
    edits = languages.edits
    sandbox.press(languages, "English", user_id=EDITOR)
    await sandbox.wait_until(lambda: languages.edits > edits)
    await sandbox.wait_until(lambda: (f"chat:{EDITOR}", "") in sandbox.commands)
    descriptions = {
        command["command"]: command["description"]
        for command in sandbox.commands[(f"chat:{EDITOR}", "")]
    }
    assert descriptions["push"] == "Breaking news to a region"
