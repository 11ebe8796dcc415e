"""Running the bot: long polling against TELEGRAM_API_URL until a signal stops it."""

from __future__ import annotations

import logging

from bot.factory import build_bot, build_dispatcher, open_storage
from bot.settings import Settings

log = logging.getLogger(__name__)


async def run_polling(settings: Settings) -> None:
    store = await open_storage(settings)
    bot = build_bot(settings)
    dispatcher = build_dispatcher(settings, store)
    try:
        await bot.delete_webhook(drop_pending_updates=False)
        log.info("polling %s", settings.telegram_api_url)
        await dispatcher.start_polling(bot, allowed_updates=dispatcher.resolve_used_update_types())
    finally:
        await bot.session.close()
        await store.db.close()
