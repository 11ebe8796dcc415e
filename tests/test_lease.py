"""One sender per database: the delivery worker's lease, as the store and the chats see it.

README: the worker holds a lease row, renewed every third of its life (5 s of 15); another
process does not deliver until the lease is free: when its holder stops renewing, once it has
expired; at once when the holder was a process on this machine that no longer exists.
Here the lease lives 2.4 s, so that expiring and renewing take seconds, not 15.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from infra.settings import Settings
from jobs.delivery import LEASE_NAME, DeliveryLimits, _dead_local_owner
from sandbox import BotAPISandbox
from storage.models import DeliveryStatus
from storage.repositories import Storage
from tests.client import until
from tests.test_delivery import delivering, news, subscribe

SHORT = DeliveryLimits(
    overall_per_second=1000,
    chat_interval=0.05,
    group_interval=0.1,
    backoff_base=0.05,
    lease_ttl=2.4,
)
ELSEWHERE = "another-host:4242:0a1b2c3d"  # a holder on another machine


def dead_pid() -> int:
    """The id of a process of this machine that has just ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


async def lease_of(store: Storage, timeout: float = 10.0) -> tuple[str, float]:
    """The lease's (holder, expiry), once somebody holds it."""
    deadline = time.monotonic() + timeout
    while (holder := await store.leases.holder(LEASE_NAME)) is None:
        assert time.monotonic() < deadline, "nobody holds the lease"
        await asyncio.sleep(0.01)
    return holder


class LockedDatabase:
    """A lease method that fails as a locked database does: the next `times` calls, and any
    while `locked`."""

    def __init__(self, method: Callable[..., Awaitable[Any]], times: int = 0) -> None:
        self.method = method
        self.times = times
        self.locked = False
        self.refused = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.locked or self.times > 0:
            self.times = max(0, self.times - 1)
            self.refused += 1
            raise sqlite3.OperationalError("database is locked")
        return await self.method(*args, **kwargs)


