"""Work that outlives the handler that started it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundJobs:
    """Work that outlives its handler (an editor's progress and report, edits of delivered
    copies), cancelled at shutdown. One per dispatcher: handlers get it as `jobs`."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(
        self,
        work: Coroutine[Any, Any, None],
        *,
        failed: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        """Run `work`; should it fail, log it and await `failed()` (tell whoever waits for
        the work's end), so that nobody is left waiting in silence."""
        task = asyncio.create_task(_guarded(work, failed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=5)


async def _guarded(
    work: Coroutine[Any, Any, None], failed: Callable[[], Awaitable[object]] | None
) -> None:
    try:
        await work
    except Exception:
        log.exception("a background job failed")
        if failed is not None:
            with contextlib.suppress(Exception):
                await failed()
