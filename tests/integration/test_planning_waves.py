"""The batched planner on every database: only due people read, short transactions, waves."""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select

from bot.app import App
from bot.clock import FakeClock
from dialogues.events import Kind
from storage.appointments import PlanningQueue
from storage.models import Appointment, Participant
from storage.outbox import PRIORITY_PROACTIVE
from tests.integration.conftest import START, InboundFactory, UserFactory, onboard

ALEX = 4242
APPOINTMENT = START + timedelta(days=2, hours=5)  # Wednesday 14:00 GMT
DAY_BEFORE = APPOINTMENT - timedelta(days=1)


async def seed_people(app: App, count: int, *, next_plan_at: datetime | None = None,
                      status: str = "active", start_date: date | None = None,
                      appointment: datetime | None = APPOINTMENT) -> list[int]:
    """Insert ``count`` participants (and an appointment each) in bulk, as a bulk import."""
    now = app.clock.now()
    async with app.uow() as uow:
        first = (await uow.session.scalar(select(func.max(Participant.id))) or 0) + 1
        ids = list(range(first, first + count))
        await uow.session.execute(insert(Participant), [{
            "id": pid, "telegram_user_id": 900_000 + pid, "chat_id": 900_000 + pid,
            "alias": f"bulk-{pid}", "status": status, "start_date": start_date,
            "timezone": "Europe/London", "preferences": {}, "next_plan_at": next_plan_at,
            "consented_at": now, "created_at": now} for pid in ids])
        if appointment is not None:
            await uow.session.execute(insert(Appointment), [{
                "participant_id": pid, "starts_at": appointment, "week": 3,
                "status": "scheduled", "created_at": now, "updated_at": now} for pid in ids])
        await uow.commit()
    return ids


async def next_plan_at(app: App, participant_id: int) -> datetime | None:
    async with app.uow() as uow:
        return await uow.session.scalar(
            select(Participant.next_plan_at).where(Participant.id == participant_id))


async def reminder_rows(app: App) -> list[tuple[str, int]]:
    """(key, priority) of every appointment reminder queued."""
    async with app.uow() as uow:
        return [(r.idempotency_key, r.priority) for r in await uow.outbox.all()
                if r.idempotency_key and r.idempotency_key.startswith("appt:")]


async def test_only_participants_due_are_read(app: App, clock: FakeClock) -> None:
    later = await seed_people(app, 2, next_plan_at=START + timedelta(hours=1))
    past = await seed_people(app, 2, next_plan_at=START - timedelta(hours=1))
    never = await seed_people(app, 2)
    await seed_people(app, 2, status="left")

    async with app.uow() as uow:
        due = [p.id for p in await PlanningQueue(uow.session).due(START, 0, 100)]

    assert due == past + never
    await app.planner.plan()
    assert await next_plan_at(app, later[0]) == START + timedelta(hours=1)
    assert await next_plan_at(app, never[0]) == START + timedelta(days=1)  # daily at least
    async with app.uow() as uow:
        assert await PlanningQueue(uow.session).due(START, 0, 100) == []


async def test_each_batch_is_committed_on_its_own(app: App, clock: FakeClock) -> None:
    await seed_people(app, 5)
    clock.current = DAY_BEFORE
    app.planner.batch_size = 2
    committed: list[int] = []

    async def look(_size: int) -> None:  # a separate transaction sees each batch at once
        committed.append(len(await reminder_rows(app)))

    app.planner.after_batch = look
    assert await app.planner.plan() == 5

    assert committed == [2, 4, 5]
    rows = await reminder_rows(app)
    assert {priority for _, priority in rows} == {PRIORITY_PROACTIVE}
    assert len({key for key, _ in rows}) == 5
    assert await app.planner.plan() == 0  # planning again sends nothing twice


async def test_a_reminder_whose_appointment_passed_in_an_outage_is_never_queued(
        app: App, clock: FakeClock) -> None:
    await seed_people(app, 1)
    await app.planner.plan()
    clock.current = APPOINTMENT + timedelta(minutes=5)  # the planner was down throughout

    await app.planner.plan()

    assert await reminder_rows(app) == []


async def test_late_but_still_meaningful_only_the_latest_goes_out(
        app: App, clock: FakeClock) -> None:
    await seed_people(app, 1)
    await app.planner.plan()
    clock.current = APPOINTMENT - timedelta(minutes=30)

    await app.planner.plan()

    assert [key for key, _ in await reminder_rows(app)] == ["appt:1:20260304T1400:2h"]


async def test_a_waiting_participant_becomes_active_on_the_start_date(
        app: App, clock: FakeClock) -> None:
    (pid,) = await seed_people(app, 1, status="waiting", start_date=date(2026, 3, 9),
                               appointment=None)
    assert await app.planner.plan() == 0
    clock.current = START + timedelta(hours=1)  # 10:00 local
    assert await app.planner.plan() == 1  # the welcome piece
    assert await next_plan_at(app, pid) is not None

    clock.current = datetime(2026, 3, 9, 0, 1, tzinfo=START.tzinfo)
    await app.planner.plan()

    async with app.uow() as uow:
        assert await uow.session.scalar(
            select(Participant.status).where(Participant.id == pid)) == "active"


async def test_a_changed_setting_has_the_person_replanned_at_the_next_tick(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock) -> None:
    await onboard(user(ALEX), invite_code, time_label="21:00")
    await app.planner.plan()
    async with app.uow() as uow:
        alex = await uow.participants.by_telegram_id(ALEX)
        assert alex is not None
        assert alex.next_plan_at == datetime(2026, 3, 2, 21, tzinfo=START.tzinfo)
        alex.checkin_time = "10:00"
        await uow.commit()

    assert await next_plan_at(app, alex.id) is None
    clock.current = datetime(2026, 3, 2, 10, tzinfo=START.tzinfo)
    assert await app.planner.plan() == 1


async def test_people_talking_during_a_wave_of_10000_reminders_wait_under_200_ms(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock,
        make_inbound: InboundFactory) -> None:
    alex = user(ALEX)
    await onboard(alex, invite_code, time_label="No daily check-in")
    await seed_people(app, 10_000)
    await app.planner.plan()  # everyone now waits for their day-before reminder
    clock.current = DAY_BEFORE
    waits: list[float] = []
    batches = 0

    async def talk(_size: int) -> None:
        # Alex's update runs between two batches, while the wave is still being planned.
        nonlocal batches
        batches += 1
        started = time.perf_counter()
        await app.engine.handle(make_inbound(ALEX, Kind.COMMAND, "/menu"))  # reply queued
        waits.append(time.perf_counter() - started)

    app.planner.after_batch = talk
    wave = asyncio.create_task(app.planner.plan())
    queued = await wave

    assert queued == 10_000 and batches == -(-10_001 // app.planner.batch_size)  # and Alex
    assert max(waits) < 0.2, f"slowest update {max(waits) * 1000:.0f} ms"
