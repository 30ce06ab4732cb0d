"""The bot never stalls: a poison update between two people's messages is skipped and the
second still gets their reply and alert; a key that cannot read the database, or a Bot API
that cannot be reached, refuses the start in one line, without a traceback or the token."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.runner import run_bot
from storage.crypto import FieldCipher
from storage.key_check import WrongEncryptionKey
from storage.uow import UnitOfWork
from tests.e2e.conftest import FACILITATOR_ID, Person, RunningBot
from tests.e2e.fake_bot_api import FakeBotAPI

FIRST_ID = 8401
SECOND_ID = 8402
ROOT = Path(__file__).resolve().parents[2]  # this checkout's code, not an installed one


async def test_a_poison_button_press_does_not_stop_the_next_persons_reply_and_alert(
        fake: FakeBotAPI, bot: RunningBot, person: Callable[..., Person], invite_code: str,
        make_invite: Callable[[str], Awaitable[str]],
        with_uow: Callable[[Callable[[UnitOfWork], Awaitable[object]]], Awaitable[object]],
) -> None:
    facilitator = Person(fake, FACILITATOR_ID)
    first = person(FIRST_ID, "Jo")
    second = person(SECOND_ID, "Ray")
    intro, _ = await first.through_consent(invite_code)
    await facilitator.next("has accepted their invitation")
    second_code = await make_invite("heron-12")

    # Poison: button data a client forged, a superscript step and a 30-digit one.
    fake.press(FIRST_ID, intro, "checkin:²:x", strict=False)
    fake.press(FIRST_ID, intro, "onboarding:" + "9" * 30 + ":x", strict=False)
    await second.through_consent(second_code)
    await facilitator.next("has accepted their invitation")
    second.say("i've got a knife and i'm going to use it on her tonight")
    await second.next("999", "facilitator")
    await facilitator.next("URGENT", "weapon", "knife")


async def test_a_different_key_against_an_existing_database_is_refused(
        settings: Settings, fake: FakeBotAPI, bot: RunningBot) -> None:
    await bot.stop()  # the database now exists, written with the first key
    other = settings.model_copy(update={
        "encryption_key": SecretStr(FieldCipher.generate_key())})
    with pytest.raises(WrongEncryptionKey, match="cannot read this database"):
        await run_bot(other)


def _steady_run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STEADY_")}
    return subprocess.run([sys.executable, "-c", "from bot.cli import main; main()", "run"],
                          env={**clean, **env}, cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)


async def test_steady_run_with_another_key_exits_2_with_one_line(
        settings: Settings, bot: RunningBot) -> None:
    await bot.stop()
    assert settings.telegram_token is not None
    result = _steady_run({
        "STEADY_DATABASE_URL": settings.database_url,
        "STEADY_ENCRYPTION_KEY": FieldCipher.generate_key(),
        "STEADY_TELEGRAM_TOKEN": settings.telegram_token.get_secret_value(),
        "STEADY_TELEGRAM_API_BASE": settings.telegram_api_base,
    })
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "steady: STEADY_ENCRYPTION_KEY cannot read this database "
        "(it was written with another key)")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("base", ["http://127.0.0.1:1", "not a url"])
def test_an_unreachable_bot_api_is_one_line_without_the_token(
        tmp_path: Path, base: str) -> None:
    token = "424242:AAinventedTOKENvalue_for-tests"
    result = _steady_run({
        "STEADY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'api.db'}",
        "STEADY_ENCRYPTION_KEY": FieldCipher.generate_key(),
        "STEADY_TELEGRAM_TOKEN": token,
        "STEADY_TELEGRAM_API_BASE": base,
    })
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert token not in result.stderr + result.stdout
    assert "AAinventedTOKENvalue" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.startswith("steady:")]
    assert lines == ["steady: cannot reach the Telegram Bot API (TelegramNetworkError); "
                     "check STEADY_TELEGRAM_API_BASE and the network"]
