"""Admins hand out roles: /grant, /revoke, /roles. Nobody can raise their own rights."""

from __future__ import annotations

import html
from collections import defaultdict

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.formatting import pack
from domain.named_regions import parse_regions
from domain.regions import ALL_UKRAINE
from handlers.audit import audit_lines, people_in, role_name, role_scope, scopes
from handlers.filters import IsAdmin
from handlers.menus import set_user_menu
from handlers.people import person
from handlers.places import city_lines
from infra.settings import Settings
from storage.repositories import Storage
from storage.roles import Role

ROLE_WORDS = {
    "editor": Role.EDITOR,
    "редактор": Role.EDITOR,
    "coordinator": Role.COORDINATOR,
    "координатор": Role.COORDINATOR,
}
AUDIT_SHOWN = 10


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
    """/grant <user_id> <editor|coordinator> [region…]: no region means all regions. A grant
    that changes nothing says so, and is not audited."""
    lang = i18n.current_locale
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
    lines: list[str] = []
    if len(words) > 2:
        named = parse_regions(words[2])
        if named.not_found or not named.regions:
            missing = ", ".join(f"«{html.escape(m.query)}»" for m in named.not_found)
            await message.answer(_("Unknown regions: {names}.").format(names=missing or "—"))
            return
        codes = {region.code for region in named.regions}
        lines = city_lines(named.cities, lang)
    added = await store.roles.grant(user_id, role, codes, by=granter)
    user = person(user_id, await store.people.names([user_id]))
    if added:
        await set_user_menu(bot, user_id, store, settings, i18n)
        now = await store.roles.regions(user_id, role)
        lines.append(
            "✅ "
            + _("User {user} is now {scope}.").format(user=user, scope=role_scope(role, now, lang))
        )
    else:
        held = await store.roles.regions(user_id, role)
        lines.append(
            _("User {user} is already {scope}. Nothing was changed.").format(
                user=user, scope=role_scope(role, held, lang)
            )
        )
    await message.answer("\n".join(lines))


async def cmd_revoke(
    message: Message,
    command: CommandObject,
    bot: Bot,
    store: Storage,
    settings: Settings,
    i18n: I18n,
) -> None:
    """/revoke <user_id> [role]: without a role, every role. Says which roles were taken; a
    revoke that changes nothing says so, and is not audited."""
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
    user = person(user_id, await store.people.names([user_id]))
    if not removed:
        if role is None:
            text = _("User {user} has no roles. Nothing was changed.").format(user=user)
        else:
            text = _("User {user} has no role “{role}”. Nothing was changed.").format(
                user=user, role=role_name(role)
            )
        await message.answer(text)
        return
    await set_user_menu(bot, user_id, store, settings, i18n)
    taken = scopes(removed, i18n.current_locale)
    if len(taken) == 1:
        text = _("Done: user {user} is no longer {scope}.").format(user=user, scope=taken[0])
    else:
        text = "\n".join(
            [_("Done: user {user} no longer has these roles:").format(user=user)]
            + [f"• {scope}" for scope in taken]
        )
    await message.answer("✅ " + text)


async def cmd_roles(message: Message, store: Storage, settings: Settings, i18n: I18n) -> None:
    """/roles: who has what, for which regions, and the latest privileged actions, with
    names where the bot knows them."""
    lang = i18n.current_locale
    grants: dict[int, dict[Role, set[str]]] = defaultdict(lambda: defaultdict(set))
    for grant in await store.roles.all():
        grants[grant.user_id][grant.role].add(grant.region_code)
    audit = await store.audit.recent(AUDIT_SHOWN)
    names = await store.people.names({*settings.admin_ids, *grants, *people_in(audit)})
    blocks = [
        "👑 "
        + _("Admins (ADMIN_IDS): {ids}").format(
            ids=", ".join(person(i, names) for i in sorted(settings.admin_ids)) or "—"
        )
    ]
    if grants:
        blocks.append(
            "\n".join(
                f"{person(user_id, names)} — {'; '.join(scopes(roles, lang))}"
                for user_id, roles in sorted(grants.items())
            )
        )
    else:
        blocks.append(_("No editors or coordinators yet. /grant gives a role."))
    if audit:
        lines = audit_lines(audit, names, lang, settings)
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
