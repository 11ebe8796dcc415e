"""`python -m bot` runs the bot; `python -m bot sandbox` runs the offline demo;
`python -m bot backup FILE` and `python -m bot restore FILE` copy its database."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from bot.logs import setup_logging
from infra.settings import SettingsError, settings_or_exit
from storage.db import DatabaseError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot against TELEGRAM_API_URL (the default)")
    sandbox = commands.add_parser(
        "sandbox", help="the offline demo: sandbox + bot + terminal chat"
    )
    sandbox.add_argument("--database", help="demo database (default: a fresh temporary one)")
    sandbox.add_argument("--log", help="the log file (default: a new one in the temp folder)")
    sandbox.add_argument(
        "--feed-seconds",
        type=float,
        default=60.0,
        help="a new headline in the sample feed this often (default: 60)",
    )
    backup = commands.add_parser(
        "backup",
        help="copy the live database (DATABASE_PATH) consistently, while the bot runs "
        "(SQLite only; with PostgreSQL use pg_dump)",
    )
    backup.add_argument(
        "file", help="the copy to write; a folder (existing, or ending in /) for a dated copy"
    )
    backup.add_argument(
        "--keep", type=int, metavar="N", help="with a folder: keep only the newest N copies"
    )
    restore = commands.add_parser(
        "restore",
        help="replace DATABASE_PATH with a backup (the bot must be stopped; "
        "with PostgreSQL use pg_restore)",
    )
    restore.add_argument("file", help="a copy made by `backup`")
    args = parser.parse_args(argv)

    if args.command in ("backup", "restore"):
        return copy_database(args.command, args.file, keep=getattr(args, "keep", None))

    if args.command == "sandbox":
        from bot.demo import run_demo

        settings = settings_or_exit()
        return asyncio.run(
            run_demo(
                settings,
                database=args.database,
                log_file=args.log,
                sample_feed_seconds=args.feed_seconds,
            )
        )

    settings = settings_or_exit(require_token=True)
    redact = setup_logging(
        settings.log_level,
        log_sql=settings.log_sql,
        log_format=settings.log_format,
        secrets=(settings.bot_token, settings.webhook_secret, settings.database_url),
    )
    from bot.app import run_bot

    try:
        asyncio.run(run_bot(settings))
    except DatabaseError as exc:
        print(redact(f"visnyk: {exc}"), file=sys.stderr)
        return 2
    except SettingsError as exc:
        print(redact(f"visnyk: configuration error: {exc}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def copy_database(command: str, file: str, *, keep: int | None = None) -> int:
    """`backup` or `restore`: one line saying what was done, or why not (status 1)."""
    from storage.backup import BackupError, backup, restore

    settings = settings_or_exit()
    database = settings.database_path
    if settings.database_url is not None:
        print(
            f"visnyk: DATABASE_URL is set: {command} PostgreSQL with "
            + ("pg_dump --format=custom" if command == "backup" else "pg_restore --clean"),
            file=sys.stderr,
        )
        return 2
    if keep is not None and keep < 1:
        print("visnyk: --keep must be at least 1", file=sys.stderr)
        return 2
    try:
        if command == "backup":
            folder = file.endswith(("/", os.sep)) or Path(file).is_dir()
            done = backup(database, Path(file), folder=folder, keep=keep)
        else:
            done = restore(Path(file), database)
    except BackupError as exc:
        print(f"visnyk: {command} failed: {exc}", file=sys.stderr)
        return 1
    size = f"{done.size / 1_048_576:.1f} MiB"
    facts = f"{size}, schema {done.schema_version}, {done.deliveries} deliveries, integrity ok"
    if command == "backup":
        print(f"backed up {database} to {done.path} ({facts}) in {done.seconds:.1f} s")
        for old in done.removed:
            print(f"removed the older backup {old}")
    else:
        print(f"restored {file} into {database} ({facts}) in {done.seconds:.1f} s")
        if done.previous is not None:
            print(f"the database it replaced is kept as {done.previous}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
