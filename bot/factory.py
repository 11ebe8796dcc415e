"""The one place that builds the bot: `__main__`, the demo, tests and benchmarks all call it."""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
import signal
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import Response
from aiogram.types import Message, MessageId, Update
from aiogram.utils.callback_answer import CallbackAnswerMiddleware
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.webhook.aiohttp_server import setup_application
from aiohttp import web

from bot.fsm_storage import SQLiteStorage
from bot.metrics import Metrics, UpdateMetrics
from bot.webhook import WebhookHandler
from domain.formatting import Pages, bundle_messages, item_message, retraction_notice
from domain.regions import REGIONS
from handlers import build_router
from handlers.menus import set_default_menu, set_role_menus
from handlers.people import RememberNames
from infra.background import BackgroundJobs
from infra.fitting_middleware import FitMiddleware
from infra.i18n import LanguageMiddleware, build_i18n
from infra.in_hand import UpdatesInHand
from infra.log_context import log_fields
from infra.pacing import Pacer
from infra.retry import PacingMiddleware, RetryMiddleware
from infra.session import JsonAiohttpSession
from infra.settings import Settings
from infra.throttle import ThrottleMiddleware
from jobs.bundles import BundleKind, BundleRenderer
from jobs.delivery import DeliveryLimits, DeliveryWorker
from jobs.ingest import FeedClient, IngestConfig
from storage.chat_settings import Held
from storage.db import Database
from storage.models import Item
from storage.repositories import Storage

log = logging.getLogger(__name__)

# pydantic keeps parametrised generics in a weak cache, so under load aiogram rebuilt
# `Response[Message]` again and again (measured: a third of sendMessage throughput).
# Holding strong references keeps the built classes alive for the life of the process.
_RESPONSE_TYPES = (
    Response[Message],
    Response[MessageId],
    Response[bool],
    Response[list[Update]],
)


class VisnykDispatcher(Dispatcher):
    """aiogram's dispatcher; every line logged while it handles an update carries the update's
    id, user and chat (infra.log_context), its error handler's lines included."""

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        context = UserContextMiddleware.resolve_event_context(update)
        with log_fields(
            update_id=update.update_id, user_id=context.user_id, chat_id=context.chat_id
        ):
            return await super().feed_update(bot, update, **kwargs)


def build_bot(
    settings: Settings,
    token: str | None = None,
    *,
    retry: bool = True,
    pacer: Pacer | None = None,
) -> Bot:
    """A Bot for `settings.telegram_api_url` with HTML as the default parse mode.

    `retry` makes it the bot that answers users: every message it sends keeps to `pacer`'s
    pace (the process's one, shared with the delivery worker; a new one from `settings` if
    none is given), and server errors are retried. The delivery worker gets a bot without
    either, since it paces and retries each delivery itself.
    """
    secret = token or (settings.bot_token.get_secret_value() if settings.bot_token else None)
    if not secret:
        raise ValueError("BOT_TOKEN is required")
    # The delivery worker has up to 200 copies in flight: a connection for each, so that none
    # waits for a connection after the pacer let it go (it would count longer).
    session = JsonAiohttpSession(
        api=TelegramAPIServer.from_base(settings.telegram_api_url), limit=100 if retry else 256
    )
    if retry:
        # Every text fits Telegram's limits: split first, so that each part is retried and
        # paced on its own. (The delivery worker's copies are built to fit: titles and
        # summaries are capped when stored, and editors' texts when previewed.)
        session.middleware(FitMiddleware())
        session.middleware(RetryMiddleware())  # a retry is paced like any send
        session.middleware(PacingMiddleware(pacer or build_pacer(settings)))
    return Bot(
        secret,
        session=session,
        default=DefaultBotProperties(
            parse_mode=ParseMode.HTML,
            # Lists of headlines: one preview of the first link would only get in the way.
            link_preview_is_disabled=True,
        ),
    )


