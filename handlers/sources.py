"""Admins manage feed sources: /sources, /addsource <url> <region>, /delsource <id>."""

from __future__ import annotations

import html
from datetime import datetime

from aiogram import Bot, Router
from aiogram.enums import ChatAction
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal

from domain.formatting import pack
from domain.regions import get_region, match_region
from handlers.filters import IsAdmin
from infra.settings import Settings
from jobs.addresses import PRIVATE_ADDRESS
from jobs.ingest import FeedClient, IngestConfig, PollReport, canonical_source_url, poll_source
from storage.models import Source
from storage.repositories import Storage


def _when(moment: float | None, settings: Settings) -> str:
    if moment is None:
        return "—"
    return datetime.fromtimestamp(moment, settings.tz).strftime("%d.%m.%Y %H:%M")


def error_text(error: str) -> str:
    """A poll's error as stored (technical English), its one translated reason in the
    reader's language: why a private address was refused."""
    if error.startswith(PRIVATE_ADDRESS):
        return _("address in a private network") + error.removeprefix(PRIVATE_ADDRESS)
    return error


def push_rule(config: IngestConfig) -> str:
    """What a poll sends to subscribers, for the head of /sources."""
    return ngettext(
        "Per poll, I send at most {limit} newest item of each source, none older than "
        "{hours} h. The rest are only stored.",
        "Per poll, I send at most {limit} newest items of each source, none older than "
        "{hours} h. The rest are only stored.",
        config.push_limit,
    ).format(limit=config.push_limit, hours=round(config.push_max_age / 3600))


def source_block(source: Source, settings: Settings, lang: str) -> str:
    region = get_region(source.region_code)
    name = html.escape(source.title or source.url)
    lines = [
        f"<b>№{source.id}</b> {name} · {html.escape(region.short(lang) if region else '?')}",
        html.escape(source.url),
        _("every {minutes} min · last success: {when}").format(
            minutes=max(1, source.poll_seconds // 60), when=_when(source.last_success_at, settings)
        ),
    ]
    if not source.enabled:
        lines.append("⏸ " + _("disabled"))
    if source.last_error:
        lines.append(
            "⚠️ "
            + _("failing ({failures} in a row), next try {when}: {error}").format(
                failures=source.failures,
                when=_when(source.next_poll_at, settings),
                error=html.escape(error_text(source.last_error)),
            )
        )
    elif source.polls == 0:
        lines.append("⏳ " + _("not polled yet"))
    if source.last_new > source.last_pushed:
        lines.append(
            "📥 "
            + ngettext(
                "{held} of {new} new item stored without sending ({when})",
                "{held} of {new} new items stored without sending ({when})",
                source.last_new,
            ).format(
                held=format_decimal(source.last_new - source.last_pushed, locale=lang),
                new=format_decimal(source.last_new, locale=lang),
                when=_when(source.last_new_at, settings),
            )
        )
    return "\n".join(lines)


async def cmd_sources(
    message: Message, store: Storage, settings: Settings, feeds: FeedClient, i18n: I18n
) -> None:
    """/sources: every feed with its health and what its last new entries became."""
    sources = await store.sources.all()
    if not sources:
        await message.answer(
            html.escape(_("No feed sources yet. Add one: /addsource <url> <region>"))
        )
        return
    blocks = [source_block(source, settings, i18n.current_locale) for source in sources]
    header = "📡 <b>" + html.escape(_("Feed sources")) + "</b>\n" + push_rule(feeds.config)
    for part in pack(blocks, header=header):
        await message.answer(part)


def report_text(report: PollReport, source: Source) -> str:
    if not report.ok:
        return _(
            "Source №{id} is added, but the first fetch failed: {error}. "
            "I will keep trying, backing off; /sources shows its state."
        ).format(id=source.id, error=html.escape(error_text(report.error or "?")))
    text = _("Source №{id} “{title}” is added: {entries} items found, {new} new stored.").format(
        id=source.id,
        title=html.escape(report.title or source.url),
        entries=report.entries,
        new=report.new,
    )
    text += " " + _("Subscribers get only what appears from now on.")
    if report.warning:
        text += "\n⚠️ " + _("The feed is malformed; what parsed was kept: {warning}").format(
            warning=html.escape(report.warning)
        )
    return text


async def cmd_addsource(
    message: Message,
    command: CommandObject,
    bot: Bot,
    store: Storage,
    settings: Settings,
    feeds: FeedClient,
    i18n: I18n,
) -> None:
    """/addsource <url> <region>: store the source and fetch it once, at once."""
    words = (command.args or "").split(maxsplit=1)
    if len(words) < 2:
        await message.answer(
            _(
                "Usage: /addsource <url> <region>, for example: /addsource {example} Чернігів"
            ).format(example="https://example.org/rss"),
            parse_mode=None,
        )
        return
    url = canonical_source_url(words[0])
    if url is None:
        await message.answer(
            _("{url} is not an http(s) address.").format(url=html.escape(words[0][:200]))
        )
        return
    match = match_region(words[1])
    if match.region is None:
        names = ", ".join(region.short(i18n.current_locale) for region in match.suggestions)
        text = _("Region “{query}” not found.").format(query=html.escape(words[1][:64]))
        if names:
            text += " " + _("Did you mean: {names}?").format(names=html.escape(names))
        await message.answer(text)
        return
    source, new = await store.sources.upsert(
        url, match.region.code, feeds.config.default_poll_seconds
    )
    await bot.send_chat_action(message.chat.id, ChatAction.TYPING)  # fetching takes a moment
    report = await poll_source(
        source, http=feeds.http(), store=store, config=feeds.config, tz=settings.tz
    )
    if report.refused and new:
        # A private address is no feed that will start working later: not kept, not polled.
        await store.sources.delete(source.id)
        await message.answer(
            _("The source is not added: {error}.").format(
                error=html.escape(error_text(report.error or "?"))
            )
        )
        return
    await message.answer(report_text(report, source))


async def cmd_delsource(message: Message, command: CommandObject, store: Storage) -> None:
    """/delsource <id>: stop polling a source (its items stay)."""
    argument = (command.args or "").strip().lstrip("№#")
    if not argument.isdecimal() or len(argument) > 12:
        await message.answer(html.escape(_("Usage: /delsource <id>; the ids are in /sources.")))
        return
    if await store.sources.delete(int(argument)):
        await message.answer(_("Source №{id} is removed.").format(id=int(argument)))
    else:
        await message.answer(_("There is no source №{id}; see /sources.").format(id=int(argument)))


def router() -> Router:
    sources = Router(name=__name__)
    sources.message.filter(IsAdmin())
    sources.message.register(cmd_sources, Command("sources"))
    sources.message.register(cmd_addsource, Command("addsource"))
    sources.message.register(cmd_delsource, Command("delsource"))
    return sources
