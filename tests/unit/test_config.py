"""Settings come from STEADY_* environment variables; the poller's retry settings too."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.polling import ATTEMPTS, MAX_BACKOFF


def test_the_poll_retry_settings_default_to_the_pollers_own() -> None:
    settings = Settings()
    assert settings.poll_attempts == ATTEMPTS == 3
    assert settings.poll_max_backoff_seconds == MAX_BACKOFF
    assert settings.poll_retry_base_seconds == 0.5
    assert settings.poll_timeout_seconds == 25


def test_the_poll_retry_settings_are_read_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADY_POLL_ATTEMPTS", "5")
    monkeypatch.setenv("STEADY_POLL_RETRY_BASE_SECONDS", "0.25")
    monkeypatch.setenv("STEADY_POLL_MAX_BACKOFF_SECONDS", "8")
    monkeypatch.setenv("STEADY_POLL_TIMEOUT_SECONDS", "40")
    settings = Settings()
    assert (settings.poll_attempts, settings.poll_retry_base_seconds,
            settings.poll_max_backoff_seconds, settings.poll_timeout_seconds) == (5, 0.25, 8, 40)


@pytest.mark.parametrize(("name", "value"), [
    ("STEADY_POLL_ATTEMPTS", "0"),  # an update must be tried at least once
    ("STEADY_POLL_RETRY_BASE_SECONDS", "-1"),
    ("STEADY_POLL_MAX_BACKOFF_SECONDS", "0"),
    ("STEADY_POLL_TIMEOUT_SECONDS", "51"),  # Telegram's long poll is at most 50 s
])
def test_nonsense_poll_settings_are_refused(monkeypatch: pytest.MonkeyPatch, name: str,
                                            value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_the_send_rate_defaults_under_telegrams_limit_and_is_shared_by_processes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert (Settings().send_rate, Settings().sender_processes) == (25.0, 1)
    monkeypatch.setenv("STEADY_SEND_RATE", "12.5")
    monkeypatch.setenv("STEADY_SENDER_PROCESSES", "3")
    assert (Settings().send_rate, Settings().sender_processes) == (12.5, 3)


@pytest.mark.parametrize(("name", "value"), [
    ("STEADY_SEND_RATE", "0"),  # nothing would ever be sent
    ("STEADY_SEND_RATE", "-5"),
    ("STEADY_SEND_RATE", "31"),  # above Telegram's ~30 a second: 429s for everyone
    ("STEADY_SENDER_PROCESSES", "0"),
])
def test_nonsense_send_limits_are_refused(monkeypatch: pytest.MonkeyPatch, name: str,
                                          value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()
