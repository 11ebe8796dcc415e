"""Admins manage feed sources: /sources, /addsource <url> <region>, /movesource <id> <region>,
/delsource <id>. Changes are audited."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

from aiogram import Bot, Router
from aiogram.enums import ChatAction
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal

from domain.formatting import pack
from domain.regions import Region, get_region, match_region
from handlers.filters import IsAdmin
from handlers.places import city_lines
from infra.settings import Settings
from jobs.ingest import FeedClient, IngestConfig, PollReport, canonical_source_url, poll_source
from storage.models import Source
from storage.repositories import Storage


def _when(moment: float | None, settings: Settings) -> str:
    if moment is None:
        return "—"
    return datetime.fromtimestamp(moment, settings.tz).strftime("%d.%m.%Y %H:%M")


def error_text(kind: str | None) -> str:
    """Why a feed failed, as a sentence in the reader's language (the technical error is
    only in the log, and in the database for diagnosis)."""
    if kind and kind.startswith("private:"):
        return _("The address leads into a private network ({address}).").format(
            address=html.escape(kind.removeprefix("private:"))
        )
    if kind and kind.startswith("http:"):
        status = kind.removeprefix("http:")
        meaning = {
            "401": _("access denied"),
            "403": _("access denied"),
            "404": _("no such page"),
            "410": _("no such page"),
            "429": _("too many requests"),
        }.get(status) or (_("a fault on the site's side") if status.startswith("5") else "")
        text = _("The site answered with an error, HTTP {status}.").format(status=status)
        return text[:-1] + f" ({meaning})." if meaning else text
    sentences = {
        "dns": _("The site's address could not be found (DNS)."),
        "refused": _("The site refused the connection."),
        "timeout": _("The site did not answer in time."),
        "not_feed": _("There is no news in RSS or Atom format at this address."),
        "html_page": _("This address is a web page, not news in RSS or Atom format."),
        "too_large": _("The site's answer is too large."),
        "redirects": _("The site redirects too many times."),
        "invalid_url": _("The address is not valid."),
    }
    return sentences.get(kind or "", _("The site could not be reached."))


def push_rule(config: IngestConfig) -> str:
    """What a poll sends to subscribers, for the head of /sources."""
    return ngettext(
        "Per poll, I send at most {limit} newest item of each source, none older than "
        "{hours} h. The rest are only stored.",
        "Per poll, I send at most {limit} newest items of each source, none older than "
        "{hours} h. The rest are only stored.",
        config.push_limit,
    ).format(limit=config.push_limit, hours=round(config.push_max_age / 3600))


def region_name(code: str, lang: str) -> str:
    region = get_region(code)
    return html.escape(region.short(lang) if region else code)


def source_block(source: Source, settings: Settings, lang: str) -> str:
    """A source in /sources: its name (or its address, once), region, health."""
    region = region_name(source.region_code, lang)
    if source.title:
        lines = [f"<b>№{source.id}</b> {html.escape(source.title)} · {region}"]
        lines.append(html.escape(source.url))
    else:
        lines = [f"<b>№{source.id}</b> {html.escape(source.url)} · {region}"]
    lines.append(
        _("Interval: {minutes} min · last success: {when}").format(
            minutes=max(1, source.poll_seconds // 60), when=_when(source.last_success_at, settings)
        )
    )
    if not source.enabled:
        lines.append("⏸ " + _("disabled"))
    if source.last_error:
        lines.append("⚠️ " + error_text(source.error_kind))
        lines.append(
            _("Failures in a row: {failures} · next try: {when}").format(
                failures=source.failures, when=_when(source.next_poll_at, settings)
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
            "Source №{id} is added, but it could not be fetched yet. {reason} I will keep "
            "trying, less and less often; /sources shows how it goes."
        ).format(id=source.id, reason=error_text(report.error_kind))
    text = _("Source №{id} “{title}” is added: {entries} items found, {new} new stored.").format(
        id=source.id,
        title=html.escape(report.title or source.url),
        entries=report.entries,
        new=report.new,
    )
    text += " " + _("Subscribers get only what appears from now on.")
    if report.warning:
        text += "\n⚠️ " + _("The feed has errors, so only what could be read was kept.")
    return text


def exists_text(source: Source, lang: str) -> str:
    return _(
        "Source №{id} already exists: {url} ({region}). Nothing was changed. "
        "To move it to another region: /movesource {id} &lt;region&gt;"
    ).format(
        id=source.id, url=html.escape(source.url), region=region_name(source.region_code, lang)
    )


def not_found_text(query: str, suggestions: Sequence[Region], lang: str) -> str:
    names = ", ".join(region.short(lang) for region in suggestions)
    text = _("Region “{query}” not found.").format(query=html.escape(query[:64]))
    if names:
        text += " " + _("Did you mean: {names}?").format(names=html.escape(names))
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
    """/addsource <url> <region>: store the source and fetch it once, at once. A URL that is
    a source already is left where it is: moving one is /movesource."""
    lang = i18n.current_locale
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
        await message.answer(not_found_text(words[1], match.suggestions, lang))
        return
    where = city_lines([match.city], lang)
    existing = await store.sources.by_url(url)
    if existing is not None:
        await message.answer("\n".join([*where, exists_text(existing, lang)]))
        return
    source, new = await store.sources.add(
        url, match.region.code, feeds.config.default_poll_seconds
    )
    if not new:  # another admin added it a moment ago
        await message.answer("\n".join([*where, exists_text(source, lang)]))
        return
    await bot.send_chat_action(message.chat.id, ChatAction.TYPING)  # fetching takes a moment
    report = await poll_source(
        source, http=feeds.http(), store=store, config=feeds.config, tz=settings.tz
    )
    if report.refused:
        # A private address is no feed that will start working later: not kept, not polled.
        await store.sources.delete(source.id)
        await message.answer(
            "\n".join(
                [*where, _("The source is not added.") + " " + error_text(report.error_kind)]
            )
        )
        return
    await store.audit.log(
        message.from_user.id if message.from_user else 0,
        "source_add",
        data={"source": source.id, "url": source.url, "region": source.region_code},
    )
    await message.answer("\n".join([*where, report_text(report, source)]))


async def cmd_movesource(
    message: Message, command: CommandObject, store: Storage, i18n: I18n
) -> None:
    """/movesource <№> <region>: a source's new items go to another region from now on."""
    lang = i18n.current_locale
    words = (command.args or "").split(maxsplit=1)
    number = words[0].lstrip("№#") if words else ""
    if len(words) < 2 or not number.isdecimal() or len(number) > 12:
        await message.answer(
            html.escape(
                _("Usage: /movesource <number> <region>, for example: /movesource 3 Чернігів")
            )
        )
        return
    source = await store.sources.get(int(number))
    if source is None:
        await message.answer(_("There is no source №{id}; see /sources.").format(id=int(number)))
        return
    match = match_region(words[1])
    if match.region is None:
        await message.answer(not_found_text(words[1], match.suggestions, lang))
        return
    lines = city_lines([match.city], lang)
    region = match.region
    if region.code == source.region_code:
        lines.append(
            _("Source №{id} is already in {region}. Nothing was changed.").format(
                id=source.id, region=region_name(region.code, lang)
            )
        )
        await message.answer("\n".join(lines))
        return
    moved = await store.sources.move(source.id, region.code)
    if moved is None:
        await message.answer(_("There is no source №{id}; see /sources.").format(id=source.id))
        return
    await store.audit.log(
        message.from_user.id if message.from_user else 0,
        "source_move",
        data={
            "source": source.id,
            "url": source.url,
            "before": source.region_code,
            "after": region.code,
        },
    )
    lines.append(
        "✅ "
        + _(
            "Source №{id} moved: {before} → {after}. Its new items go to the subscribers of "
            "{after}; what it brought before stays where it was."
        ).format(
            id=source.id,
            before=region_name(source.region_code, lang),
            after=region_name(region.code, lang),
        )
    )
    await message.answer("\n".join(lines))


async def cmd_delsource(message: Message, command: CommandObject, store: Storage) -> None:
    """/delsource <id>: stop polling a source (its items stay)."""
    argument = (command.args or "").strip().lstrip("№#")
    if not argument.isdecimal() or len(argument) > 12:
        await message.answer(html.escape(_("Usage: /delsource <id>; the ids are in /sources.")))
        return
    source = await store.sources.get(int(argument))
    if source is not None and await store.sources.delete(source.id):
        await store.audit.log(
            message.from_user.id if message.from_user else 0,
            "source_delete",
            data={"source": source.id, "url": source.url, "region": source.region_code},
        )
        await message.answer(_("Source №{id} is removed.").format(id=source.id))
    else:
        await message.answer(_("There is no source №{id}; see /sources.").format(id=int(argument)))


def router() -> Router:
    sources = Router(name=__name__)
    sources.message.filter(IsAdmin())
    sources.message.register(cmd_sources, Command("sources"))
    sources.message.register(cmd_addsource, Command("addsource"))
    sources.message.register(cmd_movesource, Command("movesource"))
    sources.message.register(cmd_delsource, Command("delsource"))
    return sources
