"""`python -m bot backup` and `restore`, run as an operator runs them, next to the real bot."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bot.factory import open_storage
from infra.settings import Settings
from sandbox import BotAPISandbox
from storage.models import ChatType, DeliveryStatus, ItemKind, NewItem
from tests.test_entrypoint import ROOT, start_bot

READERS = tuple(range(8001, 8241))  # 240 chats: eight seconds of broadcast at 30 a second


async def bot_cli(database: Path, *args: str, **more: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot", *args),
        env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(database), **more},
        cwd=database.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def files(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.glob(pattern))


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as connection:
        return list(connection.execute(sql))


async def test_a_backup_during_a_broadcast_is_sound_and_holds_what_was_recorded(
    sandbox: BotAPISandbox, tmp_path: Path
) -> None:
    database = tmp_path / "visnyk.db"
    store = await open_storage(
        Settings(_env_file=None, database_path=database)  # type: ignore[call-arg]
    )
    for chat_id in READERS:
        sandbox.add_user(chat_id, first_name=f"Reader{chat_id}", language_code="uk")
        await store.chats.upsert(chat_id, ChatType.PRIVATE, None, "uk")
        await store.subscriptions.add(chat_id, ["UA-74"])
    process = await start_bot(sandbox, database, tmp_path)
    copy = tmp_path / "backups" / "visnyk-copy.db"
    try:
        sandbox.add_user(31, first_name="Тарас", language_code="uk")
        sandbox.send_message(31, "/start", user_id=31)
        await sandbox.wait_for(31, 1, timeout=30)
        await store.outbox.publish(
            NewItem("UA-74", "Тривога", datetime.now(UTC), kind=ItemKind.BREAKING)
        )
        await store.db.close()
        await sandbox.wait_until(lambda: len(sandbox.delivered_counts()) >= 40, timeout=30)
        # What the worker had recorded when the backup started.
        recorded = rows(
            database,
            "SELECT id, status, message_id FROM deliveries WHERE status NOT IN "
            "('pending', 'sending')",
        )
        status, output, errors = await bot_cli(database, "backup", str(copy))
        reached = len(sandbox.delivered_counts())
        # The bot is delivering: a restore now would pull the database from under it.
        refused = await bot_cli(database, "restore", str(copy))
        await sandbox.wait_until(
            lambda: len(sandbox.delivered_counts()) == len(READERS) + 1, timeout=30
        )
    finally:
        process.send_signal(signal.SIGTERM)
        _stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 0, stderr.decode()

    assert status == 0, errors
    assert output.startswith(f"backed up {database} to {copy} (") and "integrity ok" in output
    assert len(recorded) >= 20 and reached < len(READERS)  # the broadcast went on meanwhile
    assert rows(copy, "PRAGMA integrity_check") == [("ok",)]
    assert rows(copy, "PRAGMA journal_mode") == [("delete",)]  # one file, no -wal beside it
    assert not copy.with_name(copy.name + "-wal").exists()
    # Every delivery recorded before the backup started is in it, as it was recorded.
    in_copy = {row[0]: row for row in rows(copy, "SELECT id, status, message_id FROM deliveries")}
    assert len(in_copy) == len(READERS)
    assert all(in_copy[row[0]] == row for row in recorded)
    assert {row[1] for row in recorded} == {"sent"}

    assert refused[0] == 1
    assert "a bot is running on" in refused[2] and "stop it first" in refused[2]

    # Stopped, the bot's database can be put back to the copy; the one replaced is kept.
    status, output, errors = await bot_cli(database, "restore", str(copy))
    assert status == 0, errors
    assert output.startswith(f"restored {copy} into {database}")
    sent_in_copy = sum(1 for row in in_copy.values() if row[1] == "sent")
    assert rows(database, "SELECT count(*) FROM deliveries WHERE status = 'sent'") == [
        (sent_in_copy,)
    ]
    [previous] = files(tmp_path, "visnyk.db.before-restore-*")
    assert rows(previous, "SELECT count(*) FROM deliveries WHERE status = 'sent'") == [
        (len(READERS),)
    ]
    assert f"kept as {previous}" in output
    # The restored database opens as the bot opens it.
    restored = await open_storage(
        Settings(_env_file=None, database_path=database)  # type: ignore[call-arg]
    )
    counts = await restored.outbox.counts()
    await restored.db.close()
    assert counts[DeliveryStatus.SENT] == sent_in_copy
    assert (
        counts[DeliveryStatus.PENDING] + counts[DeliveryStatus.SENDING]
        == len(READERS) - sent_in_copy
    )


async def test_backups_into_a_folder_keep_the_newest(tmp_path: Path) -> None:
    database = tmp_path / "visnyk.db"
    store = await open_storage(Settings(_env_file=None, database_path=database))  # type: ignore[call-arg]
    await store.db.close()
    folder = tmp_path / "backups"
    made = []
    for _ in range(3):
        status, output, errors = await bot_cli(database, "backup", f"{folder}/", "--keep", "2")
        assert status == 0, errors
        made.append(Path(output.split(" to ", 1)[1].split(" (", 1)[0]))
    assert sorted(folder.iterdir()) == sorted(made[1:])
    assert f"removed the older backup {made[0]}" in output
    (folder / "notes.db").write_text("not a backup of ours")
    status, _output, _errors = await bot_cli(database, "backup", str(folder), "--keep", "1")
    assert status == 0
    assert len(list(folder.glob("visnyk-*.db"))) == 1 and (folder / "notes.db").exists()


async def test_restore_refuses_a_damaged_file_and_a_newer_schema(tmp_path: Path) -> None:
    database = tmp_path / "visnyk.db"
    store = await open_storage(Settings(_env_file=None, database_path=database))  # type: ignore[call-arg]
    await store.db.close()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    status, _output, errors = await bot_cli(database, "restore", str(garbage))
    assert status == 1 and errors.startswith("visnyk: restore failed: ")
    future = tmp_path / "future.db"
    status, _output, errors = await bot_cli(database, "backup", str(future))
    assert status == 0, errors
    with closing(sqlite3.connect(future)) as connection:
        connection.execute("PRAGMA user_version = 99")
    status, _output, errors = await bot_cli(database, "restore", str(future))
    assert status == 1 and "newer than this code knows" in errors
    assert not files(tmp_path, "*.before-restore-*")  # nothing was touched
    status, _output, errors = await bot_cli(tmp_path / "missing.db", "backup", str(future))
    assert status == 1 and "no such database" in errors


async def test_backup_and_restore_point_a_postgresql_user_to_its_own_tools(
    tmp_path: Path,
) -> None:
    """These commands copy SQLite's file; with DATABASE_URL they say what to use instead, and
    never print the URL's password."""
    url = "postgresql://visnyk:pa55word@db.internal:5432/visnyk"
    for command, tool in (("backup", "pg_dump"), ("restore", "pg_restore")):
        status, out, err = await bot_cli(tmp_path / "v.db", command, "x.db", DATABASE_URL=url)
        assert status == 2 and out == ""
        assert err.strip().startswith(f"visnyk: DATABASE_URL is set: {command} PostgreSQL with")
        assert tool in err and "pa55word" not in err
    assert not (tmp_path / "x.db").exists() and not (tmp_path / "v.db").exists()
