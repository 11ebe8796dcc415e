"""Choosing regions: /subscribe, /unsubscribe, /subscriptions, and their buttons.

Anyone may look at a chat's subscriptions; in groups and channels only the chat's admins may
change them (handlers.permissions). The commands work in channel posts too, where only admins
can post.

The routing is here; the handlers are in `commands` and `buttons`, the steps they share with
/start, /stop, /settings and others in `steps`, beside their texts and keyboards.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command

from handlers.deps import provide
from handlers.permissions import AdminCheck
from handlers.subscriptions.buttons import on_add, on_done, on_open, on_remove, on_toggle
from handlers.subscriptions.commands import cmd_subscribe, cmd_subscriptions, cmd_unsubscribe
from handlers.subscriptions.keyboards import SubscriptionAction, SubscriptionCb


def router(admin_check: AdminCheck) -> Router:
    subscriptions = Router(name=__name__)
    provide(subscriptions, admin_check=admin_check)
    # Channel posts too: only a channel's admins can post there.
    for observer in (subscriptions.message, subscriptions.channel_post):
        observer.register(cmd_subscribe, Command("subscribe"))
        observer.register(cmd_unsubscribe, Command("unsubscribe"))
        observer.register(cmd_subscriptions, Command("subscriptions"))
    buttons = subscriptions.callback_query
    action = SubscriptionCb.filter
    buttons.register(on_toggle, action(F.action == SubscriptionAction.TOGGLE))
    buttons.register(on_done, action(F.action == SubscriptionAction.DONE))
    buttons.register(on_add, action(F.action == SubscriptionAction.ADD))
    buttons.register(on_remove, action(F.action == SubscriptionAction.REMOVE))
    buttons.register(on_open, action(F.action == SubscriptionAction.OPEN))
    return subscriptions
