"""Formatting: trimming, packing into Telegram-sized messages, escaping."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from domain.formatting import MESSAGE_LIMIT, Pages, item_block, pack, safe_url, trim, utf16_len
from infra.i18n import build_i18n
from sandbox.html import parse_telegram_html
from storage.models import Item, ItemKind

KYIV = ZoneInfo("Europe/Kyiv")
I18N = build_i18n()


def test_trim_cuts_at_a_word_boundary() -> None:
    assert trim("коротко", 20) == "коротко"
    assert trim("  багато   пробілів  ", 50) == "багато пробілів"
    cut = trim("Поліція закликає громадян не довіряти заманливим оголошенням", 30)
    assert cut.endswith("…") and len(cut) <= 30
    assert cut == "Поліція закликає громадян не…"


@given(st.text(), st.integers(min_value=2, max_value=500))
def test_trim_never_exceeds_the_limit(text: str, limit: int) -> None:
    assert len(trim(text, limit)) <= limit


def test_pack_splits_without_cutting_blocks() -> None:
    blocks = [f"<b>{n}</b> " + "ж" * 1000 for n in range(10)]
    messages = pack(blocks, header="Заголовок")
    assert len(messages) == 3
    assert all(utf16_len(message) <= MESSAGE_LIMIT for message in messages)
    assert messages[0].startswith("Заголовок")
    assert "".join(messages).count("ж") == 10_000


def test_pack_counts_utf16_units() -> None:
    emoji_blocks = ["😀" * 1500, "😀" * 1500]  # 3000 UTF-16 units each
    assert len(pack(emoji_blocks)) == 2


def test_an_oversized_block_becomes_safe_plain_text() -> None:
    [message] = pack(["<b>" + "a < b & c " * 1000 + "</b>"])
    assert utf16_len(message) <= MESSAGE_LIMIT
    parse_telegram_html(message)  # valid HTML for Telegram


def test_only_http_links_become_anchors() -> None:
    assert safe_url("https://x.ua/a") == "https://x.ua/a"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(None) is None


@given(title=st.text(min_size=1), source=st.text(), url=st.one_of(st.none(), st.text()))
def test_item_block_is_always_valid_telegram_html(
    title: str, source: str, url: str | None
) -> None:
    item = Item(1, "UA-74", ItemKind.BREAKING, title, "", url, source, datetime.now(UTC))
    with I18N.context():
        block = item_block(item, KYIV, "uk")
    plain = parse_telegram_html(block)
    assert " ".join(title.split())[:50] in plain


def news_item(item_id: int, title: str) -> Item:
    return Item(
        id=item_id,
        region_code="UA-74",
        kind=ItemKind.NEWS,
        title=title,
        summary="",
        url=f"https://example.org/{item_id}",
        source_name="Суспільне Чернігів",
        published_at=datetime(2025, 11, 12, 8, 30, tzinfo=UTC),
    )


def test_pages_render_like_pack_and_follow_changed_items() -> None:
    pages = Pages(KYIV)
    items = [news_item(1, "Міст відкрито"), news_item(2, "Ярмарок у неділю")]
    with I18N.context(), I18N.use_locale("uk"):
        first = pages.render(items, "📰 <b>Останні</b>", "uk")
        assert first == pack(
            [item_block(item, KYIV, "uk") for item in items], header="📰 <b>Останні</b>"
        )
        assert "10:30" in first[0] and "Міст відкрито" in first[0]
        # A corrected title is another item value: a new page, not the remembered one.
        corrected = [news_item(1, "Міст знову закрито"), items[1]]
        second = pages.render(corrected, "📰 <b>Останні</b>", "uk")
        assert "Міст знову закрито" in second[0] and "Міст відкрито" not in second[0]
        # Another header or language is another page.
        assert pages.render(items, "📍 <b>Чернігівщина</b>", "uk")[0].startswith("📍")
    # The language is part of the key: a breaking item reads "Терміново" and "Breaking".
    breaking = [replace(news_item(3, "Тривога"), kind=ItemKind.BREAKING)]
    with I18N.context(), I18N.use_locale("uk"):
        assert "Терміново" in pages.render(breaking, "", "uk")[0]
    with I18N.context(), I18N.use_locale("en"):
        assert "Breaking" in pages.render(breaking, "", "en")[0]
