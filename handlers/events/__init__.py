"""Events: editors announce them (/announce, a flow that survives restarts); everyone lists
the upcoming ones (/events).

Access is checked at every step of /announce, the last one included, so a region chosen with
crafted callback data, or a role revoked mid-flow, announces nothing.

The routing is here; the handlers are in `announce` and `upcoming`, beside their texts and
keyboards.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter, or_f

from handlers.events.announce import (
    AnnounceFlow,
    cmd_announce,
    cmd_cancel,
    on_cancel_button,
    on_description,
    on_not_text,
    on_place,
    on_preview_text,
    on_region,
    on_region_text,
    on_send,
    on_skip,
    on_stale,
    on_title,
    on_when,
)
from handlers.events.keyboards import AnnounceAction, AnnounceCb, EventAction, EventCb
from handlers.events.upcoming import cmd_events, on_show
from handlers.filters import HasRole
from storage.roles import Role


def router() -> Router:
    events = Router(name=__name__)
    events.message.register(cmd_events, Command("events"))
    events.callback_query.register(on_show, EventCb.filter(F.action == EventAction.SHOW))
    in_flow = StateFilter(AnnounceFlow)
    # Leaving needs no role: someone whose role was revoked mid-flow can still get out.
    events.message.register(cmd_cancel, Command("cancel"), in_flow)
    events.callback_query.register(
        on_cancel_button, AnnounceCb.filter(F.action == AnnounceAction.CANCEL), in_flow
    )

    announce = Router(name=f"{__name__}.announce")
    # Cheap filters first: only /announce and its flow cost a look at the roles. Others fall
    # through to handlers.restricted's refusal.
    announce.message.filter(or_f(Command("announce"), in_flow), HasRole(Role.EDITOR))
    announce.callback_query.filter(AnnounceCb.filter(), HasRole(Role.EDITOR))
    messages = announce.message
    messages.register(cmd_announce, Command("announce"))
    text = (F.text, ~F.text.startswith("/"))
    messages.register(on_title, AnnounceFlow.title, *text)
    messages.register(on_when, AnnounceFlow.when, *text)
    messages.register(on_place, AnnounceFlow.place, *text)
    messages.register(on_description, AnnounceFlow.description, *text)
    messages.register(on_region_text, AnnounceFlow.region, *text)
    messages.register(on_preview_text, AnnounceFlow.preview, *text)
    messages.register(
        on_not_text,
        StateFilter(
            AnnounceFlow.title, AnnounceFlow.when, AnnounceFlow.place, AnnounceFlow.description
        ),
        ~F.text,
    )
    buttons = announce.callback_query
    action = AnnounceCb.filter
    buttons.register(on_region, action(F.action == AnnounceAction.REGION), AnnounceFlow.region)
    buttons.register(on_skip, action(F.action == AnnounceAction.SKIP), AnnounceFlow.description)
    buttons.register(on_send, action(F.action == AnnounceAction.SEND), AnnounceFlow.preview)
    buttons.register(on_stale)
    events.include_router(announce)
    return events
