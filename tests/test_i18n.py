"""Every user-facing string has a Ukrainian and an English translation that fits its slots."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from infra.i18n import LOCALES, build_i18n, locale_for, po_path

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "__": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def source_messages() -> set[str]:
    found: set[str] = set()
    for package in ("bot", "handlers", "jobs", "storage"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, keywords=KEYWORDS, comment_tags=()
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(locale: str) -> dict[str, str]:
    """msgid → translation; a plural message by its singular, translated only when every
    form of the language is."""
    translations: dict[str, str] = {}
    with po_path(locale).open("rb") as po_file:
        for message in read_po(po_file, locale=locale):
            if not message.id or message.fuzzy:
                continue
            if isinstance(message.id, tuple):
                forms = [str(form) for form in message.string]
                complete = all(form.strip() for form in forms)
                translations[str(message.id[0])] = forms[-1] if complete else ""
            else:
                translations[str(message.id)] = str(message.string)
    return translations


def test_the_source_has_messages() -> None:
    assert len(source_messages()) > 20


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale: str) -> None:
    translations = catalog(locale)
    missing = sorted(m for m in source_messages() if not translations.get(m, "").strip())
    assert not missing, f"{locale}: no translation for {missing}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_their_placeholders(locale: str) -> None:
    for message, translation in catalog(locale).items():
        assert set(PLACEHOLDER.findall(message)) == set(PLACEHOLDER.findall(translation)), message


def test_ukrainian_is_ukrainian() -> None:
    translations = catalog("uk")
    untranslated = [m for m, t in translations.items() if m == t and re.search("[a-z]{4}", m)]
    assert not untranslated


def test_runtime_lookup_and_language_choice() -> None:
    i18n = build_i18n()
    assert i18n.gettext("Latest news", locale="uk") == "Останні новини"
    assert i18n.gettext("Latest news", locale="en") == "Latest news"
    assert locale_for("en") == "en" and locale_for("en-GB") == "en"
    assert locale_for("uk") == "uk" and locale_for("ru") == "uk" and locale_for(None) == "uk"
