"""Running the bot: polling or a webhook, the delivery worker and the scheduler, until a signal."""

from __future__ import annotations

import logging
from datetime import datetime

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
from infra.settings import Settings
from jobs.bundles import send_bundles
from jobs.ingest import FeedClient, poll_due_sources
from jobs.reminders import send_due_reminders

log = logging.getLogger(__name__)

# How often the scheduler looks for due sources; each source keeps its own interval.
FEED_TICK_SECONDS = 30
# How often the scheduler looks for due event reminders.
REMINDER_TICK_SECONDS = 30
# How often the scheduler looks for digests due and quiet hours that ended.
BUNDLE_TICK_SECONDS = 30


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
    delivery_bot = build_bot(settings, retry=False)
    delivery = build_delivery(settings, store, delivery_bot, pacer=pacer)
    feeds = FeedClient(ingest_config(settings))
    # Prometheus metrics exist only where they are served (METRICS_PORT).
    metrics = Metrics() if settings.metrics_port is not None else None
    if metrics is not None:
        metrics.watch(delivery, pacer)
    dispatcher = build_dispatcher(settings, store, delivery=delivery, feeds=feeds, metrics=metrics)
    scheduler = AsyncIOScheduler(timezone=settings.tz)

    async def poll_feeds() -> None:
        polled = await poll_due_sources(
            http=feeds.http(),
            store=store,
            config=feeds.config,
            tz=settings.tz,
            on_published=delivery.wake,
        )
        if metrics is not None:
            metrics.polled(polled.reports)

    scheduler.add_job(
        poll_feeds,
        "interval",
        seconds=FEED_TICK_SECONDS,
        id="feeds",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(settings.tz),  # a first poll at start-up
    )
    scheduler.add_job(
        send_due_reminders,
        "interval",
        seconds=REMINDER_TICK_SECONDS,
        kwargs={"store": store, "tz": settings.tz, "on_published": delivery.wake},
        id="reminders",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(settings.tz),  # reminders due while the bot was down
    )
    render_bundle = build_bundle_renderer(settings)

    async def bundles() -> None:
        await send_bundles(
            store, render_bundle, now=datetime.now(settings.tz), on_published=delivery.wake
        )

    scheduler.add_job(
        bundles,
        "interval",
        seconds=BUNDLE_TICK_SECONDS,
        id="bundles",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(settings.tz),  # digests due while the bot was down
    )
    supervisor = Supervisor()
    ops = None
    if metrics is not None:
        health = Health(store, supervisor, scheduler, delivery, settings.health_max_delivery_age)
        ops = Ops(health, metrics, store)
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
        supervisor.start(DELIVERY_TASK, delivery.run)
        scheduler.start()
        freeze_startup_objects()
        if settings.webhook_url:
            await serve_webhook(
                dispatcher, bot, settings, more_routes=ops.add_routes if ops and shared else None
            )
        else:
            # A webhook left set (by an earlier run in webhook mode) would block getUpdates.
            await bot.delete_webhook(drop_pending_updates=False)
            log.info("polling %s", settings.telegram_api_url)
            # aiogram stops polling on SIGTERM/SIGINT; everything else is stopped below.
            await poll(dispatcher, bot, settings)
    finally:
        if ops_runner is not None:
            await ops_runner.cleanup()
        if scheduler.running:
            scheduler.shutdown(wait=False)
        # Graceful stop: no new deliveries, the ones in flight finish (bounded), rest pending.
        supervisor.stopping()
        await delivery.stop(timeout=10)
        await supervisor.stop(timeout=5)
        await feeds.close()
        await bot.session.close()
        await delivery_bot.session.close()
        await store.db.close()
