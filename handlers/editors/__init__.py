"""Editors: /push a breaking item, /correct and /retract what went out, /report on delivery,
/reschedule and /cancel_event an announced event.

Each change is a short guided flow (aiogram FSM, kept in the database, so it survives a restart)
that ends in a preview and a confirmation button. Rights are checked at every step, the last
button included: callback data and flow data come from outside and prove nothing.

The routing is here; the flows are in `push`, `changes` (/correct, /retract, /report),
`reschedule` and `cancel_event`, what they share in `steps` and `copies` (a correction spread
to every copy), and their texts, keyboards and drafts (an editor's message read as an item)
beside them.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter, or_f

from handlers.editors.cancel_event import (
    CancelEventFlow,
    cmd_cancel_event,
    on_cancel_event_confirm,
    on_cancel_event_text,
)
from handlers.editors.changes import (
    CorrectFlow,
    RetractFlow,
    cmd_correct,
    cmd_report,
    cmd_retract,
    on_correct_apply,
    on_correct_not_draft,
    on_correct_text,
    on_retract_confirm,
    on_retract_text,
)
from handlers.editors.keyboards import EditorAction, EditorCb
from handlers.editors.push import (
    PushFlow,
    cmd_push,
    on_push_not_draft,
    on_push_region,
    on_push_region_text,
    on_push_send,
    on_push_text,
)
from handlers.editors.reschedule import (
    RescheduleFlow,
    cmd_reschedule,
    on_keep_date,
    on_keep_place,
    on_reschedule_apply,
    on_reschedule_confirm_text,
    on_reschedule_place,
    on_reschedule_when,
)
from handlers.editors.steps import cmd_cancel, on_cancel, on_not_a_post, on_not_text, on_stale
from handlers.filters import HasRole
from storage.roles import Role

COMMANDS = ("push", "correct", "retract", "report", "reschedule", "cancel_event", "cancel")
FLOWS = (PushFlow, CorrectFlow, RetractFlow, RescheduleFlow, CancelEventFlow)


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
    messages.register(cmd_reschedule, Command("reschedule"))
    messages.register(cmd_cancel_event, Command("cancel_event"))
    not_command = ~F.text.startswith("/")
    messages.register(on_push_region_text, PushFlow.region, F.text, not_command)
    drafting = StateFilter(PushFlow.text, PushFlow.confirm)
    correcting = StateFilter(CorrectFlow.text, CorrectFlow.confirm)
    messages.register(on_push_text, drafting, F.text, not_command)
    messages.register(on_push_text, drafting, F.photo)
    messages.register(on_correct_text, correcting, F.text, not_command)
    messages.register(on_not_a_post, PushFlow.text, ~F.text)
    messages.register(on_not_text, CorrectFlow.text, ~F.text)
    messages.register(on_push_not_draft, PushFlow.confirm, ~F.text)
    messages.register(on_correct_not_draft, CorrectFlow.confirm, ~F.text)
    messages.register(on_reschedule_when, RescheduleFlow.when, F.text, not_command)
    messages.register(on_reschedule_place, RescheduleFlow.place, F.text, not_command)
    messages.register(on_not_text, StateFilter(RescheduleFlow.when, RescheduleFlow.place), ~F.text)
    # Where only a button will do, any message says which.
    messages.register(on_retract_text, RetractFlow.confirm, not_command)
    messages.register(on_reschedule_confirm_text, RescheduleFlow.confirm, not_command)
    messages.register(on_cancel_event_text, CancelEventFlow.confirm, not_command)

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
    buttons.register(on_keep_date, action(F.action == EditorAction.KEEP_DATE), RescheduleFlow.when)
    buttons.register(
        on_keep_place, action(F.action == EditorAction.KEEP_PLACE), RescheduleFlow.place
    )
    buttons.register(
        on_reschedule_apply,
        action(F.action == EditorAction.RESCHEDULE),
        RescheduleFlow.confirm,
    )
    buttons.register(
        on_cancel_event_confirm,
        action(F.action == EditorAction.CANCEL_EVENT),
        CancelEventFlow.confirm,
    )
    buttons.register(on_stale)
    return editors
