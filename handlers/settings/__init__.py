"""/settings: one menu per chat, edited in place: language, delivery (instantly or a daily
digest), quiet hours (and what they mean), link previews.

Anyone may look at a chat's settings; in groups and channels only its admins change them
(handlers.permissions). A time or a range of one's own is typed after its button.

The routing is here; the handlers are in `menu`, beside their texts, keyboards and `times`
(hours as typed, and as callback data carries them).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter

from handlers.deps import provide
from handlers.permissions import AdminCheck
from handlers.settings.keyboards import SettingsCb
from handlers.settings.menu import (
    SettingsFlow,
    cmd_settings,
    on_cancel_typing,
    on_settings_button,
    on_typed_range,
    on_typed_time,
)


def router(admin_check: AdminCheck) -> Router:
    settings = Router(name=__name__)
    provide(settings, admin_check=admin_check)
    settings.message.register(cmd_settings, Command("settings"))
    settings.channel_post.register(cmd_settings, Command("settings"))
    settings.callback_query.register(on_settings_button, SettingsCb.filter())
    awaiting = StateFilter(SettingsFlow.digest_time, SettingsFlow.quiet_range)
    settings.message.register(on_cancel_typing, awaiting, Command("cancel"))
    settings.message.register(on_typed_time, SettingsFlow.digest_time, F.text)
    settings.message.register(on_typed_range, SettingsFlow.quiet_range, F.text)
    return settings
