"""Delivery within Telegram's limits, on SQLite and PostgreSQL, in fake time: an alert
overtakes a backlog of reminders queued behind 429s, no chat or group gets more than its
limit, nothing is resent before retry_after, and two sender processes on one database
deliver each row once, in order, within the shared global rate."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.app import App
from bot.channel import Buttons, RetryLater
from bot.clock import FakeClock
from bot.rate_limit import RateLimiter
from bot.sender import OutboxSender
from storage.crypto import FieldCipher
from storage.database import make_engine, make_session_factory
from storage.outbox import PRIORITY_PROACTIVE, PRIORITY_SAFETY
from storage.uow import UnitOfWork
from tests.integration.conftest import FACILITATOR_ID

STEP = timedelta(milliseconds=10)  # how far fake time moves while senders wait
TICK = timedelta(seconds=1)  # the scheduler's sender tick
TEAM = -100_4242


@dataclass(frozen=True)
class Attempt:
    at: datetime
    chat_id: int
    text: str
    refused: bool


class TimedChannel:
    """Records every send attempt at the fake clock's time; refuses on request with 429."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.attempts: list[Attempt] = []
        self.refuse_first: dict[int, float] = {}  # chat -> retry_after of its first attempt
        self._ids = itertools.count(1)

    async def send(self, chat_id: int, text: str, buttons: Buttons, audience: str) -> int | None:
        retry_after = self.refuse_first.pop(chat_id, None)
        self.attempts.append(Attempt(self.clock.now(), chat_id, text, retry_after is not None))
        if retry_after is not None:
            raise RetryLater(retry_after)
        return next(self._ids)

    def sent(self) -> list[Attempt]:
        return [a for a in self.attempts if not a.refused]


async def run_in_fake_time(clock: FakeClock, work: Coroutine[Any, Any, int],
                           at: Callable[[], Awaitable[None]] | None = None) -> int:
    """Run ``work``, moving fake time on by STEP whenever a sender waits (its lease
    heartbeat and at least one send asleep on the clock); ``at`` runs before each step."""
    task = asyncio.ensure_future(work)
    while not task.done():
        asleep = asyncio.ensure_future(clock.wait_for_sleepers(2))
        await asyncio.wait({task, asleep}, return_when=asyncio.FIRST_COMPLETED)
        if not asleep.done():
            asleep.cancel()
            break
        if at is not None:
            await at()
        clock.advance(STEP)
    return await task


async def queue(uow: UnitOfWork, chat_id: int, text: str, now: datetime, priority: int) -> None:
    await uow.outbox.enqueue(chat_id=chat_id, audience="participant", now=now,
                             payload=uow.cipher.encrypt_json({"text": text, "buttons": []}),
                             priority=priority)


def most_in_window(times: list[datetime], window: timedelta) -> int:
    times = sorted(times)
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


def assert_within_limits(attempts: list[Attempt], rate: int) -> None:
    by_chat: defaultdict[int, list[datetime]] = defaultdict(list)
    for attempt in attempts:
        by_chat[attempt.chat_id].append(attempt.at)
    for chat_id, times in by_chat.items():
        if chat_id > 0:
            assert most_in_window(times, timedelta(seconds=1)) <= 1, chat_id
        else:
            assert most_in_window(times, timedelta(minutes=1)) <= 20, chat_id
    # One more than the rate in a window is the driver's 10 ms time steps, not the sender.
    assert most_in_window([a.at for a in attempts], timedelta(seconds=1)) <= rate + 1


async def test_an_alert_overtakes_a_backlog_queued_behind_429s(
        app: App, clock: FakeClock) -> None:
    start = clock.now()
    async with app.uow() as uow:
        for n in range(2_000):  # 10 reminders each for 200 chats, all due at once
            await queue(uow, 5_000 + n % 200, f"reminder {n}", start, PRIORITY_PROACTIVE)
        await uow.commit()
    channel = TimedChannel(clock)
    channel.refuse_first = {5_000 + chat: 1.0 for chat in range(0, 200, 2)}  # a 429 storm
    sender = OutboxSender(app.uow, channel, clock, limiter=RateLimiter(clock, rate=25))
    written: list[datetime] = []

    async def alert_at_five_seconds() -> None:
        if not written and clock.now() >= start + timedelta(seconds=5):
            async with app.uow() as uow:
                await queue(uow, FACILITATOR_ID, "ALERT", clock.now(), PRIORITY_SAFETY)
                await uow.commit()
            written.append(clock.now())

    def alert_sent() -> list[Attempt]:
        return [a for a in channel.sent() if a.chat_id == FACILITATOR_ID]

    while not alert_sent() and clock.now() < start + timedelta(seconds=60):
        await run_in_fake_time(clock, sender.dispatch_due(), alert_at_five_seconds)
        await alert_at_five_seconds()
        clock.advance(TICK)
    assert written and alert_sent()
    assert alert_sent()[0].at - written[0] <= timedelta(seconds=3)
    reminders = [a for a in channel.sent() if a.chat_id != FACILITATOR_ID]
    assert 0 < len(reminders) < 1_900  # the backlog was still there behind it
    assert_within_limits(channel.attempts, 25)


