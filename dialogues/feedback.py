"""Feedback after a session: the programme's three questions, then an optional comment.

The button names the appointment (``feedback.<id>``): it must be the sender's own and
attended, or the press is stale. Feedback is given once per appointment; a second go is
told it is already in. One question at a time, each answered 1-5 by button, then a comment
typed or skipped. Nothing is stored until the end, so stopping half way keeps nothing.

    start -begin-> clear_pace | done (already answered)
    clear_pace -score-> useful -score-> met_needs -score-> comment
    comment -text-> done (fits) | comment (too long) ;  comment -skip-> done
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from dialogues.answer_checks import MAX_TYPED, own_appointment
from dialogues.effects import Button, SaveSessionFeedback, Say
from dialogues.errors import StaleButton
from dialogues.flow import Flow, FlowModel

NAME = "feedback"
SCORES = ("1", "2", "3", "4", "5")
QUESTIONS = ("clear_pace", "useful", "met_needs")


class States(Enum):
    start = "start"
    clear_pace = "clear_pace"
    useful = "useful"
    met_needs = "met_needs"
    comment = "comment"
    done = "done"


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": States.start, "dest": States.clear_pace,
     "conditions": "attended_and_open"},
    {"trigger": "begin", "source": States.start, "dest": States.done,
     "before": "already_answered"},
    {"trigger": "score", "source": States.clear_pace, "dest": States.useful,
     "conditions": "valid_score", "before": "keep_score"},
    {"trigger": "score", "source": States.useful, "dest": States.met_needs,
     "conditions": "valid_score", "before": "keep_score"},
    {"trigger": "score", "source": States.met_needs, "dest": States.comment,
     "conditions": "valid_score", "before": "keep_score"},
    {"trigger": "text", "source": States.comment, "dest": States.done,
     "conditions": "comment_fits", "before": "save_with_comment"},
    {"trigger": "text", "source": States.comment, "dest": States.comment,
     "before": "refuse_comment"},
    {"trigger": "skip", "source": States.comment, "dest": States.done,
     "before": "save_without_comment"},
]


class Feedback(FlowModel):
    def attended_and_open(self) -> bool:
        appointment = own_appointment(self.ctx, str(self.data.get("arg", "")))
        if appointment.status != "attended":
            raise StaleButton(f"feedback {appointment.appointment_id}")
        self.data = {"appointment": appointment.appointment_id}
        return not appointment.feedback_given

    def already_answered(self) -> None:
        self.say("answers.feedback_already")

    def scale(self) -> list[Button]:
        return [self.button(score, f"score.{score}") for score in SCORES]

    def on_enter_clear_pace(self) -> None:
        self.say("answers.feedback_clear_pace", self.scale())

    def on_enter_useful(self) -> None:
        self.say("answers.feedback_useful", self.scale())

    def on_enter_met_needs(self) -> None:
        self.say("answers.feedback_met_needs", self.scale())

    def valid_score(self) -> bool:
        if self.arg not in SCORES:
            raise StaleButton(f"feedback score {self.arg[:20]}")
        return True

    def keep_score(self) -> None:
        self.data[self.state.name] = int(self.arg)

    def on_enter_comment(self) -> None:
        self.say("answers.feedback_comment_ask",
                 [self.button(Say("answers.button.no_comment"), "skip")])

    def comment_fits(self) -> bool:
        return 0 < len(self.typed) <= MAX_TYPED

    def refuse_comment(self) -> None:
        self.say("answers.message_too_long", limit=str(MAX_TYPED))

    def _save(self, comment: str | None) -> None:
        clear_pace, useful, met_needs = (int(self.data[q]) for q in QUESTIONS)
        self.do(SaveSessionFeedback(int(self.data["appointment"]), clear_pace, useful,
                                    met_needs, comment, self.event.at))
        self.say("answers.feedback_thanks")

    def save_with_comment(self) -> None:
        self._save(self.typed)

    def save_without_comment(self) -> None:
        self._save(None)


FLOW = Flow(NAME, States, TRANSITIONS, Feedback, done=States.done)
