"""Two real delivery processes on one PostgreSQL database: ``steady run`` and an extra
``steady send``, each told there are two (``STEADY_SENDER_PROCESSES=2``), against the fake
Bot API enforcing Telegram's flood limits (1 a second to a chat, 30 a second overall).

Every queued message arrives exactly once and in order per chat, the fake never answers
429, the busiest second stays within the shared 25 a second, and the whole goes faster than
one process's half share could: both processes delivered. PostgreSQL only (SQLite has no
``SKIP LOCKED``, and ``steady send`` refuses it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from bisect import bisect_left
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.crypto import FieldCipher
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.outbox import PRIORITY_PROACTIVE
from storage.uow import UnitOfWork
from tests.databases import PG_ENV, reset_postgres
from tests.e2e.fake_bot_api import FakeBotAPI

ROOT = Path(__file__).resolve().parents[2]
CHATS = range(8801, 8831)  # 30 invented participants' chats
EACH = 10
RATE = 25.0
START_LIMIT = 60.0
DELIVERY_LIMIT = 120.0  # a ceiling, never a wait: 300 messages take about 12 s at 25/s

pytestmark = pytest.mark.skipif(not os.environ.get(PG_ENV),
                                reason=f"two sender processes share PostgreSQL: set {PG_ENV}")


def _environment(url: str, key: str, fake: FakeBotAPI) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEADY_")}
    env.update(
        STEADY_DATABASE_URL=url, STEADY_ENCRYPTION_KEY=key,
        STEADY_TELEGRAM_TOKEN=fake.token, STEADY_TELEGRAM_API_BASE=fake.base_url,
        STEADY_SEND_RATE=str(RATE), STEADY_SENDER_PROCESSES="2",
        STEADY_SENDER_INTERVAL_SECONDS="0.2", STEADY_PLANNER_INTERVAL_SECONDS="3600",
        STEADY_LOG_LEVEL="WARNING")
    return env


def _start(command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-c", "from bot.cli import main; main()",
                                 command], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)


async def _queue(url: str, key: str) -> None:
    engine = make_engine(url)
    try:
        async with UnitOfWork(make_session_factory(engine), FieldCipher(key)) as uow:
            now = datetime.now(UTC)
            for n in range(EACH):
                for chat_id in CHATS:
                    await uow.outbox.enqueue(
                        chat_id=chat_id, audience="participant", now=now,
                        payload=uow.cipher.encrypt_json({"text": f"{chat_id} #{n}",
                                                         "buttons": []}),
                        priority=PRIORITY_PROACTIVE)
            await uow.commit()
    finally:
        await engine.dispose()


def _busiest_second(times: list[float]) -> int:
    times = sorted(times)
    return max(bisect_left(times, t + 1.0) - i for i, t in enumerate(times))


async def test_steady_run_and_steady_send_share_the_queue_and_the_rate(
        fake: FakeBotAPI, tmp_path: Path) -> None:
    url, key = os.environ[PG_ENV], FieldCipher.generate_key()
    await reset_postgres(url)
    engine = make_engine(url)
    try:
        await upgrade(engine)  # steady send never migrates: steady run's job
    finally:
        await engine.dispose()
    for chat_id in CHATS:
        fake.add_user(chat_id, "Invented", started=True)
    fake.enforce_flood_control()
    env, log = _environment(url, key, fake), tmp_path / "processes.log"
    processes = [_start("run", env, log), _start("send", env, log)]
    try:
        # Both up (each asks getMe once it is ready) before anything is queued, so both
        # can take part from the first message.
        await fake.wait_until(lambda: len(fake.calls_to("getMe")) >= 2
                              or any(p.poll() is not None for p in processes),
                              START_LIMIT, "both processes to start")
        assert all(p.poll() is None for p in processes), log.read_text(errors="replace")
        await _queue(url, key)
        total = len(CHATS) * EACH
        await fake.wait_until(lambda: len(fake.send_times) >= total, DELIVERY_LIMIT,
                              f"{total} messages")
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=30) for process in processes]
    assert codes == [0, 0], log.read_text(errors="replace")[-3000:]

    for chat_id in CHATS:  # exactly once each, in the order written
        assert [m["text"] for m in fake.messages_to(chat_id)] == \
            [f"{chat_id} #{n}" for n in range(EACH)]
    assert fake.flood_429s == 0
    times = [t for t, _ in fake.send_times]
    # Two halves of 25 a second, each evenly spaced but not in step: a one-second window
    # can catch 13 of each. Telegram's own limit is 30.
    assert _busiest_second(times) <= 26
    rate = (len(times) - 1) / (max(times) - min(times))
    assert 14.0 < rate <= RATE * 1.02, f"{rate:.1f} a second"  # above one half share: both sent
    # Nothing logged but steady run's reminder that no team chat is set (none is, here).
    lines = log.read_text(errors="replace").strip().splitlines()
    assert [line for line in lines if "no team chat is set" not in line] == []


async def test_steady_send_refuses_sqlite_and_a_database_that_is_not_migrated(
        fake: FakeBotAPI, tmp_path: Path) -> None:
    key = FieldCipher.generate_key()
    sqlite_env = _environment(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", key, fake)
    log = tmp_path / "sqlite.log"
    assert _start("send", sqlite_env, log).wait(timeout=60) == 2
    assert "PostgreSQL" in log.read_text()

    url = os.environ[PG_ENV]
    await reset_postgres(url)  # empty: steady run has never migrated it
    log = tmp_path / "empty.log"
    assert _start("send", _environment(url, key, fake), log).wait(timeout=60) == 2
    assert log.read_text().strip().splitlines() == [
        "steady: the database is not at the newest schema: start steady run "
        "(or steady db upgrade) first"]
