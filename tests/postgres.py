"""A throwaway PostgreSQL cluster for the suite's PostgreSQL leg.

`Cluster.start()` runs `initdb` in a temporary folder and `pg_ctl start` on a free port of
127.0.0.1 (trust authentication, durability off: it lives for one test run); `stop()` stops
it and removes the folder. PostgreSQL refuses to run as root, so under root the server runs
as `nobody`, in a folder that user owns.

    python -m tests.postgres --check   # exit 0 when the server binaries are here, else 1
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

UNPRIVILEGED_USER = "nobody"


def binaries() -> Path | None:
    """The folder of `initdb` and `pg_ctl`: on PATH, else Debian's newest
    /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    def __init__(self) -> None:
        folder = binaries()
        if folder is None:
            raise RuntimeError("PostgreSQL's server binaries (initdb, pg_ctl) are not here")
        self.bin = folder
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="visnyk-pg-"))
        self.data = self.root / "data"
        self._user = UNPRIVILEGED_USER if os.geteuid() == 0 else None
        self._running = False

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(command),
            user=self._user,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=self.root,
        )

    def start(self) -> Cluster:
        self.root.chmod(0o755)
        if self._user is not None:
            shutil.chown(self.root, self._user)
        done = self._run(
            str(self.bin / "initdb"),
            *("-D", str(self.data), "-A", "trust", "-U", "postgres"),
            *("-E", "UTF8", "--locale=C.UTF-8", "--no-sync"),
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=300"
        )
        log = self.root / "server.log"
        done = self._run(
            str(self.bin / "pg_ctl"),
            *("-D", str(self.data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"),
        )
        if done.returncode != 0:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            self.remove()
            raise RuntimeError(f"pg_ctl start failed: {done.stderr}{server_log[-2000:]}")
        self._running = True
        atexit.register(self.stop)
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                    return self
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        self.remove()

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def dsn(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of `template`); returns its URL."""
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as connection:
            like = f" TEMPLATE {template}" if template else ""
            connection.execute(f'CREATE DATABASE "{name}"{like}'.encode())
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def main() -> int:
    if "--check" not in sys.argv[1:]:
        print(__doc__)
        return 2
    folder = binaries()
    if folder is None:
        print("PostgreSQL's server binaries (initdb, pg_ctl) are not on this machine")
        return 1
    print(f"PostgreSQL's server binaries: {folder}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
