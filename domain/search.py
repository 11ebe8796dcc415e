"""What a person typed after /search: the words to look for, and a region to look in.

`/search Чернігів: податки` looks in Chernihiv's news only; the part before the colon counts
as a region when it names one exactly (domain.regions.exact_region), else the colon is just
punctuation. Each word becomes the set of terms it may match in the index (storage.lemmas);
a word that names a region («Чернігові», «Kyiv») also matches that region's other names in
their dictionary forms («Чернігів», «Чернігівщина», «чернігівський»), because pymorphy guesses
proper names poorly and the region matcher knows them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from domain.regions import ALL_UKRAINE, Region, aliases, exact_region
from storage.lemmas import FOLD, is_known, query_terms, word_terms, words
from storage.search import MAX_WORDS

__all__ = [
    "MAX_WORDS",
    "SearchQuery",
    "pack_words",
    "parse_search",
    "place_terms",
    "query_groups",
    "unpack_words",
]


@dataclass(frozen=True, slots=True)
class SearchQuery:
    words: tuple[str, ...]  # lower-cased, at most MAX_WORDS, each once
    region: Region | None  # the region the search is narrowed to

    @property
    def text(self) -> str:
        return " ".join(self.words)


def parse_search(text: str) -> SearchQuery:
    """The words and the region of `/search [region:] words`."""
    region: Region | None = None
    head, colon, rest = text.partition(":")
    if colon and rest.strip():
        region = exact_region(head)
        if region is not None:
            text = rest
    found: list[str] = []
    for word in words(text):
        if word_terms(word) and word not in found:
            found.append(word)
        if len(found) == MAX_WORDS:
            break
    return SearchQuery(tuple(found), region)


@cache
def alias_words(code: str) -> frozenset[str]:
    """The one-word names of a region as the matcher spells them out, lower-cased."""
    found = set()
    for alias in aliases(code):
        parts = list(words(alias))
        if len(parts) == 1:
            found.add(parts[0])
    return frozenset(found)


@cache
def place_terms(code: str) -> frozenset[str]:
    """The dictionary forms of a region's names: each one-word Ukrainian alias that is its
    own lemma («чернігів», «чернігівщина», «чернігівський»)."""
    terms: set[str] = set()
    for word in alias_words(code):
        folded = word.translate(FOLD)
        if folded in word_terms(word) and is_known(word):
            terms.add(folded)
    return frozenset(terms)


def query_groups(query: SearchQuery) -> list[frozenset[str]]:
    """One group of terms per word: its own, and a region's names when it names one."""
    groups: list[frozenset[str]] = []
    for word in query.words:
        group = set(query_terms(word))
        region = exact_region(word) if len(word) > 2 and not word.isdigit() else None
        # A region's own name only: a town the matcher places in its oblast («Ніжин») is not
        # the oblast, and should not find all of its news.
        if region is not None and region.code != ALL_UKRAINE and word in alias_words(region.code):
            group |= place_terms(region.code)
        if group and frozenset(group) not in groups:
            groups.append(frozenset(group))
    return groups


# Words travel in a button's callback data (64 bytes, with everything else a page needs), so
# that a page button works after a restart and under an old message. UTF-8 spends two bytes
# on a Cyrillic letter; packed, each letter people search with is one byte.
_CYRILLIC = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюяёъыэ"
_PACKED = "ABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&()*+,."
_PACK = str.maketrans(dict(zip(_CYRILLIC, _PACKED, strict=True)))
_UNPACK = str.maketrans(dict(zip(_PACKED, _CYRILLIC, strict=True)))
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789'")


def pack_words(words: Sequence[str]) -> str:
    """Lower-case words as a short ASCII string: Cyrillic letters one byte each, anything else
    as "~<hex>-"; "_" between words."""
    packed = []
    for word in words:
        chars = []
        for char in word:
            if char in _PLAIN or char in _CYRILLIC:
                chars.append(char.translate(_PACK))
            else:
                chars.append(f"~{ord(char):x}-")
        packed.append("".join(chars))
    return "_".join(packed)


def unpack_words(packed: str) -> tuple[str, ...]:
    """The words `pack_words` packed; malformed parts are dropped, never raised on."""
    words: list[str] = []
    for part in packed.split("_")[: MAX_WORDS * 2]:
        chars: list[str] = []
        rest = part
        while rest:
            if rest[0] == "~":
                code, dash, rest = rest[1:].partition("-")
                if not dash or not code or len(code) > 6:
                    break
                try:
                    chars.append(chr(int(code, 16)))
                except ValueError:
                    break
            else:
                chars.append(rest[0].translate(_UNPACK))
                rest = rest[1:]
        word = "".join(chars)
        if word and word_terms(word):
            words.append(word)
    return tuple(words[:MAX_WORDS])
