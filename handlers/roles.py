"""Admins hand out roles: /grant, /revoke, /roles. Nobody can raise their own rights."""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import datetime

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.formatting import pack
from domain.named_regions import parse_regions
from domain.regions import ALL_UKRAINE, get_region
from handlers.filters import IsAdmin
from handlers.menus import set_user_menu
from infra.settings import Settings
from storage.repositories import Storage
from storage.roles import Role

ROLE_WORDS = {
    "editor": Role.EDITOR,
    "редактор": Role.EDITOR,
    "coordinator": Role.COORDINATOR,
    "координатор": Role.COORDINATOR,
}


def role_name(role: Role) -> str:
    return _("editor") if role is Role.EDITOR else _("coordinator")


def regions_text(codes: set[str] | frozenset[str], lang: str) -> str:
    if ALL_UKRAINE in codes:
        return _("all regions")
    names = [region.short(lang) for code in sorted(codes) if (region := get_region(code))]
    return ", ".join(names)


def _user_id(word: str) -> int | None:
    return int(word) if word.isdecimal() and 0 < int(word) < 2**52 else None


async def cmd_grant(
    message: Message,
    command: CommandObject,
    bot: Bot,
    store: Storage,
    settings: Settings,
    i18n: I18n,
) -> None:
    """/grant <user_id> <editor|coordinator> [region…]: no region means all regions."""
    words = (command.args or "").split(maxsplit=2)
    usage = _("Usage: /grant <user_id> <editor|coordinator> [regions], for example: {example}")
    example = "/grant 123456789 editor Чернігів, Київ"
    user_id = _user_id(words[0]) if words else None
    role = ROLE_WORDS.get(words[1].lower()) if len(words) > 1 else None
    if user_id is None or role is None:
        await message.answer(html.escape(usage.format(example=example)))
        return
    granter = message.from_user.id if message.from_user else 0
    if user_id == granter:
        await message.answer(_("You cannot change your own rights."))
        return
    codes: set[str] = {ALL_UKRAINE}
    if len(words) > 2:
        named = parse_regions(words[2])
        if named.not_found or not named.regions:
            missing = ", ".join(f"«{html.escape(m.query)}»" for m in named.not_found)
            await message.answer(_("Unknown regions: {names}.").format(names=missing or "—"))
            return
        codes = {region.code for region in named.regions}
    await store.roles.grant(user_id, role, codes, by=granter)
    await set_user_menu(bot, user_id, store, settings, i18n)
    await message.answer(
        _("User {user_id} is now {role} for: {regions}.").format(
            user_id=user_id,
            role=role_name(role),
            regions=html.escape(regions_text(codes, i18n.current_locale)),
        )
    )


async def cmd_revoke(
    message: Message,
    command: CommandObject,
    bot: Bot,
    store: Storage,
    settings: Settings,
    i18n: I18n,
) -> None:
    """/revoke <user_id> [role]: without a role, every role."""
    words = (command.args or "").split()
    user_id = _user_id(words[0]) if words else None
    role = ROLE_WORDS.get(words[1].lower()) if len(words) > 1 else None
    if user_id is None or (len(words) > 1 and role is None) or len(words) > 2:
        await message.answer(html.escape(_("Usage: /revoke <user_id> [editor|coordinator]")))
        return
    revoker = message.from_user.id if message.from_user else 0
    if user_id == revoker:
        await message.answer(_("You cannot change your own rights."))
        return
    removed = await store.roles.revoke(user_id, role, by=revoker)
    await set_user_menu(bot, user_id, store, settings, i18n)
    if removed == 0:
        await message.answer(_("User {user_id} had no such role.").format(user_id=user_id))
    else:
        await message.answer(_("Done: user {user_id} lost that role.").format(user_id=user_id))


async def cmd_roles(message: Message, store: Storage, settings: Settings, i18n: I18n) -> None:
    """/roles: who has what, for which regions, and the latest privileged actions."""
    lang = i18n.current_locale
    grants: dict[tuple[int, Role], set[str]] = defaultdict(set)
    for grant in await store.roles.all():
        grants[(grant.user_id, grant.role)].add(grant.region_code)
    blocks = [
        "👑 "
        + _("Admins (ADMIN_IDS): {ids}").format(
            ids=", ".join(str(i) for i in sorted(settings.admin_ids)) or "—"
        )
    ]
    if grants:
        blocks.append(
            "\n".join(
                f"{user_id} — {role_name(role)}: {html.escape(regions_text(codes, lang))}"
                for (user_id, role), codes in sorted(grants.items())
            )
        )
    else:
        blocks.append(_("No editors or coordinators yet. /grant gives a role."))
    audit = await store.audit.recent(10)
    if audit:
        lines = [
            "{when} · {user} · {action}{item} {details}".format(
                when=datetime.fromtimestamp(entry.at, settings.tz).strftime("%d.%m %H:%M"),
                user=entry.user_id,
                action=html.escape(entry.action),
                item=f" №{entry.item_id}" if entry.item_id else "",
                details=html.escape(entry.details[:100]),
            )
            for entry in audit
        ]
        blocks.append("<b>" + html.escape(_("Latest actions")) + "</b>\n" + "\n".join(lines))
    for part in pack(blocks, header="<b>" + html.escape(_("Roles")) + "</b>"):
        await message.answer(part)


def router() -> Router:
    roles = Router(name=__name__)
    roles.message.filter(IsAdmin())
    roles.message.register(cmd_grant, Command("grant"))
    roles.message.register(cmd_revoke, Command("revoke"))
    roles.message.register(cmd_roles, Command("roles"))
    return roles
