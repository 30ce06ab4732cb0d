"""Logging set-up: plain lines, with secrets masked in the whole formatted record."""

from __future__ import annotations

import logging
from urllib.parse import quote

QUIET_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy", "aiogram.event")
REDACTED = "[redacted]"


def _variants(secrets: list[str]) -> list[str]:
    """Each secret as written and as it appears percent-encoded in a URL."""
    found: list[str] = []
    for secret in secrets:
        for variant in (secret, quote(secret, safe=""), quote(secret)):
            if variant and variant not in found:
                found.append(variant)
    return sorted(found, key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    for secret in _variants(secrets):
        text = text.replace(secret, REDACTED)
    return text


class RedactSecrets(logging.Filter):
    """Masks secrets in a record's message (kept for handlers with their own formatter)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg, record.args = redact(record.getMessage(), self.secrets), ()
        return True


class SkipBusyTicks(logging.Filter):
    """Drops APScheduler's warning that a tick was skipped because the last one is still
    running: each job allows one run at a time on purpose (a long delivery round at the
    send rate skips several sender ticks), so under load it would flood the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


class RedactingFormatter(logging.Formatter):
    """Masks secrets in the whole formatted line: message, traceback and stack alike
    (an aiohttp error's text, say, carries the request URL and so the bot token)."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        line = redact(super().format(record), self.secrets)
        if record.exc_text:  # cached on the record for any other handler: mask it too
            record.exc_text = redact(record.exc_text, self.secrets)
        return line


def configure_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Database drivers log query parameters at DEBUG (invite codes, ciphertext): never ours.
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    scheduler = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, SkipBusyTicks) for f in scheduler.filters):
        scheduler.addFilter(SkipBusyTicks())