async def test_nothing_goes_to_a_chat_before_its_retry_after(
        app: App, clock: FakeClock) -> None:
    start = clock.now()
    async with app.uow() as uow:
        for n in range(3):
            await queue(uow, 5_001, f"anna {n}", start, PRIORITY_PROACTIVE)
            await queue(uow, 5_002, f"ben {n}", start, PRIORITY_PROACTIVE)
        await uow.commit()
    channel = TimedChannel(clock)
    channel.refuse_first = {5_001: 7.0}
    sender = OutboxSender(app.uow, channel, clock, limiter=RateLimiter(clock, rate=25))
    while len(channel.sent()) < 6 and clock.now() < start + timedelta(seconds=60):
        await run_in_fake_time(clock, sender.dispatch_due())
        clock.advance(STEP * 10)
    anna = [a for a in channel.attempts if a.chat_id == 5_001]
    assert [a.refused for a in anna] == [True, False, False, False]
    assert anna[1].at >= anna[0].at + timedelta(seconds=7)  # not a moment before
    assert [a.text for a in anna[1:]] == ["anna 0", "anna 1", "anna 2"]
    # A private chat refused though spaced: the bot as a whole floods, so nobody is sent
    # anything until retry_after has passed (a send already on its way excepted).
    later = [a for a in channel.attempts if a.at > anna[0].at]
    assert later and all(a.at >= anna[0].at + timedelta(seconds=7) for a in later)
    assert len([a for a in channel.sent() if a.chat_id == 5_002]) == 3
    assert_within_limits(channel.attempts, 25)


async def test_a_private_chat_and_the_team_chat_keep_their_limits(
        app: App, clock: FakeClock) -> None:
    start = clock.now()
    async with app.uow() as uow:
        for n in range(30):
            await queue(uow, TEAM, f"team {n}", start, PRIORITY_SAFETY)
            await queue(uow, 5_003, f"sam {n}", start, PRIORITY_PROACTIVE)
        await uow.commit()
    channel = TimedChannel(clock)
    sender = OutboxSender(app.uow, channel, clock, limiter=RateLimiter(clock, rate=25))
    while clock.now() < start + timedelta(seconds=90):
        await run_in_fake_time(clock, sender.dispatch_due())
        clock.advance(STEP * 50)
    team = [a.at for a in channel.sent() if a.chat_id == TEAM]
    sam = [a.at for a in channel.sent() if a.chat_id == 5_003]
    assert len(sam) == 30 and 25 <= len(team) <= 31
    assert most_in_window(team, timedelta(minutes=1)) <= 20
    assert most_in_window(sam, timedelta(seconds=1)) <= 1
    assert [a.text for a in channel.sent() if a.chat_id == TEAM] == \
        [f"team {n}" for n in range(len(team))]


async def test_two_sender_processes_deliver_each_row_once_in_order_within_the_rate(
        app: App, clock: FakeClock, database_url: str, encryption_key: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("several sender processes share a PostgreSQL database, not SQLite")
    start = clock.now()
    async with app.uow() as uow:
        for n in range(500):  # 10 each to 50 chats
            await queue(uow, 6_000 + n % 50, f"{n // 50}", start, PRIORITY_PROACTIVE)
        await uow.commit()
    channel = TimedChannel(clock)
    engines = [make_engine(database_url) for _ in range(2)]  # as two processes would
    try:
        senders = []
        for index, engine in enumerate(engines):
            sessions = make_session_factory(engine)

            def factory(s: Any = sessions) -> UnitOfWork:
                return UnitOfWork(s, FieldCipher(encryption_key))

            # STEADY_SENDER_PROCESSES=2: each takes half of the 25 a second.
            senders.append(OutboxSender(factory, channel, clock, worker_id=f"host{index}:1:w",
                                        limiter=RateLimiter(clock, rate=12.5)))

        async def both() -> int:
            counts = await asyncio.gather(*(s.dispatch_due() for s in senders))
            return sum(counts)

        while len(channel.sent()) < 500 and clock.now() < start + timedelta(seconds=120):
            await run_in_fake_time(clock, both())
            clock.advance(STEP * 10)
    finally:
        for engine in engines:
            await engine.dispose()
    sent = channel.sent()
    assert len(sent) == 500
    by_chat: defaultdict[int, list[str]] = defaultdict(list)
    for attempt in sent:
        by_chat[attempt.chat_id].append(attempt.text)
    assert all(texts == [str(n) for n in range(10)] for texts in by_chat.values())
    assert_within_limits(sent, 25)
