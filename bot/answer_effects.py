"""Apply the effects of answers to proactive messages, and load the facts those flows check.

The flows have already checked the appointment against the sender's own appointments; the
writes here check ownership again, since the row may have changed hands or gone between
loading and applying (and a second check costs nothing inside the same transaction).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Literal

from dialogues.effects import AskFacilitator, RecordAppointmentResponse, SaveSessionFeedback, Say
from dialogues.flow import AppointmentFacts
from storage.models import Appointment, Participant, SessionFeedback
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
# Who a note reached: the participant's facilitator, the team chat (none is assigned), or
# nobody (neither is there).
Told = Literal["facilitator", "team"] | None
Notify = Callable[[Say], Awaitable[Told]]
Answer = Callable[[Say], Awaitable[None]]  # a reply in the participant's chat

AnswerEffect = RecordAppointmentResponse | SaveSessionFeedback | AskFacilitator


async def appointment_facts(uow: UnitOfWork, participant_id: int) -> tuple[AppointmentFacts, ...]:
    """The participant's own appointments, for the answer flows to check buttons against."""
    answered = await uow.feedback.answered_appointments(participant_id)
    return tuple(
        AppointmentFacts(a.id, a.starts_at, a.status, a.id in answered)
        for a in await uow.appointments.of_participant(participant_id))


class AnswerEffects:
    def __init__(self, uow: UnitOfWork, participant: Participant, now: datetime,
                 notify: Notify, answer: Answer) -> None:
        self.uow = uow
        self.participant = participant
        self.now = now
        self.notify = notify
        self.answer = answer

    async def apply(self, effect: AnswerEffect) -> None:
        match effect:
            case RecordAppointmentResponse():
                await self.record_response(effect)
            case SaveSessionFeedback():
                await self.save_feedback(effect)
            case AskFacilitator(note, told, untold):
                who = await self.notify(note)
                reply = told if who == "facilitator" else untold
                if who == "team" and told is not None:
                    reply = Say("answers.told_team")  # honest: no facilitator of theirs yet
                if reply is not None:
                    await self.answer(reply)

    async def _own(self, appointment_id: int) -> Appointment | None:
        appointment = await self.uow.appointments.get(appointment_id)
        if appointment is None or appointment.participant_id != self.participant.id:
            log.warning("participant %s answered for appointment %s, not theirs",
                        self.participant.id, appointment_id)
            return None
        return appointment

    async def record_response(self, effect: RecordAppointmentResponse) -> None:
        appointment = await self._own(effect.appointment_id)
        if appointment is None:
            return
        appointment.response, appointment.responded_at = effect.response, effect.at
        appointment.updated_at = self.now
        await self.uow.audit.add(self.now, f"participant:{self.participant.id}",
                                 f"appointment.{effect.response}", self.participant.id,
                                 {"appointment_id": str(appointment.id)})

    async def save_feedback(self, effect: SaveSessionFeedback) -> None:
        if await self._own(effect.appointment_id) is None:
            return
        comment = self.uow.cipher.encrypt(effect.comment) if effect.comment else None
        stored = await self.uow.feedback.add(SessionFeedback(
            participant_id=self.participant.id, appointment_id=effect.appointment_id,
            clear_pace=effect.clear_pace, useful=effect.useful, met_needs=effect.met_needs,
            comment_enc=comment, created_at=effect.at))
        if not stored:  # two goes at once: the first one counts
            log.info("feedback for appointment %s was already given", effect.appointment_id)
