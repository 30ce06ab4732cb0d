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
    planner_interval_seconds: float = Field(default=30.0, gt=0)
    escalation_interval_seconds: float = Field(default=30.0, gt=0)
    urgent_escalation_minutes: int = Field(default=15, ge=1)
    concern_escalation_time: time = time(10, 0)  # next working day, Europe/London
    flag_group_minutes: int = Field(default=10, ge=0)
    log_level: str = "INFO"
