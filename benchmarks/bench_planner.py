"""Measure the planner: participants planned per second, and people's replies during a wave.

Run: python benchmarks/bench_planner.py [--participants 10000] [--database-url URL]
1. Planning: 10,000 participants, each with 22 weekly appointments (past ones attended),
   all due at once (never planned): participants/s for the whole pass.
2. A reminder wave: the same 10,000 all due for their day-before reminder at one moment,
   while messages keep arriving through the engine (unknown users' /start: a short write
   transaction each). Prints the p50/p99/max handling time of those messages during the
   wave, which is how long an update waits behind the planner's write transactions.
Not a test: numbers depend on the machine (and on what else it runs).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import insert, update

from bot.app import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from dialogues.events import Inbound, Kind
from storage.models import Appointment, Participant

START = datetime(2026, 3, 2, 9, tzinfo=UTC)  # Monday; GMT
FIRST_SESSION = START + timedelta(days=2, hours=5)  # Wednesday 14:00


class NullChannel:
    async def send(self, chat_id: int, text: str, buttons: object, audience: str) -> int | None:
        return None


async def seed(app: App, count: int) -> None:
    now = app.clock.now()
    async with app.uow() as uow:
        for first in range(1, count + 1, 1000):
            ids = range(first, min(first + 1000, count + 1))
            await uow.session.execute(insert(Participant), [{
                "id": pid, "telegram_user_id": 900_000 + pid, "chat_id": 900_000 + pid,
                "alias": f"bulk-{pid}", "status": "active", "timezone": "Europe/London",
                "checkin_time": "20:00", "preferences": {}, "consented_at": now,
                "created_at": now} for pid in ids])
            await uow.session.execute(insert(Appointment), [{
                "participant_id": pid, "starts_at": FIRST_SESSION + timedelta(weeks=week),
                "week": week + 1, "status": "scheduled", "created_at": now,
                "updated_at": now} for pid in ids for week in range(22)])
        await uow.commit()


async def talk(app: App, clock: FakeClock, number: int) -> float:
    inbound = Inbound(number, 5_000_000 + number, 5_000_000 + number, Kind.COMMAND,
                      "/start", clock.now())
    before = time.perf_counter()
    await app.engine.handle(inbound)
    return time.perf_counter() - before


async def wave(app: App, clock: FakeClock) -> tuple[int, float, list[float]]:
    async with app.uow() as uow:  # everyone due again, at the day-before reminder moment
        await uow.session.execute(update(Participant).values(next_plan_at=None))
        await uow.commit()
    clock.current = FIRST_SESSION - timedelta(days=1)
    update_ids = itertools.count(1_000)
    waits: list[float] = []
    started = time.perf_counter()
    planning = asyncio.create_task(app.planner.plan())
    while not planning.done():
        waits.append(await talk(app, clock, next(update_ids)))
        await asyncio.sleep(0.02)  # about 50 updates a second arriving
    queued = await planning
    return queued, time.perf_counter() - started, waits


async def main(participants: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        settings = Settings(database_url=url,
                            encryption_key=SecretStr(Fernet.generate_key().decode()))
        clock = FakeClock(START)
        app = await build_app(settings, NullChannel(), clock)
        try:
            await seed(app, participants)
            quiet = sorted([await talk(app, clock, n) for n in range(1, 51)])
            print(f"updates with no planning: p50 {statistics.median(quiet) * 1000:.0f} ms, "
                  f"max {quiet[-1] * 1000:.0f} ms")
            started = time.perf_counter()
            await app.planner.plan()
            took = time.perf_counter() - started
            print(f"planning: {participants} participants (22 appointments each) in "
                  f"{took:.2f} s = {participants / took:.0f} participants/s")
            queued, took, waits = await wave(app, clock)
            waits.sort()
            p99 = waits[max(0, int(len(waits) * 0.99) - 1)]
            print(f"wave: {queued} reminders queued in {took:.2f} s; {len(waits)} updates "
                  f"meanwhile: p50 {statistics.median(waits) * 1000:.0f} ms, "
                  f"p99 {p99 * 1000:.0f} ms, max {waits[-1] * 1000:.0f} ms")
        finally:
            await app.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--database-url", default=None,
                        help="default: a temporary SQLite file (PostgreSQL: an empty database)")
    args = parser.parse_args()
    asyncio.run(main(args.participants, args.database_url))
