"""Texts that fit Telegram's limits: the splitter and the cutter (domain.fitting), checked with
the sandbox's own HTML parser, which measures what Telegram measures."""

from __future__ import annotations

import html

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.fitting import ELLIPSIS, TEXT_LIMIT, cut_text, plain_length, split_text
from sandbox.html import parse_with_entities, utf16_len

# Letters, spaces, line breaks, what HTML must escape, and characters of two UTF-16 units.
_CHARS = st.sampled_from([*list("ab ї\n<>&\"'😀🇺"), "  ", "\n\n", "слово "])
_WORDS = st.lists(_CHARS, max_size=30).map("".join)
_TAGS = (
    ("<b>", "</b>"),
    ("<i>", "</i>"),
    ("<u>", "</u>"),
    ("<s>", "</s>"),
    ("<code>", "</code>"),
    ("<pre>", "</pre>"),
    ("<blockquote>", "</blockquote>"),
    ('<span class="tg-spoiler">', "</span>"),
    ("<tg-spoiler>", "</tg-spoiler>"),
    ('<a href="https://example.org/?a=1&amp;b=2">', "</a>"),
)


def _wrapped(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(_TAGS), st.lists(children, max_size=4)).map(
        lambda pair: pair[0][0] + "".join(pair[1]) + pair[0][1]
    )


# Any HTML Telegram accepts, made of the tags it allows and escaped text.
HTML = st.lists(
    st.recursive(_WORDS.map(html.escape), _wrapped, max_leaves=12), min_size=1, max_size=6
).map("".join)


def plain(text: str) -> str:
    return parse_with_entities(text)[0]


def squeezed(text: str) -> str:
    return "".join(text.split())


@settings(max_examples=400, deadline=None)
@given(text=HTML, limit=st.integers(min_value=2, max_value=60))
def test_any_html_splits_into_parts_that_parse_fit_and_keep_the_text(
    text: str, limit: int
) -> None:
    parts = split_text(text, limit)
    assert parts
    for part in parts:
        shown = plain(part)  # raises, as Telegram would refuse, on broken HTML
        assert utf16_len(shown) <= limit
        assert shown.strip() or len(parts) == 1
    assert squeezed("".join(plain(part) for part in parts)) == squeezed(plain(text))
    if plain_length(text) <= limit:
        assert parts == [text]


@settings(max_examples=400, deadline=None)
@given(text=HTML, limit=st.integers(min_value=2, max_value=60))
def test_any_html_cuts_to_a_prefix_that_parses_fits_and_ends_in_an_ellipsis(
    text: str, limit: int
) -> None:
    cut = cut_text(text, limit)
    shown = plain(cut)
    assert utf16_len(shown) <= limit
    if plain_length(text) <= limit:
        assert cut == text
    else:
        assert shown.endswith(ELLIPSIS)
        assert squeezed(plain(text)).startswith(squeezed(shown[: -len(ELLIPSIS)]))


@settings(max_examples=100, deadline=None)
@given(
    lines=st.lists(
        st.lists(st.sampled_from(["Рядок", "😀", "&amp;", "<b>жирний</b>", "x"]), min_size=1).map(
            " ".join
        ),
        min_size=1,
        max_size=40,
    ),
    limit=st.integers(min_value=40, max_value=120),
)
def test_lines_that_fit_are_never_broken(lines: list[str], limit: int) -> None:
    text = "\n".join(lines)
    if any(plain_length(line) > limit for line in lines):
        return
    parts = split_text(text, limit)
    assert "\n".join(plain(part) for part in parts) == plain(text)
    assert {line for part in parts for line in plain(part).split("\n")} <= set(
        plain(text).split("\n")
    )


def test_counts_what_telegram_counts() -> None:
    # Tags cost nothing, an entity one character, an emoji outside the BMP two units.
    assert plain_length("<b>а&amp;б</b>😀") == 5
    assert split_text("<b>" + "я" * TEXT_LIMIT + "</b>") == ["<b>" + "я" * TEXT_LIMIT + "</b>"]
    assert len(split_text("😀" * (TEXT_LIMIT // 2 + 1))) == 2
    # Plain text is counted as written: "&amp;" is five characters there.
    assert plain_length("&amp;", is_html=False) == 5


def test_a_long_bold_link_is_split_into_parts_each_closed_and_reopened() -> None:
    text = '<a href="https://example.org/">' + "<b>" + "слово " * 1500 + "</b></a>"
    parts = split_text(text)
    assert len(parts) == 3
    for part in parts:
        shown, entities = parse_with_entities(part)
        assert utf16_len(shown) <= TEXT_LIMIT
        assert {entity.type for entity in entities} == {"text_link", "bold"}
        assert all(entity.start == 0 and entity.end == len(shown) for entity in entities)
    cut = cut_text(text, 100)
    assert plain(cut).endswith("слово…") and utf16_len(plain(cut)) <= 100
