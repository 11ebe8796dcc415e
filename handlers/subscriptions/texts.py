"""What choosing regions answers: lists of regions, prompts, refusals, "not found"."""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from domain.formatting import trim
from domain.named_regions import NotFound
from domain.regions import ALL_UKRAINE, REGIONS, Region
from handlers.subscriptions.keyboards import choose_regions_keyboard, subscriptions_keyboard


def ordered(codes: Collection[str]) -> list[Region]:
    """Regions of `codes` in the order of REGIONS ("All Ukraine" first)."""
    return [region for region in REGIONS if region.code in codes]


def names(regions: Iterable[Region], lang: str) -> str:
    return ", ".join(html.escape(region.short(lang)) for region in regions)


def refusal_text() -> str:
    return _("Only the admins of this chat can change its subscriptions.")


def subscribe_prompt() -> str:
    return "\n".join(
        [
            "📍 <b>" + _("Choose the regions to subscribe to") + "</b>",
            _("Tap a region to subscribe or unsubscribe; ✅ marks the chosen ones."),
        ]
    )


def changes_footer() -> str:
    return _(
        "New headlines from these regions will come to this chat. "
        "To see or change the list: /subscriptions"
    )


def not_found_line(missing: NotFound, lang: str) -> str:
    query = html.escape(trim(missing.query, 64))
    if not missing.suggestions:
        return "❓ " + _("Region “{query}” not found.").format(query=query)
    suggestions = ", ".join(html.escape(region.name(lang)) for region in missing.suggestions)
    return "❓ " + _("Region “{query}” not found. Did you mean: {regions}?").format(
        query=query, regions=suggestions
    )


def subscriptions_view(
    codes: Collection[str], lang: str, private: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """The /subscriptions message: the list with a ❌ button per region, or how to start one."""
    regions = ordered(codes)
    if not regions:
        empty = (
            _("You have no subscriptions yet.")
            if private
            else _("This chat has no subscriptions yet.")
        )
        text = "📋 " + empty + "\n" + _("Choose regions, and their new headlines will come here.")
        return text, choose_regions_keyboard()
    title = _("Your subscriptions") if private else _("This chat's subscriptions")
    lines = [f"📋 <b>{title}</b> ({len(regions)})", ""]
    lines += ["• " + html.escape(region.short(lang)) for region in regions]
    if ALL_UKRAINE in codes:
        lines += ["", _("“All Ukraine” brings the news of every region.")]
    lines += ["", _("Press ❌ to unsubscribe from a region.")]
    return "\n".join(lines), subscriptions_keyboard(lang, regions)


def done_text(codes: Collection[str], lang: str) -> str:
    regions = ordered(codes)
    if not regions:
        return _("No regions chosen. You can choose them any time: /subscribe")
    return "\n".join(
        [
            "✅ <b>"
            + _("Done!")
            + "</b> "
            + _("Subscriptions: {regions}.").format(regions=names(regions, lang)),
            "",
            changes_footer(),
        ]
    )
