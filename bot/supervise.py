"""The bot's long-running tasks, kept alive.

Each task is a coroutine function that runs until the bot stops. One that ends with an error is
logged at ERROR, with its traceback, and started again after a pause that doubles with each
failure in a row (up to a minute), so that a bug cannot silently end delivery for good. Its
`status` tells a health check what runs, what died and how often it was restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

FIRST_PAUSE = 1.0
LAST_PAUSE = 60.0
HEALTHY_AFTER = 60.0  # a run this long resets the pause


@dataclass
class TaskStatus:
    running: bool = False
    restarts: int = 0
    last_error: str | None = None
    last_error_at: float | None = None  # time.time()


class Supervisor:
    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.status: dict[str, TaskStatus] = {}
        self._stopping = asyncio.Event()

    def start(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        """Run `run()` as `name` until `stop()`, again whenever it fails."""
        self.status[name] = TaskStatus()
        self._tasks[name] = asyncio.create_task(self._keep(name, run), name=name)

    def stopping(self) -> None:
        """No more restarts: the tasks are about to be stopped (through their own objects)."""
        self._stopping.set()

    async def stop(self, timeout: float = 5.0) -> None:
        """No more restarts; wait for the tasks to end, then cancel what is left."""
        self._stopping.set()
        tasks = list(self._tasks.values())
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            log.error("%s did not stop in time", task.get_name())
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1.0)

    async def _keep(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        status = self.status[name]
        pause = FIRST_PAUSE
        while not self._stopping.is_set():
            started = time.monotonic()
            status.running = True
            try:
                await run()
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.exception("%s died; restarting in %.0f s", name, pause)
            else:
                if self._stopping.is_set():
                    break
                # A task that ends by itself while the bot runs is a bug too.
                error = "ended by itself"
                log.error("%s ended by itself; restarting in %.0f s", name, pause)
            finally:
                status.running = False
            status.last_error, status.last_error_at = error[:300], time.time()
            if time.monotonic() - started > HEALTHY_AFTER:
                pause = FIRST_PAUSE
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), pause)
            pause = min(LAST_PAUSE, pause * 2)
            if not self._stopping.is_set():
                status.restarts += 1
