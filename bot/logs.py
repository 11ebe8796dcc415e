"""Logging set-up for the entry points: text or JSON lines, never with the token.

LOG_FORMAT=text is one readable line per record (tracebacks below it); LOG_FORMAT=json is one
object per line: time (UTC, ISO 8601), level, logger, message, the context fields bound by the
work the line belongs to (infra.log_context: item, chat, source, user ids) and the record's own
`extra` fields, and the traceback as `exception`.

Secrets (the bot token, the webhook secret) are replaced in the finished line, whatever put
them there: a message, an argument, an exception's text, a traceback. So is anything shaped
like a bot token. Exceptions nobody caught and warnings go through the same handler.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType

from pydantic import SecretStr

from infra.log_context import current

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
REDACTED = "<BOT_TOKEN>"
# A bot token as @BotFather gives it: the bot's id, a colon, 35 characters of base64url.
_TOKEN_SHAPE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")
# Attributes every LogRecord has; the rest came in through `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}


class Redactor:
    """Replaces the given secrets, and anything shaped like a bot token, in a text."""

    def __init__(self, secrets: Iterable[str | SecretStr | None] = ()) -> None:
        words: set[str] = set()
        for secret in secrets:
            value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
            if not value or len(value) < 8:
                continue  # a short secret would scrub common words (and is no secret)
            words.add(value)
            _bot_id, colon, key = value.partition(":")
            if colon and len(key) >= 8:
                words.add(key)  # the token's secret half alone, as in a URL cut at the colon
        # Longest first, so that the whole token goes before its half.
        self._words = sorted(words, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for word in self._words:
            if word in text:
                text = text.replace(word, REDACTED)
        return _TOKEN_SHAPE.sub(REDACTED, text)


class TextFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__(TEXT_FORMAT)
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


class JsonFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = dict(getattr(record, "context", None) or current())
        context.update(
            (name, value) for name, value in vars(record).items() if name not in _STANDARD
        )
        context.pop("context", None)
        if context:
            document["context"] = context
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            document["exception"] = record.exc_text
        if record.stack_info:
            document["stack"] = record.stack_info
        line = json.dumps(document, ensure_ascii=False, default=str)
        return self._redact(line)


class _Context(logging.Filter):
    """Takes the context fields when the record is made, in the task that logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "context"):
            record.context = current()
        return True


def setup_logging(
    level: str,
    *,
    log_sql: bool = False,
    log_format: str = "text",
    secrets: Iterable[str | SecretStr | None] = (),
) -> Redactor:
    """Log to stderr at `level`, as text or JSON, with `secrets` replaced; returns the redactor
    (for what an entry point prints itself)."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(redact) if log_format == "json" else TextFormatter(redact))
    handler.addFilter(_Context())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    numeric = logging.getLevelName(level)
    # aiogram logs every handled update at INFO; that is noise in production.
    logging.getLogger("aiogram.event").setLevel(max(numeric, logging.WARNING))
    # APScheduler logs each run of each job at INFO: six lines every 30 seconds, for ever.
    logging.getLogger("apscheduler").setLevel(max(numeric, logging.WARNING))
    # aiosqlite logs every statement with its parameters at DEBUG: members' contacts, editors'
    # drafts, whatever users typed. Only LOG_SQL=true lets them into the logs.
    logging.getLogger("aiosqlite").setLevel(
        logging.DEBUG if log_sql else max(numeric, logging.INFO)
    )
    # Tracebacks nobody caught and warnings: through the same handler, so the same redaction.
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    return redact


def _log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    logging.getLogger("visnyk").critical("uncaught exception", exc_info=(kind, error, traceback))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None:
        return
    logging.getLogger("visnyk").critical(
        "uncaught exception in thread %s",
        args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )
