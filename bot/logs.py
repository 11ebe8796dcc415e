"""Logging set-up for the entry points."""

from __future__ import annotations

import logging


def setup_logging(level: str, *, log_sql: bool = False) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    numeric = logging.getLevelName(level)
    # aiogram logs every handled update at INFO; that is noise in production.
    logging.getLogger("aiogram.event").setLevel(max(numeric, logging.WARNING))
    # aiosqlite logs every statement with its parameters at DEBUG: members' contacts, editors'
    # drafts, whatever users typed. Only LOG_SQL=true lets them into the logs.
    logging.getLogger("aiosqlite").setLevel(
        logging.DEBUG if log_sql else max(numeric, logging.INFO)
    )
