"""Settings: parsed from the environment; a bad one is one clear line and exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent
VARIABLES = (
    "BOT_TOKEN",
    "TELEGRAM_API_URL",
    "DATABASE_PATH",
    "DATABASE_URL",
    "ADMIN_IDS",
    "TIMEZONE",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "LOG_SQL",
    "BROADCAST_RATE",
    "PAID_BROADCAST",
    "FEED_POLL_SECONDS",
    "FEED_PUSH_LIMIT",
    "FEED_PUSH_MAX_AGE_HOURS",
    "FEEDS_ALLOW_PRIVATE",
    "SOURCES_FILE",
    "UPDATES_CONCURRENCY",
    "THROTTLE_BURST",
    "THROTTLE_RATE",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_HOST",
    "WEBHOOK_PORT",
    "METRICS_HOST",
    "METRICS_PORT",
    "HEALTH_MAX_DELIVERY_AGE",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.bot_token is None
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.database_path == Path("data/visnyk.db")
    assert settings.admin_ids == frozenset()
    assert settings.timezone == "Europe/Kyiv"
    assert settings.log_level == "INFO"
    assert settings.updates_concurrency == 100
    assert settings.feed_push_limit == 5 and settings.feed_push_max_age_hours == 48
    assert settings.feeds_allow_private is False
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert settings.log_format == "text"
    assert settings.metrics_port is None and settings.metrics_host == "127.0.0.1"
    assert settings.health_max_delivery_age == 1800
    assert settings.database_url is None and settings.database_target == Path("data/visnyk.db")


def test_a_database_url_selects_postgresql_and_stays_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "postgresql://visnyk:s3cret-pass@db.internal:5432/visnyk"
    monkeypatch.setenv("DATABASE_URL", f" {url} ")
    settings = load_settings()
    assert settings.database_target == url
    assert "s3cret-pass" not in repr(settings)


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:ABC-def")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("ADMIN_IDS", " 1, 22 ,333,")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings(require_token=True)
    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == "123456:ABC-def"
    assert "ABC" not in repr(settings)
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.admin_ids == frozenset({1, 22, 333})
    assert settings.log_level == "DEBUG"
    assert settings.is_admin(22) and not settings.is_admin(2) and not settings.is_admin(None)


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ADMIN_IDS=7\nTIMEZONE=UTC\n", encoding="utf-8")
    settings = load_settings()
    assert settings.admin_ids == frozenset({7}) and settings.timezone == "UTC"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ADMIN_IDS", "12,abc", "ADMIN_IDS: 'abc' is not a numeric Telegram user id"),
        ("TIMEZONE", "Europe/Atlantis", "TIMEZONE: unknown time zone"),
        ("TELEGRAM_API_URL", "api.telegram.org", "TELEGRAM_API_URL: expected an http"),
        ("BOT_TOKEN", "not-a-token", "BOT_TOKEN: expected the form"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL: expected one of"),
        ("DATABASE_PATH", " ", "DATABASE_PATH: must not be empty"),
        ("UPDATES_CONCURRENCY", "0", "UPDATES_CONCURRENCY: "),
        ("WEBHOOK_URL", "http://example.org/hook", "WEBHOOK_URL: expected an https:// URL"),
        ("WEBHOOK_SECRET", "not secret!", "WEBHOOK_SECRET: 1-256 characters"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT: expected one of text, json"),
        ("METRICS_PORT", "70000", "METRICS_PORT: "),
        ("HEALTH_MAX_DELIVERY_AGE", "0", "HEALTH_MAX_DELIVERY_AGE: "),
        ("WEBHOOK_PORT", "70000", "WEBHOOK_PORT: "),
        ("FEED_PUSH_LIMIT", "0", "FEED_PUSH_LIMIT: "),
        ("FEED_PUSH_MAX_AGE_HOURS", "0", "FEED_PUSH_MAX_AGE_HOURS: "),
        ("FEEDS_ALLOW_PRIVATE", "maybe", "FEEDS_ALLOW_PRIVATE: "),
        ("DATABASE_URL", "mysql://db/visnyk", "DATABASE_URL: a postgresql://"),
    ],
)
def test_malformed_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(message)


def test_every_setting_is_documented() -> None:
    """Each setting has a commented line in .env.example and a row in the README's table."""
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = {name.upper() for name in Settings.model_fields}
    assert names == set(VARIABLES)
    for name in names:
        assert f"\n{name}=" in example, name
        assert f"| `{name}` |" in readme, name


def run_bot(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        env={**clean, **env, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_token_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_bot({}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "visnyk: configuration error: BOT_TOKEN: required to run against Telegram "
        "(get one from @BotFather)"
    ]


def test_malformed_setting_exits_2_without_traceback(tmp_path: Path) -> None:
    result = run_bot({"BOT_TOKEN": "1:x", "ADMIN_IDS": "1;two"}, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "visnyk: configuration error: ADMIN_IDS: 'two' is not a numeric Telegram user id"
    )
