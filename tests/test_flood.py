"""One user flooding the bot: the others are still answered at once, and the flooder hears
about it once."""

from __future__ import annotations

import asyncio

from infra.settings import Settings
from sandbox import BotAPISandbox, RateLimits
from storage.repositories import Storage
from tests.client import running_bot

FLOODER = 601
CALM = 602


async def test_a_flooding_user_does_not_slow_the_others(
    settings: Settings, store: Storage
) -> None:
    production = settings.model_copy(
        update={"throttle_burst": 6, "throttle_rate": 1.0, "updates_concurrency": 10}
    )
    async with (
        BotAPISandbox(limits=RateLimits()) as sandbox,
        running_bot(sandbox, production, store),
    ):
        for _ in range(200):
            sandbox.send_message(FLOODER, "/help", user_id=FLOODER)
        await sandbox.wait_for(FLOODER, 1, timeout=10)  # the flood is being handled
        loop = asyncio.get_running_loop()
        asked = loop.time()
        sandbox.send_message(CALM, "/help", user_id=CALM)
        [answer] = await sandbox.wait_for(CALM, 1, timeout=10)
        waited = loop.time() - asked
        assert "/latest" in answer.plain_text
        assert waited < 1.0
        # The flooder got a few answers and one notice, never 200 answers.
        assert await sandbox.quiet(settle=0.3, timeout=30)  # all the bot would still send
        received = [message.plain_text for message in sandbox.sent(FLOODER)]
        notices = [text for text in received if "Забагато" in text]
        assert len(notices) == 1
        assert len(received) <= 7
        assert sandbox.errors[429] == 0
        # Once the flood is over, the flooder is answered again.
        since = sandbox.last_message_id(FLOODER)
        sandbox.send_message(FLOODER, "/help", user_id=FLOODER)
        [again] = await sandbox.wait_for(FLOODER, 1, since=since, timeout=10)
        assert "/latest" in again.plain_text


async def test_button_presses_beyond_the_limit_get_a_toast(
    settings: Settings, store: Storage
) -> None:
    production = settings.model_copy(update={"throttle_burst": 2, "throttle_rate": 0.5})
    async with BotAPISandbox() as sandbox, running_bot(sandbox, production, store) as client:
        [menu] = await client.send("/start")
        answers = [await client.click_data(menu, "nonsense") for _ in range(3)]
    assert "Забагато" not in str(answers[0])
    assert "Забагато" in str(answers[2].get("text"))
