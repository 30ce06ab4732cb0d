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
