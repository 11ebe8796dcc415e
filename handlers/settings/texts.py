"""What /settings shows: the chat's settings in words."""

from __future__ import annotations

import html

from aiogram.utils.i18n import gettext as _

from storage.chat_settings import ChatSettings


def language_name(code: str | None) -> str:
    if code == "uk":
        return "Українська"
    if code == "en":
        return "English"
    return _("as in Telegram")


def delivery_text(settings: ChatSettings) -> str:
    if settings.digest_at is None:
        return _("each item at once")
    return _("a daily digest at {time}").format(time=settings.digest_at)


def quiet_text(settings: ChatSettings) -> str:
    if settings.quiet is None:
        return _("off")
    span = f"{settings.quiet[0]}–{settings.quiet[1]}"
    if settings.quiet_mode == "silent":
        return _("{span}, items come without sound").format(span=span)
    return _("{span}, items wait until the end").format(span=span)


def menu_text(settings: ChatSettings) -> str:
    return "\n".join(
        [
            "⚙️ <b>" + html.escape(_("Settings of this chat")) + "</b>",
            "",
            "🌐 "
            + html.escape(_("Language: {name}").format(name=language_name(settings.language))),
            "📬 " + html.escape(_("Delivery: {mode}").format(mode=delivery_text(settings))),
            "🌙 " + html.escape(_("Quiet hours: {hours}").format(hours=quiet_text(settings))),
            "🔗 "
            + html.escape(
                _("Link previews: {state}").format(
                    state=_("on") if settings.previews else _("off")
                )
            ),
            "",
            html.escape(
                _("Breaking news and event reminders come at once, whatever is set here.")
            ),
        ]
    )
