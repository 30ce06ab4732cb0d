"""Answering "Do you still want to take part?" (sent now and then to people on the waiting list).

"Yes" is thanked and nothing else. "I have a question" asks them to type it and passes it to
the facilitator. "Not any more" asks once whether to tell the facilitator; if so, they are
told. Nobody is withdrawn here: the facilitator talks it through and decides with them, and
the reply says so plainly. What is typed here is screened by the engine first, as always.

    start -begin-> done (yes) | question | confirm_no ;  start -begin-> stale (anything else)
    question -text-> done (fits) | question (too long) ;  question -never_mind-> done
    confirm_no -tell-> done ;  confirm_no -not_yet-> done
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from dialogues.answer_checks import MAX_TYPED
from dialogues.effects import AskFacilitator, Say
from dialogues.errors import StaleButton
from dialogues.flow import Flow, FlowModel

NAME = "stay"


class States(Enum):
    start = "start"
    question = "question"
    confirm_no = "confirm_no"
    done = "done"


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": States.start, "dest": States.done,
     "conditions": "answered_yes", "before": "thank"},
    {"trigger": "begin", "source": States.start, "dest": States.question,
     "conditions": "has_question"},
    {"trigger": "begin", "source": States.start, "dest": States.confirm_no,
     "conditions": "answered_no"},
    {"trigger": "begin", "source": States.start, "dest": States.done,
     "conditions": "unknown_answer"},
    {"trigger": "text", "source": States.question, "dest": States.done,
     "conditions": "question_fits", "before": "pass_on_question"},
    {"trigger": "text", "source": States.question, "dest": States.question,
     "before": "refuse_question"},
    {"trigger": "never_mind", "source": States.question, "dest": States.done,
     "before": "drop_question"},
    {"trigger": "tell", "source": States.confirm_no, "dest": States.done,
     "before": "tell_facilitator"},
    {"trigger": "not_yet", "source": States.confirm_no, "dest": States.done,
     "before": "keep_as_is"},
]


class Stay(FlowModel):
    @property
    def answer(self) -> str:
        return str(self.data.get("arg", ""))

    def answered_yes(self) -> bool:
        return self.answer == "yes"

    def has_question(self) -> bool:
        return self.answer == "question"

    def answered_no(self) -> bool:
        return self.answer == "no"

    def unknown_answer(self) -> bool:
        raise StaleButton(f"stay.{self.answer[:20]}")

    def thank(self) -> None:
        self.say("answers.stay_yes")

    def on_enter_question(self) -> None:
        self.say("answers.stay_question_ask",
                 [self.button(Say("answers.button.never_mind"), "never_mind")])

    def question_fits(self) -> bool:
        return 0 < len(self.typed) <= MAX_TYPED

    def refuse_question(self) -> None:
        self.say("answers.message_too_long", limit=str(MAX_TYPED))

    def pass_on_question(self) -> None:
        self.do(AskFacilitator(
            note=Say("facilitator.answers.stay_question", {"message": self.typed}),
            told=Say("answers.stay_question_told"), untold=Say("answers.stay_question_untold")))

    def drop_question(self) -> None:
        self.say("answers.nothing_passed_on")

    def on_enter_confirm_no(self) -> None:
        self.say("answers.stay_no_confirm",
                 [self.button(Say("answers.button.tell_facilitator"), "tell")],
                 [self.button(Say("answers.button.not_yet"), "not_yet")])

    def tell_facilitator(self) -> None:
        self.do(AskFacilitator(
            note=Say("facilitator.answers.stay_no"),
            told=Say("answers.stay_no_told"), untold=Say("answers.stay_no_untold")))

    def keep_as_is(self) -> None:
        self.say("answers.nothing_passed_on")


FLOW = Flow(NAME, States, TRANSITIONS, Stay, done=States.done)
