"""Updates for the bot: getUpdates (long polling) and webhook delivery; getMe."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re

import aiohttp

from sandbox.driving import Driving
from sandbox.records import (
    _OPT_IN_UPDATES,
    JSON,
    Upload,
    _ApiError,
    _bad,
    _bool_param,
    _dumps,
    _float_param,
    _int_param,
    _str_param,
)

log = logging.getLogger(__name__)


class UpdateMethods(Driving):
    """getMe, getUpdates, setWebhook and its pusher."""

    # ------------------------------------------------------------------ methods

    async def _ok(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        return True

    async def _get_me(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return self._me

    async def _get_updates(self, params: JSON, uploads: dict[str, Upload]) -> list[JSON]:
        offset = _int_param(params, "offset") or 0
        limit = min(100, max(1, _int_param(params, "limit") or 100))
        timeout = max(0.0, _float_param(params, "timeout") or 0.0)
        if self._webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._set_allowed_updates(params)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._take_updates(offset, limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                return batch
            if self._updates_event is None:
                self._updates_event = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._updates_event.wait(), remaining)

    def _set_allowed_updates(self, params: JSON) -> None:
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            if isinstance(allowed, list) and allowed:
                self._allowed_updates = frozenset(str(kind) for kind in allowed)
            elif isinstance(allowed, list) or allowed is None:
                self._allowed_updates = None

    def _allowed(self, update: JSON) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        allowed = self._allowed_updates
        if allowed is None:
            return kind not in _OPT_IN_UPDATES
        return kind in allowed

    def _take_updates(self, offset: int, limit: int) -> list[JSON]:
        queue = self._updates
        if offset > 0:
            while queue and queue[0]["update_id"] < offset:
                queue.popleft()
                self._activity += 1
        elif offset < 0:
            while len(queue) > -offset:
                queue.popleft()
        while queue and not self._allowed(queue[0]):
            queue.popleft()  # never delivered: Telegram drops what the bot did not ask for
        batch: list[JSON] = []
        for update in queue:
            if self._allowed(update):
                batch.append(update)
                if len(batch) >= limit:
                    break
        return batch

    async def _set_webhook(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        url = _str_param(params, "url")
        # Telegram takes HTTPS only; the sandbox also takes plain http on loopback.
        if url and not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = _str_param(params, "secret_token")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise _bad("bad webhook: secret token contains unallowed characters")
        self._webhook_url = url
        self._webhook_secret = secret
        self._webhook_connections = min(100, max(1, _int_param(params, "max_connections") or 40))
        self._set_allowed_updates(params)
        if _bool_param(params, "drop_pending_updates"):
            self._updates.clear()
        if url and (self._pusher is None or self._pusher.done()):
            self._pusher = asyncio.create_task(self._push_updates())
        self._wake_pollers()
        return True

    async def _push_updates(self) -> None:
        """Deliver the queue to the webhook as Telegram does: a JSON POST per update with the
        secret in X-Telegram-Bot-Api-Secret-Token, at most max_connections at once; an update
        leaves the queue when answered 2xx and is tried again later otherwise."""
        in_flight: set[int] = set()
        tasks: set[asyncio.Task[None]] = set()
        async with aiohttp.ClientSession() as http:
            try:
                while self._webhook_url and not self._closing:
                    slots = self._webhook_connections - len(in_flight)
                    due = [
                        update
                        for update in self._take_updates(0, 100)
                        if update["update_id"] not in in_flight
                    ][: max(0, slots)]
                    if not due:
                        if self._updates_event is None:
                            self._updates_event = asyncio.Event()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._updates_event.wait(), 0.2)
                        continue
                    for update in due:
                        in_flight.add(update["update_id"])
                        task = asyncio.create_task(self._post_update(http, update, in_flight))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
            finally:
                for task in tasks:
                    task.cancel()

    async def _post_update(
        self, http: aiohttp.ClientSession, update: JSON, in_flight: set[int]
    ) -> None:
        headers = {"Content-Type": "application/json"}
        if self._webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook_secret
        delivered = False
        try:
            async with http.post(
                self._webhook_url,
                data=_dumps(update),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=60),
            ) as response:
                delivered = 200 <= response.status < 300
                self.webhook_answers.append(response.status)
                self._notify()
        except (aiohttp.ClientError, TimeoutError):
            pass
        try:
            if delivered:
                with contextlib.suppress(ValueError):
                    self._updates.remove(update)
                self._wake_pollers()  # the next one may go
            else:
                await asyncio.sleep(0.2)  # then tried again
        finally:
            in_flight.discard(update["update_id"])

    async def _delete_webhook(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        self._webhook_url = ""
        self._wake_pollers()  # the pusher stops
        if _bool_param(params, "drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "max_connections": self._webhook_connections,
            "pending_update_count": len(self._updates),
        }