async def open_storage(settings: Settings) -> Storage:
    """Open and migrate the database, and make its region list match the code's."""
    db = await Database.open(settings.database_target)
    store = Storage(db)
    await store.regions.sync((region.code, region.name_uk, region.name_en) for region in REGIONS)
    return store


def delivery_limits(settings: Settings) -> DeliveryLimits:
    return DeliveryLimits(
        overall_per_second=settings.broadcast_rate, paid_broadcast=settings.paid_broadcast
    )


def build_pacer(settings: Settings) -> Pacer:
    """The process's pacer: one per bot token, shared by answers and deliveries."""
    return Pacer(delivery_limits(settings).pace())


def ingest_config(settings: Settings) -> IngestConfig:
    return IngestConfig(
        default_poll_seconds=settings.feed_poll_seconds,
        push_limit=settings.feed_push_limit,
        push_max_age=settings.feed_push_max_age_hours * 3600.0,
        allow_private=settings.feeds_allow_private,
    )


def build_delivery(
    settings: Settings,
    store: Storage,
    bot: Bot,
    *,
    i18n: I18n | None = None,
    limits: DeliveryLimits | None = None,
    pacer: Pacer | None = None,
) -> DeliveryWorker:
    """The delivery worker, rendering items in each chat's language, pacing its copies with
    `pacer` (the one the answering bot uses; its own from `limits` if none is given)."""
    translations = i18n or build_i18n()

    def render(item: Item, language: str) -> str:
        with translations.context(), translations.use_locale(language):
            return item_message(item, settings.tz, language)

    def notice(language: str) -> str:
        with translations.context(), translations.use_locale(language):
            return retraction_notice()

    return DeliveryWorker(
        bot,
        store,
        render,
        limits or delivery_limits(settings),
        pacer,
        notice=notice,
        clock=lambda: datetime.now(settings.tz),
    )


def build_bundle_renderer(settings: Settings, i18n: I18n | None = None) -> BundleRenderer:
    """Digests and lists after quiet hours, in each chat's language."""
    translations = i18n or build_i18n()

    def render(held: Held, kind: BundleKind, now: datetime) -> list[str]:
        with translations.context(), translations.use_locale(held.language):
            if kind == "digest":
                title = "📰 " + _("The news of the day, {date}").format(date=f"{now:%d.%m.%Y}")
            else:
                title = "🌙 " + _("News that came in your quiet hours")
            return bundle_messages(held.items, settings.tz, held.language, title)

    return render


def build_dispatcher(
    settings: Settings,
    store: Storage,
    *,
    i18n: I18n | None = None,
    fsm_storage: BaseStorage | None = None,
    delivery: DeliveryWorker | None = None,
    feeds: FeedClient | None = None,
    pacer: Pacer | None = None,
    metrics: Metrics | None = None,
) -> Dispatcher:
    """The dispatcher with every router, middleware and dependency wired.

    `delivery`, when given, reaches handlers as a dependency, so that what they publish is
    delivered at once. `pacer` paces work handlers start in the background (edits of
    delivered copies); the delivery worker's by default. `metrics`: updates are counted and
    timed there.
    """
    i18n = i18n or build_i18n()
    jobs = BackgroundJobs()
    dispatcher = VisnykDispatcher(
        # Conversations (an editor's /push, say) live in the database and survive restarts.
        storage=fsm_storage or SQLiteStorage(store.db),
        settings=settings,
        store=store,
        i18n=i18n,
        pages=Pages(settings.tz),
        delivery=delivery,
        pacer=pacer or (delivery.pacer if delivery is not None else build_pacer(settings)),
        feeds=feeds or FeedClient(ingest_config(settings)),
        jobs=jobs,  # work handlers leave running (an editor's progress), stopped at shutdown
    )
    dispatcher.shutdown.register(jobs.stop)
    dispatcher.update.outer_middleware(in_hand := UpdatesInHand())
    dispatcher["in_hand"] = in_hand  # what the demo and the tests wait for
    if metrics is not None:
        # Inside aiogram's error middleware, so that a handler's exception counts as an error.
        dispatcher.update.outer_middleware(UpdateMetrics(metrics))
    LanguageMiddleware(i18n).setup(dispatcher)
    # After the language is known (its one notice is translated), before anything else.
    throttle = ThrottleMiddleware(burst=settings.throttle_burst, rate=settings.throttle_rate)
    for observer in (dispatcher.message, dispatcher.channel_post, dispatcher.callback_query):
        observer.outer_middleware(throttle)
    RememberNames(store, settings).setup(dispatcher)  # staff's names, for the audit log
    dispatcher.callback_query.middleware(CallbackAnswerMiddleware())
    dispatcher.include_router(build_router())
    dispatcher.startup.register(set_menu)
    return dispatcher


