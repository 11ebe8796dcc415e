"""Commands named in the product that this version does not run yet.

Privileged ones say they are not available to this user (without hinting what they would do);
admins, who will have them, hear that they are not ready yet. Citizens' commands still to come
say so instead of falling through to "unknown command".
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from infra.settings import Settings

PRIVILEGED_COMMANDS = (
    # editors
    "push",
    "announce",
    "correct",
    "retract",
    "report",
    "reschedule",
    "cancel_event",
    # coordinators
    "network",
    "members",
    "member",
    "admit",
    "suspend",
    "export_members",
    "import_members",
    # admins
    "grant",
    "revoke",
    "roles",
    "sources",
    "addsource",
    "movesource",
    "delsource",
    "stats",
)


async def cmd_privileged(message: Message, settings: Settings) -> None:
    """A privileged command: refused, or "not yet" for admins."""
    user_id = message.from_user.id if message.from_user else None
    if settings.is_admin(user_id):
        await message.answer(_("This command is not available in this version of the bot yet."))
    else:
        await message.answer(_("This command is not available to you."))


def router() -> Router:
    restricted = Router(name=__name__)
    restricted.message.register(cmd_privileged, Command(*PRIVILEGED_COMMANDS))
    return restricted
