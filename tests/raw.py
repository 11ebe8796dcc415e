"""A statement from outside the bot (another writer, a crash's leftovers), on either engine."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import psycopg

from infra.settings import Settings
from storage.postgres import to_psycopg


def raw_execute(
    settings: Settings, sql: str, params: tuple[Any, ...] = ()
) -> list[tuple[Any, ...]]:
    """Run one statement (`?` placeholders) on the test's database in a connection of its own,
    committed; returns the rows it gave."""
    if settings.database_url is not None:
        url = settings.database_url.get_secret_value()
        with psycopg.connect(url, autocommit=True) as connection:
            cursor = connection.execute(to_psycopg(sql).encode(), params)
            return list(cursor.fetchall()) if cursor.description else []
    with closing(sqlite3.connect(settings.database_path)) as connection, connection:
        connection.execute("PRAGMA foreign_keys = ON")
        return list(connection.execute(sql, params).fetchall())


# A constraint the database refused, as each engine says it.
INTEGRITY_ERRORS = (sqlite3.IntegrityError, psycopg.IntegrityError)
