"""End to end: a simulated week of reminders for 50 participants through the running bot.

The bot runs as in production (planner tick, outbox sender, rate limiter) on a clock the
test moves an hour at a time, against the fake Bot API, which answers some sends with 429
(retry_after) and 500. Every reminder planned in the week reaches Telegram exactly once,
in order per chat, and none inside a participant's quiet hours (21:00-08:00 local): daily
check-in prompts, an appointment's two reminders, the next day's signpost, a practice nudge.
On SQLite, and on PostgreSQL when STEADY_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import and_, func, or_, select

from bot.clock import FakeClock
from bot.config import Settings
from bot.runner import run_bot
from storage.models import OutboxMessage, Participant
from storage.uow import UnitOfWork
from tests.databases import PG_ENV, postgres_param, reset_postgres
from tests.e2e.conftest import START_TIMEOUT, STOP_TIMEOUT
from tests.e2e.fake_bot_api import FakeBotAPI

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 11, 9, 0, 30, tzinfo=UTC)  # a Monday, London on GMT
PEOPLE = range(9001, 9051)  # 50 invented participants
QUIET = ("21:00", "08:00")
DAYS = 7
POLL_SECONDS = 0.02
POLL_CEILING = 3000  # a minute of real time for one hour of the bot's


@pytest.fixture(params=[pytest.param("sqlite", id="sqlite"), postgres_param()])
async def settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """The end-to-end settings (a SQLite file), or the same on the PostgreSQL test database."""
    if request.param == "sqlite":
        return settings
    url = os.environ[PG_ENV]
    await reset_postgres(url)
    return settings.model_copy(update={"database_url": url})


class Row(NamedTuple):
    chat_id: int
    status: str
    key: str | None
    message_id: int | None


def _quiet(local: datetime) -> bool:
    return local.hour >= 21 or local.hour < 8


async def _seed(uow: UnitOfWork) -> None:
    for index, user_id in enumerate(PEOPLE):
        participant = Participant(
            telegram_user_id=user_id, chat_id=user_id, facilitator_id=None,
            alias=f"wk-{index:02d}", status="active", start_date=date(2026, 10, 1),
            checkin_time="09:00" if index % 2 else "20:30", timezone="Europe/London",
            preferences={"quiet_start": QUIET[0], "quiet_end": QUIET[1]},
            consented_at=START, created_at=START)
        uow.session.add(participant)
        await uow.session.flush()
        # One session in the week, at 14:00 local on Wednesday or Thursday.
        day = 11 + index % 2
        await uow.appointments.add(participant.id, datetime(2026, 11, day, 14, 0, tzinfo=UTC),
                                   5, START)
    await uow.commit()


def _busy(now: datetime) -> Callable[[UnitOfWork], Awaitable[int]]:
    """Work the bot still owes at ``now``: rows due and unsent (including those waiting out
    a retry_after or a chat's spacing), participants due to plan."""
    async def count(uow: UnitOfWork) -> int:
        due_rows = await uow.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_(("pending", "sending")), OutboxMessage.not_before <= now))
        due_people = await uow.session.scalar(select(func.count()).select_from(Participant).where(
            or_(Participant.next_plan_at.is_(None), Participant.next_plan_at <= now)))
        return int(due_rows or 0) + int(due_people or 0)
    return count


async def _until_caught_up(
    clock: FakeClock,
    with_uow: Callable[[Callable[[UnitOfWork], Awaitable[object]]], Awaitable[object]],
) -> None:
    """Poll until the bot owes nothing at the clock's time. Its ticks run on real time
    (APScheduler), so this polls; while work is left (a retry_after, a chat's 1 s spacing)
    the clock is moved on 2 s at a time. A ceiling, never a wait the test depends on."""
    for poll in range(POLL_CEILING):
        if await with_uow(_busy(clock.now())) == 0:
            return
        await asyncio.sleep(POLL_SECONDS)  # a poll interval, not a timing assumption
        if poll % 10 == 9:
            clock.advance(timedelta(seconds=2))
    raise AssertionError(f"the bot did not catch up by {clock.now()}")


async def _sent_rows(uow: UnitOfWork) -> list[Row]:
    rows = await uow.session.execute(
        select(OutboxMessage.chat_id, OutboxMessage.status, OutboxMessage.idempotency_key,
               OutboxMessage.telegram_message_id)
        .where(and_(OutboxMessage.chat_id >= PEOPLE.start, OutboxMessage.chat_id < PEOPLE.stop))
        .order_by(OutboxMessage.id))
    return [Row(*row) for row in rows]


async def test_a_week_of_reminders_for_50_people_arrives_once_in_order_outside_quiet_hours(
    fake: FakeBotAPI, settings: Settings,
    with_uow: Callable[[Callable[[UnitOfWork], Awaitable[object]]], Awaitable[object]],
) -> None:
    for user_id in PEOPLE:
        fake.add_user(user_id, "Invented", started=True)
    await with_uow(_seed)
    ticking = settings.model_copy(update={"planner_interval_seconds": 0.1})
    clock = FakeClock(START)
    stop = asyncio.Event()
    polls = len(fake.calls_to("getUpdates"))
    task = asyncio.create_task(run_bot(ticking, stop, clock))
    await fake.wait_until(lambda: task.done() or len(fake.calls_to("getUpdates")) > polls,
                          START_TIMEOUT, "the bot's first getUpdates")
    sent_at: dict[int, list[datetime]] = {user_id: [] for user_id in PEOPLE}
    seen = Counter[int]()
    try:
        for hour in range(DAYS * 24):
            clock.advance(timedelta(hours=1))
            if hour % 9 == 2:  # Telegram pushes back now and then
                fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", 7)
            if hour % 11 == 5:
                fake.fail_next("sendMessage", 500, "Internal Server Error")
            await _until_caught_up(clock, with_uow)
            for user_id in PEOPLE:  # what arrived now was sent at this moment of the bot's time
                arrived = len(fake.messages_to(user_id))
                sent_at[user_id] += [clock.now()] * (arrived - seen[user_id])
                seen[user_id] = arrived
    finally:
        stop.set()
        await asyncio.wait_for(task, STOP_TIMEOUT)

    rows = await with_uow(_sent_rows)
    assert isinstance(rows, list)
    assert {row.status for row in rows} == {"sent"}
    by_chat: dict[int, list[Row]] = {user_id: [] for user_id in PEOPLE}
    for row in rows:
        by_chat[row.chat_id].append(row)
    for user_id in PEOPLE:
        keys = [row.key or "" for row in by_chat[user_id]]
        assert sum(key.startswith("checkin:") for key in keys) == DAYS
        # The day before and 2 h before the session; the next day, what comes next; and a
        # practice nudge three days after.
        assert sorted(key.rsplit(":", 1)[-1] for key in keys if key.startswith("appt:")) == [
            "24h", "2h", "practice", "signpost"]
        delivered = [int(m["message_id"]) for m in fake.messages_to(user_id)]
        # Exactly once and in order: Telegram holds one message per row, in the rows' order.
        assert delivered == [row.message_id for row in by_chat[user_id]]
        quiet = [moment for moment in sent_at[user_id] if _quiet(moment.astimezone(LONDON))]
        assert quiet == [], f"{user_id} got messages in quiet hours at {quiet}"
    assert any(call for call in fake.calls_to("sendMessage")), "nothing was sent"
