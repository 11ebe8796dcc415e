"""The members list as a file: /export_members writes a CSV, /import_members reads one back."""

from __future__ import annotations

import asyncio
import html
import io

from aiogram import Bot
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _

from domain.formatting import pack
from handlers.filters import Access
from handlers.members.csv_codec import export_csv, read_import
from storage.repositories import Storage

_MAX_CSV_BYTES = 1_000_000
_MAX_ERRORS_SHOWN = 40


async def cmd_export(message: Message, store: Storage, access: Access) -> None:
    """/export_members: a CSV of the members of your regions (admins: all)."""
    regions = None if access.is_admin else access.coordinated_regions()
    members = await store.members.all(regions)
    await message.answer_document(
        BufferedInputFile(export_csv(members), filename="members.csv"),
        caption=_(
            "Members: {count}. To change them, edit the file and send it back with "
            "/import_members as a reply to it."
        ).format(count=len(members)),
    )
    await store.audit.log(access.user_id, "members_export", details=f"{len(members)} members")


async def cmd_import(message: Message, bot: Bot, store: Storage, access: Access) -> None:
    """/import_members as a reply to a CSV (or as its caption): all rows or none."""
    document = message.document
    if document is None and message.reply_to_message is not None:
        document = message.reply_to_message.document
    if document is None:
        await message.answer(
            _("Reply with /import_members to a CSV file (like the one /export_members sends).")
        )
        return
    if document.file_size is not None and document.file_size > _MAX_CSV_BYTES:
        await message.answer(_("The file is too large (at most 1 MB)."))
        return
    received = io.BytesIO()
    await bot.download(document.file_id, destination=received)
    content = received.getvalue()
    existing = {member.id: member for member in await store.members.all()}
    # A megabyte of rows takes seconds to check: in a thread, so that others get answers.
    checked = await asyncio.to_thread(read_import, content, access, existing)
    if checked is None:
        await message.answer(_("The file is not UTF-8 text; save it as CSV UTF-8 and try again."))
        return
    rows, errors = checked
    if errors:
        lines = [
            _("Row {line}: {problem}.").format(line=error.line, problem=html.escape(error.text))
            for error in errors[:_MAX_ERRORS_SHOWN]
        ]
        if len(errors) > _MAX_ERRORS_SHOWN:
            lines.append(_("…and {count} more.").format(count=len(errors) - _MAX_ERRORS_SHOWN))
        header = "❌ " + _("The file was not imported; nothing was changed. Fix these rows:")
        for part in pack(lines, header=header):
            await message.answer(part)
        return
    if not rows:
        await message.answer(_("The file has no rows; nothing was changed."))
        return
    try:
        added, updated = await store.members.apply(rows, access.user_id)
    except LookupError as missing:
        await message.answer(
            _("There is no member №{id}; nothing was changed.").format(id=missing.args[0])
        )
        return
    await store.audit.log(
        access.user_id, "members_import", details=f"{added} added, {updated} updated"
    )
    await message.answer(
        "✅ "
        + _("Imported: {added} added, {updated} updated, {same} unchanged.").format(
            added=added, updated=updated, same=len(rows) - added - updated
        )
    )
