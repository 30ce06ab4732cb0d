"""Forget me: leave Steady and have personal records deleted.

What goes and what stays is said plainly before anything is asked: the journal, reflections,
plan, name, colour words and check-in notes are deleted; safeguarding flags and the audit
log are kept, because safeguarding records must be; the facilitator is told. Deleting
cannot be undone, so it takes two confirmations, and "keep" at either one changes nothing.
The shell does the deleting (ForgetMe); the goodbye comes after it, so the shell's clearing
of this chat's unsent messages cannot swallow it.

    start -begin-> explain -yes-> confirm -delete-> done (ForgetMe, goodbye)
    explain -no-> done (kept, menu) ;  confirm -keep-> done (kept, menu)
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from dialogues.effects import ForgetMe, Say
from dialogues.flow import Flow, FlowModel
from dialogues.menu import menu_reply

NAME = "forget"


class States(Enum):
    start = "start"
    explain = "explain"
    confirm = "confirm"
    done = "done"


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": States.start, "dest": States.explain},
    {"trigger": "yes", "source": States.explain, "dest": States.confirm},
    {"trigger": "no", "source": States.explain, "dest": States.done, "before": "keep_data"},
    {"trigger": "delete", "source": States.confirm, "dest": States.done, "before": "forget"},
    {"trigger": "keep", "source": States.confirm, "dest": States.done, "before": "keep_data"},
]


class Forget(FlowModel):
    def on_enter_explain(self) -> None:
        self.say("forget.explain",
                 [self.button(Say("forget.button.yes"), "yes")],
                 [self.button(Say("forget.button.no"), "no")])

    def on_enter_confirm(self) -> None:
        self.say("forget.confirm",
                 [self.button(Say("forget.button.delete"), "delete")],
                 [self.button(Say("forget.button.keep"), "keep")])

    def keep_data(self) -> None:
        self.say("forget.kept")
        self.do(menu_reply())

    def forget(self) -> None:
        self.do(ForgetMe())
        self.say("forget.goodbye")


FLOW = Flow(NAME, States, TRANSITIONS, Forget, done=States.done)
