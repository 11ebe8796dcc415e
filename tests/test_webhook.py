"""The webhook of the real `python -m bot`, under garbage: a 401 for any wrong secret, a 200
and one warning line for a body that is not an update, and never a traceback."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import aiohttp

from sandbox import BotAPISandbox
from tests.test_entrypoint import free_port, start_bot

SECRET = "s3cret-token"
UPDATE = {
    "update_id": 7,
    "message": {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 33, "type": "private"},
        "from": {"id": 33, "is_bot": False, "first_name": "Ганна"},
        "text": "/start",
    },
}
# Bodies sent with the right secret that are not updates, and their content types.
GARBAGE: tuple[tuple[bytes, str], ...] = (
    (b"", "application/json"),
    (b"not json at all", "application/json"),
    (b'{"update_id": 1,', "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'"a string"', "application/json"),
    (b"null", "application/json"),
    (b"{}", "application/json"),
    (b'{"update_id": "seven"}', "application/json"),
    (json.dumps({**UPDATE, "message": {"message_id": "x", "chat": 5}}).encode(), "text/plain"),
    (b"\xff\xfe\x00garbage", "application/json"),
    (json.dumps(UPDATE).encode(), "application/json; charset=no-such-charset"),
    (b"[" * 100_000, "application/json"),
    (b'{"update_id": 5}', "application/json"),  # of no kind aiogram knows
    (json.dumps({**UPDATE, "update_id": 2**64}).encode(), "application/json"),
    (
        json.dumps(
            {**UPDATE, "message": {**UPDATE["message"], "chat": {"id": -(2**70)}}}
        ).encode(),
        "application/json",
    ),
)


async def test_garbage_gets_401_or_200_and_one_warning_line_never_a_traceback(
    sandbox: BotAPISandbox, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    process = await start_bot(
        sandbox,
        tmp_path / "visnyk.db",
        tmp_path,
        WEBHOOK_URL=url,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    try:
        sandbox.add_user(33, first_name="Ганна", language_code="uk")
        sandbox.send_message(33, "/start", user_id=33)
        [greeting] = await sandbox.wait_for(33, 1, timeout=30)  # the webhook is up
        async with aiohttp.ClientSession() as http:
            # Wrong secrets, ASCII or not (aiogram's compare_digest raised on the latter).
            for secret in ("wrong", "sécret", "секрет-токен", "s3cret-token\u00a0", "🔑" * 100):
                async with http.post(
                    url, json=UPDATE, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
                ) as response:
                    assert response.status == 401, secret
            for body, content_type in GARBAGE:
                async with http.post(
                    url,
                    data=body,
                    headers={
                        "X-Telegram-Bot-Api-Secret-Token": SECRET,
                        "Content-Type": content_type,
                    },
                ) as response:
                    assert response.status == 200, body[:40]
                    assert await response.json() == {}
        # Still serving: the next real update is answered.
        sandbox.send_message(33, "/help", user_id=33)
        await sandbox.wait_for(33, 1, since=greeting.message_id + 1, timeout=10)
    finally:
        process.send_signal(signal.SIGTERM)
        _stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log and "ERROR" not in log, log
    warnings = [line for line in log.splitlines() if "malformed update" in line]
    assert len(warnings) == len(GARBAGE), log
    assert all(" WARNING " in line for line in warnings)
    # Nothing of what was sent is repeated in the log (an update may carry private text).
    assert "garbage" not in log and "seven" not in log and "Ганна" not in log
