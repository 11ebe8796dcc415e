"""What coordinators read: statuses, lines of a list, a member's card, the network."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime

from aiogram.utils.i18n import gettext as _

from domain.fitting import TEXT_LIMIT, plain_length
from domain.formatting import trim
from domain.regions import Region, get_region
from handlers.filters import Access
from infra.settings import Settings
from storage.members import Member, MemberChange, MemberStatus, NetworkSummary

_NOTICE_ROOM = 100  # for the line saying how many older changes a card leaves out


_STATUS_ICONS = {
    MemberStatus.CANDIDATE: "🕓",
    MemberStatus.ADMITTED: "✅",
    MemberStatus.SUSPENDED: "⏸",
    MemberStatus.LEFT: "🚪",
}


def status_label(status: MemberStatus) -> str:
    labels = {
        MemberStatus.CANDIDATE: _("candidate"),
        MemberStatus.ADMITTED: _("admitted"),
        MemberStatus.SUSPENDED: _("suspended"),
        MemberStatus.LEFT: _("left"),
    }
    return f"{_STATUS_ICONS[status]} {labels[status]}"


def day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "—"


def region_label(code: str, lang: str) -> str:
    region = get_region(code)
    return html.escape(region.short(lang) if region else code)


def refusal() -> str:
    return _("You can change members only in your regions.")


def member_line(member: Member) -> str:
    since = " " + _("since {date}").format(date=day(member.since)) if member.since else ""
    return f"№{member.id} · {html.escape(member.name)} — {status_label(member.status)}{since}"


def network_text(summary: NetworkSummary, note: str | None, lang: str) -> str:
    """/network: regions with admitted members, members by status and region, latest
    admissions, and the note the network keeps about itself."""
    lines = [
        "🌐 <b>" + _("The network at a glance") + "</b>",
        _("Regions with admitted members: {count}").format(count=summary.admitted_regions),
        _("Members: {count}").format(count=sum(summary.by_status.values())),
    ]
    statuses = [
        f"{status_label(status)}: {summary.by_status[status]}"
        for status in MemberStatus
        if summary.by_status.get(status)
    ]
    if statuses:
        lines.append(" · ".join(statuses))
    if summary.by_region:
        lines += ["", "<b>" + _("By region") + "</b>"]
        for code in sorted(summary.by_region, key=lambda c: region_label(c, lang)):
            counts = summary.by_region[code]
            parts = " · ".join(
                f"{_STATUS_ICONS[status]} {counts[status]}"
                for status in MemberStatus
                if counts.get(status)
            )
            lines.append(f"{region_label(code, lang)}: {parts}")
    if summary.latest_admissions:
        lines += ["", "<b>" + _("Latest admissions") + "</b>"]
        for admission in summary.latest_admissions:
            member = admission.member
            where = f" — {html.escape(admission.event_note)}" if admission.event_note else ""
            when = f"{day(admission.since)} · " if admission.since else ""
            lines.append(
                f"{when}{html.escape(member.name)} "
                f"({region_label(member.region_code, lang)}){where}"
            )
    if note:
        lines += ["", "ℹ️ " + html.escape(note)]
    lines += ["", _("Counted from the members recorded in the bot.")]
    return "\n".join(lines)


def page_text(
    members: Sequence[Member],
    total: int,
    regions: list[str] | None,
    page: int,
    pages: int,
    lang: str,
) -> str:
    """A page of /members: the members of `regions` (None: all), grouped by region."""
    if regions is None:
        title = _("Members of all regions")
    else:
        where = ", ".join(region_label(code, lang) for code in regions) or "—"
        title = _("Members: {regions}").format(regions=where)
    header = f"👥 <b>{title}</b> ({total})"
    if not members:
        return header + "\n" + _("No members recorded yet.")
    lines = [header]
    current = ""
    for member in members:
        if member.region_code != current:
            current = member.region_code
            lines += ["", f"<b>{region_label(current, lang)}</b>"]
        lines.append(member_line(member))
    if pages > 1:
        lines += ["", _("Page {page} of {pages}").format(page=page + 1, pages=pages)]
    return "\n".join(lines)


def card_text(
    member: Member, history: Sequence[MemberChange], access: Access, lang: str, settings: Settings
) -> str:
    """A member's card: status, since when, where, contact (for its coordinators), history."""
    lines = [
        f"👥 <b>{html.escape(member.name)}</b> (№{member.id})",
        _("Region: {region}").format(region=region_label(member.region_code, lang)),
        (
            _("Status: {status}, since {since}").format(
                status=status_label(member.status), since=day(member.since)
            )
            if member.since
            else _("Status: {status} (date unknown)").format(status=status_label(member.status))
        ),
    ]
    if member.event_note:
        lines.append(_("Where: {event}").format(event=html.escape(member.event_note)))
    if member.contact and access.can_coordinate(member.region_code):
        lines.append(_("Contact: {contact}").format(contact=html.escape(member.contact)))
    if member.notes:
        lines.append(_("Notes: {notes}").format(notes=html.escape(member.notes)))
    if history:
        lines += ["", "<b>" + _("History") + "</b>"]
        lines += newest_that_fit(lines, [history_line(change, settings) for change in history])
    return "\n".join(lines)


def history_line(change: MemberChange, settings: Settings) -> str:
    when = datetime.fromtimestamp(change.changed_at, settings.tz).strftime("%d.%m.%Y")
    extra = " — ".join(
        html.escape(trim(text, 200)) for text in (change.event_note, change.reason) if text
    )
    return (
        f"{day(change.since)} · {status_label(change.status)}"
        + (f" — {extra}" if extra else "")
        + " "
        + _("(recorded {when} by {user})").format(when=when, user=change.changed_by)
    )


def newest_that_fit(head: Sequence[str], entries: Sequence[str]) -> list[str]:
    """The newest of `entries` (oldest first) that fit in one message after `head`, with a
    line saying how many older ones were left out: a card with its buttons stays one message,
    and its latest change (the one just made, after a status button) shows."""
    room = TEXT_LIMIT - plain_length("\n".join(head))
    sizes = [plain_length(entry) + 1 for entry in entries]  # each on its own line
    if sum(sizes) <= room:
        return list(entries)
    room -= _NOTICE_ROOM
    kept = 0
    while kept < len(entries) and sizes[-1 - kept] <= room:
        room -= sizes[-1 - kept]
        kept += 1
    notice = "… " + _("Older changes not shown: {count}").format(count=len(entries) - kept)
    return [notice, *entries[len(entries) - kept :]]


def not_found(query: str, suggestions: Sequence[Region], lang: str) -> str:
    text = _("Region “{query}” not found.").format(query=html.escape(trim(query, 64)))
    if suggestions:
        text += " " + _("Did you mean: {regions}?").format(
            regions=", ".join(html.escape(region.name(lang)) for region in suggestions)
        )
    return text
