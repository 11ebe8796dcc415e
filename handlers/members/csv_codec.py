"""The members list as CSV: what /export_members writes and /import_members reads.

Pure functions (no aiogram, no I/O), so that an import can be parsed off the event loop.

Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a CR as a formula, so the
export puts a `'` before such a cell (OWASP's advice against CSV injection), and the import
takes exactly that `'` away again. To keep the round trip exact, a value that itself starts
with apostrophes before such a character (`'=x`) gets one more on export: the import removes
one `'` only when what follows would have been guarded, so whatever we write reads back as it
was, and a file edited by hand reads as written unless it starts that way.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from aiogram.utils.i18n import gettext as _

from domain.formatting import trim
from domain.regions import Region, get_region, match_region
from handlers.filters import Access
from storage.members import Member, MemberFields, MemberStatus

MAX_NAME = 200
MAX_TEXT = 1000
CSV_COLUMNS = ("id", "name", "region_code", "status", "since", "contact", "notes", "event_note")
_REQUIRED_COLUMNS = ("name", "region_code", "status")
_DELIMITERS = ",;\t"

# What makes a spreadsheet read a cell as a formula (or break it into another cell).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters have no place in a member's record (NUL among them); tab, LF, CR do.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Apostrophes and quotes people type in names in every way: «», "", “”, ’, ʼ, '.
_QUOTES = str.maketrans("", "", "’ʼ'`‘«»\"“”„")
# Words a CSV may use for a status besides its code (the bot's own labels among them).
_STATUS_WORDS = {
    "кандидат": MemberStatus.CANDIDATE,
    "на розгляді": MemberStatus.CANDIDATE,
    "прийнято": MemberStatus.ADMITTED,
    "прийнятий": MemberStatus.ADMITTED,
    "учасник": MemberStatus.ADMITTED,
    "призупинено": MemberStatus.SUSPENDED,
    "вийшов": MemberStatus.LEFT,
    "вибув": MemberStatus.LEFT,
    "членство припинено": MemberStatus.LEFT,
}


def normalize(name: str) -> str:
    """A name as compared: letter case, apostrophes, quotes and extra spaces do not count."""
    return " ".join(name.translate(_QUOTES).casefold().split())


def _guarded(value: str) -> bool:
    return value.lstrip("'").startswith(_FORMULA_STARTS)


def guard(value: str) -> str:
    """A cell as exported: a leading `'` where a spreadsheet would see a formula."""
    return "'" + value if _guarded(value) else value


def unguard(cell: str) -> str:
    """A cell as imported: the `'` that `guard` added, and only that one, taken away."""
    return cell[1:] if cell.startswith("'") and _guarded(cell[1:]) else cell


def export_csv(members: Sequence[Member]) -> bytes:
    """UTF-8 with a BOM, so that spreadsheets read the Cyrillic right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for member in members:
        cells = (
            str(member.id),
            member.name,
            member.region_code,
            member.status.value,
            member.since.isoformat() if member.since else "",
            member.contact,
            member.notes,
            member.event_note,
        )
        writer.writerow([guard(cell) for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    text: str


def _parse_date(value: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def _region(value: str) -> Region | None:
    region = get_region(value.upper())
    return region if region is not None else match_region(value).region


def _delimiter(text: str) -> str:
    """The delimiter the header uses: spreadsheets in Ukraine save with semicolons.

    Read off the header alone (csv.Sniffer would also guess a quote character, and take the
    `'` of guarded cells for one).
    """
    header = text.split("\n", 1)[0].split("\r", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=counts.__getitem__)
    return best if counts[best] else ","


def _unreadable(line: int, error: csv.Error) -> RowError:
    return RowError(line, _("the row is not valid CSV ({error})").format(error=error))


def parse_csv(
    text: str, access: Access, existing: dict[int, Member]
) -> tuple[list[MemberFields], list[RowError]]:
    """Every row checked before anything is written: (rows, errors), errors by line.

    Rows end at CR, LF or CRLF alike (old spreadsheets on a Mac save with CR). A row that
    cannot be read as CSV ends the reading there, with its error.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
    except csv.Error as exc:
        return [], [_unreadable(max(1, reader.line_num), exc)]
    missing = [column for column in _REQUIRED_COLUMNS if column not in header]
    if missing:
        return [], [
            RowError(
                1, _("The header lacks the columns: {columns}.").format(columns=", ".join(missing))
            )
        ]
    index = {column: header.index(column) for column in CSV_COLUMNS if column in header}
    checked: list[tuple[int, MemberFields]] = []
    errors: list[RowError] = []
    seen: set[int] = set()
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(_unreadable(reader.line_num, exc))
            break
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if any(_CONTROL.search(cell) for cell in cells):
            errors.append(RowError(line, _("the row has control characters (such as NUL)")))
            continue
        problems, fields = _check_row(cells, index, access, existing, seen)
        if problems:
            errors.append(RowError(line, "; ".join(problems)))
        elif fields is not None:
            checked.append((line, fields))
    errors += _duplicates(checked, existing)
    errors.sort(key=lambda error: error.line)
    return [fields for _line, fields in checked], errors


def _check_row(
    cells: list[str],
    index: dict[str, int],
    access: Access,
    existing: dict[int, Member],
    seen: set[int],
) -> tuple[list[str], MemberFields | None]:
    def cell(column: str) -> str:
        position = index.get(column)
        if position is None or position >= len(cells):
            return ""
        return unguard(cells[position].strip())

    problems: list[str] = []
    member_id: int | None = None
    raw_id = cell("id").lstrip("№#")
    if raw_id:
        if not raw_id.isdecimal() or len(raw_id) > 12:
            problems.append(_("the id “{value}” is not a number").format(value=trim(raw_id, 30)))
        else:
            member_id = int(raw_id)
            if member_id in seen:
                problems.append(_("id {id} appears twice").format(id=member_id))
            seen.add(member_id)
            before = existing.get(member_id)
            if before is None:
                problems.append(_("there is no member with id {id}").format(id=member_id))
            elif not access.can_coordinate(before.region_code):
                problems.append(_("member {id} is not in your regions").format(id=member_id))
    name = cell("name")
    if not name:
        problems.append(_("the name is empty"))
    elif len(name) > MAX_NAME:
        problems.append(_("the name is longer than {limit} characters").format(limit=MAX_NAME))
    raw_region = cell("region_code")
    region = _region(raw_region)
    if region is None or region.is_national:
        problems.append(_("unknown region “{value}”").format(value=trim(raw_region, 40)))
    elif not access.can_coordinate(region.code):
        problems.append(_("the region “{value}” is not yours").format(value=region.code))
    raw_status = cell("status").casefold()
    status = _STATUS_WORDS.get(raw_status)
    if status is None and raw_status in {s.value for s in MemberStatus}:
        status = MemberStatus(raw_status)
    if status is None:
        problems.append(
            _("unknown status “{value}” (candidate, admitted, suspended, left)").format(
                value=trim(raw_status, 30)
            )
        )
    since: date | None = None
    raw_since = cell("since")
    if raw_since:
        try:
            since = _parse_date(raw_since)
        except ValueError:
            problems.append(
                _("the date “{value}” is not like 2025-05-24 or 24.05.2025").format(
                    value=trim(raw_since, 30)
                )
            )
    texts = {column: cell(column) for column in ("contact", "notes", "event_note")}
    if any(len(value) > MAX_TEXT for value in texts.values()):
        problems.append(_("a text is longer than {limit} characters").format(limit=MAX_TEXT))
    if problems or region is None or status is None:
        return problems, None
    fields = MemberFields(
        id=member_id,
        name=name,
        region_code=region.code,
        status=status,
        since=since,
        contact=texts["contact"],
        notes=texts["notes"],
        event_note=texts["event_note"],
    )
    return [], fields


def _duplicates(
    checked: Sequence[tuple[int, MemberFields]], existing: dict[int, Member]
) -> list[RowError]:
    """New rows (no id) that would give a region a second member of the same name.

    A row with an id changes that member, whatever it is called; the names it leaves behind
    are free, the names it takes are taken.
    """
    rewritten = {fields.id for _line, fields in checked if fields.id is not None}
    # Who holds a (name, region): ("member", its id) or ("row", its line).
    holders: dict[tuple[str, str], tuple[str, int]] = {}
    for member in existing.values():
        if member.id not in rewritten:
            holders.setdefault((normalize(member.name), member.region_code), ("member", member.id))
    for _line, fields in checked:
        if fields.id is not None:
            holders.setdefault((normalize(fields.name), fields.region_code), ("member", fields.id))
    errors: list[RowError] = []
    for line, fields in checked:
        if fields.id is not None:
            continue
        key = (normalize(fields.name), fields.region_code)
        holder = holders.setdefault(key, ("row", line))
        if holder == ("row", line):
            continue
        kind, number = holder
        if kind == "member":
            text = _(
                "member №{id} has the same name and region (to change it, put its id in the row)"
            ).format(id=number)
        else:
            text = _("row {line} has the same name and region").format(line=number)
        errors.append(RowError(line, text))
    return errors


def read_import(
    content: bytes, access: Access, existing: dict[int, Member]
) -> tuple[list[MemberFields], list[RowError]] | None:
    """A file sent to /import_members, decoded and checked; None when it is not UTF-8.

    Seconds of work for a large file: the handler runs it in a thread.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return parse_csv(text, access, existing)
