"""The command menu Telegram shows under "/": every citizen command for everyone, and for an
editor, a coordinator or an admin their own commands too, in their private chat with the bot.

Telegram picks the narrowest scope it has a menu for: a user's private chat
(BotCommandScopeChat) before the default. So a role's menu is the citizen menu plus the role's
commands, set for that chat when the role is granted (and at start-up, for grants made while the
bot was down), and removed when the last role is revoked. Each menu is set twice: in Ukrainian
for every language, and in English for users whose Telegram speaks English; a chat that chose
its language in /settings gets that one in both.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n

from handlers.filters import Access, access_of
from infra.i18n import LOCALES, N_
from infra.settings import Settings
from storage.repositories import Storage

log = logging.getLogger(__name__)

Menu = tuple[tuple[str, str], ...]

CITIZEN_MENU: Menu = (
    ("start", N_("Main menu")),
    ("latest", N_("Latest news")),
    ("region", N_("News of a region")),
    ("search", N_("Search the news")),
    ("events", N_("Upcoming events")),
    ("subscribe", N_("Subscribe to regions")),
    ("subscriptions", N_("My subscriptions")),
    ("unsubscribe", N_("Unsubscribe")),
    ("settings", N_("Settings")),
    ("stop", N_("Stop and forget this chat")),
    ("help", N_("Help")),
)
EDITOR_MENU: Menu = (
    ("push", N_("Breaking news to a region")),
    ("announce", N_("Announce an event")),
    ("correct", N_("Correct a news item")),
    ("retract", N_("Retract a news item")),
    ("report", N_("Delivery report of an item")),
)
COORDINATOR_MENU: Menu = (
    ("network", N_("The network: regions and members")),
    ("members", N_("Members of your regions")),
    ("member", N_("A member's card")),
    ("admit", N_("Admit a member")),
    ("suspend", N_("Suspend a member")),
    ("export_members", N_("Members as CSV")),
)
ADMIN_MENU: Menu = (
    ("grant", N_("Give a role")),
    ("revoke", N_("Take a role away")),
    ("roles", N_("Roles and latest actions")),
    ("sources", N_("Feed sources")),
    ("addsource", N_("Add a feed")),
    ("delsource", N_("Remove a feed")),
    ("stats", N_("Statistics")),
)


def menu_for(access: Access) -> Menu:
    """The citizen menu, and the commands of the user's roles after it."""
    menu = CITIZEN_MENU
    if access.is_editor:
        menu += EDITOR_MENU
    if access.is_coordinator:
        menu += COORDINATOR_MENU
    if access.is_admin:
        menu += ADMIN_MENU
    return menu


def _commands(menu: Menu, i18n: I18n, locale: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=i18n.gettext(description, locale=locale))
        for name, description in menu
    ]


async def set_default_menu(bot: Bot, i18n: I18n) -> None:
    """Every citizen command, in Ukrainian (the default) and English."""
    for locale in LOCALES:
        languages = ("", locale) if locale == "uk" else (locale,)
        for language in languages:
            try:
                await bot.set_my_commands(
                    _commands(CITIZEN_MENU, i18n, locale),
                    scope=BotCommandScopeDefault(),
                    language_code=language or None,
                )
            except TelegramAPIError as exc:
                # The menu is a convenience: a failure must not keep the bot from starting.
                log.warning("could not set the command menu (%s): %s", language or "default", exc)


async def set_user_menu(
    bot: Bot, user_id: int, store: Storage, settings: Settings, i18n: I18n
) -> None:
    """The menu of a user's private chat as their roles are now: theirs, or the default again
    (the chat's own menu removed) once they have none. Nothing for a user who never wrote to
    the bot: their menu is set when a role is granted after that, or at the next start."""
    if await store.chats.get(user_id) is None:
        return  # never wrote to the bot: there is no private chat to set a menu in
    access = await access_of(user_id, store, settings)
    scope = BotCommandScopeChat(chat_id=user_id)
    chosen = (await store.chat_settings.get(user_id)).language
    try:
        if not (access.is_editor or access.is_coordinator):
            for language in ("", "en"):
                await bot.delete_my_commands(scope=scope, language_code=language or None)
            return
        menu = menu_for(access)
        for language, locale in (("", chosen or "uk"), ("en", chosen or "en")):
            await bot.set_my_commands(
                _commands(menu, i18n, locale), scope=scope, language_code=language or None
            )
    except TelegramAPIError as exc:
        # A user who blocked the bot, say; /help lists the same commands.
        log.warning("could not set the command menu of user %s: %s", user_id, exc)


async def set_role_menus(bot: Bot, store: Storage, settings: Settings, i18n: I18n) -> None:
    """At start-up: the menus of every admin and of every user with a role."""
    try:
        users = set(settings.admin_ids) | {grant.user_id for grant in await store.roles.all()}
        for user_id in sorted(users):
            await set_user_menu(bot, user_id, store, settings, i18n)
    except Exception:
        # Menus are a convenience: a failing database must not keep the bot from starting
        # (its answers say what went wrong, and /help lists every command).
        log.warning("could not set the command menus of roles", exc_info=True)
