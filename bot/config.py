"""Settings from the environment (STEADY_*). Read in bot/app.py, never at import time."""

from __future__ import annotations

from datetime import time

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STEADY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///steady.db"
    encryption_key: SecretStr | None = None
    telegram_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    bot_username: str | None = None
    invite_valid_days: int = Field(default=14, ge=1)
    wrong_code_limit: int = Field(default=5, ge=1)  # per user per hour, then silence
    sender_interval_seconds: float = Field(default=1.0, gt=0)
    # Messages a second for the whole bot (Telegram allows about 30), divided evenly
    # between the sender processes sharing one database (bot.rate_limit, README).
    send_rate: float = Field(default=25.0, gt=0, le=30)
    sender_processes: int = Field(default=1, ge=1)
    planner_interval_seconds: float = Field(default=30.0, gt=0)
    escalation_interval_seconds: float = Field(default=30.0, gt=0)
    urgent_escalation_minutes: int = Field(default=15, ge=1)
    concern_escalation_time: time = time(10, 0)  # next working day, Europe/London
    flag_group_minutes: int = Field(default=10, ge=0)
    # Long polling (bot/polling.py): a failing update is tried this many times, pausing
    # retry_base, then twice that, and so on (at most max_backoff), before it is recorded in
    # skipped_update and skipped; failed getUpdates calls back off the same way.
    poll_attempts: int = Field(default=3, ge=1)
    poll_retry_base_seconds: float = Field(default=0.5, ge=0)
    poll_max_backoff_seconds: float = Field(default=30.0, gt=0)
    poll_timeout_seconds: int = Field(default=25, ge=1, le=50)  # Telegram's long poll wait
    log_level: str = "INFO"
