"""`python -m bot` runs the bot; `python -m bot sandbox` runs the offline demo."""

from __future__ import annotations

import argparse
import asyncio
import sys

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
    args = parser.parse_args(argv)

    if args.command == "sandbox":
        from bot.demo import run_demo

        settings = settings_or_exit()
        setup_logging("WARNING")
        return asyncio.run(run_demo(settings, database=args.database))

    settings = settings_or_exit(require_token=True)
    redact = setup_logging(
        settings.log_level,
        log_sql=settings.log_sql,
        log_format=settings.log_format,
        secrets=(settings.bot_token, settings.webhook_secret),
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


if __name__ == "__main__":
    sys.exit(main())
