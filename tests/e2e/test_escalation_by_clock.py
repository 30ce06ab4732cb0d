"""End to end: the running bot escalates an unacknowledged urgent flag to the team chat by
the clock alone. Nobody presses anything; only the bot's own escalation job, ticking as in
production, notices the deadline has passed once the test moves the clock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.clock import OffsetClock
from bot.config import Settings
from bot.runner import run_bot
from storage.uow import UnitOfWork
from tests.e2e.conftest import (
    FACILITATOR_ID,
    START_TIMEOUT,
    STOP_TIMEOUT,
    Person,
    labels,
    transcript,
)
from tests.e2e.fake_bot_api import FakeBotAPI

PARTICIPANT_ID = 8501
TEAM_CHAT = -100_5151


def _next_tuesday_evening(now: datetime) -> datetime:
    """17:00 UTC on a Tuesday after ``now``: an evening in London whatever the season."""
    day = now.date() + timedelta(days=1)
    while day.weekday() != 1:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 17, 0, tzinfo=UTC)


async def _set_team_chat(uow: UnitOfWork) -> None:
    await uow.settings.put("team_chat_id", str(TEAM_CHAT))
    await uow.commit()


async def test_an_unacknowledged_urgent_flag_reaches_the_team_chat_when_its_time_is_up(
    fake: FakeBotAPI, settings: Settings, invite_code: str, person: Callable[..., Person],
    with_uow: Callable[[Callable[[UnitOfWork], Awaitable[None]]], Awaitable[None]],
) -> None:
    fake.add_group(TEAM_CHAT, "Invented duty team")
    await with_uow(_set_team_chat)
    # The escalation job ticks often (production: every 30 s), as the only thing that can
    # notice a deadline: the conftest default of an hour would hide its absence.
    ticking = settings.model_copy(update={"escalation_interval_seconds": 0.2})
    # Time runs on (the sender spaces messages to a chat 1 s apart), from a Tuesday evening;
    # the test moves it on past the deadline.
    clock = OffsetClock()
    clock.advance(_next_tuesday_evening(datetime.now(UTC)) - datetime.now(UTC))
    stop = asyncio.Event()
    polls_before = len(fake.calls_to("getUpdates"))
    task = asyncio.create_task(run_bot(ticking, stop, clock))
    await fake.wait_until(lambda: task.done() or len(fake.calls_to("getUpdates")) > polls_before,
                          START_TIMEOUT, "the bot's first getUpdates")
    try:
        sam = person(PARTICIPANT_ID, "Sam")
        await sam.through_consent(invite_code)
        sam.say("Sam")
        ask_time = await sam.next("When would you like a daily check-in?")
        sam.tap(ask_time, "No daily check-in")
        await sam.next("Done")
        await sam.next()  # the menu
        facilitator = Person(fake, FACILITATOR_ID)
        await facilitator.next("has accepted their invitation")

        sam.say("i've got a knife and i'm going to use it on her tonight")
        await sam.next("999")
        alert = await facilitator.next("URGENT", "knife")
        assert labels(alert) == ["Acknowledge", "Close with note"]
        assert fake.messages_to(TEAM_CHAT) == []  # nobody else yet: the facilitator has time

        clock.advance(timedelta(minutes=15, seconds=30))  # nobody acknowledged

        team = Person(fake, TEAM_CHAT)
        escalation = await team.next("knife")
        assert labels(escalation) == ["Acknowledge", "Close with note"]
        # No second alert to the facilitator: only what they had read already.
        assert transcript(fake.messages_to(FACILITATOR_ID)) == transcript(facilitator.seen)
    finally:
        stop.set()
        await asyncio.wait_for(task, STOP_TIMEOUT)
