"""What a person types into /search, as an FTS5 query over items_search.

The index holds titles and summaries folded (ї/і, й/и, є/е, ґ/г alike, apostrophes dropped),
and the query is folded the same way.

Every word must appear, in any form: Ukrainian changes a word's ending with its case and
number ("податки", "податків", "податками"), so the last letters of longer words are dropped
and the rest is matched as a prefix. Words are quoted, so nothing typed is read as FTS5
syntax.
"""

from __future__ import annotations

import re

MAX_WORDS = 8
_WORD = re.compile(r"\w+")
# The folding the index applies (migration 0007): letters people swap, apostrophes dropped.
FOLD = str.maketrans({"ї": "і", "й": "и", "є": "е", "ґ": "г", "'": None, "’": None, "ʼ": None})


def search_expression(text: str) -> str | None:
    """The FTS5 MATCH expression for `text`, or None when it has no word to look for."""
    terms: list[str] = []
    for found in _WORD.findall(text.casefold().translate(FOLD))[: MAX_WORDS * 2]:
        word = found.replace("_", "")
        if len(word) < 2 and not word.isdigit():
            continue
        stem = word[:-2] if len(word) >= 6 else word[:-1] if len(word) == 5 else word
        term = f'"{stem}"*'
        if term not in terms:
            terms.append(term)
        if len(terms) == MAX_WORDS:
            break
    return " ".join(terms) or None
