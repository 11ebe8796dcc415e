"""The bot's routers, composed in one explicit order.

One feature per module (`news`, `start`, `roles`…). A feature past ~400 lines is a package
instead: its `__init__` holds the feature's docstring and its `router()` (routing only), its
handlers sit in modules by command group or flow (`editors/push.py`), and beside them
`texts.py` (text builders), `keyboards.py` (CallbackData classes and keyboard builders) and any
codec (`members/csv_codec.py`). Handlers use storage, jobs, infra and domain; no SQL, no HTTP.
"""

from __future__ import annotations

from aiogram import Router

from handlers import (
    editors,
    errors,
    events,
    fallback,
    members,
    membership,
    news,
    privacy,
    restricted,
    roles,
    settings,
    sources,
    start,
    stats,
    subscriptions,
)
from handlers.permissions import AdminCheck


def build_router() -> Router:
    """A fresh router tree (a router can belong to only one dispatcher)."""
    # One cache of "who administers which chat" for the routers that change subscriptions.
    admin_check = AdminCheck()
    root = Router(name="handlers")
    root.include_routers(
        errors.router(),  # exceptions from any handler below
        # The hottest path first: reading news takes no state and conflicts with nothing.
        news.router(),  # /latest, /region and their buttons
        membership.router(),  # the bot added to a chat, or blocked and removed
        start.router(admin_check),  # /start (and its deep links), /help
        subscriptions.router(admin_check),  # /subscribe, /unsubscribe, /subscriptions, buttons
        privacy.router(admin_check),  # /stop: unsubscribe and forget the chat
        settings.router(admin_check),  # /settings: language, digest, quiet hours, previews
        events.router(),  # /events for everyone; editors: /announce and its flow
        # Editors' flows before the routers below, so that their /cancel and states win.
        editors.router(),  # editors: /push, /correct, /retract, /report, /cancel
        members.router(),  # coordinators: /network, /members, /member, /admit, /suspend, CSV
        sources.router(),  # admins: /sources, /addsource, /delsource
        roles.router(),  # admins: /grant, /revoke, /roles
        stats.router(),  # admins: /stats
        restricted.router(),  # privileged commands not for this user, and those still to come
        fallback.router(),  # last: whatever nobody else took, in private chats
    )
    return root
