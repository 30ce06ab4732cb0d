"""The real ``steady run`` as a subprocess, killed with SIGKILL at several points while
several participants talk to it, then started again.

After the restarts every message has its reply, each chat's replies arrived one per
message in the order the messages were sent, at most one reply per kill was sent twice,
and no chat waited more than a minute for its reply. One kill always lands while a reply is
in flight (the fake holds the send open), the case that used to freeze a chat for the
five-minute stale-claim timeout.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from storage.models import Participant
from storage.uow import UnitOfWork
from tests.e2e.conftest import FACILITATOR_ID
from tests.e2e.fake_bot_api import FakeBotAPI

ROOT = Path(__file__).resolve().parents[2]
PARTICIPANTS = [8601, 8602, 8603, 8604]
MESSAGES_EACH = 6
HELD_BACK_LIMIT = 60.0  # seconds a chat may wait for its reply, kills and restarts included
START_LIMIT = 60.0


def _environment(settings: Settings) -> dict[str, str]:
    assert settings.encryption_key is not None and settings.telegram_token is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEADY_")}
    env.update(
        STEADY_DATABASE_URL=settings.database_url,
        STEADY_ENCRYPTION_KEY=settings.encryption_key.get_secret_value(),
        STEADY_TELEGRAM_TOKEN=settings.telegram_token.get_secret_value(),
        STEADY_TELEGRAM_API_BASE=settings.telegram_api_base,
        STEADY_SENDER_INTERVAL_SECONDS="0.2",
        STEADY_LOG_LEVEL="WARNING",
    )
    return env


async def _start(fake: FakeBotAPI, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    polls = len(fake.calls_to("getUpdates"))
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from bot.cli import main; main()", "run"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        await fake.wait_until(
            lambda: process.poll() is not None or len(fake.calls_to("getUpdates")) > polls,
            START_LIMIT, "steady run's first getUpdates")
    except AssertionError:
        process.kill()
        raise
    assert process.poll() is None, log.read_text(errors="replace")[-2000:]
    return process


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


async def _seed(uow: UnitOfWork) -> None:
    now = datetime.now(UTC)
    facilitator = await uow.facilitators.by_telegram_id(FACILITATOR_ID)
    assert facilitator is not None
    for user_id in PARTICIPANTS:
        await uow.participants.add(Participant(
            telegram_user_id=user_id, chat_id=user_id, facilitator_id=facilitator.id,
            alias=f"crash-{user_id}", status="active", timezone="Europe/London",
            preferences={}, consented_at=now, created_at=now))
    await uow.commit()


async def test_sigkill_at_several_points_loses_no_reply_and_holds_no_chat_back(
    fake: FakeBotAPI, settings: Settings, facilitator: int, tmp_path: Path,
    with_uow: Callable[[Callable[[UnitOfWork], Awaitable[None]]], Awaitable[None]],
) -> None:
    await with_uow(_seed)
    for user_id in PARTICIPANTS:
        fake.add_user(user_id, "Invented")
    env, log = _environment(settings), tmp_path / "steady-run.log"
    chance = random.Random(20261202)
    process = await _start(fake, env, log)
    kills = 0
    waits: list[float] = []
    try:
        for round_no in range(MESSAGES_EACH):
            expected = round_no + 1
            for user_id in PARTICIPANTS:
                fake.send_text(user_id, f"just saying hello, number {expected}")
            sent_at = time.monotonic()
            if round_no == 1:  # kill while a reply is in flight
                fake.hold_sends()
                await fake.wait_until(lambda: fake.sends_in_flight > 0, 30, "a send in flight")
                _kill(process)
                kills += 1
                fake.release_sends()
                process = await _start(fake, env, log)
            elif round_no in (3, 4):  # kill at a random moment
                await asyncio.sleep(chance.uniform(0.0, 0.6))  # a random kill point
                _kill(process)
                kills += 1
                process = await _start(fake, env, log)
            for user_id in PARTICIPANTS:
                await fake.wait_until(
                    lambda u=user_id, n=expected: len(fake.messages_to(u)) >= n,
                    HELD_BACK_LIMIT, f"reply {expected} to chat {user_id}")
                waits.append(time.monotonic() - sent_at)
        # Give duplicates a chance to show: one more round trip for everyone.
        for user_id in PARTICIPANTS:
            fake.send_text(user_id, "one last hello")
        for user_id in PARTICIPANTS:
            await fake.wait_until(lambda u=user_id: len(fake.messages_to(u)) > MESSAGES_EACH,
                                  HELD_BACK_LIMIT, f"the last reply to chat {user_id}")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    duplicates = sum(len(fake.messages_to(u)) - (MESSAGES_EACH + 1) for u in PARTICIPANTS)
    assert 0 <= duplicates <= kills, f"{duplicates} duplicates after {kills} kills"
    assert max(waits) < HELD_BACK_LIMIT
    assert kills == 3
