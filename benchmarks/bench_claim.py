"""Measure one outbox claim round (what the sender does before each batch) under a backlog.

Run: python benchmarks/bench_claim.py [--sizes 1000 10000 100000] [--postgres URL]
For each size, two backlogs: every row planned for later (reminders written ahead), and
every row due now (10 to a chat). Between timed rounds the claimed rows are marked sent
as the sender does and the clock moves on by the time those sends take at 25/s, so each
round meets the queue as a live sender leaves it. Prints the median and p90 of 20 rounds in ms. The
PostgreSQL database given is WIPED (use one kept for benchmarks). Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.fernet import Fernet
from sqlalchemy import insert, text

from bot.clock import FakeClock
from bot.rate_limit import RateLimiter
from bot.sender import OutboxSender
from storage.crypto import FieldCipher
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import OutboxMessage
from storage.outbox import PRIORITY_PROACTIVE
from storage.uow import UnitOfWork

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUNDS = 20


async def _prepare(url: str) -> None:
    engine = make_engine(url)
    try:
        if url.startswith("postgresql"):
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _round_times(url: str, size: int, due: bool) -> list[float]:
    await _prepare(url)
    engine = make_engine(url)
    cipher = FieldCipher(Fernet.generate_key().decode())
    sessions = make_session_factory(engine)
    payload = cipher.encrypt_json({"text": "A reminder for tomorrow", "buttons": []})
    try:
        async with sessions() as session:
            for first in range(0, size, 5_000):
                await session.execute(insert(OutboxMessage), [
                    {"chat_id": 10_000 + n // 10 if due else 10_000 + n % 1_000,
                     "audience": "participant", "payload_enc": payload,
                     "not_before": NOW if due else NOW + timedelta(hours=1 + n % 500),
                     "status": "pending", "attempts": 0, "created_at": NOW,
                     "priority": PRIORITY_PROACTIVE}
                    for n in range(first, min(size, first + 5_000))])
            await session.commit()
        if url.startswith("postgresql"):
            async with engine.begin() as conn:
                await conn.execute(text("ANALYZE outbox"))
        clock = FakeClock(NOW)
        try:
            sender = OutboxSender(lambda: UnitOfWork(sessions, cipher), _NoChannel(), clock,
                                  limiter=RateLimiter(clock, rate=25))
        except TypeError:  # the code before the limiter, for comparison
            sender = OutboxSender(lambda: UnitOfWork(sessions, cipher), _NoChannel(), clock)
        times = []
        for _ in range(ROUNDS):
            began = time.perf_counter()
            batch, _more = await sender._claim()  # the round itself: claim, commit
            times.append((time.perf_counter() - began) * 1000)
            # Untimed: what the running sender does next (mark each row sent, space its
            # chat), so the next round meets the queue as a live sender leaves it.
            for item in batch:
                await sender._mark_sent(item.row_id, item.chat_id, 1)
            # A round at the 25/s limit is a second of sending: time moves on as it would.
            clock.advance(timedelta(seconds=len(batch) / 25))
        return times
    finally:
        await engine.dispose()


class _NoChannel:
    async def send(self, chat_id: int, text: str, buttons: object, audience: str) -> int:
        raise AssertionError("the claim benchmark sends nothing")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--postgres", help="a PostgreSQL URL to wipe and use")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        urls = [("sqlite", f"sqlite+aiosqlite:///{folder}/bench.db")]
        if args.postgres:
            urls.append(("postgres", args.postgres))
        print("database  rows     backlog          claim round ms (median / p90)")
        for name, url in urls:
            for size in args.sizes:
                for due in (False, True):
                    if name == "sqlite":
                        Path(f"{folder}/bench.db").unlink(missing_ok=True)
                    times = sorted(await _round_times(url, size, due))
                    kind = "due now, 10/chat" if due else "planned for later"
                    print(f"{name:9} {size:<8} {kind:16} {statistics.median(times):6.2f} / "
                          f"{times[int(len(times) * 0.9) - 1]:6.2f}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
