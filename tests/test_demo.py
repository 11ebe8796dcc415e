"""The offline demo, driven through a pipe exactly as the README shows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_demo(script: str, tmp_path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "ADMIN_IDS"}}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox"],
        input=script,
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_piped_demo_shows_the_seed_headlines(tmp_path: Path) -> None:
    output = run_demo("/latest\n/region Чернігів\n", tmp_path)
    assert "> /latest" in output and "> /region Чернігів" in output
    assert "Екологічне виховання – шлях до збереження природи" in output
    assert "У Ніжині запрацював третій на Чернігівщині офіс «Зроблено в Україні»" in output
    assert "12.11.2025 15:28 · Чернігівщина" in output
    assert "Українське експертне середовище" in output  # the conference article, in /region
    assert "Traceback" not in output


def test_demo_buttons_and_users(tmp_path: Path) -> None:
    output = run_demo("/start\n1\n/as 1000\n/help\n/as 2002 en\n/start\n", tmp_path)
    assert "[1] 📍 Обрати регіони" in output
    assert "[1] Вся Україна" in output  # pressing 1 opened the regions keyboard
    assert "Для адміністраторів" in output  # user 1000 is the demo admin
    assert "Hello, User 2002!" in output
