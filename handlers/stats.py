"""/stats for admins: readers, subscriptions, news, feeds and delivery at a glance."""

from __future__ import annotations

import html

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.regions import get_region
from handlers.filters import IsAdmin
from jobs.delivery import DeliveryWorker
from storage.repositories import Storage
from storage.stats import Stats


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


async def cmd_stats(
    message: Message, store: Storage, i18n: I18n, delivery: DeliveryWorker | None
) -> None:
    """/stats (admins)."""
    stats = await store.stats.collect()
    await message.answer(stats_text(stats, delivery, i18n.current_locale))


def router() -> Router:
    stats = Router(name=__name__)
    stats.message.filter(IsAdmin())
    stats.message.register(cmd_stats, Command("stats"))
    return stats