async def test_a_holder_that_stopped_renewing_is_waited_for_until_its_lease_expires(
    sandbox: BotAPISandbox, settings: Settings, store: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    await subscribe(store, 1, "UA-74")
    assert await store.leases.acquire(LEASE_NAME, ELSEWHERE, 2.0)  # ...and then went silent
    expiry = time.monotonic() + (await lease_of(store))[1] - time.time()
    # The first look at the lease fails (a locked database): the worker does not take it then.
    store.leases.holder = LockedDatabase(store.leases.holder, times=1)  # type: ignore[method-assign]
    caplog.set_level(logging.INFO, "jobs.delivery")
    async with delivering(sandbox, settings, store, SHORT) as running:
        item_id = await running.publish(news())
        [copy] = await sandbox.wait_for(1, timeout=10)
        counts = await running.settled(item_id)
        owner, until = await lease_of(store)
        assert owner == running.worker.owner and until > time.time()
    assert copy.arrived >= expiry, "delivered while another process held the lease"
    assert counts[DeliveryStatus.SENT] == 1
    waiting = [
        record
        for record in caplog.records
        if "is delivering from this database; waiting" in record.getMessage()
    ]
    assert [(record.levelno, ELSEWHERE in record.getMessage()) for record in waiting] == [
        (logging.INFO if store.db.shared else logging.WARNING, True)  # once, naming it
    ]
    assert "could not read the lease" in caplog.text


async def test_the_lease_is_renewed_while_delivering_and_kept_from_others(
    sandbox: BotAPISandbox, settings: Settings, store: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    async with delivering(sandbox, settings, store, SHORT) as running:
        owner, first = await lease_of(store)
        assert owner == running.worker.owner
        assert first <= time.time() + SHORT.lease_ttl  # for a lease_ttl, no more
        # Renewed every third of its life (twice, here), and refused to others meanwhile.
        deadline = time.monotonic() + 10
        until = first
        while until < first + SHORT.lease_ttl / 2:
            assert time.monotonic() < deadline, "the lease was not renewed"
            assert not await store.leases.acquire(LEASE_NAME, ELSEWHERE, 5.0)
            owner, until = await lease_of(store)
            assert owner == running.worker.owner and until > time.time()
            await asyncio.sleep(0.05)
        # ...and its holder still delivers.
        await subscribe(store, 2, "UA-74")
        item_id = await running.publish(news())
        assert (await running.settled(item_id))[DeliveryStatus.SENT] == 1
    # Stopped: the lease is released at once, for the next process.
    assert await store.leases.holder(LEASE_NAME) is None
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


async def test_renewals_a_locked_database_refuses_are_tried_again_sending_nothing_meanwhile(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """While the lease cannot be renewed, the worker sends nothing once it may have expired
    (a second before its end), and goes on when a renewal succeeds again. Renewals come
    every third of the lease's life, no more often: each is a write."""
    await subscribe(store, 4, "UA-74")
    acquire = store.leases.acquire
    renewals: list[float] = []

    async def counted(*args: Any, **kwargs: Any) -> bool:
        renewals.append(time.monotonic())
        return await acquire(*args, **kwargs)

    locked = LockedDatabase(counted)
    store.leases.acquire = locked  # type: ignore[method-assign]
    async with delivering(sandbox, settings, store, SHORT) as running:
        await lease_of(store)
        await asyncio.sleep(2 * SHORT.lease_ttl)
        assert len(renewals) <= 1 + 6  # the first acquisition, then one each 0.8 s
        assert renewals[1] - renewals[0] >= SHORT.lease_ttl / 3 - 0.05  # the first too
        locked.locked = True
        # The lease as the worker last renewed it: a renewal already under way when the lock
        # came is over once the next one is refused.
        await until(lambda: locked.refused >= 1)
        _owner, expiry = await lease_of(store)
        # Past the point of no new sends (a second before the expiry), not yet expired:
        await asyncio.sleep(max(0.0, expiry - time.time() - 0.7))
        item_id = await running.publish(news())
        await asyncio.sleep(max(0.0, expiry - time.time() + 0.5))  # expired, in the store
        locked.locked = False
        renewed = time.monotonic()
        [copy] = await sandbox.wait_for(4, timeout=10)
        assert (await running.settled(item_id))[DeliveryStatus.SENT] == 1
        assert (await lease_of(store))[0] == running.worker.owner
    assert copy.arrived >= renewed, "sent while the lease may have expired"


async def test_a_lease_taken_over_meanwhile_stops_the_sends_until_it_is_free_again(
    sandbox: BotAPISandbox, settings: Settings, store: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    await subscribe(store, 5, "UA-74")
    async with delivering(sandbox, settings, store, SHORT) as running:
        await lease_of(store)
        # The lease expired unnoticed (a frozen process) and another process took it.
        await store.db.execute(
            "UPDATE leases SET owner = ?, expires_at = ? WHERE name = ?",
            (ELSEWHERE, time.time() + 60, LEASE_NAME),
        )
        await until(lambda: "lost the delivery lease" in caplog.text, timeout=10)
        item_id = await running.publish(news())
        await asyncio.sleep(0.3)  # time for a worker that missed it to send
        await store.leases.release(LEASE_NAME, ELSEWHERE)
        released = time.monotonic()
        [copy] = await sandbox.wait_for(5, timeout=10)
        assert (await running.settled(item_id))[DeliveryStatus.SENT] == 1
    assert copy.arrived >= released, "sent while another process held the lease"


async def test_the_lease_of_a_dead_process_on_this_machine_is_taken_at_once(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    await subscribe(store, 3, "UA-74")
    killed = f"{socket.gethostname()}:{dead_pid()}:0a1b2c3d"
    assert await store.leases.acquire(LEASE_NAME, killed, 600.0)  # ten more minutes, on paper
    async with delivering(sandbox, settings, store) as running:
        item_id = await running.publish(news())
        counts = await running.settled(item_id)  # in 10 s at most
        assert (await lease_of(store))[0] == running.worker.owner
    assert counts[DeliveryStatus.SENT] == 1


def test_only_a_vanished_process_of_this_machine_counts_as_dead() -> None:
    host = socket.gethostname()
    assert _dead_local_owner(f"{host}:{dead_pid()}:abc")
    assert not _dead_local_owner(f"{host}:{os.getppid()}:abc")  # alive
    assert not _dead_local_owner(f"{host}:{os.getpid()}:abc")  # this very process
    assert not _dead_local_owner(f"another-host:{dead_pid()}:abc")  # cannot be checked
    assert not _dead_local_owner(f"{host}:not-a-pid:abc")


def test_asking_after_a_live_holder_leaves_it_running() -> None:
    """The check only asks (signal 0). The holder echoes a line: a signal that ends it is
    delivered before it can read the next one, so an echo means it was left alone."""
    echo = (
        "import signal, sys\n"
        "signal.signal(signal.SIGHUP, signal.SIG_DFL)  # as a holder has it (not under nohup)\n"
        "print('ready', flush=True)\n"
        "for line in sys.stdin: print(line, end='', flush=True)"
    )
    with subprocess.Popen(
        [sys.executable, "-c", echo], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as holder:
        assert holder.stdin is not None and holder.stdout is not None
        assert holder.stdout.readline() == "ready\n"
        assert not _dead_local_owner(f"{socket.gethostname()}:{holder.pid}:abc")
        holder.stdin.write("still there?\n")
        holder.stdin.flush()
        assert holder.stdout.readline() == "still there?\n", "the check signalled the holder"
        holder.stdin.close()


def test_a_process_we_may_not_signal_is_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another user's process answers kill(pid, 0) with EPERM: it exists, so its lease
    stands. (Tests run as root here, which may signal anything, so the answer is staged.)"""

    def refuse(pid: int, signal: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "kill", refuse)
    assert not _dead_local_owner(f"{socket.gethostname()}:{dead_pid()}:abc")
