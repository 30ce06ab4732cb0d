"""Answering an appointment reminder: "I'll be there" or "I need to rearrange".

Both buttons name the appointment (``appt_yes.<id>``, ``appt_move.<id>``); it must be the
sender's own, still scheduled and still ahead, or the press is stale. "I'll be there" is
recorded and thanked in one step, leaving whatever else the person was doing where it was.
"I need to rearrange" is recorded and passed to the facilitator at once (so a person who
stops there has still been heard), then asks for an optional short note, which follows the
first message, quoted. With no facilitator assigned it says so and asks nothing more. What
is typed here is screened by the engine like any other message before it reaches this flow.

    start -attending-> done ;  start -rearrange-> message (a facilitator) | done (none)
    message -text-> done (fits) | message (too long: asked again)
    message -skip-> done
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from dialogues.answer_checks import MAX_TYPED, local_date_time, upcoming_appointment
from dialogues.effects import AskFacilitator, RecordAppointmentResponse, Say
from dialogues.flow import Flow, FlowModel

NAME = "appointment_answer"
ATTENDING = "attending"
REARRANGE = "rearrange"


class States(Enum):
    start = "start"
    message = "message"
    done = "done"


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "attending", "source": States.start, "dest": States.done,
     "before": "record_attending"},
    {"trigger": "rearrange", "source": States.start, "dest": States.message,
     "conditions": "has_facilitator", "before": "record_rearrange"},
    {"trigger": "rearrange", "source": States.start, "dest": States.done,
     "before": "record_rearrange"},
    {"trigger": "text", "source": States.message, "dest": States.done,
     "conditions": "message_fits", "before": "pass_note_on"},
    {"trigger": "text", "source": States.message, "dest": States.message,
     "before": "refuse_message"},
    {"trigger": "skip", "source": States.message, "dest": States.done,
     "before": "no_note"},
]


class AppointmentAnswer(FlowModel):
    def _record(self, response: str) -> None:
        appointment = upcoming_appointment(self.ctx, str(self.data.get("arg", "")))
        self.data["appointment"] = appointment.appointment_id
        self.data.update(local_date_time(self.ctx, appointment.starts_at))
        self.do(RecordAppointmentResponse(appointment.appointment_id, response, self.event.at))

    def record_attending(self) -> None:
        self._record(ATTENDING)
        self.say("answers.attending_thanks", date=self.data["date"], time=self.data["time"])

    def has_facilitator(self) -> bool:
        return self.ctx.profile.has_facilitator

    def record_rearrange(self) -> None:
        self._record(REARRANGE)
        self.do(AskFacilitator(
            note=Say("facilitator.answers.rearrange", self._when()),
            told=Say("answers.rearrange_told"), untold=Say("answers.rearrange_untold")))

    def on_enter_message(self) -> None:
        self.say("answers.rearrange_ask",
                 [self.button(Say("answers.button.no_message"), "skip")])

    def message_fits(self) -> bool:
        return 0 < len(self.typed) <= MAX_TYPED

    def refuse_message(self) -> None:
        self.say("answers.message_too_long", limit=str(MAX_TYPED))

    def _when(self) -> dict[str, str]:
        return {"date": str(self.data["date"]), "time": str(self.data["time"])}

    def pass_note_on(self) -> None:
        self.do(AskFacilitator(
            note=Say("facilitator.answers.rearrange_message",
                     {**self._when(), "message": self.typed}),
            told=Say("answers.rearrange_note_told"), untold=Say("answers.rearrange_untold")))

    def no_note(self) -> None:
        self.say("answers.rearrange_no_note")


FLOW = Flow(NAME, States, TRANSITIONS, AppointmentAnswer, done=States.done)
