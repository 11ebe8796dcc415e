"""/stats for admins: readers, subscriptions, news, feeds and delivery at a glance, in words
and in a picture (handlers.stats_chart)."""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.fitting import CAPTION_LIMIT, plain_length
from domain.regions import get_region
from handlers.filters import IsAdmin
from handlers.stats_chart import (
    TOP_REGIONS,
    StatsChart,
    day_start,
    hour_labels,
    hourly_series,
    render_png,
)
from infra.settings import Settings
from jobs.delivery import DeliveryWorker
from storage.repositories import Storage
from storage.stats import Stats

log = logging.getLogger(__name__)


def stats_text(stats: Stats, worker: DeliveryWorker | None, lang: str) -> str:
    lines = [
        "📊 <b>" + _("Statistics") + "</b>",
        "",
        "👥 "
        + _("Chats: {private} private, {groups} groups, {channels} channels").format(
            private=stats.private_chats, groups=stats.groups, channels=stats.channels
        ),
    ]
    if stats.inactive_chats:
        lines.append(
            _("{count} more blocked the bot or removed it.").format(count=stats.inactive_chats)
        )
    lines.append("🔔 " + _("Subscriptions: {count}").format(count=stats.subscriptions))
    for code, count in stats.top_regions:
        region = get_region(code)
        name = region.short(lang) if region else code
        lines.append(f"   {html.escape(name)}: {count}")
    lines += [
        "",
        "📰 "
        + _("News in the last 24 hours: {day} (breaking: {breaking}); stored: {total}").format(
            day=stats.items_last_day, breaking=stats.breaking_last_day, total=stats.items_total
        ),
        "📡 "
        + _("Feed sources: {count}, failing now: {failing} (see /sources)").format(
            count=stats.sources, failing=stats.failing_sources
        ),
        "📬 " + _("Waiting to be sent: {count}").format(count=stats.queued),
    ]
    if worker is not None:
        sent = worker.stats
        lines.append(
            _(
                "Since the bot started: sent {sent}, failed {failed}, "
                "skipped {skipped} (chats gone), flood waits {floods}"
            ).format(
                sent=sent.sent,
                failed=sent.failed,
                skipped=sent.skipped,
                floods=sent.rate_limited,
            )
        )
    return "\n".join(lines)


async def stats_chart(store: Storage, settings: Settings, lang: str) -> StatsChart:
    """The figures and the (translated) words of the picture."""
    now = datetime.now(settings.tz)
    start = day_start(now)
    counts = await store.ops.deliveries_per_hour(start.timestamp())
    subscribers = await store.ops.subscribers_by_region()
    top = sorted(subscribers.items(), key=lambda pair: (-pair[1], pair[0]))[:TOP_REGIONS]
    legends = {
        "sent": _("Sent"),
        "waiting": _("Waiting"),
        "failed": _("Failed"),
        "dropped": _("Not sent (chat gone, news retracted)"),
    }
    return StatsChart(
        hours_title=_("Messages to subscribers by hour, last 24 hours"),
        hours_axis=_("hour they were queued"),
        hours=hour_labels(start, settings.tz),
        series=hourly_series(counts, legends),
        no_deliveries=_("No messages to subscribers in the last 24 hours"),
        regions_title=_("Regions with the most subscribers"),
        regions=tuple(
            (region.short(lang) if (region := get_region(code)) else code, count)
            for code, count in top
        ),
        no_regions=_("No subscriptions yet"),
    )


async def cmd_stats(
    message: Message,
    store: Storage,
    settings: Settings,
    i18n: I18n,
    delivery: DeliveryWorker | None,
) -> None:
    """/stats (admins): the figures as text, and as a picture with the text as its caption
    (or a short caption and the text after it, when the text is too long for one)."""
    lang = i18n.current_locale
    stats = await store.stats.collect()
    text = stats_text(stats, delivery, lang)
    try:
        chart = await stats_chart(store, settings, lang)
        png = await asyncio.to_thread(render_png, chart)
    except Exception:
        # The figures matter more than their picture.
        log.exception("could not draw the /stats chart")
        await message.answer(text)
        return
    photo = BufferedInputFile(png, filename="stats.png")
    if plain_length(text) <= CAPTION_LIMIT:
        await message.answer_photo(photo, caption=text)
    else:
        await message.answer_photo(photo, caption="📊 <b>" + _("Statistics") + "</b>")
        await message.answer(text)


def router() -> Router:
    stats = Router(name=__name__)
    stats.message.filter(IsAdmin())
    stats.message.register(cmd_stats, Command("stats"))
    return stats
