"""The network's members, for coordinators and admins.

Queries: /network, /members [region], /member <name|id>. Changes (a coordinator only in their
regions, admins everywhere): /admit <region> <name>, /suspend <id> [reason], the status buttons
of a member's card, /export_members and /import_members. Every change checks the member's
region again when it is made, so crafted callback data cannot reach another region.

The routing is here; the handlers are in `queries`, `changes` and `bulk`, beside their texts,
keyboards, `names` (reading what coordinators type) and `csv_codec` (the members as CSV).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command

from handlers.filters import HasRole
from handlers.members.bulk import cmd_export, cmd_import
from handlers.members.changes import (
    cmd_admit,
    cmd_suspend,
    on_admit,
    on_cancel,
    on_reading,
    on_set_status,
)
from handlers.members.keyboards import AdmitReadingCb, MemberAction, MemberCb
from handlers.members.queries import cmd_member, cmd_members, cmd_network, on_page, on_show
from storage.roles import Role


def router() -> Router:
    members = Router(name=__name__)
    # Coordinators and admins only; others fall through to handlers.restricted's refusal.
    members.message.filter(HasRole(Role.COORDINATOR))
    members.callback_query.filter(HasRole(Role.COORDINATOR))
    members.message.register(cmd_network, Command("network"))
    members.message.register(cmd_members, Command("members"))
    members.message.register(cmd_member, Command("member"))
    members.message.register(cmd_admit, Command("admit"))
    members.message.register(cmd_suspend, Command("suspend"))
    members.message.register(cmd_export, Command("export_members"))
    members.message.register(cmd_import, Command("import_members"))
    buttons = members.callback_query
    buttons.register(on_page, MemberCb.filter(F.action == MemberAction.PAGE))
    buttons.register(on_show, MemberCb.filter(F.action == MemberAction.SHOW))
    buttons.register(on_set_status, MemberCb.filter(F.action == MemberAction.SET))
    buttons.register(on_reading, AdmitReadingCb.filter())
    buttons.register(on_admit, MemberCb.filter(F.action == MemberAction.ADMIT))
    buttons.register(on_cancel, MemberCb.filter(F.action == MemberAction.CANCEL))
    return members
