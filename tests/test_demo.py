"""The offline demo, driven through a pipe in a subprocess, as a newcomer would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_demo(script: str, tmp_path: Path, *options: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "ADMIN_IDS"}}
    log = tmp_path / "demo.log"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--log", str(log), *options],
        input=script,
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert log.exists()  # the logs went there, not into the transcript
    assert result.stderr == ""
    return result.stdout


def after(output: str, line: str) -> str:
    """The transcript from the echo of `line` on."""
    return output[output.index(f"> {line}\n") :]


def test_piped_demo_shows_the_seed_headlines(tmp_path: Path) -> None:
    output = run_demo("/latest\n/region Чернігів\n", tmp_path)
    assert "> /latest" in output and "> /region Чернігів" in output
    assert "Екологічне виховання – шлях до збереження природи" in output
    assert "У Ніжині запрацював третій на Чернігівщині офіс «Зроблено в Україні»" in output
    assert "12.11.2025 15:28 · Чернігівщина" in output
    assert "Українське експертне середовище" in output  # the conference article, in /region


def test_demo_buttons_and_users(tmp_path: Path) -> None:
    output = run_demo("/start\n1\n/as 1000\n/help\n/as 2002 en\n/start\n", tmp_path)
    assert "[1] 📍 Обрати регіони" in output
    assert "[1] Вся Україна" in output  # pressing 1 opened the regions keyboard
    assert "Для адміністраторів" in output  # user 1000 is the demo admin
    assert "Hello, User 2002!" in output


EDITOR = "/as 1000\n/grant 3001 editor Чернігів\n/as 3001\n"


def test_a_push_is_published_and_reaches_the_subscriber(tmp_path: Path) -> None:
    """The preview's «Надіслати» is button 1 only once the preview is on screen: the
    terminal waits for the bot, under Telegram's limits, before it numbers buttons."""
    output = run_demo(EDITOR + "/push\n1\nДемо: перекрито міст через Десну\n1\n", tmp_path)
    published = after(output, "Демо: перекрито міст через Десну")
    assert "Скасовано" not in output
    assert "[1] 📤 Надіслати" in published
    assert re.search(r"Звіт про новину №\s?\d+ «Демо: перекрито міст через Десну»", published)
    copy = published[published.index("bot → Олена (2001):") :]
    assert "Терміново: Демо: перекрито міст через Десну" in copy


def test_an_announcement_is_published_and_reaches_the_subscriber(tmp_path: Path) -> None:
    script = EDITOR + "/announce\n1\nТолока в парку\nзавтра 10:00\nПарк Коцюбинського\n"
    output = run_demo(script + "Беріть рукавиці\n1\n", tmp_path)
    assert "Скасовано" not in output
    sent = after(output, "Беріть рукавиці")
    assert "[1] ✅ Надіслати" in sent
    assert "Анонс надіслано" in sent
    copy = sent[sent.index("bot → Олена (2001):") :]
    assert "Толока в парку" in copy and "Парк Коцюбинського" in copy


def test_a_file_answered_with_import_members(tmp_path: Path) -> None:
    csv = tmp_path / "members.csv"
    csv.write_text(
        "name,region_code,status,contact\n"
        "Громадська ініціатива «Світанок»,UA-74,admitted,svitanok@example.org\n",
        encoding="utf-8",
    )
    script = f"/as 1000\n/file {tmp_path}/missing.csv\n/file {csv}\n/import_members\n/members\n"
    output = run_demo(script, tmp_path)
    assert "(cannot read " in after(output, f"/file {tmp_path}/missing.csv")
    assert "(sent members.csv, " in output
    imported = after(output, "/import_members")
    assert "(sent as a reply to your file members.csv)" in imported
    assert "Імпортовано: додано 1" in imported
    assert "Світанок" in after(output, "/members")


def test_a_multi_line_push(tmp_path: Path) -> None:
    text = '"""Заголовок новини\nПерший абзац.\n\nДругий абзац."""\n'
    output = run_demo(EDITOR + "/push\n1\n" + text + "1\n", tmp_path)
    copy = output[output.index("bot → Олена (2001):") :]
    assert "Терміново: Заголовок новини\n  Перший абзац.\n  \n  Другий абзац." in copy
    continued = run_demo(EDITOR + "/push\n1\nЗаголовок\\\nТекст під ним\n1\n", tmp_path)
    copy = continued[continued.index("bot → Олена (2001):") :]
    assert "Терміново: Заголовок\n  Текст під ним" in copy


def test_the_group_and_the_channel(tmp_path: Path) -> None:
    script = "/as 1000\n/group admin\n/subscribe Чернігів\n/channel\n/subscribe Львів\n/private\n"
    output = run_demo(script + "/as 2001\n/group\n/subscribe Київ\n", tmp_path)
    group = after(output, "/group admin")
    assert "Вітаю! Я — Вісник" in group  # the bot joined the group and said hello
    assert "Підписано: Чернігівщина" in after(output, "/subscribe Чернігів")
    assert "Підписано: Львівщина" in after(output, "/subscribe Львів")
    # A member who is not an admin may not change the group's regions.
    refused = after(output, "/subscribe Київ")
    assert "Підписано: Київ" not in refused and "адміністратор" in refused


def test_the_sample_feed_brings_news_while_you_wait(tmp_path: Path) -> None:
    output = run_demo("/wait 8\n", tmp_path, "--feed-seconds", "2")
    arrived = after(output, "/wait 8")
    assert "(№ 2)" in arrived  # a headline that appeared after the first poll was pushed
    assert "#Чернігівщина" in arrived
