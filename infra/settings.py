"""Settings from the environment or `.env`, validated once in `main()`."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API_URL = "https://api.telegram.org"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")


class Settings(BaseSettings):
    """Everything the bot can be told from outside; `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    database_path: Path = Path("data/visnyk.db")
    # postgresql://user:password@host:port/name: PostgreSQL instead of SQLite (a secret, since
    # it may hold a password).
    database_url: SecretStr | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    timezone: str = "Europe/Kyiv"
    log_level: str = "INFO"
    log_format: str = "text"
    log_sql: bool = False
    broadcast_rate: float = Field(default=30.0, gt=0, le=1000)
    paid_broadcast: bool = False
    feed_poll_seconds: int = Field(default=300, ge=60)
    feed_push_limit: int = Field(default=5, ge=1, le=100)
    feed_push_max_age_hours: int = Field(default=48, ge=1, le=24 * 30)
    feeds_allow_private: bool = False
    sources_file: Path | None = None
    updates_concurrency: int = Field(default=100, ge=1, le=10_000)
    throttle_burst: int = Field(default=6, ge=1, le=10_000)
    throttle_rate: float = Field(default=1.0, gt=0, le=10_000)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65_535)
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=1, le=65_535)
    health_max_delivery_age: float = Field(default=1800.0, gt=0)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        bot_id, sep, secret = value.get_secret_value().strip().partition(":")
        if not sep or not bot_id.isdigit() or not secret:
            raise ValueError("expected the form 123456789:AA... given by @BotFather")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")) or len(value) < len("http://x"):
            raise ValueError("expected an http:// or https:// base URL")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        parts = urlsplit(value)
        loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")
        if not parts.hostname or not (parts.scheme == "https" or loopback):
            raise ValueError("expected an https:// URL (Telegram delivers to HTTPS only)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value().strip()):
            raise ValueError("1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("sources_file", mode="before")
    @classmethod
    def _no_file(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        url = value.get_secret_value().strip()
        if not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("a postgresql://user:password@host:port/database URL")
        return SecretStr(url)

    @property
    def database_target(self) -> str | Path:
        """What storage.db.Database.open takes: the PostgreSQL URL, else the SQLite file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return self.database_path

    @field_validator("database_path", mode="before")
    @classmethod
    def _path_given(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            ids = []
            for part in parts:
                if not part:
                    continue
                if not part.lstrip("-").isdigit():
                    raise ValueError(f"{part!r} is not a numeric Telegram user id")
                ids.append(int(part))
            return frozenset(ids)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("log_format")
    @classmethod
    def _format(cls, value: str) -> str:
        chosen = value.strip().lower()
        if chosen not in LOG_FORMATS:
            raise ValueError(f"expected one of {', '.join(LOG_FORMATS)}")
        return chosen

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _no_port(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


def load_settings(*, require_token: bool = False, **overrides: object) -> Settings:
    """Build settings from the environment, turning pydantic's report into one clear line."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        variable = str(error["loc"][0]).upper() if error["loc"] else "settings"
        reason = str(error["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{variable}: {reason}") from None
    if require_token and settings.bot_token is None:
        raise SettingsError(
            "BOT_TOKEN: required to run against Telegram (get one from @BotFather)"
        )
    return settings


def settings_or_exit(*, require_token: bool = False) -> Settings:
    """For entry points: print one line naming the variable and exit with status 2."""
    try:
        return load_settings(require_token=require_token)
    except SettingsError as exc:
        print(f"visnyk: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
