"""Checks the answer flows share: whose appointment a button names, and how to show its time.

A proactive button carries an appointment id in its callback data, which a client can
change. The shell loads only the sender's own appointments into ``ctx.profile.appointments``
(the sender found by the update's Telegram id), so an id that is not there is someone
else's or gone: a stale button, answered like any other expired one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dialogues.errors import StaleButton
from dialogues.flow import AppointmentFacts, Context

MAX_TYPED = 500  # characters in a short message to the facilitator or a feedback comment


def aware(at: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored in UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def own_appointment(ctx: Context, arg: str) -> AppointmentFacts:
    """The sender's appointment named by ``arg``, or StaleButton."""
    if not (arg.isascii() and arg.isdigit()) or len(arg) > 12:
        raise StaleButton(f"appointment {arg[:20]}")
    wanted = int(arg)
    for appointment in ctx.profile.appointments:
        if appointment.appointment_id == wanted:
            return appointment
    raise StaleButton(f"appointment {wanted}")


def upcoming_appointment(ctx: Context, arg: str) -> AppointmentFacts:
    """The sender's appointment if it is still scheduled and still ahead, or StaleButton."""
    appointment = own_appointment(ctx, arg)
    if appointment.status != "scheduled" or aware(appointment.starts_at) <= ctx.now:
        raise StaleButton(f"appointment {appointment.appointment_id}")
    return appointment


def local_date_time(ctx: Context, at: datetime) -> dict[str, str]:
    """``date`` ("Tuesday 3 March") and ``time`` ("14:00") in the participant's timezone."""
    local = aware(at).astimezone(ZoneInfo(ctx.profile.timezone))
    return {"date": f"{local:%A} {local.day} {local:%B}", "time": f"{local:%H:%M}"}
