"""Running the bot: long polling and the delivery worker, until a signal stops them."""

from __future__ import annotations

import asyncio
import logging

from bot.factory import build_bot, build_delivery, build_dispatcher, open_storage
from bot.settings import Settings

log = logging.getLogger(__name__)


async def run_polling(settings: Settings) -> None:
    store = await open_storage(settings)
    bot = build_bot(settings)
    delivery_bot = build_bot(settings, retry=False)
    delivery = build_delivery(settings, store, delivery_bot)
    dispatcher = build_dispatcher(settings, store, delivery=delivery)
    worker = asyncio.create_task(delivery.run(), name="delivery")
    try:
        await bot.delete_webhook(drop_pending_updates=False)
        log.info("polling %s", settings.telegram_api_url)
        # aiogram stops polling on SIGTERM/SIGINT; the worker is stopped below.
        await dispatcher.start_polling(bot, allowed_updates=dispatcher.resolve_used_update_types())
    finally:
        # Graceful stop: no new deliveries, the ones in flight finish (bounded), rest pending.
        await delivery.stop(timeout=10)
        try:
            await asyncio.wait_for(worker, timeout=5)
        except TimeoutError:
            log.error("the delivery worker did not stop in time")
        await bot.session.close()
        await delivery_bot.session.close()
        await store.db.close()
