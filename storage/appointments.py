"""Appointments (one-to-one sessions) and the feedback given after them.

The planner reads appointments to plan their reminders; moving or cancelling one is written
here and the planner withdraws or replaces the reminders it had queued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, event, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Appointment,
    Conversation,
    OutboxMessage,
    Participant,
    SessionFeedback,
    UTCDateTime,
)


class Appointments:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, participant_id: int, starts_at: datetime, week: int | None,
                  now: datetime) -> Appointment:
        appointment = Appointment(participant_id=participant_id, starts_at=starts_at, week=week,
                                  status="scheduled", created_at=now, updated_at=now)
        self.session.add(appointment)
        await self.session.flush()
        await PlanningQueue(self.session).replan(participant_id)
        return appointment

    async def move(self, appointment: Appointment, starts_at: datetime, now: datetime) -> None:
        appointment.starts_at, appointment.status = starts_at, "scheduled"
        appointment.response = appointment.responded_at = None
        await self._changed(appointment, now)

    async def set_status(self, appointment: Appointment, status: str, now: datetime) -> None:
        """``status``: cancelled | attended | missed | scheduled."""
        appointment.status = status
        await self._changed(appointment, now)

    async def _changed(self, appointment: Appointment, now: datetime) -> None:
        appointment.updated_at = now
        await self.session.flush()
        await PlanningQueue(self.session).replan(appointment.participant_id)

    async def get(self, appointment_id: int) -> Appointment | None:
        return await self.session.get(Appointment, appointment_id)

    async def of_participant(self, participant_id: int) -> list[Appointment]:
        query = (select(Appointment).where(Appointment.participant_id == participant_id)
                 .order_by(Appointment.starts_at, Appointment.id))
        return list(await self.session.scalars(query))


class Feedback:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_appointment(self, appointment_id: int) -> SessionFeedback | None:
        return await self.session.scalar(
            select(SessionFeedback).where(SessionFeedback.appointment_id == appointment_id))

    # --- used by the answers to proactive messages (bot/answer_effects.py) -----------------

    async def answered_appointments(self, participant_id: int) -> set[int]:
        """Ids of this participant's appointments that already have feedback."""
        query = select(SessionFeedback.appointment_id).where(
            SessionFeedback.participant_id == participant_id)
        return {found for found in await self.session.scalars(query) if found is not None}

    async def add(self, feedback: SessionFeedback) -> bool:
        """Store feedback once per appointment; return False when it was already given."""
        if feedback.appointment_id is not None \
                and await self.for_appointment(feedback.appointment_id) is not None:
            return False
        self.session.add(feedback)
        await self.session.flush()
        return True

class AppointmentRow(NamedTuple):
    id: int
    starts_at: datetime
    week: int | None
    status: str


class PlanningQueue:
    """Who the planner must look at, and what it last decided, read and written in bulk.

    The planner's writes go through Core statements, not the ORM, so they do not trip the
    replan hook below, and so a batch of hundreds of rows is a handful of statements.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def due(self, now: datetime, after_id: int, limit: int) -> list[Participant]:
        """Participants due (``next_plan_at`` passed, or NULL: never planned or changed)."""
        query = (select(Participant)
                 .where(Participant.id > after_id, Participant.status.in_(PLANNED_STATUSES),
                        Participant.unreachable_since.is_(None),
                        or_(Participant.next_plan_at.is_(None), Participant.next_plan_at <= now))
                 .order_by(Participant.id).limit(limit)
                 # Two planners on one PostgreSQL take different people (SQLite ignores it).
                 .with_for_update(skip_locked=True, of=Participant))
        return list(await self.session.scalars(query))

    async def appointments_of(self, participant_ids: list[int], since: datetime,
                              until: datetime) -> dict[int, list[AppointmentRow]]:
        """Their appointments starting in [since, until), as plain rows (no ORM objects:
        a batch has thousands, and building objects would hold the event loop)."""
        found: dict[int, list[AppointmentRow]] = {pid: [] for pid in participant_ids}
        if participant_ids:
            query = (select(Appointment.participant_id, Appointment.id, Appointment.starts_at,
                            Appointment.week, Appointment.status)
                     .where(Appointment.participant_id.in_(participant_ids),
                            Appointment.starts_at >= since, Appointment.starts_at < until)
                     .order_by(Appointment.starts_at, Appointment.id))
            for pid, appointment_id, starts_at, week, status in await self.session.execute(query):
                found[pid].append(AppointmentRow(appointment_id, starts_at, week, status))
        return found

    async def conversations_of(self, participant_ids: list[int]) -> dict[int, Conversation]:
        if not participant_ids:
            return {}
        query = select(Conversation).where(Conversation.participant_id.in_(participant_ids))
        return {c.participant_id: c for c in await self.session.scalars(query)
                if c.participant_id is not None}

    async def existing_keys(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):  # stay under every backend's parameter limit
            chunk = keys[start:start + 500]
            query = select(OutboxMessage.idempotency_key).where(
                OutboxMessage.idempotency_key.in_(chunk))
            found.update(k for k in await self.session.scalars(query) if k is not None)
        return found

    async def add_rows(self, rows: list[OutboxMessage]) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def set_next(self, decided: list[tuple[int, datetime | None, datetime | None]]) -> int:
        """Store each ``(participant, was, next)``, unless it changed meanwhile.

        A participant whose settings changed while we planned has ``next_plan_at`` NULL
        again (the hook below); keeping that NULL replans them with the new settings.
        """
        updated = 0
        for was_null in (True, False):
            params = [{"pid": pid, "was": was, "next": nxt} for pid, was, nxt in decided
                      if (was is None) is was_null]
            if not params:
                continue
            unchanged = (Participant.next_plan_at.is_(None) if was_null
                         else Participant.next_plan_at == bindparam("was", type_=UTCDateTime))
            statement = (update(Participant).where(Participant.id == bindparam("pid"), unchanged)
                         .values(next_plan_at=bindparam("next", type_=UTCDateTime))
                         .execution_options(synchronize_session=False))
            result = await self.session.connection()
            outcome = await result.execute(statement, params)
            updated += int(getattr(outcome, "rowcount", 0) or 0)
        return updated

    async def activate(self, participant_ids: list[int]) -> None:
        """Waiting -> active: the start date has come."""
        if participant_ids:
            await self.session.execute(
                update(Participant).where(Participant.id.in_(participant_ids),
                                          Participant.status == "waiting")
                .values(status="active").execution_options(synchronize_session=False))

    async def replan(self, participant_id: int) -> None:
        """Look at this participant at the next tick (their appointments changed)."""
        await self.session.execute(
            update(Participant).where(Participant.id == participant_id)
            .values(next_plan_at=None).execution_options(synchronize_session=False))


PLANNED_STATUSES = ("waiting", "active")
# A change to any of these may change what is due for the person, or when.
_PLANNING_INPUTS = ("status", "start_date", "checkin_time", "timezone", "preferences",
                    "unreachable_since")


@event.listens_for(Participant, "before_update")
def _replan_on_change(_mapper: Any, _connection: Any, participant: Participant) -> None:
    """Whatever flow changed a planning input, the planner looks again at the next tick."""
    state = inspect(participant)
    if any(state.attrs[name].history.has_changes() for name in _PLANNING_INPUTS):
        participant.next_plan_at = None
