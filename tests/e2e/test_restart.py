"""End to end: stopping the bot and starting it again loses nothing and repeats nothing.

The database holds the truth: the dialogue step, the outbox and the processed update ids.
A new ``run_bot`` on the same database must carry on where the old one stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from bot.config import Settings
from tests.e2e.conftest import (
    FACILITATOR_ID,
    Person,
    RunningBot,
    labels,
    start_bot,
    transcript,
)
from tests.e2e.fake_bot_api import FakeBotAPI

PARTICIPANT = 8001
STOP_PROMPTLY = 3.0  # a ceiling: the long poll is 25 s, so this tells the two apart


async def test_onboarding_carries_on_after_a_restart(
    fake: FakeBotAPI, settings: Settings, invite_code: str, person: Callable[..., Person]
) -> None:
    jordan = person(PARTICIPANT, "Jordan")
    first = await start_bot(settings, fake)
    second: RunningBot | None = None
    try:
        await jordan.through_consent(invite_code)
        await fake.wait_for_message(FACILITATOR_ID)  # "joined"
        await fake.wait_for_long_poll()  # "I agree" is committed and its offset confirmed

        await first.stop()
        assert fake.pending_updates == []
        second = await start_bot(settings, fake)

        # The new process knows Jordan agreed and was asked for a name.
        jordan.say("Jo")
        ask_time = await jordan.next("Thanks, Jo.")
        jordan.tap(ask_time, "12:30")
        await jordan.next("each day at 12:30")
        assert "Check in" in labels(await jordan.next())

        # Nothing was sent twice across the restart, to Jordan or to the facilitator, and
        # every press was answered (the old process answered its own before it stopped).
        assert transcript(fake.messages_to(PARTICIPANT)) == transcript(jordan.seen)
        assert len(fake.messages_to(FACILITATOR_ID)) == 1
        for callback_id in jordan.callback_ids:
            assert not (await fake.wait_for_callback_answer(callback_id)).get("text")
    finally:
        await first.stop()
        if second is not None:
            await second.stop()


async def test_the_stop_event_ends_the_bot_promptly_during_a_long_poll(
    fake: FakeBotAPI, bot: RunningBot
) -> None:
    await fake.wait_for_long_poll()

    bot.stop_event.set()
    done, _ = await asyncio.wait({bot.task}, timeout=STOP_PROMPTLY)

    assert bot.task in done, f"run_bot still running {STOP_PROMPTLY}s after the stop event"
    assert bot.task.exception() is None


async def test_a_delivery_cut_off_by_a_restart_does_not_hold_the_chat_back(
    fake: FakeBotAPI, settings: Settings, invite_code: str, person: Callable[..., Person]
) -> None:
    """A send still waiting for Telegram when the bot stops goes out after the restart,
    and the chat is not held back behind it (it once stayed 'sending' for 5 minutes)."""
    jordan = person(PARTICIPANT, "Jordan")
    # Hold sendMessage on the fake's side, so a delivery is in flight when the bot stops.
    # (The fake has no public hook for a slow method; this wraps its own handler.)
    released = asyncio.Event()
    name, send_message = fake._methods["sendmessage"]

    async def held_send_message(params: dict[str, Any]) -> Any:
        await released.wait()
        return await send_message(params)

    fake._methods["sendmessage"] = (name, held_send_message)
    first = await start_bot(settings, fake)
    second: RunningBot | None = None
    try:
        # Flood control on the intro: the retry a second later is the scheduler tick's.
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        jordan.say(f"/start {invite_code}")
        await fake.wait_until(lambda: len(fake.calls_to("sendMessage")) == 2, 10.0,
                              "the tick's retry of the intro")

        await first.stop()  # while that retry waits for Telegram's answer
        fake._methods["sendmessage"] = (name, send_message)
        second = await start_bot(settings, fake)

        # Jordan saw nothing yet and asks again. The intro that was cut off comes now (at
        # least once: Telegram may have had it), then the one asked again, not in minutes.
        jordan.say("/start")
        await jordan.next("I'm Steady", timeout=5.0)
        again = await jordan.next("I'm Steady", timeout=5.0)
        jordan.tap(again, "Continue")
        await jordan.next("who sees what")
    finally:
        released.set()
        await first.stop()
        if second is not None:
            await second.stop()


class _SchedulerStopping(logging.Handler):
    """Sets an event when APScheduler logs that it paused or shut down: the bot's stop has
    reached the scheduler, and a running tick has been told (or left) to finish."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "Paused scheduler job processing" in message or "has been shut down" in message:
            self.event.set()


async def test_a_message_delivered_as_the_bot_stops_does_not_hold_the_chat_back(
    fake: FakeBotAPI, settings: Settings, invite_code: str, person: Callable[..., Person]
) -> None:
    """A race once seen under load in the restart test above, made deterministic: the test
    holds SQLite's write lock so that the tick which delivered the intro is still recording
    it ("sent") when the bot is asked to stop. The row used to stay 'sending', holding the
    chat back for 5 minutes (STALE_CLAIM) and then sending the intro again."""
    jordan = person(PARTICIPANT, "Jordan")
    released = asyncio.Event()
    name, send_message = fake._methods["sendmessage"]  # no public hook for a slow method

    async def held_send_message(params: dict[str, Any]) -> Any:
        await released.wait()
        return await send_message(params)

    fake._methods["sendmessage"] = (name, held_send_message)
    stopping = _SchedulerStopping()
    scheduler_log = logging.getLogger("apscheduler.scheduler")
    scheduler_log.setLevel(logging.INFO)  # restore_logging puts it back
    scheduler_log.addHandler(stopping)
    database = settings.database_url.split("///", 1)[1]
    writer_lock = sqlite3.connect(database, timeout=5.0, isolation_level=None)
    first = await start_bot(settings, fake)
    second: RunningBot | None = None
    try:
        # Flood control on the intro, so its retry is a scheduler tick's (kicks follow
        # commits, and nothing is committed here).
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        jordan.say(f"/start {invite_code}")
        await fake.wait_until(lambda: len(fake.calls_to("sendMessage")) == 2, 10.0,
                              "the tick's retry of the intro")
        writer_lock.execute("BEGIN IMMEDIATE")  # the tick is waiting for Telegram: no writer
        released.set()
        intro = await jordan.next("I'm Steady")  # delivered; recording it waits for the lock

        first.stop_event.set()
        with contextlib.suppress(TimeoutError):  # a ceiling, should the log line go away
            await asyncio.wait_for(stopping.event.wait(), 3.0)
        writer_lock.execute("ROLLBACK")  # the tick may record the delivery now
        await first.stop()
        second = await start_bot(settings, fake)

        jordan.tap(intro, "Continue")
        await fake.wait_for_message(PARTICIPANT, lambda m: "who sees what" in m["text"], 5.0)
    finally:
        scheduler_log.removeHandler(stopping)
        if writer_lock.in_transaction:
            writer_lock.execute("ROLLBACK")
        writer_lock.close()
        released.set()
        await first.stop()
        if second is not None:
            await second.stop()
