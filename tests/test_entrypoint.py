"""`python -m bot` itself, pointed at a Bot API server (the sandbox) through TELEGRAM_API_URL."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

from bot.sandbox.server import SANDBOX_TOKEN, BotAPISandbox

ROOT = Path(__file__).resolve().parent.parent


async def start_bot(
    sandbox: BotAPISandbox, database: Path, cwd: Path
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": SANDBOX_TOKEN,
        "TELEGRAM_API_URL": sandbox.base_url,
        "DATABASE_PATH": str(database),
        "ADMIN_IDS": "900",
        "LOG_LEVEL": "WARNING",
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
        assert "Новин для регіону «Київщина» поки немає" in region.plain_text
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
