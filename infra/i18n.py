"""Translations: gettext catalogs (`infra/locales/<lang>/LC_MESSAGES/messages.po`).

The catalogs are compiled in memory when the bot starts, so a `.po` edit takes effect without a
build step and no stale `.mo` can ship. Source strings are English; Ukrainian is the default.
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiogram.types import Chat, TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "uk"
LOCALES = ("uk", "en")


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker
    """Mark a string for extraction; it is translated later, where the locale is known."""
    return message


def locale_for(language_code: str | None) -> str:
    """English for users whose Telegram speaks English, Ukrainian for everyone else."""
    if language_code and language_code.lower().split("-")[0] == "en":
        return "en"
    return DEFAULT_LOCALE


def po_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


class CatalogI18n(I18n):
    """aiogram's I18n, reading `.po` catalogs directly."""

    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram's `gettext` looks the instance up by the base class's context variable;
        # a subclass has a variable of its own, so publish this instance under I18n's.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for locale in LOCALES:
            path = Path(self.path) / locale / "LC_MESSAGES" / f"{self.domain}.po"
            with path.open("rb") as po_file:
                catalog = read_po(po_file, locale=locale)
            compiled = io.BytesIO()
            write_mo(compiled, catalog, use_fuzzy=False)
            compiled.seek(0)
            translations[locale] = gettext.GNUTranslations(compiled)
        return translations


def build_i18n() -> CatalogI18n:
    return CatalogI18n(path=LOCALES_DIR, default_locale=DEFAULT_LOCALE, domain=DOMAIN)


class LanguageMiddleware(I18nMiddleware):
    """Picks the locale: the chat's own choice in /settings, else the Telegram user's."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        chat: Chat | None = data.get("event_chat")
        store = data.get("store")
        if chat is not None and store is not None:
            try:
                chosen = (await store.chat_settings.get(chat.id)).language
            except Exception:  # a failing database must not silence the answer (nor its error)
                log.warning("could not read the language of chat %s", chat.id, exc_info=True)
                chosen = None
            if chosen is not None:
                return str(chosen)
        user: User | None = data.get("event_from_user")
        return locale_for(user.language_code if user else None)
