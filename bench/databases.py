"""Fresh databases for benchmark phases: SQLite's file in a temporary folder, or (with
`--database-url`) a new PostgreSQL database on that server, dropped afterwards."""

from __future__ import annotations

import secrets
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg


def engine_line(server_url: str | None) -> str:
    """Which engine the figures are of, with its version."""
    if server_url is None:
        return f"engine: sqlite {sqlite3.sqlite_version}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return f"engine: postgresql {row[0] if row else '?'} ({_without_password(server_url)})"


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return parts._replace(netloc=f"{user}{host}{port}").geturl()


@contextmanager
def fresh_database(server_url: str | None) -> Iterator[dict[str, Any]]:
    """Settings for a database of one phase's own: `database_path` in a temporary folder, or
    `database_url` of a new database on `server_url`'s server (removed, whatever happens)."""
    with tempfile.TemporaryDirectory() as folder:
        if server_url is None:
            yield {"database_path": Path(folder) / "bench.db"}
            return
        name = f"bench_{secrets.token_hex(6)}"
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"'.encode())
        try:
            yield {
                "database_path": Path(folder) / "unused.db",
                "database_url": urlsplit(server_url)._replace(path=f"/{name}").geturl(),
            }
        finally:
            with psycopg.connect(server_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
