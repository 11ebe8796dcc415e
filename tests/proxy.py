"""A round-robin proxy for webhook posts: the load balancer in front of several bot processes.

Each POST goes to the next backend in turn, whatever the previous step of the conversation
went to; a backend that does not answer (killed) is skipped for the next one. `served` counts
the posts each backend answered.
"""

from __future__ import annotations

import itertools
from collections import Counter
from types import TracebackType

import aiohttp
from aiohttp import web

_FORWARDED = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")


class RoundRobinProxy:
    def __init__(self, backends: list[str], host: str = "127.0.0.1", port: int = 0) -> None:
        self.backends = backends  # base URLs, "http://127.0.0.1:8081"
        self.served: Counter[str] = Counter()
        self._turn = itertools.cycle(range(len(backends)))
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RoundRobinProxy:
        app = web.Application()
        app.router.add_route("POST", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        body = await request.read()
        headers = {name: request.headers[name] for name in _FORWARDED if name in request.headers}
        for _ in range(len(self.backends)):
            backend = self.backends[next(self._turn)]
            try:
                async with self._session.post(
                    backend + request.path_qs, data=body, headers=headers
                ) as response:
                    answer = await response.read()
                    self.served[backend] += 1
                    return web.Response(
                        status=response.status,
                        body=answer,
                        content_type=response.content_type,
                    )
            except aiohttp.ClientConnectionError:
                continue  # that process is gone: the next one takes it
        return web.Response(status=502, text="no backend answered")
