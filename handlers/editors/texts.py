"""What editors read: prompts, progress, the report, and an item as subscribers get it."""

from __future__ import annotations

import html

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.formatting import item_message, trim
from domain.regions import get_region
from infra.i18n import LOCALES
from infra.settings import Settings
from storage.editorial import ItemReport
from storage.models import CopyChange, DeliveryStatus, Item


def number(value: int) -> str:
    """1 200: thousands apart, as Ukrainian writes them (a no-break space)."""
    return f"{value:,}".replace(",", "\u00a0")


def region_name(code: str, lang: str) -> str:
    region = get_region(code)
    return html.escape(region.short(lang) if region else code)


def item_label(item: Item) -> str:
    return f"№\u00a0{item.id} «{html.escape(trim(item.title, 80))}»"


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 120:
        return _("{seconds} s").format(seconds=seconds)
    return _("{minutes} min {seconds} s").format(minutes=seconds // 60, seconds=seconds % 60)


def progress_text(item_id: int, counts: dict[DeliveryStatus, int]) -> str:
    total = sum(counts.values())
    return "\n".join(
        [
            "📤 " + _("Item № {id} is on its way.").format(id=item_id),
            _("Sent {sent} of {total}").format(
                sent=number(counts[DeliveryStatus.SENT]), total=number(total)
            ),
        ]
    )


def report_text(item: Item, report: ItemReport, lang: str) -> str:
    """The /report answer: what became of every copy, and how long it took."""
    lines = [
        "📊 <b>" + _("Report on item {label}").format(label=item_label(item)) + "</b>",
        region_name(item.region_code, lang)
        + (" · " + html.escape(_("Breaking")) if item.is_breaking else ""),
        "",
        _("Total: {count}").format(count=number(report.total)),
        "✅ " + _("Delivered: {count}").format(count=number(report.delivered)),
        "⏳ " + _("Pending: {count}").format(count=number(report.pending)),
        "⚠️ " + _("Failed: {count}").format(count=number(report.failed)),
    ]
    lines += [
        f"    • {html.escape(trim(reason, 120) or '—')}: {number(count)}"
        for reason, count in report.failures
    ]
    lines.append(
        "🚫 "
        + _("Skipped (chat blocked the bot or is gone, or cancelled): {count}").format(
            count=number(report.skipped)
        )
    )
    removed = sum(
        report.changes.get(change, 0)
        for change in (CopyChange.DELETED, CopyChange.REPLACED, CopyChange.GONE)
    )
    if removed:
        lines.append(
            "🗑 " + _("Removed after the retraction: {count}").format(count=number(removed))
        )
    if report.first_sent_at is not None and report.last_sent_at is not None:
        lines += [
            "",
            "⏱ "
            + _("First to last copy: {span}; from publication to the last copy: {total}").format(
                span=duration(report.last_sent_at - report.first_sent_at),
                total=duration(report.last_sent_at - report.created_at),
            ),
        ]
    return "\n".join(lines)


def text_prompt(region_code: str, lang: str) -> str:
    return "\n".join(
        [
            "✍️ " + _("Breaking news for {region}.").format(region=region_name(region_code, lang)),
            _(
                "Send the text as one message, or a photo with the text as its caption; the "
                "first line becomes the headline. Bold, italics and links are kept."
            ),
        ]
    )


def refusal_for(region_code: str, lang: str) -> str:
    return _("You cannot publish to {region}.").format(region=region_name(region_code, lang))


def stale_text() -> str:
    return _("This button is out of date. Start again with the command.")


def unfinished_text(item_id: int) -> str:
    """The end of a correction or retraction that broke off (the error is in the log)."""
    return "⚠️ " + _(
        "Item № {id}: something went wrong, and not every copy may be changed. "
        "/report {id} shows where they stand."
    ).format(id=item_id)


def corrected_text(item_id: int, current: int, older: int) -> str:
    lines = [
        "✅ " + _("Item № {id} is corrected.").format(id=item_id),
        _("Copies with the corrected text: {count}").format(count=number(current)),
    ]
    if older:
        lines.append(_("Could not edit: {count}").format(count=number(older)))
    return "\n".join(lines)


def retracted_text(item_id: int, changes: dict[CopyChange, int], cancelled: int) -> str:
    """The end of a retraction: what became of the copies."""
    lines = [
        "✅ " + _("Item № {id} is retracted.").format(id=item_id),
        _("Copies deleted: {count}").format(
            count=number(changes.get(CopyChange.DELETED, 0) + changes.get(CopyChange.GONE, 0))
        ),
        _("Copies replaced with a notice: {count}").format(
            count=number(changes.get(CopyChange.REPLACED, 0))
        ),
        _("Copies not sent, cancelled: {count}").format(count=number(cancelled)),
    ]
    failed = changes.get(CopyChange.FAILED, 0) + changes.get(CopyChange.PENDING, 0)
    if failed:
        lines.append(_("Could not remove: {count}").format(count=number(failed)))
    return "\n".join(lines)


def renders(item: Item, settings: Settings, i18n: I18n) -> dict[str, str]:
    """The item in every language, as the delivery worker renders it."""
    texts = {}
    for locale in LOCALES:
        with i18n.use_locale(locale):
            texts[locale] = item_message(item, settings.tz, locale)
    return texts
