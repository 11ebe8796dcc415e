"""/healthz and /metrics: what a supervisor (Docker, systemd, a load balancer) and Prometheus ask.

Served on METRICS_HOST:METRICS_PORT, in polling and webhook mode alike; in webhook mode
METRICS_PORT may equal WEBHOOK_PORT, and then the webhook's server answers both (bot.app).

`/healthz` answers 200 and a short JSON body when the database answers, the scheduler runs,
and the delivery worker is alive, holding the lease or standing by for it; otherwise 503, with
the reasons in the body:

- the database did not answer (an error, or no answer within a few seconds);
- the scheduler (feeds, reminders, digests) is not running;
- the delivery worker is dead, or died within the last minute (a crash loop: the supervisor
  restarts it after a pause that doubles with each failure);
- this process holds the lease, and the oldest delivery waiting is older than
  HEALTH_MAX_DELIVERY_AGE: delivery has stalled, or cannot keep up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.metrics import Metrics
from bot.supervise import Supervisor
from infra.settings import SettingsError
from jobs.delivery import DeliveryWorker
from storage.repositories import Storage

log = logging.getLogger(__name__)

DELIVERY_TASK = "delivery"  # the supervisor's name for the delivery worker
CHECK_TIMEOUT = 5.0  # seconds the database has to answer a health check
CRASH_MEMORY = 60.0  # a task that died this recently makes the process unhealthy


class Scheduler(Protocol):
    @property
    def running(self) -> bool: ...


@dataclass
class Health:
    store: Storage
    supervisor: Supervisor
    scheduler: Scheduler
    delivery: DeliveryWorker
    max_delivery_age: float

    async def check(self) -> tuple[bool, dict[str, object]]:
        """(healthy, the body to answer with)."""
        now = time.time()
        reasons: list[str] = []
        body: dict[str, object] = {}
        try:
            outbox = await asyncio.wait_for(self.store.ops.outbox(), CHECK_TIMEOUT)
        except TimeoutError:
            reasons.append(f"database: no answer within {CHECK_TIMEOUT:g} s")
            outbox = None
        except Exception as exc:
            reasons.append(f"database: {type(exc).__name__}: {exc}"[:300])
            outbox = None
        if not self.scheduler.running:
            reasons.append("scheduler: not running")
        status = self.supervisor.status.get(DELIVERY_TASK)
        if status is None or not status.running:
            error = status.last_error if status is not None else "never started"
            restarts = status.restarts if status is not None else 0
            reasons.append(f"delivery worker: dead ({error}); restarts: {restarts}")
        elif status.last_error_at is not None and now - status.last_error_at < CRASH_MEMORY:
            reasons.append(
                f"delivery worker: died {now - status.last_error_at:.0f} s ago "
                f"({status.last_error}); restarts: {status.restarts}"
            )
        leader = self.delivery.holding_lease
        body["delivery"] = "delivering" if leader else "standing by"
        if outbox is not None:
            age = outbox.oldest_age(now)
            body["outbox"] = outbox.depth
            body["oldest_pending_seconds"] = round(age)
            if leader and age > self.max_delivery_age:
                reasons.append(
                    f"delivery: the oldest pending delivery is {age:.0f} s old "
                    f"(HEALTH_MAX_DELIVERY_AGE is {self.max_delivery_age:g})"
                )
        healthy = not reasons
        return healthy, {"status": "ok" if healthy else "unhealthy", "reasons": reasons, **body}


class Ops:
    """The two endpoints, on an aiohttp application of their own or on the webhook's."""

    def __init__(self, health: Health, metrics: Metrics, store: Storage) -> None:
        self.health = health
        self.metrics = metrics
        self.store = store

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.exposition)

    async def healthz(self, _request: web.Request) -> web.Response:
        healthy, body = await self.health.check()
        return web.json_response(body, status=200 if healthy else 503)

    async def exposition(self, _request: web.Request) -> web.Response:
        try:
            await self.metrics.refresh(self.store)
        except Exception as exc:
            # The live counters are still worth having; the stored gauges keep their last
            # values (and /healthz says what is wrong with the database).
            log.warning("metrics: could not read the database (%s: %s)", type(exc).__name__, exc)
        return web.Response(
            body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def serve(self, host: str, port: int) -> web.AppRunner:
        """Listen on host:port; the caller cleans the runner up."""
        app = web.Application()
        self.add_routes(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            await runner.cleanup()
            raise SettingsError(
                f"METRICS_PORT: cannot listen on {host}:{port} ({exc.strerror or exc})"
            ) from None
        return runner
