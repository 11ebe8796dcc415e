"""`python -m bot` itself, pointed at a Bot API server (the sandbox) through TELEGRAM_API_URL."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
from pathlib import Path

import aiohttp

from sandbox import SANDBOX_TOKEN, BotAPISandbox

ROOT = Path(__file__).resolve().parent.parent


async def start_bot(
    sandbox: BotAPISandbox | None, database: Path, cwd: Path, **more: str
) -> asyncio.subprocess.Process:
    """`python -m bot` against `sandbox` (None: `more` names TELEGRAM_API_URL); `more` sets
    or overrides environment variables."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": SANDBOX_TOKEN,
        "DATABASE_PATH": str(database),
        "ADMIN_IDS": "900",
        "LOG_LEVEL": "WARNING",
        **({"TELEGRAM_API_URL": sandbox.base_url} if sandbox is not None else {}),
        **more,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot"),
        env=env,
        cwd=cwd,  # no .env there
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_the_real_entry_point_answers_and_stops_cleanly(
    sandbox: BotAPISandbox, tmp_path: Path
) -> None:
    process = await start_bot(sandbox, tmp_path / "db" / "visnyk.db", tmp_path)
    try:
        sandbox.add_user(31, first_name="Тарас", language_code="uk")
        sandbox.send_message(31, "/start", user_id=31)
        [greeting] = await sandbox.wait_for(31, 1, timeout=30)
        assert "Вітаю, Тарас!" in greeting.plain_text
        sandbox.send_message(31, "/region Київщина", user_id=31)
        [region] = await sandbox.wait_for(31, 1, since=greeting.message_id + 1, timeout=10)
        assert "Київщина: новин поки немає" in region.plain_text
        assert sandbox.commands[("default", "en")]  # the menu was set on start-up
    finally:
        process.send_signal(signal.SIGTERM)
        _stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
    assert (tmp_path / "db" / "visnyk.db").exists()


async def test_a_database_from_a_newer_version_is_refused(
    sandbox: BotAPISandbox, tmp_path: Path
) -> None:
    database = tmp_path / "future.db"
    with sqlite3.connect(database) as raw:
        raw.execute("PRAGMA user_version = 99")
    process = await start_bot(sandbox, database, tmp_path)
    _stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    message = stderr.decode().strip()
    assert "newer than this code" in message and "Traceback" not in message


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_answers_through_the_webhook_and_refuses_strangers(
    sandbox: BotAPISandbox, tmp_path: Path
) -> None:
    """With WEBHOOK_URL set, `python -m bot` serves the webhook: the sandbox, like Telegram,
    posts updates there with the secret, and getUpdates is refused while it is set."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    process = await start_bot(
        sandbox,
        tmp_path / "visnyk.db",
        tmp_path,
        WEBHOOK_URL=url,
        WEBHOOK_SECRET="s3cret-token",
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    try:
        sandbox.add_user(32, first_name="Леся", language_code="uk")
        sandbox.send_message(32, "/start", user_id=32)
        [greeting] = await sandbox.wait_for(32, 1, timeout=30)
        assert "Вітаю, Леся!" in greeting.plain_text
        sandbox.send_message(32, "/latest", user_id=32)
        [latest] = await sandbox.wait_for(32, 1, since=greeting.message_id, timeout=10)
        assert "Новин поки немає" in latest.plain_text
        assert sandbox.webhook_answers and set(sandbox.webhook_answers) == {200}
        async with aiohttp.ClientSession() as http:
            # Telegram's servers know the secret; anyone else is turned away.
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 32, "type": "private"},
                    "text": "/start",
                },
            }
            async with http.post(url, json=update) as response:
                assert response.status == 401
            async with http.post(f"{sandbox.base_url}/bot{SANDBOX_TOKEN}/getUpdates") as response:
                assert response.status == 409
            async with http.post(
                f"{sandbox.base_url}/bot{SANDBOX_TOKEN}/getWebhookInfo"
            ) as response:
                info = (await response.json())["result"]
        assert info["url"] == url and info["max_connections"] == 100
        assert sandbox.commands[("default", "en")]  # start-up ran: the menu was set
    finally:
        process.send_signal(signal.SIGTERM)
        _stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
    assert len(sandbox.sent(32)) == 2  # the stranger's /start was not answered
