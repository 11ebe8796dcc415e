"""Several bot processes on one PostgreSQL database (README, "Beyond one machine").

Three `python -m bot` processes in webhook mode behind a round-robin proxy, as behind a load
balancer: every update goes to the next process, so each step of a conversation lands on
another one than the step before. One of them holds the delivery lease and sends; killed
with SIGKILL in the middle of a broadcast, another takes over and finishes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from sandbox import BotAPISandbox
from storage.db import Database
from storage.models import DeliveryStatus
from storage.repositories import Storage
from tests.client import ADMIN_ID, BotClient
from tests.postgres import Cluster
from tests.proxy import RoundRobinProxy
from tests.test_entrypoint import free_port, start_bot
from tests.test_subscriptions import press

pytestmark = pytest.mark.postgres_only

SECRET = "s3cret-token"
EDITOR = 4242
CITIZEN = 5151
READERS = range(100_000, 101_000)  # a thousand subscribers of Lviv
LVIV = "UA-46"
IN_FLIGHT = 15  # README: copies in flight at 30 a second, so at most re-sent after a kill


async def listening(port: int, process: asyncio.subprocess.Process, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.returncode is not None:
            _out, err = await process.communicate()
            raise AssertionError(f"a bot process ended at start-up: {err.decode()[-2000:]}")
        with contextlib.suppress(OSError):
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        assert time.monotonic() < deadline, f"nothing listens on {port}"
        await asyncio.sleep(0.1)


async def test_three_processes_answer_any_step_and_finish_a_broadcast_after_a_kill(
    sandbox: BotAPISandbox, postgres_cluster: Cluster, tmp_path: Path
) -> None:
    postgres_url = postgres_cluster.create_database("processes")  # empty: they migrate it
    ports = [free_port() for _ in range(3)]
    backends = [f"http://127.0.0.1:{port}" for port in ports]
    proxy_port = free_port()
    processes: list[asyncio.subprocess.Process] = []
    store: Storage | None = None
    async with RoundRobinProxy(backends, port=proxy_port) as proxy:
        try:
            # Started together on an empty database: they migrate it once between them.
            for number, port in enumerate(ports):
                folder = tmp_path / f"p{number}"
                folder.mkdir()
                processes.append(
                    await start_bot(
                        sandbox,
                        folder / "unused.db",
                        folder,
                        DATABASE_URL=postgres_url,
                        WEBHOOK_URL=f"http://127.0.0.1:{proxy_port}/telegram/webhook",
                        WEBHOOK_SECRET=SECRET,
                        WEBHOOK_HOST="127.0.0.1",
                        WEBHOOK_PORT=str(port),
                    )
                )
            for port, process in zip(ports, processes, strict=True):
                await listening(port, process, timeout=60)
            store = Storage(await Database.open(postgres_url, migrate=False))
            assert await store.db.user_version() == 1

            client = BotClient(sandbox)
            admin = client.as_user(ADMIN_ID, language="en")
            editor = client.as_user(EDITOR, language="en")
            citizen = client.as_user(CITIZEN, language="uk")

            # A role granted through one process is known to the next one at once.
            [granted] = await admin.send(f"/grant {EDITOR} editor Lviv", timeout=30)
            assert "editor" in granted.plain_text.lower()

            # /subscribe's keyboard: every press goes to another process than the last.
            [keyboard] = await citizen.send("/subscribe", timeout=30)
            await press(citizen, keyboard, "Львівщина")
            await press(citizen, keyboard, "Чернігівщина")
            await press(citizen, keyboard, "Чернігівщина")  # and off again
            assert await store.subscriptions.regions_of(CITIZEN) == {LVIV}

            # A thousand more readers of Lviv.
            async with store.db.transaction() as connection:
                await connection.executemany(
                    "INSERT INTO chats (id, type, title, language, active, created_at, "
                    "updated_at) VALUES (?, 'private', NULL, 'uk', 1, 0, 0)",
                    [(chat,) for chat in READERS],
                )
            await store.subscriptions.subscribe_many(list(READERS), LVIV)

            # /push with its four steps, each in another process.
            [choose] = await editor.send("/push", timeout=30)
            edits = choose.edits
            await editor.click(choose, "Lviv", expect=0)
            await sandbox.wait_until(lambda: choose.edits > edits, timeout=30)
            assert "Breaking news for" in choose.plain_text
            _intro, preview = await editor.send("Road closed on Horodotska", expect=2, timeout=30)
            [status] = await editor.click(preview, "Send", timeout=30)
            item_id = int(status.plain_text.split("№")[1].split()[0])

            # The lease holder dies a few hundred copies in.
            audience = [CITIZEN, *READERS]
            await sandbox.wait_until(
                lambda: sum(bool(sandbox.sent(chat)) for chat in audience) >= 300, timeout=120
            )
            holder = await store.leases.holder("delivery")
            assert holder is not None
            pid = int(holder[0].split(":")[1])
            [victim] = [process for process in processes if process.pid == pid]
            victim.send_signal(signal.SIGKILL)
            await victim.wait()
            killed_at = time.monotonic()

            # Another process takes the lease over and finishes the broadcast.
            await sandbox.wait_until(
                lambda: all(sandbox.sent(chat) for chat in audience), timeout=180
            )
            taken_over = await store.leases.holder("delivery")
            assert taken_over is not None and taken_over[0] != holder[0]
            copies = Counter({chat: len(sandbox.sent(chat)) for chat in audience})
            assert all(count >= 1 for count in copies.values())
            twice = sum(count - 1 for count in copies.values())
            assert twice <= IN_FLIGHT, f"{twice} copies went out twice"
            finished_in = time.monotonic() - killed_at

            # The report, asked of whichever process, counts every copy. (The editor's live
            # status is kept by the process that took the Send press, which may be the one
            # killed: /report is the full account.)
            deadline = time.monotonic() + 60
            while (counts := await store.outbox.counts(item_id))[DeliveryStatus.SENT] < len(
                audience
            ):
                assert time.monotonic() < deadline, counts
                await asyncio.sleep(0.1)
            [report] = await editor.send(f"/report {item_id}", timeout=30)
            delivered = f"{len(audience):,}".replace(",", "\u00a0")  # "1 001"
            assert f"Delivered: {delivered}" in report.plain_text, report.plain_text
            assert len([served for served in proxy.served.values() if served]) == 3
            print(f"broadcast finished {finished_in:.1f} s after the kill; {twice} re-sent")
        finally:
            if store is not None:
                await store.db.close()
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.communicate(), timeout=30)
                if process.returncode is None:
                    process.kill()
