"""Appointments as the programme admin books them (`steady session ...`).

Times are given in the participant's own timezone. Moving or cancelling withdraws the
reminders already queued for the appointment (not yet sent); the participant is replanned
at the next tick, which queues the reminders for the new time. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from dialogues.planner import appointment_key_prefix
from dialogues.preferences import PROGRAMME_WEEKS
from storage.models import Appointment, Participant
from storage.uow import UnitOfWork

TIME_FORMAT = "%Y-%m-%d %H:%M"
OUTCOMES = ("attended", "missed")


class SessionError(ValueError):
    """Bad input from the admin: shown as one line, exit code 2."""


@dataclass(frozen=True)
class Booked:
    id: int
    alias: str
    local: str  # "YYYY-MM-DD HH:MM" in the participant's timezone
    timezone: str
    week: int | None
    status: str
    withdrawn: int = 0  # queued reminders taken back


async def add_session(uow: UnitOfWork, alias: str, at: str, week: int | None,
                      now: datetime) -> Booked:
    participant = await _participant(uow, alias)
    if week is not None and not 1 <= week <= PROGRAMME_WEEKS:
        raise SessionError(f"--week must be 1 to {PROGRAMME_WEEKS}, not {week}")
    starts = _future(at, participant.timezone, now)
    appointment = await uow.appointments.add(participant.id, starts, week, now)
    await uow.audit.add(now, "admin", "session.add", participant.id,
                        {"appointment": appointment.id})
    await uow.commit()
    return _booked(appointment, participant)


async def move_session(uow: UnitOfWork, appointment_id: int, at: str, now: datetime) -> Booked:
    appointment, participant = await _appointment(uow, appointment_id)
    if appointment.status == "cancelled":
        raise SessionError(f"appointment {appointment_id} is cancelled: book a new one")
    starts = _future(at, participant.timezone, now)
    withdrawn = await uow.outbox.cancel_pending(participant.chat_id,
                                                appointment_key_prefix(appointment.id))
    await uow.appointments.move(appointment, starts, now)
    await uow.audit.add(now, "admin", "session.move", participant.id,
                        {"appointment": appointment.id, "withdrawn": withdrawn})
    await uow.commit()
    return _booked(appointment, participant, withdrawn)


async def cancel_session(uow: UnitOfWork, appointment_id: int, now: datetime) -> Booked:
    return await _set_status(uow, appointment_id, "cancelled", now)


async def record_outcome(uow: UnitOfWork, appointment_id: int, outcome: str,
                         now: datetime) -> Booked:
    if outcome not in OUTCOMES:
        raise SessionError(f"outcome must be one of {', '.join(OUTCOMES)}")
    return await _set_status(uow, appointment_id, outcome, now)


async def list_sessions(uow: UnitOfWork, alias: str) -> list[Booked]:
    participant = await _participant(uow, alias)
    return [_booked(a, participant) for a in await uow.appointments.of_participant(participant.id)]


async def _set_status(uow: UnitOfWork, appointment_id: int, status: str,
                      now: datetime) -> Booked:
    appointment, participant = await _appointment(uow, appointment_id)
    if appointment.status == "cancelled":
        raise SessionError(f"appointment {appointment_id} is already cancelled")
    # Whatever was queued for the old status (reminders, or a feedback request) is withdrawn.
    withdrawn = await uow.outbox.cancel_pending(participant.chat_id,
                                                appointment_key_prefix(appointment.id))
    await uow.appointments.set_status(appointment, status, now)
    await uow.audit.add(now, "admin", f"session.{status}", participant.id,
                        {"appointment": appointment.id, "withdrawn": withdrawn})
    await uow.commit()
    return _booked(appointment, participant, withdrawn)


async def _participant(uow: UnitOfWork, alias: str) -> Participant:
    found = list(await uow.session.scalars(select(Participant).where(Participant.alias == alias)))
    if not found:
        raise SessionError(f"no participant with alias {alias!r}")
    if len(found) > 1:
        raise SessionError(f"{len(found)} participants share the alias {alias!r}")
    return found[0]


async def _appointment(uow: UnitOfWork, appointment_id: int) -> tuple[Appointment, Participant]:
    appointment = await uow.appointments.get(appointment_id)
    participant = await uow.participants.get(appointment.participant_id) if appointment else None
    if appointment is None or participant is None:
        raise SessionError(f"no appointment with id {appointment_id}")
    return appointment, participant


def _future(text: str, timezone: str, now: datetime) -> datetime:
    try:
        local = datetime.strptime(text, TIME_FORMAT)
    except ValueError:
        raise SessionError(f"--at must look like 2026-12-01 14:00, not {text!r}") from None
    starts = local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    if starts <= now:
        raise SessionError(f"{text} ({timezone}) has already passed")
    return starts


def _booked(appointment: Appointment, participant: Participant, withdrawn: int = 0) -> Booked:
    local = appointment.starts_at.astimezone(ZoneInfo(participant.timezone))
    return Booked(appointment.id, participant.alias, local.strftime(TIME_FORMAT),
                  participant.timezone, appointment.week, appointment.status, withdrawn)
