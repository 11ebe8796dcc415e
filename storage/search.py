"""What /search asks the index (migration 0012), as an FTS5 query over items_index.

A query is a list of groups: one per word the person typed, each the set of terms that word
may match (storage.lemmas: its lemmas; domain.search adds a place's other names). Every group
must match (AND), any term of a group will do (OR). Terms are quoted, so nothing typed is read
as FTS5 syntax; a region narrows the query to items of that region through the index's region
column.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from storage.lemmas import query_terms, words

MAX_WORDS = 8
_TERM = re.compile(r"[^\W_]+")


def text_groups(text: str) -> list[frozenset[str]]:
    """The groups of plain text, word by word (at most MAX_WORDS, the same one once)."""
    groups: list[frozenset[str]] = []
    for word in words(text):
        group = query_terms(word)
        if group and group not in groups:
            groups.append(group)
        if len(groups) == MAX_WORDS:
            break
    return groups


def region_token(code: str) -> str:
    """The token the index's region column holds for a region code: "UA-74" -> "ua74"."""
    return code.replace("-", "").lower()


def match_expression(
    groups: Sequence[Collection[str]], region_code: str | None = None
) -> str | None:
    """The FTS5 MATCH expression for `groups`, or None when there is nothing to look for."""
    parts: list[str] = []
    for group in groups[:MAX_WORDS]:
        terms = sorted({term for term in group if _TERM.fullmatch(term)})
        if not terms:
            continue
        quoted = " OR ".join(f'"{term}"' for term in terms)
        part = f"({quoted})" if len(terms) > 1 else quoted
        if part not in parts:
            parts.append(part)
    if not parts:
        return None
    expression = "{title body} : (" + " AND ".join(parts) + ")"
    if region_code is not None:
        expression = f'region : "{region_token(region_code)}" AND {expression}'
    return expression


def ts_query(groups: Sequence[Collection[str]]) -> str | None:
    """The same query for PostgreSQL's `to_tsquery('simple', …)`: every group (AND), any
    term of it (OR). Terms are letters and digits only, so nothing typed is read as syntax."""
    parts: list[str] = []
    for group in groups[:MAX_WORDS]:
        terms = sorted({term for term in group if _TERM.fullmatch(term)})
        if not terms:
            continue
        part = f"({' | '.join(terms)})" if len(terms) > 1 else terms[0]
        if part not in parts:
            parts.append(part)
    return " & ".join(parts) if parts else None
