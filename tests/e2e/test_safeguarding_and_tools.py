"""End to end over HTTP, as people would use it on Telegram: a disclosure reaches the
facilitator's chat and their Acknowledge button works; a whole Time Out (with its timed
prompts, moved on by a controllable clock rather than waited for) and a Press Pause."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import RunningFakeClock
from bot.config import Settings
from bot.runner import run_bot
from tests.e2e.conftest import (
    FACILITATOR_ID,
    START_TIMEOUT,
    STOP_TIMEOUT,
    Person,
    labels,
    transcript,
)
from tests.e2e.fake_bot_api import FakeBotAPI

PARTICIPANT_ID = 8301
START = datetime(2026, 5, 12, 17, 0, tzinfo=UTC)  # a Tuesday; 18:00 in London


@dataclass
class ClockedBot:
    task: asyncio.Task[None]
    stop: asyncio.Event
    clock: RunningFakeClock


@pytest.fixture
async def clocked_bot(settings: Settings, fake: FakeBotAPI,
                      invite_code: str) -> AsyncIterator[ClockedBot]:
    """The real bot whose clock only moves when the test moves it."""
    clock = RunningFakeClock(START)
    stop = asyncio.Event()
    polls_before = len(fake.calls_to("getUpdates"))
    task = asyncio.create_task(run_bot(settings, stop, clock))
    await fake.wait_until(lambda: task.done() or len(fake.calls_to("getUpdates")) > polls_before,
                          START_TIMEOUT, "the bot's first getUpdates")
    try:
        yield ClockedBot(task, stop, clock)
    finally:
        stop.set()
        await asyncio.wait_for(task, STOP_TIMEOUT)


@pytest.fixture
async def alex(clocked_bot: ClockedBot, person: Callable[..., Person],
               invite_code: str) -> Person:
    """A participant who has finished onboarding and is looking at the menu."""
    alex = person(PARTICIPANT_ID, "Alex")
    await alex.through_consent(invite_code)
    alex.say("Alex")
    ask_time = await alex.next("When would you like a daily check-in?")
    alex.tap(ask_time, "No daily check-in")
    await alex.next("Done")
    await alex.next()  # the menu
    return alex


async def test_a_disclosure_reaches_the_facilitator_who_acknowledges_it(
        fake: FakeBotAPI, alex: Person) -> None:
    facilitator = Person(fake, FACILITATOR_ID)
    await facilitator.next("has accepted their invitation")

    alex.say("i've got a knife and i'm going to use it on her tonight")

    reply = await alex.next("999", "facilitator")
    assert "Carry on where I was" not in labels(reply)  # no flow was in progress
    alert = await facilitator.next("URGENT", "weapon", "knife")
    assert labels(alert) == ["Acknowledge", "Close with note"]
    callback = facilitator.tap(alert, "Acknowledge")
    answer = await fake.wait_for_callback_answer(callback)
    assert answer.get("text") == "Acknowledged. Thank you."
    await facilitator.next("acknowledged by the assigned facilitator")


async def test_a_whole_time_out_with_its_timed_prompts(
        fake: FakeBotAPI, alex: Person, clocked_bot: ClockedBot) -> None:
    alex.say("/timeout")
    danger = await alex.next("in danger right now")
    alex.tap(danger, "No")
    await alex.next("calmly", "not a way to end a conversation")
    colour = await alex.next("what colour are you right now?")
    alex.tap(colour, "Yellow")
    length = await alex.next("How long is this Time Out?")
    assert labels(length)[0] == "30 minutes (your usual)"
    alex.tap(length, "20 minutes")
    rules = await alex.next("drive", "drink")
    alex.tap(rules, "Start")
    await alex.next("18:20")  # come back at 18:20 London time

    clocked_bot.clock.advance(timedelta(minutes=7))
    prompt = await alex.next()
    first_line = prompt["text"].splitlines()[0].lower()
    assert not any(word in first_line for word in ("time out", "abuse", "partner", "programme"))
    alex.tap(prompt, "No more reminders")
    await alex.next("reminders")

    clocked_bot.clock.advance(timedelta(minutes=14))  # past the second prompt and the end
    end = await alex.next()
    assert labels(end) == ["I'm back"]
    alex.tap(end, "I'm back")
    after = await alex.next("colour")
    alex.tap(after, "Green")
    await alex.next("What will you say")
    alex.say("I'm calmer now and I'd like to talk it through properly")
    await alex.next("You'll start with", "listen")
    alex.say("Let her finish before I answer")
    await alex.next("Let her finish before I answer", "Go back now")
    # The silenced second prompt never came; everything sent was read in order above.
    assert transcript(fake.messages_to(PARTICIPANT_ID)) == transcript(alex.seen)


async def test_a_press_pause_shared_with_the_facilitator(
        fake: FakeBotAPI, alex: Person) -> None:
    facilitator = Person(fake, FACILITATOR_ID)
    await facilitator.next("has accepted their invitation")
    alex.say("/pause")
    await alex.next("pause")
    await alex.next("What happened")
    alex.say("She said I never listen and I raised my voice")
    await alex.next("mind")
    alex.say("She always blames me for everything")
    strength = await alex.next("10")
    alex.tap(strength, "8")
    fact = await alex.next("She always blames me for everything", "fact")
    alex.tap(fact, "How it felt")
    await alex.next("isn't the whole picture")
    await alex.next("other person")
    alex.say("She was tired and wanted me to hear her")
    await alex.next("What will you do")
    alex.say("Tell her I was wrong to shout and ask to hear her out")
    after = await alex.next("1 to 10")
    alex.tap(after, "4")
    summary = await alex.next("8 out of 10", "4 out of 10", "She was tired")
    alex.tap(summary, "Share with my facilitator")
    await alex.next("facilitator")
    shared = await facilitator.next("Press Pause", "She was tired and wanted me to hear her")
    assert "8 out of 10" in shared["text"]
