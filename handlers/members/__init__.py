"""The network's members, for coordinators and admins.

Queries: /network, /members [region], /member <name|id>. Changes (a coordinator only in their
regions, admins everywhere): /admit <region> <name>, /suspend <id> [reason], the buttons of a
member's card (status, name, contact, notes, the event it took part in), /export_members and
/import_members. Each change says what will happen and asks first; it checks the member's
region again when it is made, so crafted callback data cannot reach another region, and it is
audited.

The routing is here; the handlers are in `queries`, `admit`, `changes` (statuses, and the
confirmation every change ends with), `edits` (fields and the event) and `bulk`, beside their
texts, keyboards, `pending` (the change waiting for confirmation), `names` (reading what
coordinators type) and `csv_codec` (the members as CSV).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command

from handlers.filters import HasRole
from handlers.members.admit import cmd_admit, on_admit, on_reading
from handlers.members.bulk import cmd_export, cmd_import
from handlers.members.changes import (
    cmd_suspend,
    on_back,
    on_cancel,
    on_confirm,
    on_set_status,
)
from handlers.members.edits import (
    MemberEdit,
    cmd_cancel_edit,
    on_edit,
    on_edit_value,
    on_event,
    on_events,
)
from handlers.members.keyboards import AdmitReadingCb, MemberAction, MemberCb
from handlers.members.queries import cmd_member, cmd_members, cmd_network, on_page, on_show
from storage.roles import Role


def router() -> Router:
    members = Router(name=__name__)
    # Coordinators and admins only; others fall through to handlers.restricted's refusal.
    members.message.filter(HasRole(Role.COORDINATOR))
    members.callback_query.filter(HasRole(Role.COORDINATOR))
    members.message.register(cmd_cancel_edit, Command("cancel"), MemberEdit.value)
    members.message.register(cmd_network, Command("network"))
    members.message.register(cmd_members, Command("members"))
    members.message.register(cmd_member, Command("member"))
    members.message.register(cmd_admit, Command("admit"))
    members.message.register(cmd_suspend, Command("suspend"))
    members.message.register(cmd_export, Command("export_members"))
    members.message.register(cmd_import, Command("import_members"))
    members.message.register(on_edit_value, MemberEdit.value, F.text, ~F.text.startswith("/"))
    buttons = members.callback_query
    buttons.register(on_page, MemberCb.filter(F.action == MemberAction.PAGE))
    buttons.register(on_show, MemberCb.filter(F.action == MemberAction.SHOW))
    buttons.register(on_set_status, MemberCb.filter(F.action == MemberAction.SET))
    buttons.register(on_reading, AdmitReadingCb.filter())
    buttons.register(on_admit, MemberCb.filter(F.action == MemberAction.ADMIT))
    buttons.register(on_cancel, MemberCb.filter(F.action == MemberAction.CANCEL))
    buttons.register(on_confirm, MemberCb.filter(F.action == MemberAction.CONFIRM))
    buttons.register(on_back, MemberCb.filter(F.action == MemberAction.BACK))
    buttons.register(on_edit, MemberCb.filter(F.action == MemberAction.EDIT))
    buttons.register(on_events, MemberCb.filter(F.action == MemberAction.EVENTS))
    buttons.register(on_event, MemberCb.filter(F.action == MemberAction.EVENT))
    return members
