"""The sending limiter on a FakeClock: per private chat, per group, the global rate, and
Telegram's retry_after (for the chat, and for everyone when the bot as a whole floods)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from bot.clock import FakeClock
from bot.rate_limit import RateLimiter
from storage.outbox import PRIORITY_PROACTIVE, PRIORITY_SAFETY

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANNA, BEN, TEAM = 4101, 4102, -100_4242


def _seconds(clock: FakeClock, at: datetime | None) -> float | None:
    return None if at is None else (at - clock.now()).total_seconds()


async def test_a_private_chat_gets_one_message_a_second() -> None:
    clock = FakeClock(START)
    limiter = RateLimiter(clock, rate=None)
    assert await limiter.wait_turn(ANNA, PRIORITY_PROACTIVE) is None  # goes at once
    assert limiter.ready_at(ANNA, PRIORITY_PROACTIVE) == START + timedelta(seconds=1)
    assert limiter.ready_at(BEN, PRIORITY_PROACTIVE) == START  # other chats are not held
    waiting = asyncio.ensure_future(limiter.wait_turn(ANNA, PRIORITY_PROACTIVE))
    await clock.wait_for_sleepers()
    clock.advance(timedelta(milliseconds=999))
    await asyncio.sleep(0)
    assert not waiting.done()  # not a moment early
    clock.advance(timedelta(milliseconds=1))
    assert await waiting is None


async def test_a_group_gets_twenty_a_minute_evenly_spaced() -> None:
    clock = FakeClock(START)
    limiter = RateLimiter(clock, rate=None, max_wait=timedelta(0))
    sent = []
    while clock.now() < START + timedelta(minutes=1):
        if await limiter.wait_turn(TEAM, PRIORITY_SAFETY) is None:
            sent.append(clock.now())
        clock.advance(timedelta(milliseconds=500))
    assert len(sent) == 20
    assert all(b - a >= timedelta(seconds=3) for a, b in pairwise(sent))


async def test_the_global_rate_spaces_sends_to_different_chats() -> None:
    clock = FakeClock(START)
    limiter = RateLimiter(clock, rate=25, max_wait=timedelta(seconds=10))
    slots = []
    for chat in range(1, 51):
        slots.append(limiter.ready_at(chat, PRIORITY_PROACTIVE))
        limiter._book(chat, slots[-1])
    assert slots[1] - slots[0] == timedelta(seconds=0.04)
    in_first_second = [s for s in slots if s < START + timedelta(seconds=1)]
    assert len(in_first_second) == 25


async def test_a_safety_row_waits_only_for_its_own_chat_not_the_global_queue() -> None:
    clock = FakeClock(START)
    limiter = RateLimiter(clock, rate=25)
    for chat in range(1, 26):  # a second's worth of reminders booked ahead of it
        limiter._book(chat, limiter.ready_at(chat, PRIORITY_PROACTIVE))
    assert limiter.ready_at(ANNA, PRIORITY_PROACTIVE) >= START + timedelta(seconds=1)
    assert limiter.ready_at(ANNA, PRIORITY_SAFETY) == START
    assert limiter.ready_at(1, PRIORITY_SAFETY) == START + timedelta(seconds=1)  # its chat's


async def test_a_long_wait_books_nothing_and_says_when_to_come_back() -> None:
    clock = FakeClock(START)
    limiter = RateLimiter(clock, rate=None, max_wait=timedelta(milliseconds=500))
    assert await limiter.wait_turn(ANNA, PRIORITY_PROACTIVE) is None
    come_back = await limiter.wait_turn(ANNA, PRIORITY_PROACTIVE)
    assert _seconds(clock, come_back) == 1.0
    assert await limiter.wait_turn(ANNA, PRIORITY_PROACTIVE) == come_back  # still unbooked


async def test_retry_after_holds_the_chat_and_nothing_goes_before_it() -> None:
    clock = FakeClock(START)
    limiter = RateLimiter(clock, rate=None, max_wait=timedelta(0))
    limiter.flood(TEAM, 30)  # a group's 429: that group only
    assert limiter.held_until() is None
    assert limiter.ready_at(TEAM, PRIORITY_SAFETY) == START + timedelta(seconds=30)
    clock.advance(timedelta(seconds=29.9))
    assert await limiter.wait_turn(TEAM, PRIORITY_SAFETY) is not None
    clock.advance(timedelta(seconds=0.1))
    assert await limiter.wait_turn(TEAM, PRIORITY_SAFETY) is None


async def test_a_private_chats_429_slows_everyone_until_retry_after() -> None:
    clock = FakeClock(START)
    limiter = RateLimiter(clock, rate=25, max_wait=timedelta(0))
    limiter.flood(ANNA, 5)  # its spacing was kept: the bot as a whole is flooding
    assert limiter.held_until() == START + timedelta(seconds=5)
    for chat, priority in ((BEN, PRIORITY_PROACTIVE), (BEN, PRIORITY_SAFETY), (TEAM, 0)):
        assert limiter.ready_at(chat, priority) == START + timedelta(seconds=5)
    clock.advance(timedelta(seconds=5))
    assert limiter.held_until() is None
    assert await limiter.wait_turn(BEN, PRIORITY_PROACTIVE) is None


async def test_a_flood_that_arrives_while_waiting_sends_the_waiter_back_till_it_ends() -> None:
    clock = FakeClock(START)
    limiter = RateLimiter(clock, rate=1, max_wait=timedelta(seconds=10))
    assert await limiter.wait_turn(ANNA, PRIORITY_PROACTIVE) is None
    waiting = asyncio.ensure_future(limiter.wait_turn(BEN, PRIORITY_PROACTIVE))
    await clock.wait_for_sleepers()
    limiter.flood(ANNA, 3)
    clock.advance(timedelta(seconds=1))  # its slot came, but the bot is held till +3 s
    assert await waiting == START + timedelta(seconds=3)
    assert await limiter.wait_turn(BEN, PRIORITY_SAFETY) == START + timedelta(seconds=3)
    clock.advance(timedelta(seconds=2))
    assert await limiter.wait_turn(BEN, PRIORITY_SAFETY) is None


def test_unlimited_holds_nothing() -> None:
    clock = FakeClock(START)
    limiter = RateLimiter.unlimited(clock)
    limiter._book(ANNA, START)
    limiter.flood(ANNA, 5)
    assert limiter.held_until() is None
    assert limiter.ready_at(BEN, PRIORITY_PROACTIVE) == START
    assert limiter.round_size(50) == 50
    assert RateLimiter(clock, rate=25).round_size(50) == 25
