"""Regions of Ukraine and a forgiving matcher for the names people type.

A pure module: no aiogram, no I/O.  ``REGIONS`` holds "all Ukraine" plus the 27
first-level divisions (ISO 3166-2:UA).  ``match_region`` turns free text
("у Чернігові", "Kyiv oblast", "ua 74", "Харкив", "Одесса") into a region, or into
a short list of suggestions when it cannot be confident.

Matching pipeline (all on a normalised, "compact" form of the input: case-folded,
apostrophes and marks dropped, punctuation and spaces removed):

1. ISO codes: ``UA-74``, ``ua74``, ``ua 74``, bare ``74``; ``UA`` is all Ukraine.
2. Exact alias lookup in a table built once at import (~1500 aliases: oblast
   adjectives and ``-щина`` names in their case forms, centre cities in their case
   forms, Russian and Latin spellings, historical names).
3. Case-ending tolerance: a Ukrainian/Russian inflection is stripped from the input
   and the stem is looked up among the alias stems.
4. Fuzzy: optimal-string-alignment distance (a transposition counts as one typo)
   against every alias; distance 0 for words of <= 3 letters, 1 for <= 5, 2 beyond.
   Accepted only when a single region owns the closest aliases; Chernihiv/Chernivtsi
   and Kyiv city/oblast additionally need a clear margin over each other.
5. Word windows: for phrases ("новини Львова", "Lviv, Ukraine") each run of up to
   three words is looked up exactly; one region found means a match.

Markers such as "м.", "місто", "city" are ignored anywhere, leading prepositions
("у", "в", "in", ...) are dropped, and an oblast marker ("область", "обл.",
"oblast", "region") turns Kyiv city into Kyiv oblast.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from domain.aliases import ALIASES, AMBIGUOUS_ALIASES, expand
from domain.cities import CITIES, City

__all__ = [
    "ALL_UKRAINE",
    "REGIONS",
    "City",
    "Region",
    "RegionMatch",
    "aliases",
    "exact_region",
    "get_region",
    "match_region",
    "only_oblast_markers",
]

ALL_UKRAINE = "UA"


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name_uk: str
    name_en: str
    short_uk: str
    short_en: str
    hashtag_uk: str

    def name(self, lang: str) -> str:
        """Full name: English for ``"en"`` (also ``"en-US"``), Ukrainian otherwise."""
        return self.name_en if _is_english(lang) else self.name_uk

    def short(self, lang: str) -> str:
        """Short label for buttons and lists, in the same language rule as ``name``."""
        return self.short_en if _is_english(lang) else self.short_uk

    def hashtag(self, lang: str) -> str:
        """The hashtag under pushed items: «Чернігівщина», or "Chernihiv" for English
        readers (a hashtag is one word: "Kyiv Oblast" is #KyivOblast)."""
        if not _is_english(lang):
            return self.hashtag_uk
        return "".join(part[:1].upper() + part[1:] for part in re.split(r"[\s-]+", self.short_en))

    @property
    def is_national(self) -> bool:
        return self.code == ALL_UKRAINE


@dataclass(frozen=True, slots=True)
class RegionMatch:
    region: Region | None
    suggestions: tuple[Region, ...]
    city: City | None = None  # the region was named by this city of it («Кривий Ріг»)


def _is_english(lang: str) -> bool:
    return lang.replace("_", "-").split("-", 1)[0].strip().lower() == "en"


# --------------------------------------------------------------------------------------
# Region data
# --------------------------------------------------------------------------------------

# code, name_uk, name_en, short_uk, short_en, hashtag_uk
_REGION_ROWS: tuple[tuple[str, str, str, str, str, str], ...] = (
    (ALL_UKRAINE, "Вся Україна", "All Ukraine", "Вся Україна", "All Ukraine", "ВсяУкраїна"),
    ("UA-05", "Вінницька область", "Vinnytsia Oblast", "Вінниччина", "Vinnytsia", "Вінниччина"),
    ("UA-07", "Волинська область", "Volyn Oblast", "Волинь", "Volyn", "Волинь"),
    ("UA-09", "Луганська область", "Luhansk Oblast", "Луганщина", "Luhansk", "Луганщина"),
    (
        "UA-12",
        "Дніпропетровська область",
        "Dnipropetrovsk Oblast",
        "Дніпропетровщина",
        "Dnipropetrovsk",
        "Дніпропетровщина",
    ),
    ("UA-14", "Донецька область", "Donetsk Oblast", "Донеччина", "Donetsk", "Донеччина"),
    ("UA-18", "Житомирська область", "Zhytomyr Oblast", "Житомирщина", "Zhytomyr", "Житомирщина"),
    (
        "UA-21",
        "Закарпатська область",
        "Zakarpattia Oblast",
        "Закарпаття",
        "Zakarpattia",
        "Закарпаття",
    ),
    (
        "UA-23",
        "Запорізька область",
        "Zaporizhzhia Oblast",
        "Запоріжжя",
        "Zaporizhzhia",
        "Запоріжжя",
    ),
    (
        "UA-26",
        "Івано-Франківська область",
        "Ivano-Frankivsk Oblast",
        "Івано-Франківщина",
        "Ivano-Frankivsk",
        "Прикарпаття",
    ),
    ("UA-30", "Київ", "Kyiv", "Київ", "Kyiv", "Київ"),
    ("UA-32", "Київська область", "Kyiv Oblast", "Київщина", "Kyiv Oblast", "Київщина"),
    (
        "UA-35",
        "Кіровоградська область",
        "Kirovohrad Oblast",
        "Кіровоградщина",
        "Kirovohrad",
        "Кіровоградщина",
    ),
    ("UA-40", "Севастополь", "Sevastopol", "Севастополь", "Sevastopol", "Севастополь"),
    (
        "UA-43",
        "Автономна Республіка Крим",
        "Autonomous Republic of Crimea",
        "Крим",
        "Crimea",
        "Крим",
    ),
    ("UA-46", "Львівська область", "Lviv Oblast", "Львівщина", "Lviv", "Львівщина"),
    (
        "UA-48",
        "Миколаївська область",
        "Mykolaiv Oblast",
        "Миколаївщина",
        "Mykolaiv",
        "Миколаївщина",
    ),
    ("UA-51", "Одеська область", "Odesa Oblast", "Одещина", "Odesa", "Одещина"),
    ("UA-53", "Полтавська область", "Poltava Oblast", "Полтавщина", "Poltava", "Полтавщина"),
    ("UA-56", "Рівненська область", "Rivne Oblast", "Рівненщина", "Rivne", "Рівненщина"),
    ("UA-59", "Сумська область", "Sumy Oblast", "Сумщина", "Sumy", "Сумщина"),
    (
        "UA-61",
        "Тернопільська область",
        "Ternopil Oblast",
        "Тернопільщина",
        "Ternopil",
        "Тернопільщина",
    ),
    ("UA-63", "Харківська область", "Kharkiv Oblast", "Харківщина", "Kharkiv", "Харківщина"),
    ("UA-65", "Херсонська область", "Kherson Oblast", "Херсонщина", "Kherson", "Херсонщина"),
    (
        "UA-68",
        "Хмельницька область",
        "Khmelnytskyi Oblast",
        "Хмельниччина",
        "Khmelnytskyi",
        "Хмельниччина",
    ),
    ("UA-71", "Черкаська область", "Cherkasy Oblast", "Черкащина", "Cherkasy", "Черкащина"),
    (
        "UA-74",
        "Чернігівська область",
        "Chernihiv Oblast",
        "Чернігівщина",
        "Chernihiv",
        "Чернігівщина",
    ),
    # «Чернівеччина», not «Буковина», so that it sorts and reads beside «Чернігівщина».
    (
        "UA-77",
        "Чернівецька область",
        "Chernivtsi Oblast",
        "Чернівеччина",
        "Chernivtsi",
        "Буковина",
    ),
)

_UK_ALPHABET = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"
_UK_ORDER = {ch: i for i, ch in enumerate(_UK_ALPHABET)}


def _uk_sort_key(text: str) -> tuple[int, ...]:
    """Ukrainian alphabetical order (code points misplace і, ї, є, ґ); punctuation ignored."""
    return tuple(
        _UK_ORDER.get(ch, len(_UK_ORDER) + ord(ch)) for ch in text.lower() if ch.isalnum()
    )


def _build_regions() -> tuple[Region, ...]:
    regions = [Region(*row) for row in _REGION_ROWS]
    national = [r for r in regions if r.is_national]
    rest = sorted(
        (r for r in regions if not r.is_national), key=lambda r: _uk_sort_key(r.short_uk)
    )
    return (*national, *rest)


REGIONS: tuple[Region, ...] = _build_regions()
_BY_CODE: dict[str, Region] = {r.code: r for r in REGIONS}
_ORDER: dict[str, int] = {r.code: i for i, r in enumerate(REGIONS)}


def get_region(code: str) -> Region | None:
    """Exact lookup by ISO code, case-insensitive: ``get_region("ua-74")``."""
    return _BY_CODE.get(code.strip().upper())


# --------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------

_MAX_RAW = 512  # characters of input looked at at all
_MAX_COMPACT = 64  # characters of the compact form used for fuzzy work
_MAX_TOKENS = 16

# Apostrophes (Ukrainian words like «м'ясо», and typing noise) are simply dropped.
_DROP_CHARS = re.compile(
    "['’ʼ`‘´ʹ′ꞌʻ]"  # apostrophe look-alikes
    "|[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"  # marks
    "|[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"  # invisible format characters
)
_NON_WORD = re.compile(r"[\W_]+")
_CYRILLIC_LETTERS = re.compile(r"[а-яёіїєґ]")
_LATIN_LETTERS = re.compile(r"[a-z]")
# Look-alike letters, for words typed with mixed layouts ("Чернiвцi" with a Latin i,
# "Chernihivskа" with a Cyrillic а): the minority script is mapped onto the majority one.
_TO_CYRILLIC = str.maketrans("aceiopxykmthbï", "асеіорхукмтнвї")
_TO_LATIN = str.maketrans("асеіорхукмтнвї", "aceiopxykmthbi")


def _build_latin_fold() -> dict[int, str]:
    """Accented Latin letters to ASCII: Lwów -> lwow, Černihiv -> cernihiv."""
    table: dict[int, str] = {}
    for cp in chain(range(0xC0, 0x250), range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if c.isascii())
        if base and base != ch:
            table[cp] = base
    table.update({ord("ł"): "l", ord("đ"): "d", ord("ø"): "o", ord("ı"): "i"})
    table.update({ord("æ"): "ae", ord("œ"): "oe", ord("ё"): "е"})
    return table


_FOLD = _build_latin_fold()


def _tokens(text: str) -> list[str]:
    """Lower-cased word tokens: no apostrophes, accents on Latin letters, punctuation."""
    text = unicodedata.normalize("NFKC", text[:_MAX_RAW]).casefold()
    text = _DROP_CHARS.sub("", text).translate(_FOLD)
    out: list[str] = []
    for word in _NON_WORD.split(text):
        if not word:
            continue
        out.append(_unmix(word))
        if len(out) >= _MAX_TOKENS:
            break
    return out


def _unmix(word: str) -> str:
    latin = len(_LATIN_LETTERS.findall(word))
    if not latin:
        return word
    cyrillic = len(_CYRILLIC_LETTERS.findall(word))
    if not cyrillic:
        return word
    return word.translate(_TO_CYRILLIC if cyrillic >= latin else _TO_LATIN)


def _key(text: str) -> str:
    return "".join(_tokens(text))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LEADING_WORDS = _words(
    "у в во на до з із зі зо по для біля під про из около "
    "in at to from for near around the of about"
)
_CITY_MARKERS = _words("м міс місто міста місті містом г гор город города городе city town")
_OBLAST_MARKERS = _words(
    "область області областю обл обласні области областью "
    "oblast oblasti obl region regione регіон регіону регіоні province"
)


@dataclass(frozen=True, slots=True)
class _Query:
    tokens: tuple[str, ...]
    compact: str
    oblast: bool  # an oblast marker was present ("Kyiv oblast")


def _parse(text: str) -> _Query:
    raw = _tokens(text)
    oblast = any(t in _OBLAST_MARKERS for t in raw)
    tokens = [t for t in raw if t not in _CITY_MARKERS and t not in _OBLAST_MARKERS]
    while len(tokens) > 1 and tokens[0] in _LEADING_WORDS:
        del tokens[0]
    return _Query(tuple(tokens), "".join(tokens), oblast)


# --------------------------------------------------------------------------------------
# Alias table
# --------------------------------------------------------------------------------------

# Pairs that must never be mixed up by the fuzzy step: a typo has to be clearly
# closer to one than to the other.
_CONFUSABLE: dict[str, str] = {
    "UA-74": "UA-77",
    "UA-77": "UA-74",
    "UA-30": "UA-32",
    "UA-32": "UA-30",
}

# Case endings tried by the stem lookup, longest first.  Nominative finals such as
# "-ів" (Харків) or "-ов" (Харьков) are deliberately absent: "Харк" is not Kharkiv.
_ENDINGS = tuple(
    sorted(
        _words(
            "ами ями ого ому ими ий ій ої ою ею єю ом ем ах ях ам ям их им ім "
            "ая ой ую ые ое а я у ю і и е о ї є ы"
        ),
        key=lambda ending: (-len(ending), ending),
    )
)
_MIN_STEM = 4


def _stem(key: str) -> str:
    """Strip the longest known inflection, keeping at least four letters."""
    for ending in _ENDINGS:
        if key.endswith(ending) and len(key) - len(ending) >= _MIN_STEM:
            return key[: -len(ending)]
    return key


def _build_tables() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    exact: dict[str, set[str]] = {}

    def add(alias: str, codes: Iterable[str]) -> None:
        key = _key(alias)
        if not key:
            raise ValueError(f"empty alias {alias!r}")
        exact.setdefault(key, set()).update(codes)

    for region in REGIONS:
        for name in (region.name_uk, region.name_en, region.short_uk, region.short_en):
            parsed = _parse(name)
            if parsed.oblast and region.code == "UA-32":
                continue  # "Kyiv Oblast" is "Kyiv" plus the oblast marker
            add(parsed.compact, (region.code,))
    for code, spec in ALIASES.items():
        for alias in expand(spec):
            if _parse(alias).compact != _key(alias):
                raise ValueError(f"alias {alias!r} contains a marker or a leading preposition")
            add(alias, (code,))
    for codes, spec in AMBIGUOUS_ALIASES:
        for alias in expand(spec):
            add(alias, codes)
    for city in CITIES:
        for alias in (city.name_uk, city.name_en, *expand(city.aliases)):
            key = _key(alias)
            if _parse(alias).compact != key:
                raise ValueError(
                    f"city alias {alias!r} contains a marker or a leading preposition"
                )
            if exact.get(key, {city.region_code}) != {city.region_code}:
                raise ValueError(f"city alias {alias!r} is taken by another region")
            add(alias, (city.region_code,))
            _CITY_KEYS[key] = city

    stems: dict[str, set[str]] = {}
    for key, key_codes in exact.items():
        if _CYRILLIC_LETTERS.search(key):
            stems.setdefault(_stem(key), set()).update(key_codes)
    for key, city in list(_CITY_KEYS.items()):
        if _CYRILLIC_LETTERS.search(key) and stems.get(_stem(key)) == {city.region_code}:
            _CITY_STEMS.setdefault(_stem(key), city)
    return (
        {k: frozenset(v) for k, v in exact.items()},
        {k: frozenset(v) for k, v in stems.items()},
    )


_CITY_KEYS: dict[str, City] = {}  # compact alias -> the city it names
_CITY_STEMS: dict[str, City] = {}
_EXACT, _STEMS = _build_tables()
_KEYS: list[str] = sorted(_EXACT)
_KEY_CODES: list[frozenset[str]] = [_EXACT[k] for k in _KEYS]


# --------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------

_CODE_RE = re.compile(r"ua(\d{1,2})|(\d{2})")
_SUGGEST_CUTOFF = 60.0


def _typo_budget(length: int) -> int:
    if length <= 3:
        return 0
    if length <= 5:
        return 1
    return 2


def _lookup(key: str) -> frozenset[str]:
    """Exact alias hit, else a hit on the stem after stripping a case ending."""
    codes = _EXACT.get(key)
    if codes:
        return codes
    if _CYRILLIC_LETTERS.search(key):
        return _STEMS.get(_stem(key), frozenset())
    return frozenset()


def _fuzzy(key: str) -> frozenset[str]:
    """Regions owning the closest aliases within the typo budget (empty if none)."""
    if len(key) <= 3:
        return frozenset()
    hits = process.extract(key, _KEYS, scorer=OSA.distance, score_cutoff=3, limit=None)
    best = 99
    codes: set[str] = set()
    for alias, dist, index in hits:
        if dist > _typo_budget(min(len(key), len(alias))):
            continue
        if dist < best:
            best, codes = int(dist), set(_KEY_CODES[index])
        elif dist == best:
            codes |= _KEY_CODES[index]
    if len(codes) == 1:
        (code,) = codes
        partner = _CONFUSABLE.get(code)
        if partner is not None and any(
            dist <= best + 1 and partner in _KEY_CODES[index] for _, dist, index in hits
        ):
            codes.add(partner)
    return frozenset(codes)


def _windows(tokens: tuple[str, ...]) -> frozenset[str]:
    """Regions named exactly by some run of one to three words of a phrase."""
    found: set[str] = set()
    for size in (3, 2, 1):
        for start in range(len(tokens) - size + 1):
            key = "".join(tokens[start : start + size])
            if len(key) < 3 or key.isdigit():
                continue
            found |= _lookup(key)
    if len(found) > 1:
        found.discard(ALL_UKRAINE)  # "Львів, Україна" is about Lviv
    return frozenset(found)


def _ordered(codes: Iterable[str]) -> list[Region]:
    return [_BY_CODE[c] for c in sorted(codes, key=_ORDER.__getitem__)]


def _suggest(key: str, first: list[Region], limit: int) -> tuple[Region, ...]:
    """``first`` (already known candidates), then prefix hits, then similar aliases."""
    out: list[Region] = []

    def push(regions: Iterable[Region]) -> None:
        for region in regions:
            if region not in out:
                out.append(region)

    push(first)
    if key and len(out) < limit:
        if len(key) >= 2:
            start = bisect_left(_KEYS, key)
            prefixed: list[tuple[int, int, str]] = []
            for index in range(start, len(_KEYS)):
                alias = _KEYS[index]
                if not alias.startswith(key):
                    break
                for code in _KEY_CODES[index]:
                    prefixed.append((len(alias), _ORDER[code], code))
            push(_BY_CODE[code] for _, _, code in sorted(prefixed))
        if len(out) < limit:
            similar = process.extract(
                key, _KEYS, scorer=fuzz.ratio, score_cutoff=_SUGGEST_CUTOFF, limit=limit * 8
            )
            ranked = sorted(
                (
                    (-score, _ORDER[code], code)
                    for _, score, index in similar
                    for code in _KEY_CODES[index]
                ),
            )
            push(_BY_CODE[code] for _, _, code in ranked)
    return tuple(out[:limit])


def _resolve(codes: frozenset[str], oblast: bool) -> Region:
    (code,) = codes
    if oblast and code == "UA-30":  # "Kyiv oblast", "Київ область"
        code = "UA-32"
    return _BY_CODE[code]


def match_region(text: str, *, limit: int = 3) -> RegionMatch:
    """Match free text to a region.

    Returns ``RegionMatch(region, ())`` when confident, otherwise
    ``RegionMatch(None, suggestions)`` with up to ``limit`` closest regions, best first
    (empty for empty input or input resembling nothing).
    """
    limit = max(limit, 0)
    query = _parse(text)
    key = query.compact
    if not key:
        return RegionMatch(None, ())

    code_match = _CODE_RE.fullmatch(key)
    if code_match is not None:
        region = get_region(f"UA-{int(code_match[1] or code_match[2]):02d}")
        if region is not None:
            return RegionMatch(region, ())
    if key == "ua":
        return RegionMatch(_BY_CODE[ALL_UKRAINE], ())

    codes = _lookup(key)
    city = _city_of(key) if codes else None
    if not codes:
        fuzzy_key = key[:_MAX_COMPACT]
        codes = _fuzzy(fuzzy_key)
    if not codes and len(query.tokens) > 1:
        codes = _windows(query.tokens)
    if len(codes) == 1:
        region = _resolve(codes, query.oblast)
        return RegionMatch(region, (), city if city and city.region_code == region.code else None)
    return RegionMatch(None, _suggest(key[:_MAX_COMPACT], _ordered(codes), limit))


def _city_of(key: str) -> City | None:
    city = _CITY_KEYS.get(key)
    if city is None and _CYRILLIC_LETTERS.search(key):
        city = _CITY_STEMS.get(_stem(key))
    return city


def exact_region(text: str) -> Region | None:
    """The region `text` names exactly, as the alias table knows it, or None.

    Strict where ``match_region`` is forgiving: no typos, no stripped case endings, no
    region found somewhere inside a phrase. Letter case, punctuation, apostrophes, markers
    («м.», «область») and a leading preposition still do not count, so «Львів»,
    «Львівська область», «у Львові» and «UA-46» are Lviv oblast, while «Львів ГО» and
    «Львв» are nothing. For reading a region off the front of a longer text.
    """
    query = _parse(text)
    key = query.compact
    if not key:
        return None
    code_match = _CODE_RE.fullmatch(key)
    if code_match is not None:
        return get_region(f"UA-{int(code_match[1] or code_match[2]):02d}")
    if key == "ua":
        return _BY_CODE[ALL_UKRAINE]
    codes = _EXACT.get(key, frozenset())
    return _resolve(codes, query.oblast) if len(codes) == 1 else None


def aliases(code: str) -> tuple[str, ...]:
    """The names the matcher knows one region by, every case form spelled out: its names,
    then its alias table ("київ", "києва", …, "kyiv"); () for an unknown code."""
    region = _BY_CODE.get(code)
    if region is None:
        return ()
    names = [region.name_uk, region.short_uk, region.name_en, region.short_en]
    return tuple(dict.fromkeys([*names, *expand(ALIASES.get(code, ""))]))


def only_oblast_markers(text: str) -> bool:
    """True when `text` has words and all of them say "oblast" («область», «обл.», "region")."""
    tokens = _tokens(text)
    return bool(tokens) and all(token in _OBLAST_MARKERS for token in tokens)
