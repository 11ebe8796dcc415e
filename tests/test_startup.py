"""Start-up of the real `python -m bot`: a token Telegram rejects, Telegram out of reach, and
what the logs may hold."""

from __future__ import annotations

import asyncio
import itertools
import signal
from pathlib import Path

from bot.startup import MAX_WAIT_SECONDS, waits
from sandbox import BotAPISandbox
from tests.test_entrypoint import free_port, start_bot


async def stderr_line(process: asyncio.subprocess.Process, timeout: float = 30) -> str:
    assert process.stderr is not None
    return (await asyncio.wait_for(process.stderr.readline(), timeout)).decode()


async def test_a_token_telegram_rejects_is_one_line_and_status_2(
    sandbox: BotAPISandbox, tmp_path: Path
) -> None:
    process = await start_bot(
        sandbox, tmp_path / "visnyk.db", tmp_path, BOT_TOKEN="123456:WRONG-token"
    )
    _stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2, stderr.decode()
    [line] = stderr.decode().strip().splitlines()
    assert line.startswith("visnyk: configuration error: BOT_TOKEN: ")
    assert "rejected the token" in line and "WRONG" not in line


async def test_telegram_out_of_reach_is_one_line_per_attempt_until_it_answers(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = await start_bot(None, tmp_path / "visnyk.db", tmp_path, TELEGRAM_API_URL=url)
    telegram = BotAPISandbox()
    try:
        first, second = await stderr_line(process), await stderr_line(process)
        for line, wait in ((first, 1), (second, 2)):
            assert f"WARNING bot.startup: cannot reach Telegram at {url} (" in line, line
            assert line.rstrip().endswith(f"trying again in {wait} s"), line
        await telegram.start(port=port)  # Telegram is back: the bot goes on by itself
        telegram.add_user(34, first_name="Олесь", language_code="uk")
        telegram.send_message(34, "/start", user_id=34)
        [greeting] = await telegram.wait_for(34, 1, timeout=30)
        assert "Вітаю, Олесь!" in greeting.plain_text
    finally:
        process.send_signal(signal.SIGTERM)
        _stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
        await telegram.stop()
    rest = stderr.decode()
    assert process.returncode == 0, rest
    assert "Traceback" not in rest
    # At most one more attempt failed before the sandbox was up; nothing else was said but
    # aiogram's note of the signal.
    retries = [line for line in rest.splitlines() if "cannot reach Telegram" in line]
    assert len(retries) <= 1
    assert set(rest.splitlines()) - set(retries) <= {
        line for line in rest.splitlines() if line.endswith("Received SIGTERM signal")
    }


async def test_a_signal_ends_the_wait_for_telegram(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    process = await start_bot(None, tmp_path / "visnyk.db", tmp_path, TELEGRAM_API_URL=url)
    assert "cannot reach Telegram" in await stderr_line(process)
    process.send_signal(signal.SIGTERM)
    _stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in stderr.decode()
    assert "stopped before Telegram could be reached" in stderr.decode()


def test_the_waits_double_up_to_a_cap() -> None:
    assert list(itertools.islice(waits(), 9)) == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert MAX_WAIT_SECONDS == 60


SECRET = "sk-live-4f9c2a7e81d3b605"  # what an editor's draft might hold


async def push_a_draft_and_stop(sandbox: BotAPISandbox, tmp_path: Path, **env: str) -> str:
    """`python -m bot` with `env`: an admin's /push draft holding SECRET, up to its preview
    (the draft is stored in the database); returns everything the process logged."""
    process = await start_bot(sandbox, tmp_path / "visnyk.db", tmp_path, **env)
    assert process.stderr is not None
    # Read as it comes: a full pipe would stop the bot at DEBUG.
    logged = asyncio.create_task(process.stderr.read())
    try:
        sandbox.add_user(900, first_name="Admin", language_code="en")
        sandbox.send_message(900, "/push Львів", user_id=900)
        [prompt] = await sandbox.wait_for(900, 1, timeout=30)
        sandbox.send_message(900, f"Доступ до архіву: {SECRET}", user_id=900)
        _intro, preview = await sandbox.wait_for(900, 2, since=prompt.message_id, timeout=10)
        assert SECRET in preview.plain_text
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=20)
    log = (await logged).decode()
    assert process.returncode == 0, log[-2000:]
    return log


async def test_at_debug_the_logs_hold_no_sql_parameters(
    sandbox: BotAPISandbox, tmp_path: Path
) -> None:
    log = await push_a_draft_and_stop(sandbox, tmp_path, LOG_LEVEL="DEBUG")
    assert " DEBUG " in log  # DEBUG is on...
    assert SECRET not in log  # ...and the draft stored in the database is not in it
    assert "aiosqlite" not in log


async def test_log_sql_true_logs_statements_with_their_parameters(
    sandbox: BotAPISandbox, tmp_path: Path
) -> None:
    log = await push_a_draft_and_stop(sandbox, tmp_path, LOG_LEVEL="DEBUG", LOG_SQL="true")
    assert any(SECRET in line and "aiosqlite" in line for line in log.splitlines())
