"""Words as the search index holds them: every dictionary form a word may be an inflection of.

People type dictionary forms ("Київ ремонт", "дорога"); headlines inflect them («Ремонт доріг
у Києві»). pymorphy3 with its Ukrainian dictionaries turns a word into its lemmas: доріг →
дорога, Чернігові → чернігів. Its first guess for a proper name is often wrong (Києві → кий),
but the set of all its parses' lemmas holds the right one (кий, київ), so a word stands for
every candidate lemma, and a query word matches an indexed word when their sets meet.

A word the dictionaries do not know (a name, a typo, a Latin word) keeps its own form beside the
lemmas pymorphy guesses for it. Everything is folded the way people type Ukrainian on any
keyboard: case, ї/і, й/и, є/е and ґ/г alike, apostrophes dropped («пам’ять», "память").

Storage registers `index_terms` as the SQL function `search_terms`, so that the index follows
every write to items through triggers (migration 0012).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any

# A word: letters and digits, apostrophes inside ("з'їзд"); "_" and hyphens split words.
_WORD = re.compile(r"[^\W_]+(?:['’ʼ`‘][^\W_]+)*")
_TERM = re.compile(r"[^\W_]+")
_OTHER_APOSTROPHES = ("’", "ʼ", "`", "‘")
# What the index and queries fold: letters people swap, and apostrophes dropped.
FOLD = str.maketrans({"ї": "і", "й": "и", "є": "е", "ґ": "г", "'": None})
MAX_WORD = 40  # letters of a word looked at (longer ones are not words people search for)


@cache
def _analyzer() -> Any:
    """pymorphy3's Ukrainian analyzer: loaded once per process (about 0.1 s, 37 MB)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="uk")


def _one_apostrophe(text: str) -> str:
    # str.translate is slow on non-ASCII text; these replaces are not, and run on every item.
    for other in _OTHER_APOSTROPHES:
        if other in text:
            text = text.replace(other, "'")
    return text


def words(text: str) -> Iterator[str]:
    """The words of `text`, lower-cased, apostrophes made one character."""
    for found in _WORD.findall(_one_apostrophe(text.casefold())):
        yield found[:MAX_WORD]


@lru_cache(maxsize=200_000)
def word_terms(word: str) -> tuple[str, ...]:
    """The folded lemmas of one lower-cased word (and the word itself when the dictionaries
    do not know it); () for a single letter, which says nothing."""
    if word.isdigit():
        return (word,)
    if len(word) < 2:
        return ()
    analyzer = _analyzer()
    try:
        found = dict.fromkeys(parse.normal_form for parse in analyzer.parse(word))
        if not analyzer.word_is_known(word):
            found[word] = None
    except (ValueError, KeyError):
        # pymorphy3 names each character of a word it guesses at, and some (new scripts,
        # private use) have no name. The word stands for itself: storing an item must not
        # fail on its title.
        found = {word: None}
    terms = dict.fromkeys(term.translate(FOLD) for term in found)
    return tuple(term for term in terms if _TERM.fullmatch(term))


def is_known(word: str) -> bool:
    """Whether the dictionaries know the lower-cased word (rather than guess at it)."""
    return bool(_analyzer().word_is_known(word))


@lru_cache(maxsize=200_000)
def _indexed(word: str) -> str:
    return " ".join(word_terms(word[:MAX_WORD]))


def index_terms(text: str | None) -> str:
    """What the index holds for a title or a body: each word's terms, in the text's order.

    Called for every item stored (a million when a store is built), so it does the least
    per word: one lookup of the word's terms, already joined.
    """
    if not text:
        return ""
    found = [_indexed(word) for word in _WORD.findall(_one_apostrophe(text.casefold()))]
    return " ".join(terms for terms in found if terms)


def query_terms(word: str) -> frozenset[str]:
    """The terms one query word matches: its own (folded) form and every lemma it may be."""
    terms = set(word_terms(word))
    if terms:
        terms.add(word.translate(FOLD))
    return frozenset(term for term in terms if term)
