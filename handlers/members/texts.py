"""What coordinators read: statuses, lines of a list, a member's card, the network."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime

from aiogram.utils.i18n import gettext as _

from domain.dates import format_when
from domain.fitting import TEXT_LIMIT, plain_length
from domain.formatting import trim
from domain.regions import Region, get_region
from handlers.filters import Access
from handlers.people import person
from infra.settings import Settings
from storage.events import Event
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
    member: Member,
    history: Sequence[MemberChange],
    access: Access,
    lang: str,
    settings: Settings,
    *,
    event: Event | None = None,
    names: dict[int, str] | None = None,
) -> str:
    """A member's card: status, since when, where, the event it took part in, contact (for its
    coordinators), notes, history (who recorded each change, by name when known)."""
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
    # Where the latest change happened, unless that is the event's own title over again.
    if member.event_note and not (event and member.event_note.startswith(event.title)):
        lines.append(_("Where: {event}").format(event=html.escape(member.event_note)))
    if event is not None:
        lines.append(_("Event: {event}").format(event=event_text(event, settings)))
    if member.contact and access.can_coordinate(member.region_code):
        lines.append(_("Contact: {contact}").format(contact=html.escape(member.contact)))
    if member.notes:
        lines.append(_("Notes: {notes}").format(notes=html.escape(member.notes)))
    if history:
        lines += ["", "<b>" + _("History") + "</b>"]
        entries = [history_line(change, settings, names or {}) for change in history]
        lines += newest_that_fit(lines, entries)
    return "\n".join(lines)


def history_line(change: MemberChange, settings: Settings, names: dict[int, str]) -> str:
    when = datetime.fromtimestamp(change.changed_at, settings.tz).strftime("%d.%m.%Y")
    extra = " — ".join(
        html.escape(trim(text, 200)) for text in (change.event_note, change.reason) if text
    )
    return (
        f"{day(change.since)} · {status_label(change.status)}"
        + (f" — {extra}" if extra else "")
        + " "
        + _("(recorded {when} by {user})").format(when=when, user=person(change.changed_by, names))
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


def event_text(event: Event, settings: Settings) -> str:
    """«Всеукраїнська конференція… (23–24.05.2025, Чернігів)», escaped."""
    when = format_when(event.starts_at, event.ends_at, event.all_day, settings.tz)
    details = ", ".join([when, *([trim(event.place, 80)] if event.place else [])])
    return f"{html.escape(trim(event.title, 160))} ({html.escape(details)})"


def member_label(member: Member, lang: str) -> str:
    """«ГО „Відкрите місто“ (№3, Львівщина)», escaped."""
    return f"{html.escape(member.name)} (№{member.id}, {region_label(member.region_code, lang)})"


def status_question(
    member: Member, status: MemberStatus, when: date, reason: str, lang: str
) -> str:
    """What a status change will do, asked before it is done."""
    lines = [
        "❓ <b>" + _("Change the member's status?") + "</b>",
        _("Member: {member}").format(member=member_label(member, lang)),
        _("Status: {before} → {after}, as of {date}").format(
            before=status_label(member.status), after=status_label(status), date=day(when)
        ),
    ]
    if reason:
        lines.append(_("Reason: {reason}").format(reason=html.escape(reason)))
    lines.append(_("The change goes into the member's history."))
    return "\n".join(lines)


def field_name(field: str) -> str:
    return {"name": _("Name"), "contact": _("Contact")}.get(field) or _("Notes")


def field_prompt(member: Member, field: str, lang: str) -> str:
    """What a field button asks for."""
    current = {"name": member.name, "contact": member.contact, "notes": member.notes}[field]
    lines = [
        "✏️ <b>" + _("Member: {member}").format(member=member_label(member, lang)) + "</b>",
        _("{field} now: {value}").format(
            field=field_name(field), value=html.escape(current) if current else "—"
        ),
    ]
    if field == "name":
        lines.append(_("Send the new name, or /cancel."))
    else:
        lines.append(_("Send the new text; “-” clears it. Or /cancel."))
    return "\n".join(lines)


def field_question(member: Member, field: str, after: str, lang: str) -> str:
    before = {"name": member.name, "contact": member.contact, "notes": member.notes}[field]
    return "\n".join(
        [
            "❓ <b>" + _("Change it?") + "</b>",
            _("Member: {member}").format(member=member_label(member, lang)),
            _("{field} now: {value}").format(
                field=field_name(field), value=html.escape(before) if before else "—"
            ),
            _("{field} after: {value}").format(
                field=field_name(field), value=html.escape(after) if after else "—"
            ),
        ]
    )


def event_question(
    member: Member, chosen: Event | None, current: Event | None, settings: Settings, lang: str
) -> str:
    """Asked before the event on a card is noted (`chosen`) or removed (None)."""
    if chosen is None:
        head = _("Remove the event from the card?")
        shown = event_text(current, settings) if current else "—"
    else:
        head = _("Note that the member took part in this event?")
        shown = event_text(chosen, settings)
    line = _("Event: {event}").format(event=shown)
    return "\n".join(
        [
            "❓ <b>" + head + "</b>",
            _("Member: {member}").format(member=member_label(member, lang)),
            line,
        ]
    )


def admit_question_text(
    existing: Member | None, name: str, region: Region, when: date, lang: str
) -> str:
    """What /admit will do, asked before it is done: a member moved to admitted, or a new one."""
    admitted = status_label(MemberStatus.ADMITTED)
    if existing is not None:
        return "\n".join(
            [
                "❓ <b>" + _("Admit the member to the network?") + "</b>",
                _("Member: {member}").format(member=member_label(existing, lang)),
                _("Status: {before} → {after}, as of {date}").format(
                    before=status_label(existing.status), after=admitted, date=day(when)
                ),
                _("The change goes into the member's history."),
            ]
        )
    return "\n".join(
        [
            "❓ <b>" + _("Admit a new member to the network?") + "</b>",
            _("Name: {name}").format(name=html.escape(name)),
            _("Region: {region}").format(region=html.escape(region.short(lang))),
            _("Status: {status}, as of {date}").format(status=admitted, date=day(when)),
        ]
    )
