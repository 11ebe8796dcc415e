"""Editors: /push a breaking item, /correct and /retract what went out, /report on delivery.

Each change is a short guided flow (aiogram FSM, kept in the database, so it survives a restart)
that ends in a preview and a confirmation button. Rights are checked at every step, the last
button included: callback data and flow data come from outside and prove nothing.

The routing is here; the flows are in `push` and `changes`, what they share in `steps`, and
their texts, keyboards and drafts (an editor's message read as an item) beside them.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter, or_f

from handlers.editors.changes import (
    CorrectFlow,
    RetractFlow,
    cmd_correct,
    cmd_report,
    cmd_retract,
    on_correct_apply,
    on_correct_text,
    on_retract_confirm,
)
from handlers.editors.keyboards import EditorAction, EditorCb
from handlers.editors.push import PushFlow, cmd_push, on_push_region, on_push_send, on_push_text
from handlers.editors.steps import cmd_cancel, on_cancel, on_not_text, on_stale
from handlers.filters import HasRole
from storage.roles import Role

COMMANDS = ("push", "correct", "retract", "report", "cancel")
FLOWS = (PushFlow, CorrectFlow, RetractFlow)


def router() -> Router:
    editors = Router(name=__name__)
    in_flow = StateFilter(*FLOWS)
    # Cheap filters first: only the editors' commands and flows cost a look at the roles.
    editors.message.filter(or_f(Command(*COMMANDS), in_flow), HasRole(Role.EDITOR))
    editors.callback_query.filter(EditorCb.filter(), HasRole(Role.EDITOR))

    messages = editors.message
    messages.register(cmd_cancel, Command("cancel"), in_flow)
    messages.register(cmd_push, Command("push"))
    messages.register(cmd_correct, Command("correct"))
    messages.register(cmd_retract, Command("retract"))
    messages.register(cmd_report, Command("report"))
    not_command = ~F.text.startswith("/")
    messages.register(on_push_text, PushFlow.text, F.text, not_command)
    messages.register(on_correct_text, CorrectFlow.text, F.text, not_command)
    messages.register(on_not_text, StateFilter(PushFlow.text, CorrectFlow.text), ~F.text)

    buttons = editors.callback_query
    action = EditorCb.filter
    buttons.register(on_cancel, action(F.action == EditorAction.CANCEL))
    buttons.register(on_push_region, action(F.action == EditorAction.REGION), PushFlow.region)
    buttons.register(on_push_send, action(F.action == EditorAction.SEND), PushFlow.confirm)
    buttons.register(
        on_correct_apply, action(F.action == EditorAction.CORRECT), CorrectFlow.confirm
    )
    buttons.register(
        on_retract_confirm, action(F.action == EditorAction.RETRACT), RetractFlow.confirm
    )
    buttons.register(on_stale)
    return editors
