"""Running the bot: polling or a webhook, the delivery worker and the scheduler, until a signal.

`Services` is everything that runs beside the updates; `run_bot` (python -m bot) and the
offline demo (bot.demo) both run it, so the demo shows what production does.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from aiogram import Bot, Dispatcher
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.factory import (
    build_bot,
    build_bundle_renderer,
    build_delivery,
    build_dispatcher,
    build_pacer,
    freeze_startup_objects,
    ingest_config,
    open_storage,
    poll,
    serve_webhook,
)
from bot.metrics import Metrics
from bot.ops import DELIVERY_TASK, Health, Ops
from bot.sources_file import load_sources, read_sources_file
from bot.startup import reach_telegram
from bot.supervise import Supervisor
from infra.background import BackgroundJobs
from infra.pacing import Pacer
from infra.settings import Settings
from jobs.bundles import send_bundles
from jobs.delivery import DeliveryWorker
from jobs.ingest import FeedClient, poll_due_sources
from jobs.reminders import send_due_reminders
from storage.repositories import Storage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ticks:
    """How often, in seconds, the scheduler looks for work of each kind."""

    feeds: float = 30  # sources due (each source keeps its own interval)
    reminders: float = 30  # event reminders due
    bundles: float = 30  # digests due and quiet hours that ended


class Services:
    """What runs beside the updates: the delivery worker (supervised) and the scheduler's
    jobs (feeds, reminders, digests), around one store, one pacer and the answering bot;
    with METRICS_PORT set, Prometheus metrics and the health check too."""

    def __init__(
        self, settings: Settings, store: Storage, bot: Bot, pacer: Pacer, ticks: Ticks = Ticks()
    ) -> None:
        self.settings = settings
        self.store = store
        self.bot = bot
        self.pacer = pacer
        self.delivery_bot = build_bot(settings, retry=False)
        self.delivery: DeliveryWorker = build_delivery(
            settings, store, self.delivery_bot, pacer=pacer
        )
        self.feeds = FeedClient(ingest_config(settings))
        # Prometheus metrics exist only where they are served (METRICS_PORT).
        metrics = self.metrics = Metrics() if settings.metrics_port is not None else None
        if metrics is not None:
            metrics.watch(self.delivery, pacer)
        self.dispatcher: Dispatcher = build_dispatcher(
            settings, store, delivery=self.delivery, feeds=self.feeds, metrics=metrics
        )
        self.background: BackgroundJobs = self.dispatcher["jobs"]
        self.scheduler = AsyncIOScheduler(timezone=settings.tz)
        self.supervisor = Supervisor()
        render_bundle = build_bundle_renderer(settings)

        async def feeds() -> None:
            polled = await poll_due_sources(
                http=self.feeds.http(),
                store=store,
                config=self.feeds.config,
                tz=settings.tz,
                on_published=self.delivery.wake,
            )
            if metrics is not None:
                metrics.polled(polled.reports)

        async def reminders() -> None:
            await send_due_reminders(store=store, tz=settings.tz, on_published=self.delivery.wake)

        async def bundles() -> None:
            await send_bundles(
                store,
                render_bundle,
                now=datetime.now(settings.tz),
                on_published=self.delivery.wake,
            )

        jobs: tuple[tuple[str, float, Callable[[], Awaitable[None]]], ...] = (
            ("feeds", ticks.feeds, feeds),
            ("reminders", ticks.reminders, reminders),  # due while the bot was down too
            ("bundles", ticks.bundles, bundles),  # digests due while the bot was down too
        )
        for name, seconds, job in jobs:
            self.scheduler.add_job(
                job,
                "interval",
                seconds=seconds,
                id=name,
                max_instances=1,
                coalesce=True,
                next_run_time=datetime.now(settings.tz),  # a first run at start-up
            )

        self.ops = None
        if metrics is not None:
            health = Health(
                store,
                self.supervisor,
                self.scheduler,
                self.delivery,
                settings.health_max_delivery_age,
            )
            self.ops = Ops(health, metrics, store)

    def start(self) -> None:
        self.supervisor.start(DELIVERY_TASK, self.delivery.run)
        self.scheduler.start()

    async def close(self) -> None:
        """Graceful stop: no new deliveries, the ones in flight finish (bounded), the rest stay
        pending; then every connection and the database close."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.supervisor.stopping()
        await self.delivery.stop(timeout=10)
        await self.supervisor.stop(timeout=5)
        await self.feeds.close()
        await self.bot.session.close()
        await self.delivery_bot.session.close()
        await self.store.db.close()


async def run_bot(settings: Settings) -> None:
    """The bot until SIGINT or SIGTERM: long polling, or the webhook server when WEBHOOK_URL
    is set; the delivery worker and the feed and reminder jobs either way."""
    # A malformed SOURCES_FILE stops the start-up with one line, before anything opens.
    specs = (
        read_sources_file(settings.sources_file, settings.feed_poll_seconds)
        if settings.sources_file
        else []
    )
    store = await open_storage(settings)
    if specs:
        added = await load_sources(store, specs)
        log.info("SOURCES_FILE: %d sources, %d new", len(specs), added)
    pacer = build_pacer(settings)  # answers and deliveries share the token's budget
    bot = build_bot(settings, pacer=pacer)
    # Telegram before anything starts: a rejected token stops here with one line naming
    # BOT_TOKEN; Telegram out of reach is waited for (bot.startup), or a signal ends the wait.
    reached = None
    try:
        reached = await reach_telegram(bot, settings.telegram_api_url)
    finally:
        if reached is None:
            await bot.session.close()
            await store.db.close()
    if reached is None:
        return
    services = Services(settings, store, bot, pacer)
    ops = services.ops
    # /healthz and /metrics on the webhook's own server when they share its port.
    shared = (
        ops is not None and settings.webhook_url and settings.metrics_port == settings.webhook_port
    )
    ops_runner = None
    try:
        # First: a port taken by something else stops the start-up before any work begins.
        if ops is not None and not shared:
            assert settings.metrics_port is not None
            ops_runner = await ops.serve(settings.metrics_host, settings.metrics_port)
            log.info("health and metrics on %s:%s", settings.metrics_host, settings.metrics_port)
        services.start()
        freeze_startup_objects()
        if settings.webhook_url:
            await serve_webhook(
                services.dispatcher,
                bot,
                settings,
                more_routes=ops.add_routes if ops and shared else None,
            )
        else:
            # A webhook left set (by an earlier run in webhook mode) would block getUpdates.
            await bot.delete_webhook(drop_pending_updates=False)
            log.info("polling %s", settings.telegram_api_url)
            # aiogram stops polling on SIGTERM/SIGINT; everything else is stopped below.
            await poll(services.dispatcher, bot, settings)
    finally:
        if ops_runner is not None:
            await ops_runner.cleanup()
        await services.close()
