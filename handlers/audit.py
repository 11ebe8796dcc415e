"""The audit log in words: each entry in the reader's language, with region names and user
names (the Telegram name when the bot has seen the user), never bare codes.

Entries carry their facts as data (storage.roles.AuditEntry.data); entries from before that,
and actions this module does not know, are shown as they were stored.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from aiogram.utils.i18n import gettext as _

from domain.formatting import trim
from domain.regions import ALL_UKRAINE, get_region
from handlers.members.texts import status_label
from handlers.people import person
from infra.settings import Settings
from storage.members import MemberStatus
from storage.roles import AuditEntry, Role


def role_name(role: Role) -> str:
    return _("editor") if role is Role.EDITOR else _("coordinator")


def region_names(codes: Collection[str], lang: str) -> str:
    return ", ".join(
        region.short(lang) for code in sorted(codes) if (region := get_region(code)) is not None
    )


def role_scope(role: Role, codes: Collection[str], lang: str) -> str:
    """A role with its regions, as a nominative phrase that fits every sentence it is in:
    «редактор регіону Чернігівщина», «координатор регіонів Львівщина, Волинь», «редактор
    усіх регіонів». Escaped for HTML."""
    name = role_name(role)
    if ALL_UKRAINE in codes:
        return html.escape(_("{role} of all regions").format(role=name))
    regions = region_names(codes, lang)
    if len(codes) == 1:
        return html.escape(_("{role} of region {region}").format(role=name, region=regions))
    return html.escape(_("{role} of regions {regions}").format(role=name, regions=regions))


def scopes(roles: Mapping[Role, Collection[str]], lang: str) -> list[str]:
    """Each role with its regions, editors first."""
    return [role_scope(role, roles[role], lang) for role in Role if roles.get(role)]


def _roles(data: Mapping[str, Any]) -> dict[Role, list[str]]:
    raw = data.get("roles")
    if not isinstance(raw, dict):
        return {}
    return {
        Role(role): [str(code) for code in codes]
        for role, codes in raw.items()
        if role in Role.__members__.values() and isinstance(codes, list)
    }


def _region(code: object, lang: str) -> str:
    region = get_region(str(code))
    return html.escape(region.short(lang) if region else str(code))


def _status(value: object) -> str:
    try:
        return status_label(MemberStatus(str(value)))
    except ValueError:
        return html.escape(str(value))


def _member(data: Mapping[str, Any], lang: str) -> str:
    """«ГО „Відкрите місто“ (№3, Львівщина)»."""
    name = html.escape(trim(str(data.get("name", "")), 80))
    return f"{name} (№{data.get('member', '?')}, {_region(data.get('region', ''), lang)})"


def _text(value: object, limit: int = 80) -> str:
    """A value in quotation marks: «» outside, „“ for those inside it («ГО „Місто“»)."""
    text = trim(str(value or ""), limit).replace("«", "„").replace("»", "“")
    return f"«{html.escape(text)}»" if text else "—"


def _item_details(entry: AuditEntry, lang: str) -> tuple[str, str]:
    """An editor's entry: its region (when the details start with a code) and its title."""
    code, _space, rest = entry.details.partition(" ")
    if get_region(code) is not None:
        return _region(code, lang), html.escape(trim(rest, 80))
    return "", html.escape(trim(entry.details, 80))


def describe(entry: AuditEntry, names: dict[int, str], lang: str) -> str:
    """What one entry did, in words."""
    data = entry.data
    action = entry.action
    if action == "grant" and "user" in data:
        codes = [str(code) for code in data.get("regions", [])]
        return _("Role given: {user} — {scope}").format(
            user=person(int(data["user"]), names),
            scope=role_scope(Role(data["role"]), codes, lang),
        )
    if action == "revoke" and "user" in data:
        taken = scopes(_roles(data), lang)
        template = _("Role taken: {user} — {roles}") if len(taken) == 1 else None
        template = template or _("Roles taken: {user} — {roles}")
        # Each role lists its regions with commas: the roles are set apart with semicolons.
        return template.format(user=person(int(data["user"]), names), roles="; ".join(taken))
    if action == "member_admit" and "member" in data:
        return _("Admitted to the network: {member}").format(member=_member(data, lang))
    if action == "member_status" and "member" in data:
        text = _("Status changed: {member} — {before} → {after}").format(
            member=_member(data, lang),
            before=_status(data.get("before")),
            after=_status(data.get("after")),
        )
        reason = data.get("reason")
        return text + (f" ({html.escape(trim(str(reason), 80))})" if reason else "")
    if action == "member_edit" and "member" in data:
        labels = {"name": _("Name changed"), "contact": _("Contact changed")}
        label = labels.get(str(data.get("field")), _("Notes changed"))
        return f"{label}: {_member(data, lang)} — {_text(data.get('before'))} → " + _text(
            data.get("after")
        )
    if action == "member_event" and "member" in data:
        if data.get("event"):
            return _("Event noted: {member} — {event}").format(
                member=_member(data, lang), event=_text(data.get("title"))
            )
        return _("Event link removed: {member}").format(member=_member(data, lang))
    if action == "source_add" and "source" in data:
        return _("Source added: №{id} {url} ({region})").format(
            id=data["source"],
            url=html.escape(trim(str(data.get("url", "")), 80)),
            region=_region(data.get("region", ""), lang),
        )
    if action == "source_move" and "source" in data:
        return _("Source moved: №{id} {url} — {before} → {after}").format(
            id=data["source"],
            url=html.escape(trim(str(data.get("url", "")), 80)),
            before=_region(data.get("before", ""), lang),
            after=_region(data.get("after", ""), lang),
        )
    if action == "source_delete" and "source" in data:
        return _("Source removed: №{id} {url}").format(
            id=data["source"], url=html.escape(trim(str(data.get("url", "")), 80))
        )
    labels = {
        "push": _("Breaking item №{id}"),
        "announce": _("Event announcement №{id}"),
        "correct": _("Correction of №{id}"),
        "retract": _("Retraction of №{id}"),
        "reschedule": _("New date or place of event №{id}"),
        "cancel_event": _("Cancellation of event №{id}"),
    }
    if entry.item_id and action in labels:
        region, title = _item_details(entry, lang)
        head = labels[action].format(id=entry.item_id)
        return head + ": " + " — ".join(part for part in (region, title) if part)
    item = f" №{entry.item_id}" if entry.item_id else ""
    return f"{html.escape(action)}{item} {html.escape(trim(entry.details, 100))}".rstrip()


def audit_lines(
    entries: Sequence[AuditEntry], names: dict[int, str], lang: str, settings: Settings
) -> list[str]:
    """«03.12 10:15 · Адмін (900) · Надано роль: …», newest first."""
    return [
        "{when} · {who} · {what}".format(
            when=datetime.fromtimestamp(entry.at, settings.tz).strftime("%d.%m %H:%M"),
            who=person(entry.user_id, names),
            what=describe(entry, names, lang),
        )
        for entry in entries
    ]


def people_in(entries: Sequence[AuditEntry]) -> set[int]:
    """Every user an entry names: who acted, and whose roles changed."""
    found = {entry.user_id for entry in entries}
    for entry in entries:
        user = entry.data.get("user")
        if isinstance(user, int):
            found.add(user)
    return found
