"""The demo terminal's input assembler: continued lines and blocks become one input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.terminal import InputAssembler


def feed_all(lines: list[str]) -> list[str]:
    assembler = InputAssembler()
    inputs = [text for line in lines if (text := assembler.feed(line + "\n")) is not None]
    rest = assembler.finish()
    return inputs + ([rest] if rest is not None else [])


def test_a_plain_line_is_one_input() -> None:
    assert feed_all(["/latest", "/region Чернігів"]) == ["/latest", "/region Чернігів"]


def test_a_backslash_continues_the_line() -> None:
    assert feed_all(["Заголовок\\", "Перший рядок\\", "Другий", "/latest"]) == [
        "Заголовок\nПерший рядок\nДругий",
        "/latest",
    ]


def test_a_block_runs_to_its_closing_quotes() -> None:
    lines = ['"""Заголовок', "", "Текст з \\ у кінці\\", 'останній рядок"""', "1"]
    assert feed_all(lines) == ["Заголовок\n\nТекст з \\ у кінці\\\nостанній рядок", "1"]


def test_a_block_on_lines_of_its_own_and_on_one_line() -> None:
    assert feed_all(['"""', "a", "", "b", '"""']) == ["a\n\nb"]
    assert feed_all(['"""одним рядком"""']) == ["одним рядком"]


def test_an_unclosed_block_is_sent_at_the_end_of_input() -> None:
    assert feed_all(['"""Заголовок', "текст"]) == ["Заголовок\nтекст"]


def test_a_doubled_backslash_ends_the_line() -> None:
    assert feed_all(["шлях C:\\\\", "далі"]) == ["шлях C:\\\\", "далі"]


plain = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='\\"'),
    max_size=30,
)


@given(st.lists(plain, min_size=1, max_size=8))
def test_continued_lines_come_back_joined(parts: list[str]) -> None:
    lines = [part + "\\" for part in parts[:-1]] + [parts[-1]]
    assert feed_all(lines) == ["\n".join(parts)]


@given(st.lists(plain, min_size=1, max_size=8))
def test_blocks_keep_every_line(parts: list[str]) -> None:
    lines = ['"""' + parts[0], *parts[1:], '"""']
    kept = parts if parts[0] else parts[1:]
    assert feed_all(lines) == ["\n".join(kept)]