async def poll(dispatcher: Dispatcher, bot: Bot, settings: Settings, **options: Any) -> None:
    """Long polling as the bot runs it: the update types its handlers take, and at most
    UPDATES_CONCURRENCY updates in hand at once.

    Unbounded, a burst of N updates became N tasks alive together, and each garbage collection
    walked all of them: answering slowed as the burst grew. Bounded, the rest of a burst waits
    at Telegram until a slot frees. `options` go to aiogram's `start_polling`.
    """
    await dispatcher.start_polling(
        bot,
        allowed_updates=dispatcher.resolve_used_update_types(),
        tasks_concurrency_limit=settings.updates_concurrency,
        **options,
    )


async def serve_webhook(
    dispatcher: Dispatcher,
    bot: Bot,
    settings: Settings,
    *,
    more_routes: Callable[[web.Application], None] | None = None,
) -> None:
    """Take updates from Telegram's webhook at WEBHOOK_URL until SIGINT or SIGTERM.

    The server listens on WEBHOOK_HOST:WEBHOOK_PORT at the URL's path (a proxy in front may
    terminate TLS) and refuses requests without the secret token; bot.webhook says what
    becomes of garbage. Updates are handled inside their requests, so Telegram's
    max_connections (UPDATES_CONCURRENCY, at most 100) bounds the updates in hand, as in
    polling. The webhook stays set when the server stops: Telegram keeps
    the updates until the bot is back (or another worker answers them). `more_routes` adds
    routes to the same server (/healthz and /metrics when they share its port).
    """
    if settings.webhook_url is None:
        raise ValueError("WEBHOOK_URL is not set")
    secret = (
        settings.webhook_secret.get_secret_value()
        if settings.webhook_secret
        else secrets.token_urlsafe(32)
    )
    app = web.Application()
    handler = WebhookHandler(dispatcher, bot, handle_in_background=False, secret_token=secret)
    handler.register(app, path=urlsplit(settings.webhook_url).path or "/")
    if more_routes is not None:
        more_routes(app)
    setup_application(app, dispatcher, bot=bot)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        await bot.set_webhook(
            settings.webhook_url,
            secret_token=secret,
            allowed_updates=dispatcher.resolve_used_update_types(),
            max_connections=min(100, settings.updates_concurrency),
        )
        log.info(
            "webhook %s, listening on %s:%s",
            settings.webhook_url,
            settings.webhook_host,
            settings.webhook_port,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


def freeze_startup_objects() -> None:
    """Leave what start-up built out of the garbage collector's full passes.

    aiogram's types and pydantic's schemas are some 200,000 objects that live as long as the
    process; every full collection walked them all (about 180 ms each on a 2-core machine,
    several times a minute under load). Frozen, a full pass walks only what came after.
    Called once, after the bot is built and before it polls.
    """
    gc.collect()
    gc.freeze()


async def set_menu(bot: Bot, store: Storage, settings: Settings, i18n: I18n) -> None:
    """Telegram's command menus: the citizens' for everyone, and each role's for its users."""
    await set_default_menu(bot, i18n)
    await set_role_menus(bot, store, settings, i18n)
