"""End to end: a reminder's buttons answered over the fake Bot API, by the running bot.

The planner is not part of this test: the reminder is queued in the outbox directly, with
the buttons ``dialogues/proactive.py`` defines, as the planner would queue it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dialogues.proactive import appointment_buttons
from storage.models import Appointment
from storage.uow import UnitOfWork
from tests.e2e.conftest import FACILITATOR_ID, INVITE_ALIAS, Person, RunningBot
from tests.e2e.fake_bot_api import FakeBotAPI

PARTICIPANT_ID = 8801
WithUow = Callable[[Callable[[UnitOfWork], Awaitable[Any]]], Awaitable[Any]]


@pytest.fixture
async def alex(bot: RunningBot, person: Callable[..., Person], invite_code: str) -> Person:
    alex = person(PARTICIPANT_ID, "Alex")
    await alex.through_consent(invite_code)
    alex.say("Alex")
    ask_time = await alex.next("When would you like a daily check-in?")
    alex.tap(ask_time, "No daily check-in")
    await alex.next("Done")
    await alex.next()  # the menu
    return alex


async def queue_reminder(with_uow: WithUow, starts_at: datetime) -> int:
    """Book an appointment for Alex and queue its reminder with the answer buttons."""
    async def work(uow: UnitOfWork) -> int:
        participant = await uow.participants.by_telegram_id(PARTICIPANT_ID)
        assert participant is not None
        now = datetime.now(UTC)
        appointment = await uow.appointments.add(participant.id, starts_at, 3, now)
        buttons = [[{"text": "answer-" + b.data.split(":")[2].split(".")[0], "data": b.data}
                    for b in row] for row in appointment_buttons(appointment.id)]
        payload = uow.cipher.encrypt_json({"text": "A reminder for you.", "buttons": buttons})
        await uow.outbox.enqueue(chat_id=participant.chat_id, audience="participant",
                                 payload=payload, now=now, key=f"test:appt:{appointment.id}")
        await uow.commit()
        return appointment.id

    result: int = await with_uow(work)
    return result


async def response_of(with_uow: WithUow, appointment_id: int) -> str | None:
    async def work(uow: UnitOfWork) -> str | None:
        row = await uow.session.get(Appointment, appointment_id)
        assert row is not None
        return row.response

    result: str | None = await with_uow(work)
    return result


async def test_a_reminder_answered_over_telegram_is_recorded_and_passed_on(
        fake: FakeBotAPI, alex: Person, with_uow: WithUow) -> None:
    facilitator = Person(fake, FACILITATOR_ID)
    await facilitator.next("has accepted their invitation")
    starts_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    first = await queue_reminder(with_uow, starts_at)
    reminder = await alex.next("A reminder for you.")

    alex.tap(reminder, "answer-appt_yes")
    await alex.next("Thanks")
    assert await response_of(with_uow, first) == "attending"

    second = await queue_reminder(with_uow, starts_at + timedelta(days=7))
    reminder = await alex.next("A reminder for you.")
    alex.tap(reminder, "answer-appt_move")
    await alex.next("I've told your facilitator.")
    ask = await alex.next("short note")
    await facilitator.next(f"{INVITE_ALIAS} would like to rearrange")  # at the tap
    alex.say("Could we move it to the afternoon?")
    await alex.next("passed your note on")

    note = await facilitator.next(f"{INVITE_ALIAS} added a note about rearranging")
    assert "Could we move it to the afternoon?" in note["text"]
    assert await response_of(with_uow, second) == "rearrange"
    assert "No message" in str(ask.get("reply_markup"))
