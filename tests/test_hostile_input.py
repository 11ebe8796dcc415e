"""Every command, with arguments nobody should send, from a citizen, an editor, a coordinator
and an admin: each message gets an answer, and no answer is the "something went wrong" one
(which would mean a handler raised)."""

from __future__ import annotations

import asyncio

import pytest

from bot.demo_data import DEMO_ITEMS
from domain.regions import ALL_UKRAINE
from sandbox import BotAPISandbox
from storage.repositories import Storage
from storage.roles import Role
from tests.client import ADMIN_ID, USER_ID, BotClient

COMMANDS = (
    # everyone
    "start", "help", "latest", "region", "subscribe", "unsubscribe", "subscriptions", "events",
    "search", "settings", "stop",
    # editors
    "push", "announce", "correct", "retract", "report",
    # coordinators
    "network", "members", "member", "admit", "suspend", "export_members",
    # admins
    "grant", "revoke", "roles", "sources", "addsource", "delsource", "stats",
)  # fmt: skip
ARGUMENTS = (
    "",
    "0",
    "-1",
    "99999999999999999999999",
    "<b>&amp; &lt;script&gt;",
    "UA-74 UA-74 UA-74",
    "😀\u202e\u200b",
    "ї" * 3000,
    "1 editor UA-99",
    "https://127.0.0.1:1/feed.xml Чернігів",
)
EDITOR_ID = 910
COORDINATOR_ID = 920
FAILURE = "Щось пішло не так"


@pytest.fixture
async def staffed(store: Storage) -> Storage:
    await store.items.add_many(DEMO_ITEMS)
    await store.roles.grant(EDITOR_ID, Role.EDITOR, [ALL_UKRAINE], ADMIN_ID)
    await store.roles.grant(COORDINATOR_ID, Role.COORDINATOR, ["UA-74"], ADMIN_ID)
    return store


async def run_through(sandbox: BotAPISandbox, user_id: int) -> list[str]:
    """Every command with every argument, each followed by /cancel; the texts whose answer
    was the failure message."""
    broke = []
    for command in COMMANDS:
        for argument in ARGUMENTS:
            text = f"/{command} {argument}".strip()
            for sent in (text, "/cancel"):  # a flow the command began ends here
                since = sandbox.last_message_id(user_id)
                sandbox.send_message(user_id, sent, user_id=user_id)
                answers = await sandbox.wait_for(user_id, 1, since=since, timeout=10)
                if any(FAILURE in answer.plain_text for answer in answers):
                    broke.append(text[:60])
    return broke


async def test_no_command_and_no_argument_goes_unanswered_or_breaks_a_handler(
    client: BotClient, sandbox: BotAPISandbox, staffed: Storage
) -> None:
    users = (USER_ID, EDITOR_ID, COORDINATOR_ID, ADMIN_ID)
    for user_id in users:
        client.as_user(user_id)
    # The four users at once, each in their own chat: also a test of concurrent flows.
    broken = await asyncio.gather(*(run_through(sandbox, user_id) for user_id in users))
    assert broken == [[], [], [], []]
    assert await client.settled()  # the last parts of long answers
    for user_id in users:
        assert not any(FAILURE in m.plain_text for m in sandbox.sent(user_id)), user_id
