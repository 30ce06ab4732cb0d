"""Deliver a backlog of due rows through the fake Bot API over real HTTP, with the real
aiogram channel, outbox sender and limiter, on SQLite (or --database).

Run: python benchmarks/bench_delivery.py [--rows 10000] [--chats 1000] [--rate 25|0]
``--rate 0``: no global limit (per-chat limits still held; the fake does not enforce its
overall 30 a second then), to measure the sender's own throughput. With a rate, the fake
answers 429 above Telegram's limits (1 a second to a chat, 30 overall), so zero 429s means
no chat above 1 a second and the overall limit held. Prints rows/s, the achieved share of
the rate, 429s and peak memory (max RSS). Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.fernet import Fernet
from sqlalchemy import insert

from bot.clock import SystemClock
from bot.rate_limit import RateLimiter
from bot.sender import OutboxSender
from bot.telegram_aiogram import AiogramChannel, make_bot
from storage.crypto import FieldCipher
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import OutboxMessage
from storage.outbox import PRIORITY_PROACTIVE
from storage.uow import UnitOfWork
from tests.e2e.fake_bot_api import FakeBotAPI

FIRST_CHAT = 100_000


async def run(rows: int, chats: int, rate: float | None, url: str) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    cipher = FieldCipher(Fernet.generate_key().decode())
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    payload = cipher.encrypt_json({"text": "See you tomorrow at 10:00.", "buttons": []})
    async with sessions() as session:
        for first in range(0, rows, 5_000):
            await session.execute(insert(OutboxMessage), [
                {"chat_id": FIRST_CHAT + n % chats, "audience": "participant",
                 "payload_enc": payload, "not_before": now, "status": "pending",
                 "attempts": 0, "created_at": now, "priority": PRIORITY_PROACTIVE}
                for n in range(first, min(rows, first + 5_000))])
        await session.commit()
    async with FakeBotAPI() as fake:
        for n in range(chats):
            fake.add_user(FIRST_CHAT + n, f"Person {n}", started=True)
        fake.enforce_flood_control(rate is not None)
        bot = make_bot(fake.token, fake.base_url)
        clock = SystemClock()
        sender = OutboxSender(lambda: UnitOfWork(sessions, cipher), AiogramChannel(bot), clock,
                              limiter=RateLimiter(clock, rate=rate))
        began = time.perf_counter()
        delivered = 0
        while delivered < rows:
            sent = await sender.dispatch_due()
            delivered += sent
            if not sent:
                await asyncio.sleep(0.05)  # the scheduler's tick, shortened
        elapsed = time.perf_counter() - began
        await bot.session.close()
        flood_429s = fake.flood_429s
    await engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = f"{rows} rows to {chats} chats, rate {rate or 'unlimited'}: {elapsed:.1f} s, " \
           f"{rows / elapsed:.1f} rows/s"
    if rate:
        line += f" ({rows / elapsed / rate:.1%} of the limit)"
    print(f"{line}, {flood_429s} 429s, peak RSS {peak_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--chats", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=25.0, help="0: no global limit")
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite+aiosqlite:///{folder}/delivery.db"
        asyncio.run(run(args.rows, args.chats, args.rate or None, url))


if __name__ == "__main__":
    main()
