"""A proactive message that is still queued after its moment has passed (the sender was
down, Telegram held it back) is dropped unsent: an appointment reminder after the
appointment has begun would only confuse. Everything else still goes, late."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from storage.models import OutboxMessage, Participant
from storage.outbox import PRIORITY_PROACTIVE, Outbox
from tests.integration.conftest import RecordingChannel

ANNA = 4501


async def _queue(app: App, text: str, key: str, expires_at: datetime | None) -> None:
    async with app.uow() as uow:
        await uow.outbox.enqueue(
            chat_id=ANNA, audience="participant", now=app.clock.now(), key=key,
            payload=uow.cipher.encrypt_json({"text": text, "buttons": []}),
            priority=PRIORITY_PROACTIVE, expires_at=expires_at)
        await uow.commit()


async def _rows(app: App) -> dict[str, tuple[str, str | None]]:
    async with app.uow() as uow:
        rows = await uow.session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.status, OutboxMessage.last_error))
    return {str(key): (status, error) for key, status, error in rows}


async def test_a_reminder_still_queued_after_its_moment_is_dropped_and_the_rest_go_late(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    start = clock.now() + timedelta(hours=2)
    await _queue(app, "Your appointment is at 11:00.", "appt:1:2h", expires_at=start)
    await _queue(app, "How is today going?", "checkin:1:today", expires_at=None)
    await _queue(app, "Tomorrow's session.", "appt:2:24h", expires_at=start + timedelta(days=1))

    clock.advance(timedelta(hours=3))  # the sender was down past the appointment's start
    assert await app.sender.dispatch_due() == 2

    assert [s.text for s in channel.to(ANNA)] == ["How is today going?", "Tomorrow's session."]
    assert (await _rows(app))["appt:1:2h"] == ("failed", "expired")


async def test_a_reminder_sent_before_its_moment_is_sent(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    await _queue(app, "In two hours.", "appt:1:2h", expires_at=clock.now() + timedelta(hours=2))
    clock.advance(timedelta(hours=1, minutes=59))
    assert await app.sender.dispatch_due() == 1
    assert [s.text for s in channel.to(ANNA)] == ["In two hours."]


async def test_the_planner_gives_an_appointment_reminder_the_appointment_as_its_deadline(
        app: App, clock: FakeClock) -> None:
    starts = clock.now() + timedelta(hours=2)
    async with app.uow() as uow:
        person = Participant(telegram_user_id=ANNA, chat_id=ANNA, facilitator_id=None,
                             alias="exp-01", status="active", start_date=date(2026, 1, 5),
                             checkin_time=None, timezone="Europe/London", preferences={},
                             consented_at=clock.now(), created_at=clock.now())
        uow.session.add(person)
        await uow.session.flush()
        appointment = await uow.appointments.add(person.id, starts, 3, clock.now())
        await uow.commit()

    await app.planner.plan()

    async with app.uow() as uow:
        deadlines = list(await uow.session.scalars(select(OutboxMessage.expires_at).where(
            OutboxMessage.idempotency_key.like(f"appt:{appointment.id}:%:2h"))))
    assert deadlines == [starts.astimezone(UTC)]


async def test_a_row_past_its_moment_is_never_claimed_even_before_the_sweep_drops_it(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    # The sender drops outdated rows once a second (not every round); a row that falls due
    # and passes its moment within that second must still never go out.
    begin = clock.now()
    assert await app.sender.dispatch_due() == 0  # the sweep ran now
    async with app.uow() as uow:
        await uow.outbox.enqueue(
            chat_id=ANNA, audience="participant", now=begin, key="appt:1:2h",
            payload=uow.cipher.encrypt_json({"text": "Starts now.", "buttons": []}),
            priority=PRIORITY_PROACTIVE, not_before=begin + timedelta(milliseconds=600),
            expires_at=begin + timedelta(milliseconds=500))
        await uow.commit()

    clock.advance(timedelta(milliseconds=800))  # due, outdated, and no sweep yet
    assert await app.sender.dispatch_due() == 0
    assert channel.to(ANNA) == []
    assert (await _rows(app))["appt:1:2h"] == ("pending", None)

    clock.advance(timedelta(milliseconds=300))  # a second after the last sweep
    assert await app.sender.dispatch_due() == 0
    assert (await _rows(app))["appt:1:2h"] == ("failed", "expired")


async def test_lapsed_leases_and_outdated_rows_are_swept_once_a_second_not_every_round(
        app: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    sweeps: list[datetime] = []
    release_expired = Outbox.release_expired

    async def counted(self: Outbox, now: datetime) -> int:
        sweeps.append(now)
        return await release_expired(self, now)

    monkeypatch.setattr(Outbox, "release_expired", counted)
    begin = clock.now()
    for _ in range(3):
        await app.sender.dispatch_due()
    clock.advance(timedelta(milliseconds=999))
    await app.sender.dispatch_due()
    clock.advance(timedelta(milliseconds=1))
    await app.sender.dispatch_due()
    await app.sender.dispatch_due()
    assert sweeps == [begin, begin + timedelta(seconds=1)]
