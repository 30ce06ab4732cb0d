"""Appointments (one-to-one sessions) and the feedback given after them.

The planner reads appointments to plan their reminders; moving or cancelling one is written
here and the planner withdraws or replaces the reminders it had queued.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Appointment, SessionFeedback


class Appointments:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, participant_id: int, starts_at: datetime, week: int | None,
                  now: datetime) -> Appointment:
        appointment = Appointment(participant_id=participant_id, starts_at=starts_at, week=week,
                                  status="scheduled", created_at=now, updated_at=now)
        self.session.add(appointment)
        await self.session.flush()
        return appointment

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
