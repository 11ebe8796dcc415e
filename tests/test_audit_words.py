"""Every editor's action reads as words in /roles, the event's new ones included."""

from __future__ import annotations

import pytest

from handlers.audit import describe
from infra.i18n import build_i18n
from storage.roles import AuditEntry


@pytest.mark.parametrize(
    ("action", "uk", "en"),
    [
        ("push", "Термінова новина №7", "Breaking item №7"),
        ("reschedule", "Нові дата чи місце події №7", "New date or place of event №7"),
        ("cancel_event", "Скасування події №7", "Cancellation of event №7"),
    ],
)
def test_editors_actions_are_worded(action: str, uk: str, en: str) -> None:
    entry = AuditEntry(1, 0, 601, action, 7, "UA-74 Толока в парку")
    i18n = build_i18n()
    for lang, expected in (("uk", uk), ("en", en)):
        with i18n.context(), i18n.use_locale(lang):
            text = describe(entry, {}, lang)
        assert text.startswith(expected + ": ") and "Толока в парку" in text, text
        assert action not in text
